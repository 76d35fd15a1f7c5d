/*
 * dict_db - hash: and btree: tables over Berkeley DB 5 files.
 *
 * dict_hash_open(name, ...) and dict_btree_open(name, ...) open the file
 * name.db as a DB_HASH or DB_BTREE database, without a DB environment,
 * the way Postfix does, so that files built by either system are read by
 * the other.  dict_db_open_path() opens a file under another name (a
 * builder's temporary file) for table type:name.  The open flags are
 * open(2)'s: O_RDONLY, O_RDWR, O_CREAT, O_TRUNC, O_EXCL.
 *
 * Keys and values: with DICT_FLAG_TRY1NULL they are stored with their
 * terminating NUL byte, with DICT_FLAG_TRY0NULL without it.  A handle
 * opened with neither gets both: writes then use the NUL (Postfix's
 * default), lookups try with the NUL and then without, and the first hit
 * settles the question for the life of the handle.  Lookup, update and
 * delete keys are folded per dict_fold() (DICT_FLAG_FOLD_FIX lowercases).
 * dict_seq() walks the file with a cursor and strips one trailing NUL.
 *
 * Duplicates: an update of a key that exists replaces the value with
 * DICT_FLAG_DUP_REPLACE, keeps the old one and returns 1 with
 * DICT_FLAG_DUP_IGNORE (and a warning with DICT_FLAG_DUP_WARN), and else
 * fails with DICT_ERR_CONFIG.  A delete of a missing key returns 1.
 *
 * Locks: with DICT_FLAG_LOCK each operation takes an fcntl() lock on the
 * database file, shared to read and exclusive to write, waiting at most
 * DICT_DB_LOCK_WAIT_MS; a lock that cannot be had is DICT_ERR_RETRY.
 * With DICT_FLAG_BULK_UPDATE the caller holds an exclusive lock on
 * d->lock_fd for the whole session (mkmap does), and the handle takes
 * none: a second fcntl() lock by the same process would replace it.
 *
 * Rebuilt files: before each lookup, and at the start of a walk, a
 * read-only handle compares the device, inode, size and modification
 * time of name.db with those of the file it has open (one stat(2)) and
 * reopens it when they differ, so that it follows both a file renamed
 * into place and one rewritten where it stands.  A change within one
 * tick of the file system's clock that keeps the size is not seen.
 *
 * Cache sizes: DICT_DB_READ_CACHE for reading, DICT_DB_CREATE_CACHE when
 * creating (O_CREAT) or bulk updating; dict_db_set_cache_sizes() changes
 * them for handles opened later (berkeley_db_read_buffer_size and
 * berkeley_db_create_buffer_size).
 *
 * Errors: open failures return NULL with "open database PATH: reason" in
 * err.  Failed operations return as dict.h says, with d->error set and a
 * warning logged.  Memory exhaustion is fatal; a bad dict_seq() function
 * or dict_db_sync() of another table type is our bug and panics.
 */
#include <db.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dict_db.h"
#include "lock_file.h"
#include "msg.h"
#include "mymalloc.h"

typedef struct DICT_DB {
    DICT dict;
    DB *db;         /* the open database */
    DBC *cursor;    /* dict_seq() in progress, or NULL */
    DBTYPE db_type; /* DB_HASH or DB_BTREE */
    char *path;     /* the file, "name.db" */
    int try_flags;  /* the TRY0NULL/TRY1NULL flags as opened */
    struct stat st; /* the file as opened */
    STRBUF *val;    /* the last result */
    STRBUF *seq_key;
} DICT_DB;

/* Rounds of "the file changed, reopen it" in one operation. */
#define DICT_DB_REOPEN_TRIES 3

static size_t dict_db_read_cache = DICT_DB_READ_CACHE;
static size_t dict_db_create_cache = DICT_DB_CREATE_CACHE;

/* Berkeley DB's last complaint, added to the reason of a failed open. */
static char dict_db_last_msg[256];

/* dict_db_set_cache_sizes - cache bytes of later read and create opens */
void
dict_db_set_cache_sizes(size_t read_size, size_t create_size)
{
    dict_db_read_cache = read_size;
    dict_db_create_cache = create_size;
}

/* ddb_errcall - keep what Berkeley DB says; it would print to stderr */
static void
ddb_errcall(const DB_ENV *env, const char *prefix, const char *text)
{
    (void) env;
    (void) prefix;
    snprintf(dict_db_last_msg, sizeof(dict_db_last_msg), "%s", text);
    if (msg_verbose)
        msg_info("berkeley db: %s", text);
}

/* ddb_flags - Berkeley DB open flags for open(2) flags */
static u_int32_t
ddb_flags(int open_flags)
{
    u_int32_t flags = 0;

    if ((open_flags & O_ACCMODE) == O_RDONLY)
        flags |= DB_RDONLY;
    if (open_flags & O_CREAT)
        flags |= DB_CREATE;
    if (open_flags & O_TRUNC)
        flags |= DB_TRUNCATE;
    if (open_flags & O_EXCL)
        flags |= DB_EXCL;
    return flags;
}

/* ddb_handle_open - open path as a database; 0, or -1 with a reason */
static int
ddb_handle_open(const char *path, DBTYPE type, int open_flags, int dict_flags,
                DB **dbp, STRBUF *err)
{
    int create = (open_flags & O_CREAT) || (dict_flags & DICT_FLAG_BULK_UPDATE);
    size_t cache = create ? dict_db_create_cache : dict_db_read_cache;
    int ret;

    if ((ret = db_create(dbp, NULL, 0)) != 0) {
        *dbp = NULL;
        strbuf_sprintf(err, "open database %s: %s", path, db_strerror(ret));
        return -1;
    }
    (*dbp)->set_errcall(*dbp, ddb_errcall);
    dict_db_last_msg[0] = 0;
    if ((ret = (*dbp)->set_cachesize(*dbp, (u_int32_t) (cache >> 30),
                                     (u_int32_t) (cache & ((1 << 30) - 1)),
                                     0)) != 0 ||
        (ret = (*dbp)->open(*dbp, NULL, path, NULL, type, ddb_flags(open_flags),
                            0644)) != 0) {
        strbuf_sprintf(err, "open database %s: %s", path, db_strerror(ret));
        if (dict_db_last_msg[0] != 0 && ret != ENOENT)
            strbuf_sprintf_cat(err, " (%s)", dict_db_last_msg);
        (void) (*dbp)->close(*dbp, 0);
        *dbp = NULL;
        return -1;
    }
    return 0;
}

/* ddb_fd_stat - the descriptor of the open file, and what it is */
static int
ddb_fd_stat(DB *db, int *fd, struct stat *st)
{
    if (db->fd(db, fd) != 0 || fstat(*fd, st) < 0)
        return -1;
    return 0;
}

/* ddb_changed - does the path name another file than the one open? */
static int
ddb_changed(DICT_DB *dd)
{
    struct stat st;

    /* A removed file is not a new one: keep what we have. */
    if (stat(dd->path, &st) < 0)
        return 0;
    return st.st_dev != dd->st.st_dev || st.st_ino != dd->st.st_ino ||
           st.st_size != dd->st.st_size ||
           st.st_mtim.tv_sec != dd->st.st_mtim.tv_sec ||
           st.st_mtim.tv_nsec != dd->st.st_mtim.tv_nsec;
}

/* ddb_reopen - replace the open database by what the path names now */
static int
ddb_reopen(DICT_DB *dd)
{
    STRBUF *err = strbuf_create(100);
    DB *db = NULL;
    struct stat st;
    int fd;

    if (ddb_handle_open(dd->path, dd->db_type, O_RDONLY, dd->dict.flags, &db,
                        err) < 0 ||
        ddb_fd_stat(db, &fd, &st) < 0) {
        msg_warn("%s:%s: reopen after change: %s", dd->dict.type, dd->dict.name,
                 LEN(err) ? STR(err) : strerror(errno));
        if (db != NULL)
            (void) db->close(db, 0);
        strbuf_free(err);
        return -1;
    }
    if (msg_verbose)
        msg_info("%s:%s: file changed, reopened", dd->dict.type, dd->dict.name);
    (void) dd->db->close(dd->db, 0);
    dd->db = db;
    dd->st = st;
    dd->dict.lock_fd = fd;
    dd->dict.flags &= ~(DICT_FLAG_TRY0NULL | DICT_FLAG_TRY1NULL);
    dd->dict.flags |= dd->try_flags;
    strbuf_free(err);
    return 0;
}

/* ddb_locking - does this handle lock around each operation? */
static int
ddb_locking(DICT_DB *dd)
{
    return (dd->dict.flags & DICT_FLAG_LOCK) &&
           !(dd->dict.flags & DICT_FLAG_BULK_UPDATE);
}

/* ddb_lock - take the per-operation lock, if any */
static int
ddb_lock(DICT_DB *dd, int type)
{
    STRBUF *why;

    if (!ddb_locking(dd))
        return 0;
    why = strbuf_create(100);
    if (lock_file_fcntl(dd->dict.lock_fd, type, DICT_DB_LOCK_WAIT_MS, why) <
        0) {
        msg_warn("%s:%s: lock %s: %s", dd->dict.type, dd->dict.name, dd->path,
                 STR(why));
        dd->dict.error = DICT_ERR_RETRY;
        strbuf_free(why);
        return -1;
    }
    strbuf_free(why);
    return 0;
}

/* ddb_unlock - release the per-operation lock, if any */
static void
ddb_unlock(DICT_DB *dd)
{
    if (ddb_locking(dd) && lock_file_unlock(dd->dict.lock_fd, NULL) < 0)
        msg_warn("%s:%s: unlock %s: %s", dd->dict.type, dd->dict.name, dd->path,
                 strerror(errno));
}

/* ddb_acquire - lock, and follow a rebuilt file; 0, or -1 with d->error */
static int
ddb_acquire(DICT_DB *dd, int type)
{
    int tries;
    int readonly = (dd->dict.open_flags & O_ACCMODE) == O_RDONLY;

    for (tries = 0;; tries++) {
        if (ddb_lock(dd, type) < 0)
            return -1;
        /* Under the lock, no writer is changing the file where it stands. */
        if (!readonly || dd->cursor != NULL || tries >= DICT_DB_REOPEN_TRIES ||
            !ddb_changed(dd))
            return 0;
        ddb_unlock(dd);
        if (ddb_reopen(dd) < 0) {
            dd->dict.error = DICT_ERR_RETRY;
            return -1;
        }
    }
}

/* ddb_dbt - a DBT over len bytes of data */
static DBT
ddb_dbt(const char *data, size_t len)
{
    DBT dbt;

    memset(&dbt, 0, sizeof(dbt));
    dbt.data = (void *) data;
    dbt.size = (u_int32_t) len;
    return dbt;
}

/* ddb_copy - data without one trailing NUL into buf */
static const char *
ddb_copy(STRBUF *buf, const DBT *dbt)
{
    size_t len = dbt->size;

    if (len > 0 && ((const char *) dbt->data)[len - 1] == 0)
        len--;
    strbuf_memcpy(buf, dbt->data, len);
    return STR(buf);
}

/* ddb_get - one attempt at a key of len bytes; the value or NULL */
static const char *
ddb_get(DICT_DB *dd, const char *key, size_t len)
{
    DBT k = ddb_dbt(key, len);
    DBT v = ddb_dbt(NULL, 0);
    int ret;

    ret = dd->db->get(dd->db, NULL, &k, &v, 0);
    if (ret == 0)
        return ddb_copy(dd->val, &v);
    if (ret != DB_NOTFOUND) {
        msg_warn("%s:%s: lookup: %s", dd->dict.type, dd->dict.name,
                 db_strerror(ret));
        dd->dict.error = DICT_ERR_RETRY;
    }
    return NULL;
}

/* ddb_lookup - the value of key, trying the NUL conventions allowed */
static const char *
ddb_lookup(DICT *d, const char *key)
{
    DICT_DB *dd = (DICT_DB *) d;
    const char *value = NULL;
    size_t len;

    key = dict_fold(d, key);
    len = strlen(key);
    if (ddb_acquire(dd, LOCK_FILE_SHARED) < 0)
        return NULL;
    if ((d->flags & DICT_FLAG_TRY1NULL) &&
        (value = ddb_get(dd, key, len + 1)) != NULL)
        d->flags &= ~DICT_FLAG_TRY0NULL;
    if (value == NULL && d->error == DICT_ERR_NONE &&
        (d->flags & DICT_FLAG_TRY0NULL) &&
        (value = ddb_get(dd, key, len)) != NULL)
        d->flags &= ~DICT_FLAG_TRY1NULL;
    ddb_unlock(dd);
    return value;
}

/* ddb_duplicate - an update found the key; what the DUP flags say */
static int
ddb_duplicate(DICT *d, const char *key)
{
    if (d->flags & DICT_FLAG_DUP_IGNORE)
        return 1;
    msg_warn("%s:%s: duplicate entry: \"%s\"", d->type, d->name, key);
    if (d->flags & DICT_FLAG_DUP_WARN)
        return 1;
    d->error = DICT_ERR_CONFIG;
    return -1;
}

/* ddb_store - put key = value with the NUL convention of the handle */
static int
ddb_store(DICT *d, const char *key, const char *value)
{
    DICT_DB *dd = (DICT_DB *) d;
    size_t nul = (d->flags & DICT_FLAG_TRY1NULL) ? 1 : 0;
    DBT k = ddb_dbt(key, strlen(key) + nul);
    DBT v = ddb_dbt(value, strlen(value) + nul);
    u_int32_t flags = (d->flags & DICT_FLAG_DUP_REPLACE) ? 0 : DB_NOOVERWRITE;
    int ret;

    /* The file's convention is now ours, whatever else it holds. */
    if (nul)
        d->flags &= ~DICT_FLAG_TRY0NULL;
    ret = dd->db->put(dd->db, NULL, &k, &v, flags);
    if (ret == 0)
        return 0;
    if (ret == DB_KEYEXIST)
        return ddb_duplicate(d, key);
    msg_warn("%s:%s: update: %s", d->type, d->name, db_strerror(ret));
    d->error = DICT_ERR_RETRY;
    return -1;
}

/* ddb_writable - refuse to change a table opened read-only */
static int
ddb_writable(DICT *d)
{
    if ((d->open_flags & O_ACCMODE) != O_RDONLY)
        return 0;
    msg_warn("%s:%s: table is read-only", d->type, d->name);
    d->error = DICT_ERR_CONFIG;
    return -1;
}

/* ddb_sync_update - with DICT_FLAG_SYNC_UPDATE, flush a change at once */
static int
ddb_sync_update(DICT_DB *dd)
{
    int ret;

    /* Other processes read the file, not our cache: they must see it. */
    if ((dd->dict.flags & DICT_FLAG_SYNC_UPDATE) == 0 ||
        (ret = dd->db->sync(dd->db, 0)) == 0)
        return 0;
    msg_warn("%s:%s: sync: %s", dd->dict.type, dd->dict.name,
             db_strerror(ret));
    dd->dict.error = DICT_ERR_RETRY;
    return -1;
}

/* ddb_update - store key = value; see the header for duplicates */
static int
ddb_update(DICT *d, const char *key, const char *value)
{
    DICT_DB *dd = (DICT_DB *) d;
    int status;

    if (ddb_writable(d) < 0)
        return -1;
    if (strlen(key) > DICT_KEY_MAX) {
        msg_warn("%s:%s: key longer than %d bytes", d->type, d->name,
                 DICT_KEY_MAX);
        d->error = DICT_ERR_CONFIG;
        return -1;
    }
    key = dict_fold(d, key);
    if (ddb_acquire(dd, LOCK_FILE_EXCLUSIVE) < 0)
        return -1;
    status = ddb_store(d, key, value);
    if (status == 0)
        status = ddb_sync_update(dd);
    ddb_unlock(dd);
    return status;
}

/* ddb_del - one attempt at removing a key of len bytes; 0, 1, -1 */
static int
ddb_del(DICT_DB *dd, const char *key, size_t len)
{
    DBT k = ddb_dbt(key, len);
    int ret;

    ret = dd->db->del(dd->db, NULL, &k, 0);
    if (ret == 0)
        return 0;
    if (ret == DB_NOTFOUND)
        return 1;
    msg_warn("%s:%s: delete: %s", dd->dict.type, dd->dict.name,
             db_strerror(ret));
    dd->dict.error = DICT_ERR_RETRY;
    return -1;
}

/* ddb_delete - remove key; 1 when it was not there */
static int
ddb_delete(DICT *d, const char *key)
{
    DICT_DB *dd = (DICT_DB *) d;
    int status = 1;
    size_t len;

    if (ddb_writable(d) < 0)
        return -1;
    key = dict_fold(d, key);
    len = strlen(key);
    if (ddb_acquire(dd, LOCK_FILE_EXCLUSIVE) < 0)
        return -1;
    if ((d->flags & DICT_FLAG_TRY1NULL) &&
        (status = ddb_del(dd, key, len + 1)) == 0)
        d->flags &= ~DICT_FLAG_TRY0NULL;
    if (status == 1 && (d->flags & DICT_FLAG_TRY0NULL) &&
        (status = ddb_del(dd, key, len)) == 0)
        d->flags &= ~DICT_FLAG_TRY1NULL;
    if (status == 0)
        status = ddb_sync_update(dd);
    ddb_unlock(dd);
    return status;
}

/* ddb_cursor_end - forget the walk in progress */
static void
ddb_cursor_end(DICT_DB *dd)
{
    if (dd->cursor != NULL) {
        (void) dd->cursor->close(dd->cursor);
        dd->cursor = NULL;
    }
}

/* ddb_step - the first or next entry of the walk; 0, 1 at the end, -1 */
static int
ddb_step(DICT_DB *dd, int func, const char **key, const char **value)
{
    DBT k = ddb_dbt(NULL, 0);
    DBT v = ddb_dbt(NULL, 0);
    int ret = 0;

    /* NEXT after the end, or without a FIRST, stays at the end. */
    if (func == DICT_SEQ_FIRST)
        ret = dd->db->cursor(dd->db, NULL, &dd->cursor, 0);
    else if (dd->cursor == NULL)
        return 1;
    if (ret == 0)
        ret = dd->cursor->get(dd->cursor, &k, &v,
                              func == DICT_SEQ_FIRST ? DB_FIRST : DB_NEXT);
    else
        dd->cursor = NULL;
    if (ret == 0) {
        *key = ddb_copy(dd->seq_key, &k);
        *value = ddb_copy(dd->val, &v);
        return 0;
    }
    ddb_cursor_end(dd);
    if (ret == DB_NOTFOUND)
        return 1;
    msg_warn("%s:%s: sequence: %s", dd->dict.type, dd->dict.name,
             db_strerror(ret));
    dd->dict.error = DICT_ERR_RETRY;
    return -1;
}

/* ddb_sequence - walk the table: DICT_SEQ_FIRST, then DICT_SEQ_NEXT */
static int
ddb_sequence(DICT *d, int func, const char **key, const char **value)
{
    DICT_DB *dd = (DICT_DB *) d;
    int status;

    if (func != DICT_SEQ_FIRST && func != DICT_SEQ_NEXT)
        msg_panic("%s:%s: bad sequence function %d", d->type, d->name, func);
    if (func == DICT_SEQ_FIRST)
        ddb_cursor_end(dd);
    if (ddb_acquire(dd, LOCK_FILE_SHARED) < 0)
        return -1;
    status = ddb_step(dd, func, key, value);
    ddb_unlock(dd);
    return status;
}

/* ddb_close - close the database and release the handle */
static void
ddb_close(DICT *d)
{
    DICT_DB *dd = (DICT_DB *) d;
    int ret;

    ddb_cursor_end(dd);
    if ((ret = dd->db->close(dd->db, 0)) != 0)
        msg_warn("%s:%s: close: %s", d->type, d->name, db_strerror(ret));
    myfree(dd->path);
    strbuf_free(dd->val);
    strbuf_free(dd->seq_key);
    dict_free(d);
}

/* ddb_type_of - the Berkeley DB type of a table type; -1 if none */
static int
ddb_type_of(const char *type, DBTYPE *db_type)
{
    if (strcmp(type, "hash") == 0)
        *db_type = DB_HASH;
    else if (strcmp(type, "btree") == 0)
        *db_type = DB_BTREE;
    else
        return -1;
    return 0;
}

/* dict_db_is_type - is type one of this driver's? */
int
dict_db_is_type(const char *type)
{
    DBTYPE db_type;

    return ddb_type_of(type, &db_type) == 0;
}

/* ddb_handle - the DICT around an open database */
static DICT *
ddb_handle(const char *type, const char *name, const char *path, DB *db,
           int open_flags, int dict_flags)
{
    DICT_DB *dd = (DICT_DB *) dict_alloc(type, name, sizeof(*dd));

    dd->db = db;
    (void) ddb_type_of(type, &dd->db_type);
    dd->path = mystrdup(path);
    dd->val = strbuf_create(100);
    dd->seq_key = strbuf_create(100);
    if ((dict_flags & (DICT_FLAG_TRY0NULL | DICT_FLAG_TRY1NULL)) == 0)
        dict_flags |= DICT_FLAG_TRY0NULL | DICT_FLAG_TRY1NULL;
    dd->try_flags = dict_flags & (DICT_FLAG_TRY0NULL | DICT_FLAG_TRY1NULL);
    dd->dict.flags = dict_flags | DICT_FLAG_FIXED;
    dd->dict.open_flags = open_flags;
    dd->dict.lookup = ddb_lookup;
    dd->dict.update = ddb_update;
    dd->dict.delete = ddb_delete;
    dd->dict.sequence = ddb_sequence;
    dd->dict.close = ddb_close;
    return &dd->dict;
}

/* dict_db_open_path - open db_path as table type:name */
DICT *
dict_db_open_path(const char *type, const char *name, const char *db_path,
                  int open_flags, int dict_flags, STRBUF *err)
{
    DBTYPE db_type;
    DB *db;
    DICT *d;
    struct stat st;
    int fd;

    if (ddb_type_of(type, &db_type) < 0) {
        strbuf_sprintf(err, "%s:%s: not a Berkeley DB table type", type, name);
        return NULL;
    }
    if (ddb_handle_open(db_path, db_type, open_flags, dict_flags, &db, err) < 0)
        return NULL;
    if (ddb_fd_stat(db, &fd, &st) < 0) {
        strbuf_sprintf(err, "open database %s: no descriptor: %s", db_path,
                       strerror(errno));
        (void) db->close(db, 0);
        return NULL;
    }
    d = ddb_handle(type, name, db_path, db, open_flags, dict_flags);
    d->lock_fd = fd;
    ((DICT_DB *) d)->st = st;
    return d;
}

/* ddb_open_name - open name.db as table type:name */
static DICT *
ddb_open_name(const char *type, const char *name, int open_flags,
              int dict_flags, STRBUF *err)
{
    char *path = mymalloc(strlen(name) + sizeof(DICT_DB_SUFFIX));
    DICT *d;

    strcpy(path, name);
    strcat(path, DICT_DB_SUFFIX);
    d = dict_db_open_path(type, name, path, open_flags, dict_flags, err);
    myfree(path);
    return d;
}

/* dict_hash_open - open hash:name, the file name.db */
DICT *
dict_hash_open(const char *name, int open_flags, int dict_flags, STRBUF *err)
{
    return ddb_open_name("hash", name, open_flags, dict_flags, err);
}

/* dict_btree_open - open btree:name, the file name.db */
DICT *
dict_btree_open(const char *name, int open_flags, int dict_flags, STRBUF *err)
{
    return ddb_open_name("btree", name, open_flags, dict_flags, err);
}

/* dict_db_sync - write cached changes to the file and sync it */
int
dict_db_sync(DICT *d, STRBUF *err)
{
    DICT_DB *dd = (DICT_DB *) d;
    int ret;

    if (d->close != ddb_close)
        msg_panic("dict_db_sync: %s:%s is not a Berkeley DB table", d->type,
                  d->name);
    if ((ret = dd->db->sync(dd->db, 0)) != 0) {
        strbuf_sprintf(err, "%s: sync: %s", dd->path, db_strerror(ret));
        return -1;
    }
    if (fsync(d->lock_fd) < 0) {
        strbuf_sprintf(err, "%s: fsync: %s", dd->path, strerror(errno));
        return -1;
    }
    return 0;
}

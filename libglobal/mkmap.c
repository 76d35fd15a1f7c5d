/*
 * mkmap - build hash: and btree: tables atomically, and change them in
 * place, under a lock.
 *
 * A session starts with mkmap_open(type, name, mode, dict_flags, err).
 * It first takes an exclusive fcntl() lock on NAME.db.lock, a file made
 * beside the database and left there (removing a lock file races with
 * the next locker), waiting at most MKMAP_LOCK_WAIT_MS: two builds or
 * updates of one table never overlap.  Then:
 *
 *   MKMAP_REBUILD  A new database is written to a temporary file beside
 *                  NAME.db (atomic_file), with the mode, and, when we are
 *                  root, the owner of the old one (else mode 0644).
 *                  mkmap_commit() syncs it and renames it over NAME.db,
 *                  then syncs the directory: readers see the old table or
 *                  the new one, never part of one, and a build that fails
 *                  at any step leaves the old table as it was.  Readers
 *                  are never blocked; they follow the rename (dict_db).
 *   MKMAP_UPDATE   NAME.db must exist.  Changes are queued, and applied
 *                  by mkmap_commit() under an exclusive lock on NAME.db
 *                  itself, the lock readers with DICT_FLAG_LOCK share: a
 *                  reader sees none or all of them.  A crash while they
 *                  are applied can leave part of them, as with postmap.
 *
 * mkmap_append(m, key, value, err) adds an entry, mkmap_delete(m, key,
 * err) removes one; mkmap_load(m, src, err) appends every entry of a
 * source file (dict_source), so that a malformed line fails the session
 * before anything is committed.  Keys are folded per dict_flags
 * (DICT_FLAG_FOLD_FIX: postmap's default).
 *
 * Duplicate keys: the entry already there wins, unless dict_flags has
 * DICT_FLAG_DUP_REPLACE (postmap -r).  In a rebuild, mkmap_append() returns
 * 1 for an entry it did not store, and mkmap_load() warns with the file
 * and line unless DICT_FLAG_DUP_IGNORE.  In an update the table decides at
 * commit time and warns itself, unless DICT_FLAG_DUP_IGNORE (postmap -w).
 * The counts in MKMAP say what was done.  mkmap_delete() in a rebuild
 * returns 1 when the key was not there.
 *
 * mkmap_commit(m, err) puts the changes in place and releases the lock;
 * mkmap_abort(m) drops them and releases the lock; either ends the
 * session.  mkmap_free(m) aborts unless one of them was called, and frees.
 * mkmap_build(type, name, dict_flags, err) is "postmap type:name": the
 * source file name, rebuilt into name.db.
 *
 * An alias builder feeds pairs through mkmap_append() just the same.
 *
 * The session is the caller's.  Failures return NULL or -1 with the reason
 * in err; after a failed append, delete or load the caller aborts.  Memory
 * exhaustion is fatal; using a session after its commit or abort is our
 * bug and panics.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dict_db.h"
#include "lock_file.h"
#include "mkmap.h"
#include "msg.h"
#include "mymalloc.h"
#include "safe_open.h"

/* Queued update operations: three ARGV slots each. */
#define MKMAP_OP_PUT "+"
#define MKMAP_OP_DEL "-"

/* mkmap_concat - a new string a + b */
static char *
mkmap_concat(const char *a, const char *b)
{
    size_t len = strlen(a);
    char *s = mymalloc(len + strlen(b) + 1);

    memcpy(s, a, len);
    strcpy(s + len, b);
    return s;
}

/* mkmap_create - a session with its names, nothing open yet */
static MKMAP *
mkmap_create(const char *type, const char *name, int mode, int dict_flags)
{
    MKMAP *m = mycalloc(1, sizeof(*m));

    m->type = mystrdup(type);
    m->name = mystrdup(name);
    m->db_path = mkmap_concat(name, DICT_DB_SUFFIX);
    m->mode = mode;
    m->dict_flags = dict_flags;
    m->lock_fd = -1;
    return m;
}

/* mkmap_lock - lock NAME.db.lock exclusively; 0, or -1 with a reason */
static int
mkmap_lock(MKMAP *m, STRBUF *err)
{
    char *lock_path = mkmap_concat(m->db_path, MKMAP_LOCK_SUFFIX);
    STRBUF *why = strbuf_create(100);
    int status = -1;

    m->lock_fd = safe_open(lock_path, O_RDWR | O_CREAT, 0600, NULL, why);
    if (m->lock_fd < 0)
        strbuf_sprintf(err, "lock file %s", STR(why));
    else if (lock_file_fcntl(m->lock_fd, LOCK_FILE_EXCLUSIVE,
                             MKMAP_LOCK_WAIT_MS, why) < 0)
        strbuf_sprintf(err, "lock %s: %s", lock_path, STR(why));
    else
        status = 0;
    myfree(lock_path);
    strbuf_free(why);
    return status;
}

/* mkmap_unlock - release the lock file */
static void
mkmap_unlock(MKMAP *m)
{
    if (m->lock_fd >= 0) {
        (void) close(m->lock_fd);
        m->lock_fd = -1;
    }
}

/* mkmap_table_flags - the table's flags: no locks of its own, and dups */
static int
mkmap_table_flags(MKMAP *m)
{
    int dup = DICT_FLAG_DUP_WARN | DICT_FLAG_DUP_IGNORE | DICT_FLAG_DUP_REPLACE;
    int flags =
        (m->dict_flags & ~(DICT_FLAG_LOCK | dup)) | DICT_FLAG_BULK_UPDATE;

    if (m->dict_flags & DICT_FLAG_DUP_REPLACE)
        return flags | DICT_FLAG_DUP_REPLACE;
    /* A rebuild reports duplicates itself, with the file and line. */
    if (m->mode == MKMAP_REBUILD || (m->dict_flags & DICT_FLAG_DUP_IGNORE))
        return flags | DICT_FLAG_DUP_IGNORE;
    return flags | DICT_FLAG_DUP_WARN;
}

/* mkmap_start_rebuild - a new, empty table in a temporary file */
static int
mkmap_start_rebuild(MKMAP *m, STRBUF *err)
{
    struct stat st;
    int have_old = stat(m->db_path, &st) == 0;
    mode_t mode = have_old ? (st.st_mode & 07777) : 0644;

    if ((m->af = atomic_file_open(m->db_path, mode, err)) == NULL)
        return -1;
    /* Only root can give a file away; others make files of their own. */
    if (have_old && geteuid() == 0 &&
        fchown(ATOMIC_FILE_FD(m->af), st.st_uid, st.st_gid) < 0) {
        strbuf_sprintf(err, "%s: fchown: %s", m->af->temp_path,
                       strerror(errno));
        return -1;
    }
    m->dict = dict_db_open_path(m->type, m->name, m->af->temp_path,
                                O_RDWR | O_CREAT | O_TRUNC,
                                mkmap_table_flags(m), err);
    return m->dict != NULL ? 0 : -1;
}

/* mkmap_start_update - the existing table, and an empty queue */
static int
mkmap_start_update(MKMAP *m, STRBUF *err)
{
    m->dict = dict_db_open_path(m->type, m->name, m->db_path, O_RDWR,
                                mkmap_table_flags(m), err);
    m->ops = argv_alloc(30);
    return m->dict != NULL ? 0 : -1;
}

/* mkmap_open - lock type:name and start a rebuild or an update */
MKMAP *
mkmap_open(const char *type, const char *name, int mode, int dict_flags,
           STRBUF *err)
{
    MKMAP *m;
    int status;

    if (!dict_db_is_type(type)) {
        strbuf_sprintf(err, "%s:%s: cannot build tables of type %s", type, name,
                       type);
        return NULL;
    }
    if (mode != MKMAP_REBUILD && mode != MKMAP_UPDATE)
        msg_panic("mkmap_open: %s:%s: bad mode %d", type, name, mode);
    m = mkmap_create(type, name, mode, dict_flags);
    if ((status = mkmap_lock(m, err)) == 0)
        status = mode == MKMAP_REBUILD ? mkmap_start_rebuild(m, err)
                                       : mkmap_start_update(m, err);
    return status == 0 ? m : mkmap_free(m);
}

/* mkmap_live - panic when the session is over */
static void
mkmap_live(MKMAP *m, const char *func)
{
    if (m->done)
        msg_panic("%s: %s:%s: session already committed or aborted", func,
                  m->type, m->name);
}

/* mkmap_key_ok - a key the table can hold; 0, or -1 with a reason */
static int
mkmap_key_ok(MKMAP *m, const char *key, STRBUF *err)
{
    if (*key == 0)
        strbuf_sprintf(err, "%s:%s: empty key", m->type, m->name);
    else if (strlen(key) > DICT_KEY_MAX)
        strbuf_sprintf(err, "%s:%s: key longer than %d bytes", m->type, m->name,
                       DICT_KEY_MAX);
    else
        return 0;
    return -1;
}

/* mkmap_queue - remember an update operation for the commit */
static void
mkmap_queue(MKMAP *m, const char *op, const char *key, const char *value)
{
    argv_add(m->ops, op);
    argv_add(m->ops, key);
    argv_add(m->ops, value);
}

/* mkmap_put - store now; 0, 1 (duplicate kept), or -1 with a reason */
static int
mkmap_put(MKMAP *m, const char *key, const char *value, STRBUF *err)
{
    int status = dict_put(m->dict, key, value);

    if (status == 0)
        m->added++;
    else if (status == 1)
        m->duplicates++;
    else
        strbuf_sprintf(err, "%s:%s: cannot store \"%s\"", m->type, m->name,
                       key);
    return status;
}

/* mkmap_del - delete now; 0, 1 (not there), or -1 with a reason */
static int
mkmap_del(MKMAP *m, const char *key, STRBUF *err)
{
    int status = dict_del(m->dict, key);

    if (status == 0)
        m->deleted++;
    else if (status == 1)
        m->missing++;
    else
        strbuf_sprintf(err, "%s:%s: cannot delete \"%s\"", m->type, m->name,
                       key);
    return status;
}

/* mkmap_append - add key = value; 1 when a rebuild kept an older entry */
int
mkmap_append(MKMAP *m, const char *key, const char *value, STRBUF *err)
{
    mkmap_live(m, "mkmap_append");
    if (mkmap_key_ok(m, key, err) < 0)
        return -1;
    if (m->mode == MKMAP_UPDATE) {
        mkmap_queue(m, MKMAP_OP_PUT, key, value);
        return 0;
    }
    return mkmap_put(m, key, value, err);
}

/* mkmap_delete - remove key; in a rebuild, 1 when it was not there */
int
mkmap_delete(MKMAP *m, const char *key, STRBUF *err)
{
    mkmap_live(m, "mkmap_delete");
    if (mkmap_key_ok(m, key, err) < 0)
        return -1;
    if (m->mode == MKMAP_UPDATE) {
        mkmap_queue(m, MKMAP_OP_DEL, key, "");
        return 0;
    }
    return mkmap_del(m, key, err);
}

/* mkmap_load - append every entry of a source file */
int
mkmap_load(MKMAP *m, DICT_SOURCE *src, STRBUF *err)
{
    const char *key;
    const char *value;
    int status;

    while ((status = dict_source_next(src, &key, &value, err)) == 0) {
        if ((status = mkmap_append(m, key, value, err)) < 0)
            return -1;
        if (status == 1 && !(m->dict_flags & DICT_FLAG_DUP_IGNORE))
            msg_warn("%s, line %d: duplicate entry: \"%s\"", src->label,
                     DICT_SOURCE_LINE(src), dict_fold(m->dict, key));
    }
    return status < 0 ? -1 : 0;
}

/* mkmap_close_table - sync and close the session's table */
static int
mkmap_close_table(MKMAP *m, STRBUF *err)
{
    int status = dict_db_sync(m->dict, err);

    dict_close(m->dict);
    m->dict = NULL;
    return status;
}

/* mkmap_commit_rebuild - put the new file in place of the old one */
static int
mkmap_commit_rebuild(MKMAP *m, STRBUF *err)
{
    if (mkmap_close_table(m, err) < 0) {
        (void) atomic_file_abort(m->af);
        return -1;
    }
    return atomic_file_commit(m->af, err);
}

/* mkmap_apply - the queued changes, in order; 0 or -1 */
static int
mkmap_apply(MKMAP *m, STRBUF *err)
{
    char **op;

    for (op = m->ops->argv; op[0] != NULL; op += 3) {
        if (strcmp(op[0], MKMAP_OP_PUT) == 0) {
            if (mkmap_put(m, op[1], op[2], err) < 0)
                return -1;
        } else if (mkmap_del(m, op[1], err) < 0) {
            return -1;
        }
    }
    return 0;
}

/* mkmap_commit_update - apply the queue under the readers' lock */
static int
mkmap_commit_update(MKMAP *m, STRBUF *err)
{
    STRBUF *why = strbuf_create(100);
    int status = -1;

    if (lock_file_fcntl(m->dict->lock_fd, LOCK_FILE_EXCLUSIVE,
                        DICT_DB_LOCK_WAIT_MS, why) < 0)
        strbuf_sprintf(err, "lock %s: %s", m->db_path, STR(why));
    else
        status = mkmap_apply(m, err);
    /* Even after a failure, what was applied must reach the disk. */
    if (mkmap_close_table(m, status < 0 ? why : err) < 0)
        status = -1;
    strbuf_free(why);
    return status;
}

/* mkmap_commit - make the session's changes visible; 0 or -1 */
int
mkmap_commit(MKMAP *m, STRBUF *err)
{
    int status;

    mkmap_live(m, "mkmap_commit");
    m->done = 1;
    status = m->mode == MKMAP_REBUILD ? mkmap_commit_rebuild(m, err)
                                      : mkmap_commit_update(m, err);
    mkmap_unlock(m);
    return status;
}

/* mkmap_abort - drop the session's changes; the old table stays */
int
mkmap_abort(MKMAP *m)
{
    if (m->done)
        return 0;
    m->done = 1;
    if (m->dict != NULL) {
        dict_close(m->dict);
        m->dict = NULL;
    }
    if (m->af != NULL)
        (void) atomic_file_abort(m->af);
    mkmap_unlock(m);
    return 0;
}

/* mkmap_free - abort unless done, release the session; returns NULL */
MKMAP *
mkmap_free(MKMAP *m)
{
    if (m == NULL)
        return NULL;
    (void) mkmap_abort(m);
    atomic_file_free(m->af);
    argv_free(m->ops);
    myfree(m->type);
    myfree(m->name);
    myfree(m->db_path);
    myfree(m);
    return NULL;
}

/* mkmap_build - rebuild type:name from the source file name */
int
mkmap_build(const char *type, const char *name, int dict_flags, STRBUF *err)
{
    DICT_SOURCE *src;
    MKMAP *m;
    int status = -1;

    if ((src = dict_source_open(name, err)) == NULL)
        return -1;
    if ((m = mkmap_open(type, name, MKMAP_REBUILD, dict_flags, err)) != NULL &&
        mkmap_load(m, src, err) == 0 && mkmap_commit(m, err) == 0)
        status = 0;
    mkmap_free(m);
    dict_source_close(src);
    return status;
}

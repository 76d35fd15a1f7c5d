/*
 * test_dict_db - Check suite for hash: and btree: (Berkeley DB), and the
 * Postfix reference answers for hash:, btree: and texthash:.
 *
 * tests/data/maps/corner.in holds the corner cases of the source format;
 * corner.ref and corner.seq are the answers of Postfix 3.7's own postmap
 * (corner-ref.sh).  test_corner builds the same source with our code and
 * expects the same answers for every key, and the same entries in a walk.
 */
#include <db.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "argv.h"
#include "dict.h"
#include "dict_db.h"
#include "dict_source.h"
#include "dict_static.h"
#include "dict_thash.h"
#include "lock_file.h"
#include "msg.h"
#include "mymalloc.h"
#include "test_main.h"
#include "test_tmpdir.h"

/* Where the reference data is; found before the tests leave the tree. */
static char data_dir[PATH_MAX];

/* put_file - create or replace a file with text */
static void
put_file(const char *path, const char *text)
{
    FILE *fp = fopen(path, "w");

    ck_assert_ptr_nonnull(fp);
    ck_assert_int_ge(fputs(text, fp), 0);
    ck_assert_int_eq(fclose(fp), 0);
}

/* load_table - build type:name from the source file name, as postmap */
static void
load_table(const char *type, const char *name, int dict_flags)
{
    STRBUF *err = strbuf_create(0);
    DICT_SOURCE *src = dict_source_open(name, err);
    DICT *d = dict_open3(type, name, O_RDWR | O_CREAT | O_TRUNC,
                         dict_flags | DICT_FLAG_DUP_IGNORE, err);
    const char *key;
    const char *value;
    int status;

    ck_assert_msg(src != NULL && d != NULL, "%s", STR(err));
    while ((status = dict_source_next(src, &key, &value, err)) == 0)
        ck_assert_int_ge(dict_put(d, key, value), 0);
    ck_assert_msg(status == 1, "%s", STR(err));
    dict_close(d);
    dict_source_close(src);
    strbuf_free(err);
}

/* make_table - a source file with text, built as type:name */
static void
make_table(const char *type, const char *name, const char *text)
{
    put_file(name, text);
    load_table(type, name, DICT_FLAG_FOLD_FIX);
}

/* open_table - open type:name, which must work */
static DICT *
open_table(const char *type_name, int open_flags, int dict_flags)
{
    STRBUF *err = strbuf_create(0);
    DICT *d = dict_open(type_name, open_flags, dict_flags, err);

    ck_assert_msg(d != NULL, "%s: %s", type_name, STR(err));
    strbuf_free(err);
    return d;
}

/* copy_data - copy a file of the reference data to the test directory */
static void
copy_data(const char *file, const char *to)
{
    char path[PATH_MAX + 64];
    char buf[8192];
    FILE *in;
    FILE *out;
    size_t n;

    snprintf(path, sizeof(path), "%s/%s", data_dir, file);
    in = fopen(path, "r");
    ck_assert_msg(in != NULL, "%s: cannot open", path);
    out = fopen(to, "w");
    ck_assert_ptr_nonnull(out);
    while ((n = fread(buf, 1, sizeof(buf), in)) > 0)
        ck_assert_uint_eq(fwrite(buf, 1, n, out), n);
    fclose(in);
    ck_assert_int_eq(fclose(out), 0);
}

/* check_answers - every line "key<TAB>answer" of corner.ref */
static void
check_answers(DICT *d)
{
    FILE *fp;
    char *line = NULL;
    size_t size = 0;
    ssize_t len;
    const char *got;
    char *want;
    int count = 0;

    copy_data("corner.ref", "corner.ref");
    fp = fopen("corner.ref", "r");
    while ((len = getline(&line, &size, fp)) > 0) {
        line[len - 1] = 0;
        want = strchr(line, '\t');
        ck_assert_ptr_nonnull(want);
        *want++ = 0;
        got = dict_get(d, line);
        ck_assert_int_eq(d->error, DICT_ERR_NONE);
        ck_assert_msg(strcmp(got ? got : "NOTFOUND", want) == 0,
                      "%s:%s: key \"%s\": got \"%.60s\", want \"%.60s\"",
                      d->type, d->name, line, got ? got : "NOTFOUND", want);
        count++;
    }
    ck_assert_int_gt(count, 50);
    free(line);
    fclose(fp);
}

/* compare_strings - qsort() order of C strings, as LC_ALL=C sort */
static int
compare_strings(const void *a, const void *b)
{
    return strcmp(*(char *const *) a, *(char *const *) b);
}

/* check_walk - the sorted entries of a walk are corner.seq */
static void
check_walk(DICT *d)
{
    ARGV *lines = argv_alloc(50);
    STRBUF *got = strbuf_create(0);
    STRBUF *want = strbuf_create(0);
    const char *key;
    const char *value;
    int func = DICT_SEQ_FIRST;
    size_t i;
    int ch;
    FILE *fp;

    while (dict_seq(d, func, &key, &value) == 0) {
        strbuf_sprintf(got, "%s\t%s\n", key, value);
        argv_add(lines, STR(got));
        func = DICT_SEQ_NEXT;
    }
    qsort(lines->argv, lines->argc, sizeof(char *), compare_strings);
    strbuf_reset(got);
    for (i = 0; i < lines->argc; i++)
        strbuf_strcat(got, lines->argv[i]);
    copy_data("corner.seq", "corner.seq");
    fp = fopen("corner.seq", "r");
    while ((ch = getc(fp)) != EOF)
        strbuf_addch(want, ch);
    fclose(fp);
    ck_assert_msg(strcmp(STR(got), STR(want)) == 0, "%s: walk differs",
                  d->type);
    argv_free(lines);
    strbuf_free(got);
    strbuf_free(want);
}

static const char *corner_types[] = {"hash", "btree", "texthash"};

START_TEST(test_corner)
{
    const char *type = corner_types[_i];
    STRBUF *name = strbuf_create(0);
    DICT *d;

    copy_data("corner.in", "corner");
    if (strcmp(type, "texthash") != 0)
        load_table(type, "corner", DICT_FLAG_FOLD_FIX);
    strbuf_sprintf(name, "%s:corner", type);
    d = open_table(STR(name), O_RDONLY, DICT_FLAG_FOLD_FIX | DICT_FLAG_LOCK);
    check_answers(d);
    check_walk(d);
    dict_close(d);
    strbuf_free(name);
}
END_TEST

/* Opens that fail, and why. */
static const struct {
    const char *name;
    const char *table;
    int open_flags;
    const char *want_err;
} open_cases[] = {
    {"hash missing", "hash:nosuch", O_RDONLY,
     "open database nosuch.db: No such file or directory"},
    {"btree missing", "btree:nosuch", O_RDONLY,
     "open database nosuch.db: No such file or directory"},
    {"not a database", "hash:junk", O_RDONLY,
     "open database junk.db: Invalid argument (BDB0004"},
    {"exclusive create", "hash:t", O_RDWR | O_CREAT | O_EXCL,
     "open database t.db: File exists"},
    {"btree of a hash file", "btree:t", O_RDONLY,
     "open database t.db: Invalid argument"},
};

START_TEST(test_open_errors)
{
    STRBUF *err = strbuf_create(0);
    DICT *d;

    put_file("junk.db", "this is not a database\n");
    make_table("hash", "t", "a b\n");
    d = dict_open(open_cases[_i].table, open_cases[_i].open_flags, 0, err);
    ck_assert_ptr_null(d);
    ck_assert_msg(strstr(STR(err), open_cases[_i].want_err) != NULL,
                  "%s: got \"%s\"", open_cases[_i].name, STR(err));
    strbuf_free(err);
}
END_TEST

START_TEST(test_open_path)
{
    STRBUF *err = strbuf_create(0);
    DICT *d;

    ck_assert_ptr_null(
        dict_db_open_path("regexp", "x", "x.db", O_RDONLY, 0, err));
    ck_assert_str_eq(STR(err), "regexp:x: not a Berkeley DB table type");
    ck_assert_int_eq(dict_db_is_type("hash"), 1);
    ck_assert_int_eq(dict_db_is_type("btree"), 1);
    ck_assert_int_eq(dict_db_is_type("texthash"), 0);
    /* Called by name, so that the linker brings texthash: in. */
    ck_assert_ptr_null(dict_thash_open("nosuch", O_RDONLY, 0, err));
    ck_assert_str_eq(STR(err), "open nosuch: No such file or directory");
    d = dict_db_open_path("btree", "x", "other.file", O_RDWR | O_CREAT, 0, err);
    ck_assert_ptr_nonnull(d);
    ck_assert_int_eq(dict_put(d, "k", "v"), 0);
    ck_assert_int_eq(dict_db_sync(d, err), 0);
    ck_assert_str_eq(dict_get(d, "k"), "v");
    ck_assert_str_eq(d->name, "x");
    dict_close(d);
    ck_assert_int_eq(access("other.file", F_OK), 0);
    ck_assert_int_eq(access("x.db", F_OK), -1);
    strbuf_free(err);
}
END_TEST

/* Updates of a key that exists, per DUP flag. */
static const struct {
    const char *name;
    int flags;
    int want_status;
    const char *want_value;
} dup_cases[] = {
    {"no flag", 0, -1, "1"},
    {"warn", DICT_FLAG_DUP_WARN, 1, "1"},
    {"ignore", DICT_FLAG_DUP_IGNORE, 1, "1"},
    {"replace", DICT_FLAG_DUP_REPLACE, 0, "2"},
};

START_TEST(test_duplicates)
{
    DICT *d =
        open_table("hash:t", O_RDWR | O_CREAT | O_TRUNC, dup_cases[_i].flags);

    ck_assert_int_eq(dict_put(d, "a", "1"), 0);
    ck_assert_int_eq(dict_put(d, "a", "2"), dup_cases[_i].want_status);
    ck_assert_int_eq(d->error, dup_cases[_i].want_status < 0 ? DICT_ERR_CONFIG
                                                             : DICT_ERR_NONE);
    ck_assert_str_eq(dict_get(d, "a"), dup_cases[_i].want_value);
    dict_close(d);
}
END_TEST

/* walk - "k=v,..." of a walk, in the table's order */
static void
walk(DICT *d, STRBUF *out)
{
    const char *key;
    const char *value;
    int func = DICT_SEQ_FIRST;

    strbuf_reset(out);
    while (dict_seq(d, func, &key, &value) == 0) {
        strbuf_sprintf_cat(out, "%s%s=%s", LEN(out) ? "," : "", key, value);
        func = DICT_SEQ_NEXT;
    }
}

START_TEST(test_update_delete_sequence)
{
    DICT *d = open_table("btree:t", O_RDWR | O_CREAT | O_TRUNC,
                         DICT_FLAG_LOCK | DICT_FLAG_DUP_REPLACE);
    STRBUF *out = strbuf_create(0);
    const char *key;
    const char *value;

    ck_assert_int_eq(dict_seq(d, DICT_SEQ_FIRST, &key, &value), 1);
    ck_assert_int_eq(dict_put(d, "b", "2"), 0);
    ck_assert_int_eq(dict_put(d, "a", "1"), 0);
    ck_assert_int_eq(dict_put(d, "c", "3"), 0);
    walk(d, out);
    ck_assert_str_eq(STR(out), "a=1,b=2,c=3");
    /* A walk ends once; NEXT after the end stays at the end. */
    ck_assert_int_eq(dict_seq(d, DICT_SEQ_NEXT, &key, &value), 1);
    ck_assert_int_eq(dict_del(d, "b"), 0);
    ck_assert_int_eq(dict_del(d, "b"), 1);
    ck_assert_ptr_null(dict_get(d, "b"));
    ck_assert_int_eq(d->error, DICT_ERR_NONE);
    /* A walk started again starts at the first entry. */
    ck_assert_int_eq(dict_seq(d, DICT_SEQ_FIRST, &key, &value), 0);
    ck_assert_int_eq(dict_seq(d, DICT_SEQ_FIRST, &key, &value), 0);
    ck_assert_str_eq(key, "a");
    walk(d, out);
    ck_assert_str_eq(STR(out), "a=1,c=3");
    dict_close(d);
    strbuf_free(out);
}
END_TEST

/* raw_has - does the file hold the key of len bytes, NUL or not? */
static int
raw_has(const char *path, const char *key, size_t len)
{
    DB *db;
    DBT k;
    DBT v;
    int ret;

    ck_assert_int_eq(db_create(&db, NULL, 0), 0);
    ck_assert_int_eq(db->open(db, NULL, path, NULL, DB_UNKNOWN, DB_RDONLY, 0),
                     0);
    memset(&k, 0, sizeof(k));
    memset(&v, 0, sizeof(v));
    k.data = (void *) key;
    k.size = (u_int32_t) len;
    ret = db->get(db, NULL, &k, &v, 0);
    db->close(db, 0);
    return ret == 0;
}

/* With DICT_FLAG_SYNC_UPDATE another reader of the file sees each change
 * while the writer still holds the table open (proxywrite). */
START_TEST(test_sync_update)
{
    DICT *d = open_table("hash:s", O_RDWR | O_CREAT | O_TRUNC,
                         DICT_FLAG_LOCK | DICT_FLAG_SYNC_UPDATE |
                             DICT_FLAG_TRY1NULL);

    /* The test runs in its own temporary folder. */
    ck_assert_int_eq(dict_put(d, "key", "value"), 0);
    ck_assert(raw_has("s.db", "key", 4));
    ck_assert_int_eq(dict_del(d, "key"), 0);
    ck_assert(!raw_has("s.db", "key", 4));
    dict_close(d);
}
END_TEST

START_TEST(test_nul_conventions)
{
    DICT *d;

    /* Default: stored with the NUL, as Postfix does. */
    d = open_table("hash:with", O_RDWR | O_CREAT | O_TRUNC, 0);
    ck_assert_int_eq(dict_put(d, "a", "1"), 0);
    ck_assert_int_eq(d->flags & DICT_FLAG_TRY0NULL, 0);
    dict_close(d);
    ck_assert_int_eq(raw_has("with.db", "a", 2), 1);
    ck_assert_int_eq(raw_has("with.db", "a", 1), 0);

    /* Without it, when asked; a default reader finds both kinds. */
    d = open_table("hash:without", O_RDWR | O_CREAT | O_TRUNC,
                   DICT_FLAG_TRY0NULL);
    ck_assert_int_eq(dict_put(d, "a", "1"), 0);
    ck_assert_int_eq(dict_put(d, "b", "2"), 0);
    dict_close(d);
    ck_assert_int_eq(raw_has("without.db", "a", 1), 1);
    ck_assert_int_eq(raw_has("without.db", "a", 2), 0);
    d = open_table("hash:without", O_RDONLY, 0);
    ck_assert_ptr_null(dict_get(d, "x"));
    ck_assert_int_ne(d->flags & DICT_FLAG_TRY1NULL, 0);
    ck_assert_str_eq(dict_get(d, "a"), "1");
    ck_assert_int_eq(d->flags & DICT_FLAG_TRY1NULL, 0);
    ck_assert_str_eq(dict_get(d, "b"), "2");
    dict_close(d);

    /* Deletes settle the question too. */
    d = open_table("hash:without", O_RDWR, 0);
    ck_assert_int_eq(dict_del(d, "a"), 0);
    ck_assert_int_eq(d->flags & DICT_FLAG_TRY1NULL, 0);
    dict_close(d);
    d = open_table("hash:with", O_RDWR, 0);
    ck_assert_int_eq(dict_del(d, "a"), 0);
    ck_assert_int_eq(d->flags & DICT_FLAG_TRY0NULL, 0);
    dict_close(d);
}
END_TEST

START_TEST(test_fold_readonly)
{
    DICT *d =
        open_table("hash:t", O_RDWR | O_CREAT | O_TRUNC, DICT_FLAG_FOLD_FIX);
    char big[DICT_KEY_MAX + 2];

    ck_assert_int_eq(dict_put(d, "Key@Example.COM", "Value"), 0);
    memset(big, 'k', sizeof(big) - 1);
    big[sizeof(big) - 1] = 0;
    ck_assert_int_eq(dict_put(d, big, "v"), -1);
    ck_assert_int_eq(d->error, DICT_ERR_CONFIG);
    dict_close(d);

    d = open_table("hash:t", O_RDONLY, DICT_FLAG_FOLD_FIX);
    ck_assert_str_eq(dict_get(d, "KEY@example.com"), "Value");
    ck_assert_int_eq(dict_put(d, "x", "y"), -1);
    ck_assert_int_eq(d->error, DICT_ERR_CONFIG);
    ck_assert_int_eq(dict_del(d, "key@example.com"), -1);
    ck_assert_int_eq(d->error, DICT_ERR_CONFIG);
    dict_close(d);

    /* Without folding, keys are exact. */
    d = open_table("hash:t", O_RDWR, 0);
    ck_assert_ptr_null(dict_get(d, "Key@Example.COM"));
    ck_assert_str_eq(dict_get(d, "key@example.com"), "Value");
    ck_assert_int_eq(dict_del(d, "KEY@EXAMPLE.COM"), 1);
    dict_close(d);
    d = open_table("hash:t", O_RDWR, DICT_FLAG_FOLD_FIX);
    ck_assert_int_eq(dict_del(d, "KEY@EXAMPLE.COM"), 0);
    dict_close(d);
}
END_TEST

/* replace_table - build text into type:name.new.db and rename it */
static void
replace_table(const char *name, const char *text)
{
    STRBUF *err = strbuf_create(0);
    char path[PATH_MAX];
    char final[PATH_MAX];
    DICT *d;

    snprintf(path, sizeof(path), "%s.new.db", name);
    snprintf(final, sizeof(final), "%s.db", name);
    put_file("src.new", text);
    d = dict_db_open_path("hash", name, path, O_RDWR | O_CREAT | O_TRUNC, 0,
                          err);
    ck_assert_ptr_nonnull(d);
    ck_assert_int_eq(dict_put(d, "k", text), 0);
    dict_close(d);
    ck_assert_int_eq(rename(path, final), 0);
    strbuf_free(err);
}

START_TEST(test_follows_rebuild)
{
    DICT *r;
    DICT *w;
    STRBUF *err = strbuf_create(0);
    const char *key;
    const char *value;

    make_table("hash", "t", "k old\n");
    r = open_table("hash:t", O_RDONLY, DICT_FLAG_LOCK);
    ck_assert_str_eq(dict_get(r, "k"), "old");

    /* Renamed into place; verbose logging says so. */
    replace_table("t", "new");
    msg_verbose = 1;
    ck_assert_str_eq(dict_get(r, "k"), "new");
    msg_verbose = 0;

    /* Changed where it stands, by a writer that syncs. */
    w = open_table("hash:t", O_RDWR, DICT_FLAG_LOCK);
    ck_assert_int_eq(dict_put(w, "k2", "added in place"), 0);
    ck_assert_int_eq(dict_db_sync(w, err), 0);
    ck_assert_str_eq(dict_get(r, "k2"), "added in place");

    /* A walk in progress keeps its file. */
    ck_assert_int_eq(dict_seq(r, DICT_SEQ_FIRST, &key, &value), 0);
    replace_table("t", "newer");
    ck_assert_int_eq(dict_seq(r, DICT_SEQ_NEXT, &key, &value), 0);
    ck_assert_int_eq(dict_seq(r, DICT_SEQ_NEXT, &key, &value), 1);
    ck_assert_str_eq(dict_get(r, "k"), "newer");
    dict_close(w);

    /* A broken file is a temporary error; a good one is read again. */
    put_file("t.db", "not a database");
    ck_assert_ptr_null(dict_get(r, "k"));
    ck_assert_int_eq(r->error, DICT_ERR_RETRY);
    replace_table("t", "fixed");
    ck_assert_str_eq(dict_get(r, "k"), "fixed");

    /* A removed file is not a new one: the open one still answers. */
    ck_assert_int_eq(unlink("t.db"), 0);
    ck_assert_str_eq(dict_get(r, "k"), "fixed");
    dict_close(r);
    strbuf_free(err);
}
END_TEST

/* now_ms - monotonic milliseconds */
static long long
now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* hold_lock - a child that holds an exclusive lock on path for ms */
static pid_t
hold_lock(const char *path, int ms)
{
    int ready[2];
    pid_t pid;
    char ch;

    ck_assert_int_eq(pipe(ready), 0);
    if ((pid = fork()) == 0) {
        int fd = open(path, O_RDWR);

        if (fd < 0 || lock_file_fcntl(fd, LOCK_FILE_EXCLUSIVE, 0, NULL) < 0)
            _exit(1);
        if (write(ready[1], "x", 1) != 1)
            _exit(1);
        usleep((useconds_t) ms * 1000);
        _exit(0);
    }
    ck_assert_int_gt(pid, 0);
    ck_assert_int_eq(read(ready[0], &ch, 1), 1);
    close(ready[0]);
    close(ready[1]);
    return pid;
}

START_TEST(test_locks)
{
    DICT *d;
    long long start;
    pid_t pid;
    int status;
    int fd;
    const char *key;
    const char *value;

    make_table("hash", "t", "k v\n");
    d = open_table("hash:t", O_RDONLY, DICT_FLAG_LOCK);
    pid = hold_lock("t.db", 300);
    start = now_ms();
    ck_assert_str_eq(dict_get(d, "k"), "v");
    ck_assert_int_ge(now_ms() - start, 200);
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    ck_assert_int_eq(status, 0);

    /* A lock that cannot be had is a temporary error. */
    fd = d->lock_fd;
    d->lock_fd = -1;
    ck_assert_ptr_null(dict_get(d, "k"));
    ck_assert_int_eq(d->error, DICT_ERR_RETRY);
    d->lock_fd = fd;
    dict_close(d);

    /* So it is for a writer, and for a walk. */
    d = open_table("hash:t", O_RDWR, DICT_FLAG_LOCK);
    fd = d->lock_fd;
    d->lock_fd = -1;
    ck_assert_int_eq(dict_put(d, "k2", "v2"), -1);
    ck_assert_int_eq(d->error, DICT_ERR_RETRY);
    ck_assert_int_eq(dict_del(d, "k"), -1);
    ck_assert_int_eq(dict_seq(d, DICT_SEQ_FIRST, &key, &value), -1);
    d->lock_fd = fd;
    dict_close(d);

    /* A bulk update holds its own lock: the handle takes none. */
    d = open_table("hash:t", O_RDWR, DICT_FLAG_LOCK | DICT_FLAG_BULK_UPDATE);
    d->lock_fd = -1;
    ck_assert_int_eq(dict_put(d, "k2", "v2"), 0);
    ck_assert_int_eq(dict_del(d, "k2"), 0);
    dict_close(d);
}
END_TEST

START_TEST(test_cache_sizes)
{
    DICT *d;

    dict_db_set_cache_sizes(64 * 1024, 1024 * 1024);
    make_table("btree", "t", "a 1\nb 2\n");
    d = open_table("btree:t", O_RDONLY, 0);
    ck_assert_str_eq(dict_get(d, "b"), "2");
    dict_close(d);
    dict_db_set_cache_sizes(DICT_DB_READ_CACHE, DICT_DB_CREATE_CACHE);
}
END_TEST

START_TEST(test_bad_sequence_panics)
{
    DICT *d;
    const char *key;
    const char *value;

    make_table("hash", "t", "a 1\n");
    d = open_table("hash:t", O_RDONLY, 0);
    (void) dict_seq(d, 42, &key, &value);
}
END_TEST

START_TEST(test_sync_other_panics)
{
    STRBUF *err = strbuf_create(0);
    DICT *d = dict_static_open("x", O_RDONLY, 0, err);

    (void) dict_db_sync(d, err);
}
END_TEST

static Suite *
dict_db_suite(void)
{
    Suite *s = suite_create("dict_db");
    TCase *tc = tcase_create("core");

    /* The suite is made in the tree; the tests run elsewhere. */
    if (realpath("tests/data/maps", data_dir) == NULL)
        snprintf(data_dir, sizeof(data_dir), "tests/data/maps");
    TMPDIR_FIXTURES(tc);
    tcase_set_timeout(tc, 30);
    tcase_add_loop_test(tc, test_corner, 0, NITEMS(corner_types));
    tcase_add_loop_test(tc, test_open_errors, 0, NITEMS(open_cases));
    tcase_add_test(tc, test_open_path);
    tcase_add_loop_test(tc, test_duplicates, 0, NITEMS(dup_cases));
    tcase_add_test(tc, test_update_delete_sequence);
    tcase_add_test(tc, test_nul_conventions);
    tcase_add_test(tc, test_sync_update);
    tcase_add_test(tc, test_fold_readonly);
    tcase_add_test(tc, test_follows_rebuild);
    tcase_add_test(tc, test_locks);
    tcase_add_test(tc, test_cache_sizes);
    tcase_add_test_raise_signal(tc, test_bad_sequence_panics, SIGABRT);
    tcase_add_test_raise_signal(tc, test_sync_other_panics, SIGABRT);
    suite_add_tcase(s, tc);
    return s;
}

TEST_MAIN(dict_db_suite)

/* test_mkmap - Check suite for atomic, locked builds of hash: and btree:. */
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "dict.h"
#include "dict_db.h"
#include "lock_file.h"
#include "mkmap.h"
#include "mymalloc.h"
#include "test_main.h"
#include "test_tmpdir.h"

/* Keys of the concurrent reader test, and its rebuilds. */
#define RACE_KEYS     200
#define RACE_REBUILDS 30

/* put_file - create or replace a file with text */
static void
put_file(const char *path, const char *text)
{
    FILE *fp = fopen(path, "w");

    ck_assert_ptr_nonnull(fp);
    ck_assert_int_ge(fputs(text, fp), 0);
    ck_assert_int_eq(fclose(fp), 0);
}

/* file_bytes - the content of a file */
static void
file_bytes(const char *path, STRBUF *out)
{
    FILE *fp = fopen(path, "r");
    int ch;

    ck_assert_ptr_nonnull(fp);
    strbuf_reset(out);
    while ((ch = getc(fp)) != EOF)
        strbuf_addch(out, ch);
    fclose(fp);
}

/* temp_files - how many build leftovers the directory holds */
static int
temp_files(void)
{
    DIR *dir = opendir(".");
    struct dirent *de;
    int count = 0;

    while ((de = readdir(dir)) != NULL)
        if (strstr(de->d_name, ".tmp.") != NULL)
            count++;
    closedir(dir);
    return count;
}

/* build - postmap type:name with our code; 0 or -1 */
static int
build(const char *type, const char *name, const char *text, STRBUF *err)
{
    put_file(name, text);
    return mkmap_build(type, name, DICT_FLAG_FOLD_FIX, err);
}

/* lookup - the value of key in hash:t, or "NOTFOUND" */
static const char *
lookup(const char *table, const char *key)
{
    static char buf[200];
    STRBUF *err = strbuf_create(0);
    DICT *d = dict_open(table, O_RDONLY, DICT_FLAG_FOLD_FIX, err);
    const char *value;

    ck_assert_msg(d != NULL, "%s", STR(err));
    value = dict_get(d, key);
    snprintf(buf, sizeof(buf), "%s", value ? value : "NOTFOUND");
    dict_close(d);
    strbuf_free(err);
    return buf;
}

START_TEST(test_build)
{
    STRBUF *err = strbuf_create(0);
    struct stat st;
    int i;
    const char *types[] = {"hash", "btree"};

    for (i = 0; i < 2; i++) {
        ck_assert_msg(build(types[i], "t",
                            "# x\nUser@Example.COM u\n"
                            "dup 1\nDUP 2\ncont a\n  b\n",
                            err) == 0,
                      "%s", STR(err));
        ck_assert_str_eq(lookup(i ? "btree:t" : "hash:t", "user@example.com"),
                         "u");
        ck_assert_str_eq(lookup(i ? "btree:t" : "hash:t", "dup"), "1");
        ck_assert_str_eq(lookup(i ? "btree:t" : "hash:t", "cont"), "a  b");
        ck_assert_int_eq(stat("t.db", &st), 0);
        ck_assert_int_eq(st.st_mode & 07777, 0644);
        ck_assert_int_eq(access("t.db.lock", F_OK), 0);
        ck_assert_int_eq(temp_files(), 0);
    }
    strbuf_free(err);
}
END_TEST

/* Builds that must fail, and leave the old table alone. */
static const struct {
    const char *name;
    const char *type;
    const char *text; /* NULL: no source file */
    const char *want_err;
} fail_cases[] = {
    {"missing value", "hash", "a 1\nb\n",
     "t, line 2: expected format: key whitespace value"},
    {"leading space", "hash", "  a 1\n",
     "t, line 1: logical line must not start with white space"},
    {"overlong line", "hash", "LONG LINE", "t, line 2: line longer than"},
    {"overlong key", "btree", "LONG KEY", "t, line 1: key longer than 4096"},
    {"no source", "hash", NULL, "open t: No such file or directory"},
    {"unsupported type", "texthash", "a 1\n",
     "texthash:t: cannot build tables of type texthash"},
};

/* fail_source - the source text of a failure case */
static void
fail_source(const char *text, STRBUF *out)
{
    strbuf_reset(out);
    if (strcmp(text, "LONG LINE") == 0) {
        strbuf_strcpy(out, "a 1\nb ");
        while (LEN(out) < DICT_VALUE_MAX + 10)
            strbuf_addch(out, 'x');
        strbuf_addch(out, '\n');
    } else if (strcmp(text, "LONG KEY") == 0) {
        while (LEN(out) < DICT_KEY_MAX + 1)
            strbuf_addch(out, 'k');
        strbuf_strcat(out, " v\n");
    } else {
        strbuf_strcpy(out, text);
    }
}

START_TEST(test_failed_build_keeps_old)
{
    STRBUF *err = strbuf_create(0);
    STRBUF *before = strbuf_create(0);
    STRBUF *after = strbuf_create(0);
    STRBUF *text = strbuf_create(0);
    struct stat st1;
    struct stat st2;
    const char *old_type =
        dict_db_is_type(fail_cases[_i].type) ? fail_cases[_i].type : "hash";

    ck_assert_int_eq(build(old_type, "t", "old value\n", err), 0);
    ck_assert_int_eq(stat("t.db", &st1), 0);
    file_bytes("t.db", before);
    if (fail_cases[_i].text == NULL) {
        ck_assert_int_eq(unlink("t"), 0);
    } else {
        fail_source(fail_cases[_i].text, text);
        put_file("t", STR(text));
    }
    ck_assert_int_eq(mkmap_build(fail_cases[_i].type, "t", 0, err), -1);
    ck_assert_msg(strstr(STR(err), fail_cases[_i].want_err) != NULL,
                  "%s: got \"%s\"", fail_cases[_i].name, STR(err));
    ck_assert_int_eq(stat("t.db", &st2), 0);
    ck_assert_int_eq(st1.st_ino, st2.st_ino);
    ck_assert_int_eq(st1.st_mtim.tv_nsec, st2.st_mtim.tv_nsec);
    file_bytes("t.db", after);
    ck_assert_uint_eq(LEN(before), LEN(after));
    ck_assert_int_eq(memcmp(STR(before), STR(after), LEN(after)), 0);
    ck_assert_int_eq(temp_files(), 0);
    strbuf_free(err);
    strbuf_free(before);
    strbuf_free(after);
    strbuf_free(text);
}
END_TEST

START_TEST(test_rebuild_replaces_keeps_mode)
{
    STRBUF *err = strbuf_create(0);
    struct stat st1;
    struct stat st2;
    MKMAP *m;

    ck_assert_int_eq(build("hash", "t", "a 1\n", err), 0);
    ck_assert_int_eq(chmod("t.db", 0640), 0);
    ck_assert_int_eq(stat("t.db", &st1), 0);
    ck_assert_int_eq(build("hash", "t", "a 2\n", err), 0);
    ck_assert_int_eq(stat("t.db", &st2), 0);
    ck_assert_int_ne(st1.st_ino, st2.st_ino);
    ck_assert_int_eq(st2.st_mode & 07777, 0640);
    ck_assert_str_eq(lookup("hash:t", "a"), "2");

    /* A rebuild fed by hand: appends, deletes, duplicates, counts. */
    m = mkmap_open("hash", "t", MKMAP_REBUILD, DICT_FLAG_FOLD_FIX, err);
    ck_assert_ptr_nonnull(m);
    ck_assert_int_eq(mkmap_append(m, "X", "1", err), 0);
    ck_assert_int_eq(mkmap_append(m, "x", "2", err), 1);
    ck_assert_int_eq(mkmap_append(m, "y", "3", err), 0);
    ck_assert_int_eq(mkmap_delete(m, "Y", err), 0);
    ck_assert_int_eq(mkmap_delete(m, "zz", err), 1);
    ck_assert_int_eq(mkmap_append(m, "", "3", err), -1);
    ck_assert_str_eq(STR(err), "hash:t: empty key");
    ck_assert_int_eq(mkmap_commit(m, err), 0);
    ck_assert_int_eq(m->added, 2);
    ck_assert_int_eq(m->duplicates, 1);
    ck_assert_int_eq(m->deleted, 1);
    ck_assert_int_eq(m->missing, 1);
    mkmap_free(m);
    ck_assert_str_eq(lookup("hash:t", "x"), "1");
    ck_assert_str_eq(lookup("hash:t", "y"), "NOTFOUND");
    ck_assert_str_eq(lookup("hash:t", "a"), "NOTFOUND");

    /* The last entry wins when asked. */
    m = mkmap_open("btree", "r", MKMAP_REBUILD, DICT_FLAG_DUP_REPLACE, err);
    ck_assert_int_eq(mkmap_append(m, "k", "1", err), 0);
    ck_assert_int_eq(mkmap_append(m, "k", "2", err), 0);
    ck_assert_int_eq(mkmap_commit(m, err), 0);
    mkmap_free(m);
    ck_assert_str_eq(lookup("btree:r", "k"), "2");
    strbuf_free(err);
}
END_TEST

START_TEST(test_abort)
{
    STRBUF *err = strbuf_create(0);
    STRBUF *before = strbuf_create(0);
    STRBUF *after = strbuf_create(0);
    STRBUF *big = strbuf_create(0);
    MKMAP *m;

    ck_assert_int_eq(build("hash", "t", "a 1\n", err), 0);
    file_bytes("t.db", before);
    m = mkmap_open("hash", "t", MKMAP_REBUILD, 0, err);
    ck_assert_int_eq(mkmap_append(m, "a", "2", err), 0);
    while (LEN(big) <= DICT_KEY_MAX)
        strbuf_addch(big, 'k');
    ck_assert_int_eq(mkmap_append(m, STR(big), "v", err), -1);
    ck_assert_str_eq(STR(err), "hash:t: key longer than 4096 bytes");
    ck_assert_int_eq(mkmap_abort(m), 0);
    ck_assert_int_eq(mkmap_abort(m), 0);
    mkmap_free(m);
    /* Freed without a commit: aborted. */
    m = mkmap_open("hash", "t", MKMAP_REBUILD, 0, err);
    ck_assert_int_eq(mkmap_append(m, "a", "3", err), 0);
    ck_assert_ptr_null(mkmap_free(m));
    ck_assert_ptr_null(mkmap_free(NULL));
    file_bytes("t.db", after);
    ck_assert_str_eq(lookup("hash:t", "a"), "1");
    ck_assert_uint_eq(LEN(before), LEN(after));
    ck_assert_int_eq(temp_files(), 0);
    strbuf_free(err);
    strbuf_free(before);
    strbuf_free(after);
    strbuf_free(big);
}
END_TEST

START_TEST(test_update)
{
    STRBUF *err = strbuf_create(0);
    DICT *reader;
    MKMAP *m;

    ck_assert_int_eq(build("hash", "t", "a 1\nb 2\n", err), 0);
    reader = dict_open("hash:t", O_RDONLY, DICT_FLAG_LOCK, err);
    m = mkmap_open("hash", "t", MKMAP_UPDATE, DICT_FLAG_FOLD_FIX, err);
    ck_assert_msg(m != NULL, "%s", STR(err));
    ck_assert_int_eq(mkmap_append(m, "C", "3", err), 0);
    ck_assert_int_eq(mkmap_append(m, "a", "9", err), 0);
    ck_assert_int_eq(mkmap_delete(m, "B", err), 0);
    ck_assert_int_eq(mkmap_delete(m, "nosuch", err), 0);
    ck_assert_int_eq(mkmap_delete(m, "", err), -1);
    /* Nothing shows before the commit. */
    ck_assert_ptr_null(dict_get(reader, "c"));
    ck_assert_int_eq(mkmap_commit(m, err), 0);
    ck_assert_int_eq(m->added, 1);
    ck_assert_int_eq(m->duplicates, 1);
    ck_assert_int_eq(m->deleted, 1);
    ck_assert_int_eq(m->missing, 1);
    mkmap_free(m);
    ck_assert_str_eq(dict_get(reader, "c"), "3");
    ck_assert_str_eq(dict_get(reader, "a"), "1");
    ck_assert_ptr_null(dict_get(reader, "b"));
    dict_close(reader);

    /* -r replaces; an aborted update changes nothing. */
    m = mkmap_open("hash", "t", MKMAP_UPDATE, DICT_FLAG_DUP_REPLACE, err);
    ck_assert_int_eq(mkmap_append(m, "a", "9", err), 0);
    ck_assert_int_eq(mkmap_commit(m, err), 0);
    mkmap_free(m);
    ck_assert_str_eq(lookup("hash:t", "a"), "9");
    m = mkmap_open("hash", "t", MKMAP_UPDATE, DICT_FLAG_DUP_IGNORE, err);
    ck_assert_int_eq(mkmap_append(m, "new", "x", err), 0);
    ck_assert_int_eq(mkmap_append(m, "a", "10", err), 0);
    mkmap_free(m);
    ck_assert_str_eq(lookup("hash:t", "new"), "NOTFOUND");
    ck_assert_str_eq(lookup("hash:t", "a"), "9");

    ck_assert_ptr_null(mkmap_open("hash", "nosuch", MKMAP_UPDATE, 0, err));
    ck_assert_str_eq(STR(err),
                     "open database nosuch.db: No such file or directory");
    strbuf_free(err);
}
END_TEST

START_TEST(test_update_from_source)
{
    STRBUF *err = strbuf_create(0);
    DICT_SOURCE *src;
    MKMAP *m;

    ck_assert_int_eq(build("btree", "t", "a 1\n", err), 0);
    put_file("more", "b 2\nc 3\n");
    src = dict_source_open("more", err);
    m = mkmap_open("btree", "t", MKMAP_UPDATE, DICT_FLAG_FOLD_FIX, err);
    ck_assert_int_eq(mkmap_load(m, src, err), 0);
    ck_assert_int_eq(mkmap_commit(m, err), 0);
    mkmap_free(m);
    dict_source_close(src);
    ck_assert_str_eq(lookup("btree:t", "c"), "3");

    /* A bad line fails the load: nothing is applied. */
    put_file("more", "d 4\ne\n");
    src = dict_source_open("more", err);
    m = mkmap_open("btree", "t", MKMAP_UPDATE, DICT_FLAG_FOLD_FIX, err);
    ck_assert_int_eq(mkmap_load(m, src, err), -1);
    ck_assert_str_eq(STR(err),
                     "more, line 2: expected format: key whitespace value");
    mkmap_free(m);
    dict_source_close(src);
    ck_assert_str_eq(lookup("btree:t", "d"), "NOTFOUND");
    strbuf_free(err);
}
END_TEST

START_TEST(test_commit_failure)
{
    STRBUF *err = strbuf_create(0);
    MKMAP *m;

    /* A directory where the database goes: the rename fails. */
    ck_assert_int_eq(mkdir("t.db", 0755), 0);
    m = mkmap_open("hash", "t", MKMAP_REBUILD, 0, err);
    ck_assert_msg(m != NULL, "%s", STR(err));
    ck_assert_int_eq(mkmap_append(m, "a", "1", err), 0);
    ck_assert_int_eq(mkmap_commit(m, err), -1);
    ck_assert_ptr_nonnull(strstr(STR(err), ": rename: Is a directory"));
    mkmap_free(m);
    ck_assert_int_eq(temp_files(), 0);

    /* No directory to write in. */
    ck_assert_ptr_null(mkmap_open("hash", "nodir/t", MKMAP_REBUILD, 0, err));
    ck_assert_ptr_nonnull(strstr(STR(err), "nodir/t.db.lock"));
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

START_TEST(test_builds_wait_for_lock)
{
    STRBUF *err = strbuf_create(0);
    long long start;
    int ready[2];
    int status;
    pid_t pid;
    char ch;

    ck_assert_int_eq(build("hash", "t", "a 1\n", err), 0);
    ck_assert_int_eq(pipe(ready), 0);
    if ((pid = fork()) == 0) {
        int fd = open("t.db.lock", O_RDWR);

        if (fd < 0 || lock_file_fcntl(fd, LOCK_FILE_EXCLUSIVE, 0, NULL) < 0 ||
            write(ready[1], "x", 1) != 1)
            _exit(1);
        usleep(300 * 1000);
        _exit(0);
    }
    ck_assert_int_eq(read(ready[0], &ch, 1), 1);
    start = now_ms();
    ck_assert_int_eq(build("hash", "t", "a 2\n", err), 0);
    ck_assert_int_ge(now_ms() - start, 200);
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    ck_assert_int_eq(status, 0);
    ck_assert_str_eq(lookup("hash:t", "a"), "2");
    strbuf_free(err);
}
END_TEST

/* race_source - RACE_KEYS keys, each with the value version */
static void
race_source(const char *version)
{
    STRBUF *text = strbuf_create(0);
    int i;

    for (i = 0; i < RACE_KEYS; i++)
        strbuf_sprintf_cat(text, "k%d %s\n", i, version);
    put_file("t", STR(text));
    strbuf_free(text);
}

/* race_walk - a walk sees one whole version; 0, or -1 */
static int
race_walk(DICT *d)
{
    const char *key;
    const char *value;
    char first[16] = "";
    int count = 0;
    int func = DICT_SEQ_FIRST;

    while (dict_seq(d, func, &key, &value) == 0) {
        if (count++ == 0)
            snprintf(first, sizeof(first), "%s", value);
        else if (strcmp(value, first) != 0)
            return -1;
        func = DICT_SEQ_NEXT;
    }
    return count == RACE_KEYS ? 0 : -1;
}

/* race_reader - the child: read until killed; exits 1 on a bad answer */
static void
race_reader(int ready)
{
    STRBUF *err = strbuf_create(0);
    DICT *d = dict_open("hash:t", O_RDONLY, DICT_FLAG_LOCK, err);
    char key[32];
    const char *value;
    long n;

    if (d == NULL || write(ready, "x", 1) != 1)
        _exit(2);
    for (n = 0;; n++) {
        snprintf(key, sizeof(key), "k%ld", n % RACE_KEYS);
        value = dict_get(d, key);
        if (value == NULL ||
            (strcmp(value, "A") != 0 && strcmp(value, "B") != 0))
            _exit(1);
        if (n % 50 == 0 && race_walk(d) < 0)
            _exit(3);
    }
}

START_TEST(test_reader_sees_old_or_new)
{
    STRBUF *err = strbuf_create(0);
    int ready[2];
    int status;
    pid_t pid;
    char ch;
    int i;

    race_source("A");
    ck_assert_int_eq(mkmap_build("hash", "t", 0, err), 0);
    ck_assert_int_eq(pipe(ready), 0);
    if ((pid = fork()) == 0)
        race_reader(ready[1]);
    ck_assert_int_eq(read(ready[0], &ch, 1), 1);
    for (i = 0; i < RACE_REBUILDS; i++) {
        race_source(i % 2 ? "A" : "B");
        ck_assert_int_eq(mkmap_build("hash", "t", 0, err), 0);
        /* The reader is still reading, or it found a bad answer. */
        ck_assert_int_eq(waitpid(pid, &status, WNOHANG), 0);
    }
    kill(pid, SIGKILL);
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    ck_assert(WIFSIGNALED(status));
    strbuf_free(err);
}
END_TEST

START_TEST(test_use_after_commit_panics)
{
    STRBUF *err = strbuf_create(0);
    MKMAP *m;

    put_file("t", "a 1\n");
    m = mkmap_open("hash", "t", MKMAP_REBUILD, 0, err);
    ck_assert_int_eq(mkmap_commit(m, err), 0);
    (void) mkmap_append(m, "b", "2", err);
}
END_TEST

START_TEST(test_bad_mode_panics)
{
    STRBUF *err = strbuf_create(0);

    (void) mkmap_open("hash", "t", 42, 0, err);
}
END_TEST

static Suite *
mkmap_suite(void)
{
    Suite *s = suite_create("mkmap");
    TCase *tc = tcase_create("core");

    TMPDIR_FIXTURES(tc);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_build);
    tcase_add_loop_test(tc, test_failed_build_keeps_old, 0, NITEMS(fail_cases));
    tcase_add_test(tc, test_rebuild_replaces_keeps_mode);
    tcase_add_test(tc, test_abort);
    tcase_add_test(tc, test_update);
    tcase_add_test(tc, test_update_from_source);
    tcase_add_test(tc, test_commit_failure);
    tcase_add_test(tc, test_builds_wait_for_lock);
    tcase_add_test(tc, test_reader_sees_old_or_new);
    tcase_add_test_raise_signal(tc, test_use_after_commit_panics, SIGABRT);
    tcase_add_test_raise_signal(tc, test_bad_mode_panics, SIGABRT);
    suite_add_tcase(s, tc);
    return s;
}

TEST_MAIN(mkmap_suite)

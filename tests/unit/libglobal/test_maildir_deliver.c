/* test_maildir_deliver - Check suite for Maildir delivery. */
#include <dirent.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include "maildir_deliver.h"
#include "test_main.h"
#include "test_msg_src.h"
#include "test_tmpdir.h"

#define MSG  "Subject: s\n\nFrom here\n"
#define WANT "Return-Path: <a@b>\nDelivered-To: u@x\nSubject: s\n\nFrom here\n"

static const struct {
    const char *name;
    long sec;
    long usec;
    long pid;
    unsigned long count;
    const char *host;
    const char *want;
} names[] = {
    {"plain", 1700000000, 42, 123, 1, "mx.example",
     "1700000000.M42P123Q1.mx.example"},
    {"slash colon", 5, 0, 1, 2, "a/b:c", "5.M0P1Q2.a\\057b\\072c"},
};

START_TEST(test_unique)
{
    STRBUF *out = strbuf_create(10);
    struct timeval tv = {names[_i].sec, names[_i].usec};

    maildir_unique(out, &tv, names[_i].pid, names[_i].count, names[_i].host);
    ck_assert_str_eq(STR(out), names[_i].want);
    strbuf_free(out);
}
END_TEST

/* list_dir - the names in dir, and how many */
static int
list_dir(const char *dir, char names_out[][256], int max)
{
    DIR *d = opendir(dir);
    struct dirent *de;
    int n = 0;

    ck_assert_ptr_nonnull(d);
    while ((de = readdir(d)) != NULL) {
        if (de->d_name[0] == '.')
            continue;
        ck_assert_int_lt(n, max);
        strcpy(names_out[n++], de->d_name);
    }
    closedir(d);
    return n;
}

/* read_file - content of dir/name */
static char *
read_file(const char *dir, const char *name)
{
    static char buf[4096];
    char path[2048];
    int fd;
    ssize_t n;

    snprintf(path, sizeof(path), "%s/%s", dir, name);
    fd = open(path, O_RDONLY);
    ck_assert_int_ge(fd, 0);
    n = read(fd, buf, sizeof(buf) - 1);
    ck_assert_int_ge(n, 0);
    buf[n] = 0;
    close(fd);
    return buf;
}

/* deliver - one message into dir */
static const char *
deliver(const char *dir, off_t limit, int fail_after, STRBUF *why)
{
    MAIL_COPY_SRC src;
    TEST_MSG m;

    test_msg_src(&src, &m, MSG, "a@b");
    src.delivered = "u@x";
    m.fail_after = fail_after;
    return maildir_deliver(dir, &src, MAIL_COPY_MAILDIR, limit, "h", why);
}

START_TEST(test_deliver)
{
    STRBUF *why = strbuf_create(10);
    char got[4][256];
    struct stat st;
    int i;

    /* Missing folders are made, up to the Maildir itself. */
    ck_assert_ptr_null(deliver("a/b/Maildir/", 0, 0, why));
    ck_assert_ptr_null(deliver("a/b/Maildir", 0, 0, why));
    ck_assert_int_eq(list_dir("a/b/Maildir/tmp", got, 4), 0);
    ck_assert_int_eq(list_dir("a/b/Maildir/cur", got, 4), 0);
    ck_assert_int_eq(list_dir("a/b/Maildir/new", got, 4), 2);
    ck_assert_str_ne(got[0], got[1]);
    for (i = 0; i < 2; i++) {
        ck_assert_str_eq(read_file("a/b/Maildir/new", got[i]), WANT);
        ck_assert_ptr_nonnull(strstr(got[i], ".h"));
    }
    ck_assert_int_eq(stat("a/b/Maildir/new", &st), 0);
    ck_assert_int_eq(st.st_mode & 0777, 0700);
    /* A sub-folder that went away after the first delivery comes back. */
    ck_assert_int_eq(rmdir("a/b/Maildir/cur"), 0);
    ck_assert_ptr_null(deliver("a/b/Maildir", 0, 0, why));
    ck_assert_int_eq(list_dir("a/b/Maildir/cur", got, 4), 0);
    ck_assert_int_eq(list_dir("a/b/Maildir/new", got, 4), 3);
    strbuf_free(why);
}
END_TEST

/*
 * refused_through_link - link, a symbolic link to ./elsewhere, makes a
 * delivery into dir fail (4.2.0, naming link) with nothing written there
 */
static void
refused_through_link(const char *dir, const char *link, STRBUF *why)
{
    char got[4][256];

    ck_assert_int_eq(mkdir("elsewhere", 0700), 0);
    ck_assert_int_eq(symlink("../elsewhere", link), 0);
    ck_assert_str_eq(deliver(dir, 0, 0, why), "4.2.0");
    ck_assert_ptr_nonnull(strstr(STR(why), link));
    ck_assert_int_eq(list_dir("elsewhere", got, 4), 0);
}

START_TEST(test_failures)
{
    STRBUF *why = strbuf_create(10);
    char got[4][256];

    /* Nothing is left behind, in tmp/ or new/. */
    ck_assert_str_eq(deliver("Maildir", 0, 1, why), "4.3.0");
    ck_assert_str_eq(deliver("Maildir", 10, 0, why), "5.2.2");
    ck_assert_int_eq(list_dir("Maildir/tmp", got, 4), 0);
    ck_assert_int_eq(list_dir("Maildir/new", got, 4), 0);
    /* A file where a folder should be. */
    ck_assert_int_eq(close(open("file", O_CREAT | O_WRONLY, 0600)), 0);
    ck_assert_str_eq(deliver("file", 0, 0, why), "4.2.0");
    ck_assert_ptr_nonnull(strstr(STR(why), "file"));
    /* A symlink where tmp/ should be is refused, never followed. */
    ck_assert_int_eq(mkdir("M2", 0700), 0);
    refused_through_link("M2", "M2/tmp", why);
    strbuf_free(why);
}
END_TEST

/* tmp_touched - whether dir/tmp changed since set_old() made it old */
static int
tmp_touched(const char *dir)
{
    char path[1024];
    struct stat st;

    snprintf(path, sizeof(path), "%s/tmp", dir);
    ck_assert_int_eq(stat(path, &st), 0);
    return st.st_mtime != 1000000000;
}

/* set_old - dir/tmp's times to a fixed old time */
static void
set_old(const char *dir)
{
    char path[1024];
    struct timeval tv[2] = {{1000000000, 0}, {1000000000, 0}};

    snprintf(path, sizeof(path), "%s/tmp", dir);
    ck_assert_int_eq(utimes(path, tv), 0);
}

START_TEST(test_unnamed)
{
    STRBUF *why = strbuf_create(10);
    MAIL_COPY_SRC src;
    TEST_MSG m;
    char got[4][256];
    struct stat st;

    /* The unnamed way (the default) never makes an entry in tmp/. */
    ck_assert_ptr_null(deliver("Maildir", 0, 0, why));
    set_old("Maildir");
    ck_assert_ptr_null(deliver("Maildir", 0, 0, why));
    ck_assert(!tmp_touched("Maildir"));
    ck_assert_int_eq(list_dir("Maildir/new", got, 4), 2);
    ck_assert_str_eq(read_file("Maildir/new", got[0]), WANT);
    ck_assert_str_eq(read_file("Maildir/new", got[1]), WANT);
    ck_assert_int_eq(chdir("Maildir/new"), 0);
    ck_assert_int_eq(stat(got[1], &st), 0);
    ck_assert_int_eq(chdir("../.."), 0);
    ck_assert_int_eq(st.st_mode & 07777, 0600);
    ck_assert_int_eq(st.st_nlink, 1);
    /* Failures leave nothing in new/ either. */
    ck_assert_str_eq(deliver("Maildir", 0, 1, why), "4.3.0");
    ck_assert_str_eq(deliver("Maildir", 10, 0, why), "5.2.2");
    ck_assert_int_eq(list_dir("Maildir/new", got, 4), 2);
    ck_assert(!tmp_touched("Maildir"));

    /* Turned off: tmp/ then new/, the Maildir protocol's own way. */
    ck_assert_int_eq(maildir_deliver_unnamed(0), 1);
    ck_assert_ptr_null(deliver("Maildir", 0, 0, why));
    ck_assert(tmp_touched("Maildir"));
    ck_assert_int_eq(list_dir("Maildir/tmp", got, 4), 0);
    ck_assert_int_eq(list_dir("Maildir/new", got, 4), 3);
    ck_assert_int_eq(maildir_deliver_unnamed(1), 0);

    /* A source that cannot be read twice goes the tmp/ way too. */
    set_old("Maildir");
    test_msg_src(&src, &m, MSG, "a@b");
    src.delivered = "u@x";
    src.rewind = NULL;
    ck_assert_ptr_null(
        maildir_deliver("Maildir", &src, MAIL_COPY_MAILDIR, 0, "h", why));
    ck_assert(tmp_touched("Maildir"));
    ck_assert_int_eq(list_dir("Maildir/new", got, 4), 4);
    strbuf_free(why);
}
END_TEST

/*
 * The unnamed file named through /proc/self/fd, as on a kernel before
 * 6.10 in a process without CAP_DAC_READ_SEARCH (which refuses linkat()'s
 * AT_EMPTY_PATH): the same files, still no entry in tmp/.
 */
START_TEST(test_unnamed_proc)
{
    STRBUF *why = strbuf_create(10);
    char got[4][256];
    int i;

    ck_assert_int_eq(maildir_deliver_link_proc(1), 0);
    ck_assert_ptr_null(deliver("Maildir", 0, 0, why));
    set_old("Maildir");
    ck_assert_ptr_null(deliver("Maildir", 0, 0, why));
    ck_assert(!tmp_touched("Maildir"));
    ck_assert_int_eq(list_dir("Maildir/new", got, 4), 2);
    for (i = 0; i < 2; i++)
        ck_assert_str_eq(read_file("Maildir/new", got[i]), WANT);
    ck_assert_int_eq(maildir_deliver_link_proc(0), 1);
    strbuf_free(why);
}
END_TEST

START_TEST(test_new_symlink)
{
    STRBUF *why = strbuf_create(10);
    char got[4][256];

    /* A symlink where new/ should be is refused, never followed. */
    ck_assert_int_eq(mkdir("M", 0700), 0);
    ck_assert_int_eq(mkdir("M/tmp", 0700), 0);
    ck_assert_int_eq(mkdir("M/cur", 0700), 0);
    refused_through_link("M", "M/new", why);
    ck_assert_int_eq(list_dir("M/tmp", got, 4), 0);
    strbuf_free(why);
}
END_TEST

/* make_suite - the maildir_deliver tests */
/* Syncs of folders through the group commit, counted. */
static int group_syncs;

static int
count_fsync(int fd)
{
    group_syncs++;
    return fsync(fd);
}

/*
 * With the state file open, new/ is synced through the group commit: one
 * group sync per delivery made one after another (nothing shared), the
 * state file made 0600 under private/, the files whole.
 */
START_TEST(test_sync_group)
{
    STRBUF *why = strbuf_create(10);
    char got[4][256];
    struct stat st;
    int i;

    ck_assert_int_eq(mkdir("private", 0700), 0);
    maildir_deliver_sync_state(".");
    ck_assert_int_eq(stat(MAILDIR_SYNC_STATE, &st), 0);
    ck_assert_int_eq(st.st_mode & 0777, 0600);
    fsync_group_fsync_fn = count_fsync;
    ck_assert_ptr_null(deliver("Maildir", 0, 0, why));
    ck_assert_int_eq(group_syncs, 1);
    ck_assert_ptr_null(deliver("Maildir", 0, 0, why));
    ck_assert_int_eq(group_syncs, 2);
    /* The other way (tmp/, then a move) syncs new/ the same way. */
    maildir_deliver_unnamed(0);
    ck_assert_ptr_null(deliver("Maildir", 0, 0, why));
    ck_assert_int_eq(group_syncs, 3);
    ck_assert_int_eq(list_dir("Maildir/new", got, 4), 3);
    for (i = 0; i < 3; i++)
        ck_assert_str_eq(read_file("Maildir/new", got[i]), WANT);
    ck_assert_int_eq(list_dir("Maildir/tmp", got, 4), 0);
    strbuf_free(why);
}
END_TEST

static Suite *
make_suite(void)
{
    Suite *s = suite_create("maildir_deliver");
    TCase *tc = tcase_create("core");

    TMPDIR_FIXTURES(tc);
    tcase_add_loop_test(tc, test_unique, 0, NITEMS(names));
    tcase_add_test(tc, test_deliver);
    tcase_add_test(tc, test_failures);
    tcase_add_test(tc, test_unnamed);
    tcase_add_test(tc, test_unnamed_proc);
    tcase_add_test(tc, test_new_symlink);
    tcase_add_test(tc, test_sync_group);
    suite_add_tcase(s, tc);
    return s;
}

TEST_MAIN(make_suite)

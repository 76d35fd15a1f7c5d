/* test_mbox_deliver - Check suite for mbox appends, locks and refusals. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lock_file.h"
#include "mbox_deliver.h"
#include "test_main.h"
#include "test_msg_src.h"
#include "test_tmpdir.h"

#define EPOCH "Thu Jan  1 00:00:00 1970"
#define MSG   "Subject: s\n\nFrom here\nend\n"
#define WANT                                                                   \
    "From a@b  " EPOCH "\nReturn-Path: <a@b>\nDelivered-To: u@x\n"             \
    "Subject: s\n\n>From here\nend\n\n"

/* read_all - the file's content, or "" when it does not exist */
static char *
read_all(const char *path)
{
    static char buf[8192];
    int fd = open(path, O_RDONLY);
    ssize_t n;

    buf[0] = 0;
    if (fd < 0)
        return buf;
    n = read(fd, buf, sizeof(buf) - 1);
    ck_assert_int_ge(n, 0);
    buf[n] = 0;
    close(fd);
    return buf;
}

/* put_file - create path with text */
static void
put_file(const char *path, const char *text)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t) strlen(text));
    close(fd);
}

/* opts_init - our own uid, both locks, no waiting */
static void
opts_init(MBOX_OPTS *opts)
{
    memset(opts, 0, sizeof(*opts));
    opts->uid = geteuid();
    opts->gid = getegid();
    opts->locks = MBOX_LOCK_FCNTL | MBOX_LOCK_DOTLOCK;
    opts->stale_time = LOCK_FILE_STALE_TIME;
}

/* deliver - one message into path; the status */
static const char *
deliver(const char *path, const char *text, const MBOX_OPTS *opts,
        int fail_after, STRBUF *why)
{
    MAIL_COPY_SRC src;
    TEST_MSG m;

    setenv("TZ", "UTC", 1);
    tzset();
    test_msg_src(&src, &m, text, "a@b");
    m.fail_after = fail_after;
    src.delivered = "u@x";
    return mbox_deliver(path, &src, MAIL_COPY_MBOX, opts, why);
}

START_TEST(test_create_append)
{
    MBOX_OPTS opts;
    STRBUF *why = strbuf_create(10);
    struct stat st;

    opts_init(&opts);
    ck_assert_ptr_null(deliver("mbox", MSG, &opts, 0, why));
    ck_assert_str_eq(read_all("mbox"), WANT);
    ck_assert_int_eq(stat("mbox", &st), 0);
    ck_assert_int_eq(st.st_mode & 07777, 0600);
    ck_assert_ptr_null(deliver("mbox", MSG, &opts, 0, why));
    ck_assert_str_eq(read_all("mbox"), WANT WANT);
    ck_assert_int_eq(access("mbox.lock", F_OK), -1);
    strbuf_free(why);
}
END_TEST

/* big_message - 1000 lines of 40 bytes */
static const char *
big_message(void)
{
    static char buf[1000 * 40 + 1];
    int i;

    for (i = 0; i < 1000; i++)
        memcpy(buf + i * 40, "0123456789012345678901234567890123456789", 40);
    for (i = 0; i < 1000; i++)
        buf[i * 40 + 39] = '\n';
    buf[sizeof(buf) - 1] = 0;
    return buf;
}

START_TEST(test_truncate_on_failure)
{
    MBOX_OPTS opts;
    STRBUF *why = strbuf_create(10);

    opts_init(&opts);
    put_file("mbox", "old\n");
    ck_assert_str_eq(deliver("mbox", MSG, &opts, 2, why), "4.3.0");
    ck_assert_str_eq(read_all("mbox"), "old\n");
    /* Over the size limit: nothing of the message stays. */
    opts.size_limit = 20;
    ck_assert_str_eq(deliver("mbox", MSG, &opts, 0, why), "5.2.2");
    ck_assert_str_eq(read_all("mbox"), "old\n");
    /* Past the stream's buffer, so that part of it reached the file. */
    opts.size_limit = 0;
    ck_assert_str_eq(deliver("mbox", big_message(), &opts, 900, why), "4.3.0");
    ck_assert_str_eq(read_all("mbox"), "old\n");
    opts.size_limit = 10000;
    ck_assert_str_eq(deliver("mbox", big_message(), &opts, 0, why), "5.2.2");
    ck_assert_str_eq(read_all("mbox"), "old\n");
    opts.size_limit = 4 + strlen(WANT);
    ck_assert_ptr_null(deliver("mbox", MSG, &opts, 0, why));
    ck_assert_str_eq(read_all("mbox"), "old\n" WANT);
    strbuf_free(why);
}
END_TEST

/* Files that must be refused, and the reason's words. */
static const struct {
    const char *name;
    int kind;
    const char *why;
} refusals[] = {
    {"symlink", 0, "symbolic link"}, {"dangling symlink", 1, "symbolic link"},
    {"directory", 2, "directory"},   {"fifo", 3, "FIFO"},
    {"hard link", 4, "link"},        {"other owner", 5, "owned by"},
};

START_TEST(test_refuse)
{
    MBOX_OPTS opts;
    STRBUF *why = strbuf_create(10);

    opts_init(&opts);
    put_file("target", "precious\n");
    switch (refusals[_i].kind) {
        case 0:
            ck_assert_int_eq(symlink("target", "mbox"), 0);
            break;
        case 1:
            ck_assert_int_eq(symlink("nowhere", "mbox"), 0);
            break;
        case 2:
            ck_assert_int_eq(mkdir("mbox", 0700), 0);
            break;
        case 3:
            ck_assert_int_eq(mkfifo("mbox", 0600), 0);
            break;
        case 4:
            ck_assert_int_eq(link("target", "mbox"), 0);
            break;
        case 5:
            put_file("mbox", "");
            opts.uid = geteuid() + 1;
            break;
    }
    ck_assert_str_eq(deliver("mbox", MSG, &opts, 0, why), "4.2.0");
    ck_assert_msg(strcasestr(STR(why), refusals[_i].why) != NULL, "why: %s",
                  STR(why));
    ck_assert_str_eq(read_all("target"), "precious\n");
    ck_assert_int_eq(access("nowhere", F_OK), -1);
    strbuf_free(why);
}
END_TEST

/* hold_lock - a child that holds an fcntl lock on path until told */
static pid_t
hold_lock(const char *path, int to_child[2], int from_child[2])
{
    pid_t pid = fork();
    char c = 0;

    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        int fd = open(path, O_RDWR);

        if (fd < 0 || lock_file_fcntl(fd, LOCK_FILE_EXCLUSIVE, 0, NULL) < 0)
            _exit(1);
        if (write(from_child[1], "x", 1) != 1 || read(to_child[0], &c, 1) != 1)
            _exit(1);
        _exit(0);
    }
    ck_assert_int_eq(read(from_child[0], &c, 1), 1);
    return pid;
}

START_TEST(test_locked)
{
    MBOX_OPTS opts;
    STRBUF *why = strbuf_create(10);
    int to_child[2];
    int from_child[2];
    int status;
    pid_t pid;

    opts_init(&opts);
    opts.lock_timeout_ms = 50;
    put_file("mbox", "");
    ck_assert_int_eq(pipe(to_child), 0);
    ck_assert_int_eq(pipe(from_child), 0);
    pid = hold_lock("mbox", to_child, from_child);
    ck_assert_str_eq(deliver("mbox", MSG, &opts, 0, why), "4.2.0");
    ck_assert_str_eq(read_all("mbox"), "");
    ck_assert_int_eq(access("mbox.lock", F_OK), -1);
    ck_assert_int_eq(write(to_child[1], "x", 1), 1);
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    ck_assert_ptr_null(deliver("mbox", MSG, &opts, 0, why));
    ck_assert_str_eq(read_all("mbox"), WANT);
    /* A dot lock someone else holds also defers. */
    put_file("mbox.lock", "");
    ck_assert_str_eq(deliver("mbox", MSG, &opts, 0, why), "4.2.0");
    ck_assert_ptr_nonnull(strstr(STR(why), "mbox.lock"));
    ck_assert_int_eq(access("mbox.lock", F_OK), 0);
    strbuf_free(why);
}
END_TEST

static const struct {
    const char *name;
    const char *list;
    int want;
    int ret;
} lock_names[] = {
    {"default", "fcntl, dotlock", MBOX_LOCK_FCNTL | MBOX_LOCK_DOTLOCK, 0},
    {"flock", "flock", MBOX_LOCK_FLOCK, 0},
    {"empty", "", 0, 0},
    {"unknown", "fcntl, lockf", MBOX_LOCK_FCNTL, -1},
};

START_TEST(test_lock_parse)
{
    STRBUF *why = strbuf_create(10);
    int locks;

    ck_assert_int_eq(mbox_lock_parse(lock_names[_i].list, &locks, why),
                     lock_names[_i].ret);
    if (lock_names[_i].ret == 0)
        ck_assert_int_eq(locks, lock_names[_i].want);
    else
        ck_assert_ptr_nonnull(strstr(STR(why), "lockf"));
    strbuf_free(why);
}
END_TEST

/* make_suite - the mbox_deliver tests */
static Suite *
make_suite(void)
{
    Suite *s = suite_create("mbox_deliver");
    TCase *tc = tcase_create("core");

    TMPDIR_FIXTURES(tc);
    tcase_add_test(tc, test_create_append);
    tcase_add_test(tc, test_truncate_on_failure);
    tcase_add_loop_test(tc, test_refuse, 0, NITEMS(refusals));
    tcase_add_test(tc, test_locked);
    tcase_add_loop_test(tc, test_lock_parse, 0, NITEMS(lock_names));
    suite_add_tcase(s, tc);
    return s;
}

TEST_MAIN(make_suite)

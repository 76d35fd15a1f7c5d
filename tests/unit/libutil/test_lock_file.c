/* test_lock_file - Check suite for fcntl() locks and dot locks. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lock_file.h"
#include "test_main.h"
#include "test_tmpdir.h"

/* Slack allowed past a timeout on a loaded machine. */
#define SLACK_MS 300

/* A child process holding a lock until told, or for a while. */
typedef struct HOLDER {
    pid_t pid;
    int ctl; /* closing it tells the child to exit */
} HOLDER;

/* now_ms - monotonic milliseconds */
static long long
now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* touch - create an empty file */
static void
touch(const char *path)
{
    int fd = open(path, O_WRONLY | O_CREAT, 0644);

    ck_assert_int_ge(fd, 0);
    close(fd);
}

/* holder_run - the child: lock, say so, wait for the end or hold_ms */
static void
holder_run(const char *path, int type, int hold_ms, int ready, int ctl)
{
    struct pollfd pfd = {ctl, POLLIN, 0};
    int fd;

    alarm(5);
    fd = open(path, O_RDWR);
    if (fd < 0 || lock_file_fcntl(fd, type, 0, NULL) < 0)
        _exit(2);
    if (write(ready, "x", 1) != 1)
        _exit(3);
    (void) poll(&pfd, 1, hold_ms);
    _exit(0);
}

/* holder_start - fork a child that holds a lock on path */
static HOLDER
holder_start(const char *path, int type, int hold_ms)
{
    HOLDER h;
    int ready[2];
    int ctl[2];
    char ch;

    ck_assert_int_eq(pipe(ready), 0);
    ck_assert_int_eq(pipe(ctl), 0);
    h.pid = fork();
    ck_assert_int_ge(h.pid, 0);
    if (h.pid == 0) {
        close(ready[0]);
        close(ctl[1]);
        holder_run(path, type, hold_ms, ready[1], ctl[0]);
    }
    close(ready[1]);
    close(ctl[0]);
    ck_assert_int_eq(read(ready[0], &ch, 1), 1);
    close(ready[0]);
    h.ctl = ctl[1];
    return h;
}

/* holder_stop - tell the child to exit and reap it */
static void
holder_stop(HOLDER *h)
{
    int status;

    close(h->ctl);
    ck_assert_int_eq(waitpid(h->pid, &status, 0), h->pid);
    ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

/* probe - may another process take the lock now? 0 yes, 1 busy */
static int
probe(const char *path, int type)
{
    pid_t pid = fork();
    int status;
    int fd;

    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        fd = open(path, O_RDWR);
        if (lock_file_fcntl(fd, type, 0, NULL) == 0)
            _exit(0);
        _exit(errno == EAGAIN ? 1 : 2);
    }
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    ck_assert(WIFEXITED(status));
    return WEXITSTATUS(status);
}

/* What one attempt gets while another process holds a lock. */
typedef struct CONFLICT_CASE {
    const char *name;
    int held;
    int want;
    int ok;
} CONFLICT_CASE;

static const CONFLICT_CASE conflict_cases[] = {
    {"exclusive vs exclusive", LOCK_FILE_EXCLUSIVE, LOCK_FILE_EXCLUSIVE, 0},
    {"exclusive vs shared", LOCK_FILE_EXCLUSIVE, LOCK_FILE_SHARED, 0},
    {"shared vs exclusive", LOCK_FILE_SHARED, LOCK_FILE_EXCLUSIVE, 0},
    {"shared vs shared", LOCK_FILE_SHARED, LOCK_FILE_SHARED, 1},
};

START_TEST(test_fcntl_conflict)
{
    const CONFLICT_CASE *tc = conflict_cases + _i;
    STRBUF *why = strbuf_create(0);
    char want_why[64];
    HOLDER h;
    int fd;

    touch("f");
    fd = open("f", O_RDWR);
    h = holder_start("f", tc->held, 5000);
    if (tc->ok) {
        ck_assert_int_eq(lock_file_fcntl(fd, tc->want, 0, why), 0);
    } else {
        ck_assert_int_eq(lock_file_fcntl(fd, tc->want, 0, why), -1);
        ck_assert_int_eq(errno, EAGAIN);
        snprintf(want_why, sizeof(want_why), "file is locked by process %ld",
                 (long) h.pid);
        ck_assert_str_eq(STR(why), want_why);
    }
    holder_stop(&h);
    /* With the holder gone, one attempt is enough. */
    ck_assert_int_eq(lock_file_fcntl(fd, LOCK_FILE_EXCLUSIVE, 0, why), 0);
    close(fd);
    strbuf_free(why);
}
END_TEST

START_TEST(test_fcntl_timeout)
{
    STRBUF *why = strbuf_create(0);
    long long start;
    long long spent;
    HOLDER h;
    int fd;

    touch("f");
    fd = open("f", O_RDWR);
    h = holder_start("f", LOCK_FILE_EXCLUSIVE, 5000);
    start = now_ms();
    ck_assert_int_eq(lock_file_fcntl(fd, LOCK_FILE_SHARED, 150, why), -1);
    spent = now_ms() - start;
    ck_assert_int_eq(errno, ETIMEDOUT);
    ck_assert_msg(spent >= 150 && spent < 150 + SLACK_MS, "spent %lld ms",
                  spent);
    ck_assert_ptr_nonnull(strstr(STR(why), "(waited 150 ms)"));
    ck_assert_int_eq(lock_file_fcntl(fd, LOCK_FILE_SHARED, 20, NULL), -1);
    ck_assert_int_eq(errno, ETIMEDOUT);
    holder_stop(&h);
    close(fd);
    strbuf_free(why);
}
END_TEST

/* A lock released while we wait is taken before the time is up. */
START_TEST(test_fcntl_released_while_waiting)
{
    long long start;
    HOLDER h;
    int fd;

    touch("f");
    fd = open("f", O_RDWR);
    h = holder_start("f", LOCK_FILE_EXCLUSIVE, 80);
    start = now_ms();
    ck_assert_int_eq(lock_file_fcntl(fd, LOCK_FILE_EXCLUSIVE, 450, NULL), 0);
    ck_assert_int_lt(now_ms() - start, 450);
    holder_stop(&h);
    close(fd);
}
END_TEST

START_TEST(test_fcntl_unlock)
{
    int fd;

    touch("f");
    fd = open("f", O_RDWR);
    ck_assert_int_eq(lock_file_fcntl(fd, LOCK_FILE_EXCLUSIVE, 0, NULL), 0);
    ck_assert_int_eq(probe("f", LOCK_FILE_SHARED), 1);
    ck_assert_int_eq(lock_file_unlock(fd, NULL), 0);
    ck_assert_int_eq(probe("f", LOCK_FILE_EXCLUSIVE), 0);
    close(fd);
}
END_TEST

START_TEST(test_fcntl_errors)
{
    STRBUF *why = strbuf_create(0);
    int fd;

    ck_assert_int_eq(lock_file_fcntl(-1, LOCK_FILE_SHARED, 100, why), -1);
    ck_assert_int_eq(errno, EBADF);
    ck_assert_str_eq(STR(why), "fcntl lock: Bad file descriptor");
    ck_assert_int_eq(lock_file_unlock(-1, why), -1);
    ck_assert_int_eq(errno, EBADF);
    ck_assert_str_eq(STR(why), "fcntl unlock: Bad file descriptor");
    /* An exclusive lock needs a descriptor open for writing. */
    touch("f");
    fd = open("f", O_RDONLY);
    ck_assert_int_eq(lock_file_fcntl(fd, LOCK_FILE_EXCLUSIVE, 0, why), -1);
    ck_assert_int_eq(errno, EBADF);
    close(fd);
    strbuf_free(why);
}
END_TEST

START_TEST(test_fcntl_bad_type_panics)
{
    (void) lock_file_fcntl(0, 3, 0, NULL);
}
END_TEST

/* age - set a file's times seconds into the past */
static void
age(const char *path, long seconds)
{
    struct timeval tv[2];

    gettimeofday(&tv[0], NULL);
    tv[0].tv_sec -= seconds;
    tv[1] = tv[0];
    ck_assert_int_eq(utimes(path, tv), 0);
}

START_TEST(test_dot_take_release)
{
    STRBUF *why = strbuf_create(0);
    struct stat st;

    ck_assert_int_eq(lock_file_dot("mbox", 0, LOCK_FILE_STALE_TIME, why), 0);
    ck_assert_int_eq(lstat("mbox.lock", &st), 0);
    ck_assert(S_ISREG(st.st_mode));
    ck_assert_int_eq(lock_file_dot("mbox", 0, LOCK_FILE_STALE_TIME, why), -1);
    ck_assert_int_eq(errno, EAGAIN);
    ck_assert_str_eq(STR(why), "mbox.lock: lock file exists");
    ck_assert_int_eq(lock_file_dot_release("mbox", why), 0);
    ck_assert_int_eq(lstat("mbox.lock", &st), -1);
    ck_assert_int_eq(lock_file_dot_release("mbox", why), -1);
    ck_assert_int_eq(errno, ENOENT);
    ck_assert_str_eq(STR(why), "mbox.lock: remove: No such file or directory");
    strbuf_free(why);
}
END_TEST

START_TEST(test_dot_timeout)
{
    STRBUF *why = strbuf_create(0);
    long long start;
    long long spent;

    touch("mbox.lock");
    start = now_ms();
    ck_assert_int_eq(lock_file_dot("mbox", 120, LOCK_FILE_STALE_TIME, why), -1);
    spent = now_ms() - start;
    ck_assert_int_eq(errno, ETIMEDOUT);
    ck_assert_msg(spent >= 120 && spent < 120 + SLACK_MS, "spent %lld ms",
                  spent);
    ck_assert_str_eq(STR(why), "mbox.lock: lock file exists");
    strbuf_free(why);
}
END_TEST

/* Whether an old lock file is taken for a leftover of a crash. */
typedef struct STALE_CASE {
    const char *name;
    long age;       /* seconds */
    int stale_time; /* seconds, 0: never stale */
    int want;       /* 0 taken, -1 refused */
} STALE_CASE;

static const STALE_CASE stale_cases[] = {
    {"stale", 1000, LOCK_FILE_STALE_TIME, 0},
    {"fresh", 100, LOCK_FILE_STALE_TIME, -1},
    {"short stale time", 100, 10, 0},
    {"never stale", 100000, 0, -1},
};

START_TEST(test_dot_stale)
{
    const STALE_CASE *tc = stale_cases + _i;
    struct stat st;

    touch("mbox.lock");
    age("mbox.lock", tc->age);
    ck_assert_msg(lock_file_dot("mbox", 0, tc->stale_time, NULL) == tc->want,
                  "%s", tc->name);
    ck_assert_int_eq(stat("mbox.lock", &st), 0);
    /* Taken means ours: a new lock file, not the old one kept. */
    if (tc->want == 0)
        ck_assert_int_ge(st.st_mtime, time(NULL) - 5);
    else
        ck_assert_int_le(st.st_mtime, time(NULL) - tc->age + 5);
}
END_TEST

/* A stale lock that cannot be removed is waited for like any other. */
START_TEST(test_dot_stale_stuck)
{
    STRBUF *why = strbuf_create(0);

    ck_assert_int_eq(mkdir("mbox.lock", 0755), 0);
    touch("mbox.lock/x");
    age("mbox.lock", 1000);
    ck_assert_int_eq(lock_file_dot("mbox", 30, 10, why), -1);
    ck_assert_int_eq(errno, ETIMEDOUT);
    strbuf_free(why);
}
END_TEST

/* A lock file removed while we wait is taken before the time is up. */
START_TEST(test_dot_released_while_waiting)
{
    pid_t pid;
    int status;

    touch("mbox.lock");
    pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        usleep(60 * 1000);
        _exit(lock_file_dot_release("mbox", NULL) == 0 ? 0 : 1);
    }
    ck_assert_int_eq(lock_file_dot("mbox", 450, LOCK_FILE_STALE_TIME, NULL), 0);
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}
END_TEST

START_TEST(test_dot_errors)
{
    STRBUF *why = strbuf_create(0);
    char longname[PATH_MAX];

    ck_assert_int_eq(lock_file_dot("nodir/mbox", 100, 0, why), -1);
    ck_assert_int_eq(errno, ENOENT);
    ck_assert_str_eq(STR(why),
                     "nodir/mbox.lock: create: No such file or directory");
    memset(longname, 'a', sizeof(longname) - 3);
    longname[sizeof(longname) - 3] = 0;
    ck_assert_int_eq(lock_file_dot(longname, 0, 0, why), -1);
    ck_assert_int_eq(errno, ENAMETOOLONG);
    ck_assert_ptr_nonnull(strstr(STR(why), ": lock file name too long"));
    ck_assert_int_eq(lock_file_dot_release(longname, why), -1);
    ck_assert_int_eq(errno, ENAMETOOLONG);
    strbuf_free(why);
}
END_TEST

static Suite *
lock_file_suite(void)
{
    Suite *s = suite_create("lock_file");
    TCase *tc = tcase_create("core");

    TMPDIR_FIXTURES(tc);
    tcase_add_loop_test(tc, test_fcntl_conflict, 0, NITEMS(conflict_cases));
    tcase_add_test(tc, test_fcntl_timeout);
    tcase_add_test(tc, test_fcntl_released_while_waiting);
    tcase_add_test(tc, test_fcntl_unlock);
    tcase_add_test(tc, test_fcntl_errors);
    tcase_add_test_raise_signal(tc, test_fcntl_bad_type_panics, SIGABRT);
    tcase_add_test(tc, test_dot_take_release);
    tcase_add_test(tc, test_dot_timeout);
    tcase_add_loop_test(tc, test_dot_stale, 0, NITEMS(stale_cases));
    tcase_add_test(tc, test_dot_stale_stuck);
    tcase_add_test(tc, test_dot_released_while_waiting);
    tcase_add_test(tc, test_dot_errors);
    suite_add_tcase(s, tc);
    return s;
}

TEST_MAIN(lock_file_suite)

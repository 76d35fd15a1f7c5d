/* test_msg - Check suite for diagnostics and their channels. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#define LOG_MAIL_FACILITY LOG_MAIL

#include "msg.h"
#include "test_main.h"

static char tmpdir[64];
static char logpath[128];
static char sockpath[128];

/* setup - a fresh log file per test */
static void
setup(void)
{
    snprintf(tmpdir, sizeof(tmpdir), "/tmp/test_msg.XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(tmpdir));
    snprintf(logpath, sizeof(logpath), "%s/maillog", tmpdir);
    snprintf(sockpath, sizeof(sockpath), "%s/postlog", tmpdir);
}

/* teardown - remove the log file and folder */
static void
teardown(void)
{
    msg_outputs_reset();
    unlink(logpath);
    unlink(sockpath);
    rmdir(tmpdir);
}

/* read_log - the whole log file into buf */
static void
read_log(char *buf, size_t len)
{
    FILE *fp = fopen(logpath, "r");
    size_t n;

    ck_assert_ptr_nonnull(fp);
    n = fread(buf, 1, len - 1, fp);
    buf[n] = 0;
    fclose(fp);
}

static const struct {
    const char *name;
    int level;
    const char *want; /* after "postern/smtpd[pid]: " */
} level_cases[] = {
    {"info", MSG_INFO, "connect from x\n"},
    {"warn", MSG_WARN, "warning: connect from x\n"},
    {"error", MSG_ERROR, "error: connect from x\n"},
};

/* level_emit - log through the variadic entry points */
static void
level_emit(int level)
{
    if (level == MSG_INFO)
        msg_info("connect from %s", "x");
    else if (level == MSG_WARN)
        msg_warn("connect from %s", "x");
    else
        msg_error("connect from %s", "x");
}

START_TEST(test_file_levels)
{
    char buf[4096], want[256];

    msg_set_progname("/usr/libexec/postern/smtpd");
    ck_assert_int_eq(msg_file_init(logpath), 0);
    level_emit(level_cases[_i].level);
    read_log(buf, sizeof(buf));
    snprintf(want, sizeof(want), " postern/smtpd[%d]: %s", (int) getpid(),
             level_cases[_i].want);
    ck_assert_msg(strstr(buf, want) != NULL, "%s: got \"%s\" want \"%s\"",
                  level_cases[_i].name, buf, want);
}
END_TEST

/* Peer text can never split a log line or forge another one. */
START_TEST(test_printable_and_truncated)
{
    char buf[8192];
    char *big = malloc(MSG_LINE_MAX * 2);

    ck_assert_int_eq(msg_file_init(logpath), 0);
    msg_info("helo=<a\r\nfake: line>");
    memset(big, 'x', MSG_LINE_MAX * 2 - 1);
    big[MSG_LINE_MAX * 2 - 1] = 0;
    msg_info("%s", big);
    free(big);
    read_log(buf, sizeof(buf));
    ck_assert_ptr_nonnull(strstr(buf, "helo=<a??fake: line>\n"));
    ck_assert_ptr_nonnull(strstr(buf, "xxx...\n"));
    ck_assert_ptr_null(strstr(buf, "\nfake"));
}
END_TEST

START_TEST(test_format_line)
{
    char buf[256];

    msg_format_line(buf, sizeof(buf), 0, "mx1", "postern/qmgr", 42, "hi");
    ck_assert_ptr_nonnull(strstr(buf, " mx1 postern/qmgr[42]: hi\n"));
    ck_assert_str_eq(msg_level_name(MSG_PANIC), "panic");
    ck_assert_str_eq(msg_level_name(99), "unknown");
}
END_TEST

START_TEST(test_progname)
{
    msg_set_progname("postern");
    ck_assert_str_eq(msg_progname(), "postern");
    msg_set_progname("qmgr");
    ck_assert_str_eq(msg_progname(), "postern/qmgr");
}
END_TEST

START_TEST(test_file_init_fails)
{
    ck_assert_int_eq(msg_file_init("/nonexistent-dir/maillog"), -1);
}
END_TEST

static int cleanup_ran;

/* note_cleanup - the fatal hook: leave a trace the test can see */
static void
note_cleanup(void)
{
    cleanup_ran++;
    /* A second fatal inside the hook must not run it again. */
    if (cleanup_ran == 1)
        msg_fatal_status(3, "cleanup ran");
}

START_TEST(test_fatal_exits_1)
{
    msg_fatal("queue directory %s: missing", "/x");
}
END_TEST

START_TEST(test_fatal_cleanup)
{
    msg_cleanup(note_cleanup);
    msg_fatal("first");
}
END_TEST

START_TEST(test_panic_aborts)
{
    msg_panic("bug %d", 1);
}
END_TEST

START_TEST(test_error_limit)
{
    int i;

    ck_assert_int_eq(msg_file_init(logpath), 0);
    msg_error_limit = 3;
    for (i = 0; i < 5; i++)
        msg_error("error %d", i);
}
END_TEST

START_TEST(test_stderr_and_syslog)
{
    msg_stderr_init();
    msg_syslog_init(LOG_MAIL_FACILITY);
    msg_verbose = 1;
    msg_info("to stderr and syslog");
    ck_assert_int_eq(msg_error_count(), 0);
    msg_outputs_reset();
    msg_verbose = 0;
}
END_TEST

/* dgram_server - a datagram socket bound at sockpath */
static int
dgram_server(void)
{
    struct sockaddr_un sun = {.sun_family = AF_UNIX};
    struct timeval tv = {5, 0};
    int fd = socket(AF_UNIX, SOCK_DGRAM, 0);

    ck_assert_int_ge(fd, 0);
    ck_assert_uint_lt(strlen(sockpath), sizeof(sun.sun_path));
    memcpy(sun.sun_path, sockpath, strlen(sockpath) + 1);
    unlink(sockpath);
    ck_assert_int_eq(bind(fd, (struct sockaddr *) &sun, sizeof(sun)), 0);
    /* A test that waits for a datagram that never comes fails, not hangs. */
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    return fd;
}

/* recv_line - one datagram as a string; "" when none came */
static const char *
recv_line(int fd, char *buf, size_t len)
{
    ssize_t n = recv(fd, buf, len - 1, 0);

    buf[n > 0 ? n : 0] = 0;
    return buf;
}

/* The datagram holds the file line: "Mmm dd hh:mm:ss host prog[pid]: ..." */
START_TEST(test_dgram_line)
{
    int fd = dgram_server();
    char buf[4096], want[256];
    struct tm tm;

    msg_set_progname("smtpd");
    msg_set_hostname("mx1");
    ck_assert_int_eq(msg_dgram_init(sockpath), 0);
    msg_warn("hello %d", 1);
    msg_info("bye\nforged");
    recv_line(fd, buf, sizeof(buf));
    snprintf(want, sizeof(want), " mx1 postern/smtpd[%d]: warning: hello 1\n",
             (int) getpid());
    ck_assert_ptr_nonnull(strptime(buf, "%b %e %H:%M:%S", &tm));
    ck_assert_str_eq(buf + 15, want);
    /* One line, one datagram; peer text stays on its line. */
    recv_line(fd, buf, sizeof(buf));
    snprintf(want, sizeof(want), " mx1 postern/smtpd[%d]: bye?forged\n",
             (int) getpid());
    ck_assert_str_eq(buf + 15, want);
    ck_assert_int_eq(msg_dgram_drops(), 0);
    close(fd);
}
END_TEST

/* elapsed_ms - milliseconds since start */
static long
elapsed_ms(const struct timespec *start)
{
    struct timespec now;

    clock_gettime(CLOCK_MONOTONIC, &now);
    return (now.tv_sec - start->tv_sec) * 1000 +
           (now.tv_nsec - start->tv_nsec) / 1000000;
}

/* A peer that reads nothing costs lines, never time. */
START_TEST(test_dgram_full_drops)
{
    int fd = dgram_server();
    struct timespec start;
    char buf[4096];
    int i, got = 0;

    ck_assert_int_eq(msg_dgram_init(sockpath), 0);
    clock_gettime(CLOCK_MONOTONIC, &start);
    for (i = 0; i < 300; i++)
        msg_info("line %d", i);
    ck_assert_int_lt(elapsed_ms(&start), 2000);
    ck_assert_int_gt(msg_dgram_drops(), 0);
    while (recv(fd, buf, sizeof(buf), MSG_DONTWAIT) > 0)
        got++;
    ck_assert_int_gt(got, 0);
    ck_assert_int_eq(got + msg_dgram_drops(), 300);
    close(fd);
}
END_TEST

/* drain_later - a child that reads count datagrams after a pause */
static pid_t
drain_later(int fd, int count)
{
    char buf[4096];
    pid_t pid = fork();
    int got = 0;

    ck_assert_int_ge(pid, 0);
    if (pid > 0)
        return pid;
    usleep(200 * 1000);
    while (got < count && recv(fd, buf, sizeof(buf), 0) > 0)
        got++;
    _exit(got);
}

/* With a wait set (commands), a full peer queue delays instead of drops. */
START_TEST(test_dgram_wait)
{
    int fd = dgram_server();
    pid_t pid = drain_later(fd, 50);
    int i, status;

    ck_assert_int_eq(msg_dgram_init(sockpath), 0);
    msg_dgram_wait(5000);
    for (i = 0; i < 50; i++)
        msg_info("line %d", i);
    ck_assert_int_eq(msg_dgram_drops(), 0);
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    ck_assert(WIFEXITED(status));
    ck_assert_int_eq(WEXITSTATUS(status), 50);
    msg_dgram_wait(0);
    close(fd);
}
END_TEST

/* A replaced server socket (postlog restarted) is found again. */
START_TEST(test_dgram_reconnect)
{
    int fd = dgram_server();
    char buf[4096];

    ck_assert_int_eq(msg_dgram_init(sockpath), 0);
    close(fd);
    fd = dgram_server();
    msg_info("after restart");
    ck_assert_ptr_nonnull(
        strstr(recv_line(fd, buf, sizeof(buf)), ": after restart\n"));
    ck_assert_int_eq(msg_dgram_drops(), 0);
    close(fd);
}
END_TEST

START_TEST(test_dgram_init_fails)
{
    char longpath[200];

    ck_assert_int_eq(msg_dgram_init(sockpath), -1);
    ck_assert_int_eq(errno, ENOENT);
    memset(longpath, 'x', sizeof(longpath) - 1);
    longpath[sizeof(longpath) - 1] = 0;
    ck_assert_int_eq(msg_dgram_init(longpath), -1);
    ck_assert_int_eq(errno, ENAMETOOLONG);
}
END_TEST

static const struct {
    const char *syslog_name;
    const char *prog;
    const char *want;
} prefix_cases[] = {
    {"postern", "/usr/libexec/postern/smtpd", "postern/smtpd"},
    {"postern-out", "smtpd", "postern-out/smtpd"},
    {"postern-out", "postern", "postern-out"},
    {"", "qmgr", "postern/qmgr"},
};

START_TEST(test_syslog_name)
{
    msg_set_syslog_name(prefix_cases[_i].syslog_name);
    msg_set_progname(prefix_cases[_i].prog);
    ck_assert_str_eq(msg_progname(), prefix_cases[_i].want);
    msg_set_syslog_name("postern");
}
END_TEST

static Suite *
msg_suite(void)
{
    Suite *s = suite_create("msg");
    TCase *tc = tcase_create("core");

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_loop_test(tc, test_file_levels, 0, NITEMS(level_cases));
    tcase_add_test(tc, test_printable_and_truncated);
    tcase_add_test(tc, test_format_line);
    tcase_add_test(tc, test_progname);
    tcase_add_test(tc, test_file_init_fails);
    tcase_add_exit_test(tc, test_fatal_exits_1, 1);
    tcase_add_exit_test(tc, test_fatal_cleanup, 3);
    tcase_add_test_raise_signal(tc, test_panic_aborts, SIGABRT);
    tcase_add_exit_test(tc, test_error_limit, 1);
    tcase_add_test(tc, test_stderr_and_syslog);
    tcase_add_test(tc, test_dgram_line);
    tcase_add_test(tc, test_dgram_full_drops);
    tcase_add_test(tc, test_dgram_wait);
    tcase_add_test(tc, test_dgram_reconnect);
    tcase_add_test(tc, test_dgram_init_fails);
    tcase_add_loop_test(tc, test_syslog_name, 0, NITEMS(prefix_cases));
    suite_add_tcase(s, tc);
    return s;
}

TEST_MAIN(msg_suite)

/* test_msg - Check suite for diagnostics and their channels. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#define LOG_MAIL_FACILITY LOG_MAIL

#include "msg.h"
#include "test_main.h"

static char tmpdir[64];
static char logpath[128];

/* setup - a fresh log file per test */
static void
setup(void)
{
    snprintf(tmpdir, sizeof(tmpdir), "/tmp/test_msg.XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(tmpdir));
    snprintf(logpath, sizeof(logpath), "%s/maillog", tmpdir);
}

/* teardown - remove the log file and folder */
static void
teardown(void)
{
    msg_outputs_reset();
    unlink(logpath);
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
    suite_add_tcase(s, tc);
    return s;
}

TEST_MAIN(msg_suite)

/*
 * test_anvil_clnt - Check suite for the anvil client, against the real
 * anvil daemon of this build ($POSTERN_OBJDIR/daemons/anvil/anvil, set
 * by tests/run-unit.sh; the in-tree build when unset), started as master
 * would start it: descriptors per master_proto.h, a main.cf of its own.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "anvil_clnt.h"
#include "attr.h"
#include "mail_proto.h"
#include "master_proto.h"
#include "sock.h"
#include "stream.h"
#include "test_daemon.h"
#include "test_main.h"
#include "test_tmpdir.h"

static char anvil_path[PATH_MAX]; /* the daemon program */
static TEST_DAEMON anvil;         /* the daemon */
static char log_path[PATH_MAX];   /* the daemon's stderr */

/* anvil_start - a queue folder, main.cf, and the daemon serving it */
static void
anvil_start(void)
{
    test_daemon_serve(&anvil, anvil_path, "anvil", tmpdir_here,
                      "anvil_rate_time_unit = 1s\n"
                      "anvil_status_update_time = 3600s\n",
                      "anvil unix - - n - 1 anvil\n", log_path,
                      sizeof(log_path));
    /* The client finds private/anvil relative to queue_directory. */
    ck_assert_int_eq(chdir("queue"), 0);
}

/* anvil_stop - SIGTERM, then wait (bounded); the daemon's exit status */
static int
anvil_stop(void)
{
    return test_daemon_stop(&anvil);
}

/* read_log - what the daemon wrote to stderr */
static char *
read_log(char *buf, size_t len)
{
    return test_daemon_read_log(log_path, buf, len);
}

/* anvil_teardown - stop the daemon; it must exit cleanly and quietly */
static void
anvil_teardown(void)
{
    test_daemon_assert_clean("anvil", anvil_stop(), log_path);
}

START_TEST(test_counts)
{
    ANVIL_CLNT *clnt = anvil_clnt_create();
    unsigned v[6], count, rate;

    ck_assert_int_eq(
        anvil_clnt_connect(clnt, "smtp", "192.0.2.1", &count, &rate),
        MAIL_STAT_OK);
    ck_assert_uint_eq(count, 1);
    ck_assert_uint_eq(rate, 1);
    ck_assert_int_eq(
        anvil_clnt_connect(clnt, "smtp", "192.0.2.1", &count, &rate),
        MAIL_STAT_OK);
    ck_assert_uint_eq(count, 2);
    ck_assert_uint_eq(rate, 2);
    ck_assert_int_eq(anvil_clnt_message(clnt, "smtp", "192.0.2.1", &rate), 0);
    ck_assert_uint_eq(rate, 1);
    ck_assert_int_eq(anvil_clnt_recipient(clnt, "smtp", "192.0.2.1", &rate), 0);
    ck_assert_int_eq(anvil_clnt_recipient(clnt, "smtp", "192.0.2.1", &rate), 0);
    ck_assert_uint_eq(rate, 2);
    ck_assert_int_eq(anvil_clnt_newtls(clnt, "smtp", "192.0.2.1", &rate), 0);
    ck_assert_uint_eq(rate, 1);
    ck_assert_int_eq(anvil_clnt_auth(clnt, "smtp", "192.0.2.1", &rate), 0);
    ck_assert_uint_eq(rate, 1);
    ck_assert_int_eq(anvil_clnt_disconnect(clnt, "smtp", "192.0.2.1"), 0);
    ck_assert_int_eq(anvil_clnt_lookup(clnt, "smtp", "192.0.2.1", &v[0], &v[1],
                                       &v[2], &v[3], &v[4], &v[5]),
                     MAIL_STAT_OK);
    /* Unless the 1s window turned over in between: then all rates are 0. */
    if (v[1] != 0) {
        ck_assert_uint_eq(v[1], 2);
        ck_assert_uint_eq(v[2], 1);
        ck_assert_uint_eq(v[3], 2);
        ck_assert_uint_eq(v[4], 1);
        ck_assert_uint_eq(v[5], 1);
    }
    ck_assert_uint_eq(v[0], 1);
    /* Another service is another ident. */
    ck_assert_int_eq(anvil_clnt_lookup(clnt, "submission", "192.0.2.1", &v[0],
                                       &v[1], &v[2], &v[3], &v[4], &v[5]),
                     MAIL_STAT_OK);
    ck_assert_uint_eq(v[0] + v[1] + v[2] + v[3] + v[4] + v[5], 0);
    ck_assert_ptr_null(anvil_clnt_free(clnt));
}
END_TEST

START_TEST(test_rate_window)
{
    ANVIL_CLNT *clnt = anvil_clnt_create();
    unsigned v[6], count, rate;
    struct timespec pause = {1, 200 * 1000 * 1000};

    ck_assert_int_eq(anvil_clnt_connect(clnt, "smtp", "::1", &count, &rate), 0);
    ck_assert_uint_eq(rate, 1);
    ck_assert_int_eq(anvil_clnt_disconnect(clnt, "smtp", "::1"), 0);
    nanosleep(&pause, NULL);
    ck_assert_int_eq(anvil_clnt_connect(clnt, "smtp", "::1", &count, &rate), 0);
    ck_assert_uint_eq(count, 1);
    ck_assert_uint_eq(rate, 1);
    nanosleep(&pause, NULL);
    ck_assert_int_eq(anvil_clnt_lookup(clnt, "smtp", "::1", &v[0], &v[1], &v[2],
                                       &v[3], &v[4], &v[5]),
                     0);
    ck_assert_uint_eq(v[0], 1);
    ck_assert_uint_eq(v[1], 0);
    anvil_clnt_free(clnt);
}
END_TEST

START_TEST(test_no_anvil)
{
    ANVIL_CLNT *clnt;
    unsigned count = 7, rate = 7, v[6];

    ck_assert_int_eq(mkdir("private", 0700), 0);
    clnt = anvil_clnt_create();
    ck_assert_int_eq(
        anvil_clnt_connect(clnt, "smtp", "192.0.2.1", &count, &rate),
        ANVIL_CLNT_FAIL);
    ck_assert_uint_eq(count, 0);
    ck_assert_uint_eq(rate, 0);
    ck_assert_int_eq(anvil_clnt_disconnect(clnt, "smtp", "192.0.2.1"),
                     ANVIL_CLNT_FAIL);
    rate = 7;
    ck_assert_int_eq(anvil_clnt_auth(clnt, "smtp", "192.0.2.1", &rate),
                     ANVIL_CLNT_FAIL);
    ck_assert_uint_eq(rate, 0);
    ck_assert_int_eq(anvil_clnt_lookup(clnt, "smtp", "x", &v[0], &v[1], &v[2],
                                       &v[3], &v[4], &v[5]),
                     ANVIL_CLNT_FAIL);
    anvil_clnt_free(clnt);
}
END_TEST

/* Raw requests: what anvil answers to requests no client of ours sends. */
struct raw_case {
    const char *name;
    const char *req;   /* MAIL_ATTR_REQ, or NULL */
    const char *ident; /* ANVIL_ATTR_IDENT as a string, or NULL */
    int ident_len;     /* > 0: an ident of that many 'x' instead */
    int ident_int;     /* send the ident as a number */
    int extra;         /* add an attribute anvil does not expect */
    int want_status;
    const char *want_reason; /* part of the reason */
};

static const struct raw_case raw_cases[] = {
    {"lookup", "lookup", "smtp:a", 0, 0, 0, MAIL_STAT_OK, NULL},
    {"unknown request", "explode", "smtp:a", 0, 0, 0, MAIL_STAT_BAD,
     "unknown request \"explode\""},
    {"no request name", NULL, "smtp:a", 0, 0, 0, MAIL_STAT_BAD, "request"},
    {"no ident", "connect", NULL, 0, 0, 0, MAIL_STAT_BAD, "ident"},
    {"ident as a number", "connect", NULL, 0, 1, 0, MAIL_STAT_BAD, "ident"},
    {"unexpected attribute", "message", "smtp:a", 0, 0, 1, MAIL_STAT_BAD,
     "surprise"},
    {"empty ident", "recipient", "", 0, 0, 0, MAIL_STAT_BAD, "empty ident"},
    {"ident too long", "connect", NULL, 2000, 0, 0, MAIL_STAT_BAD, "long"},
    {"longest ident", "connect", NULL, 1024, 0, 0, MAIL_STAT_OK, NULL},
};

/* raw_request - build one raw case's request */
static void
raw_request(const struct raw_case *rc, ATTR_LIST *req)
{
    char *ident;

    if (rc->req != NULL)
        attr_put_str(req, MAIL_ATTR_REQ, rc->req);
    if (rc->ident != NULL)
        attr_put_str(req, ANVIL_ATTR_IDENT, rc->ident);
    if (rc->ident_int)
        attr_put_int(req, ANVIL_ATTR_IDENT, 42);
    if (rc->ident_len > 0) {
        ident = malloc(rc->ident_len + 1);
        memset(ident, 'x', rc->ident_len);
        ident[rc->ident_len] = 0;
        attr_put_str(req, ANVIL_ATTR_IDENT, ident);
        free(ident);
    }
    if (rc->extra)
        attr_put_str(req, "surprise", "yes");
}

/* Every bad request is answered, on the same connection, which lives on. */
START_TEST(test_raw_requests)
{
    STREAM *st =
        mail_connect(NULL, MAIL_CLASS_PRIVATE, MAIL_SERVICE_ANVIL, 5000);
    ATTR_LIST *req = attr_list_create();
    ATTR_LIST *reply = attr_list_create();
    STRBUF *why = strbuf_create(100);
    uint32_t status;
    const char *reason;
    size_t i;

    ck_assert_ptr_nonnull(st);
    for (i = 0; i < NITEMS(raw_cases); i++) {
        attr_list_reset(req);
        raw_request(&raw_cases[i], req);
        ck_assert_int_eq(attr_write(st, req), 0);
        ck_assert_int_eq(attr_read(st, NULL, reply, why), ATTR_READ_OK);
        ck_assert_int_eq(attr_get_int(reply, MAIL_ATTR_STATUS, &status), 0);
        ck_assert_msg(status == (uint32_t) raw_cases[i].want_status,
                      "%s: status %u", raw_cases[i].name, status);
        reason = attr_get_str(reply, MAIL_ATTR_REASON);
        if (raw_cases[i].want_reason == NULL)
            ck_assert_ptr_null(reason);
        else
            ck_assert_msg(reason && strstr(reason, raw_cases[i].want_reason),
                          "%s: reason \"%s\"", raw_cases[i].name,
                          reason ? reason : "(none)");
    }
    stream_close(st);
    attr_list_free(req);
    attr_list_free(reply);
    strbuf_free(why);
}
END_TEST

/* A malformed frame ends that client; anvil serves the next one. */
START_TEST(test_bad_frame)
{
    static const char junk[] = "\0\0\0\5\0\1\7zz";
    STREAM *st =
        mail_connect(NULL, MAIL_CLASS_PRIVATE, MAIL_SERVICE_ANVIL, 5000);
    ATTR_LIST *reply = attr_list_create();
    STRBUF *why = strbuf_create(100);
    ANVIL_CLNT *clnt;
    unsigned count, rate;

    ck_assert_ptr_nonnull(st);
    ck_assert_int_eq(stream_write(st, junk, sizeof(junk) - 1), 0);
    ck_assert_int_eq(stream_flush(st), 0);
    ck_assert_int_eq(attr_read(st, NULL, reply, why), ATTR_READ_EOF);
    stream_close(st);
    clnt = anvil_clnt_create();
    ck_assert_int_eq(anvil_clnt_connect(clnt, "smtp", "a", &count, &rate), 0);
    ck_assert_uint_eq(count, 1);
    anvil_clnt_free(clnt);
    attr_list_free(reply);
    strbuf_free(why);
}
END_TEST

/* Many clients at once, interleaved: one process counts for all. */
START_TEST(test_many_clients)
{
    ANVIL_CLNT *clnt[5];
    unsigned count, rate;
    int i, round;

    for (i = 0; i < 5; i++)
        clnt[i] = anvil_clnt_create();
    for (round = 0; round < 4; round++)
        for (i = 0; i < 5; i++)
            ck_assert_int_eq(anvil_clnt_connect(clnt[i], "smtp", "203.0.113.9",
                                                &count, &rate),
                             0);
    ck_assert_uint_eq(count, 20);
    for (i = 0; i < 5; i++)
        anvil_clnt_free(clnt[i]);
}
END_TEST

/* At exit anvil logs the peaks. */
START_TEST(test_exit_report)
{
    ANVIL_CLNT *clnt = anvil_clnt_create();
    unsigned count, rate;
    char log[8192];
    int status;

    ck_assert_int_eq(
        anvil_clnt_connect(clnt, "smtp", "198.51.100.7", &count, &rate), 0);
    ck_assert_int_eq(
        anvil_clnt_connect(clnt, "smtp", "198.51.100.7", &count, &rate), 0);
    anvil_clnt_free(clnt);
    status = anvil_stop();
    ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
                  "anvil did not exit cleanly: status %d", status);
    read_log(log, sizeof(log));
    ck_assert_msg(strstr(log, "statistics: max connection count 2 for "
                              "(smtp:198.51.100.7) at ") != NULL,
                  "log: %s", log);
    ck_assert_msg(strstr(log, "statistics: max cache size 1 at ") != NULL,
                  "log: %s", log);
}
END_TEST

static Suite *
anvil_clnt_suite(void)
{
    Suite *s = suite_create("anvil_clnt");
    TCase *tc = tcase_create("daemon");
    TCase *tc_none = tcase_create("no daemon");

    test_daemon_path(anvil_path, sizeof(anvil_path), "anvil");
    TMPDIR_FIXTURES(tc);
    tcase_add_checked_fixture(tc, anvil_start, anvil_teardown);
    tcase_set_timeout(tc, 20);
    tcase_add_test(tc, test_counts);
    tcase_add_test(tc, test_rate_window);
    tcase_add_test(tc, test_raw_requests);
    tcase_add_test(tc, test_bad_frame);
    tcase_add_test(tc, test_many_clients);
    tcase_add_test(tc, test_exit_report);
    suite_add_tcase(s, tc);
    TMPDIR_FIXTURES(tc_none);
    tcase_add_test(tc_none, test_no_anvil);
    suite_add_tcase(s, tc_none);
    return s;
}

TEST_MAIN(anvil_clnt_suite)

/*
 * test_rewrite_clnt - Check suite for the rewrite client, against the real
 * trivial-rewrite daemon of this build
 * ($POSTERN_OBJDIR/daemons/trivial-rewrite/trivial-rewrite, set by
 * tests/run-unit.sh; the in-tree build when unset), started as master
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
#include <unistd.h>

#include "attr.h"
#include "mail_proto.h"
#include "master_proto.h"
#include "rewrite_clnt.h"
#include "sock.h"
#include "stream.h"
#include "test_daemon.h"
#include "test_main.h"
#include "test_tmpdir.h"

static char rw_path[PATH_MAX];  /* the daemon program */
static TEST_DAEMON rw;          /* the daemon */
static char log_path[PATH_MAX]; /* the daemon's stderr */

/* rewrite_start - a queue folder, main.cf, and the daemon serving it */
static void
rewrite_start(void)
{
    test_daemon_serve(&rw, rw_path, "rewrite", tmpdir_here,
                      "myhostname = host.domain.example\n"
                      "mydomain = domain.example\n"
                      "myorigin = origin.example\n"
                      "append_dot_mydomain = yes\n"
                      "remote_header_rewrite_domain = remote.example\n",
                      "rewrite unix - - n - - trivial-rewrite\n", log_path,
                      sizeof(log_path));
    /* The client finds private/rewrite relative to queue_directory. */
    ck_assert_int_eq(chdir("queue"), 0);
}

/* rewrite_stop - SIGTERM, then wait (bounded); the daemon's exit status */
static int
rewrite_stop(void)
{
    return test_daemon_stop(&rw);
}

/* rewrite_teardown - stop the daemon; it must exit cleanly and quietly */
static void
rewrite_teardown(void)
{
    test_daemon_assert_clean("trivial-rewrite", rewrite_stop(), log_path);
}

/* Through the client: both rules, with the main.cf of rewrite_start(). */
struct clnt_case {
    const char *rule;
    const char *addr;
    const char *want;
};

static const struct clnt_case clnt_cases[] = {
    {"local", "user", "user@origin.example"},
    {"local", "user@host", "user@host.domain.example"},
    {"local", "site!user", "user@site.domain.example"},
    {"local", "user%elsewhere.example", "user@elsewhere.example"},
    {"local", "@a,@b:user@site.example", "user@site.example"},
    {"local", "user@host.example.", "user@host.example"},
    {"local", "", ""},
    {"local", "john doe@x.example", "john doe@x.example"},
    {"remote", "user", "user@remote.example"},
    {"remote", "user@host", "user@host.remote.example"},
    {"remote", "user@x.example", "user@x.example"},
    {"local", "user", "user@origin.example"}, /* again: the cache */
};

START_TEST(test_rewrite)
{
    STRBUF *result = strbuf_create(10);
    size_t i;

    for (i = 0; i < NITEMS(clnt_cases); i++) {
        ck_assert_int_eq(
            rewrite_clnt(clnt_cases[i].rule, clnt_cases[i].addr, result),
            MAIL_STAT_OK);
        ck_assert_msg(strcmp(STR(result), clnt_cases[i].want) == 0,
                      "%s \"%s\": got \"%s\", want \"%s\"", clnt_cases[i].rule,
                      clnt_cases[i].addr, STR(result), clnt_cases[i].want);
    }
    ck_assert_int_eq(rewrite_clnt("global", "user", result), MAIL_STAT_BAD);
    ck_assert_str_eq(STR(result), "");
    /* The connection survives a bad request. */
    ck_assert_int_eq(rewrite_clnt("remote", "u", result), MAIL_STAT_OK);
    ck_assert_str_eq(STR(result), "u@remote.example");
    rewrite_clnt_reset();
    strbuf_free(result);
}
END_TEST

/* The client answers its last question again without asking. */
START_TEST(test_client_cache)
{
    STRBUF *result = strbuf_create(10);

    ck_assert_int_eq(rewrite_clnt("local", "u", result), MAIL_STAT_OK);
    ck_assert_int_eq(WEXITSTATUS(rewrite_stop()), 0);
    ck_assert_int_eq(rewrite_clnt("local", "u", result), MAIL_STAT_OK);
    ck_assert_str_eq(STR(result), "u@origin.example");
    ck_assert_int_eq(rewrite_clnt("remote", "u", result), REWRITE_CLNT_FAIL);
    ck_assert_str_eq(STR(result), "");
    rewrite_clnt_reset();
    ck_assert_int_eq(rewrite_clnt("local", "u", result), REWRITE_CLNT_FAIL);
    rewrite_clnt_reset();
    strbuf_free(result);
}
END_TEST

/* Interleaved addresses are kept; the least recently used goes first. */
START_TEST(test_client_cache_lru)
{
    STRBUF *result = strbuf_create(10);
    char addr[300];
    int i;

    for (i = 1; i <= 16; i++) {
        (void) snprintf(addr, sizeof(addr), "u%d", i);
        ck_assert_int_eq(rewrite_clnt("local", addr, result), MAIL_STAT_OK);
    }
    ck_assert_int_eq(rewrite_clnt("local", "u1", result), MAIL_STAT_OK);
    ck_assert_int_eq(rewrite_clnt("local", "u17", result), MAIL_STAT_OK);
    memset(addr, 'x', 257); /* longer than the cache keeps */
    addr[257] = 0;
    ck_assert_int_eq(rewrite_clnt("local", addr, result), MAIL_STAT_OK);
    ck_assert_int_eq(WEXITSTATUS(rewrite_stop()), 0);
    ck_assert_int_eq(rewrite_clnt("local", "u1", result), MAIL_STAT_OK);
    ck_assert_str_eq(STR(result), "u1@origin.example");
    ck_assert_int_eq(rewrite_clnt("local", "u3", result), MAIL_STAT_OK);
    ck_assert_str_eq(STR(result), "u3@origin.example");
    ck_assert_int_eq(rewrite_clnt("local", "u17", result), MAIL_STAT_OK);
    ck_assert_str_eq(STR(result), "u17@origin.example");
    ck_assert_int_eq(rewrite_clnt("remote", "u1", result), REWRITE_CLNT_FAIL);
    rewrite_clnt_reset();
    ck_assert_int_eq(rewrite_clnt("local", "u2", result), REWRITE_CLNT_FAIL);
    rewrite_clnt_reset();
    ck_assert_int_eq(rewrite_clnt("local", addr, result), REWRITE_CLNT_FAIL);
    rewrite_clnt_reset();
    strbuf_free(result);
}
END_TEST

/* Raw requests: what the daemon answers to requests no client sends. */
struct raw_case {
    const char *name;
    const char *req;  /* MAIL_ATTR_REQ, or NULL */
    const char *rule; /* REWRITE_ATTR_RULE, or NULL */
    const char *addr; /* REWRITE_ATTR_ADDR, or NULL */
    int addr_len;     /* > 0: an address of that many 'x' instead */
    int extra;        /* add an attribute the daemon does not expect */
    int want_status;
    const char *want; /* the address in the reply, or part of the reason */
};

static const struct raw_case raw_cases[] = {
    {"ok", "rewrite", "local", "a", 0, 0, MAIL_STAT_OK, "a@origin.example"},
    {"unknown request", "reroute", "local", "a", 0, 0, MAIL_STAT_BAD,
     "unknown request \"reroute\""},
    {"resolve has no rule", "resolve", "local", "a", 0, 0, MAIL_STAT_BAD,
     "unexpected attribute \"rule\""},
    {"no request", NULL, "local", "a", 0, 0, MAIL_STAT_BAD, "request"},
    {"no rule", "rewrite", NULL, "a", 0, 0, MAIL_STAT_BAD, "rule"},
    {"no address", "rewrite", "local", NULL, 0, 0, MAIL_STAT_BAD, "address"},
    {"unknown rule", "rewrite", "global", "a", 0, 0, MAIL_STAT_BAD,
     "unknown rule \"global\""},
    {"unexpected", "rewrite", "local", "a", 0, 1, MAIL_STAT_BAD, "surprise"},
    {"too long", "rewrite", "local", NULL, REWRITE_ADDR_MAX + 1, 0,
     MAIL_STAT_BAD, "long"},
    {"longest", "rewrite", "remote", NULL, REWRITE_ADDR_MAX, 0, MAIL_STAT_OK,
     "xxxx@remote.example"},
};

/* raw_request - build one raw case's request */
static void
raw_request(const struct raw_case *rc, ATTR_LIST *req)
{
    char *addr;

    if (rc->req != NULL)
        attr_put_str(req, MAIL_ATTR_REQ, rc->req);
    if (rc->rule != NULL)
        attr_put_str(req, REWRITE_ATTR_RULE, rc->rule);
    if (rc->addr != NULL)
        attr_put_str(req, REWRITE_ATTR_ADDR, rc->addr);
    if (rc->addr_len > 0) {
        addr = malloc(rc->addr_len + 1);
        memset(addr, 'x', rc->addr_len);
        addr[rc->addr_len] = 0;
        attr_put_str(req, REWRITE_ATTR_ADDR, addr);
        free(addr);
    }
    if (rc->extra)
        attr_put_str(req, "surprise", "yes");
}

START_TEST(test_raw_requests)
{
    STREAM *st =
        mail_connect(NULL, MAIL_CLASS_PRIVATE, MAIL_SERVICE_REWRITE, 5000);
    ATTR_LIST *req = attr_list_create();
    ATTR_LIST *reply = attr_list_create();
    STRBUF *why = strbuf_create(100);
    const struct raw_case *rc;
    const char *text;
    uint32_t status;
    size_t i;

    ck_assert_ptr_nonnull(st);
    for (i = 0; i < NITEMS(raw_cases); i++) {
        rc = raw_cases + i;
        attr_list_reset(req);
        raw_request(rc, req);
        ck_assert_int_eq(attr_write(st, req), 0);
        ck_assert_int_eq(attr_read(st, NULL, reply, why), ATTR_READ_OK);
        ck_assert_int_eq(attr_get_int(reply, MAIL_ATTR_STATUS, &status), 0);
        ck_assert_msg(status == (uint32_t) rc->want_status, "%s: status %u",
                      rc->name, status);
        text = attr_get_str(reply, status == MAIL_STAT_OK ? REWRITE_ATTR_ADDR
                                                          : MAIL_ATTR_REASON);
        ck_assert_msg(text && strstr(text, rc->want), "%s: got \"%.80s\"",
                      rc->name, text ? text : "(none)");
    }
    stream_close(st);
    attr_list_free(req);
    attr_list_free(reply);
    strbuf_free(why);
}
END_TEST

/* A malformed frame ends that client; the daemon serves the next one. */
START_TEST(test_bad_frame)
{
    static const char junk[] = "\0\0\0\5\0\1\7zz";
    STREAM *st =
        mail_connect(NULL, MAIL_CLASS_PRIVATE, MAIL_SERVICE_REWRITE, 5000);
    ATTR_LIST *reply = attr_list_create();
    STRBUF *why = strbuf_create(100);
    STRBUF *result = strbuf_create(10);

    ck_assert_ptr_nonnull(st);
    ck_assert_int_eq(stream_write(st, junk, sizeof(junk) - 1), 0);
    ck_assert_int_eq(stream_flush(st), 0);
    ck_assert_int_eq(attr_read(st, NULL, reply, why), ATTR_READ_EOF);
    stream_close(st);
    ck_assert_int_eq(rewrite_clnt("local", "x", result), MAIL_STAT_OK);
    ck_assert_str_eq(STR(result), "x@origin.example");
    rewrite_clnt_reset();
    attr_list_free(reply);
    strbuf_free(why);
    strbuf_free(result);
}
END_TEST

/* More distinct addresses than the daemon's cache holds. */
START_TEST(test_many_addresses)
{
    STRBUF *result = strbuf_create(10);
    char addr[32], want[64];
    int i;

    for (i = 0; i < 1500; i++) {
        snprintf(addr, sizeof(addr), "u%d@h%d", i, i % 7);
        snprintf(want, sizeof(want), "%s.domain.example", addr);
        ck_assert_int_eq(rewrite_clnt("local", addr, result), MAIL_STAT_OK);
        ck_assert_str_eq(STR(result), want);
    }
    ck_assert_int_eq(rewrite_clnt("local", "u0@h0", result), MAIL_STAT_OK);
    ck_assert_str_eq(STR(result), "u0@h0.domain.example");
    rewrite_clnt_reset();
    strbuf_free(result);
}
END_TEST

static Suite *
rewrite_clnt_suite(void)
{
    Suite *s = suite_create("rewrite_clnt");
    TCase *tc = tcase_create("daemon");

    test_daemon_path(rw_path, sizeof(rw_path), "trivial-rewrite");
    TMPDIR_FIXTURES(tc);
    tcase_add_checked_fixture(tc, rewrite_start, rewrite_teardown);
    tcase_set_timeout(tc, 20);
    tcase_add_test(tc, test_rewrite);
    tcase_add_test(tc, test_client_cache);
    tcase_add_test(tc, test_client_cache_lru);
    tcase_add_test(tc, test_raw_requests);
    tcase_add_test(tc, test_bad_frame);
    tcase_add_test(tc, test_many_addresses);
    suite_add_tcase(s, tc);
    return s;
}

TEST_MAIN(rewrite_clnt_suite)

/*
 * test_dict_proxy - Check suite for the proxy: table type, against the
 * real proxymap daemon of this build ($POSTERN_OBJDIR/daemons/proxymap/
 * proxymap, set by tests/run-unit.sh; the in-tree build when unset),
 * started twice as master would start it, as the proxymap and the
 * proxywrite service: descriptors per master_proto.h, a main.cf of its
 * own, queue_directory under the test's folder.
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
#include "dict.h"
#include "dict_proxy.h"
#include "mail_conf.h"
#include "mail_dict.h"
#include "mail_proto.h"
#include "maps.h"
#include "master_proto.h"
#include "sock.h"
#include "stream.h"
#include "test_daemon.h"
#include "test_main.h"
#include "test_tmpdir.h"

/* The two services each test runs. */
enum { SVC_READ, SVC_WRITE, SVC_COUNT };

static const char *const svc_name[SVC_COUNT] = {"proxymap", "proxywrite"};

static char proxymap_path[PATH_MAX]; /* the daemon program */
static TEST_DAEMON daemons[SVC_COUNT];
static char log_path[PATH_MAX]; /* the daemons' stderr */

/* daemon_start - one service, listening on queue/private/NAME */
static void
daemon_start(int svc, int log_fd)
{
    char path[PATH_MAX];
    int listen_fd;

    snprintf(path, sizeof(path), "queue/private/%s", svc_name[svc]);
    ck_assert_int_ge(listen_fd = sock_unix_listen(path, 16, SOCK_FLAG_NONBLOCK),
                     0);
    test_daemon_start(&daemons[svc], proxymap_path, svc_name[svc], "unix",
                      tmpdir_here, listen_fd, log_fd);
    close(listen_fd);
}

/* daemon_stop - SIGTERM, then wait (bounded) */
static void
daemon_stop(int svc)
{
    (void) test_daemon_stop(&daemons[svc]);
}

/* Tables: t.txt (texthash), t.re (regexp), w (hash, proxywrite). */
#define MAIN_CF_FMT                                                            \
    "queue_directory = %1$s/queue\n"                                           \
    "maillog_file = %1$s/maillog\n"                                            \
    "proxy_read_maps = proxy:inline:{a=1, {b=two words}}\n"                    \
    "  proxy:texthash:%1$s/t.txt proxy:texthash:%1$s/missing\n"                \
    "  proxy:regexp:%1$s/t.re proxy:fail:x\n"                                  \
    "proxy_write_maps = proxy:hash:%1$s/w\n"

/* proxy_setup - tables, main.cf, both daemons, our configuration */
static void
proxy_setup(void)
{
    char text[4 * PATH_MAX];
    STRBUF *err = strbuf_create(100);
    int log_fd;

    ck_assert_msg(access(proxymap_path, X_OK) == 0,
                  "%s: %s (build the daemon first)", proxymap_path,
                  strerror(errno));
    ck_assert_int_eq(mkdir("queue", 0700), 0);
    ck_assert_int_eq(mkdir("queue/private", 0700), 0);
    test_write_file("t.txt", "user@example.com local\nother remote\n");
    test_write_file("t.re", "/^(.*)@pattern$/ re-$1\n");
    snprintf(text, sizeof(text), MAIN_CF_FMT, tmpdir_here);
    test_write_file("main.cf", text);
    snprintf(log_path, sizeof(log_path), "%s/proxymap.log", tmpdir_here);
    ck_assert_int_ge(log_fd = open(log_path, O_WRONLY | O_CREAT, 0600), 0);
    daemon_start(SVC_READ, log_fd);
    daemon_start(SVC_WRITE, log_fd);
    close(log_fd);
    ck_assert_msg(mail_conf_load(tmpdir_here, NULL, err) == 0, "%s", STR(err));
    mail_dict_init();
    strbuf_free(err);
}

/* read_log - what the daemons wrote to stderr */
static char *
read_log(char *buf, size_t len)
{
    return test_daemon_read_log(log_path, buf, len);
}

/* proxy_teardown - stop the daemons; a sanitizer report of theirs fails */
static void
proxy_teardown(void)
{
    char log[16384];

    daemon_stop(SVC_READ);
    daemon_stop(SVC_WRITE);
    read_log(log, sizeof(log));
    ck_assert_msg(strstr(log, "Sanitizer") == NULL &&
                      strstr(log, "runtime error:") == NULL,
                  "proxymap: %s", log);
}

/* must_open - a proxy: table that opens */
static DICT *
must_open(const char *type_name, int open_flags, int dict_flags)
{
    STRBUF *err = strbuf_create(100);
    DICT *d = dict_open(type_name, open_flags, dict_flags, err);

    ck_assert_msg(d != NULL, "%s: %s", type_name, STR(err));
    strbuf_free(err);
    return d;
}

/* Lookups through proxymap, the client in each place it can be. */
static const struct {
    const char *name;
    const char *table; /* after "proxy:"; "@" is the test's folder */
    int dict_flags;
    const char *key;
    const char *want; /* NULL: not found */
    int want_error;
} lookup_cases[] = {
    {"inline found", "inline:{a=1, {b=two words}}", 0, "b", "two words",
     DICT_ERR_NONE},
    {"inline not found", "inline:{a=1, {b=two words}}", 0, "c", NULL,
     DICT_ERR_NONE},
    {"folded by proxymap", "inline:{a=1, {b=two words}}", DICT_FLAG_FOLD_FIX,
     "A", "1", DICT_ERR_NONE},
    {"not folded", "inline:{a=1, {b=two words}}", 0, "A", NULL, DICT_ERR_NONE},
    {"texthash found", "texthash:@/t.txt", DICT_FLAG_FOLD_FIX,
     "User@Example.COM", "local", DICT_ERR_NONE},
    {"texthash not found", "texthash:@/t.txt", 0, "nobody", NULL,
     DICT_ERR_NONE},
    {"regexp", "regexp:@/t.re", 0, "joe@pattern", "re-joe", DICT_ERR_NONE},
    {"failing table", "fail:x", 0, "k", NULL, DICT_ERR_RETRY},
};

/* expand_table - "proxy:" + table with "@" made the test's folder */
static void
expand_table(const char *table, STRBUF *out)
{
    const char *at = strchr(table, '@');

    strbuf_strcpy(out, "proxy:");
    if (at == NULL) {
        strbuf_strcat(out, table);
        return;
    }
    strbuf_memcat(out, table, at - table);
    strbuf_strcat(out, tmpdir_here);
    strbuf_strcat(out, at + 1);
}

/* lookup_in - run lookup case i from the folder where */
static void
lookup_in(int i, const char *where)
{
    STRBUF *table = strbuf_create(100);
    const char *got;
    DICT *d;

    ck_assert_int_eq(chdir(where), 0);
    expand_table(lookup_cases[i].table, table);
    d = must_open(STR(table), O_RDONLY, lookup_cases[i].dict_flags);
    ck_assert_str_eq(d->type, "proxy");
    ck_assert_str_eq(d->name, STR(table) + strlen("proxy:"));
    got = dict_get(d, lookup_cases[i].key);
    if (lookup_cases[i].want == NULL)
        ck_assert_msg(got == NULL, "%s: got %s", lookup_cases[i].name, got);
    else
        ck_assert_msg(got != NULL && strcmp(got, lookup_cases[i].want) == 0,
                      "%s: got %s", lookup_cases[i].name, got ? got : "(none)");
    ck_assert_msg(d->error == lookup_cases[i].want_error, "%s: error %d",
                  lookup_cases[i].name, d->error);
    dict_close(d);
    strbuf_free(table);
}

/* As a daemon does: queue_directory is the working folder. */
START_TEST(test_lookup_relative)
{
    lookup_in(_i, "queue");
}
END_TEST

/* As a command does: queue_directory is somewhere else. */
START_TEST(test_lookup_absolute)
{
    lookup_in(_i, "/");
}
END_TEST

START_TEST(test_kind_and_reuse)
{
    STRBUF *table = strbuf_create(100);
    DICT *fixed, *pattern;
    MAPS *maps;
    int i;

    expand_table("regexp:@/t.re", table);
    pattern = must_open(STR(table), O_RDONLY, 0);
    ck_assert_int_ne(pattern->flags & DICT_FLAG_PATTERN, 0);
    ck_assert_int_eq(pattern->flags & DICT_FLAG_FIXED, 0);
    fixed = must_open("proxy:inline:{a=1, {b=two words}}", O_RDONLY, 0);
    ck_assert_int_ne(fixed->flags & DICT_FLAG_FIXED, 0);
    /* Two handles, one connection, many requests, in any order. */
    for (i = 0; i < 200; i++) {
        ck_assert_str_eq(dict_get(fixed, "a"), "1");
        ck_assert_str_eq(dict_get(pattern, "x@pattern"), "re-x");
    }
    dict_close(fixed);
    dict_close(pattern);

    /* maps: a fixed-key search skips the proxied pattern table. */
    strbuf_sprintf(table, "proxy:regexp:%s/t.re, proxy:texthash:%s/t.txt",
                   tmpdir_here, tmpdir_here);
    maps = maps_create("test", STR(table), 0, table);
    ck_assert_ptr_nonnull(maps);
    ck_assert_str_eq(maps_find(maps, "OTHER", 0), "remote");
    ck_assert_ptr_null(maps_find(maps, "y@pattern", DICT_FLAG_FIXED));
    ck_assert_str_eq(maps_find(maps, "y@pattern", 0), "re-y");
    maps_free(maps);
    strbuf_free(table);
}
END_TEST

/* Open failures, each with its reason. */
static const struct {
    const char *name;
    const char *table; /* "@" is the test's folder */
    int open_flags;
    const char *want; /* the whole reason, or a part after "~" */
} open_fail_cases[] = {
    {"not listed", "proxy:texthash:/etc/hosts", O_RDONLY,
     "proxy:texthash:/etc/hosts: table is not listed in proxy_read_maps"},
    {"write table, read handle", "proxy:hash:@/w", O_RDONLY,
     "~table is not listed in proxy_read_maps"},
    {"not listed for writing", "proxy:texthash:@/t.txt", O_RDWR,
     "~: table is not listed in proxy_write_maps"},
    {"listed, cannot be opened", "proxy:texthash:@/missing", O_RDONLY,
     "~missing: No such file or directory"},
    {"write-only", "proxy:inline:{a=1, {b=two words}}", O_WRONLY,
     "~O_RDONLY or O_RDWR only"},
    {"truncate", "proxy:hash:@/w", O_RDWR | O_TRUNC,
     "~O_RDONLY or O_RDWR only"},
    {"no type", "proxy:nameonly", O_RDONLY, "~need proxy:type:name"},
};

START_TEST(test_open_fails)
{
    STRBUF *table = strbuf_create(100);
    STRBUF *err = strbuf_create(100);
    const char *want = open_fail_cases[_i].want;
    char log[16384];

    expand_table(open_fail_cases[_i].table + strlen("proxy:"), table);
    ck_assert_ptr_null(
        dict_open(STR(table), open_fail_cases[_i].open_flags, 0, err));
    if (*want == '~')
        ck_assert_msg(strstr(STR(err), want + 1) != NULL, "%s: %s",
                      open_fail_cases[_i].name, STR(err));
    else
        ck_assert_str_eq(STR(err), want);
    if (_i == 0) {
        /* proxymap tells the admin what to change. */
        daemon_stop(SVC_READ);
        ck_assert_ptr_nonnull(strstr(read_log(log, sizeof(log)),
                                     "list proxy:texthash:/etc/hosts in "
                                     "proxy_read_maps"));
    }
    strbuf_free(table);
    strbuf_free(err);
}
END_TEST

START_TEST(test_write)
{
    STRBUF *table = strbuf_create(100);
    DICT *w, *r;

    expand_table("hash:@/w", table);
    w = must_open(STR(table), O_RDWR, DICT_FLAG_DUP_REPLACE);
    ck_assert_ptr_null(dict_get(w, "k"));
    ck_assert_int_eq(w->error, DICT_ERR_NONE);
    ck_assert_int_eq(dict_put(w, "k", "v1"), 0);
    ck_assert_str_eq(dict_get(w, "k"), "v1");
    ck_assert_int_eq(dict_put(w, "k", "v2"), 0);
    ck_assert_str_eq(dict_get(w, "k"), "v2");
    ck_assert_int_eq(dict_del(w, "k"), 0);
    ck_assert_int_eq(dict_del(w, "k"), 1);
    ck_assert_int_eq(w->error, DICT_ERR_NONE);
    ck_assert_ptr_null(dict_get(w, "k"));
    ck_assert_int_eq(dict_put(w, "kept", "yes"), 0);
    dict_close(w);

    /* Without DUP_REPLACE, proxywrite refuses to overwrite: an error. */
    w = must_open(STR(table), O_RDWR, 0);
    ck_assert_int_eq(dict_put(w, "kept", "no"), -1);
    ck_assert_int_eq(w->error, DICT_ERR_RETRY);
    ck_assert_str_eq(dict_get(w, "kept"), "yes");
    dict_close(w);

    /* A read handle goes to proxymap, which takes no updates. */
    r = must_open("proxy:inline:{a=1, {b=two words}}", O_RDONLY, 0);
    ck_assert_int_eq(dict_put(r, "a", "2"), -1);
    ck_assert_int_eq(r->error, DICT_ERR_CONFIG);
    ck_assert_int_eq(dict_del(r, "a"), -1);
    ck_assert_int_eq(r->error, DICT_ERR_CONFIG);
    ck_assert_str_eq(dict_get(r, "a"), "1");
    dict_close(r);
    ck_assert_int_eq(access("w.db", F_OK), 0);
    strbuf_free(table);
}
END_TEST

/* proxymap gone: an error, never "not found". */
START_TEST(test_service_gone)
{
    STRBUF *err = strbuf_create(100);
    DICT *d = must_open("proxy:inline:{a=1, {b=two words}}", O_RDONLY, 0);

    ck_assert_str_eq(dict_get(d, "a"), "1");
    daemon_stop(SVC_READ);
    ck_assert_int_eq(unlink("queue/private/proxymap"), 0);
    ck_assert_ptr_null(dict_get(d, "a"));
    ck_assert_int_eq(d->error, DICT_ERR_RETRY);
    ck_assert_ptr_null(dict_get(d, "nokey"));
    ck_assert_int_eq(d->error, DICT_ERR_RETRY);
    dict_close(d);
    ck_assert_ptr_null(
        dict_open("proxy:inline:{a=1, {b=two words}}", O_RDONLY, 0, err));
    ck_assert_msg(strstr(STR(err), "proxy:inline:{a=1, {b=two words}}: ") ==
                          STR(err) &&
                      strstr(STR(err), "private/proxymap") != NULL,
                  "%s", STR(err));
    strbuf_free(err);
}
END_TEST

/* A client that does not speak the protocol is answered, then dropped. */
START_TEST(test_bad_request)
{
    STREAM *st =
        mail_connect("queue", MAIL_CLASS_PRIVATE, MAIL_SERVICE_PROXYMAP, 5000);
    ATTR_LIST *req = attr_list_create();
    ATTR_LIST *reply = attr_list_create();
    STRBUF *why = strbuf_create(100);
    uint32_t status;

    ck_assert_ptr_nonnull(st);
    attr_put_str(req, MAIL_ATTR_REQ, PROXY_REQ_LOOKUP);
    attr_put_str(req, PROXY_ATTR_TABLE, "inline:{a=1, {b=two words}}");
    attr_put_str(req, PROXY_ATTR_KEY, "a");
    ck_assert_int_eq(attr_write(st, req), 0);
    ck_assert_int_eq(attr_read(st, NULL, reply, why), ATTR_READ_OK);
    ck_assert_int_eq(attr_get_int(reply, MAIL_ATTR_STATUS, &status), 0);
    ck_assert_uint_eq(status, MAIL_STAT_BAD);
    ck_assert_ptr_nonnull(
        strstr(attr_get_str(reply, MAIL_ATTR_REASON), PROXY_ATTR_FLAGS));
    ck_assert_int_eq(attr_read(st, NULL, reply, why), ATTR_READ_EOF);
    stream_close(st);
    attr_list_free(req);
    attr_list_free(reply);
    strbuf_free(why);
}
END_TEST

START_TEST(test_registered)
{
    ck_assert(dict_type_known(DICT_TYPE_PROXY));
}
END_TEST

static Suite *
dict_proxy_suite(void)
{
    Suite *s = suite_create("dict_proxy");
    TCase *tc = tcase_create("core");

    test_daemon_path(proxymap_path, sizeof(proxymap_path), "proxymap");
    TMPDIR_FIXTURES(tc);
    tcase_add_checked_fixture(tc, proxy_setup, proxy_teardown);
    tcase_set_timeout(tc, 30);
    tcase_add_loop_test(tc, test_lookup_relative, 0, NITEMS(lookup_cases));
    tcase_add_loop_test(tc, test_lookup_absolute, 0, NITEMS(lookup_cases));
    tcase_add_test(tc, test_kind_and_reuse);
    tcase_add_loop_test(tc, test_open_fails, 0, NITEMS(open_fail_cases));
    tcase_add_test(tc, test_write);
    tcase_add_test(tc, test_service_gone);
    tcase_add_test(tc, test_bad_request);
    tcase_add_test(tc, test_registered);
    suite_add_tcase(s, tc);
    return s;
}

TEST_MAIN(dict_proxy_suite)

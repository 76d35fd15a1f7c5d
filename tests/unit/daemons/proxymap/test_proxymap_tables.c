/* test_proxymap_tables - Check suite for proxymap's tables and requests. */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>

#include "attr.h"
#include "dict_proxy.h"
#include "mail_conf.h"
#include "mail_proto.h"
#include "proxymap_tables.h"
#include "test_main.h"
#include "test_tmpdir.h"

/* write_file - a file in the test's folder */
static void
write_file(const char *path, const char *text)
{
    FILE *fp = fopen(path, "w");

    ck_assert_ptr_nonnull(fp);
    fputs(text, fp);
    ck_assert_int_eq(fclose(fp), 0);
}

/* load_conf - main.cf with text, loaded from the test's folder */
static void
load_conf(const char *text)
{
    STRBUF *err = strbuf_create(100);

    write_file("main.cf", text);
    ck_assert_msg(mail_conf_load(tmpdir_here, NULL, err) == 0, "%s", STR(err));
    strbuf_free(err);
}

/* make_tables - the state of service, which must come up */
static PROXYMAP_TABLES *
make_tables(const char *service)
{
    STRBUF *err = strbuf_create(100);
    PROXYMAP_TABLES *pt = proxymap_tables_create(service, err);

    ck_assert_msg(pt != NULL, "create %s: %s", service, STR(err));
    strbuf_free(err);
    return pt;
}

static const struct {
    const char *name;
    const char *main_cf;
    const char *service;
    const char *table;
    int want; /* allowed? */
} allow_cases[] = {
    {"listed with proxy:", "proxy_read_maps = proxy:texthash:/a\n", "proxymap",
     "texthash:/a", 1},
    {"not listed", "proxy_read_maps = proxy:texthash:/a\n", "proxymap",
     "texthash:/b", 0},
    {"listed without proxy: is ignored", "proxy_read_maps = texthash:/a\n",
     "proxymap", "texthash:/a", 0},
    {"the prefix is not part of the name", "proxy_read_maps = proxy:hash:/a\n",
     "proxymap", "proxy:hash:/a", 0},
    {"proxy:proxy: approves the table",
     "proxy_read_maps = proxy:proxy:hash:/y\n", "proxymap", "hash:/y", 1},
    {"comma separated", "proxy_read_maps = proxy:hash:/a,proxy:hash:/b\n",
     "proxymap", "hash:/b", 1},
    {"a prefix alone approves nothing", "proxy_read_maps = proxy: proxy:x\n",
     "proxymap", "x", 0},
    {"$parameter expanded", "virtual_alias_maps = proxy:hash:/v\n", "proxymap",
     "hash:/v", 1},
    {"nested $parameters",
     "virtual_alias_maps = $canonical_maps\ncanonical_maps = proxy:cidr:/c\n",
     "proxymap", "cidr:/c", 1},
    {"default local_recipient_maps", "", "proxymap", "unix:passwd.byname", 1},
    {"default alias_maps is not proxied", "", "proxymap", "hash:/etc/aliases",
     0},
    {"braced inline table stays whole",
     "proxy_read_maps = proxy:inline:{a=1, b=2} proxy:hash:/z\n", "proxymap",
     "inline:{a=1, b=2}", 1},
    {"element after a braced one",
     "proxy_read_maps = proxy:inline:{a=1, b=2} "
     "proxy:hash:/z\n",
     "proxymap", "hash:/z", 1},
    {"restriction argument",
     "smtpd_client_restrictions = check_client_access proxy:cidr:/cl\n",
     "proxymap", "cidr:/cl", 1},
    {"writer list", "proxy_write_maps = proxy:hash:/w\n", "proxywrite",
     "hash:/w", 1},
    {"writer ignores the read list", "proxy_read_maps = proxy:hash:/r\n",
     "proxywrite", "hash:/r", 0},
    {"reader ignores the write list", "proxy_write_maps = proxy:hash:/w\n",
     "proxymap", "hash:/w", 0},
    {"renamed writer service",
     "proxywrite_service_name = pw\nproxy_write_maps = proxy:hash:/w\n", "pw",
     "hash:/w", 1},
    {"old writer name reads after a rename",
     "proxywrite_service_name = pw\nproxy_read_maps = proxy:hash:/r\n",
     "proxywrite", "hash:/r", 1},
    {"default write maps", "address_verify_map = proxy:btree:/v\n",
     "proxywrite", "btree:/v", 1},
};

START_TEST(test_allowed)
{
    PROXYMAP_TABLES *pt;

    load_conf(allow_cases[_i].main_cf);
    pt = make_tables(allow_cases[_i].service);
    ck_assert_msg(proxymap_tables_allowed(pt, allow_cases[_i].table) ==
                      allow_cases[_i].want,
                  "%s: %s", allow_cases[_i].name, allow_cases[_i].table);
    pt = proxymap_tables_free(pt);
    ck_assert_ptr_null(pt);
}
END_TEST

START_TEST(test_service_kind)
{
    PROXYMAP_TABLES *pt;

    load_conf("");
    pt = make_tables("proxymap");
    ck_assert_int_eq(proxymap_tables_writer(pt), 0);
    ck_assert_str_eq(proxymap_tables_list_name(pt), "proxy_read_maps");
    proxymap_tables_free(pt);
    pt = make_tables("proxywrite");
    ck_assert_int_eq(proxymap_tables_writer(pt), 1);
    ck_assert_str_eq(proxymap_tables_list_name(pt), "proxy_write_maps");
    proxymap_tables_free(pt);
}
END_TEST

START_TEST(test_bad_list)
{
    STRBUF *err = strbuf_create(100);

    load_conf("proxy_read_maps = proxy:inline:{a=1\n");
    ck_assert_ptr_null(proxymap_tables_create("proxymap", err));
    ck_assert_msg(strstr(STR(err), "proxy_read_maps") != NULL &&
                      strstr(STR(err), "'}'") != NULL,
                  "%s", STR(err));
    load_conf("proxy_read_maps = $proxy_read_maps\n");
    ck_assert_ptr_null(proxymap_tables_create("proxymap", err));
    ck_assert_msg(strstr(STR(err), "proxy_read_maps") != NULL, "%s", STR(err));
    strbuf_free(err);
}
END_TEST

START_TEST(test_open_cache)
{
    STRBUF *reason = strbuf_create(100);
    PROXYMAP_TABLES *pt;
    DICT *d1, *d2, *d3;

    write_file("t.txt", "a 1\n");
    load_conf("proxy_read_maps = proxy:texthash:t.txt proxy:texthash:no.txt\n");
    pt = make_tables("proxymap");
    ck_assert_int_eq(proxymap_tables_open(pt, "texthash:t.txt", 0, &d1, reason),
                     MAIL_STAT_OK);
    ck_assert_int_eq(proxymap_tables_open(pt, "texthash:t.txt", 0, &d2, reason),
                     MAIL_STAT_OK);
    ck_assert_ptr_eq(d1, d2);
    ck_assert_uint_eq(proxymap_tables_count(pt), 1);

    /* Other flags, another handle; flags outside the mask do not count. */
    ck_assert_int_eq(proxymap_tables_open(pt, "texthash:t.txt",
                                          DICT_FLAG_FOLD_FIX, &d3, reason),
                     MAIL_STAT_OK);
    ck_assert_ptr_ne(d1, d3);
    ck_assert_int_eq(
        proxymap_tables_open(pt, "texthash:t.txt",
                             DICT_FLAG_FOLD_FIX | DICT_FLAG_BULK_UPDATE, &d2,
                             reason),
        MAIL_STAT_OK);
    ck_assert_ptr_eq(d2, d3);
    ck_assert_uint_eq(proxymap_tables_count(pt), 2);
    ck_assert_int_eq(d3->flags & DICT_FLAG_BULK_UPDATE, 0);

    /* Denied: not opened, a reason naming the list. */
    ck_assert_int_eq(proxymap_tables_open(pt, "texthash:x", 0, &d1, reason),
                     MAIL_STAT_DENY);
    ck_assert_ptr_null(d1);
    ck_assert_str_eq(STR(reason), "table is not listed in proxy_read_maps");

    /* A failed open is a retry, not kept, and tried again. */
    ck_assert_int_eq(
        proxymap_tables_open(pt, "texthash:no.txt", 0, &d1, reason),
        MAIL_STAT_RETRY);
    ck_assert_ptr_null(d1);
    ck_assert_msg(strstr(STR(reason), "no.txt") != NULL, "%s", STR(reason));
    ck_assert_uint_eq(proxymap_tables_count(pt), 2);
    write_file("no.txt", "b 2\n");
    ck_assert_int_eq(
        proxymap_tables_open(pt, "texthash:no.txt", 0, &d1, reason),
        MAIL_STAT_OK);
    ck_assert_str_eq(dict_get(d1, "b"), "2");
    ck_assert_uint_eq(proxymap_tables_count(pt), 3);
    proxymap_tables_free(pt);
    strbuf_free(reason);
}
END_TEST

/* One request and what it must answer. */
typedef struct REQ_CASE {
    const char *name;
    const char *service;
    const char *request; /* NULL: no request attribute */
    const char *table;   /* NULL: omitted */
    int flags;           /* -1: omitted */
    const char *key;     /* NULL: omitted */
    const char *value;   /* NULL: omitted */
    const char *extra;   /* an attribute no request takes, or NULL */
    int want_status;
    const char *want; /* OK: the value (lookup) or flags (open); else reason */
} REQ_CASE;

#define TH   "texthash:t.txt"
#define INL  "inline:{A=1, b=2}"
#define RE   "regexp:t.re"
#define HASH "hash:w"
#define FOLD DICT_FLAG_FOLD_FIX

static const REQ_CASE req_cases[] = {
    {"open texthash", "proxymap", PROXY_REQ_OPEN, TH, 0, NULL, NULL, NULL,
     MAIL_STAT_OK, "fixed"},
    {"open regexp", "proxymap", PROXY_REQ_OPEN, RE, 0, NULL, NULL, NULL,
     MAIL_STAT_OK, "pattern"},
    {"open unlisted", "proxymap", PROXY_REQ_OPEN, "texthash:/etc/passwd", 0,
     NULL, NULL, NULL, MAIL_STAT_DENY,
     "table is not listed in proxy_read_maps"},
    {"open missing file", "proxymap", PROXY_REQ_OPEN, "texthash:none", 0, NULL,
     NULL, NULL, MAIL_STAT_RETRY, "none"},
    {"lookup found", "proxymap", PROXY_REQ_LOOKUP, TH, 0, "k", NULL, NULL,
     MAIL_STAT_OK, "v with spaces"},
    {"lookup not found", "proxymap", PROXY_REQ_LOOKUP, TH, 0, "nope", NULL,
     NULL, MAIL_STAT_NOTFOUND, ""},
    {"lookup folded", "proxymap", PROXY_REQ_LOOKUP, INL, FOLD, "A", NULL, NULL,
     MAIL_STAT_OK, "1"},
    {"lookup not folded", "proxymap", PROXY_REQ_LOOKUP, INL, 0, "a", NULL, NULL,
     MAIL_STAT_NOTFOUND, ""},
    {"lookup pattern", "proxymap", PROXY_REQ_LOOKUP, RE, 0, "user@example",
     NULL, NULL, MAIL_STAT_OK, "re-user"},
    {"lookup fails", "proxymap", PROXY_REQ_LOOKUP, "fail:x", 0, "k", NULL, NULL,
     MAIL_STAT_RETRY, "fail:x: lookup of \"k\" failed"},
    {"lookup unlisted", "proxymap", PROXY_REQ_LOOKUP, "texthash:x", 0, "k",
     NULL, NULL, MAIL_STAT_DENY, "table is not listed in proxy_read_maps"},
    {"update on the reader", "proxymap", PROXY_REQ_UPDATE, TH, 0, "k", "v",
     NULL, MAIL_STAT_DENY, "served by proxywrite only"},
    {"delete on the reader", "proxymap", PROXY_REQ_DELETE, TH, 0, "k", NULL,
     NULL, MAIL_STAT_DENY, "served by proxywrite only"},
    {"unknown request", "proxymap", "walk", TH, 0, NULL, NULL, NULL,
     MAIL_STAT_BAD, "unknown request \"walk\""},
    {"no request", "proxymap", NULL, TH, 0, NULL, NULL, NULL, MAIL_STAT_BAD,
     "unknown request"},
    {"lookup without key", "proxymap", PROXY_REQ_LOOKUP, TH, 0, NULL, NULL,
     NULL, MAIL_STAT_BAD, "key"},
    {"open without flags", "proxymap", PROXY_REQ_OPEN, TH, -1, NULL, NULL, NULL,
     MAIL_STAT_BAD, "flags"},
    {"open without table", "proxymap", PROXY_REQ_OPEN, NULL, 0, NULL, NULL,
     NULL, MAIL_STAT_BAD, "table"},
    {"open with a key", "proxymap", PROXY_REQ_OPEN, TH, 0, "k", NULL, NULL,
     MAIL_STAT_BAD, "key"},
    {"lookup with a stray attribute", "proxymap", PROXY_REQ_LOOKUP, TH, 0, "k",
     NULL, "junk", MAIL_STAT_BAD, "junk"},
    {"writer: texthash is read-only", "proxywrite", PROXY_REQ_OPEN, TH, 0, NULL,
     NULL, NULL, MAIL_STAT_RETRY, "read-only"},
    {"writer: read list denied", "proxywrite", PROXY_REQ_LOOKUP, INL, 0, "b",
     NULL, NULL, MAIL_STAT_DENY, "table is not listed in proxy_write_maps"},
};

/* want_flags - the open reply's flags as a word */
static const char *
kind_name(const ATTR_LIST *extra)
{
    uint32_t flags;

    ck_assert_int_eq(attr_get_int(extra, PROXY_ATTR_FLAGS, &flags), 0);
    if (flags == DICT_FLAG_FIXED)
        return "fixed";
    if (flags == DICT_FLAG_PATTERN)
        return "pattern";
    return "other";
}

/* build_request - the attribute list of a case */
static void
build_request(ATTR_LIST *req, const REQ_CASE *c)
{
    if (c->request)
        attr_put_str(req, MAIL_ATTR_REQ, c->request);
    if (c->table)
        attr_put_str(req, PROXY_ATTR_TABLE, c->table);
    if (c->flags >= 0)
        attr_put_int(req, PROXY_ATTR_FLAGS, (uint32_t) c->flags);
    if (c->key)
        attr_put_str(req, PROXY_ATTR_KEY, c->key);
    if (c->value)
        attr_put_str(req, PROXY_ATTR_VALUE, c->value);
    if (c->extra)
        attr_put_str(req, c->extra, "x");
}

/* check_reply - status, and the value, flags or reason */
static void
check_reply(const REQ_CASE *c, int status, const ATTR_LIST *extra,
            const STRBUF *reason)
{
    const char *got;

    ck_assert_msg(status == c->want_status, "%s: status %d, want %d (%s)",
                  c->name, status, c->want_status, STR(reason));
    if (status == MAIL_STAT_OK && strcmp(c->request, PROXY_REQ_OPEN) == 0) {
        ck_assert_str_eq(kind_name(extra), c->want);
    } else if (status == MAIL_STAT_OK) {
        got = attr_get_str(extra, PROXY_ATTR_VALUE);
        ck_assert_msg(got && strcmp(got, c->want) == 0, "%s: got %s", c->name,
                      got ? got : "(none)");
    } else if (status == MAIL_STAT_NOTFOUND) {
        ck_assert_uint_eq(attr_list_count(extra), 0);
    } else {
        ck_assert_msg(strstr(STR(reason), c->want) != NULL,
                      "%s: reason \"%s\", want \"%s\"", c->name, STR(reason),
                      c->want);
        ck_assert_uint_eq(attr_list_count(extra), 0);
    }
}

/* request_conf - the tables the request cases use */
static void
request_conf(void)
{
    write_file("t.txt", "k v with spaces\n");
    write_file("t.re", "/^(.*)@/ re-$1\n");
    load_conf("proxy_read_maps = proxy:" TH " proxy:" INL " proxy:" RE
              " proxy:fail:x proxy:texthash:none\n"
              "proxy_write_maps = proxy:" HASH " proxy:" TH "\n");
}

START_TEST(test_request)
{
    const REQ_CASE *c = &req_cases[_i];
    ATTR_LIST *req = attr_list_create();
    ATTR_LIST *extra = attr_list_create();
    STRBUF *reason = strbuf_create(100);
    PROXYMAP_TABLES *pt;
    int status;

    request_conf();
    pt = make_tables(c->service);
    build_request(req, c);
    status = proxymap_tables_request(pt, req, extra, reason);
    check_reply(c, status, extra, reason);
    proxymap_tables_free(pt);
    attr_list_free(req);
    attr_list_free(extra);
    strbuf_free(reason);
}
END_TEST

/* writer_call - one request to the writer; the status */
static int
writer_call(PROXYMAP_TABLES *pt, const char *request, int flags,
            const char *key, const char *value, STRBUF *out)
{
    ATTR_LIST *req = attr_list_create();
    ATTR_LIST *extra = attr_list_create();
    const char *got;
    int status;

    attr_put_str(req, MAIL_ATTR_REQ, request);
    attr_put_str(req, PROXY_ATTR_TABLE, HASH);
    attr_put_int(req, PROXY_ATTR_FLAGS, (uint32_t) flags);
    attr_put_str(req, PROXY_ATTR_KEY, key);
    if (value)
        attr_put_str(req, PROXY_ATTR_VALUE, value);
    status = proxymap_tables_request(pt, req, extra, out);
    if (status == MAIL_STAT_OK && (got = attr_get_str(extra, PROXY_ATTR_VALUE)))
        strbuf_strcpy(out, got);
    attr_list_free(req);
    attr_list_free(extra);
    return status;
}

START_TEST(test_writer)
{
    STRBUF *out = strbuf_create(100);
    PROXYMAP_TABLES *pt;
    int repl = DICT_FLAG_DUP_REPLACE;

    request_conf();
    pt = make_tables("proxywrite");
    ck_assert_int_eq(writer_call(pt, PROXY_REQ_LOOKUP, repl, "k", NULL, out),
                     MAIL_STAT_NOTFOUND);
    ck_assert_int_eq(writer_call(pt, PROXY_REQ_UPDATE, repl, "k", "v1", out),
                     MAIL_STAT_OK);
    ck_assert_int_eq(writer_call(pt, PROXY_REQ_LOOKUP, repl, "k", NULL, out),
                     MAIL_STAT_OK);
    ck_assert_str_eq(STR(out), "v1");
    ck_assert_int_eq(writer_call(pt, PROXY_REQ_UPDATE, repl, "k", "v2", out),
                     MAIL_STAT_OK);
    ck_assert_int_eq(writer_call(pt, PROXY_REQ_LOOKUP, repl, "k", NULL, out),
                     MAIL_STAT_OK);
    ck_assert_str_eq(STR(out), "v2");

    /* Without DUP_REPLACE, a duplicate is kept (IGNORE) or an error. */
    ck_assert_int_eq(
        writer_call(pt, PROXY_REQ_UPDATE, DICT_FLAG_DUP_IGNORE, "k", "v3", out),
        MAIL_STAT_NOTFOUND);
    ck_assert_int_eq(writer_call(pt, PROXY_REQ_UPDATE, 0, "k", "v3", out),
                     MAIL_STAT_RETRY);
    ck_assert_msg(strstr(STR(out), "update of \"k\" failed"), "%s", STR(out));

    ck_assert_int_eq(writer_call(pt, PROXY_REQ_DELETE, repl, "k", NULL, out),
                     MAIL_STAT_OK);
    ck_assert_int_eq(writer_call(pt, PROXY_REQ_DELETE, repl, "k", NULL, out),
                     MAIL_STAT_NOTFOUND);
    ck_assert_int_eq(writer_call(pt, PROXY_REQ_LOOKUP, repl, "k", NULL, out),
                     MAIL_STAT_NOTFOUND);
    ck_assert_int_eq(access("w.db", F_OK), 0);

    /* Folding is the client's too, on the one handle of the file. */
    ck_assert_int_eq(
        writer_call(pt, PROXY_REQ_UPDATE, repl | FOLD, "Up", "u", out),
        MAIL_STAT_OK);
    ck_assert_int_eq(writer_call(pt, PROXY_REQ_LOOKUP, 0, "up", NULL, out),
                     MAIL_STAT_OK);
    ck_assert_str_eq(STR(out), "u");
    ck_assert_int_eq(writer_call(pt, PROXY_REQ_LOOKUP, 0, "UP", NULL, out),
                     MAIL_STAT_NOTFOUND);
    ck_assert_uint_eq(proxymap_tables_count(pt), 1);
    proxymap_tables_free(pt);
    strbuf_free(out);
}
END_TEST

static Suite *
proxymap_tables_suite(void)
{
    Suite *s = suite_create("proxymap_tables");
    TCase *tc = tcase_create("core");

    TMPDIR_FIXTURES(tc);
    tcase_add_loop_test(tc, test_allowed, 0, NITEMS(allow_cases));
    tcase_add_test(tc, test_service_kind);
    tcase_add_test(tc, test_bad_list);
    tcase_add_test(tc, test_open_cache);
    tcase_add_loop_test(tc, test_request, 0, NITEMS(req_cases));
    tcase_add_test(tc, test_writer);
    suite_add_tcase(s, tc);
    return s;
}

TEST_MAIN(proxymap_tables_suite)

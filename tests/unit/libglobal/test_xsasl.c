/*
 * test_xsasl - the server SASL layer: the dovecot line parser (table
 * driven, with the bounds), the PLAIN parser, bounded base64 decoding,
 * and the built-in back-end against yescrypt and SHA-512-crypt hashes
 * (PLAIN and LOGIN through the xsasl_server interface).
 */
#include <stdlib.h>
#include <string.h>

#include "test_main.h"
#include "xsasl_dovecot.h"
#include "xsasl_server.h"

static const struct {
    const char *name;
    const char *line;
    int ok;           /* parse result 0 or -1 */
    int type;         /* XSASL_DC_* when ok */
    const char *text; /* text, or mech for MECH */
} dc_cases[] = {
    {"version", "VERSION\t1\t2", 0, XSASL_DC_VERSION, ""},
    {"version short", "VERSION\t1", -1, 0, NULL},
    {"version junk", "VERSION\tx\t2", -1, 0, NULL},
    {"mech", "MECH\tPLAIN\tplaintext", 0, XSASL_DC_MECH, "PLAIN"},
    {"mech lower", "MECH\tplain", -1, 0, NULL},
    {"mech empty", "MECH\t", -1, 0, NULL},
    {"mech long", "MECH\tAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", -1, 0, NULL},
    {"done", "DONE", 0, XSASL_DC_DONE, ""},
    {"spid", "SPID\t123", 0, XSASL_DC_OTHER, ""},
    {"ok", "OK\t7\tuser=alice", 0, XSASL_DC_OK, "alice"},
    {"ok escaped", "OK\t7\tuser=a\001tb", 0, XSASL_DC_OK, "a\tb"},
    {"ok bad escape", "OK\t7\tuser=a\001", -1, 0, NULL},
    {"ok no id", "OK", -1, 0, NULL},
    {"ok id huge", "OK\t12345678901\tuser=a", -1, 0, NULL},
    {"cont", "CONT\t7\tVXNlcm5hbWU6", 0, XSASL_DC_CONT, "VXNlcm5hbWU6"},
    {"cont empty", "CONT\t7\t", 0, XSASL_DC_CONT, ""},
    {"cont not base64", "CONT\t7\ta b", -1, 0, NULL},
    {"cont no data", "CONT\t7", -1, 0, NULL},
    {"fail", "FAIL\t7", 0, XSASL_DC_FAIL, ""},
    {"fail reason", "FAIL\t7\treason=bad\ttemp", 0, XSASL_DC_FAIL, "bad"},
    {"nul", "OK\t7\tuser=a\0b", 0, XSASL_DC_OK, "a"}, /* strlen stops */
    {"too many fields",
     "X\ta\ta\ta\ta\ta\ta\ta\ta\ta\ta\ta\ta\ta\ta\ta\ta\ta\ta\ta\ta\ta\ta\ta\ta"
     "\ta\ta\ta\ta\ta\ta\ta\ta",
     -1, 0, NULL},
};

START_TEST(test_dovecot_parse)
{
    XSASL_DC_REPLY r;
    int ret;

    r.text = strbuf_create(0);
    ret = xsasl_dovecot_parse(dc_cases[_i].line, strlen(dc_cases[_i].line),
                              &r);
    ck_assert_msg(ret == dc_cases[_i].ok, "%s: %d", dc_cases[_i].name, ret);
    if (ret == 0) {
        ck_assert_msg(r.type == dc_cases[_i].type, "%s: type %d",
                      dc_cases[_i].name, r.type);
        ck_assert_str_eq(r.type == XSASL_DC_MECH ? r.mech : STR(r.text),
                         dc_cases[_i].text);
    }
    strbuf_free(r.text);
}
END_TEST

START_TEST(test_dovecot_bounds)
{
    XSASL_DC_REPLY r;
    size_t len = XSASL_DC_LINE_MAX + 1;
    char *line = malloc(len);

    r.text = strbuf_create(0);
    memset(line, 'A', len);
    memcpy(line, "CONT\t1\t", 7);
    ck_assert_int_eq(xsasl_dovecot_parse(line, len, &r), -1);
    ck_assert_int_eq(xsasl_dovecot_parse(line, len - 1, &r), 0);
    ck_assert_uint_eq(LEN(r.text), len - 1 - 7);
    ck_assert_int_eq(xsasl_dovecot_parse("FAIL\t1\ttemp", 11, &r), 0);
    ck_assert_int_eq(r.temp, 1);
    ck_assert_int_eq(xsasl_dovecot_parse("MECH\tX\tanonymous\tprivate", 24,
                                         &r), 0);
    ck_assert_int_eq(r.mech_flags, XSASL_MECH_ANONYMOUS | XSASL_MECH_PRIVATE);
    free(line);
    strbuf_free(r.text);
}
END_TEST

static const struct {
    const char *name;
    const char *msg;
    size_t len;
    const char *user; /* NULL: refused */
} plain_cases[] = {
    {"plain", "\0alice\0pw", 9, "alice"},
    {"authzid same", "alice\0alice\0pw", 14, "alice"},
    {"authzid other", "bob\0alice\0pw", 12, NULL},
    {"no password", "\0alice\0", 7, NULL},
    {"no user", "\0\0pw", 4, NULL},
    {"one nul", "alice\0pw", 8, NULL},
    {"nul in password", "\0alice\0p\0w", 10, NULL},
};

START_TEST(test_plain_parse)
{
    STRBUF *user = strbuf_create(0), *pw = strbuf_create(0);
    int ret = xsasl_plain_parse(plain_cases[_i].msg, plain_cases[_i].len, user,
                                pw);

    if (plain_cases[_i].user == NULL) {
        ck_assert_msg(ret < 0, "%s: accepted", plain_cases[_i].name);
    } else {
        ck_assert_msg(ret == 0, "%s: refused", plain_cases[_i].name);
        ck_assert_str_eq(STR(user), plain_cases[_i].user);
        ck_assert_str_eq(STR(pw), "pw");
    }
    strbuf_free(user);
    strbuf_free(pw);
}
END_TEST

START_TEST(test_decode_bounds)
{
    STRBUF *out = strbuf_create(0);

    ck_assert_int_eq(xsasl_decode("YWJj", 4, 3, out), 0);
    ck_assert_str_eq(STR(out), "abc");
    ck_assert_int_eq(xsasl_decode("YWJjZA==", 8, 3, out), -1);
    ck_assert_int_eq(xsasl_decode("YWJ", 3, 10, out), -1);
    ck_assert_int_eq(xsasl_decode("YW=j", 4, 10, out), -1);
    ck_assert_int_eq(xsasl_decode("", 0, 10, out), 0);
    ck_assert_int_eq(xsasl_const_eq("abc", "abc"), 1);
    ck_assert_int_eq(xsasl_const_eq("abc", "abd"), 0);
    ck_assert_int_eq(xsasl_const_eq("abc", "abcd"), 0);
    strbuf_free(out);
}
END_TEST

/* Hashes of "secret" made with libxcrypt (crypt_gensalt + crypt). */
#define YESCRYPT                                                               \
    "$y$j9T$/pxfioTiO6.Pe.ElpyoXS0$JBmZNMa495A5q3IXCgBYL5eH3eLhhDHAQN9RbEKD1t1"
#define SHA512                                                                 \
    "$6$4MRWoIOlVLHe/Goc$XVt0/E/ebageBEkjyz6xlVONZMx3ZBNssugZ/857rTB5vv78ksVYE" \
    "ASo9Q2umGhZgf/O2k1IptfLNTzBCsUw2/"

static const struct {
    const char *name;
    const char *mech;
    const char *init;  /* base64 initial response, or NULL */
    const char *resp2; /* next response, or NULL */
    const char *resp3;
    int want;
} be_cases[] = {
    /* "\0y\0secret", "\0s\0secret", "\0y\0wrong", "\0nobody\0secret" */
    {"plain yescrypt", "PLAIN", "AHkAc2VjcmV0", NULL, NULL, XSASL_OK},
    {"plain sha512", "PLAIN", "AHMAc2VjcmV0", NULL, NULL, XSASL_OK},
    {"plain wrong", "PLAIN", "AHkAd3Jvbmc=", NULL, NULL, XSASL_FAIL},
    {"plain unknown", "PLAIN", "AG5vYm9keQBzZWNyZXQ=", NULL, NULL, XSASL_FAIL},
    {"plain bad base64", "PLAIN", "AHkAc2Vj!", NULL, NULL, XSASL_FAIL},
    {"plain later", "PLAIN", NULL, "AHMAc2VjcmV0", NULL, XSASL_OK},
    /* LOGIN: "y", "secret" */
    {"login", "LOGIN", NULL, "eQ==", "c2VjcmV0", XSASL_OK},
    {"login initial", "LOGIN", "eQ==", "c2VjcmV0", NULL, XSASL_OK},
    {"login wrong", "LOGIN", NULL, "eQ==", "d3Jvbmc=", XSASL_FAIL},
    {"cram", "CRAM-MD5", NULL, NULL, NULL, XSASL_FAIL},
};

START_TEST(test_postern_backend)
{
    STRBUF *why = strbuf_create(0), *res = strbuf_create(0);
    XSASL_SERVER_IMPL *impl =
        xsasl_server_init("postern", "", "inline:{y=" YESCRYPT ", s=" SHA512
                          "}", why);
    XSASL_SERVER_ARGS args = {"smtp", "127.0.0.1", "127.0.0.1", 0, 0, NULL};
    XSASL_SERVER *srv;
    int st;

    ck_assert_msg(impl != NULL, "%s", STR(why));
    srv = xsasl_server_create(impl, &args, why);
    ck_assert_str_eq(xsasl_server_mechs(srv), "PLAIN LOGIN");
    st = xsasl_server_start(srv, be_cases[_i].mech, be_cases[_i].init, res);
    if (st == XSASL_CONT && be_cases[_i].resp2)
        st = xsasl_server_next(srv, be_cases[_i].resp2, res);
    if (st == XSASL_CONT && be_cases[_i].resp3)
        st = xsasl_server_next(srv, be_cases[_i].resp3, res);
    ck_assert_msg(st == be_cases[_i].want, "%s: %d %s", be_cases[_i].name, st,
                  STR(res));
    if (st == XSASL_FAIL && strcmp(be_cases[_i].mech, "LOGIN") == 0)
        ck_assert_str_eq(STR(res), "UGFzc3dvcmQ6");
    xsasl_server_free(srv);
    xsasl_server_done(impl);
    strbuf_free(why);
    strbuf_free(res);
}
END_TEST

/* smtpd_sasl_local_domain: the realm qualifies names without "@". */
static const struct {
    const char *name;
    const char *realm;
    const char *plain; /* base64 PLAIN response, password "secret" */
    int want;
    const char *user; /* the username reported on XSASL_OK */
} realm_cases[] = {
    {"qualified by realm", "ex.org", "AHkAc2VjcmV0", XSASL_OK, "y@ex.org"},
    {"already qualified", "ex.org", "AHlAZXgub3JnAHNlY3JldA==", XSASL_OK,
     "y@ex.org"},
    {"other realm", "other.org", "AHkAc2VjcmV0", XSASL_FAIL, NULL},
    {"no realm", "", "AHkAc2VjcmV0", XSASL_FAIL, NULL},
    {"null realm", NULL, "AHlAZXgub3JnAHNlY3JldA==", XSASL_OK, "y@ex.org"},
};

START_TEST(test_postern_realm)
{
    STRBUF *why = strbuf_create(0), *res = strbuf_create(0);
    XSASL_SERVER_IMPL *impl = xsasl_server_init(
        "postern", "", "inline:{y@ex.org=" YESCRYPT "}", why);
    XSASL_SERVER_ARGS args = {"smtp", "", "", 1, 0, realm_cases[_i].realm};
    XSASL_SERVER *srv;
    int st;

    ck_assert_msg(impl != NULL, "%s", STR(why));
    srv = xsasl_server_create(impl, &args, why);
    st = xsasl_server_start(srv, "PLAIN", realm_cases[_i].plain, res);
    ck_assert_msg(st == realm_cases[_i].want, "%s: %d %s",
                  realm_cases[_i].name, st, STR(res));
    if (st == XSASL_OK)
        ck_assert_str_eq(STR(res), realm_cases[_i].user);
    xsasl_server_free(srv);
    xsasl_server_done(impl);
    strbuf_free(why);
    strbuf_free(res);
}
END_TEST

START_TEST(test_security)
{
    STRBUF *why = strbuf_create(0);
    XSASL_SERVER_IMPL *impl = xsasl_server_init("postern", "", "inline:{a=b}",
                                                why);
    XSASL_SERVER_ARGS args = {"smtp", "", "", 0, XSASL_SEC_NOPLAINTEXT, NULL};
    XSASL_SERVER *srv = xsasl_server_create(impl, &args, why);

    ck_assert_str_eq(xsasl_server_mechs(srv), "");
    ck_assert_int_eq(xsasl_server_security("noanonymous, noplaintext", why),
                     XSASL_SEC_NOANONYMOUS | XSASL_SEC_NOPLAINTEXT);
    ck_assert_int_eq(xsasl_server_security("nosuch", why), -1);
    ck_assert_ptr_null(xsasl_server_init("cyrus", "", "", why));
    xsasl_server_free(srv);
    xsasl_server_done(impl);
    strbuf_free(why);
}
END_TEST

static Suite *
xsasl_suite(void)
{
    Suite *s = suite_create("xsasl");
    TCase *tc = tcase_create("core");

    tcase_add_loop_test(tc, test_dovecot_parse, 0, NITEMS(dc_cases));
    tcase_add_test(tc, test_dovecot_bounds);
    tcase_add_loop_test(tc, test_plain_parse, 0, NITEMS(plain_cases));
    tcase_add_test(tc, test_decode_bounds);
    tcase_add_loop_test(tc, test_postern_backend, 0, NITEMS(be_cases));
    tcase_add_loop_test(tc, test_postern_realm, 0, NITEMS(realm_cases));
    tcase_add_test(tc, test_security);
    suite_add_tcase(s, tc);
    return s;
}

TEST_MAIN(xsasl_suite)

/* test_smtpd_addr - Check suite for smtpd's path and parameter parsers. */
#include <string.h>

#include "smtpd_addr.h"
#include "test_main.h"

#define S SMTPD_ADDR_STRICT
#define N SMTPD_ADDR_NULL_OK

static const struct {
    const char *name;
    const char *input;
    int flags;
    const char *want; /* internal form, or NULL: rejected */
    size_t used;      /* bytes consumed when accepted */
} path_cases[] = {
    {"plain", "<a@b.example>", S, "a@b.example", 13},
    {"null sender", "<>", S | N, "", 2},
    {"null rcpt", "<>", S, NULL, 0},
    {"quoted", "<\"john doe\"@b.example>", S, "john doe@b.example", 22},
    {"quoted pair", "<\"a\\\"b\"@c>", S, "a\"b@c", 10},
    {"quoted at", "<\"u@r.example\"@b>", S, "u@r.example@b", 17},
    {"unclosed quote", "<\"ab@c>", S, NULL, 0},
    {"source route", "<@x.example,@y.example:u@z.example>", S, "u@z.example",
     35},
    {"bad route", "<@:u@z>", S, NULL, 0},
    {"ipv4 literal", "<u@[192.0.2.1]>", S, "u@[192.0.2.1]", 15},
    {"ipv6 literal", "<u@[IPv6:2001:db8::1]>", S, "u@[IPv6:2001:db8::1]", 22},
    {"bad literal", "<u@[300.1.1.1]>", S, NULL, 0},
    {"general literal", "<u@[x-tag:abc]>", S, "u@[x-tag:abc]", 15},
    {"trailing dot", "<u@b.example.>", S, "u@b.example.", 14},
    {"hyphen start", "<u@-b.example>", S, NULL, 0},
    {"empty label", "<u@b..example>", S, NULL, 0},
    {"two ats", "<u@b@c>", S, NULL, 0},
    {"no bracket strict", "u@b", S, NULL, 0},
    {"no bracket lax", "u@b SIZE=1", 0, "u@b", 3},
    {"space lax", "  <u@b>", 0, "u@b", 7},
    {"space strict", " <u@b>", S, NULL, 0},
    {"postmaster strict", "<Postmaster>", S, "Postmaster", 12},
    {"unqualified strict", "<user>", S, NULL, 0},
    {"unqualified lax", "<user>", 0, "user", 6},
    {"double dot strict", "<a..b@c>", S, NULL, 0},
    {"double dot lax", "<a..b@c>", 0, "a..b@c", 8},
    {"text after", "<a@b>x", S, NULL, 0},
    {"missing close", "<a@b", S, NULL, 0},
    {"control", "<a\001@b>", S, NULL, 0},
    {"empty input", "", N, NULL, 0},
    {"only spaces", "   ", N, NULL, 0},
    {"utf8", "<j\xc3\xb6rg@b>", S, "j\xc3\xb6rg@b", 9},
    {"label 64",
     "<a@"
     "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
     "aaaa>",
     S, NULL, 0},
};

START_TEST(test_path)
{
    STRBUF *addr = strbuf_create(0), *why = strbuf_create(0);
    size_t used = 0;
    const char *in = path_cases[_i].input;
    int ret =
        smtpd_addr_path(in, strlen(in), path_cases[_i].flags, addr, &used, why);

    if (path_cases[_i].want == NULL) {
        ck_assert_msg(ret < 0, "%s: accepted as %s", path_cases[_i].name,
                      STR(addr));
    } else {
        ck_assert_msg(ret == 0, "%s: %s", path_cases[_i].name, STR(why));
        ck_assert_str_eq(STR(addr), path_cases[_i].want);
        ck_assert_uint_eq(used, path_cases[_i].used);
    }
    strbuf_free(addr);
    strbuf_free(why);
}
END_TEST

static const struct {
    const char *name;
    const char *input;
    const char *want; /* "size body utf8 ret envid" or the reply */
} mail_cases[] = {
    {"none", "", "-1 0 0  "},
    {"size", " SIZE=1000", "1000 0 0  "},
    {"size over", " SIZE=20001", "552 5.3.4 Message size exceeds fixed limit"},
    {"size junk", " SIZE=12x", "501 5.5.4 Bad message size syntax"},
    {"size huge", " SIZE=99999999999999999999",
     "501 5.5.4 Bad message size syntax"},
    {"body", " body=8bitmime", "-1 1 0  "},
    {"binary", " BODY=BINARYMIME", "501 5.5.4 Unsupported BODY type"},
    {"utf8", " SMTPUTF8", "-1 0 1  "},
    {"ret", " RET=hdrs", "-1 0 0 HDRS "},
    {"bad ret", " RET=ALL", "501 5.5.4 Bad RET parameter"},
    {"envid", " ENVID=a+2Bb", "-1 0 0  a+b"},
    {"envid ctl", " ENVID=a+0Db", "501 5.5.4 Bad ENVID parameter"},
    {"envid lower hex", " ENVID=a+2bb", "501 5.5.4 Bad ENVID parameter"},
    {"unknown", " FOO=1", "555 5.5.4 Unsupported option: FOO"},
    {"auth null", " AUTH=<>", "-1 0 0   AUTH=<>"},
    {"auth xtext", " AUTH=a+2Bb@example.org", "-1 0 0   AUTH=a+b@example.org"},
    {"auth lower hex", " AUTH=a+2b", "501 5.5.4 Bad AUTH parameter value"},
    {"auth empty", " AUTH=", "501 5.5.4 Bad AUTH parameter value"},
    {"auth twice", " AUTH=<> AUTH=<>", "501 5.5.4 Bad AUTH parameter value"},
    {"too many", " A A A A A A A A A A A A A A A A A",
     "501 5.5.4 Error: too many parameters"},
};

START_TEST(test_mail_args)
{
    SMTPD_MAIL_ARGS a;
    STRBUF *why = strbuf_create(0), *got = strbuf_create(0);
    const char *in = mail_cases[_i].input;

    a.envid = strbuf_create(0);
    a.auth = strbuf_create(0);
    if (smtpd_addr_mail_args(in, strlen(in), 20000, &a, why) == 0) {
        strbuf_sprintf(got, "%ld %d %d %s %s", a.size, a.body_8bit, a.smtputf8,
                       a.ret, STR(a.envid));
        if (a.has_auth)
            strbuf_sprintf_cat(got, " AUTH=%s", STR(a.auth));
    } else
        strbuf_strcpy(got, STR(why));
    ck_assert_msg(strcmp(STR(got), mail_cases[_i].want) == 0, "%s: got %s",
                  mail_cases[_i].name, STR(got));
    strbuf_free(a.envid);
    strbuf_free(a.auth);
    strbuf_free(why);
    strbuf_free(got);
}
END_TEST

static const struct {
    const char *name;
    const char *input;
    const char *want; /* "notify orcpt" or the reply */
} rcpt_cases[] = {
    {"none", "", "0 "},
    {"notify", " NOTIFY=SUCCESS,FAILURE", "10 "},
    {"never", " NOTIFY=never", "1 "},
    {"never and more", " NOTIFY=NEVER,DELAY", "501 5.5.4 Bad NOTIFY parameter"},
    {"notify empty", " NOTIFY=", "501 5.5.4 Bad NOTIFY parameter"},
    {"notify trailing comma", " NOTIFY=DELAY,",
     "501 5.5.4 Bad NOTIFY parameter"},
    {"orcpt", " ORCPT=rfc822;a+40b", "0 rfc822;a@b"},
    {"orcpt no type", " ORCPT=;a", "501 5.5.4 Bad ORCPT parameter"},
    {"orcpt bad type", " ORCPT=rf\001c;a", "501 5.5.4 Bad ORCPT parameter"},
    {"orcpt short hex", " ORCPT=rfc822;a+4", "501 5.5.4 Bad ORCPT parameter"},
    {"unknown", " SIZE=1", "555 5.5.4 Unsupported option: SIZE"},
};

START_TEST(test_rcpt_args)
{
    SMTPD_RCPT_ARGS a;
    STRBUF *why = strbuf_create(0), *got = strbuf_create(0);
    const char *in = rcpt_cases[_i].input;

    a.orcpt = strbuf_create(0);
    if (smtpd_addr_rcpt_args(in, strlen(in), &a, why) == 0)
        strbuf_sprintf(got, "%d %s", a.notify, STR(a.orcpt));
    else
        strbuf_strcpy(got, STR(why));
    ck_assert_msg(strcmp(STR(got), rcpt_cases[_i].want) == 0, "%s: got %s",
                  rcpt_cases[_i].name, STR(got));
    strbuf_free(a.orcpt);
    strbuf_free(why);
    strbuf_free(got);
}
END_TEST

static const struct {
    const char *input;
    int ok;
    size_t verb, args;
} verb_cases[] = {
    {"MAIL FROM:<>", 1, 4, 5},
    {"QUIT", 1, 4, 4},
    {"NOOP   x", 1, 4, 7},
    {"", 0, 0, 0},
    {" MAIL", 0, 0, 0},
    {"MA1L", 0, 0, 0},
    {"ABCDEFGHIJKLMNOPQ", 0, 0, 0},
};

START_TEST(test_verb)
{
    size_t v = 0, a = 0;
    const char *in = verb_cases[_i].input;
    int ret = smtpd_addr_verb(in, strlen(in), &v, &a);

    ck_assert_int_eq(ret == 0, verb_cases[_i].ok);
    if (ret == 0) {
        ck_assert_uint_eq(v, verb_cases[_i].verb);
        ck_assert_uint_eq(a, verb_cases[_i].args);
    }
}
END_TEST

static Suite *
smtpd_addr_suite(void)
{
    Suite *s = suite_create("smtpd_addr");
    TCase *tc = tcase_create("core");

    tcase_add_loop_test(tc, test_path, 0, NITEMS(path_cases));
    tcase_add_loop_test(tc, test_mail_args, 0, NITEMS(mail_cases));
    tcase_add_loop_test(tc, test_rcpt_args, 0, NITEMS(rcpt_cases));
    tcase_add_loop_test(tc, test_verb, 0, NITEMS(verb_cases));
    suite_add_tcase(s, tc);
    return s;
}

TEST_MAIN(smtpd_addr_suite)

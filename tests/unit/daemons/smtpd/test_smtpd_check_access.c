/*
 * test_smtpd_check_access - Check suite for access(5) results, the order
 * of access table keys, and policy server replies (smtpd_access.c,
 * smtpd_policy.c).
 */
#include <string.h>

#include "mymalloc.h"
#include "smtpd_check.h"
#include "test_main.h"

static const struct {
    const char *value;
    int action;
    int code;
    const char *dsn;
    const char *text;
} parse_cases[] = {
    {"OK", SMTPD_ACC_OK, 0, "", ""},
    {"ok", SMTPD_ACC_OK, 0, "", ""},
    {"1234", SMTPD_ACC_OK, 0, "", ""},
    {"DUNNO", SMTPD_ACC_DUNNO, 0, "", ""},
    {"REJECT", SMTPD_ACC_REJECT, 0, "", ""},
    {"REJECT go away", SMTPD_ACC_REJECT, 0, "", "go away"},
    {"  DEFER  later", SMTPD_ACC_DEFER, 0, "", "later"},
    {"550 no such user", SMTPD_ACC_CODE, 550, "", "no such user"},
    {"550 5.1.1 no such user", SMTPD_ACC_CODE, 550, "5.1.1", "no such user"},
    {"450 4.7.1 slow down", SMTPD_ACC_CODE, 450, "4.7.1", "slow down"},
    {"450 5.7.1 mismatch", SMTPD_ACC_CODE, 450, "", "5.7.1 mismatch"},
    {"421", SMTPD_ACC_CODE, 421, "", ""},
    {"5500 x", SMTPD_ACC_RESTRICT, 0, "", "5500 x"},
    {"250 fine", SMTPD_ACC_RESTRICT, 0, "", "250 fine"},
    {"DEFER_IF_PERMIT greylisted", SMTPD_ACC_DEFER_PERMIT, 0, "", "greylisted"},
    {"defer_if_reject x", SMTPD_ACC_DEFER_REJECT, 0, "", "x"},
    {"HOLD", SMTPD_ACC_HOLD, 0, "", ""},
    {"HOLD suspicious", SMTPD_ACC_HOLD, 0, "", "suspicious"},
    {"DISCARD", SMTPD_ACC_DISCARD, 0, "", ""},
    {"PREPEND X-Tag: yes", SMTPD_ACC_PREPEND, 0, "", "X-Tag: yes"},
    {"PREPEND", SMTPD_ACC_BAD, 0, "", ""},
    {"REDIRECT a@b.example", SMTPD_ACC_REDIRECT, 0, "", "a@b.example"},
    {"REDIRECT", SMTPD_ACC_BAD, 0, "", ""},
    {"FILTER smtp:[127.0.0.1]:10025", SMTPD_ACC_FILTER, 0, "",
     "smtp:[127.0.0.1]:10025"},
    {"WARN odd", SMTPD_ACC_WARN, 0, "", "odd"},
    {"INFO note", SMTPD_ACC_INFO, 0, "", "note"},
    {"permit_mynetworks, reject", SMTPD_ACC_RESTRICT, 0, "",
     "permit_mynetworks, reject"},
    {"myclass", SMTPD_ACC_RESTRICT, 0, "", "myclass"},
    {"OKAY", SMTPD_ACC_RESTRICT, 0, "", "OKAY"},
};

START_TEST(test_parse)
{
    SMTPD_ACCESS acc;

    smtpd_access_parse(parse_cases[_i].value, &acc);
    ck_assert_msg(acc.action == parse_cases[_i].action, "%s: action %d",
                  parse_cases[_i].value, acc.action);
    ck_assert_int_eq(acc.code, parse_cases[_i].code);
    ck_assert_str_eq(acc.dsn, parse_cases[_i].dsn);
    if (acc.action != SMTPD_ACC_BAD)
        ck_assert_str_eq(acc.text, parse_cases[_i].text);
}
END_TEST

static const struct {
    int kind;
    const char *name;
    const char *addr;
    int parent_style;
    const char *want; /* keys joined by " " */
} key_cases[] = {
    {SMTPD_KEY_CLIENT, "mail.example.com", "192.0.2.1", 1,
     "mail.example.com example.com com 192.0.2.1 192.0.2 192.0 192"},
    {SMTPD_KEY_CLIENT, "mail.example.com", "192.0.2.1", 0,
     "mail.example.com .example.com .com 192.0.2.1 192.0.2 192.0 192"},
    {SMTPD_KEY_CLIENT, "unknown", "192.0.2.1", 1,
     "192.0.2.1 192.0.2 192.0 192"},
    {SMTPD_KEY_CLIENT, "unknown", "2001:db8::1", 1,
     "2001:db8::1 2001:db8 2001"},
    {SMTPD_KEY_DOMAIN, "host.sub.example", NULL, 1,
     "host.sub.example sub.example example"},
    {SMTPD_KEY_ADDRESS, "user@sub.example.com", "+", 1,
     "user@sub.example.com sub.example.com example.com com user@"},
    {SMTPD_KEY_ADDRESS, "user+ext@example.com", "+", 1,
     "user+ext@example.com user@example.com example.com com user+ext@ "
     "user@"},
    {SMTPD_KEY_ADDRESS, "user+ext@example.com", "", 0,
     "user+ext@example.com example.com .com user+ext@"},
    {SMTPD_KEY_ADDRESS, "user", "", 1, "user"},
    {SMTPD_KEY_ADDRESS, "+x@example.com", "+", 1,
     "+x@example.com example.com com +x@"},
};

START_TEST(test_keys)
{
    ARGV *keys = argv_alloc(4);
    char *got;

    smtpd_access_keys(key_cases[_i].kind, key_cases[_i].name,
                      key_cases[_i].addr, key_cases[_i].parent_style, keys);
    got = argv_join(keys, " ");
    ck_assert_str_eq(got, key_cases[_i].want);
    myfree(got);
    argv_free(keys);
}
END_TEST

static const struct {
    const char *reply;
    int ret;
    const char *action;
} reply_cases[] = {
    {"action=DUNNO\n", 0, "DUNNO"},
    {"foo=bar\naction=REJECT go away\n", 0, "REJECT go away"},
    {"action=\n", -1, ""},
    {"nothing=here\n", -1, ""},
    {"", -1, ""},
    {"action=OK\naction=DEFER_IF_PERMIT later\n", 0, "DEFER_IF_PERMIT later"},
    {"action=450 4.7.1 try again", 0, "450 4.7.1 try again"},
};

START_TEST(test_policy_reply)
{
    STRBUF *action = strbuf_create(0);

    ck_assert_int_eq(smtpd_policy_parse_reply(reply_cases[_i].reply,
                                              strlen(reply_cases[_i].reply),
                                              action),
                     reply_cases[_i].ret);
    if (reply_cases[_i].ret == 0)
        ck_assert_str_eq(STR(action), reply_cases[_i].action);
    strbuf_free(action);
}
END_TEST

static Suite *
smtpd_check_access_suite(void)
{
    Suite *s = suite_create("smtpd_check_access");
    TCase *tc = tcase_create("core");

    tcase_add_loop_test(tc, test_parse, 0, NITEMS(parse_cases));
    tcase_add_loop_test(tc, test_keys, 0, NITEMS(key_cases));
    tcase_add_loop_test(tc, test_policy_reply, 0, NITEMS(reply_cases));
    suite_add_tcase(s, tc);
    return s;
}

TEST_MAIN(smtpd_check_access_suite)

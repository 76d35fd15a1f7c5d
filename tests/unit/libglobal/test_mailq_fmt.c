/* test_mailq_fmt - Check suite for mailq_fmt: mailq text, JSON, ID args. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mail_queue.h"
#include "mailq_fmt.h"
#include "test_main.h"

/* Mon Nov 22 10:00:00 UTC 2027 */
#define T_NOV 1826877600LL

static const struct {
    const char *name;
    MAILQ_MSG msg;
    const char *want;
} sender_cases[] = {
    {"deferred", {"deferred", "4ZkQ7x3T1Vz9", T_NOV, 371, 0, "a@example.com"},
     "4ZkQ7x3T1Vz9     371 Mon Nov 22 10:00:00  a@example.com\n"},
    {"active", {"active", "ABCDEF", T_NOV, 1234, 0, "b@x"},
     "ABCDEF*        1234 Mon Nov 22 10:00:00  b@x\n"},
    {"hold", {"hold", "ABCDEF", T_NOV + 86400 * 10, 7, 0, "MAILER-DAEMON"},
     "ABCDEF!           7 Thu Dec  2 10:00:00  MAILER-DAEMON\n"},
    {"expired", {"deferred", "ABCDEF", T_NOV, 7, 1, "c@x"},
     "ABCDEF#           7 Mon Nov 22 10:00:00  c@x\n"},
    {"control bytes", {"incoming", "ABC", T_NOV, 1, 0, "a\nb\x7f\xc3"},
     "ABC               1 Mon Nov 22 10:00:00  a?b??\n"},
};

START_TEST(test_sender)
{
    STRBUF *out = strbuf_create(0);

    ck_assert_int_eq(setenv("TZ", "UTC", 1), 0);
    tzset();
    mailq_sender(out, &sender_cases[_i].msg);
    ck_assert_msg(strcmp(STR(out), sender_cases[_i].want) == 0,
                  "%s: got [%s]", sender_cases[_i].name, STR(out));
    strbuf_free(out);
}
END_TEST

START_TEST(test_layout)
{
    STRBUF *out = strbuf_create(0);

    mailq_heading(out);
    ck_assert_str_eq(STR(out), "-Queue ID-  --Size-- ----Arrival Time---- "
                               "-Sender/Recipient-------\n");
    strbuf_reset(out);
    mailq_rcpt(out, "r@example.com");
    ck_assert_str_eq(STR(out), "                                         "
                               "r@example.com\n");
    strbuf_reset(out);
    mailq_reason(out, "x");
    ck_assert_uint_eq(LEN(out), 75 + 3 + 1);
    ck_assert_str_eq(STR(out) + 75, "(x)\n");
    strbuf_reset(out);
    mailq_trailer(out, 0, 0);
    ck_assert_str_eq(STR(out), "Mail queue is empty\n");
    strbuf_reset(out);
    mailq_trailer(out, 2047, 1);
    ck_assert_str_eq(STR(out), "\n-- 1 Kbytes in 1 Request.\n");
    strbuf_reset(out);
    mailq_trailer(out, 4096, 3);
    ck_assert_str_eq(STR(out), "\n-- 4 Kbytes in 3 Requests.\n");
    strbuf_free(out);
}
END_TEST

static const struct {
    const char *name;
    const char *input;
    size_t len;
    const char *want;
} json_cases[] = {
    {"plain", "abc", 3, "\"abc\""},
    {"quote backslash", "a\"b\\c", 5, "\"a\\\"b\\\\c\""},
    {"controls", "\n\t\x01\x7f", 4, "\"\\u000a\\u0009\\u0001\\u007f\""},
    {"NUL", "a\0b", 3, "\"a\\u0000b\""},
    {"utf8 2", "\xc3\xa9", 2, "\"\xc3\xa9\""},
    {"utf8 3", "\xe2\x82\xac", 3, "\"\xe2\x82\xac\""},
    {"utf8 4", "\xf0\x9f\x98\x80", 4, "\"\xf0\x9f\x98\x80\""},
    {"latin1 byte", "\xe9t\xe9", 3, "\"\\u00e9t\\u00e9\""},
    {"overlong", "\xc0\xaf", 2, "\"\\u00c0\\u00af\""},
    {"surrogate", "\xed\xa0\x80", 3, "\"\\u00ed\\u00a0\\u0080\""},
    {"too large", "\xf4\x90\x80\x80", 4,
     "\"\\u00f4\\u0090\\u0080\\u0080\""},
    {"cut short", "a\xe2\x82", 3, "\"a\\u00e2\\u0082\""},
    {"empty", "", 0, "\"\""},
};

START_TEST(test_json_quote)
{
    STRBUF *out = strbuf_create(0);

    json_quote(out, json_cases[_i].input, json_cases[_i].len);
    ck_assert_msg(strcmp(STR(out), json_cases[_i].want) == 0, "%s: got %s",
                  json_cases[_i].name, STR(out));
    strbuf_free(out);
}
END_TEST

START_TEST(test_json_object)
{
    STRBUF *out = strbuf_create(0);
    MAILQ_MSG msg = {"deferred", "ABC", 5, 10, 0, "s@x"};

    mailq_json_open(out, &msg);
    mailq_json_rcpt(out, "r1@x", "", 1);
    mailq_json_rcpt(out, "r2@x", "no \"route\"", 0);
    mailq_json_close(out);
    ck_assert_str_eq(STR(out),
                     "{\"queue_name\": \"deferred\", \"queue_id\": \"ABC\", "
                     "\"arrival_time\": 5, \"message_size\": 10, "
                     "\"forced_expire\": false, \"sender\": \"s@x\", "
                     "\"recipients\": [{\"address\": \"r1@x\"}, "
                     "{\"address\": \"r2@x\", \"delay_reason\": "
                     "\"no \\\"route\\\"\"}]}\n");
    strbuf_free(out);
}
END_TEST

START_TEST(test_id_arg)
{
    STRBUF *id = strbuf_create(0);
    struct timeval tv = {1826964000, 123456};

    mail_queue_id_make(id, &tv, 98765);
    ck_assert_int_eq(mailq_id_arg(STR(id), LEN(id)), MAILQ_ID_ONE);
    ck_assert_int_eq(mailq_id_arg("ALL", 3), MAILQ_ID_ALL);
    ck_assert_int_eq(mailq_id_arg("ALLx", 3), MAILQ_ID_ALL);
    ck_assert_int_eq(mailq_id_arg("all", 3), MAILQ_ID_BAD);
    ck_assert_int_eq(mailq_id_arg("", 0), MAILQ_ID_BAD);
    ck_assert_int_eq(mailq_id_arg("../../etc/passwd", 16), MAILQ_ID_BAD);
    /* A NUL inside, a changed character, one too long. */
    strbuf_addch(id, 0);
    ck_assert_int_eq(mailq_id_arg(STR(id), LEN(id)), MAILQ_ID_BAD);
    strbuf_truncate(id, LEN(id) - 1);
    STR(id)[0] = 'a';
    ck_assert_int_eq(mailq_id_arg(STR(id), LEN(id)), MAILQ_ID_BAD);
    ck_assert_int_eq(mailq_id_arg("0123456789z123456789012345", 26),
                     MAILQ_ID_BAD);
    strbuf_free(id);
}
END_TEST

static Suite *
mailq_fmt_suite(void)
{
    Suite *s = suite_create("mailq_fmt");
    TCase *tc = tcase_create("core");

    tcase_add_loop_test(tc, test_sender, 0, NITEMS(sender_cases));
    tcase_add_test(tc, test_layout);
    tcase_add_loop_test(tc, test_json_quote, 0, NITEMS(json_cases));
    tcase_add_test(tc, test_json_object);
    tcase_add_test(tc, test_id_arg);
    suite_add_tcase(s, tc);
    return s;
}

TEST_MAIN(mailq_fmt_suite)

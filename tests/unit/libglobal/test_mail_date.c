/* test_mail_date - Check suite for mail_date: Date: and Message-ID: text. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mail_date.h"
#include "test_main.h"

/* Sun Nov 22 18:30:00 UTC 2026 */
#define T_NOV 1795372200L

static const struct {
    const char *name;
    const char *tz;
    long when;
    const char *want;
} date_cases[] = {
    {"UTC", "UTC", T_NOV, "Sun, 22 Nov 2026 18:30:00 +0000 (UTC)"},
    {"no zone name", "<+00>0", T_NOV, "Sun, 22 Nov 2026 18:30:00 +0000 (+00)"},
    {"east", "Europe/Berlin", T_NOV, "Sun, 22 Nov 2026 19:30:00 +0100 (CET)"},
    {"east summer", "Europe/Berlin", T_NOV - 150 * 86400L,
     "Thu, 25 Jun 2026 20:30:00 +0200 (CEST)"},
    {"west", "America/New_York", T_NOV,
     "Sun, 22 Nov 2026 13:30:00 -0500 (EST)"},
    {"half hour", "Asia/Kolkata", T_NOV,
     "Mon, 23 Nov 2026 00:00:00 +0530 (IST)"},
    {"quarter hour", "Asia/Kathmandu", T_NOV,
     "Mon, 23 Nov 2026 00:15:00 +0545 (+0545)"},
    {"POSIX rule", "XYZ-3", T_NOV, "Sun, 22 Nov 2026 21:30:00 +0300 (XYZ)"},
    {"one-digit day", "UTC", 1767312000L,
     "Fri, 2 Jan 2026 00:00:00 +0000 (UTC)"},
    {"epoch", "UTC", 0, "Thu, 1 Jan 1970 00:00:00 +0000 (UTC)"},
    {"leap day", "UTC", 1709208000L, "Thu, 29 Feb 2024 12:00:00 +0000 (UTC)"},
};

START_TEST(test_date)
{
    STRBUF *out = strbuf_create(0);

    ck_assert_int_eq(setenv("TZ", date_cases[_i].tz, 1), 0);
    tzset();
    ck_assert_ptr_eq(mail_date(out, (time_t) date_cases[_i].when), out);
    ck_assert_msg(strcmp(STR(out), date_cases[_i].want) == 0, "%s: got %s",
                  date_cases[_i].name, STR(out));
    strbuf_free(out);
}
END_TEST

static const struct {
    const char *name;
    const char *tz;
    long when;
    const char *id;
    const char *host;
    const char *want;
} msgid_cases[] = {
    {"UTC", "UTC", T_NOV, "4ZkQ7x3T1Vz9", "mail.example.com",
     "<20261122183000.4ZkQ7x3T1Vz9@mail.example.com>"},
    {"always UTC", "Asia/Kolkata", T_NOV, "ABC123", "h",
     "<20261122183000.ABC123@h>"},
    {"padded", "UTC", 1767312000L + 3661, "Q", "x.y", "<20260102010101.Q@x.y>"},
};

START_TEST(test_message_id)
{
    STRBUF *out = strbuf_create(0);

    ck_assert_int_eq(setenv("TZ", msgid_cases[_i].tz, 1), 0);
    tzset();
    mail_date_message_id(out, (time_t) msgid_cases[_i].when, msgid_cases[_i].id,
                         msgid_cases[_i].host);
    ck_assert_msg(strcmp(STR(out), msgid_cases[_i].want) == 0, "%s: got %s",
                  msgid_cases[_i].name, STR(out));
    strbuf_free(out);
}
END_TEST

static Suite *
mail_date_suite(void)
{
    Suite *s = suite_create("mail_date");
    TCase *tc = tcase_create("core");

    tcase_add_loop_test(tc, test_date, 0, NITEMS(date_cases));
    tcase_add_loop_test(tc, test_message_id, 0, NITEMS(msgid_cases));
    suite_add_tcase(s, tc);
    return s;
}

TEST_MAIN(mail_date_suite)

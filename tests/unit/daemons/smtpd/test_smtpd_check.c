/* test_smtpd_check - Check suite for the pure helpers of smtpd's policy. */
#include <string.h>

#include "smtpd.h"
#include "test_main.h"

static const struct {
    const char *name;
    int need_dot;
    int want;
} host_cases[] = {
    {"mail.example.com", 1, 1},
    {"mail.example.com.", 1, 1},
    {"localhost", 1, 0},
    {"localhost", 0, 1},
    {"a-b.example", 1, 1},
    {"-ab.example", 0, 0},
    {"ab-.example", 0, 0},
    {"a..example", 0, 0},
    {".example", 0, 0},
    {"1.2.3.4", 0, 0},
    {"under_score.example", 1, 1},
    {"bad!name.example", 0, 0},
    {"", 0, 0},
    {"a.b.c.d.e.f.g", 1, 1},
    {"123.example", 1, 1},
    {"x.123", 1, 0},
};

START_TEST(test_hostname)
{
    ck_assert_msg(
        smtpd_check_hostname(host_cases[_i].name, host_cases[_i].need_dot) ==
            host_cases[_i].want,
        "%s", host_cases[_i].name);
}
END_TEST

START_TEST(test_hostname_long)
{
    char label[70];

    memset(label, 'a', 64);
    label[64] = 0;
    ck_assert_int_eq(smtpd_check_hostname(label, 0), 0);
    label[63] = 0;
    ck_assert_int_eq(smtpd_check_hostname(label, 0), 1);
}
END_TEST

static Suite *
smtpd_check_suite(void)
{
    Suite *s = suite_create("smtpd_check");
    TCase *tc = tcase_create("core");

    tcase_add_loop_test(tc, test_hostname, 0, NITEMS(host_cases));
    tcase_add_test(tc, test_hostname_long);
    suite_add_tcase(s, tc);
    return s;
}

TEST_MAIN(smtpd_check_suite)

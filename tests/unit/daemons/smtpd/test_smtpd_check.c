/* test_smtpd_check - Check suite for the pure helpers of smtpd's policy. */
#include <string.h>

#include "argv.h"
#include "smtpd.h"
#include "test_main.h"

static const struct {
    const char *pattern;
    const char *addr;
    int want;
} cidr_cases[] = {
    {"127.0.0.0/8", "127.0.0.1", 1},
    {"127.0.0.0/8", "128.0.0.1", 0},
    {"192.0.2.0/24", "192.0.2.255", 1},
    {"192.0.2.0/24", "192.0.3.0", 0},
    {"192.0.2.1", "192.0.2.1", 1},
    {"192.0.2.1", "192.0.2.2", 0},
    {"10.0.0.0/12", "10.15.0.1", 1},
    {"10.0.0.0/12", "10.16.0.1", 0},
    {"0.0.0.0/0", "203.0.113.9", 1},
    {"[::1]/128", "::1", 1},
    {"[2001:db8::]/32", "2001:db8:1::1", 1},
    {"[2001:db8::]/32", "2001:db9::1", 0},
    {"127.0.0.0/8", "::1", 0},
    {"127.0.0.0/33", "127.0.0.1", 0},
    {"127.0.0.0/x", "127.0.0.1", 0},
    {"hash:/etc/x", "127.0.0.1", 0},
    {"127.0.0.0/8", "bogus", 0},
};

START_TEST(test_cidr)
{
    ck_assert_msg(smtpd_check_cidr(cidr_cases[_i].pattern,
                                   cidr_cases[_i].addr) == cidr_cases[_i].want,
                  "%s %s", cidr_cases[_i].pattern, cidr_cases[_i].addr);
}
END_TEST

static const struct {
    const char *domain;
    int want;
} domain_cases[] = {
    {"test.example", 1},
    {"TEST.Example", 1},
    {"test.example.", 1},
    {"localhost", 1},
    {"test.example..", 0},
    {"remote.example", 0},
    {"test.example.remote.example", 0},
    {"example", 0},
    {".", 0},
};

START_TEST(test_domain_in)
{
    ARGV *list = argv_split("test.example, localhost", ", ");

    ck_assert_msg(smtpd_check_domain_in(domain_cases[_i].domain, list) ==
                      domain_cases[_i].want,
                  "%s", domain_cases[_i].domain);
    argv_free(list);
}
END_TEST

static Suite *
smtpd_check_suite(void)
{
    Suite *s = suite_create("smtpd_check");
    TCase *tc = tcase_create("core");

    tcase_add_loop_test(tc, test_cidr, 0, NITEMS(cidr_cases));
    tcase_add_loop_test(tc, test_domain_in, 0, NITEMS(domain_cases));
    suite_add_tcase(s, tc);
    return s;
}

TEST_MAIN(smtpd_check_suite)

/*
 * test_dsn - RFC 3463 status codes: the three classes, digit counts of
 * subject and detail, separators, trailing text, and NULL.
 */
#include <stddef.h>

#include "dsn.h"
#include "test_main.h"

static const struct {
    const char *name;
    const char *input;
    int want; /* dsn_class(); 0: malformed */
} cases[] = {
    {"success", "2.0.0", 2},
    {"temporary", "4.4.1", 4},
    {"permanent", "5.1.1", 5},
    {"three digits", "5.123.456", 5},
    {"two digits", "4.12.34", 4},
    {"class 3", "3.0.0", 0},
    {"class 1", "1.0.0", 0},
    {"four digit subject", "5.1234.1", 0},
    {"four digit detail", "5.1.1234", 0},
    {"empty subject", "5..1", 0},
    {"empty detail", "5.1.", 0},
    {"two parts", "5.1", 0},
    {"trailing text", "5.1.1 user unknown", 0},
    {"trailing dot", "5.1.1.", 0},
    {"letters", "5.a.1", 0},
    {"two digit class", "55.1.1", 0},
    {"empty", "", 0},
    {"NULL", NULL, 0},
};

START_TEST(test_status)
{
    int ok = dsn_status_ok(cases[_i].input);
    int class = dsn_class(cases[_i].input);

    ck_assert_msg(ok == (cases[_i].want != 0), "%s: dsn_status_ok %d",
                  cases[_i].name, ok);
    ck_assert_msg(class == cases[_i].want, "%s: dsn_class %d, want %d",
                  cases[_i].name, class, cases[_i].want);
}
END_TEST

static Suite *
dsn_suite(void)
{
    Suite *s = suite_create("dsn");
    TCase *tc = tcase_create("status");

    tcase_add_loop_test(tc, test_status, 0, NITEMS(cases));
    suite_add_tcase(s, tc);
    return s;
}

TEST_MAIN(dsn_suite)

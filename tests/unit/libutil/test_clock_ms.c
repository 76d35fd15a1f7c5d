/* test_clock_ms - Check suite for the monotonic millisecond clock. */
#include <unistd.h>

#include "clock_ms.h"
#include "test_main.h"

/* It never goes back, and a sleep of 50 ms shows as 50 ms or more. */
START_TEST(test_advances)
{
    int64_t a = clock_ms();
    int64_t b;

    ck_assert_int_gt(a, 0);
    usleep(50 * 1000);
    b = clock_ms();
    ck_assert_int_ge(b - a, 50);
    ck_assert_int_lt(b - a, 10000);
}
END_TEST

/* clock_ms_suite - the tests */
static Suite *
clock_ms_suite(void)
{
    Suite *s = suite_create("clock_ms");
    TCase *tc = tcase_create("core");

    tcase_add_test(tc, test_advances);
    suite_add_tcase(s, tc);
    return s;
}

TEST_MAIN(clock_ms_suite)

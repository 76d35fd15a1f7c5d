/* test_mymalloc - Check suite for the allocation wrappers. */
#include <signal.h>
#include <stdint.h>
#include <string.h>

#include "mymalloc.h"
#include "test_main.h"

START_TEST(test_copies)
{
    char *s = mystrdup("hello");
    char *n = mystrndup("hello", 3);
    char *m = mystrndup("hi", 10);
    char *d = mymemdup("a\0b", 3);
    int *a = mycalloc(4, sizeof(int));

    ck_assert_str_eq(s, "hello");
    ck_assert_str_eq(n, "hel");
    ck_assert_str_eq(m, "hi");
    ck_assert_int_eq(memcmp(d, "a\0b", 3), 0);
    ck_assert_int_eq(a[3], 0);
    a = myreallocarray(a, 100, sizeof(int));
    a[99] = 1;
    myfree(s);
    myfree(n);
    myfree(m);
    myfree(d);
    myfree(a);
    myfree(NULL);
}
END_TEST

START_TEST(test_zero_panics)
{
    (void) mymalloc(0);
}
END_TEST

START_TEST(test_overflow_panics)
{
    (void) mycalloc(SIZE_MAX / 2, 4);
}
END_TEST

START_TEST(test_array_overflow_panics)
{
    (void) myreallocarray(NULL, SIZE_MAX / 4, 8);
}
END_TEST

START_TEST(test_null_strdup_panics)
{
    (void) mystrdup(NULL);
}
END_TEST

START_TEST(test_huge_realloc_panics)
{
    (void) myrealloc(NULL, SIZE_MAX);
}
END_TEST

static Suite *
mymalloc_suite(void)
{
    Suite *s = suite_create("mymalloc");
    TCase *tc = tcase_create("core");

    tcase_add_test(tc, test_copies);
    tcase_add_test_raise_signal(tc, test_zero_panics, SIGABRT);
    tcase_add_test_raise_signal(tc, test_overflow_panics, SIGABRT);
    tcase_add_test_raise_signal(tc, test_array_overflow_panics, SIGABRT);
    tcase_add_test_raise_signal(tc, test_null_strdup_panics, SIGABRT);
    tcase_add_test_raise_signal(tc, test_huge_realloc_panics, SIGABRT);
    suite_add_tcase(s, tc);
    return s;
}

TEST_MAIN(mymalloc_suite)

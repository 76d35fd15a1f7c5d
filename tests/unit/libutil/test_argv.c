/* test_argv - Check suite for string vectors. */
#include <string.h>

#include "argv.h"
#include "mymalloc.h"
#include "test_main.h"

static const struct {
    const char *name;
    const char *input;
    const char *delim;
    const char *want; /* fields joined with '|' */
    size_t count;
} split_cases[] = {
    {"plain", "a b c", " ", "a|b|c", 3},
    {"runs of delimiters", "  a,, b ,c  ", " ,", "a|b|c", 3},
    {"empty", "", " ", "", 0},
    {"only delimiters", " , ,", " ,", "", 0},
    {"one field", "single", " ", "single", 1},
};

START_TEST(test_split)
{
    ARGV *av = argv_split(split_cases[_i].input, split_cases[_i].delim);
    char *joined = argv_join(av, "|");

    ck_assert_msg(strcmp(joined, split_cases[_i].want) == 0, "%s: got %s",
                  split_cases[_i].name, joined);
    ck_assert_uint_eq(av->argc, split_cases[_i].count);
    ck_assert_ptr_null(av->argv[av->argc]);
    myfree(joined);
    argv_free(av);
}
END_TEST

START_TEST(test_edit)
{
    ARGV *av = argv_alloc(1);
    char *joined;
    int i;

    for (i = 0; i < 100; i++)
        argv_add(av, "x");
    argv_truncate(av, 2);
    argv_addn(av, "yes-no", 3);
    argv_insert(av, 0, "first");
    argv_insert(av, av->argc, "last");
    argv_delete(av, 1, 1);
    joined = argv_join(av, ",");
    ck_assert_str_eq(joined, "first,x,yes,last");
    ck_assert_ptr_null(av->argv[av->argc]);
    myfree(joined);
    argv_truncate(av, 10);
    ck_assert_uint_eq(av->argc, 4);
    av = argv_free(av);
    ck_assert_ptr_null(av);
    ck_assert_ptr_null(argv_free(NULL));
}
END_TEST

START_TEST(test_bad_insert_panics)
{
    ARGV *av = argv_alloc(0);

    argv_insert(av, 2, "x");
}
END_TEST

START_TEST(test_bad_delete_panics)
{
    ARGV *av = argv_split("a b", " ");

    argv_delete(av, 1, 5);
}
END_TEST

static Suite *
argv_suite(void)
{
    Suite *s = suite_create("argv");
    TCase *tc = tcase_create("core");

    tcase_add_loop_test(tc, test_split, 0, NITEMS(split_cases));
    tcase_add_test(tc, test_edit);
    tcase_add_test_raise_signal(tc, test_bad_insert_panics, SIGABRT);
    tcase_add_test_raise_signal(tc, test_bad_delete_panics, SIGABRT);
    suite_add_tcase(s, tc);
    return s;
}

TEST_MAIN(argv_suite)

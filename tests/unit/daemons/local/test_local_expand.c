/* test_local_expand - Check suite for splitting alias and .forward values. */
#include <string.h>

#include "local.h"
#include "mymalloc.h"
#include "test_main.h"

static const struct {
    const char *name;
    const char *value;
    const char *want; /* items joined by '|' */
} cases[] = {
    {"one", "user", "user"},
    {"list", "a, b,c ,  d", "a|b|c|d"},
    {"blanks dropped", " , a,,b, ", "a|b"},
    {"quoted command", "\"|cat > /x, y\", b", "|cat > /x, y|b"},
    {"unquoted command", "|/bin/prog arg, b", "|/bin/prog arg|b"},
    {"lines", "a\nb, c\n\n", "a|b|c"},
    {"comment line", "# a, b\nc\n  # d\ne", "c|e"},
    {"hash inside", "a#b, c", "a#b|c"},
    {"include", ":include:/etc/list, \\me", ":include:/etc/list|\\me"},
    {"unterminated quote", "\"a, b", "\"a, b"},
    {"quote ends at line", "\"a\nb", "\"a|b"},
    {"empty", "", ""},
};

START_TEST(test_split)
{
    ARGV *items = local_expand_split(cases[_i].value, strlen(cases[_i].value));
    char *got = argv_join(items, "|");

    ck_assert_str_eq(got, cases[_i].want);
    myfree(got);
    argv_free(items);
}
END_TEST

START_TEST(test_split_len)
{
    /* Only len bytes count: no NUL needed, nothing read past them. */
    ARGV *items = local_expand_split("a, b, c", 4);
    char *got = argv_join(items, "|");

    ck_assert_str_eq(got, "a|b");
    myfree(got);
    argv_free(items);
}
END_TEST

/* make_suite - the local_expand tests */
static Suite *
make_suite(void)
{
    Suite *s = suite_create("local_expand");
    TCase *tc = tcase_create("core");

    tcase_add_loop_test(tc, test_split, 0, NITEMS(cases));
    tcase_add_test(tc, test_split_len);
    suite_add_tcase(s, tc);
    return s;
}

TEST_MAIN(make_suite)

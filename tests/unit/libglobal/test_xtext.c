/*
 * test_xtext - RFC 3461 xtext decoding: plain and "+XX" characters,
 * malformed escapes, forbidden characters, decoded control characters,
 * and the length bound.
 */
#include <string.h>

#include "test_main.h"
#include "xtext.h"

static const struct {
    const char *name;
    const char *input;
    size_t max;
    const char *want; /* NULL: refused */
} cases[] = {
    {"plain", "abc", 100, "abc"},
    {"plus", "a+2Bb", 100, "a+b"},
    {"equals", "+3D", 100, "="},
    {"empty", "", 100, ""},
    {"lower-case hex", "a+2b", 100, NULL},
    {"short escape", "a+2", 100, NULL},
    {"bare plus", "a+", 100, NULL},
    {"bare equals", "a=b", 100, NULL},
    {"space", "a b", 100, NULL},
    {"8-bit", "a\xe9", 100, NULL},
    {"decoded control", "a+0Ab", 100, NULL},
    {"decoded DEL", "+7F", 100, NULL},
    {"decoded 8-bit", "+E9", 100, "\xe9"},
    {"at the bound", "abcd", 4, "abcd"},
    {"over the bound", "abcde", 4, NULL},
    {"escape over the bound", "abc+2B+2B", 4, NULL},
};

START_TEST(test_decode)
{
    STRBUF *out = strbuf_create(10);
    int rc = xtext_decode(cases[_i].input, strlen(cases[_i].input),
                          cases[_i].max, out);

    if (cases[_i].want == NULL) {
        ck_assert_msg(rc == -1, "%s: accepted", cases[_i].name);
    } else {
        ck_assert_msg(rc == 0, "%s: refused", cases[_i].name);
        ck_assert_str_eq(STR(out), cases[_i].want);
    }
    strbuf_free(out);
}
END_TEST

static Suite *
xtext_suite(void)
{
    Suite *s = suite_create("xtext");
    TCase *tc = tcase_create("decode");

    tcase_add_loop_test(tc, test_decode, 0, NITEMS(cases));
    suite_add_tcase(s, tc);
    return s;
}

TEST_MAIN(xtext_suite)

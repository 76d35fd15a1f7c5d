/* test_alias_source - Check suite for aliases(5) parsing. */
#include <string.h>

#include "alias_source.h"
#include "test_main.h"

static const struct {
    const char *label;
    const char *input;
    const char *name; /* NULL: rejected */
    const char *value_or_why;
} split_cases[] = {
    {"plain", "postmaster: root", "postmaster", "root"},
    {"list", "list:a, b,  c@example.com", "list", "a, b,  c@example.com"},
    {"blank before colon", "name \t: x ", "name", "x"},
    {"command", "prog: \"|/usr/bin/prog arg\"", "prog",
     "\"|/usr/bin/prog arg\""},
    {"include", "inc: :include:/etc/x.list", "inc", ":include:/etc/x.list"},
    {"quoted name", "\"quoted name\": x", "quoted name", "x"},
    {"quoted name blank", "\"q\" : x", "q", "x"},
    {"colon in value", "a: b:c", "a", "b:c"},
    {"no colon", "bad line", NULL, "need name:value pair"},
    {"empty value", "empty:", NULL, "need name:value pair"},
    {"blank value", "empty:   ", NULL, "need name:value pair"},
    {"empty name", ": x", NULL, "need name:value pair"},
    {"unterminated quote", "\"abc: x", NULL, "missing '\"'"},
    {"quote without colon", "\"abc\" x", NULL, "need name:value pair"},
};

START_TEST(test_split)
{
    STRBUF *name = strbuf_create(0);
    STRBUF *value = strbuf_create(0);
    STRBUF *why = strbuf_create(0);
    const char *in = split_cases[_i].input;
    int ret = alias_source_split(in, strlen(in), name, value, why);

    if (split_cases[_i].name != NULL) {
        ck_assert_msg(ret == 0, "%s: %s", split_cases[_i].label, STR(why));
        ck_assert_str_eq(STR(name), split_cases[_i].name);
        ck_assert_str_eq(STR(value), split_cases[_i].value_or_why);
    } else {
        ck_assert_msg(ret == -1, "%s: accepted", split_cases[_i].label);
        ck_assert_msg(strstr(STR(why), split_cases[_i].value_or_why) != NULL,
                      "%s: %s", split_cases[_i].label, STR(why));
    }
    strbuf_free(name);
    strbuf_free(value);
    strbuf_free(why);
}
END_TEST

static Suite *
alias_source_suite(void)
{
    Suite *s = suite_create("alias_source");
    TCase *tc = tcase_create("split");

    tcase_add_loop_test(tc, test_split, 0, NITEMS(split_cases));
    suite_add_tcase(s, tc);
    return s;
}

TEST_MAIN(alias_source_suite)

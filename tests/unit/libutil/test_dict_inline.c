/* test_dict_inline - Check suite for inline:{ key=value, ... } tables. */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>

#include "argv.h"
#include "dict.h"
#include "dict_inline.h"
#include "mymalloc.h"
#include "test_main.h"

/* Tables: the sorted entries "k=v|...", or a piece of the error. */
static const struct {
    const char *name;
    const char *table;
    const char *want;     /* entries, sorted */
    const char *want_err; /* NULL: opens */
} inline_cases[] = {
    {"one", "{a=b}", "a=b", NULL},
    {"braced values", "{ A=B, { c = text with spaces }, d=e }",
     "a=B|c=text with spaces|d=e", NULL},
    {"braced pair", "{ {a = b } }", "a=b", NULL},
    {"comma in braces", "{ {a = b, c} }", "a=b, c", NULL},
    {"first equals", "{a=b=c}", "a=b=c", NULL},
    {"last wins", "{a=1, a=2, A=3}", "a=3", NULL},
    {"braces in value", "{a={b}}", "a={b}", NULL},
    {"white space around", "  { a=b }  ", "a=b", NULL},
    {"quoted value", "{a=\"b c\"}", "a=\"b c\"", NULL},
    {"missing equals", "{a}", NULL,
     "inline:{a}: missing '=' after key in \"a\""},
    {"spaces split", "{ a = b }", NULL, "missing '=' after key in \"a\""},
    {"missing close", "{a=b", NULL, "missing '}'"},
    {"extra close", "{a=b}}", NULL, "unexpected '}'"},
    {"text after", "{a=b} x", NULL, "syntax error after '}'"},
    {"no braces", "a=b", NULL,
     "inline:a=b: missing '{'; need \"inline:{name=value...}\""},
    {"empty", "{}", NULL, "empty table"},
    {"only blanks", "{ , }", NULL, "empty table"},
    {"empty key", "{ =x }", NULL, "empty key in \"=x\""},
    {"empty value", "{ x= }", NULL, "empty value in \"x=\""},
    {"group then text", "{ {a=b}c }", NULL,
     "syntax error after '}' in \"{a=b}c\""},
    {"unbalanced quote", "{a=\"b}", NULL, "missing '\"'"},
};

/* compare_strings - qsort() order of C strings */
static int
compare_strings(const void *a, const void *b)
{
    return strcmp(*(char *const *) a, *(char *const *) b);
}

/* sorted_entries - "k=v|..." of a walk, sorted */
static void
sorted_entries(DICT *d, STRBUF *out)
{
    ARGV *av = argv_alloc(8);
    STRBUF *one = strbuf_create(0);
    const char *key;
    const char *value;
    int func = DICT_SEQ_FIRST;
    char *joined;

    while (dict_seq(d, func, &key, &value) == 0) {
        strbuf_sprintf(one, "%s=%s", key, value);
        argv_add(av, STR(one));
        func = DICT_SEQ_NEXT;
    }
    qsort(av->argv, av->argc, sizeof(char *), compare_strings);
    joined = argv_join(av, "|");
    strbuf_strcpy(out, joined);
    myfree(joined);
    argv_free(av);
    strbuf_free(one);
}

START_TEST(test_open)
{
    STRBUF *err = strbuf_create(0);
    STRBUF *got = strbuf_create(0);
    DICT *d = dict_inline_open(inline_cases[_i].table, O_RDONLY,
                               DICT_FLAG_FOLD_FIX, err);

    if (inline_cases[_i].want_err == NULL) {
        ck_assert_msg(d != NULL, "%s: %s", inline_cases[_i].name, STR(err));
        sorted_entries(d, got);
        ck_assert_msg(strcmp(STR(got), inline_cases[_i].want) == 0,
                      "%s: got \"%s\"", inline_cases[_i].name, STR(got));
        dict_close(d);
    } else {
        ck_assert_ptr_null(d);
        ck_assert_msg(strstr(STR(err), inline_cases[_i].want_err) != NULL,
                      "%s: got \"%s\"", inline_cases[_i].name, STR(err));
    }
    strbuf_free(err);
    strbuf_free(got);
}
END_TEST

START_TEST(test_lookup)
{
    STRBUF *err = strbuf_create(0);
    STRBUF *big = strbuf_create(0);
    DICT *d = dict_open("inline:{ Key=Value, {other = two words} }", O_RDONLY,
                        DICT_FLAG_FOLD_FIX, err);
    DICT *exact;

    ck_assert_ptr_nonnull(d);
    ck_assert_str_eq(dict_get(d, "KEY"), "Value");
    ck_assert_str_eq(dict_get(d, "other"), "two words");
    ck_assert_ptr_null(dict_get(d, "missing"));
    ck_assert_int_eq(d->error, DICT_ERR_NONE);
    ck_assert_int_eq(dict_put(d, "a", "b"), -1);
    ck_assert_int_eq(d->error, DICT_ERR_CONFIG);
    ck_assert_int_eq(dict_del(d, "key"), -1);
    dict_close(d);

    exact = dict_open("inline:{Key=Value}", O_RDONLY, 0, err);
    ck_assert_str_eq(dict_get(exact, "Key"), "Value");
    ck_assert_ptr_null(dict_get(exact, "key"));
    dict_close(exact);

    ck_assert_ptr_null(dict_open("inline:{a=b}", O_RDWR, 0, err));
    ck_assert_str_eq(STR(err), "inline:{a=b}: table is read-only");
    strbuf_strcpy(big, "{");
    while (LEN(big) <= DICT_KEY_MAX + 1)
        strbuf_addch(big, 'k');
    strbuf_strcat(big, "=v}");
    ck_assert_ptr_null(dict_inline_open(STR(big), O_RDONLY, 0, err));
    ck_assert_ptr_nonnull(strstr(STR(err), "key longer than 4096 bytes"));
    strbuf_free(big);
    strbuf_free(err);
}
END_TEST

static Suite *
dict_inline_suite(void)
{
    Suite *s = suite_create("dict_inline");
    TCase *tc = tcase_create("core");

    tcase_add_loop_test(tc, test_open, 0, NITEMS(inline_cases));
    tcase_add_test(tc, test_lookup);
    suite_add_tcase(s, tc);
    return s;
}

TEST_MAIN(dict_inline_suite)

/* test_dict_pcre - Check suite for pcre: tables (PCRE2 builds only). */
#include <fcntl.h>
#include <string.h>

#include "dict_pcre.h"
#include "mymalloc.h"
#include "test_main.h"

/* The type exists exactly in PCRE2 builds. */
START_TEST(test_type)
{
#ifdef HAS_PCRE2
    DICT_OPEN_FN fn = dict_pcre_open; /* links the driver in */

    ck_assert_ptr_nonnull(fn);
    ck_assert_int_eq(dict_type_known("pcre"), 1);
#else
    ck_assert_int_eq(dict_type_known("pcre"), 0);
#endif
}
END_TEST

#ifdef HAS_PCRE2
#include "test_dict_ref.h"
#include "test_tmpdir.h"

/* Malformed tables: each must fail to open with this text in the error. */
static const struct {
    const char *name;
    const char *text;
    const char *want;
} bad_cases[] = {
    {"bad regex", "/a/ x\n/a(/ x\n",
     "line 2: bad regular expression at offset 2: missing closing "
     "parenthesis"},
    {"bad escape", "/\\k/ x\n", "line 1: bad regular expression at offset"},
    {"$3 with 1 group", "/(a)/ $3\n",
     "line 1: \"$3\" is out of range: the pattern has 1 subexpression"},
    {"non-capturing", "/(?:a)/ $1\n", "the pattern has 0 subexpressions"},
    {"negated $n", "!/(a)/ $1\n", "$number in the result of a negated"},
    {"unknown flag", "/a/Z x\n", "line 1: unknown regexp flag \"Z\""},
    {"missing result", "/a/\n", "line 1: missing result"},
    {"endif without if", "endif\n", "line 1: endif without matching if"},
    {"if without endif", "if /a/\n", "line 1: if without matching endif"},
    {"no closing", "/a x\n", "no closing pattern delimiter \"/\""},
};

START_TEST(test_bad)
{
    char *err = dict_test_open_err("pcre", bad_cases[_i].text, 0);

    ck_assert_msg(strncmp(err, "pcre:t.table, line ", 19) == 0 &&
                      strstr(err, bad_cases[_i].want) != NULL,
                  "%s: got \"%s\"", bad_cases[_i].name, err);
    myfree(err);
}
END_TEST

/*
 * Lookups beyond the reference file, mostly flags whose effect needs a
 * newline in the key.  Postfix 3.7's postmap -q agrees on every case but
 * those with dict flags, which postmap cannot set.
 */
static const struct {
    const char *name;
    const char *text;
    int dict_flags;
    const char *key;
    const char *want; /* NULL: not found */
} lookup_cases[] = {
    {"m: ^ after newline", "/^b$/m yes\n", 0, "a\nb", "yes"},
    {"no m", "/^b$/ yes\n", 0, "a\nb", NULL},
    {"$ before final newline", "/^c$/ yes\n", 0, "c\n", "yes"},
    {"E: $ only at end", "/^d$/E yes\n", 0, "d\n", NULL},
    {"dotall by default", "/^a.b$/ yes\n", 0, "a\nb", "yes"},
    {"s: no dotall", "/^e.f$/s yes\n", 0, "e\nf", NULL},
    {"X accepted", "/^x$/X yes\n", 0, "x", "yes"},
    {"i toggled", "/^abc$/i yes\n", 0, "ABC", NULL},
    {"fold_mul", "/^abc$/i yes\n", DICT_FLAG_FOLD_MUL, "ABC", "yes"},
    {"unset group", "/(a)|(b)/ [$1][$2]\n", 0, "b", "[][b]"},
    {"named group is numbered", "/(?<n>x)(y)/ $1$2\n", 0, "xy", "xy"},
    {"no_regsub $$", "/a/ x$$y\n", DICT_FLAG_NO_REGSUB, "a", "x$y"},
    {"negated if", "if !/a/\n/./ not-a\nendif\n", 0, "b", "not-a"},
    {"empty table", "# nothing\n", 0, "a", NULL},
};

START_TEST(test_lookup)
{
    STRBUF *err = strbuf_create(0);
    const char *got;
    DICT *d;

    dict_test_write("t.table", lookup_cases[_i].text,
                    strlen(lookup_cases[_i].text));
    d = dict_open("pcre:t.table", O_RDONLY, lookup_cases[_i].dict_flags, err);
    ck_assert_msg(d != NULL, "%s: %s", lookup_cases[_i].name, STR(err));
    got = dict_get(d, lookup_cases[_i].key);
    ck_assert_int_eq(d->error, DICT_ERR_NONE);
    if (lookup_cases[_i].want == NULL)
        ck_assert_msg(got == NULL, "%s: got \"%s\"", lookup_cases[_i].name,
                      got);
    else
        ck_assert_msg(got != NULL && strcmp(got, lookup_cases[_i].want) == 0,
                      "%s: got \"%s\"", lookup_cases[_i].name,
                      got ? got : "(none)");
    dict_close(d);
    strbuf_free(err);
}
END_TEST

START_TEST(test_no_regsub)
{
    char *err = dict_test_open_err("pcre", "/(a)/ $1\n", DICT_FLAG_NO_REGSUB);

    ck_assert_ptr_nonnull(strstr(err, "$number substitution is not allowed"));
    myfree(err);
}
END_TEST

START_TEST(test_match_error)
{
    static const char text[] = "/^(a+)+$/ never\n/./ fallback\n";
    STRBUF *err = strbuf_create(0);
    char key[DICT_KEY_MAX];
    DICT *d;

    /* Catastrophic backtracking hits PCRE2's match limit: rule skipped. */
    dict_test_write("t.table", text, sizeof(text) - 1);
    d = dict_pcre_open("t.table", O_RDONLY, 0, err);
    ck_assert_ptr_nonnull(d);
    memset(key, 'a', 40);
    key[40] = '!';
    key[41] = 0;
    ck_assert_str_eq(dict_get(d, key), "fallback");
    ck_assert_int_eq(d->error, DICT_ERR_NONE);
    dict_close(d);
    ck_assert_ptr_null(dict_pcre_open("t.table", O_WRONLY, 0, err));
    strbuf_free(err);
}
END_TEST

START_TEST(test_result_bound)
{
    STRBUF *text = strbuf_create(0);
    STRBUF *err = strbuf_create(0);
    char key[4001];
    int i;
    DICT *d;

    strbuf_strcpy(text, "/^(.*)$/ ");
    for (i = 0; i < 40; i++)
        strbuf_strcat(text, "${1}");
    strbuf_strcat(text, "\n");
    dict_test_write("t.table", STR(text), LEN(text));
    ck_assert_ptr_nonnull(d = dict_open("pcre:t.table", O_RDONLY, 0, err));
    memset(key, 'k', 4000);
    key[4000] = 0;
    ck_assert_ptr_null(dict_get(d, key));
    ck_assert_int_eq(d->error, DICT_ERR_CONFIG);
    dict_close(d);
    strbuf_free(text);
    strbuf_free(err);
}
END_TEST

START_TEST(test_reference)
{
    dict_ref_check("pcre", "tests/data/maps/pcre");
}
END_TEST

#endif

static Suite *
dict_pcre_suite(void)
{
    Suite *s = suite_create("dict_pcre");
    TCase *tc = tcase_create("files");
    TCase *ref = tcase_create("reference");

    tcase_add_test(ref, test_type);
#ifdef HAS_PCRE2
    TMPDIR_FIXTURES(tc);
    tcase_add_loop_test(tc, test_bad, 0, NITEMS(bad_cases));
    tcase_add_loop_test(tc, test_lookup, 0, NITEMS(lookup_cases));
    tcase_add_test(tc, test_no_regsub);
    tcase_add_test(tc, test_match_error);
    tcase_add_test(tc, test_result_bound);
    tcase_add_test(ref, test_reference);
#endif
    suite_add_tcase(s, tc);
    suite_add_tcase(s, ref);
    return s;
}

TEST_MAIN(dict_pcre_suite)

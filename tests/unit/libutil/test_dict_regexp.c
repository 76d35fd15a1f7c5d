/* test_dict_regexp - Check suite for regexp: tables. */
#include <fcntl.h>
#include <string.h>

#include "dict_regexp.h"
#include "mymalloc.h"
#include "test_dict_ref.h"
#include "test_main.h"
#include "test_tmpdir.h"

/* Malformed tables: each must fail to open with this text in the error. */
static const struct {
    const char *name;
    const char *text;
    const char *want;
} bad_cases[] = {
    {"bad regex", "/a/ x\n/a(/ x\n", "line 2: bad regular expression: "},
    {"bad bracket", "/[/ x\n", "line 1: bad regular expression: "},
    {"endif without if", "/a/ x\nendif\n", "line 2: endif without matching if"},
    {"if without endif", "if /a/\n/b/ x\n",
     "line 1: if without matching endif"},
    {"inner if open", "if /a/\nif /b/\nendif\n",
     "line 1: if without matching endif"},
    {"text after endif", "if /a/\nendif x\n", "line 2: text after endif"},
    {"text after if", "if /a/ x\nendif\n", "line 1: text after if pattern"},
    {"if alone", "if\nendif\n", "line 1: missing pattern"},
    {"negation alone", "! \n", "line 1: missing pattern"},
    {"missing result", "/a/ x\n/b/\n", "line 2: missing result"},
    {"blank result", "/b/   \t\n", "line 1: missing result"},
    {"$3 with 1 group", "/(a)/ $3\n",
     "line 1: \"$3\" is out of range: the pattern has 1 subexpression"},
    {"$1 without groups", "/a/ ${1}\n",
     "\"${1}\" is out of range: the pattern has 0 subexpressions"},
    {"$0", "/(a)/ $0\n", "\"$0\" is out of range"},
    {"huge index", "/(a)/ $99999999999999999999\n", "is out of range"},
    {"$ name", "/(a)/ $x\n", "bad $ reference \"$x\""},
    {"$1x", "/(a)/ $1x\n", "bad $ reference \"$1x\""},
    {"$ at end", "/(a)/ a$\n", "bad $ reference \"$\""},
    {"$ space", "/(a)/ $ a\n", "bad $ reference \"$\""},
    {"empty braces", "/(a)/ ${}\n", "bad $ reference \"${}\""},
    {"open brace", "/(a)/ ${1\n", "missing '}' after \"${1\""},
    {"open paren", "/(a)/ $(1\n", "missing ')' after \"$(1\""},
    {"negated $n", "!/(a)/ $1\n",
     "line 1: $number in the result of a negated pattern"},
    {"unknown flag", "/a/k x\n", "line 1: unknown regexp flag \"k\""},
    {"flag after flag", "/a/i/ x\n", "unknown regexp flag \"/\""},
    {"no closing", "/abc x\n", "line 1: no closing pattern delimiter \"/\""},
    {"escaped closing", "/abc\\/ x\n", "no closing pattern delimiter"},
    {"alnum start", "foo bar\n", "line 1: expected a pattern between"},
    {"backslash delim", "\\a\\ x\n", "expected a pattern between"},
    {"ifx", "ifx\n", "expected a pattern between"},
    {"white first", "  /a/ x\n",
     "line 1: logical line must not start with white space"},
    {"line numbers", "/a/ b\n  c\n# x\n\n   \nendif\n",
     "line 6: endif without matching if"},
};

START_TEST(test_bad)
{
    char *err = dict_test_open_err("regexp", bad_cases[_i].text, 0);

    ck_assert_msg(strncmp(err, "regexp:t.table, line ", 21) == 0 &&
                      strstr(err, bad_cases[_i].want) != NULL,
                  "%s: got \"%s\"", bad_cases[_i].name, err);
    myfree(err);
}
END_TEST

/*
 * Lookups beyond the reference file, mostly keys with newlines.  Postfix
 * 3.7's postmap -q agrees on every case but those with dict flags, which
 * postmap cannot set.
 */
static const struct {
    const char *name;
    const char *text;
    int dict_flags;
    const char *key;
    const char *want; /* NULL: not found */
} lookup_cases[] = {
    {"m: ^ after newline", "/^b$/m yes\n", 0, "a\nb", "yes"},
    {"no m: ^ at start only", "/^b$/ yes\n", 0, "a\nb", NULL},
    {"no $ before final newline", "/^c$/ yes\n", 0, "c\n", NULL},
    {"dot matches newline", "/^a.b$/ yes\n", 0, "a\nb", "yes"},
    {"m: dot stops at newline", "/^a.b$/m yes\n", 0, "a\nb", NULL},
    {"fold_mul lowercases", "/^abc$/i yes\n", DICT_FLAG_FOLD_MUL, "ABC", "yes"},
    {"no fold", "/^abc$/i yes\n", 0, "ABC", NULL},
    {"fold_fix ignored", "/^(ABC)$/i $1\n", DICT_FLAG_FOLD_FIX, "ABC", "ABC"},
    {"no_regsub keeps $$", "/a/ x$$y\n", DICT_FLAG_NO_REGSUB, "a", "x$y"},
    {"negated $$", "!/a/ x$$y\n", 0, "b", "x$y"},
    {"empty file", "", 0, "a", NULL},
    {"comments only", "# x\n\n  # y\n", 0, "a", NULL},
    {"no final newline", "/a/ x", 0, "a", "x"},
    {"crlf", "/a/ x\r\n", 0, "a", "x"},
    {"if false skips nested", "if /x/\nif /a/\n/a/ in\nendif\nendif\n/a/ out\n",
     0, "a", "out"},
    {"empty if block", "if /a/\nendif\n/a/ after\n", 0, "a", "after"},
    {"negated if", "if !/a/\n/./ not-a\nendif\n", 0, "b", "not-a"},
    {"whole match unused", "/(a)|(b)/ [$1][$2]\n", 0, "b", "[][b]"},
};

START_TEST(test_lookup)
{
    STRBUF *err = strbuf_create(0);
    const char *got;
    DICT *d;

    dict_test_write("t.table", lookup_cases[_i].text,
                    strlen(lookup_cases[_i].text));
    d = dict_open("regexp:t.table", O_RDONLY, lookup_cases[_i].dict_flags, err);
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
    char *err = dict_test_open_err("regexp", "/(a)/ $1\n", DICT_FLAG_NO_REGSUB);

    ck_assert_ptr_nonnull(
        strstr(err, "line 1: $number substitution is not allowed"));
    myfree(err);
}
END_TEST

START_TEST(test_long_lines)
{
    size_t len = DICT_VALUE_MAX + 10;
    char *text = mymalloc(len + 1);
    char *err;

    /* One physical line past the bound. */
    memset(text, 'a', len);
    memcpy(text, "/a/ ", 4);
    text[len - 1] = '\n';
    text[len] = 0;
    err = dict_test_open_err("regexp", text, 0);
    ck_assert_ptr_nonnull(strstr(err, "line 1: line longer than 100000"));
    myfree(err);
    /* Two short lines that join past it. */
    text[60000] = '\n';
    text[60001] = ' ';
    err = dict_test_open_err("regexp", text, 0);
    ck_assert_ptr_nonnull(
        strstr(err, "line 1: logical line longer than 100000"));
    myfree(err);
    myfree(text);
}
END_TEST

START_TEST(test_nul_byte)
{
    static const char text[] = "/a/ x\n/b/ \0y\n";
    STRBUF *err = strbuf_create(0);

    dict_test_write("t.table", text, sizeof(text) - 1);
    ck_assert_ptr_null(dict_open("regexp:t.table", O_RDONLY, 0, err));
    ck_assert_ptr_nonnull(strstr(STR(err), "line 2: NUL byte in text"));
    strbuf_free(err);
}
END_TEST

START_TEST(test_open_errors)
{
    STRBUF *err = strbuf_create(0);

    ck_assert_ptr_null(dict_regexp_open("nosuch.file", O_RDONLY, 0, err));
    ck_assert_str_eq(STR(err), "regexp:nosuch.file: open nosuch.file: No such "
                               "file or directory");
    dict_test_write("t.table", "/a/ b\n", 6);
    ck_assert_ptr_null(dict_regexp_open("t.table", O_RDWR, 0, err));
    ck_assert_str_eq(STR(err), "regexp:t.table: table is read-only");
    strbuf_free(err);
}
END_TEST

START_TEST(test_readonly_and_flags)
{
    STRBUF *err = strbuf_create(0);
    const char *k, *v;
    DICT *d;

    dict_test_write("t.table", "/a/ b\n", 6);
    d = dict_open("regexp:t.table", O_RDONLY, 0, err);
    ck_assert_ptr_nonnull(d);
    ck_assert_int_ne(d->flags & DICT_FLAG_PATTERN, 0);
    ck_assert_int_eq(d->flags & DICT_FLAG_FIXED, 0);
    ck_assert_int_eq(dict_put(d, "a", "b"), -1);
    ck_assert_int_eq(d->error, DICT_ERR_CONFIG);
    ck_assert_int_eq(dict_del(d, "a"), -1);
    ck_assert_int_eq(d->error, DICT_ERR_CONFIG);
    ck_assert_int_eq(dict_seq(d, DICT_SEQ_FIRST, &k, &v), -1);
    ck_assert_int_eq(d->error, DICT_ERR_CONFIG);
    ck_assert_str_eq(dict_get(d, "xax"), "b");
    dict_close(d);
    strbuf_free(err);
}
END_TEST

START_TEST(test_result_bound)
{
    STRBUF *text = strbuf_create(0);
    STRBUF *err = strbuf_create(0);
    char key[DICT_KEY_MAX];
    int i;
    DICT *d;

    /* 40 copies of a 4000-byte group pass DICT_VALUE_MAX. */
    strbuf_strcpy(text, "/^(.*)$/ ");
    for (i = 0; i < 40; i++)
        strbuf_strcat(text, "$1");
    strbuf_strcat(text, "\n");
    dict_test_write("t.table", STR(text), LEN(text));
    d = dict_open("regexp:t.table", O_RDONLY, 0, err);
    ck_assert_ptr_nonnull(d);
    memset(key, 'k', 4000);
    key[4000] = 0;
    ck_assert_ptr_null(dict_get(d, key));
    ck_assert_int_eq(d->error, DICT_ERR_CONFIG);
    key[10] = 0;
    ck_assert_uint_eq(strlen(dict_get(d, key)), 400);
    dict_close(d);
    strbuf_free(text);
    strbuf_free(err);
}
END_TEST

START_TEST(test_reference)
{
    dict_ref_check("regexp", "tests/data/maps/regexp");
}
END_TEST

static Suite *
dict_regexp_suite(void)
{
    Suite *s = suite_create("dict_regexp");
    TCase *tc = tcase_create("files");
    TCase *ref = tcase_create("reference");

    TMPDIR_FIXTURES(tc);
    tcase_add_loop_test(tc, test_bad, 0, NITEMS(bad_cases));
    tcase_add_loop_test(tc, test_lookup, 0, NITEMS(lookup_cases));
    tcase_add_test(tc, test_no_regsub);
    tcase_add_test(tc, test_long_lines);
    tcase_add_test(tc, test_nul_byte);
    tcase_add_test(tc, test_open_errors);
    tcase_add_test(tc, test_readonly_and_flags);
    tcase_add_test(tc, test_result_bound);
    suite_add_tcase(s, tc);
    tcase_add_test(ref, test_reference);
    suite_add_tcase(s, ref);
    return s;
}

TEST_MAIN(dict_regexp_suite)

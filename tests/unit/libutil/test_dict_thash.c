/* test_dict_thash - Check suite for texthash: tables. */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>

#include "dict.h"
#include "dict_thash.h"
#include "test_main.h"
#include "test_tmpdir.h"

/* put_file - create or replace a file with text */
static void
put_file(const char *path, const char *text)
{
    FILE *fp = fopen(path, "w");

    ck_assert_ptr_nonnull(fp);
    ck_assert_int_ge(fputs(text, fp), 0);
    ck_assert_int_eq(fclose(fp), 0);
}

/* Duplicate keys, per flag: the value that stays. */
static const struct {
    const char *name;
    int flags;
    const char *want;
} dup_cases[] = {
    {"default: first, warned", DICT_FLAG_FOLD_FIX, "1"},
    {"ignore: first", DICT_FLAG_FOLD_FIX | DICT_FLAG_DUP_IGNORE, "1"},
    {"replace: last", DICT_FLAG_FOLD_FIX | DICT_FLAG_DUP_REPLACE, "3"},
    {"no folding: no duplicate", 0, "2"},
};

START_TEST(test_duplicates)
{
    STRBUF *err = strbuf_create(0);
    DICT *d;

    put_file("t", "a 1\nA 2\na 3\n");
    d = dict_thash_open("t", O_RDONLY, dup_cases[_i].flags, err);
    ck_assert_msg(d != NULL, "%s", STR(err));
    ck_assert_str_eq(dict_get(d, "A"), dup_cases[_i].want);
    dict_close(d);
    strbuf_free(err);
}
END_TEST

/* Opens that fail: the reason. */
static const struct {
    const char *name;
    const char *text; /* NULL: no file */
    int open_flags;
    const char *want_err;
} error_cases[] = {
    {"missing file", NULL, O_RDONLY, "open t: No such file or directory"},
    {"missing value", "a 1\nb\n", O_RDONLY,
     "t, line 2: expected format: key whitespace value"},
    {"leading space", " a 1\n", O_RDONLY,
     "t, line 1: logical line must not start with white space"},
    {"writable", "a 1\n", O_RDWR, "texthash:t: table is read-only"},
};

START_TEST(test_errors)
{
    STRBUF *err = strbuf_create(0);

    if (error_cases[_i].text != NULL)
        put_file("t", error_cases[_i].text);
    ck_assert_ptr_null(
        dict_thash_open("t", error_cases[_i].open_flags, 0, err));
    ck_assert_msg(strcmp(STR(err), error_cases[_i].want_err) == 0,
                  "%s: got \"%s\"", error_cases[_i].name, STR(err));
    strbuf_free(err);
}
END_TEST

START_TEST(test_lookup_walk)
{
    STRBUF *err = strbuf_create(0);
    DICT *d;
    const char *key;
    const char *value;
    int count = 0;
    int func = DICT_SEQ_FIRST;

    put_file("t", "# table\nUser@Example.COM  the user\n"
                  "cont first\n  second\n");
    d = dict_open("texthash:t", O_RDONLY, DICT_FLAG_FOLD_FIX, err);
    ck_assert_ptr_nonnull(d);
    ck_assert_str_eq(d->type, "texthash");
    ck_assert_str_eq(dict_get(d, "user@example.com"), "the user");
    ck_assert_str_eq(dict_get(d, "CONT"), "first  second");
    ck_assert_ptr_null(dict_get(d, "nosuch"));
    ck_assert_int_eq(d->error, DICT_ERR_NONE);
    while (dict_seq(d, func, &key, &value) == 0) {
        func = DICT_SEQ_NEXT;
        count++;
    }
    ck_assert_int_eq(count, 2);
    ck_assert_int_eq(dict_put(d, "a", "b"), -1);
    ck_assert_int_eq(d->error, DICT_ERR_CONFIG);
    dict_close(d);
    strbuf_free(err);
}
END_TEST

static Suite *
dict_thash_suite(void)
{
    Suite *s = suite_create("dict_thash");
    TCase *tc = tcase_create("core");

    TMPDIR_FIXTURES(tc);
    tcase_add_loop_test(tc, test_duplicates, 0, NITEMS(dup_cases));
    tcase_add_loop_test(tc, test_errors, 0, NITEMS(error_cases));
    tcase_add_test(tc, test_lookup_walk);
    suite_add_tcase(s, tc);
    return s;
}

TEST_MAIN(dict_thash_suite)

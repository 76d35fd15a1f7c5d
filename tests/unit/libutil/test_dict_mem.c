/* test_dict_mem - Check suite for read-only tables in memory. */
#include <fcntl.h>
#include <string.h>

#include "dict.h"
#include "dict_mem.h"
#include "dict_static.h"
#include "test_main.h"

START_TEST(test_add_lookup)
{
    DICT *d = dict_mem_create("test", "name", DICT_FLAG_FOLD_FIX);
    DICT *r = dict_mem_create("test", "r", DICT_FLAG_DUP_REPLACE);

    ck_assert_int_ne(d->flags & DICT_FLAG_FIXED, 0);
    ck_assert_int_eq(dict_mem_add(d, "Key", "1"), 0);
    ck_assert_int_eq(dict_mem_add(d, "KEY", "2"), 1);
    ck_assert_str_eq(dict_get(d, "key"), "1");
    ck_assert_int_eq(dict_mem_add(r, "k", "1"), 0);
    ck_assert_int_eq(dict_mem_add(r, "k", "2"), 1);
    ck_assert_str_eq(dict_get(r, "k"), "2");
    ck_assert_ptr_null(dict_get(r, "K"));
    ck_assert_int_eq(dict_put(d, "a", "b"), -1);
    ck_assert_int_eq(d->error, DICT_ERR_CONFIG);
    ck_assert_int_eq(dict_del(d, "key"), -1);
    ck_assert_int_eq(d->error, DICT_ERR_CONFIG);
    dict_close(d);
    dict_close(r);
}
END_TEST

START_TEST(test_walk)
{
    DICT *d = dict_mem_create("test", "name", 0);
    const char *key;
    const char *value;

    /* NEXT without FIRST, and an empty table, are at the end. */
    ck_assert_int_eq(dict_seq(d, DICT_SEQ_NEXT, &key, &value), 1);
    ck_assert_int_eq(dict_seq(d, DICT_SEQ_FIRST, &key, &value), 1);
    dict_mem_add(d, "a", "1");
    dict_mem_add(d, "b", "2");
    ck_assert_int_eq(dict_seq(d, DICT_SEQ_FIRST, &key, &value), 0);
    ck_assert_int_eq(dict_seq(d, DICT_SEQ_FIRST, &key, &value), 0);
    ck_assert_int_eq(dict_seq(d, DICT_SEQ_NEXT, &key, &value), 0);
    ck_assert_int_eq(dict_seq(d, DICT_SEQ_NEXT, &key, &value), 1);
    ck_assert_int_eq(dict_seq(d, DICT_SEQ_NEXT, &key, &value), 1);
    /* A walk left unfinished is released at close. */
    ck_assert_int_eq(dict_seq(d, DICT_SEQ_FIRST, &key, &value), 0);
    dict_close(d);
}
END_TEST

START_TEST(test_bad_sequence_panics)
{
    DICT *d = dict_mem_create("test", "name", 0);
    const char *key;
    const char *value;

    (void) dict_seq(d, 7, &key, &value);
}
END_TEST

START_TEST(test_add_other_panics)
{
    STRBUF *err = strbuf_create(0);
    DICT *d = dict_static_open("x", O_RDONLY, 0, err);

    (void) dict_mem_add(d, "a", "b");
}
END_TEST

static Suite *
dict_mem_suite(void)
{
    Suite *s = suite_create("dict_mem");
    TCase *tc = tcase_create("core");

    tcase_add_test(tc, test_add_lookup);
    tcase_add_test(tc, test_walk);
    tcase_add_test_raise_signal(tc, test_bad_sequence_panics, SIGABRT);
    tcase_add_test_raise_signal(tc, test_add_other_panics, SIGABRT);
    suite_add_tcase(s, tc);
    return s;
}

TEST_MAIN(dict_mem_suite)

/* test_dict - Check suite for the table framework, static: and fail:. */
#include <fcntl.h>
#include <string.h>

#include "dict.h"
#include "mymalloc.h"
#include "test_main.h"

static const struct {
    const char *name;
    const char *table;
    const char *want_err; /* NULL: opens */
} open_cases[] = {
    {"static", "static:hello", NULL},
    {"static braces", "static:{ a b }", NULL},
    {"fail", "fail:oops", NULL},
    {"no colon", "static", "need dictionary type:name"},
    {"empty type", ":x", "need dictionary type:name"},
    {"unknown type", "nosuch:x", "unsupported dictionary type: nosuch"},
    {"unbalanced static", "static:{ a b", "missing '}'"},
};

START_TEST(test_open)
{
    STRBUF *err = strbuf_create(0);
    DICT *d = dict_open(open_cases[_i].table, O_RDONLY, 0, err);

    if (open_cases[_i].want_err == NULL) {
        ck_assert_msg(d != NULL, "%s: %s", open_cases[_i].name, STR(err));
        dict_close(d);
    } else {
        ck_assert_ptr_null(d);
        ck_assert_msg(strstr(STR(err), open_cases[_i].want_err) != NULL,
                      "%s: got \"%s\"", open_cases[_i].name, STR(err));
    }
    strbuf_free(err);
}
END_TEST

START_TEST(test_static_fail_lookup)
{
    STRBUF *err = strbuf_create(0);
    DICT *s = dict_open("static:{ a b }", O_RDONLY, 0, err);
    DICT *f = dict_open("fail:x", O_RDONLY, 0, err);
    const char *k, *v;
    char big[DICT_KEY_MAX + 2];

    ck_assert_str_eq(dict_get(s, "anything"), "a b");
    ck_assert_int_eq(s->error, DICT_ERR_NONE);
    memset(big, 'k', sizeof(big) - 1);
    big[sizeof(big) - 1] = 0;
    ck_assert_ptr_null(dict_get(s, big));
    ck_assert_int_eq(s->error, DICT_ERR_NONE);
    ck_assert_int_eq(dict_put(s, "a", "b"), -1);
    ck_assert_int_eq(s->error, DICT_ERR_CONFIG);
    ck_assert_int_eq(dict_del(s, "a"), -1);
    ck_assert_int_eq(dict_seq(s, DICT_SEQ_FIRST, &k, &v), 1);
    ck_assert_ptr_null(dict_get(f, "x"));
    ck_assert_int_eq(f->error, DICT_ERR_RETRY);
    ck_assert_int_eq(dict_seq(f, DICT_SEQ_FIRST, &k, &v), -1);
    dict_close(s);
    dict_close(f);
    strbuf_free(err);
}
END_TEST

START_TEST(test_shared)
{
    STRBUF *err = strbuf_create(0);
    DICT *a = dict_open_shared("static:x", O_RDONLY, 0, err);
    DICT *b = dict_open_shared("static:x", O_RDONLY, 0, err);
    DICT *c = dict_open_shared("static:x", O_RDONLY, DICT_FLAG_LOCK, err);

    ck_assert_ptr_eq(a, b);
    ck_assert_ptr_ne(a, c);
    ck_assert_int_eq(a->refcount, 2);
    dict_close(a);
    ck_assert_str_eq(dict_get(b, "k"), "x");
    dict_close(b);
    dict_close(c);
    ck_assert_ptr_null(dict_open_shared("nosuch:x", O_RDONLY, 0, err));
    a = dict_open_shared("static:y", O_RDONLY, 0, err);
    ck_assert_str_eq(dict_get(a, "k"), "y");
    dict_close(a);
    strbuf_free(err);
}
END_TEST

START_TEST(test_fold_surrogate_types)
{
    DICT *d = dict_surrogate("hash", "/etc/x", O_RDONLY, DICT_FLAG_FOLD_FIX,
                             "open %s: %s", "/etc/x.db", "No such file");
    STRBUF *types = strbuf_create(0);
    const char *k, *v;

    ck_assert_ptr_null(dict_get(d, "a"));
    ck_assert_int_eq(d->error, DICT_ERR_CONFIG);
    ck_assert_int_eq(dict_put(d, "a", "b"), -1);
    ck_assert_int_eq(dict_del(d, "a"), -1);
    ck_assert_int_eq(dict_seq(d, DICT_SEQ_FIRST, &k, &v), -1);
    d->flags |= DICT_FLAG_FIXED;
    ck_assert_str_eq(dict_fold(d, "User@Example.COM"), "user@example.com");
    d->flags &= ~DICT_FLAG_FOLD_FIX;
    ck_assert_str_eq(dict_fold(d, "User"), "User");
    dict_close(d);
    ck_assert_int_eq(dict_type_known("static"), 1);
    ck_assert_int_eq(dict_type_known("nosuch"), 0);
    ck_assert_int_eq(dict_register("static", NULL), -1);
    dict_type_list(types);
    ck_assert_ptr_nonnull(strstr(STR(types), "fail\n"));
    ck_assert_ptr_nonnull(strstr(STR(types), "static\n"));
    strbuf_free(types);
}
END_TEST

START_TEST(test_close_bad_panics)
{
    dict_close(NULL);
}
END_TEST

START_TEST(test_alloc_small_panics)
{
    (void) dict_alloc("x", "y", 1);
}
END_TEST

static Suite *
dict_suite(void)
{
    Suite *s = suite_create("dict");
    TCase *tc = tcase_create("core");

    tcase_add_loop_test(tc, test_open, 0, NITEMS(open_cases));
    tcase_add_test(tc, test_static_fail_lookup);
    tcase_add_test(tc, test_shared);
    tcase_add_test(tc, test_fold_surrogate_types);
    tcase_add_test_raise_signal(tc, test_close_bad_panics, SIGABRT);
    tcase_add_test_raise_signal(tc, test_alloc_small_panics, SIGABRT);
    suite_add_tcase(s, tc);
    return s;
}

TEST_MAIN(dict_suite)

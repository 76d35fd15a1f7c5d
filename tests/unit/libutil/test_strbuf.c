/* test_strbuf - Check suite for the growable string type. */
#include <errno.h>
#include <string.h>

#include "strbuf.h"
#include "test_main.h"

START_TEST(test_append_grows)
{
    STRBUF *sb = strbuf_create(1);
    int i;

    for (i = 0; i < 1000; i++)
        ck_assert_int_eq(strbuf_strcat(sb, "ab"), 0);
    ck_assert_uint_eq(LEN(sb), 2000);
    ck_assert_int_eq(STR(sb)[2000], 0);
    ck_assert_int_eq(strncmp(STR(sb), "abab", 4), 0);
    sb = strbuf_free(sb);
    ck_assert_ptr_null(sb);
}
END_TEST

START_TEST(test_binary_safe)
{
    STRBUF *sb = strbuf_create(0);

    strbuf_memcat(sb, "a\0b", 3);
    strbuf_addch(sb, 0);
    ck_assert_uint_eq(LEN(sb), 4);
    ck_assert_int_eq(memcmp(STR(sb), "a\0b\0", 4), 0);
    strbuf_free(sb);
}
END_TEST

START_TEST(test_printf)
{
    STRBUF *sb = strbuf_create(2);

    ck_assert_int_eq(strbuf_sprintf(sb, "%s-%d", "x", 42), 0);
    ck_assert_str_eq(STR(sb), "x-42");
    ck_assert_int_eq(strbuf_sprintf_cat(sb, "/%05d/%s", 7, "longer text"), 0);
    ck_assert_str_eq(STR(sb), "x-42/00007/longer text");
    ck_assert_int_eq(strbuf_sprintf(sb, "%c", 'z'), 0);
    ck_assert_str_eq(STR(sb), "z");
    ck_assert_uint_eq(LEN(sb), 1);
    strbuf_free(sb);
}
END_TEST

/* Every way to pass the hard maximum fails and leaves the content. */
START_TEST(test_limit)
{
    STRBUF *sb = strbuf_create(0);

    strbuf_set_limit(sb, 5);
    ck_assert_int_eq(strbuf_strcpy(sb, "abc"), 0);
    ck_assert_int_eq(strbuf_strcat(sb, "def"), -1);
    ck_assert_int_eq(sb->overflow, 1);
    ck_assert_str_eq(STR(sb), "abc");
    ck_assert_int_eq(strbuf_sprintf_cat(sb, "%s", "xyz"), -1);
    ck_assert_str_eq(STR(sb), "abc");
    ck_assert_int_eq(strbuf_sprintf(sb, "%s", "toolong"), -1);
    ck_assert_str_eq(STR(sb), "abc");
    ck_assert_int_eq(strbuf_strcpy(sb, "123456"), -1);
    ck_assert_str_eq(STR(sb), "abc");
    ck_assert_int_eq(strbuf_strcat(sb, "de"), 0);
    ck_assert_int_eq(strbuf_addch(sb, 'f'), -1);
    ck_assert_str_eq(STR(sb), "abcde");
    strbuf_reset(sb);
    ck_assert_int_eq(sb->overflow, 0);
    ck_assert_uint_eq(LEN(sb), 0);
    strbuf_free(sb);
}
END_TEST

START_TEST(test_truncate_export)
{
    STRBUF *sb = strbuf_create(0);
    char *s;

    strbuf_strcpy(sb, "hello world");
    strbuf_truncate(sb, 5);
    ck_assert_str_eq(STR(sb), "hello");
    strbuf_truncate(sb, 50);
    ck_assert_str_eq(STR(sb), "hello");
    strbuf_memcpy(sb, "ab", 2);
    ck_assert_str_eq(STR(sb), "ab");
    s = strbuf_export(sb);
    ck_assert_str_eq(s, "ab");
    free(s);
}
END_TEST

/* strbuf_fail replaces the reason, sets errno unless 0, returns -1. */
START_TEST(test_fail)
{
    STRBUF *why = strbuf_create(0);

    strbuf_strcpy(why, "old");
    errno = 0;
    ck_assert_int_eq(strbuf_fail(why, EINVAL, "bad %s %d", "port", 7), -1);
    ck_assert_str_eq(STR(why), "bad port 7");
    ck_assert_int_eq(errno, EINVAL);
    errno = ENOENT;
    ck_assert_int_eq(strbuf_fail(why, 0, "again"), -1);
    ck_assert_str_eq(STR(why), "again");
    ck_assert_int_eq(errno, ENOENT);
    ck_assert_int_eq(strbuf_fail(NULL, EPERM, "nobody asked"), -1);
    ck_assert_int_eq(errno, EPERM);
    strbuf_free(why);
}
END_TEST

START_TEST(test_bad_reserve_panics)
{
    STRBUF *sb = strbuf_create(0);

    strbuf_reserve(sb, (size_t) -1);
}
END_TEST

static Suite *
strbuf_suite(void)
{
    Suite *s = suite_create("strbuf");
    TCase *tc = tcase_create("core");

    tcase_add_test(tc, test_append_grows);
    tcase_add_test(tc, test_binary_safe);
    tcase_add_test(tc, test_printf);
    tcase_add_test(tc, test_limit);
    tcase_add_test(tc, test_truncate_export);
    tcase_add_test(tc, test_fail);
    tcase_add_test_raise_signal(tc, test_bad_reserve_panics, SIGABRT);
    suite_add_tcase(s, tc);
    return s;
}

TEST_MAIN(strbuf_suite)

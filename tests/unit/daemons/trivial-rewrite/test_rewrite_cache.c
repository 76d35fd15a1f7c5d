/*
 * test_rewrite_cache - Check suite for trivial-rewrite's bounded cache:
 * hits, replacement, and eviction of the least recently used entry.
 */
#include <stdio.h>
#include <string.h>

#include "rewrite_cache.h"
#include "test_main.h"

START_TEST(test_find_enter)
{
    REWRITE_CACHE *c = rewrite_cache_create(10);

    ck_assert_ptr_null(rewrite_cache_find(c, "local", "u"));
    rewrite_cache_enter(c, "local", "u", "u@x");
    rewrite_cache_enter(c, "remote", "u", "u");
    ck_assert_str_eq(rewrite_cache_find(c, "local", "u"), "u@x");
    ck_assert_str_eq(rewrite_cache_find(c, "remote", "u"), "u");
    ck_assert_ptr_null(rewrite_cache_find(c, "local", "v"));
    /* Rule and address do not run together. */
    rewrite_cache_enter(c, "local", "a:b", "1");
    ck_assert_ptr_null(rewrite_cache_find(c, "local:a", "b"));
    rewrite_cache_enter(c, "local", "u", "u@y");
    ck_assert_str_eq(rewrite_cache_find(c, "local", "u"), "u@y");
    ck_assert_uint_eq(rewrite_cache_size(c), 3);
    ck_assert_ptr_null(rewrite_cache_free(c));
}
END_TEST

START_TEST(test_lru)
{
    REWRITE_CACHE *c = rewrite_cache_create(3);

    rewrite_cache_enter(c, "local", "a", "A");
    rewrite_cache_enter(c, "local", "b", "B");
    rewrite_cache_enter(c, "local", "c", "C");
    /* A hit on "a" makes "b" the oldest. */
    ck_assert_str_eq(rewrite_cache_find(c, "local", "a"), "A");
    rewrite_cache_enter(c, "local", "d", "D");
    ck_assert_uint_eq(rewrite_cache_size(c), 3);
    ck_assert_ptr_null(rewrite_cache_find(c, "local", "b"));
    ck_assert_str_eq(rewrite_cache_find(c, "local", "c"), "C");
    /* Now "a" is the oldest; replacing "d" keeps it so. */
    rewrite_cache_enter(c, "local", "d", "D2");
    rewrite_cache_enter(c, "local", "e", "E");
    ck_assert_ptr_null(rewrite_cache_find(c, "local", "a"));
    ck_assert_str_eq(rewrite_cache_find(c, "local", "d"), "D2");
    ck_assert_str_eq(rewrite_cache_find(c, "local", "e"), "E");
    rewrite_cache_free(c);
}
END_TEST

/* Many entries through a small cache: never more than max. */
START_TEST(test_bounded)
{
    REWRITE_CACHE *c = rewrite_cache_create(0);
    char addr[32];
    int i;

    for (i = 0; i < 100; i++) {
        snprintf(addr, sizeof(addr), "u%d", i);
        rewrite_cache_enter(c, "local", addr, addr);
        ck_assert_uint_eq(rewrite_cache_size(c), 1);
        ck_assert_str_eq(rewrite_cache_find(c, "local", addr), addr);
    }
    rewrite_cache_free(c);
    c = rewrite_cache_create(REWRITE_CACHE_DEF_MAX);
    for (i = 0; i < 3 * REWRITE_CACHE_DEF_MAX; i++) {
        snprintf(addr, sizeof(addr), "u%d", i);
        rewrite_cache_enter(c, "remote", addr, addr);
    }
    ck_assert_uint_eq(rewrite_cache_size(c), REWRITE_CACHE_DEF_MAX);
    ck_assert_ptr_null(rewrite_cache_find(c, "remote", "u0"));
    ck_assert_str_eq(rewrite_cache_find(c, "remote", addr), addr);
    rewrite_cache_free(c);
}
END_TEST

static Suite *
rewrite_cache_suite(void)
{
    Suite *s = suite_create("rewrite_cache");
    TCase *tc = tcase_create("core");

    tcase_add_test(tc, test_find_enter);
    tcase_add_test(tc, test_lru);
    tcase_add_test(tc, test_bounded);
    suite_add_tcase(s, tc);
    return s;
}

TEST_MAIN(rewrite_cache_suite)

/* test_htable - Check suite for string-keyed hash tables. */
#include <stdio.h>
#include <string.h>

#include "htable.h"
#include "mymalloc.h"
#include "test_main.h"

static int freed;

/* count_free - a value free function that counts its calls */
static void
count_free(void *value)
{
    freed++;
    myfree(value);
}

START_TEST(test_enter_find_grow)
{
    HTABLE *ht = htable_create(0);
    char key[32];
    int i;

    for (i = 0; i < 5000; i++) {
        snprintf(key, sizeof(key), "key%d", i);
        htable_enter(ht, key, mystrdup(key));
    }
    ck_assert_uint_eq(ht->used, 5000);
    ck_assert_uint_gt(ht->size, 5000);
    for (i = 0; i < 5000; i += 7) {
        snprintf(key, sizeof(key), "key%d", i);
        ck_assert_str_eq(htable_find(ht, key), key);
    }
    ck_assert_ptr_null(htable_find(ht, "absent"));
    freed = 0;
    htable_free(ht, count_free);
    ck_assert_int_eq(freed, 5000);
}
END_TEST

START_TEST(test_delete_list)
{
    HTABLE *ht = htable_create(3);
    HTABLE_INFO **list, **ep;
    int n = 0;

    htable_enter(ht, "a", mystrdup("1"));
    htable_enter(ht, "b", mystrdup("2"));
    htable_enter(ht, "c", NULL);
    freed = 0;
    ck_assert_int_eq(htable_delete(ht, "b", count_free), 0);
    ck_assert_int_eq(htable_delete(ht, "b", count_free), -1);
    ck_assert_int_eq(htable_delete(ht, "c", NULL), 0);
    ck_assert_int_eq(freed, 1);
    list = htable_list(ht);
    for (ep = list; *ep; ep++, n++)
        ck_assert_str_eq((*ep)->key, "a");
    ck_assert_int_eq(n, 1);
    myfree(list);
    ck_assert_ptr_nonnull(htable_locate(ht, "a"));
    ck_assert_ptr_null(htable_free(ht, myfree));
    ck_assert_ptr_null(htable_free(NULL, NULL));
}
END_TEST

START_TEST(test_duplicate_panics)
{
    HTABLE *ht = htable_create(1);

    htable_enter(ht, "x", NULL);
    htable_enter(ht, "x", NULL);
}
END_TEST

static Suite *
htable_suite(void)
{
    Suite *s = suite_create("htable");
    TCase *tc = tcase_create("core");

    tcase_add_test(tc, test_enter_find_grow);
    tcase_add_test(tc, test_delete_list);
    tcase_add_test_raise_signal(tc, test_duplicate_panics, SIGABRT);
    suite_add_tcase(s, tc);
    return s;
}

TEST_MAIN(htable_suite)

/* test_mailq_shape - Check suite for mailq_shape: qshape's table. */
#include <stdio.h>
#include <string.h>

#include "mailq_shape.h"
#include "test_main.h"

/* Age buckets: below 5 minutes, exactly 5, the open end. */
static const struct {
    const char *name;
    long long age;
    int column; /* 0: the first bucket */
} bucket_cases[] = {
    {"new", 0, 0},          {"4m59", 299, 0},     {"5m", 300, 1},
    {"19m", 1199, 2},       {"21h", 1279 * 60, 8}, {"1280m", 1280 * 60, 9},
    {"a week", 7 * 86400, 9}, {"clock skew", -50, 0},
};

/* column_of - the counts of the TOTAL line */
static void
total_counts(const char *text, unsigned long *c)
{
    const char *line = strstr(text, "TOTAL");

    ck_assert_ptr_nonnull(line);
    ck_assert_int_eq(sscanf(line, "TOTAL %lu %lu %lu %lu %lu %lu %lu %lu %lu "
                                  "%lu %lu",
                            c, c + 1, c + 2, c + 3, c + 4, c + 5, c + 6, c + 7,
                            c + 8, c + 9, c + 10),
                     11);
}

START_TEST(test_bucket)
{
    MAILQ_SHAPE *shape = mailq_shape_create();
    STRBUF *out = strbuf_create(100);
    unsigned long c[11];
    int i;

    mailq_shape_add(shape, "u@example.com", bucket_cases[_i].age);
    total_counts(STR(mailq_shape_format(shape, out, 0)), c);
    ck_assert_uint_eq(c[0], 1);
    for (i = 0; i < 10; i++)
        ck_assert_msg(c[i + 1] == (i == bucket_cases[_i].column),
                      "%s: column %d", bucket_cases[_i].name, i);
    mailq_shape_free(shape);
    strbuf_free(out);
}
END_TEST

/* Rows by total, domains folded to lower case, no domain allowed. */
START_TEST(test_rows)
{
    MAILQ_SHAPE *shape = mailq_shape_create();
    STRBUF *out = strbuf_create(100);
    const char *a, *b, *t;

    mailq_shape_add(shape, "x@B.example", 60);
    mailq_shape_add(shape, "y@b.example", 60);
    mailq_shape_add(shape, "z@a.example", 6000);
    mailq_shape_add(shape, "local", 60);
    mailq_shape_format(shape, out, 0);
    t = strstr(STR(out), "TOTAL");
    b = strstr(STR(out), " b.example      2     2");
    a = strstr(STR(out), " a.example      1");
    ck_assert_msg(t && a && b && t < b && b < a, "%s", STR(out));
    ck_assert_ptr_null(strstr(STR(out), "B.example"));
    ck_assert_ptr_nonnull(strstr(STR(out), "      T     5    10"));
    strbuf_reset(out);
    mailq_shape_format(shape, out, 1);
    ck_assert_ptr_null(strstr(STR(out), "a.example"));
    ck_assert_ptr_null(mailq_shape_free(shape));
    strbuf_free(out);
}
END_TEST

/* Past the domain limit, recipients count under "(other)". */
START_TEST(test_limit)
{
    MAILQ_SHAPE *shape = mailq_shape_create();
    STRBUF *out = strbuf_create(100);
    char addr[64];
    int i;

    for (i = 0; i < MAILQ_SHAPE_MAX_DOMAINS + 5; i++) {
        snprintf(addr, sizeof(addr), "u@d%d.example", i);
        mailq_shape_add(shape, addr, 0);
    }
    mailq_shape_format(shape, out, 3);
    ck_assert_msg(strstr(STR(out), "(other)      5") != NULL, "%s", STR(out));
    ck_assert_ptr_nonnull(strstr(STR(out), "TOTAL  10005"));
    mailq_shape_free(shape);
    strbuf_free(out);
}
END_TEST

static Suite *
mailq_shape_suite(void)
{
    Suite *s = suite_create("mailq_shape");
    TCase *tc = tcase_create("core");

    tcase_add_loop_test(tc, test_bucket, 0, NITEMS(bucket_cases));
    tcase_add_test(tc, test_rows);
    tcase_add_test(tc, test_limit);
    suite_add_tcase(s, tc);
    return s;
}

TEST_MAIN(mailq_shape_suite)

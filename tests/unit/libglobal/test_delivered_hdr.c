/* test_delivered_hdr - Check suite for Delivered-To: loop detection. */
#include "delivered_hdr.h"
#include "test_main.h"
#include "test_msg_src.h"

static const struct {
    const char *name;
    const char *text;
    const char *address;
    int want;
} cases[] = {
    {"found", "Delivered-To: u@x\nSubject: s\n\nb\n", "u@x", 1},
    {"case and blanks", "delivered-to:   U@X  \n\n", "u@x", 1},
    {"other address", "Delivered-To: v@x\n\n", "u@x", 0},
    {"prefix only", "Delivered-To: u@xy\n\n", "u@x", 0},
    {"in body", "Subject: s\n\nDelivered-To: u@x\n", "u@x", 0},
    {"other header", "X-Delivered-To: u@x\n\n", "u@x", 0},
    {"later header", "A: b\n c\nDelivered-To: a\nDelivered-To: u@x\n\n", "u@x",
     1},
    {"no body", "Delivered-To: u@x", "u@x", 1},
    {"empty", "", "u@x", 0},
};

START_TEST(test_find)
{
    MAIL_COPY_SRC src;
    TEST_MSG m;
    STRBUF *why = strbuf_create(10);

    test_msg_src(&src, &m, cases[_i].text, "s");
    ck_assert_int_eq(delivered_hdr_find(&src, cases[_i].address, why),
                     cases[_i].want);
    strbuf_free(why);
}
END_TEST

START_TEST(test_error)
{
    MAIL_COPY_SRC src;
    TEST_MSG m;
    STRBUF *why = strbuf_create(10);

    test_msg_src(&src, &m, "A: b\nC: d\n\n", "s");
    m.fail_after = 1;
    ck_assert_int_eq(delivered_hdr_find(&src, "u@x", why), -1);
    strbuf_free(why);
}
END_TEST

/* make_suite - the delivered_hdr tests */
static Suite *
make_suite(void)
{
    Suite *s = suite_create("delivered_hdr");
    TCase *tc = tcase_create("core");

    tcase_add_loop_test(tc, test_find, 0, NITEMS(cases));
    tcase_add_test(tc, test_error);
    suite_add_tcase(s, tc);
    return s;
}

TEST_MAIN(make_suite)

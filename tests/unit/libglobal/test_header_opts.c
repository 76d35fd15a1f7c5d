/* test_header_opts - Check suite for header_opts: the special headers. */
#include <string.h>
#include <strings.h>

#include "header_opts.h"
#include "test_main.h"

static const struct {
    const char *name;
    const char *in;
    int want_type; /* 0: not found */
    int want_flags;
} find_cases[] = {
    {"exact", "From", HDR_FROM, HDR_OPT_SENDER},
    {"lower case", "from", HDR_FROM, HDR_OPT_SENDER},
    {"mixed case", "rEsEnT-bCc", HDR_RESENT_BCC,
     HDR_OPT_RECIP | HDR_OPT_RESENT | HDR_OPT_EXTRACT | HDR_OPT_DROP_T},
    {"bcc dropped on -t", "BCC", HDR_BCC,
     HDR_OPT_RECIP | HDR_OPT_EXTRACT | HDR_OPT_DROP_T},
    {"return-path always dropped", "Return-Path", HDR_RETURN_PATH,
     HDR_OPT_SENDER | HDR_OPT_DROP},
    {"to", "TO", HDR_TO, HDR_OPT_RECIP | HDR_OPT_EXTRACT},
    {"first row", "Apparently-To", HDR_APPARENTLY_TO, HDR_OPT_RECIP},
    {"last row", "x-original-to", HDR_X_ORIGINAL_TO, HDR_OPT_RECIP},
    {"mime", "content-transfer-encoding", HDR_CONTENT_TRANSFER_ENCODING,
     HDR_OPT_MIME},
    {"mime version", "Mime-Version", HDR_MIME_VERSION, HDR_OPT_MIME},
    {"message-id", "message-id", HDR_MESSAGE_ID, 0},
    {"received", "Received", HDR_RECEIVED, 0},
    {"resent message-id", "Resent-Message-Id", HDR_RESENT_MESSAGE_ID,
     HDR_OPT_RESENT},
    {"unknown", "Subject", 0, 0},
    {"prefix of a name", "Fro", 0, 0},
    {"longer than a name", "Froms", 0, 0},
    {"empty", "", 0, 0},
    {"with colon", "From:", 0, 0},
    {"not a letter fold", "From\xc6", 0, 0},
};

START_TEST(test_find)
{
    const HEADER_OPTS *got =
        header_opts_find(find_cases[_i].in, strlen(find_cases[_i].in));

    if (find_cases[_i].want_type == 0) {
        ck_assert_msg(got == NULL, "%s: found %s", find_cases[_i].name,
                      got ? got->name : "");
        return;
    }
    ck_assert_msg(got != NULL, "%s: not found", find_cases[_i].name);
    ck_assert_int_eq(got->type, find_cases[_i].want_type);
    ck_assert_int_eq(got->flags, find_cases[_i].want_flags);
}
END_TEST

/* A name is compared by its length only: "To" inside "Tom". */
START_TEST(test_find_len)
{
    const HEADER_OPTS *got = header_opts_find("Tom", 2);

    ck_assert_ptr_nonnull(got);
    ck_assert_int_eq(got->type, HDR_TO);
    ck_assert_ptr_null(header_opts_find("To\0x", 4));
}
END_TEST

/* Every row is found by its own name: the table is sorted. */
START_TEST(test_table)
{
    size_t count, i;
    const HEADER_OPTS *table = header_opts_table(&count);

    ck_assert_uint_gt(count, 25);
    for (i = 0; i < count; i++) {
        ck_assert_ptr_eq(header_opts_find(table[i].name, strlen(table[i].name)),
                         table + i);
        ck_assert_msg((strncasecmp(table[i].name, "Resent-", 7) == 0) ==
                          ((table[i].flags & HDR_OPT_RESENT) != 0),
                      "%s: resent flag", table[i].name);
    }
}
END_TEST

static Suite *
header_opts_suite(void)
{
    Suite *s = suite_create("header_opts");
    TCase *tc = tcase_create("core");

    tcase_add_loop_test(tc, test_find, 0, NITEMS(find_cases));
    tcase_add_test(tc, test_find_len);
    tcase_add_test(tc, test_table);
    suite_add_tcase(s, tc);
    return s;
}

TEST_MAIN(header_opts_suite)

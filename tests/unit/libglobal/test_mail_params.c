/* test_mail_params - Check suite for the parameter table and its types. */
#include <stdio.h>
#include <string.h>

#include "mail_params.h"
#include "mymalloc.h"
#include "test_main.h"

#define POSTFIX_DEFAULTS "tests/data/postfix-3.7-defaults.txt"

/* postfix_default - Postfix 3.7's default for name from the data file */
static int
postfix_default(const char *name, char *buf, size_t len)
{
    FILE *fp = fopen(POSTFIX_DEFAULTS, "r");
    char line[8192];
    size_t n = strlen(name);
    int found = 0;

    ck_assert_msg(fp != NULL, "open %s (run from the top folder)",
                  POSTFIX_DEFAULTS);
    while (!found && fgets(line, sizeof(line), fp)) {
        line[strcspn(line, "\n")] = 0;
        if (strncmp(line, name, n) == 0 && strncmp(line + n, " =", 2) == 0) {
            snprintf(buf, len, "%s", line[n + 2] ? line + n + 3 : "");
            found = 1;
        }
    }
    fclose(fp);
    return found;
}

/* Every supported parameter is Postfix's, sorted, unique, with its
 * default unless the row says why not. */
START_TEST(test_table_matches_postfix)
{
    size_t count, i;
    const PARAM_DEF *tab = mail_param_table(&count);
    char want[8192];

    ck_assert_uint_gt(count, 100);
    for (i = 0; i < count; i++) {
        if (i > 0)
            ck_assert_msg(strcmp(tab[i - 1].name, tab[i].name) < 0,
                          "not sorted or duplicate: %s", tab[i].name);
        if (tab[i].flags & PARAM_F_EXT)
            continue; /* a Postern extension: no Postfix default */
        ck_assert_msg(postfix_param_known(tab[i].name), "%s: not Postfix's",
                      tab[i].name);
        ck_assert(postfix_default(tab[i].name, want, sizeof(want)));
        if (tab[i].flags == 0)
            ck_assert_msg(strcmp(tab[i].def, want) == 0,
                          "%s: default \"%s\", Postfix 3.7 \"%s\"", tab[i].name,
                          tab[i].def, want);
        ck_assert_ptr_eq(mail_param_find(tab[i].name),
                         mail_param_find(tab[i].name));
        ck_assert_str_eq(mail_param_find(tab[i].name)->name, tab[i].name);
        ck_assert(strlen(tab[i].descr) > 10);
    }
}
END_TEST

/* Every name in the data file is known, and a few others are not. */
START_TEST(test_postfix_names)
{
    FILE *fp = fopen(POSTFIX_DEFAULTS, "r");
    char line[8192];
    int n = 0;

    ck_assert_ptr_nonnull(fp);
    while (fgets(line, sizeof(line), fp)) {
        line[strcspn(line, " ")] = 0;
        ck_assert_msg(postfix_param_known(line), "%s unknown", line);
        n++;
    }
    fclose(fp);
    ck_assert_int_eq(n, 831);
    ck_assert(!postfix_param_known("no_such_parameter"));
    ck_assert(!postfix_param_known(""));
    ck_assert_ptr_null(mail_param_find("smtpd_tls_cert_filex"));
}
END_TEST

static const struct {
    const char *name;
    const char *value;
    const char *def;
    long want; /* -1: rejected */
} time_cases[] = {
    {"seconds", "90s", "300s", 90},
    {"bare uses default unit d", "5", "5d", 432000},
    {"bare uses default unit s", "5", "300s", 5},
    {"minutes", "2m", "1s", 120},
    {"hours", "3h", "1s", 10800},
    {"weeks", "1w", "1s", 604800},
    {"no default unit", "7", NULL, 7},
    {"bad unit", "5x", "1s", -1},
    {"empty", "", "1s", -1},
    {"unit only", "h", "1s", -1},
    {"negative", "-5s", "1s", -1},
    {"junk", "5 s", "1s", -1},
    {"overflow", "99999999999999999999w", "1s", -1},
    {"overflow by unit", "9223372036854775807w", "1s", -1},
};

START_TEST(test_time)
{
    STRBUF *why = strbuf_create(0);
    long got = -1;
    int ret = mail_param_parse_time(time_cases[_i].value, time_cases[_i].def,
                                    &got, why);

    if (time_cases[_i].want < 0) {
        ck_assert_msg(ret == -1, "%s: accepted", time_cases[_i].name);
        ck_assert(LEN(why) > 0);
    } else {
        ck_assert_msg(ret == 0, "%s: %s", time_cases[_i].name, STR(why));
        ck_assert_int_eq(got, time_cases[_i].want);
    }
    strbuf_free(why);
}
END_TEST

static const struct {
    const char *param;
    const char *value;
    int ok;
} check_cases[] = {
    {"message_size_limit", "10240000", 1}, {"message_size_limit", "10x", 0},
    {"message_size_limit", "", 0},         {"append_at_myorigin", "YES", 1},
    {"append_at_myorigin", "no", 1},       {"append_at_myorigin", "maybe", 0},
    {"maximal_queue_lifetime", "1d", 1},   {"maximal_queue_lifetime", "1y", 0},
    {"default_process_limit", "100", 1},   {"default_process_limit", "1e3", 0},
    {"myhostname", "anything at all", 1},  {"mydestination", "a, b c", 1},
};

START_TEST(test_check)
{
    STRBUF *why = strbuf_create(0);
    const PARAM_DEF *p = mail_param_find(check_cases[_i].param);

    ck_assert_ptr_nonnull(p);
    ck_assert_msg((mail_param_check(p, check_cases[_i].value, why) == 0) ==
                      check_cases[_i].ok,
                  "%s = %s: %s", check_cases[_i].param, check_cases[_i].value,
                  STR(why));
    strbuf_free(why);
}
END_TEST

START_TEST(test_type_names)
{
    ck_assert_str_eq(mail_param_type_name(PARAM_STR), "string");
    ck_assert_str_eq(mail_param_type_name(PARAM_BOOL), "boolean");
    ck_assert_str_eq(mail_param_type_name(PARAM_INT), "integer");
    ck_assert_str_eq(mail_param_type_name(PARAM_TIME), "time");
    ck_assert_str_eq(mail_param_type_name(PARAM_SIZE), "size");
    ck_assert_str_eq(mail_param_type_name(PARAM_LIST), "list");
    ck_assert_str_eq(mail_param_type_name(0), "unknown");
}
END_TEST

static Suite *
mail_params_suite(void)
{
    Suite *s = suite_create("mail_params");
    TCase *tc = tcase_create("core");

    tcase_add_test(tc, test_table_matches_postfix);
    tcase_add_test(tc, test_postfix_names);
    tcase_add_loop_test(tc, test_time, 0, NITEMS(time_cases));
    tcase_add_loop_test(tc, test_check, 0, NITEMS(check_cases));
    tcase_add_test(tc, test_type_names);
    suite_add_tcase(s, tc);
    return s;
}

TEST_MAIN(mail_params_suite)

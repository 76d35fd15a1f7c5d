/*
 * test_tok822 - Check suite for the header address parser and the
 * quoting of addresses: real-world header values, broken ones, bounds.
 */
#include <stdlib.h>
#include <string.h>

#include "test_main.h"
#include "tok822.h"

/* Parse cases: header text -> addresses joined by "|" ("" for none). */
struct parse_case {
    const char *name;
    const char *text;
    const char *want;
};

static const struct parse_case parse_cases[] = {
    {"bare", "user@example.com", "user@example.com"},
    {"two bare", "a@x.example, b@y.example", "a@x.example|b@y.example"},
    {"display name", "John Doe <john@example.com>", "john@example.com"},
    {"quoted display name", "\"Doe, John\" <john@example.com>, c@d",
     "john@example.com|c@d"},
    {"comment after", "user@example.com (John Doe)", "user@example.com"},
    {"comment inside", "user(c)@(d)example.com", "user@example.com"},
    {"nested comment", "a@b (x (y) z), c@d", "a@b|c@d"},
    {"quoted local", "\"john doe\"@example.com", "john doe@example.com"},
    {"quoted escapes", "\"a\\\"b\\\\c\"@x", "a\"b\\c@x"},
    {"quoted at sign", "<\"a@b\"@c>", "a@b@c"},
    {"group", "Team: a@x, B <b@y>;, c@z", "a@x|b@y|c@z"},
    {"empty group", "undisclosed-recipients:;", ""},
    {"null address", "<>", ""},
    {"null and one", "<>, a@b", "|a@b"},
    {"route dropped", "<@hosta,@hostb:user@site>", "user@site"},
    {"at-domain only", "<@example.com>", "@example.com"},
    {"odd spacing", "  john . doe  @  example . com  ", "john.doe@example.com"},
    {"folded", "a@b,\r\n\tc@d,\r\n e@f", "a@b|c@d|e@f"},
    {"literal", "user@[192.0.2.1]", "user@[192.0.2.1]"},
    {"literal spaces", "user@[ 192.0.2.1 ]", "user@[192.0.2.1]"},
    {"bare local", "root", "root"},
    {"phrase without angle", "John Doe", "John Doe"},
    {"empty", "", ""},
    {"only commas", " , ,, ", ""},
    {"unterminated quote", "\"abc@x", "abc@x"},
    {"unterminated comment", "a@b (never closed, c@d", "a@b"},
    {"unterminated angle", "Name <a@b", "a@b"},
    {"unterminated angle, more", "<a@b, c@d", "a@b|c@d"},
    {"unterminated literal", "a@[1.2", "a@[1.2"},
    {"stray close angle", "a@b>, c@d", "a@b|c@d"},
    {"junk after angle", "<a@b> trailing words, c@d", "a@b|c@d"},
    {"backslash in atom", "a\\,b@c", "a,b@c"},
    {"trailing backslash", "a@b\\", "a@b"},
    {"utf8", "J\xc3\xb6rg <j\xc3\xb6rg@b\xc3\xbc.example>",
     "j\xc3\xb6rg@b\xc3\xbc.example"},
    {"semicolon separates", "a@b; c@d", "a@b|c@d"},
    {"cr lf in quotes dropped", "\"a\r\nb\"@c", "ab@c"},
};

/* join - the list's addresses joined by "|" */
static const char *
join(const TOK822_LIST *list, STRBUF *out)
{
    size_t i;

    strbuf_reset(out);
    for (i = 0; i < list->count; i++)
        strbuf_sprintf_cat(out, "%s%s", i ? "|" : "", list->addrs[i].addr);
    return STR(out);
}

START_TEST(test_parse)
{
    const struct parse_case *pc = parse_cases + _i;
    TOK822_LIST *list = tok822_list_create();
    STRBUF *out = strbuf_create(100);
    STRBUF *why = strbuf_create(100);

    ck_assert_int_eq(tok822_parse(pc->text, strlen(pc->text), NULL, list, why),
                     0);
    ck_assert_msg(strcmp(join(list, out), pc->want) == 0,
                  "%s: got \"%s\", want \"%s\"", pc->name, STR(out), pc->want);
    ck_assert_ptr_null(tok822_list_free(list));
    strbuf_free(out);
    strbuf_free(why);
}
END_TEST

/* Offsets point at the address text, so a caller can splice. */
START_TEST(test_offsets)
{
    static const char text[] = "Joe <joe@x.example>, b@y (c), <>";
    TOK822_LIST *list = tok822_list_create();
    STRBUF *why = strbuf_create(100);

    ck_assert_int_eq(tok822_parse(text, strlen(text), NULL, list, why), 0);
    ck_assert_uint_eq(list->count, 3);
    ck_assert_int_eq(strncmp(text + list->addrs[0].off, "joe@x.example>", 14),
                     0);
    ck_assert_uint_eq(list->addrs[0].len, 13);
    ck_assert_uint_eq(list->addrs[1].off, 21);
    ck_assert_uint_eq(list->addrs[1].len, 3);
    ck_assert_uint_eq(list->addrs[2].off, 31);
    ck_assert_uint_eq(list->addrs[2].len, 0);
    tok822_list_free(list);
    strbuf_free(why);
}
END_TEST

/* NUL bytes are input like any other: no crash, never in an address. */
START_TEST(test_nul_bytes)
{
    static const char text[] = "a\0b@c, \"x\0y\"@z";
    TOK822_LIST *list = tok822_list_create();
    STRBUF *out = strbuf_create(100);
    STRBUF *why = strbuf_create(100);

    ck_assert_int_eq(tok822_parse(text, sizeof(text) - 1, NULL, list, why), 0);
    ck_assert_str_eq(join(list, out), "a b@c|xy@z");
    tok822_list_free(list);
    strbuf_free(out);
    strbuf_free(why);
}
END_TEST

/* Limits: each is an error that leaves the list as it was. */
START_TEST(test_limits)
{
    TOK822_LIMITS lim;
    TOK822_LIST *list = tok822_list_create();
    STRBUF *why = strbuf_create(100);
    char long_addr[64];

    tok822_limits_init(&lim);
    lim.max_input = 10;
    ck_assert_int_eq(tok822_parse("a@b, c@d, e@f", 13, &lim, list, why), -1);
    ck_assert_ptr_nonnull(strstr(STR(why), "longer than 10 bytes"));
    ck_assert_int_eq(tok822_parse("a@b, c@d", 8, &lim, list, why), 0);
    ck_assert_uint_eq(list->count, 2);

    tok822_limits_init(&lim);
    lim.max_addrs = 3;
    ck_assert_int_eq(tok822_parse("e@f, g@h", 8, &lim, list, why), -1);
    ck_assert_ptr_nonnull(strstr(STR(why), "more than 3 addresses"));
    ck_assert_uint_eq(list->count, 2);
    ck_assert_int_eq(tok822_parse("e@f", 3, &lim, list, why), 0);
    ck_assert_uint_eq(list->count, 3);

    tok822_list_reset(list);
    tok822_limits_init(&lim);
    lim.max_addr_len = 10;
    memset(long_addr, 'x', sizeof(long_addr));
    memcpy(long_addr + 40, "@example.com", 12);
    ck_assert_int_eq(tok822_parse(long_addr, 52, &lim, list, why), -1);
    ck_assert_ptr_nonnull(strstr(STR(why), "longer than 10 bytes"));
    ck_assert_uint_eq(list->count, 0);
    /* A long display name is dropped, so it passes. */
    memcpy(long_addr + 40, " <a@b.c>   ", 11);
    ck_assert_int_eq(tok822_parse(long_addr, 51, &lim, list, why), 0);
    ck_assert_str_eq(list->addrs[0].addr, "a@b.c");
    tok822_list_free(list);
    strbuf_free(why);
}
END_TEST

/* Quote cases: internal -> external form. */
struct quote_case {
    const char *name;
    const char *internal;
    const char *external;
};

static const struct quote_case quote_cases[] = {
    {"plain", "user@example.com", "user@example.com"},
    {"dots", "first.last@x", "first.last@x"},
    {"atext", "a!#$%&'*+-/=?^_`{|}~@x", "a!#$%&'*+-/=?^_`{|}~@x"},
    {"space", "john doe@x", "\"john doe\"@x"},
    {"leading dot", ".a@x", "\".a\"@x"},
    {"trailing dot", "a.@x", "\"a.\"@x"},
    {"double dot", "a..b@x", "\"a..b\"@x"},
    {"quote and backslash", "a\"b\\c@x", "\"a\\\"b\\\\c\"@x"},
    {"at in local", "a@b@c", "\"a@b\"@c"},
    {"no domain", "user", "user"},
    {"no domain, space", "a b", "\"a b\""},
    {"empty local", "@x", "\"\"@x"},
    {"null address", "", ""},
    {"utf8", "j\xc3\xb6rg@x", "j\xc3\xb6rg@x"},
    {"domain untouched", "a b@[1.2.3.4]", "\"a b\"@[1.2.3.4]"},
};

START_TEST(test_quote)
{
    const struct quote_case *qc = quote_cases + _i;
    STRBUF *ext = strbuf_create(10);
    STRBUF *internal = strbuf_create(10);
    TOK822_LIST *list = tok822_list_create();
    STRBUF *why = strbuf_create(10);

    ck_assert_msg(
        strcmp(STR(quote_822_local(ext, qc->internal)), qc->external) == 0,
        "%s: got \"%s\"", qc->name, STR(ext));
    unquote_822_local(internal, STR(ext), LEN(ext));
    ck_assert_str_eq(STR(internal), qc->internal);
    /* The external form parses back to the same address. */
    strbuf_sprintf(internal, "<%s>", STR(ext));
    ck_assert_int_eq(
        tok822_parse(STR(internal), LEN(internal), NULL, list, why), 0);
    ck_assert_uint_eq(list->count, 1);
    ck_assert_str_eq(list->addrs[0].addr, qc->internal);
    strbuf_free(ext);
    strbuf_free(internal);
    strbuf_free(why);
    tok822_list_free(list);
}
END_TEST

START_TEST(test_unquote)
{
    STRBUF *out = strbuf_create(10);

    ck_assert_str_eq(STR(unquote_822_local(out, "\"a b\"@x", 7)), "a b@x");
    ck_assert_str_eq(STR(unquote_822_local(out, "a\\@b@x", 6)), "a@b@x");
    ck_assert_str_eq(STR(unquote_822_local(out, "\"a@b\"", 5)), "a@b");
    ck_assert_str_eq(STR(unquote_822_local(out, "\"unterminated", 13)),
                     "unterminated");
    ck_assert_str_eq(STR(unquote_822_local(out, "a@\"dom\"", 7)), "a@\"dom\"");
    ck_assert_str_eq(STR(unquote_822_local(out, "", 0)), "");
    strbuf_free(out);
}
END_TEST

static Suite *
tok822_suite(void)
{
    Suite *s = suite_create("tok822");
    TCase *tc = tcase_create("core");

    tcase_add_loop_test(tc, test_parse, 0, NITEMS(parse_cases));
    tcase_add_test(tc, test_offsets);
    tcase_add_test(tc, test_nul_bytes);
    tcase_add_test(tc, test_limits);
    tcase_add_loop_test(tc, test_quote, 0, NITEMS(quote_cases));
    tcase_add_test(tc, test_unquote);
    suite_add_tcase(s, tc);
    return s;
}

TEST_MAIN(tok822_suite)

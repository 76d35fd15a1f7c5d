/* test_strlist - Check suite for Postfix-style list splitting. */
#include <string.h>

#include "mymalloc.h"
#include "strlist.h"
#include "test_main.h"

#define STRIP STRLIST_STRIP_BRACES

/*
 * Each case runs on a vector that already holds "pre": on success the
 * elements (shown joined with '|') follow it, on error it is alone and
 * want is the reason.
 */
static const struct {
    const char *name;
    const char *in;
    const char *sep;
    int flags;
    int status;
    size_t count;
    const char *want;
} split_tests[] = {
    /* Separators and empty elements. */
    {"empty", "", STRLIST_SEP, 0, 0, 0, ""},
    {"only separators", " ,, \t,\r\n", STRLIST_SEP, 0, 0, 0, ""},
    {"one", "permit", STRLIST_SEP, 0, 0, 1, "permit"},
    {"commas and blanks", "a, b c", STRLIST_SEP, 0, 0, 3, "a|b|c"},
    {"tabs and newlines", "a\tb\r\n  c", STRLIST_SEP, 0, 0, 3, "a|b|c"},
    {"empty elements", "a,,b, ,c", STRLIST_SEP, 0, 0, 3, "a|b|c"},
    {"around", " , a ,\n", STRLIST_SEP, 0, 0, 1, "a"},
    {"other separator", "a:b::c", ":", 0, 0, 3, "a|b|c"},
    {"no separator", "a b, c", "", 0, 0, 1, "a b, c"},

    /* Braces. */
    {"inline table", "inline:{ a=b, c=d }, x", STRLIST_SEP, 0, 0, 2,
     "inline:{ a=b, c=d }|x"},
    {"inline table stripped", "inline:{ a=b, c=d }, x", STRLIST_SEP, STRIP, 0,
     2, "inline:{ a=b, c=d }|x"},
    {"policy service",
     "check_policy_service { inet:host:port, timeout=10s }, permit",
     STRLIST_SEP, 0, 0, 3,
     "check_policy_service|{ inet:host:port, timeout=10s }|permit"},
    {"policy service stripped",
     "check_policy_service { inet:host:port, timeout=10s }, permit",
     STRLIST_SEP, STRIP, 0, 3,
     "check_policy_service|inet:host:port, timeout=10s|permit"},
    {"master.cf -o", "-o { name = value with spaces }", STRLIST_SEP, STRIP, 0,
     2, "-o|name = value with spaces"},
    {"nested", "{a {b, c} d} e", STRLIST_SEP, 0, 0, 2, "{a {b, c} d}|e"},
    {"nested stripped", "{ a {b, c} d } e", STRLIST_SEP, STRIP, 0, 2,
     "a {b, c} d|e"},
    {"empty group stripped", "a { } b", STRLIST_SEP, STRIP, 0, 3, "a||b"},
    {"empty group kept", "a {} b", STRLIST_SEP, 0, 0, 3, "a|{}|b"},
    {"two groups", "{a}{b}", STRLIST_SEP, STRIP, 0, 1, "{a}{b}"},
    {"group then text", "{a}x", STRLIST_SEP, STRIP, 0, 1, "{a}x"},
    {"group blanks inside", "{\t a \n}", STRLIST_SEP, STRIP, 0, 1, "a"},

    /* Double quotes. */
    {"quoted", "\"a, b\" c", STRLIST_SEP, 0, 0, 2, "\"a, b\"|c"},
    {"quoted brace", "\"{\" x", STRLIST_SEP, 0, 0, 2, "\"{\"|x"},
    {"quote in group", "{ \"}\" }", STRLIST_SEP, STRIP, 0, 1, "\"}\""},
    {"escaped quote", "\"a\\\"b c\" d", STRLIST_SEP, 0, 0, 2, "\"a\\\"b c\"|d"},
    {"backslash outside", "a\\ b", STRLIST_SEP, 0, 0, 2, "a\\|b"},
    {"quote mid element", "a\"b c\"d e", STRLIST_SEP, 0, 0, 2, "a\"b c\"d|e"},
    {"empty quotes", "\"\", x", STRLIST_SEP, 0, 0, 2, "\"\"|x"},

    /* Errors. */
    {"missing close", "{a b", STRLIST_SEP, 0, -1, 0, "missing '}' in \"{a b\""},
    {"missing close later", "x, inline:{a, b", STRLIST_SEP, 0, -1, 0,
     "missing '}' in \"inline:{a, b\""},
    {"missing inner close", "{a {b}", STRLIST_SEP, STRIP, -1, 0,
     "missing '}' in \"{a {b}\""},
    {"stray close", "a}", STRLIST_SEP, 0, -1, 0, "unexpected '}' in \"a}\""},
    {"stray close alone", "a, } b", STRLIST_SEP, 0, -1, 0,
     "unexpected '}' in \"} b\""},
    {"too many closes", "{a}}", STRLIST_SEP, 0, -1, 0,
     "unexpected '}' in \"{a}}\""},
    {"unterminated quote", "\"abc", STRLIST_SEP, 0, -1, 0,
     "missing '\"' in \"\"abc\""},
    {"escaped last quote", "\"abc\\\"", STRLIST_SEP, 0, -1, 0,
     "missing '\"' in \"\"abc\\\"\""},
    {"quote eats close", "{\"}", STRLIST_SEP, 0, -1, 0,
     "missing '\"' in \"{\"}\""},
    {"control in reason", "{\x01\xff", STRLIST_SEP, 0, -1, 0,
     "missing '}' in \"{??\""},
};

/* join - the elements of av from first, joined with '|' */
static char *
join(const ARGV *av, size_t first)
{
    STRBUF *sb = strbuf_create(0);
    size_t i;

    for (i = first; i < av->argc; i++) {
        if (i > first)
            strbuf_addch(sb, '|');
        strbuf_strcat(sb, av->argv[i]);
    }
    return strbuf_export(sb);
}

START_TEST(test_split)
{
    ARGV *av = argv_alloc(1);
    STRBUF *err = strbuf_create(0);
    int status;
    char *got;

    argv_add(av, "pre");
    status = strlist_split(split_tests[_i].in, split_tests[_i].sep,
                           split_tests[_i].flags, av, err);
    ck_assert_int_eq(status, split_tests[_i].status);
    ck_assert_str_eq(av->argv[0], "pre");
    ck_assert_uint_eq(av->argc, 1 + split_tests[_i].count);
    ck_assert_ptr_null(av->argv[av->argc]);
    if (status == 0) {
        got = join(av, 1);
        ck_assert_str_eq(got, split_tests[_i].want);
        ck_assert_uint_eq(LEN(err), 0);
        myfree(got);
    } else {
        ck_assert_str_eq(STR(err), split_tests[_i].want);
    }
    argv_free(av);
    strbuf_free(err);
}
END_TEST

/* A long bad input is quoted cut short, with the marker. */
START_TEST(test_split_long_reason)
{
    ARGV *av = argv_alloc(1);
    STRBUF *err = strbuf_create(0);
    char in[1000];

    memset(in, 'x', sizeof(in) - 1);
    in[0] = '{';
    in[sizeof(in) - 1] = 0;
    ck_assert_int_eq(strlist_split(in, STRLIST_SEP, 0, av, err), -1);
    ck_assert_uint_lt(LEN(err), 200);
    ck_assert_ptr_nonnull(strstr(STR(err), "xxx...\""));
    argv_free(av);
    strbuf_free(err);
}
END_TEST

/* Without a place for the reason, errors are still returned. */
START_TEST(test_split_null_err)
{
    ARGV *av = argv_alloc(1);
    char *bp;
    char buf[] = "{a";

    ck_assert_int_eq(strlist_split("a, {b", STRLIST_SEP, 0, av, NULL), -1);
    ck_assert_uint_eq(av->argc, 0);
    bp = buf;
    ck_assert_int_eq(strlist_unbrace(&bp, NULL), -1);
    argv_free(av);
}
END_TEST

/* repeat - count copies of unit, then tail, to myfree() */
static char *
repeat(const char *unit, size_t count, const char *tail)
{
    STRBUF *sb = strbuf_create(0);

    while (count-- > 0)
        strbuf_strcat(sb, unit);
    strbuf_strcat(sb, tail);
    return strbuf_export(sb);
}

START_TEST(test_split_max_elems)
{
    ARGV *av = argv_alloc(1);
    STRBUF *err = strbuf_create(0);
    char *ok = repeat("a, ", STRLIST_MAX_ELEMS, ",,  ");
    char *bad = repeat("a, ", STRLIST_MAX_ELEMS, "b");

    ck_assert_int_eq(strlist_split(ok, STRLIST_SEP, 0, av, err), 0);
    ck_assert_uint_eq(av->argc, STRLIST_MAX_ELEMS);
    ck_assert_int_eq(strlist_split(bad, STRLIST_SEP, 0, av, err), -1);
    ck_assert_uint_eq(av->argc, STRLIST_MAX_ELEMS);
    ck_assert_str_eq(STR(err), "more than 10000 elements in \"b\"");
    myfree(ok);
    myfree(bad);
    argv_free(av);
    strbuf_free(err);
}
END_TEST

/* nested - depth opening braces, "x", depth closing ones */
static char *
nested(size_t depth)
{
    char *open = repeat("{", depth, "x");
    char *all = repeat("}", depth, "");
    STRBUF *sb = strbuf_create(0);

    strbuf_strcat(sb, open);
    strbuf_strcat(sb, all);
    myfree(open);
    myfree(all);
    return strbuf_export(sb);
}

START_TEST(test_split_max_depth)
{
    ARGV *av = argv_alloc(1);
    STRBUF *err = strbuf_create(0);
    char *ok = nested(STRLIST_MAX_DEPTH);
    char *bad = nested(STRLIST_MAX_DEPTH + 1);

    ck_assert_int_eq(strlist_split(ok, STRLIST_SEP, STRIP, av, err), 0);
    ck_assert_uint_eq(av->argc, 1);
    ck_assert_uint_eq(strlen(av->argv[0]), 2 * STRLIST_MAX_DEPTH - 1);
    ck_assert_int_eq(strlist_split(bad, STRLIST_SEP, 0, av, err), -1);
    ck_assert_uint_eq(av->argc, 1);
    ck_assert_ptr_nonnull(strstr(STR(err), "braces nested deeper than 20"));
    myfree(ok);
    myfree(bad);
    argv_free(av);
    strbuf_free(err);
}
END_TEST

/* strlist_unbrace: status -1 leaves *bp as it was. */
static const struct {
    const char *name;
    const char *in;
    int status;
    const char *want;
} unbrace_tests[] = {
    {"empty", "", 0, ""},
    {"plain", "  plain value \n", 0, "plain value"},
    {"braced", "{ a = b c }", 0, "a = b c"},
    {"braced blanks around", "  {\tx }  ", 0, "x"},
    {"empty group", "{}", 0, ""},
    {"blank group", "{   }", 0, ""},
    {"inner group", "{ {a} }", 0, "{a}"},
    {"quoted close", "{\"}\" }", 0, "\"}\""},
    {"no leading brace", "a}", 0, "a}"},
    {"inline kept", "inline:{a}", 0, "inline:{a}"},
    {"text after group", "{a} b", -1, "syntax error after '}' in \"{a} b\""},
    {"second group", "{a}{b}", -1, "syntax error after '}' in \"{a}{b}\""},
    {"missing close", "{a", -1, "missing '}' in \"{a\""},
    {"extra close", "{a}}", -1, "unexpected '}' in \"{a}}\""},
    {"unterminated quote", "{\"a}", -1, "missing '\"' in \"{\"a}\""},
};

START_TEST(test_unbrace)
{
    char *buf = mystrdup(unbrace_tests[_i].in);
    STRBUF *err = strbuf_create(0);
    char *bp = buf;
    int status = strlist_unbrace(&bp, err);

    ck_assert_int_eq(status, unbrace_tests[_i].status);
    if (status == 0) {
        ck_assert_str_eq(bp, unbrace_tests[_i].want);
    } else {
        ck_assert_ptr_eq(bp, buf);
        ck_assert_str_eq(STR(err), unbrace_tests[_i].want);
    }
    myfree(buf);
    strbuf_free(err);
}
END_TEST

static Suite *
strlist_suite(void)
{
    Suite *s = suite_create("strlist");
    TCase *tc = tcase_create("core");

    tcase_add_loop_test(tc, test_split, 0, NITEMS(split_tests));
    tcase_add_test(tc, test_split_long_reason);
    tcase_add_test(tc, test_split_null_err);
    tcase_add_test(tc, test_split_max_elems);
    tcase_add_test(tc, test_split_max_depth);
    tcase_add_loop_test(tc, test_unbrace, 0, NITEMS(unbrace_tests));
    suite_add_tcase(s, tc);
    return s;
}

TEST_MAIN(strlist_suite)

/* test_stringops - Check suite for the small string helpers. */
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "mymalloc.h"
#include "stringops.h"
#include "test_main.h"

/* Case mapping: ASCII letters only, everything else as it was. */
static const struct {
    const char *name;
    const char *in;
    const char *lower;
    const char *upper;
} case_tests[] = {
    {"empty", "", "", ""},
    {"mixed", "MiXeD 123 Case!", "mixed 123 case!", "MIXED 123 CASE!"},
    {"edges", "@AZ[`az{", "@az[`az{", "@AZ[`AZ{"},
    {"8-bit untouched", "\xc4\xe4\xc9x", "\xc4\xe4\xc9x", "\xc4\xe4\xc9X"},
    {"dotted I stays ASCII", "I i", "i i", "I I"},
};

START_TEST(test_case)
{
    char *buf = mystrdup(case_tests[_i].in);
    STRBUF *sb = strbuf_create(0);
    const char *in = case_tests[_i].in;

    ck_assert_str_eq(lowercase(buf), case_tests[_i].lower);
    ck_assert_str_eq(uppercase(buf), case_tests[_i].upper);
    lowercase_copy(sb, in, strlen(in));
    ck_assert_str_eq(STR(sb), case_tests[_i].lower);
    uppercase_copy(sb, in, strlen(in));
    ck_assert_str_eq(STR(sb), case_tests[_i].upper);
    myfree(buf);
    strbuf_free(sb);
}
END_TEST

/* The copying variants are binary safe and respect a hard limit. */
START_TEST(test_case_copy_binary)
{
    STRBUF *sb = strbuf_create(0);

    lowercase_copy(sb, "A\0B", 3);
    ck_assert_uint_eq(LEN(sb), 3);
    ck_assert_int_eq(memcmp(STR(sb), "a\0b", 3), 0);
    uppercase_copy(sb, "a\0b", 3);
    ck_assert_int_eq(memcmp(STR(sb), "A\0B", 3), 0);
    strbuf_set_limit(sb, 3);
    lowercase_copy(sb, "WXYZ", 4);
    ck_assert_int_eq(sb->overflow, 1);
    ck_assert_int_eq(memcmp(STR(sb), "A\0B", 3), 0);
    uppercase_copy(sb, "wxyz", 4);
    ck_assert_int_eq(memcmp(STR(sb), "A\0B", 3), 0);
    strbuf_free(sb);
}
END_TEST

static const struct {
    const char *name;
    const char *in;
    const char *want;
} trim_tests[] = {
    {"empty", "", ""},
    {"only blanks", " \t\r\n\v\f ", ""},
    {"none", "abc", "abc"},
    {"both ends", "  a b  ", "a b"},
    {"all kinds", "\t\r\n\v\f x \n", "x"},
    {"inner kept", "a \t b", "a \t b"},
    {"8-bit not blank", "\xa0x\xa0", "\xa0x\xa0"},
    {"leading only", "   lead", "lead"},
    {"trailing only", "trail\r\n", "trail"},
};

START_TEST(test_trim)
{
    char *buf = mystrdup(trim_tests[_i].in);
    const char *in = trim_tests[_i].in;
    const char *start;
    size_t len;

    ck_assert_str_eq(trim_blanks(buf), trim_tests[_i].want);
    start = trim_blanks_len(in, strlen(in), &len);
    ck_assert_uint_eq(len, strlen(trim_tests[_i].want));
    ck_assert_int_eq(memcmp(start, trim_tests[_i].want, len), 0);
    myfree(buf);
}
END_TEST

/* A NUL byte is data, not white space, to the length-based variant. */
START_TEST(test_trim_len_binary)
{
    const char in[] = " a\0 \n";
    const char *start;
    size_t len;

    start = trim_blanks_len(in, sizeof(in) - 1, &len);
    ck_assert_ptr_eq(start, in + 1);
    ck_assert_uint_eq(len, 2);
    start = trim_blanks_len(in, 1, &len);
    ck_assert_uint_eq(len, 0);
}
END_TEST

static const struct {
    const char *name;
    const char *in;
    size_t len;
    size_t maxlen;
    int replacement;
    const char *want;
} printable_tests[] = {
    {"empty", "", 0, 10, '?', ""},
    {"plain", "hello world", 11, 100, '?', "hello world"},
    {"crlf", "a\r\nb", 4, 100, '?', "a??b"},
    {"tab", "a\tb", 3, 100, '?', "a?b"},
    {"escape sequence", "\033[2Jx", 5, 100, '?', "?[2Jx"},
    {"utf-8", "caf\xc3\xa9", 5, 100, '?', "caf??"},
    {"nul byte", "a\0b", 3, 100, '?', "a?b"},
    {"del", "\x7f~ ", 3, 100, '?', "?~ "},
    {"other replacement", "a\nb", 3, 100, '_', "a_b"},
    {"exactly maxlen", "abcde", 5, 5, '?', "abcde"},
    {"overlong", "abcdefgh", 8, 5, '?', "abcde" PRINTABLE_MARKER},
    {"overlong controls", "\x01\x02\x03\x04", 4, 2, '?', "??" PRINTABLE_MARKER},
    {"maxlen zero", "abc", 3, 0, '?', PRINTABLE_MARKER},
    {"len shorter than string", "abcdef", 3, 10, '?', "abc"},
};

START_TEST(test_printable)
{
    STRBUF *sb = strbuf_create(0);

    strbuf_strcpy(sb, "old content");
    printable(sb, printable_tests[_i].in, printable_tests[_i].len,
              printable_tests[_i].maxlen, printable_tests[_i].replacement);
    ck_assert_str_eq(STR(sb), printable_tests[_i].want);
    ck_assert_uint_eq(LEN(sb), strlen(printable_tests[_i].want));
    strbuf_free(sb);
}
END_TEST

/* A huge hostile input costs at most maxlen plus the marker. */
START_TEST(test_printable_huge)
{
    size_t len = 1024 * 1024;
    char *in = mymalloc(len);
    STRBUF *sb = strbuf_create(0);
    size_t i;

    for (i = 0; i < len; i++)
        in[i] = (char) i;
    printable(sb, in, len, 80, '?');
    ck_assert_uint_eq(LEN(sb), 80 + strlen(PRINTABLE_MARKER));
    for (i = 0; i < LEN(sb); i++)
        ck_assert(STR(sb)[i] >= 0x20 && STR(sb)[i] <= 0x7e);
    myfree(in);
    strbuf_free(sb);
}
END_TEST

START_TEST(test_printable_limit)
{
    STRBUF *sb = strbuf_create(0);

    strbuf_set_limit(sb, 3);
    strbuf_strcpy(sb, "old");
    printable(sb, "abcdef", 6, 10, '?');
    ck_assert_int_eq(sb->overflow, 1);
    ck_assert_str_eq(STR(sb), "old");
    strbuf_free(sb);
}
END_TEST

START_TEST(test_printable_bad_replacement)
{
    STRBUF *sb = strbuf_create(0);

    printable(sb, "a", 1, 10, '\n');
}
END_TEST

START_TEST(test_printable_8bit_replacement)
{
    STRBUF *sb = strbuf_create(0);

    printable(sb, "a", 1, 10, 0xa0);
}
END_TEST

/* Tokenisers: tokens are shown joined with '|'. */
typedef char *(*TOKEN_FN)(char **, const char *);

static const struct {
    const char *name;
    const char *in;
    const char *delim;
    const char *want;
} strtok_tests[] = {
    {"empty", "", " ", ""},
    {"only delimiters", " ,, \t", ", \t", ""},
    {"one", "abc", " ", "abc"},
    {"white space", "  a  b\tc ", " \t", "a|b|c"},
    {"empty fields skipped", ",,a,,b,,", ",", "a|b"},
    {"quotes are plain", "\"a b\"", " ", "\"a|b\""},
    {"braces are plain", "{a b}", " ", "{a|b}"},
};

static const struct {
    const char *name;
    const char *in;
    const char *delim;
    const char *want;
} strtokq_tests[] = {
    {"empty", "", " ", ""},
    {"only delimiters", " , ", ", ", ""},
    {"plain", " a b ", " ", "a|b"},
    {"braces", "a {b c} d", " ", "a|{b c}|d"},
    {"nested", "{a {b c} d} e", " ", "{a {b c} d}|e"},
    {"inline", "inline:{ a=b, c=d }, x", ", ", "inline:{ a=b, c=d }|x"},
    {"quotes", "x \"y z\" w", " ", "x|\"y z\"|w"},
    {"escaped quote", "\"a\\\" b\" c", " ", "\"a\\\" b\"|c"},
    {"brace in quotes", "{ \"}\" } z", " ", "{ \"}\" }|z"},
    {"unbalanced brace", "{a b", " ", "{a b"},
    {"unbalanced quote", "\"a b", " ", "\"a b"},
    {"backslash at end", "\"ab\\", " ", "\"ab\\"},
    {"stray close", "a} b", " ", "a}|b"},
};

/* run_tokens - tokenise a copy of in, tokens joined with '|' */
static char *
run_tokens(TOKEN_FN fn, const char *in, const char *delim)
{
    char *buf = mystrdup(in);
    char *bp = buf;
    STRBUF *sb = strbuf_create(0);
    char *tok;

    while ((tok = fn(&bp, delim)) != NULL) {
        if (LEN(sb) > 0)
            strbuf_addch(sb, '|');
        strbuf_strcat(sb, tok);
    }
    /* The end is sticky. */
    ck_assert_ptr_null(fn(&bp, delim));
    myfree(buf);
    return strbuf_export(sb);
}

START_TEST(test_mystrtok)
{
    char *got =
        run_tokens(mystrtok, strtok_tests[_i].in, strtok_tests[_i].delim);

    ck_assert_str_eq(got, strtok_tests[_i].want);
    myfree(got);
}
END_TEST

START_TEST(test_mystrtokq)
{
    char *got =
        run_tokens(mystrtokq, strtokq_tests[_i].in, strtokq_tests[_i].delim);

    ck_assert_str_eq(got, strtokq_tests[_i].want);
    myfree(got);
}
END_TEST

/* split_at and split_at_right; NULL: ch absent. */
static const struct {
    const char *name;
    const char *in;
    int ch;
    const char *left, *right;   /* split_at */
    const char *rleft, *rright; /* split_at_right */
} split_tests[] = {
    {"absent", "abc", '=', "abc", NULL, "abc", NULL},
    {"empty", "", '=', "", NULL, "", NULL},
    {"one", "name=value", '=', "name", "value", "name", "value"},
    {"two", "a=b=c", '=', "a", "b=c", "a=b", "c"},
    {"at start", "=x", '=', "", "x", "", "x"},
    {"at end", "x=", '=', "x", "", "x", ""},
    {"address", "user@sub@example.com", '@', "user", "sub@example.com",
     "user@sub", "example.com"},
};

/* check_split - one split function on a copy of the input */
static void
check_split(char *(*fn)(char *, int), const char *in, int ch, const char *left,
            const char *right)
{
    char *buf = mystrdup(in);
    char *got = fn(buf, ch);

    ck_assert_str_eq(buf, left);
    if (right == NULL)
        ck_assert_ptr_null(got);
    else
        ck_assert_str_eq(got, right);
    myfree(buf);
}

START_TEST(test_split)
{
    check_split(split_at, split_tests[_i].in, split_tests[_i].ch,
                split_tests[_i].left, split_tests[_i].right);
    check_split(split_at_right, split_tests[_i].in, split_tests[_i].ch,
                split_tests[_i].rleft, split_tests[_i].rright);
}
END_TEST

START_TEST(test_split_nul_panics)
{
    char buf[] = "abc";

    split_at(buf, 0);
}
END_TEST

START_TEST(test_split_right_nul_panics)
{
    char buf[] = "abc";

    split_at_right(buf, 0);
}
END_TEST

/* Number parsing: status -1 leaves the result alone (it stays 42). */
static const struct {
    const char *name;
    const char *in;
    long min, max;
    int status;
    long want;
} number_tests[] = {
    {"zero", "0", 0, 10, 0, 0},
    {"plain", "123", 0, 1000, 0, 123},
    {"negative", "-5", -10, 10, 0, -5},
    {"minus zero", "-0", 0, 10, 0, 0},
    {"leading zeros", "007", 0, 10, 0, 7},
    {"at min", "5", 5, 9, 0, 5},
    {"at max", "9", 5, 9, 0, 9},
    {"below min", "4", 5, 9, -1, 42},
    {"above max", "10", 5, 9, -1, 42},
    {"negative below min", "-1", 0, 9, -1, 42},
    {"empty", "", 0, 10, -1, 42},
    {"sign only", "-", -10, 10, -1, 42},
    {"plus sign", "+5", 0, 10, -1, 42},
    {"double minus", "--5", -10, 10, -1, 42},
    {"leading space", " 5", 0, 10, -1, 42},
    {"trailing space", "5 ", 0, 10, -1, 42},
    {"trailing junk", "12x", 0, 100, -1, 42},
    {"hex", "0x10", 0, 100, -1, 42},
    {"decimal point", "1.5", 0, 100, -1, 42},
    {"unit suffix", "10s", 0, 100, -1, 42},
    {"8-bit digit", "1\xb2", 0, 100, -1, 42},
    {"overflow", "99999999999999999999999", LONG_MIN, LONG_MAX, -1, 42},
    {"negative overflow", "-99999999999999999999999", LONG_MIN, LONG_MAX, -1,
     42},
};

START_TEST(test_str_to_long)
{
    long val = 42;

    ck_assert_int_eq(str_to_long(number_tests[_i].in, number_tests[_i].min,
                                 number_tests[_i].max, &val),
                     number_tests[_i].status);
    ck_assert_int_eq(val, number_tests[_i].want);
}
END_TEST

/* check_number - parse buf over the full long range */
static void
check_number(const char *buf, int status, long want)
{
    long val = 42;

    ck_assert_int_eq(str_to_long(buf, LONG_MIN, LONG_MAX, &val), status);
    ck_assert_int_eq(val, status == 0 ? want : 42);
}

/* The extremes of a long, whatever its width. */
START_TEST(test_str_to_long_extremes)
{
    char buf[64];

    snprintf(buf, sizeof(buf), "%ld", LONG_MAX);
    check_number(buf, 0, LONG_MAX);
    snprintf(buf, sizeof(buf), "%ld", LONG_MIN);
    check_number(buf, 0, LONG_MIN);
    snprintf(buf, sizeof(buf), "%lu", (unsigned long) LONG_MAX + 1);
    check_number(buf, -1, 0);
    snprintf(buf, sizeof(buf), "-%lu", (unsigned long) LONG_MAX + 2);
    check_number(buf, -1, 0);
    snprintf(buf, sizeof(buf), "%lu", ULONG_MAX);
    check_number(buf, -1, 0);
    snprintf(buf, sizeof(buf), "%ld0", LONG_MAX);
    check_number(buf, -1, 0);
}
END_TEST

/* The length-based variant reads only len bytes. */
START_TEST(test_str_to_long_len)
{
    long val = 42;

    ck_assert_int_eq(str_to_long_len("123abc", 3, 0, 1000, &val), 0);
    ck_assert_int_eq(val, 123);
    ck_assert_int_eq(str_to_long_len("-7 ", 2, -10, 10, &val), 0);
    ck_assert_int_eq(val, -7);
    ck_assert_int_eq(str_to_long_len("12", 0, 0, 100, &val), -1);
    ck_assert_int_eq(str_to_long_len("1\0002", 3, 0, 1000, &val), -1);
    ck_assert_int_eq(val, -7);
}
END_TEST

START_TEST(test_str_to_long_bad_range)
{
    long val;

    str_to_long("1", 10, 0, &val);
}
END_TEST

static const struct {
    const char *name;
    const char *in;
    int dig;
    int alnum;
} all_tests[] = {
    {"empty", "", 0, 0},
    {"digits", "0123456789", 1, 1},
    {"letters", "abcXYZ", 0, 1},
    {"mixed", "12a", 0, 1},
    {"punctuation", "a-b", 0, 0},
    {"space", " 1", 0, 0},
    {"minus", "-1", 0, 0},
    {"8-bit", "1\xb2", 0, 0},
    {"8-bit letter", "\xe9t\xe9", 0, 0},
};

START_TEST(test_all)
{
    ck_assert_int_eq(alldig(all_tests[_i].in), all_tests[_i].dig);
    ck_assert_int_eq(allalnum(all_tests[_i].in), all_tests[_i].alnum);
}
END_TEST

static Suite *
stringops_suite(void)
{
    Suite *s = suite_create("stringops");
    TCase *tc = tcase_create("core");

    tcase_add_loop_test(tc, test_case, 0, NITEMS(case_tests));
    tcase_add_test(tc, test_case_copy_binary);
    tcase_add_loop_test(tc, test_trim, 0, NITEMS(trim_tests));
    tcase_add_test(tc, test_trim_len_binary);
    tcase_add_loop_test(tc, test_printable, 0, NITEMS(printable_tests));
    tcase_add_test(tc, test_printable_huge);
    tcase_add_test(tc, test_printable_limit);
    tcase_add_test_raise_signal(tc, test_printable_bad_replacement, SIGABRT);
    tcase_add_test_raise_signal(tc, test_printable_8bit_replacement, SIGABRT);
    tcase_add_loop_test(tc, test_mystrtok, 0, NITEMS(strtok_tests));
    tcase_add_loop_test(tc, test_mystrtokq, 0, NITEMS(strtokq_tests));
    tcase_add_loop_test(tc, test_split, 0, NITEMS(split_tests));
    tcase_add_test_raise_signal(tc, test_split_nul_panics, SIGABRT);
    tcase_add_test_raise_signal(tc, test_split_right_nul_panics, SIGABRT);
    tcase_add_loop_test(tc, test_str_to_long, 0, NITEMS(number_tests));
    tcase_add_test(tc, test_str_to_long_extremes);
    tcase_add_test(tc, test_str_to_long_len);
    tcase_add_test_raise_signal(tc, test_str_to_long_bad_range, SIGABRT);
    tcase_add_loop_test(tc, test_all, 0, NITEMS(all_tests));
    suite_add_tcase(s, tc);
    return s;
}

TEST_MAIN(stringops_suite)

/* test_lline - Check suite for logical lines of configuration text. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "lline.h"
#include "mymalloc.h"
#include "strbuf.h"
#include "test_main.h"

static const struct {
    const char *name;
    const char *input;
    const char *want; /* "N:line|" each, then the error if any */
    size_t max_len;   /* 0: 100 */
} next_cases[] = {
    {"one line", "a b\n", "1:a b|", 0},
    {"no final newline", "a\nb", "1:a|2:b|", 0},
    {"blank and comment lines", "\n  \n# x\n  # y\t\na\n", "5:a|", 0},
    {"continuations joined with one space", "a  \n   b\t\n\tc\n", "1:a b c|",
     0},
    {"comments inside a logical line", "a\n# x\n  b\n\n  c\nd\n",
     "1:a b c|6:d|", 0},
    {"trailing white space", "a \t\r\n", "1:a|", 0},
    {"hash inside a line", "a # b\n", "1:a # b|", 0},
    {"empty text", "", "", 0},
    {"leading continuation", "# c\n  a\n",
     "src, line 2: line starts with white space, but there is no logical "
     "line to continue",
     0},
    {"too long", "abcd\n  efgh\n",
     "src, line 1: logical line longer than 8 "
     "bytes",
     8},
    {"at the limit", "abc\n  efgh\n", "1:abc efgh|", 8},
};

START_TEST(test_next)
{
    const char *input = next_cases[_i].input;
    size_t max = next_cases[_i].max_len ? next_cases[_i].max_len : 100;
    LLINE *lp = lline_create("src", input, strlen(input), max);
    STRBUF *line = strbuf_create(0);
    STRBUF *err = strbuf_create(0);
    STRBUF *got = strbuf_create(0);
    int lineno, ret;

    while ((ret = lline_next(lp, line, &lineno, err)) > 0)
        strbuf_sprintf_cat(got, "%d:%s|", lineno, STR(line));
    if (ret < 0)
        strbuf_strcat(got, STR(err));
    ck_assert_msg(strcmp(STR(got), next_cases[_i].want) == 0, "%s: got %s",
                  next_cases[_i].name, STR(got));
    lline_free(lp);
    strbuf_free(line);
    strbuf_free(err);
    strbuf_free(got);
}
END_TEST

static const struct {
    const char *name;
    const char *input;
    int want;
} kind_cases[] = {
    {"empty", "", LLINE_SKIP},
    {"blank", " \t\n", LLINE_SKIP},
    {"comment", "# x", LLINE_SKIP},
    {"indented comment", "  #", LLINE_SKIP},
    {"start", "a = b\n", LLINE_START},
    {"continuation", " b", LLINE_CONT},
    {"tab continuation", "\tb", LLINE_CONT},
};

START_TEST(test_kind)
{
    const char *input = kind_cases[_i].input;

    ck_assert_msg(lline_kind(input, strlen(input)) == kind_cases[_i].want, "%s",
                  kind_cases[_i].name);
}
END_TEST

START_TEST(test_nul)
{
    static const char text[] = "a\nb\0c\n";
    LLINE *lp = lline_create("src", text, sizeof(text) - 1, 100);
    STRBUF *line = strbuf_create(0);
    STRBUF *err = strbuf_create(0);
    int lineno;

    ck_assert_int_eq(lline_next(lp, line, &lineno, err), 1);
    ck_assert_int_eq(lline_next(lp, line, &lineno, err), -1);
    ck_assert_str_eq(STR(err), "src, line 2: NUL byte in line");
    ck_assert_ptr_null(lline_free(lp));
    ck_assert_ptr_null(lline_free(NULL));
    strbuf_free(line);
    strbuf_free(err);
}
END_TEST

START_TEST(test_load)
{
    char dir[] = "/tmp/test_lline.XXXXXX";
    STRBUF *path = strbuf_create(0);
    STRBUF *data = strbuf_create(0);
    STRBUF *err = strbuf_create(0);
    STRBUF *want = strbuf_create(0);
    FILE *fp;

    ck_assert_ptr_nonnull(mkdtemp(dir));
    strbuf_sprintf(path, "%s/f", dir);
    ck_assert_ptr_nonnull(fp = fopen(STR(path), "w"));
    fputs("0123456789", fp);
    fclose(fp);
    ck_assert_int_eq(lline_load(STR(path), 10, data, err), 0);
    ck_assert_str_eq(STR(data), "0123456789");
    ck_assert_int_eq(lline_load(STR(path), 9, data, err), -1);
    strbuf_sprintf(want, "%s: file larger than 9 bytes", STR(path));
    ck_assert_str_eq(STR(err), STR(want));
    ck_assert_int_eq(lline_load(dir, 9, data, err), -1);
    strbuf_sprintf(want, "%s: not a regular file", dir);
    ck_assert_str_eq(STR(err), STR(want));
    ck_assert_int_eq(unlink(STR(path)), 0);
    ck_assert_int_eq(lline_load(STR(path), 9, data, err), -1);
    strbuf_sprintf(want, "open %s: No such file or directory", STR(path));
    ck_assert_str_eq(STR(err), STR(want));
    ck_assert_int_eq(rmdir(dir), 0);
    strbuf_free(path);
    strbuf_free(data);
    strbuf_free(err);
    strbuf_free(want);
}
END_TEST

static Suite *
lline_suite(void)
{
    Suite *s = suite_create("lline");
    TCase *tc = tcase_create("core");

    tcase_add_loop_test(tc, test_next, 0, NITEMS(next_cases));
    tcase_add_loop_test(tc, test_kind, 0, NITEMS(kind_cases));
    tcase_add_test(tc, test_nul);
    tcase_add_test(tc, test_load);
    suite_add_tcase(s, tc);
    return s;
}

TEST_MAIN(lline_suite)

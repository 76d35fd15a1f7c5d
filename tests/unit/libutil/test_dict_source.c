/* test_dict_source - Check suite for the postmap(1) source file reader. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "dict.h"
#include "dict_source.h"
#include "mymalloc.h"
#include "test_main.h"
#include "test_tmpdir.h"

/* Files: the entries, "key=value|..." up to the error, and the error. */
static const struct {
    const char *name;
    const char *input;
    const char *want;     /* entries read before the end or the error */
    const char *want_err; /* NULL: the file reads to the end */
} read_cases[] = {
    {"empty", "", "", NULL},
    {"one", "a b\n", "a=b", NULL},
    {"no final newline", "a b", "a=b", NULL},
    {"tab and spaces", "a\t  b c  \t\n", "a=b c", NULL},
    {"cr trimmed", "a b\r\n", "a=b", NULL},
    {"comments and blanks", "# x\n\n   \na b\n  # y\n#z\n", "a=b", NULL},
    {"continuation", "a b\n  c\n\td\n", "a=b  c\td", NULL},
    {"continuation over blank", "a b\n\n  c\n", "a=b  c", NULL},
    {"continuation over comment", "a b\n#x\n  c\n", "a=b  c", NULL},
    {"value on next line", "a\n  b\n", "a=b", NULL},
    {"hash in value", "a b # c\n", "a=b # c", NULL},
    {"quotes kept", "\"a\" \"b\"\n", "\"a\"=\"b\"", NULL},
    {"case kept", "Key Value\n", "Key=Value", NULL},
    {"two", "a 1\nb 2\n", "a=1|b=2", NULL},
    {"duplicates kept", "a 1\na 2\n", "a=1|a=2", NULL},
    {"missing value", "a 1\nb\n", "a=1",
     "src, line 2: expected format: key whitespace value"},
    {"only blanks after key", "a   \t\n", "",
     "src, line 1: expected format: key whitespace value"},
    {"leading white space", "  a b\n", "",
     "src, line 1: logical line must not start with white space"},
    {"nul byte", "a b\0c\n", "", "src, line 1: NUL byte in line"},
    {"error line of entry", "a 1\n\nb\n  \n", "a=1",
     "src, line 3: expected format"},
};

/* put_file - a file with len bytes of text */
static void
put_file(const char *path, const char *text, size_t len)
{
    FILE *fp = fopen(path, "w");

    ck_assert_ptr_nonnull(fp);
    ck_assert_uint_eq(fwrite(text, 1, len, fp), len);
    ck_assert_int_eq(fclose(fp), 0);
}

/* read_all - "key=value|..." of src up to the end or an error */
static int
read_all(DICT_SOURCE *src, STRBUF *got, STRBUF *err)
{
    const char *key;
    const char *value;
    int status;

    while ((status = dict_source_next(src, &key, &value, err)) == 0)
        strbuf_sprintf_cat(got, "%s%s=%s", LEN(got) ? "|" : "", key, value);
    return status;
}

START_TEST(test_read)
{
    STRBUF *got = strbuf_create(0);
    STRBUF *err = strbuf_create(0);
    const char *input = read_cases[_i].input;
    size_t len = strlen(input);
    DICT_SOURCE *src;
    int status;

    /* The NUL case has bytes after its NUL. */
    if (strcmp(read_cases[_i].name, "nul byte") == 0)
        len = 6;
    put_file("src", input, len);
    src = dict_source_open("src", err);
    ck_assert_ptr_nonnull(src);
    status = read_all(src, got, err);
    ck_assert_msg(strcmp(STR(got), read_cases[_i].want) == 0, "%s: got \"%s\"",
                  read_cases[_i].name, STR(got));
    if (read_cases[_i].want_err == NULL) {
        ck_assert_msg(status == 1, "%s: %s", read_cases[_i].name, STR(err));
    } else {
        ck_assert_int_eq(status, -1);
        ck_assert_msg(strstr(STR(err), read_cases[_i].want_err) != NULL,
                      "%s: got \"%s\"", read_cases[_i].name, STR(err));
    }
    dict_source_close(src);
    strbuf_free(got);
    strbuf_free(err);
}
END_TEST

/* Limits: a physical line, a logical line, a key. */
START_TEST(test_limits)
{
    STRBUF *text = strbuf_create(0);
    STRBUF *err = strbuf_create(0);
    STRBUF *got = strbuf_create(0);
    DICT_SOURCE *src;
    size_t i;

    /*
     * Line 2 is one byte too long: the error drops the entry in progress
     * (line 1), and line 3 reads after it.
     */
    strbuf_strcat(text, "a b\nk ");
    for (i = 2; i < DICT_VALUE_MAX + 1; i++)
        strbuf_addch(text, 'v');
    strbuf_strcat(text, "\nc d\n");
    put_file("src", STR(text), LEN(text));
    src = dict_source_open("src", err);
    ck_assert_int_eq(read_all(src, got, err), -1);
    ck_assert_str_eq(STR(err), "src, line 2: line longer than 100000 bytes");
    ck_assert_str_eq(STR(got), "");
    ck_assert_int_eq(read_all(src, got, err), 1);
    ck_assert_str_eq(STR(got), "c=d");
    dict_source_close(src);

    /* Continuations that add up past the limit. */
    strbuf_strcpy(text, "a b\nk v\n");
    for (i = 0; i < 3; i++) {
        strbuf_strcat(text, " ");
        while (LEN(text) % 40000 != 0)
            strbuf_addch(text, 'x');
        strbuf_strcat(text, "\n");
    }
    put_file("src", STR(text), LEN(text));
    src = dict_source_open("src", err);
    strbuf_reset(got);
    ck_assert_int_eq(read_all(src, got, err), -1);
    ck_assert_str_eq(STR(err),
                     "src, line 2: logical line longer than 100000 bytes");
    dict_source_close(src);

    /* The longest key, and one byte more. */
    strbuf_reset(text);
    for (i = 0; i < DICT_KEY_MAX; i++)
        strbuf_addch(text, 'k');
    strbuf_strcat(text, " v\nK");
    for (i = 0; i < DICT_KEY_MAX; i++)
        strbuf_addch(text, 'k');
    strbuf_strcat(text, " v\n");
    put_file("src", STR(text), LEN(text));
    src = dict_source_open("src", err);
    strbuf_reset(got);
    ck_assert_int_eq(read_all(src, got, err), -1);
    ck_assert_uint_eq(LEN(got), DICT_KEY_MAX + 2);
    ck_assert_str_eq(STR(err), "src, line 2: key longer than 4096 bytes");
    dict_source_close(src);
    strbuf_free(text);
    strbuf_free(err);
    strbuf_free(got);
}
END_TEST

START_TEST(test_open_errors_and_streams)
{
    STRBUF *err = strbuf_create(0);
    STRBUF *got = strbuf_create(0);
    DICT_SOURCE *src;
    FILE *fp;

    ck_assert_ptr_null(dict_source_open("nosuch", err));
    ck_assert_str_eq(STR(err), "open nosuch: No such file or directory");
    ck_assert_ptr_null(dict_source_close(NULL));

    /* A stream stays the caller's. */
    put_file("src", "x 1\ny 2\n", 8);
    fp = fopen("src", "r");
    src = dict_source_fopen(fp, "stdin");
    ck_assert_int_eq(read_all(src, got, err), 1);
    ck_assert_str_eq(STR(got), "x=1|y=2");
    ck_assert_int_eq(DICT_SOURCE_LINE(src), 2);
    ck_assert_ptr_null(dict_source_close(src));
    ck_assert_int_eq(fclose(fp), 0);

    /* A read error: a directory opens, but does not read. */
    ck_assert_int_eq(mkdir("dir", 0700), 0);
    src = dict_source_open("dir", err);
    ck_assert_ptr_nonnull(src);
    ck_assert_int_eq(read_all(src, got, err), -1);
    ck_assert_str_eq(STR(err), "dir, line 1: read: Is a directory");
    dict_source_close(src);
    strbuf_free(err);
    strbuf_free(got);
}
END_TEST

/* The pure splitter. */
static const struct {
    const char *name;
    const char *line;
    const char *want; /* "key=value", or the reason */
} split_cases[] = {
    {"plain", "k v", "k=v"},
    {"blanks", "k \t v w \r", "k=v w"},
    {"no value", "k", "expected format: key whitespace value"},
    {"no key", " v", "expected format: key whitespace value"},
    {"empty", "", "expected format: key whitespace value"},
};

START_TEST(test_split)
{
    STRBUF *key = strbuf_create(0);
    STRBUF *value = strbuf_create(0);
    STRBUF *why = strbuf_create(0);
    STRBUF *got = strbuf_create(0);
    const char *line = split_cases[_i].line;

    if (dict_source_split(line, strlen(line), key, value, why) == 0)
        strbuf_sprintf(got, "%s=%s", STR(key), STR(value));
    else
        strbuf_strcpy(got, STR(why));
    ck_assert_msg(strcmp(STR(got), split_cases[_i].want) == 0, "%s: got \"%s\"",
                  split_cases[_i].name, STR(got));
    strbuf_free(key);
    strbuf_free(value);
    strbuf_free(why);
    strbuf_free(got);
}
END_TEST

static Suite *
dict_source_suite(void)
{
    Suite *s = suite_create("dict_source");
    TCase *tc = tcase_create("core");

    TMPDIR_FIXTURES(tc);
    tcase_add_loop_test(tc, test_read, 0, NITEMS(read_cases));
    tcase_add_test(tc, test_limits);
    tcase_add_test(tc, test_open_errors_and_streams);
    tcase_add_loop_test(tc, test_split, 0, NITEMS(split_cases));
    suite_add_tcase(s, tc);
    return s;
}

TEST_MAIN(dict_source_suite)

/* test_main_cf_edit - Check suite for editing main.cf in place. */
#include <dirent.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "argv.h"
#include "main_cf_edit.h"
#include "mymalloc.h"
#include "strbuf.h"
#include "test_main.h"

#define SET    MAIN_CF_EDIT_SET
#define REMOVE MAIN_CF_EDIT_REMOVE

static const struct {
    const char *name;
    const char *input; /* main.cf before */
    int mode;
    const char *edits; /* separated by '|' */
    const char *want;  /* main.cf after, or the error */
} edit_cases[] = {
    {"replace one line", "# top\na = 1\nb = 2\n", SET, "a=9",
     "# top\na = 9\nb = 2\n"},
    {"replace a multi-line definition, keep comments",
     "# head\nsmtpd_recipient_restrictions =\n    permit_mynetworks,\n"
     "# keep me\n    reject_unauth_destination\n\nmyhostname = mx\n",
     SET, "smtpd_recipient_restrictions = permit_mynetworks, reject",
     "# head\nsmtpd_recipient_restrictions = permit_mynetworks, reject\n"
     "# keep me\n\nmyhostname = mx\n"},
    {"append", "a = 1\n", SET, "b=2", "a = 1\nb = 2\n"},
    {"append after a last line without newline", "a = 1", SET, "b = 2",
     "a = 1\nb = 2\n"},
    {"empty file", "", SET, "a=", "a =\n"},
    {"append in the order given", "x = 0\n", SET, "z=1|y=2",
     "x = 0\nz = 1\ny = 2\n"},
    {"a name given twice: the last value", "", SET, "a=1|a=2", "a = 2\n"},
    {"every definition edited", "a = 1\nb = 2\na = 3\n", SET, "a=4",
     "a = 4\nb = 2\na = 4\n"},
    {"prefix of another name", "ab = 1\na = 2\n", SET, "a=3",
     "ab = 1\na = 3\n"},
    {"definition without blanks", "a=1\n", SET, "a=2", "a = 2\n"},
    {"commented-out definition untouched", "#a = 1\n", SET, "a=2",
     "#a = 1\na = 2\n"},
    {"value blanks trimmed", "", SET, "  a  =  x  y  ", "a = x  y\n"},
    {"CRLF lines kept", "a = 1\r\nb = 2\r\n", SET, "b=3", "a = 1\r\nb = 3\n"},
    {"odd lines copied as they are", "  stray\na = 1\n", SET, "a=2",
     "  stray\na = 2\n"},
    {"remove", "# c\na = 1\n  cont\nb = 2\n", REMOVE, "a", "# c\nb = 2\n"},
    {"remove keeps interior comments", "a = x,\n# note\n    y\nb = 2\n", REMOVE,
     "a", "# note\nb = 2\n"},
    {"remove several", "a = 1\nb = 2\nc = 3\n", REMOVE, "a|c", "b = 2\n"},
    {"remove absent", "b = 2\n", REMOVE, "a", "b = 2\n"},
    {"remove every definition", "a = 1\nb = 2\na = 3\n", REMOVE, "a",
     "b = 2\n"},
    {"setting without =", "a = 1\n", SET, "foo",
     "bad setting \"foo\": missing '=' after parameter name"},
    {"setting with a bad name", "a = 1\n", SET, "a b=c",
     "bad setting \"a b=c\": bad parameter name \"a b\""},
    {"value with a newline", "a = 1\n", SET, "a=x\ny",
     "parameter a: value contains a line break"},
    {"remove a bad name", "a = 1\n", REMOVE, "a=b",
     "bad parameter name \"a=b\""},
};

START_TEST(test_edit_text)
{
    STRBUF *out = strbuf_create(0);
    STRBUF *err = strbuf_create(0);
    ARGV *edits = argv_split(edit_cases[_i].edits, "|");
    const char *input = edit_cases[_i].input;
    int ret;

    strbuf_strcpy(out, "untouched");
    ret = main_cf_edit_text(out, input, strlen(input), edits,
                            edit_cases[_i].mode, err);
    ck_assert_msg(
        strcmp(ret == 0 ? STR(out) : STR(err), edit_cases[_i].want) == 0,
        "%s: got \"%s\"", edit_cases[_i].name, ret == 0 ? STR(out) : STR(err));
    if (ret < 0)
        ck_assert_str_eq(STR(out), "untouched");
    argv_free(edits);
    strbuf_free(out);
    strbuf_free(err);
}
END_TEST

/* write_file - create path with text and mode */
static void
write_file(const char *path, const char *text, mode_t mode)
{
    FILE *fp = fopen(path, "w");

    ck_assert_ptr_nonnull(fp);
    ck_assert_int_eq(fputs(text, fp) >= 0, 1);
    ck_assert_int_eq(fclose(fp), 0);
    ck_assert_int_eq(chmod(path, mode), 0);
}

/* read_file - the content of path */
static char *
read_file(const char *path)
{
    STRBUF *sb = strbuf_create(0);
    FILE *fp = fopen(path, "r");
    int ch;

    ck_assert_ptr_nonnull(fp);
    while ((ch = getc(fp)) != EOF)
        strbuf_addch(sb, ch);
    fclose(fp);
    return strbuf_export(sb);
}

/* count_files - entries in dir other than . and .. */
static int
count_files(const char *dir)
{
    DIR *dp = opendir(dir);
    struct dirent *de;
    int n = 0;

    ck_assert_ptr_nonnull(dp);
    while ((de = readdir(dp)) != NULL)
        n += strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0;
    closedir(dp);
    return n;
}

START_TEST(test_edit_file)
{
    char dir[] = "/tmp/test_main_cf_edit.XXXXXX";
    STRBUF *path = strbuf_create(0);
    STRBUF *err = strbuf_create(0);
    ARGV *edits = argv_split("myhostname=mx2.example.com|relayhost=[gw]", "|");
    char cwd[4096];
    struct stat st;
    char *text;

    ck_assert_ptr_nonnull(mkdtemp(dir));
    strbuf_sprintf(path, "%s/main.cf", dir);
    write_file(STR(path), "# site\nmyhostname = mx\n  .example.com\n", 0640);
    ck_assert_int_eq(main_cf_edit(STR(path), edits, SET, err), 0);
    text = read_file(STR(path));
    ck_assert_str_eq(text, "# site\nmyhostname = mx2.example.com\n"
                           "relayhost = [gw]\n");
    myfree(text);
    ck_assert_int_eq(stat(STR(path), &st), 0);
    ck_assert_int_eq(st.st_mode & 07777, 0640);
    ck_assert_int_eq(count_files(dir), 1);
    argv_free(edits);
    edits = argv_split("relayhost", "|");
    ck_assert_int_eq(main_cf_edit(STR(path), edits, REMOVE, err), 0);
    text = read_file(STR(path));
    ck_assert_str_eq(text, "# site\nmyhostname = mx2.example.com\n");
    myfree(text);
    ck_assert_int_eq(count_files(dir), 1);
    /* A name without a directory is in the current one. */
    ck_assert_ptr_nonnull(getcwd(cwd, sizeof(cwd)));
    ck_assert_int_eq(chdir(dir), 0);
    ck_assert_int_eq(main_cf_edit("main.cf", edits, REMOVE, err), 0);
    ck_assert_int_eq(chdir(cwd), 0);
    ck_assert_int_eq(unlink(STR(path)), 0);
    ck_assert_int_eq(rmdir(dir), 0);
    argv_free(edits);
    strbuf_free(path);
    strbuf_free(err);
}
END_TEST

START_TEST(test_edit_file_errors)
{
    char dir[] = "/tmp/test_main_cf_edit.XXXXXX";
    STRBUF *path = strbuf_create(0);
    STRBUF *want = strbuf_create(0);
    STRBUF *err = strbuf_create(0);
    ARGV *edits = argv_split("bad", "|");
    char *text;

    ck_assert_ptr_nonnull(mkdtemp(dir));
    strbuf_sprintf(path, "%s/main.cf", dir);
    ck_assert_int_eq(main_cf_edit(STR(path), edits, SET, err), -1);
    strbuf_sprintf(want, "open %s: No such file or directory", STR(path));
    ck_assert_str_eq(STR(err), STR(want));
    /* A bad edit leaves the file as it was, and no temporary file. */
    write_file(STR(path), "a = 1\n", 0644);
    ck_assert_int_eq(main_cf_edit(STR(path), edits, SET, err), -1);
    ck_assert_str_eq(STR(err),
                     "bad setting \"bad\": missing '=' after parameter name");
    text = read_file(STR(path));
    ck_assert_str_eq(text, "a = 1\n");
    myfree(text);
    ck_assert_int_eq(count_files(dir), 1);
    /* A stale temporary file of ours blocks the edit (O_EXCL). */
    argv_free(edits);
    edits = argv_split("a=2", "|");
    strbuf_sprintf(want, "%s.%ld.tmp", STR(path), (long) getpid());
    write_file(STR(want), "", 0600);
    ck_assert_int_eq(main_cf_edit(STR(path), edits, SET, err), -1);
    ck_assert_ptr_nonnull(strstr(STR(err), "create "));
    ck_assert_int_eq(unlink(STR(want)), 0);
    ck_assert_int_eq(unlink(STR(path)), 0);
    ck_assert_int_eq(rmdir(dir), 0);
    argv_free(edits);
    strbuf_free(path);
    strbuf_free(want);
    strbuf_free(err);
}
END_TEST

START_TEST(test_bad_mode_panics)
{
    STRBUF *out = strbuf_create(0);
    ARGV *edits = argv_alloc(1);

    main_cf_edit_text(out, "", 0, edits, 3, NULL);
}
END_TEST

static Suite *
main_cf_edit_suite(void)
{
    Suite *s = suite_create("main_cf_edit");
    TCase *tc = tcase_create("core");

    tcase_add_loop_test(tc, test_edit_text, 0, NITEMS(edit_cases));
    tcase_add_test(tc, test_edit_file);
    tcase_add_test(tc, test_edit_file_errors);
    tcase_add_test_raise_signal(tc, test_bad_mode_panics, SIGABRT);
    suite_add_tcase(s, tc);
    return s;
}

TEST_MAIN(main_cf_edit_suite)

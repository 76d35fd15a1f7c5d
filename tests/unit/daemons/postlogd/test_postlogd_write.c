/* test_postlogd_write - Check suite for postlogd's log file side. */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "postlogd_write.h"
#include "strbuf.h"
#include "test_main.h"
#include "test_tmpdir.h"

static const struct {
    const char *name;
    const char *input;
    size_t len; /* 0: strlen(input) */
    size_t max;
    const char *want;
} line_cases[] = {
    {"formatted line", "Jan  1 00:00:00 h p[1]: hi\n", 0, 100,
     "Jan  1 00:00:00 h p[1]: hi\n"},
    {"newline added", "hi", 0, 100, "hi\n"},
    {"empty", "", 0, 100, ""},
    {"only a newline", "\n", 0, 100, ""},
    {"forged second line", "a\nfake: b\n", 0, 100, "a?fake: b\n"},
    {"two newlines", "a\n\n", 0, 100, "a?\n"},
    {"crlf", "a\r\n", 0, 100, "a?\n"},
    {"nul byte", "a\0b", 3, 100, "a?b\n"},
    {"tab and del",
     "a\t\x7f"
     "b",
     0, 100, "a??b\n"},
    {"utf-8 kept", "caf\xc3\xa9", 0, 100, "caf\xc3\xa9\n"},
    {"exactly max", "abcdefgh\n", 0, 8, "abcdefgh\n"},
    {"cut at max", "abcdefghij\n", 0, 8, "abcde...\n"},
};

START_TEST(test_line)
{
    STRBUF *out = strbuf_create(10);
    const char *in = line_cases[_i].input;
    size_t len = line_cases[_i].len ? line_cases[_i].len : strlen(in);

    postlogd_line(out, in, len, line_cases[_i].max);
    ck_assert_msg(strcmp(STR(out), line_cases[_i].want) == 0, "%s: got \"%s\"",
                  line_cases[_i].name, STR(out));
    ck_assert_uint_eq(LEN(out), strlen(line_cases[_i].want));
    strbuf_free(out);
}
END_TEST

static const struct {
    const char *path;
    const char *prefixes;
    int want;
} path_cases[] = {
    {"/var/log/maillog", "/var, /dev/stdout", 0},
    {"/dev/stdout", "/var, /dev/stdout", 0},
    {"/tmp/t/maillog", "/var,/tmp/t", 0},
    {"/var/log/..x", "/var", 0},
    {"/variable/x", "/var", 0}, /* plain text prefix, like Postfix */
    {"/tmp/x", "/var, /dev/stdout", -1},
    {"var/log/maillog", "var", -1},
    {"/var/../etc/passwd", "/var", -1},
    {"/var/log/..", "/var", -1},
    {"/var/log/x", "", -1},
    {"/var/log/x", " , ", -1},
};

START_TEST(test_path_ok)
{
    STRBUF *why = strbuf_create(10);

    ck_assert_msg(postlogd_path_ok(path_cases[_i].path, path_cases[_i].prefixes,
                                   why) == path_cases[_i].want,
                  "%s in \"%s\": %s", path_cases[_i].path,
                  path_cases[_i].prefixes, STR(why));
    if (path_cases[_i].want < 0)
        ck_assert_ptr_nonnull(strstr(STR(why), path_cases[_i].path));
    strbuf_free(why);
}
END_TEST

/* The file is created 0600 and lines are appended to what is there. */
START_TEST(test_open_append)
{
    STRBUF *why = strbuf_create(10);
    STRBUF *line = strbuf_create(10);
    char buf[100];
    struct stat st;
    int fd, n;

    fd = open("maillog", O_WRONLY | O_CREAT, 0644);
    ck_assert_int_eq(write(fd, "old\n", 4), 4);
    close(fd);
    ck_assert_int_ge(fd = postlogd_open("new", why), 0);
    ck_assert_int_eq(fstat(fd, &st), 0);
    ck_assert_int_eq(st.st_mode & 07777, 0600);
    close(fd);
    ck_assert_int_ge(fd = postlogd_open("maillog", why), 0);
    ck_assert_int_eq(postlogd_append(fd, postlogd_line(line, "x", 1, 10)), 0);
    ck_assert_int_eq(postlogd_append(fd, postlogd_line(line, "y\n", 2, 10)), 0);
    close(fd);
    fd = open("maillog", O_RDONLY);
    n = read(fd, buf, sizeof(buf) - 1);
    close(fd);
    buf[n > 0 ? n : 0] = 0;
    ck_assert_str_eq(buf, "old\nx\ny\n");
    strbuf_free(line);
    strbuf_free(why);
}
END_TEST

/* A symbolic link (to a file root should not append to) is refused. */
START_TEST(test_open_symlink)
{
    STRBUF *why = strbuf_create(10);

    ck_assert_int_eq(symlink("target", "maillog"), 0);
    ck_assert_int_eq(postlogd_open("maillog", why), -1);
    ck_assert_ptr_nonnull(strstr(STR(why), "open maillog: "));
    ck_assert_int_eq(access("target", F_OK), -1);
    ck_assert_int_ge(postlogd_open("/dev/stdout", why), 3);
    strbuf_free(why);
}
END_TEST

static Suite *
postlogd_write_suite(void)
{
    Suite *s = suite_create("postlogd_write");
    TCase *tc = tcase_create("core");

    TMPDIR_FIXTURES(tc);
    tcase_add_loop_test(tc, test_line, 0, NITEMS(line_cases));
    tcase_add_loop_test(tc, test_path_ok, 0, NITEMS(path_cases));
    tcase_add_test(tc, test_open_append);
    tcase_add_test(tc, test_open_symlink);
    suite_add_tcase(s, tc);
    return s;
}

TEST_MAIN(postlogd_write_suite)

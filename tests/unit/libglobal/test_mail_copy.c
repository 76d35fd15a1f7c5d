/* test_mail_copy - Check suite for the mailbox writer (mbox and Maildir). */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "mail_copy.h"
#include "test_main.h"
#include "test_msg_src.h"
#include "test_tmpdir.h"

#define EPOCH "Thu Jan  1 00:00:00 1970"

static const struct {
    const char *name;
    const char *text;
    const char *sender;
    const char *delivered;
    const char *orig;
    int flags;
    const char *want;
} cases[] = {
    {"mbox", "Subject: x\n\nbody\n", "a@b", "U@Example.COM", NULL,
     MAIL_COPY_MBOX,
     "From a@b  " EPOCH "\nReturn-Path: <a@b>\nDelivered-To: u@example.com\n"
     "Subject: x\n\nbody\n\n"},
    {"null sender", "S: y\n\nb\n", "", NULL, NULL, MAIL_COPY_MBOX,
     "From MAILER-DAEMON  " EPOCH "\nReturn-Path: <>\nS: y\n\nb\n\n"},
    {"from quoting",
     "S: y\n\nFrom me\n>From you\n>>From x\nFrom\nFrom:x\n"
     " From y\n",
     "a", NULL, NULL, MAIL_COPY_MBOX,
     "From a  " EPOCH "\nReturn-Path: <a>\nS: y\n\n>From me\n>>From you\n"
     ">>>From x\nFrom\nFrom:x\n From y\n\n"},
    {"maildir no quoting", "S: y\n\nFrom me\n", "a", "x@y", "o@p",
     MAIL_COPY_MAILDIR,
     "Return-Path: <a>\nX-Original-To: o@p\nDelivered-To: x@y\nS: y\n\n"
     "From me\n"},
    {"bare", "line\n", "a", "x@y", "o@p", 0, "line\n"},
    {"empty message", "", "a", NULL, NULL, MAIL_COPY_FROM | MAIL_COPY_BLANK,
     "From a  " EPOCH "\n\n"},
    {"command", "S: y\n\nFrom me\n", "a", "x@y", NULL,
     MAIL_COPY_FROM | MAIL_COPY_RETURN_PATH | MAIL_COPY_DELIVERED,
     "From a  " EPOCH "\nReturn-Path: <a>\nDelivered-To: x@y\nS: y\n\n"
     "From me\n"},
};

/* read_all - the file's content */
static char *
read_all(const char *path)
{
    static char buf[4096];
    int fd = open(path, O_RDONLY);
    ssize_t n;

    ck_assert_int_ge(fd, 0);
    n = read(fd, buf, sizeof(buf) - 1);
    ck_assert_int_ge(n, 0);
    buf[n] = 0;
    close(fd);
    return buf;
}

/* copy_to - mail_copy into a new file f; the status */
static const char *
copy_to(const MAIL_COPY_SRC *src, int flags, off_t room, STRBUF *why)
{
    int fd = open("f", O_WRONLY | O_CREAT | O_TRUNC, 0600);
    STREAM *st;
    const char *status;

    ck_assert_int_ge(fd, 0);
    st = stream_fdopen(fd, O_WRONLY);
    status = mail_copy(src, st, flags, room, why);
    stream_free(st);
    close(fd);
    return status;
}

START_TEST(test_copy)
{
    MAIL_COPY_SRC src;
    TEST_MSG m;
    STRBUF *why = strbuf_create(10);

    setenv("TZ", "UTC", 1);
    tzset();
    test_msg_src(&src, &m, cases[_i].text, cases[_i].sender);
    src.delivered = cases[_i].delivered;
    src.orig_rcpt = cases[_i].orig;
    ck_assert_ptr_null(copy_to(&src, cases[_i].flags, -1, why));
    ck_assert_str_eq(read_all("f"), cases[_i].want);
    strbuf_free(why);
}
END_TEST

START_TEST(test_room)
{
    MAIL_COPY_SRC src;
    TEST_MSG m;
    STRBUF *why = strbuf_create(10);

    test_msg_src(&src, &m, "0123456789\n", "a");
    ck_assert_ptr_null(copy_to(&src, 0, 11, why));
    ck_assert_str_eq(copy_to(&src, 0, 10, why), MAIL_COPY_DSN_FULL);
    ck_assert_ptr_nonnull(strstr(STR(why), "too large"));
    ck_assert_str_eq(copy_to(&src, 0, 0, why), MAIL_COPY_DSN_FULL);
    strbuf_free(why);
}
END_TEST

START_TEST(test_read_error)
{
    MAIL_COPY_SRC src;
    TEST_MSG m;
    STRBUF *why = strbuf_create(10);

    test_msg_src(&src, &m, "a\nb\nc\n", "a");
    m.fail_after = 2;
    ck_assert_str_eq(copy_to(&src, MAIL_COPY_MBOX, -1, why),
                     MAIL_COPY_DSN_READ);
    ck_assert_str_eq(STR(why), "queue file read error");
    strbuf_free(why);
}
END_TEST

START_TEST(test_errno_dsn)
{
    ck_assert_str_eq(mail_copy_errno_dsn(EFBIG), "5.2.2");
    ck_assert_str_eq(mail_copy_errno_dsn(EDQUOT), "5.2.2");
    ck_assert_str_eq(mail_copy_errno_dsn(EIO), "4.2.0");
    ck_assert_str_eq(mail_copy_errno_dsn(ELOOP), "4.2.0");
}
END_TEST

/* make_suite - the mail_copy tests */
static Suite *
make_suite(void)
{
    Suite *s = suite_create("mail_copy");
    TCase *tc = tcase_create("core");

    TMPDIR_FIXTURES(tc);
    tcase_add_loop_test(tc, test_copy, 0, NITEMS(cases));
    tcase_add_test(tc, test_room);
    tcase_add_test(tc, test_read_error);
    tcase_add_test(tc, test_errno_dsn);
    suite_add_tcase(s, tc);
    return s;
}

TEST_MAIN(make_suite)

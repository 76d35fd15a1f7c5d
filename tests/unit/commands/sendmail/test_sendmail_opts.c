/*
 * test_sendmail_opts - sendmail's command line, -N lists, ENVID,
 * and the line handling of sendmail_copy().
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "rec_type.h"
#include "record.h"
#include "sendmail.h"
#include "test_main.h"

#define MAXARG 8

static const struct {
    const char *name;
    const char *argv[MAXARG];
    int ok;
    int mode;
    int first_rcpt;
    const char *sender;
    int flags; /* 1: extract, 2: ignore_dot */
} parse_cases[] = {
    {"plain", {"sendmail", "a@x", NULL}, 1, SM_MODE_DELIVER, 1, NULL, 0},
    {"cluster",
     {"sendmail", "-ti", "a@x", NULL},
     1,
     SM_MODE_DELIVER,
     2,
     NULL,
     3},
    {"attached -f", {"sendmail", "-fme@x", "a", NULL}, 1, 0, 2, "me@x", 0},
    {"separate -r", {"sendmail", "-r", "<>", "a", NULL}, 1, 0, 3, "<>", 0},
    {"-oi", {"sendmail", "-oi", "-oem", "a", NULL}, 1, 0, 3, NULL, 2},
    {"dashdash", {"sendmail", "--", "-a", NULL}, 1, 0, 2, NULL, 0},
    {"-bs", {"sendmail", "-bs", NULL}, 1, SM_MODE_SMTP, 2, NULL, 0},
    {"-bp", {"sendmail", "-bp", NULL}, 1, SM_MODE_LISTQ, 2, NULL, 0},
    {"-q", {"sendmail", "-q", NULL}, 1, SM_MODE_FLUSH, 2, NULL, 0},
    {"-qR site",
     {"sendmail", "-qR", "x.org", NULL},
     1,
     SM_MODE_FLUSH_TO,
     3,
     NULL,
     0},
    {"-q1h", {"sendmail", "-q1h", NULL}, 1, SM_MODE_IGNORE, 2, NULL, 0},
    {"-bd -q1h",
     {"sendmail", "-bd", "-q1h", NULL},
     1,
     SM_MODE_DAEMON,
     3,
     NULL,
     0},
    {"ignored",
     {"sendmail", "-U", "-m", "-n", "-Ox=y", "-Lname", "a", NULL},
     1,
     0,
     6,
     NULL,
     0},
    {"unknown", {"sendmail", "-Z", NULL}, 0, 0, 0, NULL, 0},
    {"missing value", {"sendmail", "-f", NULL}, 0, 0, 0, NULL, 0},
    {"bad mode", {"sendmail", "-bz", NULL}, 0, 0, 0, NULL, 0},
    {"bad -R", {"sendmail", "-R", "most", NULL}, 0, 0, 0, NULL, 0},
    {"bad -V", {"sendmail", "-V", "a b", NULL}, 0, 0, 0, NULL, 0},
};

START_TEST(test_parse)
{
    SENDMAIL_OPTS opts;
    STRBUF *why = strbuf_create(10);
    char *argv[MAXARG];
    int argc = 0;

    while (parse_cases[_i].argv[argc] != NULL) {
        argv[argc] = (char *) parse_cases[_i].argv[argc];
        argc++;
    }
    argv[argc] = NULL;
    sendmail_opts_init(&opts, "/usr/sbin/sendmail");
    ck_assert_msg((sendmail_opts_parse(argc, argv, &opts, why) == 0) ==
                      parse_cases[_i].ok,
                  "%s: %s", parse_cases[_i].name, STR(why));
    if (parse_cases[_i].ok) {
        ck_assert_int_eq(opts.mode, parse_cases[_i].mode);
        ck_assert_int_eq(opts.first_rcpt, parse_cases[_i].first_rcpt);
        ck_assert_pstr_eq(opts.sender, parse_cases[_i].sender);
        ck_assert_int_eq(opts.extract, parse_cases[_i].flags & 1);
        ck_assert_int_eq(opts.ignore_dot, !!(parse_cases[_i].flags & 2));
    }
    strbuf_free(why);
}
END_TEST

START_TEST(test_argv0)
{
    SENDMAIL_OPTS opts;

    sendmail_opts_init(&opts, "/usr/bin/mailq");
    ck_assert_int_eq(opts.mode, SM_MODE_LISTQ);
    sendmail_opts_init(&opts, "newaliases");
    ck_assert_int_eq(opts.mode, SM_MODE_NEWALIAS);
    sendmail_opts_init(&opts, "sendmail");
    ck_assert_int_eq(opts.mode, SM_MODE_DELIVER);
}
END_TEST

static const struct {
    const char *input;
    int want; /* -1: refused */
} notify_cases[] = {
    {"never", DSN_NOTIFY_NEVER},
    {"SUCCESS", DSN_NOTIFY_SUCCESS},
    {"success,delay,failure", DSN_NOTIFY_ANY},
    {"failure,failure", DSN_NOTIFY_FAILURE},
    {"never,delay", -1},
    {"", -1},
    {"success,", -1},
    {"sometimes", -1},
    {"success delay", -1},
};

START_TEST(test_notify)
{
    int flags = 0;
    int rc = sendmail_parse_notify(notify_cases[_i].input,
                                   strlen(notify_cases[_i].input), &flags);

    if (notify_cases[_i].want < 0)
        ck_assert_int_eq(rc, -1);
    else
        ck_assert_int_eq(flags, notify_cases[_i].want);
}
END_TEST

START_TEST(test_small_values)
{
    STRBUF *out = strbuf_create(10);
    char big[SM_ENVID_MAX + 2];

    ck_assert(sendmail_envid_ok("abc", 3));
    ck_assert(!sendmail_envid_ok("", 0));
    ck_assert(!sendmail_envid_ok("a\tb", 3));
    memset(big, 'x', sizeof(big));
    ck_assert(!sendmail_envid_ok(big, SM_ENVID_MAX + 1));
    ck_assert(sendmail_envid_ok(big, SM_ENVID_MAX));
    ck_assert_str_eq(STR(sendmail_strip_addr(out, "<a@b>", 5)), "a@b");
    ck_assert_str_eq(STR(sendmail_strip_addr(out, "<>", 2)), "");
    ck_assert_str_eq(STR(sendmail_strip_addr(out, "a@b", 3)), "a@b");
    ck_assert_str_eq(STR(sendmail_gecos_name(out, "Ann Ex,Room 1,")), "Ann Ex");
    strbuf_free(out);
}
END_TEST

/* copy_cases: input, flags, limit, the records as "type:data|..." */
static const struct {
    const char *name;
    const char *input;
    int flags;
    size_t limit;
    int want_rc;
    const char *want;
} copy_cases[] = {
    {"lines", "a\nb\n", SM_COPY_DOT, 10, SM_COPY_OK, "N:a|N:b|"},
    {"crlf", "a\r\nb\r\r\n", 0, 10, SM_COPY_OK, "N:a|N:b\r|"},
    {"no final lf", "a\nb", 0, 10, SM_COPY_OK, "N:a|N:b|"},
    {"dot ends", "a\n.\nb\n", SM_COPY_DOT, 10, SM_COPY_OK, "N:a|"},
    {"dot crlf ends", "a\r\n.\r\nb\n", SM_COPY_DOT, 10, SM_COPY_OK, "N:a|"},
    {"dot kept", "a\n.\nb\n", 0, 10, SM_COPY_OK, "N:a|N:.|N:b|"},
    {"from skipped", "From x y\na\n", SM_COPY_SKIP_FROM, 10, SM_COPY_OK,
     "N:a|"},
    {"from later", "a\nFrom x\n", SM_COPY_SKIP_FROM, 10, SM_COPY_OK,
     "N:a|N:From x|"},
    {"split", "abcdefgh\n", 0, 3, SM_COPY_OK, "L:abc|L:def|N:gh|"},
    {"cr at piece end", "abc\r\n", 0, 3, SM_COPY_OK, "L:abc|N:|"},
    {"cr inside", "ab\rc\n", 0, 3, SM_COPY_OK, "L:ab|L:\r|N:c|"},
    {"smtp unstuff", "..a\n.\r\n", SM_COPY_SMTP, 10, SM_COPY_OK, "N:.a|"},
    {"smtp eof", "a\n", SM_COPY_SMTP, 10, SM_COPY_EOF, "N:a|"},
    {"too big", "aaaa\nbbbb\n", 0, 10, SM_COPY_TOOBIG, "N:aaaa|"},
    {"smtp too big", "aaaa\nbbbb\n.\n", SM_COPY_SMTP, 10, SM_COPY_TOOBIG,
     "N:aaaa|"},
};

/* stream_of - a read stream over text */
static STREAM *
stream_of(const char *text)
{
    FILE *fp = tmpfile();
    int fd = dup(fileno(fp));

    ck_assert(fwrite(text, 1, strlen(text), fp) == strlen(text));
    fclose(fp);
    lseek(fd, 0, SEEK_SET);
    return stream_fdopen(fd, O_RDONLY);
}

/* records_of - the records on a read stream as "T:data|..." */
static STRBUF *
records_of(STREAM *st, STRBUF *got)
{
    STRBUF *rec = strbuf_create(10);
    int type;

    strbuf_reset(got);
    while ((type = rec_get(st, rec, 1000)) > 0)
        strbuf_sprintf_cat(got, "%c:%s|", type, STR(rec));
    ck_assert_int_eq(type, REC_TYPE_EOF);
    strbuf_free(rec);
    return got;
}

START_TEST(test_copy)
{
    STREAM *in = stream_of(copy_cases[_i].input);
    /* The size limit matters to the "too big" cases only. */
    SENDMAIL_COPY cp = {copy_cases[_i].limit,
                        copy_cases[_i].want_rc == SM_COPY_TOOBIG ? 8 : 0,
                        copy_cases[_i].flags, 0};
    STRBUF *got = strbuf_create(10);
    STREAM *out, *back;
    int fds[2];

    ck_assert_int_eq(pipe(fds), 0);
    out = stream_fdopen(fds[1], O_WRONLY);
    back = stream_fdopen(fds[0], O_RDONLY);
    ck_assert_int_eq(sendmail_copy(in, out, &cp), copy_cases[_i].want_rc);
    ck_assert_int_eq(stream_close(out), 0);
    ck_assert_str_eq(STR(records_of(back, got)), copy_cases[_i].want);
    stream_close(back);
    stream_close(in);
    strbuf_free(got);
}
END_TEST

static Suite *
sendmail_opts_suite(void)
{
    Suite *s = suite_create("sendmail_opts");
    TCase *tc = tcase_create("core");

    tcase_add_loop_test(tc, test_parse, 0, NITEMS(parse_cases));
    tcase_add_test(tc, test_argv0);
    tcase_add_loop_test(tc, test_notify, 0, NITEMS(notify_cases));
    tcase_add_test(tc, test_small_values);
    tcase_add_loop_test(tc, test_copy, 0, NITEMS(copy_cases));
    suite_add_tcase(s, tc);
    return s;
}

TEST_MAIN(sendmail_opts_suite)

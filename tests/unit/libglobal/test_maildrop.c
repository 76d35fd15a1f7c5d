/* test_maildrop - Check suite for the maildrop file writer and reader. */
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "maildrop.h"
#include "mymalloc.h"
#include "record.h"
#include "test_main.h"
#include "test_tmpdir.h"

/* put_spec - write records described as "T data|T data|..." to st */
static void
put_spec(STREAM *st, const char *spec)
{
    char *copy = mystrdup(spec);
    char *rec;
    char *next;

    for (rec = *copy ? copy : NULL; rec != NULL; rec = next) {
        if ((next = strchr(rec, '|')) != NULL)
            *next++ = 0;
        ck_assert(rec[0] != 0);
        ck_assert(rec_puts(st, rec[0], rec[1] ? rec + 2 : "") >= 0);
    }
    myfree(copy);
}

/* spec_stream - a read stream over the records of spec */
static STREAM *
spec_stream(const char *spec)
{
    int fd = open("f", O_RDWR | O_CREAT | O_TRUNC, 0600);
    STREAM *st;

    ck_assert_int_ge(fd, 0);
    st = stream_fdopen(fd, O_RDWR);
    put_spec(st, spec);
    ck_assert_int_eq(stream_flush(st), 0);
    ck_assert_int_eq(lseek(fd, 0, SEEK_SET), 0);
    return st;
}

#define ENV  "S me@here|R you@there|M"
#define TAIL "N line|X|E"

static const struct {
    const char *name;
    const char *spec;
    int want;
    const char *why; /* a part of the reason */
} cases[] = {
    {"minimal", ENV "|" TAIL, MAILDROP_OK, ""},
    {"null sender", "S|R a@b|M|X|E", MAILDROP_OK, ""},
    {"attributes",
     "A full_name=Joe User|A envid=abc+2B|A ret=HDRS|A encoding=8bitmime"
     "|" ENV "|" TAIL,
     MAILDROP_OK, ""},
    {"extract, no rcpt", "A extract=yes|S a@b|M|" TAIL, MAILDROP_OK, ""},
    {"dsn group", "S a|n 6|o rfc822;x@y|R x@y|R z|M|" TAIL, MAILDROP_OK, ""},
    {"long line", ENV "|L abc|L def|N ghi|X|E", MAILDROP_OK, ""},
    {"empty", "", MAILDROP_BAD, "premature end"},
    {"no sender", "R a|M|" TAIL, MAILDROP_BAD, "before the sender"},
    {"no rcpt", "S a|M|" TAIL, MAILDROP_BAD, "no recipients"},
    {"unknown attr", "A queue_id=x|" ENV "|" TAIL, MAILDROP_BAD, "unknown"},
    {"attr twice", "A ret=full|A ret=full|" ENV "|" TAIL, MAILDROP_BAD,
     "twice"},
    {"extract twice", "A extract=yes|A extract=yes|" ENV "|" TAIL, MAILDROP_BAD,
     "twice"},
    {"attr no =", "A full_name|" ENV "|" TAIL, MAILDROP_BAD, "malformed"},
    {"bad encoding", "A encoding=binary|" ENV "|" TAIL, MAILDROP_BAD,
     "unknown"},
    {"bad envid", "A envid=a b|" ENV "|" TAIL, MAILDROP_BAD, "unknown"},
    {"size record", "C x|" ENV "|" TAIL, MAILDROP_BAD, "before the sender"},
    {"time record", "T 1 2|" ENV "|" TAIL, MAILDROP_BAD, "before the sender"},
    {"done record", "S a|D b|M|" TAIL, MAILDROP_BAD, "envelope"},
    {"orig record", "S a|O b|R b|M|" TAIL, MAILDROP_BAD, "envelope"},
    {"attr after sender", "S a|A ret=full|R b|M|" TAIL, MAILDROP_BAD,
     "envelope"},
    {"two senders", "S a|S b|R b|M|" TAIL, MAILDROP_BAD, "envelope"},
    {"empty rcpt", "S a|R|M|" TAIL, MAILDROP_BAD, "empty recipient"},
    {"notify twice", "S a|n 2|n 2|R b|M|" TAIL, MAILDROP_BAD, "two DSN"},
    {"notify never+", "S a|n 3|R b|M|" TAIL, MAILDROP_BAD, "NOTIFY"},
    {"notify zero", "S a|n 0|R b|M|" TAIL, MAILDROP_BAD, "NOTIFY"},
    {"notify text", "S a|n x|R b|M|" TAIL, MAILDROP_BAD, "NOTIFY"},
    {"orcpt bad", "S a|o nosemi|R b|M|" TAIL, MAILDROP_BAD, "ORCPT"},
    {"dangling dsn", "S a|R b|n 2|M|" TAIL, MAILDROP_BAD, "without"},
    {"M with data", "S a|R b|M x|" TAIL, MAILDROP_BAD, "with data"},
    {"L then X", ENV "|L abc|X|E", MAILDROP_BAD, "content"},
    {"R in content", ENV "|R c|" TAIL, MAILDROP_BAD, "content"},
    {"no X", ENV "|N a|E", MAILDROP_BAD, "content"},
    {"no E",
     ENV "|"
         "N a|X",
     MAILDROP_BAD, "end record"},
    {"after E", ENV "|" TAIL "|N x", MAILDROP_BAD, "after the end"},
    {"E with data", ENV "|N a|X|E x", MAILDROP_BAD, "end record"},
};

START_TEST(test_read)
{
    MAILDROP_LIMITS lim;
    STRBUF *why = strbuf_create(0);
    MAILDROP *md = NULL;
    STREAM *st = spec_stream(cases[_i].spec);
    int ret;

    maildrop_limits_init(&lim);
    ret = maildrop_read(st, &lim, NULL, &md, why);
    ck_assert_msg(ret == cases[_i].want, "%s: got %d (%s)", cases[_i].name, ret,
                  STR(why));
    ck_assert_msg(strstr(STR(why), cases[_i].why) != NULL, "%s: reason %s",
                  cases[_i].name, STR(why));
    ck_assert((md != NULL) == (ret == MAILDROP_OK));
    maildrop_free(md);
    stream_close(st);
    strbuf_free(why);
}
END_TEST

/* write_sample - a file written by the writer API */
static STREAM *
write_sample(void)
{
    int fd = open("w", O_RDWR | O_CREAT | O_TRUNC, 0600);
    STREAM *st = stream_fdopen(fd, O_RDWR);
    char big[70000];

    memset(big, 'x', sizeof(big));
    ck_assert_int_eq(maildrop_put_attr(st, "full_name", "Joe"), 0);
    ck_assert_int_eq(maildrop_put_attr(st, "ret", "full"), 0);
    ck_assert_int_eq(maildrop_put_sender(st, ""), 0);
    ck_assert_int_eq(maildrop_put_rcpt(st, "a@b", 0, NULL), 0);
    ck_assert_int_eq(maildrop_put_rcpt(st, "c@d", 6, "rfc822;c@d"), 0);
    ck_assert_int_eq(maildrop_put_content_start(st), 0);
    ck_assert_int_eq(maildrop_put_line(st, "Subject: hi", 11), 0);
    ck_assert_int_eq(maildrop_put_line(st, "", 0), 0);
    ck_assert_int_eq(maildrop_put_line(st, big, sizeof(big)), 0);
    ck_assert_int_eq(maildrop_put_end(st), 0);
    ck_assert_int_eq(stream_flush(st), 0);
    ck_assert_int_eq(lseek(fd, 0, SEEK_SET), 0);
    return st;
}

START_TEST(test_write_read)
{
    MAILDROP_LIMITS lim;
    STRBUF *why = strbuf_create(0);
    STRBUF *line = strbuf_create(0);
    STREAM *st = write_sample();
    MAILDROP *md;

    maildrop_limits_init(&lim);
    ck_assert_int_eq(maildrop_read(st, &lim, NULL, &md, why), MAILDROP_OK);
    ck_assert_str_eq(md->sender, "");
    ck_assert_str_eq(md->full_name, "Joe");
    ck_assert_str_eq(md->ret, "full");
    ck_assert_ptr_null(md->envid);
    ck_assert_uint_eq(md->rcpt_count, 2);
    ck_assert_str_eq(md->rcpt[1].address, "c@d");
    ck_assert_str_eq(md->rcpt[1].dsn_orcpt, "rfc822;c@d");
    ck_assert_int_eq(md->rcpt[1].dsn_notify, 6);
    ck_assert_int_eq(md->content_size, 12 + 1 + 70001);
    /* The content can be read back from its offset. */
    ck_assert_int_eq(lseek(stream_fd(st), md->content_offset, SEEK_SET),
                     md->content_offset);
    stream_clearerr(st);
    ck_assert_int_eq(maildrop_get_line(st, &lim, line, why), 1);
    ck_assert_str_eq(STR(line), "Subject: hi");
    ck_assert_int_eq(maildrop_get_line(st, &lim, line, why), 1);
    ck_assert_uint_eq(LEN(line), 0);
    ck_assert_int_eq(maildrop_get_line(st, &lim, line, why), 1);
    ck_assert_uint_eq(LEN(line), 70000);
    ck_assert_int_eq(maildrop_get_line(st, &lim, line, why), 0);
    maildrop_free(md);
    stream_close(st);
    strbuf_free(why);
    strbuf_free(line);
}
END_TEST

START_TEST(test_copy)
{
    MAILDROP_LIMITS lim;
    STRBUF *why = strbuf_create(0);
    STREAM *st = write_sample();
    int fd = open("copy", O_RDWR | O_CREAT | O_TRUNC, 0600);
    STREAM *copy = stream_fdopen(fd, O_RDWR);
    struct stat a, b;
    MAILDROP *md;

    maildrop_limits_init(&lim);
    ck_assert_int_eq(maildrop_read(st, &lim, copy, &md, why), MAILDROP_OK);
    ck_assert_int_eq(stream_flush(copy), 0);
    ck_assert_int_eq(fstat(stream_fd(st), &a), 0);
    ck_assert_int_eq(fstat(fd, &b), 0);
    ck_assert_int_eq(a.st_size, b.st_size);
    maildrop_free(md);
    stream_close(st);
    stream_close(copy);
    strbuf_free(why);
}
END_TEST

START_TEST(test_limits)
{
    MAILDROP_LIMITS lim;
    STRBUF *why = strbuf_create(0);
    MAILDROP *md;
    STREAM *st;

    maildrop_limits_init(&lim);
    lim.max_rcpt = 2;
    st = spec_stream("S a|R b|R c|R d|M|" TAIL);
    ck_assert_int_eq(maildrop_read(st, &lim, NULL, &md, why), MAILDROP_BAD);
    ck_assert(strstr(STR(why), "too many") != NULL);
    stream_close(st);
    lim.max_content = 11; /* "12345\n1234\n" */
    st = spec_stream(ENV "|N 12345|N 1234|X|E");
    ck_assert_int_eq(maildrop_read(st, &lim, NULL, &md, why), MAILDROP_OK);
    md = maildrop_free(md);
    stream_close(st);
    st = spec_stream(ENV "|N 12345|N 12345|X|E");
    ck_assert_int_eq(maildrop_read(st, &lim, NULL, &md, why), MAILDROP_TOOBIG);
    stream_close(st);
    lim.max_record = 4;
    st = spec_stream(ENV "|N 12345|X|E");
    ck_assert_int_eq(maildrop_read(st, &lim, NULL, &md, why), MAILDROP_BAD);
    stream_close(st);
    strbuf_free(why);
}
END_TEST

START_TEST(test_truncated)
{
    MAILDROP_LIMITS lim;
    STRBUF *why = strbuf_create(0);
    STREAM *st = write_sample();
    struct stat sb;
    MAILDROP *md;
    off_t cut;

    maildrop_limits_init(&lim);
    ck_assert_int_eq(fstat(stream_fd(st), &sb), 0);
    stream_close(st);
    /* Every cut short of the whole file is refused. */
    for (cut = 0; cut < sb.st_size; cut += cut < 200 ? 1 : 4099) {
        ck_assert_int_eq(truncate("w", cut), 0);
        st = stream_fdopen(open("w", O_RDONLY), O_RDONLY);
        ck_assert_msg(maildrop_read(st, &lim, NULL, &md, why) == MAILDROP_BAD,
                      "cut at %lld", (long long) cut);
        stream_close(st);
        stream_close(write_sample());
    }
    strbuf_free(why);
}
END_TEST

START_TEST(test_put_bad_attr)
{
    STREAM *st = stream_fdopen(open("x", O_RDWR | O_CREAT, 0600), O_RDWR);

    maildrop_put_attr(st, "queue_id", "x");
}
END_TEST

START_TEST(test_put_bad_notify)
{
    STREAM *st = stream_fdopen(open("x", O_RDWR | O_CREAT, 0600), O_RDWR);

    maildrop_put_rcpt(st, "a@b", 3, NULL);
}
END_TEST

static Suite *
maildrop_suite(void)
{
    Suite *s = suite_create("maildrop");
    TCase *tc = tcase_create("maildrop");

    TMPDIR_FIXTURES(tc);
    tcase_add_loop_test(tc, test_read, 0, NITEMS(cases));
    tcase_add_test(tc, test_write_read);
    tcase_add_test(tc, test_copy);
    tcase_add_test(tc, test_limits);
    tcase_add_test(tc, test_truncated);
    tcase_add_test_raise_signal(tc, test_put_bad_attr, SIGABRT);
    tcase_add_test_raise_signal(tc, test_put_bad_notify, SIGABRT);
    suite_add_tcase(s, tc);
    return s;
}

TEST_MAIN(maildrop_suite)

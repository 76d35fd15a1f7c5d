/* test_header_parse - Check suite for header_parse: logical headers. */
#include <string.h>

#include "header_parse.h"
#include "mymalloc.h"
#include "test_main.h"

/* A literal with its length, NUL bytes and all. */
#define S(x) x, sizeof(x) - 1

static const struct {
    const char *name;
    int want;
    const char *in;
    size_t len;
} class_cases[] = {
    {"header", HEADER_LINE_FIELD, S("From: a")},
    {"no space after colon", HEADER_LINE_FIELD, S("From:a")},
    {"space before colon", HEADER_LINE_FIELD, S("Subject \t: x")},
    {"empty value", HEADER_LINE_FIELD, S("X-A:")},
    {"fold with space", HEADER_LINE_CONT, S(" more")},
    {"fold with tab", HEADER_LINE_CONT, S("\tmore")},
    {"blank fold", HEADER_LINE_CONT, S("  ")},
    {"empty line", HEADER_LINE_END, S("")},
    {"no colon", HEADER_LINE_BODY, S("hello world")},
    {"colon first", HEADER_LINE_BODY, S(":x")},
    {"mbox From_", HEADER_LINE_BODY, S("From a@b Sun Nov 22 18:30:00 2026")},
    {"8-bit name", HEADER_LINE_BODY, S("Sub\xc3\xa9ject: x")},
    {"control in name", HEADER_LINE_BODY, S("Sub\x01ject: x")},
    {"bare CR in name", HEADER_LINE_BODY, S("Sub\rject: x")},
    {"lone CR", HEADER_LINE_BODY, S("\r")},
    {"NUL in name", HEADER_LINE_BODY, S("Sub\0ject: x")},
    {"colon past the end", HEADER_LINE_BODY, "From:", 4},
};

START_TEST(test_class)
{
    ck_assert_msg(header_parse_class(class_cases[_i].in, class_cases[_i].len) ==
                      class_cases[_i].want,
                  "%s", class_cases[_i].name);
}
END_TEST

/* log_field - "name=value" plus ~ (truncated) and #n (resent block) */
static void
log_field(const HEADER_FIELD *f, void *context)
{
    STRBUF *log = context;
    size_t i;

    ck_assert_uint_eq(f->text[f->len], 0);
    ck_assert_ptr_eq(f->value + f->value_len, f->text + f->len);
    strbuf_memcat(log, f->text, f->name_len);
    strbuf_addch(log, '=');
    for (i = 0; i < f->value_len; i++) {
        if (f->value[i] == 0)
            strbuf_strcat(log, "\\0");
        else
            strbuf_addch(log, f->value[i]);
    }
    if (f->truncated)
        strbuf_addch(log, '~');
    if (f->resent_block)
        strbuf_sprintf_cat(log, "#%d", f->resent_block);
    strbuf_addch(log, '|');
}

static const struct {
    const char *name;
    const char *in;
    size_t len;
    size_t header_size; /* 0: the default */
    size_t max_headers; /* 0: the default */
    const char *want;   /* the headers, as log_field() writes them */
    const char *rest;   /* the body: what follows the headers */
    size_t discarded;
    size_t received;
} scan_cases[] = {
    {"two headers", S("From: a\nTo: b\n\nbody\n"), 0, 0, "From=a|To=b|",
     "body\n", 0, 0},
    {"CRLF", S("From: a\r\nTo: b\r\n\r\nbody\r\n"), 0, 0, "From=a|To=b|",
     "body\r\n", 0, 0},
    {"folded", S("Subject: a\n b\n\tc\nTo: x\n\nbody"), 0, 0,
     "Subject=a\n b\n\tc|To=x|", "body", 0, 0},
    {"folded CRLF", S("Subject: a\r\n b\r\n\r\n"), 0, 0, "Subject=a\n b|", "",
     0, 0},
    {"blank fold", S("Subject: a\n \n\nbody"), 0, 0, "Subject=a\n |", "body", 0,
     0},
    {"value on the next line", S("To:\n  b@c\n\n"), 0, 0, "To=b@c|", "", 0, 0},
    {"empty value", S("X-Empty:\n\n"), 0, 0, "X-Empty=|", "", 0, 0},
    {"space before colon", S("Subject : x\n\n"), 0, 0, "Subject=x|", "", 0, 0},
    {"no colon ends the headers", S("From: a\nnot a header\nTo: b\n\n"), 0, 0,
     "From=a|", "not a header\nTo: b\n\n", 0, 0},
    {"body without the empty line", S("hello world\nFrom: a\n"), 0, 0, "",
     "hello world\nFrom: a\n", 0, 0},
    {"body starts with a fold", S(" folded\nFrom: a\n\n"), 0, 0, "",
     " folded\nFrom: a\n\n", 0, 0},
    {"mbox From_ line", S("From a@b Sun\nTo: b\n\n"), 0, 0, "",
     "From a@b Sun\nTo: b\n\n", 0, 0},
    {"8-bit value", S("Subject: caf\xc3\xa9\n\n\xff"), 0, 0,
     "Subject=caf\xc3\xa9|", "\xff", 0, 0},
    {"8-bit name", S("X-\xc3\xa9: v\n\n"), 0, 0, "", "X-\xc3\xa9: v\n\n", 0, 0},
    {"NUL in value", S("X: a\0b\n\n"), 0, 0, "X=a\\0b|", "", 0, 0},
    {"bare CR in value", S("Subject: a\rb\n\n"), 0, 0, "Subject=a\rb|", "", 0,
     0},
    {"CR CR LF is no end", S("From: a\n\r\r\nbody"), 0, 0, "From=a|",
     "\r\r\nbody", 0, 0},
    {"LF ends, CRLF ends", S("From: a\n\r\nbody"), 0, 0, "From=a|", "body", 0,
     0},
    {"no end of headers", S("From: a\nTo: b"), 0, 0, "From=a|To=b|", "", 0, 0},
    {"last line CR", S("To: b\r"), 0, 0, "To=b|", "", 0, 0},
    {"empty input", S(""), 0, 0, "", "", 0, 0},
    {"only the empty line", S("\nbody"), 0, 0, "", "body", 0, 0},
    {"cut in the first line", S("Subject: 0123456789abcdef\n more\nTo: b\n\n"),
     16, 0, "Subject=0123456~|To=b|", "", 0, 0},
    {"cut at a fold", S("Subject: abc\n def\nTo: b\n\n"), 12, 0,
     "Subject=abc~|To=b|", "", 0, 0},
    {"cut inside a fold", S("Subject: abc\n def\n ghi\n\nx"), 16, 0,
     "Subject=abc\n de~|", "x", 0, 0},
    {"cut before the colon", S("Subject: abc\n\n"), 4, 0, "Subj=~|", "", 0, 0},
    {"exactly the limit", S("Subject: abc\n\n"), 12, 0, "Subject=abc|", "", 0,
     0},
    {"too many headers", S("A: 1\nB: 2\nC: 3\n D\nE: 5\n\nbody"), 0, 2,
     "A=1|B=2|", "body", 2, 0},
    {"received counted", S("Received: a\n b\nReceived: c\nX: y\n\n"), 0, 0,
     "Received=a\n b|Received=c|X=y|", "", 0, 2},
    {"resent blocks",
     S("Resent-Date: 1\nResent-From: a\nReceived: x\nResent-Date: 2\n"
       "Resent-date: 3\nresent-to: t\nFrom: b\n\n"),
     0, 0,
     "Resent-Date=1#1|Resent-From=a#1|Received=x|Resent-Date=2#2|"
     "Resent-date=3#3|resent-to=t#3|From=b|",
     "", 0, 1},
};

START_TEST(test_scan)
{
    HEADER_LIMITS lim;
    HEADER_PARSE *hp;
    STRBUF *log = strbuf_create(0);
    size_t off;

    header_parse_limits_init(&lim);
    if (scan_cases[_i].header_size)
        lim.header_size = scan_cases[_i].header_size;
    if (scan_cases[_i].max_headers)
        lim.max_headers = scan_cases[_i].max_headers;
    hp = header_parse_create(&lim, log_field, log);
    off = header_parse_buffer(hp, scan_cases[_i].in, scan_cases[_i].len);
    ck_assert_msg(strcmp(STR(log), scan_cases[_i].want) == 0, "%s: got \"%s\"",
                  scan_cases[_i].name, STR(log));
    ck_assert_uint_le(off, scan_cases[_i].len);
    ck_assert_msg(scan_cases[_i].len - off == strlen(scan_cases[_i].rest) &&
                      memcmp(scan_cases[_i].in + off, scan_cases[_i].rest,
                             scan_cases[_i].len - off) == 0,
                  "%s: body at %zu", scan_cases[_i].name, off);
    ck_assert_uint_eq(hp->discarded, scan_cases[_i].discarded);
    ck_assert_uint_eq(hp->received, scan_cases[_i].received);
    ck_assert_int_eq(hp->done, 1);
    header_parse_free(hp);
    strbuf_free(log);
}
END_TEST

/* big_field - record the one field of the overlong test */
static void
big_field(const HEADER_FIELD *f, void *context)
{
    size_t *seen = context;

    if (seen[0]++ == 0) {
        seen[1] = f->len;
        seen[2] = (size_t) f->truncated;
        seen[3] = f->lines;
    } else {
        ck_assert_str_eq(f->text, "To: b");
    }
}

/* A header far over header_size_limit keeps the limit and no more. */
START_TEST(test_overlong)
{
    size_t len = 300000;
    char *buf = mymalloc(len);
    size_t seen[4] = {0, 0, 0, 0};
    HEADER_LIMITS lim;
    HEADER_PARSE *hp;
    size_t i;

    memcpy(buf, "Subject: ", 9);
    for (i = 9; i < len; i++)
        buf[i] = (i % 100 == 0) ? '\n' : (i % 100 == 1) ? ' ' : 'x';
    memcpy(buf + len - 8, "\nTo: b\n\n", 8);
    header_parse_limits_init(&lim);
    hp = header_parse_create(&lim, big_field, seen);
    ck_assert_uint_eq(header_parse_buffer(hp, buf, len), len);
    ck_assert_uint_eq(seen[0], 2);
    ck_assert_uint_eq(seen[1], HEADER_SIZE_DEF);
    ck_assert_uint_eq(seen[2], 1);
    ck_assert_uint_eq(seen[3], 3000);
    ck_assert_uint_eq(hp->truncated, 1);
    header_parse_free(hp);
    myfree(buf);
}
END_TEST

/* Line by line, as cleanup feeds records. */
START_TEST(test_lines)
{
    HEADER_LIMITS lim;
    STRBUF *log = strbuf_create(0);
    HEADER_PARSE *hp;

    header_parse_limits_init(&lim);
    hp = header_parse_create(&lim, log_field, log);
    ck_assert_int_eq(header_parse_line(hp, S("From: a")), HEADER_PARSE_MORE);
    ck_assert_str_eq(STR(log), "");
    ck_assert_int_eq(header_parse_line(hp, S(" b")), HEADER_PARSE_MORE);
    ck_assert_int_eq(header_parse_line(hp, S("To: c")), HEADER_PARSE_MORE);
    ck_assert_str_eq(STR(log), "From=a\n b|");
    ck_assert_int_eq(header_parse_line(hp, S("")), HEADER_PARSE_END);
    ck_assert_str_eq(STR(log), "From=a\n b|To=c|");
    ck_assert_int_eq(header_parse_line(hp, S("X: y")), HEADER_PARSE_BODY);
    header_parse_end(hp);
    ck_assert_str_eq(STR(log), "From=a\n b|To=c|");
    ck_assert_uint_eq(hp->count, 2);
    header_parse_free(hp);
    strbuf_free(log);
}
END_TEST

static Suite *
header_parse_suite(void)
{
    Suite *s = suite_create("header_parse");
    TCase *tc = tcase_create("core");

    tcase_add_loop_test(tc, test_class, 0, NITEMS(class_cases));
    tcase_add_loop_test(tc, test_scan, 0, NITEMS(scan_cases));
    tcase_add_test(tc, test_overlong);
    tcase_add_test(tc, test_lines);
    suite_add_tcase(s, tc);
    return s;
}

TEST_MAIN(header_parse_suite)

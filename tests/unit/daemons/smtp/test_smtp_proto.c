/*
 * test_smtp_proto - the smtp client's pure parts: reply lines and
 * multi-line replies with enhanced codes, EHLO keywords, next hop
 * parsing, and dot-stuffing with line folding.
 */
#include <string.h>

#include "smtp.h"
#include "test_main.h"

/* Replies: lines joined by '\n'; want code, dsn, text; code 0: refused. */
static const struct {
    const char *name;
    const char *input;
    int code;
    const char *dsn;
    const char *text;
} replies[] = {
    {"plain", "250 Ok", 250, "2.0.0", "250 Ok"},
    {"enhanced", "250 2.1.5 Ok", 250, "2.1.5", "250 2.1.5 Ok"},
    {"code only", "354", 354, "3.0.0", "354"},
    {"multi-line", "550-5.1.1 first\n550 5.1.1 second", 550, "5.1.1",
     "550 5.1.1 first second"},
    {"class mismatch", "450 5.1.1 no", 450, "4.0.0", "450 5.1.1 no"},
    {"long subject", "451 4.123.456 x", 451, "4.123.456", "451 4.123.456 x"},
    {"too many digits", "451 4.1234.1 x", 451, "4.0.0", "451 4.1234.1 x"},
    {"code change", "250-a\n251 b", 0, NULL, NULL},
    {"no separator", "250x", 0, NULL, NULL},
    {"not digits", "2a0 x", 0, NULL, NULL},
    {"bad class", "650 x", 0, NULL, NULL},
    {"short", "25", 0, NULL, NULL},
};

START_TEST(test_reply)
{
    SMTP_REPLY *reply = smtp_reply_create();
    const char *p = replies[_i].input, *nl;
    int rc = 1;

    while (rc == 1) {
        nl = strchr(p, '\n');
        rc = smtp_reply_add(reply, p, nl ? (size_t) (nl - p) : strlen(p));
        p = nl ? nl + 1 : p + strlen(p);
    }
    if (replies[_i].code == 0) {
        ck_assert_msg(rc == -1, "%s: accepted", replies[_i].name);
    } else {
        ck_assert_msg(rc == 0 && *p == 0, "%s: rc %d", replies[_i].name, rc);
        ck_assert_int_eq(reply->code, replies[_i].code);
        ck_assert_str_eq(reply->dsn, replies[_i].dsn);
        ck_assert_str_eq(STR(reply->text), replies[_i].text);
    }
    smtp_reply_free(reply);
}
END_TEST

static const struct {
    const char *line;
    int feature;
    long size;
} keywords[] = {
    {"PIPELINING", SMTP_FEAT_PIPELINING, -1},
    {"pipelining", SMTP_FEAT_PIPELINING, -1},
    {"SIZE 10240000", SMTP_FEAT_SIZE, 10240000},
    {"SIZE", SMTP_FEAT_SIZE, 0},
    {"SIZE x", SMTP_FEAT_SIZE, 0},
    {"8BITMIME", SMTP_FEAT_8BITMIME, -1},
    {"SMTPUTF8", SMTP_FEAT_SMTPUTF8, -1},
    {"DSN", SMTP_FEAT_DSN, -1},
    {"DSNX", 0, -1},
    {"STARTTLS", SMTP_FEAT_STARTTLS, -1},
    {"AUTH PLAIN LOGIN", SMTP_FEAT_AUTH, -1},
    {"AUTH=PLAIN", 0, -1}, /* the old form: smtp_sasl_ehlo_mechs() */
    {"STARTTLSX", 0, -1},
    {"", 0, -1},
};

START_TEST(test_ehlo)
{
    long size = -1;

    ck_assert_int_eq(
        smtp_ehlo_keyword(keywords[_i].line, strlen(keywords[_i].line), &size),
        keywords[_i].feature);
    ck_assert_int_eq(size, keywords[_i].size);
}
END_TEST

/* Next hops: want kind, mx, host, port; host NULL: refused. */
static const struct {
    const char *input;
    int proto;
    int kind, mx;
    const char *host, *port;
} hops[] = {
    {"example.com", SMTP_PROTO_SMTP, SMTP_HOP_INET, 1, "example.com", ""},
    {"example.com:587", SMTP_PROTO_SMTP, SMTP_HOP_INET, 1, "example.com",
     "587"},
    {"[mail.example.com]", SMTP_PROTO_SMTP, SMTP_HOP_INET, 0,
     "mail.example.com", ""},
    {"[127.0.0.1]:2525", SMTP_PROTO_SMTP, SMTP_HOP_INET, 0, "127.0.0.1",
     "2525"},
    {"[ipv6:2001:db8::1]:25", SMTP_PROTO_SMTP, SMTP_HOP_INET, 0, "2001:db8::1",
     "25"},
    {"[::1]", SMTP_PROTO_SMTP, SMTP_HOP_INET, 0, "::1", ""},
    {"host:submission", SMTP_PROTO_SMTP, SMTP_HOP_INET, 1, "host",
     "submission"},
    {"inet:lmtp.example:24", SMTP_PROTO_LMTP, SMTP_HOP_INET, 0, "lmtp.example",
     "24"},
    {"lmtp.example", SMTP_PROTO_LMTP, SMTP_HOP_INET, 0, "lmtp.example", ""},
    {"unix:/run/lmtp.sock", SMTP_PROTO_LMTP, SMTP_HOP_UNIX, 0, "/run/lmtp.sock",
     ""},
    {"unix:/x", SMTP_PROTO_SMTP, 0, 0, NULL, NULL}, /* "/" in a host */
    {"[127.0.0.1", SMTP_PROTO_SMTP, 0, 0, NULL, NULL},
    {"[127.0.0.1]x", SMTP_PROTO_SMTP, 0, 0, NULL, NULL},
    {"[]", SMTP_PROTO_SMTP, 0, 0, NULL, NULL},
    {"", SMTP_PROTO_SMTP, 0, 0, NULL, NULL},
    {"host:", SMTP_PROTO_SMTP, 0, 0, NULL, NULL},
    {"host:2 5", SMTP_PROTO_SMTP, 0, 0, NULL, NULL},
    {"bad host", SMTP_PROTO_SMTP, 0, 0, NULL, NULL},
};

START_TEST(test_nexthop)
{
    SMTP_HOP hop = {0, 0, strbuf_create(10), strbuf_create(10)};
    STRBUF *why = strbuf_create(10);
    int rc = smtp_nexthop_parse(hops[_i].input, strlen(hops[_i].input),
                                hops[_i].proto, &hop, why);

    if (hops[_i].host == NULL) {
        ck_assert_msg(rc == -1, "%s: accepted", hops[_i].input);
        ck_assert_uint_gt(LEN(why), 0);
    } else {
        ck_assert_msg(rc == 0, "%s: %s", hops[_i].input, STR(why));
        ck_assert_int_eq(hop.kind, hops[_i].kind);
        ck_assert_int_eq(hop.mx, hops[_i].mx);
        ck_assert_str_eq(STR(hop.host), hops[_i].host);
        ck_assert_str_eq(STR(hop.port), hops[_i].port);
    }
    strbuf_free(hop.host);
    strbuf_free(hop.port);
    strbuf_free(why);
}
END_TEST

static const struct {
    const char *name, *line;
    size_t limit;
    const char *want;
} data_lines[] = {
    {"plain", "abc", 998, "abc\r\n"},
    {"empty", "", 998, "\r\n"},
    {"dot", ".", 998, "..\r\n"},
    {"leading dot", ".abc", 998, "..abc\r\n"},
    {"inner dot", "a.b", 998, "a.b\r\n"},
    {"folded", "abcdefgh", 4, "abcd\r\n efg\r\n h\r\n"},
    {"at the limit", "abcd", 4, "abcd\r\n"},
    {"no limit", "abcdefgh", 0, "abcdefgh\r\n"},
};

START_TEST(test_data_line)
{
    STRBUF *out = strbuf_create(10);

    smtp_data_line(out, data_lines[_i].line, strlen(data_lines[_i].line),
                   data_lines[_i].limit);
    ck_assert_msg(strcmp(STR(out), data_lines[_i].want) == 0, "%s: %s",
                  data_lines[_i].name, STR(out));
    strbuf_free(out);
}
END_TEST

static Suite *
smtp_proto_suite(void)
{
    Suite *s = suite_create("smtp_proto");
    TCase *tc = tcase_create("pure");

    tcase_add_loop_test(tc, test_reply, 0, NITEMS(replies));
    tcase_add_loop_test(tc, test_ehlo, 0, NITEMS(keywords));
    tcase_add_loop_test(tc, test_nexthop, 0, NITEMS(hops));
    tcase_add_loop_test(tc, test_data_line, 0, NITEMS(data_lines));
    suite_add_tcase(s, tc);
    return s;
}

TEST_MAIN(smtp_proto_suite)

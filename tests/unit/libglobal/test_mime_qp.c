/*
 * test_mime_qp - the 8-bit to 7-bit MIME downgrade filter.
 *
 * "exact" cases give a whole message and the whole expected output
 * (lines end in "\n" on both sides; the filter sees them without).
 * "roundtrip" cases put a body in a text/plain 8bit message, decode the
 * quoted-printable output with a small reference decoder written here
 * from RFC 2045 section 6.7, and compare it with the input bytes; every
 * output line must also be 7-bit, at most 76 characters, free of
 * trailing white space and not start with "--".  "errors" cases check the
 * limits and the output failure.  "python" hands a converted multipart
 * message to Python's email package, when python3 is there, which must
 * decode every part to the original text.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mime_qp.h"
#include "test_main.h"
#include "test_tmpdir.h"

/* test_out - collect output lines, each followed by "\n" */
static int
test_out(void *context, const char *line, size_t len)
{
    STRBUF *out = context;

    strbuf_memcat(out, line, len);
    strbuf_addch(out, '\n');
    return 0;
}

/* test_fail_out - an output that fails on its third line */
static int
test_fail_out(void *context, const char *line, size_t len)
{
    int *count = context;

    (void) line;
    (void) len;
    return ++*count >= 3 ? -1 : 0;
}

/* test_feed - run text through a filter line by line; 0 or -1 */
static int
test_feed(MIME_QP *m, const char *text, size_t len)
{
    const char *nl;
    size_t pos = 0, end;

    while (pos < len) {
        nl = memchr(text + pos, '\n', len - pos);
        end = nl ? (size_t) (nl - text) : len;
        if (mime_qp_line(m, text + pos, end - pos) < 0)
            return -1;
        pos = end + 1;
    }
    return mime_qp_finish(m);
}

/* test_run - the whole filter on text with the given limits */
static int
test_run(const MIME_QP_LIMITS *lim, const char *text, STRBUF *out,
         size_t *converted)
{
    MIME_QP *m = mime_qp_create(lim, test_out, out);
    int rc = test_feed(m, text, strlen(text));

    if (converted)
        *converted = m->converted;
    mime_qp_free(m);
    return rc;
}

#define MV  "MIME-Version: 1.0\n"
#define CT8 "Content-Type: text/plain; charset=utf-8\n"
#define TE8 "Content-Transfer-Encoding: 8bit\n"
#define TEQ "Content-Transfer-Encoding: quoted-printable\n"
#define TE7 "Content-Transfer-Encoding: 7bit\n"
#define HDR "From: a@example.com\nSubject: test\n"
#define MIX "Content-Type: multipart/mixed; boundary=\"b1\"\n"
#define A75                                                                    \
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" \
    "aaa"

static const struct {
    const char *name;
    const char *input;
    const char *want;
    size_t converted;
} exact[] = {
    {"plain 7-bit", HDR "\nhello\n\n.\nFrom me\n",
     HDR "\nhello\n\n.\nFrom me\n", 0},
    {"no MIME, 8-bit passes (Postfix)", HDR "\ncaf\xc3\xa9\n",
     HDR "\ncaf\xc3\xa9\n", 0},
    {"7bit label passes", MV TE7 "\ncaf\xc3\xa9\n", MV TE7 "\ncaf\xc3\xa9\n",
     0},
    {"text/plain 8bit", HDR MV CT8 TE8 "\ncaf\xc3\xa9\n",
     HDR MV CT8 TEQ "\ncaf=C3=A9\n", 1},
    {"8-bit header kept", "Subject: \xe9t\xe9\n" TE8 "\n\xe9\n",
     "Subject: \xe9t\xe9\n" TEQ "\n=E9\n", 1},
    {"equals", TE8 "\na=b\n", TEQ "\na=3Db\n", 1},
    {"trailing white space", TE8 "\nend \nend\t\n a b\n \n",
     TEQ "\nend=20\nend=09\n a b\n=20\n", 1},
    {"From and dot untouched", TE8 "\nFrom here\n.\n..x\n",
     TEQ "\nFrom here\n.\n..x\n", 1},
    {"leading dashes", TE8 "\n--x\n-y\n", TEQ "\n=2D-x\n-y\n", 1},
    {"controls", TE8 "\na\rb\x01\x7f\n", TEQ "\na=0Db=01=7F\n", 1},
    {"76 fits", TE8 "\n" A75 "b\n", TEQ "\n" A75 "b\n", 1},
    {"77 is cut", TE8 "\n" A75 "bc\n", TEQ "\n" A75 "=\nbc\n", 1},
    {"escape is not split",
     TE8 "\n"
         "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
         "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\xe9z\n",
     TEQ "\n"
         "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
         "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa=\n=E9z\n",
     1},
    {"escape ends a 76 line",
     TE8 "\n"
         "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
         "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\xe9\n",
     TEQ "\n"
         "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
         "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa=E9\n",
     1},
    {"escape past 76 moves",
     TE8 "\n"
         "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
         "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\xe9\n",
     TEQ "\n"
         "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
         "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa=\n=E9\n",
     1},
    {"dashes after a soft break", TE8 "\n" A75 "--x\n",
     TEQ "\n" A75 "=\n=2D-x\n", 1},
    {"binary", "Content-Transfer-Encoding: BINARY (raw)\n\n\xff\n",
     TEQ "\n=FF\n", 1},
    {"folded encoding header",
     "Content-Transfer-Encoding:\n   8bit\nX: y\n\n\xe9\n", TEQ "X: y\n\n=E9\n",
     1},
    {"first encoding header counts", TE8 TE7 "\n\xe9\n", TEQ TE7 "\n=E9\n", 1},
    {"7-bit content labelled 8bit", TE8 "\nplain\n", TEQ "\nplain\n", 1},
    {"base64 and qp pass",
     MV MIX "\n--b1\n"
            "Content-Transfer-Encoding: base64\n\nw6k=\n--b1\n" TEQ
            "\n\xe9\n--b1--\n",
     MV MIX "\n--b1\n"
            "Content-Transfer-Encoding: base64\n\nw6k=\n--b1\n" TEQ
            "\n\xe9\n--b1--\n",
     0},
    {"multipart, preamble and epilogue",
     MV MIX TE8 "\npreamble\n\n--b1\n"
                "\n7-bit part\n--b1\n" CT8 TE8
                "\n\xe9t\xe9\n\n--b1--\nepilogue\n",
     MV MIX TE7 "\npreamble\n\n--b1\n"
                "\n7-bit part\n--b1\n" CT8 TEQ
                "\n=E9t=E9\n\n--b1--\nepilogue\n",
     1},
    {"transport padding", MV MIX "\n--b1  \n" TE8 "\n\xe9\n--b1-- \t\nend\n",
     MV MIX "\n--b1  \n" TEQ "\n=E9\n--b1-- \t\nend\n", 1},
    {"mixed in alternative",
     MV "Content-Type: multipart/alternative;\n boundary=outer\n\n"
        "--outer\n" TE8 "\n\xe9\n--outer\n"
        "Content-Type: multipart/mixed; boundary=\"inner\"\n\n"
        "--inner\n" TE8 "\n\xe8\n--inner\n\nplain\n--inner--\n"
        "--outer\n" TE8 "\n\xea\n--outer--\n",
     MV "Content-Type: multipart/alternative;\n boundary=outer\n\n"
        "--outer\n" TEQ "\n=E9\n--outer\n"
        "Content-Type: multipart/mixed; boundary=\"inner\"\n\n"
        "--inner\n" TEQ "\n=E8\n--inner\n\nplain\n--inner--\n"
        "--outer\n" TEQ "\n=EA\n--outer--\n",
     3},
    {"outer boundary closes inner",
     MV MIX "\n--b1\n"
            "Content-Type: multipart/mixed; boundary=b2\n\n--b2\n" TE8
            "\n\xe9\n"
            "--b1\n" TE8 "\n\xe8\n--b1--\n",
     MV MIX "\n--b1\n"
            "Content-Type: multipart/mixed; boundary=b2\n\n--b2\n" TEQ "\n=E9\n"
            "--b1\n" TEQ "\n=E8\n--b1--\n",
     2},
    {"message/rfc822 in multipart",
     MV MIX "\n--b1\n"
            "Content-Type: message/rfc822\n" TE8 "\n"
            "Subject: inner \xe9\n" MV CT8 TE8 "\nin\xe9r\n--b1--\n",
     MV MIX "\n--b1\n"
            "Content-Type: message/rfc822\n" TE7 "\n"
            "Subject: inner \xe9\n" MV CT8 TEQ "\nin=E9r\n--b1--\n",
     1},
    {"message/rfc822 with a multipart",
     MV MIX "\n--b1\n"
            "Content-Type: message/rfc822\n\n"
            "Content-Type: multipart/mixed; boundary=b2\n\n--b2\n" TE8
            "\n\xe9\n"
            "--b2--\n--b1\n" TE8 "\n\xe8\n--b1--\n",
     MV MIX "\n--b1\n"
            "Content-Type: message/rfc822\n\n"
            "Content-Type: multipart/mixed; boundary=b2\n\n--b2\n" TEQ "\n=E9\n"
            "--b2--\n--b1\n" TEQ "\n=E8\n--b1--\n",
     2},
    {"digest parts are messages",
     MV "Content-Type: multipart/digest; boundary=d\n\n--d\n\n" TE8
        "\n\xe9\n--d--\n",
     MV "Content-Type: multipart/digest; boundary=d\n\n--d\n\n" TEQ
        "\n=E9\n--d--\n",
     1},
    {"comments and quoted boundary",
     MV "Content-Type: (c) multipart/mixed (x) ; (y) charset=\"a;b\";\n"
        " BOUNDARY = \"q \\\"b:\" (z)\n\n--q \"b:\n" TE8 "\n\xe9\n--q \"b:--\n",
     MV "Content-Type: (c) multipart/mixed (x) ; (y) charset=\"a;b\";\n"
        " BOUNDARY = \"q \\\"b:\" (z)\n\n--q \"b:\n" TEQ "\n=E9\n--q \"b:--\n",
     1},
    {"no boundary: a leaf", "Content-Type: multipart/mixed\n" TE8 "\n\xe9\n",
     "Content-Type: multipart/mixed\n" TEQ "\n=E9\n", 1},
    {"bad type is text/plain", "Content-Type: multipart\n" TE8 "\n\xe9\n",
     "Content-Type: multipart\n" TEQ "\n=E9\n", 1},
    {"encoded multipart is opaque",
     MIX "Content-Transfer-Encoding: base64\n\n--b1\n" TE8 "\n\xe9\n",
     MIX "Content-Transfer-Encoding: base64\n\n--b1\n" TE8 "\n\xe9\n", 0},
    {"boundary inside part headers",
     MV MIX "\n--b1\n" TE8 "--b1\n" TE8 "\n\xe9\n",
     MV MIX "\n--b1\n" TE8 "--b1\n" TEQ "\n=E9\n", 1},
    {"body line ends headers", TE8 "no header\n\xe9\n", TEQ "no header\n=E9\n",
     1},
    {"headers only", HDR TE8, HDR TE8, 0},
    {"unclosed multipart", MV MIX "\n--b1\n" TE8 "\n\xe9\n",
     MV MIX "\n--b1\n" TEQ "\n=E9\n", 1},
    {"prefix of a boundary is content", MV MIX "\n--b1\n" TE8 "\n--b\n--b1--\n",
     MV MIX "\n--b1\n" TEQ "\n=2D-b\n--b1--\n", 1},
};

START_TEST(test_exact)
{
    MIME_QP_LIMITS lim;
    STRBUF *out = strbuf_create(100);
    size_t converted = 0;

    mime_qp_limits_init(&lim);
    ck_assert_msg(test_run(&lim, exact[_i].input, out, &converted) == 0,
                  "%s: failed", exact[_i].name);
    ck_assert_msg(strcmp(STR(out), exact[_i].want) == 0,
                  "%s: got\n%s\nwant\n%s", exact[_i].name, STR(out),
                  exact[_i].want);
    ck_assert_msg(converted == exact[_i].converted, "%s: converted %zu",
                  exact[_i].name, converted);
    strbuf_free(out);
}
END_TEST

/* test_hex - one hex digit of a decoder's input, or -1 */
static int
test_hex(int ch)
{
    if (ch >= '0' && ch <= '9')
        return ch - '0';
    if (ch >= 'A' && ch <= 'F')
        return ch - 'A' + 10;
    return -1;
}

/* test_qp_decode - RFC 2045 6.7 decoding of one encoded line into out;
 * 1 when it ends with a soft break, -1 when malformed */
static int
test_qp_decode(const char *s, size_t len, STRBUF *out)
{
    size_t i;
    int hi, lo;

    for (i = 0; i < len; i++) {
        if (s[i] != '=') {
            strbuf_addch(out, s[i]);
            continue;
        }
        if (i + 1 == len)
            return 1;
        if (i + 2 >= len || (hi = test_hex(s[i + 1])) < 0 ||
            (lo = test_hex(s[i + 2])) < 0)
            return -1;
        strbuf_addch(out, hi * 16 + lo);
        i += 2;
    }
    return 0;
}

/* test_check_line - the shape every encoded line must have */
static void
test_check_line(const char *name, const char *s, size_t len)
{
    size_t i;

    ck_assert_msg(len <= MIME_QP_LINE_MAX, "%s: line of %zu", name, len);
    for (i = 0; i < len; i++)
        ck_assert_msg(((unsigned char) s[i] >= 32 || s[i] == '\t') &&
                          (unsigned char) s[i] < 127,
                      "%s: byte %02x", name, (unsigned char) s[i]);
    ck_assert_msg(len == 0 || (s[len - 1] != ' ' && s[len - 1] != '\t'),
                  "%s: trailing white space", name);
    ck_assert_msg(len < 2 || s[0] != '-' || s[1] != '-', "%s: dashes", name);
}

/* test_decode_body - decode the body of a converted message */
static void
test_decode_body(const char *name, const char *text, STRBUF *body)
{
    const char *p = strstr(text, "\n\n"), *nl;
    int soft = 0;

    ck_assert_msg(p != NULL, "%s: no body", name);
    for (p += 2; *p; p = nl + 1) {
        nl = strchr(p, '\n');
        test_check_line(name, p, (size_t) (nl - p));
        soft = test_qp_decode(p, (size_t) (nl - p), body);
        ck_assert_msg(soft >= 0, "%s: bad escape", name);
        if (!soft)
            strbuf_addch(body, '\n');
    }
    ck_assert_msg(!soft, "%s: ends in a soft break", name);
}

static const struct {
    const char *name;
    const char *body; /* lines end in "\n" */
    size_t len;
} roundtrip[] = {
#define RT(name, s)                                                            \
    {                                                                          \
        name, s, sizeof(s) - 1                                                 \
    }
    RT("utf-8", "Gr\xc3\xbc\xc3\x9f Gott\ncaf\xc3\xa9 = tea?\n"),
    RT("controls and NUL", "a\0b\r\x01\x1f\x7f\n\0\n"),
    RT("white space", " \t \n\t\nx  \n  y  \t\n\n\n"),
    RT("long 8-bit", "\xe9\xe9\xe9\xe9\xe9\xe9\xe9\xe9\xe9\xe9\xe9\xe9\xe9"
                     "\xe9\xe9\xe9\xe9\xe9\xe9\xe9\xe9\xe9\xe9\xe9\xe9\xe9"
                     "\xe9\xe9\xe9\xe9\xe9\xe9\xe9\xe9\xe9\xe9\xe9\xe9\xe9 \n"),
    RT("long mixed", A75 " " A75 "=" A75 "\xff" A75 " \n"),
    RT("dashes", "--\n--b1\n-\n" A75 "--" A75 "\n"),
    RT("equals", "=\n==\n=3D\n=\n"),
    RT("spaces at the cut",
       "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
       "aaaaaaaaaaaaaaaaaaaaaaaaa                       \n"),
};

START_TEST(test_roundtrip)
{
    MIME_QP_LIMITS lim;
    STRBUF *in = strbuf_create(100);
    STRBUF *out = strbuf_create(100);
    STRBUF *body = strbuf_create(100);
    MIME_QP *m;

    mime_qp_limits_init(&lim);
    strbuf_strcpy(in, MV CT8 TE8 "\n");
    strbuf_memcat(in, roundtrip[_i].body, roundtrip[_i].len);
    m = mime_qp_create(&lim, test_out, out);
    ck_assert_int_eq(test_feed(m, STR(in), LEN(in)), 0);
    mime_qp_free(m);
    ck_assert_msg(strncmp(STR(out), MV CT8 TEQ "\n", strlen(MV CT8 TEQ)) == 0,
                  "%s: headers", roundtrip[_i].name);
    test_decode_body(roundtrip[_i].name, STR(out), body);
    ck_assert_msg(LEN(body) == roundtrip[_i].len &&
                      memcmp(STR(body), roundtrip[_i].body, LEN(body)) == 0,
                  "%s: decodes to %s", roundtrip[_i].name, STR(body));
    strbuf_free(in);
    strbuf_free(out);
    strbuf_free(body);
}
END_TEST

/* test_all_bytes - every byte value but LF survives the round trip */
START_TEST(test_all_bytes)
{
    MIME_QP_LIMITS lim;
    STRBUF *in = strbuf_create(100);
    STRBUF *out = strbuf_create(100);
    STRBUF *body = strbuf_create(100);
    size_t start;
    MIME_QP *m;
    int ch;

    mime_qp_limits_init(&lim);
    strbuf_strcpy(in, TE8 "\n");
    start = LEN(in);
    for (ch = 0; ch < 256; ch++)
        if (ch != '\n')
            strbuf_addch(in, ch);
    strbuf_addch(in, '\n');
    m = mime_qp_create(&lim, test_out, out);
    ck_assert_int_eq(test_feed(m, STR(in), LEN(in)), 0);
    mime_qp_free(m);
    test_decode_body("all bytes", STR(out), body);
    ck_assert_uint_eq(LEN(body), LEN(in) - start);
    ck_assert(memcmp(STR(body), STR(in) + start, LEN(body)) == 0);
    strbuf_free(in);
    strbuf_free(out);
    strbuf_free(body);
}
END_TEST

static const struct {
    const char *name;
    size_t nesting, header_size, boundary_len;
    const char *input;
    int want; /* MIME_QP_OK or MIME_QP_ERR_* */
} errors[] = {
    {"three levels fit", 3, 1000, 100,
     "Content-Type: multipart/mixed; boundary=a\n\n--a\n"
     "Content-Type: multipart/mixed; boundary=b\n\n--b\n"
     "Content-Type: message/rfc822\n\nX: y\n\nbody\n",
     MIME_QP_OK},
    {"four levels fail", 3, 1000, 100,
     "Content-Type: multipart/mixed; boundary=a\n\n--a\n"
     "Content-Type: multipart/mixed; boundary=b\n\n--b\n"
     "Content-Type: message/rfc822\n\n"
     "Content-Type: multipart/mixed; boundary=c\n\n--c\n\nbody\n",
     MIME_QP_ERR_NESTING},
    {"levels are closed again", 1, 1000, 100,
     "Content-Type: multipart/mixed; boundary=a\n\n--a\n\nx\n--a--\n",
     MIME_QP_OK},
    {"header block at the limit", 10, 10, 100, "X: 12345\n\nbody\n",
     MIME_QP_OK},
    {"header block over the limit", 10, 10, 100, "X: 12345\nY: 1\n\nbody\n",
     MIME_QP_ERR_HEADER},
    {"part headers over the limit", 10, 50, 100,
     "Content-Type: multipart/mixed; boundary=a\n\n--a\n"
     "X: 1234567890123456789012345678901234567890123456789\n\nx\n",
     MIME_QP_ERR_HEADER},
    {"long boundary is cut", 10, 1000, 3,
     "Content-Type: multipart/mixed; boundary=abcdef\n\n--abcxyz\n"
     "Content-Type: multipart/mixed; boundary=a\n\n--a\n\nx\n",
     MIME_QP_OK},
};

START_TEST(test_errors)
{
    MIME_QP_LIMITS lim;
    STRBUF *out = strbuf_create(100);
    MIME_QP *m;
    int rc;

    lim.nesting_limit = errors[_i].nesting;
    lim.header_size = errors[_i].header_size;
    lim.boundary_len = errors[_i].boundary_len;
    m = mime_qp_create(&lim, test_out, out);
    rc = test_feed(m, errors[_i].input, strlen(errors[_i].input));
    ck_assert_msg(mime_qp_status(m) == errors[_i].want, "%s: status %d (%s)",
                  errors[_i].name, mime_qp_status(m), mime_qp_reason(m));
    ck_assert_int_eq(rc, errors[_i].want == MIME_QP_OK ? 0 : -1);
    if (rc < 0) {
        /* A stopped filter stays stopped. */
        ck_assert_int_eq(mime_qp_line(m, "x", 1), -1);
        ck_assert_int_eq(mime_qp_finish(m), -1);
        ck_assert_ptr_nonnull(strstr(mime_qp_reason(m), "exceeds"));
    } else {
        ck_assert_str_eq(STR(out), errors[_i].input);
    }
    mime_qp_free(m);
    strbuf_free(out);
}
END_TEST

/* test_output_failure - the out function's -1 stops the filter */
START_TEST(test_output_failure)
{
    MIME_QP_LIMITS lim;
    MIME_QP *m;
    int count = 0;

    mime_qp_limits_init(&lim);
    m = mime_qp_create(&lim, test_fail_out, &count);
    ck_assert_int_eq(mime_qp_line(m, "X: y", 4), 0);
    ck_assert_int_eq(mime_qp_line(m, "", 0), 0);
    ck_assert_int_eq(mime_qp_line(m, "a", 1), -1);
    ck_assert_int_eq(mime_qp_status(m), MIME_QP_ERR_OUTPUT);
    ck_assert_int_eq(mime_qp_line(m, "b", 1), -1);
    ck_assert_int_eq(count, 3);
    ck_assert_ptr_null(mime_qp_free(m));
}
END_TEST

/* A message for Python's email package: it must decode to the text. */
static const char py_message[] =
    "From: a@example.com\n" MV
    "Content-Type: multipart/mixed; boundary=\"=_outer\"\n" TE8 "\n"
    "--=_outer\n" CT8 TE8 "\ncaf\xc3\xa9 " A75 "\xc3\xa9 =\n"
    "--=_outer\nContent-Type: message/rfc822\n" TE8 "\n"
    "Subject: inner\n" MV
    "Content-Type: multipart/alternative; boundary=alt\n\n"
    "--alt\n" CT8 "Content-Transfer-Encoding: binary\n\n"
    "--not a boundary \xe2\x82\xac\n--alt--\n"
    "--=_outer--\n";

static const char py_script[] =
    "import email, email.policy, sys\n"
    "m = email.message_from_binary_file(open(sys.argv[1], 'rb'))\n"
    "got = [p.get_payload(decode=True) for p in m.walk()\n"
    "       if not p.is_multipart()]\n"
    "want = [('caf\\u00e9 ' + 'a' * 75 + '\\u00e9 =').encode(),\n"
    "        '--not a boundary \\u20ac'.encode()]\n"
    "sys.exit(0 if got == want else print(got) or 1)\n";

START_TEST(test_python)
{
    MIME_QP_LIMITS lim;
    STRBUF *out = strbuf_create(100);
    FILE *fp;
    int rc;

    if (system("python3 -c 'import email' >/dev/null 2>&1") != 0)
        return; /* no Python here: nothing to compare with */
    mime_qp_limits_init(&lim);
    ck_assert_int_eq(test_run(&lim, py_message, out, NULL), 0);
    ck_assert_ptr_nonnull(fp = fopen("msg.eml", "w"));
    fwrite(STR(out), 1, LEN(out), fp);
    fclose(fp);
    ck_assert_ptr_nonnull(fp = fopen("check.py", "w"));
    fputs(py_script, fp);
    fclose(fp);
    rc = system("python3 check.py msg.eml");
    ck_assert_msg(rc == 0, "python3 decodes differently:\n%s", STR(out));
    strbuf_free(out);
}
END_TEST

static Suite *
mime_qp_suite(void)
{
    Suite *s = suite_create("mime_qp");
    TCase *tc = tcase_create("filter");
    TCase *py = tcase_create("python");

    tcase_add_loop_test(tc, test_exact, 0, NITEMS(exact));
    tcase_add_loop_test(tc, test_roundtrip, 0, NITEMS(roundtrip));
    tcase_add_test(tc, test_all_bytes);
    tcase_add_loop_test(tc, test_errors, 0, NITEMS(errors));
    tcase_add_test(tc, test_output_failure);
    suite_add_tcase(s, tc);
    TMPDIR_FIXTURES(py);
    tcase_add_test(py, test_python);
    suite_add_tcase(s, py);
    return s;
}

TEST_MAIN(mime_qp_suite)

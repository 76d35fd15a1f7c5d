/*
 * fuzz_mime_qp - libFuzzer target for the 8-bit to 7-bit MIME downgrade.
 *
 * The first two bytes choose the limits: nesting_limit 1..8 (0: the
 * default), and header_size 16..4096 in steps of 16 (0: the default); a
 * byte 0 with its top bit set instead makes the output fail after a few
 * lines.  The rest is message content, split into lines at LF.
 *
 * Checks: every output line either is well-formed quoted-printable (at
 * most 76 characters of printable ASCII or HT, no white space at the
 * end, no "--" at the start, "=" only before two upper-case hex digits or
 * at the end) or is an input line unchanged, those in input order; the
 * output never holds more 8-bit bytes than the input; and when the filter
 * succeeds, running its output through a second filter converts nothing
 * and changes nothing: every part labelled 8bit or binary was converted,
 * every composite was relabelled, no encoded line was taken for a
 * boundary.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mime_qp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct FUZZ_OUT {
    const char *in; /* the input, to match unchanged lines */
    size_t in_len;
    size_t in_pos;  /* where the next unchanged line is looked for */
    STRBUF *text;   /* output lines, each followed by LF */
    size_t eight;   /* 8-bit bytes in the output */
    size_t fail_at; /* fail on this line (0: never) */
    size_t lines;   /* lines so far */
} FUZZ_OUT;

/* fuzz_eight - 8-bit bytes in a buffer */
static size_t
fuzz_eight(const char *s, size_t len)
{
    size_t i, n = 0;

    for (i = 0; i < len; i++)
        n += (unsigned char) s[i] >= 0x80;
    return n;
}

/* fuzz_hex - an upper-case hex digit */
static int
fuzz_hex(int ch)
{
    return (ch >= '0' && ch <= '9') || (ch >= 'A' && ch <= 'F');
}

/* fuzz_qp_ok - is the line well-formed quoted-printable output */
static int
fuzz_qp_ok(const char *s, size_t len)
{
    size_t i;
    int ch;

    if (len > MIME_QP_LINE_MAX || (len >= 2 && s[0] == '-' && s[1] == '-') ||
        (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t')))
        return 0;
    for (i = 0; i < len; i++) {
        ch = (unsigned char) s[i];
        if ((ch < 32 && ch != '\t') || ch > 126)
            return 0;
        if (ch != '=' || i + 1 == len)
            continue;
        if (i + 2 >= len || !fuzz_hex(s[i + 1]) || !fuzz_hex(s[i + 2]))
            return 0;
        i += 2;
    }
    return 1;
}

/* fuzz_unchanged - find the line among the input lines from in_pos */
static int
fuzz_unchanged(FUZZ_OUT *fo, const char *line, size_t len)
{
    const char *nl;
    size_t start, end;

    while (fo->in_pos < fo->in_len) {
        start = fo->in_pos;
        nl = memchr(fo->in + start, '\n', fo->in_len - start);
        end = nl ? (size_t) (nl - fo->in) : fo->in_len;
        fo->in_pos = end + 1;
        if (end - start == len && memcmp(fo->in + start, line, len) == 0)
            return 1;
    }
    return 0;
}

/* fuzz_out - collect and check one output line */
static int
fuzz_out(void *context, const char *line, size_t len)
{
    FUZZ_OUT *fo = context;

    if (memchr(line, '\n', len) != NULL ||
        (!fuzz_qp_ok(line, len) && !fuzz_unchanged(fo, line, len)))
        abort();
    if (fo->fail_at && ++fo->lines >= fo->fail_at)
        return -1;
    fo->eight += fuzz_eight(line, len);
    strbuf_memcat(fo->text, line, len);
    strbuf_addch(fo->text, '\n');
    return 0;
}

/* fuzz_run - the filter over buf, split at LF; its status */
static int
fuzz_run(const MIME_QP_LIMITS *lim, const char *buf, size_t len, FUZZ_OUT *fo,
         size_t *converted)
{
    MIME_QP *m = mime_qp_create(lim, fuzz_out, fo);
    const char *nl;
    size_t pos = 0, end;
    int status;

    while (pos < len) {
        nl = memchr(buf + pos, '\n', len - pos);
        end = nl ? (size_t) (nl - buf) : len;
        if (mime_qp_line(m, buf + pos, end - pos) < 0)
            break;
        pos = end + 1;
    }
    (void) mime_qp_finish(m);
    status = mime_qp_status(m);
    *converted = m->converted;
    mime_qp_free(m);
    return status;
}

/* LLVMFuzzerTestOneInput - filter, check, filter again */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    MIME_QP_LIMITS lim;
    FUZZ_OUT fo1 = {NULL, 0, 0, strbuf_create(0), 0, 0, 0};
    FUZZ_OUT fo2 = {NULL, 0, 0, strbuf_create(0), 0, 0, 0};
    const char *buf;
    size_t conv1, conv2;
    int st1, st2;

    mime_qp_limits_init(&lim);
    if (size >= 2) {
        if (data[0] & 0x80)
            fo1.fail_at = (data[0] & 0x7f) + 1;
        else if (data[0] != 0)
            lim.nesting_limit = data[0] % 8 + 1;
        if (data[1] != 0)
            lim.header_size = (size_t) data[1] * 16;
        data += 2;
        size -= 2;
    }
    buf = (const char *) data;
    fo1.in = buf;
    fo1.in_len = size;
    st1 = fuzz_run(&lim, buf, size, &fo1, &conv1);
    if (fo1.eight > fuzz_eight(buf, size) ||
        (fo1.fail_at == 0 && st1 == MIME_QP_ERR_OUTPUT))
        abort();
    if (st1 == MIME_QP_OK) {
        /* The rewritten headers may be longer: no header limit here. */
        lim.header_size = SIZE_MAX / 2;
        fo2.in = STR(fo1.text);
        fo2.in_len = LEN(fo1.text);
        st2 = fuzz_run(&lim, STR(fo1.text), LEN(fo1.text), &fo2, &conv2);
        if (st2 != MIME_QP_OK || conv2 != 0 || LEN(fo1.text) != LEN(fo2.text) ||
            memcmp(STR(fo1.text), STR(fo2.text), LEN(fo1.text)) != 0)
            abort();
    }
    strbuf_free(fo1.text);
    strbuf_free(fo2.text);
    return 0;
}

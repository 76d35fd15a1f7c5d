/*
 * fuzz_header - libFuzzer target for the header scanner.
 *
 * The first two bytes choose the limits (header_size 1..256 or the
 * default, max_headers 1..16 or the default) so that truncation and
 * dropping are reached; the rest is message content.  It is scanned as a
 * buffer and again line by line (as cleanup feeds records), and both must
 * give the same headers and the same body offset.  Every header must
 * keep within its limit and its fields within its text; anything else
 * aborts.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "header_parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* fuzz_field - check one header and log it */
static void
fuzz_field(const HEADER_FIELD *f, void *context)
{
    STRBUF *log = context;

    if (f->text[f->len] != 0 || f->name_len == 0 || f->name_len > f->len ||
        f->value < f->text || f->value + f->value_len != f->text + f->len ||
        f->lines == 0)
        abort();
    strbuf_memcat(log, f->text, f->len);
    strbuf_sprintf_cat(log, "|%d|%d|%zu\n", f->truncated, f->resent_block,
                       f->lines);
}

/* fuzz_lines - feed content line by line; returns the body offset */
static size_t
fuzz_lines(HEADER_PARSE *hp, const char *buf, size_t len)
{
    const char *nl;
    size_t pos = 0, end, next;

    while (pos < len) {
        nl = memchr(buf + pos, '\n', len - pos);
        next = nl ? (size_t) (nl - buf) + 1 : len;
        end = nl ? (size_t) (nl - buf) : len;
        if (end > pos && buf[end - 1] == '\r')
            end--;
        switch (header_parse_line(hp, buf + pos, end - pos)) {
            case HEADER_PARSE_BODY:
                header_parse_end(hp);
                return pos;
            case HEADER_PARSE_END:
                return next;
        }
        pos = next;
    }
    header_parse_end(hp);
    return pos;
}

/* LLVMFuzzerTestOneInput - scan twice, compare */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    HEADER_LIMITS lim;
    STRBUF *log1 = strbuf_create(0);
    STRBUF *log2 = strbuf_create(0);
    HEADER_PARSE *hp1, *hp2;
    const char *buf;
    size_t len, off1, off2;

    header_parse_limits_init(&lim);
    if (size >= 2) {
        if (data[0] != 0)
            lim.header_size = data[0];
        if (data[1] != 0)
            lim.max_headers = data[1] % 16 + 1;
        data += 2;
        size -= 2;
    }
    buf = (const char *) data;
    len = size;
    hp1 = header_parse_create(&lim, fuzz_field, log1);
    hp2 = header_parse_create(&lim, fuzz_field, log2);
    off1 = header_parse_buffer(hp1, buf, len);
    off2 = fuzz_lines(hp2, buf, len);
    if (off1 > len || off1 != off2 || !hp1->done || !hp2->done ||
        LEN(log1) != LEN(log2) || memcmp(STR(log1), STR(log2), LEN(log1)) ||
        hp1->count > lim.max_headers || hp1->count != hp2->count ||
        hp1->discarded != hp2->discarded)
        abort();
    header_parse_free(hp1);
    header_parse_free(hp2);
    strbuf_free(log1);
    strbuf_free(log2);
    return 0;
}

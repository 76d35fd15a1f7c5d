/*
 * smtp_reply - the pure parts of the SMTP client's protocol: reply lines
 * (RFC 5321 section 4.2, multi-line replies), enhanced status codes
 * (RFC 2034, RFC 3463), EHLO keywords and the DATA transparency rule.
 *
 * Every function takes pointer + length and has no side effects beyond
 * its result arguments.  A reply keeps at most SMTP_REPLY_LINES_MAX
 * lines and SMTP_REPLY_TEXT_MAX bytes of text; lines past that are
 * parsed (so the reply ends where it should) but not kept.
 */
#include <ctype.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mymalloc.h"
#include "smtp.h"
#include "stringops.h"

#define SMTP_REPLY_TEXT_MAX 8192

/* smtp_reply_create - an empty reply the caller owns */
SMTP_REPLY *
smtp_reply_create(void)
{
    SMTP_REPLY *reply = mycalloc(1, sizeof(*reply));

    reply->text = strbuf_create(100);
    strbuf_set_limit(reply->text, SMTP_REPLY_TEXT_MAX);
    reply->lines = argv_alloc(4);
    return reply;
}

/* smtp_reply_free - release a reply */
void
smtp_reply_free(SMTP_REPLY *reply)
{
    strbuf_free(reply->text);
    argv_free(reply->lines);
    myfree(reply);
}

/* smtp_reply_reset - forget the previous reply */
void
smtp_reply_reset(SMTP_REPLY *reply)
{
    reply->code = 0;
    reply->dsn[0] = 0;
    strbuf_reset(reply->text);
    argv_truncate(reply->lines, 0);
}

/* smtp_reply_line - "NNN", "NNN text" or "NNN-text"; -1 when malformed */
int
smtp_reply_line(const char *line, size_t len, int *code, int *more)
{
    if (len < 3 || line[0] < '2' || line[0] > '5' ||
        !isdigit((unsigned char) line[1]) || !isdigit((unsigned char) line[2]))
        return -1;
    if (len > 3 && line[3] != ' ' && line[3] != '-')
        return -1;
    *code = (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0');
    *more = len > 3 && line[3] == '-';
    return 0;
}

/* smtp_digits - how many digits (1-3) start text; 0 when none or more */
static size_t
smtp_digits(const char *text, size_t len)
{
    size_t n = 0;

    while (n < len && n < 4 && isdigit((unsigned char) text[n]))
        n++;
    return n >= 1 && n <= 3 ? n : 0;
}

/*
 * smtp_reply_enhanced - an RFC 3463 code "C.S.D" at the start of text
 * whose class C matches the reply code; copies it into dsn and returns
 * the bytes it takes (with the space after it), or 0 when there is none.
 */
size_t
smtp_reply_enhanced(const char *text, size_t len, int code, char *dsn,
                    size_t size)
{
    size_t s, d, n;

    if (len < 5 || text[0] != '0' + code / 100 || text[1] != '.')
        return 0;
    if ((s = smtp_digits(text + 2, len - 2)) == 0 || 2 + s >= len ||
        text[2 + s] != '.')
        return 0;
    if ((d = smtp_digits(text + 3 + s, len - 3 - s)) == 0)
        return 0;
    n = 3 + s + d;
    if ((n < len && text[n] != ' ') || n + 1 > size)
        return 0;
    memcpy(dsn, text, n);
    dsn[n] = 0;
    return n < len ? n + 1 : n;
}

/* smtp_reply_keep - remember one line's text (after the code) */
static void
smtp_reply_keep(SMTP_REPLY *reply, const char *text, size_t len, int first)
{
    size_t skip;
    char dsn[16];

    if (reply->lines->argc < SMTP_REPLY_LINES_MAX)
        argv_addn(reply->lines, text,
                  len < SMTP_REPLY_LINE_MAX ? len : SMTP_REPLY_LINE_MAX);
    skip = smtp_reply_enhanced(text, len, reply->code, dsn, sizeof(dsn));
    if (first && skip > 0)
        memcpy(reply->dsn, dsn, sizeof(dsn));
    if (!first) {
        if (skip > 0 && strcmp(dsn, reply->dsn) == 0) {
            text += skip;
            len -= skip;
        }
        if (len > 0)
            strbuf_addch(reply->text, ' ');
    }
    strbuf_memcat(reply->text, text, len);
}

/*
 * smtp_reply_add - one more line of a reply (CR and LF removed); 1 when
 * more lines follow, 0 when the reply is complete, -1 when the line is
 * malformed or its code differs from the first line's.
 */
int
smtp_reply_add(SMTP_REPLY *reply, const char *line, size_t len)
{
    int code, more, first = reply->code == 0;
    const char *text = len > 4 ? line + 4 : line + len;

    if (smtp_reply_line(line, len, &code, &more) < 0)
        return -1;
    if (!first && code != reply->code)
        return -1;
    if (first) {
        reply->code = code;
        strbuf_memcpy(reply->text, line, 3);
        strbuf_addch(reply->text, ' ');
    }
    smtp_reply_keep(reply, text, (size_t) (line + len - text), first);
    if (!more && reply->dsn[0] == 0)
        snprintf(reply->dsn, sizeof(reply->dsn), "%d.0.0", code / 100);
    if (!more && LEN(reply->text) > 0 &&
        STR(reply->text)[LEN(reply->text) - 1] == ' ')
        strbuf_truncate(reply->text, LEN(reply->text) - 1);
    return more;
}

/* The EHLO keywords the client uses (RFC 5321 section 4.1.1.1). */
static const struct {
    const char *name;
    int feature;
} smtp_keywords[] = {
    {"PIPELINING", SMTP_FEAT_PIPELINING}, /* RFC 2920 */
    {"SIZE", SMTP_FEAT_SIZE},             /* RFC 1870 */
    {"8BITMIME", SMTP_FEAT_8BITMIME},     /* RFC 6152 */
    {"SMTPUTF8", SMTP_FEAT_SMTPUTF8},     /* RFC 6531 */
    {"DSN", SMTP_FEAT_DSN},               /* RFC 3461 */
    {"STARTTLS", SMTP_FEAT_STARTTLS},     /* RFC 3207 */
    {"AUTH", SMTP_FEAT_AUTH},             /* RFC 4954 */
};

/*
 * smtp_ehlo_keyword - the feature one EHLO line announces, 0 for none;
 * SIZE's argument goes to *size_limit (0: no limit or none given).
 */
int
smtp_ehlo_keyword(const char *line, size_t len, long *size_limit)
{
    size_t kw = 0, i;
    long n;

    while (kw < len && line[kw] != ' ')
        kw++;
    for (i = 0; i < sizeof(smtp_keywords) / sizeof(smtp_keywords[0]); i++) {
        if (strlen(smtp_keywords[i].name) != kw ||
            strncasecmp(line, smtp_keywords[i].name, kw) != 0)
            continue;
        if (smtp_keywords[i].feature == SMTP_FEAT_SIZE) {
            *size_limit = 0;
            if (kw < len && str_to_long_len(line + kw + 1, len - kw - 1, 0,
                                            LONG_MAX, &n) == 0)
                *size_limit = n;
        }
        return smtp_keywords[i].feature;
    }
    return 0;
}

/*
 * smtp_data_line - one content line as sent after DATA: a leading "."
 * doubled (RFC 5321 section 4.5.2), lines longer than limit (0: none)
 * broken with CRLF SPACE (as Postfix's smtp_line_length_limit does), and
 * CRLF at the end.
 */
void
smtp_data_line(STRBUF *out, const char *line, size_t len, size_t limit)
{
    size_t room, n;

    if (len > 0 && line[0] == '.')
        strbuf_addch(out, '.');
    room = limit;
    while (limit > 1 && len > room) {
        strbuf_memcat(out, line, room);
        strbuf_memcat(out, "\r\n ", 3);
        line += room;
        len -= room;
        room = limit - 1;
    }
    n = len;
    strbuf_memcat(out, line, n);
    strbuf_memcat(out, "\r\n", 2);
}

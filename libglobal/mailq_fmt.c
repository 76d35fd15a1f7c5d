/*
 * mailq_fmt - mailq text, JSON lines and queue ID arguments for the
 * queue tools (see mailq_fmt.h).
 *
 * The -p columns are Postfix's: the ID with its status mark ('*'
 * active, '!' hold, '#' forced to expire) left-aligned in 11, the size
 * right-aligned in 7, the arrival time as asctime() shows it without
 * the year (19 characters and a space), two spaces, the sender;
 * recipients are indented by 41 spaces; a reason line is right-aligned
 * to column 78.  Times are local; C-locale day and month names.
 */
#include <string.h>
#include <time.h>

#include "mail_queue.h"
#include "mailq_fmt.h"

/* Column widths of the mailq layout. */
#define MAILQ_RCPT_INDENT 41
#define MAILQ_REASON_END  76

/* printable_cat - append text with control and 8-bit bytes as '?' */
static void
printable_cat(STRBUF *out, const char *text)
{
    const unsigned char *cp;

    for (cp = (const unsigned char *) text; *cp; cp++)
        strbuf_addch(out, (*cp < 0x20 || *cp >= 0x7f) ? '?' : (char) *cp);
}

/* mailq_heading - the column headings */
STRBUF *
mailq_heading(STRBUF *out)
{
    strbuf_sprintf_cat(out, "%-11s %7s %-20s %s\n", "-Queue ID-", "--Size--",
                       "----Arrival Time----", "-Sender/Recipient-------");
    return out;
}

/* mailq_sender - the first line of a message */
STRBUF *
mailq_sender(STRBUF *out, const MAILQ_MSG *msg)
{
    STRBUF *id = strbuf_create(32);
    char when[64];
    time_t t = (time_t) msg->arrival_time;
    struct tm tm;

    printable_cat(id, msg->queue_id);
    if (strcmp(msg->queue_name, MAIL_QUEUE_ACTIVE) == 0)
        strbuf_addch(id, '*');
    else if (strcmp(msg->queue_name, MAIL_QUEUE_HOLD) == 0)
        strbuf_addch(id, '!');
    if (msg->forced_expire)
        strbuf_addch(id, '#');
    if (localtime_r(&t, &tm) == NULL ||
        strftime(when, sizeof(when), "%a %b %e %H:%M:%S", &tm) == 0)
        strcpy(when, "???");
    strbuf_sprintf_cat(out, "%-11s %7lld %-19.19s  ", STR(id),
                       msg->message_size, when);
    printable_cat(out, msg->sender);
    strbuf_addch(out, '\n');
    strbuf_free(id);
    return out;
}

/* mailq_reason - "(reason)" right-aligned; an empty one is "unavailable" */
STRBUF *
mailq_reason(STRBUF *out, const char *reason)
{
    STRBUF *text = strbuf_create(100);
    int pad;

    printable_cat(text, *reason ? reason : "reason unavailable");
    pad = MAILQ_REASON_END - (int) LEN(text);
    strbuf_sprintf_cat(out, "%*s(%s)\n", pad > 0 ? pad : 0, "", STR(text));
    strbuf_free(text);
    return out;
}

/* mailq_rcpt - an indented recipient line */
STRBUF *
mailq_rcpt(STRBUF *out, const char *addr)
{
    strbuf_sprintf_cat(out, "%*s", MAILQ_RCPT_INDENT, "");
    printable_cat(out, addr);
    strbuf_addch(out, '\n');
    return out;
}

/* mailq_trailer - the summary, or "Mail queue is empty" */
STRBUF *
mailq_trailer(STRBUF *out, unsigned long long bytes, unsigned long count)
{
    if (count == 0)
        strbuf_sprintf_cat(out, "Mail queue is empty\n");
    else
        strbuf_sprintf_cat(out, "\n-- %llu Kbytes in %lu Request%s.\n",
                           bytes / 1024, count, count == 1 ? "" : "s");
    return out;
}

/* utf8_len - bytes of the valid UTF-8 sequence at cp, 0 if none */
static size_t
utf8_len(const unsigned char *cp, size_t left)
{
    unsigned long cp_val;
    size_t need, i;

    if (cp[0] < 0x80)
        return 1;
    if (cp[0] >= 0xc2 && cp[0] <= 0xdf)
        need = 2, cp_val = cp[0] & 0x1f;
    else if (cp[0] >= 0xe0 && cp[0] <= 0xef)
        need = 3, cp_val = cp[0] & 0x0f;
    else if (cp[0] >= 0xf0 && cp[0] <= 0xf4)
        need = 4, cp_val = cp[0] & 0x07;
    else
        return 0;
    if (need > left)
        return 0;
    for (i = 1; i < need; i++) {
        if ((cp[i] & 0xc0) != 0x80)
            return 0;
        cp_val = (cp_val << 6) | (cp[i] & 0x3f);
    }
    /* Overlong forms, UTF-16 surrogates and values past U+10FFFF. */
    if ((need == 3 && cp_val < 0x800) || (need == 4 && cp_val < 0x10000) ||
        (cp_val >= 0xd800 && cp_val <= 0xdfff) || cp_val > 0x10ffff)
        return 0;
    return need;
}

/* json_quote - append data as a JSON string (RFC 8259 section 7) */
STRBUF *
json_quote(STRBUF *out, const char *data, size_t len)
{
    const unsigned char *cp = (const unsigned char *) data;
    size_t i = 0, n;

    strbuf_addch(out, '"');
    while (i < len) {
        if (cp[i] == '"' || cp[i] == '\\') {
            strbuf_addch(out, '\\');
            strbuf_addch(out, (char) cp[i++]);
        } else if (cp[i] < 0x20 || cp[i] == 0x7f) {
            /* RFC 8259 section 7: control characters MUST be escaped. */
            strbuf_sprintf_cat(out, "\\u%04x", cp[i++]);
        } else if ((n = utf8_len(cp + i, len - i)) == 0) {
            strbuf_sprintf_cat(out, "\\u%04x", cp[i++]);
        } else {
            strbuf_memcat(out, data + i, n);
            i += n;
        }
    }
    strbuf_addch(out, '"');
    return out;
}

/* json_key_str - append "key": "value" */
static void
json_key_str(STRBUF *out, const char *key, const char *value)
{
    strbuf_sprintf_cat(out, "\"%s\": ", key);
    json_quote(out, value, strlen(value));
}

/* mailq_json_open - the message's object up to the recipients' '[' */
STRBUF *
mailq_json_open(STRBUF *out, const MAILQ_MSG *msg)
{
    strbuf_addch(out, '{');
    json_key_str(out, "queue_name", msg->queue_name);
    strbuf_sprintf_cat(out, ", ");
    json_key_str(out, "queue_id", msg->queue_id);
    strbuf_sprintf_cat(out,
                       ", \"arrival_time\": %lld, \"message_size\": %lld, "
                       "\"forced_expire\": %s, ",
                       msg->arrival_time, msg->message_size,
                       msg->forced_expire ? "true" : "false");
    json_key_str(out, "sender", msg->sender);
    strbuf_sprintf_cat(out, ", \"recipients\": [");
    return out;
}

/* mailq_json_rcpt - one recipient object; reason "" leaves it out */
STRBUF *
mailq_json_rcpt(STRBUF *out, const char *addr, const char *reason, int first)
{
    if (!first)
        strbuf_sprintf_cat(out, ", ");
    strbuf_addch(out, '{');
    json_key_str(out, "address", addr);
    if (reason && *reason) {
        strbuf_sprintf_cat(out, ", ");
        json_key_str(out, "delay_reason", reason);
    }
    strbuf_addch(out, '}');
    return out;
}

/* mailq_json_close - end the object and the line */
STRBUF *
mailq_json_close(STRBUF *out)
{
    strbuf_sprintf_cat(out, "]}\n");
    return out;
}

/* mailq_id_arg - ALL, a valid queue ID, or bad (pointer + length) */
int
mailq_id_arg(const char *data, size_t len)
{
    char buf[MAIL_QUEUE_ID_MAX + 1];

    if (len == 3 && memcmp(data, "ALL", 3) == 0)
        return MAILQ_ID_ALL;
    if (len < MAIL_QUEUE_ID_MIN || len > MAIL_QUEUE_ID_MAX ||
        memchr(data, 0, len) != NULL)
        return MAILQ_ID_BAD;
    memcpy(buf, data, len);
    buf[len] = 0;
    return mail_queue_id_ok(buf) ? MAILQ_ID_ONE : MAILQ_ID_BAD;
}

/*
 * record - read and write the typed records of queue files.
 *
 * Format (docs/queue-format.md): a type byte from REC_TYPE_ALL, the data
 * length in little-endian base 128 (seven bits a byte, the top bit set on
 * every byte but the last, REC_LEN_BYTES at most, shortest form only),
 * then that many data bytes.  Data is binary; what it means is up to the
 * record type.
 *
 * rec_get() replaces buf with the data of the next record and returns its
 * type; REC_TYPE_EOF when input ends before a type byte; REC_TYPE_ERROR
 * when a record is cut short, its type is unknown, its length malformed
 * or over max_len (nothing of the data is read then), buf refuses the
 * data, or the stream failed.  rec_get_at() also adds the record's size
 * to *pos, so a reader knows where each record starts.  rec_put() writes
 * one record and returns its size in bytes, or -1 when the stream failed;
 * rec_put_line() writes one content line as REC_TYPE_CONT pieces of limit
 * bytes and a final REC_TYPE_NORM, and returns the bytes written.  A bad
 * type or a length over REC_MAX_LEN is our bug: panic.
 */
#include <stdarg.h>
#include <string.h>

#include "msg.h"
#include "record.h"

/* Data of a record is copied through a buffer of this size. */
#define REC_CHUNK 4096

/* rec_type_ok - whether type is a known record type */
int
rec_type_ok(int type)
{
    return type > 0 && type < 256 && strchr(REC_TYPE_ALL, type) != NULL;
}

/* rec_type_name - a name for a record type, for messages and printing */
const char *
rec_type_name(int type)
{
    static const struct {
        int type;
        const char *name;
    } names[] = {
        {REC_TYPE_SIZE, "size"},
        {REC_TYPE_QID, "queue_id"},
        {REC_TYPE_TIME, "time"},
        {REC_TYPE_WARN, "warn_time"},
        {REC_TYPE_FROM, "sender"},
        {REC_TYPE_ATTR, "attr"},
        {REC_TYPE_ORCP, "orig_rcpt"},
        {REC_TYPE_DSN_ORCPT, "dsn_orcpt"},
        {REC_TYPE_DSN_NOTIFY, "dsn_notify"},
        {REC_TYPE_RCPT, "recipient"},
        {REC_TYPE_DONE, "done_rcpt"},
        {REC_TYPE_MESG, "message_start"},
        {REC_TYPE_NORM, "line"},
        {REC_TYPE_CONT, "line_cont"},
        {REC_TYPE_XTRA, "content_end"},
        {REC_TYPE_END, "end"},
        {REC_TYPE_EOF, "eof"},
        {REC_TYPE_ERROR, "error"},
    };
    size_t i;

    for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (names[i].type == type)
            return names[i].name;
    return "unknown";
}

/* rec_encode_len - len in base 128 into buf (REC_LEN_BYTES); bytes used */
size_t
rec_encode_len(unsigned char *buf, size_t len)
{
    size_t n = 0;

    if (len > REC_MAX_LEN)
        msg_panic("rec_encode_len: length %zu over %d", len, REC_MAX_LEN);
    do {
        buf[n] = len & 0x7f;
        len >>= 7;
        if (len)
            buf[n] |= 0x80;
        n++;
    } while (len);
    return n;
}

/* rec_decode_len - a length from avail bytes; 0, 1 (need more), -1 bad */
int
rec_decode_len(const unsigned char *buf, size_t avail, size_t *len,
               size_t *used)
{
    size_t val = 0;
    size_t i;

    for (i = 0; i < avail && i < REC_LEN_BYTES; i++) {
        val |= (size_t) (buf[i] & 0x7f) << (7 * i);
        if ((buf[i] & 0x80) == 0) {
            /* Shortest form only: a last byte of 0 after others is padding. */
            if (i > 0 && buf[i] == 0)
                return -1;
            *len = val;
            *used = i + 1;
            return 0;
        }
    }
    return i == REC_LEN_BYTES ? -1 : 1;
}

/* rec_size - bytes a record with len data bytes takes */
size_t
rec_size(size_t len)
{
    unsigned char lbuf[REC_LEN_BYTES];

    return 1 + rec_encode_len(lbuf, len) + len;
}

/* rec_get_data - read len data bytes into buf; 0 or -1 */
static int
rec_get_data(STREAM *st, STRBUF *buf, size_t len)
{
    char chunk[REC_CHUNK];
    size_t n;

    while (len > 0) {
        n = len < sizeof(chunk) ? len : sizeof(chunk);
        if (stream_read_exact(st, chunk, n) < 0 ||
            strbuf_memcat(buf, chunk, n) < 0)
            return -1;
        len -= n;
    }
    return 0;
}

/* rec_get_at - the next record into buf; its type; *pos += its size */
int
rec_get_at(STREAM *st, STRBUF *buf, size_t max_len, off_t *pos)
{
    unsigned char hdr[1 + REC_LEN_BYTES];
    size_t len = 0;
    size_t used = 0;
    size_t have;
    int ret;

    strbuf_reset(buf);
    if (stream_read_exact(st, hdr, 1) < 0)
        return stream_eof(st) && !stream_error(st) ? REC_TYPE_EOF
                                                   : REC_TYPE_ERROR;
    if (!rec_type_ok(hdr[0]))
        return REC_TYPE_ERROR;
    /* The length is read one byte at a time: it may end at any of them. */
    for (have = 0, ret = 1; ret == 1; have++) {
        if (stream_read_exact(st, hdr + 1 + have, 1) < 0)
            return REC_TYPE_ERROR;
        ret = rec_decode_len(hdr + 1, have + 1, &len, &used);
    }
    if (ret < 0 || len > max_len || len > REC_MAX_LEN)
        return REC_TYPE_ERROR;
    if (rec_get_data(st, buf, len) < 0)
        return REC_TYPE_ERROR;
    if (pos)
        *pos += (off_t) (1 + used + len);
    return hdr[0];
}

/* rec_get - the next record into buf; its type, EOF or ERROR */
int
rec_get(STREAM *st, STRBUF *buf, size_t max_len)
{
    return rec_get_at(st, buf, max_len, NULL);
}

/* rec_put - write one record; its size in bytes, or -1 */
ssize_t
rec_put(STREAM *st, int type, const void *data, size_t len)
{
    unsigned char hdr[1 + REC_LEN_BYTES];
    size_t n;

    if (!rec_type_ok(type))
        msg_panic("rec_put: bad record type %d", type);
    hdr[0] = (unsigned char) type;
    n = 1 + rec_encode_len(hdr + 1, len);
    if (stream_write(st, hdr, n) < 0 ||
        (len && stream_write(st, data, len) < 0))
        return -1;
    return (ssize_t) (n + len);
}

/* rec_puts - write a record of text */
ssize_t
rec_puts(STREAM *st, int type, const char *str)
{
    return rec_put(st, type, str, strlen(str));
}

/* rec_printf - write a record of formatted text */
ssize_t
rec_printf(STREAM *st, int type, const char *fmt, ...)
{
    STRBUF *text = strbuf_create(100);
    va_list ap;
    ssize_t ret;

    va_start(ap, fmt);
    (void) strbuf_vsprintf_cat(text, fmt, ap);
    va_end(ap);
    ret = rec_put(st, type, STR(text), LEN(text));
    strbuf_free(text);
    return ret;
}

/* rec_put_line - one content line as CONT pieces and a final NORM */
ssize_t
rec_put_line(STREAM *st, const char *data, size_t len, size_t limit)
{
    ssize_t total = 0;
    ssize_t n;

    if (limit == 0 || limit > REC_MAX_LEN)
        msg_panic("rec_put_line: bad limit %zu", limit);
    /* An empty line is one empty NORM record; a line of limit bytes one. */
    while (len > limit) {
        if ((n = rec_put(st, REC_TYPE_CONT, data, limit)) < 0)
            return -1;
        total += n;
        data += limit;
        len -= limit;
    }
    if ((n = rec_put(st, REC_TYPE_NORM, data, len)) < 0)
        return -1;
    return total + n;
}

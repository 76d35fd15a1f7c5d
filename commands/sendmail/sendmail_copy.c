/*
 * sendmail_copy - a message's lines from a stream to content records.
 *
 * sendmail_copy() reads lines in pieces of at most cp->line_limit bytes
 * (so no input makes it allocate more) and writes each line as
 * REC_TYPE_CONT pieces and a final REC_TYPE_NORM, without its line end:
 * the LF and one CR before it are removed.  A CR that ends a piece is
 * held back until the next piece shows whether it ended the line.  With
 * SM_COPY_SKIP_FROM a first line that starts with "From " (a mailbox
 * envelope line) is dropped; with SM_COPY_DOT a line "." alone ends the
 * input; SM_COPY_SMTP ends it there too and removes the first "." of
 * every other line (RFC 5321 4.5.2).  cp->size counts content bytes, one
 * LF per line.  It writes nothing but content records (the caller writes
 * M before and X, E after) and does not flush.
 *
 * Results: SM_COPY_OK at end of input or the "." line, SM_COPY_TOOBIG
 * past cp->size_limit, SM_COPY_WRITE when out failed, SM_COPY_READ when
 * in failed or timed out, SM_COPY_EOF when SMTP input ended before ".".
 * Outside SMTP it stops at the first problem.  In SMTP mode it reads on
 * to the "." line after TOOBIG or WRITE, so that the client and server
 * stay in step, and stops writing (out may also be NULL: discard).
 */
#include <string.h>

#include "rec_type.h"
#include "record.h"
#include "sendmail.h"

/* Where the copy stands between pieces. */
typedef struct COPY_STATE {
    int in_line;    /* the last piece was not the end of its line */
    int first_line; /* no line seen yet */
    int carry_cr;   /* a CR held back from the end of the last piece */
    int status;     /* the first failure, or SM_COPY_OK */
    STREAM *out;    /* NULL after a failure: discard */
} COPY_STATE;

/* copy_put - one record, unless the output is gone */
static void
copy_put(COPY_STATE *cs, int type, const char *data, size_t len)
{
    if (cs->out != NULL && rec_put(cs->out, type, data, len) < 0) {
        cs->status = SM_COPY_WRITE;
        cs->out = NULL;
    }
}

/* copy_is_dot - is this whole line "." (with or without its CR)? */
static int
copy_is_dot(const char *data, size_t len)
{
    return (len == 1 && data[0] == '.') ||
           (len == 2 && data[0] == '.' && data[1] == '\r');
}

/* copy_piece - write one piece; final: it ends its line */
static void
copy_piece(COPY_STATE *cs, SENDMAIL_COPY *cp, const char *data, size_t len,
           int final)
{
    int put_cr = cs->carry_cr && !(final && len == 0);

    cs->carry_cr = 0;
    if (len > 0 && data[len - 1] == '\r') {
        len--;
        cs->carry_cr = !final;
    }
    /* Count first, so that nothing past the limit is written. */
    cp->size += put_cr + (long long) len + (final ? 1 : 0);
    if (cp->size_limit > 0 && cp->size > cp->size_limit) {
        cs->status = SM_COPY_TOOBIG;
        cs->out = NULL;
        return;
    }
    if (put_cr)
        copy_put(cs, REC_TYPE_CONT, "\r", 1);
    copy_put(cs, final ? REC_TYPE_NORM : REC_TYPE_CONT, data, len);
}

/* copy_line_start - the first piece of a line: 1 when input ends here */
static int
copy_line_start(const SENDMAIL_COPY *cp, const char **data, size_t *len,
                int final)
{
    if (final && (cp->flags & (SM_COPY_DOT | SM_COPY_SMTP)) &&
        copy_is_dot(*data, *len))
        return 1;
    /* RFC 5321 4.5.2: the server MUST delete a leading "." of a line. */
    if ((cp->flags & SM_COPY_SMTP) && *len > 0 && (*data)[0] == '.') {
        *data += 1;
        *len -= 1;
    }
    return 0;
}

/* copy_read_status - what a failed read means */
static int
copy_read_status(const SENDMAIL_COPY *cp, STREAM_STATUS st)
{
    if (st == STREAM_EOF)
        return (cp->flags & SM_COPY_SMTP) ? SM_COPY_EOF : SM_COPY_OK;
    return SM_COPY_READ;
}

/* copy_skip_from - drop a leading "From " line; 1 when it was one */
static int
copy_skip_from(COPY_STATE *cs, const SENDMAIL_COPY *cp, STREAM *in,
               const STRBUF *buf, STREAM_STATUS st)
{
    if (!cs->first_line || !(cp->flags & SM_COPY_SKIP_FROM))
        return 0;
    cs->first_line = 0;
    if (LEN(buf) < 5 || strncmp(STR(buf), "From ", 5) != 0)
        return 0;
    if (st == STREAM_LINE_TOOLONG)
        stream_skip_line(in);
    return 1;
}

/* sendmail_copy - lines of in to records on out */
int
sendmail_copy(STREAM *in, STREAM *out, SENDMAIL_COPY *cp)
{
    STRBUF *buf = strbuf_create(cp->line_limit + 1);
    COPY_STATE cs = {0, 1, 0, SM_COPY_OK, out};
    STREAM_STATUS st;
    const char *data;
    size_t len;
    int final;

    cp->size = 0;
    for (;;) {
        if ((st = stream_get_line(in, buf, cp->line_limit)) < 0) {
            cs.status = copy_read_status(cp, st);
            if (cs.carry_cr)
                copy_put(&cs, REC_TYPE_NORM, "", 0);
            break;
        }
        data = STR(buf);
        len = LEN(buf);
        final = st != STREAM_LINE_TOOLONG;
        if (!cs.in_line && copy_skip_from(&cs, cp, in, buf, st))
            continue;
        if (!cs.in_line && copy_line_start(cp, &data, &len, final))
            break;
        cs.in_line = !final;
        if (cs.status == SM_COPY_OK)
            copy_piece(&cs, cp, data, len, final);
        if (cs.status != SM_COPY_OK && (cp->flags & SM_COPY_SMTP) == 0)
            break;
    }
    strbuf_free(buf);
    return cs.status;
}

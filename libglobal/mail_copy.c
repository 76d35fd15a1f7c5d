/*
 * mail_copy - write one message into an open mailbox file.
 *
 * mail_copy(src, dst, flags, room, why) rewinds the source (when it can),
 * then writes to dst:
 *   - with MAIL_COPY_FROM, the mbox separator "From SENDER  DATE", SENDER
 *     being MAILER-DAEMON for the null sender and DATE asctime() of
 *     src->when in local time;
 *   - Return-Path: <SENDER>, X-Original-To: ORIG and Delivered-To: RCPT
 *     (lower case), each when its flag is set and it has a value;
 *   - every line of the message, ended by LF; with MAIL_COPY_QUOTE a line
 *     that matches ^>*From_ gets one more '>' (the "mboxrd" quoting, which
 *     a reader undoes exactly); with MAIL_COPY_BLANK a blank line ends
 *     the message so that the next From_ line starts a paragraph;
 * then flushes and fsync()s dst.  At most room bytes are written (room < 0:
 * no limit); past that the copy fails as EFBIG would.
 *
 * It returns NULL when the message is on stable storage, or the DSN status
 * of the failure with a reason in why: MAIL_COPY_DSN_READ when the source
 * failed, else mail_copy_errno_dsn() of the write error.  The caller owns
 * dst and undoes a partial copy (truncates or removes the file).  Nothing
 * is fatal.  mail_copy_errno_dsn(err) maps a write error to a status: a
 * full mailbox or quota (EFBIG, EDQUOT) is permanent, the rest temporary.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "mail_copy.h"
#include "msg.h"
#include "stringops.h"

/* The state of one copy. */
typedef struct COPY {
    STREAM *dst;
    off_t room; /* bytes left, < 0: no limit */
    int err;    /* errno of the first write failure */
} COPY;

/* copy_put - write len bytes, within the room left */
static int
copy_put(COPY *cp, const char *data, size_t len)
{
    if (cp->err != 0)
        return -1;
    if (cp->room >= 0 && (off_t) len > cp->room) {
        cp->err = EFBIG;
        return -1;
    }
    if (stream_write(cp->dst, data, len) < 0) {
        cp->err = errno ? errno : EIO;
        return -1;
    }
    if (cp->room >= 0)
        cp->room -= (off_t) len;
    return 0;
}

/* copy_header - write "NAME: VALUE\n" (VALUE in lower case when asked) */
static void
copy_header(COPY *cp, const char *name, const char *value, int fold)
{
    STRBUF *buf = strbuf_create(100);

    strbuf_sprintf(buf, "%s: %s", name, value);
    if (fold)
        lowercase(STR(buf) + strlen(name) + 2);
    strbuf_addch(buf, '\n');
    copy_put(cp, STR(buf), LEN(buf));
    strbuf_free(buf);
}

/* copy_envelope - From_ line and the delivery headers */
static void
copy_envelope(COPY *cp, const MAIL_COPY_SRC *src, int flags)
{
    const char *sender = src->sender ? src->sender : "";
    STRBUF *buf = strbuf_create(100);
    struct tm *tm;
    char date[32];

    if (flags & MAIL_COPY_FROM) {
        tm = localtime(&src->when);
        /* asctime() form, without asctime()'s overflow hazards. */
        strftime(date, sizeof(date), "%a %b %e %H:%M:%S %Y", tm);
        strbuf_sprintf(buf, "From %s  %s\n", *sender ? sender : "MAILER-DAEMON",
                       date);
        copy_put(cp, STR(buf), LEN(buf));
    }
    if (flags & MAIL_COPY_RETURN_PATH) {
        strbuf_sprintf(buf, "<%s>", sender);
        copy_header(cp, "Return-Path", STR(buf), 0);
    }
    if ((flags & MAIL_COPY_ORIG_RCPT) && src->orig_rcpt && *src->orig_rcpt)
        copy_header(cp, "X-Original-To", src->orig_rcpt, 0);
    if ((flags & MAIL_COPY_DELIVERED) && src->delivered && *src->delivered)
        copy_header(cp, "Delivered-To", src->delivered, 1);
    strbuf_free(buf);
}

/* from_line - does line match ^>*From_ (mboxrd quoting) */
static int
from_line(const char *line, size_t len)
{
    size_t i = 0;

    while (i < len && line[i] == '>')
        i++;
    return len - i >= 5 && memcmp(line + i, "From ", 5) == 0;
}

/* copy_body - every line of the message; 0 or -1 (source failed) */
static int
copy_body(COPY *cp, const MAIL_COPY_SRC *src, int flags, STRBUF *why)
{
    STRBUF *line = strbuf_create(1000);
    int got = 0;

    while (cp->err == 0 && (got = src->read(src->context, line, why)) > 0) {
        if ((flags & MAIL_COPY_QUOTE) && from_line(STR(line), LEN(line)))
            copy_put(cp, ">", 1);
        copy_put(cp, STR(line), LEN(line));
        copy_put(cp, "\n", 1);
    }
    strbuf_free(line);
    return cp->err == 0 && got < 0 ? -1 : 0;
}

/* mail_copy_errno_dsn - the status of a failed mailbox write */
const char *
mail_copy_errno_dsn(int err)
{
    return err == EFBIG || err == EDQUOT ? MAIL_COPY_DSN_FULL
                                         : MAIL_COPY_DSN_DEFER;
}

/* mail_copy - write the message to dst; NULL, or the failure's status */
const char *
mail_copy(const MAIL_COPY_SRC *src, STREAM *dst, int flags, off_t room,
          STRBUF *why)
{
    COPY cp = {dst, room, 0};

    if (src->rewind != NULL && src->rewind(src->context, why) < 0)
        return MAIL_COPY_DSN_READ;
    copy_envelope(&cp, src, flags);
    if (copy_body(&cp, src, flags, why) < 0)
        return MAIL_COPY_DSN_READ;
    if (flags & MAIL_COPY_BLANK)
        copy_put(&cp, "\n", 1);
    if (cp.err == 0 && stream_flush(dst) < 0)
        cp.err = errno ? errno : EIO;
    if (cp.err == 0 && fsync(stream_fd(dst)) < 0)
        cp.err = errno;
    if (cp.err != 0) {
        strbuf_fail(why, cp.err, "error writing message: %s", strerror(cp.err));
        return mail_copy_errno_dsn(cp.err);
    }
    return NULL;
}

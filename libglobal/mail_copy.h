#ifndef MAIL_COPY_H
#define MAIL_COPY_H

/*
 * mail_copy - write one message into a mailbox file, in mbox or Maildir
 * form, for the local and virtual delivery agents.  See mail_copy.c.
 *
 * The message comes from a MAIL_COPY_SRC: a function that hands back one
 * line at a time without its end (1: a line, 0: end of message, -1: read
 * error with a reason), a rewind function, and the envelope facts the
 * headers added on delivery need.  Strings are borrowed.
 */
#include <stddef.h>
#include <sys/types.h>
#include <time.h>

#include "strbuf.h"
#include "stream.h"

typedef int (*MAIL_COPY_READ_FN)(void *context, STRBUF *line, STRBUF *why);
typedef int (*MAIL_COPY_REWIND_FN)(void *context, STRBUF *why);

typedef struct MAIL_COPY_SRC {
    MAIL_COPY_READ_FN read;
    MAIL_COPY_REWIND_FN rewind; /* NULL: the source is read once only */
    void *context;
    const char *sender;    /* envelope sender, "" for <> */
    const char *delivered; /* Delivered-To: value, or NULL */
    const char *orig_rcpt; /* X-Original-To: value, or NULL */
    time_t when;           /* for the From_ line */
} MAIL_COPY_SRC;

/* What to add and how to quote. */
#define MAIL_COPY_FROM        (1 << 0) /* From_ line first */
#define MAIL_COPY_RETURN_PATH (1 << 1) /* Return-Path: <sender> */
#define MAIL_COPY_DELIVERED   (1 << 2) /* Delivered-To: (lower case) */
#define MAIL_COPY_ORIG_RCPT   (1 << 3) /* X-Original-To: */
#define MAIL_COPY_QUOTE       (1 << 4) /* >From quoting (mboxrd) */
#define MAIL_COPY_BLANK       (1 << 5) /* a blank line after the message */
#define MAIL_COPY_MBOX                                                         \
    (MAIL_COPY_FROM | MAIL_COPY_QUOTE | MAIL_COPY_BLANK |                      \
     MAIL_COPY_RETURN_PATH | MAIL_COPY_DELIVERED | MAIL_COPY_ORIG_RCPT)
#define MAIL_COPY_MAILDIR                                                      \
    (MAIL_COPY_RETURN_PATH | MAIL_COPY_DELIVERED | MAIL_COPY_ORIG_RCPT)

/* DSN status codes of the failures (RFC 3463). */
#define MAIL_COPY_DSN_DEFER "4.2.0" /* mailbox trouble: try again later */
#define MAIL_COPY_DSN_FULL  "5.2.2" /* over the size limit, out of quota */
#define MAIL_COPY_DSN_READ  "4.3.0" /* the queue file could not be read */

extern const char *mail_copy(const MAIL_COPY_SRC *src, STREAM *dst, int flags,
                             off_t room, STRBUF *why);
extern const char *mail_copy_errno_dsn(int err);

#endif

#ifndef MAILDROP_H
#define MAILDROP_H

/*
 * maildrop - write and read maildrop files: what sendmail hands to
 * `postern drop` and what pickup takes from maildrop/
 * (docs/queue-format.md, "Maildrop files").
 *
 * Writer (sendmail): the maildrop_put_* calls append records to a STREAM
 * in this order: maildrop_put_attr() (any, each name at most once),
 * maildrop_put_sender() once ("" for the null sender),
 * maildrop_put_rcpt() per recipient, maildrop_put_content_start(),
 * maildrop_put_line() per content line (without its line end; a line
 * longer than the record limit is split into L pieces),
 * maildrop_put_end().  Each returns 0, or -1 when the stream failed.  A
 * name maildrop_attr_ok() refuses, a bad notify value or a NULL address
 * is the caller's bug and panics.  The writer does not flush: the caller
 * flushes and checks.
 *
 * Reader (postdrop, pickup): maildrop_read() reads a whole stream through
 * the end record and the end of input, validates every record and count
 * against lim and, when copy is not NULL, copies each record as read to
 * copy (postdrop: stdin to the new file).  On MAILDROP_OK *md holds a
 * MAILDROP the caller owns and frees with maildrop_free(); content starts
 * at md->content_offset in the input (just after the M record), so a
 * reader of a file can seek there and stream the content
 * with maildrop_get_line(), which puts the next line (L pieces joined,
 * no line end) in line and returns 1, or 0 at the content end record.
 * Errors: MAILDROP_IOERR (the input or the copy
 * failed: try later), MAILDROP_BAD (malformed, with a reason),
 * MAILDROP_TOOBIG (content over lim->max_content).  Nothing is fatal.
 */
#include <stddef.h>
#include <sys/types.h>

#include "stream.h"
#include "strbuf.h"

/* Limits of the reader. */
typedef struct MAILDROP_LIMITS {
    size_t max_record;     /* longest record data */
    size_t max_rcpt;       /* most recipients */
    long long max_content; /* most content bytes (lines + LF); 0: none */
} MAILDROP_LIMITS;

typedef struct MAILDROP_RCPT {
    char *address;   /* recipient */
    char *dsn_orcpt; /* DSN ORCPT (RFC 3461 4.2), or NULL */
    int dsn_notify;  /* DSN_NOTIFY_* flags, 0: not given */
} MAILDROP_RCPT;

typedef struct MAILDROP {
    char *sender;    /* "" for the null sender */
    char *full_name; /* the A attributes, or NULL when absent */
    char *envid;
    char *ret;
    char *encoding;
    int extract; /* extract=yes: take recipients from headers */
    MAILDROP_RCPT *rcpt;
    size_t rcpt_count;
    off_t content_offset;   /* just after the M record */
    long long content_size; /* content bytes, each line counted with LF */
} MAILDROP;

#define MAILDROP_OK     0
#define MAILDROP_IOERR  (-1)
#define MAILDROP_BAD    (-2)
#define MAILDROP_TOOBIG (-3)

/* The attribute names a maildrop file may carry. */
#define MAILDROP_ATTR_FULL_NAME "full_name"
#define MAILDROP_ATTR_ENVID     "envid"
#define MAILDROP_ATTR_RET       "ret"
#define MAILDROP_ATTR_ENCODING  "encoding"
#define MAILDROP_ATTR_EXTRACT   "extract"

extern int maildrop_attr_ok(const char *name, const char *value);

/* Writer. */
extern int maildrop_put_attr(STREAM *st, const char *name, const char *value);
extern int maildrop_put_sender(STREAM *st, const char *addr);
extern int maildrop_put_rcpt(STREAM *st, const char *addr, int notify,
                             const char *orcpt);
extern int maildrop_put_content_start(STREAM *st);
extern int maildrop_put_line(STREAM *st, const char *data, size_t len);
extern int maildrop_put_end(STREAM *st);

/* Reader. */
extern void maildrop_limits_init(MAILDROP_LIMITS *lim);
extern int maildrop_read(STREAM *st, const MAILDROP_LIMITS *lim, STREAM *copy,
                         MAILDROP **md, STRBUF *why);
extern int maildrop_get_line(STREAM *st, const MAILDROP_LIMITS *lim,
                             STRBUF *line, STRBUF *why);
extern MAILDROP *maildrop_free(MAILDROP *md);

#endif

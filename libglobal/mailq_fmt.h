#ifndef MAILQ_FMT_H
#define MAILQ_FMT_H

/*
 * mailq_fmt - the text of `postern queue -p` and -j, and the queue ID
 * arguments of `postern super`: pure functions, no I/O.
 *
 * -p is Postfix's mailq layout (short queue ID form): a heading line,
 * per message a line "ID+status size arrival  sender", an indented line
 * per recipient preceded by "(reason)" when the reason changes, a blank
 * line between messages and a trailer.  Text from the queue is made
 * printable ('?' for control bytes) before it is shown.  -j is one JSON
 * object per message and line, with Postfix's keys; json_quote() escapes
 * quotes, backslashes and control characters and writes each byte that
 * is not part of valid UTF-8 as \u00XX (its Latin-1 reading), so the
 * output is always valid JSON.  Every function appends to the caller's
 * STRBUF and returns it; nothing is fatal.
 */
#include <stddef.h>

#include "strbuf.h"

/* One message as showq reports it. */
typedef struct MAILQ_MSG {
    const char *queue_name;
    const char *queue_id;
    long long arrival_time;
    long long message_size;
    int forced_expire;
    const char *sender;
} MAILQ_MSG;

extern STRBUF *mailq_heading(STRBUF *out);
extern STRBUF *mailq_sender(STRBUF *out, const MAILQ_MSG *msg);
extern STRBUF *mailq_reason(STRBUF *out, const char *reason);
extern STRBUF *mailq_rcpt(STRBUF *out, const char *addr);
extern STRBUF *mailq_trailer(STRBUF *out, unsigned long long bytes,
                             unsigned long count);

extern STRBUF *json_quote(STRBUF *out, const char *data, size_t len);
extern STRBUF *mailq_json_open(STRBUF *out, const MAILQ_MSG *msg);
extern STRBUF *mailq_json_rcpt(STRBUF *out, const char *addr,
                               const char *reason, int first);
extern STRBUF *mailq_json_close(STRBUF *out);

/* mailq_id_arg - what a postsuper ID argument is */
#define MAILQ_ID_BAD 0 /* not a queue ID */
#define MAILQ_ID_ONE 1 /* a valid queue ID */
#define MAILQ_ID_ALL 2 /* the word ALL */
extern int mailq_id_arg(const char *data, size_t len);

#endif

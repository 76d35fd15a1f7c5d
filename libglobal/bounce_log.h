#ifndef BOUNCE_LOG_H
#define BOUNCE_LOG_H

/*
 * bounce_log - the per-message delivery logs bounce/ID, defer/ID and
 * trace/ID (docs/queue-format.md, "Delivery logs").
 *
 * Writer (the bounce daemon): bounce_log_append() opens the log for
 * queue_id in the named log queue (MAIL_QUEUE_BOUNCE, _DEFER, _TRACE;
 * hashed per hash_queue_names), creating it 0600 with O_NOFOLLOW,
 * appends one entry built from rcpt and dsn (control characters in
 * values become spaces, values are cut at BOUNCE_LOG_MAX_VALUE), and
 * fsync()s it.  0 on success; -1 with a reason in why.
 *
 * Reader (the bounce daemon, showq): bounce_log_read() reads the whole
 * log into a BOUNCE_LOG the caller owns (bounce_log_free), keeping the
 * last entry per recipient in first-seen order; bounded by the
 * BOUNCE_LOG_MAX_* limits.  A malformed entry stops the read with one
 * warning naming the file and line; the entries before it count.
 * Returns the log, or NULL with errno ENOENT when there is none, or NULL
 * with a reason in why on an I/O error.  bounce_log_parse() does the
 * same on a buffer (for tests and fuzzing): no side effects.
 *
 * bounce_log_remove() deletes a log; a missing one is not an error.
 */
#include <stddef.h>
#include <time.h>

#include "dsn.h"
#include "mail_queue.h"
#include "strbuf.h"

#define BOUNCE_LOG_MAX_VALUE   4096
#define BOUNCE_LOG_MAX_LINE    4200
#define BOUNCE_LOG_MAX_LINES   16
#define BOUNCE_LOG_MAX_ENTRIES 100000

/* One entry, owning its strings (NULL: absent). */
typedef struct BOUNCE_LOG_ENTRY {
    char *recipient;
    char *orig_rcpt;
    char *dsn_orcpt;
    int notify;       /* DSN_NOTIFY_*, 0: not given */
    long long offset; /* -1: not given */
    char *status;
    char *action;
    char *reason;
    char *diag;
    char *mta;
    char *relay;
    long long time;
} BOUNCE_LOG_ENTRY;

typedef struct BOUNCE_LOG {
    BOUNCE_LOG_ENTRY *entry;
    size_t count;
} BOUNCE_LOG;

extern int bounce_log_append(const MAIL_QUEUE *mq, const char *log_queue,
                             const char *queue_id, const RECIPIENT *rcpt,
                             const DSN *dsn, time_t when, STRBUF *why);
extern BOUNCE_LOG *bounce_log_read(const MAIL_QUEUE *mq,
                                   const char *log_queue,
                                   const char *queue_id, STRBUF *why);
extern BOUNCE_LOG *bounce_log_parse(const char *buf, size_t len,
                                    const char *name, STRBUF *why);
extern BOUNCE_LOG *bounce_log_free(BOUNCE_LOG *log);
extern int bounce_log_remove(const MAIL_QUEUE *mq, const char *log_queue,
                             const char *queue_id);

/* bounce_log_find - the entry for recipient, or NULL */
extern const BOUNCE_LOG_ENTRY *bounce_log_find(const BOUNCE_LOG *log,
                                               const char *recipient);

#endif

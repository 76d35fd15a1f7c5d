#ifndef CLEANUP_CLNT_H
#define CLEANUP_CLNT_H

/*
 * cleanup_clnt - hand one message to cleanup(8) (docs/ipc.md, "cleanup").
 *
 * cleanup_clnt_open() connects to CLASS/cleanup under queue_dir (NULL:
 * relative, for daemons that run in queue_directory), sends "open" with
 * the CLEANUP_FLAG_* flags and returns a CLEANUP_CLNT the caller owns,
 * holding the queue ID cleanup chose; NULL with a reason when cleanup
 * cannot be reached or refuses (the caller answers "try again later").
 * The envelope and content calls only buffer frames and return -1 once
 * the connection has failed (the failure sticks: the caller may go on and
 * learn it from cleanup_clnt_finish()).  Order: cleanup_clnt_time()
 * (optional), cleanup_clnt_sender() once, cleanup_clnt_attr() and
 * cleanup_clnt_rcpt() in any order, cleanup_clnt_write() for the content
 * (header lines, an empty line, the body; lines end with LF, not CRLF),
 * then cleanup_clnt_finish().  cleanup_clnt_fate() may come anywhere
 * after the sender: hold the message, discard it (cleanup then answers
 * OK once the file is gone), set its content filter, or send it to one
 * address only (NULL: unchanged), decided late (end of data).  cleanup_clnt_free() closes the
 * connection; before finish, that makes cleanup drop the file.
 *
 * cleanup_clnt_finish() sends "end" and reads the final reply into the
 * CLEANUP_RESULT the caller provides: MAIL_STAT_OK (queued, or discarded
 * on purpose), MAIL_STAT_RETRY (temporary), MAIL_STAT_DENY (permanent)
 * or MAIL_STAT_BAD; -1 when no reply came (a temporary failure for the
 * caller).  result->status bits say which kind of failure, result->dsn
 * the enhanced status code and result->reason the text.
 *
 * cleanup_clnt_keep(seconds) lets a process (smtpd) keep its connection
 * after a final reply, for its next message to the same queue_dir and
 * class within that many seconds idle; cleanup reads the next "open"
 * over it.  When a kept connection fails before the reply to "open"
 * (cleanup reached max_use or was retired), cleanup_clnt_open() opens
 * the message over a new one.  cleanup_clnt_expire(all) closes the kept
 * connection when it is due (or at once), cleanup_clnt_wait() says in
 * how many milliseconds it is due (-1: none kept).  Nothing is fatal.
 */
#include <stddef.h>

#include "mail_proto.h"
#include "strbuf.h"

typedef struct CLEANUP_CLNT CLEANUP_CLNT;

typedef struct CLEANUP_RESULT {
    int status;     /* CLEANUP_STAT_* bits */
    STRBUF *dsn;    /* "2.0.0", "5.3.4", "4.3.0", ... */
    STRBUF *reason; /* human-readable, empty when OK */
} CLEANUP_RESULT;

extern CLEANUP_CLNT *cleanup_clnt_open(const char *queue_dir,
                                       const char *class, int flags,
                                       int timeout_ms, STRBUF *why);
extern const char *cleanup_clnt_queue_id(const CLEANUP_CLNT *clnt);
extern int cleanup_clnt_time(CLEANUP_CLNT *clnt, long long sec, long usec);
extern int cleanup_clnt_sender(CLEANUP_CLNT *clnt, const char *addr);
extern int cleanup_clnt_attr(CLEANUP_CLNT *clnt, const char *name,
                             const char *value);
extern int cleanup_clnt_rcpt(CLEANUP_CLNT *clnt, const char *addr,
                             const char *orcpt, const char *dsn_orcpt,
                             int notify);
extern int cleanup_clnt_write(CLEANUP_CLNT *clnt, const char *data,
                              size_t len);
extern int cleanup_clnt_fate(CLEANUP_CLNT *clnt, int hold, int discard,
                             const char *filter, const char *redirect);
extern int cleanup_clnt_finish(CLEANUP_CLNT *clnt, CLEANUP_RESULT *result);
extern CLEANUP_CLNT *cleanup_clnt_free(CLEANUP_CLNT *clnt);

extern void cleanup_clnt_keep(int seconds);
extern void cleanup_clnt_expire(int all);
extern int cleanup_clnt_wait(void);
extern void cleanup_result_init(CLEANUP_RESULT *result);
extern void cleanup_result_free(CLEANUP_RESULT *result);

#endif

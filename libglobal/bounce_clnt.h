#ifndef BOUNCE_CLNT_H
#define BOUNCE_CLNT_H

/*
 * bounce_clnt - the client of the bounce, defer and trace services
 * (docs/ipc.md, "bounce, defer, trace"), for delivery agents and qmgr.
 *
 * bounce_append(), defer_append() and trace_append() record one
 * recipient's outcome in bounce/ID, defer/ID or trace/ID through
 * private/bounce, private/defer or private/trace, and return only once
 * the entry is durable: 0, or -1 with a reason in why (the service could
 * not be reached, timed out, or answered RETRY).  On -1 the caller must
 * not mark the recipient done.  Connections are kept (MAIL_CLNT, with
 * ipc_timeout, ipc_idle, ipc_ttl) and reused across calls.
 *
 * bounce_flush() asks for the non-delivery report of bounce/ID,
 * trace_flush() for the success notice of trace/ID, defer_warn() for a
 * delay warning from defer/ID.  0 when done (or nothing was due), -1
 * with a reason: try again later.  These block for up to ipc_timeout;
 * qmgr, which must not block, speaks the same frames from its event loop
 * (bounce_clnt_request() builds them).
 *
 * Daemons run in queue_directory: the services are named relatively.
 * Nothing is fatal.
 */
#include "attr.h"
#include "dsn.h"
#include "strbuf.h"

extern int bounce_append(int flags, const char *queue_id,
                         const RECIPIENT *rcpt, const DSN *dsn,
                         STRBUF *why);
extern int defer_append(int flags, const char *queue_id,
                        const RECIPIENT *rcpt, const DSN *dsn, STRBUF *why);
extern int trace_append(int flags, const char *queue_id,
                        const RECIPIENT *rcpt, const DSN *dsn, STRBUF *why);

extern int bounce_flush(int flags, const char *queue_name,
                        const char *queue_id, STRBUF *why);
extern int trace_flush(int flags, const char *queue_name,
                       const char *queue_id, STRBUF *why);
extern int defer_warn(int flags, const char *queue_name,
                      const char *queue_id, STRBUF *why);

/* bounce_clnt_request - fill req with a flush or warn request's frame */
extern void bounce_clnt_request(ATTR_LIST *req, const char *request,
                                int flags, const char *queue_name,
                                const char *queue_id);

/* bounce_clnt_append_request - fill req with an append request's frame */
extern void bounce_clnt_append_request(ATTR_LIST *req, int flags,
                                       const char *queue_id,
                                       const RECIPIENT *rcpt, const DSN *dsn);

/* bounce_clnt_reset - close the kept connections (tests, reload) */
extern void bounce_clnt_reset(void);

#endif

#ifndef DELIVER_PASS_H
#define DELIVER_PASS_H

/*
 * deliver_pass - hand one recipient of a delivery request to another
 * delivery agent (Postfix's deliver_pass(), used by local(8) for
 * mailbox_transport and fallback_transport).
 *
 * deliver_pass(req, idx, service, address, why) connects to
 * private/TRANSPORT (relative to the working folder, the queue
 * directory), where service is "TRANSPORT" or "TRANSPORT:NEXTHOP" (the
 * nexthop defaults to req's), and sends the same request as qmgr would
 * (docs/ipc.md, "Delivery agents") with one recipient frame: address
 * (NULL: recipient idx's own), its original recipient (recipient idx's
 * orig, else its address), dsn_orcpt, notify and offset.  The other
 * agent records the outcome itself (log entry, done mark, log line),
 * unless flags has DEL_FLAG_NO_RECORD: then it only logs its line and
 * reports the result ('S', 'B' or 'D'), and the caller records the
 * recipient (local, when the recipient has other destinations too: a
 * done mark by the other agent would lose a deferred destination).
 * flags is 0 or DEL_FLAG_NO_RECORD (anything else panics).
 *
 * Returns that agent's result character (DEL_RESULT_*), or -1 with a
 * reason in why when it could not be reached, answered other than
 * MAIL_STAT_OK, or answered malformed; then nothing was recorded and
 * the caller defers the recipient.  Each wait is bounded by
 * DELIVER_PASS_TIMEOUT_MS.  Nothing is fatal.
 */
#include "deliver_request.h"
#include "strbuf.h"

/* How long the other agent may take, per read or write. */
#define DELIVER_PASS_TIMEOUT_MS (3600 * 1000)

extern int deliver_pass(const DELIVER_REQUEST *req, size_t idx,
                        const char *service, const char *address, int flags,
                        STRBUF *why);

#endif

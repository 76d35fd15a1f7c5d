/*
 * deliver_src - a delivery request seen by the mailbox code.
 *
 * deliver_src_init(src, req, idx) fills src so that mail_copy() and
 * delivered_hdr_find() read req's content (rewinding it first) for
 * recipient idx: sender from the request, Delivered-To: the recipient's
 * address, X-Original-To: its original address when it has one.  src
 * borrows req's strings.
 *
 * deliver_src_result(req, idx, status, reason, relay) records one
 * recipient's outcome from its DSN status: class 2 deliver_sent(), 5
 * deliver_bounce(), anything else deliver_defer() (a malformed status
 * defers with 4.3.0: our bug, not the sender's).  Returns the result
 * character.
 */
#include <string.h>

#include "deliver_src.h"
#include "dsn.h"
#include "msg.h"

/* deliver_src_read - one content line */
static int
deliver_src_read(void *context, STRBUF *line, STRBUF *why)
{
    return deliver_content_line(context, line, DELIVER_SRC_LINE_MAX, why);
}

/* deliver_src_rewind - back to the start of the content */
static int
deliver_src_rewind(void *context, STRBUF *why)
{
    return deliver_content_rewind(context, why);
}

/* deliver_src_init - req's content and recipient idx as a source */
void
deliver_src_init(MAIL_COPY_SRC *src, DELIVER_REQUEST *req, size_t idx)
{
    const RECIPIENT *rcpt = req->rcpt + idx;

    memset(src, 0, sizeof(*src));
    src->read = deliver_src_read;
    src->rewind = deliver_src_rewind;
    src->context = req;
    src->sender = req->sender;
    src->delivered = rcpt->address;
    src->orig_rcpt = rcpt->orig && *rcpt->orig ? rcpt->orig : rcpt->address;
    src->when = time(NULL);
}

/* deliver_src_result - record the outcome that status says */
int
deliver_src_result(DELIVER_REQUEST *req, size_t idx, const char *status,
                   const char *reason, const char *relay)
{
    DSN dsn = {status, NULL, reason, NULL, NULL, relay};

    if (!dsn_status_ok(status)) {
        msg_warn("%s: bad status \"%s\" for %s", req->queue_id, status,
                 req->rcpt[idx].address);
        dsn.status = "4.3.0";
    }
    switch (dsn_class(dsn.status)) {
        case 2:
            return deliver_sent(req, idx, &dsn);
        case 5:
            dsn.action = DSN_ACTION_FAILED;
            return deliver_bounce(req, idx, &dsn);
        default:
            dsn.action = DSN_ACTION_DELAYED;
            return deliver_defer(req, idx, &dsn);
    }
}

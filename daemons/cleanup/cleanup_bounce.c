/*
 * cleanup_bounce - a permanent refusal returned to the sender instead of
 * refused to the client, for clients that cannot tell anybody
 * (CLEANUP_FLAG_BOUNCE: pickup, whose sender has gone by the time the
 * message is looked at).
 *
 * cleanup_bounce_wanted() says whether the errors of a message are all
 * permanent refusals of its content (size, a REJECT rule, hop count)
 * and the client asked for the bounce.  cleanup_bounce_rcpts() adds the
 * recipients extracted from the headers seen so far (sendmail -t) and
 * returns how many recipients the message has; a rewrite failure there
 * sets CLEANUP_STAT_DEFER (the client tries again later).
 * cleanup_bounce_log() appends one bounce entry per recipient, with the
 * refusal's dsn and reason, at the recipient's record offset (the file
 * must have been written with state->bounce set, so that every
 * recipient is already done), and logs Postfix's status=bounced line
 * for each; 0, or -1 with a reason when the bounce service failed.
 *
 * cleanup.c then commits the file: qmgr finds every recipient done and
 * a bounce log, asks the bounce service for the report, and removes
 * the file (docs/cleanup.md).  Nothing here is fatal.
 */
#include <string.h>

#include "bounce_clnt.h"
#include "cleanup.h"
#include "dsn.h"
#include "msg.h"

/* The refusals that bounce; others are temporary or the client's fault. */
#define CLEANUP_BOUNCE_ERRS                                                    \
    (CLEANUP_STAT_SIZE | CLEANUP_STAT_CONT | CLEANUP_STAT_HOPS)

/* cleanup_bounce_wanted - refused for good, and the client wants a bounce */
int
cleanup_bounce_wanted(const CLEANUP_STATE *state)
{
    return (state->flags & CLEANUP_FLAG_BOUNCE) != 0 && state->errs != 0 &&
           (state->errs & ~CLEANUP_BOUNCE_ERRS) == 0 && !state->discard;
}

/*
 * cleanup_bounce_rcpts - the recipients to tell about: the envelope's,
 * and with EXTRACT those of the headers read before the refusal.  The
 * refusal's reason is kept unless an address cannot be rewritten now.
 */
int
cleanup_bounce_rcpts(CLEANUP_STATE *state)
{
    ARGV *from = state->resent ? state->resent_extracted : state->extracted;
    int errs = state->errs;
    size_t i;

    if (state->flags & CLEANUP_FLAG_EXTRACT) {
        state->errs = 0;
        for (i = 0; i < from->argc && state->errs == 0; i++)
            (void) cleanup_recipient(state, from->argv[i], NULL, NULL, 0);
        state->errs = state->errs ? state->errs | errs : errs;
    }
    return (int) state->rcpts->count;
}

/* cleanup_bounce_log - a bounce entry for every recipient; 0 or -1 */
int
cleanup_bounce_log(CLEANUP_STATE *state, STRBUF *why)
{
    const CLEANUP_RCPT *c;
    RECIPIENT r;
    DSN d;
    size_t i;

    memset(&d, 0, sizeof(d));
    d.status = STR(state->dsn);
    d.action = DSN_ACTION_FAILED;
    d.reason = STR(state->reason);
    d.relay = "none";
    for (i = 0; i < state->rcpts->count; i++) {
        c = state->rcpts->list + i;
        r.address = c->addr;
        r.orig = c->orig;
        r.dsn_orcpt = c->dsn_orcpt;
        r.dsn_notify = c->notify;
        r.offset = c->offset;
        if (bounce_append(0, state->queue_id, &r, &d, why) < 0)
            return -1;
        msg_info("%s: to=<%s>%s%s%s, relay=none, delay=0, "
                 "delays=0/0/0/0, dsn=%s, status=bounced (%s)",
                 state->queue_id, c->addr, c->orig ? ", orig_to=<" : "",
                 c->orig ? c->orig : "", c->orig ? ">" : "", d.status,
                 d.reason);
    }
    return 0;
}

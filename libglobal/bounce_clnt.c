/*
 * bounce_clnt - the client of private/bounce, private/defer and
 * private/trace.  See bounce_clnt.h.
 *
 * One MAIL_CLNT per service, made on first use with ipc_timeout,
 * ipc_idle and ipc_ttl, kept for the process's life (bounce_clnt_reset()
 * closes them).  Every function returns 0 when the service answered OK,
 * else -1 with a reason in why: "SERVICE service: REASON".  Nothing is
 * fatal and nothing is logged here: the caller decides what a failure
 * means (a delivery agent defers the recipient).
 */
#include <stdint.h>
#include <string.h>

#include "attr.h"
#include "bounce_clnt.h"
#include "mail_conf.h"
#include "mail_proto.h"

/* The three services, in this order. */
#define BC_BOUNCE 0
#define BC_DEFER  1
#define BC_TRACE  2
#define BC_COUNT  3

static const char *const bc_names[BC_COUNT] = {
    MAIL_SERVICE_BOUNCE, MAIL_SERVICE_DEFER, MAIL_SERVICE_TRACE};
static MAIL_CLNT *bc_clnt[BC_COUNT];
static ATTR_LIST *bc_req;
static ATTR_LIST *bc_reply;

/* bc_nonnull - "" for NULL */
static const char *
bc_nonnull(const char *s)
{
    return s != NULL ? s : "";
}

/* bc_client - the kept connection for one service, made on first use */
static MAIL_CLNT *
bc_client(int which)
{
    if (bc_clnt[which] == NULL)
        bc_clnt[which] = mail_clnt_create_conf(NULL, MAIL_CLASS_PRIVATE,
                                               bc_names[which]);
    if (bc_req == NULL) {
        bc_req = attr_list_create();
        bc_reply = attr_list_create();
    }
    return bc_clnt[which];
}

/* bounce_clnt_reset - close the kept connections (tests, reload) */
void
bounce_clnt_reset(void)
{
    int i;

    for (i = 0; i < BC_COUNT; i++)
        if (bc_clnt[i] != NULL)
            bc_clnt[i] = mail_clnt_free(bc_clnt[i]);
    if (bc_req != NULL) {
        bc_req = attr_list_free(bc_req);
        bc_reply = attr_list_free(bc_reply);
    }
}

/* bc_call - send bc_req to one service; 0 on OK, else -1 and why */
static int
bc_call(int which, STRBUF *why)
{
    STRBUF *detail = strbuf_create(100);
    const char *reason;
    int status;

    status = mail_clnt_request(bc_clnt[which], bc_req, bc_reply, detail);
    if (status < 0) {
        strbuf_sprintf(why, "%s service: %s", bc_names[which],
                       LEN(detail) ? STR(detail) : "unreachable");
    } else if (status != MAIL_STAT_OK) {
        reason = attr_get_str(bc_reply, MAIL_ATTR_REASON);
        strbuf_sprintf(why, "%s service: status %d: %s", bc_names[which],
                       status, reason != NULL ? reason : "no reason given");
    }
    strbuf_free(detail);
    return status == MAIL_STAT_OK ? 0 : -1;
}

/* bounce_clnt_append_request - the frame of one append request */
void
bounce_clnt_append_request(ATTR_LIST *req, int flags, const char *queue_id,
                           const RECIPIENT *rcpt, const DSN *dsn)
{
    attr_list_reset(req);
    attr_put_str(req, MAIL_ATTR_REQ, BOUNCE_REQ_APPEND);
    attr_put_int(req, BOUNCE_ATTR_FLAGS, (uint32_t) flags);
    attr_put_str(req, BOUNCE_ATTR_ID, queue_id);
    attr_put_str(req, DELIVER_ATTR_ADDR, rcpt->address);
    attr_put_str(req, DELIVER_ATTR_ORIG, bc_nonnull(rcpt->orig));
    attr_put_str(req, DELIVER_ATTR_ORCPT, bc_nonnull(rcpt->dsn_orcpt));
    attr_put_int(req, DELIVER_ATTR_NOTIFY, (uint32_t) rcpt->dsn_notify);
    attr_put_long(req, DELIVER_ATTR_RCPT_OFF, rcpt->offset);
    attr_put_str(req, BOUNCE_ATTR_STATUS, dsn->status);
    attr_put_str(req, BOUNCE_ATTR_ACTION, dsn->action);
    attr_put_str(req, BOUNCE_ATTR_REASON, bc_nonnull(dsn->reason));
    attr_put_str(req, BOUNCE_ATTR_DIAG, bc_nonnull(dsn->diag));
    attr_put_str(req, BOUNCE_ATTR_MTA, bc_nonnull(dsn->mta));
    attr_put_str(req, BOUNCE_ATTR_RELAY, bc_nonnull(dsn->relay));
}

/* bc_append - one append request to one service */
static int
bc_append(int which, int flags, const char *queue_id, const RECIPIENT *rcpt,
          const DSN *dsn, STRBUF *why)
{
    bc_client(which);
    bounce_clnt_append_request(bc_req, flags, queue_id, rcpt, dsn);
    return bc_call(which, why);
}

/* bounce_append - a bounce/ID entry */
int
bounce_append(int flags, const char *queue_id, const RECIPIENT *rcpt,
              const DSN *dsn, STRBUF *why)
{
    return bc_append(BC_BOUNCE, flags, queue_id, rcpt, dsn, why);
}

/* defer_append - a defer/ID entry */
int
defer_append(int flags, const char *queue_id, const RECIPIENT *rcpt,
             const DSN *dsn, STRBUF *why)
{
    return bc_append(BC_DEFER, flags, queue_id, rcpt, dsn, why);
}

/* trace_append - a trace/ID entry */
int
trace_append(int flags, const char *queue_id, const RECIPIENT *rcpt,
             const DSN *dsn, STRBUF *why)
{
    return bc_append(BC_TRACE, flags, queue_id, rcpt, dsn, why);
}

/* bounce_clnt_request - fill req with a flush or warn request's frame */
void
bounce_clnt_request(ATTR_LIST *req, const char *request, int flags,
                    const char *queue_name, const char *queue_id)
{
    attr_list_reset(req);
    attr_put_str(req, MAIL_ATTR_REQ, request);
    attr_put_int(req, BOUNCE_ATTR_FLAGS, (uint32_t) flags);
    attr_put_str(req, BOUNCE_ATTR_QUEUE, queue_name);
    attr_put_str(req, BOUNCE_ATTR_ID, queue_id);
}

/* bc_notice - a flush or warn request to one service */
static int
bc_notice(int which, const char *request, int flags, const char *queue_name,
          const char *queue_id, STRBUF *why)
{
    bc_client(which);
    bounce_clnt_request(bc_req, request, flags, queue_name, queue_id);
    return bc_call(which, why);
}

/* bounce_flush - the non-delivery report of bounce/ID */
int
bounce_flush(int flags, const char *queue_name, const char *queue_id,
             STRBUF *why)
{
    return bc_notice(BC_BOUNCE, BOUNCE_REQ_FLUSH, flags, queue_name, queue_id,
                     why);
}

/* trace_flush - the success notice of trace/ID */
int
trace_flush(int flags, const char *queue_name, const char *queue_id,
            STRBUF *why)
{
    return bc_notice(BC_TRACE, BOUNCE_REQ_FLUSH, flags, queue_name, queue_id,
                     why);
}

/* defer_warn - a delay warning from defer/ID */
int
defer_warn(int flags, const char *queue_name, const char *queue_id, STRBUF *why)
{
    return bc_notice(BC_DEFER, BOUNCE_REQ_WARN, flags, queue_name, queue_id,
                     why);
}

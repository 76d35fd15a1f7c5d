/*
 * qmgr_bounce - the requests qmgr itself makes to the bounce, defer and
 * trace services (docs/ipc.md, "bounce, defer, trace").
 *
 * qmgr_bounce_init() makes one kept connection (MAIL_CLNT) per service,
 * each request bounded by qmgr_ipc_timeout (60 s by default): qmgr
 * blocks at most that long, and these requests are rare (a deferral
 * qmgr decides, a report at the end of a message).
 *
 * qmgr_bounce_append() records one recipient's outcome in the log of
 * service (bounce, defer); qmgr_bounce_request() sends a flush (bounce,
 * trace) or warn (defer).  Both return 0 when the service answered OK,
 * else -1 with a reason in why: the caller keeps the message and tries
 * again on a later pass.  Nothing is fatal.
 */
#include <string.h>

#include "attr.h"
#include "bounce_clnt.h"
#include "mail_conf.h"
#include "mail_proto.h"
#include "msg.h"
#include "qmgr.h"

/* One kept connection per service. */
static MAIL_CLNT *qmgr_clnt_bounce;
static MAIL_CLNT *qmgr_clnt_defer;
static MAIL_CLNT *qmgr_clnt_trace;

/* qmgr_bounce_init - the three clients */
void
qmgr_bounce_init(void)
{
    int timeout_ms = (int) qmgr_params.ipc_timeout * 1000;
    int idle = (int) mail_conf_time("ipc_idle");
    int ttl = (int) mail_conf_time("ipc_ttl");

    qmgr_clnt_bounce = mail_clnt_create(
        NULL, MAIL_CLASS_PRIVATE, MAIL_SERVICE_BOUNCE, timeout_ms, idle, ttl);
    qmgr_clnt_defer = mail_clnt_create(
        NULL, MAIL_CLASS_PRIVATE, MAIL_SERVICE_DEFER, timeout_ms, idle, ttl);
    qmgr_clnt_trace = mail_clnt_create(
        NULL, MAIL_CLASS_PRIVATE, MAIL_SERVICE_TRACE, timeout_ms, idle, ttl);
}

/* clnt_for - the client of a service name */
static MAIL_CLNT *
clnt_for(const char *service)
{
    if (strcmp(service, MAIL_SERVICE_BOUNCE) == 0)
        return qmgr_clnt_bounce;
    if (strcmp(service, MAIL_SERVICE_DEFER) == 0)
        return qmgr_clnt_defer;
    if (strcmp(service, MAIL_SERVICE_TRACE) == 0)
        return qmgr_clnt_trace;
    msg_panic("qmgr_bounce: unknown service %s", service);
}

/* call - send req to service; 0 when it answered OK, else -1 and why */
static int
call(const char *service, const ATTR_LIST *req, STRBUF *why)
{
    ATTR_LIST *reply = attr_list_create();
    const char *reason;
    int status;

    status = mail_clnt_request(clnt_for(service), req, reply, why);
    if (status > 0) {
        reason = attr_get_str(reply, MAIL_ATTR_REASON);
        strbuf_sprintf(why, "private/%s: status %d: %s", service, status,
                       reason ? reason : "unknown error");
    }
    attr_list_free(reply);
    return status == MAIL_STAT_OK ? 0 : -1;
}

/* qmgr_bounce_append - one recipient's outcome into service's log */
int
qmgr_bounce_append(const char *service, int flags, const char *id,
                   const RECIPIENT *rcpt, const DSN *dsn, STRBUF *why)
{
    ATTR_LIST *req = attr_list_create();
    int ret;

    bounce_clnt_append_request(req, flags, id, rcpt, dsn);
    ret = call(service, req, why);
    attr_list_free(req);
    return ret;
}

/* qmgr_bounce_request - a flush or warn request for the message id */
int
qmgr_bounce_request(const char *service, const char *request, int flags,
                    const char *id, STRBUF *why)
{
    ATTR_LIST *req = attr_list_create();
    int ret;

    bounce_clnt_request(req, request, flags, MAIL_QUEUE_ACTIVE, id);
    ret = call(service, req, why);
    attr_list_free(req);
    return ret;
}

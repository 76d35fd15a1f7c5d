/*
 * error - the error and retry delivery agents, error(8).
 *
 * Single-server on private/error and private/retry (one program; the
 * master.cf service name decides).  Every recipient of a request is
 * bounced (error) or deferred (retry), with the request's nexthop as the
 * reason: the text qmgr got from the resolver ("error:5.1.1 no such
 * user").  A leading RFC 3463 status in the text is used; without one,
 * or with a success status, error uses 5.0.0 and retry 4.0.0.  A retry
 * deferral of an expired message (DEL_FLAG_EXPIRED) becomes a bounce in
 * libglobal/deliver_request.  Nothing here is fatal.
 */
#include <string.h>

#include "deliver_request.h"
#include "dsn.h"
#include "mail_proto.h"
#include "mail_server.h"

/* error_deliver - bounce or defer every recipient of one request */
static void
error_deliver(DELIVER_REQUEST *req, void *context)
{
    int retry = *(const int *) context;
    const char *def = retry ? "4.0.0" : "5.0.0";
    STRBUF *status = strbuf_create(10);
    const char *text = dsn_split(status, def, req->nexthop);
    DSN dsn = {0};
    size_t i;

    if (dsn_class(STR(status)) == 2)
        strbuf_strcpy(status, def);
    dsn.status = STR(status);
    dsn.reason = *text   ? text
                 : retry ? "delivery temporarily suspended"
                         : "mail to this destination is not deliverable";
    dsn.relay = "none";
    for (i = 0; i < req->rcpt_count; i++) {
        if (retry)
            deliver_defer(req, i, &dsn);
        else
            deliver_bounce(req, i, &dsn);
    }
    strbuf_free(status);
}

/* error_service - the requests of one qmgr connection */
static void
error_service(STREAM *client, const char *service, char **argv)
{
    int retry = strcmp(service, MAIL_SERVICE_RETRY) == 0;

    (void) argv;
    deliver_request_serve(client, error_deliver, &retry);
}

int
main(int argc, char **argv)
{
    single_server_main(argc, argv, error_service, 0);
}

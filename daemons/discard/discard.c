/*
 * discard - the discard delivery agent, discard(8).
 *
 * Single-server on private/discard.  Every recipient of a request counts
 * as delivered without going anywhere: status sent, relay none, the
 * request's nexthop text as the reason ("discarded" when empty), DSN
 * 2.0.0 or the 2.X.X status that starts the text.  A recipient that
 * asked for NOTIFY=SUCCESS gets a trace entry (action delivered) like
 * any delivery.  Nothing here is fatal.
 */
#include "deliver_request.h"
#include "dsn.h"
#include "mail_proto.h"
#include "mail_server.h"

/* discard_deliver - every recipient of one request delivered */
static void
discard_deliver(DELIVER_REQUEST *req, void *context)
{
    STRBUF *status = strbuf_create(10);
    const char *text = dsn_split(status, "2.0.0", req->nexthop);
    DSN dsn = {0};
    size_t i;

    (void) context;

    if (dsn_class(STR(status)) != 2)
        strbuf_strcpy(status, "2.0.0");
    dsn.status = STR(status);
    dsn.reason = *text ? text : "discarded";
    dsn.relay = "none";
    for (i = 0; i < req->rcpt_count; i++)
        deliver_sent(req, i, &dsn);
    strbuf_free(status);
}

/* discard_service - the requests of one qmgr connection */
static void
discard_service(STREAM *client, const char *service, char **argv)
{
    (void) service;
    (void) argv;
    deliver_request_serve(client, discard_deliver, NULL);
}

int
main(int argc, char **argv)
{
    single_server_main(argc, argv, discard_service, 0);
}

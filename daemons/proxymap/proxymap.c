/*
 * proxymap - the lookup table proxy, proxymap(8).
 *
 * Clients (the proxy: table type, dict_proxy.c) send one request at a
 * time: open (may this table be used?), lookup, and on the proxywrite
 * service update and delete.  The service named by
 * proxywrite_service_name is the writer; any other name serves
 * proxy_read_maps read-only.  proxymap_tables.c holds the logic: the
 * approved tables, the tables kept open, the requests; docs/ipc.md
 * documents the requests and replies.
 *
 * Many clients at once (multi-server).  A frame that cannot be decoded,
 * or a request answered MAIL_STAT_BAD (a client that does not speak the
 * protocol), ends that client after the answer; a table that cannot be
 * opened or fails is a MAIL_STAT_RETRY answer, never an exit.  A proxy
 * list that cannot be expanded is fatal at start (a configuration error).
 */
#include "attr.h"
#include "dict.h"
#include "mail_proto.h"
#include "mail_server.h"
#include "msg.h"
#include "proxymap_tables.h"

/* Limits on a request frame: a table name or key and a value. */
#define PROXYMAP_MAX_COUNT   8
#define PROXYMAP_MAX_VALUE   DICT_VALUE_MAX
#define PROXYMAP_MAX_PAYLOAD (2 * DICT_VALUE_MAX + DICT_KEY_MAX + 1024)

/* Per-process state, made by proxymap_post_init(). */
static PROXYMAP_TABLES *proxymap_tables;
static ATTR_LIMITS proxymap_limits;
static ATTR_LIST *proxymap_request;
static ATTR_LIST *proxymap_extra; /* reply values */
static STRBUF *proxymap_why;

/* proxymap_service - answer one request of a client */
static void
proxymap_service(STREAM *client, const char *service, char **argv)
{
    int status;

    (void) argv;
    status =
        attr_read(client, &proxymap_limits, proxymap_request, proxymap_why);
    if (status != ATTR_READ_OK) {
        if (status == ATTR_READ_ERROR)
            msg_warn("%s: dropping a client: %s", service, STR(proxymap_why));
        multi_server_disconnect(client);
        return;
    }
    attr_list_reset(proxymap_extra);
    status = proxymap_tables_request(proxymap_tables, proxymap_request,
                                     proxymap_extra, proxymap_why);
    if (status == MAIL_STAT_BAD)
        msg_warn("%s: bad request: %s", service, STR(proxymap_why));
    if (mail_reply(client, status, STR(proxymap_why), proxymap_extra) < 0 ||
        status == MAIL_STAT_BAD)
        multi_server_disconnect(client);
}

/* proxymap_post_init - approved tables and reader limits; unprivileged */
static void
proxymap_post_init(const char *service, char **argv)
{
    (void) argv;
    proxymap_why = strbuf_create(100);
    if ((proxymap_tables = proxymap_tables_create(service, proxymap_why)) ==
        NULL)
        msg_fatal("%s", STR(proxymap_why));
    attr_limits_init(&proxymap_limits);
    proxymap_limits.max_payload = PROXYMAP_MAX_PAYLOAD;
    proxymap_limits.max_count = PROXYMAP_MAX_COUNT;
    proxymap_limits.max_value = PROXYMAP_MAX_VALUE;
    proxymap_request = attr_list_create();
    proxymap_extra = attr_list_create();
}

/* proxymap_exit - close the tables (a writer's changes reach the disk) */
static void
proxymap_exit(void)
{
    proxymap_tables = proxymap_tables_free(proxymap_tables);
}

int
main(int argc, char **argv)
{
    multi_server_main(argc, argv, proxymap_service, MAIL_SERVER_POST_INIT,
                      proxymap_post_init, MAIL_SERVER_EXIT, proxymap_exit, 0);
}

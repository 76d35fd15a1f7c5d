/*
 * anvil - the connection and rate counter service, anvil(8).
 *
 * Servers that want to limit their clients (smtpd's connection count and
 * rate limits) report each event to private/anvil and get back the
 * client's current count or rate; anvil itself limits nothing.  Each
 * request is an attribute list with the request name and an ident
 * ("service:client_addr"); mail_proto.h has the names, docs/ipc.md the
 * requests and replies:
 *
 *   connect     -> count, rate    disconnect -> status only
 *   message     -> rate           recipient  -> rate
 *   newtls      -> rate           auth       -> rate
 *   lookup      -> count, rate, mail, rcpt, ntls, auth (zeros if unknown)
 *
 * A request that is unknown or fails the strict scan is answered with
 * MAIL_STAT_BAD and a reason, and the client stays connected; a new
 * ident that does not fit the table gets MAIL_STAT_RETRY.  A frame that
 * cannot be decoded ends that client only.  The counters live in
 * anvil_tab.c; a timer removes expired entries every
 * anvil_rate_time_unit, another logs the peaks every
 * anvil_status_update_time, and they are logged once more at exit.
 *
 * One process serves every client (multi-server, maxproc 1) and does not
 * exit for idleness or use counts, which would lose the counters.  A bad
 * anvil_rate_time_unit or anvil_status_update_time is fatal at start.
 */
#include <limits.h>
#include <string.h>

#include "anvil_tab.h"
#include "attr.h"
#include "events.h"
#include "mail_conf.h"
#include "mail_proto.h"
#include "mail_server.h"
#include "msg.h"
#include "stringops.h"

/* Longest ident accepted, and limits on a request frame. */
#define ANVIL_IDENT_MAX   1024
#define ANVIL_MAX_PAYLOAD 4096
#define ANVIL_MAX_COUNT   16

/* Per-process state, made by anvil_post_init(). */
static ANVIL_TAB *anvil_tab;
static ATTR_LIMITS anvil_limits;
static ATTR_LIST *anvil_request;
static ATTR_LIST *anvil_extra; /* reply values */
static STRBUF *anvil_name;     /* the request name, scanned */
static STRBUF *anvil_ident;    /* the ident, scanned */
static STRBUF *anvil_why;

/* A request handler: MAIL_STAT_*, values in extra, a reason in why. */
typedef int (*ANVIL_REQ_FN)(const char *ident, int which, ATTR_LIST *extra,
                            STRBUF *why);

/* anvil_full - the answer to a new ident that does not fit */
static int
anvil_full(STRBUF *why)
{
    strbuf_strcpy(why, "anvil table full: try again later");
    return MAIL_STAT_RETRY;
}

/* anvil_connect - count a connection: count and rate */
static int
anvil_connect(const char *ident, int which, ATTR_LIST *extra, STRBUF *why)
{
    unsigned count, rate;

    (void) which;
    if (anvil_tab_connect(anvil_tab, ident, &count, &rate) < 0)
        return anvil_full(why);
    attr_put_int(extra, ANVIL_ATTR_COUNT, count);
    attr_put_int(extra, ANVIL_ATTR_RATE, rate);
    return MAIL_STAT_OK;
}

/* anvil_disconnect - a connection ended */
static int
anvil_disconnect(const char *ident, int which, ATTR_LIST *extra, STRBUF *why)
{
    (void) which;
    (void) extra;
    (void) why;
    anvil_tab_disconnect(anvil_tab, ident);
    return MAIL_STAT_OK;
}

/* anvil_incr - count a message, recipient, TLS session or AUTH: its rate */
static int
anvil_incr(const char *ident, int which, ATTR_LIST *extra, STRBUF *why)
{
    unsigned rate;

    if (anvil_tab_incr(anvil_tab, ident, which, &rate) < 0)
        return anvil_full(why);
    attr_put_int(extra, ANVIL_ATTR_RATE, rate);
    return MAIL_STAT_OK;
}

/* anvil_lookup - report all values without counting anything */
static int
anvil_lookup(const char *ident, int which, ATTR_LIST *extra, STRBUF *why)
{
    static const char *const names[ANVIL_NVALUES] = {
        [ANVIL_COUNT] = ANVIL_ATTR_COUNT, [ANVIL_RATE] = ANVIL_ATTR_RATE,
        [ANVIL_MAIL] = ANVIL_ATTR_MAIL,   [ANVIL_RCPT] = ANVIL_ATTR_RCPT,
        [ANVIL_NTLS] = ANVIL_ATTR_NTLS,   [ANVIL_AUTH] = ANVIL_ATTR_AUTH,
    };
    unsigned values[ANVIL_NVALUES];
    int i;

    (void) which;
    (void) why;
    anvil_tab_lookup(anvil_tab, ident, values);
    for (i = 0; i < ANVIL_NVALUES; i++)
        attr_put_int(extra, names[i], values[i]);
    return MAIL_STAT_OK;
}

/* The requests: name, handler, and the value a rate request counts. */
static const struct anvil_req {
    const char *name;
    ANVIL_REQ_FN fn;
    int which;
} anvil_reqs[] = {
    {ANVIL_REQ_CONNECT, anvil_connect, ANVIL_COUNT},
    {ANVIL_REQ_DISCONNECT, anvil_disconnect, ANVIL_COUNT},
    {ANVIL_REQ_MESSAGE, anvil_incr, ANVIL_MAIL},
    {ANVIL_REQ_RECIPIENT, anvil_incr, ANVIL_RCPT},
    {ANVIL_REQ_NEWTLS, anvil_incr, ANVIL_NTLS},
    {ANVIL_REQ_NEWAUTH, anvil_incr, ANVIL_AUTH},
    {ANVIL_REQ_LOOKUP, anvil_lookup, ANVIL_COUNT},
};

/* anvil_dispatch - check one request and run its handler: MAIL_STAT_* */
static int
anvil_dispatch(const ATTR_LIST *req, ATTR_LIST *extra, STRBUF *why)
{
    const char *name = attr_get_str(req, MAIL_ATTR_REQ);
    size_t i;

    if (name == NULL) {
        strbuf_strcpy(why, "missing string attribute \"" MAIL_ATTR_REQ "\"");
        return MAIL_STAT_BAD;
    }
    for (i = 0; i < sizeof(anvil_reqs) / sizeof(anvil_reqs[0]); i++)
        if (strcmp(name, anvil_reqs[i].name) == 0)
            break;
    if (i == sizeof(anvil_reqs) / sizeof(anvil_reqs[0])) {
        printable(anvil_name, name, strlen(name), 64, '?');
        strbuf_sprintf(why, "unknown request \"%s\"", STR(anvil_name));
        return MAIL_STAT_BAD;
    }
    /* Every request is the same shape: its name and one ident. */
    if (attr_scan(req, ATTR_FLAG_STRICT, why, ATTR_TYPE_STR, MAIL_ATTR_REQ,
                  anvil_name, ATTR_TYPE_STR, ANVIL_ATTR_IDENT, anvil_ident,
                  ATTR_TYPE_END) < 0)
        return MAIL_STAT_BAD;
    if (LEN(anvil_ident) == 0) {
        strbuf_strcpy(why, "empty ident");
        return MAIL_STAT_BAD;
    }
    return anvil_reqs[i].fn(STR(anvil_ident), anvil_reqs[i].which, extra, why);
}

/* anvil_service - answer one request of a client */
static void
anvil_service(STREAM *client, const char *service, char **argv)
{
    int status;

    (void) service;
    (void) argv;
    status = attr_read(client, &anvil_limits, anvil_request, anvil_why);
    if (status != ATTR_READ_OK) {
        if (status == ATTR_READ_ERROR)
            msg_warn("anvil: dropping a client: %s", STR(anvil_why));
        multi_server_disconnect(client);
        return;
    }
    attr_list_reset(anvil_extra);
    strbuf_reset(anvil_why);
    status = anvil_dispatch(anvil_request, anvil_extra, anvil_why);
    if (status == MAIL_STAT_BAD)
        msg_warn("anvil: bad request: %s", STR(anvil_why));
    if (mail_reply(client, status, STR(anvil_why), anvil_extra) < 0)
        multi_server_disconnect(client);
}

/* anvil_cleanup_event - timer: drop entries that hold nothing */
static void
anvil_cleanup_event(EVENT_LOOP *loop, int event, int id, void *context)
{
    (void) loop;
    (void) event;
    (void) id;
    (void) context;
    anvil_tab_cleanup(anvil_tab);
}

/* anvil_status_event - timer: log the peaks of the last period */
static void
anvil_status_event(EVENT_LOOP *loop, int event, int id, void *context)
{
    (void) loop;
    (void) event;
    (void) id;
    (void) context;
    anvil_tab_log_status(anvil_tab);
}

/* anvil_time_ms - a positive time parameter as timer milliseconds */
static int
anvil_time_ms(const char *name, long *seconds)
{
    *seconds = mail_conf_time(name);
    if (*seconds < 1)
        msg_fatal("parameter %s: must be at least 1s", name);
    return *seconds > INT_MAX / 1000 ? INT_MAX : (int) (*seconds * 1000);
}

/* anvil_post_init - the table, reader limits and timers; unprivileged */
static void
anvil_post_init(const char *service, char **argv)
{
    EVENT_LOOP *loop = mail_server_loop();
    long unit, update;
    int unit_ms = anvil_time_ms("anvil_rate_time_unit", &unit);
    int update_ms = anvil_time_ms("anvil_status_update_time", &update);

    (void) service;
    (void) argv;
    anvil_tab = anvil_tab_create(unit, ANVIL_TAB_DEF_MAX, NULL);
    attr_limits_init(&anvil_limits);
    anvil_limits.max_payload = ANVIL_MAX_PAYLOAD;
    anvil_limits.max_count = ANVIL_MAX_COUNT;
    anvil_limits.max_value = ANVIL_MAX_PAYLOAD;
    anvil_request = attr_list_create();
    anvil_extra = attr_list_create();
    anvil_name = strbuf_create(20);
    anvil_ident = strbuf_create(100);
    /* A longer ident fails the scan: a bad request, not a bad frame. */
    strbuf_set_limit(anvil_ident, ANVIL_IDENT_MAX);
    anvil_why = strbuf_create(100);
    event_request_timer(loop, anvil_cleanup_event, NULL, unit_ms, 1);
    event_request_timer(loop, anvil_status_event, NULL, update_ms, 1);
}

/* anvil_exit - log the peaks one last time */
static void
anvil_exit(void)
{
    if (anvil_tab != NULL)
        anvil_tab_log_status(anvil_tab);
}

int
main(int argc, char **argv)
{
    multi_server_main(argc, argv, anvil_service, MAIL_SERVER_POST_INIT,
                      anvil_post_init, MAIL_SERVER_EXIT, anvil_exit,
                      MAIL_SERVER_SOLITARY, 1, MAIL_SERVER_UNLIMITED, 1, 0);
}

/*
 * bounce - the bounce, defer and trace services, bounce(8).
 *
 * One program under three master.cf names; the service name (-n) is the
 * role and names the log it writes: bounce/ID, defer/ID or trace/ID
 * (docs/ipc.md, "bounce, defer, trace"; docs/bounce.md).  Clients keep
 * their connections, so each connection is served until EOF:
 *
 *   append  (all)           one entry -> the role's log, fsync'ed
 *   flush   (bounce, trace) a report from the log, then the log goes
 *   warn    (defer)         a delay warning from defer/ID; it stays
 *
 * Replies: MAIL_STAT_OK; MAIL_STAT_RETRY (the log could not be written,
 * or a report could not be queued: the log is kept); MAIL_STAT_BAD for a
 * request that fails the strict scan or a value check.  A frame that
 * cannot be decoded ends the connection.  Reports are built by
 * bounce_report.c and sent by bounce_notify.c.  A service name other
 * than bounce, defer or trace is fatal at start.
 */
#include <string.h>
#include <time.h>

#include "argv.h"
#include "attr.h"
#include "bounce.h"
#include "mail_conf.h"
#include "mail_proto.h"
#include "mail_server.h"
#include "msg.h"
#include "mymalloc.h"
#include "rec_type.h"
#include "stringops.h"

/* Request bounds: one recipient's outcome fits easily. */
#define BOUNCE_MAX_PAYLOAD (64 * 1024)
#define BOUNCE_MAX_COUNT   32
#define BOUNCE_MAX_STR     4096

BOUNCE_PARAMS bounce_params;

static const char *bounce_role;
static ATTR_LIMITS bounce_limits;

/* The scanned attributes of a request. */
typedef struct BOUNCE_REQ {
    STRBUF *name, *queue, *id, *addr, *orig, *orcpt, *status, *action, *reason,
        *diag, *mta, *relay;
    uint32_t flags, notify;
    int64_t offset;
} BOUNCE_REQ;

/* req_create - the buffers of a request, bounded */
static BOUNCE_REQ *
req_create(void)
{
    BOUNCE_REQ *r = mycalloc(1, sizeof(*r));
    STRBUF **bufs[] = {&r->name,   &r->queue, &r->id,     &r->addr,
                       &r->orig,   &r->orcpt, &r->status, &r->action,
                       &r->reason, &r->diag,  &r->mta,    &r->relay};
    size_t i;

    for (i = 0; i < sizeof(bufs) / sizeof(bufs[0]); i++) {
        *bufs[i] = strbuf_create(100);
        strbuf_set_limit(*bufs[i], BOUNCE_MAX_STR);
    }
    return r;
}

/* req_free - release a request's buffers */
static void
req_free(BOUNCE_REQ *r)
{
    STRBUF *bufs[] = {r->name,   r->queue, r->id,     r->addr,
                      r->orig,   r->orcpt, r->status, r->action,
                      r->reason, r->diag,  r->mta,    r->relay};
    size_t i;

    for (i = 0; i < sizeof(bufs) / sizeof(bufs[0]); i++)
        strbuf_free(bufs[i]);
    myfree(r);
}

/* valid_status - "X.Y.Z" with X 2, 4 or 5 (dsn.c's rule, kept local) */
static int
valid_status(const char *s)
{
    int part, n;

    if (*s != '2' && *s != '4' && *s != '5')
        return 0;
    for (s++, part = 0; part < 2; part++) {
        if (*s++ != '.')
            return 0;
        for (n = 0; n < 3 && *s >= '0' && *s <= '9'; n++)
            s++;
        if (n == 0)
            return 0;
    }
    return *s == 0;
}

/* valid_action - one of the DSN_ACTION_* words */
static int
valid_action(const char *s)
{
    return strcmp(s, DSN_ACTION_FAILED) == 0 ||
           strcmp(s, DSN_ACTION_DELAYED) == 0 ||
           strcmp(s, DSN_ACTION_DELIVERED) == 0 ||
           strcmp(s, DSN_ACTION_RELAYED) == 0 ||
           strcmp(s, DSN_ACTION_EXPANDED) == 0;
}

/* valid_notify - 0, or DSN_NOTIFY_* bits with NEVER alone */
static int
valid_notify(uint32_t n)
{
    if (n > (DSN_NOTIFY_ANY | DSN_NOTIFY_NEVER))
        return 0;
    return !(n & DSN_NOTIFY_NEVER) || n == DSN_NOTIFY_NEVER;
}

/* do_append - one entry to the role's log */
static int
do_append(const ATTR_LIST *list, BOUNCE_REQ *r, STRBUF *why)
{
    RECIPIENT rcpt;
    DSN dsn;

    if (attr_scan(
            list, ATTR_FLAG_STRICT, why, ATTR_TYPE_STR, MAIL_ATTR_REQ, r->name,
            ATTR_TYPE_INT, BOUNCE_ATTR_FLAGS, &r->flags, ATTR_TYPE_STR,
            BOUNCE_ATTR_ID, r->id, ATTR_TYPE_STR, DELIVER_ATTR_ADDR, r->addr,
            ATTR_TYPE_STR, DELIVER_ATTR_ORIG, r->orig, ATTR_TYPE_STR,
            DELIVER_ATTR_ORCPT, r->orcpt, ATTR_TYPE_INT, DELIVER_ATTR_NOTIFY,
            &r->notify, ATTR_TYPE_LONG, DELIVER_ATTR_RCPT_OFF, &r->offset,
            ATTR_TYPE_STR, BOUNCE_ATTR_STATUS, r->status, ATTR_TYPE_STR,
            BOUNCE_ATTR_ACTION, r->action, ATTR_TYPE_STR, BOUNCE_ATTR_REASON,
            r->reason, ATTR_TYPE_STR, BOUNCE_ATTR_DIAG, r->diag, ATTR_TYPE_STR,
            BOUNCE_ATTR_MTA, r->mta, ATTR_TYPE_STR, BOUNCE_ATTR_RELAY, r->relay,
            ATTR_TYPE_END) < 0)
        return MAIL_STAT_BAD;
    if (LEN(r->addr) == 0 || !valid_status(STR(r->status)) ||
        !valid_action(STR(r->action)) || !valid_notify(r->notify) ||
        r->offset < -1 || !mail_queue_id_ok(STR(r->id))) {
        strbuf_strcpy(why, "bad recipient, status, action, notify, offset "
                           "or queue ID");
        return MAIL_STAT_BAD;
    }
    rcpt = (RECIPIENT){STR(r->addr), STR(r->orig), STR(r->orcpt),
                       (int) r->notify, r->offset};
    dsn = (DSN){STR(r->status), STR(r->action), STR(r->reason),
                STR(r->diag),   STR(r->mta),    STR(r->relay)};
    if (bounce_log_append(bounce_params.mq, bounce_role, STR(r->id), &rcpt,
                          &dsn, time(NULL), why) < 0) {
        msg_warn("%s: %s", STR(r->id), STR(why));
        return MAIL_STAT_RETRY;
    }
    return MAIL_STAT_OK;
}

/* do_report - flush (bounce, trace) or warn (defer) */
static int
do_report(const ATTR_LIST *list, BOUNCE_REQ *r, int warn, STRBUF *why)
{
    int is_defer = strcmp(bounce_role, MAIL_SERVICE_DEFER) == 0;

    if (attr_scan(list, ATTR_FLAG_STRICT, why, ATTR_TYPE_STR, MAIL_ATTR_REQ,
                  r->name, ATTR_TYPE_INT, BOUNCE_ATTR_FLAGS, &r->flags,
                  ATTR_TYPE_STR, BOUNCE_ATTR_QUEUE, r->queue, ATTR_TYPE_STR,
                  BOUNCE_ATTR_ID, r->id, ATTR_TYPE_END) < 0)
        return MAIL_STAT_BAD;
    if (warn != is_defer) {
        strbuf_sprintf(why, "request \"%s\" is not served by %s", STR(r->name),
                       bounce_role);
        return MAIL_STAT_BAD;
    }
    if (!mail_queue_name_ok(STR(r->queue)) || !mail_queue_id_ok(STR(r->id))) {
        strbuf_strcpy(why, "bad queue name or queue ID");
        return MAIL_STAT_BAD;
    }
    if (warn)
        return bounce_notify_warn(STR(r->queue), STR(r->id), why);
    return bounce_notify_flush(bounce_role, STR(r->queue), STR(r->id), why);
}

/* dispatch - one request: MAIL_STAT_*, a reason in why */
static int
dispatch(const ATTR_LIST *list, BOUNCE_REQ *r, STRBUF *why)
{
    const char *name = attr_get_str(list, MAIL_ATTR_REQ);

    if (name == NULL) {
        strbuf_strcpy(why, "missing string attribute \"" MAIL_ATTR_REQ "\"");
        return MAIL_STAT_BAD;
    }
    if (strcmp(name, BOUNCE_REQ_APPEND) == 0)
        return do_append(list, r, why);
    if (strcmp(name, BOUNCE_REQ_FLUSH) == 0)
        return do_report(list, r, 0, why);
    if (strcmp(name, BOUNCE_REQ_WARN) == 0)
        return do_report(list, r, 1, why);
    printable(r->name, name, strlen(name), 64, '?');
    strbuf_sprintf(why, "unknown request \"%s\"", STR(r->name));
    return MAIL_STAT_BAD;
}

/* bounce_service - serve one client's requests until it hangs up */
static void
bounce_service(STREAM *client, const char *service, char **argv)
{
    ATTR_LIST *list = attr_list_create();
    ATTR_LIST *extra = attr_list_create();
    BOUNCE_REQ *r = req_create();
    STRBUF *why = strbuf_create(100);
    int status;

    (void) service;
    (void) argv;
    while ((status = attr_read(client, &bounce_limits, list, why)) ==
           ATTR_READ_OK) {
        strbuf_reset(why);
        status = dispatch(list, r, why);
        if (status == MAIL_STAT_BAD)
            msg_warn("%s: bad request: %s", bounce_role, STR(why));
        attr_list_reset(extra);
        if (mail_reply(client, status, STR(why), extra) < 0)
            break;
    }
    if (status == ATTR_READ_ERROR)
        msg_info("%s: dropping a client: %s", bounce_role, STR(why));
    attr_list_free(list);
    attr_list_free(extra);
    req_free(r);
    strbuf_free(why);
}

/* has_class - is name in the notify_classes list? */
static int
has_class(const ARGV *classes, const char *name)
{
    size_t i;

    for (i = 0; i < classes->argc; i++)
        if (strcasecmp(classes->argv[i], name) == 0)
            return 1;
    return 0;
}

/* bounce_post_init - the role, the parameters, the queue tree */
static void
bounce_post_init(const char *service, char **argv)
{
    BOUNCE_PARAMS *p = &bounce_params;
    char *classes = mail_conf_str("notify_classes");
    ARGV *list = argv_split(classes, ", \t\r\n");

    (void) argv;
    bounce_role = mail_server_service();
    if (strcmp(bounce_role, MAIL_SERVICE_BOUNCE) != 0 &&
        strcmp(bounce_role, MAIL_SERVICE_DEFER) != 0 &&
        strcmp(bounce_role, MAIL_SERVICE_TRACE) != 0)
        msg_fatal("service %s: must be bounce, defer or trace", service);
    p->myhostname = mail_conf_str("myhostname");
    p->myorigin = mail_conf_str("myorigin");
    p->double_bounce_sender = mail_conf_str("double_bounce_sender");
    p->bounce_rcpt = mail_conf_str("bounce_notice_recipient");
    p->twobounce_rcpt = mail_conf_str("2bounce_notice_recipient");
    p->delay_rcpt = mail_conf_str("delay_notice_recipient");
    p->notify_bounce = has_class(list, "bounce");
    p->notify_2bounce = has_class(list, "2bounce");
    p->notify_delay = has_class(list, "delay");
    p->size_limit = mail_conf_long("bounce_size_limit");
    p->max_lifetime = mail_conf_time("maximal_queue_lifetime");
    p->timeout_ms = (int) mail_conf_time("ipc_timeout") * 1000;
    p->mq = mail_queue_create(".", mail_conf_str("hash_queue_names"),
                              (int) mail_conf_long("hash_queue_depth"));
    attr_limits_init(&bounce_limits);
    bounce_limits.max_payload = BOUNCE_MAX_PAYLOAD;
    bounce_limits.max_count = BOUNCE_MAX_COUNT;
    argv_free(list);
    myfree(classes);
}

int
main(int argc, char **argv)
{
    single_server_main(argc, argv, bounce_service, MAIL_SERVER_POST_INIT,
                       bounce_post_init, 0);
}

/*
 * qmgr_deliver - transports and delivery requests.
 *
 * qmgr_transport_init() reads master.cf (for each transport's maxproc);
 * qmgr_transport_lookup() returns the transport of a name, made on
 * first use with its limits: TRANSPORT_destination_concurrency_limit,
 * TRANSPORT_destination_recipient_limit and
 * TRANSPORT_destination_concurrency_failed_cohort_limit when main.cf
 * (or the parameter table, as for local_*) has them, else the
 * default_destination_* parameters; the master.cf maxproc of the unix
 * service of that name (default_process_limit for "-" or no such
 * service; 0, no limit, counts as 1000).
 *
 * qmgr_deliver_kick() sends what the schedule allows: for each
 * transport, entries picked round robin (qmgr_transport_select), each
 * over a connection to private/TRANSPORT (one kept from an earlier
 * request when there is one, see QMGR_IDLE): the request frame and one
 * frame per recipient, written and the reply read without blocking from
 * the event loop, with a deadline of daemon_timeout.  The reply's
 * results go to the message one by one.  Anything else (no connection,
 * an error status, a malformed or late reply, an agent that dies) means
 * nothing was recorded: qmgr defers those recipients itself with the
 * reason "delivery agent private/TRANSPORT: ..." (a recipient an agent
 * marked done before it failed counts as delivered).  A reply with
 * dead=1 is a failed cohort; when that suspends the destination, its
 * waiting entries are deferred ("delivery temporarily suspended").
 *
 * Nothing here is fatal; a multi-client daemon never exits over one
 * agent.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "attr.h"
#include "htable.h"
#include "mail_conf.h"
#include "mail_proto.h"
#include "master_cf.h"
#include "msg.h"
#include "mymalloc.h"
#include "qmgr.h"
#include "sock.h"

/* A reply is small; anything larger is a broken agent. */
#define QMGR_REPLY_MAX (64 * 1024)

/* maxproc 0 (no limit) in master.cf, as a number. */
#define QMGR_PROC_UNLIMITED 1000

/*
 * Connections to delivery agents are kept for the next request to the
 * same transport (the agents serve requests until the client goes):
 * at most QMGR_IDLE_MAX in all, each for at most QMGR_IDLE_TIME seconds
 * idle.  An agent that ends one (max_use, retired, stopped) closes it,
 * and the read event on the idle connection drops it at once.
 */
#define QMGR_IDLE_MAX  100
#define QMGR_IDLE_TIME 2

typedef struct QMGR_IDLE {
    struct QMGR_IDLE *next;
    QMGR_TRANSPORT *transport;
    int fd;
    time_t since;
} QMGR_IDLE;

static QMGR_IDLE *qmgr_idle; /* most recent first */
static int qmgr_idle_count;
static int qmgr_idle_timer;

/* One request in flight. */
typedef struct QMGR_DELIVERY {
    QMGR_ENTRY *entry;
    int fd;
    int reused;     /* fd was an idle connection: one fresh retry */
    STRBUF *out;    /* the frames to send */
    size_t out_pos; /* bytes sent */
    STRBUF *in;     /* reply bytes so far */
    int timer;      /* the reply deadline */
} QMGR_DELIVERY;

static HTABLE *qmgr_transports;
static MASTER_CF *qmgr_master_cf;

/* qmgr_transport_init - master.cf, for maxproc; best effort */
void
qmgr_transport_init(void)
{
    STRBUF *path = strbuf_create(100);
    STRBUF *err = strbuf_create(100);

    qmgr_transports = htable_create(16);
    qmgr_master_cf = master_cf_create();
    strbuf_sprintf(path, "%s/master.cf", mail_conf_config_dir());
    if (master_cf_read(qmgr_master_cf, STR(path), err) < 0) {
        msg_warn("%s: %s: using default_process_limit", STR(path), STR(err));
        qmgr_master_cf = master_cf_free(qmgr_master_cf);
    }
    strbuf_free(path);
    strbuf_free(err);
}

/* transport_param - TRANSPORT_suffix when set, else default_suffix */
static long
transport_param(const char *transport, const char *suffix)
{
    STRBUF *name = strbuf_create(100);
    long value;

    strbuf_sprintf(name, "%s_%s", transport, suffix);
    if (mail_conf_raw(STR(name)) == NULL)
        strbuf_sprintf(name, "default_%s", suffix);
    value = mail_conf_long(STR(name));
    strbuf_free(name);
    return value;
}

/* proc_limit - the master.cf maxproc of the transport's service */
static int
proc_limit(const char *transport)
{
    const MASTER_CF_SERVICE *sv = NULL;
    long def = mail_conf_long("default_process_limit");

    if (qmgr_master_cf != NULL)
        sv = master_cf_find(qmgr_master_cf, transport, MASTER_CF_UNIX);
    if (sv == NULL || sv->maxproc < 0)
        return def > 0 ? (int) def : 1;
    return sv->maxproc == 0 ? QMGR_PROC_UNLIMITED : sv->maxproc;
}

/* qmgr_transport_lookup - the transport of a name, made on first use */
QMGR_TRANSPORT *
qmgr_transport_lookup(const char *name)
{
    QMGR_TRANSPORT *tr = htable_find(qmgr_transports, name);
    QMGR_LIMITS lim;

    if (tr != NULL)
        return tr;
    lim.dest_limit =
        (int) transport_param(name, "destination_concurrency_limit");
    lim.rcpt_limit = (int) transport_param(name, "destination_recipient_limit");
    lim.cohort_limit = (int) transport_param(
        name, "destination_concurrency_failed_cohort_limit");
    lim.proc_limit = proc_limit(name);
    lim.init_conc = (int) mail_conf_long("initial_destination_concurrency");
    lim.backoff = (int) qmgr_params.min_backoff;
    if (lim.dest_limit < 0)
        lim.dest_limit = 0;
    if (lim.rcpt_limit < 0 || lim.rcpt_limit > DEL_MAX_RCPT)
        lim.rcpt_limit = DEL_MAX_RCPT;
    if (lim.rcpt_limit == 0)
        lim.rcpt_limit = DEL_MAX_RCPT;
    if (lim.cohort_limit < 1)
        lim.cohort_limit = 1;
    if (lim.init_conc < 1)
        lim.init_conc = 1;
    tr = qmgr_transport_create(name, &lim);
    htable_enter(qmgr_transports, name, tr);
    return tr;
}

/* put_frame - encode list and append the frame to out */
static void
put_frame(STRBUF *out, const ATTR_LIST *list, STRBUF *frame)
{
    attr_encode(list, frame);
    strbuf_memcat(out, STR(frame), LEN(frame));
}

/* message_attr - an envelope attribute's value, or "" */
static const char *
message_attr(const QMGR_MESSAGE *m, const char *name)
{
    size_t i;

    for (i = 0; i < m->env->attr_count; i++)
        if (strcmp(m->env->attr_names[i], name) == 0)
            return m->env->attr_values[i];
    return "";
}

/* request_head - the deliver frame's attributes */
static void
request_head(ATTR_LIST *l, const QMGR_ENTRY *e)
{
    const QMGR_MESSAGE *m = e->message;
    const char *ret = message_attr(m, MAIL_ATTR_DSN_RET);

    attr_put_str(l, MAIL_ATTR_REQ, DELIVER_REQ_DELIVER);
    attr_put_int(l, DELIVER_ATTR_FLAGS, (uint32_t) m->flags);
    attr_put_str(l, DELIVER_ATTR_QUEUE, MAIL_QUEUE_ACTIVE);
    attr_put_str(l, DELIVER_ATTR_ID, m->id);
    attr_put_long(l, DELIVER_ATTR_OFFSET, m->env->content_offset);
    attr_put_long(l, DELIVER_ATTR_SIZE, m->env->content_size);
    attr_put_str(l, DELIVER_ATTR_NEXTHOP, e->queue->nexthop);
    attr_put_str(l, DELIVER_ATTR_SENDER, m->env->sender);
    attr_put_str(l, DELIVER_ATTR_ENCODING, message_attr(m, MAIL_ATTR_ENCODING));
    attr_put_int(l, DELIVER_ATTR_SMTPUTF8,
                 strcmp(message_attr(m, MAIL_ATTR_SMTPUTF8), "yes") == 0);
    attr_put_str(l, DELIVER_ATTR_ENVID, message_attr(m, MAIL_ATTR_DSN_ENVID));
    attr_put_int(l, DELIVER_ATTR_RET,
                 strcmp(ret, "FULL") == 0   ? DEL_RET_FULL
                 : strcmp(ret, "HDRS") == 0 ? DEL_RET_HDRS
                                            : 0);
    attr_put_long(l, DELIVER_ATTR_ARR_SEC, m->env->arrival_sec);
    attr_put_int(l, DELIVER_ATTR_ARR_USEC, (uint32_t) m->env->arrival_usec);
    attr_put_long(l, DELIVER_ATTR_ACT_SEC, m->active.tv_sec);
    attr_put_int(l, DELIVER_ATTR_ACT_USEC, (uint32_t) m->active.tv_usec);
    attr_put_int(l, DELIVER_ATTR_RCPT_COUNT, (uint32_t) e->rcpt_count);
}

/* request_frames - the whole request of an entry into out */
static void
request_frames(STRBUF *out, const QMGR_ENTRY *e)
{
    const QMGR_MESSAGE *m = e->message;
    ATTR_LIST *l = attr_list_create();
    STRBUF *frame = strbuf_create(256);
    const QFILE_RCPT *r;
    size_t i;

    request_head(l, e);
    put_frame(out, l, frame);
    for (i = 0; i < e->rcpt_count; i++) {
        r = m->env->rcpt + e->rcpt[i];
        attr_list_reset(l);
        attr_put_str(l, DELIVER_ATTR_ADDR, r->address);
        attr_put_str(l, DELIVER_ATTR_ORIG, r->orig ? r->orig : "");
        attr_put_str(l, DELIVER_ATTR_ORCPT, r->dsn_orcpt ? r->dsn_orcpt : "");
        attr_put_int(l, DELIVER_ATTR_NOTIFY, (uint32_t) r->dsn_notify);
        attr_put_long(l, DELIVER_ATTR_RCPT_OFF, (int64_t) r->offset);
        put_frame(out, l, frame);
    }
    attr_list_free(l);
    strbuf_free(frame);
}

/* settle_entry - free an entry and settle the messages it touched */
static void
settle_entry(QMGR_ENTRY *e)
{
    QMGR_MESSAGE *m = e->message;

    qmgr_entry_free(e);
    qmgr_message_settle(m);
}

/* defer_entry - qmgr defers every recipient of e itself, then frees e */
static void
defer_entry(QMGR_ENTRY *e, const char *status, const char *reason)
{
    QMGR_MESSAGE *m = e->message;
    size_t i;

    for (i = 0; i < e->rcpt_count; i++)
        qmgr_message_outcome(m, e->rcpt[i],
                             qmgr_message_defer(m, e->rcpt[i], status, reason));
    settle_entry(e);
}

/* suspend - a destination just went dead: defer what waits for it */
static void
suspend(QMGR_QUEUE *q)
{
    STRBUF *reason = strbuf_create(100);
    QMGR_ENTRY *e = qmgr_queue_drain(q);
    QMGR_ENTRY *next;

    strbuf_sprintf(reason, "delivery temporarily suspended: %s",
                   q->dead_reason);
    msg_info("%s: destination %s suspended: %s", q->transport->name, q->nexthop,
             q->dead_reason);
    for (; e != NULL; e = next) {
        next = e->next;
        defer_entry(e, "4.4.1", STR(reason));
    }
    strbuf_free(reason);
}

/* idle_unlink - take node out of the idle list; its fd stays open */
static void
idle_unlink(QMGR_IDLE *node)
{
    QMGR_IDLE **pp;

    for (pp = &qmgr_idle; *pp != NULL; pp = &(*pp)->next)
        if (*pp == node) {
            *pp = node->next;
            qmgr_idle_count--;
            event_disable_readwrite(qmgr_loop, node->fd);
            return;
        }
}

/* idle_drop - close an idle connection and forget it */
static void
idle_drop(QMGR_IDLE *node)
{
    idle_unlink(node);
    close(node->fd);
    myfree(node);
}

/* idle_event - the agent closed an idle connection (or spoke unasked) */
static void
idle_event(EVENT_LOOP *loop, int event, int fd, void *context)
{
    (void) loop;
    (void) event;
    (void) fd;
    idle_drop(context);
}

/* idle_sweep - close the connections idle for QMGR_IDLE_TIME or more */
static void
idle_sweep(EVENT_LOOP *loop, int event, int id, void *context)
{
    time_t now = time(NULL);
    QMGR_IDLE *node;
    QMGR_IDLE *next;

    (void) event;
    (void) id;
    (void) context;
    qmgr_idle_timer = 0;
    for (node = qmgr_idle; node != NULL; node = next) {
        next = node->next;
        if (now - node->since >= QMGR_IDLE_TIME)
            idle_drop(node);
    }
    if (qmgr_idle != NULL)
        qmgr_idle_timer = event_request_timer(loop, idle_sweep, NULL, 1000, 0);
}

/* idle_put - keep fd, a connection to tr's agent, for the next request */
static void
idle_put(QMGR_TRANSPORT *tr, int fd)
{
    QMGR_IDLE *node;

    if (qmgr_idle_count >= QMGR_IDLE_MAX) {
        close(fd);
        return;
    }
    node = mymalloc(sizeof(*node));
    node->transport = tr;
    node->fd = fd;
    node->since = time(NULL);
    node->next = qmgr_idle;
    qmgr_idle = node;
    qmgr_idle_count++;
    event_enable_read(qmgr_loop, fd, idle_event, node);
    if (qmgr_idle_timer == 0)
        qmgr_idle_timer =
            event_request_timer(qmgr_loop, idle_sweep, NULL, 1000, 0);
}

/* idle_take - an idle connection to tr's agent, or -1 */
static int
idle_take(QMGR_TRANSPORT *tr)
{
    QMGR_IDLE *node;
    int fd;

    for (node = qmgr_idle; node != NULL; node = node->next)
        if (node->transport == tr) {
            idle_unlink(node);
            fd = node->fd;
            myfree(node);
            return fd;
        }
    return -1;
}

/* delivery_free - close the connection, cancel the deadline */
static void
delivery_free(QMGR_DELIVERY *d)
{
    if (d->fd >= 0) {
        event_disable_readwrite(qmgr_loop, d->fd);
        close(d->fd);
    }
    if (d->timer)
        event_cancel_timer(qmgr_loop, d->timer);
    strbuf_free(d->out);
    strbuf_free(d->in);
    myfree(d);
}

static int delivery_connect(QMGR_DELIVERY *d, STRBUF *what);

/*
 * delivery_retry - a kept connection failed with err before any reply.
 * EPIPE (the agent had closed it before we wrote) and ECONNRESET (it
 * closed it with our request unread: Linux reports that so) mean the
 * agent never saw the request; send it again over a new connection.
 * Plain EOF means the agent may have read it and died while delivering:
 * no retry, as for a new connection.  0 when the retry is under way.
 */
static int
delivery_retry(QMGR_DELIVERY *d, int err)
{
    STRBUF *what;
    int ret;

    if (!d->reused || LEN(d->in) != 0 || (err != EPIPE && err != ECONNRESET))
        return -1;
    what = strbuf_create(100);
    event_disable_readwrite(qmgr_loop, d->fd);
    close(d->fd);
    d->fd = -1;
    d->reused = 0;
    d->out_pos = 0;
    ret = delivery_connect(d, what);
    strbuf_free(what);
    return ret;
}

/* delivery_fail - the agent recorded nothing: qmgr defers it all */
static void
delivery_fail(QMGR_DELIVERY *d, const char *what)
{
    QMGR_ENTRY *e = d->entry;
    STRBUF *reason = strbuf_create(100);

    strbuf_sprintf(reason, "delivery agent %s/%s: %s", MAIL_CLASS_PRIVATE,
                   e->queue->transport->name, what);
    msg_warn("%s: %s", ((QMGR_MESSAGE *) e->message)->id, STR(reason));
    delivery_free(d);
    (void) qmgr_queue_done(e->queue, 0, NULL, time(NULL));
    defer_entry(e, "4.3.0", STR(reason));
    strbuf_free(reason);
    qmgr_deliver_kick();
}

/* apply_results - the agent's per-recipient results */
static void
apply_results(QMGR_ENTRY *e, const char *results)
{
    QMGR_MESSAGE *m = e->message;
    size_t i;
    int r;

    for (i = 0; i < e->rcpt_count; i++) {
        r = results[i];
        if (r != DEL_RESULT_SENT && r != DEL_RESULT_TRACED &&
            r != DEL_RESULT_BOUNCED)
            r = DEL_RESULT_DEFERRED;
        qmgr_message_outcome(m, e->rcpt[i], r);
    }
}

/* frame_len - the bytes of the first frame in in (4 + its length) */
static size_t
frame_len(const STRBUF *in)
{
    const unsigned char *p = (const unsigned char *) STR(in);

    return 4 + (((size_t) p[0] << 24) | ((size_t) p[1] << 16) |
                ((size_t) p[2] << 8) | p[3]);
}

/* delivery_reply - a whole reply frame arrived */
static void
delivery_reply(QMGR_DELIVERY *d)
{
    QMGR_ENTRY *e = d->entry;
    ATTR_LIST *l = attr_list_create();
    STRBUF *why = strbuf_create(100);
    const char *results = NULL;
    const char *reason;
    uint32_t status = MAIL_STAT_BAD;
    uint32_t dead = 0;
    QMGR_QUEUE *q;
    int became_dead;

    if (attr_decode(STR(d->in), LEN(d->in), NULL, l, why) < 0 ||
        attr_get_int(l, MAIL_ATTR_STATUS, &status) < 0)
        strbuf_sprintf(why, "malformed reply");
    else if (status == MAIL_STAT_OK &&
             ((results = attr_get_str(l, DELIVER_ATTR_RESULTS)) == NULL ||
              strlen(results) != e->rcpt_count))
        strbuf_sprintf(why, "malformed results");
    else if (status != MAIL_STAT_OK)
        strbuf_sprintf(why, "%s",
                       (reason = attr_get_str(l, MAIL_ATTR_REASON))
                           ? reason
                           : "unknown error");
    if (status != MAIL_STAT_OK || results == NULL ||
        strlen(results) != e->rcpt_count) {
        delivery_fail(d, STR(why));
    } else {
        (void) attr_get_int(l, DELIVER_ATTR_DEAD, &dead);
        reason = attr_get_str(l, MAIL_ATTR_REASON);
        /* One whole frame and nothing after it: the agent may go on. */
        if (LEN(d->in) == frame_len(d->in)) {
            event_disable_readwrite(qmgr_loop, d->fd);
            idle_put(e->queue->transport, d->fd);
            d->fd = -1;
        }
        delivery_free(d);
        apply_results(e, results);
        q = e->queue;
        became_dead = qmgr_queue_done(q, dead != 0, reason, time(NULL));
        /* Settle first: a drained entry may share e's message. */
        settle_entry(e);
        if (became_dead)
            suspend(q);
        qmgr_deliver_kick();
    }
    attr_list_free(l);
    strbuf_free(why);
}

/* frame_complete - does in hold one whole frame?  -1: too large */
static int
frame_complete(const STRBUF *in)
{
    size_t len;

    if (LEN(in) < 4)
        return 0;
    if ((len = frame_len(in)) > QMGR_REPLY_MAX + 4)
        return -1;
    return LEN(in) >= len;
}

/* delivery_read - reply bytes from the agent */
static void
delivery_read(EVENT_LOOP *loop, int event, int fd, void *context)
{
    QMGR_DELIVERY *d = context;
    char buf[4096];
    ssize_t n;
    int done;

    (void) loop;
    (void) event;
    n = read(fd, buf, sizeof(buf));
    if (n < 0 && (errno == EAGAIN || errno == EINTR))
        return;
    if (n < 0 && delivery_retry(d, errno) == 0)
        return;
    if (n <= 0) {
        delivery_fail(d, n == 0 ? "lost connection before the reply"
                                : strerror(errno));
        return;
    }
    strbuf_memcat(d->in, buf, (size_t) n);
    if ((done = frame_complete(d->in)) < 0)
        delivery_fail(d, "reply too large");
    else if (done)
        delivery_reply(d);
}

/* delivery_write - request bytes to the agent */
static void
delivery_write(EVENT_LOOP *loop, int event, int fd, void *context)
{
    QMGR_DELIVERY *d = context;
    ssize_t n;

    (void) event;
    n = send(fd, STR(d->out) + d->out_pos, LEN(d->out) - d->out_pos,
             MSG_NOSIGNAL);
    if (n < 0 && (errno == EAGAIN || errno == EINTR))
        return;
    if (n < 0 && delivery_retry(d, errno) == 0)
        return;
    if (n < 0) {
        delivery_fail(d, strerror(errno));
        return;
    }
    d->out_pos += (size_t) n;
    if (d->out_pos == LEN(d->out)) {
        event_disable_write(loop, fd);
        event_enable_read(loop, fd, delivery_read, d);
    }
}

/* delivery_timeout - the agent took too long */
static void
delivery_timeout(EVENT_LOOP *loop, int event, int id, void *context)
{
    QMGR_DELIVERY *d = context;

    (void) loop;
    (void) event;
    (void) id;
    d->timer = 0;
    delivery_fail(d, "timeout waiting for the reply");
}

/* delivery_connect - a new connection to the agent, the request sent */
static int
delivery_connect(QMGR_DELIVERY *d, STRBUF *what)
{
    STRBUF *path = strbuf_create(100);
    int ret = 0;

    mail_service_path(path, NULL, MAIL_CLASS_PRIVATE,
                      d->entry->queue->transport->name);
    if ((d->fd = sock_unix_connect(STR(path), 1000)) < 0 ||
        sock_set_nonblock(d->fd, 1) < 0) {
        strbuf_sprintf(what, "connect: %s", strerror(errno));
        ret = -1;
    } else {
        event_enable_write(qmgr_loop, d->fd, delivery_write, d);
    }
    strbuf_free(path);
    return ret;
}

/* delivery_start - send one entry, over a kept connection or a new one */
static void
delivery_start(QMGR_ENTRY *e)
{
    QMGR_DELIVERY *d = mymalloc(sizeof(*d));
    STRBUF *what = strbuf_create(100);

    memset(d, 0, sizeof(*d));
    d->entry = e;
    d->in = strbuf_create(256);
    d->out = strbuf_create(1024);
    request_frames(d->out, e);
    d->timer = event_request_timer(qmgr_loop, delivery_timeout, d,
                                   (int) qmgr_params.deliver_timeout * 1000, 0);
    if ((d->fd = idle_take(e->queue->transport)) >= 0) {
        d->reused = 1;
        event_enable_write(qmgr_loop, d->fd, delivery_write, d);
    } else if (delivery_connect(d, what) < 0) {
        delivery_fail(d, STR(what));
    }
    strbuf_free(what);
}

/* qmgr_deliver_kick - start every request the schedule allows now */
void
qmgr_deliver_kick(void)
{
    static int running;
    HTABLE_INFO **list;
    HTABLE_INFO **ht;
    QMGR_ENTRY *e;
    int progress = 1;
    time_t now = time(NULL);

    /* A failure inside delivery_start() kicks again: one loop is enough. */
    if (running)
        return;
    running = 1;
    while (progress) {
        progress = 0;
        list = htable_list(qmgr_transports);
        for (ht = list; *ht; ht++)
            if ((e = qmgr_transport_select((*ht)->value, now)) != NULL) {
                delivery_start(e);
                progress = 1;
            }
        myfree(list);
    }
    running = 0;
}

/* qmgr_deliver_sweep - forget idle destinations */
void
qmgr_deliver_sweep(void)
{
    HTABLE_INFO **list = htable_list(qmgr_transports);
    HTABLE_INFO **ht;

    for (ht = list; *ht; ht++)
        (void) qmgr_transport_sweep((*ht)->value, time(NULL));
    myfree(list);
}

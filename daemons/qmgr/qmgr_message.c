/*
 * qmgr_message - one message in active/, from its load to its end.
 *
 * qmgr_message_load() reads the file active/ID whole (qfile_read_
 * envelope: a malformed file goes to corrupt/), logs Postfix's
 * "ID: from=<sender>, size=N, nrcpt=N (queue active)", and schedules
 * its recipients that are not done: each is resolved once (trivial-
 * rewrite; answers are cached for the message), a content_filter
 * overrides the transport (and the nexthop when it names one), and the
 * recipient joins the destination queue of its transport and nexthop.
 * A resolver failure, or a destination that is suspended, is deferred
 * here (qmgr_message_defer).  At most qmgr_message_recipient_limit
 * recipients are scheduled at once over all messages; a message with
 * more gets the rest when its first ones are settled.
 *
 * qmgr_message_outcome() counts a recipient's result (S, T, B, D);
 * qmgr_message_settle() ends the message once nothing of it is pending:
 * a bounce flush when a 'B' was seen or bounce/ID exists, a trace flush
 * when a 'T' was seen or trace/ID exists; then, with every recipient
 * done and the flushes answered, the file and defer/ID are removed
 * ("ID: removed"); otherwise a delay warning is sent when the W record
 * says so, and the file moves to deferred/ with its retry time as mtime.
 * The message is freed: callers must not use it after settle.
 *
 * Returns are documented per function; nothing here is fatal.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "htable.h"
#include "mail_proto.h"
#include "msg.h"
#include "mymalloc.h"
#include "qmgr.h"
#include "resolve_clnt.h"

/* Messages in memory, newest first, and by ID. */
static QMGR_MESSAGE *qmgr_messages;
static HTABLE *qmgr_message_ids;

/* A cached resolver answer (content_filter applied). */
typedef struct ROUTE {
    char *transport;
    char *nexthop;
    int fail; /* RESOLVE_FLAG_FAIL or no answer */
} ROUTE;

/* message_free - forget a message; it must have nothing pending */
static void
message_free(QMGR_MESSAGE *m)
{
    if (m->prev)
        m->prev->next = m->next;
    else
        qmgr_messages = m->next;
    if (m->next)
        m->next->prev = m->prev;
    htable_delete(qmgr_message_ids, m->id, NULL);
    qfile_env_free(m->env);
    myfree(m->filter);
    myfree(m->id);
    myfree(m);
    qmgr_active_count--;
}

/* log_delays - the delay=, delays= part of a log line */
static void
log_delays(const QMGR_MESSAGE *m, STRBUF *out)
{
    struct timeval now;
    double arrival =
        (double) m->env->arrival_sec + (double) m->env->arrival_usec / 1e6;
    double active =
        (double) m->active.tv_sec + (double) m->active.tv_usec / 1e6;
    double t;
    STRBUF *a = strbuf_create(16);
    STRBUF *b = strbuf_create(16);
    STRBUF *d = strbuf_create(16);

    gettimeofday(&now, NULL);
    t = (double) now.tv_sec + (double) now.tv_usec / 1e6;
    qmgr_format_delay(d, t - arrival);
    qmgr_format_delay(a, active - arrival);
    qmgr_format_delay(b, t - active);
    strbuf_sprintf(out, "delay=%s, delays=%s/%s/0/0", STR(d), STR(a), STR(b));
    strbuf_free(a);
    strbuf_free(b);
    strbuf_free(d);
}

/* rcpt_view - a RECIPIENT over the envelope's recipient idx */
static void
rcpt_view(const QMGR_MESSAGE *m, size_t idx, RECIPIENT *r)
{
    const QFILE_RCPT *q = m->env->rcpt + idx;

    r->address = q->address;
    r->orig = q->orig;
    r->dsn_orcpt = q->dsn_orcpt;
    r->dsn_notify = q->dsn_notify;
    r->offset = (long long) q->offset;
}

/* done_on_disk - has an agent marked recipient idx done already? */
static int
done_on_disk(const QMGR_MESSAGE *m, size_t idx)
{
    STRBUF *why = strbuf_create(100);
    unsigned char type = 0;
    int fd;

    fd = mail_queue_open_read(qmgr_mq, MAIL_QUEUE_ACTIVE, m->id, why);
    strbuf_free(why);
    if (fd < 0)
        return 0;
    if (pread(fd, &type, 1, m->env->rcpt[idx].offset) != 1)
        type = 0;
    close(fd);
    return type == REC_TYPE_DONE;
}

/* mark_done - flip recipient idx to done in the file; 0 or -1 */
static int
mark_done(const QMGR_MESSAGE *m, size_t idx)
{
    STRBUF *why = strbuf_create(100);
    int fd;
    int ret = -1;

    fd = mail_queue_open(qmgr_mq, MAIL_QUEUE_ACTIVE, m->id, O_RDWR, why);
    if (fd >= 0) {
        ret = qfile_mark_done(fd, m->env->rcpt[idx].offset);
        close(fd);
    }
    strbuf_free(why);
    return ret;
}

/*
 * qmgr_message_defer - qmgr itself defers recipient idx (or, past the
 * message's lifetime, bounces it).  Returns the result to count: 'D',
 * 'B', or 'S' when an agent had marked it done after all.
 */
int
qmgr_message_defer(QMGR_MESSAGE *m, size_t idx, const char *status,
                   const char *reason)
{
    int expired = (m->flags & DEL_FLAG_EXPIRED) != 0;
    const char *svc = expired ? MAIL_SERVICE_BOUNCE : MAIL_SERVICE_DEFER;
    STRBUF *why = strbuf_create(100);
    STRBUF *delays = strbuf_create(100);
    RECIPIENT r;
    DSN dsn;
    int result = 'D';

    if (done_on_disk(m, idx)) {
        strbuf_free(why);
        strbuf_free(delays);
        return 'S';
    }
    rcpt_view(m, idx, &r);
    memset(&dsn, 0, sizeof(dsn));
    dsn.status = status;
    dsn.action = expired ? DSN_ACTION_FAILED : DSN_ACTION_DELAYED;
    dsn.reason = reason;
    dsn.relay = "none";
    if (qmgr_bounce_append(svc, m->flags, m->id, &r, &dsn, why) < 0)
        msg_warn("%s: %s: %s", m->id, r.address, STR(why));
    else if (expired && mark_done(m, idx) == 0)
        result = 'B';
    log_delays(m, delays);
    /* Like Postfix, orig_to= only when it says something new. */
    if (r.orig == NULL || strcmp(r.orig, r.address) == 0)
        r.orig = NULL;
    msg_info("%s: to=<%s>, %s%s%srelay=none, %s, dsn=%s, status=%s (%s)", m->id,
             r.address, r.orig ? "orig_to=<" : "", r.orig ? r.orig : "",
             r.orig ? ">, " : "", STR(delays), status,
             result == 'B' ? "bounced" : "deferred", reason);
    strbuf_free(why);
    strbuf_free(delays);
    return result;
}

/* count - a recipient's result into the message's totals */
static void
count(QMGR_MESSAGE *m, int result)
{
    switch (result) {
        case DEL_RESULT_SENT:
            break;
        case DEL_RESULT_TRACED:
            m->want_trace = 1;
            break;
        case DEL_RESULT_BOUNCED:
            m->want_bounce = 1;
            break;
        default:
            m->deferred++;
            break;
    }
}

/* qmgr_message_outcome - the result of a scheduled recipient */
void
qmgr_message_outcome(QMGR_MESSAGE *m, size_t idx, int result)
{
    (void) idx;
    if (m->pending == 0 || qmgr_rcpt_count == 0)
        msg_panic("qmgr_message_outcome: %s: nothing pending", m->id);
    m->pending--;
    qmgr_rcpt_count--;
    count(m, result);
}

/* route_free - a cached route */
static void
route_free(void *p)
{
    ROUTE *r = p;

    myfree(r->transport);
    myfree(r->nexthop);
    myfree(r);
}

/* route_resolve - where an address goes, through trivial-rewrite */
static ROUTE *
route_resolve(const QMGR_MESSAGE *m, const char *addr)
{
    RESOLVE_REPLY reply;
    ROUTE *r = mymalloc(sizeof(*r));
    const char *colon;

    resolve_reply_init(&reply);
    r->fail = resolve_clnt(m->env->sender, addr, &reply) != MAIL_STAT_OK ||
              (reply.flags & RESOLVE_FLAG_FAIL) != 0;
    r->transport = mystrdup(STR(reply.transport));
    r->nexthop = mystrdup(STR(reply.nexthop));
    resolve_reply_free(&reply);
    /* content_filter = transport:nexthop wins over the resolver. */
    if (m->filter != NULL && !r->fail) {
        colon = strchr(m->filter, ':');
        myfree(r->transport);
        r->transport = colon
                           ? mystrndup(m->filter, (size_t) (colon - m->filter))
                           : mystrdup(m->filter);
        if (colon && colon[1]) {
            myfree(r->nexthop);
            r->nexthop = mystrdup(colon + 1);
        }
    }
    return r;
}

/* schedule_one - route recipient idx; 1 when it is now pending */
static int
schedule_one(QMGR_MESSAGE *m, size_t idx, HTABLE *cache, time_t now)
{
    const char *addr = m->env->rcpt[idx].address;
    ROUTE *r = htable_find(cache, addr);
    QMGR_QUEUE *q;
    STRBUF *reason;

    if (r == NULL)
        htable_enter(cache, addr, r = route_resolve(m, addr));
    if (r->fail || *r->transport == 0) {
        count(m,
              qmgr_message_defer(m, idx, "4.3.0", "address resolver failure"));
        return 0;
    }
    q = qmgr_queue_get(qmgr_transport_lookup(r->transport), r->nexthop);
    if (qmgr_queue_dead(q, now)) {
        reason = strbuf_create(100);
        strbuf_sprintf(reason, "delivery temporarily suspended: %s",
                       q->dead_reason);
        count(m, qmgr_message_defer(m, idx, "4.4.1", STR(reason)));
        strbuf_free(reason);
        return 0;
    }
    qmgr_queue_add(q, m, idx);
    m->pending++;
    qmgr_rcpt_count++;
    return 1;
}

/* schedule - the next recipients of m, within the recipient budget */
static void
schedule(QMGR_MESSAGE *m)
{
    HTABLE *cache = htable_create(16);
    time_t now = time(NULL);
    long budget = qmgr_params.rcpt_limit - (long) qmgr_rcpt_count;

    if (budget < qmgr_params.rcpt_minimum)
        budget = qmgr_params.rcpt_minimum;
    for (; m->next_rcpt < m->env->rcpt_count && budget > 0; m->next_rcpt++) {
        if (m->env->rcpt[m->next_rcpt].done)
            continue;
        budget -= schedule_one(m, m->next_rcpt, cache, now);
    }
    htable_free(cache, route_free);
}

/* message_filter - the content_filter attribute, or NULL */
static char *
message_filter(const QFILE_ENV *env)
{
    size_t i;

    for (i = 0; i < env->attr_count; i++)
        if (strcmp(env->attr_names[i], MAIL_ATTR_FILTER) == 0 &&
            *env->attr_values[i])
            return mystrdup(env->attr_values[i]);
    return NULL;
}

/* message_create - a message from its envelope; it joins the list */
static QMGR_MESSAGE *
message_create(const char *id, QFILE_ENV *env)
{
    QMGR_MESSAGE *m = mymalloc(sizeof(*m));
    long life = *env->sender ? qmgr_params.max_life : qmgr_params.bounce_life;

    memset(m, 0, sizeof(*m));
    m->id = mystrdup(id);
    m->env = env;
    gettimeofday(&m->active, NULL);
    if (qmgr_expired(env->arrival_sec, m->active.tv_sec, life))
        m->flags |= DEL_FLAG_EXPIRED;
    if (*env->sender == 0)
        m->flags |= DEL_FLAG_BOUNCE_MSG;
    m->filter = message_filter(env);
    htable_enter(qmgr_message_ids, m->id, m);
    if ((m->next = qmgr_messages) != NULL)
        m->next->prev = m;
    qmgr_messages = m;
    qmgr_active_count++;
    return m;
}

/* read_env - the envelope of active/ID; QFILE_OK or a QFILE_* error */
static int
read_env(const char *id, QFILE_ENV **env, STRBUF *why)
{
    QFILE_LIMITS lim;
    STREAM *st;
    int fd;
    int ret;

    if ((fd = mail_queue_open_read(qmgr_mq, MAIL_QUEUE_ACTIVE, id, why)) < 0)
        return QFILE_IOERR;
    qfile_limits_init(&lim);
    st = stream_fdopen(fd, O_RDONLY);
    ret = qfile_read_envelope(st, &lim, env, why);
    stream_free(st);
    close(fd);
    /* A file that names another ID holds an older message's records: a
     * reused file (docs/queue-format.md, "Reuse") left by a crash. */
    if (ret == QFILE_OK && *(*env)->queue_id &&
        strcmp((*env)->queue_id, id) != 0) {
        strbuf_sprintf(why, "queue ID record %s differs from the file name",
                       (*env)->queue_id);
        *env = qfile_env_free(*env);
        ret = QFILE_BAD;
    }
    return ret;
}

/*
 * qmgr_message_load - take in active/ID: 0 when it is in memory (or
 * already settled), -1 when it could not be read (it stays where it is,
 * or went to corrupt/).
 */
int
qmgr_message_load(const char *id)
{
    STRBUF *why = strbuf_create(100);
    QFILE_ENV *env = NULL;
    QMGR_MESSAGE *m;
    int ret;

    if (qmgr_message_ids == NULL)
        qmgr_message_ids = htable_create(1024);
    /* A recovery scan must not take in twice what a trigger took. */
    if (htable_find(qmgr_message_ids, id) != NULL) {
        strbuf_free(why);
        return 0;
    }
    if ((ret = read_env(id, &env, why)) != QFILE_OK) {
        if (ret == QFILE_BAD)
            qfile_corrupt(qmgr_mq, MAIL_QUEUE_ACTIVE, id, STR(why));
        else
            msg_warn("%s: cannot read: %s", id, STR(why));
        strbuf_free(why);
        return -1;
    }
    strbuf_free(why);
    m = message_create(id, env);
    msg_info("%s: from=<%s>, size=%lld, nrcpt=%zu (queue active)", m->id,
             env->sender, env->content_size, env->rcpt_count);
    qmgr_message_settle(m);
    return 0;
}

/* log_exists - does the delivery log queue/ID exist? */
static int
log_exists(const char *queue, const char *id)
{
    STRBUF *path = strbuf_create(100);
    STRBUF *why = strbuf_create(100);
    struct stat st;
    int ret = 0;

    if (mail_queue_path(qmgr_mq, path, queue, id, why) == 0)
        ret = stat(STR(path), &st) == 0;
    strbuf_free(path);
    strbuf_free(why);
    return ret;
}

/* flush - a bounce or trace flush when due; 0, or -1 to keep the file */
static int
flush(QMGR_MESSAGE *m, const char *service, int wanted)
{
    STRBUF *why;
    int ret = 0;

    if (!wanted && !log_exists(service, m->id))
        return 0;
    why = strbuf_create(100);
    if (qmgr_bounce_request(service, BOUNCE_REQ_FLUSH, m->flags, m->id, why) <
        0) {
        msg_warn("%s: %s flush failed: %s: will try again", m->id, service,
                 STR(why));
        ret = -1;
    }
    strbuf_free(why);
    return ret;
}

/* remove_message - the file and its defer log are gone */
static void
remove_message(QMGR_MESSAGE *m)
{
    STRBUF *why = strbuf_create(100);

    /* To spare/ for cleanup to reuse, or removed (mail_queue.h). */
    if (mail_queue_spare_put(qmgr_mq, MAIL_QUEUE_ACTIVE, m->id, why) < 0)
        msg_warn("%s: remove: %s", m->id, STR(why));
    else
        msg_info("%s: removed", m->id);
    if (mail_queue_remove(qmgr_mq, MAIL_QUEUE_DEFER, m->id, why) < 0 &&
        errno != ENOENT)
        msg_warn("%s: remove defer log: %s", m->id, STR(why));
    strbuf_free(why);
}

/* warn - a delay warning when the W record says it is due */
static void
warn(QMGR_MESSAGE *m, time_t now)
{
    STRBUF *why;
    int fd;

    if (m->env->warn_time <= 0 || m->env->warn_offset < 0 ||
        now < m->env->warn_time)
        return;
    why = strbuf_create(100);
    if (qmgr_bounce_request(MAIL_SERVICE_DEFER, BOUNCE_REQ_WARN, m->flags,
                            m->id, why) < 0) {
        msg_warn("%s: delay warning failed: %s: will try again", m->id,
                 STR(why));
    } else if ((fd = mail_queue_open(qmgr_mq, MAIL_QUEUE_ACTIVE, m->id, O_RDWR,
                                     why)) < 0) {
        msg_warn("%s: cannot clear the warn time: %s", m->id, STR(why));
    } else {
        if (qfile_set_warn(fd, m->env->warn_offset, 0) < 0)
            msg_warn("%s: cannot clear the warn time: %m", m->id);
        close(fd);
    }
    strbuf_free(why);
}

/* defer_message - to deferred/, with the retry time as mtime */
static void
defer_message(QMGR_MESSAGE *m, time_t now)
{
    STRBUF *why = strbuf_create(100);
    STRBUF *path = strbuf_create(100);
    struct timeval tv[2];
    long delay = qmgr_backoff(m->env->arrival_sec, now, qmgr_params.min_backoff,
                              qmgr_params.max_backoff);

    if (mail_queue_rename(qmgr_mq, m->id, MAIL_QUEUE_ACTIVE,
                          MAIL_QUEUE_DEFERRED, why) < 0) {
        msg_warn("%s: cannot move to deferred: %s", m->id, STR(why));
    } else if (mail_queue_path(qmgr_mq, path, MAIL_QUEUE_DEFERRED, m->id,
                               why) == 0) {
        tv[0].tv_sec = tv[1].tv_sec = now + delay;
        tv[0].tv_usec = tv[1].tv_usec = 0;
        if (utimes(STR(path), tv) < 0)
            msg_warn("%s: cannot set the retry time: %m", m->id);
    }
    strbuf_free(why);
    strbuf_free(path);
}

/* message_end - every recipient handled in this pass */
static void
message_end(QMGR_MESSAGE *m)
{
    time_t now = time(NULL);
    int keep = 0;

    /* Postfix's line for a message that ran out of time (log analysers). */
    if ((m->flags & DEL_FLAG_EXPIRED) && m->want_bounce)
        msg_info("%s: from=<%s>, status=expired, returned to sender", m->id,
                 m->env->sender);
    if (flush(m, MAIL_SERVICE_BOUNCE, m->want_bounce) < 0)
        keep = 1;
    if (flush(m, MAIL_SERVICE_TRACE, m->want_trace) < 0)
        keep = 1;
    if (m->deferred == 0 && !keep) {
        remove_message(m);
    } else {
        if (m->deferred > 0)
            warn(m, now);
        defer_message(m, now);
    }
    message_free(m);
    /* Room in memory again: take in what the scan left. */
    qmgr_scan_request();
}

/* qmgr_message_settle - schedule more, or end when nothing is pending */
void
qmgr_message_settle(QMGR_MESSAGE *m)
{
    if (m->pending > 0)
        return;
    if (m->next_rcpt < m->env->rcpt_count)
        schedule(m);
    if (m->pending == 0 && m->next_rcpt >= m->env->rcpt_count)
        message_end(m);
}

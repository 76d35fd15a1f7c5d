/*
 * qmgr_queue - transports, destination queues and entries: who goes
 * next, and how many at once (see qmgr_queue.h).
 *
 * Concurrency follows Postfix's feedback with its default feedback of
 * 1: a delivery that did not fail as a whole (dead=0) opens the
 * window by one, up to the destination limit; one that did (dead=1)
 * closes it by one, down to 1, and counts a failed cohort.  After
 * cohort_limit of them in a row the destination is suspended for the
 * back-off, its waiting entries deferred by the caller.
 */
#include <stdio.h>
#include <string.h>

#include "msg.h"
#include "mymalloc.h"
#include "qmgr_queue.h"

/* qmgr_transport_create - an empty transport with its limits */
QMGR_TRANSPORT *
qmgr_transport_create(const char *name, const QMGR_LIMITS *lim)
{
    QMGR_TRANSPORT *tr = mymalloc(sizeof(*tr));

    if (lim->proc_limit < 1 || lim->init_conc < 1 || lim->cohort_limit < 1)
        msg_panic("qmgr_transport_create: %s: bad limits", name);
    memset(tr, 0, sizeof(*tr));
    tr->name = mystrdup(name);
    tr->lim = *lim;
    return tr;
}

/* queue_free - one queue and its waiting entries */
static void
queue_free(QMGR_QUEUE *q)
{
    QMGR_ENTRY *e;

    while ((e = q->head) != NULL) {
        q->head = e->next;
        qmgr_entry_free(e);
    }
    myfree(q->nexthop);
    myfree(q->dead_reason);
    myfree(q);
}

/* qmgr_transport_free - a transport, its queues and waiting entries */
QMGR_TRANSPORT *
qmgr_transport_free(QMGR_TRANSPORT *tr)
{
    size_t i;

    if (tr == NULL)
        return NULL;
    for (i = 0; i < tr->count; i++)
        queue_free(tr->queues[i]);
    myfree(tr->queues);
    myfree(tr->name);
    myfree(tr);
    return NULL;
}

/* qmgr_queue_find - the queue of nexthop, or NULL */
QMGR_QUEUE *
qmgr_queue_find(const QMGR_TRANSPORT *tr, const char *nexthop)
{
    size_t i;

    for (i = 0; i < tr->count; i++)
        if (strcmp(tr->queues[i]->nexthop, nexthop) == 0)
            return tr->queues[i];
    return NULL;
}

/* window_max - the largest window a queue of tr may have */
static int
window_max(const QMGR_TRANSPORT *tr)
{
    return tr->lim.dest_limit > 0 ? tr->lim.dest_limit : tr->lim.proc_limit;
}

/* window_start - the initial window, within the limit */
static int
window_start(const QMGR_TRANSPORT *tr)
{
    int max = window_max(tr);

    return tr->lim.init_conc < max ? tr->lim.init_conc : max;
}

/* qmgr_queue_get - the queue of nexthop, made when missing */
QMGR_QUEUE *
qmgr_queue_get(QMGR_TRANSPORT *tr, const char *nexthop)
{
    QMGR_QUEUE *q = qmgr_queue_find(tr, nexthop);

    if (q != NULL)
        return q;
    q = mymalloc(sizeof(*q));
    memset(q, 0, sizeof(*q));
    q->nexthop = mystrdup(nexthop);
    q->transport = tr;
    q->window = window_start(tr);
    if (tr->count == tr->size) {
        tr->size = tr->size ? 2 * tr->size : 8;
        tr->queues = myreallocarray(tr->queues, tr->size, sizeof(*tr->queues));
    }
    tr->queues[tr->count++] = q;
    return q;
}

/* entry_create - a new entry at the queue's tail */
static QMGR_ENTRY *
entry_create(QMGR_QUEUE *q, void *message)
{
    QMGR_ENTRY *e = mymalloc(sizeof(*e));

    memset(e, 0, sizeof(*e));
    e->queue = q;
    e->message = message;
    if (q->tail)
        q->tail->next = e;
    else
        q->head = e;
    q->tail = e;
    q->waiting++;
    return e;
}

/* qmgr_queue_add - file one recipient of message; its entry */
QMGR_ENTRY *
qmgr_queue_add(QMGR_QUEUE *q, void *message, size_t rcpt)
{
    size_t limit = (size_t) q->transport->lim.rcpt_limit;
    QMGR_ENTRY *e = q->tail;

    if (e == NULL || e->message != message ||
        (limit > 0 && e->rcpt_count >= limit))
        e = entry_create(q, message);
    if (e->rcpt_count == e->rcpt_size) {
        e->rcpt_size = e->rcpt_size ? 2 * e->rcpt_size : 4;
        e->rcpt = myreallocarray(e->rcpt, e->rcpt_size, sizeof(*e->rcpt));
    }
    e->rcpt[e->rcpt_count++] = rcpt;
    return e;
}

/* qmgr_queue_dead - is the queue suspended now?  Revives it when due */
int
qmgr_queue_dead(QMGR_QUEUE *q, time_t now)
{
    if (q->dead_until == 0)
        return 0;
    if (now < q->dead_until)
        return 1;
    q->dead_until = 0;
    q->failed_cohorts = 0;
    q->window = window_start(q->transport);
    myfree(q->dead_reason);
    q->dead_reason = NULL;
    return 0;
}

/* qmgr_transport_select - the next entry to send, round robin; or NULL */
QMGR_ENTRY *
qmgr_transport_select(QMGR_TRANSPORT *tr, time_t now)
{
    size_t n;
    size_t idx;
    QMGR_QUEUE *q;
    QMGR_ENTRY *e;

    if (tr->busy >= tr->lim.proc_limit || tr->count == 0)
        return NULL;
    for (n = 0; n < tr->count; n++) {
        idx = (tr->cursor + n) % tr->count;
        q = tr->queues[idx];
        if (q->head == NULL || qmgr_queue_dead(q, now) || q->busy >= q->window)
            continue;
        /* The next pick starts after this queue: no queue starves. */
        tr->cursor = (idx + 1) % tr->count;
        e = q->head;
        if ((q->head = e->next) == NULL)
            q->tail = NULL;
        e->next = NULL;
        q->waiting--;
        q->busy++;
        tr->busy++;
        return e;
    }
    return NULL;
}

/*
 * qmgr_queue_done - the outcome of an entry sent from q: dead or not.
 * Returns 1 when this made the queue dead (drain it), else 0.
 */
int
qmgr_queue_done(QMGR_QUEUE *q, int dead, const char *reason, time_t now)
{
    QMGR_TRANSPORT *tr = q->transport;

    if (q->busy <= 0 || tr->busy <= 0)
        msg_panic("qmgr_queue_done: %s: nothing in flight", q->nexthop);
    q->busy--;
    tr->busy--;
    if (!dead) {
        q->failed_cohorts = 0;
        if (q->window < window_max(tr))
            q->window++;
        return 0;
    }
    if (q->window > 1)
        q->window--;
    if (q->dead_until != 0 || ++q->failed_cohorts < tr->lim.cohort_limit)
        return 0;
    q->dead_until = now + (tr->lim.backoff > 0 ? tr->lim.backoff : 1);
    myfree(q->dead_reason);
    q->dead_reason = mystrdup(reason && *reason ? reason : "unknown error");
    return 1;
}

/* qmgr_queue_drain - detach the waiting entries; the caller owns them */
QMGR_ENTRY *
qmgr_queue_drain(QMGR_QUEUE *q)
{
    QMGR_ENTRY *list = q->head;

    q->head = q->tail = NULL;
    q->waiting = 0;
    return list;
}

/*
 * qmgr_transport_sweep - free queues with nothing waiting or in flight
 * that are not suspended; how many were freed.  The cursor stays on
 * the queue it pointed to, or the one after.
 */
size_t
qmgr_transport_sweep(QMGR_TRANSPORT *tr, time_t now)
{
    size_t i;
    size_t kept = 0;
    size_t freed = 0;
    size_t cursor = 0;
    QMGR_QUEUE *q;

    for (i = 0; i < tr->count; i++) {
        q = tr->queues[i];
        if (i == tr->cursor)
            cursor = kept;
        if (q->head == NULL && q->busy == 0 && !qmgr_queue_dead(q, now)) {
            queue_free(q);
            freed++;
        } else {
            tr->queues[kept++] = q;
        }
    }
    tr->count = kept;
    tr->cursor = kept ? cursor % kept : 0;
    return freed;
}

/* qmgr_entry_free - one entry (not its message); NULL */
QMGR_ENTRY *
qmgr_entry_free(QMGR_ENTRY *e)
{
    if (e != NULL) {
        myfree(e->rcpt);
        myfree(e);
    }
    return NULL;
}

/*
 * qmgr_backoff - seconds until the next attempt: the time since
 * arrival, at least min_backoff and at most max_backoff.
 */
long
qmgr_backoff(long long arrival, long long now, long min_backoff,
             long max_backoff)
{
    long long delay = now - arrival;

    if (delay > max_backoff)
        delay = max_backoff;
    if (delay < min_backoff)
        delay = min_backoff;
    return (long) delay;
}

/*
 * qmgr_expired - is a message past its lifetime?  A lifetime of 0
 * means one attempt only: every attempt is the last.
 */
int
qmgr_expired(long long arrival, long long now, long lifetime)
{
    return lifetime <= 0 || now - arrival > lifetime;
}

/*
 * qmgr_format_delay - seconds as Postfix logs them: whole seconds from
 * 10 on, one decimal from 1, two below ("31", "1.2", "0.02", "0").
 */
STRBUF *
qmgr_format_delay(STRBUF *out, double seconds)
{
    char buf[64];
    char *end;

    if (seconds < 0)
        seconds = 0;
    if (seconds >= 10)
        (void) snprintf(buf, sizeof(buf), "%.0f", seconds);
    else if (seconds >= 1)
        (void) snprintf(buf, sizeof(buf), "%.1f", seconds);
    else
        (void) snprintf(buf, sizeof(buf), "%.2f", seconds);
    if (strchr(buf, '.') != NULL) {
        end = buf + strlen(buf);
        while (end[-1] == '0')
            *--end = 0;
        if (end[-1] == '.')
            end[-1] = 0;
    }
    strbuf_strcpy(out, buf);
    return out;
}

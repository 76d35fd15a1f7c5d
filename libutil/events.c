/*
 * events - an event loop on Linux epoll, with millisecond timers.
 *
 * event_loop_create() returns a loop owned by the caller, released with
 * event_loop_free() (which returns NULL and frees the timers, not the
 * callbacks' contexts or descriptors).  event_request_timer() returns a
 * timer id > 0, valid until the timer has fired (one-shot) or has been
 * cancelled; event_cancel_timer() returns 0, or -1 when no such timer is
 * pending.  event_loop_run_once() returns the number of callbacks it ran.
 *
 * Safe removal: each registration of a descriptor gets a generation
 * number that travels in the epoll event, so an event reported for a
 * registration that a callback has since removed, or replaced with a new
 * one on the same descriptor number, is dropped.  A timer is taken off
 * the heap before its callback runs; a repeating one goes back unless the
 * callback cancelled it.  Timers requested or rescheduled while timers
 * run wait for the next round, so a round always ends.
 *
 * Errors: a bad descriptor (EBADF, EPERM: not pollable, EINVAL) and
 * misuse (a negative fd or delay, running a loop from its own callback)
 * panic; other epoll failures are fatal.
 */
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

#include "clock_ms.h"
#include "events.h"
#include "msg.h"
#include "mymalloc.h"

/* One descriptor's callbacks. */
typedef struct EVENT_FD {
    EVENT_FN read_fn;
    void *read_context;
    EVENT_FN write_fn;
    void *write_context;
    int mask;     /* EVENT_READ | EVENT_WRITE enabled */
    uint32_t gen; /* registration number, bumped on each epoll add */
} EVENT_FD;

/* One timer. */
typedef struct EVENT_TIMER {
    long long due;     /* monotonic milliseconds */
    unsigned long seq; /* request order: breaks ties, marks new timers */
    int id;            /* handed to the caller */
    int interval;      /* repeat period in ms, 0 = one-shot */
    int cancelled;     /* cancelled by its own callback */
    EVENT_FN callback;
    void *context;
} EVENT_TIMER;

struct EVENT_LOOP {
    int epoll_fd;
    EVENT_FD *fds;      /* indexed by descriptor */
    int fd_size;        /* slots in fds */
    EVENT_TIMER **heap; /* min-heap on (due, seq) */
    size_t heap_len;
    size_t heap_size;
    EVENT_TIMER *current; /* timer whose callback is running */
    unsigned long seq;    /* next request order */
    int next_id;          /* next timer id */
    int ids_wrapped;      /* next_id has wrapped: check for ids in use */
    int running;          /* inside event_loop_run_once() */
    int stop;             /* event_loop_break() was called */
    struct epoll_event ready[EVENT_BATCH];
};

/* event_loop_create - a loop with no descriptors and no timers */
EVENT_LOOP *
event_loop_create(void)
{
    EVENT_LOOP *loop = mycalloc(1, sizeof(*loop));

    if ((loop->epoll_fd = epoll_create1(EPOLL_CLOEXEC)) < 0)
        msg_fatal("event_loop_create: epoll_create1: %m");
    loop->fd_size = 16;
    loop->fds = mycalloc((size_t) loop->fd_size, sizeof(EVENT_FD));
    loop->heap_size = 8;
    loop->heap = mycalloc(loop->heap_size, sizeof(EVENT_TIMER *));
    loop->seq = 1;
    loop->next_id = 1;
    return loop;
}

/* event_loop_free - release the loop and its timers; returns NULL */
EVENT_LOOP *
event_loop_free(EVENT_LOOP *loop)
{
    size_t i;

    if (loop == NULL)
        return NULL;
    if (loop->running)
        msg_panic("event_loop_free: called from a callback");
    for (i = 0; i < loop->heap_len; i++)
        myfree(loop->heap[i]);
    (void) close(loop->epoll_fd);
    myfree(loop->heap);
    myfree(loop->fds);
    myfree(loop);
    return NULL;
}

/* event_fd_slot - the descriptor's slot, growing the table as needed */
static EVENT_FD *
event_fd_slot(EVENT_LOOP *loop, const char *who, int fd)
{
    int old_size = loop->fd_size;

    if (fd < 0)
        msg_panic("%s: bad file descriptor %d", who, fd);
    if (fd >= loop->fd_size) {
        while (loop->fd_size <= fd)
            loop->fd_size *= 2;
        loop->fds =
            myreallocarray(loop->fds, (size_t) loop->fd_size, sizeof(EVENT_FD));
        memset(loop->fds + old_size, 0,
               (size_t) (loop->fd_size - old_size) * sizeof(EVENT_FD));
    }
    return loop->fds + fd;
}

/* event_ctl_fail - a failed epoll_ctl(): our bug or a broken system */
static void
event_ctl_fail(const char *who, int fd)
{
    if (errno == EBADF || errno == EPERM || errno == EINVAL)
        msg_panic("%s: fd %d: epoll_ctl: %m", who, fd);
    msg_fatal("%s: fd %d: epoll_ctl: %m", who, fd);
}

/* event_ctl_fill - the epoll event for fd's current registration */
static void
event_ctl_fill(struct epoll_event *ev, const EVENT_FD *slot, int fd)
{
    memset(ev, 0, sizeof(*ev));
    ev->events = ((slot->mask & EVENT_READ) ? EPOLLIN : 0) |
                 ((slot->mask & EVENT_WRITE) ? EPOLLOUT : 0);
    ev->data.u64 = (uint64_t) slot->gen << 32 | (uint32_t) fd;
}

/* event_ctl - tell epoll about fd's mask, which was old_mask */
static void
event_ctl(EVENT_LOOP *loop, const char *who, int fd, int old_mask)
{
    EVENT_FD *slot = loop->fds + fd;
    struct epoll_event ev;
    int op;

    op = slot->mask == 0 ? EPOLL_CTL_DEL
         : old_mask == 0 ? EPOLL_CTL_ADD
                         : EPOLL_CTL_MOD;
    if (op == EPOLL_CTL_ADD)
        slot->gen++;
    event_ctl_fill(&ev, slot, fd);
    if (epoll_ctl(loop->epoll_fd, op, fd, &ev) == 0)
        return;
    /* Closed without being disabled first: epoll has forgotten it. */
    if (op == EPOLL_CTL_DEL && (errno == ENOENT || errno == EBADF))
        return;
    if (op == EPOLL_CTL_MOD && errno == ENOENT) {
        slot->gen++;
        event_ctl_fill(&ev, slot, fd);
        if (epoll_ctl(loop->epoll_fd, EPOLL_CTL_ADD, fd, &ev) == 0)
            return;
    }
    event_ctl_fail(who, fd);
}

/* event_enable - register callback for bit (EVENT_READ or EVENT_WRITE) */
static void
event_enable(EVENT_LOOP *loop, const char *who, int fd, int bit,
             EVENT_FN callback, void *context)
{
    EVENT_FD *slot = event_fd_slot(loop, who, fd);
    int old_mask = slot->mask;

    if (callback == NULL)
        msg_panic("%s: fd %d: null callback", who, fd);
    if (bit == EVENT_READ) {
        slot->read_fn = callback;
        slot->read_context = context;
    } else {
        slot->write_fn = callback;
        slot->write_context = context;
    }
    slot->mask |= bit;
    if (slot->mask != old_mask)
        event_ctl(loop, who, fd, old_mask);
}

/* event_disable - forget the callbacks for bits */
static void
event_disable(EVENT_LOOP *loop, const char *who, int fd, int bits)
{
    EVENT_FD *slot;
    int old_mask;

    if (fd < 0)
        msg_panic("%s: bad file descriptor %d", who, fd);
    if (fd >= loop->fd_size || (loop->fds[fd].mask & bits) == 0)
        return;
    slot = loop->fds + fd;
    old_mask = slot->mask;
    slot->mask &= ~bits;
    if (bits & EVENT_READ)
        slot->read_fn = NULL;
    if (bits & EVENT_WRITE)
        slot->write_fn = NULL;
    event_ctl(loop, who, fd, old_mask);
}

/* event_enable_read - call back when fd is readable (replaces) */
void
event_enable_read(EVENT_LOOP *loop, int fd, EVENT_FN callback, void *context)
{
    event_enable(loop, "event_enable_read", fd, EVENT_READ, callback, context);
}

/* event_enable_write - call back when fd is writable (replaces) */
void
event_enable_write(EVENT_LOOP *loop, int fd, EVENT_FN callback, void *context)
{
    event_enable(loop, "event_enable_write", fd, EVENT_WRITE, callback,
                 context);
}

/* event_disable_read - stop read callbacks for fd */
void
event_disable_read(EVENT_LOOP *loop, int fd)
{
    event_disable(loop, "event_disable_read", fd, EVENT_READ);
}

/* event_disable_write - stop write callbacks for fd */
void
event_disable_write(EVENT_LOOP *loop, int fd)
{
    event_disable(loop, "event_disable_write", fd, EVENT_WRITE);
}

/* event_disable_readwrite - forget fd; call before closing it */
void
event_disable_readwrite(EVENT_LOOP *loop, int fd)
{
    event_disable(loop, "event_disable_readwrite", fd,
                  EVENT_READ | EVENT_WRITE);
}

/* event_fd_current - fd's slot if registration gen still wants bit */
static EVENT_FD *
event_fd_current(EVENT_LOOP *loop, int fd, uint32_t gen, int bit)
{
    EVENT_FD *slot = loop->fds + fd;

    /* fd < fd_size: it was registered, and the table never shrinks. */
    return slot->gen == gen && (slot->mask & bit) ? slot : NULL;
}

/* event_dispatch - run the callbacks of one reported descriptor */
static int
event_dispatch(EVENT_LOOP *loop, const struct epoll_event *ev)
{
    int fd = (int) (ev->data.u64 & 0xffffffffu);
    uint32_t gen = (uint32_t) (ev->data.u64 >> 32);
    int xcpt = (ev->events & (EPOLLERR | EPOLLHUP)) ? EVENT_XCPT : 0;
    int rd = ((ev->events & EPOLLIN) ? EVENT_READ : 0) | xcpt;
    int wr = ((ev->events & EPOLLOUT) ? EVENT_WRITE : 0) | xcpt;
    EVENT_FD *slot;
    int calls = 0;

    if (rd && (slot = event_fd_current(loop, fd, gen, EVENT_READ)) != NULL) {
        /* One callback for both directions hears of both at once. */
        if (wr && (slot->mask & EVENT_WRITE) &&
            slot->write_fn == slot->read_fn &&
            slot->write_context == slot->read_context) {
            rd |= wr;
            wr = 0;
        }
        slot->read_fn(loop, rd, fd, slot->read_context);
        calls++;
    }
    /* The read callback may have changed anything, the table included. */
    if (wr && (slot = event_fd_current(loop, fd, gen, EVENT_WRITE)) != NULL) {
        slot->write_fn(loop, wr, fd, slot->write_context);
        calls++;
    }
    return calls;
}

/* event_timer_before - heap order: earlier due time, then earlier request */
static int
event_timer_before(const EVENT_TIMER *a, const EVENT_TIMER *b)
{
    return a->due < b->due || (a->due == b->due && a->seq < b->seq);
}

/* event_heap_up - move heap[i] up to its place */
static void
event_heap_up(EVENT_LOOP *loop, size_t i)
{
    EVENT_TIMER **heap = loop->heap;
    EVENT_TIMER *t = heap[i];
    size_t parent;

    while (i > 0 && event_timer_before(t, heap[parent = (i - 1) / 2])) {
        heap[i] = heap[parent];
        i = parent;
    }
    heap[i] = t;
}

/* event_heap_down - move heap[i] down to its place */
static void
event_heap_down(EVENT_LOOP *loop, size_t i)
{
    EVENT_TIMER **heap = loop->heap;
    EVENT_TIMER *t = heap[i];
    size_t child;

    while ((child = 2 * i + 1) < loop->heap_len) {
        if (child + 1 < loop->heap_len &&
            event_timer_before(heap[child + 1], heap[child]))
            child++;
        if (!event_timer_before(heap[child], t))
            break;
        heap[i] = heap[child];
        i = child;
    }
    heap[i] = t;
}

/* event_heap_push - add a timer, stamped with the next request order */
static void
event_heap_push(EVENT_LOOP *loop, EVENT_TIMER *t)
{
    if (loop->heap_len == loop->heap_size) {
        loop->heap_size *= 2;
        loop->heap =
            myreallocarray(loop->heap, loop->heap_size, sizeof(EVENT_TIMER *));
    }
    t->seq = loop->seq++;
    loop->heap[loop->heap_len++] = t;
    event_heap_up(loop, loop->heap_len - 1);
}

/* event_heap_remove - take heap[i] out and return it */
static EVENT_TIMER *
event_heap_remove(EVENT_LOOP *loop, size_t i)
{
    EVENT_TIMER *t = loop->heap[i];

    loop->heap[i] = loop->heap[--loop->heap_len];
    if (i < loop->heap_len) {
        event_heap_up(loop, i);
        event_heap_down(loop, i);
    }
    return t;
}

/* event_timer_find - the heap index of timer id, heap_len if none */
static size_t
event_timer_find(const EVENT_LOOP *loop, int id)
{
    size_t i;

    for (i = 0; i < loop->heap_len; i++)
        if (loop->heap[i]->id == id)
            break;
    return i;
}

/* event_timer_id - a timer id > 0 that no pending timer carries */
static int
event_timer_id(EVENT_LOOP *loop)
{
    int id;

    /* Ends: fewer than INT_MAX timers can be pending. */
    for (;;) {
        id = loop->next_id;
        if (loop->next_id == INT_MAX) {
            loop->next_id = 1;
            loop->ids_wrapped = 1;
        } else {
            loop->next_id++;
        }
        if (!loop->ids_wrapped ||
            (event_timer_find(loop, id) == loop->heap_len &&
             (loop->current == NULL || loop->current->id != id)))
            return id;
    }
}

/* event_request_timer - call back after delay_ms, every delay_ms if repeat */
int
event_request_timer(EVENT_LOOP *loop, EVENT_FN callback, void *context,
                    int delay_ms, int repeat)
{
    EVENT_TIMER *t;

    if (callback == NULL)
        msg_panic("event_request_timer: null callback");
    if (delay_ms < 0 || (repeat && delay_ms == 0))
        msg_panic("event_request_timer: bad delay %d ms%s", delay_ms,
                  repeat ? " (repeating)" : "");
    t = mymalloc(sizeof(*t));
    t->due = clock_ms() + delay_ms;
    t->id = event_timer_id(loop);
    t->interval = repeat ? delay_ms : 0;
    t->cancelled = 0;
    t->callback = callback;
    t->context = context;
    event_heap_push(loop, t);
    return t->id;
}

/* event_cancel_timer - forget a timer; -1 if it is not pending */
int
event_cancel_timer(EVENT_LOOP *loop, int id)
{
    size_t i;

    /* The running timer is off the heap: mark it so it is not put back. */
    if (loop->current != NULL && loop->current->id == id &&
        !loop->current->cancelled) {
        loop->current->cancelled = 1;
        return 0;
    }
    if ((i = event_timer_find(loop, id)) == loop->heap_len)
        return -1;
    myfree(event_heap_remove(loop, i));
    return 0;
}

/* event_run_timers - run the due timers that were requested before now */
static int
event_run_timers(EVENT_LOOP *loop)
{
    long long now = clock_ms();
    unsigned long first_new = loop->seq;
    long long late;
    EVENT_TIMER *t;
    int calls = 0;

    while (loop->heap_len > 0 && loop->heap[0]->due <= now &&
           loop->heap[0]->seq < first_new) {
        t = event_heap_remove(loop, 0);
        loop->current = t;
        t->callback(loop, EVENT_TIME, t->id, t->context);
        loop->current = NULL;
        calls++;
        if (t->interval == 0 || t->cancelled) {
            myfree(t);
            continue;
        }
        /* Keep the cadence, but skip ticks missed while we were busy. */
        t->due += t->interval;
        late = clock_ms();
        if (t->due < late)
            t->due = late + t->interval;
        event_heap_push(loop, t);
    }
    return calls;
}

/* event_wait_ms - how long to wait: until the next timer, at most max */
static int
event_wait_ms(EVENT_LOOP *loop, int max_wait_ms)
{
    long long left;

    if (loop->heap_len == 0)
        return max_wait_ms < 0 ? -1 : max_wait_ms;
    left = loop->heap[0]->due - clock_ms();
    if (left < 0)
        left = 0;
    if (max_wait_ms >= 0 && left > max_wait_ms)
        left = max_wait_ms;
    return left > INT_MAX ? INT_MAX : (int) left;
}

/* event_loop_run_once - wait up to max_wait_ms (< 0: no limit), run once */
int
event_loop_run_once(EVENT_LOOP *loop, int max_wait_ms)
{
    int count;
    int calls = 0;
    int i;

    if (loop->running)
        msg_panic("event_loop_run_once: called from a callback");
    loop->running = 1;
    count = epoll_wait(loop->epoll_fd, loop->ready, EVENT_BATCH,
                       event_wait_ms(loop, max_wait_ms));
    /* A signal: its handler set a flag the caller acts on. */
    if (count < 0 && errno != EINTR)
        msg_fatal("event_loop_run_once: epoll_wait: %m");
    for (i = 0; i < count; i++)
        calls += event_dispatch(loop, loop->ready + i);
    calls += event_run_timers(loop);
    loop->running = 0;
    return calls;
}

/* event_loop_run - run rounds until a callback calls event_loop_break() */
void
event_loop_run(EVENT_LOOP *loop)
{
    loop->stop = 0;
    while (!loop->stop)
        (void) event_loop_run_once(loop, -1);
}

/* event_loop_break - make event_loop_run() return after this round */
void
event_loop_break(EVENT_LOOP *loop)
{
    loop->stop = 1;
}

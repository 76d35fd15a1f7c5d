#ifndef EVENTS_H
#define EVENTS_H

/*
 * events - an event loop on epoll: file descriptors and timers.
 *
 * event_loop_create() returns a loop the caller owns and passes around;
 * event_loop_free() releases it (timers included, never the callers'
 * descriptors or contexts) and returns NULL.  A descriptor has at most one
 * read and one write callback; event_disable_readwrite() forgets both, and
 * must be called before the descriptor is closed.  Timers fire once or
 * repeat every delay_ms milliseconds of the monotonic clock.
 *
 * Callbacks may enable, disable, request and cancel anything, themselves
 * included: a descriptor disabled (or re-registered) during a round is not
 * called for events reported before that, and a repeating timer cancelled
 * from its own callback does not fire again.  A callback must not run or
 * free its loop (panic).
 *
 * Costs: timers sit in a binary heap, O(log n) to request and to fire,
 * O(n) to cancel (a scan by id).  Descriptors sit in an array indexed by
 * descriptor, O(1).  Descriptors are level triggered; one round handles at
 * most EVENT_BATCH of them, the rest are reported again next round.
 *
 * Errors: epoll failures that only a bad descriptor explains panic,
 * others (out of kernel memory) are fatal.
 */

/* Event masks passed to callbacks. */
#define EVENT_READ  (1 << 0) /* readable, or end of file */
#define EVENT_WRITE (1 << 1) /* writable */
#define EVENT_XCPT  (1 << 2) /* hangup or error: read or write to learn */
#define EVENT_TIME  (1 << 3) /* a timer expired */

/* Descriptors handled per round. */
#define EVENT_BATCH 64

typedef struct EVENT_LOOP EVENT_LOOP;

/* Gets the fd for descriptor events, the timer id for EVENT_TIME. */
typedef void (*EVENT_FN)(EVENT_LOOP *loop, int event, int id, void *context);

extern EVENT_LOOP *event_loop_create(void);
extern EVENT_LOOP *event_loop_free(EVENT_LOOP *loop);

extern void event_enable_read(EVENT_LOOP *loop, int fd, EVENT_FN callback,
                              void *context);
extern void event_enable_write(EVENT_LOOP *loop, int fd, EVENT_FN callback,
                               void *context);
extern void event_disable_read(EVENT_LOOP *loop, int fd);
extern void event_disable_write(EVENT_LOOP *loop, int fd);
extern void event_disable_readwrite(EVENT_LOOP *loop, int fd);

extern int event_request_timer(EVENT_LOOP *loop, EVENT_FN callback,
                               void *context, int delay_ms, int repeat);
extern int event_cancel_timer(EVENT_LOOP *loop, int id);

extern int event_loop_run_once(EVENT_LOOP *loop, int max_wait_ms);
extern void event_loop_run(EVENT_LOOP *loop);
extern void event_loop_break(EVENT_LOOP *loop);

#endif

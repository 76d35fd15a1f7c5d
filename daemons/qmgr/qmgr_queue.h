#ifndef QMGR_QUEUE_H
#define QMGR_QUEUE_H

/*
 * qmgr_queue - qmgr's scheduling state, without I/O: transports, their
 * destination queues, and the entries (one delivery request each)
 * waiting in them.  Pure, so tests/unit/daemons/qmgr can drive it on a
 * fake clock.
 *
 * A QMGR_TRANSPORT (qmgr_transport_create, qmgr_transport_free) owns
 * its QMGR_QUEUEs, one per nexthop, made on demand by
 * qmgr_queue_get().  qmgr_queue_add() files one recipient (an index
 * into a message the caller owns; the message pointer is opaque here)
 * into the queue's last entry when that entry is for the same message
 * and not full (the transport's recipient limit), else into a new one.
 *
 * qmgr_transport_select() picks the next entry to send: round robin over
 * the transport's queues, skipping a queue that is empty, suspended
 * (dead) or at its concurrency window, and nothing at all when the
 * transport has its process limit in flight.  The entry leaves its
 * queue and the caller owns it; qmgr_queue_done() reports its outcome
 * (the feedback that moves the window), then the caller frees it with
 * qmgr_entry_free().  A queue becomes dead after cohort_limit failed
 * cohorts in a row; qmgr_queue_drain() hands back its waiting entries
 * (the caller defers them) and it stays suspended until its back-off
 * ends, when it starts again at the initial concurrency.
 *
 * qmgr_backoff() and qmgr_expired() are the retry arithmetic;
 * qmgr_format_delay() prints seconds as Postfix's delay= and delays= do.
 * Nothing here is fatal; bad arguments are our bug (panic).
 */
#include <stddef.h>
#include <time.h>

#include "strbuf.h"

/* The limits of one transport (per-transport parameters, resolved). */
typedef struct QMGR_LIMITS {
    int dest_limit;   /* connections per destination; 0: no limit */
    int rcpt_limit;   /* recipients per request; 0: no limit */
    int proc_limit;   /* requests in flight for the whole transport */
    int init_conc;    /* initial_destination_concurrency */
    int cohort_limit; /* failed cohorts before a destination is dead */
    int backoff;      /* seconds a dead destination is skipped */
} QMGR_LIMITS;

typedef struct QMGR_QUEUE QMGR_QUEUE;
typedef struct QMGR_TRANSPORT QMGR_TRANSPORT;

/* One delivery request: recipients of one message for one queue. */
typedef struct QMGR_ENTRY {
    struct QMGR_ENTRY *next; /* in the queue's waiting list */
    QMGR_QUEUE *queue;       /* where it came from */
    void *message;           /* the caller's message (borrowed) */
    size_t *rcpt;            /* indexes into the message's recipients */
    size_t rcpt_count;
    size_t rcpt_size;
} QMGR_ENTRY;

struct QMGR_QUEUE {
    char *nexthop;
    QMGR_TRANSPORT *transport;
    QMGR_ENTRY *head; /* waiting entries, oldest first */
    QMGR_ENTRY *tail;
    size_t waiting;     /* entries waiting */
    int busy;           /* entries in flight */
    int window;         /* concurrency allowed now */
    int failed_cohorts; /* in a row */
    time_t dead_until;  /* suspended until then; 0: alive */
    char *dead_reason;  /* why, while dead */
};

struct QMGR_TRANSPORT {
    char *name;
    QMGR_LIMITS lim;
    int busy;            /* entries in flight, all queues */
    QMGR_QUEUE **queues; /* in creation order */
    size_t count;
    size_t size;
    size_t cursor; /* round robin: the queue to look at first */
};

extern QMGR_TRANSPORT *qmgr_transport_create(const char *name,
                                             const QMGR_LIMITS *lim);
extern QMGR_TRANSPORT *qmgr_transport_free(QMGR_TRANSPORT *tr);
extern QMGR_QUEUE *qmgr_queue_find(const QMGR_TRANSPORT *tr,
                                   const char *nexthop);
extern QMGR_QUEUE *qmgr_queue_get(QMGR_TRANSPORT *tr, const char *nexthop);
extern QMGR_ENTRY *qmgr_queue_add(QMGR_QUEUE *q, void *message, size_t rcpt);
extern int qmgr_queue_dead(QMGR_QUEUE *q, time_t now);
extern QMGR_ENTRY *qmgr_transport_select(QMGR_TRANSPORT *tr, time_t now);
extern int qmgr_queue_done(QMGR_QUEUE *q, int dead, const char *reason,
                           time_t now);
extern QMGR_ENTRY *qmgr_queue_drain(QMGR_QUEUE *q);
extern size_t qmgr_transport_sweep(QMGR_TRANSPORT *tr, time_t now);
extern QMGR_ENTRY *qmgr_entry_free(QMGR_ENTRY *e);

extern long qmgr_backoff(long long arrival, long long now, long min_backoff,
                         long max_backoff);
extern int qmgr_expired(long long arrival, long long now, long lifetime);
extern STRBUF *qmgr_format_delay(STRBUF *out, double seconds);

#endif

#ifndef QMGR_H
#define QMGR_H

/*
 * qmgr - the queue manager's shared state (docs/qmgr.md).
 *
 * qmgr.c: main, triggers, timers and queue scans.
 * qmgr_message.c: a message in active/: load, resolve, schedule,
 *   outcomes, and its end (reports, removal or deferral).
 * qmgr_deliver.c: the transport table and the delivery requests, sent
 *   and answered without blocking from the event loop.
 * qmgr_bounce.c: the bounce, defer and trace requests qmgr makes itself
 *   (append, flush, warn), each waiting at most qmgr_ipc_timeout.
 * qmgr_queue.c: scheduling without I/O (qmgr_queue.h).
 *
 * One process (master.cf maxproc 1): the globals below are its
 * singletons.
 */
#include <sys/time.h>

#include "dsn.h"
#include "events.h"
#include "mail_queue.h"
#include "qfile.h"
#include "qmgr_queue.h"
#include "strbuf.h"

/* main.cf parameters, read once at start. */
typedef struct QMGR_PARAMS {
    long active_limit;    /* qmgr_message_active_limit */
    long rcpt_limit;      /* qmgr_message_recipient_limit */
    long rcpt_minimum;    /* qmgr_message_recipient_minimum */
    long min_backoff;     /* minimal_backoff_time */
    long max_backoff;     /* maximal_backoff_time */
    long max_life;        /* maximal_queue_lifetime */
    long bounce_life;     /* bounce_queue_lifetime */
    long queue_run_delay; /* queue_run_delay */
    long ipc_timeout;     /* qmgr_ipc_timeout: bounce, defer, trace */
    long deliver_timeout; /* daemon_timeout: one delivery's reply */
} QMGR_PARAMS;

/* A message in active/. */
typedef struct QMGR_MESSAGE {
    char *id;
    QFILE_ENV *env;
    struct timeval active; /* when it was taken in */
    int flags;             /* DEL_FLAG_* for its requests */
    char *filter;          /* content_filter, or NULL */
    size_t next_rcpt;      /* first recipient not yet scheduled */
    size_t pending;        /* scheduled, no outcome yet */
    size_t deferred;       /* not done in this pass */
    int want_bounce;       /* a 'B': a bounce flush is due */
    int want_trace;        /* a 'T': a trace flush is due */
    struct QMGR_MESSAGE *prev;
    struct QMGR_MESSAGE *next;
} QMGR_MESSAGE;

extern QMGR_PARAMS qmgr_params;
extern MAIL_QUEUE *qmgr_mq;
extern EVENT_LOOP *qmgr_loop;
extern size_t qmgr_active_count; /* messages in memory */
extern size_t qmgr_rcpt_count;   /* recipients scheduled, in memory */

/* qmgr.c */
extern void qmgr_scan_request(void);

/* qmgr_message.c */
extern int qmgr_message_load(const char *id);
extern void qmgr_message_outcome(QMGR_MESSAGE *m, size_t idx, int result);
extern int qmgr_message_defer(QMGR_MESSAGE *m, size_t idx, const char *status,
                              const char *reason);
extern void qmgr_message_settle(QMGR_MESSAGE *m);

/* qmgr_deliver.c */
extern void qmgr_transport_init(void);
extern QMGR_TRANSPORT *qmgr_transport_lookup(const char *name);
extern void qmgr_deliver_kick(void);
extern void qmgr_deliver_sweep(void);

/* qmgr_bounce.c */
extern void qmgr_bounce_init(void);
extern int qmgr_bounce_append(const char *service, int flags, const char *id,
                              const RECIPIENT *rcpt, const DSN *dsn,
                              STRBUF *why);
extern int qmgr_bounce_request(const char *service, const char *request,
                               int flags, const char *id, STRBUF *why);

#endif

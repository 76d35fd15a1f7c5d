#ifndef MAIL_SERVER_INT_H
#define MAIL_SERVER_INT_H

/*
 * mail_server_int - what the skeletons (single_server.c, multi_server.c,
 * trigger_server.c, dgram_server.c) share with mail_server.c, their
 * common part.  Not for daemons: they include mail_server.h.
 *
 * mail_server_init() runs steps 1-7 of the privilege recipe in
 * mail_server.h and returns the process's one MAIL_SERVER, owned by
 * mail_server.c.  The event-driven skeletons then register their
 * listeners with mail_server_listen() and call mail_server_run(); the
 * single server runs its own poll loop with the same exit tests.
 *
 * A trigger or datagram skeleton's one process reports TAKEN and AVAIL
 * at the edges of a busy spell, not around each request: it calls
 * mail_server_busy() when a request arrives (TAKEN, the first time)
 * and mail_server_served() when it is done; AVAIL follows once
 * MAIL_SERVER_QUIET_MS pass without another.  A report pair per request
 * woke master twice per message for qmgr's triggers and several times
 * for postlogd's datagrams, and told it nothing: such a service runs
 * its one process, so master does not watch its listeners meanwhile.
 */
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>

#include "argv.h"
#include "events.h"
#include "mail_server.h"

/* The most listening descriptors -s may name. */
#define MAIL_SERVER_LISTEN_MAX 64

/* How long an event-driven skeleton sleeps before it looks at its flags. */
#define MAIL_SERVER_WAIT_MAX 1000 /* ms */

/*
 * Quiet time after which an event-driven skeleton's process reports
 * AVAIL again (mail_server_busy).
 */
#define MAIL_SERVER_QUIET_MS 250

/* What a skeleton accepts, and how the event loop asks about clients. */
typedef struct MAIL_SERVER_KIND {
    const char *name;           /* "single_server", ... for messages */
    const char *types;          /* -t values it serves, blank separated */
    const char *def_type;       /* without -t */
    int event_driven;           /* create the event loop before PRE_INIT */
    int (*clients)(void);       /* clients still connected (NULL: none) */
    void (*sweep)(int64_t now); /* once a round (NULL: nothing) */
} MAIL_SERVER_KIND;

/* The process's skeleton state. */
typedef struct MAIL_SERVER {
    const MAIL_SERVER_KIND *kind;
    /* The command line. */
    char *progname;   /* basename of argv[0] */
    char *service;    /* -n */
    char *type;       /* -t */
    char *config_dir; /* -c, MAIL_CONFIG, or the default */
    int listen_count; /* -s */
    int chroot;       /* -r */
    int unpriv;       /* -u */
    ARGV *overrides;  /* -o name=value */
    ARGV *args;       /* the rest, for the callbacks */
    /* The option list. */
    MAIL_SERVER_INIT_FN pre_init;
    MAIL_SERVER_INIT_FN post_init;
    MAIL_SERVER_EXIT_FN exit_fn;
    MAIL_SERVER_EXIT_FN pre_accept;
    MAIL_SERVER_WAIT_FN wait_limit;
    MAIL_SERVER_EXIT_FN batch_end;
    MULTI_SERVER_DISCONNECT_FN disconnect;
    int solitary;
    int unlimited;
    /* main.cf. */
    long max_use;   /* clients or triggers; 0: no limit */
    long max_idle;  /* seconds; 0: no limit */
    int timeout_ms; /* daemon_timeout */
    /* Run time. */
    int gen_open;       /* MASTER_GEN_FD is watched */
    int status_open;    /* MASTER_STATUS_FD takes reports */
    int retired;        /* generation pipe at EOF, or master gone */
    int listening;      /* listeners enabled in the event loop */
    long use_count;     /* clients or triggers served */
    int64_t idle_since; /* monotonic ms when the last client left */
    int busy;           /* TAKEN reported, AVAIL not yet (mail_server_busy) */
    int64_t busy_last;  /* monotonic ms of the last request's end */
    EVENT_LOOP *loop;   /* event-driven skeletons */
    EVENT_FN listen_fn; /* their listener callback */
} MAIL_SERVER;

extern MAIL_SERVER *mail_server_init(const MAIL_SERVER_KIND *kind, int argc,
                                     char **argv, va_list ap);
extern int mail_server_stopping(void);
extern int64_t mail_server_now(void);
extern int mail_server_idle_wait(const MAIL_SERVER *ms, int64_t now);
extern int mail_server_wait(const MAIL_SERVER *ms, int64_t now);
extern int mail_server_used_up(const MAIL_SERVER *ms);
extern void mail_server_gen_check(MAIL_SERVER *ms);
extern void mail_server_notify(MAIL_SERVER *ms, int status);
extern void mail_server_busy(MAIL_SERVER *ms);
extern void mail_server_served(MAIL_SERVER *ms);
extern void mail_server_accept_error(MAIL_SERVER *ms, int fd);
extern void mail_server_exit(MAIL_SERVER *ms, const char *why)
    __attribute__((noreturn));
extern void mail_server_exit_check(MAIL_SERVER *ms, int clients, int64_t now);
extern void mail_server_listen(MAIL_SERVER *ms, EVENT_FN fn);
extern void mail_server_unlisten(MAIL_SERVER *ms);
extern void mail_server_run(MAIL_SERVER *ms) __attribute__((noreturn));

#endif

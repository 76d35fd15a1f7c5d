#ifndef MASTER_H
#define MASTER_H

/*
 * master - the types and functions the master's modules share.
 *
 * One MASTER (the process's singleton, created in main()) holds the
 * configuration in force, the running services and the children.  A
 * MASTER_SERV is one master.cf service that master runs: its listeners,
 * its status and generation pipes, its process counts, throttle and
 * wakeup state.  A MASTER_PROC is one child.  Everything is owned by the
 * MASTER and released by the module that made it; see each .c file.
 *
 * Modules: master_conf (parameters, master.cf, master_service_disable),
 * master_start (pid lock, daemon mode, queue folders), master_listen
 * (listening descriptors), master_service (services: start, stop, reload
 * diff, child command lines), master_spawn (children, status records,
 * maxproc, back-off), master_wakeup (wakeup triggers), master_sig
 * (signals through a self-pipe, reload and shutdown).
 */
#include <sys/types.h>

#include "argv.h"
#include "events.h"
#include "htable.h"
#include "master_cf.h"
#include "strbuf.h"

/* Seconds master waits for its children on SIGTERM before SIGKILL. */
#define MASTER_STOP_WAIT 10

/* Smallest listen() backlog. */
#define MASTER_MIN_BACKLOG 16

/* The main.cf values master itself uses. */
typedef struct MASTER_PARAMS {
    char *queue_dir;       /* queue_directory */
    char *daemon_dir;      /* daemon_directory */
    char *mail_owner;      /* mail_owner */
    char *setgid_group;    /* setgid_group */
    uid_t owner_uid;       /* mail_owner's uid (root only, else -1) */
    gid_t owner_gid;       /* mail_owner's gid (root only, else -1) */
    gid_t setgid_gid;      /* setgid_group's gid (root only, else -1) */
    int proc_limit;        /* default_process_limit */
    int throttle_time;     /* service_throttle_time, seconds */
    char *inet_interfaces; /* inet_interfaces */
    char *inet_protocols;  /* inet_protocols */
    char *import_env;      /* import_environment */
    ARGV *disable;         /* master_service_disable, split */
    ARGV *batch;           /* batch_scheduled_services, split */
} MASTER_PARAMS;

typedef struct MASTER MASTER;

/* One running service. */
typedef struct MASTER_SERV {
    MASTER *master;              /* the owner */
    const MASTER_CF_SERVICE *cf; /* the definition; master->cf owns it */
    char *key;                   /* "name/type", for messages */
    char *path;                  /* daemon_directory/command */
    char *endpoint;              /* where the listeners are (text) */
    int *listen_fd;              /* listening descriptors */
    int listen_count;            /* how many */
    int listening;               /* watched by the event loop */
    int gen_fd[2];               /* generation pipe: child reads [0] */
    int gen;                     /* generation number */
    int status_fd[2];            /* status pipe: master reads [0] */
    ARGV *argv;                  /* the child's command line */
    ARGV *envp;                  /* the child's environment */
    int maxproc;                 /* 0: no limit */
    int total;                   /* children of this generation */
    int avail;                   /* of which waiting for a client */
    int procs;                   /* children of any generation */
    int throttled;               /* not spawning until the timer */
    int throttle_timer;          /* timer id, 0: none */
    int backoff;                 /* next throttle delay, seconds */
    int wakeup_timer;            /* timer id, 0: none */
    int used;                    /* a child reported TAKEN */
    int removed;                 /* gone from master.cf: retired */
    struct MASTER_SERV *next;    /* in the running or retired list */
} MASTER_SERV;

/* One child. */
typedef struct MASTER_PROC {
    pid_t pid;
    MASTER_SERV *serv; /* its service (kept while it lives) */
    int gen;           /* the service's generation at the fork */
    int avail;         /* waiting for a client */
    int served;        /* reported TAKEN at least once */
    long start;        /* monotonic seconds at the fork */
} MASTER_PROC;

/* The process's master state. */
struct MASTER {
    EVENT_LOOP *loop;
    char *config_dir;      /* -c, MAIL_CONFIG or the default */
    int verbose;           /* -v count, passed on to children */
    int is_root;           /* running as root: privilege separation */
    MASTER_PARAMS *params; /* main.cf, as loaded last */
    MASTER_CF *cf;         /* master.cf, as loaded last */
    char *main_cf_text;    /* main.cf's text, to see whether it changed */
    MASTER_SERV *services; /* running services */
    MASTER_SERV *retired;  /* removed, waiting for their children */
    HTABLE *procs;         /* pid text -> MASTER_PROC */
    int pid_fd;            /* the locked pid file, -1: none */
    char *pid_path;        /* its name */
    int sig_pipe[2];       /* signal self-pipe */
    int stopping;          /* shutting down: children are not reported */
};

/* master_conf.c */
extern MASTER_PARAMS *master_params_load(int is_root, STRBUF *why);
extern MASTER_PARAMS *master_params_free(MASTER_PARAMS *p);
extern int master_batch_scheduled(const MASTER_PARAMS *p, const char *path);
extern int master_disabled(const ARGV *disable, const char *name,
                           const char *type);
extern MASTER_CF *master_cf_load(const char *config_dir, STRBUF *err);
extern char *master_file_text(const char *path);
extern int master_backlog(const MASTER_PARAMS *p, int maxproc);

/* master_start.c */
extern void master_fds_init(void);
extern void master_dirs_init(const MASTER_PARAMS *p, int is_root);
extern int master_lock_test(const char *queue_dir);
extern void master_lock_take(MASTER *m);
extern void master_lock_release(MASTER *m);
extern int master_daemonize(void);
extern void master_daemon_ready(int ready_fd);

/* master_listen.c */
extern ARGV *master_inet_addrs(const char *host, const char *port,
                               const char *interfaces, const char *protocols,
                               STRBUF *why);
extern int master_endpoint(STRBUF *out, const MASTER_CF_SERVICE *sv,
                           const MASTER_PARAMS *p, STRBUF *why);
extern int master_listen_open(MASTER_SERV *serv, STRBUF *why);
extern void master_listen_close(MASTER_SERV *serv, int unlink_path);
extern void master_listen_update(MASTER_SERV *serv);

/* master_service.c */
#define MASTER_DIFF_SAME    0 /* the same definition */
#define MASTER_DIFF_CHANGED 1 /* same name and type, other columns */
#define MASTER_DIFF_ADDED   2 /* new in the new master.cf */
#define MASTER_DIFF_REMOVED 3 /* gone from the new master.cf */

typedef void (*MASTER_DIFF_FN)(int kind, const MASTER_CF_SERVICE *old_sv,
                               const MASTER_CF_SERVICE *new_sv, void *ctx);

extern int master_service_same(const MASTER_CF_SERVICE *a,
                               const MASTER_CF_SERVICE *b);
extern void master_diff(const MASTER_CF *old_cf, const MASTER_CF *new_cf,
                        MASTER_DIFF_FN fn, void *ctx);
extern ARGV *master_child_argv(const MASTER_CF_SERVICE *sv,
                               const char *config_dir, int listen_count,
                               int verbose);
extern ARGV *master_child_env(const char *config_dir, const char *import);
extern int master_service_eligible(const MASTER_CF_SERVICE *sv,
                                   const MASTER_PARAMS *p, int warn);
extern int master_services_start(MASTER *m, int fatal, int dgram_only);
extern void master_services_reload(MASTER *m, MASTER_CF *new_cf,
                                   MASTER_PARAMS *new_params,
                                   int main_cf_changed);
extern void master_services_stop(MASTER *m);
extern void master_services_free(MASTER *m);
extern void master_serv_retire_done(MASTER_SERV *serv);
extern MASTER_SERV *master_serv_find(MASTER_SERV *list, const char *name,
                                     int type);

/* master_spawn.c */
extern int master_backoff(int *next, int abnormal, long runtime, long max);
extern void master_spawn_init(MASTER_SERV *serv);
extern void master_spawn_new_gen(MASTER_SERV *serv);
extern void master_spawn_demand(EVENT_LOOP *loop, int event, int fd,
                                void *context);
extern void master_status_event(EVENT_LOOP *loop, int event, int fd,
                                void *context);
extern void master_reap(MASTER *m);
extern void master_unthrottle_all(MASTER *m);
extern long master_now(void);
extern STRBUF *master_exit_text(STRBUF *out, int status);

/* master_wakeup.c */
extern void master_wakeup_start(MASTER_SERV *serv);
extern void master_wakeup_stop(MASTER_SERV *serv);
extern void master_wakeup_used(MASTER_SERV *serv);
extern int master_trigger(int type, const char *path, int byte);

/* master_sig.c */
extern void master_sig_init(MASTER *m);
extern void master_reload(MASTER *m);
extern void master_stop_children(MASTER *m, int wait_s);

#endif

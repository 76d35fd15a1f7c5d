#ifndef LOCAL_H
#define LOCAL_H

/*
 * local - the local(8) delivery agent's shared declarations.
 */
#include <pwd.h>
#include <sys/types.h>

#include "argv.h"
#include "mail_copy.h"
#include "maps.h"
#include "match_list.h"
#include "mbox_deliver.h"
#include "strbuf.h"

/* Where a destination came from (allow_mail_to_commands/files names). */
#define LOCAL_FROM_ALIAS   (1 << 0) /* alias_maps */
#define LOCAL_FROM_FORWARD (1 << 1) /* ~/.forward */
#define LOCAL_FROM_INCLUDE (1 << 2) /* :include: file */

/* Bounds on one recipient's expansion. */
#define LOCAL_MAX_LEVEL  20    /* alias, include and .forward nesting */
#define LOCAL_MAX_ITEMS  1000  /* destinations in all */
#define LOCAL_FILE_MAX   65536 /* bytes of a .forward or :include: file */
#define LOCAL_OUTPUT_MAX 1000  /* bytes of command output kept */

/* main.cf, read once at start. */
typedef struct LOCAL_PARAMS {
    MAPS *alias_maps;          /* alias_maps */
    MATCH_LIST *mydestination; /* which domains are ours */
    const char *delimiters;    /* recipient_delimiter */
    uid_t privs_uid;           /* default_privs */
    gid_t privs_gid;
    int allow_commands;          /* allow_mail_to_commands: LOCAL_FROM_* */
    int allow_files;             /* allow_mail_to_files */
    const char *forward_path;    /* forward_path (raw: $home etc.) */
    const char *home_mailbox;    /* home_mailbox */
    const char *spool_dir;       /* mail_spool_directory */
    const char *mailbox_command; /* mailbox_command */
    const char *luser_relay;     /* luser_relay */
    const char *shell;           /* local_command_shell, "" /bin/sh */
    const char *hostname;        /* myhostname */
    const char *myorigin;        /* myorigin, for owner- senders */
    int expand_owner_alias;      /* expand_owner_alias */
    int command_timeout;         /* command_time_limit, seconds */
    off_t mailbox_limit;         /* mailbox_size_limit, 0: none */
    MBOX_OPTS mbox;              /* mailbox_delivery_lock, waits */
    const char *queue_dir;       /* cleanup's, NULL: the cwd */
    int (*resubmit)(const char *sender, const ARGV *rcpts,
                    const MAIL_COPY_SRC *src, STRBUF *queue_id,
                    STRBUF *why);   /* sends forwarded copies */
    const char *mailbox_transport;  /* mailbox_transport */
    MAPS *mailbox_transport_maps;   /* mailbox_transport_maps, NULL */
    const char *fallback_transport; /* fallback_transport */
    MAPS *fallback_transport_maps;  /* fallback_transport_maps, NULL */
    int (*pass)(void *ctx, const char *service, const char *address,
                int flags, STRBUF *why); /* deliver_pass: result char, -1 */
    void (*log)(void *ctx, const char *to, const char *status,
                const char *reason); /* one destination's log line */
} LOCAL_PARAMS;

/* One recipient's delivery while it expands. */
typedef struct LOCAL_STATE {
    const LOCAL_PARAMS *p;
    const MAIL_COPY_SRC *src; /* the message, Delivered-To the recipient */
    const char *rcpt;         /* the recipient address */
    char *sender;             /* envelope sender of forwarded copies */
    char *extension;          /* recipient_delimiter extension, "" */
    int level;                /* nesting depth */
    int items;                /* destinations so far */
    ARGV *seen;               /* aliases and users expanded already */
    ARGV *forward;            /* addresses for a forwarded copy */
    int worst;                /* class of the worst outcome: 0, 2, 5, 4 */
    STRBUF *status;           /* its DSN status */
    STRBUF *reason;           /* and reason */
    void *pass_ctx;           /* for p->pass and p->log */
    const char *dest;         /* the user an expansion reached, NULL */
    int outcomes;             /* local_outcome() calls */
    int passes;               /* of them, outcomes of another agent */
    int pass_result;          /* the last one's DEL_RESULT_* */
} LOCAL_STATE;

/* Who a command or file delivery runs as. */
typedef struct LOCAL_PRIVS {
    uid_t uid;
    gid_t gid;
    const char *user;  /* USER, LOGNAME; "" */
    const char *home;  /* HOME, working folder; "/" */
    const char *shell; /* SHELL */
} LOCAL_PRIVS;

/* local_recipient.c */
extern const char *local_recipient(const LOCAL_PARAMS *p,
                                   const MAIL_COPY_SRC *src, const char *rcpt,
                                   void *pass_ctx, int *relayed,
                                   STRBUF *reason);
extern void local_outcome(LOCAL_STATE *state, const char *status,
                          const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
extern void local_deliver_user(LOCAL_STATE *state, const char *name);

/* local_expand.c */
extern ARGV *local_expand_split(const char *value, size_t len);
extern void local_expand(LOCAL_STATE *state, const char *value, int from,
                         const LOCAL_PRIVS *privs, const char *self);

/* local_command.c */
extern void local_command(LOCAL_STATE *state, const char *command,
                          const LOCAL_PRIVS *privs);

/* local_file.c */
extern void local_file(LOCAL_STATE *state, const char *path,
                       const LOCAL_PRIVS *privs);
extern void local_mailbox(LOCAL_STATE *state, const struct passwd *pw);

#endif

#ifndef SENDMAIL_H
#define SENDMAIL_H

/*
 * sendmail.h - the sendmail-compatible submission command's modules.
 *
 * sendmail_opts.c parses the command line and the small value syntaxes
 * (-N, -V, -R, -B, <addr>) without side effects; sendmail_copy.c turns a
 * message on a stream into content records; sendmail_drop.c runs
 * postdrop and writes the maildrop envelope to it; sendmail_smtp.c is the
 * -bs server.  Strings in SENDMAIL_OPTS point into argv (the caller's);
 * everything else states its ownership where it is declared.
 */
#include <stddef.h>
#include <sys/types.h>

#include "stream.h"
#include "strbuf.h"

/* sysexits(3) codes, spelt out so that no header is needed. */
#define SM_EX_USAGE    64
#define SM_EX_DATAERR  65
#define SM_EX_SOFTWARE 70
#define SM_EX_TEMPFAIL 75

/* What the command does (-b, -q, or the name it was run as). */
#define SM_MODE_DELIVER  0 /* -bm: read a message, hand it to postdrop */
#define SM_MODE_SMTP     1 /* -bs: SMTP on stdin/stdout */
#define SM_MODE_LISTQ    2 /* -bp, mailq: postqueue -p */
#define SM_MODE_NEWALIAS 3 /* -bi, -I, newaliases */
#define SM_MODE_DAEMON   4 /* -bd: postern start */
#define SM_MODE_FLUSH    5 /* -q: postqueue -f */
#define SM_MODE_FLUSH_TO 6 /* -qRsite, -qSsite: postqueue -s site */
#define SM_MODE_IGNORE   7 /* -q1h alone: nothing to do */

/* The longest ENVID (RFC 3461 section 4.4). */
#define SM_ENVID_MAX 100

typedef struct SENDMAIL_OPTS {
    int mode;               /* SM_MODE_* */
    int extract;            /* -t */
    int ignore_dot;         /* -i, -oi */
    int verbose;            /* count of -v */
    int queue_interval;     /* -q with an interval was given */
    const char *sender;     /* -f, -r; NULL: the login name */
    const char *full_name;  /* -F, or NULL */
    int dsn_notify;         /* -N as DSN_NOTIFY_* flags; 0: not given */
    const char *ret;        /* -R: "full" or "hdrs", or NULL */
    const char *envid;      /* -V, or NULL */
    const char *encoding;   /* -B: "7bit" or "8bitmime", or NULL */
    const char *config_dir; /* -C, or NULL */
    const char *alias_file; /* -oA, or NULL */
    const char *site;       /* -qR, -qS */
    const char *log_name;   /* -L, or NULL */
    const char *log_file;   /* -X (ignored with a warning), or NULL */
    int first_rcpt;         /* argv index of the first recipient */
} SENDMAIL_OPTS;

/* sendmail_opts.c */
extern void sendmail_opts_init(SENDMAIL_OPTS *opts, const char *argv0);
extern int sendmail_opts_parse(int argc, char **argv, SENDMAIL_OPTS *opts,
                               STRBUF *why);
extern int sendmail_parse_notify(const char *str, size_t len, int *flags);
extern int sendmail_envid_ok(const char *str, size_t len);
extern STRBUF *sendmail_strip_addr(STRBUF *out, const char *addr, size_t len);
extern STRBUF *sendmail_gecos_name(STRBUF *out, const char *gecos);

/* sendmail_copy.c: message lines to N/L records. */
#define SM_COPY_DOT       (1 << 0) /* a lone "." ends the input */
#define SM_COPY_SMTP      (1 << 1) /* SMTP DATA: "." ends, unstuff dots */
#define SM_COPY_SKIP_FROM (1 << 2) /* drop a leading "From " line */

typedef struct SENDMAIL_COPY {
    size_t line_limit;    /* bytes of a record piece, > 0 */
    long long size_limit; /* most content bytes (with LF); 0: none */
    int flags;            /* SM_COPY_* */
    long long size;       /* result: content bytes written or seen */
} SENDMAIL_COPY;

#define SM_COPY_OK     0    /* end of input, or the "." line */
#define SM_COPY_TOOBIG (-1) /* over size_limit */
#define SM_COPY_WRITE  (-2) /* the output failed */
#define SM_COPY_READ   (-3) /* the input failed or timed out */
#define SM_COPY_EOF    (-4) /* SMTP: input ended before "." */

extern int sendmail_copy(STREAM *in, STREAM *out, SENDMAIL_COPY *cp);

/* sendmail_drop.c: the envelope, and a postdrop run. */
typedef struct SENDMAIL_RCPT {
    char *address;
    char *orcpt; /* DSN ORCPT "type;xtext", or NULL */
    int notify;  /* DSN_NOTIFY_*, 0: none */
} SENDMAIL_RCPT;

typedef struct SENDMAIL_ENV {
    char *sender;                             /* "" for the null sender */
    char *full_name, *envid, *ret, *encoding; /* NULL: absent */
    int extract;
    SENDMAIL_RCPT *rcpt;
    size_t rcpt_count;
    size_t rcpt_alloc;
} SENDMAIL_ENV;

extern SENDMAIL_ENV *sendmail_env_create(void);
extern void sendmail_env_reset(SENDMAIL_ENV *env);
extern SENDMAIL_ENV *sendmail_env_free(SENDMAIL_ENV *env);
extern void sendmail_env_set(char **field, const char *value);
extern void sendmail_env_add_rcpt(SENDMAIL_ENV *env, const char *addr,
                                  int notify, const char *orcpt);
extern int sendmail_env_put(STREAM *st, const SENDMAIL_ENV *env);

typedef struct SENDMAIL_DROP SENDMAIL_DROP;

extern SENDMAIL_DROP *sendmail_drop_open(int verbose, STRBUF *why);
extern STREAM *sendmail_drop_stream(SENDMAIL_DROP *drop);
extern int sendmail_drop_close(SENDMAIL_DROP *drop, int finish);

/* sendmail_smtp.c */
extern int sendmail_smtp(STREAM *in, STREAM *out, int verbose);

#endif

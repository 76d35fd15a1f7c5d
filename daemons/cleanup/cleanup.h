#ifndef CLEANUP_H
#define CLEANUP_H

/*
 * cleanup - the state of one message in cleanup(8), shared by its topic
 * files (docs/cleanup.md says what happens in which order).
 *
 * cleanup_state.c: cleanup_state_create() and _free() (the caller owns
 * the state; it owns everything it points to but the borrowed params,
 * tables and map), the recipient list with duplicate removal, the error
 * bits and the final reply.  cleanup_addr.c: the envelope sender and
 * recipients through trivial-rewrite, cleanup_map and virtual aliases,
 * and the addresses of headers.  cleanup_message.c: content lines from
 * data frames, headers (added, removed, rewritten, extracted, checked)
 * and body lines.  cleanup_out.c: the content spool, the queue file
 * records, commit, and the start-up sweep of incoming/.
 *
 * Nothing here is fatal but memory exhaustion: every problem of the
 * message sets a CLEANUP_STAT_* bit with a dsn and a reason, and the
 * first one wins.
 */
#include <stddef.h>

#include "argv.h"
#include "cleanup_map.h"
#include "header_checks.h"
#include "header_parse.h"
#include "htable.h"
#include "maps.h"
#include "qfile.h"
#include "mail_proto.h"
#include "strbuf.h"
#include "stream.h"

/* Bounds of what a client may send (no Postfix names). */
#define CLEANUP_ADDR_MAX       4096 /* bytes of one envelope address */
#define CLEANUP_ATTR_NAME_MAX  64   /* bytes of an attribute name */
#define CLEANUP_ATTR_VALUE_MAX 4096 /* bytes of an attribute value */

/* The main.cf parameters cleanup reads, once, at start. */
typedef struct CLEANUP_PARAMS {
    long long message_size_limit; /* 0: no limit */
    size_t line_length_limit;     /* longer lines are stored in pieces */
    size_t body_checks_size_limit;
    long hopcount_limit;
    size_t header_address_token_limit;
    HEADER_LIMITS hlim;          /* header_size_limit */
    const char *myhostname;      /* Message-ID */
    const char *undisclosed_hdr; /* undisclosed_recipients_header */
    long delay_warning_time;     /* seconds; 0: no W record */
} CLEANUP_PARAMS;

/* trivial-rewrite's "rewrite" (rewrite_clnt); a test may put its own. */
typedef int (*CLEANUP_REWRITE_FN)(const char *rule, const char *addr,
                                  STRBUF *result);

/* Where finished content lines go (the spool; a test may capture). */
typedef struct CLEANUP_STATE CLEANUP_STATE;
typedef int (*CLEANUP_OUT_FN)(CLEANUP_STATE *state, const char *line,
                              size_t len);

/* One envelope recipient, as it will be written. */
typedef struct CLEANUP_RCPT {
    char *addr;       /* R */
    char *orig;       /* O, or NULL */
    char *dsn_orcpt;  /* o, or NULL */
    int notify;       /* n, 0: none */
    long long offset; /* of its R or D record, once written */
} CLEANUP_RCPT;

typedef struct CLEANUP_RCPTS {
    CLEANUP_RCPT *list;
    size_t count;
    size_t size;
    size_t max;   /* QFILE_DEF_MAX_RCPT */
    HTABLE *seen; /* "orig\nrcpt" of each: duplicate removal */
    STRBUF *key;
} CLEANUP_RCPTS;

struct CLEANUP_STATE {
    /* Borrowed. */
    const CLEANUP_PARAMS *p;
    CLEANUP_MAP *map;    /* NULL: no mapping even with CLEANUP_FLAG_MAP */
    MAPS *header_checks; /* NULL when empty */
    MAPS *body_checks;   /* NULL when empty */
    CLEANUP_REWRITE_FN rewrite;
    CLEANUP_OUT_FN out;
    void *out_context;
    long long spool_bytes; /* written by cleanup_spool_line */
    /* The message. */
    char *queue_id;
    int flags;      /* CLEANUP_FLAG_* */
    int errs;       /* CLEANUP_STAT_* */
    STRBUF *dsn;    /* of the first error */
    STRBUF *reason; /* of the first error */
    long long arrival_sec;
    long arrival_usec;
    char *sender;     /* rewritten; NULL until "sender" */
    char *full_name;  /* attribute full_name, or NULL */
    const char *rule; /* "local" or "remote" (rewrite_context) */
    ARGV *attr_names; /* envelope attributes, in arrival order */
    ARGV *attr_values;
    CLEANUP_RCPTS *rcpts;
    ARGV *extracted;        /* -t: To, Cc, Bcc addresses, rewritten */
    ARGV *resent_extracted; /* -t: Resent-To, -Cc, -Bcc */
    char *redirect;         /* REDIRECT target */
    char *filter;           /* FILTER target */
    ARGV *bcc;              /* BCC targets */
    int hold;               /* HOLD action or flag */
    int discard;            /* DISCARD action */
    int bounce;             /* write recipients done (cleanup_bounce) */
    /* Content. */
    STRBUF *partial; /* a line not yet ended by LF */
    long long content_bytes;
    int in_body;
    HEADER_PARSE *hp;
    unsigned hdr_seen;   /* 1 << HDR_* of the headers seen */
    size_t received;     /* Received: headers */
    int resent;          /* a Resent- header was seen */
    STRBUF *message_id;  /* for the log */
    size_t body_checked; /* body bytes given to body_checks */
    HEADER_ACTION *act;
    /* Scratch. */
    STRBUF *buf;
    STRBUF *buf2;
    STRBUF *why;
    ARGV *expansion;
};

/* cleanup_state.c */
extern void cleanup_params_init(CLEANUP_PARAMS *p);
extern CLEANUP_STATE *cleanup_state_create(const CLEANUP_PARAMS *p,
                                           const char *queue_id, int flags);
extern CLEANUP_STATE *cleanup_state_free(CLEANUP_STATE *state);
extern void cleanup_fail(CLEANUP_STATE *state, int bit, const char *dsn,
                         const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
extern int cleanup_reply_status(int errs);
extern CLEANUP_RCPTS *cleanup_rcpts_create(size_t max);
extern CLEANUP_RCPTS *cleanup_rcpts_free(CLEANUP_RCPTS *r);
extern int cleanup_rcpts_add(CLEANUP_RCPTS *r, const char *addr,
                             const char *orig, const char *dsn_orcpt,
                             int notify);
extern void cleanup_log_action(CLEANUP_STATE *state, const char *action,
                               const char *where, const char *text, size_t len,
                               const char *why);

#define CLEANUP_RCPT_ADDED 0
#define CLEANUP_RCPT_DUP   1
#define CLEANUP_RCPT_FULL  (-1)

/* cleanup_addr.c */
extern int cleanup_sender(CLEANUP_STATE *state, const char *addr);
extern int cleanup_recipient(CLEANUP_STATE *state, const char *addr,
                             const char *orig, const char *dsn_orcpt,
                             int notify);
extern int cleanup_rewrite_header(CLEANUP_STATE *state, int type_class,
                                  const char *value, size_t len, STRBUF *out,
                                  ARGV *addrs);

/* cleanup_message.c */
extern void cleanup_data(CLEANUP_STATE *state, const char *data, size_t len);
extern void cleanup_data_end(CLEANUP_STATE *state);
extern void cleanup_finish_rcpts(CLEANUP_STATE *state);

/* cleanup_out.c */
/*
 * The content spool: records in memory while they fit in mem_limit bytes
 * (CLEANUP_SPOOL_MEM in the daemon; no Postfix name), then in a file.
 */
#define CLEANUP_SPOOL_MEM (64 * 1024)
typedef struct CLEANUP_SPOOL {
    STRBUF *mem;  /* the records so far; empty once they are in file */
    STREAM *file; /* NULL until the records outgrow mem_limit */
    size_t mem_limit;
} CLEANUP_SPOOL;
extern CLEANUP_SPOOL *cleanup_spool_create(size_t mem_limit);
extern CLEANUP_SPOOL *cleanup_spool_free(CLEANUP_SPOOL *sp);
extern int cleanup_spool_line(CLEANUP_STATE *state, const char *line,
                              size_t len);
extern int cleanup_write_file(CLEANUP_STATE *state, QFILE *qf,
                              CLEANUP_SPOOL *spool);
extern void cleanup_sweep(const char *queue, long max_age);

/* cleanup_bounce.c */
extern int cleanup_bounce_wanted(const CLEANUP_STATE *state);
extern int cleanup_bounce_rcpts(CLEANUP_STATE *state);
extern int cleanup_bounce_log(CLEANUP_STATE *state, STRBUF *why);

#endif

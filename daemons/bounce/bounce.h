#ifndef BOUNCE_H
#define BOUNCE_H

/*
 * bounce - what the bounce daemon's files share: its parameters, the
 * message a report is about, and the report builder.
 *
 * bounce_msg_read() loads the envelope and (part of) the content of the
 * queue file a report is about into a BOUNCE_MSG the caller owns
 * (bounce_msg_free); QFILE_OK, QFILE_IOERR (errno ENOENT: the file is
 * gone) or QFILE_BAD with a reason.
 *
 * bounce_report() writes the whole text of one report (headers, an
 * empty line, the multipart/report body; lines ended by LF) into out.
 * It selects nothing: the caller passes the entries to report.
 *
 * bounce_notify_flush() (bounce, trace) and bounce_notify_warn() (defer)
 * decide who gets which report, submit them through cleanup and log
 * them; they return MAIL_STAT_OK or MAIL_STAT_RETRY with a reason.
 * Nothing is fatal.
 */
#include "bounce_log.h"
#include "mail_queue.h"
#include "qfile.h"
#include "strbuf.h"

/* The parameters, read once at start-up. */
typedef struct BOUNCE_PARAMS {
    char *myhostname;
    char *myorigin;
    char *double_bounce_sender;
    char *bounce_rcpt;    /* bounce_notice_recipient */
    char *twobounce_rcpt; /* 2bounce_notice_recipient */
    char *delay_rcpt;     /* delay_notice_recipient */
    int notify_bounce;    /* notify_classes has bounce */
    int notify_2bounce;   /* ... 2bounce */
    int notify_delay;     /* ... delay */
    long size_limit;      /* bounce_size_limit */
    long max_lifetime;    /* maximal_queue_lifetime, seconds */
    int timeout_ms;       /* ipc_timeout, for cleanup */
    MAIL_QUEUE *mq;
} BOUNCE_PARAMS;

extern BOUNCE_PARAMS bounce_params;

/* The message a report is about. */
typedef struct BOUNCE_MSG {
    const char *queue_id;
    QFILE_ENV *env;
    const char *envid; /* decoded ENVID, or "" */
    int ret;           /* DEL_RET_*, 0: not given */
    STRBUF *content;   /* header lines, empty line, body: LF lines */
    size_t header_len; /* bytes of content up to the empty line */
    int truncated;     /* the content was cut at bounce_size_limit */
    STRBUF *envid_buf;
} BOUNCE_MSG;

/* Which report. */
typedef enum BOUNCE_KIND {
    BOUNCE_KIND_FAILED,  /* non-delivery */
    BOUNCE_KIND_DELAYED, /* delay warning */
    BOUNCE_KIND_SUCCESS, /* delivery status (trace) */
} BOUNCE_KIND;

/* One report to build. */
typedef struct BOUNCE_REPORT {
    BOUNCE_KIND kind;
    const BOUNCE_MSG *msg;
    const char *to;                /* header To: */
    const char *new_id;            /* the report's own queue ID */
    const BOUNCE_LOG_ENTRY **rcpt; /* the entries reported */
    size_t rcpt_count;
    int full;       /* return the message, not its headers */
    int postmaster; /* to postmaster: every entry, NOTIFY aside */
    int copy;       /* a postmaster copy (subject) */
    long long now;
} BOUNCE_REPORT;

extern int bounce_msg_read(BOUNCE_MSG **msg, const char *queue,
                           const char *queue_id, STRBUF *why);
extern BOUNCE_MSG *bounce_msg_free(BOUNCE_MSG *msg);

extern void bounce_report(STRBUF *out, const BOUNCE_REPORT *rep);

extern int bounce_notify_flush(const char *role, const char *queue,
                               const char *queue_id, STRBUF *why);
extern int bounce_notify_warn(const char *queue, const char *queue_id,
                              STRBUF *why);

#endif

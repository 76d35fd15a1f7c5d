/*
 * cleanup - the cleanup(8) daemon: every message enters the queue here.
 *
 * Serves public/cleanup, one message per connection (single-server):
 * "open" creates the queue file in incoming/ and answers its queue ID;
 * then come "time" (optional), "sender" (once), "attr" and "rcpt" in any
 * order, "data" frames and "end", with no reply until the final one
 * (docs/ipc.md, "cleanup"; docs/cleanup.md says what is done in which
 * order).  The envelope is processed when it is complete (at the first
 * "data" or at "end"), because the rewrite_context attribute may come
 * after the addresses.  A problem of the message (size, a rule, a table)
 * is remembered and the rest read and dropped until "end"; a frame that
 * cannot be decoded or a request out of order is answered MAIL_STAT_BAD
 * at once and the connection closed.  Anything but MAIL_STAT_OK removes
 * the file; end of input before "end" removes it silently.
 *
 * Start-up: tables are opened as root (pre-init); unprivileged, the
 * parameters are read and incoming/ is swept of crash leftovers.  The
 * test-only POSTERN_TEST_CLEANUP_DELAY (seconds, 0..60) sleeps between
 * the last record and the commit.  A bad table name is fatal.
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

#include "attr.h"
#include "cleanup.h"
#include "mail_conf.h"
#include "mail_server.h"
#include "msg.h"
#include "mymalloc.h"
#include "rewrite_clnt.h"
#include "stringops.h"

/* Frame limits: a data chunk and a few names, or one short attribute. */
#define CLEANUP_MAX_PAYLOAD (CLEANUP_DATA_CHUNK + 1024)
#define CLEANUP_MAX_COUNT   8

/* Leftovers in incoming/ older than this are a crash's (seconds). */
#define CLEANUP_SWEEP_AGE 3600

/* Where the client is in the order of requests. */
#define PHASE_TIME 0 /* time or sender may come */
#define PHASE_ENV  1 /* attr, rcpt, data or end */
#define PHASE_DATA 2 /* data or end */

/* Per-process state. */
static CLEANUP_PARAMS cleanup_params;
static MAIL_QUEUE *cleanup_mq;
static CLEANUP_MAP *cleanup_map;
static MAPS *cleanup_header_maps;
static MAPS *cleanup_body_maps;
static ATTR_LIMITS cleanup_limits;
static int cleanup_test_delay;

/* One connection. */
typedef struct CLEANUP_CONN {
    STREAM *client;
    CLEANUP_STATE *state;
    QFILE *qf;
    CLEANUP_SPOOL *spool;
    ATTR_LIST *req;
    STRBUF *a1; /* scanned values */
    STRBUF *a2;
    STRBUF *a3;
    STRBUF *a4;
    STRBUF *data;
    STRBUF *why;
    char *raw_sender;   /* as the client sent it */
    CLEANUP_RCPTS *raw; /* recipients as the client sent them */
    int phase;
} CLEANUP_CONN;

/* cleanup_bad - a protocol error: reason in conn->why; always -1 */
static int
cleanup_bad(CLEANUP_CONN *conn, const char *fmt, const char *arg)
{
    strbuf_sprintf(conn->why, fmt, arg);
    return -1;
}

/* cleanup_req_time - "time": the arrival time to record */
static int
cleanup_req_time(CLEANUP_CONN *conn)
{
    int64_t sec;
    uint32_t usec;

    if (conn->phase != PHASE_TIME)
        return cleanup_bad(conn, "%s out of order", CLEANUP_REQ_TIME);
    if (attr_scan(conn->req, ATTR_FLAG_STRICT, conn->why, ATTR_TYPE_STR,
                  MAIL_ATTR_REQ, conn->a1, ATTR_TYPE_LONG, CLEANUP_ATTR_SEC,
                  &sec, ATTR_TYPE_INT, CLEANUP_ATTR_USEC, &usec,
                  ATTR_TYPE_END) < 0)
        return -1;
    if (sec < 0 || usec >= 1000000)
        return cleanup_bad(conn, "bad arrival time%s", "");
    conn->state->arrival_sec = sec;
    conn->state->arrival_usec = (long) usec;
    return 0;
}

/* cleanup_req_sender - "sender": once, before anything else */
static int
cleanup_req_sender(CLEANUP_CONN *conn)
{
    if (conn->phase != PHASE_TIME)
        return cleanup_bad(conn, "%s out of order", CLEANUP_REQ_SENDER);
    if (attr_scan(conn->req, ATTR_FLAG_STRICT, conn->why, ATTR_TYPE_STR,
                  MAIL_ATTR_REQ, conn->a1, ATTR_TYPE_STR, CLEANUP_ATTR_ADDR,
                  conn->a2, ATTR_TYPE_END) < 0)
        return -1;
    conn->raw_sender = mystrdup(STR(conn->a2));
    conn->phase = PHASE_ENV;
    return 0;
}

/* cleanup_attr_name_ok - [A-Za-z0-9_-]+ */
static int
cleanup_attr_name_ok(const char *name)
{
    if (*name == 0)
        return 0;
    for (; *name; name++)
        if (!(isalnum((unsigned char) *name) || *name == '_' || *name == '-'))
            return 0;
    return 1;
}

/* cleanup_req_attr - "attr": an envelope attribute */
static int
cleanup_req_attr(CLEANUP_CONN *conn)
{
    CLEANUP_STATE *s = conn->state;
    const char *name;
    const char *value;

    if (conn->phase != PHASE_ENV)
        return cleanup_bad(conn, "%s out of order", CLEANUP_REQ_ATTR);
    if (attr_scan(conn->req, ATTR_FLAG_STRICT, conn->why, ATTR_TYPE_STR,
                  MAIL_ATTR_REQ, conn->a1, ATTR_TYPE_STR, CLEANUP_ATTR_NAME,
                  conn->a2, ATTR_TYPE_STR, CLEANUP_ATTR_VALUE, conn->a3,
                  ATTR_TYPE_END) < 0)
        return -1;
    name = STR(conn->a2);
    value = STR(conn->a3);
    if (!cleanup_attr_name_ok(name))
        return cleanup_bad(conn, "bad attribute name%s", "");
    if (s->attr_names->argc >= QFILE_DEF_MAX_ATTR)
        return cleanup_bad(conn, "too many attributes%s", "");
    if (strcmp(name, MAIL_ATTR_RWR_CONTEXT) == 0) {
        if (strcmp(value, "local") != 0 && strcmp(value, "remote") != 0)
            return cleanup_bad(conn, "bad %s value", MAIL_ATTR_RWR_CONTEXT);
        s->rule = strcmp(value, "local") == 0 ? "local" : "remote";
    }
    /* smtpd's REDIRECT action: replaces the recipients at the end. */
    if (strcmp(name, MAIL_ATTR_REDIRECT) == 0) {
        if (s->redirect)
            myfree(s->redirect);
        s->redirect = mystrdup(value);
        return 0;
    }
    if (strcmp(name, MAIL_ATTR_FULL_NAME) == 0) {
        if (s->full_name)
            myfree(s->full_name);
        s->full_name = mystrdup(value);
    }
    argv_add(s->attr_names, name);
    argv_add(s->attr_values, value);
    return 0;
}

/* cleanup_req_rcpt - "rcpt": kept as sent until the envelope is complete */
static int
cleanup_req_rcpt(CLEANUP_CONN *conn)
{
    uint32_t notify = 0;

    if (conn->phase != PHASE_ENV)
        return cleanup_bad(conn, "%s out of order", CLEANUP_REQ_RCPT);
    if (attr_scan(conn->req, ATTR_FLAG_STRICT | ATTR_FLAG_OPTIONAL, conn->why,
                  ATTR_TYPE_STR, MAIL_ATTR_REQ, conn->a1, ATTR_TYPE_STR,
                  CLEANUP_ATTR_ADDR, conn->a2, ATTR_TYPE_STR,
                  CLEANUP_ATTR_ORCPT, conn->a3, ATTR_TYPE_STR,
                  CLEANUP_ATTR_DSN_ORCPT, conn->a4, ATTR_TYPE_INT,
                  CLEANUP_ATTR_NOTIFY, &notify, ATTR_TYPE_END) < 0)
        return -1;
    if (attr_get_str(conn->req, CLEANUP_ATTR_ADDR) == NULL)
        return cleanup_bad(conn, "%s without address", CLEANUP_REQ_RCPT);
    if (notify & ~(uint32_t) (DSN_NOTIFY_NEVER | DSN_NOTIFY_ANY) ||
        ((notify & DSN_NOTIFY_NEVER) && (notify & DSN_NOTIFY_ANY)))
        return cleanup_bad(conn, "bad %s value", CLEANUP_ATTR_NOTIFY);
    if (cleanup_rcpts_add(
            conn->raw, STR(conn->a2),
            attr_get_str(conn->req, CLEANUP_ATTR_ORCPT) ? STR(conn->a3) : NULL,
            attr_get_str(conn->req, CLEANUP_ATTR_DSN_ORCPT) ? STR(conn->a4)
                                                            : NULL,
            (int) notify) == CLEANUP_RCPT_FULL)
        return cleanup_bad(conn, "too many recipients%s", "");
    return 0;
}

/* cleanup_envelope - the envelope is complete: rewrite and map it */
static void
cleanup_envelope(CLEANUP_CONN *conn)
{
    CLEANUP_STATE *s = conn->state;
    size_t i;

    conn->phase = PHASE_DATA;
    (void) cleanup_sender(s, conn->raw_sender);
    for (i = 0; i < conn->raw->count && s->errs == 0; i++)
        (void) cleanup_recipient(
            s, conn->raw->list[i].addr, conn->raw->list[i].orig,
            conn->raw->list[i].dsn_orcpt, conn->raw->list[i].notify);
}

/* cleanup_req_data - "data": content bytes */
static int
cleanup_req_data(CLEANUP_CONN *conn)
{
    if (conn->phase == PHASE_ENV)
        cleanup_envelope(conn);
    if (conn->phase != PHASE_DATA)
        return cleanup_bad(conn, "%s out of order", CLEANUP_REQ_DATA);
    if (attr_scan(conn->req, ATTR_FLAG_STRICT, conn->why, ATTR_TYPE_STR,
                  MAIL_ATTR_REQ, conn->a1, ATTR_TYPE_DATA, CLEANUP_ATTR_DATA,
                  conn->data, ATTR_TYPE_END) < 0)
        return -1;
    cleanup_data(conn->state, STR(conn->data), LEN(conn->data));
    return 0;
}

/* cleanup_req_fate - "fate": smtpd's late hold, discard, filter, redirect */
static int
cleanup_req_fate(CLEANUP_CONN *conn)
{
    CLEANUP_STATE *s = conn->state;
    uint32_t hold = 0;
    uint32_t discard = 0;

    if (conn->phase == PHASE_TIME)
        return cleanup_bad(conn, "%s before sender", CLEANUP_REQ_FATE);
    if (attr_scan(conn->req, ATTR_FLAG_STRICT | ATTR_FLAG_OPTIONAL, conn->why,
                  ATTR_TYPE_STR, MAIL_ATTR_REQ, conn->a1, ATTR_TYPE_INT,
                  CLEANUP_ATTR_HOLD, &hold, ATTR_TYPE_INT,
                  CLEANUP_ATTR_DISCARD, &discard, ATTR_TYPE_STR,
                  CLEANUP_ATTR_FILTER,
                  conn->a2, ATTR_TYPE_STR, CLEANUP_ATTR_REDIRECT, conn->a3,
                  ATTR_TYPE_END) < 0)
        return -1;
    if (hold > 1 || discard > 1)
        return cleanup_bad(conn, "bad %s value", "fate");
    if (hold)
        s->hold = 1;
    if (discard)
        s->discard = 1;
    if (attr_get_str(conn->req, CLEANUP_ATTR_FILTER) != NULL) {
        if (s->filter)
            myfree(s->filter);
        s->filter = mystrdup(STR(conn->a2));
    }
    if (attr_get_str(conn->req, CLEANUP_ATTR_REDIRECT) != NULL) {
        if (s->redirect)
            myfree(s->redirect);
        s->redirect = mystrdup(STR(conn->a3));
    }
    return 0;
}

/* cleanup_dispatch - one envelope or content request; 1 at "end" */
static int
cleanup_dispatch(CLEANUP_CONN *conn)
{
    const char *name = attr_get_str(conn->req, MAIL_ATTR_REQ);

    if (name == NULL)
        return cleanup_bad(conn, "request without %s", MAIL_ATTR_REQ);
    if (strcmp(name, CLEANUP_REQ_TIME) == 0)
        return cleanup_req_time(conn);
    if (strcmp(name, CLEANUP_REQ_SENDER) == 0)
        return cleanup_req_sender(conn);
    if (strcmp(name, CLEANUP_REQ_ATTR) == 0)
        return cleanup_req_attr(conn);
    if (strcmp(name, CLEANUP_REQ_RCPT) == 0)
        return cleanup_req_rcpt(conn);
    if (strcmp(name, CLEANUP_REQ_DATA) == 0)
        return cleanup_req_data(conn);
    if (strcmp(name, CLEANUP_REQ_FATE) == 0)
        return cleanup_req_fate(conn);
    if (strcmp(name, CLEANUP_REQ_END) != 0) {
        printable(conn->a1, name, strlen(name), 64, '?');
        return cleanup_bad(conn, "unknown request \"%s\"", STR(conn->a1));
    }
    if (attr_list_count(conn->req) != 1)
        return cleanup_bad(conn, "%s with attributes", CLEANUP_REQ_END);
    if (conn->phase == PHASE_TIME)
        return cleanup_bad(conn, "%s before sender", CLEANUP_REQ_END);
    if (conn->phase == PHASE_ENV)
        cleanup_envelope(conn);
    return 1;
}

/* cleanup_test_sleep - the crash test's pause before the commit */
static void
cleanup_test_sleep(const char *queue_id)
{
    if (cleanup_test_delay <= 0)
        return;
    msg_info("%s: test delay %d s", queue_id, cleanup_test_delay);
    (void) sleep((unsigned) cleanup_test_delay);
}

/* cleanup_commit_file - commit the written file, log, trigger qmgr */
static int
cleanup_commit_file(CLEANUP_CONN *conn)
{
    CLEANUP_STATE *s = conn->state;
    const char *queue = s->hold ? MAIL_QUEUE_HOLD : MAIL_QUEUE_INCOMING;

    cleanup_test_sleep(s->queue_id);
    if (qfile_commit(conn->qf, queue, s->why) < 0) {
        conn->qf = NULL; /* qfile_commit removed it */
        msg_warn("%s: commit: %s", s->queue_id, STR(s->why));
        return -1;
    }
    conn->qf = NULL;
    msg_info("%s: queued in %s: from=<%s>, nrcpt=%zu", s->queue_id, queue,
             s->sender, s->rcpts->count);
    if (!s->hold && mail_trigger(NULL, "public", "qmgr", "W", 1, 1000) < 0)
        msg_info("%s: cannot trigger public/qmgr: %s", s->queue_id,
                 strerror(errno));
    return 0;
}

/* cleanup_commit - write the queue file and make it count */
static void
cleanup_commit(CLEANUP_CONN *conn)
{
    CLEANUP_STATE *s = conn->state;

    if (cleanup_write_file(s, conn->qf, conn->spool) < 0) {
        msg_warn("%s: %s", s->queue_id, STR(s->why));
        cleanup_fail(s, CLEANUP_STAT_WRITE, "4.3.0", "queue file write error");
        return;
    }
    if (cleanup_commit_file(conn) < 0)
        cleanup_fail(s, CLEANUP_STAT_WRITE, "4.3.0", "queue file write error");
}

/* cleanup_bounce_fail - the bounce could not be queued: try again later */
static void
cleanup_bounce_fail(CLEANUP_STATE *s, const char *reason)
{
    STRBUF *why = strbuf_create(100);

    /* Entries of a file that will not exist must not stay behind. */
    if (mail_queue_remove(cleanup_mq, MAIL_QUEUE_BOUNCE, s->queue_id, why) <
            0 &&
        errno != ENOENT)
        msg_warn("%s: remove bounce log: %s", s->queue_id, STR(why));
    strbuf_free(why);
    s->errs = 0;
    cleanup_fail(s, CLEANUP_STAT_WRITE, "4.3.0", "%s", reason);
}

/*
 * cleanup_bounce_commit - a refused message whose client asked for a
 * bounce: queued with every recipient done and in the bounce log, so
 * qmgr has the report sent and removes it (cleanup_bounce.c).  Without
 * recipients there is nobody to tell: the refusal stands.
 */
static void
cleanup_bounce_commit(CLEANUP_CONN *conn)
{
    CLEANUP_STATE *s = conn->state;

    if (cleanup_bounce_rcpts(s) == 0 || !cleanup_bounce_wanted(s))
        return;
    s->bounce = 1;
    if (cleanup_write_file(s, conn->qf, conn->spool) < 0) {
        msg_warn("%s: %s", s->queue_id, STR(s->why));
        cleanup_bounce_fail(s, "queue file write error");
    } else if (cleanup_bounce_log(s, s->why) < 0) {
        msg_warn("%s: %s", s->queue_id, STR(s->why));
        cleanup_bounce_fail(s, "bounce service failure");
    } else if (cleanup_commit_file(conn) < 0) {
        cleanup_bounce_fail(s, "queue file write error");
    } else {
        msg_info("%s: reject: from=<%s>: %s %s; returned to sender",
                 s->queue_id, s->sender ? s->sender : "", STR(s->dsn),
                 STR(s->reason));
        s->errs = 0;
    }
}

/* cleanup_end - "end": finish the message and give the final reply */
static void
cleanup_end(CLEANUP_CONN *conn)
{
    CLEANUP_STATE *s = conn->state;
    ATTR_LIST *extra = attr_list_create();
    int status;

    cleanup_data_end(s);
    if (s->errs == 0)
        cleanup_finish_rcpts(s);
    if (s->errs == 0 && s->discard)
        msg_info("%s: discarded: from=<%s>", s->queue_id, s->sender);
    else if (s->errs == 0)
        cleanup_commit(conn);
    else if (cleanup_bounce_wanted(s))
        cleanup_bounce_commit(conn);
    status = cleanup_reply_status(s->errs);
    /* Nothing may stay in the queue once the client hears "not OK". */
    if (conn->qf)
        conn->qf = qfile_abort(conn->qf);
    if (status != MAIL_STAT_OK)
        msg_info("%s: %s: from=<%s>: %s %s", s->queue_id,
                 status == MAIL_STAT_RETRY ? "defer" : "reject",
                 s->sender ? s->sender : "", STR(s->dsn), STR(s->reason));
    attr_put_str(extra, CLEANUP_ATTR_QUEUE_ID, s->queue_id);
    attr_put_int(extra, CLEANUP_ATTR_STAT, (uint32_t) s->errs);
    attr_put_str(extra, CLEANUP_ATTR_DSN, s->errs ? STR(s->dsn) : "2.0.0");
    (void) mail_reply(conn->client, status, STR(s->reason), extra);
    attr_list_free(extra);
}

/* cleanup_reply_bad - a protocol error: the final reply, at once */
static void
cleanup_reply_bad(CLEANUP_CONN *conn)
{
    ATTR_LIST *extra = attr_list_create();

    msg_info("%s: bad request from client: %s", conn->state->queue_id,
             STR(conn->why));
    conn->qf = qfile_abort(conn->qf);
    attr_put_str(extra, CLEANUP_ATTR_QUEUE_ID, conn->state->queue_id);
    attr_put_int(extra, CLEANUP_ATTR_STAT, CLEANUP_STAT_BAD);
    attr_put_str(extra, CLEANUP_ATTR_DSN, "5.5.0");
    (void) mail_reply(conn->client, MAIL_STAT_BAD, STR(conn->why), extra);
    attr_list_free(extra);
}

/* cleanup_read_loop - frames until "end" (0) or failure (-1) */
static int
cleanup_read_loop(CLEANUP_CONN *conn)
{
    int ret;

    for (;;) {
        ret = attr_read(conn->client, &cleanup_limits, conn->req, conn->why);
        if (ret == ATTR_READ_EOF)
            return -1;
        if (ret != ATTR_READ_OK) {
            if (!stream_timedout(conn->client) && !stream_error(conn->client))
                cleanup_reply_bad(conn);
            return -1;
        }
        if ((ret = cleanup_dispatch(conn)) < 0) {
            cleanup_reply_bad(conn);
            return -1;
        }
        if (ret == 1) {
            cleanup_end(conn);
            return 0;
        }
    }
}

/* cleanup_conn_create - a connection's buffers, with their limits */
static CLEANUP_CONN *
cleanup_conn_create(STREAM *client)
{
    CLEANUP_CONN *conn = mymalloc(sizeof(*conn));

    memset(conn, 0, sizeof(*conn));
    conn->client = client;
    conn->req = attr_list_create();
    conn->a1 = strbuf_create(20);
    conn->a2 = strbuf_create(100);
    conn->a3 = strbuf_create(100);
    conn->a4 = strbuf_create(100);
    conn->data = strbuf_create(CLEANUP_DATA_CHUNK);
    conn->why = strbuf_create(100);
    /* A longer value fails the scan: a bad request. */
    strbuf_set_limit(conn->a1, 64);
    strbuf_set_limit(conn->a2, CLEANUP_ADDR_MAX);
    strbuf_set_limit(conn->a3, CLEANUP_ATTR_VALUE_MAX);
    strbuf_set_limit(conn->a4, CLEANUP_ADDR_MAX);
    strbuf_set_limit(conn->data, CLEANUP_DATA_CHUNK);
    conn->raw = cleanup_rcpts_create(QFILE_DEF_MAX_RCPT);
    return conn;
}

/* cleanup_conn_free - release a connection; an unfinished file goes */
static void
cleanup_conn_free(CLEANUP_CONN *conn)
{
    if (conn->qf)
        (void) qfile_abort(conn->qf);
    conn->spool = cleanup_spool_free(conn->spool);
    cleanup_state_free(conn->state);
    attr_list_free(conn->req);
    strbuf_free(conn->a1);
    strbuf_free(conn->a2);
    strbuf_free(conn->a3);
    strbuf_free(conn->a4);
    strbuf_free(conn->data);
    strbuf_free(conn->why);
    if (conn->raw_sender)
        myfree(conn->raw_sender);
    cleanup_rcpts_free(conn->raw);
    myfree(conn);
}

/* cleanup_open - "open": the flags; create the file; 0 or -1 */
static int
cleanup_open(CLEANUP_CONN *conn)
{
    ATTR_LIST *extra = attr_list_create();
    uint32_t flags = 0;
    int ret = attr_read(conn->client, &cleanup_limits, conn->req, conn->why);
    const char *name = attr_get_str(conn->req, MAIL_ATTR_REQ);

    if (ret != ATTR_READ_OK)
        ret = -1;
    else if (name == NULL || strcmp(name, CLEANUP_REQ_OPEN) != 0 ||
             attr_scan(conn->req, ATTR_FLAG_STRICT, conn->why, ATTR_TYPE_STR,
                       MAIL_ATTR_REQ, conn->a1, ATTR_TYPE_INT,
                       CLEANUP_ATTR_FLAGS, &flags, ATTR_TYPE_END) < 0 ||
             (flags & ~CLEANUP_FLAG_MASK) != 0) {
        (void) mail_reply(conn->client, MAIL_STAT_BAD, "expected open", NULL);
        ret = -1;
    } else if ((conn->qf = qfile_create(cleanup_mq, MAIL_QUEUE_INCOMING,
                                        conn->why)) == NULL) {
        msg_warn("cleanup: create queue file: %s", STR(conn->why));
        (void) mail_reply(conn->client, MAIL_STAT_RETRY,
                          "cannot create a queue file", NULL);
        ret = -1;
    } else {
        attr_put_str(extra, CLEANUP_ATTR_QUEUE_ID, conn->qf->id);
        ret = mail_reply(conn->client, MAIL_STAT_OK, "", extra) < 0 ? -1 : 0;
    }
    attr_list_free(extra);
    if (ret == 0) {
        conn->state =
            cleanup_state_create(&cleanup_params, conn->qf->id, (int) flags);
    }
    return ret;
}

/* cleanup_rewrite - trivial-rewrite's answer, MAIL_STAT_* or failure */
static int
cleanup_rewrite(const char *rule, const char *addr, STRBUF *result)
{
    return rewrite_clnt(rule, addr, result);
}

/* cleanup_one - one message; 0 when it ended with a final reply and the
 * client may send the next over the same connection */
static int
cleanup_one(STREAM *client)
{
    CLEANUP_CONN *conn = cleanup_conn_create(client);
    struct timeval now;
    CLEANUP_STATE *s;
    int ret = -1;

    if (cleanup_open(conn) == 0) {
        s = conn->state;
        (void) gettimeofday(&now, NULL);
        s->arrival_sec = now.tv_sec;
        s->arrival_usec = now.tv_usec;
        s->map = cleanup_map;
        s->header_checks = cleanup_header_maps;
        s->body_checks = cleanup_body_maps;
        s->rewrite = cleanup_rewrite;
        s->out = cleanup_spool_line;
        conn->spool = cleanup_spool_create(CLEANUP_SPOOL_MEM);
        s->out_context = conn->spool;
        ret = cleanup_read_loop(conn);
    }
    cleanup_conn_free(conn);
    return ret;
}

/*
 * cleanup_service - messages until the client goes.  smtpd keeps its
 * connection for its next message; each message counts toward max_use.
 */
static void
cleanup_service(STREAM *client, const char *service, char **argv)
{
    (void) service;
    (void) argv;
    while (cleanup_one(client) == 0 && stream_flush(client) == 0 &&
           single_server_request_done())
        /* void */;
}

/* cleanup_pre_init - open the tables, as root */
static void
cleanup_pre_init(const char *service, char **argv)
{
    char *mime;
    char *nested;
    char *hdr;

    (void) service;
    (void) argv;
    cleanup_header_maps = maps_param("header_checks", DICT_FLAG_LOCK);
    cleanup_body_maps = maps_param("body_checks", DICT_FLAG_LOCK);
    /* No MIME parser: mime_ and nested_header_checks are not applied. */
    mime = mail_conf_str("mime_header_checks");
    nested = mail_conf_str("nested_header_checks");
    hdr = mail_conf_str("header_checks");
    if (strcmp(mime, hdr) != 0 || strcmp(nested, hdr) != 0)
        msg_info("cleanup: mime_header_checks and nested_header_checks are "
                 "not applied (no MIME processing); header_checks is");
    myfree(mime);
    myfree(nested);
    myfree(hdr);
    cleanup_map = cleanup_map_create();
}

/* cleanup_conf_long - a numeric parameter within bounds; fatal if not */
static long
cleanup_conf_long(const char *name, long min, long max)
{
    long value = mail_conf_long(name);

    if (value < min || value > max)
        msg_fatal("cleanup: bad %s value: %ld", name, value);
    return value;
}

/* cleanup_read_params - the parameters, once */
static void
cleanup_read_params(CLEANUP_PARAMS *p)
{
    char *names = mail_conf_str("hash_queue_names");
    const char *delay = getenv("POSTERN_TEST_CLEANUP_DELAY");
    long n = 0;

    cleanup_params_init(p);
    p->message_size_limit =
        cleanup_conf_long("message_size_limit", 0, 1L << 40);
    p->line_length_limit =
        cleanup_conf_long("line_length_limit", 80, QFILE_DEF_MAX_RECORD);
    p->body_checks_size_limit =
        cleanup_conf_long("body_checks_size_limit", 0, 1L << 30);
    p->hopcount_limit = cleanup_conf_long("hopcount_limit", 1, 100000);
    p->header_address_token_limit =
        cleanup_conf_long("header_address_token_limit", 1, 1000000);
    p->hlim.header_size = cleanup_conf_long("header_size_limit", 100, 1L << 26);
    p->myhostname = mail_conf_str("myhostname");
    p->undisclosed_hdr = mail_conf_str("undisclosed_recipients_header");
    p->delay_warning_time = mail_conf_time("delay_warning_time");
    cleanup_mq =
        mail_queue_create(".", names, (int) mail_conf_long("hash_queue_depth"));
    myfree(names);
    mail_queue_set_spare_limit(cleanup_mq,
                               mail_conf_long("queue_file_reuse_limit"));
    if (delay && str_to_long(delay, -1000000, 1000000, &n) == 0)
        cleanup_test_delay = n < 0 ? 0 : n > 60 ? 60 : (int) n;
}

/* cleanup_post_init - parameters, limits and the sweep; unprivileged */
static void
cleanup_post_init(const char *service, char **argv)
{
    (void) service;
    (void) argv;
    cleanup_read_params(&cleanup_params);
    attr_limits_init(&cleanup_limits);
    cleanup_limits.max_payload = CLEANUP_MAX_PAYLOAD;
    cleanup_limits.max_count = CLEANUP_MAX_COUNT;
    cleanup_limits.max_value = CLEANUP_DATA_CHUNK;
    cleanup_sweep(MAIL_QUEUE_INCOMING, CLEANUP_SWEEP_AGE);
}

int
main(int argc, char **argv)
{
    single_server_main(argc, argv, cleanup_service, MAIL_SERVER_PRE_INIT,
                       cleanup_pre_init, MAIL_SERVER_POST_INIT,
                       cleanup_post_init, 0);
}

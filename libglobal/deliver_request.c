/*
 * deliver_request - a delivery agent's side of qmgr's delivery requests.
 * See deliver_request.h and docs/ipc.md, "Delivery agents".
 *
 * Every reply is one frame: status, dead, reason, and with MAIL_STAT_OK
 * also results.  The queue is named relative to the working folder
 * (daemons run in queue_directory), with hash_queue_names and
 * hash_queue_depth from main.cf; the MAIL_QUEUE is made on first use.
 *
 * A recipient whose outcome cannot be recorded (the bounce, defer or
 * trace service failed, or the done mark could not be written) is
 * deferred, as Postfix does: a warning, a best-effort defer entry saying
 * why, and result 'D'.  Nothing here is fatal; a second outcome for one
 * recipient, or a bad index, is the agent's bug and panics.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

#include "attr.h"
#include "bounce_clnt.h"
#include "deliver_request.h"
#include "flush_clnt.h"
#include "mail_conf.h"
#include "mail_proto.h"
#include "mail_queue.h"
#include "mail_server.h"
#include "msg.h"
#include "mymalloc.h"
#include "qfile.h"
#include "record.h"
#include "stringops.h"

/* Bounds of a request (docs/ipc.md). */
#define DR_MAX_VALUE   4096 /* bytes of any string */
#define DR_MAX_ADDR    2048 /* bytes of an address */
#define DR_MAX_ATTRS   32   /* attributes of a frame */
#define DR_MAX_PAYLOAD (64 * 1024)
#define DR_LOG_MAX     500 /* bytes of peer text in a log line */

static MAIL_QUEUE *dr_mq;

/* The request frame, as scanned. */
typedef struct DR_HEAD {
    STRBUF *req, *queue, *id, *nexthop, *sender, *encoding, *envid;
    uint32_t flags, smtputf8, ret, arr_usec, act_usec, count;
    int64_t offset, size, arr_sec, act_sec;
} DR_HEAD;

/* dr_limits - what one frame of a request may hold */
static void
dr_limits(ATTR_LIMITS *lim)
{
    attr_limits_init(lim);
    lim->max_payload = DR_MAX_PAYLOAD;
    lim->max_count = DR_MAX_ATTRS;
    lim->max_value = DR_MAX_VALUE;
}

/* dr_reply - one reply frame: status, dead, reason, [results] */
static int
dr_reply(STREAM *client, int status, const char *results, int dead,
         const char *reason)
{
    ATTR_LIST *list = attr_list_create();
    int ret;

    attr_put_int(list, MAIL_ATTR_STATUS, (uint32_t) status);
    if (status == MAIL_STAT_OK)
        attr_put_str(list, DELIVER_ATTR_RESULTS, results);
    attr_put_int(list, DELIVER_ATTR_DEAD, (uint32_t) dead);
    attr_put_str(list, MAIL_ATTR_REASON, reason != NULL ? reason : "");
    ret = attr_write(client, list);
    attr_list_free(list);
    return ret;
}

/* dr_head_init - scratch strings of a request frame */
static void
dr_head_init(DR_HEAD *h)
{
    memset(h, 0, sizeof(*h));
    h->req = strbuf_create(16);
    h->queue = strbuf_create(16);
    h->id = strbuf_create(32);
    h->nexthop = strbuf_create(64);
    h->sender = strbuf_create(64);
    h->encoding = strbuf_create(16);
    h->envid = strbuf_create(16);
}

/* dr_head_free - release them */
static void
dr_head_free(DR_HEAD *h)
{
    strbuf_free(h->req);
    strbuf_free(h->queue);
    strbuf_free(h->id);
    strbuf_free(h->nexthop);
    strbuf_free(h->sender);
    strbuf_free(h->encoding);
    strbuf_free(h->envid);
}

/* dr_head_scan - the request frame's attributes; -1 and why */
static int
dr_head_scan(const ATTR_LIST *list, DR_HEAD *h, STRBUF *why)
{
    return attr_scan(
        list, ATTR_FLAG_STRICT, why, ATTR_TYPE_STR, MAIL_ATTR_REQ, h->req,
        ATTR_TYPE_INT, DELIVER_ATTR_FLAGS, &h->flags, ATTR_TYPE_STR,
        DELIVER_ATTR_QUEUE, h->queue, ATTR_TYPE_STR, DELIVER_ATTR_ID, h->id,
        ATTR_TYPE_LONG, DELIVER_ATTR_OFFSET, &h->offset, ATTR_TYPE_LONG,
        DELIVER_ATTR_SIZE, &h->size, ATTR_TYPE_STR, DELIVER_ATTR_NEXTHOP,
        h->nexthop, ATTR_TYPE_STR, DELIVER_ATTR_SENDER, h->sender,
        ATTR_TYPE_STR, DELIVER_ATTR_ENCODING, h->encoding, ATTR_TYPE_INT,
        DELIVER_ATTR_SMTPUTF8, &h->smtputf8, ATTR_TYPE_STR, DELIVER_ATTR_ENVID,
        h->envid, ATTR_TYPE_INT, DELIVER_ATTR_RET, &h->ret, ATTR_TYPE_LONG,
        DELIVER_ATTR_ARR_SEC, &h->arr_sec, ATTR_TYPE_INT, DELIVER_ATTR_ARR_USEC,
        &h->arr_usec, ATTR_TYPE_LONG, DELIVER_ATTR_ACT_SEC, &h->act_sec,
        ATTR_TYPE_INT, DELIVER_ATTR_ACT_USEC, &h->act_usec, ATTR_TYPE_INT,
        DELIVER_ATTR_RCPT_COUNT, &h->count, ATTR_TYPE_END);
}

/* dr_head_check - the values of a scanned request frame; -1 and why */
static int
dr_head_check(const DR_HEAD *h, STRBUF *why)
{
    const char *enc = STR(h->encoding);

    if (strcmp(STR(h->req), DELIVER_REQ_DELIVER) != 0)
        return strbuf_fail(why, 0, "unknown request");
    if (h->flags & ~(uint32_t) DEL_FLAG_MASK)
        return strbuf_fail(why, 0, "bad flags 0x%x", (unsigned) h->flags);
    if (!mail_queue_name_ok(STR(h->queue)) || !mail_queue_id_ok(STR(h->id)))
        return strbuf_fail(why, 0, "bad queue name or queue ID");
    if (h->offset <= 0 || h->size < 0)
        return strbuf_fail(why, 0, "bad data offset or size");
    if (*enc && strcmp(enc, "7bit") != 0 && strcmp(enc, "8bitmime") != 0)
        return strbuf_fail(why, 0, "bad encoding");
    if (h->smtputf8 > 1 || h->ret > DEL_RET_HDRS)
        return strbuf_fail(why, 0, "bad smtputf8 or ret");
    if (h->arr_sec < 0 || h->act_sec < 0 || h->arr_usec >= 1000000 ||
        h->act_usec >= 1000000)
        return strbuf_fail(why, 0, "bad arrival or active time");
    if (h->count < 1 || h->count > DEL_MAX_RCPT)
        return strbuf_fail(why, 0, "bad recipient count %u",
                           (unsigned) h->count);
    if (LEN(h->sender) > DR_MAX_ADDR)
        return strbuf_fail(why, 0, "sender too long");
    return 0;
}

/* dr_create - a request from a checked frame; no recipients yet */
static DELIVER_REQUEST *
dr_create(STREAM *client, const DR_HEAD *h)
{
    DELIVER_REQUEST *req = mycalloc(1, sizeof(*req));

    req->client = client;
    req->flags = (int) h->flags;
    req->queue_name = mystrdup(STR(h->queue));
    req->queue_id = mystrdup(STR(h->id));
    req->data_offset = h->offset;
    req->data_size = h->size;
    req->nexthop = mystrdup(STR(h->nexthop));
    req->sender = mystrdup(STR(h->sender));
    req->encoding = mystrdup(STR(h->encoding));
    req->smtputf8 = (int) h->smtputf8;
    req->envid = mystrdup(STR(h->envid));
    req->ret = (int) h->ret;
    req->arrival.tv_sec = (time_t) h->arr_sec;
    req->arrival.tv_usec = (suseconds_t) h->arr_usec;
    req->active.tv_sec = (time_t) h->act_sec;
    req->active.tv_usec = (suseconds_t) h->act_usec;
    gettimeofday(&req->received, NULL);
    req->rcpt = mycalloc(h->count, sizeof(*req->rcpt));
    req->results = mycalloc(h->count + 1, 1);
    req->fd = -1;
    req->dead_reason = strbuf_create(10);
    return req;
}

/* dr_free - release a request and close its queue file */
static void
dr_free(DELIVER_REQUEST *req)
{
    size_t i;

    for (i = 0; i < req->rcpt_count; i++) {
        myfree((void *) req->rcpt[i].address);
        myfree((void *) req->rcpt[i].orig);
        myfree((void *) req->rcpt[i].dsn_orcpt);
    }
    if (req->content != NULL)
        stream_free(req->content);
    if (req->fd >= 0)
        (void) close(req->fd);
    myfree(req->rcpt);
    myfree(req->results);
    myfree(req->queue_name);
    myfree(req->queue_id);
    myfree(req->nexthop);
    myfree(req->sender);
    myfree(req->encoding);
    myfree(req->envid);
    strbuf_free(req->dead_reason);
    myfree(req);
}

/* dr_rcpt_read - one recipient frame into req->rcpt[rcpt_count] */
static int
dr_rcpt_read(DELIVER_REQUEST *req, const ATTR_LIMITS *lim, ATTR_LIST *list,
             STRBUF *why)
{
    STRBUF *addr = strbuf_create(64);
    STRBUF *orig = strbuf_create(64);
    STRBUF *orcpt = strbuf_create(64);
    RECIPIENT *r = req->rcpt + req->rcpt_count;
    uint32_t notify = 0;
    int64_t offset = 0;
    int ret = -1;

    if (attr_read(req->client, lim, list, why) != ATTR_READ_OK) {
        if (LEN(why) == 0)
            strbuf_strcpy(why, "end of input in the recipients");
    } else if (attr_scan(list, ATTR_FLAG_STRICT, why, ATTR_TYPE_STR,
                         DELIVER_ATTR_ADDR, addr, ATTR_TYPE_STR,
                         DELIVER_ATTR_ORIG, orig, ATTR_TYPE_STR,
                         DELIVER_ATTR_ORCPT, orcpt, ATTR_TYPE_INT,
                         DELIVER_ATTR_NOTIFY, &notify, ATTR_TYPE_LONG,
                         DELIVER_ATTR_RCPT_OFF, &offset, ATTR_TYPE_END) < 0) {
        strbuf_strcat(why, " in a recipient");
    } else if (LEN(addr) > DR_MAX_ADDR || LEN(orig) > DR_MAX_ADDR) {
        strbuf_strcpy(why, "recipient address too long");
    } else if ((notify & ~(uint32_t) (DSN_NOTIFY_NEVER | DSN_NOTIFY_ANY)) ||
               offset <= 0) {
        strbuf_strcpy(why, "bad recipient notify or offset");
    } else {
        r->address = strbuf_export(addr);
        r->orig = strbuf_export(orig);
        r->dsn_orcpt = strbuf_export(orcpt);
        r->dsn_notify = (int) notify;
        r->offset = offset;
        req->rcpt_count++;
        return 0;
    }
    strbuf_free(addr);
    strbuf_free(orig);
    strbuf_free(orcpt);
    return ret;
}

/* dr_queue - the queue, made on first use */
static const MAIL_QUEUE *
dr_queue(void)
{
    char *names;

    if (dr_mq == NULL) {
        names = mail_conf_str("hash_queue_names");
        dr_mq = mail_queue_create(".", names,
                                  (int) mail_conf_long("hash_queue_depth"));
        myfree(names);
    }
    return dr_mq;
}

/* dr_open - open the queue file and the content stream; -1 and errno */
static int
dr_open(DELIVER_REQUEST *req, STRBUF *why)
{
    req->fd = mail_queue_open(dr_queue(), req->queue_name, req->queue_id,
                              O_RDWR, why);
    if (req->fd < 0)
        return -1;
    return deliver_content_rewind(req, why);
}

/* dr_bad - log and answer a malformed request; NULL */
static DELIVER_REQUEST *
dr_bad(STREAM *client, const char *why)
{
    STRBUF *safe = strbuf_create(100);

    printable(safe, why, strlen(why), DR_LOG_MAX, '?');
    msg_info("bad delivery request: %s", STR(safe));
    (void) dr_reply(client, MAIL_STAT_BAD, NULL, 0, STR(safe));
    strbuf_free(safe);
    return NULL;
}

/* dr_missing - the queue file is gone: every recipient deferred */
static void
dr_missing(DELIVER_REQUEST *req)
{
    msg_warn("%s: queue file %s/%s is gone: deferring %zu recipient(s)",
             req->queue_id, req->queue_name, req->queue_id, req->rcpt_count);
    memset(req->results, DEL_RESULT_DEFERRED, req->rcpt_count);
    (void) dr_reply(req->client, MAIL_STAT_OK, req->results, 0, "");
}

/* dr_read_rest - the recipient frames and the queue file */
static DELIVER_REQUEST *
dr_read_rest(DELIVER_REQUEST *req, size_t count, const ATTR_LIMITS *lim,
             ATTR_LIST *list, STRBUF *why)
{
    STRBUF *reason;

    while (req->rcpt_count < count)
        if (dr_rcpt_read(req, lim, list, why) < 0) {
            dr_bad(req->client, STR(why));
            dr_free(req);
            return NULL;
        }
    if (dr_open(req, why) == 0)
        return req;
    if (errno == ENOENT) {
        dr_missing(req);
    } else {
        reason = strbuf_create(100);
        strbuf_sprintf(reason, "queue file: %s", STR(why));
        msg_warn("%s: %s", req->queue_id, STR(reason));
        (void) dr_reply(req->client, MAIL_STAT_RETRY, NULL, 0, STR(reason));
        strbuf_free(reason);
    }
    dr_free(req);
    return NULL;
}

/* deliver_request_read - one request; NULL at the end or when answered */
DELIVER_REQUEST *
deliver_request_read(STREAM *client, STRBUF *why)
{
    ATTR_LIST *list = attr_list_create();
    DELIVER_REQUEST *req = NULL;
    ATTR_LIMITS lim;
    DR_HEAD h;
    int rc;

    dr_limits(&lim);
    dr_head_init(&h);
    strbuf_reset(why);
    rc = attr_read(client, &lim, list, why);
    if (rc == ATTR_READ_EOF) {
        strbuf_strcpy(why, "end of input");
    } else if (rc != ATTR_READ_OK) {
        if (!stream_timedout(client) && !stream_eof(client))
            dr_bad(client, LEN(why) ? STR(why) : "unreadable request");
    } else if (dr_head_scan(list, &h, why) < 0 || dr_head_check(&h, why) < 0) {
        dr_bad(client, STR(why));
    } else {
        req = dr_read_rest(dr_create(client, &h), h.count, &lim, list, why);
    }
    dr_head_free(&h);
    attr_list_free(list);
    return req;
}

/* deliver_content_rewind - the content stream back at data_offset */
int
deliver_content_rewind(DELIVER_REQUEST *req, STRBUF *why)
{
    if (req->content != NULL)
        req->content = stream_free(req->content);
    if (lseek(req->fd, (off_t) req->data_offset, SEEK_SET) < 0)
        return strbuf_fail(why, errno, "seek to content: %m");
    req->content = stream_fdopen(req->fd, O_RDONLY);
    req->content_done = 0;
    return 0;
}

/* deliver_content_line - one logical line: 1, 0 at the end, -1 and why */
int
deliver_content_line(DELIVER_REQUEST *req, STRBUF *line, size_t limit,
                     STRBUF *why)
{
    STRBUF *buf;
    size_t room;
    int type;

    strbuf_reset(line);
    if (req->content_done)
        return 0;
    buf = strbuf_create(100);
    while ((type = rec_get(req->content, buf, QFILE_DEF_MAX_RECORD)) ==
               REC_TYPE_CONT ||
           type == REC_TYPE_NORM) {
        /* Keep the first limit bytes of a line, read the rest. */
        room = LEN(line) < limit ? limit - LEN(line) : 0;
        strbuf_memcat(line, STR(buf), LEN(buf) < room ? LEN(buf) : room);
        if (type == REC_TYPE_NORM)
            break;
    }
    strbuf_free(buf);
    if (type == REC_TYPE_NORM)
        return 1;
    if (type == REC_TYPE_XTRA) {
        req->content_done = 1;
        return 0;
    }
    return strbuf_fail(why, 0, "queue file %s: %s in the content",
                       req->queue_id,
                       type == REC_TYPE_EOF     ? "premature end"
                       : type == REC_TYPE_ERROR ? "unreadable record"
                                                : "unexpected record");
}

/* Outcome kinds. */
#define DR_SENT   0
#define DR_BOUNCE 1
#define DR_DEFER  2

static const char *const dr_def_status[] = {"2.0.0", "5.0.0", "4.0.0"};
static const char *const dr_def_action[] = {
    DSN_ACTION_DELIVERED, DSN_ACTION_FAILED, DSN_ACTION_DELAYED};
static const char *const dr_log_status[] = {"sent", "bounced", "deferred"};

/* dr_usec - b - a in microseconds, never negative */
static long long
dr_usec(const struct timeval *a, const struct timeval *b)
{
    long long d = ((long long) b->tv_sec - a->tv_sec) * 1000000 +
                  (b->tv_usec - a->tv_usec);

    return d > 0 ? d : 0;
}

/* dr_delay - append a delay as Postfix logs it: 2 significant digits */
static void
dr_delay(STRBUF *out, long long usec)
{
    long long v;

    if (usec >= 9950000) {
        strbuf_sprintf_cat(out, "%lld", (usec + 500000) / 1000000);
    } else if (usec >= 995000) {
        v = (usec + 50000) / 100000;
        if (v % 10)
            strbuf_sprintf_cat(out, "%lld.%lld", v / 10, v % 10);
        else
            strbuf_sprintf_cat(out, "%lld", v / 10);
    } else {
        v = (usec + 5000) / 10000;
        if (v == 0)
            strbuf_strcat(out, "0");
        else if (v % 10)
            strbuf_sprintf_cat(out, "0.%02lld", v);
        else
            strbuf_sprintf_cat(out, "0.%lld", v / 10);
    }
}

/* dr_delays - "delay=D, delays=a/b/c/d" */
static void
dr_delays(const DELIVER_REQUEST *req, STRBUF *out)
{
    struct timeval now;
    const struct timeval *conn;

    gettimeofday(&now, NULL);
    conn = req->conn_done.tv_sec ? &req->conn_done : &req->received;
    strbuf_strcat(out, "delay=");
    dr_delay(out, dr_usec(&req->arrival, &now));
    strbuf_strcat(out, ", delays=");
    dr_delay(out, dr_usec(&req->arrival, &req->active));
    strbuf_strcat(out, "/");
    dr_delay(out, dr_usec(&req->active, &req->received));
    strbuf_strcat(out, "/");
    dr_delay(out, dr_usec(&req->received, conn));
    strbuf_strcat(out, "/");
    dr_delay(out, dr_usec(conn, &now));
}

/* dr_safe_cat - append peer text, printable and bounded */
static void
dr_safe_cat(STRBUF *out, const char *text)
{
    STRBUF *safe = strbuf_create(100);

    printable(safe, text, strlen(text), DR_LOG_MAX, '?');
    strbuf_strcat(out, STR(safe));
    strbuf_free(safe);
}

/* dr_log_line - the Postfix-style line: to, orig_to, relay, delays, dsn */
static void
dr_log_line(const DELIVER_REQUEST *req, const char *to, const char *orig,
            const DSN *dsn, const char *status)
{
    STRBUF *line = strbuf_create(200);

    strbuf_strcat(line, "to=<");
    dr_safe_cat(line, to);
    if (orig != NULL && *orig && strcmp(orig, to) != 0) {
        strbuf_strcat(line, ">, orig_to=<");
        dr_safe_cat(line, orig);
    }
    strbuf_strcat(line, ">, relay=");
    dr_safe_cat(line, dsn->relay != NULL && *dsn->relay ? dsn->relay : "none");
    strbuf_strcat(line, ", ");
    dr_delays(req, line);
    strbuf_sprintf_cat(line, ", dsn=%s, status=%s (", dsn->status, status);
    dr_safe_cat(line, dsn->reason != NULL ? dsn->reason : "");
    strbuf_strcat(line, ")");
    msg_info("%s: %s", req->queue_id, STR(line));
    strbuf_free(line);
}

/* dr_log - the line of recipient idx's outcome */
static void
dr_log(const DELIVER_REQUEST *req, size_t idx, const DSN *dsn,
       const char *status)
{
    const RECIPIENT *r = req->rcpt + idx;

    dr_log_line(req, r->address, r->orig, dsn, status);
}

/* deliver_log - the line of one destination recipient idx expanded to */
void
deliver_log(const DELIVER_REQUEST *req, size_t idx, const char *to,
            const DSN *dsn)
{
    char cls = dsn->status != NULL ? dsn->status[0] : '4';
    const char *status = cls == '2'   ? dr_log_status[DR_SENT]
                         : cls == '5' ? dr_log_status[DR_BOUNCE]
                                      : dr_log_status[DR_DEFER];

    if (idx >= req->rcpt_count)
        msg_panic("deliver: recipient index %zu of %zu", idx, req->rcpt_count);
    dr_log_line(req, to, req->rcpt[idx].address, dsn, status);
}

/* dr_warn - a warning about one recipient */
static void
dr_warn(const DELIVER_REQUEST *req, size_t idx, const char *what,
        const char *why)
{
    STRBUF *line = strbuf_create(100);

    dr_safe_cat(line, req->rcpt[idx].address);
    strbuf_sprintf_cat(line, ">: %s: ", what);
    dr_safe_cat(line, why);
    msg_warn("%s: to=<%s", req->queue_id, STR(line));
    strbuf_free(line);
}

/* dr_failed - an outcome could not be recorded: defer, as Postfix does */
static int
dr_failed(DELIVER_REQUEST *req, size_t idx, const DSN *dsn, const char *what,
          STRBUF *why)
{
    DSN d = *dsn;
    STRBUF *ignored = strbuf_create(100);

    dr_warn(req, idx, what, STR(why));
    d.status = "4.3.0";
    d.action = DSN_ACTION_DELAYED;
    d.reason = what;
    /* Best effort: the defer log tells showq why; 'D' either way. */
    (void) defer_append(req->flags, req->queue_id, req->rcpt + idx, &d,
                        ignored);
    strbuf_free(ignored);
    dr_log(req, idx, &d, dr_log_status[DR_DEFER]);
    return DEL_RESULT_DEFERRED;
}

/* dr_mark - the done mark, or the recipient is deferred */
static int
dr_mark(DELIVER_REQUEST *req, size_t idx, const DSN *dsn, STRBUF *why)
{
    if (qfile_mark_done(req->fd, (off_t) req->rcpt[idx].offset) == 0)
        return 0;
    strbuf_sprintf(why, "queue file %s/%s offset %lld: %m", req->queue_name,
                   req->queue_id, req->rcpt[idx].offset);
    dr_failed(req, idx, dsn, "queue file write error", why);
    return -1;
}

/* dr_dsn - dsn with defaults filled in for an outcome kind */
static void
dr_dsn(const DELIVER_REQUEST *req, const DSN *dsn, int kind, DSN *d)
{
    *d = *dsn;
    if (!dsn_status_ok(d->status)) {
        msg_warn("%s: bad DSN status \"%s\": using %s", req->queue_id,
                 d->status != NULL ? d->status : "(none)", dr_def_status[kind]);
        d->status = dr_def_status[kind];
    }
    if (d->action == NULL || *d->action == 0)
        d->action = dr_def_action[kind];
    if (d->reason == NULL)
        d->reason = "";
}

/* dr_flush_add - list a deferral for ETRN (fast_flush_domains) */
static void
dr_flush_add(const DELIVER_REQUEST *req, const RECIPIENT *r)
{
    const char *at = strrchr(r->address, '@');
    STRBUF *why;

    if (at == NULL || at[1] == 0)
        return;
    why = strbuf_create(100);
    if (flush_add(at + 1, req->queue_id, why) < 0)
        msg_info("%s: cannot list %s for ETRN: %s", req->queue_id, at + 1,
                 STR(why));
    strbuf_free(why);
}

/* dr_record - the entry and the done mark of one outcome; the result */
static int
dr_record(DELIVER_REQUEST *req, size_t idx, const DSN *d, int kind, STRBUF *why)
{
    const RECIPIENT *r = req->rcpt + idx;
    int traced = kind == DR_SENT && (r->dsn_notify & DSN_NOTIFY_SUCCESS);
    int ret = 0;

    if (kind == DR_DEFER) {
        if (defer_append(req->flags, req->queue_id, r, d, why) < 0)
            dr_warn(req, idx, "defer log", STR(why));
        dr_flush_add(req, r);
        return DEL_RESULT_DEFERRED;
    }
    if (kind == DR_BOUNCE)
        ret = bounce_append(req->flags, req->queue_id, r, d, why);
    else if (traced)
        ret = trace_append(req->flags, req->queue_id, r, d, why);
    if (ret < 0)
        return dr_failed(req, idx, d, "bounce or trace service failure", why);
    if (dr_mark(req, idx, d, why) < 0)
        return DEL_RESULT_DEFERRED;
    return kind == DR_BOUNCE ? DEL_RESULT_BOUNCED
           : traced          ? DEL_RESULT_TRACED
                             : DEL_RESULT_SENT;
}

/* dr_outcome - record, mark, log one recipient's outcome */
static int
dr_outcome(DELIVER_REQUEST *req, size_t idx, const DSN *dsn, int kind)
{
    STRBUF *why;
    DSN d;

    if (idx >= req->rcpt_count)
        msg_panic("deliver: recipient index %zu of %zu", idx, req->rcpt_count);
    if (req->results[idx] != 0)
        msg_panic("deliver: %s: second outcome for recipient %zu",
                  req->queue_id, idx);
    dr_dsn(req, dsn, kind, &d);
    if (kind == DR_DEFER && (req->flags & DEL_FLAG_EXPIRED)) {
        /* Past its lifetime: a temporary failure is final (docs/ipc.md). */
        kind = DR_BOUNCE;
        d.action = DSN_ACTION_FAILED;
    }
    /* deliver_pass's caller records the outcome itself (docs/ipc.md). */
    if (req->flags & DEL_FLAG_NO_RECORD) {
        req->results[idx] = kind == DR_BOUNCE  ? DEL_RESULT_BOUNCED
                            : kind == DR_DEFER ? DEL_RESULT_DEFERRED
                                               : DEL_RESULT_SENT;
        dr_log(req, idx, &d, dr_log_status[kind]);
        return req->results[idx];
    }
    why = strbuf_create(100);
    req->results[idx] = (char) dr_record(req, idx, &d, kind, why);
    /* dr_failed() logged the deferral already. */
    if (req->results[idx] != DEL_RESULT_DEFERRED || kind == DR_DEFER)
        dr_log(req, idx, &d, dr_log_status[kind]);
    strbuf_free(why);
    return req->results[idx];
}

/* deliver_sent - delivered */
int
deliver_sent(DELIVER_REQUEST *req, size_t idx, const DSN *dsn)
{
    return dr_outcome(req, idx, dsn, DR_SENT);
}

/* deliver_bounce - bounced */
int
deliver_bounce(DELIVER_REQUEST *req, size_t idx, const DSN *dsn)
{
    return dr_outcome(req, idx, dsn, DR_BOUNCE);
}

/* deliver_defer - deferred, or bounced when the message expired */
int
deliver_defer(DELIVER_REQUEST *req, size_t idx, const DSN *dsn)
{
    return dr_outcome(req, idx, dsn, DR_DEFER);
}

/* deliver_relay - an outcome another agent recorded for recipient idx */
void
deliver_relay(DELIVER_REQUEST *req, size_t idx, int result)
{
    if (idx >= req->rcpt_count)
        msg_panic("deliver: recipient index %zu of %zu", idx, req->rcpt_count);
    if (req->results[idx] != 0)
        msg_panic("deliver: %s: second outcome for recipient %zu",
                  req->queue_id, idx);
    if (result == 0 || strchr("STBD", result) == NULL)
        msg_panic("deliver: %s: bad relayed result %d", req->queue_id, result);
    req->results[idx] = (char) result;
}

/* deliver_conn_done - the agent is connected: delays= c ends here */
void
deliver_conn_done(DELIVER_REQUEST *req)
{
    gettimeofday(&req->conn_done, NULL);
}

/* deliver_set_dead - the destination failed as a whole */
void
deliver_set_dead(DELIVER_REQUEST *req, const char *reason)
{
    req->dead = 1;
    strbuf_strcpy(req->dead_reason, reason != NULL ? reason : "");
}

/* deliver_request_done - answer, close the queue file, free req */
int
deliver_request_done(DELIVER_REQUEST *req, int status, const char *reason)
{
    size_t i;
    int ret;

    if (status == MAIL_STAT_OK) {
        for (i = 0; i < req->rcpt_count; i++)
            if (req->results[i] == 0) {
                msg_warn("%s: recipient %zu has no outcome: deferred",
                         req->queue_id, i);
                req->results[i] = DEL_RESULT_DEFERRED;
            }
        ret = dr_reply(req->client, status, req->results, req->dead,
                       req->dead ? STR(req->dead_reason) : "");
    } else {
        ret = dr_reply(req->client, status, NULL, req->dead, reason);
    }
    dr_free(req);
    return ret < 0 ? -1 : 0;
}

/* deliver_request_serve - read, deliver, answer, until the client goes */
void
deliver_request_serve(STREAM *client, DELIVER_FN fn, void *context)
{
    STRBUF *why = strbuf_create(100);
    DELIVER_REQUEST *req;

    while ((req = deliver_request_read(client, why)) != NULL) {
        fn(req, context);
        if (deliver_request_done(req, MAIL_STAT_OK, NULL) < 0)
            break;
        /* qmgr may keep the connection for its next request; each
         * request is a use, and a retired process takes no more. */
        if (!single_server_request_done())
            break;
    }
    strbuf_free(why);
}

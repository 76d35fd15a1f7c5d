/*
 * cleanup_clnt - hand one message to cleanup(8).  See cleanup_clnt.h;
 * docs/ipc.md, "cleanup", has the frames.
 *
 * Content is gathered into CLEANUP_DATA_CHUNK-byte "data" frames; every
 * frame between "open" and "end" is only buffered (attr_send), so a
 * message costs few writes.  The first failure sets clnt->failed and
 * its reason, and every later call returns -1 at once.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include "attr.h"
#include "cleanup_clnt.h"
#include "msg.h"
#include "mymalloc.h"
#include "stream.h"

struct CLEANUP_CLNT {
    STREAM *st;
    ATTR_LIST *req;
    STRBUF *queue_id;
    STRBUF *chunk; /* content not yet sent */
    STRBUF *why;   /* first failure */
    int failed;
    int reusable; /* the final reply came: cleanup reads on */
    char *key;    /* queue_dir and class, for the kept connection */
};

/*
 * The connection kept for this process's next message (cleanup_clnt_keep):
 * at most one, for the queue_dir and class in kept_key, idle since
 * kept_since.
 */
static int keep_seconds; /* 0: never keep */
static STREAM *kept_st;
static char *kept_key;
static time_t kept_since;

static int cleanup_clnt_flush_data(CLEANUP_CLNT *clnt);

/* cleanup_clnt_fail - remember the first failure; always -1 */
static int
cleanup_clnt_fail(CLEANUP_CLNT *clnt, const char *what)
{
    if (!clnt->failed) {
        clnt->failed = 1;
        strbuf_sprintf(clnt->why, "%s: %s", what,
                       stream_timedout(clnt->st) ? "timeout" : strerror(errno));
    }
    return -1;
}

/* cleanup_clnt_send - buffer the request frame built in clnt->req */
static int
cleanup_clnt_send(CLEANUP_CLNT *clnt)
{
    if (clnt->failed)
        return -1;
    if (attr_send(clnt->st, clnt->req) < 0)
        return cleanup_clnt_fail(clnt, "write to cleanup");
    return 0;
}

/* cleanup_clnt_new_req - reset the request list and name the request */
static ATTR_LIST *
cleanup_clnt_new_req(CLEANUP_CLNT *clnt, const char *name)
{
    attr_list_reset(clnt->req);
    attr_put_str(clnt->req, MAIL_ATTR_REQ, name);
    return clnt->req;
}

/* cleanup_clnt_read - read one reply; its status, or -1 (no reply:
 * the connection failed) or -2 (a malformed reply) with a reason */
static int
cleanup_clnt_read(CLEANUP_CLNT *clnt, ATTR_LIST *reply, STRBUF *why)
{
    ATTR_LIMITS lim;
    uint32_t status;
    int ret;

    attr_limits_init(&lim);
    lim.max_payload = 64 * 1024;
    if (stream_flush(clnt->st) < 0)
        return cleanup_clnt_fail(clnt, "write to cleanup");
    ret = attr_read(clnt->st, &lim, reply, why);
    if (ret == ATTR_READ_EOF)
        strbuf_strcpy(why, "cleanup closed the connection");
    if (ret != ATTR_READ_OK)
        return -1;
    if (attr_get_int(reply, MAIL_ATTR_STATUS, &status) < 0) {
        strbuf_strcpy(why, "malformed reply from cleanup: no status");
        return -2;
    }
    return (int) status;
}

/*
 * cleanup_clnt_handshake - send "open", read the queue ID; -1 with a
 * reason, and *lost set when no reply came at all (the connection failed)
 */
static int
cleanup_clnt_handshake(CLEANUP_CLNT *clnt, int flags, STRBUF *why, int *lost)
{
    ATTR_LIST *reply = attr_list_create();
    const char *id;
    const char *reason;
    int status;

    *lost = 0;
    attr_put_int(cleanup_clnt_new_req(clnt, CLEANUP_REQ_OPEN),
                 CLEANUP_ATTR_FLAGS, (uint32_t) flags);
    if (cleanup_clnt_send(clnt) < 0) {
        strbuf_strcpy(why, STR(clnt->why));
        status = -1;
        *lost = 1;
    } else if ((status = cleanup_clnt_read(clnt, reply, why)) < 0) {
        *lost = status == -1 && !stream_timedout(clnt->st);
    } else if (status > 0) {
        reason = attr_get_str(reply, MAIL_ATTR_REASON);
        strbuf_sprintf(why, "cleanup refused: %s",
                       reason ? reason : "no reason given");
        status = -1;
    } else if (status == 0 &&
               ((id = attr_get_str(reply, CLEANUP_ATTR_QUEUE_ID)) == NULL ||
                *id == 0)) {
        strbuf_strcpy(why, "malformed reply from cleanup: no queue ID");
        status = -1;
    } else if (status == 0) {
        strbuf_strcpy(clnt->queue_id, id);
    }
    attr_list_free(reply);
    return status < 0 ? -1 : 0;
}

/* clnt_key - the kept connection's key for queue_dir and class */
static char *
clnt_key(const char *queue_dir, const char *class)
{
    STRBUF *key = strbuf_create(100);

    strbuf_sprintf(key, "%s\n%s", queue_dir ? queue_dir : "", class);
    return strbuf_export(key);
}

/* clnt_take_kept - the kept connection for key, when fresh; else NULL
 * (and a kept connection that does not fit is closed) */
static STREAM *
clnt_take_kept(const char *key)
{
    STREAM *st;

    cleanup_clnt_expire(0);
    if (kept_st == NULL)
        return NULL;
    if (strcmp(kept_key, key) != 0) {
        cleanup_clnt_expire(1);
        return NULL;
    }
    st = kept_st;
    kept_st = NULL;
    myfree(kept_key);
    kept_key = NULL;
    return st;
}

/* clnt_connect - a new connection to cleanup; NULL with a reason */
static STREAM *
clnt_connect(const char *queue_dir, const char *class, int timeout_ms,
             STRBUF *why)
{
    STREAM *st =
        mail_connect(queue_dir, class, MAIL_SERVICE_CLEANUP, timeout_ms);

    if (st == NULL)
        strbuf_sprintf(why, "connect to %s/%s: %s", class, MAIL_SERVICE_CLEANUP,
                       strerror(errno));
    return st;
}

/* cleanup_clnt_open - connect and open a message; NULL with a reason */
CLEANUP_CLNT *
cleanup_clnt_open(const char *queue_dir, const char *class, int flags,
                  int timeout_ms, STRBUF *why)
{
    CLEANUP_CLNT *clnt;
    STREAM *st;
    char *key = clnt_key(queue_dir, class);
    int reused = 1;
    int lost;

    if (flags & ~CLEANUP_FLAG_MASK)
        msg_panic("cleanup_clnt_open: bad flags 0x%x", flags);
    if ((st = clnt_take_kept(key)) != NULL) {
        stream_set_timeout(st, timeout_ms);
    } else {
        reused = 0;
        st = clnt_connect(queue_dir, class, timeout_ms, why);
    }
    if (st == NULL) {
        myfree(key);
        return NULL;
    }
    clnt = (CLEANUP_CLNT *) mymalloc(sizeof(*clnt));
    clnt->st = st;
    clnt->req = attr_list_create();
    clnt->queue_id = strbuf_create(30);
    clnt->chunk = strbuf_create(CLEANUP_DATA_CHUNK);
    clnt->why = strbuf_create(100);
    clnt->failed = 0;
    clnt->reusable = 0;
    clnt->key = key;
    if (cleanup_clnt_handshake(clnt, flags, why, &lost) == 0)
        return clnt;
    /* A kept connection that cleanup closed (max_use, retired): a new
     * one.  "open" makes nothing that a lost reply could duplicate. */
    if (reused && lost) {
        stream_close(clnt->st);
        clnt->failed = 0;
        strbuf_reset(clnt->why);
        if ((clnt->st = clnt_connect(queue_dir, class, timeout_ms, why)) !=
                NULL &&
            cleanup_clnt_handshake(clnt, flags, why, &lost) == 0)
            return clnt;
    }
    return cleanup_clnt_free(clnt);
}

/* cleanup_clnt_queue_id - the queue ID cleanup chose */
const char *
cleanup_clnt_queue_id(const CLEANUP_CLNT *clnt)
{
    return STR(clnt->queue_id);
}

/* cleanup_clnt_time - the arrival time to record instead of now */
int
cleanup_clnt_time(CLEANUP_CLNT *clnt, long long sec, long usec)
{
    ATTR_LIST *req = cleanup_clnt_new_req(clnt, CLEANUP_REQ_TIME);

    attr_put_long(req, CLEANUP_ATTR_SEC, (int64_t) sec);
    attr_put_int(req, CLEANUP_ATTR_USEC, (uint32_t) usec);
    return cleanup_clnt_send(clnt);
}

/* cleanup_clnt_sender - the envelope sender ("" for the null sender) */
int
cleanup_clnt_sender(CLEANUP_CLNT *clnt, const char *addr)
{
    attr_put_str(cleanup_clnt_new_req(clnt, CLEANUP_REQ_SENDER),
                 CLEANUP_ATTR_ADDR, addr);
    return cleanup_clnt_send(clnt);
}

/* cleanup_clnt_attr - one envelope attribute */
int
cleanup_clnt_attr(CLEANUP_CLNT *clnt, const char *name, const char *value)
{
    ATTR_LIST *req = cleanup_clnt_new_req(clnt, CLEANUP_REQ_ATTR);

    attr_put_str(req, CLEANUP_ATTR_NAME, name);
    attr_put_str(req, CLEANUP_ATTR_VALUE, value);
    return cleanup_clnt_send(clnt);
}

/* cleanup_clnt_rcpt - one recipient; orcpt, dsn_orcpt NULL, notify 0 */
int
cleanup_clnt_rcpt(CLEANUP_CLNT *clnt, const char *addr, const char *orcpt,
                  const char *dsn_orcpt, int notify)
{
    ATTR_LIST *req = cleanup_clnt_new_req(clnt, CLEANUP_REQ_RCPT);

    attr_put_str(req, CLEANUP_ATTR_ADDR, addr);
    if (orcpt != NULL)
        attr_put_str(req, CLEANUP_ATTR_ORCPT, orcpt);
    if (dsn_orcpt != NULL)
        attr_put_str(req, CLEANUP_ATTR_DSN_ORCPT, dsn_orcpt);
    if (notify != 0)
        attr_put_int(req, CLEANUP_ATTR_NOTIFY, (uint32_t) notify);
    return cleanup_clnt_send(clnt);
}

/* cleanup_clnt_fate - late decisions: hold, discard, filter, redirect */
int
cleanup_clnt_fate(CLEANUP_CLNT *clnt, int hold, int discard, const char *filter,
                  const char *redirect)
{
    ATTR_LIST *req;

    if (cleanup_clnt_flush_data(clnt) < 0)
        return -1;
    req = cleanup_clnt_new_req(clnt, CLEANUP_REQ_FATE);
    if (hold)
        attr_put_int(req, CLEANUP_ATTR_HOLD, 1);
    if (discard)
        attr_put_int(req, CLEANUP_ATTR_DISCARD, 1);
    if (filter != NULL)
        attr_put_str(req, CLEANUP_ATTR_FILTER, filter);
    if (redirect != NULL)
        attr_put_str(req, CLEANUP_ATTR_REDIRECT, redirect);
    return cleanup_clnt_send(clnt);
}

/* cleanup_clnt_flush_data - send the gathered content as one frame */
static int
cleanup_clnt_flush_data(CLEANUP_CLNT *clnt)
{
    ATTR_LIST *req;
    int ret;

    if (LEN(clnt->chunk) == 0)
        return clnt->failed ? -1 : 0;
    req = cleanup_clnt_new_req(clnt, CLEANUP_REQ_DATA);
    attr_put_data(req, CLEANUP_ATTR_DATA, STR(clnt->chunk), LEN(clnt->chunk));
    ret = cleanup_clnt_send(clnt);
    strbuf_reset(clnt->chunk);
    return ret;
}

/* cleanup_clnt_write - append content bytes */
int
cleanup_clnt_write(CLEANUP_CLNT *clnt, const char *data, size_t len)
{
    size_t room;
    size_t take;

    while (len > 0 && !clnt->failed) {
        room = CLEANUP_DATA_CHUNK - LEN(clnt->chunk);
        take = len < room ? len : room;
        strbuf_memcat(clnt->chunk, data, take);
        data += take;
        len -= take;
        if (LEN(clnt->chunk) >= CLEANUP_DATA_CHUNK &&
            cleanup_clnt_flush_data(clnt) < 0)
            break;
    }
    return clnt->failed ? -1 : 0;
}

/* cleanup_clnt_result - fill result from the final reply */
static int
cleanup_clnt_result(const ATTR_LIST *reply, int status, CLEANUP_RESULT *result)
{
    const char *dsn = attr_get_str(reply, CLEANUP_ATTR_DSN);
    const char *reason = attr_get_str(reply, MAIL_ATTR_REASON);
    uint32_t bits = 0;

    if (attr_get_int(reply, CLEANUP_ATTR_STAT, &bits) < 0 && status != 0)
        bits = CLEANUP_STAT_BAD;
    result->status = (int) bits;
    strbuf_strcpy(result->dsn, dsn ? dsn : status == 0 ? "2.0.0" : "4.3.0");
    strbuf_strcpy(result->reason, reason ? reason : "");
    if (status != 0 && reason == NULL)
        strbuf_strcpy(result->reason, "cleanup gave no reason");
    return status;
}

/* cleanup_clnt_finish - send "end", read the final reply */
int
cleanup_clnt_finish(CLEANUP_CLNT *clnt, CLEANUP_RESULT *result)
{
    ATTR_LIST *reply;
    int status = -1;

    /*
     * A write that fails may mean cleanup already answered (a protocol
     * error) and closed: its reply is still there to read.
     */
    if (cleanup_clnt_flush_data(clnt) == 0) {
        cleanup_clnt_new_req(clnt, CLEANUP_REQ_END);
        (void) cleanup_clnt_send(clnt);
    }
    if (!stream_timedout(clnt->st)) {
        stream_clearerr(clnt->st);
        reply = attr_list_create();
        status = cleanup_clnt_read(clnt, reply, clnt->why);
        /* After a final reply (but a protocol error's) cleanup reads the
         * next "open": the connection may be kept. */
        clnt->reusable =
            status >= 0 && status != MAIL_STAT_BAD && !clnt->failed;
        if (status >= 0)
            status = cleanup_clnt_result(reply, status, result);
        attr_list_free(reply);
    }
    if (status < 0) {
        result->status = CLEANUP_STAT_WRITE;
        strbuf_strcpy(result->dsn, "4.3.0");
        strbuf_sprintf(result->reason, "queue file write error: %s",
                       LEN(clnt->why) ? STR(clnt->why) : "no reply");
    }
    return status;
}

/* cleanup_clnt_free - close (or keep); an unfinished message is dropped */
CLEANUP_CLNT *
cleanup_clnt_free(CLEANUP_CLNT *clnt)
{
    if (clnt->st != NULL && clnt->reusable && keep_seconds > 0 &&
        LEN(clnt->chunk) == 0 && stream_flush(clnt->st) == 0) {
        cleanup_clnt_expire(1);
        kept_st = clnt->st;
        kept_key = clnt->key;
        clnt->key = NULL;
        kept_since = time(NULL);
    } else if (clnt->st != NULL) {
        stream_close(clnt->st);
    }
    if (clnt->key)
        myfree(clnt->key);
    attr_list_free(clnt->req);
    strbuf_free(clnt->queue_id);
    strbuf_free(clnt->chunk);
    strbuf_free(clnt->why);
    myfree(clnt);
    return NULL;
}

/* cleanup_clnt_keep - keep a finished connection for seconds (0: never) */
void
cleanup_clnt_keep(int seconds)
{
    keep_seconds = seconds > 0 ? seconds : 0;
    if (keep_seconds == 0)
        cleanup_clnt_expire(1);
}

/* cleanup_clnt_expire - close the kept connection when due, or always */
void
cleanup_clnt_expire(int all)
{
    if (kept_st == NULL)
        return;
    if (all || time(NULL) - kept_since >= keep_seconds) {
        stream_close(kept_st);
        kept_st = NULL;
        myfree(kept_key);
        kept_key = NULL;
    }
}

/* cleanup_clnt_wait - ms until the kept connection is due; -1: none */
int
cleanup_clnt_wait(void)
{
    time_t left;

    if (kept_st == NULL)
        return -1;
    left = kept_since + keep_seconds - time(NULL);
    return left <= 0 ? 0 : (int) left * 1000;
}

/* cleanup_result_init - empty result buffers */
void
cleanup_result_init(CLEANUP_RESULT *result)
{
    result->status = 0;
    result->dsn = strbuf_create(10);
    result->reason = strbuf_create(100);
}

/* cleanup_result_free - release result buffers */
void
cleanup_result_free(CLEANUP_RESULT *result)
{
    result->dsn = strbuf_free(result->dsn);
    result->reason = strbuf_free(result->reason);
}

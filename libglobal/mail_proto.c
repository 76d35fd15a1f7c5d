/*
 * mail_proto - client side of Postern's IPC: service paths, connections,
 * one-byte triggers, replies, and MAIL_CLNT, a reused request connection.
 *
 * mail_service_path() replaces the caller's STRBUF with queue_dir/class/
 * service (class/service when queue_dir is NULL) and returns it.
 * mail_connect() returns a STREAM the caller owns (stream_close), with
 * the deadline already set, or NULL with errno.  mail_trigger() writes
 * its bytes to a FIFO (opened write-only and non-blocking, so a FIFO
 * nobody reads fails with ENXIO instead of hanging) or to a UNIX stream
 * socket (connect, write, close); -1 with errno, ENOTSOCK for an endpoint
 * that is neither.  mail_reply() adds MAIL_ATTR_STATUS, and
 * MAIL_ATTR_REASON unless the status is MAIL_STAT_OK, to the caller's
 * extra list (a temporary one when extra is NULL) and writes it.
 *
 * MAIL_CLNT (mail_clnt_create/mail_clnt_free) owns its connection.  It
 * connects on first use and keeps the connection; at the start of each
 * request, by the monotonic clock, it first closes one unused for
 * idle_s seconds or open for ttl_s seconds (0: no such limit).  When a
 * reused connection fails on the write, or on reading the first byte of
 * the reply (end of input, or a reset before any byte of a frame), the
 * service has most likely closed it while idle: the request is sent once
 * more over a fresh connection.  Every other failure closes the
 * connection and returns -1 with a reason; so does a reply that lacks
 * MAIL_ATTR_STATUS ("malformed reply").  Nothing here is fatal; a bad
 * argument from our own code panics.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "clock_ms.h"
#include "mail_conf.h"
#include "mail_proto.h"
#include "msg.h"
#include "mymalloc.h"
#include "sock.h"

struct MAIL_CLNT {
    char *queue_dir; /* NULL: relative to the working folder */
    char *class;
    char *service;
    int timeout_ms;
    int idle_s;         /* close after this long unused, 0 = never */
    int ttl_s;          /* close after this long open, 0 = never */
    STREAM *st;         /* the connection, or NULL */
    int64_t opened_ms;  /* when st was connected */
    int64_t used_ms;    /* when st last finished a request */
    unsigned long uses; /* requests done over st */
};

/* What one exchange over a connection came to. */
#define MAIL_CLNT_OK    0  /* a reply was read */
#define MAIL_CLNT_FAIL  -1 /* give up */
#define MAIL_CLNT_STALE 1  /* the connection was dead before the reply */

/* mail_service_path - queue_dir/class/service (queue_dir NULL: relative) */
STRBUF *
mail_service_path(STRBUF *out, const char *queue_dir, const char *class,
                  const char *service)
{
    if (class == NULL || *class == 0 || strchr(class, '/') != NULL ||
        service == NULL || *service == 0 || strchr(service, '/') != NULL)
        msg_panic("mail_service_path: bad service \"%s/%s\"",
                  class ? class : "(null)", service ? service : "(null)");
    strbuf_reset(out);
    if (queue_dir != NULL)
        strbuf_sprintf(out, "%s/", queue_dir);
    strbuf_sprintf_cat(out, "%s/%s", class, service);
    return out;
}

/* mail_connect - a STREAM to a service, with the deadline set; NULL+errno */
STREAM *
mail_connect(const char *queue_dir, const char *class, const char *service,
             int timeout_ms)
{
    STRBUF *path =
        mail_service_path(strbuf_create(0), queue_dir, class, service);
    STREAM *st = NULL;
    int fd;

    if ((fd = sock_unix_connect(STR(path), timeout_ms)) >= 0) {
        st = stream_fdopen(fd, O_RDWR);
        stream_set_timeout(st, timeout_ms);
    }
    strbuf_free(path);
    return st;
}

/* mail_trigger_stream - write the trigger to an open endpoint, close it */
static int
mail_trigger_stream(int fd, const char *buf, size_t len, int timeout_ms)
{
    STREAM *st = stream_fdopen(fd, O_WRONLY);
    int err;

    stream_set_timeout(st, timeout_ms);
    if (stream_write(st, buf, len) < 0 || stream_flush(st) < 0) {
        err = errno;
        stream_free(st);
        close(fd);
        errno = err;
        return -1;
    }
    return stream_close(st);
}

/* mail_trigger_fifo - open a FIFO without waiting for a reader */
static int
mail_trigger_fifo(const char *path)
{
    struct stat sb;
    int fd;

    if ((fd = open(path, O_WRONLY | O_NONBLOCK | O_CLOEXEC)) < 0)
        return -1;
    /* The endpoint may have been replaced since it was looked at. */
    if (fstat(fd, &sb) < 0 || !S_ISFIFO(sb.st_mode)) {
        close(fd);
        errno = ENOTSOCK;
        return -1;
    }
    return fd;
}

/* mail_trigger - write trigger bytes to a FIFO or UNIX socket; -1+errno */
int
mail_trigger(const char *queue_dir, const char *class, const char *service,
             const char *buf, size_t len, int timeout_ms)
{
    STRBUF *path =
        mail_service_path(strbuf_create(0), queue_dir, class, service);
    struct stat sb;
    int fd = -1;

    if (buf == NULL || len == 0)
        msg_panic("mail_trigger: empty trigger for %s", STR(path));
    if (stat(STR(path), &sb) == 0) {
        if (S_ISFIFO(sb.st_mode))
            fd = mail_trigger_fifo(STR(path));
        else if (S_ISSOCK(sb.st_mode))
            fd = sock_unix_connect(STR(path), timeout_ms);
        else
            errno = ENOTSOCK;
    }
    strbuf_free(path);
    if (fd < 0)
        return -1;
    return mail_trigger_stream(fd, buf, len, timeout_ms);
}

/* mail_reply - answer a request: status, and a reason unless OK */
int
mail_reply(STREAM *st, int status, const char *reason, ATTR_LIST *extra)
{
    ATTR_LIST *list = extra ? extra : attr_list_create();
    int ret;

    if (status < 0)
        msg_panic("mail_reply: bad status %d", status);
    attr_put_int(list, MAIL_ATTR_STATUS, (uint32_t) status);
    if (status != MAIL_STAT_OK)
        attr_put_str(list, MAIL_ATTR_REASON,
                     reason != NULL && *reason ? reason : "unknown error");
    ret = attr_write(st, list);
    if (extra == NULL)
        attr_list_free(list);
    return ret;
}

/* mail_clnt_create - a client for one service; connects on first use */
MAIL_CLNT *
mail_clnt_create(const char *queue_dir, const char *class, const char *service,
                 int timeout_ms, int idle_s, int ttl_s)
{
    STRBUF *check =
        mail_service_path(strbuf_create(0), queue_dir, class, service);
    MAIL_CLNT *clnt = mycalloc(1, sizeof(*clnt));

    strbuf_free(check);
    if (timeout_ms < 0 || idle_s < 0 || ttl_s < 0)
        msg_panic("mail_clnt_create: bad timeout, idle or ttl");
    clnt->queue_dir = queue_dir ? mystrdup(queue_dir) : NULL;
    clnt->class = mystrdup(class);
    clnt->service = mystrdup(service);
    clnt->timeout_ms = timeout_ms;
    clnt->idle_s = idle_s;
    clnt->ttl_s = ttl_s;
    return clnt;
}

/* mail_clnt_create_conf - a client with the ipc_* parameters' limits */
MAIL_CLNT *
mail_clnt_create_conf(const char *queue_dir, const char *class,
                      const char *service)
{
    long timeout = mail_conf_time("ipc_timeout");

    if (timeout > INT32_MAX / 1000)
        timeout = INT32_MAX / 1000;
    return mail_clnt_create(queue_dir, class, service, (int) timeout * 1000,
                            (int) mail_conf_time("ipc_idle"),
                            (int) mail_conf_time("ipc_ttl"));
}

/* mail_clnt_disconnect - drop the connection, if any */
static void
mail_clnt_disconnect(MAIL_CLNT *clnt)
{
    if (clnt->st != NULL) {
        (void) stream_close(clnt->st);
        clnt->st = NULL;
    }
}

/* mail_clnt_free - close and release; returns NULL */
MAIL_CLNT *
mail_clnt_free(MAIL_CLNT *clnt)
{
    if (clnt != NULL) {
        mail_clnt_disconnect(clnt);
        myfree(clnt->queue_dir);
        myfree(clnt->class);
        myfree(clnt->service);
        myfree(clnt);
    }
    return NULL;
}

/* mail_clnt_expire - close a connection past its idle time or lifetime */
static void
mail_clnt_expire(MAIL_CLNT *clnt, int64_t now)
{
    if (clnt->st == NULL)
        return;
    if ((clnt->idle_s > 0 && now - clnt->used_ms >= clnt->idle_s * 1000LL) ||
        (clnt->ttl_s > 0 && now - clnt->opened_ms >= clnt->ttl_s * 1000LL)) {
        if (msg_verbose)
            msg_info("mail_clnt: %s/%s: closing idle or old connection",
                     clnt->class, clnt->service);
        mail_clnt_disconnect(clnt);
    }
}

/* mail_clnt_connect - make sure there is a connection; -1 with why */
static int
mail_clnt_connect(MAIL_CLNT *clnt, STRBUF *why)
{
    if (clnt->st != NULL)
        return 0;
    clnt->st = mail_connect(clnt->queue_dir, clnt->class, clnt->service,
                            clnt->timeout_ms);
    if (clnt->st == NULL) {
        strbuf_sprintf(why, "connect to %s/%s: %s", clnt->class, clnt->service,
                       strerror(errno));
        return -1;
    }
    clnt->opened_ms = clock_ms();
    clnt->uses = 0;
    return 0;
}

/* mail_clnt_exchange - send req, read the reply: MAIL_CLNT_* */
static int
mail_clnt_exchange(MAIL_CLNT *clnt, const ATTR_LIST *req, ATTR_LIST *reply,
                   STRBUF *why)
{
    STRBUF *reason = strbuf_create(0);
    int ret;

    if (attr_write(clnt->st, req) < 0) {
        strbuf_sprintf(why, "write to %s/%s: %s", clnt->class, clnt->service,
                       strerror(errno));
        strbuf_free(reason);
        return errno == EMSGSIZE ? MAIL_CLNT_FAIL : MAIL_CLNT_STALE;
    }
    ret = attr_read(clnt->st, NULL, reply, reason);
    if (ret == ATTR_READ_EOF) {
        strbuf_sprintf(why,
                       "read from %s/%s: connection closed before the "
                       "reply",
                       clnt->class, clnt->service);
    } else if (ret == ATTR_READ_ERROR) {
        /* attr_read keeps ECONNRESET only when no byte of a frame came. */
        strbuf_sprintf(why, "read from %s/%s: %s", clnt->class, clnt->service,
                       STR(reason));
        ret = errno == ECONNRESET ? ATTR_READ_EOF : ATTR_READ_ERROR;
    }
    strbuf_free(reason);
    if (ret == ATTR_READ_OK)
        return MAIL_CLNT_OK;
    return ret == ATTR_READ_EOF ? MAIL_CLNT_STALE : MAIL_CLNT_FAIL;
}

/* mail_clnt_status - the reply's status; -1 with why when there is none */
static int
mail_clnt_status(MAIL_CLNT *clnt, const ATTR_LIST *reply, STRBUF *why)
{
    uint32_t status;

    if (attr_get_int(reply, MAIL_ATTR_STATUS, &status) < 0) {
        strbuf_sprintf(why, "%s/%s: malformed reply: no %s number", clnt->class,
                       clnt->service, MAIL_ATTR_STATUS);
        return -1;
    }
    if (status > INT_MAX) {
        strbuf_sprintf(why, "%s/%s: malformed reply: bad %s %lu", clnt->class,
                       clnt->service, MAIL_ATTR_STATUS, (unsigned long) status);
        return -1;
    }
    return (int) status;
}

/* mail_clnt_request - send req, read the reply into reply (reset first) */
int
mail_clnt_request(MAIL_CLNT *clnt, const ATTR_LIST *req, ATTR_LIST *reply,
                  STRBUF *why)
{
    int attempt;
    int reused;
    int ret = MAIL_CLNT_FAIL;
    int status;

    attr_list_reset(reply);
    mail_clnt_expire(clnt, clock_ms());
    for (attempt = 0; attempt < 2; attempt++) {
        if (mail_clnt_connect(clnt, why) < 0)
            return -1;
        reused = clnt->uses > 0;
        if ((ret = mail_clnt_exchange(clnt, req, reply, why)) == MAIL_CLNT_OK)
            break;
        mail_clnt_disconnect(clnt);
        if (ret == MAIL_CLNT_FAIL || !reused)
            return -1;
        if (msg_verbose)
            msg_info("mail_clnt: %s; reconnecting", STR(why));
    }
    if (ret != MAIL_CLNT_OK)
        return -1;
    if ((status = mail_clnt_status(clnt, reply, why)) < 0) {
        mail_clnt_disconnect(clnt);
        return -1;
    }
    clnt->uses++;
    clnt->used_ms = clock_ms();
    return status;
}

/*
 * showq - list the mail queue for `postern queue -p/-j`, showq(8).
 *
 * Single-server on public/showq, running as mail_owner.  A client
 * connects and sends nothing; showq walks maildrop, hold, incoming,
 * active and deferred (hash subfolders included) and streams, per
 * complete queue file, one "message" frame and then one "rcpt" frame
 * per recipient not yet done, then one "end" frame (docs/ipc.md,
 * "showq").  Queue files are read with qfile_read_envelope(); a corrupt
 * one is skipped with a log line (moving it is left to the tools run by
 * root and to qmgr).  Maildrop files are read best effort: sender and
 * recipients up to the content, else just ID, size and time.  For a
 * file in deferred/, each recipient's delay reason is the reason of its
 * last entry in the defer log (defer/ID, bounce_log_read); a recipient
 * the log does not name, or a log that is missing or unreadable, gives
 * an empty reason.
 *
 * Bounds: SHOWQ_MAX_FILES files in all, SHOWQ_MAX_RCPT recipients a
 * message; the end frame says "truncated" when one was hit.  A client
 * that stops reading times out (daemon_timeout) and is dropped.
 */
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "argv.h"
#include "attr.h"
#include "bounce_log.h"
#include "mail_conf.h"
#include "mail_proto.h"
#include "mail_queue.h"
#include "mail_scan.h"
#include "mail_server.h"
#include "msg.h"
#include "qfile.h"

#define SHOWQ_MAX_FILES   100000 /* files listed in all */
#define SHOWQ_MAX_RCPT    1000   /* recipients shown per message */
#define SHOWQ_MAX_RECORDS 100000 /* records read of a maildrop file */

/* How the empty sender is shown (Postfix's MAILER-DAEMON). */
#define SHOWQ_EMPTY_SENDER "MAILER-DAEMON"

static MAIL_QUEUE *showq_mq;
static QFILE_LIMITS showq_lim;

/* The queues, in the order shown. */
static const char *const showq_queues[] = {
    MAIL_QUEUE_MAILDROP, MAIL_QUEUE_HOLD,     MAIL_QUEUE_INCOMING,
    MAIL_QUEUE_ACTIVE,   MAIL_QUEUE_DEFERRED, NULL,
};

/* One message being listed. */
typedef struct SHOWQ_MSG {
    ATTR_LIST *head; /* the message frame */
    ARGV *rcpt;      /* recipients to show */
    ARGV *reason;    /* their delay reasons, "" when none */
    int truncated;   /* a cap was hit */
} SHOWQ_MSG;

/* msg_head - fill the message frame but the recipient count */
static void
msg_head(SHOWQ_MSG *m, const char *queue, const char *id, long long when,
         long long size, const char *sender)
{
    attr_list_reset(m->head);
    argv_truncate(m->rcpt, 0);
    argv_truncate(m->reason, 0);
    attr_put_str(m->head, SHOWQ_ATTR_KIND, SHOWQ_KIND_MESSAGE);
    attr_put_str(m->head, SHOWQ_ATTR_QUEUE, queue);
    attr_put_str(m->head, SHOWQ_ATTR_ID, id);
    attr_put_long(m->head, SHOWQ_ATTR_TIME, when);
    attr_put_long(m->head, SHOWQ_ATTR_SIZE, size);
    attr_put_int(m->head, SHOWQ_ATTR_EXPIRE, 0);
    attr_put_str(m->head, SHOWQ_ATTR_SENDER,
                 *sender ? sender : SHOWQ_EMPTY_SENDER);
}

/* msg_rcpt - add a recipient to show, within the cap */
static void
msg_rcpt(SHOWQ_MSG *m, const char *addr, const BOUNCE_LOG *log)
{
    const BOUNCE_LOG_ENTRY *e = bounce_log_find(log, addr);

    if (m->rcpt->argc < SHOWQ_MAX_RCPT) {
        argv_add(m->rcpt, addr);
        argv_add(m->reason, e ? e->reason : "");
    } else
        m->truncated = 1;
}

/* msg_send - the message frame and its recipient frames */
static int
msg_send(STREAM *client, SHOWQ_MSG *m)
{
    ATTR_LIST *r = attr_list_create();
    size_t i;
    int ret;

    attr_put_int(m->head, SHOWQ_ATTR_RCPTS, (uint32_t) m->rcpt->argc);
    ret = attr_send(client, m->head);
    for (i = 0; ret == 0 && i < m->rcpt->argc; i++) {
        attr_list_reset(r);
        attr_put_str(r, SHOWQ_ATTR_KIND, SHOWQ_KIND_RCPT);
        attr_put_str(r, SHOWQ_ATTR_ADDR, m->rcpt->argv[i]);
        attr_put_str(r, SHOWQ_ATTR_REASON, m->reason->argv[i]);
        ret = attr_send(client, r);
    }
    attr_list_free(r);
    return ret;
}

/* read_queue_file - envelope of a queue file; 0, or -1 to skip it */
static int
read_queue_file(SHOWQ_MSG *m, const char *queue, const char *id, int fd)
{
    STREAM *st = stream_fdopen(fd, O_RDONLY);
    STRBUF *why = strbuf_create(100);
    QFILE_ENV *env = NULL;
    BOUNCE_LOG *log = NULL;
    size_t i;
    int ret;

    ret = qfile_read_envelope(st, &showq_lim, &env, why);
    if (ret == QFILE_OK) {
        msg_head(m, queue, id, env->arrival_sec, env->content_size,
                 env->sender);
        if (strcmp(queue, MAIL_QUEUE_DEFERRED) == 0)
            log = bounce_log_read(showq_mq, MAIL_QUEUE_DEFER, id, why);
        for (i = 0; i < env->rcpt_count; i++)
            if (!env->rcpt[i].done)
                msg_rcpt(m, env->rcpt[i].address, log);
        bounce_log_free(log);
    } else {
        msg_warn("%s: skipped: %s file %s: %s", id,
                 ret == QFILE_BAD ? "corrupt" : "unreadable", queue, STR(why));
    }
    qfile_env_free(env);
    stream_free(st);
    strbuf_free(why);
    return ret == QFILE_OK ? 0 : -1;
}

/* read_maildrop - sender and recipients of a maildrop file, best effort */
static void
read_maildrop(SHOWQ_MSG *m, const char *id, int fd, const struct stat *sb)
{
    STREAM *st = stream_fdopen(fd, O_RDONLY);
    STRBUF *buf = strbuf_create(100);
    int type, n;

    msg_head(m, MAIL_QUEUE_MAILDROP, id, (long long) sb->st_mtime,
             (long long) sb->st_size, "");
    for (n = 0; n < SHOWQ_MAX_RECORDS; n++) {
        type = rec_get(st, buf, QFILE_DEF_MAX_RECORD);
        if (type < 0 || type == REC_TYPE_MESG || memchr(STR(buf), 0, LEN(buf)))
            break;
        if (type == REC_TYPE_FROM) {
            attr_list_reset(m->head);
            msg_head(m, MAIL_QUEUE_MAILDROP, id, (long long) sb->st_mtime,
                     (long long) sb->st_size, STR(buf));
        } else if (type == REC_TYPE_RCPT) {
            msg_rcpt(m, STR(buf), NULL);
        }
    }
    stream_free(st);
    strbuf_free(buf);
}

/* show_file - list one file; 0 when sent or skipped, -1 on a write error */
static int
show_file(STREAM *client, SHOWQ_MSG *m, const char *queue, const char *id)
{
    STRBUF *why = strbuf_create(100);
    struct stat sb;
    int fd, ret = 0, ok;

    /* A file that is not complete yet, or went away, is not listed. */
    if ((fd = mail_queue_open_read(showq_mq, queue, id, why)) >= 0) {
        ok = fstat(fd, &sb) == 0;
        if (ok && strcmp(queue, MAIL_QUEUE_MAILDROP) == 0)
            read_maildrop(m, id, fd, &sb);
        else if (ok)
            ok = read_queue_file(m, queue, id, fd) == 0;
        close(fd);
        if (ok)
            ret = msg_send(client, m);
    } else if (msg_verbose) {
        msg_info("%s: %s", id, STR(why));
    }
    strbuf_free(why);
    return ret;
}

/* showq_service - list every queue to the client */
static void
showq_service(STREAM *client, const char *service, char **argv)
{
    SHOWQ_MSG m = {attr_list_create(), argv_alloc(10), argv_alloc(10), 0};
    ATTR_LIST *end = attr_list_create();
    ARGV *ids = argv_alloc(100);
    size_t q, i, count = 0, left = SHOWQ_MAX_FILES;
    int ret = 0;

    (void) service;
    (void) argv;
    for (q = 0; ret == 0 && showq_queues[q] && left > 0; q++) {
        argv_truncate(ids, 0);
        if (mail_scan_ids(showq_mq, showq_queues[q], ids, left) < 0)
            msg_warn("scan queue %s: %m", showq_queues[q]);
        for (i = 0; ret == 0 && i < ids->argc; i++, count++)
            ret = show_file(client, &m, showq_queues[q], ids->argv[i]);
        left -= ids->argc < left ? ids->argc : left;
    }
    attr_put_str(end, SHOWQ_ATTR_KIND, SHOWQ_KIND_END);
    attr_put_int(end, MAIL_ATTR_STATUS, MAIL_STAT_OK);
    attr_put_int(end, SHOWQ_ATTR_COUNT, (uint32_t) count);
    attr_put_int(end, SHOWQ_ATTR_TRUNC, m.truncated || left == 0);
    if (ret == 0 && attr_write(client, end) < 0)
        ret = -1;
    if (ret < 0)
        msg_warn("write to client: %m");
    attr_list_free(end);
    attr_list_free(m.head);
    argv_free(m.rcpt);
    argv_free(m.reason);
    argv_free(ids);
}

/* showq_post_init - the queue tree, relative to queue_directory */
static void
showq_post_init(const char *service, char **argv)
{
    (void) service;
    (void) argv;
    showq_mq = mail_queue_create(".", mail_conf_str("hash_queue_names"),
                                 (int) mail_conf_long("hash_queue_depth"));
    qfile_limits_init(&showq_lim);
}

int
main(int argc, char **argv)
{
    single_server_main(argc, argv, showq_service, MAIL_SERVER_POST_INIT,
                       showq_post_init, 0);
}

/*
 * bounce_notify - who gets which report, and handing it to cleanup.
 *
 * bounce_notify_flush() (roles bounce and trace) and bounce_notify_warn()
 * (role defer) read the log and the queue file, pick the entries whose
 * NOTIFY allows the report (RFC 3461 section 4.1: FAILURE, DELAY,
 * SUCCESS; NEVER allows none; no NOTIFY means FAILURE and, for us,
 * DELAY), and send:
 *
 *  - to the sender, with the null sender (RFC 5321 section 4.5.5), the
 *    whole message unless RET=HDRS for a bounce, headers otherwise;
 *  - for a message from <>, a bounce to 2bounce_notice_recipient from
 *    double_bounce_sender, when notify_classes has 2bounce or bounce (as
 *    Postfix: otherwise it is dropped), and a delay warning to
 *    delay_notice_recipient when it has delay; never a trace report;
 *  - for a message from double_bounce_sender, nothing (logged): reports
 *    never loop;
 *  - a headers-only copy to bounce_notice_recipient (notify_classes
 *    bounce) or delay_notice_recipient (delay).
 *
 * A report that cannot be queued makes the request answer RETRY and
 * keeps the log; after a flush that is done the log is removed.  A
 * failed postmaster copy is only logged, so that a retry does not send
 * the sender a second report.
 */
#include <errno.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "bounce.h"
#include "cleanup_clnt.h"
#include "mail_proto.h"
#include "msg.h"
#include "mymalloc.h"
#include "rec_type.h"

/* is_double_bounce - is sender double_bounce_sender, bare or qualified? */
static int
is_double_bounce(const char *sender)
{
    const char *name = bounce_params.double_bounce_sender;
    size_t len = strlen(name);

    if (strncasecmp(sender, name, len) != 0)
        return 0;
    if (sender[len] == 0)
        return 1;
    return sender[len] == '@' &&
           (strcasecmp(sender + len + 1, bounce_params.myorigin) == 0 ||
            strcasecmp(sender + len + 1, bounce_params.myhostname) == 0);
}

/* wanted - does the entry's NOTIFY ask for this kind of report? */
static int
wanted(const BOUNCE_LOG_ENTRY *e, BOUNCE_KIND kind)
{
    static const int bit[] = {
        [BOUNCE_KIND_FAILED] = DSN_NOTIFY_FAILURE,
        [BOUNCE_KIND_DELAYED] = DSN_NOTIFY_DELAY,
        [BOUNCE_KIND_SUCCESS] = DSN_NOTIFY_SUCCESS,
    };

    if (e->notify == 0)
        return 1;
    return (e->notify & bit[kind]) != 0;
}

/* select_entries - the entries to report, or all (postmaster copies) */
static size_t
select_entries(const BOUNCE_LOG *log, BOUNCE_KIND kind, int all,
               const BOUNCE_LOG_ENTRY **out)
{
    size_t i, n = 0;

    for (i = 0; i < log->count; i++)
        if (all || wanted(log->entry + i, kind))
            out[n++] = log->entry + i;
    return n;
}

/* submit - one report through cleanup; 0, or -1 with a reason */
static int
submit(BOUNCE_REPORT *rep, const char *from, STRBUF *new_id, STRBUF *why)
{
    CLEANUP_CLNT *clnt;
    CLEANUP_RESULT res;
    STRBUF *text = strbuf_create(8192);
    int status;

    clnt = cleanup_clnt_open(NULL, MAIL_CLASS_PUBLIC, CLEANUP_FLAG_MAP,
                             bounce_params.timeout_ms, why);
    if (clnt == NULL) {
        strbuf_free(text);
        return -1;
    }
    strbuf_strcpy(new_id, cleanup_clnt_queue_id(clnt));
    rep->new_id = STR(new_id);
    bounce_report(text, rep);
    cleanup_clnt_sender(clnt, from);
    cleanup_clnt_rcpt(clnt, rep->to, NULL, NULL, 0);
    cleanup_clnt_write(clnt, STR(text), LEN(text));
    cleanup_result_init(&res);
    status = cleanup_clnt_finish(clnt, &res);
    if (status != MAIL_STAT_OK)
        strbuf_sprintf(why, "cleanup: %s",
                       status < 0 ? "no reply" : STR(res.reason));
    cleanup_result_free(&res);
    cleanup_clnt_free(clnt);
    strbuf_free(text);
    return status == MAIL_STAT_OK ? 0 : -1;
}

/* send_report - select, submit and log one report; 0, or -1 */
static int
send_report(BOUNCE_REPORT *rep, const BOUNCE_LOG *log, const char *from,
            const char *what, STRBUF *why)
{
    STRBUF *new_id = strbuf_create(32);
    int ret = 0;

    rep->rcpt = mycalloc(log->count ? log->count : 1, sizeof(*rep->rcpt));
    rep->rcpt_count =
        select_entries(log, rep->kind, rep->postmaster, rep->rcpt);
    if (rep->rcpt_count > 0) {
        rep->now = (long long) time(NULL);
        if ((ret = submit(rep, from, new_id, why)) == 0)
            msg_info("%s: %s: %s", rep->msg->queue_id, what, STR(new_id));
    }
    myfree(rep->rcpt);
    rep->rcpt = NULL;
    strbuf_free(new_id);
    return ret;
}

/* double_bounce_addr - double_bounce_sender@myorigin */
static const char *
double_bounce_addr(STRBUF *buf)
{
    strbuf_sprintf(buf, "%s@%s", bounce_params.double_bounce_sender,
                   bounce_params.myorigin);
    return STR(buf);
}

/* postmaster_copy - a headers-only copy for the postmaster; logged only */
static void
postmaster_copy(const BOUNCE_MSG *msg, const BOUNCE_LOG *log, BOUNCE_KIND kind,
                const char *to, const char *what)
{
    BOUNCE_REPORT rep = {kind, msg, to, NULL, NULL, 0, 0, 1, 1, 0};
    STRBUF *from = strbuf_create(100);
    STRBUF *why = strbuf_create(100);

    if (send_report(&rep, log, double_bounce_addr(from), what, why) < 0)
        msg_warn("%s: %s not sent: %s", msg->queue_id, what, STR(why));
    strbuf_free(from);
    strbuf_free(why);
}

/* flush_bounce - the non-delivery report(s) of one message */
static int
flush_bounce(const BOUNCE_MSG *msg, const BOUNCE_LOG *log, STRBUF *why)
{
    const char *sender = msg->env->sender;
    BOUNCE_REPORT rep = {BOUNCE_KIND_FAILED,       msg, sender, NULL, NULL, 0,
                         msg->ret != DEL_RET_HDRS, 0,   0,      0};
    STRBUF *from = strbuf_create(100);
    int ret = 0;

    if (is_double_bounce(sender)) {
        msg_info("%s: undeliverable postmaster notification discarded",
                 msg->queue_id);
    } else if (*sender == 0) {
        /* A bounce that bounced: postmaster's only if notify_classes says. */
        rep.to = bounce_params.twobounce_rcpt;
        rep.postmaster = 1;
        if (bounce_params.notify_2bounce || bounce_params.notify_bounce)
            ret = send_report(&rep, log, double_bounce_addr(from),
                              "postmaster non-delivery notification", why);
        else
            msg_info("%s: undeliverable bounce discarded (notify_classes has "
                     "no 2bounce)",
                     msg->queue_id);
    } else if ((ret = send_report(&rep, log, "",
                                  "sender non-delivery notification", why)) ==
                   0 &&
               bounce_params.notify_bounce) {
        postmaster_copy(msg, log, BOUNCE_KIND_FAILED, bounce_params.bounce_rcpt,
                        "postmaster non-delivery notification");
    }
    strbuf_free(from);
    return ret;
}

/* flush_trace - the delivery status report of one message */
static int
flush_trace(const BOUNCE_MSG *msg, const BOUNCE_LOG *log, STRBUF *why)
{
    const char *sender = msg->env->sender;
    BOUNCE_REPORT rep = {
        BOUNCE_KIND_SUCCESS, msg, sender, NULL, NULL, 0, 0, 0, 0, 0};

    if (*sender == 0 || is_double_bounce(sender)) {
        msg_info("%s: no delivery status notification for a message from "
                 "<%s>",
                 msg->queue_id, sender);
        return 0;
    }
    return send_report(&rep, log, "", "sender delivery status notification",
                       why);
}

/* warn_delay - the delay warning(s) of one message */
static int
warn_delay(const BOUNCE_MSG *msg, const BOUNCE_LOG *log, STRBUF *why)
{
    const char *sender = msg->env->sender;
    BOUNCE_REPORT rep = {
        BOUNCE_KIND_DELAYED, msg, sender, NULL, NULL, 0, 0, 0, 0, 0};
    STRBUF *from = strbuf_create(100);
    int ret = 0;

    if (is_double_bounce(sender)) {
        msg_info("%s: no delay notification for a message from <%s>",
                 msg->queue_id, sender);
    } else if (*sender == 0) {
        rep.to = bounce_params.delay_rcpt;
        rep.postmaster = 1;
        if (bounce_params.notify_delay)
            ret = send_report(&rep, log, double_bounce_addr(from),
                              "postmaster delay notification", why);
    } else if ((ret = send_report(&rep, log, "", "sender delay notification",
                                  why)) == 0 &&
               bounce_params.notify_delay) {
        postmaster_copy(msg, log, BOUNCE_KIND_DELAYED, bounce_params.delay_rcpt,
                        "postmaster delay notification");
    }
    strbuf_free(from);
    return ret;
}

/* load - the log and the message; MAIL_STAT_OK with both, or a verdict */
static int
load(const char *log_queue, const char *queue, const char *queue_id,
     BOUNCE_LOG **log, BOUNCE_MSG **msg, STRBUF *why)
{
    int status, err;

    *msg = NULL;
    if ((*log = bounce_log_read(bounce_params.mq, log_queue, queue_id, why)) ==
        NULL)
        return errno == ENOENT ? MAIL_STAT_NOTFOUND : MAIL_STAT_RETRY;
    status = bounce_msg_read(msg, queue, queue_id, why);
    err = errno;
    if (status == QFILE_OK)
        return MAIL_STAT_OK;
    msg_warn("%s: cannot read queue file %s/%s: %s", queue_id, queue, queue_id,
             STR(why));
    *log = bounce_log_free(*log);
    *msg = bounce_msg_free(*msg);
    /* A message that is gone has nobody left to report to. */
    return status == QFILE_IOERR && err == ENOENT ? MAIL_STAT_DENY
                                                  : MAIL_STAT_RETRY;
}

/* bounce_notify_flush - the report of bounce/ID or trace/ID, then rm */
int
bounce_notify_flush(const char *role, const char *queue, const char *queue_id,
                    STRBUF *why)
{
    BOUNCE_LOG *log;
    BOUNCE_MSG *msg;
    int status, ret;

    status = load(role, queue, queue_id, &log, &msg, why);
    if (status == MAIL_STAT_NOTFOUND)
        return MAIL_STAT_OK;
    if (status == MAIL_STAT_DENY) {
        bounce_log_remove(bounce_params.mq, role, queue_id);
        return MAIL_STAT_OK;
    }
    if (status != MAIL_STAT_OK)
        return status;
    if (strcmp(role, MAIL_SERVICE_TRACE) == 0)
        ret = flush_trace(msg, log, why);
    else
        ret = flush_bounce(msg, log, why);
    if (ret == 0)
        bounce_log_remove(bounce_params.mq, role, queue_id);
    bounce_log_free(log);
    bounce_msg_free(msg);
    return ret == 0 ? MAIL_STAT_OK : MAIL_STAT_RETRY;
}

/* bounce_notify_warn - a delay warning from defer/ID; the log stays */
int
bounce_notify_warn(const char *queue, const char *queue_id, STRBUF *why)
{
    BOUNCE_LOG *log;
    BOUNCE_MSG *msg;
    int status, ret;

    status = load(MAIL_QUEUE_DEFER, queue, queue_id, &log, &msg, why);
    if (status == MAIL_STAT_NOTFOUND || status == MAIL_STAT_DENY)
        return MAIL_STAT_OK;
    if (status != MAIL_STAT_OK)
        return status;
    ret = warn_delay(msg, log, why);
    bounce_log_free(log);
    bounce_msg_free(msg);
    return ret == 0 ? MAIL_STAT_OK : MAIL_STAT_RETRY;
}

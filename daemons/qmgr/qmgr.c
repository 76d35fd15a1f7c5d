/*
 * qmgr - the queue manager: moves mail from incoming/ and deferred/
 * into active/ and hands it to the delivery agents (docs/qmgr.md).
 *
 * A trigger server (master.cf: `qmgr unix n - n 300 1 qmgr`, one
 * process, never idle-exits).  Triggers on public/qmgr: W (master's
 * wakeup) and S (cleanup) scan incoming/, and deferred/ too when
 * queue_run_delay has passed since its last scan; F (`postern flush`)
 * scans deferred/ taking every file whatever its retry time.  Its own
 * timer scans both every queue_run_delay, so a lost trigger costs at
 * most that.  At start, every file already in active/ (a crash or a
 * restart) is taken in again first.
 *
 * A scan takes complete files in ID (arrival) order while fewer than
 * qmgr_message_active_limit messages and qmgr_message_recipient_limit
 * recipients are in memory, renames each into active/ and loads it
 * (qmgr_message.c).  A scan cut short by those limits runs again as
 * soon as a message ends.
 *
 * Fatal: a bad parameter value (at start).  Everything else is logged.
 */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "argv.h"
#include "mail_conf.h"
#include "mail_proto.h"
#include "mail_scan.h"
#include "mail_server.h"
#include "msg.h"
#include "mymalloc.h"
#include "qmgr.h"

/* Most queue file names looked at in one scan of one queue. */
#define QMGR_SCAN_MAX 100000

QMGR_PARAMS qmgr_params;
MAIL_QUEUE *qmgr_mq;
EVENT_LOOP *qmgr_loop;
size_t qmgr_active_count;
size_t qmgr_rcpt_count;

static time_t qmgr_deferred_last; /* when deferred/ was last scanned */
static int qmgr_cut_incoming;     /* a scan stopped for lack of room */
static int qmgr_cut_deferred;     /* likewise, 2: it was a flush */
static int qmgr_scan_timer;       /* a rescan is requested */

/* room - may another message come into memory? */
static int
room(void)
{
    return (long) qmgr_active_count < qmgr_params.active_limit &&
           (long) qmgr_rcpt_count < qmgr_params.rcpt_limit;
}

/* take_ok - is queue/ID complete and, unless flushing, due? */
static int
take_ok(const char *queue, const char *id, int flush, time_t now)
{
    STRBUF *path = strbuf_create(100);
    STRBUF *why = strbuf_create(100);
    struct stat st;
    int ok = 0;

    if (mail_queue_path(qmgr_mq, path, queue, id, why) == 0 &&
        lstat(STR(path), &st) == 0 && S_ISREG(st.st_mode) &&
        (st.st_mode & S_IXUSR) != 0)
        ok = flush || strcmp(queue, MAIL_QUEUE_DEFERRED) != 0 ||
             st.st_mtime <= now;
    strbuf_free(path);
    strbuf_free(why);
    return ok;
}

/* take - move queue/ID into active/ and load it */
static void
take(const char *queue, const char *id)
{
    STRBUF *why = strbuf_create(100);

    if (mail_queue_rename(qmgr_mq, id, queue, MAIL_QUEUE_ACTIVE, why) < 0)
        msg_warn("%s: cannot move to active: %s", id, STR(why));
    else
        (void) qmgr_message_load(id);
    strbuf_free(why);
}

/* scan - take what is ready in queue; 1 when cut short by the limits */
static int
scan(const char *queue, int flush)
{
    ARGV *ids = argv_alloc(100);
    time_t now = time(NULL);
    size_t i;
    int cut = 0;

    if (mail_scan_ids(qmgr_mq, queue, ids, QMGR_SCAN_MAX) < 0)
        msg_warn("cannot scan %s/: %m", queue);
    for (i = 0; i < ids->argc; i++) {
        if (!room()) {
            cut = 1;
            break;
        }
        if (take_ok(queue, ids->argv[i], flush, now))
            take(queue, ids->argv[i]);
    }
    argv_free(ids);
    qmgr_deliver_kick();
    return cut;
}

/* scan_incoming - incoming/, remembering a cut */
static void
scan_incoming(void)
{
    qmgr_cut_incoming = scan(MAIL_QUEUE_INCOMING, 0);
}

/* scan_deferred - deferred/, due files or (flush) all */
static void
scan_deferred(int flush)
{
    qmgr_deferred_last = time(NULL);
    qmgr_cut_deferred = scan(MAIL_QUEUE_DEFERRED, flush) ? 1 + flush : 0;
}

/* deferred_due - has queue_run_delay passed since deferred/'s scan? */
static int
deferred_due(void)
{
    return time(NULL) - qmgr_deferred_last >= qmgr_params.queue_run_delay;
}

/* rescan - the timer behind qmgr_scan_request() */
static void
rescan(EVENT_LOOP *loop, int event, int id, void *context)
{
    int deferred = qmgr_cut_deferred;

    (void) loop;
    (void) event;
    (void) id;
    (void) context;
    qmgr_scan_timer = 0;
    if (qmgr_cut_incoming)
        scan_incoming();
    if (deferred)
        scan_deferred(deferred == 2);
}

/* qmgr_scan_request - room again: rerun a scan that was cut short */
void
qmgr_scan_request(void)
{
    if ((qmgr_cut_incoming || qmgr_cut_deferred) && qmgr_scan_timer == 0)
        qmgr_scan_timer = event_request_timer(qmgr_loop, rescan, NULL, 0, 0);
}

/* qmgr_trigger - W, S, F from master, cleanup and postern flush */
static void
qmgr_trigger(const char *buf, size_t len, const char *service, char **argv)
{
    int incoming = 0;
    int deferred = 0;
    int flush = 0;
    size_t i;

    (void) service;
    (void) argv;
    for (i = 0; i < len; i++) {
        switch (buf[i]) {
            case TRIGGER_REQ_WAKEUP:
            case TRIGGER_REQ_SCAN:
                incoming = 1;
                break;
            case TRIGGER_REQ_FLUSH:
                flush = deferred = incoming = 1;
                break;
            default:
                msg_warn("unknown trigger byte 0x%02x", buf[i] & 0xff);
                break;
        }
    }
    if (incoming)
        scan_incoming();
    if (deferred || (incoming && deferred_due()))
        scan_deferred(flush);
}

/* qmgr_timer - our own periodic scan, and forgetting idle queues */
static void
qmgr_timer(EVENT_LOOP *loop, int event, int id, void *context)
{
    (void) loop;
    (void) event;
    (void) id;
    (void) context;
    qmgr_deliver_sweep();
    scan_incoming();
    if (deferred_due())
        scan_deferred(0);
}

/* qmgr_recover - at start: what a previous qmgr left in active/ */
static void
qmgr_recover(void)
{
    ARGV *ids = argv_alloc(100);
    size_t i;

    if (mail_scan_ids(qmgr_mq, MAIL_QUEUE_ACTIVE, ids, QMGR_SCAN_MAX) < 0)
        msg_warn("cannot scan %s/: %m", MAIL_QUEUE_ACTIVE);
    for (i = 0; i < ids->argc; i++)
        (void) qmgr_message_load(ids->argv[i]);
    argv_free(ids);
    qmgr_deliver_kick();
    scan_incoming();
    scan_deferred(0);
}

/* conf_time - a time parameter within bounds; fatal if not */
static long
conf_time(const char *name, long min, long max)
{
    long value = mail_conf_time(name);

    if (value < min || value > max)
        msg_fatal("qmgr: bad %s value: %ld", name, value);
    return value;
}

/* conf_long - a numeric parameter within bounds; fatal if not */
static long
conf_long(const char *name, long min, long max)
{
    long value = mail_conf_long(name);

    if (value < min || value > max)
        msg_fatal("qmgr: bad %s value: %ld", name, value);
    return value;
}

/* qmgr_read_params - the parameters, once */
static void
qmgr_read_params(QMGR_PARAMS *p)
{
    long day = 86400;

    p->active_limit = conf_long("qmgr_message_active_limit", 1, 10000000);
    p->rcpt_limit = conf_long("qmgr_message_recipient_limit", 1, 100000000);
    p->rcpt_minimum = conf_long("qmgr_message_recipient_minimum", 1, 100000);
    p->min_backoff = conf_time("minimal_backoff_time", 1, 1000 * day);
    p->max_backoff = conf_time("maximal_backoff_time", 1, 1000 * day);
    p->max_life = conf_time("maximal_queue_lifetime", 0, 10000 * day);
    p->bounce_life = conf_time("bounce_queue_lifetime", 0, 10000 * day);
    p->queue_run_delay = conf_time("queue_run_delay", 1, 1000 * day);
    p->ipc_timeout = conf_time("qmgr_ipc_timeout", 1, 3600);
    p->deliver_timeout = conf_time("daemon_timeout", 1, 100 * day);
    if (p->max_backoff < p->min_backoff)
        p->max_backoff = p->min_backoff;
}

/* qmgr_post_init - parameters, clients, timers; unprivileged */
static void
qmgr_post_init(const char *service, char **argv)
{
    char *names = mail_conf_str("hash_queue_names");
    long period;

    (void) service;
    (void) argv;
    qmgr_read_params(&qmgr_params);
    qmgr_mq =
        mail_queue_create(".", names, (int) mail_conf_long("hash_queue_depth"));
    myfree(names);
    mail_queue_set_spare_limit(qmgr_mq,
                               mail_conf_long("queue_file_reuse_limit"));
    qmgr_loop = mail_server_loop();
    qmgr_bounce_init();
    qmgr_transport_init();
    period = qmgr_params.queue_run_delay;
    (void) event_request_timer(qmgr_loop, qmgr_timer, NULL,
                               (int) (period > 3600 ? 3600 : period) * 1000, 1);
    /* Before the first trigger is read: recovery comes first. */
    qmgr_recover();
}

/* main - the trigger-server skeleton does the rest */
int
main(int argc, char **argv)
{
    trigger_server_main(argc, argv, qmgr_trigger, MAIL_SERVER_POST_INIT,
                        qmgr_post_init, MAIL_SERVER_SOLITARY, 1,
                        MAIL_SERVER_UNLIMITED, 1, 0);
}

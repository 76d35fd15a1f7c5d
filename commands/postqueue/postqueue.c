/*
 * postqueue - the queue for unprivileged users, like Postfix's
 * postqueue(1); `postern queue ARGS` runs it.
 *
 *   postqueue [-c DIR] [-v] -p        the queue, mailq style
 *   postqueue [-c DIR] [-v] -j        the queue, one JSON object a line
 *   postqueue [-c DIR] [-v] -f        ask qmgr to deliver deferred mail
 *   postqueue [-c DIR] [-v] -i ID     ask flush to deliver one message
 *   postqueue [-c DIR] [-v] -s SITE   ask flush to deliver mail for SITE
 *   postqueue [-c DIR] [-v] --shape   recipients in incoming, active and
 *                                     deferred by domain and age (qshape)
 *
 * Installed setgid setgid_group, so it may reach public/.  It trusts no
 * environment: a configuration folder other than the default (-c or
 * MAIL_CONFIG) is accepted only from root or when the default main.cf
 * lists it in alternate_config_directories.  The queue listing comes
 * from showq over public/showq (docs/ipc.md, "showq"); a malformed
 * listing is an error.  Exit status: 0; 64 usage; 75 when a service is
 * not there ("mail system is down"); 70 for a malformed reply; 1 other.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "argv.h"
#include "attr.h"
#include "mail_conf.h"
#include "mail_dict.h"
#include "mail_proto.h"
#include "mailq_fmt.h"
#include "mailq_shape.h"
#include "msg.h"

#define PQ_EX_USAGE    64
#define PQ_EX_SOFTWARE 70
#define PQ_EX_TEMPFAIL 75
#define PQ_TIMEOUT_MS  60000

static char *pq_queue_dir;
static time_t pq_now; /* --shape: ages are counted from here */

/* usage - the synopsis */
static void
usage(void)
{
    msg_fatal_status(PQ_EX_USAGE, "usage: postqueue [-c DIR] [-v] "
                                  "-p | -j | -f | -i QUEUE_ID | -s SITE | --shape");
}

/* dir_listed - is dir in the default main.cf's alternate dirs? */
static int
dir_listed(const char *dir)
{
    STRBUF *err = strbuf_create(100);
    ARGV *dirs;
    char *list;
    size_t i;
    int found = 0;

    if (mail_conf_load(DEF_CONFIG_DIR, NULL, err) < 0)
        msg_fatal("%s", STR(err));
    list = mail_conf_str("alternate_config_directories");
    dirs = argv_split(list, ", \t\r\n");
    for (i = 0; i < dirs->argc && !found; i++)
        found = strcmp(dirs->argv[i], dir) == 0;
    argv_free(dirs);
    free(list);
    strbuf_free(err);
    mail_conf_reset();
    return found;
}

/* pq_config - choose and load the configuration folder */
static void
pq_config(const char *dir)
{
    STRBUF *err = strbuf_create(100);

    if (dir == NULL || *dir == 0)
        dir = DEF_CONFIG_DIR;
    else if (strcmp(dir, DEF_CONFIG_DIR) != 0 && getuid() != 0 &&
             !dir_listed(dir))
        msg_fatal("%s: not listed in alternate_config_directories of %s",
                  dir, DEF_CONFIG_DIR);
    if (mail_conf_load(dir, NULL, err) < 0)
        msg_fatal("%s", STR(err));
    pq_queue_dir = mail_conf_str("queue_directory");
    strbuf_free(err);
}

/* pq_malformed - the showq listing went wrong */
static void
pq_malformed(const char *why)
{
    msg_fatal_status(PQ_EX_SOFTWARE, "malformed showq server response: %s",
                     why);
}

/* pq_read - the next frame of the listing, of the kind wanted */
static void
pq_read(STREAM *st, ATTR_LIST *frame, const char *want, STRBUF *why)
{
    ATTR_LIMITS lim;
    const char *kind;

    attr_limits_init(&lim);
    if (attr_read(st, &lim, frame, why) != ATTR_READ_OK)
        pq_malformed(LEN(why) ? STR(why) : "end of input");
    if ((kind = attr_get_str(frame, SHOWQ_ATTR_KIND)) == NULL)
        pq_malformed("no kind");
    if (want && strcmp(kind, want) != 0)
        pq_malformed(kind);
}

/* pq_message - scan a message frame; recipients follow */
static uint32_t
pq_message(const ATTR_LIST *f, MAILQ_MSG *m, STRBUF *q, STRBUF *id,
           STRBUF *sender)
{
    STRBUF *kind = strbuf_create(10), *why = strbuf_create(100);
    int64_t when, size;
    uint32_t expire, rcpts;

    if (attr_scan(f, ATTR_FLAG_STRICT, why, ATTR_TYPE_STR, SHOWQ_ATTR_KIND,
                  kind, ATTR_TYPE_STR, SHOWQ_ATTR_QUEUE, q, ATTR_TYPE_STR,
                  SHOWQ_ATTR_ID, id, ATTR_TYPE_LONG, SHOWQ_ATTR_TIME, &when,
                  ATTR_TYPE_LONG, SHOWQ_ATTR_SIZE, &size, ATTR_TYPE_INT,
                  SHOWQ_ATTR_EXPIRE, &expire, ATTR_TYPE_STR,
                  SHOWQ_ATTR_SENDER, sender, ATTR_TYPE_INT, SHOWQ_ATTR_RCPTS,
                  &rcpts, ATTR_TYPE_END) < 0)
        pq_malformed(STR(why));
    m->queue_name = STR(q);
    m->queue_id = STR(id);
    m->arrival_time = when;
    m->message_size = size;
    m->forced_expire = expire != 0;
    m->sender = STR(sender);
    strbuf_free(kind);
    strbuf_free(why);
    return rcpts;
}

/* pq_flush_out - write what is pending to stdout */
static void
pq_flush_out(STRBUF *out)
{
    if (LEN(out) && fwrite(STR(out), 1, LEN(out), stdout) != LEN(out))
        msg_fatal("write standard output: %m");
    strbuf_reset(out);
}

/* What a walk over showq's listing calls, per message and recipient. */
typedef struct PQ_VISIT {
    void (*message)(void *ctx, const MAILQ_MSG *m);
    void (*rcpt)(void *ctx, const MAILQ_MSG *m, uint32_t i, const char *addr,
                 const char *reason);
    void (*done)(void *ctx, const MAILQ_MSG *m);
    void *ctx;
} PQ_VISIT;

/* pq_walk - read showq's whole listing; malformed input is fatal (70) */
static void
pq_walk(const PQ_VISIT *v)
{
    STREAM *st = mail_connect(pq_queue_dir, MAIL_CLASS_PUBLIC,
                              MAIL_SERVICE_SHOWQ, PQ_TIMEOUT_MS);
    ATTR_LIST *f = attr_list_create();
    STRBUF *why = strbuf_create(100), *q = strbuf_create(20);
    STRBUF *id = strbuf_create(30), *sender = strbuf_create(100);
    const char *addr, *reason;
    MAILQ_MSG m;
    uint32_t n, i;

    if (st == NULL)
        msg_fatal_status(PQ_EX_TEMPFAIL, "Queue report unavailable - mail "
                                         "system is down: %m");
    for (;;) {
        pq_read(st, f, NULL, why);
        if (strcmp(attr_get_str(f, SHOWQ_ATTR_KIND), SHOWQ_KIND_END) == 0)
            break;
        n = pq_message(f, &m, q, id, sender);
        v->message(v->ctx, &m);
        for (i = 0; i < n; i++) {
            pq_read(st, f, SHOWQ_KIND_RCPT, why);
            if ((addr = attr_get_str(f, SHOWQ_ATTR_ADDR)) == NULL ||
                (reason = attr_get_str(f, SHOWQ_ATTR_REASON)) == NULL)
                pq_malformed("bad recipient");
            v->rcpt(v->ctx, &m, i, addr, reason);
        }
        v->done(v->ctx, &m);
    }
    stream_close(st);
    attr_list_free(f);
    strbuf_free(why);
    strbuf_free(q);
    strbuf_free(id);
    strbuf_free(sender);
}

/* The state of a -p or -j listing. */
typedef struct PQ_LIST {
    int json;
    STRBUF *out;
    STRBUF *reason; /* the last delay reason shown */
    unsigned long count;
    unsigned long long bytes;
} PQ_LIST;

/* list_message - a message's first line (or JSON opening) */
static void
list_message(void *ctx, const MAILQ_MSG *m)
{
    PQ_LIST *l = ctx;

    if (l->json)
        mailq_json_open(l->out, m);
    else if (l->count > 0)
        mailq_sender((strbuf_addch(l->out, '\n'), l->out), m);
    else
        mailq_sender(mailq_heading(l->out), m);
    strbuf_reset(l->reason);
}

/* list_rcpt - a recipient, after its delay reason when that changed */
static void
list_rcpt(void *ctx, const MAILQ_MSG *m, uint32_t i, const char *addr,
          const char *reason)
{
    PQ_LIST *l = ctx;

    (void) m;
    if (l->json) {
        mailq_json_rcpt(l->out, addr, reason, i == 0);
        return;
    }
    if (strcmp(reason, STR(l->reason)) != 0) {
        strbuf_strcpy(l->reason, reason);
        mailq_reason(l->out, reason);
    }
    mailq_rcpt(l->out, addr);
}

/* list_done - the end of a message: written out */
static void
list_done(void *ctx, const MAILQ_MSG *m)
{
    PQ_LIST *l = ctx;

    if (l->json)
        mailq_json_close(l->out);
    l->bytes += m->message_size > 0 ? (unsigned long long) m->message_size : 0;
    l->count++;
    pq_flush_out(l->out);
}

/* pq_list - -p (json 0) or -j (json 1) */
static int
pq_list(int json)
{
    PQ_LIST l = {json, strbuf_create(1000), strbuf_create(100), 0, 0};
    PQ_VISIT v = {list_message, list_rcpt, list_done, &l};

    pq_walk(&v);
    if (!json)
        mailq_trailer(l.out, l.bytes, l.count);
    pq_flush_out(l.out);
    strbuf_free(l.out);
    strbuf_free(l.reason);
    return fflush(stdout) == 0 ? 0 : 1;
}

/* shape_skip - nothing to do for a message's start or end */
static void
shape_skip(void *ctx, const MAILQ_MSG *m)
{
    (void) ctx;
    (void) m;
}

/* shape_rcpt - count recipients in incoming, active and deferred */
static void
shape_rcpt(void *ctx, const MAILQ_MSG *m, uint32_t i, const char *addr,
           const char *reason)
{
    (void) i;
    (void) reason;
    if (strcmp(m->queue_name, "incoming") == 0 ||
        strcmp(m->queue_name, "active") == 0 ||
        strcmp(m->queue_name, "deferred") == 0)
        mailq_shape_add(ctx, addr, (long long) pq_now - m->arrival_time);
}

/* pq_shape - --shape: recipients by domain and age, as qshape prints */
static int
pq_shape(void)
{
    MAILQ_SHAPE *shape = mailq_shape_create();
    PQ_VISIT v = {shape_skip, shape_rcpt, shape_skip, shape};
    STRBUF *out = strbuf_create(1000);

    pq_now = time(NULL);
    pq_walk(&v);
    pq_flush_out(mailq_shape_format(shape, out, 0));
    mailq_shape_free(shape);
    strbuf_free(out);
    return fflush(stdout) == 0 ? 0 : 1;
}

/* pq_trigger_flush - -f: qmgr delivers the deferred queue now */
static int
pq_trigger_flush(void)
{
    char req = TRIGGER_REQ_FLUSH;

    if (mail_trigger(pq_queue_dir, MAIL_CLASS_PUBLIC, MAIL_SERVICE_QMGR, &req,
                     1, PQ_TIMEOUT_MS) < 0)
        msg_fatal_status(PQ_EX_TEMPFAIL, "Cannot flush mail queue - mail "
                                         "system is down: %m");
    return 0;
}

/* pq_flush_request - -i ID or -s SITE to the flush service */
static int
pq_flush_request(const char *req, const char *name, const char *value)
{
    MAIL_CLNT *clnt = mail_clnt_create(pq_queue_dir, MAIL_CLASS_PUBLIC,
                                       MAIL_SERVICE_FLUSH, PQ_TIMEOUT_MS, 0, 0);
    ATTR_LIST *r = attr_list_create(), *reply = attr_list_create();
    STRBUF *why = strbuf_create(100);
    const char *reason;
    int status;

    attr_put_str(r, MAIL_ATTR_REQ, req);
    attr_put_str(r, name, value);
    if ((status = mail_clnt_request(clnt, r, reply, why)) < 0)
        msg_fatal_status(PQ_EX_TEMPFAIL, "flush service unavailable: %s",
                         STR(why));
    if (status != MAIL_STAT_OK) {
        reason = attr_get_str(reply, MAIL_ATTR_REASON);
        msg_warn("%s %s: %s", req, value, reason ? reason : "refused");
    }
    attr_list_free(r);
    attr_list_free(reply);
    strbuf_free(why);
    mail_clnt_free(clnt);
    return status == MAIL_STAT_OK ? 0 : 1;
}

int
main(int argc, char **argv)
{
    const char *dir = getenv("MAIL_CONFIG"), *arg = NULL;
    int ch, mode = 0;

    msg_set_progname("postqueue");
    msg_stderr_init();
    mail_dict_init();
    if (argc > 1 && strcmp(argv[argc - 1], "--shape") == 0) {
        argv[--argc] = NULL; /* long option: the queue's shape */
        mode = 'S';
    }
    while ((ch = getopt(argc, argv, "c:fi:jps:v")) > 0) {
        if (ch == 'c')
            dir = optarg;
        else if (ch == 'v')
            msg_verbose++;
        else if (strchr("fijps", ch) != NULL && mode == 0)
            mode = ch, arg = optarg;
        else
            usage();
    }
    if (mode == 0 || optind != argc)
        usage();
    pq_config(dir);
    switch (mode) {
    case 'p':
    case 'j':
        return pq_list(mode == 'j');
    case 'f':
        return pq_trigger_flush();
    case 'S':
        return pq_shape();
    case 'i':
        return pq_flush_request(FLUSH_REQ_SEND_FILE, FLUSH_ATTR_QUEUE_ID, arg);
    default:
        return pq_flush_request(FLUSH_REQ_SEND_SITE, FLUSH_ATTR_SITE, arg);
    }
}

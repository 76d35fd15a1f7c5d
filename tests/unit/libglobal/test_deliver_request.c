/*
 * test_deliver_request - the delivery agent's side of qmgr's requests,
 * and the bounce/defer/trace client under it.  A queue file is written
 * in a temporary active/ with qfile_create()/qfile_commit(); the request
 * comes over a socketpair; a fake bounce, defer and trace service (a
 * thread on private/{bounce,defer,trace}) records every request and
 * answers as told.  Checked: results, done marks, what the services saw,
 * refused requests, a missing file, content reading, and the reply of
 * an agent that forgot a recipient or gave up.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "attr.h"
#include "bounce_clnt.h"
#include "deliver_request.h"
#include "mail_proto.h"
#include "mail_queue.h"
#include "mymalloc.h"
#include "qfile.h"
#include "sock.h"
#include "test_main.h"
#include "test_tmpdir.h"

/* The fake services: bounce, defer, trace. */
#define FB_SVCS   3
#define FB_MAX    64
#define FB_CLIENT 16
static const char *const fb_name[FB_SVCS] = {"bounce", "defer", "trace"};
static int fb_answer[FB_SVCS];    /* status each one answers */
static char fb_seen[FB_MAX][600]; /* "svc req addr status action reason" */
static int fb_count;
static int fb_listen[FB_SVCS];
static volatile int fb_stop;
static pthread_t fb_thread;
static pthread_mutex_t fb_lock = PTHREAD_MUTEX_INITIALIZER;

/* fb_record - remember one request */
static void
fb_record(int svc, const ATTR_LIST *req)
{
    const char *f[5] = {MAIL_ATTR_REQ, DELIVER_ATTR_ADDR, BOUNCE_ATTR_STATUS,
                        BOUNCE_ATTR_ACTION, BOUNCE_ATTR_REASON};
    char *p;
    int i;

    pthread_mutex_lock(&fb_lock);
    if (fb_count < FB_MAX) {
        p = fb_seen[fb_count++];
        snprintf(p, 600, "%s", fb_name[svc]);
        for (i = 0; i < 5; i++)
            snprintf(p + strlen(p), 600 - strlen(p), " %s",
                     attr_get_str(req, f[i]) ? attr_get_str(req, f[i]) : "-");
    }
    pthread_mutex_unlock(&fb_lock);
}

/* fb_serve - one request from a client; -1 when it is gone */
static int
fb_serve(int svc, STREAM *st)
{
    ATTR_LIST *req = attr_list_create();
    STRBUF *why = strbuf_create(10);
    int ret = -1;

    if (attr_read(st, NULL, req, why) == ATTR_READ_OK) {
        fb_record(svc, req);
        ret = mail_reply(st, fb_answer[svc], "fake says no", NULL);
    }
    attr_list_free(req);
    strbuf_free(why);
    return ret;
}

/* fb_main - poll listeners and clients until told to stop */
static void *
fb_main(void *arg)
{
    struct pollfd pfd[FB_SVCS + FB_CLIENT];
    STREAM *cl[FB_CLIENT] = {0};
    int cl_svc[FB_CLIENT] = {0};
    int i, n, fd;

    (void) arg;
    while (!fb_stop) {
        for (i = 0; i < FB_SVCS; i++)
            pfd[i] = (struct pollfd){fb_listen[i], POLLIN, 0};
        for (i = 0; i < FB_CLIENT; i++)
            pfd[FB_SVCS + i] =
                (struct pollfd){cl[i] ? stream_fd(cl[i]) : -1, POLLIN, 0};
        if ((n = poll(pfd, FB_SVCS + FB_CLIENT, 50)) <= 0)
            continue;
        for (i = 0; i < FB_SVCS; i++)
            if (pfd[i].revents && (fd = sock_accept(fb_listen[i])) >= 0) {
                for (n = 0; n < FB_CLIENT && cl[n]; n++)
                    ;
                ck_assert_int_lt(n, FB_CLIENT);
                cl[n] = stream_fdopen(fd, O_RDWR);
                stream_set_timeout(cl[n], 5000);
                cl_svc[n] = i;
            }
        for (i = 0; i < FB_CLIENT; i++)
            if (cl[i] && pfd[FB_SVCS + i].revents &&
                fb_serve(cl_svc[i], cl[i]) < 0)
                cl[i] = (stream_close(cl[i]), NULL);
    }
    for (i = 0; i < FB_CLIENT; i++)
        if (cl[i])
            stream_close(cl[i]);
    return NULL;
}

/* fb_start - listen on the services named in mask (bit per service) */
static void
fb_start(int mask)
{
    char path[64];
    int i;

    (void) mkdir("private", 0700);
    for (i = 0; i < FB_SVCS; i++) {
        fb_listen[i] = -1;
        if (mask & (1 << i)) {
            snprintf(path, sizeof(path), "private/%s", fb_name[i]);
            fb_listen[i] = sock_unix_listen(path, 16, SOCK_FLAG_NONBLOCK);
            ck_assert_int_ge(fb_listen[i], 0);
        }
    }
    ck_assert_int_eq(pthread_create(&fb_thread, NULL, fb_main, NULL), 0);
}

/* fb_end - stop the thread; the requests seen, one a line */
static void
fb_end(STRBUF *out)
{
    int i;

    bounce_clnt_reset();
    fb_stop = 1;
    pthread_join(fb_thread, NULL);
    strbuf_reset(out);
    for (i = 0; i < fb_count; i++)
        strbuf_sprintf_cat(out, "%s\n", fb_seen[i]);
}

/* A message: its ID, recipient offsets, content offset and size. */
static char msg_id[MAIL_QUEUE_ID_MAX + 1];
static off_t msg_rcpt[3];
static long long msg_data, msg_size;

/* write_msg - a committed queue file in active/ with three recipients */
static void
write_msg(void)
{
    MAIL_QUEUE *mq = mail_queue_create(".", "deferred, defer", 1);
    STRBUF *why = strbuf_create(10);
    QFILE *qf;
    char big[250];
    off_t end;
    int i;

    ck_assert_int_eq(mkdir("active", 0700), 0);
    qf = qfile_create(mq, MAIL_QUEUE_ACTIVE, why);
    ck_assert_msg(qf != NULL, "%s", STR(why));
    snprintf(msg_id, sizeof(msg_id), "%s", qf->id);
    qfile_put_size(qf, 0, 0, 0);
    qfile_puts(qf, REC_TYPE_TIME, "1700000000 123456");
    qfile_puts(qf, REC_TYPE_FROM, "sender@example.com");
    for (i = 0; i < 3; i++)
        msg_rcpt[i] = qfile_puts(qf, REC_TYPE_RCPT, "r@example.org");
    qfile_put(qf, REC_TYPE_MESG, "", 0);
    msg_data = qf->offset;
    qfile_put_line(qf, "Subject: hi", 11, 100);
    qfile_put_line(qf, "", 0, 100);
    memset(big, 'x', sizeof(big));
    qfile_put_line(qf, big, sizeof(big), 100);
    end = qfile_put(qf, REC_TYPE_XTRA, "", 0);
    qfile_put(qf, REC_TYPE_END, "", 0);
    msg_size = end - msg_data;
    ck_assert_int_eq(qfile_set_size(qf, msg_data, msg_size, 3), 0);
    ck_assert_msg(qfile_commit(qf, NULL, why) == 0, "%s", STR(why));
    mail_queue_free(mq);
    strbuf_free(why);
}

/* marks - "RDR": the type byte of each recipient record now */
static const char *
marks(void)
{
    static char out[4];
    char path[64];
    int fd, i;

    snprintf(path, sizeof(path), "active/%s", msg_id);
    ck_assert_int_ge(fd = open(path, O_RDONLY), 0);
    for (i = 0; i < 3; i++)
        ck_assert_int_eq(pread(fd, out + i, 1, msg_rcpt[i]), 1);
    out[3] = 0;
    close(fd);
    return out;
}

/* head - the request frame, less drop, with set (a string) in place */
static void
head(ATTR_LIST *l, int flags, int count, const char *drop, const char *set,
     const char *value)
{
#define PUT_STR(n, v)                                                          \
    if (!drop || strcmp(drop, n))                                              \
    attr_put_str(l, n, set && !strcmp(set, n) ? value : (v))
#define PUT_NUM(n, v)                                                          \
    if ((!drop || strcmp(drop, n)) && (!set || strcmp(set, n)))                \
    attr_put_int(l, n, v)
#define PUT_LONG(n, v)                                                         \
    if ((!drop || strcmp(drop, n)) && (!set || strcmp(set, n)))                \
    attr_put_long(l, n, v)
    PUT_STR(MAIL_ATTR_REQ, DELIVER_REQ_DELIVER);
    PUT_NUM(DELIVER_ATTR_FLAGS, flags);
    PUT_STR(DELIVER_ATTR_QUEUE, MAIL_QUEUE_ACTIVE);
    PUT_STR(DELIVER_ATTR_ID, msg_id);
    PUT_LONG(DELIVER_ATTR_OFFSET, msg_data);
    PUT_LONG(DELIVER_ATTR_SIZE, msg_size);
    PUT_STR(DELIVER_ATTR_NEXTHOP, "5.1.1 no such user");
    PUT_STR(DELIVER_ATTR_SENDER, "sender@example.com");
    PUT_STR(DELIVER_ATTR_ENCODING, "");
    PUT_NUM(DELIVER_ATTR_SMTPUTF8, 0);
    PUT_STR(DELIVER_ATTR_ENVID, "");
    PUT_NUM(DELIVER_ATTR_RET, 0);
    PUT_LONG(DELIVER_ATTR_ARR_SEC, 1700000000);
    PUT_NUM(DELIVER_ATTR_ARR_USEC, 123456);
    PUT_LONG(DELIVER_ATTR_ACT_SEC, 1700000001);
    PUT_NUM(DELIVER_ATTR_ACT_USEC, 0);
    PUT_NUM(DELIVER_ATTR_RCPT_COUNT, (uint32_t) count);
    /* A numeric attribute named by set gets a string: a wrong type. */
    if (set && attr_get_str(l, set) == NULL && strcmp(set, "flags") != 0)
        attr_put_str(l, set, value);
    if (set && strcmp(set, "flags") == 0)
        attr_put_int(l, set, 0x10);
#undef PUT_STR
#undef PUT_NUM
#undef PUT_LONG
}

/* rcpt - one recipient frame */
static void
rcpt(ATTR_LIST *l, const char *addr, int notify, long long offset)
{
    attr_list_reset(l);
    attr_put_str(l, DELIVER_ATTR_ADDR, addr);
    attr_put_str(l, DELIVER_ATTR_ORIG, "");
    attr_put_str(l, DELIVER_ATTR_ORCPT, "");
    attr_put_int(l, DELIVER_ATTR_NOTIFY, (uint32_t) notify);
    attr_put_long(l, DELIVER_ATTR_RCPT_OFF, offset);
}

#define DR_TEST_LONG 2049 /* an address over the 2048 bound */

/* The two ends: qmgr's and the agent's. */
static STREAM *qmgr_end, *agent_end;

/* send_request - a valid request for the message's three recipients */
static void
send_request(int flags, const int *notify)
{
    ATTR_LIST *l = attr_list_create();
    char addr[32];
    int sv[2], i;

    ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    qmgr_end = stream_fdopen(sv[0], O_RDWR);
    agent_end = stream_fdopen(sv[1], O_RDWR);
    stream_set_timeout(qmgr_end, 5000);
    stream_set_timeout(agent_end, 5000);
    head(l, flags, 3, NULL, NULL, NULL);
    ck_assert_int_eq(attr_send(qmgr_end, l), 0);
    for (i = 0; i < 3; i++) {
        snprintf(addr, sizeof(addr), "r%d@example.org", i);
        rcpt(l, addr, notify ? notify[i] : 0, msg_rcpt[i]);
        ck_assert_int_eq(attr_send(qmgr_end, l), 0);
    }
    ck_assert_int_eq(stream_flush(qmgr_end), 0);
    attr_list_free(l);
}

/* get_reply - the agent's answer: status; results and reason copied */
static int
get_reply(char *results, size_t rlen, char *reason, size_t len)
{
    ATTR_LIST *l = attr_list_create();
    STRBUF *why = strbuf_create(10);
    uint32_t status = 99, dead = 99;

    ck_assert_int_eq(attr_read(qmgr_end, NULL, l, why), ATTR_READ_OK);
    ck_assert_int_eq(attr_get_int(l, MAIL_ATTR_STATUS, &status), 0);
    ck_assert_int_eq(attr_get_int(l, DELIVER_ATTR_DEAD, &dead), 0);
    ck_assert_ptr_nonnull(attr_get_str(l, MAIL_ATTR_REASON));
    snprintf(reason, len, "%s", attr_get_str(l, MAIL_ATTR_REASON));
    snprintf(results, rlen, "%s",
             attr_get_str(l, DELIVER_ATTR_RESULTS)
                 ? attr_get_str(l, DELIVER_ATTR_RESULTS)
                 : "(none)");
    attr_list_free(l);
    strbuf_free(why);
    return (int) status;
}

/* close_ends - both ends of the socketpair */
static void
close_ends(void)
{
    stream_close(qmgr_end);
    stream_close(agent_end);
}

/* Outcomes: what the agent does per recipient, and what must follow. */
struct outcome_case {
    const char *name;
    int flags;
    int listen;                /* services up: 1 bounce, 2 defer, 4 trace */
    int bounce_ans, trace_ans; /* their answers (MAIL_STAT_*) */
    const char *ops;           /* per recipient: s b d, or - for none */
    int notify[3];
    const char *want_results;
    const char *want_marks;
    const char *want_seen;
};

#define S           DSN_NOTIFY_SUCCESS
#define FAIL_REASON "4.3.0 delayed bounce or trace service failure"
static const struct outcome_case outcome_cases[] = {
    {"one of each",
     0,
     7,
     0,
     0,
     "sbd",
     {0, 0, 0},
     "SBD",
     "DDR",
     "bounce append r1@example.org 5.1.1 failed user unknown\n"
     "defer append r2@example.org 4.4.1 delayed no answer\n"},
    {"notify success",
     0,
     7,
     0,
     0,
     "sss",
     {S, 0, S | 4},
     "TST",
     "DDD",
     "trace append r0@example.org 2.0.0 delivered delivered ok\n"
     "trace append r2@example.org 2.0.0 delivered delivered ok\n"},
    {"expired",
     DEL_FLAG_EXPIRED,
     7,
     0,
     0,
     "ddd",
     {0, 0, 0},
     "BBB",
     "DDD",
     "bounce append r0@example.org 4.4.1 failed no answer\n"
     "bounce append r1@example.org 4.4.1 failed no answer\n"
     "bounce append r2@example.org 4.4.1 failed no answer\n"},
    {"bounce says retry",
     0,
     7,
     MAIL_STAT_RETRY,
     0,
     "bbs",
     {0, 0, 0},
     "DDS",
     "RRD",
     "bounce append r0@example.org 5.1.1 failed user unknown\n"
     "defer append r0@example.org " FAIL_REASON "\n"
     "bounce append r1@example.org 5.1.1 failed user unknown\n"
     "defer append r1@example.org " FAIL_REASON "\n"},
    {"trace says retry",
     0,
     7,
     0,
     MAIL_STAT_RETRY,
     "ss-",
     {S, 0, 0},
     "DSD",
     "RDR",
     "trace append r0@example.org 2.0.0 delivered delivered ok\n"
     "defer append r0@example.org " FAIL_REASON "\n"},
    {"no trace service",
     0,
     3,
     0,
     0,
     "sss",
     {S, 0, 0},
     "DSS",
     "RDD",
     "defer append r0@example.org " FAIL_REASON "\n"},
    {"no service at all", 0, 0, 0, 0, "bds", {0, 0, 0}, "DDS", "RRD", ""},
    {"forgotten recipient",
     0,
     7,
     0,
     0,
     "s-b",
     {0, 0, 0},
     "SDB",
     "DRD",
     "bounce append r2@example.org 5.1.1 failed user unknown\n"},
};
#undef S

static const DSN dsn_sent = {"2.0.0", NULL, "delivered ok",
                             NULL,    NULL, "local"};
static const DSN dsn_bounce = {"5.1.1", NULL, "user unknown", NULL, NULL, NULL};
static const DSN dsn_defer = {"4.4.1", NULL, "no answer", NULL, NULL, NULL};

START_TEST(test_outcomes)
{
    const struct outcome_case *oc = outcome_cases + _i;
    STRBUF *why = strbuf_create(10);
    DELIVER_REQUEST *req;
    STRBUF *seen = strbuf_create(100);
    char results[16], reason[100];
    size_t i;

    write_msg();
    fb_answer[0] = oc->bounce_ans;
    fb_answer[2] = oc->trace_ans;
    fb_start(oc->listen);
    send_request(oc->flags, oc->notify);
    req = deliver_request_read(agent_end, why);
    ck_assert_msg(req != NULL, "%s: %s", oc->name, STR(why));
    ck_assert_int_eq(req->rcpt_count, 3);
    ck_assert_str_eq(req->nexthop, "5.1.1 no such user");
    ck_assert_str_eq(req->sender, "sender@example.com");
    ck_assert_int_eq(req->rcpt[2].offset, msg_rcpt[2]);
    ck_assert_int_eq(req->arrival.tv_usec, 123456);
    for (i = 0; i < 3; i++) {
        if (oc->ops[i] == 's')
            deliver_sent(req, i, &dsn_sent);
        else if (oc->ops[i] == 'b')
            deliver_bounce(req, i, &dsn_bounce);
        else if (oc->ops[i] == 'd')
            deliver_defer(req, i, &dsn_defer);
    }
    ck_assert_int_eq(deliver_request_done(req, MAIL_STAT_OK, NULL), 0);
    ck_assert_int_eq(
        get_reply(results, sizeof(results), reason, sizeof(reason)),
        MAIL_STAT_OK);
    ck_assert_msg(strcmp(results, oc->want_results) == 0, "%s: results %s",
                  oc->name, results);
    ck_assert_msg(strcmp(marks(), oc->want_marks) == 0, "%s: marks %s",
                  oc->name, marks());
    fb_end(seen);
    ck_assert_msg(strcmp(STR(seen), oc->want_seen) == 0, "%s: seen:\n%s",
                  oc->name, STR(seen));
    close_ends();
    strbuf_free(why);
    strbuf_free(seen);
}
END_TEST

/* Requests the agent refuses with MAIL_STAT_BAD. */
struct bad_case {
    const char *name;
    const char *drop; /* leave out this attribute of the request frame */
    const char *set;  /* give this one the string value */
    const char *value;
    int count;       /* rcpt_count (0 means 0) */
    int rcpt_defect; /* 1 long address, 2 no offset, 3 no frame,
                        4 offset 0, 5 bad notify */
};

static const struct bad_case bad_cases[] = {
    {"unknown request", NULL, MAIL_ATTR_REQ, "send", 1, 0},
    {"no request", MAIL_ATTR_REQ, NULL, NULL, 1, 0},
    {"no queue_id", DELIVER_ATTR_ID, NULL, NULL, 1, 0},
    {"bad queue id", NULL, DELIVER_ATTR_ID, "../../etc/passwd", 1, 0},
    {"bad queue name", NULL, DELIVER_ATTR_QUEUE, "nowhere", 1, 0},
    {"bad flags", NULL, DELIVER_ATTR_FLAGS, NULL, 1, 0},
    {"wrong type", NULL, DELIVER_ATTR_RET, "0", 1, 0},
    {"unexpected attribute", NULL, "surprise", "x", 1, 0},
    {"bad encoding", NULL, DELIVER_ATTR_ENCODING, "base64", 1, 0},
    {"no recipients", NULL, NULL, NULL, 0, 0},
    {"too many recipients", NULL, NULL, NULL, DEL_MAX_RCPT + 1, 0},
    {"long address", NULL, NULL, NULL, 1, 1},
    {"recipient without offset", NULL, NULL, NULL, 1, 2},
    {"recipient frame missing", NULL, NULL, NULL, 2, 3},
    {"offset 0", NULL, NULL, NULL, 1, 4},
    {"bad notify", NULL, NULL, NULL, 1, 5},
};

/* bad_rcpt - the one recipient frame of a bad case */
static void
bad_rcpt(ATTR_LIST *l, int defect)
{
    char addr[DR_TEST_LONG + 1];

    memset(addr, 'a', DR_TEST_LONG);
    addr[DR_TEST_LONG] = 0;
    rcpt(l, defect == 1 ? addr : "r@example.org", defect == 5 ? 0x40 : 0,
         defect == 4 ? 0 : msg_rcpt[0]);
    if (defect == 2) {
        attr_list_reset(l);
        attr_put_str(l, DELIVER_ATTR_ADDR, "r@example.org");
        attr_put_str(l, DELIVER_ATTR_ORIG, "");
        attr_put_str(l, DELIVER_ATTR_ORCPT, "");
        attr_put_int(l, DELIVER_ATTR_NOTIFY, 0);
    }
}

START_TEST(test_bad_requests)
{
    const struct bad_case *bc = bad_cases + _i;
    ATTR_LIST *l = attr_list_create();
    STRBUF *why = strbuf_create(10);
    char results[16], reason[200];
    int sv[2];

    write_msg();
    ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    qmgr_end = stream_fdopen(sv[0], O_RDWR);
    agent_end = stream_fdopen(sv[1], O_RDWR);
    stream_set_timeout(agent_end, 5000);
    stream_set_timeout(qmgr_end, 5000);
    head(l, 0, bc->count, bc->drop, bc->set, bc->value);
    ck_assert_int_eq(attr_send(qmgr_end, l), 0);
    if (bc->count > 0 && bc->count <= DEL_MAX_RCPT) {
        bad_rcpt(l, bc->rcpt_defect);
        ck_assert_int_eq(attr_send(qmgr_end, l), 0);
    }
    ck_assert_int_eq(stream_flush(qmgr_end), 0);
    if (bc->rcpt_defect == 3)
        shutdown(sv[0], SHUT_WR);
    ck_assert_ptr_null(deliver_request_read(agent_end, why));
    ck_assert_msg(get_reply(results, sizeof(results), reason, sizeof(reason)) ==
                      MAIL_STAT_BAD,
                  "%s: not refused", bc->name);
    ck_assert_str_eq(results, "(none)");
    ck_assert_msg(*reason, "%s: no reason", bc->name);
    ck_assert_str_eq(marks(), "RRR");
    close_ends();
    attr_list_free(l);
    strbuf_free(why);
}
END_TEST

/* The queue file is gone: every recipient deferred, status OK. */
START_TEST(test_missing_file)
{
    STRBUF *why = strbuf_create(10);
    char results[16], reason[100], path[64];

    write_msg();
    snprintf(path, sizeof(path), "active/%s", msg_id);
    ck_assert_int_eq(unlink(path), 0);
    send_request(0, NULL);
    ck_assert_ptr_null(deliver_request_read(agent_end, why));
    ck_assert_int_eq(
        get_reply(results, sizeof(results), reason, sizeof(reason)),
        MAIL_STAT_OK);
    ck_assert_str_eq(results, "DDD");
    close_ends();
    strbuf_free(why);
}
END_TEST

/* Content: lines, a long one cut at the limit, the end, a rewind. */
START_TEST(test_content)
{
    STRBUF *why = strbuf_create(10);
    STRBUF *line = strbuf_create(10);
    DELIVER_REQUEST *req;
    char results[16], reason[100];

    write_msg();
    send_request(0, NULL);
    ck_assert_ptr_nonnull(req = deliver_request_read(agent_end, why));
    ck_assert_int_eq(deliver_content_line(req, line, 100, why), 1);
    ck_assert_str_eq(STR(line), "Subject: hi");
    ck_assert_int_eq(deliver_content_line(req, line, 100, why), 1);
    ck_assert_str_eq(STR(line), "");
    ck_assert_int_eq(deliver_content_line(req, line, 120, why), 1);
    ck_assert_int_eq(LEN(line), 120);
    ck_assert_int_eq(deliver_content_line(req, line, 100, why), 0);
    ck_assert_int_eq(deliver_content_line(req, line, 100, why), 0);
    ck_assert_int_eq(deliver_content_rewind(req, why), 0);
    ck_assert_int_eq(deliver_content_line(req, line, 100, why), 1);
    ck_assert_str_eq(STR(line), "Subject: hi");
    ck_assert_int_eq(deliver_content_line(req, line, 10, why), 1);
    ck_assert_int_eq(deliver_content_line(req, line, 1000, why), 1);
    ck_assert_int_eq(LEN(line), 250);
    /* An agent that gives up: its status and reason, no results. */
    ck_assert_int_eq(deliver_request_done(req, MAIL_STAT_RETRY, "gave up"), 0);
    ck_assert_int_eq(
        get_reply(results, sizeof(results), reason, sizeof(reason)),
        MAIL_STAT_RETRY);
    ck_assert_str_eq(results, "(none)");
    ck_assert_str_eq(reason, "gave up");
    ck_assert_str_eq(marks(), "RRR");
    close_ends();
    strbuf_free(why);
    strbuf_free(line);
}
END_TEST

/* End of input before a request: NULL, and no reply. */
START_TEST(test_eof)
{
    STRBUF *why = strbuf_create(10);
    int sv[2];

    ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    close(sv[0]);
    agent_end = stream_fdopen(sv[1], O_RDWR);
    ck_assert_ptr_null(deliver_request_read(agent_end, why));
    ck_assert_str_eq(STR(why), "end of input");
    stream_close(agent_end);
    strbuf_free(why);
}
END_TEST

static Suite *
deliver_request_suite(void)
{
    Suite *s = suite_create("deliver_request");
    TCase *tc = tcase_create("deliver_request");

    tcase_set_timeout(tc, 30);
    TMPDIR_FIXTURES(tc);
    tcase_add_loop_test(tc, test_outcomes, 0, NITEMS(outcome_cases));
    tcase_add_loop_test(tc, test_bad_requests, 0, NITEMS(bad_cases));
    tcase_add_test(tc, test_missing_file);
    tcase_add_test(tc, test_content);
    tcase_add_test(tc, test_eof);
    suite_add_tcase(s, tc);
    return s;
}

TEST_MAIN(deliver_request_suite)

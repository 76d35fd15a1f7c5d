/* test_mail_proto - Check suite for service paths, triggers and MAIL_CLNT. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "mail_proto.h"
#include "sock.h"
#include "test_main.h"
#include "test_tmpdir.h"

#define SERVICE "test"

/* msleep - sleep ms milliseconds */
static void
msleep(int ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

    while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
        /* void */;
}

/* make_dirs - the service classes under the test's folder */
static void
make_dirs(void)
{
    ck_assert_int_eq(mkdir(MAIL_CLASS_PRIVATE, 0700), 0);
    ck_assert_int_eq(mkdir(MAIL_CLASS_PUBLIC, 0700), 0);
}

/*
 * The test server answers one connection at a time.  Requests:
 *   echo     OK, value = the request's value, conns = connections so far
 *   bye      like echo, then close the connection
 *   fail     RETRY, reason "try later"
 *   drop     on a connection that already answered: close, no reply;
 *            otherwise like echo
 *   hangup   close without a reply, always
 *   nostatus a reply without a status
 *   garbage  bytes that are not a frame, then close
 *   stall    no reply, connection kept open
 */

/* server_answer - one request; 0 to go on, -1 to drop the connection */
static int
server_answer(STREAM *st, const ATTR_LIST *req, int conns, int served)
{
    const char *name = attr_get_str(req, MAIL_ATTR_REQ);
    const char *value = attr_get_str(req, "value");
    ATTR_LIST *extra = attr_list_create();
    int ret = 0;

    if (name == NULL || strcmp(name, "hangup") == 0 ||
        (strcmp(name, "drop") == 0 && served > 0)) {
        ret = -1;
    } else if (strcmp(name, "fail") == 0) {
        ret = mail_reply(st, MAIL_STAT_RETRY, "try later", NULL);
    } else if (strcmp(name, "nostatus") == 0) {
        attr_put_str(extra, "value", "x");
        ret = attr_write(st, extra);
    } else if (strcmp(name, "garbage") == 0) {
        (void) stream_write(st, "\377\377\377\377", 4);
        (void) stream_flush(st);
        ret = -1;
    } else if (strcmp(name, "stall") == 0) {
        msleep(3000);
    } else {
        attr_put_str(extra, "value", value ? value : "");
        attr_put_int(extra, "conns", (uint32_t) conns);
        ret = mail_reply(st, MAIL_STAT_OK, NULL, extra);
        if (strcmp(name, "bye") == 0)
            ret = -1;
    }
    attr_list_free(extra);
    return ret;
}

/* server_loop - the child: serve connections until killed */
static void
server_loop(int lfd)
{
    ATTR_LIST *req = attr_list_create();
    STRBUF *why = strbuf_create(0);
    STREAM *st;
    int conns, served, fd;

    /* Check's handlers would signal the test's whole process group. */
    signal(SIGTERM, SIG_DFL);
    signal(SIGALRM, SIG_DFL);
    alarm(30);
    for (conns = 1; conns < 100; conns++) {
        if ((fd = sock_accept(lfd)) < 0)
            _exit(1);
        st = stream_fdopen(fd, O_RDWR);
        stream_set_timeout(st, 10000);
        for (served = 0; attr_read(st, NULL, req, why) == ATTR_READ_OK;
             served++) {
            if (server_answer(st, req, conns, served) < 0)
                break;
        }
        stream_close(st);
    }
    _exit(0);
}

/* server_start - listen on private/test, fork the server */
static pid_t
server_start(void)
{
    int lfd;
    pid_t pid;

    make_dirs();
    ck_assert_int_ge(
        lfd = sock_unix_listen(MAIL_CLASS_PRIVATE "/" SERVICE, 16, 0), 0);
    ck_assert_int_ge(pid = fork(), 0);
    if (pid == 0)
        server_loop(lfd);
    close(lfd);
    return pid;
}

/* server_stop - end the server we started */
static void
server_stop(pid_t pid)
{
    int status;

    kill(pid, SIGKILL);
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
}

/* request - send a request by name; returns the status, reply filled in */
static int
request(MAIL_CLNT *clnt, const char *name, ATTR_LIST *reply, STRBUF *why)
{
    ATTR_LIST *req = attr_list_create();
    int status;

    attr_put_str(req, MAIL_ATTR_REQ, name);
    attr_put_str(req, "value", name);
    strbuf_reset(why);
    status = mail_clnt_request(clnt, req, reply, why);
    attr_list_free(req);
    return status;
}

/* conns_of - the server's connection count in an echo reply */
static int
conns_of(const ATTR_LIST *reply)
{
    uint32_t conns = 0;

    ck_assert_int_eq(attr_get_int(reply, "conns", &conns), 0);
    return (int) conns;
}

/* A client with the test's limits, and the buffers every test uses. */
struct clnt_fixture {
    pid_t pid;
    MAIL_CLNT *clnt;
    ATTR_LIST *reply;
    STRBUF *why;
};

static void
fixture_open(struct clnt_fixture *f, int timeout_ms, int idle_s, int ttl_s)
{
    f->pid = server_start();
    f->clnt = mail_clnt_create(tmpdir_here, MAIL_CLASS_PRIVATE, SERVICE,
                               timeout_ms, idle_s, ttl_s);
    f->reply = attr_list_create();
    f->why = strbuf_create(0);
}

static void
fixture_close(struct clnt_fixture *f)
{
    ck_assert_ptr_null(mail_clnt_free(f->clnt));
    server_stop(f->pid);
    attr_list_free(f->reply);
    strbuf_free(f->why);
}

/* Service paths, relative and absolute. */
START_TEST(test_service_path)
{
    STRBUF *out = strbuf_create(0);

    strbuf_strcpy(out, "old");
    ck_assert_str_eq(STR(mail_service_path(out, NULL, MAIL_CLASS_PRIVATE,
                                           MAIL_SERVICE_ANVIL)),
                     "private/anvil");
    ck_assert_str_eq(
        STR(mail_service_path(out, "/var/spool/postern", MAIL_CLASS_PUBLIC,
                              MAIL_SERVICE_PICKUP)),
        "/var/spool/postern/public/pickup");
    strbuf_free(out);
}
END_TEST

START_TEST(test_service_path_panic)
{
    (void) mail_service_path(strbuf_create(0), NULL, "private", "../x");
}
END_TEST

/* Request and reply; status and reason; reuse of one connection. */
START_TEST(test_request_reply)
{
    struct clnt_fixture f;

    fixture_open(&f, 5000, 0, 0);
    ck_assert_int_eq(request(f.clnt, "echo", f.reply, f.why), MAIL_STAT_OK);
    ck_assert_str_eq(attr_get_str(f.reply, "value"), "echo");
    ck_assert_ptr_null(attr_get_str(f.reply, MAIL_ATTR_REASON));
    ck_assert_int_eq(conns_of(f.reply), 1);
    ck_assert_int_eq(request(f.clnt, "fail", f.reply, f.why), MAIL_STAT_RETRY);
    ck_assert_str_eq(attr_get_str(f.reply, MAIL_ATTR_REASON), "try later");
    ck_assert_int_eq(request(f.clnt, "echo", f.reply, f.why), MAIL_STAT_OK);
    ck_assert_int_eq(conns_of(f.reply), 1);
    fixture_close(&f);
}
END_TEST

/* The server closes a used connection: one transparent reconnect. */
START_TEST(test_reconnect)
{
    struct clnt_fixture f;

    fixture_open(&f, 5000, 0, 0);
    ck_assert_int_eq(request(f.clnt, "echo", f.reply, f.why), MAIL_STAT_OK);
    ck_assert_int_eq(conns_of(f.reply), 1);
    /* Closed after reading the request: EOF at the reply's first byte. */
    ck_assert_int_eq(request(f.clnt, "drop", f.reply, f.why), MAIL_STAT_OK);
    ck_assert_int_eq(conns_of(f.reply), 2);
    /* Closed while idle, before the next request: the write fails. */
    ck_assert_int_eq(request(f.clnt, "bye", f.reply, f.why), MAIL_STAT_OK);
    ck_assert_int_eq(conns_of(f.reply), 2);
    msleep(100);
    ck_assert_int_eq(request(f.clnt, "echo", f.reply, f.why), MAIL_STAT_OK);
    ck_assert_int_eq(conns_of(f.reply), 3);
    ck_assert_int_eq(request(f.clnt, "echo", f.reply, f.why), MAIL_STAT_OK);
    ck_assert_int_eq(conns_of(f.reply), 3);
    fixture_close(&f);
}
END_TEST

/* A server that always hangs up: one retry on a used connection, no more. */
START_TEST(test_reconnect_once)
{
    struct clnt_fixture f;

    fixture_open(&f, 5000, 0, 0);
    ck_assert_int_eq(request(f.clnt, "hangup", f.reply, f.why), -1);
    ck_assert_str_eq(STR(f.why), "read from private/test: connection closed "
                                 "before the reply");
    ck_assert_uint_eq(attr_list_count(f.reply), 0);
    ck_assert_int_eq(request(f.clnt, "echo", f.reply, f.why), MAIL_STAT_OK);
    ck_assert_int_eq(conns_of(f.reply), 2);
    ck_assert_int_eq(request(f.clnt, "hangup", f.reply, f.why), -1);
    ck_assert_int_eq(request(f.clnt, "echo", f.reply, f.why), MAIL_STAT_OK);
    ck_assert_int_eq(conns_of(f.reply), 4);
    fixture_close(&f);
}
END_TEST

/* Malformed replies: no retry, the connection is dropped. */
START_TEST(test_malformed_reply)
{
    struct clnt_fixture f;

    fixture_open(&f, 5000, 0, 0);
    ck_assert_int_eq(request(f.clnt, "echo", f.reply, f.why), MAIL_STAT_OK);
    ck_assert_int_eq(request(f.clnt, "nostatus", f.reply, f.why), -1);
    ck_assert_str_eq(STR(f.why), "private/test: malformed reply: no status "
                                 "number");
    ck_assert_int_eq(request(f.clnt, "garbage", f.reply, f.why), -1);
    ck_assert_ptr_nonnull(strstr(STR(f.why), "exceeds the limit"));
    ck_assert_int_eq(request(f.clnt, "echo", f.reply, f.why), MAIL_STAT_OK);
    ck_assert_int_eq(conns_of(f.reply), 3);
    fixture_close(&f);
}
END_TEST

/* A server that does not answer in time. */
START_TEST(test_timeout)
{
    struct clnt_fixture f;

    fixture_open(&f, 300, 0, 0);
    ck_assert_int_eq(request(f.clnt, "stall", f.reply, f.why), -1);
    ck_assert_ptr_nonnull(strstr(STR(f.why), "timeout"));
    fixture_close(&f);
}
END_TEST

/* A connection unused for idle_s is closed before the next request. */
START_TEST(test_idle)
{
    struct clnt_fixture f;

    fixture_open(&f, 5000, 1, 0);
    ck_assert_int_eq(request(f.clnt, "echo", f.reply, f.why), MAIL_STAT_OK);
    msleep(300);
    ck_assert_int_eq(request(f.clnt, "echo", f.reply, f.why), MAIL_STAT_OK);
    ck_assert_int_eq(conns_of(f.reply), 1);
    msleep(1100);
    ck_assert_int_eq(request(f.clnt, "echo", f.reply, f.why), MAIL_STAT_OK);
    ck_assert_int_eq(conns_of(f.reply), 2);
    fixture_close(&f);
}
END_TEST

/* A connection open for ttl_s is closed even when busy. */
START_TEST(test_ttl)
{
    struct clnt_fixture f;

    fixture_open(&f, 5000, 0, 1);
    ck_assert_int_eq(request(f.clnt, "echo", f.reply, f.why), MAIL_STAT_OK);
    msleep(300);
    ck_assert_int_eq(request(f.clnt, "echo", f.reply, f.why), MAIL_STAT_OK);
    ck_assert_int_eq(conns_of(f.reply), 1);
    msleep(900);
    ck_assert_int_eq(request(f.clnt, "echo", f.reply, f.why), MAIL_STAT_OK);
    ck_assert_int_eq(conns_of(f.reply), 2);
    fixture_close(&f);
}
END_TEST

/* No service: -1 and a reason; mail_connect says ENOENT. */
START_TEST(test_unreachable)
{
    MAIL_CLNT *clnt;
    ATTR_LIST *reply = attr_list_create();
    STRBUF *why = strbuf_create(0);

    make_dirs();
    clnt = mail_clnt_create(NULL, MAIL_CLASS_PRIVATE, "none", 1000, 5, 100);
    ck_assert_int_eq(request(clnt, "echo", reply, why), -1);
    ck_assert_str_eq(STR(why), "connect to private/none: No such file or "
                               "directory");
    errno = 0;
    ck_assert_ptr_null(mail_connect(tmpdir_here, "private", "none", 1000));
    ck_assert_int_eq(errno, ENOENT);
    mail_clnt_free(clnt);
    attr_list_free(reply);
    strbuf_free(why);
}
END_TEST

/* mail_connect gives a stream with the deadline set. */
START_TEST(test_connect)
{
    pid_t pid = server_start();
    STREAM *st = mail_connect(NULL, MAIL_CLASS_PRIVATE, SERVICE, 2000);
    ATTR_LIST *list = attr_list_create();
    STRBUF *why = strbuf_create(0);

    ck_assert_ptr_nonnull(st);
    attr_put_str(list, MAIL_ATTR_REQ, "echo");
    ck_assert_int_eq(attr_write(st, list), 0);
    ck_assert_int_eq(attr_read(st, NULL, list, why), ATTR_READ_OK);
    ck_assert_int_eq(conns_of(list), 1);
    ck_assert_int_eq(stream_close(st), 0);
    server_stop(pid);
    attr_list_free(list);
    strbuf_free(why);
}
END_TEST

/* reply_of - what mail_reply wrote, read back over a socketpair */
static void
reply_of(int status, const char *reason, ATTR_LIST *extra, ATTR_LIST *out)
{
    STRBUF *why = strbuf_create(0);
    STREAM *w, *r;
    int fds[2];

    ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, fds), 0);
    w = stream_fdopen(fds[0], O_RDWR);
    r = stream_fdopen(fds[1], O_RDWR);
    stream_set_timeout(r, 2000);
    ck_assert_int_eq(mail_reply(w, status, reason, extra), 0);
    ck_assert_int_eq(attr_read(r, NULL, out, why), ATTR_READ_OK);
    stream_close(w);
    stream_close(r);
    strbuf_free(why);
}

START_TEST(test_reply)
{
    ATTR_LIST *out = attr_list_create();
    ATTR_LIST *extra = attr_list_create();
    uint32_t status;

    reply_of(MAIL_STAT_OK, "ignored", NULL, out);
    ck_assert_int_eq(attr_get_int(out, MAIL_ATTR_STATUS, &status), 0);
    ck_assert_uint_eq(status, MAIL_STAT_OK);
    ck_assert_uint_eq(attr_list_count(out), 1);
    attr_put_str(extra, PROXY_ATTR_VALUE, "v");
    reply_of(MAIL_STAT_DENY, "not allowed", extra, out);
    ck_assert_int_eq(attr_get_int(out, MAIL_ATTR_STATUS, &status), 0);
    ck_assert_uint_eq(status, MAIL_STAT_DENY);
    ck_assert_str_eq(attr_get_str(out, MAIL_ATTR_REASON), "not allowed");
    ck_assert_str_eq(attr_get_str(out, PROXY_ATTR_VALUE), "v");
    ck_assert_uint_eq(attr_list_count(out), 3);
    reply_of(MAIL_STAT_RETRY, NULL, NULL, out);
    ck_assert_str_eq(attr_get_str(out, MAIL_ATTR_REASON), "unknown error");
    attr_list_free(out);
    attr_list_free(extra);
}
END_TEST

/* A trigger into a FIFO that someone reads. */
START_TEST(test_trigger_fifo)
{
    char buf[4];
    int fd;

    make_dirs();
    ck_assert_int_eq(mkfifo("public/pickup", 0600), 0);
    ck_assert_int_ge(fd = open("public/pickup", O_RDONLY | O_NONBLOCK), 0);
    ck_assert_int_eq(mail_trigger(tmpdir_here, MAIL_CLASS_PUBLIC,
                                  MAIL_SERVICE_PICKUP, "W", 1, 1000),
                     0);
    ck_assert_int_eq(mail_trigger(NULL, MAIL_CLASS_PUBLIC, MAIL_SERVICE_PICKUP,
                                  "SF", 2, 1000),
                     0);
    ck_assert_int_eq(read(fd, buf, sizeof(buf)), 3);
    ck_assert(memcmp(buf, "WSF", 3) == 0);
    close(fd);
    /* Nobody reads it now: refused at once, not a hang. */
    errno = 0;
    ck_assert_int_eq(mail_trigger(NULL, MAIL_CLASS_PUBLIC, MAIL_SERVICE_PICKUP,
                                  "W", 1, 1000),
                     -1);
    ck_assert_int_eq(errno, ENXIO);
}
END_TEST

/* A trigger into a UNIX socket: connect, write, close. */
START_TEST(test_trigger_socket)
{
    char buf[4];
    int lfd, fd;

    make_dirs();
    ck_assert_int_ge(lfd = sock_unix_listen("public/qmgr", 4, 0), 0);
    ck_assert_int_eq(
        mail_trigger(NULL, MAIL_CLASS_PUBLIC, MAIL_SERVICE_QMGR, "F", 1, 1000),
        0);
    ck_assert_int_ge(fd = sock_accept(lfd), 0);
    ck_assert_int_eq(read(fd, buf, sizeof(buf)), 1);
    ck_assert_int_eq(buf[0], TRIGGER_REQ_FLUSH);
    ck_assert_int_eq(read(fd, buf, sizeof(buf)), 0);
    close(fd);
    close(lfd);
}
END_TEST

/* Triggers to nothing, or to something that is not an endpoint. */
START_TEST(test_trigger_errors)
{
    int fd;

    make_dirs();
    errno = 0;
    ck_assert_int_eq(mail_trigger(NULL, "public", "none", "W", 1, 1000), -1);
    ck_assert_int_eq(errno, ENOENT);
    ck_assert_int_ge(fd = open("public/file", O_WRONLY | O_CREAT, 0600), 0);
    close(fd);
    errno = 0;
    ck_assert_int_eq(mail_trigger(NULL, "public", "file", "W", 1, 1000), -1);
    ck_assert_int_eq(errno, ENOTSOCK);
    /* A socket nobody listens on any more. */
    ck_assert_int_ge(fd = sock_unix_listen("public/gone", 4, 0), 0);
    close(fd);
    ck_assert_int_eq(mail_trigger(NULL, "public", "gone", "W", 1, 1000), -1);
    ck_assert_int_eq(errno, ECONNREFUSED);
}
END_TEST

static Suite *
mail_proto_suite(void)
{
    Suite *s = suite_create("mail_proto");
    TCase *tc = tcase_create("clnt");
    TCase *tt = tcase_create("trigger");

    TMPDIR_FIXTURES(tc);
    tcase_set_timeout(tc, 20);
    tcase_add_test(tc, test_service_path);
    tcase_add_test_raise_signal(tc, test_service_path_panic, SIGABRT);
    tcase_add_test(tc, test_request_reply);
    tcase_add_test(tc, test_reconnect);
    tcase_add_test(tc, test_reconnect_once);
    tcase_add_test(tc, test_malformed_reply);
    tcase_add_test(tc, test_timeout);
    tcase_add_test(tc, test_idle);
    tcase_add_test(tc, test_ttl);
    tcase_add_test(tc, test_unreachable);
    tcase_add_test(tc, test_connect);
    tcase_add_test(tc, test_reply);
    suite_add_tcase(s, tc);

    TMPDIR_FIXTURES(tt);
    tcase_add_test(tt, test_trigger_fifo);
    tcase_add_test(tt, test_trigger_socket);
    tcase_add_test(tt, test_trigger_errors);
    suite_add_tcase(s, tt);
    return s;
}

TEST_MAIN(mail_proto_suite)

/*
 * test_trigger_server - Check suite for the trigger skeleton (FIFO and
 * UNIX socket) and the datagram skeleton.
 */
#include <sys/stat.h>

#include "mail_server.h"
#include "msg.h"
#include "test_main.h"
#include "test_server.h"

/* The longest text a report quotes. */
#define QUOTE_MAX 20

/* The child's callbacks: reports go to SKEL_REPORT_FD. */

/* report_bytes - "WHAT LEN TEXT", the text cut at QUOTE_MAX */
static void
report_bytes(const char *what, const char *buf, size_t len)
{
    if (buf[len] != 0)
        skel_report("%s: not NUL-terminated", what);
    skel_report("%s %zu %.*s", what, len,
                (int) (len < QUOTE_MAX ? len : QUOTE_MAX), buf);
}

/* trigger_service - report the trigger */
static void
trigger_service(const char *buf, size_t len, const char *service, char **argv)
{
    (void) service;
    (void) argv;
    report_bytes("trigger", buf, len);
}

/* dgram_service - report the datagram */
static void
dgram_service(const char *buf, size_t len, const char *service, char **argv)
{
    (void) service;
    (void) argv;
    report_bytes("dgram", buf, len);
}

/* post_init - report */
static void
post_init(const char *service, char **argv)
{
    (void) service;
    (void) argv;
    skel_report("post_init");
}

/* exit_fn - report */
static void
exit_fn(void)
{
    skel_report("exit");
}

/* run_trigger - the child's main */
static void
run_trigger(int argc, char **argv)
{
    trigger_server_main(argc, argv, trigger_service, MAIL_SERVER_POST_INIT,
                        post_init, MAIL_SERVER_EXIT, exit_fn, 0);
}

/* run_dgram - the child's main */
static void
run_dgram(int argc, char **argv)
{
    dgram_server_main(argc, argv, dgram_service, MAIL_SERVER_POST_INIT,
                      post_init, MAIL_SERVER_EXIT, exit_fn, 0);
}

/* batch_end - report */
static void
batch_end(void)
{
    skel_report("batch");
}

/* run_dgram_batch - the child's main, with BATCH_END */
static void
run_dgram_batch(int argc, char **argv)
{
    dgram_server_main(argc, argv, dgram_service, MAIL_SERVER_POST_INIT,
                      post_init, MAIL_SERVER_BATCH_END, batch_end, 0);
}

/* start_fifo - a FIFO opened read-write (as master does), the child */
static void
start_fifo(SKEL *sk, const char *main_cf)
{
    int fd;

    ck_assert_int_eq(mkfifo("fifo", 0600), 0);
    ck_assert_int_ge(fd = open("fifo", O_RDWR | O_NONBLOCK), 0);
    skel_main_cf(main_cf);
    skel_start(sk, run_trigger, fd, 0, "-n", "pickup", "-t", "fifo", NULL);
    close(fd);
    ck_assert_int_eq(skel_await_report(sk, "post_init", 3000), 0);
}

/* start_unix - a listening UNIX socket, the child */
static void
start_unix(SKEL *sk, const char *main_cf)
{
    int fd = skel_listen();

    skel_main_cf(main_cf);
    skel_start(sk, run_trigger, fd, 0, "-n", "qmgr", "-t", "unix", NULL);
    close(fd);
    ck_assert_int_eq(skel_await_report(sk, "post_init", 3000), 0);
}

/* fifo_write - what a trigger client does */
static void
fifo_write(const char *data, size_t len)
{
    int fd = open("fifo", O_WRONLY | O_NONBLOCK);

    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(write(fd, data, len), (ssize_t) len);
    close(fd);
}

/* expect - the next report is want */
static void
expect(SKEL *sk, const char *want)
{
    STRBUF *line = strbuf_create(100);

    ck_assert_int_eq(skel_report_line(sk, line, 3000), 0);
    ck_assert_str_eq(STR(line), want);
    strbuf_free(line);
}

/* Each read of the FIFO is a trigger, between TAKEN and AVAIL. */
START_TEST(test_fifo)
{
    SKEL sk;

    start_fifo(&sk, NULL);
    fifo_write("W", 1);
    expect(&sk, "trigger 1 W");
    ck_assert_int_eq(skel_status(&sk, 1000), MASTER_STAT_TAKEN);
    ck_assert_int_eq(skel_status(&sk, 1000), MASTER_STAT_AVAIL);
    fifo_write("abc", 3);
    expect(&sk, "trigger 3 abc");
    ck_assert_int_eq(skel_status(&sk, 1000), MASTER_STAT_TAKEN);
    ck_assert_int_eq(skel_status(&sk, 1000), MASTER_STAT_AVAIL);
    skel_stop(&sk);
}
END_TEST

/* A trigger is at most MAIL_SERVER_TRIGGER_MAX bytes. */
START_TEST(test_fifo_limit)
{
    char data[1500];
    SKEL sk;

    memset(data, 'x', sizeof(data));
    start_fifo(&sk, NULL);
    fifo_write(data, sizeof(data));
    expect(&sk, "trigger 1024 xxxxxxxxxxxxxxxxxxxx");
    expect(&sk, "trigger 476 xxxxxxxxxxxxxxxxxxxx");
    skel_stop(&sk);
}
END_TEST

/* max_use counts triggers. */
START_TEST(test_fifo_max_use)
{
    SKEL sk;

    start_fifo(&sk, "max_use = 2\n");
    fifo_write("1", 1);
    expect(&sk, "trigger 1 1");
    ck_assert_int_eq(skel_wait(&sk, 300), -1);
    fifo_write("2", 1);
    expect(&sk, "trigger 1 2");
    skel_exit_ok(&sk, 1500);
    expect(&sk, "exit");
    skel_stop(&sk);
}
END_TEST

/* Exits: retired (0), SIGTERM (1), max_idle (2). */
START_TEST(test_fifo_exits)
{
    long long start_ms;
    SKEL sk;

    start_fifo(&sk, _i == 2 ? "max_idle = 1s\n" : NULL);
    start_ms = skel_now();
    if (_i == 0)
        skel_retire(&sk);
    else if (_i == 1)
        ck_assert_int_eq(kill(sk.pid, SIGTERM), 0);
    skel_exit_ok(&sk, _i == 2 ? 3000 : 1000);
    if (_i == 2)
        ck_assert_int_ge(skel_now() - start_ms, 500);
    expect(&sk, "exit");
    skel_stop(&sk);
}
END_TEST

/* The FIFO must be open read-write, or it would report EOF forever. */
START_TEST(test_fifo_not_rdwr)
{
    STRBUF *buf = strbuf_create(100);
    int status;
    int fd;
    SKEL sk;

    ck_assert_int_eq(mkfifo("fifo", 0600), 0);
    ck_assert_int_ge(fd = open("fifo", O_RDONLY | O_NONBLOCK), 0);
    skel_main_cf(NULL);
    skel_start(&sk, run_trigger, fd, 0, "-n", "pickup", "-t", "fifo", NULL);
    close(fd);
    status = skel_wait(&sk, 3000);
    ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 1);
    ck_assert_ptr_nonnull(strstr(STR(skel_file("stderr", buf)),
                                 "FIFO descriptor 6 is not open read-write"));
    skel_stop(&sk);
    strbuf_free(buf);
}
END_TEST

/* unix_trigger - send bytes over a connection; the service reports them */
static void
unix_trigger(SKEL *sk, const char *bytes)
{
    STREAM *client = skel_connect();
    char want[100];

    ck_assert_int_eq(stream_puts(client, bytes), 0);
    stream_close(client);
    snprintf(want, sizeof(want), "trigger %zu %s", strlen(bytes), bytes);
    expect(sk, want);
}

/* A UNIX socket trigger: the bytes a connection sends before it closes. */
START_TEST(test_unix)
{
    STREAM *client;
    SKEL sk;

    start_unix(&sk, NULL);
    /* A connection that sends nothing is no trigger. */
    client = skel_connect();
    stream_close(client);
    unix_trigger(&sk, "xyz");
    ck_assert_int_eq(skel_status(&sk, 1000), MASTER_STAT_TAKEN);
    ck_assert_int_eq(skel_status(&sk, 1000), MASTER_STAT_AVAIL);
    skel_stop(&sk);
}
END_TEST

/*
 * One TAKEN for triggers that keep coming, one AVAIL once they stop
 * (MAIL_SERVER_QUIET_MS, 250 ms): not a report pair per trigger, which
 * woke master twice for each message qmgr was told about.
 */
START_TEST(test_unix_reports)
{
    SKEL sk;

    start_unix(&sk, NULL);
    unix_trigger(&sk, "a");
    unix_trigger(&sk, "b");
    unix_trigger(&sk, "c");
    ck_assert_int_eq(skel_status(&sk, 1000), MASTER_STAT_TAKEN);
    ck_assert_int_eq(skel_status(&sk, 2000), MASTER_STAT_AVAIL);
    ck_assert_int_eq(skel_status(&sk, 400), -1);
    /* After the quiet time, the next trigger is a new TAKEN. */
    unix_trigger(&sk, "d");
    ck_assert_int_eq(skel_status(&sk, 1000), MASTER_STAT_TAKEN);
    ck_assert_int_eq(skel_status(&sk, 2000), MASTER_STAT_AVAIL);
    skel_stop(&sk);
}
END_TEST

/* A connection that stays open: its bytes after a second, or at the limit. */
START_TEST(test_unix_open)
{
    char data[1500];
    STREAM *client;
    long long start_ms;
    long long took;
    SKEL sk;

    memset(data, 'y', sizeof(data));
    start_unix(&sk, NULL);
    client = skel_connect();
    start_ms = skel_now();
    if (_i == 0) {
        ck_assert_int_eq(stream_puts(client, "S"), 0);
        ck_assert_int_eq(stream_flush(client), 0);
        expect(&sk, "trigger 1 S");
    } else {
        ck_assert_int_eq(stream_write(client, data, sizeof(data)), 0);
        ck_assert_int_eq(stream_flush(client), 0);
        expect(&sk, "trigger 1024 yyyyyyyyyyyyyyyyyyyy");
    }
    took = skel_now() - start_ms;
    if (_i == 0)
        ck_assert_msg(took >= 900 && took < 2500, "after %lld ms", took);
    else
        ck_assert_msg(took < 900, "after %lld ms", took);
    stream_close(client);
    skel_stop(&sk);
}
END_TEST

/* A trigger server takes fifo and unix only. */
START_TEST(test_bad_type)
{
    STRBUF *buf = strbuf_create(100);
    int status;
    int fd = skel_listen();
    SKEL sk;

    skel_main_cf(NULL);
    skel_start(&sk, run_trigger, fd, 0, "-n", "x", "-t", "inet", NULL);
    close(fd);
    status = skel_wait(&sk, 3000);
    ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 1);
    ck_assert_ptr_nonnull(strstr(STR(skel_file("stderr", buf)),
                                 "type inet: trigger_server serves only fifo "
                                 "unix"));
    skel_stop(&sk);
    strbuf_free(buf);
}
END_TEST

/* start_dgram - a bound datagram socket, the child; returns the sender */
static int
start_dgram_fn(SKEL *sk, SKEL_MAIN_FN fn, const char *main_cf)
{
    struct sockaddr_un sun;
    int fd;
    int out;

    memset(&sun, 0, sizeof(sun));
    sun.sun_family = AF_UNIX;
    strcpy(sun.sun_path, "dgram");
    ck_assert_int_ge(fd = socket(AF_UNIX, SOCK_DGRAM, 0), 0);
    ck_assert_int_eq(bind(fd, (struct sockaddr *) &sun, sizeof(sun)), 0);
    skel_main_cf(main_cf);
    skel_start(sk, fn, fd, 0, "-n", "postlog", "-t", "unix-dgram", NULL);
    close(fd);
    ck_assert_int_eq(skel_await_report(sk, "post_init", 3000), 0);
    ck_assert_int_ge(out = socket(AF_UNIX, SOCK_DGRAM, 0), 0);
    ck_assert_int_eq(connect(out, (struct sockaddr *) &sun, sizeof(sun)), 0);
    return out;
}

/* start_dgram - start_dgram_fn() with run_dgram */
static int
start_dgram(SKEL *sk, const char *main_cf)
{
    return start_dgram_fn(sk, run_dgram, main_cf);
}

/* Datagrams waiting together are one batch: a call each, then BATCH_END. */
START_TEST(test_dgram_batch_end)
{
    SKEL sk;
    int out;

    out = start_dgram_fn(&sk, run_dgram_batch, NULL);
    ck_assert_int_eq(kill(sk.pid, SIGSTOP), 0);
    ck_assert_int_eq(send(out, "a", 1, 0), 1);
    ck_assert_int_eq(send(out, "b", 1, 0), 1);
    ck_assert_int_eq(send(out, "c", 1, 0), 1);
    ck_assert_int_eq(kill(sk.pid, SIGCONT), 0);
    expect(&sk, "dgram 1 a");
    expect(&sk, "dgram 1 b");
    expect(&sk, "dgram 1 c");
    expect(&sk, "batch");
    ck_assert_int_eq(send(out, "d", 1, 0), 1);
    expect(&sk, "dgram 1 d");
    expect(&sk, "batch");
    close(out);
    skel_stop(&sk);
}
END_TEST

/* Each datagram is one call; an oversized one is dropped with a warning. */
START_TEST(test_dgram)
{
    static char big[MAIL_SERVER_DGRAM_MAX + 10];
    STRBUF *buf = strbuf_create(100);
    SKEL sk;
    int out;

    out = start_dgram(&sk, NULL);
    ck_assert_int_eq(send(out, "one", 3, 0), 3);
    expect(&sk, "dgram 3 one");
    ck_assert_int_eq(skel_status(&sk, 1000), MASTER_STAT_TAKEN);
    ck_assert_int_eq(skel_status(&sk, 1000), MASTER_STAT_AVAIL);
    memset(big, 'z', sizeof(big));
    ck_assert_int_eq(send(out, big, sizeof(big), 0), (ssize_t) sizeof(big));
    ck_assert_int_eq(send(out, "two", 3, 0), 3);
    expect(&sk, "dgram 3 two");
    ck_assert_int_eq(send(out, big, MAIL_SERVER_DGRAM_MAX, 0),
                     MAIL_SERVER_DGRAM_MAX);
    expect(&sk, "dgram 65536 zzzzzzzzzzzzzzzzzzzz");
    ck_assert_int_eq(kill(sk.pid, SIGTERM), 0);
    skel_exit_ok(&sk, 1000);
    ck_assert_int_eq(skel_count(STR(skel_logs(&sk, buf)),
                                "warning: service postlog: datagram of 65546 "
                                "bytes is longer than 65536; dropped"),
                     1);
    close(out);
    skel_stop(&sk);
    strbuf_free(buf);
}
END_TEST

/*
 * One TAKEN for datagrams that keep coming, one AVAIL once they stop
 * (MAIL_SERVER_QUIET_MS, 250 ms): not a report pair per datagram.
 */
START_TEST(test_dgram_reports)
{
    SKEL sk;
    int out;

    out = start_dgram(&sk, NULL);
    ck_assert_int_eq(send(out, "a", 1, 0), 1);
    expect(&sk, "dgram 1 a");
    ck_assert_int_eq(send(out, "b", 1, 0), 1);
    expect(&sk, "dgram 1 b");
    ck_assert_int_eq(send(out, "c", 1, 0), 1);
    expect(&sk, "dgram 1 c");
    ck_assert_int_eq(skel_status(&sk, 1000), MASTER_STAT_TAKEN);
    ck_assert_int_eq(skel_status(&sk, 2000), MASTER_STAT_AVAIL);
    ck_assert_int_eq(skel_status(&sk, 400), -1);
    /* After the quiet time, the next datagram is a new TAKEN. */
    ck_assert_int_eq(send(out, "d", 1, 0), 1);
    expect(&sk, "dgram 1 d");
    ck_assert_int_eq(skel_status(&sk, 1000), MASTER_STAT_TAKEN);
    ck_assert_int_eq(skel_status(&sk, 2000), MASTER_STAT_AVAIL);
    close(out);
    skel_stop(&sk);
}
END_TEST

/* max_use counts datagrams. */
START_TEST(test_dgram_max_use)
{
    SKEL sk;
    int out;

    out = start_dgram(&sk, "max_use = 2\n");
    ck_assert_int_eq(send(out, "a", 1, 0), 1);
    expect(&sk, "dgram 1 a");
    ck_assert_int_eq(skel_wait(&sk, 300), -1);
    ck_assert_int_eq(send(out, "b", 1, 0), 1);
    expect(&sk, "dgram 1 b");
    skel_exit_ok(&sk, 1500);
    expect(&sk, "exit");
    close(out);
    skel_stop(&sk);
}
END_TEST

/* trigger_server_suite - the tests */
static Suite *
trigger_server_suite(void)
{
    Suite *s = suite_create("trigger_server");
    TCase *tc = tcase_create("core");

    TMPDIR_FIXTURES(tc);
    tcase_set_timeout(tc, 20);
    tcase_add_test(tc, test_fifo);
    tcase_add_test(tc, test_fifo_limit);
    tcase_add_test(tc, test_fifo_max_use);
    tcase_add_loop_test(tc, test_fifo_exits, 0, 3);
    tcase_add_test(tc, test_fifo_not_rdwr);
    tcase_add_test(tc, test_unix);
    tcase_add_test(tc, test_unix_reports);
    tcase_add_loop_test(tc, test_unix_open, 0, 2);
    tcase_add_test(tc, test_bad_type);
    tcase_add_test(tc, test_dgram);
    tcase_add_test(tc, test_dgram_max_use);
    tcase_add_test(tc, test_dgram_reports);
    tcase_add_test(tc, test_dgram_batch_end);
    suite_add_tcase(s, tc);
    return s;
}

TEST_MAIN(trigger_server_suite)

/* test_multi_server - Check suite for the many-clients skeleton. */
#include "events.h"
#include "mail_server.h"
#include "msg.h"
#include "test_main.h"
#include "test_server.h"

/* The child's callbacks: reports go to SKEL_REPORT_FD. */

/* multi_service - one request; "quit" disconnects from inside */
static void
multi_service(STREAM *client, const char *service, char **argv)
{
    (void) service;
    (void) argv;
    if (skel_request(client) == 0)
        multi_server_disconnect(client);
}

/* disconnect_fn - report */
static void
disconnect_fn(STREAM *client)
{
    skel_report("disconnect %s", client != NULL ? "stream" : "null");
}

/* exit_fn - report */
static void
exit_fn(void)
{
    skel_report("exit");
}

/* timer_fn - report */
static void
timer_fn(EVENT_LOOP *loop, int event, int id, void *context)
{
    (void) loop;
    (void) id;
    (void) context;
    skel_report("timer %d", event == EVENT_TIME);
}

/* post_init - a timer in the skeleton's loop, then report */
static void
post_init(const char *service, char **argv)
{
    (void) service;
    (void) argv;
    (void) event_request_timer(mail_server_loop(), timer_fn, NULL, 100, 0);
    skel_report("post_init");
}

/* run_multi - the child's main */
static void
run_multi(int argc, char **argv)
{
    multi_server_main(argc, argv, multi_service, MAIL_SERVER_POST_INIT,
                      post_init, MAIL_SERVER_DISCONNECT, disconnect_fn,
                      MAIL_SERVER_EXIT, exit_fn, 0);
}

/* start - main.cf with extra lines, a listener, the child */
static void
start(SKEL *sk, const char *main_cf)
{
    int lfd = skel_listen();

    skel_main_cf(main_cf);
    skel_start(sk, run_multi, lfd, 0, "-n", "test", "-t", "unix", NULL);
    close(lfd);
    ck_assert_int_eq(skel_await_report(sk, "post_init", 3000), 0);
}

/* unanswered - a connection the child does not serve (any more) */
static void
unanswered(STREAM *client, STRBUF *buf)
{
    stream_set_timeout(client, 500);
    ck_assert_str_eq(skel_chat(client, "x", buf), "");
    ck_assert(stream_timedout(client));
}

/* Clients are served side by side; TAKEN on the first, AVAIL after all. */
START_TEST(test_two_clients)
{
    STRBUF *buf = strbuf_create(100);
    STREAM *c1, *c2;
    SKEL sk;

    start(&sk, NULL);
    c1 = skel_connect();
    c2 = skel_connect();
    ck_assert_str_eq(skel_chat(c1, "a", buf), "echo: a");
    ck_assert_str_eq(skel_chat(c2, "b", buf), "echo: b");
    ck_assert_str_eq(skel_chat(c1, "c", buf), "echo: c");
    ck_assert_int_eq(skel_status(&sk, 1000), MASTER_STAT_TAKEN);
    stream_close(c1);
    ck_assert_int_eq(skel_await_report(&sk, "disconnect stream", 1000), 0);
    ck_assert_int_eq(skel_status(&sk, 200), -1);
    ck_assert_str_eq(skel_chat(c2, "d", buf), "echo: d");
    stream_close(c2);
    ck_assert_int_eq(skel_status(&sk, 1000), MASTER_STAT_AVAIL);
    ck_assert_int_eq(skel_await_report(&sk, "disconnect stream", 1000), 0);
    skel_retire(&sk);
    skel_exit_ok(&sk, 1500);
    ck_assert_str_eq(STR(skel_reports(&sk, buf)), "exit\n");
    skel_stop(&sk);
    strbuf_free(buf);
}
END_TEST

/* Requests sent together are each served (buffered input calls back). */
START_TEST(test_pipelined)
{
    STRBUF *buf = strbuf_create(100);
    STREAM *client;
    SKEL sk;

    start(&sk, NULL);
    client = skel_connect();
    ck_assert_int_eq(stream_puts(client, "a\nb\nc\nquit\n"), 0);
    ck_assert_int_eq(stream_flush(client), 0);
    ck_assert_int_eq(stream_get_line(client, buf, 100), STREAM_LINE_OK);
    ck_assert_str_eq(STR(buf), "echo: a");
    ck_assert_int_eq(stream_get_line(client, buf, 100), STREAM_LINE_OK);
    ck_assert_str_eq(STR(buf), "echo: b");
    ck_assert_int_eq(stream_get_line(client, buf, 100), STREAM_LINE_OK);
    ck_assert_str_eq(STR(buf), "echo: c");
    ck_assert_int_eq(stream_get_line(client, buf, 100), STREAM_EOF);
    stream_close(client);
    skel_stop(&sk);
    strbuf_free(buf);
}
END_TEST

/* multi_server_disconnect() from the callback: DISCONNECT, EOF, AVAIL. */
START_TEST(test_quit)
{
    STRBUF *buf = strbuf_create(100);
    STREAM *client;
    SKEL sk;

    start(&sk, NULL);
    client = skel_connect();
    ck_assert_str_eq(skel_chat(client, "quit", buf), "");
    ck_assert(stream_eof(client));
    ck_assert_int_eq(skel_status(&sk, 1000), MASTER_STAT_TAKEN);
    ck_assert_int_eq(skel_status(&sk, 1000), MASTER_STAT_AVAIL);
    ck_assert_int_eq(skel_await_report(&sk, "disconnect stream", 1000), 0);
    stream_close(client);
    skel_stop(&sk);
    strbuf_free(buf);
}
END_TEST

/* max_use clients, no more; exit when they have gone. */
START_TEST(test_max_use)
{
    STRBUF *buf = strbuf_create(100);
    STREAM *c1, *c2, *c3;
    SKEL sk;

    start(&sk, "max_use = 2\n");
    c1 = skel_connect();
    ck_assert_str_eq(skel_chat(c1, "a", buf), "echo: a");
    c2 = skel_connect();
    ck_assert_str_eq(skel_chat(c2, "b", buf), "echo: b");
    c3 = skel_connect();
    unanswered(c3, buf);
    ck_assert_str_eq(skel_chat(c1, "c", buf), "echo: c");
    stream_close(c1);
    ck_assert_int_eq(skel_wait(&sk, 300), -1);
    stream_close(c2);
    skel_exit_ok(&sk, 1500);
    stream_close(c3);
    skel_stop(&sk);
    strbuf_free(buf);
}
END_TEST

/* Retired by master: no new clients, the current ones finish. */
START_TEST(test_retire_busy)
{
    STRBUF *buf = strbuf_create(100);
    STREAM *c1, *c2;
    SKEL sk;

    start(&sk, NULL);
    c1 = skel_connect();
    ck_assert_str_eq(skel_chat(c1, "a", buf), "echo: a");
    skel_retire(&sk);
    ck_assert_int_eq(skel_wait(&sk, 300), -1);
    ck_assert_str_eq(skel_chat(c1, "b", buf), "echo: b");
    c2 = skel_connect();
    unanswered(c2, buf);
    stream_close(c1);
    skel_exit_ok(&sk, 1500);
    stream_close(c2);
    skel_stop(&sk);
    strbuf_free(buf);
}
END_TEST

/* SIGTERM with a client connected: idle (0) or blocked in a read (1). */
START_TEST(test_sigterm)
{
    STRBUF *buf = strbuf_create(100);
    STREAM *client;
    SKEL sk;

    start(&sk, NULL);
    client = skel_connect();
    ck_assert_str_eq(skel_chat(client, _i ? "block" : "a", buf),
                     _i ? "blocking" : "echo: a");
    usleep(200 * 1000);
    ck_assert_int_eq(kill(sk.pid, SIGTERM), 0);
    skel_exit_ok(&sk, 1000);
    ck_assert_int_eq(skel_await_report(&sk, "exit", 1000), 0);
    stream_close(client);
    skel_stop(&sk);
    strbuf_free(buf);
}
END_TEST

/* A client idle longer than daemon_timeout is disconnected. */
START_TEST(test_client_timeout)
{
    STRBUF *buf = strbuf_create(100);
    STREAM *client;
    long long start_ms;
    SKEL sk;

    start(&sk, "daemon_timeout = 1s\n");
    client = skel_connect();
    ck_assert_str_eq(skel_chat(client, "a", buf), "echo: a");
    start_ms = skel_now();
    ck_assert_int_eq(stream_get_line(client, buf, 100), STREAM_EOF);
    ck_assert_int_lt(skel_now() - start_ms, 2900);
    ck_assert_int_eq(skel_await_report(&sk, "disconnect stream", 1000), 0);
    ck_assert_int_eq(skel_status(&sk, 100), MASTER_STAT_TAKEN);
    ck_assert_int_eq(skel_status(&sk, 100), MASTER_STAT_AVAIL);
    stream_close(client);
    skel_stop(&sk);
    strbuf_free(buf);
}
END_TEST

/* max_idle counts from when the last client left. */
START_TEST(test_max_idle)
{
    STRBUF *buf = strbuf_create(100);
    STREAM *client;
    long long start_ms;
    long long took;
    SKEL sk;

    start(&sk, "max_idle = 1s\n");
    client = skel_connect();
    ck_assert_str_eq(skel_chat(client, "a", buf), "echo: a");
    ck_assert_int_eq(skel_wait(&sk, 1500), -1);
    ck_assert_str_eq(skel_chat(client, "b", buf), "echo: b");
    stream_close(client);
    start_ms = skel_now();
    skel_exit_ok(&sk, 3000);
    took = skel_now() - start_ms;
    ck_assert_msg(took >= 900 && took < 2500, "exit after %lld ms", took);
    skel_stop(&sk);
    strbuf_free(buf);
}
END_TEST

/* The daemon's timers run in the skeleton's loop. */
START_TEST(test_timer)
{
    SKEL sk;

    start(&sk, NULL);
    ck_assert_int_eq(skel_await_report(&sk, "timer 1", 2000), 0);
    skel_stop(&sk);
}
END_TEST

/* Disconnecting a stream that is not a client is our bug. */
START_TEST(test_disconnect_misuse)
{
    int fds[2];
    STREAM *st;

    ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, fds), 0);
    st = stream_fdopen(fds[0], O_RDWR);
    multi_server_disconnect(st);
}
END_TEST

/* multi_server_suite - the tests */
static Suite *
multi_server_suite(void)
{
    Suite *s = suite_create("multi_server");
    TCase *tc = tcase_create("core");

    TMPDIR_FIXTURES(tc);
    tcase_set_timeout(tc, 20);
    tcase_add_test(tc, test_two_clients);
    tcase_add_test(tc, test_pipelined);
    tcase_add_test(tc, test_quit);
    tcase_add_test(tc, test_max_use);
    tcase_add_test(tc, test_retire_busy);
    tcase_add_loop_test(tc, test_sigterm, 0, 2);
    tcase_add_test(tc, test_client_timeout);
    tcase_add_test(tc, test_max_idle);
    tcase_add_test(tc, test_timer);
    tcase_add_test_raise_signal(tc, test_disconnect_misuse, SIGABRT);
    suite_add_tcase(s, tc);
    return s;
}

TEST_MAIN(multi_server_suite)

/* test_single_server - Check suite for the one-client-at-a-time skeleton. */
#include <sys/epoll.h>

#include "mail_server.h"
#include "msg.h"
#include "test_main.h"
#include "test_server.h"

/* The child's callbacks: reports go to SKEL_REPORT_FD. */

/* echo_service - answer request lines until the client goes */
static void
echo_service(STREAM *client, const char *service, char **argv)
{
    (void) service;
    (void) argv;
    while (skel_request(client) > 0)
        /* void */;
}

/* pre_init - report the service, the identity and the arguments */
static void
pre_init(const char *service, char **argv)
{
    STRBUF *args = strbuf_create(10);

    for (; *argv != NULL; argv++)
        strbuf_sprintf_cat(args, " %s", *argv);
    skel_report("pre_init %s uid=%d%s", service, (int) getuid(), STR(args));
    strbuf_free(args);
}

/* post_init - report */
static void
post_init(const char *service, char **argv)
{
    (void) service;
    (void) argv;
    skel_report("post_init");
}

/* pre_accept - report the first call */
static void
pre_accept(void)
{
    static int done;

    if (!done++)
        skel_report("pre_accept");
}

/* exit_fn - report */
static void
exit_fn(void)
{
    skel_report("exit");
}

/* run_single - the child's main */
static void
run_single(int argc, char **argv)
{
    single_server_main(argc, argv, echo_service, MAIL_SERVER_PRE_INIT, pre_init,
                       MAIL_SERVER_POST_INIT, post_init, MAIL_SERVER_PRE_ACCEPT,
                       pre_accept, MAIL_SERVER_EXIT, exit_fn, 0);
}

/* wake - report every call: each is one return from the wait */
static void
wake(void)
{
    skel_report("wake");
}

/* wait_100 - a WAIT_LIMIT of 100 ms */
static int
wait_100(void)
{
    return 100;
}

/* run_wake - the child's main, reporting each wake-up */
static void
run_wake(int argc, char **argv)
{
    single_server_main(argc, argv, echo_service, MAIL_SERVER_PRE_ACCEPT, wake,
                       0);
}

/* run_wait_limit - the child's main, with a WAIT_LIMIT of 100 ms */
static void
run_wait_limit(int argc, char **argv)
{
    single_server_main(argc, argv, echo_service, MAIL_SERVER_PRE_ACCEPT, wake,
                       MAIL_SERVER_WAIT_LIMIT, wait_100, 0);
}

/* request_service - requests counted one by one, as delivery agents do */
static void
request_service(STREAM *client, const char *service, char **argv)
{
    (void) service;
    (void) argv;
    while (skel_request(client) > 0 && single_server_request_done())
        /* void */;
}

/* run_requests - the child's main, counting requests */
static void
run_requests(int argc, char **argv)
{
    single_server_main(argc, argv, request_service, MAIL_SERVER_EXIT, exit_fn,
                       0);
}

/* run_unlimited - the child's main, without max_use and max_idle */
static void
run_unlimited(int argc, char **argv)
{
    single_server_main(argc, argv, echo_service, MAIL_SERVER_UNLIMITED, 1,
                       MAIL_SERVER_EXIT, exit_fn, 0);
}

/* start - main.cf with extra lines, a listener, the child */
static void
start(SKEL *sk, SKEL_MAIN_FN fn, const char *main_cf, const char *opt)
{
    int lfd = skel_listen();

    skel_main_cf(main_cf);
    skel_start(sk, fn, lfd, 0, "-n", "test", "-t", "unix", opt, NULL);
    close(lfd);
}

/* serve_one - one client says "a" and leaves; TAKEN then AVAIL */
static void
serve_one(SKEL *sk, STRBUF *buf)
{
    STREAM *client = skel_connect();

    ck_assert_str_eq(skel_chat(client, "a", buf), "echo: a");
    ck_assert_int_eq(skel_status(sk, 2000), MASTER_STAT_TAKEN);
    stream_close(client);
    ck_assert_int_eq(skel_status(sk, 2000), MASTER_STAT_AVAIL);
}

/* A client is echoed, reported TAKEN then AVAIL; callbacks run in order. */
START_TEST(test_echo_status)
{
    STRBUF *buf = strbuf_create(100);
    STRBUF *want = strbuf_create(100);
    STREAM *client;
    SKEL sk;

    start(&sk, run_single, "max_use = 100\n", NULL);
    client = skel_connect();
    ck_assert_str_eq(skel_chat(client, "hello", buf), "echo: hello");
    ck_assert_int_eq(skel_status(&sk, 2000), MASTER_STAT_TAKEN);
    strbuf_sprintf(want, "pid=%d", (int) sk.pid);
    ck_assert_str_eq(skel_chat(client, "pid", buf), STR(want));
    ck_assert_int_eq(skel_status(&sk, 200), -1);
    stream_close(client);
    ck_assert_int_eq(skel_status(&sk, 2000), MASTER_STAT_AVAIL);
    skel_retire(&sk);
    skel_exit_ok(&sk, 2000);
    strbuf_sprintf(want,
                   "pre_init test uid=%d\npost_init\npre_accept\n"
                   "end end of input\nexit\n",
                   (int) getuid());
    ck_assert_str_eq(STR(skel_reports(&sk, buf)), STR(want));
    skel_stop(&sk);
    strbuf_free(want);
    strbuf_free(buf);
}
END_TEST

/*
 * A client that waited while the process was busy is taken at once:
 * one TAKEN before the first client, one AVAIL after the second, no pair
 * between them.
 */
START_TEST(test_waiting_client_taken)
{
    STRBUF *buf = strbuf_create(100);
    STREAM *first, *second;
    SKEL sk;

    start(&sk, run_single, "max_use = 100\n", NULL);
    first = skel_connect();
    ck_assert_str_eq(skel_chat(first, "a", buf), "echo: a");
    ck_assert_int_eq(skel_status(&sk, 2000), MASTER_STAT_TAKEN);
    second = skel_connect(); /* waits in the listener's queue */
    stream_close(first);
    ck_assert_str_eq(skel_chat(second, "b", buf), "echo: b");
    ck_assert_int_eq(skel_status(&sk, 300), -1);
    stream_close(second);
    ck_assert_int_eq(skel_status(&sk, 2000), MASTER_STAT_AVAIL);
    ck_assert_int_eq(skel_status(&sk, 300), -1);
    skel_stop(&sk);
    strbuf_free(buf);
}
END_TEST

/* Arguments after the options reach the callbacks. */
START_TEST(test_arguments)
{
    STRBUF *buf = strbuf_create(100);
    STRBUF *want = strbuf_create(100);
    int lfd = skel_listen();
    SKEL sk;

    skel_main_cf(NULL);
    skel_start(&sk, run_single, lfd, 0, "-n", "svc", "-t", "unix", "one",
               "-two", NULL);
    close(lfd);
    ck_assert_int_eq(skel_report_line(&sk, buf, 2000), 0);
    strbuf_sprintf(want, "pre_init svc uid=%d one -two", (int) getuid());
    ck_assert_str_eq(STR(buf), STR(want));
    skel_stop(&sk);
    strbuf_free(want);
    strbuf_free(buf);
}
END_TEST

/* max_use clients, then exit 0; -o overrides main.cf. */
START_TEST(test_max_use)
{
    STRBUF *buf = strbuf_create(100);
    SKEL sk;

    if (_i == 0)
        start(&sk, run_single, "max_use = 2\n", NULL);
    else
        start(&sk, run_single, "max_use = 100\n", "-omax_use=2");
    serve_one(&sk, buf);
    ck_assert_int_eq(skel_wait(&sk, 300), -1);
    serve_one(&sk, buf);
    skel_exit_ok(&sk, 2000);
    ck_assert_ptr_nonnull(strstr(STR(skel_reports(&sk, buf)), "exit\n"));
    skel_stop(&sk);
    strbuf_free(buf);
}
END_TEST

/* max_idle without a client: exit 0 after about that long. */
START_TEST(test_max_idle)
{
    SKEL sk;
    long long start_ms = skel_now();
    long long took;

    start(&sk, run_single, "max_idle = 1s\n", NULL);
    skel_exit_ok(&sk, 4000);
    took = skel_now() - start_ms;
    ck_assert_msg(took >= 900 && took < 3000, "exit after %lld ms", took);
    skel_stop(&sk);
}
END_TEST

/* MAIL_SERVER_UNLIMITED ignores max_use and max_idle. */
START_TEST(test_unlimited)
{
    STRBUF *buf = strbuf_create(100);
    SKEL sk;

    start(&sk, run_unlimited, "max_use = 1\nmax_idle = 1s\n", NULL);
    serve_one(&sk, buf);
    serve_one(&sk, buf);
    ck_assert_int_eq(skel_wait(&sk, 1500), -1);
    ck_assert_int_eq(kill(sk.pid, SIGTERM), 0);
    skel_exit_ok(&sk, 1000);
    skel_stop(&sk);
    strbuf_free(buf);
}
END_TEST

/* EOF on the generation pipe: the client in progress finishes first. */
START_TEST(test_retire_busy)
{
    STRBUF *buf = strbuf_create(100);
    STREAM *client;
    SKEL sk;

    start(&sk, run_single, NULL, NULL);
    client = skel_connect();
    ck_assert_str_eq(skel_chat(client, "a", buf), "echo: a");
    skel_retire(&sk);
    ck_assert_int_eq(skel_wait(&sk, 300), -1);
    ck_assert_str_eq(skel_chat(client, "b", buf), "echo: b");
    stream_close(client);
    skel_exit_ok(&sk, 1000);
    ck_assert_int_eq(skel_status(&sk, 100), MASTER_STAT_TAKEN);
    ck_assert_int_eq(skel_status(&sk, 100), MASTER_STAT_AVAIL);
    skel_stop(&sk);
    strbuf_free(buf);
}
END_TEST

/* EOF on the generation pipe while idle: exit at once. */
START_TEST(test_retire_idle)
{
    STRBUF *buf = strbuf_create(100);
    SKEL sk;

    start(&sk, run_single, NULL, NULL);
    ck_assert_int_eq(skel_report_line(&sk, buf, 2000), 0);
    skel_retire(&sk);
    skel_exit_ok(&sk, 1000);
    skel_stop(&sk);
    strbuf_free(buf);
}
END_TEST

/* SIGTERM while waiting: EXIT, exit 0 within a second. */
START_TEST(test_sigterm_idle)
{
    STRBUF *buf = strbuf_create(100);
    SKEL sk;

    start(&sk, run_single, NULL, NULL);
    do
        ck_assert_int_eq(skel_report_line(&sk, buf, 2000), 0);
    while (strcmp(STR(buf), "pre_accept") != 0);
    ck_assert_int_eq(kill(sk.pid, SIGTERM), 0);
    skel_exit_ok(&sk, 1000);
    ck_assert_str_eq(STR(skel_reports(&sk, buf)), "exit\n");
    skel_stop(&sk);
    strbuf_free(buf);
}
END_TEST

/* SIGTERM while the callback waits for the client: its read fails. */
START_TEST(test_sigterm_busy)
{
    STRBUF *buf = strbuf_create(100);
    STREAM *client;
    SKEL sk;

    start(&sk, run_single, NULL, NULL);
    client = skel_connect();
    ck_assert_str_eq(skel_chat(client, "a", buf), "echo: a");
    /* Let it block in its read (a signal before it would be missed). */
    usleep(200 * 1000);
    ck_assert_int_eq(kill(sk.pid, SIGTERM), 0);
    skel_exit_ok(&sk, 1000);
    ck_assert_int_eq(stream_get_line(client, buf, 100), STREAM_EOF);
    ck_assert_ptr_nonnull(
        strstr(STR(skel_reports(&sk, buf)), "end read error\nexit\n"));
    stream_close(client);
    skel_stop(&sk);
    strbuf_free(buf);
}
END_TEST

/* The client's stream has a deadline of daemon_timeout. */
START_TEST(test_daemon_timeout)
{
    STRBUF *buf = strbuf_create(100);
    STREAM *client;
    SKEL sk;
    long long start_ms;

    start(&sk, run_single, "daemon_timeout = 1s\n", NULL);
    client = skel_connect();
    ck_assert_str_eq(skel_chat(client, "a", buf), "echo: a");
    start_ms = skel_now();
    ck_assert_int_eq(stream_get_line(client, buf, 100), STREAM_EOF);
    ck_assert_int_lt(skel_now() - start_ms, 2500);
    ck_assert_int_eq(skel_report_line(&sk, buf, 1000), 0);
    while (strncmp(STR(buf), "end ", 4) != 0)
        ck_assert_int_eq(skel_report_line(&sk, buf, 1000), 0);
    ck_assert_str_eq(STR(buf), "end timeout");
    stream_close(client);
    skel_stop(&sk);
    strbuf_free(buf);
}
END_TEST

/* Types pass and inet are accepted like unix. */
START_TEST(test_pass_and_inet)
{
    STRBUF *buf = strbuf_create(100);
    STRBUF *port = strbuf_create(10);
    STREAM *client;
    SKEL sk;
    int lfd;

    skel_main_cf(NULL);
    if (_i == 0) {
        lfd = skel_listen();
        skel_start(&sk, run_single, lfd, 0, "-n", "test", "-t", "pass", NULL);
        client = skel_connect();
    } else {
        lfd = sock_inet_listen("127.0.0.1:0", 16, SOCK_FLAG_NONBLOCK);
        ck_assert_int_ge(lfd, 0);
        ck_assert_int_eq(sock_local_addr(lfd, NULL, port), 0);
        skel_start(&sk, run_single, lfd, 0, "-n", "test", "-t", "inet", NULL);
        client = stream_fdopen(sock_inet_connect("127.0.0.1", STR(port), 2000),
                               O_RDWR);
        stream_set_timeout(client, 3000);
    }
    close(lfd);
    ck_assert_str_eq(skel_chat(client, "x", buf), "echo: x");
    stream_close(client);
    skel_stop(&sk);
    strbuf_free(port);
    strbuf_free(buf);
}
END_TEST

/*
 * Requests over one connection count toward max_use one by one: with
 * max_use 3 the third answer is the last, then the process exits.
 */
START_TEST(test_requests_max_use)
{
    STRBUF *buf = strbuf_create(100);
    STREAM *client;
    SKEL sk;

    start(&sk, run_requests, "max_use = 3\n", NULL);
    client = skel_connect();
    ck_assert_str_eq(skel_chat(client, "a", buf), "echo: a");
    ck_assert_str_eq(skel_chat(client, "b", buf), "echo: b");
    ck_assert_str_eq(skel_chat(client, "c", buf), "echo: c");
    ck_assert_str_eq(skel_chat(client, "d", buf), "");
    stream_close(client);
    skel_exit_ok(&sk, 2000);
    skel_stop(&sk);
    strbuf_free(buf);
}
END_TEST

/*
 * Retired while a client keeps its connection: the request in progress
 * ("block", then its second line) is answered, then the connection is
 * closed and the process exits.
 */
START_TEST(test_requests_retired)
{
    STRBUF *buf = strbuf_create(100);
    STREAM *client;
    SKEL sk;

    start(&sk, run_requests, NULL, NULL);
    client = skel_connect();
    ck_assert_str_eq(skel_chat(client, "a", buf), "echo: a");
    ck_assert_str_eq(skel_chat(client, "block", buf), "blocking");
    skel_retire(&sk);
    ck_assert_str_eq(skel_chat(client, "b", buf), "echo: b");
    ck_assert_str_eq(skel_chat(client, "c", buf), "");
    stream_close(client);
    skel_exit_ok(&sk, 2000);
    skel_stop(&sk);
    strbuf_free(buf);
}
END_TEST

/* count_wakes - "wake" reports until none comes for quiet_ms */
static int
count_wakes(SKEL *sk, int quiet_ms)
{
    STRBUF *line = strbuf_create(100);
    int n = 0;

    while (skel_report_line(sk, line, quiet_ms) == 0)
        n += strcmp(STR(line), "wake") == 0;
    strbuf_free(line);
    return n;
}

/*
 * Four idle processes share a listener: no process returns from its
 * wait for a client another one serves.  Each process reports one wake
 * before its first wait; each client adds one, after it is served.  On
 * an idle machine the kernel's recheck of readiness hides a herd here
 * too, so the exclusive wait itself is test_exclusive_wait's to check.
 */
START_TEST(test_one_woken)
{
    STRBUF *buf = strbuf_create(100);
    SKEL sk[4];
    STREAM *client;
    int lfd = skel_listen();
    int i, wakes = 0;

    skel_main_cf(NULL);
    for (i = 0; i < 4; i++) {
        /* Each SKEL binds public/postlog anew; the last one gets the logs. */
        (void) unlink("public/postlog");
        skel_start(&sk[i], run_wake, lfd, 0, "-n", "test", "-t", "unix",
                   NULL);
        ck_assert_int_eq(skel_await_report(&sk[i], "wake", 2000), 0);
    }
    close(lfd);
    for (i = 0; i < 3; i++) {
        client = skel_connect();
        ck_assert_str_eq(skel_chat(client, "a", buf), "echo: a");
        stream_close(client);
        usleep(50000);
    }
    for (i = 0; i < 4; i++)
        wakes += count_wakes(&sk[i], 300);
    ck_assert_int_eq(wakes, 3);
    for (i = 0; i < 4; i++)
        skel_stop(&sk[i]);
    strbuf_free(buf);
}
END_TEST

/*
 * epoll_events - the events mask pid's epoll set has for descriptor fd
 * (from /proc/PID/fdinfo); -1 when no epoll set of pid watches fd.
 */
static long
epoll_events(pid_t pid, int fd)
{
    char path[64], line[256], want[32];
    long events = -1;
    int i;
    FILE *fp;

    snprintf(want, sizeof(want), "tfd: %8d events: ", fd);
    for (i = 0; i < 64 && events < 0; i++) {
        snprintf(path, sizeof(path), "/proc/%ld/fdinfo/%d", (long) pid, i);
        if ((fp = fopen(path, "r")) == NULL)
            continue;
        while (fgets(line, sizeof(line), fp) != NULL)
            if (strncmp(line, want, strlen(want)) == 0)
                events = strtol(line + strlen(want), NULL, 16);
        fclose(fp);
    }
    return events;
}

/*
 * The wait is exclusive on the listener (one idle process per client,
 * however the scheduler orders the wake-ups) and not on the generation
 * pipe (whose EOF retires every process).
 */
START_TEST(test_exclusive_wait)
{
    SKEL sk;
    long events;

    start(&sk, run_wake, NULL, NULL);
    ck_assert_int_eq(skel_await_report(&sk, "wake", 2000), 0);
    events = epoll_events(sk.pid, MASTER_LISTEN_FD);
    ck_assert_int_ne(events, -1);
    ck_assert(events & EPOLLIN);
    ck_assert(events & EPOLLEXCLUSIVE);
    events = epoll_events(sk.pid, MASTER_GEN_FD);
    ck_assert_int_ne(events, -1);
    ck_assert(events & EPOLLIN);
    ck_assert(!(events & EPOLLEXCLUSIVE));
    skel_stop(&sk);
}
END_TEST

/* WAIT_LIMIT wakes an idle process that long after it began to wait. */
START_TEST(test_wait_limit)
{
    SKEL sk;
    int wakes;

    start(&sk, run_wait_limit, NULL, NULL);
    ck_assert_int_eq(skel_await_report(&sk, "wake", 2000), 0);
    usleep(1000000);
    wakes = count_wakes(&sk, 50);
    ck_assert_int_ge(wakes, 5);
    ck_assert_int_le(wakes, 11);
    skel_stop(&sk);
}
END_TEST

/* single_server_suite - the tests */
static Suite *
single_server_suite(void)
{
    Suite *s = suite_create("single_server");
    TCase *tc = tcase_create("core");

    TMPDIR_FIXTURES(tc);
    tcase_set_timeout(tc, 20);
    tcase_add_test(tc, test_echo_status);
    tcase_add_test(tc, test_waiting_client_taken);
    tcase_add_test(tc, test_arguments);
    tcase_add_loop_test(tc, test_max_use, 0, 2);
    tcase_add_test(tc, test_max_idle);
    tcase_add_test(tc, test_unlimited);
    tcase_add_test(tc, test_retire_busy);
    tcase_add_test(tc, test_retire_idle);
    tcase_add_test(tc, test_sigterm_idle);
    tcase_add_test(tc, test_sigterm_busy);
    tcase_add_test(tc, test_daemon_timeout);
    tcase_add_loop_test(tc, test_pass_and_inet, 0, 2);
    tcase_add_test(tc, test_one_woken);
    tcase_add_test(tc, test_requests_max_use);
    tcase_add_test(tc, test_requests_retired);
    tcase_add_test(tc, test_exclusive_wait);
    tcase_add_test(tc, test_wait_limit);
    suite_add_tcase(s, tc);
    return s;
}

TEST_MAIN(single_server_suite)

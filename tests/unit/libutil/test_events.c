/* test_events - Check suite for the epoll event loop. */
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "events.h"
#include "test_main.h"

/* What callbacks saw. */
typedef struct REC {
    int calls;
    int event;         /* last event mask */
    int id;            /* last fd or timer id */
    int stop_at;       /* cancel/break after this many calls, 0: never */
    int other_fd;      /* a descriptor the callback disables */
    int tag;           /* a letter naming this callback */
    long long when[3]; /* times of the first calls */
    char log[64];      /* one letter per call, in order */
    struct REC *shared;
} REC;

/* now_ms - monotonic milliseconds */
static long long
now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* record - note one call */
static void
record(REC *rec, int event, int id)
{
    rec->calls++;
    rec->event = event;
    rec->id = id;
}

/* on_event - record; read one byte when readable */
static void
on_event(EVENT_LOOP *loop, int event, int id, void *context)
{
    char ch;

    (void) loop;
    record(context, event, id);
    if (event & EVENT_READ)
        ck_assert_int_ge(read(id, &ch, 1), 0);
}

/* run_until - run rounds until *count reaches want, at most 500 ms */
static void
run_until(EVENT_LOOP *loop, const int *count, int want)
{
    long long end = now_ms() + 500;

    while (*count < want && now_ms() < end)
        event_loop_run_once(loop, 20);
    ck_assert_int_eq(*count, want);
}

START_TEST(test_read_callback)
{
    EVENT_LOOP *loop = event_loop_create();
    REC rec = {0};
    int fds[2];

    ck_assert_int_eq(pipe(fds), 0);
    event_enable_read(loop, fds[0], on_event, &rec);
    ck_assert_int_eq(event_loop_run_once(loop, 0), 0);
    ck_assert_int_eq(write(fds[1], "x", 1), 1);
    ck_assert_int_eq(event_loop_run_once(loop, 100), 1);
    ck_assert_int_eq(rec.event, EVENT_READ);
    ck_assert_int_eq(rec.id, fds[0]);
    ck_assert_int_eq(write(fds[1], "x", 1), 1);
    event_disable_read(loop, fds[0]);
    event_disable_read(loop, fds[0]);
    ck_assert_int_eq(event_loop_run_once(loop, 0), 0);
    close(fds[0]);
    close(fds[1]);
    ck_assert_ptr_null(event_loop_free(loop));
    ck_assert_ptr_null(event_loop_free(NULL));
}
END_TEST

START_TEST(test_write_callback)
{
    EVENT_LOOP *loop = event_loop_create();
    REC rec = {0};
    int sv[2];

    ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    event_enable_write(loop, sv[0], on_event, &rec);
    ck_assert_int_eq(event_loop_run_once(loop, 100), 1);
    ck_assert_int_eq(rec.event, EVENT_WRITE);
    ck_assert_int_eq(rec.id, sv[0]);
    event_disable_write(loop, sv[0]);
    ck_assert_int_eq(event_loop_run_once(loop, 0), 0);
    close(sv[0]);
    close(sv[1]);
    event_loop_free(loop);
}
END_TEST

/* Read and write: one callback hears both at once, two are called apart. */
START_TEST(test_read_and_write)
{
    EVENT_LOOP *loop = event_loop_create();
    REC rec = {0}, rd = {0}, wr = {0};
    int sv[2];

    ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    ck_assert_int_eq(write(sv[1], "ab", 2), 2);
    event_enable_read(loop, sv[0], on_event, &rec);
    event_enable_write(loop, sv[0], on_event, &rec);
    ck_assert_int_eq(event_loop_run_once(loop, 100), 1);
    ck_assert_int_eq(rec.event, EVENT_READ | EVENT_WRITE);
    event_enable_read(loop, sv[0], on_event, &rd);
    event_enable_write(loop, sv[0], on_event, &wr);
    ck_assert_int_eq(event_loop_run_once(loop, 100), 2);
    ck_assert_int_eq(rd.event, EVENT_READ);
    ck_assert_int_eq(wr.event, EVENT_WRITE);
    event_disable_readwrite(loop, sv[0]);
    close(sv[0]);
    close(sv[1]);
    event_loop_free(loop);
}
END_TEST

/* A hangup reaches readers and writers as EVENT_XCPT. */
START_TEST(test_hangup)
{
    EVENT_LOOP *loop = event_loop_create();
    REC rd = {0}, wr = {0};
    int p1[2], p2[2];

    ck_assert_int_eq(pipe(p1), 0);
    ck_assert_int_eq(pipe(p2), 0);
    close(p1[1]);
    close(p2[0]);
    event_enable_read(loop, p1[0], on_event, &rd);
    event_enable_write(loop, p2[1], on_event, &wr);
    ck_assert_int_eq(event_loop_run_once(loop, 100), 2);
    ck_assert(rd.event & EVENT_XCPT);
    ck_assert(wr.event & EVENT_XCPT);
    ck_assert(wr.event & EVENT_WRITE);
    event_disable_readwrite(loop, p1[0]);
    event_disable_readwrite(loop, p2[1]);
    close(p1[0]);
    close(p2[1]);
    event_loop_free(loop);
}
END_TEST

/* on_disable_other - record, then disable the other descriptor */
static void
on_disable_other(EVENT_LOOP *loop, int event, int id, void *context)
{
    REC *rec = context;

    record(rec->shared, event, id);
    event_disable_readwrite(loop, rec->other_fd);
}

/* Two readable descriptors in one batch: the first removes the second. */
START_TEST(test_remove_in_batch)
{
    EVENT_LOOP *loop = event_loop_create();
    REC shared = {0}, a = {0}, b = {0};
    int pa[2], pb[2];

    ck_assert_int_eq(pipe(pa), 0);
    ck_assert_int_eq(pipe(pb), 0);
    a.shared = b.shared = &shared;
    a.other_fd = pb[0];
    b.other_fd = pa[0];
    ck_assert_int_eq(write(pa[1], "x", 1), 1);
    ck_assert_int_eq(write(pb[1], "x", 1), 1);
    event_enable_read(loop, pa[0], on_disable_other, &a);
    event_enable_read(loop, pb[0], on_disable_other, &b);
    ck_assert_int_eq(event_loop_run_once(loop, 100), 1);
    ck_assert_int_eq(shared.calls, 1);
    event_disable_readwrite(loop, pa[0]);
    event_disable_readwrite(loop, pb[0]);
    close(pa[0]);
    close(pa[1]);
    close(pb[0]);
    close(pb[1]);
    event_loop_free(loop);
}
END_TEST

/* on_reregister - replace the other descriptor's registration */
static void
on_reregister(EVENT_LOOP *loop, int event, int id, void *context)
{
    REC *rec = context;

    record(rec, event, id);
    event_disable_readwrite(loop, rec->other_fd);
    event_enable_read(loop, rec->other_fd, on_event, rec->shared);
    event_disable_readwrite(loop, id);
}

/* A registration replaced during a round hears only of new events. */
START_TEST(test_reregister_in_batch)
{
    EVENT_LOOP *loop = event_loop_create();
    REC a = {0}, b = {0}, fresh = {0};
    int pa[2], pb[2];

    ck_assert_int_eq(pipe(pa), 0);
    ck_assert_int_eq(pipe(pb), 0);
    a.other_fd = pb[0];
    b.other_fd = pa[0];
    a.shared = b.shared = &fresh;
    ck_assert_int_eq(write(pa[1], "x", 1), 1);
    ck_assert_int_eq(write(pb[1], "x", 1), 1);
    event_enable_read(loop, pa[0], on_reregister, &a);
    event_enable_read(loop, pb[0], on_reregister, &b);
    ck_assert_int_eq(event_loop_run_once(loop, 100), 1);
    ck_assert_int_eq(a.calls + b.calls, 1);
    ck_assert_int_eq(fresh.calls, 0);
    ck_assert_int_eq(event_loop_run_once(loop, 100), 1);
    ck_assert_int_eq(fresh.calls, 1);
    ck_assert_int_eq(fresh.id, a.calls ? pb[0] : pa[0]);
    event_disable_readwrite(loop, pa[0]);
    event_disable_readwrite(loop, pb[0]);
    close(pa[0]);
    close(pa[1]);
    close(pb[0]);
    close(pb[1]);
    event_loop_free(loop);
}
END_TEST

/* Closed without disabling; the number reused for another pipe. */
START_TEST(test_fd_reused)
{
    EVENT_LOOP *loop = event_loop_create();
    REC rec = {0};
    int p1[2], p2[2], p3[2];

    ck_assert_int_eq(pipe(p1), 0);
    event_enable_read(loop, p1[0], on_event, &rec);
    close(p1[0]);
    close(p1[1]);
    ck_assert_int_eq(pipe(p2), 0);
    ck_assert_int_eq(p2[0], p1[0]);
    ck_assert_int_eq(write(p2[1], "x", 1), 1);
    event_enable_write(loop, p2[1], on_event, &rec);
    event_enable_write(loop, p2[0], on_event, &rec);
    event_disable_write(loop, p2[0]);
    ck_assert_int_eq(event_loop_run_once(loop, 100), 2);
    event_disable_readwrite(loop, p2[1]);
    close(p2[1]);
    event_disable_readwrite(loop, p2[1]);
    event_disable_readwrite(loop, 1000);
    event_disable_readwrite(loop, p2[0]);
    close(p2[0]);
    /* Disabled after closing: epoll forgot it, we do too. */
    ck_assert_int_eq(pipe(p3), 0);
    event_enable_read(loop, p3[0], on_event, &rec);
    close(p3[0]);
    event_disable_readwrite(loop, p3[0]);
    close(p3[1]);
    event_loop_free(loop);
}
END_TEST

/* A descriptor past the table's first size. */
START_TEST(test_high_fd)
{
    EVENT_LOOP *loop = event_loop_create();
    REC rec = {0};
    int fds[2];

    ck_assert_int_eq(pipe(fds), 0);
    ck_assert_int_eq(dup2(fds[0], 200), 200);
    ck_assert_int_eq(write(fds[1], "x", 1), 1);
    event_enable_read(loop, 200, on_event, &rec);
    ck_assert_int_eq(event_loop_run_once(loop, 100), 1);
    ck_assert_int_eq(rec.id, 200);
    event_disable_readwrite(loop, 200);
    close(200);
    close(fds[0]);
    close(fds[1]);
    event_loop_free(loop);
}
END_TEST

START_TEST(test_oneshot_timer)
{
    EVENT_LOOP *loop = event_loop_create();
    REC rec = {0};
    int id;

    id = event_request_timer(loop, on_event, &rec, 10, 0);
    ck_assert_int_gt(id, 0);
    ck_assert_int_eq(event_loop_run_once(loop, 0), 0);
    run_until(loop, &rec.calls, 1);
    ck_assert_int_eq(rec.event, EVENT_TIME);
    ck_assert_int_eq(rec.id, id);
    ck_assert_int_eq(event_loop_run_once(loop, 30), 0);
    ck_assert_int_eq(rec.calls, 1);
    ck_assert_int_eq(event_cancel_timer(loop, id), -1);
    event_loop_free(loop);
}
END_TEST

/* on_tick - count; cancel itself and stop the loop at stop_at */
static void
on_tick(EVENT_LOOP *loop, int event, int id, void *context)
{
    REC *rec = context;

    record(rec, event, id);
    if (rec->calls == rec->stop_at) {
        ck_assert_int_eq(event_cancel_timer(loop, id), 0);
        ck_assert_int_eq(event_cancel_timer(loop, id), -1);
        event_loop_break(loop);
    }
}

START_TEST(test_repeat_cancels_itself)
{
    EVENT_LOOP *loop = event_loop_create();
    REC rec = {0};
    long long start = now_ms();

    rec.stop_at = 4;
    event_request_timer(loop, on_tick, &rec, 10, 1);
    event_loop_run(loop);
    ck_assert_int_eq(rec.calls, 4);
    ck_assert_int_ge(now_ms() - start, 35);
    ck_assert_int_eq(event_loop_run_once(loop, 40), 0);
    ck_assert_int_eq(rec.calls, 4);
    event_loop_free(loop);
}
END_TEST

/* on_slow - note when called; the first call takes 35 ms */
static void
on_slow(EVENT_LOOP *loop, int event, int id, void *context)
{
    REC *rec = context;

    record(rec, event, id);
    rec->when[rec->calls - 1] = now_ms();
    if (rec->calls == 1)
        usleep(35000);
    if (rec->calls == 3)
        event_cancel_timer(loop, id);
}

/* A slow callback: missed ticks are skipped, not fired in a burst. */
START_TEST(test_repeat_skips_missed)
{
    EVENT_LOOP *loop = event_loop_create();
    REC rec = {0};

    event_request_timer(loop, on_slow, &rec, 10, 1);
    run_until(loop, &rec.calls, 3);
    /* A burst would fire the second call right after the first. */
    ck_assert_int_ge(rec.when[1] - rec.when[0], 35 + 9);
    event_loop_free(loop);
}
END_TEST

/* on_log - append the context's letter to the shared log */
static void
on_log(EVENT_LOOP *loop, int event, int id, void *context)
{
    REC *rec = context;
    size_t len = strlen(rec->shared->log);

    (void) loop;
    record(rec->shared, event, id);
    rec->shared->log[len] = (char) rec->tag;
}

/* Timers fire by due time, equal ones in request order. */
static const struct {
    const char *name;
    const char *letters; /* one timer each */
    int delays[8];       /* its delay */
    const char *cancel;  /* letters cancelled before running */
    const char *want;
} order_cases[] = {
    {"sorted", "abc", {0, 5, 10}, "", "abc"},
    {"reversed", "abcd", {30, 20, 10, 0}, "", "dcba"},
    {"ties", "abcde", {30, 10, 20, 10, 0}, "", "ebdca"},
    {"cancel", "abcdefgh", {7, 3, 5, 1, 8, 2, 6, 4}, "bg", "dfhcae"},
    {"cancel first", "abcd", {0, 1, 2, 3}, "a", "bcd"},
};

START_TEST(test_timer_order)
{
    EVENT_LOOP *loop = event_loop_create();
    REC shared = {0}, recs[8] = {{0}};
    int ids[8];
    size_t i, n = strlen(order_cases[_i].letters);
    const char *c;

    for (i = 0; i < n; i++) {
        recs[i].tag = order_cases[_i].letters[i];
        recs[i].shared = &shared;
        ids[i] = event_request_timer(loop, on_log, recs + i,
                                     order_cases[_i].delays[i], 0);
    }
    for (c = order_cases[_i].cancel; *c; c++)
        ck_assert_int_eq(event_cancel_timer(loop, ids[*c - 'a']), 0);
    run_until(loop, &shared.calls, (int) strlen(order_cases[_i].want));
    ck_assert_msg(strcmp(shared.log, order_cases[_i].want) == 0, "%s: got %s",
                  order_cases[_i].name, shared.log);
    event_loop_free(loop);
}
END_TEST

/* on_chain - request a zero-delay timer from a timer */
static void
on_chain(EVENT_LOOP *loop, int event, int id, void *context)
{
    REC *rec = context;

    record(rec, event, id);
    if (rec->calls < 3)
        event_request_timer(loop, on_chain, rec, 0, 0);
}

/* A timer requested while timers run waits for the next round. */
START_TEST(test_timer_from_timer)
{
    EVENT_LOOP *loop = event_loop_create();
    REC rec = {0};

    event_request_timer(loop, on_chain, &rec, 0, 0);
    ck_assert_int_eq(event_loop_run_once(loop, 0), 1);
    ck_assert_int_eq(event_loop_run_once(loop, 0), 1);
    ck_assert_int_eq(event_loop_run_once(loop, 0), 1);
    ck_assert_int_eq(event_loop_run_once(loop, 0), 0);
    ck_assert_int_eq(rec.calls, 3);
    event_loop_free(loop);
}
END_TEST

/* Nothing to do: run_once sleeps its wait (no busy loop) and returns. */
START_TEST(test_idle_wait)
{
    EVENT_LOOP *loop = event_loop_create();
    REC rec = {0};
    long long start = now_ms();

    ck_assert_int_eq(event_loop_run_once(loop, 50), 0);
    ck_assert_int_ge(now_ms() - start, 49);
    ck_assert_int_lt(now_ms() - start, 300);
    /* A far timer does not cut the wait short, nor stretch it. */
    event_request_timer(loop, on_event, &rec, 10000, 0);
    start = now_ms();
    ck_assert_int_eq(event_loop_run_once(loop, 30), 0);
    ck_assert_int_ge(now_ms() - start, 29);
    ck_assert_int_lt(now_ms() - start, 300);
    event_loop_free(loop);
}
END_TEST

/* on_break - stop the loop */
static void
on_break(EVENT_LOOP *loop, int event, int id, void *context)
{
    record(context, event, id);
    event_loop_break(loop);
}

START_TEST(test_break)
{
    EVENT_LOOP *loop = event_loop_create();
    REC rec = {0}, tick = {0};
    int fds[2];

    ck_assert_int_eq(pipe(fds), 0);
    event_request_timer(loop, on_event, &tick, 5, 1);
    event_request_timer(loop, on_break, &rec, 30, 0);
    event_loop_run(loop);
    ck_assert_int_eq(rec.calls, 1);
    ck_assert_int_ge(tick.calls, 2);
    event_enable_read(loop, fds[0], on_break, &rec);
    ck_assert_int_eq(write(fds[1], "x", 1), 1);
    event_loop_run(loop);
    ck_assert_int_eq(rec.calls, 2);
    event_disable_readwrite(loop, fds[0]);
    close(fds[0]);
    close(fds[1]);
    event_loop_free(loop);
}
END_TEST

/* Many timers, half cancelled: exercises the heap. */
START_TEST(test_many_timers)
{
    EVENT_LOOP *loop = event_loop_create();
    REC rec = {0};
    int ids[100];
    int i;

    for (i = 0; i < 100; i++)
        ids[i] = event_request_timer(loop, on_event, &rec, (i * 37) % 23, 0);
    for (i = 0; i < 100; i += 2)
        ck_assert_int_eq(event_cancel_timer(loop, ids[i]), 0);
    run_until(loop, &rec.calls, 50);
    ck_assert_int_eq(event_cancel_timer(loop, ids[1]), -1);
    /* Pending timers are freed with the loop. */
    event_request_timer(loop, on_event, &rec, 1000, 1);
    event_loop_free(loop);
}
END_TEST

/* on_nested - misuse: run the loop from its own callback */
static void
on_nested(EVENT_LOOP *loop, int event, int id, void *context)
{
    (void) event;
    (void) id;
    (void) context;
    event_loop_run_once(loop, 0);
}

/* on_free - misuse: free the loop from its own callback */
static void
on_free(EVENT_LOOP *loop, int event, int id, void *context)
{
    (void) event;
    (void) id;
    (void) context;
    event_loop_free(loop);
}

/* Misuse panics; each case is one call that must abort. */
START_TEST(test_misuse_panics)
{
    EVENT_LOOP *loop = event_loop_create();
    REC rec = {0};
    int fd;

    switch (_i) {
        case 0:
            event_request_timer(loop, on_nested, NULL, 0, 0);
            event_loop_run_once(loop, 0);
            break;
        case 1:
            event_request_timer(loop, on_free, NULL, 0, 0);
            event_loop_run_once(loop, 0);
            break;
        case 2:
            event_enable_read(loop, -1, on_event, &rec);
            break;
        case 3:
            /* A regular file cannot be polled. */
            fd = fileno(tmpfile());
            event_enable_read(loop, fd, on_event, &rec);
            break;
        case 4:
            event_request_timer(loop, on_event, &rec, 0, 1);
            break;
        case 5:
            event_request_timer(loop, NULL, &rec, 10, 0);
            break;
        case 6:
            event_enable_write(loop, 0, NULL, NULL);
            break;
        case 7:
            event_disable_readwrite(loop, -1);
            break;
    }
}
END_TEST

static Suite *
events_suite(void)
{
    Suite *s = suite_create("events");
    TCase *tc = tcase_create("core");

    tcase_add_test(tc, test_read_callback);
    tcase_add_test(tc, test_write_callback);
    tcase_add_test(tc, test_read_and_write);
    tcase_add_test(tc, test_hangup);
    tcase_add_test(tc, test_remove_in_batch);
    tcase_add_test(tc, test_reregister_in_batch);
    tcase_add_test(tc, test_fd_reused);
    tcase_add_test(tc, test_high_fd);
    tcase_add_test(tc, test_oneshot_timer);
    tcase_add_test(tc, test_repeat_cancels_itself);
    tcase_add_test(tc, test_repeat_skips_missed);
    tcase_add_loop_test(tc, test_timer_order, 0, NITEMS(order_cases));
    tcase_add_test(tc, test_timer_from_timer);
    tcase_add_test(tc, test_idle_wait);
    tcase_add_test(tc, test_break);
    tcase_add_test(tc, test_many_timers);
    tcase_add_loop_test_raise_signal(tc, test_misuse_panics, SIGABRT, 0, 8);
    suite_add_tcase(s, tc);
    return s;
}

TEST_MAIN(events_suite)

/*
 * test_qmgr_queue - Check suite for qmgr's scheduling (round robin,
 * concurrency windows, recipient limits, dead destinations) and its
 * retry arithmetic, on a fake clock.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "qmgr.h"
#include "test_main.h"

/* qmgr.c's globals: the other topic files refer to them. */
QMGR_PARAMS qmgr_params;
MAIL_QUEUE *qmgr_mq;
EVENT_LOOP *qmgr_loop;
size_t qmgr_active_count;
size_t qmgr_rcpt_count;

/* qmgr_scan_request - not scanning in these tests */
void
qmgr_scan_request(void)
{
}

/* What a step does; its result is compared as text. */
enum {
    OP_ADD,    /* nexthop, message number, rcpt: "entry N rcpts" */
    OP_SELECT, /* "nexthop:msg/rcpt,rcpt" or "-" (kept as in flight) */
    OP_OK,     /* nexthop: the oldest in-flight entry there succeeded */
    OP_DEAD,   /* nexthop: it failed as a whole: "dead" or "alive" */
    OP_DRAIN,  /* nexthop: "#N" entries handed back */
    OP_WINDOW, /* nexthop: "busy/window" */
    OP_SWEEP,  /* "#N" queues freed */
};

struct step {
    long t; /* the fake clock */
    int op;
    const char *nexthop;
    int msg;
    int rcpt;
    const char *want;
};

struct sched_case {
    const char *name;
    QMGR_LIMITS lim;
    const struct step *steps; /* ended by a NULL want */
};

#define L(dest, rcpt, proc, init, cohort)                                      \
    {                                                                          \
        (dest), (rcpt), (proc), (init), (cohort), 100                          \
    }

static const struct sched_case sched_cases[] = {
    {"recipients join one entry up to the limit", L(20, 2, 100, 5, 1),
     (const struct step[]){{0, OP_ADD, "a", 1, 0, "1"},
                           {0, OP_ADD, "a", 1, 1, "2"},
                           {0, OP_ADD, "a", 1, 2, "1"},
                           {0, OP_ADD, "a", 2, 3, "1"},
                           {0, OP_SELECT, NULL, 0, 0, "a:1/0,1"},
                           {0, OP_SELECT, NULL, 0, 0, "a:1/2"},
                           {0, OP_SELECT, NULL, 0, 0, "a:2/3"},
                           {0, OP_SELECT, NULL, 0, 0, "-"},
                           {0, 0, NULL, 0, 0, NULL}}},
    {"round robin between destinations", L(20, 1, 100, 5, 1),
     (const struct step[]){{0, OP_ADD, "a", 1, 0, "1"},
                           {0, OP_ADD, "a", 1, 1, "1"},
                           {0, OP_ADD, "a", 1, 2, "1"},
                           {0, OP_ADD, "b", 2, 0, "1"},
                           {0, OP_ADD, "c", 3, 0, "1"},
                           {0, OP_SELECT, NULL, 0, 0, "a:1/0"},
                           {0, OP_SELECT, NULL, 0, 0, "b:2/0"},
                           {0, OP_SELECT, NULL, 0, 0, "c:3/0"},
                           {0, OP_SELECT, NULL, 0, 0, "a:1/1"},
                           {0, OP_SELECT, NULL, 0, 0, "a:1/2"},
                           {0, 0, NULL, 0, 0, NULL}}},
    {"a full window holds the destination, not the others", L(20, 1, 100, 1, 1),
     (const struct step[]){{0, OP_ADD, "slow", 1, 0, "1"},
                           {0, OP_ADD, "slow", 1, 1, "1"},
                           {0, OP_ADD, "fast", 2, 0, "1"},
                           {0, OP_ADD, "fast", 2, 1, "1"},
                           {0, OP_SELECT, NULL, 0, 0, "slow:1/0"},
                           {0, OP_SELECT, NULL, 0, 0, "fast:2/0"},
                           {0, OP_SELECT, NULL, 0, 0, "-"},
                           {0, OP_OK, "fast", 0, 0, "alive"},
                           {0, OP_WINDOW, "fast", 0, 0, "0/2"},
                           {0, OP_SELECT, NULL, 0, 0, "fast:2/1"},
                           {0, OP_SELECT, NULL, 0, 0, "-"},
                           {0, 0, NULL, 0, 0, NULL}}},
    {"the window grows to the limit and shrinks on failure", L(3, 1, 100, 2, 5),
     (const struct step[]){{0, OP_ADD, "a", 1, 0, "1"},
                           {0, OP_SELECT, NULL, 0, 0, "a:1/0"},
                           {0, OP_OK, "a", 0, 0, "alive"},
                           {0, OP_WINDOW, "a", 0, 0, "0/3"},
                           {0, OP_ADD, "a", 1, 1, "1"},
                           {0, OP_SELECT, NULL, 0, 0, "a:1/1"},
                           {0, OP_OK, "a", 0, 0, "alive"},
                           {0, OP_WINDOW, "a", 0, 0, "0/3"},
                           {0, OP_ADD, "a", 1, 2, "1"},
                           {0, OP_SELECT, NULL, 0, 0, "a:1/2"},
                           {0, OP_DEAD, "a", 0, 0, "alive"},
                           {0, OP_WINDOW, "a", 0, 0, "0/2"},
                           {0, 0, NULL, 0, 0, NULL}}},
    {"the process limit caps the transport", L(20, 1, 2, 5, 1),
     (const struct step[]){{0, OP_ADD, "a", 1, 0, "1"},
                           {0, OP_ADD, "b", 1, 1, "1"},
                           {0, OP_ADD, "c", 1, 2, "1"},
                           {0, OP_SELECT, NULL, 0, 0, "a:1/0"},
                           {0, OP_SELECT, NULL, 0, 0, "b:1/1"},
                           {0, OP_SELECT, NULL, 0, 0, "-"},
                           {0, OP_OK, "a", 0, 0, "alive"},
                           {0, OP_SELECT, NULL, 0, 0, "c:1/2"},
                           {0, 0, NULL, 0, 0, NULL}}},
    {"a failed cohort suspends until the back-off ends", L(20, 1, 100, 5, 1),
     (const struct step[]){{0, OP_ADD, "d", 1, 0, "1"},
                           {0, OP_ADD, "d", 1, 1, "1"},
                           {0, OP_ADD, "d", 1, 2, "1"},
                           {0, OP_ADD, "ok", 2, 0, "1"},
                           {0, OP_SELECT, NULL, 0, 0, "d:1/0"},
                           {0, OP_DEAD, "d", 0, 0, "dead"},
                           {0, OP_DRAIN, "d", 0, 0, "#2"},
                           {0, OP_ADD, "d", 3, 0, "1"},
                           {50, OP_SELECT, NULL, 0, 0, "ok:2/0"},
                           {99, OP_SELECT, NULL, 0, 0, "-"},
                           {100, OP_WINDOW, "d", 0, 0, "0/5"},
                           {100, OP_SELECT, NULL, 0, 0, "d:3/0"},
                           {0, 0, NULL, 0, 0, NULL}}},
    {"two failed cohorts when the limit is 2", L(20, 1, 100, 5, 2),
     (const struct step[]){{0, OP_ADD, "d", 1, 0, "1"},
                           {0, OP_ADD, "d", 1, 1, "1"},
                           {0, OP_SELECT, NULL, 0, 0, "d:1/0"},
                           {0, OP_SELECT, NULL, 0, 0, "d:1/1"},
                           {0, OP_DEAD, "d", 0, 0, "alive"},
                           {0, OP_DEAD, "d", 0, 0, "dead"},
                           {0, 0, NULL, 0, 0, NULL}}},
    {"sweep frees idle queues only", L(20, 1, 100, 5, 1),
     (const struct step[]){{0, OP_ADD, "a", 1, 0, "1"},
                           {0, OP_ADD, "b", 1, 1, "1"},
                           {0, OP_ADD, "c", 1, 2, "1"},
                           {0, OP_SELECT, NULL, 0, 0, "a:1/0"},
                           {0, OP_SELECT, NULL, 0, 0, "b:1/1"},
                           {0, OP_OK, "b", 0, 0, "alive"},
                           {0, OP_SWEEP, NULL, 0, 0, "#1"},
                           {0, OP_SELECT, NULL, 0, 0, "c:1/2"},
                           {0, 0, NULL, 0, 0, NULL}}},
};

/* Entries handed out and not yet done, oldest first. */
static QMGR_ENTRY *flight[64];
static size_t nflight;

/* fake messages: their numbers are the pointers */
#define MSG(n) ((void *) (long) (n))

/* take_flight - the oldest entry in flight for a nexthop */
static QMGR_ENTRY *
take_flight(const char *nexthop)
{
    size_t i;
    QMGR_ENTRY *e;

    for (i = 0; i < nflight; i++)
        if (strcmp(flight[i]->queue->nexthop, nexthop) == 0) {
            e = flight[i];
            memmove(flight + i, flight + i + 1,
                    (nflight - i - 1) * sizeof(*flight));
            nflight--;
            return e;
        }
    ck_abort_msg("nothing in flight for %s", nexthop);
    return NULL;
}

/* show_entry - "nexthop:msg/r,r" */
static void
show_entry(STRBUF *out, const QMGR_ENTRY *e)
{
    size_t i;

    strbuf_sprintf(out, "%s:%ld/", e->queue->nexthop, (long) e->message);
    for (i = 0; i < e->rcpt_count; i++)
        strbuf_sprintf_cat(out, "%s%zu", i ? "," : "", e->rcpt[i]);
}

/* run_step - one step; its result as text */
static void
run_step(QMGR_TRANSPORT *tr, const struct step *s, STRBUF *out)
{
    QMGR_QUEUE *q = s->nexthop ? qmgr_queue_get(tr, s->nexthop) : NULL;
    QMGR_ENTRY *e;
    size_t n = 0;

    switch (s->op) {
        case OP_ADD:
            e = qmgr_queue_add(q, MSG(s->msg), (size_t) s->rcpt);
            strbuf_sprintf(out, "%zu", e->rcpt_count);
            break;
        case OP_SELECT:
            if ((e = qmgr_transport_select(tr, s->t)) == NULL) {
                strbuf_strcpy(out, "-");
                break;
            }
            show_entry(out, e);
            flight[nflight++] = e;
            break;
        case OP_OK:
        case OP_DEAD:
            e = take_flight(s->nexthop);
            strbuf_strcpy(
                out, qmgr_queue_done(e->queue, s->op == OP_DEAD, "no", s->t)
                         ? "dead"
                         : "alive");
            qmgr_entry_free(e);
            break;
        case OP_DRAIN:
            for (e = qmgr_queue_drain(q); e != NULL; n++) {
                QMGR_ENTRY *next = e->next;

                qmgr_entry_free(e);
                e = next;
            }
            strbuf_sprintf(out, "#%zu", n);
            break;
        case OP_WINDOW:
            (void) qmgr_queue_dead(q, s->t);
            strbuf_sprintf(out, "%d/%d", q->busy, q->window);
            break;
        case OP_SWEEP:
            strbuf_sprintf(out, "#%zu", qmgr_transport_sweep(tr, s->t));
            break;
    }
}

START_TEST(test_schedule)
{
    const struct sched_case *c = sched_cases + _i;
    QMGR_TRANSPORT *tr = qmgr_transport_create("smtp", &c->lim);
    STRBUF *out = strbuf_create(100);
    const struct step *s;

    nflight = 0;
    for (s = c->steps; s->want != NULL; s++) {
        run_step(tr, s, out);
        ck_assert_msg(strcmp(STR(out), s->want) == 0,
                      "%s: step %ld: got \"%s\", want \"%s\"", c->name,
                      (long) (s - c->steps), STR(out), s->want);
    }
    while (nflight > 0)
        qmgr_entry_free(flight[--nflight]);
    qmgr_transport_free(tr);
    strbuf_free(out);
}
END_TEST

struct backoff_case {
    const char *name;
    long long age;
    long min;
    long max;
    long want;
};

static const struct backoff_case backoff_cases[] = {
    {"new message: the minimum", 0, 300, 4000, 300},
    {"age within the bounds", 1000, 300, 4000, 1000},
    {"old message: the maximum", 86400, 300, 4000, 4000},
    {"clock went back: the minimum", -50, 300, 4000, 300},
};

START_TEST(test_backoff)
{
    const struct backoff_case *c = backoff_cases + _i;
    long long now = 1700000000LL;

    ck_assert_msg(qmgr_backoff(now - c->age, now, c->min, c->max) == c->want,
                  "%s", c->name);
}
END_TEST

struct expired_case {
    const char *name;
    long long age;
    long lifetime;
    int want;
};

static const struct expired_case expired_cases[] = {
    {"young", 100, 432000, 0},
    {"exactly the lifetime", 432000, 432000, 0},
    {"past the lifetime", 432001, 432000, 1},
    {"lifetime 0: one attempt", 0, 0, 1},
};

START_TEST(test_expired)
{
    const struct expired_case *c = expired_cases + _i;
    long long now = 1700000000LL;

    ck_assert_msg(qmgr_expired(now - c->age, now, c->lifetime) == c->want, "%s",
                  c->name);
}
END_TEST

struct delay_case {
    double secs;
    const char *want;
};

static const struct delay_case delay_cases[] = {
    {0, "0"},   {0.02, "0.02"}, {0.1, "0.1"}, {0.456, "0.46"}, {1.2, "1.2"},
    {1.0, "1"}, {9.94, "9.9"},  {31.4, "31"}, {3600, "3600"},  {-1, "0"},
};

START_TEST(test_format_delay)
{
    const struct delay_case *c = delay_cases + _i;
    STRBUF *out = strbuf_create(16);

    qmgr_format_delay(out, c->secs);
    ck_assert_msg(strcmp(STR(out), c->want) == 0, "%g: got %s, want %s",
                  c->secs, STR(out), c->want);
    strbuf_free(out);
}
END_TEST

static Suite *
qmgr_queue_suite(void)
{
    Suite *s = suite_create("qmgr_queue");
    TCase *tc = tcase_create("core");

    tcase_add_loop_test(tc, test_schedule, 0, (int) NITEMS(sched_cases));
    tcase_add_loop_test(tc, test_backoff, 0, (int) NITEMS(backoff_cases));
    tcase_add_loop_test(tc, test_expired, 0, (int) NITEMS(expired_cases));
    tcase_add_loop_test(tc, test_format_delay, 0, (int) NITEMS(delay_cases));
    suite_add_tcase(s, tc);
    return s;
}

TEST_MAIN(qmgr_queue_suite)

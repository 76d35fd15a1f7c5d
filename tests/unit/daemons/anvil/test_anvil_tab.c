/* test_anvil_tab - Check suite for anvil's counters, on a fake clock. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "anvil_tab.h"
#include "strbuf.h"
#include "test_main.h"

/* What a step does; its result is compared as text. */
enum {
    OP_CONNECT,    /* "count/rate" or "full" */
    OP_DISCONNECT, /* "ok" */
    OP_MAIL,       /* "rate" or "full", likewise the next three */
    OP_RCPT,
    OP_NTLS,
    OP_AUTH,
    OP_LOOKUP,  /* "count rate mail rcpt ntls auth" */
    OP_CLEANUP, /* "-removed" */
    OP_SIZE,    /* "#entries" */
    OP_REPORT,  /* the report text */
};

struct step {
    long t; /* the fake clock, seconds after T0 */
    int op;
    const char *ident;
    const char *want;
};

struct tab_case {
    const char *name;
    long unit;
    size_t max;
    const struct step *steps; /* ended by a NULL want */
};

/* Nov 22 2023 08:00:00 UTC: the reports' times read in UTC. */
#define T0 1700640000L

static time_t fake_now;

/* fake_clock - the tests' time source */
static time_t
fake_clock(void)
{
    return fake_now;
}

static const struct tab_case cases[] = {
    {"connect counts per ident", 60, 100,
     (const struct step[]){{0, OP_CONNECT, "smtp:a", "1/1"},
                           {0, OP_CONNECT, "smtp:a", "2/2"},
                           {1, OP_CONNECT, "smtp:b", "1/1"},
                           {1, OP_CONNECT, "submission:a", "1/1"},
                           {2, OP_LOOKUP, "smtp:a", "2 2 0 0 0 0"},
                           {2, OP_LOOKUP, "smtp:b", "1 1 0 0 0 0"},
                           {2, OP_SIZE, NULL, "#3"},
                           {0, 0, NULL, NULL}}},
    {"disconnect never goes below zero", 60, 100,
     (const struct step[]){{0, OP_CONNECT, "smtp:a", "1/1"},
                           {1, OP_DISCONNECT, "smtp:a", "ok"},
                           {2, OP_DISCONNECT, "smtp:a", "ok"},
                           {3, OP_LOOKUP, "smtp:a", "0 1 0 0 0 0"},
                           {3, OP_CONNECT, "smtp:a", "1/2"},
                           {4, OP_DISCONNECT, "smtp:unknown", "ok"},
                           {4, OP_SIZE, NULL, "#1"},
                           {0, 0, NULL, NULL}}},
    {"rate window restarts when it expires", 10, 100,
     (const struct step[]){{0, OP_CONNECT, "smtp:a", "1/1"},
                           {5, OP_CONNECT, "smtp:a", "2/2"},
                           {9, OP_CONNECT, "smtp:a", "3/3"},
                           {10, OP_CONNECT, "smtp:a", "4/1"},
                           {19, OP_LOOKUP, "smtp:a", "4 1 0 0 0 0"},
                           {20, OP_LOOKUP, "smtp:a", "4 0 0 0 0 0"},
                           {25, OP_CONNECT, "smtp:a", "5/1"},
                           {0, 0, NULL, NULL}}},
    {"every rate counts on its own", 60, 100,
     (const struct step[]){{0, OP_MAIL, "smtp:a", "1"},
                           {0, OP_RCPT, "smtp:a", "1"},
                           {0, OP_RCPT, "smtp:a", "2"},
                           {1, OP_RCPT, "smtp:a", "3"},
                           {1, OP_NTLS, "smtp:a", "1"},
                           {1, OP_AUTH, "smtp:a", "1"},
                           {2, OP_MAIL, "smtp:a", "2"},
                           {2, OP_AUTH, "smtp:b", "1"},
                           {3, OP_LOOKUP, "smtp:a", "0 0 2 3 1 1"},
                           {3, OP_LOOKUP, "smtp:b", "0 0 0 0 0 1"},
                           {0, 0, NULL, NULL}}},
    {"all rates restart together", 10, 100,
     (const struct step[]){{0, OP_CONNECT, "smtp:a", "1/1"},
                           {1, OP_MAIL, "smtp:a", "1"},
                           {2, OP_RCPT, "smtp:a", "1"},
                           {3, OP_NTLS, "smtp:a", "1"},
                           {4, OP_AUTH, "smtp:a", "1"},
                           {10, OP_MAIL, "smtp:a", "1"},
                           {10, OP_LOOKUP, "smtp:a", "1 0 1 0 0 0"},
                           {0, 0, NULL, NULL}}},
    {"lookup of an unknown ident", 60, 100,
     (const struct step[]){{0, OP_LOOKUP, "smtp:nobody", "0 0 0 0 0 0"},
                           {0, OP_SIZE, NULL, "#0"},
                           {0, 0, NULL, NULL}}},
    {"cleanup removes idle expired entries", 10, 100,
     (const struct step[]){{0, OP_CONNECT, "smtp:busy", "1/1"},
                           {0, OP_CONNECT, "smtp:gone", "1/1"},
                           {1, OP_DISCONNECT, "smtp:gone", "ok"},
                           {5, OP_MAIL, "smtp:late", "1"},
                           {9, OP_CLEANUP, NULL, "-0"},
                           {10, OP_CLEANUP, NULL, "-1"},
                           {10, OP_SIZE, NULL, "#2"},
                           {10, OP_LOOKUP, "smtp:gone", "0 0 0 0 0 0"},
                           {15, OP_CLEANUP, NULL, "-1"},
                           {15, OP_LOOKUP, "smtp:busy", "1 0 0 0 0 0"},
                           {100, OP_CLEANUP, NULL, "-0"},
                           {100, OP_SIZE, NULL, "#1"},
                           {0, 0, NULL, NULL}}},
    {"a clock that goes back ends the window", 10, 100,
     (const struct step[]){{100, OP_CONNECT, "smtp:a", "1/1"},
                           {101, OP_CONNECT, "smtp:a", "2/2"},
                           {95, OP_CONNECT, "smtp:a", "3/1"},
                           {0, 0, NULL, NULL}}},
    {"a full table refuses new idents", 10, 2,
     (const struct step[]){{0, OP_CONNECT, "smtp:a", "1/1"},
                           {0, OP_CONNECT, "smtp:b", "1/1"},
                           {0, OP_CONNECT, "smtp:c", "full"},
                           {0, OP_MAIL, "smtp:c", "full"},
                           {0, OP_AUTH, "smtp:c", "full"},
                           {0, OP_CONNECT, "smtp:a", "2/2"},
                           {0, OP_MAIL, "smtp:b", "1"},
                           {0, OP_LOOKUP, "smtp:c", "0 0 0 0 0 0"},
                           {1, OP_DISCONNECT, "smtp:b", "ok"},
                           {2, OP_CONNECT, "smtp:c", "full"},
                           {10, OP_CONNECT, "smtp:c", "1/1"},
                           {10, OP_SIZE, NULL, "#2"},
                           {10, OP_LOOKUP, "smtp:a", "2 0 0 0 0 0"},
                           {0, 0, NULL, NULL}}},
    {"report of nothing is empty", 60, 100,
     (const struct step[]){{0, OP_LOOKUP, "smtp:a", "0 0 0 0 0 0"},
                           {0, OP_REPORT, NULL, ""},
                           {0, 0, NULL, NULL}}},
    {"report of the peaks", 60, 100,
     (const struct step[]){
         {1, OP_CONNECT, "smtp:127.0.0.1", "1/1"},
         {1, OP_CONNECT, "smtp:127.0.0.1", "2/2"},
         {2, OP_CONNECT, "smtp:10.0.0.1", "1/1"},
         {2, OP_DISCONNECT, "smtp:127.0.0.1", "ok"},
         {2, OP_CONNECT, "smtp:10.0.0.1", "2/2"},
         {3, OP_CONNECT, "smtp:10.0.0.1", "3/3"},
         {4, OP_MAIL, "smtp:10.0.0.1", "1"},
         {5, OP_RCPT, "smtp:127.0.0.1", "1"},
         {6, OP_NTLS, "smtp:10.0.0.1", "1"},
         {7, OP_AUTH, "submission:10.0.0.2", "1"},
         {8, OP_REPORT, NULL,
          "statistics: max connection rate 3/60s for (smtp:10.0.0.1)"
          " at Nov 22 08:00:03\n"
          "statistics: max connection count 3 for (smtp:10.0.0.1)"
          " at Nov 22 08:00:03\n"
          "statistics: max message rate 1/60s for (smtp:10.0.0.1)"
          " at Nov 22 08:00:04\n"
          "statistics: max recipient rate 1/60s for (smtp:127.0.0.1)"
          " at Nov 22 08:00:05\n"
          "statistics: max newtls rate 1/60s for (smtp:10.0.0.1)"
          " at Nov 22 08:00:06\n"
          "statistics: max auth rate 1/60s for (submission:10.0.0.2)"
          " at Nov 22 08:00:07\n"
          "statistics: max cache size 3 at Nov 22 08:00:07\n"},
         {0, 0, NULL, NULL}}},
    {"a peak keeps its first holder", 60, 100,
     (const struct step[]){
         {1, OP_CONNECT, "smtp:first", "1/1"},
         {2, OP_CONNECT, "smtp:second", "1/1"},
         {3, OP_DISCONNECT, "smtp:first", "ok"},
         {3, OP_DISCONNECT, "smtp:second", "ok"},
         {4, OP_REPORT, NULL,
          "statistics: max connection rate 1/60s for (smtp:first)"
          " at Nov 22 08:00:01\n"
          "statistics: max connection count 1 for (smtp:first)"
          " at Nov 22 08:00:01\n"
          "statistics: max cache size 2 at Nov 22 08:00:02\n"},
         {0, 0, NULL, NULL}}},
    {"a report starts new peaks", 60, 100,
     (const struct step[]){
         {1, OP_CONNECT, "smtp:a", "1/1"},
         {1, OP_CONNECT, "smtp:a", "2/2"},
         {2, OP_REPORT, NULL,
          "statistics: max connection rate 2/60s for (smtp:a)"
          " at Nov 22 08:00:01\n"
          "statistics: max connection count 2 for (smtp:a)"
          " at Nov 22 08:00:01\n"
          "statistics: max cache size 1 at Nov 22 08:00:01\n"},
         {3, OP_MAIL, "smtp:a", "1"},
         {4, OP_REPORT, NULL,
          "statistics: max message rate 1/60s for (smtp:a)"
          " at Nov 22 08:00:03\n"
          "statistics: max cache size 1 at Nov 22 08:00:02\n"},
         {61, OP_CLEANUP, NULL, "-0"},
         {61, OP_DISCONNECT, "smtp:a", "ok"},
         {61, OP_DISCONNECT, "smtp:a", "ok"},
         {61, OP_CLEANUP, NULL, "-1"},
         {62, OP_REPORT, NULL,
          "statistics: max cache size 1 at Nov 22 08:00:04\n"},
         {63, OP_REPORT, NULL, ""},
         {0, 0, NULL, NULL}}},
    {"report of refusals", 60, 1,
     (const struct step[]){
         {0, OP_CONNECT, "smtp:a", "1/1"},
         {0, OP_CONNECT, "smtp:b", "full"},
         {0, OP_RCPT, "smtp:b", "full"},
         {1, OP_REPORT, NULL,
          "statistics: max connection rate 1/60s for (smtp:a)"
          " at Nov 22 08:00:00\n"
          "statistics: max connection count 1 for (smtp:a)"
          " at Nov 22 08:00:00\n"
          "statistics: max cache size 1 at Nov 22 08:00:00\n"
          "statistics: 2 updates refused: table full at 1 idents\n"},
         {0, 0, NULL, NULL}}},
    {"report makes idents printable", 60, 100,
     (const struct step[]){
         {0, OP_CONNECT, "smtp:a\001\nb", "1/1"},
         {0, OP_REPORT, NULL,
          "statistics: max connection rate 1/60s for (smtp:a??b)"
          " at Nov 22 08:00:00\n"
          "statistics: max connection count 1 for (smtp:a??b)"
          " at Nov 22 08:00:00\n"
          "statistics: max cache size 1 at Nov 22 08:00:00\n"},
         {0, 0, NULL, NULL}}},
};

/* rate_index - the value index of a rate step */
static int
rate_index(int op)
{
    static const int map[] = {[OP_MAIL] = ANVIL_MAIL,
                              [OP_RCPT] = ANVIL_RCPT,
                              [OP_NTLS] = ANVIL_NTLS,
                              [OP_AUTH] = ANVIL_AUTH};

    return map[op];
}

/* run_step - do one step; its result as text in got */
static void
run_step(ANVIL_TAB *tab, const struct step *st, STRBUF *got)
{
    unsigned v[ANVIL_NVALUES];

    strbuf_reset(got);
    switch (st->op) {
        case OP_CONNECT:
            if (anvil_tab_connect(tab, st->ident, &v[0], &v[1]) < 0)
                strbuf_strcpy(got, "full");
            else
                strbuf_sprintf(got, "%u/%u", v[0], v[1]);
            break;
        case OP_DISCONNECT:
            ck_assert_int_eq(anvil_tab_disconnect(tab, st->ident), 0);
            strbuf_strcpy(got, "ok");
            break;
        case OP_LOOKUP:
            anvil_tab_lookup(tab, st->ident, v);
            strbuf_sprintf(got, "%u %u %u %u %u %u", v[0], v[1], v[2], v[3],
                           v[4], v[5]);
            break;
        case OP_CLEANUP:
            strbuf_sprintf(got, "-%zu", anvil_tab_cleanup(tab));
            break;
        case OP_SIZE:
            strbuf_sprintf(got, "#%zu", anvil_tab_size(tab));
            break;
        case OP_REPORT:
            anvil_tab_report(tab, got);
            break;
        default:
            if (anvil_tab_incr(tab, st->ident, rate_index(st->op), &v[0]) < 0)
                strbuf_strcpy(got, "full");
            else
                strbuf_sprintf(got, "%u", v[0]);
            break;
    }
}

/* utc - read the reports' times in UTC */
static void
utc(void)
{
    setenv("TZ", "UTC", 1);
    tzset();
}

START_TEST(test_tab_cases)
{
    const struct tab_case *tc = &cases[_i];
    ANVIL_TAB *tab = anvil_tab_create(tc->unit, tc->max, fake_clock);
    STRBUF *got = strbuf_create(100);
    const struct step *st;

    for (st = tc->steps; st->want != NULL; st++) {
        fake_now = T0 + st->t;
        run_step(tab, st, got);
        ck_assert_msg(strcmp(STR(got), st->want) == 0,
                      "%s: step %ld: got \"%s\", want \"%s\"", tc->name,
                      (long) (st - tc->steps), STR(got), st->want);
    }
    tab = anvil_tab_free(tab);
    ck_assert_ptr_null(tab);
    strbuf_free(got);
}
END_TEST

/* Many idents, most of them expired: cleanup keeps exactly the busy ones. */
START_TEST(test_many_idents)
{
    ANVIL_TAB *tab = anvil_tab_create(10, 5000, fake_clock);
    unsigned count, rate, values[ANVIL_NVALUES];
    char ident[32];
    int i;

    fake_now = T0;
    for (i = 0; i < 5000; i++) {
        snprintf(ident, sizeof(ident), "smtp:10.0.%d.%d", i / 256, i % 256);
        ck_assert_int_eq(anvil_tab_connect(tab, ident, &count, &rate), 0);
        if (i % 10 != 0)
            anvil_tab_disconnect(tab, ident);
    }
    ck_assert_int_eq(anvil_tab_connect(tab, "smtp:new", &count, &rate), -1);
    fake_now = T0 + 10;
    ck_assert_int_eq(anvil_tab_connect(tab, "smtp:new", &count, &rate), 0);
    ck_assert_uint_eq(anvil_tab_size(tab), 501);
    anvil_tab_lookup(tab, "smtp:10.0.0.10", values);
    ck_assert_uint_eq(values[ANVIL_COUNT], 1);
    anvil_tab_lookup(tab, "smtp:10.0.0.11", values);
    ck_assert_uint_eq(values[ANVIL_COUNT], 0);
    anvil_tab_free(tab);
}
END_TEST

/* The default clock is the real one: a window of one hour holds. */
START_TEST(test_real_clock)
{
    ANVIL_TAB *tab = anvil_tab_create(3600, ANVIL_TAB_DEF_MAX, NULL);
    unsigned count, rate;

    ck_assert_int_eq(anvil_tab_connect(tab, "smtp:a", &count, &rate), 0);
    ck_assert_int_eq(anvil_tab_connect(tab, "smtp:a", &count, &rate), 0);
    ck_assert_uint_eq(rate, 2);
    ck_assert_uint_eq(anvil_tab_cleanup(tab), 0);
    anvil_tab_log_status(tab);
    anvil_tab_free(tab);
}
END_TEST

START_TEST(test_bad_index)
{
    ANVIL_TAB *tab = anvil_tab_create(60, 10, fake_clock);
    unsigned rate;

    anvil_tab_incr(tab, "smtp:a", ANVIL_RATE, &rate);
}
END_TEST

START_TEST(test_bad_unit)
{
    anvil_tab_create(0, 10, fake_clock);
}
END_TEST

static Suite *
anvil_tab_suite(void)
{
    Suite *s = suite_create("anvil_tab");
    TCase *tc = tcase_create("core");

    tcase_add_checked_fixture(tc, utc, NULL);
    tcase_add_loop_test(tc, test_tab_cases, 0, NITEMS(cases));
    tcase_add_test(tc, test_many_idents);
    tcase_add_test(tc, test_real_clock);
    tcase_add_test_raise_signal(tc, test_bad_index, SIGABRT);
    tcase_add_test_raise_signal(tc, test_bad_unit, SIGABRT);
    suite_add_tcase(s, tc);
    return s;
}

TEST_MAIN(anvil_tab_suite)

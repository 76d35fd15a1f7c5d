/*
 * test_cleanup_message - Check suite for cleanup(8)'s content handling
 * without a server: header removal, addition and rewriting, -t
 * extraction, header and body rules, line cutting across data frames,
 * recipient duplicates and the status of error bits.  trivial-rewrite is
 * replaced by a function that appends "@origin" to a bare local part.
 */
#include <stdio.h>
#include <string.h>

#include "cleanup.h"
#include "mymalloc.h"
#include "test_main.h"

/* test_rewrite - a bare local part gets "@origin" */
static int
test_rewrite(const char *rule, const char *addr, STRBUF *result)
{
    strbuf_strcpy(result, addr);
    if (strchr(addr, '@') == NULL)
        strbuf_strcat(result, strcmp(rule, "local") == 0 ? "@origin" : "");
    return MAIL_STAT_OK;
}

/* test_out - collect output lines, each followed by "|" */
static int
test_out(CLEANUP_STATE *state, const char *line, size_t len)
{
    strbuf_memcat((STRBUF *) state->out_context, line, len);
    strbuf_addch((STRBUF *) state->out_context, '|');
    return 0;
}

static CLEANUP_PARAMS params;

/* test_state - a state writing to out, with a fixed Date/Message-Id */
static CLEANUP_STATE *
test_state(int flags, STRBUF *out)
{
    CLEANUP_STATE *s;

    cleanup_params_init(&params);
    params.myhostname = "host.test";
    params.undisclosed_hdr = "To: undisclosed-recipients:;";
    s = cleanup_state_create(&params, "QID", flags);
    s->rewrite = test_rewrite;
    s->out = test_out;
    s->out_context = out;
    s->arrival_sec = 0;
    (void) cleanup_sender(s, "snd");
    return s;
}

/* test_state_free - free a state made by test_state() and its output */
static void
test_state_free(CLEANUP_STATE *s)
{
    STRBUF *out = (STRBUF *) s->out_context;

    cleanup_state_free(s);
    strbuf_free(out);
}

#define HDRS "Date: d|Message-Id: <m@x>|"

static const struct {
    const char *name;
    int flags;
    const char *input;
    const char *want;  /* output lines, each ended by "|" */
    const char *rcpts; /* recipients joined by ",", after finish */
} cases[] = {
    {"return-path removed", 0,
     "Date: d\nMessage-Id: <m@x>\nReturn-Path: <x>\n"
     "From: f\nTo: t\n\nbody\n",
     HDRS "From: f@origin|To: t@origin||body|", "r@x"},
    {"from added with sender", 0, "Date: d\nMessage-Id: <m@x>\nTo: t@y\n\nb",
     HDRS "To: t@y|From: <snd@origin>||b|", "r@x"},
    {"undisclosed added", 0, "Date: d\nMessage-Id: <m@x>\nFrom: f@y\n\n",
     HDRS "From: f@y|To: undisclosed-recipients:;||", "r@x"},
    {"extract to cc bcc", CLEANUP_FLAG_EXTRACT,
     "Date: d\nMessage-Id: <m@x>\nFrom: f@y\nTo: a, B <b@y>\nCc: c@y\n"
     "Bcc: d@y\n\n",
     HDRS "From: f@y|To: a@origin, B <b@y>|Cc: c@y||",
     "r@x,a@origin,b@y,c@y,d@y"},
    {"extract resent only", CLEANUP_FLAG_EXTRACT,
     "Date: d\nMessage-Id: <m@x>\nFrom: f@y\nTo: a@y\nResent-To: z@y\n"
     "Resent-Bcc: w@y\n\n",
     HDRS "From: f@y|To: a@y|Resent-To: z@y|"
          "Resent-Message-Id: <19700101000000.QID@host.test>|"
          "Resent-Date: Thu, 1 Jan 1970 00:00:00 +0000 (UTC)|"
          "Resent-From: <snd@origin>||",
     "r@x,z@y,w@y"},
    {"bcc kept without -t", 0,
     "Date: d\nMessage-Id: <m@x>\nFrom: f@y\nBcc: d@y\n\n",
     HDRS "From: f@y|Bcc: d@y||", "r@x"},
    {"folded header kept", 0,
     "Date: d\nMessage-Id: <m@x>\nFrom: f@y\nTo: a@y\nSubject: a\n b\n\n",
     HDRS "From: f@y|To: a@y|Subject: a| b||", "r@x"},
    {"body line ends headers", 0,
     "Date: d\nMessage-Id: <m@x>\nFrom: f@y\nTo: a@y\nnot a header\nx",
     HDRS "From: f@y|To: a@y|not a header|x|", "r@x"},
};

START_TEST(test_cases)
{
    STRBUF *out = strbuf_create(100);
    CLEANUP_STATE *s = test_state(cases[_i].flags, out);
    const char *in = cases[_i].input;
    STRBUF *got = strbuf_create(100);
    size_t i;

    (void) cleanup_recipient(s, "r@x", NULL, NULL, 0);
    /* Feed one byte at a time: lines cross data frames. */
    for (i = 0; in[i]; i++)
        cleanup_data(s, in + i, 1);
    cleanup_data_end(s);
    cleanup_finish_rcpts(s);
    ck_assert_msg(strcmp(STR(out), cases[_i].want) == 0, "%s: got \"%s\"",
                  cases[_i].name, STR(out));
    for (i = 0; i < s->rcpts->count; i++)
        strbuf_sprintf_cat(got, "%s%s", i ? "," : "", s->rcpts->list[i].addr);
    ck_assert_msg(strcmp(STR(got), cases[_i].rcpts) == 0, "%s: rcpts \"%s\"",
                  cases[_i].name, STR(got));
    ck_assert_int_eq(s->errs, 0);
    test_state_free(s);
    strbuf_free(got);
}
END_TEST

START_TEST(test_added_headers)
{
    STRBUF *out = strbuf_create(100);
    CLEANUP_STATE *s = test_state(0, out);

    s->full_name = mystrdup("A \"B\"");
    cleanup_data(s, "Subject: x\n\nbody\n", 17);
    cleanup_data_end(s);
    ck_assert_msg(strstr(STR(out), "Subject: x|Message-Id: <19700101000000"
                                   ".QID@host.test>|Date: ") == STR(out),
                  "%s", STR(out));
    ck_assert_ptr_nonnull(strstr(STR(out), "|From: \"A \\\"B\\\"\" "
                                           "<snd@origin>|To: undisclosed"));
    ck_assert_str_eq(STR(s->message_id), "<19700101000000.QID@host.test>");
    test_state_free(s);
}
END_TEST

/* Over the size limit: what a bounce keeps, and which errors bounce. */
static const struct {
    const char *name;
    int flags;
    const char *want; /* lines emitted before the refusal */
} size_cases[] = {
    {"no bounce: the frame is dropped", 0, ""},
    {"bounce: the lines that fit", CLEANUP_FLAG_BOUNCE,
     "Subject: a|Message-Id: <19700101000000.QID@host.test>|"
     "Date: Thu, 1 Jan 1970 00:00:00 +0000 (UTC)|From: <snd@origin>|"
     "To: undisclosed-recipients:;||b1|"},
};

START_TEST(test_size_keep)
{
    STRBUF *out = strbuf_create(100);
    CLEANUP_STATE *s = test_state(size_cases[_i].flags, out);

    params.message_size_limit = 20;
    cleanup_data(s, "Subject: a\n\nb1\nb2 0123456789\n", 29);
    cleanup_data(s, "more\n", 5);
    ck_assert_msg(strcmp(STR(out), size_cases[_i].want) == 0, "%s: got %s",
                  size_cases[_i].name, STR(out));
    ck_assert_int_eq(s->errs, CLEANUP_STAT_SIZE);
    ck_assert_int_eq(cleanup_bounce_wanted(s), size_cases[_i].flags != 0);
    test_state_free(s);
}
END_TEST

static const struct {
    const char *name;
    int flags;
    int errs;
    int discard;
    int want;
} bounce_cases[] = {
    {"no flag", 0, CLEANUP_STAT_CONT, 0, 0},
    {"reject rule", CLEANUP_FLAG_BOUNCE, CLEANUP_STAT_CONT, 0, 1},
    {"hops", CLEANUP_FLAG_BOUNCE, CLEANUP_STAT_HOPS, 0, 1},
    {"no error", CLEANUP_FLAG_BOUNCE, 0, 0, 0},
    {"no recipients", CLEANUP_FLAG_BOUNCE, CLEANUP_STAT_RCPT, 0, 0},
    {"temporary", CLEANUP_FLAG_BOUNCE, CLEANUP_STAT_CONT | CLEANUP_STAT_DEFER,
     0, 0},
    {"write error", CLEANUP_FLAG_BOUNCE, CLEANUP_STAT_SIZE | CLEANUP_STAT_WRITE,
     0, 0},
    {"bad request", CLEANUP_FLAG_BOUNCE, CLEANUP_STAT_BAD, 0, 0},
    {"discarded", CLEANUP_FLAG_BOUNCE, CLEANUP_STAT_CONT, 1, 0},
};

START_TEST(test_bounce_wanted)
{
    STRBUF *out = strbuf_create(100);
    CLEANUP_STATE *s = test_state(bounce_cases[_i].flags, out);

    s->errs = bounce_cases[_i].errs;
    s->discard = bounce_cases[_i].discard;
    ck_assert_msg(cleanup_bounce_wanted(s) == bounce_cases[_i].want, "%s",
                  bounce_cases[_i].name);
    test_state_free(s);
}
END_TEST

START_TEST(test_size_and_hops)
{
    STRBUF *out = strbuf_create(100);
    CLEANUP_STATE *s = test_state(0, out);
    int i;

    params.message_size_limit = 10;
    cleanup_data(s, "Subject: 0123456789\n", 20);
    ck_assert_int_eq(s->errs, CLEANUP_STAT_SIZE);
    ck_assert_str_eq(STR(s->dsn), "5.3.4");
    ck_assert_int_eq(cleanup_reply_status(s->errs), MAIL_STAT_DENY);
    cleanup_state_free(s);
    strbuf_reset(out);
    s = test_state(0, out);
    params.hopcount_limit = 3;
    for (i = 0; i < 4; i++)
        cleanup_data(s, "Received: x\n", 12);
    cleanup_data_end(s);
    ck_assert_int_eq(s->errs, CLEANUP_STAT_HOPS);
    ck_assert_str_eq(STR(s->dsn), "5.4.0");
    test_state_free(s);
}
END_TEST

START_TEST(test_no_rcpt)
{
    STRBUF *out = strbuf_create(100);
    CLEANUP_STATE *s = test_state(CLEANUP_FLAG_EXTRACT, out);

    cleanup_data(s, "Subject: x\n\n", 12);
    cleanup_data_end(s);
    cleanup_finish_rcpts(s);
    ck_assert_int_eq(s->errs, CLEANUP_STAT_RCPT);
    ck_assert_str_eq(STR(s->dsn), "5.1.3");
    test_state_free(s);
}
END_TEST

START_TEST(test_dedupe)
{
    CLEANUP_RCPTS *r = cleanup_rcpts_create(3);

    ck_assert_int_eq(cleanup_rcpts_add(r, "a", "a", NULL, 0),
                     CLEANUP_RCPT_ADDED);
    ck_assert_int_eq(cleanup_rcpts_add(r, "a", "a", NULL, 0), CLEANUP_RCPT_DUP);
    /* Same address, other original: both kept. */
    ck_assert_int_eq(cleanup_rcpts_add(r, "a", "b", NULL, 0),
                     CLEANUP_RCPT_ADDED);
    ck_assert_int_eq(cleanup_rcpts_add(r, "a", NULL, NULL, 0),
                     CLEANUP_RCPT_ADDED);
    ck_assert_int_eq(cleanup_rcpts_add(r, "c", NULL, NULL, 0),
                     CLEANUP_RCPT_FULL);
    ck_assert_uint_eq(r->count, 3);
    ck_assert_ptr_null(cleanup_rcpts_free(r));
}
END_TEST

START_TEST(test_status)
{
    ck_assert_int_eq(cleanup_reply_status(0), MAIL_STAT_OK);
    ck_assert_int_eq(cleanup_reply_status(CLEANUP_STAT_BAD | CLEANUP_STAT_SIZE),
                     MAIL_STAT_BAD);
    ck_assert_int_eq(cleanup_reply_status(CLEANUP_STAT_WRITE), MAIL_STAT_RETRY);
    ck_assert_int_eq(cleanup_reply_status(CLEANUP_STAT_DEFER), MAIL_STAT_RETRY);
    ck_assert_int_eq(cleanup_reply_status(CLEANUP_STAT_CONT), MAIL_STAT_DENY);
    ck_assert_int_eq(cleanup_reply_status(CLEANUP_STAT_RCPT), MAIL_STAT_DENY);
}
END_TEST

static Suite *
cleanup_message_suite(void)
{
    Suite *s = suite_create("cleanup_message");
    TCase *tc = tcase_create("core");

    tcase_add_loop_test(tc, test_cases, 0, NITEMS(cases));
    tcase_add_test(tc, test_added_headers);
    tcase_add_test(tc, test_size_and_hops);
    tcase_add_loop_test(tc, test_size_keep, 0, NITEMS(size_cases));
    tcase_add_loop_test(tc, test_bounce_wanted, 0, NITEMS(bounce_cases));
    tcase_add_test(tc, test_no_rcpt);
    tcase_add_test(tc, test_dedupe);
    tcase_add_test(tc, test_status);
    suite_add_tcase(s, tc);
    return s;
}

TEST_MAIN(cleanup_message_suite)

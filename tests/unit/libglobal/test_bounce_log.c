/* test_bounce_log - Check suite for bounce_log: delivery log entries. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bounce_log.h"
#include "mymalloc.h"
#include "rec_type.h"
#include "test_main.h"
#include "test_tmpdir.h"

#define E1                                                                     \
    "recipient=a@x\nstatus=5.1.1\naction=failed\nreason=unknown\ntime=1\n\n"
#define E2                                                                     \
    "recipient=b@x\nnotify=6\noffset=77\nstatus=4.4.1\naction=delayed\n"       \
    "reason=no route\ndiag=smtp; 451 x\nmta=dns; mx\nrelay=mx[1.2.3.4]:25\n"   \
    "time=2\n\n"
#define E1B                                                                    \
    "recipient=a@x\nstatus=5.0.0\naction=failed\nreason=later\ntime=3\n\n"

/* Parse cases: the text, how many entries, whether the read stopped. */
static const struct {
    const char *name;
    const char *input;
    size_t want_count;
    int want_stop;
    const char *want_reason0; /* of the first entry, or NULL */
} parse_cases[] = {
    {"empty", "", 0, 0, NULL},
    {"one", E1, 1, 0, "unknown"},
    {"two", E1 E2, 2, 0, "unknown"},
    {"duplicate keeps last, first place", E1 E2 E1B, 2, 0, "later"},
    {"truncated last entry", E1 "recipient=b@x\nstatus=5.1.1\n", 1, 0,
     "unknown"},
    {"truncated last line", E1 "recipient=b@x\nstatus=5.1", 1, 0, "unknown"},
    {"whole entry without empty line",
     E1 "recipient=b@x\nstatus=5.1.1\n"
        "action=failed\nreason=r\ntime=1\n",
     1, 0, "unknown"},
    {"unknown name skipped",
     "recipient=a@x\nfuture=1\nstatus=5.1.1\n"
     "action=failed\nreason=unknown\ntime=1\n\n",
     1, 0, "unknown"},
    {"empty value",
     "recipient=a@x\nstatus=5.1.1\naction=failed\nreason=\n"
     "time=1\n\n",
     1, 0, ""},
    {"missing required", "recipient=a@x\nstatus=5.1.1\ntime=1\n\n", 0, 1, NULL},
    {"name twice",
     "recipient=a@x\nrecipient=b@x\nstatus=5.1.1\n"
     "action=failed\nreason=r\ntime=1\n\n",
     0, 1, NULL},
    {"bad entry stops, earlier count", E1 "recipient=b@x\n\n" E2, 1, 1,
     "unknown"},
    {"empty entry", E1 "\n" E2, 1, 1, "unknown"},
    {"no equals", "recipient a@x\n\n", 0, 1, NULL},
    {"bad name", "Recipient=a@x\n\n", 0, 1, NULL},
    {"empty name", "=a@x\n\n", 0, 1, NULL},
    {"control char",
     "recipient=a\tx\nstatus=5.1.1\naction=failed\n"
     "reason=r\ntime=1\n\n",
     0, 1, NULL},
    {"bad status",
     "recipient=a@x\nstatus=3.1.1\naction=failed\n"
     "reason=r\ntime=1\n\n",
     0, 1, NULL},
    {"status digits",
     "recipient=a@x\nstatus=5.1234.1\naction=failed\n"
     "reason=r\ntime=1\n\n",
     0, 1, NULL},
    {"bad action",
     "recipient=a@x\nstatus=5.1.1\naction=lost\n"
     "reason=r\ntime=1\n\n",
     0, 1, NULL},
    {"bad time",
     "recipient=a@x\nstatus=5.1.1\naction=failed\n"
     "reason=r\ntime=-1\n\n",
     0, 1, NULL},
    {"long time",
     "recipient=a@x\nstatus=5.1.1\naction=failed\n"
     "reason=r\ntime=1234567890123456789\n\n",
     0, 1, NULL},
    {"notify never with others",
     "recipient=a@x\nnotify=3\nstatus=5.1.1\n"
     "action=failed\nreason=r\ntime=1\n\n",
     0, 1, NULL},
    {"notify too big",
     "recipient=a@x\nnotify=16\nstatus=5.1.1\n"
     "action=failed\nreason=r\ntime=1\n\n",
     0, 1, NULL},
    {"NUL in value", "recipient=a\0x\nstatus=5.1.1\n\n", 0, 1, NULL},
};

START_TEST(test_parse)
{
    STRBUF *why = strbuf_create(100);
    const char *in = parse_cases[_i].input;
    size_t len = strlen(in);
    BOUNCE_LOG *log;

    /* The NUL case holds a NUL: measure it by its known layout. */
    if (strcmp(parse_cases[_i].name, "NUL in value") == 0)
        len = 11 + strlen(in + 12) + 1;
    log = bounce_log_parse(in, len, "log", why);
    ck_assert_ptr_nonnull(log);
    ck_assert_msg(log->count == parse_cases[_i].want_count, "%s: count %zu",
                  parse_cases[_i].name, log->count);
    ck_assert_msg((LEN(why) > 0) == parse_cases[_i].want_stop, "%s: why '%s'",
                  parse_cases[_i].name, STR(why));
    if (parse_cases[_i].want_stop)
        ck_assert_msg(strncmp(STR(why), "log: line ", 10) == 0, "%s: %s",
                      parse_cases[_i].name, STR(why));
    if (parse_cases[_i].want_reason0)
        ck_assert_str_eq(log->entry[0].reason, parse_cases[_i].want_reason0);
    bounce_log_free(log);
    strbuf_free(why);
}
END_TEST

/* The fields of the full entry E2 */
START_TEST(test_parse_fields)
{
    STRBUF *why = strbuf_create(100);
    BOUNCE_LOG *log = bounce_log_parse(E1 E2, strlen(E1 E2), "log", why);
    const BOUNCE_LOG_ENTRY *e = bounce_log_find(log, "b@x");

    ck_assert_ptr_nonnull(e);
    ck_assert_int_eq(e->notify, DSN_NOTIFY_SUCCESS | DSN_NOTIFY_FAILURE);
    ck_assert_int_eq(e->offset, 77);
    ck_assert_str_eq(e->status, "4.4.1");
    ck_assert_str_eq(e->action, "delayed");
    ck_assert_str_eq(e->diag, "smtp; 451 x");
    ck_assert_str_eq(e->mta, "dns; mx");
    ck_assert_str_eq(e->relay, "mx[1.2.3.4]:25");
    ck_assert_int_eq(e->time, 2);
    ck_assert_ptr_null(e->orig_rcpt);
    ck_assert_int_eq(bounce_log_find(log, "a@x")->offset, -1);
    ck_assert_ptr_null(bounce_log_find(log, "c@x"));
    bounce_log_free(log);
    strbuf_free(why);
}
END_TEST

/* repeat - a string of n copies of ch, the caller frees */
static char *
repeat(int ch, size_t n)
{
    char *s = mymalloc(n + 1);

    memset(s, ch, n);
    s[n] = 0;
    return s;
}

/* Limits: value length, line length, lines per entry. */
START_TEST(test_limits)
{
    STRBUF *in = strbuf_create(100);
    STRBUF *why = strbuf_create(100);
    char *v = repeat('v', BOUNCE_LOG_MAX_VALUE);
    BOUNCE_LOG *log;
    int i;

    /* A value at the limit is fine; one byte more is not. */
    strbuf_sprintf(in,
                   "recipient=a\nstatus=5.1.1\naction=failed\n"
                   "reason=%s\ntime=1\n\n",
                   v);
    log = bounce_log_parse(STR(in), LEN(in), "log", why);
    ck_assert_int_eq(log->count, 1);
    ck_assert_uint_eq(strlen(log->entry[0].reason), BOUNCE_LOG_MAX_VALUE);
    bounce_log_free(log);
    strbuf_sprintf(in,
                   "recipient=a\nstatus=5.1.1\naction=failed\n"
                   "reason=%sv\ntime=1\n\n",
                   v);
    log = bounce_log_parse(STR(in), LEN(in), "log", why);
    ck_assert_int_eq(log->count, 0);
    ck_assert_ptr_nonnull(strstr(STR(why), "value longer"));
    bounce_log_free(log);
    /* A line over BOUNCE_LOG_MAX_LINE (an unknown name's value). */
    strbuf_sprintf(in, "x=%s%s\n\n", v, v);
    log = bounce_log_parse(STR(in), LEN(in), "log", why);
    ck_assert_ptr_nonnull(strstr(STR(why), "line longer"));
    bounce_log_free(log);
    /* Lines per entry. */
    strbuf_strcpy(in, "recipient=a\nstatus=5.1.1\naction=failed\nreason=r\n");
    for (i = 0; i < BOUNCE_LOG_MAX_LINES; i++)
        strbuf_strcat(in, "x=1\n");
    strbuf_strcat(in, "time=1\n\n");
    log = bounce_log_parse(STR(in), LEN(in), "log", why);
    ck_assert_int_eq(log->count, 0);
    ck_assert_ptr_nonnull(strstr(STR(why), "more than"));
    bounce_log_free(log);
    myfree(v);
    strbuf_free(in);
    strbuf_free(why);
}
END_TEST

/* Entries per log: duplicates count towards the limit too. */
START_TEST(test_max_entries)
{
    STRBUF *in = strbuf_create(100);
    STRBUF *why = strbuf_create(100);
    BOUNCE_LOG *log;
    int i;

    for (i = 0; i <= BOUNCE_LOG_MAX_ENTRIES; i++)
        strbuf_strcat(in, E1);
    log = bounce_log_parse(STR(in), LEN(in), "log", why);
    ck_assert_int_eq(log->count, 1);
    ck_assert_ptr_nonnull(strstr(STR(why), "more than"));
    bounce_log_free(log);
    strbuf_free(in);
    strbuf_free(why);
}
END_TEST

/* Append, read back, duplicates, removal, hashed defer folder. */
START_TEST(test_append_read)
{
    MAIL_QUEUE *mq = mail_queue_create(".", "deferred, defer", 1);
    STRBUF *why = strbuf_create(100);
    const char *id = "4ZqLQb5XyBz1bcHQ";
    RECIPIENT r1 = {"a@x", "orig@x", "rfc822;orig@x", 6, 120};
    RECIPIENT r2 = {"b@x", NULL, "", 0, -1};
    DSN d1 = {"4.4.1", "delayed", "no\nroute\x7f", NULL, "", NULL};
    DSN d2 = {"5.1.1", "failed", "unknown", "smtp; 550 no", "dns; mx", "mx"};
    BOUNCE_LOG *log;
    struct stat st;

    ck_assert_int_eq(mkdir("defer", 0700), 0);
    ck_assert_int_eq(bounce_log_append(mq, "defer", id, &r1, &d1, 10, why), 0);
    ck_assert_int_eq(bounce_log_append(mq, "defer", id, &r2, &d2, 11, why), 0);
    ck_assert_int_eq(bounce_log_append(mq, "defer", id, &r1, &d2, 12, why), 0);
    ck_assert_int_eq(stat("defer/B/4ZqLQb5XyBz1bcHQ", &st), 0);
    ck_assert_int_eq(st.st_mode & 0777, 0600);
    log = bounce_log_read(mq, "defer", id, why);
    ck_assert_ptr_nonnull(log);
    ck_assert_int_eq(log->count, 2);
    ck_assert_str_eq(log->entry[0].recipient, "a@x");
    ck_assert_str_eq(log->entry[0].status, "5.1.1");
    ck_assert_str_eq(log->entry[0].orig_rcpt, "orig@x");
    ck_assert_str_eq(log->entry[0].dsn_orcpt, "rfc822;orig@x");
    ck_assert_int_eq(log->entry[0].notify, 6);
    ck_assert_int_eq(log->entry[0].offset, 120);
    ck_assert_int_eq(log->entry[0].time, 12);
    ck_assert_ptr_null(log->entry[1].dsn_orcpt);
    ck_assert_int_eq(log->entry[1].notify, 0);
    bounce_log_free(log);
    ck_assert_int_eq(bounce_log_remove(mq, "defer", id), 0);
    ck_assert_int_eq(bounce_log_remove(mq, "defer", id), 0);
    errno = 0;
    ck_assert_ptr_null(bounce_log_read(mq, "defer", id, why));
    ck_assert_int_eq(errno, ENOENT);
    ck_assert_int_eq(bounce_log_append(mq, "defer", "../x", &r1, &d1, 1, why),
                     -1);
    strbuf_free(why);
    mail_queue_free(mq);
}
END_TEST

/* Control characters become spaces; the first entry's text on disk. */
START_TEST(test_append_text)
{
    MAIL_QUEUE *mq = mail_queue_create(".", "deferred, defer", 1);
    STRBUF *why = strbuf_create(100);
    RECIPIENT r = {"a@x", NULL, NULL, 0, -1};
    DSN d = {"5.1.1", "failed", "bad\nnews\x01", NULL, NULL, NULL};
    char buf[256];
    ssize_t n;
    int fd;

    ck_assert_int_eq(mkdir("bounce", 0700), 0);
    ck_assert_int_eq(
        bounce_log_append(mq, "bounce", "4ZqLQb5XyBz1bcHQ", &r, &d, 5, why), 0);
    fd = open("bounce/4ZqLQb5XyBz1bcHQ", O_RDONLY);
    n = read(fd, buf, sizeof(buf) - 1);
    close(fd);
    ck_assert_int_gt(n, 0);
    buf[n] = 0;
    ck_assert_str_eq(buf, "recipient=a@x\nstatus=5.1.1\naction=failed\n"
                          "reason=bad news \ntime=5\n\n");
    strbuf_free(why);
    mail_queue_free(mq);
}
END_TEST

/* A torn last entry (a crash mid-append) is cut before the next one. */
START_TEST(test_torn_tail)
{
    MAIL_QUEUE *mq = mail_queue_create(".", "", 1);
    STRBUF *why = strbuf_create(100);
    RECIPIENT r = {"b@x", NULL, NULL, 0, -1};
    DSN d = {"5.1.1", "failed", "r", NULL, NULL, NULL};
    const char *torn = E1 "recipient=z@x\nstatus=5";
    BOUNCE_LOG *log;
    int fd;

    ck_assert_int_eq(mkdir("bounce", 0700), 0);
    fd = open("bounce/4ZqLQb5XyBz1bcHQ", O_CREAT | O_WRONLY, 0600);
    ck_assert_int_eq(write(fd, torn, strlen(torn)), (ssize_t) strlen(torn));
    close(fd);
    ck_assert_int_eq(
        bounce_log_append(mq, "bounce", "4ZqLQb5XyBz1bcHQ", &r, &d, 5, why), 0);
    log = bounce_log_read(mq, "bounce", "4ZqLQb5XyBz1bcHQ", why);
    ck_assert_int_eq(log->count, 2);
    ck_assert_uint_eq(LEN(why), 0);
    ck_assert_str_eq(log->entry[1].recipient, "b@x");
    bounce_log_free(log);
    strbuf_free(why);
    mail_queue_free(mq);
}
END_TEST

static Suite *
bounce_log_suite(void)
{
    Suite *s = suite_create("bounce_log");
    TCase *tc = tcase_create("parse");
    TCase *tf = tcase_create("files");

    tcase_add_loop_test(tc, test_parse, 0, NITEMS(parse_cases));
    tcase_add_test(tc, test_parse_fields);
    tcase_add_test(tc, test_limits);
    tcase_add_test(tc, test_max_entries);
    tcase_set_timeout(tc, 60);
    suite_add_tcase(s, tc);
    TMPDIR_FIXTURES(tf);
    tcase_add_test(tf, test_append_read);
    tcase_add_test(tf, test_append_text);
    tcase_add_test(tf, test_torn_tail);
    suite_add_tcase(s, tf);
    return s;
}

TEST_MAIN(bounce_log_suite)

/* test_header_checks - Check suite for header_checks: the action language. */
#include <stdio.h>
#include <string.h>

#include "dict_regexp.h"
#include "header_checks.h"
#include "test_main.h"
#include "test_tmpdir.h"

/* Links the regexp: driver, which dict_builtin names only weakly. */
static DICT_OPEN_FN volatile keep_regexp = dict_regexp_open;

#define H HEADER_CHECKS_HEADER
#define B HEADER_CHECKS_BODY

static const struct {
    const char *name;
    int where;
    const char *value; /* the table's answer */
    int want;
    const char *want_text;
    const char *want_warn; /* in the warning; NULL: none */
} parse_cases[] = {
    {"reject", H, "REJECT", HEADER_ACT_REJECT, "", NULL},
    {"reject text", H, "REJECT 5.7.1 go away", HEADER_ACT_REJECT,
     "5.7.1 go away", NULL},
    {"lower case", H, "reject no", HEADER_ACT_REJECT, "no", NULL},
    {"tab before text", H, "DISCARD\t\tbye", HEADER_ACT_DISCARD, "bye", NULL},
    {"discard", H, "DISCARD", HEADER_ACT_DISCARD, "", NULL},
    {"hold", H, "HOLD held", HEADER_ACT_HOLD, "held", NULL},
    {"warn", H, "WARN look", HEADER_ACT_WARN, "look", NULL},
    {"info", H, "INFO note", HEADER_ACT_INFO, "note", NULL},
    {"ignore", H, "IGNORE", HEADER_ACT_IGNORE, "", NULL},
    {"ignore with text", H, "IGNORE whatever", HEADER_ACT_IGNORE, "", NULL},
    {"prepend", H, "PREPEND X-Tag: yes", HEADER_ACT_PREPEND, "X-Tag: yes",
     NULL},
    {"prepend no header", H, "PREPEND tagged", HEADER_ACT_NONE, "",
     "text is not a message header"},
    {"prepend body", B, "PREPEND tagged", HEADER_ACT_PREPEND, "tagged", NULL},
    {"prepend nothing", H, "PREPEND", HEADER_ACT_NONE, "", "action needs text"},
    {"replace", H, "REPLACE Subject: new", HEADER_ACT_REPLACE, "Subject: new",
     NULL},
    {"replace no header", H, "REPLACE new", HEADER_ACT_NONE, "",
     "text is not a message header"},
    {"replace body", B, "replace [removed]", HEADER_ACT_REPLACE, "[removed]",
     NULL},
    {"redirect", H, "REDIRECT abuse@example.com", HEADER_ACT_REDIRECT,
     "abuse@example.com", NULL},
    {"redirect nothing", H, "REDIRECT ", HEADER_ACT_NONE, "",
     "action needs text"},
    {"filter", H, "FILTER smtp:[127.0.0.1]:10025", HEADER_ACT_FILTER,
     "smtp:[127.0.0.1]:10025", NULL},
    {"filter no colon", H, "FILTER smtp", HEADER_ACT_NONE, "",
     "need FILTER transport:destination"},
    {"filter no transport", H, "FILTER :host", HEADER_ACT_NONE, "",
     "need FILTER transport:destination"},
    {"bcc", H, "BCC archive@example.com", HEADER_ACT_BCC, "archive@example.com",
     NULL},
    {"dunno", H, "DUNNO", HEADER_ACT_NONE, "", NULL},
    {"ok", H, "OK", HEADER_ACT_NONE, "", NULL},
    {"unknown", H, "FROB it", HEADER_ACT_NONE, "",
     "test_checks: unknown action: \"FROB it\"; treated as DUNNO"},
    {"keyword prefix", H, "REJECTED", HEADER_ACT_NONE, "", "unknown action"},
    {"empty answer", H, "", HEADER_ACT_NONE, "", "unknown action"},
    {"unprintable answer", H, "FR\x01OB", HEADER_ACT_NONE, "", "\"FR?OB\""},
};

/* read_file - the whole of a small file */
static void
read_file(const char *path, char *buf, size_t size)
{
    FILE *fp = fopen(path, "r");
    size_t n;

    ck_assert_ptr_nonnull(fp);
    n = fread(buf, 1, size - 1, fp);
    buf[n] = 0;
    fclose(fp);
}

START_TEST(test_parse)
{
    HEADER_ACTION *act = header_checks_action_create();
    char log[1000];
    int want = parse_cases[_i].want;
    int got;

    /* Warnings go to stderr when no other channel is open. */
    ck_assert_ptr_nonnull(freopen("err.log", "w", stderr));
    got = header_checks_parse("test_checks", parse_cases[_i].where,
                              parse_cases[_i].value, act);
    fflush(stderr);
    read_file("err.log", log, sizeof(log));
    ck_assert_msg(got == want && act->action == want, "%s: got %s",
                  parse_cases[_i].name, header_checks_action_name(got));
    ck_assert_str_eq(STR(act->text), parse_cases[_i].want_text);
    if (parse_cases[_i].want_warn == NULL)
        ck_assert_msg(log[0] == 0, "%s: logged %s", parse_cases[_i].name, log);
    else
        ck_assert_msg(strstr(log, parse_cases[_i].want_warn) != NULL,
                      "%s: logged \"%s\"", parse_cases[_i].name, log);
    header_checks_action_free(act);
}
END_TEST

#define REGEXP_TABLE                                                           \
    "/^Subject: reject me/ REJECT no thanks\n"                                 \
    "/^Subject: discard/ DISCARD\n"                                            \
    "/^Subject: hold/ HOLD held for review\n"                                  \
    "/^X-Spam: yes/ IGNORE\n"                                                  \
    "/^Subject: prepend/ PREPEND X-Tag: tagged\n"                              \
    "/^Subject: replace/ REPLACE Subject: replaced\n"                          \
    "/^Subject: redirect/ REDIRECT a@example.com\n"                            \
    "/^Subject: filter/ FILTER smtp:[127.0.0.1]:10025\n"                       \
    "/^Subject: dunno/ DUNNO\n"                                                \
    "/^Subject: unknown/ FROB it\n"                                            \
    "/^Subject: (first|both)/ WARN first rule\n"                               \
    "/^Subject: (second|both)/ REJECT second rule\n"                           \
    "/evil/ REJECT folded match\n"                                             \
    "/^buy now/ DISCARD spam\n"                                                \
    "/^footer/ REPLACE [footer removed]\n"

static const struct {
    const char *name;
    const char *tables;
    int where;
    const char *in;
    int want;
    const char *want_text;
} apply_cases[] = {
    {"reject", "regexp:t.re", H, "Subject: reject me now", HEADER_ACT_REJECT,
     "no thanks"},
    {"discard", "regexp:t.re", H, "Subject: discard", HEADER_ACT_DISCARD, ""},
    {"hold", "regexp:t.re", H, "Subject: hold", HEADER_ACT_HOLD,
     "held for review"},
    {"ignore", "regexp:t.re", H, "X-Spam: yes", HEADER_ACT_IGNORE, ""},
    {"prepend", "regexp:t.re", H, "Subject: prepend", HEADER_ACT_PREPEND,
     "X-Tag: tagged"},
    {"replace", "regexp:t.re", H, "Subject: replace", HEADER_ACT_REPLACE,
     "Subject: replaced"},
    {"redirect", "regexp:t.re", H, "Subject: redirect", HEADER_ACT_REDIRECT,
     "a@example.com"},
    {"filter", "regexp:t.re", H, "Subject: filter", HEADER_ACT_FILTER,
     "smtp:[127.0.0.1]:10025"},
    {"dunno", "regexp:t.re", H, "Subject: dunno", HEADER_ACT_NONE, ""},
    {"unknown action", "regexp:t.re", H, "Subject: unknown", HEADER_ACT_NONE,
     ""},
    {"no match", "regexp:t.re", H, "Subject: hello", HEADER_ACT_NONE, ""},
    {"first rule wins", "regexp:t.re", H, "Subject: both", HEADER_ACT_WARN,
     "first rule"},
    {"second rule", "regexp:t.re", H, "Subject: second", HEADER_ACT_REJECT,
     "second rule"},
    {"folded header seen whole", "regexp:t.re", H,
     "Received: from a\n\tby evil.example", HEADER_ACT_REJECT, "folded match"},
    {"first table wins", "inline:{{Subject: both=HOLD inline}} regexp:t.re", H,
     "Subject: both", HEADER_ACT_HOLD, "inline"},
    {"inline", "inline:{{Subject: x=REJECT inline says no}}", H, "Subject: x",
     HEADER_ACT_REJECT, "inline says no"},
    {"inline no match", "inline:{{Subject: x=REJECT no}}", H, "Subject: y",
     HEADER_ACT_NONE, ""},
    {"body discard", "regexp:t.re", B, "buy now!", HEADER_ACT_DISCARD, "spam"},
    {"body replace", "regexp:t.re", B, "footer text", HEADER_ACT_REPLACE,
     "[footer removed]"},
    {"body no match", "regexp:t.re", B, "hello", HEADER_ACT_NONE, ""},
    {"table fails", "regexp:nosuch", H, "Subject: x", HEADER_ACT_DEFER,
     "header_checks lookup failed"},
    {"no tables", "", H, "Subject: x", HEADER_ACT_NONE, ""},
};

START_TEST(test_apply)
{
    HEADER_ACTION *act = header_checks_action_create();
    STRBUF *err = strbuf_create(0);
    FILE *fp = fopen("t.re", "w");
    const char *in = apply_cases[_i].in;
    MAPS *maps;
    int got;

    ck_assert_ptr_nonnull(fp);
    fputs(REGEXP_TABLE, fp);
    ck_assert_int_eq(fclose(fp), 0);
    maps = maps_create("header_checks", apply_cases[_i].tables, 0, err);
    ck_assert_msg(maps != NULL, "%s: %s", apply_cases[_i].name, STR(err));
    /* Keys come as pointer + length: pass a longer buffer, cut short. */
    strbuf_sprintf(err, "%sTRAILER", in);
    if (apply_cases[_i].where == H)
        got = header_checks_header(maps, STR(err), strlen(in), act);
    else
        got = header_checks_body(maps, STR(err), strlen(in), act);
    ck_assert_msg(got == apply_cases[_i].want, "%s: got %s",
                  apply_cases[_i].name, header_checks_action_name(got));
    ck_assert_int_eq(act->action, got);
    ck_assert_str_eq(STR(act->text), apply_cases[_i].want_text);
    maps_free(maps);
    strbuf_free(err);
    header_checks_action_free(act);
}
END_TEST

START_TEST(test_names)
{
    ck_assert_str_eq(header_checks_action_name(HEADER_ACT_REJECT), "REJECT");
    ck_assert_str_eq(header_checks_action_name(HEADER_ACT_BCC), "BCC");
    ck_assert_str_eq(header_checks_action_name(HEADER_ACT_DEFER), "DEFER");
    ck_assert_str_eq(header_checks_action_name(HEADER_ACT_NONE), "DUNNO");
    ck_assert_str_eq(header_checks_action_name(99), "DUNNO");
    ck_assert_ptr_null(header_checks_action_free(NULL));
}
END_TEST

static Suite *
header_checks_suite(void)
{
    Suite *s = suite_create("header_checks");
    TCase *tc = tcase_create("core");

    TMPDIR_FIXTURES(tc);
    tcase_add_loop_test(tc, test_parse, 0, NITEMS(parse_cases));
    tcase_add_loop_test(tc, test_apply, 0, NITEMS(apply_cases));
    tcase_add_test(tc, test_names);
    suite_add_tcase(s, tc);
    return s;
}

TEST_MAIN(header_checks_suite)

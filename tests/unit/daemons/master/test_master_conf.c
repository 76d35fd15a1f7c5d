/* test_master_conf - Check suite for master's parameters and the disable list.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mail_conf.h"
#include "master.h"
#include "mymalloc.h"
#include "test_main.h"
#include "test_tmpdir.h"

static const struct {
    const char *name;
    const char *list; /* master_service_disable */
    const char *service;
    const char *type;
    int want;
} disable_cases[] = {
    {"empty list", "", "smtp", "inet", 0},
    {"name/type", "smtp/inet", "smtp", "inet", 1},
    {"name.type (old syntax)", "smtp.inet", "smtp", "inet", 1},
    {"other type", "smtp/unix", "smtp", "inet", 0},
    {"other name", "smtp/inet", "submission", "inet", 0},
    {"a whole type", "inet", "submission", "inet", 1},
    {"another whole type", "unix", "smtp", "inet", 0},
    {"bare name, any type", "smtp", "smtp", "unix", 1},
    {"exception first", "!smtp/inet, inet", "smtp", "inet", 0},
    {"exception for another", "!smtp/inet, inet", "submission", "inet", 1},
    {"negation alone", "!smtp/inet", "smtp", "inet", 0},
    {"dotted inet name", "127.0.0.1:25.inet", "127.0.0.1:25", "inet", 1},
    {"dotted name without type", "127.0.0.1:25", "127.0.0.1:25", "inet", 1},
    {"dotted name is no prefix", "127.0.0.1:25", "127.0.0.1:2525", "inet", 0},
    {"dgram type", "unix-dgram", "postlog", "unix-dgram", 1},
    {"dgram service", "postlog/unix-dgram", "postlog", "unix-dgram", 1},
    {"list, later entry", "pickup qmgr", "qmgr", "unix", 1},
    {"name prefix does not match", "qmg", "qmgr", "unix", 0},
    {"fifo", "pickup.fifo", "pickup", "fifo", 1},
};

START_TEST(test_disabled)
{
    ARGV *list = argv_split(disable_cases[_i].list, " \t,");

    ck_assert_msg(master_disabled(list, disable_cases[_i].service,
                                  disable_cases[_i].type) ==
                      disable_cases[_i].want,
                  "%s", disable_cases[_i].name);
    argv_free(list);
}
END_TEST

static const struct {
    int limit;
    int maxproc;
    int want;
} backlog_cases[] = {
    {100, 0, 100},
    {100, 1, 100},
    {100, 500, 500},
    {2, 1, MASTER_MIN_BACKLOG},
};

START_TEST(test_backlog)
{
    MASTER_PARAMS p;

    memset(&p, 0, sizeof(p));
    p.proc_limit = backlog_cases[_i].limit;
    ck_assert_int_eq(master_backlog(&p, backlog_cases[_i].maxproc),
                     backlog_cases[_i].want);
}
END_TEST

START_TEST(test_file_text)
{
    FILE *fp = fopen("f", "w");
    char *text;

    fputs("a = b\nc = d\n", fp);
    fclose(fp);
    text = master_file_text("f");
    ck_assert_str_eq(text, "a = b\nc = d\n");
    myfree(text);
    text = master_file_text("missing");
    ck_assert_str_eq(text, "");
    myfree(text);
}
END_TEST

/* write_main_cf - main.cf in the current folder, loaded */
static void
load_main_cf(const char *text)
{
    STRBUF *err = strbuf_create(100);
    FILE *fp = fopen("main.cf", "w");

    fputs(text, fp);
    fclose(fp);
    ck_assert_msg(mail_conf_load(tmpdir_here, NULL, err) == 0, "%s", STR(err));
    strbuf_free(err);
}

START_TEST(test_params_load)
{
    STRBUF *why = strbuf_create(100);
    MASTER_PARAMS *p;

    load_main_cf("queue_directory = /q\ndaemon_directory = /d\n"
                 "default_process_limit = 7\nservice_throttle_time = 2m\n"
                 "master_service_disable = smtp/inet, !x inet\n"
                 "inet_interfaces = 127.0.0.1\ninet_protocols = ipv4\n");
    p = master_params_load(0, why);
    ck_assert_ptr_nonnull(p);
    ck_assert_str_eq(p->queue_dir, "/q");
    ck_assert_str_eq(p->daemon_dir, "/d");
    ck_assert_int_eq(p->proc_limit, 7);
    ck_assert_int_eq(p->throttle_time, 120);
    ck_assert_int_eq((int) p->disable->argc, 3);
    ck_assert_str_eq(p->disable->argv[1], "!x");
    ck_assert_str_eq(p->inet_interfaces, "127.0.0.1");
    ck_assert_int_eq((int) p->owner_uid, -1);
    master_params_free(p);
    mail_conf_reset();
    strbuf_free(why);
}
END_TEST

/* batch_scheduled_services: by the program's last name, default or set */
static const struct {
    const char *main_cf;
    const char *path;
    int want;
} batch_cases[] = {
    {"", "/d/smtpd", 1},
    {"", "/d/cleanup", 1},
    {"", "/d/pickup", 1},
    {"", "postlogd", 1},
    {"", "/d/qmgr", 0},
    {"", "/d/virtual", 0},
    {"", "/d/smtp", 0},
    {"", "/smtpd/x", 0},
    {"batch_scheduled_services = virtual\n", "/d/virtual", 1},
    {"batch_scheduled_services = virtual\n", "/d/smtpd", 0},
    {"batch_scheduled_services =\n", "/d/smtpd", 0},
};

START_TEST(test_batch_scheduled)
{
    STRBUF *why = strbuf_create(100);
    MASTER_PARAMS *p;

    load_main_cf(batch_cases[_i].main_cf);
    p = master_params_load(0, why);
    ck_assert_ptr_nonnull(p);
    ck_assert_int_eq(master_batch_scheduled(p, batch_cases[_i].path),
                     batch_cases[_i].want);
    master_params_free(p);
    mail_conf_reset();
    strbuf_free(why);
}
END_TEST

static const struct {
    const char *main_cf;
    const char *want; /* the reason */
} ids_cases[] = {
    {"mail_owner = no-such-user-here\n",
     "mail_owner no-such-user-here: no such user"},
    {"mail_owner = root\n", "mail_owner root: must not be root"},
};

START_TEST(test_params_bad_ids)
{
    STRBUF *why = strbuf_create(100);

    load_main_cf(ids_cases[_i].main_cf);
    ck_assert_ptr_null(master_params_load(1, why));
    ck_assert_str_eq(STR(why), ids_cases[_i].want);
    mail_conf_reset();
    strbuf_free(why);
}
END_TEST

static Suite *
master_conf_suite(void)
{
    Suite *s = suite_create("master_conf");
    TCase *tc = tcase_create("core");

    TMPDIR_FIXTURES(tc);
    tcase_add_loop_test(tc, test_disabled, 0, NITEMS(disable_cases));
    tcase_add_loop_test(tc, test_backlog, 0, NITEMS(backlog_cases));
    tcase_add_test(tc, test_file_text);
    tcase_add_test(tc, test_params_load);
    tcase_add_loop_test(tc, test_batch_scheduled, 0, NITEMS(batch_cases));
    tcase_add_loop_test(tc, test_params_bad_ids, 0, NITEMS(ids_cases));
    suite_add_tcase(s, tc);
    return s;
}

TEST_MAIN(master_conf_suite)

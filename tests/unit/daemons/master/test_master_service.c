/* test_master_service - Check suite for services: diff, command lines, reload.
 */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "master.h"
#include "mymalloc.h"
#include "test_main.h"
#include "test_master_fixture.h"
#include "test_tmpdir.h"

/* What each diff callback saw, as "kind:name/type " words. */
static void
collect(int kind, const MASTER_CF_SERVICE *o, const MASTER_CF_SERVICE *n,
        void *ctx)
{
    static const char *kinds[] = {"same", "changed", "added", "removed"};
    const MASTER_CF_SERVICE *sv = n ? n : o;

    strbuf_sprintf_cat(ctx, "%s:%s/%s ", kinds[kind], sv->name,
                       master_cf_type_name(sv->type));
}

static const struct {
    const char *name;
    const char *old_cf;
    const char *new_cf;
    const char *want;
} diff_cases[] = {
    {"identical", "a unix - - n - - x\nb unix - - n - - y\n",
     "a unix - - n - - x\nb unix - - n - - y\n", "same:a/unix same:b/unix "},
    {"white space and '-' for the default do not count", "a unix - - n - - x\n",
     "a   unix y   y n  -  -   x\n", "same:a/unix "},
    {"an argument changed", "a unix - - n - - x arg1\n",
     "a unix - - n - - x arg2\n", "changed:a/unix "},
    {"an override changed", "a unix - - n - - x -o p=1\n",
     "a unix - - n - - x -o p=2\n", "changed:a/unix "},
    {"maxproc changed", "a unix - - n - - x\n", "a unix - - n - 5 x\n",
     "changed:a/unix "},
    {"wakeup changed", "a unix - - n 60 1 x\n", "a unix - - n 60? 1 x\n",
     "changed:a/unix "},
    {"private changed", "a unix - - n - - x\n", "a unix n - n - - x\n",
     "changed:a/unix "},
    {"command changed", "a unix - - n - - x\n", "a unix - - n - - z\n",
     "changed:a/unix "},
    {"removed first, then the new file's order",
     "a unix - - n - - x\nb unix - - n - - y\n",
     "c unix - - n - - z\na unix - - n - - x\n",
     "removed:b/unix added:c/unix same:a/unix "},
    {"same name, other type: two services", "pickup unix n - n 60 1 pickup\n",
     "pickup fifo n - n 60 1 pickup\n",
     "removed:pickup/unix added:pickup/fifo "},
    {"everything new", "", "a unix - - n - - x\n", "added:a/unix "},
    {"everything gone", "a unix - - n - - x\n", "", "removed:a/unix "},
};

START_TEST(test_diff)
{
    MASTER_CF *old_cf = fixture_cf(diff_cases[_i].old_cf);
    MASTER_CF *new_cf = fixture_cf(diff_cases[_i].new_cf);
    STRBUF *got = strbuf_create(100);

    master_diff(old_cf, new_cf, collect, got);
    ck_assert_msg(strcmp(STR(got), diff_cases[_i].want) == 0, "%s: got \"%s\"",
                  diff_cases[_i].name, STR(got));
    strbuf_free(got);
    master_cf_free(old_cf);
    master_cf_free(new_cf);
}
END_TEST

static const struct {
    const char *name;
    const char *line;
    int listeners;
    int verbose;
    const char *want;
} argv_cases[] = {
    {"defaults", "rewrite unix - - - - - trivial-rewrite", 1, 0,
     "trivial-rewrite -c /etc/postern -n rewrite -t unix -s 1 -u"},
    {"chroot, privileged", "local unix - n y - - local", 1, 0,
     "local -c /etc/postern -n local -t unix -s 1 -r"},
    {"wakeup", "pickup fifo n - n 60 1 pickup", 1, 0,
     "pickup -c /etc/postern -n pickup -t fifo -s 1 -u -w 60"},
    {"overrides, verbose, arguments",
     "relay unix - - n - - smtp -o syslog_name=x -o a=b -v extra", 1, 2,
     "smtp -c /etc/postern -n relay -t unix -s 1 -u -o syslog_name=x -o a=b "
     "-v -v -v extra"},
    {"inet with two listeners", "smtp inet n - n - - smtpd", 2, 0,
     "smtpd -c /etc/postern -n smtp -t inet -s 2 -u"},
    {"pipe arguments stay", "m unix - n n - - pipe flags=R argv=/x -d ${u}", 1,
     1, "pipe -c /etc/postern -n m -t unix -s 1 -v flags=R argv=/x -d ${u}"},
    {"unix-dgram", "postlog unix-dgram n - n - 1 postlogd", 1, 0,
     "postlogd -c /etc/postern -n postlog -t unix-dgram -s 1 -u"},
};

START_TEST(test_child_argv)
{
    STRBUF *err = strbuf_create(100);
    MASTER_CF_SERVICE *sv =
        master_cf_parse_service("t", 1, argv_cases[_i].line, err);
    ARGV *av;
    char *got;

    ck_assert_msg(sv != NULL, "%s", STR(err));
    av = master_child_argv(sv, "/etc/postern", argv_cases[_i].listeners,
                           argv_cases[_i].verbose);
    got = argv_join(av, " ");
    ck_assert_msg(strcmp(got, argv_cases[_i].want) == 0, "%s: got \"%s\"",
                  argv_cases[_i].name, got);
    myfree(got);
    argv_free(av);
    master_cf_service_free(sv);
    strbuf_free(err);
}
END_TEST

START_TEST(test_child_env)
{
    ARGV *env;
    char *got;

    setenv("MAIL_CONFIG", "/wrong", 1);
    setenv("TZ", "UTC", 1);
    unsetenv("NOT_SET_ANYWHERE");
    unsetenv("PATH");
    env = master_child_env("/etc/p", "MAIL_CONFIG TZ LANG=C NOT_SET_ANYWHERE "
                                     "MAIL_CONFIG=/also/wrong");
    got = argv_join(env, " ");
    ck_assert_str_eq(got,
                     "MAIL_CONFIG=/etc/p LANG=C TZ=UTC PATH=/usr/bin:/bin");
    myfree(got);
    argv_free(env);
}
END_TEST

/* What master_service_eligible() says, per program file. */
START_TEST(test_eligible)
{
    MASTER_PARAMS *p = fixture_params();
    MASTER_CF *cf = fixture_cf("ok unix - - n - - prog\n"
                               "gone unix - - n - - nosuch\n"
                               "noexec unix - - n - - plain\n"
                               "dir unix - - n - - folder\n"
                               "off unix - - n - - prog\n");

    fixture_script("prog", "exit 0");
    fixture_script("plain", "exit 0");
    ck_assert_int_eq(chmod("plain", 0644), 0);
    ck_assert_int_eq(mkdir("folder", 0755), 0);
    argv_add(p->disable, "off/unix");
    ck_assert_int_eq(master_service_eligible(cf->services[0], p, 1), 1);
    ck_assert_int_eq(master_service_eligible(cf->services[1], p, 1), 0);
    /* Root may execute anything with an x bit only. */
    ck_assert_int_eq(master_service_eligible(cf->services[2], p, 1), 0);
    ck_assert_int_eq(master_service_eligible(cf->services[3], p, 1), 0);
    ck_assert_int_eq(master_service_eligible(cf->services[4], p, 1), 0);
    master_cf_free(cf);
    master_params_free(p);
}
END_TEST

/* A service for the start and reload tests: a program that sleeps. */
#define START_CF                                                               \
    "keep unix - - n - - prog\n"                                               \
    "change unix - - n - - prog arg1\n"                                        \
    "drop unix - - n - - prog\n"                                               \
    "gone unix - - n - - nosuch\n"                                             \
    "off unix - - n - - prog\n"                                                \
    "log unix-dgram n - n - 1 prog\n"

/* exists - is there a file at path? */
static int
exists(const char *path)
{
    struct stat sb;

    return lstat(path, &sb) == 0;
}

/* start_params - the parameters of the start and reload tests */
static MASTER_PARAMS *
start_params(void)
{
    MASTER_PARAMS *p = fixture_params();

    argv_add(p->disable, "off");
    return p;
}

/* start_fixture - a master running START_CF */
static MASTER *
start_fixture(void)
{
    MASTER *m = fixture_master(START_CF);

    fixture_script("prog", "exec sleep 30");
    master_params_free(m->params);
    m->params = start_params();
    /* First the datagram services, then the rest. */
    ck_assert_int_eq(master_services_start(m, 0, 1), 1);
    ck_assert_int_eq(exists("public/log"), 1);
    ck_assert_int_eq(exists("private/keep"), 0);
    ck_assert_int_eq(master_services_start(m, 0, 0), 3);
    return m;
}

START_TEST(test_start)
{
    MASTER *m = start_fixture();
    MASTER_SERV *serv;

    ck_assert_int_eq(exists("private/keep"), 1);
    ck_assert_int_eq(exists("private/change"), 1);
    ck_assert_int_eq(exists("private/drop"), 1);
    ck_assert_int_eq(exists("private/gone"), 0);
    ck_assert_int_eq(exists("private/off"), 0);
    serv = master_serv_find(m->services, "keep", MASTER_CF_UNIX);
    ck_assert_ptr_nonnull(serv);
    ck_assert_str_eq(serv->key, "keep/unix");
    ck_assert_str_eq(serv->path, "./prog");
    ck_assert_str_eq(serv->endpoint, "private/keep");
    ck_assert_int_eq(serv->maxproc, 100);
    ck_assert_int_eq(serv->listen_count, 1);
    ck_assert_int_eq(serv->listening, 1);
    ck_assert_ptr_null(master_serv_find(m->services, "gone", MASTER_CF_UNIX));
    fixture_free(m);
}
END_TEST

/* kill_children - SIGKILL and reap every child of the fixture */
static void
kill_children(MASTER *m)
{
    HTABLE_INFO **list = htable_list(m->procs);
    HTABLE_INFO **ht;
    MASTER_PROC *proc;

    for (ht = list; *ht != NULL; ht++) {
        proc = (*ht)->value;
        kill(proc->pid, SIGKILL);
        waitpid(proc->pid, NULL, 0);
    }
    myfree(list);
}

/*
 * A reload: "keep" keeps its listener and its child; "change" keeps its
 * listener and gets a new generation; "drop" is retired while its child
 * runs, its socket removed; "new" starts; "off" stays off.
 */
START_TEST(test_reload)
{
    MASTER *m = start_fixture();
    MASTER_SERV *keep = master_serv_find(m->services, "keep", MASTER_CF_UNIX);
    MASTER_SERV *change =
        master_serv_find(m->services, "change", MASTER_CF_UNIX);
    MASTER_SERV *drop = master_serv_find(m->services, "drop", MASTER_CF_UNIX);
    int keep_fd = keep->listen_fd[0];
    int change_fd = change->listen_fd[0];
    int change_gen = change->gen;

    /* A child for "drop", as if a client had come. */
    master_spawn_demand(m->loop, 0, drop->listen_fd[0], drop);
    ck_assert_int_eq(drop->procs, 1);
    master_services_reload(m,
                           fixture_cf("new unix - - n - - prog\n"
                                      "keep unix - - n - - prog\n"
                                      "change unix - - n - - prog arg2\n"
                                      "off unix - - n - - prog\n"
                                      "log unix-dgram n - n - 1 prog\n"),
                           start_params(), 0);
    ck_assert_ptr_eq(master_serv_find(m->services, "keep", MASTER_CF_UNIX),
                     keep);
    ck_assert_int_eq(keep->listen_fd[0], keep_fd);
    ck_assert_int_eq(change->listen_fd[0], change_fd);
    ck_assert_int_eq(change->gen, change_gen + 1);
    ck_assert_str_eq(change->argv->argv[change->argv->argc - 1], "arg2");
    ck_assert_ptr_null(master_serv_find(m->services, "drop", MASTER_CF_UNIX));
    ck_assert_ptr_eq(m->retired, drop);
    ck_assert_int_eq(exists("private/drop"), 0);
    ck_assert_ptr_nonnull(master_serv_find(m->services, "new", MASTER_CF_UNIX));
    ck_assert_int_eq(exists("private/new"), 1);
    ck_assert_ptr_null(master_serv_find(m->services, "off", MASTER_CF_UNIX));
    kill_children(m);
    fixture_free(m);
}
END_TEST

/* A changed main.cf renews every service, and keeps the listeners. */
START_TEST(test_reload_main_cf)
{
    MASTER *m = start_fixture();
    MASTER_SERV *keep = master_serv_find(m->services, "keep", MASTER_CF_UNIX);
    int gen = keep->gen;

    master_services_reload(m, fixture_cf(START_CF), start_params(), 1);
    ck_assert_ptr_eq(master_serv_find(m->services, "keep", MASTER_CF_UNIX),
                     keep);
    ck_assert_int_eq(keep->gen, gen + 1);
    fixture_free(m);
}
END_TEST

static Suite *
master_service_suite(void)
{
    Suite *s = suite_create("master_service");
    TCase *tc = tcase_create("core");

    TMPDIR_FIXTURES(tc);
    tcase_add_loop_test(tc, test_diff, 0, NITEMS(diff_cases));
    tcase_add_loop_test(tc, test_child_argv, 0, NITEMS(argv_cases));
    tcase_add_test(tc, test_child_env);
    tcase_add_test(tc, test_eligible);
    tcase_add_test(tc, test_start);
    tcase_add_test(tc, test_reload);
    tcase_add_test(tc, test_reload_main_cf);
    suite_add_tcase(s, tc);
    return s;
}

TEST_MAIN(master_service_suite)

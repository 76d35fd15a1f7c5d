/*
 * test_mail_server - Check suite for what the skeletons share: command
 * line, main.cf, logging, privileges, master's descriptors, the process
 * limit check, the title.  The single server is the vehicle.
 */
#include <grp.h>
#include <limits.h>
#include <pwd.h>

#include "mail_conf.h"
#include "mail_server.h"
#include "msg.h"
#include "mymalloc.h"
#include "test_main.h"
#include "test_server.h"

/* echo_service - answer request lines until the client goes */
static void
echo_service(STREAM *client, const char *service, char **argv)
{
    (void) service;
    (void) argv;
    while (skel_request(client) > 0)
        /* void */;
}

/* post_init - report what the skeleton learnt and where we are */
static void
post_init(const char *service, char **argv)
{
    char cwd[PATH_MAX];

    (void) argv;
    if (getcwd(cwd, sizeof(cwd)) == NULL)
        strcpy(cwd, "?");
    skel_report("post_init %s %s %s uid=%d cwd=%s", service,
                mail_server_service(), mail_server_type(), (int) getuid(), cwd);
}

/* run_basic - the child's main */
static void
run_basic(int argc, char **argv)
{
    single_server_main(argc, argv, echo_service, MAIL_SERVER_POST_INIT,
                       post_init, 0);
}

/* title_init - report the process title, in the argument area */
static void
title_init(const char *service, char **argv)
{
    (void) service;
    (void) argv;
    skel_report("title %s", skel_area);
}

/* run_title - the child's main, reporting its title */
static void
run_title(int argc, char **argv)
{
    single_server_main(argc, argv, echo_service, MAIL_SERVER_POST_INIT,
                       title_init, 0);
}

/* run_solitary - the child's main, for a service that must run alone */
static void
run_solitary(int argc, char **argv)
{
    single_server_main(argc, argv, echo_service, MAIL_SERVER_SOLITARY, 1,
                       MAIL_SERVER_POST_INIT, post_init, 0);
}

/* run_with_groups - the child's main, with supplementary groups (root) */
static void
run_with_groups(int argc, char **argv)
{
    gid_t groups[] = {0, 100};

    if (setgroups(NITEMS(groups), groups) < 0)
        _exit(94);
    run_basic(argc, argv);
}

/* run_as_nobody - the child's main, started by nobody (when root) */
static void
run_as_nobody(int argc, char **argv)
{
    struct passwd *pw = getpwnam("nobody");

    if (getuid() == 0 && (pw == NULL || setgroups(0, NULL) < 0 ||
                          setgid(pw->pw_gid) < 0 || setuid(pw->pw_uid) < 0))
        _exit(94);
    run_basic(argc, argv);
}

/* start - main.cf, listener, child with the given arguments */
#define START(sk, fn, flags, main_cf, ...)                                     \
    do {                                                                       \
        int lfd_ = skel_listen();                                              \
        skel_main_cf(main_cf);                                                 \
        skel_start((sk), (fn), lfd_, (flags), __VA_ARGS__, NULL);              \
        close(lfd_);                                                           \
    } while (0)

/* await_init - wait for the post_init report; return it */
static const char *
await_init(SKEL *sk, STRBUF *line)
{
    do
        ck_assert_int_eq(skel_report_line(sk, line, 3000), 0);
    while (strncmp(STR(line), "post_init ", 10) != 0);
    return STR(line);
}

/* terminate - SIGTERM, exit 0 within a second */
static void
terminate(SKEL *sk)
{
    ck_assert_int_eq(kill(sk->pid, SIGTERM), 0);
    skel_exit_ok(sk, 1000);
}

/* A bad command line is fatal, with a reason on stderr. */
static const struct usage_case {
    const char *name;
    const char *args[6];
    const char *want;
} usage_cases[] = {
    {"unknown option",
     {"-n", "test", "-x"},
     "postern/skel: fatal: unknown option -x; usage: skel -n service"},
    {"missing -n", {"-t", "unix"}, "missing -n service; usage: skel -n"},
    {"missing value", {"-n", "test", "-o"}, "option -o needs a value; usage"},
    {"bad count", {"-n", "test", "-s", "0"}, "-s wants a count from 1 to 64"},
    {"bad type",
     {"-n", "test", "-t", "fifo"},
     "type fifo: single_server serves only inet unix pass"},
    {"no listener", {"-n", "test", "-s", "2"}, "descriptor 7 is not open"},
    {"bad value", {"-n", "test", "-o", "max_use=many"}, "max_use"},
    {"bad override", {"-n", "test", "-o", "=x"}, "-o"},
};

START_TEST(test_usage)
{
    const struct usage_case *uc = usage_cases + _i;
    STRBUF *buf = strbuf_create(100);
    const char *const *a = uc->args;
    int status;
    SKEL sk;

    START(&sk, run_basic, 0, NULL, a[0], a[1], a[2], a[3], a[4], a[5]);
    status = skel_wait(&sk, 3000);
    ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 1,
                  "%s: wait status 0x%x", uc->name, status);
    skel_file("stderr", buf);
    ck_assert_msg(strstr(STR(buf), uc->want) != NULL, "%s: stderr: %s",
                  uc->name, STR(buf));
    ck_assert_int_eq(skel_status(&sk, 100), -1);
    skel_stop(&sk);
    strbuf_free(buf);
}
END_TEST

/* Unknown parameters are logged once; the log goes to maillog_file. */
START_TEST(test_config_warning)
{
    STRBUF *buf = strbuf_create(100);
    STRBUF *want = strbuf_create(100);
    SKEL sk;

    START(&sk, run_basic, 0, "bogus_param = 1\n", "-n", "test");
    await_init(&sk, buf);
    terminate(&sk);
    skel_logs(&sk, buf);
    ck_assert_int_eq(skel_count(STR(buf), "unknown parameter: bogus_param"), 1);
    strbuf_sprintf(want, "postern/skel[%d]: warning: %s/main.cf, line 4: ",
                   (int) sk.pid, tmpdir_here);
    ck_assert_msg(strstr(STR(buf), STR(want)) != NULL, "log: %s", STR(buf));
    skel_stop(&sk);
    strbuf_free(want);
    strbuf_free(buf);
}
END_TEST

/* -v logs the reason for an exit; without it, exits are quiet. */
START_TEST(test_verbose_exit)
{
    STRBUF *buf = strbuf_create(100);
    SKEL sk;

    if (_i == 0)
        START(&sk, run_basic, 0, NULL, "-n", "test");
    else
        START(&sk, run_basic, 0, NULL, "-n", "test", "-v");
    await_init(&sk, buf);
    terminate(&sk);
    skel_logs(&sk, buf);
    ck_assert_int_eq(skel_count(STR(buf), "service test: stop signal; exiting"),
                     _i);
    skel_stop(&sk);
    strbuf_free(buf);
}
END_TEST

/* names_init - report the read-only names as main.cf expands them */
static void
names_init(const char *service, char **argv)
{
    char *name = mail_conf_str("syslog_name");
    char *proc = mail_conf_str("process_name");

    (void) service;
    (void) argv;
    skel_report("names %s %s", name, proc);
    myfree(name);
    myfree(proc);
}

/* run_names - the child's main, reporting the read-only names */
static void
run_names(int argc, char **argv)
{
    single_server_main(argc, argv, echo_service, MAIL_SERVER_POST_INIT,
                       names_init, 0);
}

/* $service_name and $process_name expand in -o overrides. */
START_TEST(test_service_name)
{
    STRBUF *buf = strbuf_create(100);
    SKEL sk;

    START(&sk, run_names, 0, NULL, "-n", "relay", "-o",
          "syslog_name=pn/$service_name");
    ck_assert_int_eq(skel_report_line(&sk, buf, 3000), 0);
    ck_assert_str_eq(STR(buf), "names pn/relay skel");
    terminate(&sk);
    skel_stop(&sk);
    strbuf_free(buf);
}
END_TEST

/* PRE_INIT runs where we started, POST_INIT in queue_directory. */
START_TEST(test_queue_directory)
{
    STRBUF *buf = strbuf_create(100);
    STRBUF *opt = strbuf_create(100);
    STRBUF *want = strbuf_create(100);
    char real[PATH_MAX];
    SKEL sk;

    ck_assert_int_eq(mkdir("queue", 0755), 0);
    ck_assert_ptr_nonnull(realpath("queue", real));
    strbuf_sprintf(opt, "queue_directory=%s", real);
    START(&sk, run_basic, 0, NULL, "-n", "svc", "-t", "pass", "-o", STR(opt));
    strbuf_sprintf(want, "post_init svc svc pass uid=%d cwd=%s", (int) getuid(),
                   real);
    ck_assert_str_eq(await_init(&sk, buf), STR(want));
    terminate(&sk);
    skel_stop(&sk);
    strbuf_free(want);
    strbuf_free(opt);
    strbuf_free(buf);
}
END_TEST

/* -u as root: mail_owner's uid and gid, no other groups, for good. */
START_TEST(test_privilege_drop)
{
    STRBUF *buf = strbuf_create(100);
    STRBUF *want = strbuf_create(100);
    struct passwd *pw = getpwnam("nobody");
    STREAM *client;
    SKEL sk;

    if (getuid() != 0 || pw == NULL)
        return; /* needs root and a user nobody */
    START(&sk, run_with_groups, 0, NULL, "-n", "test", "-u", "-o",
          "mail_owner=nobody");
    strbuf_sprintf(want, "uid=%d euid=%d gid=%d egid=%d groups=0",
                   (int) pw->pw_uid, (int) pw->pw_uid, (int) pw->pw_gid,
                   (int) pw->pw_gid);
    client = skel_connect();
    ck_assert_str_eq(skel_chat(client, "ids", buf), STR(want));
    stream_close(client);
    strbuf_sprintf(want, "uid=%d ", (int) pw->pw_uid);
    ck_assert_ptr_nonnull(strstr(await_init(&sk, buf), STR(want)));
    terminate(&sk);
    skel_stop(&sk);
    strbuf_free(want);
    strbuf_free(buf);
}
END_TEST

/* A mail_owner that does not exist, or is root, is fatal. */
START_TEST(test_bad_owner)
{
    static const char *owners[][2] = {
        {"mail_owner=postern-no-such-user",
         "mail_owner postern-no-such-user: no such user"},
        {"mail_owner=root", "mail_owner root: must not have user or group"},
    };
    STRBUF *buf = strbuf_create(100);
    int status;
    SKEL sk;

    if (getuid() != 0)
        return; /* the lookup is for root only */
    START(&sk, run_basic, 0, NULL, "-n", "test", "-u", "-o", owners[_i][0]);
    status = skel_wait(&sk, 3000);
    ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 1);
    skel_logs(&sk, buf);
    ck_assert_msg(strstr(STR(buf), owners[_i][1]) != NULL, "log: %s", STR(buf));
    skel_stop(&sk);
    strbuf_free(buf);
}
END_TEST

/* Not root: no drop, no chroot, and each is said once. */
START_TEST(test_not_root)
{
    STRBUF *buf = strbuf_create(100);
    STRBUF *want = strbuf_create(100);
    struct passwd *pw = getpwnam(getuid() == 0 ? "nobody" : "");
    uid_t uid = pw != NULL ? pw->pw_uid : getuid();
    STREAM *client;
    SKEL sk;

    if (getuid() == 0 && pw == NULL)
        return; /* needs a user nobody */
    /* The child, not root, must read main.cf and reach the log socket. */
    ck_assert_int_eq(chmod(tmpdir_root, 0755), 0);
    ck_assert_int_eq(chmod(tmpdir_here, 0755), 0);
    START(&sk, run_as_nobody, 0, NULL, "-n", "test", "-u", "-r");
    strbuf_sprintf(want, "uid=%d euid=%d ", (int) uid, (int) uid);
    client = skel_connect();
    ck_assert_ptr_nonnull(strstr(skel_chat(client, "ids", buf), STR(want)));
    stream_close(client);
    await_init(&sk, buf);
    terminate(&sk);
    skel_logs(&sk, buf);
    pw = getpwuid(uid);
    ck_assert_ptr_nonnull(pw);
    strbuf_sprintf(want,
                   "running as the invoking user %s (not root): no "
                   "privilege separation",
                   pw->pw_name);
    ck_assert_msg(skel_count(STR(buf), STR(want)) == 1, "log: %s", STR(buf));
    strbuf_sprintf(want,
                   "warning: service test: chroot to %s needs root; "
                   "not chrooted",
                   tmpdir_here);
    ck_assert_msg(skel_count(STR(buf), STR(want)) == 1, "log: %s", STR(buf));
    skel_stop(&sk);
    strbuf_free(want);
    strbuf_free(buf);
}
END_TEST

/* Run by hand without fds 4 and 5: serve anyway, report nothing. */
START_TEST(test_no_master_fds)
{
    STRBUF *buf = strbuf_create(100);
    STREAM *client;
    SKEL sk;

    START(&sk, run_basic, SKEL_NO_GEN | SKEL_NO_STATUS, "bogus_param = 1\n",
          "-n", "test");
    client = skel_connect();
    ck_assert_str_eq(skel_chat(client, "a", buf), "echo: a");
    stream_close(client);
    client = skel_connect();
    ck_assert_str_eq(skel_chat(client, "b", buf), "echo: b");
    stream_close(client);
    ck_assert_int_eq(skel_wait(&sk, 200), -1);
    terminate(&sk);
    ck_assert_int_eq(skel_status(&sk, 100), -1);
    /* The log socket, opened where fd 4 was free, still got the lines. */
    skel_logs(&sk, buf);
    ck_assert_int_eq(skel_count(STR(buf), "unknown parameter: bogus_param"), 1);
    skel_stop(&sk);
    strbuf_free(buf);
}
END_TEST

/* MAIL_SERVER_SOLITARY: master.cf must give the service maxproc 1. */
static const struct solitary_case {
    const char *master_cf;
    const char *main_cf;
    int ok;
} solitary_cases[] = {
    {"test unix n - n - 1 skel\n", NULL, 1},
    {"test unix n - n - 2 skel\n", NULL, 0},
    {"test unix n - n - 0 skel\n", NULL, 0},
    {"test unix n - n - - skel\n", NULL, 0},
    {"test unix n - n - - skel\n", "default_process_limit = 1\n", 1},
    {"test inet n - n - 2 skel\n", NULL, 1}, /* another service */
    {NULL, NULL, 1},                         /* no master.cf */
};

START_TEST(test_solitary)
{
    const struct solitary_case *sc = solitary_cases + _i;
    STRBUF *buf = strbuf_create(100);
    FILE *fp;
    int status;
    SKEL sk;

    if (sc->master_cf != NULL) {
        ck_assert_ptr_nonnull(fp = fopen("master.cf", "w"));
        fputs(sc->master_cf, fp);
        ck_assert_int_eq(fclose(fp), 0);
    }
    START(&sk, run_solitary, 0, sc->main_cf, "-n", "test", "-t", "unix");
    if (sc->ok) {
        await_init(&sk, buf);
        terminate(&sk);
    } else {
        status = skel_wait(&sk, 3000);
        ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 1);
        skel_logs(&sk, buf);
        ck_assert_msg(strstr(STR(buf), "master.cf, line 1: service test: "
                                       "skel needs a process limit "
                                       "(maxproc) of 1") != NULL,
                      "log: %s", STR(buf));
    }
    skel_stop(&sk);
    strbuf_free(buf);
}
END_TEST

/* ps shows the service (the title replaces the argument strings). */
START_TEST(test_title)
{
    STRBUF *buf = strbuf_create(100);
    SKEL sk;

    START(&sk, run_title, 0, NULL, "-n", "test", "-t", "unix");
    ck_assert_int_eq(skel_report_line(&sk, buf, 3000), 0);
    /* libbsd puts the program's name first: here, this suite's. */
    ck_assert_str_eq(STR(buf), "title test_mail_server: service test (unix)");
    terminate(&sk);
    skel_stop(&sk);
    strbuf_free(buf);
}
END_TEST

/* mail_server_suite - the tests */
static Suite *
mail_server_suite(void)
{
    Suite *s = suite_create("mail_server");
    TCase *tc = tcase_create("core");

    TMPDIR_FIXTURES(tc);
    tcase_set_timeout(tc, 20);
    tcase_add_loop_test(tc, test_usage, 0, NITEMS(usage_cases));
    tcase_add_test(tc, test_config_warning);
    tcase_add_loop_test(tc, test_verbose_exit, 0, 2);
    tcase_add_test(tc, test_queue_directory);
    tcase_add_test(tc, test_service_name);
    tcase_add_test(tc, test_privilege_drop);
    tcase_add_loop_test(tc, test_bad_owner, 0, 2);
    tcase_add_test(tc, test_not_root);
    tcase_add_test(tc, test_no_master_fds);
    tcase_add_loop_test(tc, test_solitary, 0, NITEMS(solitary_cases));
    tcase_add_test(tc, test_title);
    suite_add_tcase(s, tc);
    return s;
}

TEST_MAIN(mail_server_suite)

/* test_master_spawn - Check suite for children: spawn, status, reap, back-off.
 */
#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "master.h"
#include "master_proto.h"
#include "mymalloc.h"
#include "test_main.h"
#include "test_master_fixture.h"
#include "test_tmpdir.h"

/* Each step: the state before, the exit, what it gives. */
static const struct {
    const char *name;
    int next;     /* back-off before */
    int abnormal; /* how the child ended */
    long runtime; /* how long it ran, seconds */
    long max;     /* service_throttle_time */
    int delay;    /* want: throttle for */
    int after;    /* want: back-off after */
} backoff_cases[] = {
    {"first failure", 1, 1, 0, 60, 1, 2},
    {"second failure", 2, 1, 0, 60, 2, 4},
    {"doubling", 16, 1, 0, 60, 16, 32},
    {"capped at the limit", 32, 1, 0, 60, 32, 60},
    {"stays at the limit", 60, 1, 0, 60, 60, 60},
    {"limit below the back-off", 16, 1, 0, 10, 10, 10},
    {"normal exit resets", 32, 0, 0, 60, 0, 1},
    {"long run resets", 32, 1, 100, 60, 1, 2},
    {"run as long as the back-off does not", 4, 1, 4, 60, 4, 8},
    {"zero limit still waits a second", 1, 1, 0, 0, 1, 1},
    {"uninitialised state", 0, 1, 0, 60, 1, 2},
};

START_TEST(test_backoff)
{
    int next = backoff_cases[_i].next;
    int delay =
        master_backoff(&next, backoff_cases[_i].abnormal,
                       backoff_cases[_i].runtime, backoff_cases[_i].max);

    ck_assert_msg(delay == backoff_cases[_i].delay, "%s: delay %d",
                  backoff_cases[_i].name, delay);
    ck_assert_msg(next == backoff_cases[_i].after, "%s: next %d",
                  backoff_cases[_i].name, next);
}
END_TEST

START_TEST(test_exit_text)
{
    STRBUF *out = strbuf_create(10);

    ck_assert_str_eq(STR(master_exit_text(out, 3 << 8)), "exit status 3");
    ck_assert_str_eq(STR(master_exit_text(out, SIGKILL)), "killed by signal 9");
    strbuf_free(out);
}
END_TEST

/* connect_to - a client of the service at path, left open */
static int
connect_to(const char *path)
{
    struct sockaddr_un sun = {.sun_family = AF_UNIX};
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);

    strcpy(sun.sun_path, path);
    ck_assert_int_eq(connect(fd, (struct sockaddr *) &sun, sizeof(sun)), 0);
    return fd;
}

/* file_text - a small file's text ("" when missing) */
static const char *
file_text(const char *path)
{
    static char buf[256];
    FILE *fp = fopen(path, "r");
    size_t n = 0;

    if (fp != NULL) {
        n = fread(buf, 1, sizeof(buf) - 1, fp);
        fclose(fp);
    }
    buf[n] = 0;
    return buf;
}

/* Conditions for fixture_run(). */
static int
file_exists(void *arg)
{
    struct stat sb;

    return stat(arg, &sb) == 0;
}

static int
total_is(void *arg)
{
    MASTER_SERV *serv = *(MASTER_SERV **) arg;

    return serv->total == (int) (long) ((void **) arg)[1];
}

/* wait_total - run the loop until the service has n children */
static void
wait_total(MASTER *m, MASTER_SERV *serv, long n)
{
    void *arg[2] = {serv, (void *) n};

    ck_assert_msg(fixture_run(m, total_is, arg, 5000), "total %d, want %ld",
                  serv->total, n);
}

static int
not_throttled(void *arg)
{
    return !((MASTER_SERV *) arg)->throttled;
}

static int
no_procs(void *arg)
{
    return ((MASTER_SERV *) arg)->procs == 0;
}

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

/* report - write a status record as the child pid would */
static void
report(MASTER_SERV *serv, pid_t pid, int status)
{
    MASTER_STATUS rec = {(int32_t) pid, (int32_t) status};

    ck_assert_int_eq(write(serv->status_fd[1], &rec, sizeof(rec)), sizeof(rec));
}

/* child_pid - the pid of the service's only (or first found) child */
static pid_t
child_pid(MASTER *m, pid_t not_this)
{
    HTABLE_INFO **list = htable_list(m->procs);
    HTABLE_INFO **ht;
    pid_t pid = 0;

    for (ht = list; *ht != NULL && pid == 0; ht++)
        if (((MASTER_PROC *) (*ht)->value)->pid != not_this)
            pid = ((MASTER_PROC *) (*ht)->value)->pid;
    myfree(list);
    ck_assert_int_gt(pid, 0);
    return pid;
}

/* put_file - write text to path, whole */
static void
put_file(const char *path, const char *text)
{
    FILE *fp = fopen(path, "w");

    if (fp != NULL) {
        fputs(text, fp);
        fclose(fp);
    }
}

/*
 * The child program of test_child_setup is this test binary: with
 * MASTER_TEST_CHILD set it records what it found (arguments,
 * MAIL_CONFIG, descriptors) before main() runs, then waits for EOF on
 * the generation pipe.
 */
__attribute__((constructor)) static void
child_main(int argc, char **argv)
{
    char buf[256] = "";
    char link[64];
    char path[32];
    struct dirent *dp;
    DIR *dir;
    ssize_t n;
    int i;

    if (getenv("MASTER_TEST_CHILD") == NULL)
        return;
    for (i = 1; i < argc; i++)
        snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf), "%s%s",
                 i > 1 ? " " : "", argv[i]);
    put_file("args.out", buf);
    put_file("env.out", getenv("MAIL_CONFIG"));
    buf[0] = 0;
    for (i = 0; i < 3; i++) {
        snprintf(path, sizeof(path), "/proc/self/fd/%d", i);
        n = readlink(path, link, sizeof(link) - 1);
        link[n > 0 ? n : 0] = 0;
        snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf), "%s ", link);
    }
    put_file("null.out", buf);
    /* Descriptors in numeric order, without the one listing them. */
    buf[0] = 0;
    for (i = 0; i < 64; i++) {
        if ((dir = opendir("/proc/self/fd")) == NULL)
            _exit(2);
        while ((dp = readdir(dir)) != NULL)
            if (atoi(dp->d_name) == i && dp->d_name[0] != '.' &&
                i != dirfd(dir))
                snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf), "%d ",
                         i);
        closedir(dir);
    }
    put_file("fds.out", buf);
    while ((n = read(MASTER_GEN_FD, buf, sizeof(buf))) > 0)
        /* wait for EOF */;
    put_file("gen.out", n == 0 ? "eof" : "error");
    _exit(0);
}

/*
 * What a child finds: the command line, MAIL_CONFIG, descriptors 0-2 on
 * /dev/null, 4 5 6 and nothing else; EOF on 4 when master starts a new
 * generation, upon which the child's normal exit is not a failure.
 */
START_TEST(test_child_setup)
{
    MASTER *m = fixture_master("svc unix - - n - - prog extra\n");
    char self[4096];
    MASTER_SERV *serv;
    char key[24];
    pid_t first;
    ssize_t n;
    int fd;

    ck_assert_int_gt(n = readlink("/proc/self/exe", self, sizeof(self) - 1), 0);
    self[n] = 0;
    ck_assert_int_eq(symlink(self, "prog"), 0);
    setenv("MASTER_TEST_CHILD", "1", 1);
    myfree(m->params->import_env);
    m->params->import_env = mystrdup("MASTER_TEST_CHILD");
    master_sig_init(m);
    ck_assert_int_eq(master_services_start(m, 0, 0), 1);
    unsetenv("MASTER_TEST_CHILD");
    serv = m->services;
    fd = connect_to("private/svc");
    ck_assert(fixture_run(m, file_exists, "fds.out", 5000));
    ck_assert_str_eq(file_text("args.out"),
                     "-c /etc/postern -n svc -t unix -s 1 -u extra");
    ck_assert_str_eq(file_text("env.out"), "/etc/postern");
    ck_assert_str_eq(file_text("null.out"), "/dev/null /dev/null /dev/null ");
    ck_assert_str_eq(file_text("fds.out"), "0 1 2 4 5 6 ");
    ck_assert_int_eq(serv->total, 1);
    ck_assert_int_eq(serv->avail, 1);
    first = child_pid(m, 0);
    /* No new generation yet: the child waits on descriptor 4. */
    ck_assert(fixture_run(m, file_exists, "gen.out", 100) == 0);
    serv->throttled = 1; /* no second child for the queued client */
    master_listen_update(serv);
    master_spawn_new_gen(serv);
    ck_assert(fixture_run(m, file_exists, "gen.out", 5000));
    ck_assert_str_eq(file_text("gen.out"), "eof");
    ck_assert(fixture_run(m, no_procs, serv, 5000));
    snprintf(key, sizeof(key), "%ld", (long) first);
    ck_assert_ptr_null(htable_find(m->procs, key));
    ck_assert_int_eq(serv->backoff, 1);
    ck_assert_int_eq(serv->throttled, 1); /* ours, not a failure's */
    ck_assert_int_eq(serv->throttle_timer, 0);
    close(fd);
    kill_children(m);
    fixture_free(m);
}
END_TEST

/*
 * Status records and maxproc: a new child counts as available; TAKEN
 * makes room for another up to maxproc; the listener is watched only
 * while a child is needed.  A child killed by a signal throttles the
 * service for a second.
 */
START_TEST(test_status_and_maxproc)
{
    MASTER *m = fixture_master("svc unix - - n - 2 prog\n");
    MASTER_SERV *serv;
    pid_t one, two;
    int fd;

    fixture_script("prog", "exec sleep 30");
    master_sig_init(m);
    ck_assert_int_eq(master_services_start(m, 0, 0), 1);
    serv = m->services;
    ck_assert_int_eq(serv->listening, 1);
    fd = connect_to("private/svc");
    wait_total(m, serv, 1);
    ck_assert_int_eq(serv->avail, 1);
    ck_assert_int_eq(serv->listening, 0);
    one = child_pid(m, 0);

    /* Busy: the queued client gets a second child. */
    report(serv, one, MASTER_STAT_TAKEN);
    wait_total(m, serv, 2);
    ck_assert_int_eq(serv->used, 1);
    ck_assert_int_eq(serv->avail, 1);
    two = child_pid(m, one);
    report(serv, two, MASTER_STAT_TAKEN);
    ck_assert(fixture_run(m, no_procs, serv, 200) == 0);
    ck_assert_int_eq(serv->avail, 0);
    ck_assert_int_eq(serv->total, 2);
    ck_assert_int_eq(serv->listening, 0); /* the pool is full */

    /* Unknown pids and bad values change nothing. */
    report(serv, 1, MASTER_STAT_AVAIL);
    report(serv, one, 7);
    report(serv, one, MASTER_STAT_AVAIL);
    ck_assert(fixture_run(m, no_procs, serv, 200) == 0);
    ck_assert_int_eq(serv->avail, 1);

    /* A crash: logged, throttled, then watched again. */
    kill(one, SIGKILL);
    wait_total(m, serv, 1);
    ck_assert_int_eq(serv->throttled, 1);
    ck_assert_int_eq(serv->backoff, 2);
    ck_assert_int_eq(serv->avail, 0);
    ck_assert_int_eq(serv->listening, 0);
    ck_assert(fixture_run(m, not_throttled, serv, 3000));
    ck_assert_int_eq(serv->listening, 1);
    close(fd);
    kill_children(m);
    fixture_free(m);
}
END_TEST

/* count_lines - lines in a file */
static int
count_lines(const char *path)
{
    const char *cp = file_text(path);
    int n = 0;

    for (; *cp; cp++)
        n += *cp == '\n';
    return n;
}

/* A program that fails at once, with a client waiting: no tight loop. */
START_TEST(test_crash_loop_is_bounded)
{
    MASTER *m = fixture_master("svc unix - - n - - prog\n");
    MASTER_SERV *serv;
    int fd;
    int runs;

    fixture_script("prog", "echo run >> runs.out; exit 3");
    master_sig_init(m);
    ck_assert_int_eq(master_services_start(m, 0, 0), 1);
    serv = m->services;
    fd = connect_to("private/svc");
    /* Spawn at 0 s, throttle 1 s; again at 1 s, throttle 2 s. */
    /* Generous: under load the first spawn alone may take seconds. */
    ck_assert(fixture_run(m, file_exists, "runs.out", 10000) == 1);
    (void) fixture_run(m, file_exists, "never", 2500);
    runs = count_lines("runs.out");
    ck_assert_msg(runs >= 1 && runs <= 2, "%d runs in 2.5 s", runs);
    ck_assert_int_eq(serv->throttled, 1);
    ck_assert_int_eq(serv->backoff, runs == 2 ? 4 : 2);
    close(fd);
    kill_children(m);
    fixture_free(m);
}
END_TEST

/* A normal exit resets the back-off and throttles nothing. */
START_TEST(test_normal_exit)
{
    MASTER *m = fixture_master("svc unix - - n - - prog\n");
    MASTER_SERV *serv;
    int fd;

    fixture_script("prog", "echo run > run.out; exit 0");
    master_sig_init(m);
    ck_assert_int_eq(master_services_start(m, 0, 0), 1);
    serv = m->services;
    serv->backoff = 8;
    fd = connect_to("private/svc");
    ck_assert(fixture_run(m, file_exists, "run.out", 5000));
    close(fd);
    ck_assert(fixture_run(m, no_procs, serv, 5000));
    ck_assert_int_eq(serv->backoff, 1);
    ck_assert_int_eq(serv->throttled, 0);
    kill_children(m);
    fixture_free(m);
}
END_TEST

static Suite *
master_spawn_suite(void)
{
    Suite *s = suite_create("master_spawn");
    TCase *tc = tcase_create("core");

    TMPDIR_FIXTURES(tc);
    tcase_set_timeout(tc, 30);
    tcase_add_loop_test(tc, test_backoff, 0, NITEMS(backoff_cases));
    tcase_add_test(tc, test_exit_text);
    tcase_add_test(tc, test_child_setup);
    tcase_add_test(tc, test_status_and_maxproc);
    tcase_add_test(tc, test_crash_loop_is_bounded);
    tcase_add_test(tc, test_normal_exit);
    suite_add_tcase(s, tc);
    return s;
}

TEST_MAIN(master_spawn_suite)

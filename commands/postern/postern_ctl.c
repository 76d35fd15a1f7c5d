/*
 * postern_ctl - the instance's life cycle, like Postfix's postfix(1):
 *
 *   postern start  [-c DIR] [-v]  check, then start master and wait until
 *                                 it holds its pid lock (10 s at most)
 *   postern stop   [-c DIR] [-v]  SIGTERM to master; wait until master and
 *                                 every process it started are gone (30 s)
 *   postern abort  [-c DIR] [-v]  the same, then SIGKILL to whatever still
 *                                 runs after a second
 *   postern reload [-c DIR] [-v]  SIGHUP to master (re-read the config)
 *   postern status [-c DIR] [-v]  exit 0 only when master runs
 *   postern flush  [-c DIR] [-v]  ask qmgr to deliver deferred mail now
 *
 * Master runs when queue_directory/pid/master.pid is locked; the pid is
 * the lock holder's (F_GETLK), else the one the file holds.  Processes of
 * the instance are master and its descendants (found through /proc),
 * remembered with their start time so that a reused pid is never taken
 * for one of them.  Progress lines go to stderr and, for start, stop,
 * abort and reload, to the mail log as postern/postern-script.
 * A main.cf that cannot be loaded, an unreadable /proc or a failed
 * kill() or spawn is fatal (exit 1).  Exit status: 0 on success, 1 on
 * failure or a usage error.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "mail_conf.h"
#include "mail_proto.h"
#include "maillog_client.h"
#include "master_cf.h"
#include "master_proto.h"
#include "msg.h"
#include "mymalloc.h"
#include "postern.h"
#include "proc.h"
#include "stringops.h"

/* Time limits, in milliseconds. */
#define CTL_START_MS   10000 /* master holds its lock */
#define CTL_STOP_MS    30000 /* every process of the instance is gone */
#define CTL_ABORT_MS   1000  /* SIGTERM before SIGKILL */
#define CTL_POLL_MS    50    /* between two looks */
#define CTL_TRIGGER_MS 10000 /* the flush trigger */

/* Most processes one /proc scan considers (a bound, not a limit in use). */
#define CTL_MAX_PROCS 65536

/* One process: its pid and start time (clock ticks after boot). */
typedef struct CTL_PROC {
    pid_t pid;
    pid_t ppid;
    unsigned long long start;
} CTL_PROC;

/* A set of processes. */
typedef struct CTL_PROCS {
    CTL_PROC *procs;
    size_t count;
    size_t size;
} CTL_PROCS;

extern char **environ;

static char *ctl_queue_dir;  /* queue_directory */
static char *ctl_daemon_dir; /* daemon_directory */

/* ctl_init - load main.cf, learn the paths, set up logging */
static void
ctl_init(int to_log)
{
    STRBUF *err = strbuf_create(100);

    msg_set_progname("postern-script");
    if (mail_conf_load(postern_config_dir, NULL, err) < 0)
        msg_fatal("%s", STR(err));
    strbuf_free(err);
    ctl_queue_dir = mail_conf_str("queue_directory");
    ctl_daemon_dir = mail_conf_str("daemon_directory");
    if (to_log &&
        maillog_client_init("postern-script",
                            MAILLOG_CLIENT_STDERR | MAILLOG_CLIENT_DIRECT) == 0)
        return;
    msg_stderr_init();
}

/* pid_file_read - the pid the file holds, 0 if none */
static pid_t
pid_file_read(int fd)
{
    char buf[32];
    ssize_t n;
    long pid;

    n = pread(fd, buf, sizeof(buf) - 1, 0);
    if (n <= 0)
        return 0;
    buf[n] = 0;
    if (str_to_long(trim_blanks(buf), 1, 0x7fffffff, &pid) < 0)
        return 0;
    return (pid_t) pid;
}

/* master_running - master's pid when its lock is held, 0 if not, -1 */
static pid_t
master_running(void)
{
    STRBUF *path = strbuf_create(100);
    struct flock fl;
    pid_t pid = 0, file_pid;
    int fd;

    strbuf_sprintf(path, "%s/%s", ctl_queue_dir, MASTER_PID_FILE);
    fd = open(STR(path), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0 && errno != ENOENT) {
        msg_warn("%s: %m", STR(path));
        pid = -1;
    }
    memset(&fl, 0, sizeof(fl));
    fl.l_type = F_WRLCK;
    fl.l_whence = SEEK_SET;
    if (fd >= 0 && fcntl(fd, F_GETLK, &fl) == 0 && fl.l_type != F_UNLCK) {
        file_pid = pid_file_read(fd);
        /* Open file description locks report no pid: trust the file. */
        pid = fl.l_pid > 0 ? fl.l_pid : file_pid;
        if (fl.l_pid > 0 && file_pid > 0 && file_pid != fl.l_pid)
            msg_warn("%s: holds pid %ld, but process %ld has the lock",
                     STR(path), (long) file_pid, (long) fl.l_pid);
        if (pid > 0 && kill(pid, 0) < 0 && errno == ESRCH)
            pid = 0;
    }
    if (fd >= 0)
        close(fd);
    strbuf_free(path);
    return pid;
}

/* proc_stat_read - ppid and start time from /proc/PID/stat; -1 if gone */
static int
proc_stat_read(pid_t pid, CTL_PROC *out)
{
    char path[64], buf[1024], state;
    const char *cp;
    ssize_t n;
    int fd, field;

    snprintf(path, sizeof(path), "/proc/%ld/stat", (long) pid);
    if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
        return -1;
    n = read(fd, buf, sizeof(buf) - 1);
    close(fd);
    /* The command name may hold anything: fields start after the last ')'. */
    if (n <= 0 || (buf[n] = 0, cp = strrchr(buf, ')')) == NULL)
        return -1;
    if (sscanf(cp + 1, " %c %d", &state, &field) != 2 || state == 'Z' ||
        state == 'X')
        return -1;
    out->pid = pid;
    out->ppid = field;
    /* Field 22 is the start time; field 3 (state) follows the name. */
    for (field = 2; *cp && field < 22; cp++)
        if (*cp == ' ')
            field++;
    out->start = strtoull(cp, NULL, 10);
    return 0;
}

/* procs_add - remember a process unless it is known already */
static void
procs_add(CTL_PROCS *set, const CTL_PROC *p)
{
    size_t i;

    for (i = 0; i < set->count; i++)
        if (set->procs[i].pid == p->pid && set->procs[i].start == p->start)
            return;
    if (set->count == set->size) {
        set->size = set->size ? 2 * set->size : 16;
        set->procs = myreallocarray(set->procs, set->size, sizeof(CTL_PROC));
    }
    set->procs[set->count++] = *p;
}

/* procs_scan - every live process on the host */
static void
procs_scan(CTL_PROCS *all)
{
    DIR *dir;
    struct dirent *ent;
    CTL_PROC p;

    all->count = 0;
    if ((dir = opendir("/proc")) == NULL)
        msg_fatal("open /proc: %m");
    while ((ent = readdir(dir)) != NULL && all->count < CTL_MAX_PROCS) {
        if (!isdigit((unsigned char) ent->d_name[0]))
            continue;
        if (proc_stat_read((pid_t) atol(ent->d_name), &p) == 0) {
            if (all->count == all->size) {
                all->size = all->size ? 2 * all->size : 256;
                all->procs =
                    myreallocarray(all->procs, all->size, sizeof(CTL_PROC));
            }
            all->procs[all->count++] = p;
        }
    }
    closedir(dir);
}

/* procs_family - add master and its live descendants to the set */
static void
procs_family(CTL_PROCS *set, pid_t master)
{
    CTL_PROCS all = {NULL, 0, 0}, family = {NULL, 0, 0};
    size_t i, j;

    procs_scan(&all);
    for (i = 0; i < all.count; i++)
        if (all.procs[i].pid == master)
            procs_add(&family, &all.procs[i]);
    /* Breadth first: each round adds the children of those found. */
    for (j = 0; j < family.count; j++)
        for (i = 0; i < all.count; i++)
            if (all.procs[i].ppid == family.procs[j].pid)
                procs_add(&family, &all.procs[i]);
    for (j = 0; j < family.count; j++)
        procs_add(set, &family.procs[j]);
    myfree(all.procs);
    myfree(family.procs);
}

/* procs_alive - how many of the set still run (the same process) */
static size_t
procs_alive(const CTL_PROCS *set, STRBUF *list)
{
    CTL_PROC now;
    size_t i, alive = 0;

    if (list)
        strbuf_reset(list);
    for (i = 0; i < set->count; i++) {
        if (proc_stat_read(set->procs[i].pid, &now) < 0 ||
            now.start != set->procs[i].start)
            continue;
        alive++;
        if (list)
            strbuf_sprintf_cat(list, " %ld", (long) now.pid);
    }
    return alive;
}

/* procs_kill - send sig to those of the set that still run */
static void
procs_kill(const CTL_PROCS *set, int sig)
{
    CTL_PROC now;
    size_t i;

    for (i = 0; i < set->count; i++)
        if (proc_stat_read(set->procs[i].pid, &now) == 0 &&
            now.start == set->procs[i].start)
            (void) kill(now.pid, sig);
}

/* ctl_sleep - pause for ms milliseconds */
static void
ctl_sleep(int ms)
{
    struct timespec ts = {ms / 1000, (long) (ms % 1000) * 1000000};

    while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
        ;
}

/* ctl_wait_gone - poll until master's lock is free and the set is gone */
static int
ctl_wait_gone(CTL_PROCS *set, pid_t master, int limit_ms)
{
    int waited;

    for (waited = 0; waited < limit_ms; waited += CTL_POLL_MS) {
        /* A child spawned after the first look is one of ours too. */
        if (master_running() == master)
            procs_family(set, master);
        else if (procs_alive(set, NULL) == 0)
            return 0;
        ctl_sleep(CTL_POLL_MS);
    }
    return -1;
}

/* ctl_not_running - the message, exit status 1 */
static int
ctl_not_running(void)
{
    msg_warn("the Postern mail system is not running");
    return 1;
}

/* ctl_stop - stop (or, with force, abort) the instance */
static int
ctl_stop(int force)
{
    CTL_PROCS set = {NULL, 0, 0};
    STRBUF *left;
    pid_t master = master_running();
    int ret = 0;

    if (master <= 0)
        return ctl_not_running();
    left = strbuf_create(100);
    msg_info("%s the Postern mail system", force ? "aborting" : "stopping");
    procs_family(&set, master);
    if (kill(master, SIGTERM) < 0)
        msg_fatal("cannot signal master (pid %ld): %m", (long) master);
    if (force && ctl_wait_gone(&set, master, CTL_ABORT_MS) < 0) {
        procs_kill(&set, SIGKILL);
        msg_info("killed what was left after %d ms", CTL_ABORT_MS);
    }
    if (ctl_wait_gone(&set, master, CTL_STOP_MS) < 0) {
        (void) procs_alive(&set, left);
        msg_warn("the Postern mail system did not stop within %d seconds; "
                 "still running:%s",
                 CTL_STOP_MS / 1000, LEN(left) ? STR(left) : " master");
        ret = 1;
    }
    myfree(set.procs);
    strbuf_free(left);
    return ret;
}

/* start_wait - wait until the master we spawned holds its lock */
static int
start_wait(pid_t child)
{
    int waited, status, exited = 0;
    pid_t running;

    for (waited = 0; waited < CTL_START_MS; waited += CTL_POLL_MS) {
        if (!exited && waitpid(child, &status, WNOHANG) == child) {
            exited = 1;
            if (WIFSIGNALED(status))
                msg_fatal("master was killed by signal %d before it was "
                          "ready",
                          WTERMSIG(status));
            if (WEXITSTATUS(status) != 0)
                msg_fatal("master failed to start (exit status %d); see "
                          "the mail log",
                          WEXITSTATUS(status));
        }
        /* Master forks: its parent exits once the daemon is ready. */
        running = master_running();
        if (running > 0 && (exited || running == child))
            return 0;
        ctl_sleep(CTL_POLL_MS);
    }
    msg_warn("master did not take its lock within %d seconds",
             CTL_START_MS / 1000);
    return 1;
}

/* start_master - spawn daemon_directory/master -c CONFIG_DIR */
static int
start_master(void)
{
    STRBUF *path = strbuf_create(100);
    PROC_OPTS opts;
    char *args[4];
    pid_t child;

    strbuf_sprintf(path, "%s/master", ctl_daemon_dir);
    args[0] = "master";
    args[1] = "-c";
    args[2] = (char *) postern_config_dir;
    args[3] = NULL;
    if (setenv("MAIL_CONFIG", postern_config_dir, 1) < 0)
        msg_fatal("setenv: %m");
    proc_opts_init(&opts);
    opts.stderr_fd = 2;
    opts.cwd = "/";
    if ((child = proc_spawn(STR(path), args, environ, &opts)) < 0)
        msg_fatal("cannot run %s: %m", STR(path));
    strbuf_free(path);
    return start_wait(child);
}

/* start_main - postern start */
int
start_main(int argc, char **argv)
{
    char *check_argv[] = {"check", NULL};
    pid_t running;
    int ret;

    if ((ret = postern_plain_args(argc, argv)) != 0)
        return ret - 1;
    if (check_main(1, check_argv) != 0) {
        msg_warn("postern check found errors; not starting");
        return 1;
    }
    ctl_init(1);
    if ((running = master_running()) < 0)
        msg_fatal("cannot tell whether master runs; not starting");
    if (running > 0) {
        msg_warn("the Postern mail system is already running (PID: %ld)",
                 (long) running);
        return 1;
    }
    msg_info("starting the Postern mail system");
    return start_master();
}

/* stop_main - postern stop */
int
stop_main(int argc, char **argv)
{
    int ret;

    if ((ret = postern_plain_args(argc, argv)) != 0)
        return ret - 1;
    ctl_init(1);
    return ctl_stop(0);
}

/* abort_main - postern abort */
int
abort_main(int argc, char **argv)
{
    int ret;

    if ((ret = postern_plain_args(argc, argv)) != 0)
        return ret - 1;
    ctl_init(1);
    return ctl_stop(1);
}

/* reload_main - postern reload: check master.cf, then SIGHUP */
int
reload_main(int argc, char **argv)
{
    STRBUF *path = strbuf_create(100);
    STRBUF *err = strbuf_create(100);
    MASTER_CF *mc = master_cf_create();
    pid_t master;
    int ret;

    if ((ret = postern_plain_args(argc, argv)) != 0)
        return ret - 1;
    ctl_init(1);
    /* A master.cf that master would refuse is better caught here. */
    strbuf_sprintf(path, "%s/master.cf", postern_config_dir);
    if (master_cf_read(mc, STR(path), err) < 0)
        msg_fatal("%s; not reloading", STR(err));
    master_cf_free(mc);
    strbuf_free(path);
    strbuf_free(err);
    if ((master = master_running()) <= 0)
        return ctl_not_running();
    msg_info("refreshing the Postern mail system");
    if (kill(master, SIGHUP) < 0)
        msg_fatal("cannot signal master (pid %ld): %m", (long) master);
    return 0;
}

/* status_main - postern status */
int
status_main(int argc, char **argv)
{
    pid_t master;
    int ret;

    if ((ret = postern_plain_args(argc, argv)) != 0)
        return ret - 1;
    ctl_init(0);
    if ((master = master_running()) <= 0) {
        msg_info("the Postern mail system is not running");
        return 1;
    }
    msg_info("the Postern mail system is running: PID: %ld", (long) master);
    return 0;
}

/* flush_main - postern flush: TRIGGER_REQ_FLUSH to qmgr */
int
flush_main(int argc, char **argv)
{
    char req = TRIGGER_REQ_FLUSH;
    int ret;

    if ((ret = postern_plain_args(argc, argv)) != 0)
        return ret - 1;
    ctl_init(0);
    if (mail_trigger(ctl_queue_dir, MAIL_CLASS_PUBLIC, MAIL_SERVICE_QMGR, &req,
                     1, CTL_TRIGGER_MS) < 0)
        msg_fatal("no qmgr service is running: cannot flush the queue "
                  "(%s/%s/%s: %m)",
                  ctl_queue_dir, MAIL_CLASS_PUBLIC, MAIL_SERVICE_QMGR);
    if (msg_verbose)
        msg_info("asked qmgr to flush the queue");
    return 0;
}

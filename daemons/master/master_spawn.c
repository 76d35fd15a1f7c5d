/*
 * master_spawn - children: fork and exec on demand, status records,
 * reaping, throttling with back-off.
 *
 * Each service has a status pipe (the children write MASTER_STATUS
 * records, master reads non-blocking) and a generation pipe (master keeps
 * the write end; a child gets the read end at MASTER_GEN_FD and sees EOF
 * when master closes it).  master_spawn_init() makes both;
 * master_spawn_new_gen() replaces the generation pipe, so the children
 * of the old generation finish and exit while new ones start with the new
 * configuration; only the current generation counts against maxproc.
 *
 * master_spawn_demand() is a listener's read callback: with no child
 * available and the pool not full it forks one, which counts as
 * available until it reports otherwise.  master_status_event() reads the
 * records.  master_reap() collects every exited child (called from the
 * loop after SIGCHLD): an abnormal exit (signal, non-zero status) is
 * logged and throttles the service for a back-off period that starts at
 * 1 s and doubles up to service_throttle_time (master_backoff(), which a
 * normal exit, or a child that ran longer than the back-off, resets).  A
 * throttled service is not spawned; its listeners are not watched until
 * the timer fires.  Nothing respawns a child by itself: only a readable
 * listener (a client, or a wakeup master sent) does, so a crashing
 * program never loops.
 *
 * The child side of a fork sets up the descriptors of master_proto.h,
 * switches to SCHED_BATCH when the program is one of
 * batch_scheduled_services (master_batch_scheduled(); a failure leaves
 * the policy as it was) and execs; it exits 127 when it cannot.  Running
 * out of pipes is fatal; a failed fork is a warning and throttles the
 * service.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "master.h"
#include "master_proto.h"
#include "msg.h"
#include "mymalloc.h"
#include "proc.h"

/* Status records read per system call. */
#define MASTER_STATUS_BATCH 64

/* master_now - monotonic seconds */
long
master_now(void)
{
    struct timespec ts;

    if (clock_gettime(CLOCK_MONOTONIC, &ts) < 0)
        msg_fatal("clock_gettime: %m");
    return (long) ts.tv_sec;
}

/* master_backoff - how long to throttle after an exit; updates *next */
int
master_backoff(int *next, int abnormal, long runtime, long max)
{
    int delay;

    if (max < 1)
        max = 1;
    if (!abnormal) {
        *next = 1;
        return 0;
    }
    /* A child that lived longer than the back-off was healthy for a while. */
    if (*next < 1 || runtime > *next)
        *next = 1;
    delay = *next > max ? (int) max : *next;
    *next = (long) delay * 2 > max ? (int) max : delay * 2;
    return delay;
}

/* master_exit_text - "exit status N" or "killed by signal N" */
STRBUF *
master_exit_text(STRBUF *out, int status)
{
    if (WIFSIGNALED(status))
        strbuf_sprintf(out, "killed by signal %d", WTERMSIG(status));
    else
        strbuf_sprintf(out, "exit status %d", WEXITSTATUS(status));
    return out;
}

/* master_pipe - a close-on-exec pipe or die */
static void
master_pipe(int fds[2])
{
    if (pipe2(fds, O_CLOEXEC) < 0)
        msg_fatal("pipe: %m");
}

/* master_spawn_init - a new service's status and generation pipes */
void
master_spawn_init(MASTER_SERV *serv)
{
    master_pipe(serv->status_fd);
    if (fcntl(serv->status_fd[0], F_SETFL, O_NONBLOCK) < 0)
        msg_fatal("status pipe: set non-blocking: %m");
    event_enable_read(serv->master->loop, serv->status_fd[0],
                      master_status_event, serv);
    master_pipe(serv->gen_fd);
}

/* master_spawn_new_gen - a new generation: old children finish and go */
void
master_spawn_new_gen(MASTER_SERV *serv)
{
    (void) close(serv->gen_fd[0]);
    (void) close(serv->gen_fd[1]);
    master_pipe(serv->gen_fd);
    serv->gen++;
    serv->total = 0;
    serv->avail = 0;
}

/* master_child_fds - put the descriptors where master_proto.h says */
static int
master_child_fds(MASTER_SERV *serv)
{
    int count = 2 + serv->listen_count;
    int base = MASTER_GEN_FD + count;
    int *moved = mymalloc(sizeof(int) * (size_t) count);
    int fd;
    int i;

    if ((fd = open("/dev/null", O_RDWR)) < 0 || dup2(fd, 0) < 0 ||
        dup2(fd, 1) < 0 || dup2(fd, 2) < 0)
        return -1;
    /* Copy everything above the targets first: a source may sit on one. */
    for (i = 0; i < count; i++) {
        fd = i == 0   ? serv->gen_fd[0]
             : i == 1 ? serv->status_fd[1]
                      : serv->listen_fd[i - 2];
        if ((moved[i] = fcntl(fd, F_DUPFD, base)) < 0)
            return -1;
    }
    /* dup2() leaves the copies without close-on-exec. */
    for (i = 0; i < count; i++)
        if (dup2(moved[i], MASTER_GEN_FD + i) < 0)
            return -1;
    proc_close_inherited(base);
    (void) close(3);
    return 0;
}

/* master_child - the forked child: set up and exec the service */
__attribute__((noreturn)) static void
master_child(MASTER_SERV *serv, int batch)
{
    static const int sigs[] = {SIGHUP, SIGINT, SIGTERM, SIGCHLD, SIGPIPE};
    struct sched_param param = {0};
    sigset_t none;
    size_t i;

    for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
        (void) signal(sigs[i], SIG_DFL);
    sigemptyset(&none);
    (void) sigprocmask(SIG_SETMASK, &none, NULL);
    if (batch)
        (void) sched_setscheduler(0, SCHED_BATCH, &param);
    if (master_child_fds(serv) == 0)
        (void) execve(serv->path, serv->argv->argv, serv->envp->argv);
    _exit(127);
}

/* master_proc_key - the process table key of a pid */
static const char *
master_proc_key(char *buf, size_t len, long pid)
{
    (void) snprintf(buf, len, "%ld", pid);
    return buf;
}

/* master_throttle_event - the throttle period is over */
static void
master_throttle_event(EVENT_LOOP *loop, int event, int id, void *context)
{
    MASTER_SERV *serv = context;

    (void) loop;
    (void) event;
    (void) id;
    serv->throttle_timer = 0;
    serv->throttled = 0;
    master_listen_update(serv);
}

/* master_throttle - stop spawning serv for delay seconds */
static void
master_throttle(MASTER_SERV *serv, int delay)
{
    if (serv->throttled)
        return;
    msg_warn("%s service: throttling for %d seconds after repeated failures",
             serv->key, delay);
    serv->throttled = 1;
    serv->throttle_timer = event_request_timer(
        serv->master->loop, master_throttle_event, serv, delay * 1000, 0);
    master_listen_update(serv);
}

/* master_unthrottle_all - end every throttle and back-off (reload) */
void
master_unthrottle_all(MASTER *m)
{
    MASTER_SERV *serv;

    for (serv = m->services; serv != NULL; serv = serv->next) {
        if (serv->throttle_timer)
            (void) event_cancel_timer(m->loop, serv->throttle_timer);
        serv->throttle_timer = 0;
        serv->throttled = 0;
        serv->backoff = 1;
        master_listen_update(serv);
    }
}

/* master_spawn - fork and exec one child of serv */
static void
master_spawn(MASTER_SERV *serv)
{
    MASTER *m = serv->master;
    MASTER_PROC *proc;
    char key[24];
    int batch = master_batch_scheduled(m->params, serv->path);
    pid_t pid;

    if ((pid = fork()) < 0) {
        msg_warn("%s: fork: %m", serv->key);
        master_throttle(serv, master_backoff(&serv->backoff, 1, 0,
                                             m->params->throttle_time));
        return;
    }
    if (pid == 0)
        master_child(serv, batch);
    proc = mymalloc(sizeof(*proc));
    proc->pid = pid;
    proc->serv = serv;
    proc->gen = serv->gen;
    proc->avail = 1;
    proc->served = 0;
    proc->start = master_now();
    htable_enter(m->procs, master_proc_key(key, sizeof(key), pid), proc);
    serv->total++;
    serv->avail++;
    serv->procs++;
    if (msg_verbose)
        msg_info("%s: started %s pid %ld", serv->key, serv->path, (long) pid);
}

/* master_spawn_demand - a listener is readable: start a child if needed */
void
master_spawn_demand(EVENT_LOOP *loop, int event, int fd, void *context)
{
    MASTER_SERV *serv = context;

    (void) loop;
    (void) event;
    (void) fd;
    if (!serv->removed && !serv->throttled && serv->avail == 0 &&
        (serv->maxproc == 0 || serv->total < serv->maxproc))
        master_spawn(serv);
    master_listen_update(serv);
}

/* master_status_one - apply one status record */
static void
master_status_one(MASTER_SERV *serv, const MASTER_STATUS *rec)
{
    char key[24];
    MASTER_PROC *proc = htable_find(
        serv->master->procs, master_proc_key(key, sizeof(key), rec->pid));
    int current;

    if (proc == NULL || proc->serv != serv) {
        if (msg_verbose)
            msg_info("%s: status from unknown pid %ld", serv->key,
                     (long) rec->pid);
        return;
    }
    current = !serv->removed && proc->gen == serv->gen;
    if (rec->status == MASTER_STAT_AVAIL && !proc->avail) {
        proc->avail = 1;
        serv->avail += current;
    } else if (rec->status == MASTER_STAT_TAKEN && proc->avail) {
        proc->avail = 0;
        proc->served = 1;
        serv->avail -= current;
        if (current && !serv->used) {
            serv->used = 1;
            master_wakeup_used(serv);
        }
    } else if (rec->status != MASTER_STAT_AVAIL &&
               rec->status != MASTER_STAT_TAKEN) {
        msg_warn("%s: pid %ld: bad status %ld", serv->key, (long) rec->pid,
                 (long) rec->status);
    }
}

/* master_status_event - read a service's status records */
void
master_status_event(EVENT_LOOP *loop, int event, int fd, void *context)
{
    MASTER_SERV *serv = context;
    MASTER_STATUS rec[MASTER_STATUS_BATCH];
    ssize_t n;
    size_t i;

    (void) loop;
    (void) event;
    while ((n = read(fd, rec, sizeof(rec))) < 0 && errno == EINTR)
        /* void */;
    if (n <= 0)
        return;
    if (n % (ssize_t) sizeof(MASTER_STATUS) != 0)
        msg_warn("%s: status pipe: partial record (%ld bytes)", serv->key,
                 (long) n);
    for (i = 0; i < (size_t) n / sizeof(MASTER_STATUS); i++)
        master_status_one(serv, rec + i);
    if (!serv->removed)
        master_listen_update(serv);
}

/* master_proc_exit - account for one exited child */
static void
master_proc_exit(MASTER *m, MASTER_PROC *proc, int status)
{
    MASTER_SERV *serv = proc->serv;
    STRBUF *text;
    int abnormal = !WIFEXITED(status) || WEXITSTATUS(status) != 0;
    int current = !serv->removed && proc->gen == serv->gen;
    int delay;

    if (abnormal && !m->stopping) {
        text = master_exit_text(strbuf_create(32), status);
        msg_warn("process %s pid %ld %s", serv->path, (long) proc->pid,
                 STR(text));
        strbuf_free(text);
    }
    if (current) {
        serv->total--;
        serv->avail -= proc->avail;
    }
    serv->procs--;
    if (current && !m->stopping && !(abnormal && serv->throttled)) {
        delay =
            master_backoff(&serv->backoff, abnormal, master_now() - proc->start,
                           m->params->throttle_time);
        if (delay > 0)
            master_throttle(serv, delay);
    }
    if (serv->cf == NULL)
        master_serv_retire_done(serv);
    else if (!serv->removed)
        master_listen_update(serv);
}

/* master_reap - collect every child that has exited */
void
master_reap(MASTER *m)
{
    MASTER_PROC *proc;
    char key[24];
    pid_t pid;
    int status;

    while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
        master_proc_key(key, sizeof(key), pid);
        if ((proc = htable_find(m->procs, key)) == NULL) {
            if (msg_verbose)
                msg_info("reaped unknown pid %ld", (long) pid);
            continue;
        }
        if (msg_verbose)
            msg_info("%s: pid %ld exited", proc->serv->key, (long) pid);
        master_proc_exit(m, proc, status);
        (void) htable_delete(m->procs, key, myfree);
    }
}

/*
 * proc - process helpers: inherited descriptors, process titles, spawning
 * programs, reaping them with a time limit, clean environments.
 *
 * proc_close_inherited() closes every descriptor >= lowfd (close_range(2),
 * else a walk of /proc/self/fd, else every number up to the limit).
 * proc_title_init() and proc_set_title() set what ps shows (libbsd).
 * proc_spawn() forks and execs with the descriptors, directory, identity
 * and environment of a PROC_OPTS; the child reports a failure before or in
 * execve() as its errno over a close-on-exec pipe, so the caller gets -1
 * and that errno, and the failed child is reaped.  proc_wait() reaps one
 * child within a time limit; proc_kill_wait() ends one (SIGTERM, then
 * SIGKILL).  proc_command() runs a program with input on its stdin and
 * its stdout in the caller's STRBUF, killing it on timeout.
 * proc_clean_env() appends a minimal environment to the caller's ARGV.
 *
 * Errors are returned as -1 with errno (ETIMEDOUT for a time limit);
 * only misuse panics (a pid <= 0, a uid without a gid).  Nothing here
 * kills anything but the pid it is given.
 */
#include <bsd/unistd.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "clock_ms.h"
#include "msg.h"
#include "proc.h"

/* close_range(2) came with glibc 2.34. */
#if defined(__GLIBC__) && defined(__GLIBC_PREREQ)
#if __GLIBC_PREREQ(2, 34)
#define PROC_HAVE_CLOSE_RANGE
#endif
#endif

/* Exit status of a child that failed before execve(). */
#define PROC_EXIT_SETUP 127

/* Longest sleep between two looks at a child in proc_wait(). */
#define PROC_POLL_MAX_MS 20

/*
 * Coverage builds (--coverage -DPOSTERN_COVERAGE): a child's counters die
 * with execve() or _exit(), so the child writes them out first.
 */
#ifdef POSTERN_COVERAGE
extern void __gcov_dump(void);
#define PROC_COV_DUMP() __gcov_dump()
#else
#define PROC_COV_DUMP() ((void) 0)
#endif

/* proc_close_range - close_range(2); -1 when the system lacks it */
static int
proc_close_range(int lowfd)
{
#ifdef PROC_HAVE_CLOSE_RANGE
    return close_range((unsigned) lowfd, ~0U, 0);
#else
    (void) lowfd;
    errno = ENOSYS;
    return -1;
#endif
}

/* proc_close_proc - close what /proc/self/fd lists; -1 without /proc */
static int
proc_close_proc(int lowfd)
{
    DIR *dir;
    struct dirent *ent;
    char *end;
    long fd;

    if ((dir = opendir("/proc/self/fd")) == NULL)
        return -1;
    while ((ent = readdir(dir)) != NULL) {
        fd = strtol(ent->d_name, &end, 10);
        if (end != ent->d_name && *end == 0 && fd >= lowfd && fd != dirfd(dir))
            (void) close((int) fd);
    }
    (void) closedir(dir);
    return 0;
}

/* proc_close_loop - close every number from lowfd up to the limit */
static void
proc_close_loop(int lowfd)
{
    long max = sysconf(_SC_OPEN_MAX);
    long fd;

    /* No limit known: cover at least what select() could see. */
    if (max < 0)
        max = 1024;
    for (fd = lowfd; fd < max; fd++)
        (void) close((int) fd);
}

/* proc_close_with - close fds >= lowfd one way; returns the way used */
int
proc_close_with(int lowfd, int method)
{
    int any = method == PROC_CLOSE_AUTO;

    if (lowfd < 0 || method < PROC_CLOSE_AUTO || method > PROC_CLOSE_LOOP)
        msg_panic("proc_close_with: bad fd %d or method %d", lowfd, method);
    if ((any || method == PROC_CLOSE_RANGE) && proc_close_range(lowfd) == 0)
        return PROC_CLOSE_RANGE;
    if ((any || method == PROC_CLOSE_PROC) && proc_close_proc(lowfd) == 0)
        return PROC_CLOSE_PROC;
    if (!any && method != PROC_CLOSE_LOOP)
        return -1;
    proc_close_loop(lowfd);
    return PROC_CLOSE_LOOP;
}

/* proc_close_inherited - close every descriptor >= lowfd */
void
proc_close_inherited(int lowfd)
{
    (void) proc_close_with(lowfd, PROC_CLOSE_AUTO);
}

/* proc_title_init - make room for titles; call first thing in main() */
void
proc_title_init(int argc, char **argv)
{
    setproctitle_init(argc, argv, environ);
}

/* proc_set_title - set what ps shows after the program name */
void
proc_set_title(const char *fmt, ...)
{
    STRBUF *title = strbuf_create(64);
    va_list ap;

    va_start(ap, fmt);
    (void) strbuf_vsprintf_cat(title, fmt, ap);
    va_end(ap);
    setproctitle("%s", STR(title));
    strbuf_free(title);
}

/* proc_opts_init - defaults: /dev/null stdio, same place and identity */
void
proc_opts_init(PROC_OPTS *opts)
{
    opts->stdin_fd = -1;
    opts->stdout_fd = -1;
    opts->stderr_fd = -1;
    opts->cwd = NULL;
    opts->uid = (uid_t) -1;
    opts->gid = (gid_t) -1;
    opts->keep_fds = 0;
}

/* proc_child_fail - in the child: tell the parent errno, exit */
static MSG_NORETURN void
proc_child_fail(int errfd)
{
    int err = errno;
    ssize_t n;

    /* A failed write leaves the parent to see exit status 127. */
    n = write(errfd, &err, sizeof(err));
    (void) n;
    PROC_COV_DUMP();
    _exit(PROC_EXIT_SETUP);
}

/* proc_child_signals - in the child: default dispositions, none blocked */
static int
proc_child_signals(void)
{
    struct sigaction sa;
    sigset_t none;
    int sig;

    /* execve() resets caught signals, not ignored ones (SIGPIPE, say). */
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = SIG_DFL;
    sigemptyset(&sa.sa_mask);
    for (sig = 1; sig < NSIG; sig++)
        (void) sigaction(sig, &sa, NULL);
    sigemptyset(&none);
    return sigprocmask(SIG_SETMASK, &none, NULL);
}

/* proc_child_stdio - in the child: make fds 0, 1, 2 what opts asks */
static int
proc_child_stdio(const PROC_OPTS *opts)
{
    int src[3] = {opts->stdin_fd, opts->stdout_fd, opts->stderr_fd};
    int null_fd = -1;
    int i;

    for (i = 0; i < 3; i++) {
        if (src[i] >= 0)
            continue;
        if (null_fd < 0 &&
            (null_fd = open("/dev/null", O_RDWR | O_CLOEXEC)) < 0)
            return -1;
        src[i] = null_fd;
    }
    /* Move sources off 0..2 first, so no dup2() overwrites a later one. */
    for (i = 0; i < 3; i++)
        if (src[i] < 3 && src[i] != i &&
            (src[i] = fcntl(src[i], F_DUPFD_CLOEXEC, 3)) < 0)
            return -1;
    for (i = 0; i < 3; i++)
        if (src[i] == i ? fcntl(i, F_SETFD, 0) < 0 : dup2(src[i], i) < 0)
            return -1;
    return 0;
}

/* proc_child_ids - in the child: become opts' group and user, verified */
static int
proc_child_ids(const PROC_OPTS *opts)
{
    uid_t uid = opts->uid;
    gid_t gid = opts->gid;
    int keep_uid = uid == (uid_t) -1;
    int keep_gid = gid == (gid_t) -1;

    /* Not root: fine only if we already are who we should become. */
    if (geteuid() != 0) {
        if ((keep_uid || uid == geteuid()) && (keep_gid || gid == getegid()))
            return 0;
        errno = EPERM;
        return -1;
    }
    if (!keep_gid && (setgroups(1, &gid) < 0 || setgid(gid) < 0))
        return -1;
    if (!keep_uid && setuid(uid) < 0)
        return -1;
    /* A half-done switch must never reach execve(). */
    if ((!keep_gid && (getgid() != gid || getegid() != gid)) ||
        (!keep_uid && (getuid() != uid || geteuid() != uid ||
                       (uid != 0 && setuid(0) == 0)))) {
        errno = EPERM;
        return -1;
    }
    return 0;
}

/* proc_child - in the child: set up and execve(); never returns */
static MSG_NORETURN void
proc_child(const char *path, char *const argv[], char *const envp[],
           const PROC_OPTS *opts, int errfd)
{
    /*
     * Async-signal-safe calls only, as the parent may have had threads
     * (but for the /proc walk, a fallback to close_range(), which
     * allocates).
     */
    if (errfd < 3 && (errfd = fcntl(errfd, F_DUPFD_CLOEXEC, 3)) < 0)
        _exit(PROC_EXIT_SETUP);
    if (proc_child_signals() < 0 || proc_child_stdio(opts) < 0 ||
        proc_child_ids(opts) < 0 || (opts->cwd != NULL && chdir(opts->cwd) < 0))
        proc_child_fail(errfd);
    if (!opts->keep_fds) {
        /* Keep stdio and the error pipe, moved to 3 (close-on-exec). */
        if (errfd != 3 && dup3(errfd, 3, O_CLOEXEC) < 0)
            proc_child_fail(errfd);
        errfd = 3;
        proc_close_inherited(4);
    }
    PROC_COV_DUMP();
    execve(path, argv, envp);
    proc_child_fail(errfd);
}

/* proc_spawn_result - pid if the child reached execve(), else -1 */
static pid_t
proc_spawn_result(pid_t pid, int fd)
{
    int child_errno;
    ssize_t n;

    /* End of file: execve() closed the pipe. */
    while ((n = read(fd, &child_errno, sizeof(child_errno))) < 0 &&
           errno == EINTR)
        ;
    (void) close(fd);
    if (n != sizeof(child_errno))
        return pid;
    while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
        ;
    errno = child_errno;
    return -1;
}

/* proc_spawn - start path; pid, or -1 with errno (the child's, too) */
pid_t
proc_spawn(const char *path, char *const argv[], char *const envp[],
           const PROC_OPTS *opts)
{
    static char def_path[] = PROC_DEF_PATH;
    static char *const def_env[] = {def_path, NULL};
    PROC_OPTS defaults;
    int pipefd[2];
    pid_t pid;
    int err;

    if (opts == NULL) {
        proc_opts_init(&defaults);
        opts = &defaults;
    }
    if (opts->uid != (uid_t) -1 && opts->gid == (gid_t) -1)
        msg_panic("proc_spawn: %s: uid %ld without gid", path,
                  (long) opts->uid);
    if (pipe2(pipefd, O_CLOEXEC) < 0)
        return -1;
    if ((pid = fork()) == 0) {
        (void) close(pipefd[0]);
        proc_child(path, argv, envp ? envp : def_env, opts, pipefd[1]);
    }
    err = errno;
    (void) close(pipefd[1]);
    if (pid < 0) {
        (void) close(pipefd[0]);
        errno = err;
        return -1;
    }
    return proc_spawn_result(pid, pipefd[0]);
}

/* proc_left - milliseconds until deadline, 0 when past, -1: no deadline */
static int
proc_left(long long deadline)
{
    long long left;

    if (deadline < 0)
        return -1;
    left = deadline - clock_ms();
    if (left < 0)
        return 0;
    return left > INT_MAX ? INT_MAX : (int) left;
}

/* proc_sleep_ms - sleep a while (a signal may cut it short) */
static void
proc_sleep_ms(int ms)
{
    struct timespec ts;

    ts.tv_sec = ms / 1000;
    ts.tv_nsec = (long) (ms % 1000) * 1000000;
    (void) nanosleep(&ts, NULL);
}

/* proc_wait - reap pid within timeout_ms (< 0: no limit); 0 or -1 */
int
proc_wait(pid_t pid, int *status, int timeout_ms)
{
    long long deadline;
    int delay = 1;
    int left;
    pid_t got;

    if (pid <= 0)
        msg_panic("proc_wait: bad pid %ld", (long) pid);
    deadline = timeout_ms < 0 ? -1 : clock_ms() + timeout_ms;
    for (;;) {
        got = waitpid(pid, status, timeout_ms < 0 ? 0 : WNOHANG);
        if (got == pid)
            return 0;
        if (got < 0) {
            if (errno != EINTR)
                return -1;
            continue;
        }
        if ((left = proc_left(deadline)) == 0) {
            errno = ETIMEDOUT;
            return -1;
        }
        /* Look again soon, then less often. */
        proc_sleep_ms(delay < left ? delay : left);
        delay = delay * 2 > PROC_POLL_MAX_MS ? PROC_POLL_MAX_MS : delay * 2;
    }
}

/* proc_kill_wait - SIGTERM, grace_ms to exit, then SIGKILL; reaps pid */
int
proc_kill_wait(pid_t pid, int *status, int grace_ms)
{
    if (pid <= 0)
        msg_panic("proc_kill_wait: bad pid %ld", (long) pid);
    if (kill(pid, SIGTERM) < 0)
        return -1;
    if (proc_wait(pid, status, grace_ms) == 0)
        return 0;
    if (errno != ETIMEDOUT)
        return -1;
    (void) kill(pid, SIGKILL);
    return proc_wait(pid, status, -1);
}

/* proc_command_fds - stdin socket pair, stdout pipe; parent ends [0] */
static int
proc_command_fds(int in[2], int out[2])
{
    int err;

    /* A socket for stdin: send(MSG_NOSIGNAL) spares us SIGPIPE. */
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, in) < 0)
        return -1;
    if (pipe2(out, O_CLOEXEC) < 0) {
        err = errno;
        (void) close(in[0]);
        (void) close(in[1]);
        errno = err;
        return -1;
    }
    (void) fcntl(in[0], F_SETFL, O_NONBLOCK);
    (void) fcntl(out[0], F_SETFL, O_NONBLOCK);
    return 0;
}

/* proc_command_write - send more input; close when done or refused */
static void
proc_command_write(PROC_COMMAND *cmd, int *fd, size_t *done)
{
    ssize_t n;

    n = send(*fd, cmd->input + *done, cmd->input_len - *done, MSG_NOSIGNAL);
    if (n > 0)
        *done += (size_t) n;
    /* All sent, or the child stopped reading (EPIPE): it sees EOF. */
    if ((n < 0 && errno != EAGAIN && errno != EINTR) ||
        *done == cmd->input_len) {
        (void) close(*fd);
        *fd = -1;
    }
}

/* proc_command_read - take more output, keeping at most output_max */
static void
proc_command_read(PROC_COMMAND *cmd, STRBUF *output, int *fd)
{
    char buf[4096];
    ssize_t n;
    size_t room;

    n = read(*fd, buf, sizeof(buf));
    if (n < 0 && (errno == EAGAIN || errno == EINTR))
        return;
    if (n <= 0) {
        (void) close(*fd);
        *fd = -1;
        return;
    }
    /* Past the limit, read on and drop, so the child does not block. */
    room = LEN(output) < cmd->output_max ? cmd->output_max - LEN(output) : 0;
    if ((size_t) n > room) {
        cmd->truncated = 1;
        n = (ssize_t) room;
    }
    if (n > 0 && strbuf_memcat(output, buf, (size_t) n) < 0)
        cmd->truncated = 1;
}

/* proc_command_io - feed input, collect output to EOF; -1 at deadline */
static int
proc_command_io(PROC_COMMAND *cmd, STRBUF *output, int in_fd, int out_fd,
                long long deadline)
{
    struct pollfd pfd[2];
    size_t done = 0;
    int err = ETIMEDOUT;
    int left;
    int n;

    if (cmd->input == NULL || cmd->input_len == 0) {
        (void) close(in_fd);
        in_fd = -1;
    }
    while (out_fd >= 0 && (left = proc_left(deadline)) != 0) {
        pfd[0].fd = in_fd;
        pfd[0].events = POLLOUT;
        pfd[1].fd = out_fd;
        pfd[1].events = POLLIN;
        if ((n = poll(pfd, 2, left)) < 0 && errno != EINTR) {
            err = errno;
            break;
        }
        if (n <= 0)
            continue;
        if (in_fd >= 0 && pfd[0].revents != 0)
            proc_command_write(cmd, &in_fd, &done);
        if (pfd[1].revents != 0)
            proc_command_read(cmd, output, &out_fd);
    }
    if (in_fd >= 0)
        (void) close(in_fd);
    if (out_fd < 0)
        return 0;
    (void) close(out_fd);
    errno = err;
    return -1;
}

/* proc_command_reap - wait until the deadline; past it, kill and reap */
static int
proc_command_reap(PROC_COMMAND *cmd, pid_t pid, long long deadline,
                  int io_status)
{
    int err;

    if (io_status == 0) {
        if (proc_wait(pid, &cmd->status, proc_left(deadline)) == 0)
            return 0;
        /* Reaped by someone else: the pid may not be ours any more. */
        if (errno != ETIMEDOUT)
            return -1;
    }
    err = errno;
    (void) kill(pid, SIGKILL);
    (void) proc_wait(pid, &cmd->status, -1);
    errno = err;
    return -1;
}

/* proc_command_spawn - start cmd on the child ends of in and out */
static pid_t
proc_command_spawn(PROC_COMMAND *cmd, int in[2], int out[2])
{
    PROC_OPTS opts;
    pid_t pid;
    int err;

    if (cmd->opts != NULL)
        opts = *cmd->opts;
    else
        proc_opts_init(&opts);
    opts.stdin_fd = in[1];
    opts.stdout_fd = out[1];
    if (cmd->merge_stderr)
        opts.stderr_fd = out[1];
    pid = proc_spawn(cmd->path, cmd->argv, cmd->envp, &opts);
    err = errno;
    (void) close(in[1]);
    (void) close(out[1]);
    if (pid < 0) {
        (void) close(in[0]);
        (void) close(out[0]);
    }
    errno = err;
    return pid;
}

/* proc_command - run cmd to completion; 0, or -1 with errno */
int
proc_command(PROC_COMMAND *cmd, STRBUF *output)
{
    long long deadline;
    int in[2], out[2];
    int io_status;
    pid_t pid;

    deadline = cmd->timeout_ms < 0 ? -1 : clock_ms() + cmd->timeout_ms;
    cmd->status = 0;
    cmd->truncated = 0;
    strbuf_reset(output);
    if (proc_command_fds(in, out) < 0)
        return -1;
    if ((pid = proc_command_spawn(cmd, in, out)) < 0)
        return -1;
    io_status = proc_command_io(cmd, output, in[0], out[0], deadline);
    return proc_command_reap(cmd, pid, deadline, io_status);
}

/* proc_env_has - does env already set name? */
static int
proc_env_has(const ARGV *env, const char *name)
{
    size_t len = strlen(name);
    size_t i;

    for (i = 0; i < env->argc; i++)
        if (strncmp(env->argv[i], name, len) == 0 && env->argv[i][len] == '=')
            return 1;
    return 0;
}

/* proc_clean_env - append kept variables and a PATH to env; returns env */
ARGV *
proc_clean_env(ARGV *env, const char *keep_list)
{
    ARGV *names = argv_split(keep_list, " \t\r\n,");
    STRBUF *var = strbuf_create(64);
    const char *value;
    size_t i;

    for (i = 0; i < names->argc; i++) {
        if (strchr(names->argv[i], '=') != NULL ||
            proc_env_has(env, names->argv[i]) ||
            (value = getenv(names->argv[i])) == NULL)
            continue;
        strbuf_sprintf(var, "%s=%s", names->argv[i], value);
        argv_add(env, STR(var));
    }
    if (!proc_env_has(env, "PATH"))
        argv_add(env, PROC_DEF_PATH);
    strbuf_free(var);
    argv_free(names);
    return env;
}

#ifndef TEST_DAEMON_H
#define TEST_DAEMON_H

/*
 * test_daemon.h - run a built daemon the way master would, for suites
 * that test a client against the real service.
 *
 * test_daemon_path() finds daemons/NAME/NAME under $POSTERN_OBJDIR (set
 * by tests/run-unit.sh), else under the current folder; call it before a
 * test changes folder.  test_daemon_start() forks and execs the program
 * with descriptors 4 (generation pipe), 5 (status pipe) and 6 (the
 * listening socket given) as libglobal/master_proto.h says, stdin and
 * stdout on /dev/null and stderr on log_fd, and the master_proto.h
 * command line.  test_daemon_stop() sends SIGTERM, waits at most 5 s
 * (then SIGKILL) and returns the wait status.  test_daemon_serve() does
 * the whole set-up of one unix service in the current folder (queue/,
 * main.cf, master.cf, a log file, the listener); test_daemon_read_log()
 * and test_daemon_assert_clean() read and judge what the daemon wrote.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "master_proto.h"
#include "sock.h"

typedef struct TEST_DAEMON {
    pid_t pid;     /* the daemon, 0 when not running */
    int gen_fd;    /* our end of MASTER_GEN_FD's pipe */
    int status_fd; /* our end of MASTER_STATUS_FD's pipe */
} TEST_DAEMON;

/* test_daemon_path - the built program daemons/NAME/NAME */
static inline void
test_daemon_path(char *buf, size_t len, const char *name)
{
    const char *objdir = getenv("POSTERN_OBJDIR");
    char cwd[4096];
    int n;

    if (objdir == NULL || *objdir == 0)
        objdir = getcwd(cwd, sizeof(cwd) - 1) ? strcat(cwd, "/") : "./";
    /* Called while the suite is built: no ck_assert here. */
    n = snprintf(buf, len, "%sdaemons/%s/%s", objdir, name, name);
    if (n < 0 || (size_t) n >= len) {
        fprintf(stderr, "%s: daemon path too long\n", name);
        exit(1);
    }
}

/* test_write_file - a small text file (main.cf, a table) */
static inline void
test_write_file(const char *path, const char *text)
{
    FILE *fp = fopen(path, "w");

    ck_assert_ptr_nonnull(fp);
    ck_assert_int_ge(fputs(text, fp), 0);
    ck_assert_int_eq(fclose(fp), 0);
}

/* test_daemon_fds - in the child: descriptors as master leaves them */
static inline void
test_daemon_fds(int gen, int status, int listen_fd, int log_fd)
{
    int null_fd = open("/dev/null", O_RDWR);
    int hi[4] = {fcntl(gen, F_DUPFD, 100), fcntl(status, F_DUPFD, 100),
                 fcntl(listen_fd, F_DUPFD, 100), fcntl(log_fd, F_DUPFD, 100)};
    int fd;

    if (null_fd < 0 || hi[0] < 0 || hi[1] < 0 || hi[2] < 0 || hi[3] < 0)
        _exit(126);
    if (dup2(null_fd, 0) < 0 || dup2(null_fd, 1) < 0 || dup2(hi[3], 2) < 0 ||
        dup2(hi[0], MASTER_GEN_FD) < 0 || dup2(hi[1], MASTER_STATUS_FD) < 0 ||
        dup2(hi[2], MASTER_LISTEN_FD) < 0)
        _exit(126);
    for (fd = MASTER_LISTEN_FD + 1; fd < 1024; fd++)
        (void) close(fd);
}

/* test_daemon_start - fork and exec program as service NAME of type TYPE */
static inline void
test_daemon_start(TEST_DAEMON *dm, const char *program, const char *service,
                  const char *type, const char *config_dir, int listen_fd,
                  int log_fd)
{
    const char *base = strrchr(program, '/');
    int gen[2], status[2];
    sigset_t term, old;

    ck_assert_msg(access(program, X_OK) == 0, "%s: %s (build it first)",
                  program, strerror(errno));
    /* Our ends must not leak into another daemon. */
    ck_assert_int_eq(pipe2(gen, O_CLOEXEC), 0);
    ck_assert_int_eq(pipe2(status, O_CLOEXEC), 0);
    /* Until exec the child runs Check's SIGTERM handler, which would take
     * the whole suite down: it gets SIGTERM's default first. */
    sigemptyset(&term);
    sigaddset(&term, SIGTERM);
    ck_assert_int_eq(sigprocmask(SIG_BLOCK, &term, &old), 0);
    ck_assert_int_ge(dm->pid = fork(), 0);
    if (dm->pid == 0) {
        signal(SIGTERM, SIG_DFL);
        sigprocmask(SIG_SETMASK, &old, NULL);
        test_daemon_fds(gen[0], status[1], listen_fd, log_fd);
        execl(program, base ? base + 1 : program, "-c", config_dir, "-n",
              service, "-t", type, "-s", "1", (char *) 0);
        _exit(127);
    }
    sigprocmask(SIG_SETMASK, &old, NULL);
    close(gen[0]);
    close(status[1]);
    dm->gen_fd = gen[1];
    dm->status_fd = status[0];
}

/* test_daemon_stop - SIGTERM, a bounded wait; the wait status or -1 */
static inline int
test_daemon_stop(TEST_DAEMON *dm)
{
    int status = -1, i;

    if (dm->pid <= 0)
        return -1;
    kill(dm->pid, SIGTERM);
    for (i = 0; i < 500; i++) {
        if (waitpid(dm->pid, &status, WNOHANG) == dm->pid)
            break;
        usleep(10000);
    }
    if (i == 500) {
        kill(dm->pid, SIGKILL);
        waitpid(dm->pid, &status, 0);
    }
    dm->pid = 0;
    close(dm->gen_fd);
    close(dm->status_fd);
    return status;
}

/*
 * test_daemon_serve - in the current folder: queue/private/, main.cf
 * (queue_directory, maillog_file, then main_cf), master.cf (one line),
 * config_dir/SERVICE.log for the daemon's stderr (its path to log_path),
 * and the daemon listening on queue/private/SERVICE.
 */
static inline void
test_daemon_serve(TEST_DAEMON *dm, const char *program, const char *service,
                  const char *config_dir, const char *main_cf,
                  const char *master_cf, char *log_path, size_t log_len)
{
    char text[3 * 4096 + 64];
    char path[4096 + 64];
    int listen_fd, log_fd;

    ck_assert_int_eq(mkdir("queue", 0700), 0);
    ck_assert_int_eq(mkdir("queue/private", 0700), 0);
    snprintf(text, sizeof(text),
             "queue_directory = %s/queue\nmaillog_file = %s/maillog\n%s",
             config_dir, config_dir, main_cf);
    test_write_file("main.cf", text);
    test_write_file("master.cf", master_cf);
    snprintf(log_path, log_len, "%s/%s.log", config_dir, service);
    ck_assert_int_ge(log_fd = open(log_path, O_WRONLY | O_CREAT, 0600), 0);
    snprintf(path, sizeof(path), "queue/private/%s", service);
    ck_assert_int_ge(listen_fd = sock_unix_listen(path, 16, SOCK_FLAG_NONBLOCK),
                     0);
    test_daemon_start(dm, program, service, "unix", config_dir, listen_fd,
                      log_fd);
    close(listen_fd);
    close(log_fd);
}

/* test_daemon_read_log - what the daemon wrote to stderr, in buf */
static inline char *
test_daemon_read_log(const char *log_path, char *buf, size_t len)
{
    int fd = open(log_path, O_RDONLY);
    ssize_t n;

    ck_assert_int_ge(fd, 0);
    n = read(fd, buf, len - 1);
    ck_assert_int_ge(n, 0);
    buf[n] = 0;
    close(fd);
    return buf;
}

/* test_daemon_assert_clean - exit 0 (or not run), no sanitizer, panic or
 * fatal line in its log */
static inline void
test_daemon_assert_clean(const char *name, int status, const char *log_path)
{
    static char log[65536];

    test_daemon_read_log(log_path, log, sizeof(log));
    ck_assert_msg(status == -1 || (WIFEXITED(status) && !WEXITSTATUS(status)),
                  "%s exit status %d; log: %s", name, status, log);
    ck_assert_msg(strstr(log, "Sanitizer") == NULL &&
                      strstr(log, "runtime error") == NULL &&
                      strstr(log, "panic") == NULL &&
                      strstr(log, "fatal") == NULL,
                  "log: %s", log);
}

#endif

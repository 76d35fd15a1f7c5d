#ifndef TEST_SERVER_H
#define TEST_SERVER_H

/*
 * test_server - run a daemon skeleton in a child process with the
 * descriptors master would give it, and play master and client.
 *
 * Uses test_tmpdir.h: the test's own directory is config_directory and
 * queue_directory.  skel_main_cf() writes main.cf there (log lines go to
 * the postlog socket public/postlog, which the test reads).  skel_start()
 * forks a child that gets the read end of a generation pipe as fd 4, the
 * write end of a status pipe as fd 5, the listener as fd 6, a report
 * pipe as SKEL_REPORT_FD (for the callbacks' skel_report()) and its
 * stderr in the file "stderr"; it then calls fn with the argument list
 * "skel -c DIR ARGS..." laid out in one writable area, as main's is.
 * The test reads status records, reports and log lines, and reaps the
 * child; skel_stop() ends one still running (by pid) and closes all.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "master_proto.h"
#include "proc.h"
#include "sock.h"
#include "strbuf.h"
#include "stream.h"
#include "test_tmpdir.h"

/* Where a child's callbacks write their reports. */
#define SKEL_REPORT_FD 9

/* skel_start() flags: leave a master descriptor closed. */
#define SKEL_NO_GEN    (1 << 0)
#define SKEL_NO_STATUS (1 << 1)

/* One skeleton child, seen from master's side. */
typedef struct SKEL {
    pid_t pid;
    int reaped;    /* pid has been waited for */
    int gen_fd;    /* write end of the generation pipe; -1: closed */
    int status_fd; /* read end of the status pipe */
    int report_fd; /* read end of the report pipe */
    int log_fd;    /* the postlog socket */
} SKEL;

typedef void (*SKEL_MAIN_FN)(int argc, char **argv);

/* Not every suite uses every helper. */
#define SKEL_HELPER static __attribute__((unused))

/* skel_now - monotonic milliseconds */
SKEL_HELPER long long
skel_now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* skel_main_cf - main.cf for the test's directory, plus extra lines */
SKEL_HELPER void
skel_main_cf(const char *extra)
{
    FILE *fp = fopen("main.cf", "w");

    ck_assert_ptr_nonnull(fp);
    fprintf(fp,
            "queue_directory = %s\nmyhostname = test.example\n"
            "maillog_file = %s/maillog\n%s",
            tmpdir_here, tmpdir_here, extra ? extra : "");
    ck_assert_int_eq(fclose(fp), 0);
}

/* skel_log_socket - public/postlog, where the child's log lines arrive */
SKEL_HELPER int
skel_log_socket(void)
{
    struct sockaddr_un sun;
    int fd;

    (void) mkdir("public", 0755);
    memset(&sun, 0, sizeof(sun));
    sun.sun_family = AF_UNIX;
    ck_assert_int_lt(snprintf(sun.sun_path, sizeof(sun.sun_path),
                              "%.80s/public/postlog", tmpdir_here),
                     (int) sizeof(sun.sun_path));
    fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(bind(fd, (struct sockaddr *) &sun, sizeof(sun)), 0);
    (void) chmod(sun.sun_path, 0666);
    return fd;
}

/* skel_high - a copy of fd at 20 or above, out of the way of 3..9 */
SKEL_HELPER int
skel_high(int fd)
{
    return fd < 0 ? -1 : fcntl(fd, F_DUPFD, 20);
}

/* skel_child_fds - in the child: the descriptors master would give */
SKEL_HELPER void
skel_child_fds(int gen, int status, int listen, int report, int flags)
{
    int err = open("stderr", O_WRONLY | O_CREAT | O_APPEND, 0644);
    int null = open("/dev/null", O_RDWR);
    int fd;

    gen = skel_high(gen);
    status = skel_high(status);
    listen = skel_high(listen);
    report = skel_high(report);
    err = skel_high(err);
    null = skel_high(null);
    /* fd 3 is taken, so the next file opened gets fd 4 if it is free. */
    if (dup2(null, 0) < 0 || dup2(null, 3) < 0 || dup2(err, 2) < 0)
        _exit(98);
    for (fd = 4; fd <= SKEL_REPORT_FD; fd++)
        (void) close(fd);
    if ((!(flags & SKEL_NO_GEN) && dup2(gen, MASTER_GEN_FD) < 0) ||
        (!(flags & SKEL_NO_STATUS) && dup2(status, MASTER_STATUS_FD) < 0) ||
        (listen >= 0 && dup2(listen, MASTER_LISTEN_FD) < 0) ||
        dup2(report, SKEL_REPORT_FD) < 0)
        _exit(98);
    proc_close_inherited(SKEL_REPORT_FD + 1);
}

/* The child's argument strings, where its process title goes too. */
static char skel_area[4096];

/* skel_run - in the child: the argument area, then the skeleton */
SKEL_HELPER void
skel_run(SKEL_MAIN_FN fn, const char **args)
{
    char *area = skel_area;
    static char *argv[64];
    size_t off = 0;
    size_t len;
    int argc = 0;

    for (; *args != NULL && argc < 63; args++) {
        len = strlen(*args) + 1;
        if (off + len > sizeof(skel_area))
            _exit(97);
        memcpy(area + off, *args, len);
        argv[argc++] = area + off;
        off += len;
    }
    argv[argc] = NULL;
    fn(argc, argv);
    _exit(96); /* the skeletons never return */
}

/* skel_start - fork a skeleton child; args end with NULL */
SKEL_HELPER void
skel_start(SKEL *sk, SKEL_MAIN_FN fn, int listen_fd, int flags, ...)
{
    const char *args[64] = {"skel", "-c", tmpdir_here};
    int gen[2], status[2], report[2];
    int n = 3;
    va_list ap;

    va_start(ap, flags);
    while (n < 63 && (args[n] = va_arg(ap, const char *)) != NULL)
        n++;
    va_end(ap);
    args[n] = NULL;
    sk->log_fd = skel_log_socket();
    ck_assert_int_eq(pipe2(gen, O_CLOEXEC), 0);
    ck_assert_int_eq(pipe2(status, O_CLOEXEC), 0);
    ck_assert_int_eq(pipe2(report, O_CLOEXEC), 0);
    if ((sk->pid = fork()) == 0) {
        skel_child_fds(gen[0], status[1], listen_fd, report[1], flags);
        skel_run(fn, args);
    }
    ck_assert_int_gt(sk->pid, 0);
    sk->reaped = 0;
    close(gen[0]);
    close(status[1]);
    close(report[1]);
    sk->gen_fd = gen[1];
    sk->status_fd = status[0];
    sk->report_fd = report[0];
}

/* skel_readable - wait for input on fd; 1, or 0 on timeout */
SKEL_HELPER int
skel_readable(int fd, int timeout_ms)
{
    struct pollfd pfd = {fd, POLLIN, 0};

    return poll(&pfd, 1, timeout_ms < 0 ? 0 : timeout_ms) > 0;
}

/* skel_status - the next status record (pid checked), -1 if none */
SKEL_HELPER int
skel_status(SKEL *sk, int timeout_ms)
{
    MASTER_STATUS rec;

    if (!skel_readable(sk->status_fd, timeout_ms))
        return -1;
    if (read(sk->status_fd, &rec, sizeof(rec)) != (ssize_t) sizeof(rec))
        return -1;
    ck_assert_int_eq(rec.pid, sk->pid);
    return rec.status;
}

/* skel_report_line - the next report line (LF removed); -1 if none */
SKEL_HELPER int
skel_report_line(SKEL *sk, STRBUF *line, int timeout_ms)
{
    long long deadline = skel_now() + timeout_ms;
    char ch;

    strbuf_reset(line);
    for (;;) {
        if (!skel_readable(sk->report_fd, (int) (deadline - skel_now())))
            return -1;
        if (read(sk->report_fd, &ch, 1) != 1)
            return -1;
        if (ch == '\n')
            return 0;
        strbuf_addch(line, ch);
    }
}

/* skel_await_report - read reports until one equals want; 0, or -1 */
SKEL_HELPER int
skel_await_report(SKEL *sk, const char *want, int timeout_ms)
{
    STRBUF *line = strbuf_create(100);
    long long deadline = skel_now() + timeout_ms;
    int ret;

    while ((ret = skel_report_line(sk, line, (int) (deadline - skel_now()))) ==
               0 &&
           strcmp(STR(line), want) != 0)
        /* void */;
    strbuf_free(line);
    return ret;
}

/* skel_reports - every report until the child closes the pipe */
SKEL_HELPER STRBUF *
skel_reports(SKEL *sk, STRBUF *out)
{
    STRBUF *line = strbuf_create(100);

    strbuf_reset(out);
    while (skel_report_line(sk, line, 2000) == 0)
        strbuf_sprintf_cat(out, "%s\n", STR(line));
    strbuf_free(line);
    return out;
}

/* skel_logs - the log lines that arrived so far */
SKEL_HELPER STRBUF *
skel_logs(SKEL *sk, STRBUF *out)
{
    char buf[4096];
    ssize_t n;

    strbuf_reset(out);
    while ((n = recv(sk->log_fd, buf, sizeof(buf), 0)) > 0)
        strbuf_memcat(out, buf, (size_t) n);
    return out;
}

/* skel_count - how often text occurs in str */
SKEL_HELPER int
skel_count(const char *str, const char *text)
{
    int count = 0;

    while ((str = strstr(str, text)) != NULL) {
        count++;
        str += strlen(text);
    }
    return count;
}

/* skel_file - a small file's text (the child's stderr, say) */
SKEL_HELPER STRBUF *
skel_file(const char *path, STRBUF *out)
{
    char buf[4096];
    int fd = open(path, O_RDONLY);
    ssize_t n;

    strbuf_reset(out);
    while (fd >= 0 && (n = read(fd, buf, sizeof(buf))) > 0)
        strbuf_memcat(out, buf, (size_t) n);
    if (fd >= 0)
        close(fd);
    return out;
}

/* skel_wait - the child's wait status within timeout_ms, -1 if running */
SKEL_HELPER int
skel_wait(SKEL *sk, int timeout_ms)
{
    int status;

    if (sk->reaped || proc_wait(sk->pid, &status, timeout_ms) < 0)
        return -1;
    sk->reaped = 1;
    return status;
}

/* skel_exit_ok - the child exited 0 within timeout_ms */
SKEL_HELPER void
skel_exit_ok(SKEL *sk, int timeout_ms)
{
    int status = skel_wait(sk, timeout_ms);

    ck_assert_msg(status >= 0, "child still running after %d ms", timeout_ms);
    ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
                  "child wait status 0x%x", status);
}

/* skel_retire - master closes the generation pipe */
SKEL_HELPER void
skel_retire(SKEL *sk)
{
    close(sk->gen_fd);
    sk->gen_fd = -1;
}

/* skel_stop - end a child still running (by pid), close everything */
SKEL_HELPER void
skel_stop(SKEL *sk)
{
    int status;

    if (!sk->reaped)
        (void) proc_kill_wait(sk->pid, &status, 500);
    sk->reaped = 1;
    if (sk->gen_fd >= 0)
        close(sk->gen_fd);
    close(sk->status_fd);
    close(sk->report_fd);
    close(sk->log_fd);
}

/* skel_listen - a listening UNIX socket "sock" in the test's directory */
SKEL_HELPER int
skel_listen(void)
{
    int fd = sock_unix_listen("sock", 16, SOCK_FLAG_NONBLOCK);

    ck_assert_int_ge(fd, 0);
    return fd;
}

/* skel_connect - a client of the socket "sock", with a 3 s deadline */
SKEL_HELPER STREAM *
skel_connect(void)
{
    int fd = sock_unix_connect("sock", 2000);
    STREAM *st;

    ck_assert_int_ge(fd, 0);
    st = stream_fdopen(fd, O_RDWR);
    stream_set_timeout(st, 3000);
    return st;
}

/* skel_chat - send a line, return the answer line ("" on failure) */
SKEL_HELPER const char *
skel_chat(STREAM *st, const char *line, STRBUF *answer)
{
    strbuf_reset(answer);
    if (stream_printf(st, "%s\n", line) < 0 || stream_flush(st) < 0 ||
        stream_get_line(st, answer, 1000) != STREAM_LINE_OK)
        strbuf_reset(answer);
    return STR(answer);
}

/* skel_report - in the child: one report line */
SKEL_HELPER void __attribute__((format(printf, 1, 2)))
skel_report(const char *fmt, ...)
{
    char buf[2048];
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(buf, sizeof(buf) - 1, fmt, ap);
    va_end(ap);
    if (n < 0 || n > (int) sizeof(buf) - 2)
        n = (int) sizeof(buf) - 2;
    buf[n++] = '\n';
    if (write(SKEL_REPORT_FD, buf, (size_t) n) != n)
        _exit(95);
}

/*
 * skel_request - in the child: serve one request line.  "ids" answers
 * the process's identity, "pid" its pid, "block" answers "blocking" and
 * then waits for another line; anything else is echoed.  Returns 1 after
 * an answer, 0 for "quit", -1 when the stream ended (reported).
 */
SKEL_HELPER int
skel_request(STREAM *st)
{
    STRBUF *line = strbuf_create(100);
    STREAM_STATUS status = stream_get_line(st, line, 1000);
    int ret = 1;

    if (status == STREAM_LINE_OK && strcmp(STR(line), "block") == 0) {
        (void) stream_puts(st, "blocking\n");
        (void) stream_flush(st);
        status = stream_get_line(st, line, 1000);
    }
    if (status != STREAM_LINE_OK) {
        skel_report("end %s", stream_status_name(status));
        ret = -1;
    } else if (strcmp(STR(line), "quit") == 0) {
        ret = 0;
    } else if (strcmp(STR(line), "ids") == 0) {
        (void) stream_printf(st, "uid=%d euid=%d gid=%d egid=%d groups=%d\n",
                             (int) getuid(), (int) geteuid(), (int) getgid(),
                             (int) getegid(), getgroups(0, NULL));
    } else if (strcmp(STR(line), "pid") == 0) {
        (void) stream_printf(st, "pid=%d\n", (int) getpid());
    } else {
        (void) stream_printf(st, "echo: %s\n", STR(line));
    }
    (void) stream_flush(st);
    strbuf_free(line);
    return ret;
}

#endif

/*
 * msg - diagnostics with Postfix-shaped log lines.
 *
 * msg_info() ... msg_panic() format one event into one line, make it
 * printable (control characters become '?', so peer text never splits a
 * line or forges another), and hand it to each enabled channel:
 * stderr ("postern/smtpd: warning: text"), syslog (facility mail, ident
 * "postern/smtpd", LOG_PID), a file opened by msg_file_init() with
 * lines "Nov 22 17:31:40 host postern/smtpd[123]: warning: text", or a
 * UNIX datagram socket connected by msg_dgram_init() that gets the same
 * line, newline included, as one datagram (postlogd appends it to the
 * file).  The socket is non-blocking: when its peer's queue is full the
 * line is dropped and counted (msg_dgram_drops), so a slow postlogd
 * never stalls a daemon; msg_dgram_wait() lets a command wait instead.
 * A refused send (the server's socket was replaced) reconnects once.
 *
 * msg_fatal() runs the cleanup hook and exits 1; msg_panic() aborts with
 * a core.  msg_error() counts and becomes fatal after msg_error_limit.
 * msg_file_init() and msg_dgram_init() return -1 (errno set) when the
 * channel cannot be opened; nothing here allocates memory, so that
 * mymalloc() may call msg_fatal().
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "msg.h"

int msg_verbose;
int msg_error_limit = 13;

static char progname[100] = "postern"; /* syslog_name/prog_base */
static char prog_base[64] = "postern";
static char syslog_name[32] = "postern";
static char hostname[256];
static int use_stderr;
static int use_syslog;
static int log_fd = -1;
static int dgram_fd = -1;
static struct sockaddr_un dgram_addr;
static int dgram_wait_ms;
static long dgram_drops;
static int error_count;
static int in_fatal;
static MSG_CLEANUP_FN cleanup_fn;

static const char *level_names[] = {"info", "warning", "error", "fatal",
                                    "panic"};

/* msg_level_name - the word that prefixes a line of that level */
const char *
msg_level_name(int level)
{
    if (level < MSG_INFO || level > MSG_PANIC)
        return "unknown";
    return level_names[level];
}

/* set_progname - PREFIX/NAME, or PREFIX alone for the postern command */
static void
set_progname(void)
{
    if (strcmp(prog_base, "postern") == 0)
        snprintf(progname, sizeof(progname), "%s", syslog_name);
    else
        snprintf(progname, sizeof(progname), "%s/%s", syslog_name, prog_base);
}

/* msg_set_progname - name lines as postern/NAME (NAME "postern" alone) */
void
msg_set_progname(const char *name)
{
    const char *base = strrchr(name, '/');

    base = base ? base + 1 : name;
    snprintf(prog_base, sizeof(prog_base), "%s", base);
    set_progname();
}

/* msg_set_syslog_name - the prefix of every program name (syslog_name) */
void
msg_set_syslog_name(const char *name)
{
    snprintf(syslog_name, sizeof(syslog_name), "%s", *name ? name : "postern");
    set_progname();
}

/* msg_set_hostname - the host that file and datagram lines name */
void
msg_set_hostname(const char *name)
{
    snprintf(hostname, sizeof(hostname), "%s", name);
}

/* msg_progname - the name lines carry */
const char *
msg_progname(void)
{
    return progname;
}

/* msg_stderr_init - also log to standard error */
void
msg_stderr_init(void)
{
    use_stderr = 1;
}

/* msg_syslog_init - also log to syslog with the given facility */
void
msg_syslog_init(int facility)
{
    openlog(progname, LOG_PID | LOG_NDELAY, facility);
    use_syslog = 1;
}

/* msg_file_init - also log to a file, appending; -1 on failure */
int
msg_file_init(const char *path)
{
    int fd;

    fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC,
              0600);
    if (fd < 0)
        return -1;
    if (log_fd >= 0)
        close(log_fd);
    log_fd = fd;
    /* Read the time zone now: after a chroot /etc/localtime is gone. */
    tzset();
    return 0;
}

/* dgram_connect - a non-blocking socket connected to dgram_addr, or -1 */
static int
dgram_connect(void)
{
    int fd, saved;

    fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    if (connect(fd, (struct sockaddr *) &dgram_addr, sizeof(dgram_addr)) < 0) {
        saved = errno;
        close(fd);
        errno = saved;
        return -1;
    }
    return fd;
}

/* msg_dgram_init - also send each line to a datagram socket; -1 on failure */
int
msg_dgram_init(const char *path)
{
    int fd;

    if (strlen(path) >= sizeof(dgram_addr.sun_path)) {
        errno = ENAMETOOLONG;
        return -1;
    }
    memset(&dgram_addr, 0, sizeof(dgram_addr));
    dgram_addr.sun_family = AF_UNIX;
    memcpy(dgram_addr.sun_path, path, strlen(path) + 1);
    if ((fd = dgram_connect()) < 0)
        return -1;
    if (dgram_fd >= 0)
        close(dgram_fd);
    dgram_fd = fd;
    tzset();
    return 0;
}

/* msg_dgram_wait - how long a send may wait for room (0: never) */
void
msg_dgram_wait(int millis)
{
    dgram_wait_ms = millis > 0 ? millis : 0;
}

/* msg_dgram_drops - lines the datagram channel dropped so far */
long
msg_dgram_drops(void)
{
    return dgram_drops;
}

/* msg_outputs_reset - disable every channel (tests, re-initialisation) */
void
msg_outputs_reset(void)
{
    use_stderr = 0;
    if (use_syslog)
        closelog();
    use_syslog = 0;
    if (log_fd >= 0)
        close(log_fd);
    log_fd = -1;
    if (dgram_fd >= 0)
        close(dgram_fd);
    dgram_fd = -1;
    dgram_drops = 0;
}

/* msg_cleanup - set the pre-exit hook, return the previous one */
MSG_CLEANUP_FN
msg_cleanup(MSG_CLEANUP_FN fn)
{
    MSG_CLEANUP_FN prev = cleanup_fn;

    cleanup_fn = fn;
    return prev;
}

/* msg_error_count - how many msg_error() calls so far */
int
msg_error_count(void)
{
    return error_count;
}

/* msg_format_line - "Mmm dd hh:mm:ss host prog[pid]: text" */
void
msg_format_line(char *buf, int len, long when, const char *host,
                const char *prog, int pid, const char *text)
{
    time_t t = (time_t) when;
    struct tm tm;
    char stamp[32];

    localtime_r(&t, &tm);
    if (strftime(stamp, sizeof(stamp), "%b %e %H:%M:%S", &tm) == 0)
        stamp[0] = 0;
    snprintf(buf, len, "%s %s %s[%d]: %s\n", stamp, host, prog, pid, text);
}

/* write_all - write a line, retrying on interrupts; errors are ignored */
static void
write_all(int fd, const char *buf, size_t len)
{
    ssize_t n;

    while (len > 0) {
        n = write(fd, buf, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return;
        buf += n;
        len -= n;
    }
}

/* dgram_retry - after a failed send: 1 when a resend may succeed */
static int
dgram_retry(void)
{
    struct pollfd pfd = {dgram_fd, POLLOUT, 0};
    int fd;

    if (errno == EINTR)
        return 1;
    if ((errno == EAGAIN || errno == EWOULDBLOCK) && dgram_wait_ms > 0)
        return poll(&pfd, 1, dgram_wait_ms) > 0;
    /* The server's socket was closed or replaced: reach the new one. */
    if (errno == ECONNREFUSED || errno == ENOTCONN) {
        if ((fd = dgram_connect()) < 0)
            return 0;
        dup2(fd, dgram_fd);
        close(fd);
        return 1;
    }
    return 0;
}

/* dgram_send - one line as one datagram; dropped and counted on failure */
static void
dgram_send(const char *line, size_t len)
{
    int tries;

    for (tries = 0; tries < 3; tries++) {
        if (send(dgram_fd, line, len, MSG_NOSIGNAL) >= 0)
            return;
        if (!dgram_retry())
            break;
    }
    dgram_drops++;
}

/* make_printable - keep one event on one line */
static void
make_printable(char *text)
{
    unsigned char *cp;

    for (cp = (unsigned char *) text; *cp; cp++)
        if (*cp < 0x20 || *cp == 0x7f)
            *cp = '?';
}

/* emit - hand one formatted event to every channel */
static void
emit(int level, const char *text)
{
    static const int prio[] = {LOG_INFO, LOG_WARNING, LOG_ERR, LOG_CRIT,
                               LOG_CRIT};
    char line[MSG_LINE_MAX + 512];

    if (use_syslog)
        syslog(prio[level], "%s", text);
    if (log_fd >= 0 || dgram_fd >= 0) {
        if (hostname[0] == 0 && gethostname(hostname, sizeof(hostname)) != 0)
            snprintf(hostname, sizeof(hostname), "localhost");
        hostname[sizeof(hostname) - 1] = 0;
        msg_format_line(line, sizeof(line), (long) time(NULL), hostname,
                        progname, (int) getpid(), text);
        if (log_fd >= 0)
            write_all(log_fd, line, strlen(line));
        if (dgram_fd >= 0)
            dgram_send(line, strlen(line));
    }
    if (use_stderr || (!use_syslog && log_fd < 0 && dgram_fd < 0)) {
        snprintf(line, sizeof(line), "%s: %s\n", progname, text);
        write_all(2, line, strlen(line));
    }
}

/* msg_vprintf - format and emit one event of the given level */
void
msg_vprintf(int level, const char *fmt, va_list ap)
{
    char text[MSG_LINE_MAX + 1];
    char line[MSG_LINE_MAX + 32];
    int saved_errno = errno;
    int n;

    if (level < MSG_INFO || level > MSG_PANIC)
        level = MSG_PANIC;
    n = vsnprintf(text, sizeof(text), fmt, ap);
    if (n >= (int) sizeof(text))
        memcpy(text + sizeof(text) - 4, "...", 4);
    make_printable(text);
    if (level == MSG_INFO)
        snprintf(line, sizeof(line), "%s", text);
    else
        snprintf(line, sizeof(line), "%s: %s", level_names[level], text);
    emit(level, line);
    errno = saved_errno;
}

/* msg_info - a normal event */
void
msg_info(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    msg_vprintf(MSG_INFO, fmt, ap);
    va_end(ap);
}

/* msg_warn - something is wrong, and we continue */
void
msg_warn(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    msg_vprintf(MSG_WARN, fmt, ap);
    va_end(ap);
}

/* msg_error - a recoverable error; too many of them is fatal */
void
msg_error(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    msg_vprintf(MSG_ERROR, fmt, ap);
    va_end(ap);
    if (++error_count >= msg_error_limit && msg_error_limit > 0)
        msg_fatal("too many errors - program terminated");
}

/* run_cleanup - run the exit hook once, even if it fails itself */
static void
run_cleanup(void)
{
    if (in_fatal++ == 0 && cleanup_fn != NULL)
        cleanup_fn();
}

/* msg_fatal_status - the environment is broken: exit with status */
void
msg_fatal_status(int status, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    msg_vprintf(MSG_FATAL, fmt, ap);
    va_end(ap);
    run_cleanup();
    exit(status);
}

/* msg_fatal - the environment is broken: exit 1 */
void
msg_fatal(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    msg_vprintf(MSG_FATAL, fmt, ap);
    va_end(ap);
    run_cleanup();
    exit(1);
}

/* msg_panic - our own bug: abort with a core */
void
msg_panic(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    msg_vprintf(MSG_PANIC, fmt, ap);
    va_end(ap);
    run_cleanup();
    abort();
}

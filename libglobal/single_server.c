/*
 * single_server - the skeleton of a daemon that serves one client at a
 * time (smtpd, cleanup, smtp, local): single_server_main().
 *
 * After mail_server_init() (command line, main.cf, logging, PRE_INIT,
 * chdir/chroot, privilege drop, POST_INIT) the process waits in ppoll()
 * on its listening descriptors (inet, unix or pass: connections are
 * accepted) and on the generation pipe.  Each client is reported TAKEN,
 * handed to the service callback as a STREAM with a deadline of
 * daemon_timeout, closed by the skeleton afterwards (unflushed output is
 * dropped when SIGTERM arrived), and followed by AVAIL.
 *
 * The process exits 0 (after EXIT) on SIGTERM, after max_use clients,
 * after max_idle seconds without one, and when the generation pipe
 * reports EOF or master is gone; a client in progress always finishes
 * first, except after SIGTERM, which also makes its stream I/O fail.
 * SIGTERM is blocked from the flag test until ppoll() unblocks it, so a
 * signal is never missed while waiting.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <time.h>
#include <unistd.h>

#include "mail_server_int.h"
#include "master_proto.h"
#include "msg.h"
#include "sock.h"

static SINGLE_SERVER_FN service_fn;

/* single_pollfds - the listeners, then the generation pipe if watched */
static int
single_pollfds(const MAIL_SERVER *ms, struct pollfd *pfd)
{
    int n;

    for (n = 0; n < ms->listen_count; n++) {
        pfd[n].fd = MASTER_LISTEN_FD + n;
        pfd[n].events = POLLIN;
        pfd[n].revents = 0;
    }
    if (ms->gen_open) {
        pfd[n].fd = MASTER_GEN_FD;
        pfd[n].events = POLLIN;
        pfd[n].revents = 0;
        n++;
    }
    return n;
}

/* single_wait - ppoll() that a SIGTERM before or during it interrupts */
static int
single_wait(struct pollfd *pfd, int nfds, int timeout_ms)
{
    struct timespec ts;
    sigset_t term, old, during;
    int n, saved;

    sigemptyset(&term);
    sigaddset(&term, SIGTERM);
    if (sigprocmask(SIG_BLOCK, &term, &old) < 0)
        msg_fatal("sigprocmask: %m");
    during = old;
    sigdelset(&during, SIGTERM);
    ts.tv_sec = timeout_ms / 1000;
    ts.tv_nsec = (long) (timeout_ms % 1000) * 1000000;
    if (mail_server_stopping()) {
        n = -1;
        errno = EINTR;
    } else {
        n = ppoll(pfd, (nfds_t) nfds, timeout_ms < 0 ? NULL : &ts, &during);
    }
    saved = errno;
    (void) sigprocmask(SIG_SETMASK, &old, NULL);
    errno = saved;
    return n;
}

/* single_serve - one client, start to end */
static void
single_serve(MAIL_SERVER *ms, int fd)
{
    STREAM *client;

    mail_server_notify(ms, MASTER_STAT_TAKEN);
    client = stream_fdopen(fd, O_RDWR);
    stream_set_timeout(client, ms->timeout_ms);
    service_fn(client, ms->service, ms->args->argv);
    ms->use_count++;
    if (mail_server_stopping()) {
        /* No flush: it could wait out daemon_timeout. */
        (void) close(fd);
        stream_free(client);
        return;
    }
    (void) stream_close(client);
    mail_server_notify(ms, MASTER_STAT_AVAIL);
    ms->idle_since = mail_server_now();
}

/* single_accept - take one client from a ready listener, if any is left */
static void
single_accept(MAIL_SERVER *ms, const struct pollfd *pfd)
{
    int i;
    int fd;

    for (i = 0; i < ms->listen_count; i++) {
        if (pfd[i].revents == 0)
            continue;
        if ((fd = sock_accept(pfd[i].fd)) < 0) {
            mail_server_accept_error(ms, pfd[i].fd);
            continue;
        }
        single_serve(ms, fd);
        return;
    }
}

/* single_loop - wait, serve, repeat until a reason to exit */
static MSG_NORETURN void
single_loop(MAIL_SERVER *ms)
{
    struct pollfd pfd[MAIL_SERVER_LISTEN_MAX + 1];
    int nfds;
    int n;
    int64_t now;

    for (;;) {
        now = mail_server_now();
        mail_server_exit_check(ms, 0, now);
        if (ms->pre_accept)
            ms->pre_accept();
        nfds = single_pollfds(ms, pfd);
        n = single_wait(pfd, nfds, mail_server_idle_wait(ms, now));
        if (n < 0 && errno != EINTR)
            msg_fatal("service %s: ppoll: %m", ms->service);
        if (n <= 0)
            continue;
        /* Retirement first: a retired process accepts nothing more. */
        if (ms->gen_open && pfd[nfds - 1].revents != 0)
            mail_server_gen_check(ms);
        if (!ms->retired)
            single_accept(ms, pfd);
    }
}

/* single_server_main - run a one-client-at-a-time daemon; never returns */
void
single_server_main(int argc, char **argv, SINGLE_SERVER_FN fn, ...)
{
    static const MAIL_SERVER_KIND kind = {
        "single_server", "inet unix pass", "unix", 0, NULL, NULL,
    };
    MAIL_SERVER *ms;
    va_list ap;

    if (fn == NULL)
        msg_panic("single_server_main: no service function");
    service_fn = fn;
    va_start(ap, fn);
    ms = mail_server_init(&kind, argc, argv, ap);
    va_end(ap);
    single_loop(ms);
}

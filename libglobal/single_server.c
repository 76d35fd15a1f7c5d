/*
 * single_server - the skeleton of a daemon that serves one client at a
 * time (smtpd, cleanup, smtp, local): single_server_main().
 *
 * After mail_server_init() (command line, main.cf, logging, PRE_INIT,
 * chdir/chroot, privilege drop, POST_INIT) the process waits in
 * epoll_pwait() on its listening descriptors (inet, unix or pass:
 * connections are accepted; one idle process is woken per client) and
 * on the generation pipe, at most until the idle exit or the daemon's
 * WAIT_LIMIT.  Each client is handed to the service callback as a
 * STREAM with a deadline of daemon_timeout and closed by the skeleton
 * afterwards (unflushed output is dropped when SIGTERM arrived); a
 * client that is already waiting then is taken at once.  TAKEN goes to
 * master before the first client of such a run, AVAIL after its last.
 *
 * The process exits 0 (after EXIT) on SIGTERM, after max_use clients,
 * after max_idle seconds without one, and when the generation pipe
 * reports EOF or master is gone; a client in progress always finishes
 * first, except after SIGTERM, which also makes its stream I/O fail.
 * SIGTERM is blocked from the flag test until epoll_pwait() unblocks it,
 * so a signal is never missed while waiting.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "mail_server_int.h"
#include "master_proto.h"
#include "msg.h"
#include "sock.h"

static SINGLE_SERVER_FN service_fn;
static MAIL_SERVER *single_ms; /* NULL until single_server_main() */

/*
 * The wait set.  Every idle process of a service waits on the same
 * listening sockets; with poll() each new client woke all of them and
 * all but one found nothing to accept (13 wake-ups per message for a
 * pool of 14 idle delivery agents).  EPOLLEXCLUSIVE (Linux 4.5) wakes
 * one waiter, as Postfix's accept lock does.  The generation pipe is
 * added without it: its EOF must retire every process.  A retired
 * process that was woken for a client does not accept it; master counts
 * no retired process as available, so it watches the listener and
 * starts a process of the new generation, which sees the client.
 */
typedef struct SINGLE_WAIT {
    int epfd;   /* the epoll set */
    int gen_in; /* MASTER_GEN_FD is in the set */
} SINGLE_WAIT;

/* single_add - one descriptor into the set; data is its index */
static void
single_add(SINGLE_WAIT *sw, int fd, uint32_t data, uint32_t flags)
{
    struct epoll_event ev;

    memset(&ev, 0, sizeof(ev));
    ev.events = EPOLLIN | flags;
    ev.data.u32 = data;
    if (epoll_ctl(sw->epfd, EPOLL_CTL_ADD, fd, &ev) == 0)
        return;
    /* A kernel before 4.5: every waiter wakes, as with poll(). */
    if (errno == EINVAL && flags != 0) {
        single_add(sw, fd, data, 0);
        return;
    }
    msg_fatal("epoll_ctl: add descriptor %d: %m", fd);
}

/* single_wait_init - the listeners and the generation pipe */
static void
single_wait_init(const MAIL_SERVER *ms, SINGLE_WAIT *sw)
{
    int n;

    if ((sw->epfd = epoll_create1(EPOLL_CLOEXEC)) < 0)
        msg_fatal("epoll_create1: %m");
    for (n = 0; n < ms->listen_count; n++)
        single_add(sw, MASTER_LISTEN_FD + n, (uint32_t) n, EPOLLEXCLUSIVE);
    sw->gen_in = ms->gen_open;
    if (sw->gen_in)
        single_add(sw, MASTER_GEN_FD, (uint32_t) ms->listen_count, 0);
}

/*
 * single_wait - wait for a listener or the generation pipe; a SIGTERM
 * before or during the wait interrupts it.  ready[i] is set for each
 * ready listener i, and *gen when the generation pipe is ready.
 */
static int
single_wait(const MAIL_SERVER *ms, SINGLE_WAIT *sw, int timeout_ms, char *ready,
            int *gen)
{
    struct epoll_event ev[MAIL_SERVER_LISTEN_MAX + 1];
    sigset_t term, old, during;
    int n, i, saved;

    if (sw->gen_in && !ms->gen_open) {
        (void) epoll_ctl(sw->epfd, EPOLL_CTL_DEL, MASTER_GEN_FD, NULL);
        sw->gen_in = 0;
    }
    memset(ready, 0, (size_t) ms->listen_count);
    *gen = 0;
    sigemptyset(&term);
    sigaddset(&term, SIGTERM);
    if (sigprocmask(SIG_BLOCK, &term, &old) < 0)
        msg_fatal("sigprocmask: %m");
    during = old;
    sigdelset(&during, SIGTERM);
    if (mail_server_stopping()) {
        n = -1;
        errno = EINTR;
    } else {
        n = epoll_pwait(sw->epfd, ev, ms->listen_count + 1, timeout_ms,
                        &during);
    }
    saved = errno;
    (void) sigprocmask(SIG_SETMASK, &old, NULL);
    errno = saved;
    for (i = 0; i < n; i++) {
        if (ev[i].data.u32 < (uint32_t) ms->listen_count)
            ready[ev[i].data.u32] = 1;
        else
            *gen = 1;
    }
    return n;
}

/*
 * single_accept_fd - a client from the first listener that has one, of
 * those ready says (all when ready is NULL); its descriptor, or -1
 */
static int
single_accept_fd(MAIL_SERVER *ms, const char *ready)
{
    int i;
    int fd;

    for (i = 0; i < ms->listen_count; i++) {
        if (ready != NULL && !ready[i])
            continue;
        if ((fd = sock_accept(MASTER_LISTEN_FD + i)) >= 0)
            return fd;
        mail_server_accept_error(ms, MASTER_LISTEN_FD + i);
    }
    return -1;
}

/*
 * single_take_next - after a client, the next one if it is already
 * waiting: its descriptor, or -1.  Not when the process must stop, has
 * retired (the generation pipe is looked at) or has served max_use.
 * PRE_ACCEPT is not called: it comes before a wait, and there is none.
 */
static int
single_take_next(MAIL_SERVER *ms)
{
    mail_server_gen_check(ms);
    if (mail_server_stopping() || ms->retired || mail_server_used_up(ms))
        return -1;
    return single_accept_fd(ms, NULL);
}

/*
 * single_serve - a client, start to end, and any that waited meanwhile:
 * the process stays TAKEN for master from the first to the last, so a
 * busy pool costs master no AVAIL and TAKEN pair (two wake-ups) per
 * client.  Bounded as the wait loop is: by max_use, by the clients
 * there are, by retirement and SIGTERM.
 */
static void
single_serve(MAIL_SERVER *ms, int fd)
{
    STREAM *client;
    long before;

    mail_server_notify(ms, MASTER_STAT_TAKEN);
    do {
        before = ms->use_count;
        client = stream_fdopen(fd, O_RDWR);
        stream_set_timeout(client, ms->timeout_ms);
        service_fn(client, ms->service, ms->args->argv);
        /* A client counts once, unless its requests were counted. */
        if (ms->use_count == before)
            ms->use_count++;
        if (mail_server_stopping()) {
            /* No flush: it could wait out daemon_timeout. */
            (void) close(fd);
            stream_free(client);
            return;
        }
        (void) stream_close(client);
    } while ((fd = single_take_next(ms)) >= 0);
    mail_server_notify(ms, MASTER_STAT_AVAIL);
    ms->idle_since = mail_server_now();
}

/* single_accept - take one client from a ready listener, if any is left */
static void
single_accept(MAIL_SERVER *ms, const char *ready)
{
    int fd;

    if ((fd = single_accept_fd(ms, ready)) >= 0)
        single_serve(ms, fd);
}

/* single_loop - wait, serve, repeat until a reason to exit */
static MSG_NORETURN void
single_loop(MAIL_SERVER *ms)
{
    SINGLE_WAIT sw;
    char ready[MAIL_SERVER_LISTEN_MAX];
    int gen;
    int n;
    int64_t now;

    single_wait_init(ms, &sw);
    for (;;) {
        now = mail_server_now();
        mail_server_exit_check(ms, 0, now);
        if (ms->pre_accept)
            ms->pre_accept();
        n = single_wait(ms, &sw, mail_server_wait(ms, now), ready, &gen);
        if (n < 0 && errno != EINTR)
            msg_fatal("service %s: epoll_pwait: %m", ms->service);
        if (n <= 0)
            continue;
        /* Retirement first: a retired process accepts nothing more. */
        if (gen)
            mail_server_gen_check(ms);
        if (!ms->retired)
            single_accept(ms, ready);
    }
}

/*
 * single_server_request_done - one request of a client that sends
 * several over its connection (qmgr to a delivery agent) is done: it
 * counts toward max_use, the generation pipe is looked at, and 0 says
 * "read no more from this client" (SIGTERM, max_use, or retired), so
 * that a connection qmgr keeps open never holds the process past its
 * limits.  1 outside the skeleton.
 */
int
single_server_request_done(void)
{
    MAIL_SERVER *ms = single_ms;

    if (ms == NULL)
        return 1;
    ms->use_count++;
    if (ms->gen_open)
        mail_server_gen_check(ms);
    return !mail_server_stopping() && !ms->retired && !mail_server_used_up(ms);
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
    single_ms = ms;
    single_loop(ms);
}

/*
 * dgram_server - the skeleton of a daemon fed by datagrams on a UNIX
 * socket (postlogd): dgram_server_main().
 *
 * After mail_server_init() the unix-dgram listeners are watched in the
 * event loop that mail_server_loop() also hands to the daemon.  When one
 * is readable, up to DGRAM_BATCH datagrams are received and each goes to
 * the callback (NUL-terminated for convenience, in a buffer owned by the
 * skeleton and valid during the call).  A datagram longer than
 * MAIL_SERVER_DGRAM_MAX is dropped with a warning; an empty one is
 * ignored.
 *
 * Reports to master: TAKEN with the first datagram after a quiet time,
 * AVAIL once none came for MAIL_SERVER_QUIET_MS (mail_server_busy).  A
 * log service gets a datagram for every few lines of every daemon.
 *
 * max_use counts datagrams and max_idle runs from the last one (a log
 * service usually passes MAIL_SERVER_UNLIMITED); the process exits 0
 * (after EXIT) when either is reached, when the generation pipe reports
 * EOF, and on SIGTERM.  Failed receives are counted with msg_error().
 */
#include <errno.h>
#include <sys/socket.h>

#include "mail_server_int.h"
#include "master_proto.h"
#include "msg.h"
#include "mymalloc.h"

/* Datagrams taken per wakeup, so that timers and signals get a turn. */
#define DGRAM_BATCH 100

static DGRAM_SERVER_FN service_fn;
static char *dgram_buf; /* MAIL_SERVER_DGRAM_MAX + 1 bytes */

/* dgram_receive - one datagram into dgram_buf; its length, or -1 */
static ssize_t
dgram_receive(const MAIL_SERVER *ms, int fd)
{
    ssize_t n;

    /* MSG_TRUNC: the datagram's real length, to spot an oversized one. */
    n = recv(fd, dgram_buf, MAIL_SERVER_DGRAM_MAX, MSG_DONTWAIT | MSG_TRUNC);
    if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
        msg_error("service %s: receive on descriptor %d: %m", ms->service, fd);
    if (n > MAIL_SERVER_DGRAM_MAX) {
        msg_warn("service %s: datagram of %zd bytes is longer than %d; "
                 "dropped",
                 ms->service, n, MAIL_SERVER_DGRAM_MAX);
        n = 0;
    }
    return n;
}

/* dgram_input - a listener is readable: serve a batch of datagrams */
static void
dgram_input(EVENT_LOOP *loop, int event, int fd, void *ctx)
{
    MAIL_SERVER *ms = ctx;
    int taken = 0;
    int count;
    ssize_t n;

    (void) loop;
    (void) event;
    for (count = 0; count < DGRAM_BATCH && !mail_server_used_up(ms) &&
                    !mail_server_stopping();
         count++) {
        if ((n = dgram_receive(ms, fd)) < 0)
            break;
        if (n == 0)
            continue;
        taken++;
        mail_server_busy(ms);
        dgram_buf[n] = 0;
        service_fn(dgram_buf, (size_t) n, ms->service, ms->args->argv);
        mail_server_served(ms);
    }
    if (taken > 0 && ms->batch_end)
        ms->batch_end();
    if (mail_server_used_up(ms))
        mail_server_unlisten(ms);
}

/* dgram_server_main - run a datagram-driven daemon; never returns */
void
dgram_server_main(int argc, char **argv, DGRAM_SERVER_FN fn, ...)
{
    static const MAIL_SERVER_KIND kind = {
        "dgram_server", "unix-dgram", "unix-dgram", 1, NULL, NULL,
    };
    MAIL_SERVER *ms;
    va_list ap;

    if (fn == NULL)
        msg_panic("dgram_server_main: no service function");
    service_fn = fn;
    dgram_buf = mymalloc(MAIL_SERVER_DGRAM_MAX + 1);
    va_start(ap, fn);
    ms = mail_server_init(&kind, argc, argv, ap);
    va_end(ap);
    mail_server_listen(ms, dgram_input);
    mail_server_run(ms);
}

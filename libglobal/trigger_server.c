/*
 * trigger_server - the skeleton of a daemon woken by one-byte triggers
 * (pickup, qmgr): trigger_server_main().
 *
 * After mail_server_init() the listeners are watched in the event loop
 * that mail_server_loop() also hands to the daemon for its timers.  A
 * fifo listener (which master opens read-write, so it never reports end
 * of file) is read as it is: each read of at most MAIL_SERVER_TRIGGER_MAX
 * bytes is one trigger.  A unix listener's connection is accepted and
 * read until end of input, MAIL_SERVER_TRIGGER_MAX bytes or
 * TRIGGER_READ_MS, whichever comes first, then closed; what arrived is
 * one trigger (a connection that sent nothing is none).  The callback
 * gets the bytes (NUL-terminated for convenience, the buffer owned by
 * the skeleton and valid during the call).  Reports to master: TAKEN
 * with the first trigger after a quiet time, AVAIL once none came for
 * MAIL_SERVER_QUIET_MS (mail_server_busy): qmgr gets a trigger for
 * every message, and a report pair each woke master twice.
 *
 * max_use counts triggers and max_idle runs from the last one; the
 * process exits 0 (after EXIT) when either is reached, when the
 * generation pipe reports EOF, and on SIGTERM.  Failed reads are
 * counted with msg_error(); mail_server_init() refuses a FIFO that is
 * not open read-write.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "mail_server_int.h"
#include "master_proto.h"
#include "msg.h"
#include "sock.h"

/* How long a trigger connection may take to send its bytes. */
#define TRIGGER_READ_MS 1000

static TRIGGER_SERVER_FN service_fn;
static char trigger_buf[MAIL_SERVER_TRIGGER_MAX + 1];

/* trigger_deliver - hand len bytes of trigger_buf to the service */
static void
trigger_deliver(MAIL_SERVER *ms, size_t len)
{
    trigger_buf[len] = 0;
    mail_server_busy(ms);
    service_fn(trigger_buf, len, ms->service, ms->args->argv);
    mail_server_served(ms);
    if (mail_server_used_up(ms))
        mail_server_unlisten(ms);
}

/* trigger_fifo - bytes on the FIFO: one trigger per read */
static void
trigger_fifo(EVENT_LOOP *loop, int event, int fd, void *ctx)
{
    MAIL_SERVER *ms = ctx;
    ssize_t n;

    (void) loop;
    (void) event;
    n = read(fd, trigger_buf, MAIL_SERVER_TRIGGER_MAX);
    if (n > 0)
        trigger_deliver(ms, (size_t) n);
    else if (n < 0 && errno != EAGAIN && errno != EINTR)
        msg_error("service %s: read FIFO descriptor %d: %m", ms->service, fd);
}

/* trigger_read - a connection's bytes, to EOF, the limit or the deadline */
static size_t
trigger_read(int fd)
{
    STREAM *st = stream_fdopen(fd, O_RDONLY);
    int64_t deadline = mail_server_now() + TRIGGER_READ_MS;
    int64_t left;
    size_t len = 0;
    ssize_t n;

    while (len < MAIL_SERVER_TRIGGER_MAX &&
           (left = deadline - mail_server_now()) > 0) {
        stream_set_timeout(st, (int) left);
        n = stream_read_some(st, trigger_buf + len,
                             MAIL_SERVER_TRIGGER_MAX - len);
        if (n <= 0)
            break;
        len += (size_t) n;
    }
    (void) stream_close(st);
    return len;
}

/* trigger_unix - a trigger connection on a UNIX socket */
static void
trigger_unix(EVENT_LOOP *loop, int event, int listen_fd, void *ctx)
{
    MAIL_SERVER *ms = ctx;
    size_t len;
    int fd;

    (void) loop;
    (void) event;
    if ((fd = sock_accept(listen_fd)) < 0) {
        mail_server_accept_error(ms, listen_fd);
        return;
    }
    /* After SIGTERM what arrived may be cut short: the loop exits. */
    if ((len = trigger_read(fd)) > 0 && !mail_server_stopping())
        trigger_deliver(ms, len);
}

/* trigger_server_main - run a trigger-driven daemon; never returns */
void
trigger_server_main(int argc, char **argv, TRIGGER_SERVER_FN fn, ...)
{
    static const MAIL_SERVER_KIND kind = {
        "trigger_server", "fifo unix", "fifo", 1, NULL, NULL,
    };
    MAIL_SERVER *ms;
    va_list ap;

    if (fn == NULL)
        msg_panic("trigger_server_main: no service function");
    service_fn = fn;
    va_start(ap, fn);
    ms = mail_server_init(&kind, argc, argv, ap);
    va_end(ap);
    mail_server_listen(ms, strcmp(ms->type, "fifo") == 0 ? trigger_fifo
                                                         : trigger_unix);
    mail_server_run(ms);
}

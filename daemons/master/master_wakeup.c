/*
 * master_wakeup - wakeup triggers for services with a wakeup time.
 *
 * master_wakeup_start() sends a service TRIGGER_REQ_WAKEUP at once and
 * then every master.cf wakeup seconds; a "N?" service waits until one of
 * its children has taken a client (master_wakeup_used(), called on the
 * first MASTER_STAT_TAKEN).  A trigger goes to the service's own
 * endpoint, so a service without a child gets one on demand (its
 * listener turns readable).  master_wakeup_stop() cancels the timer.
 *
 * master_trigger() writes one byte without ever blocking master: to a
 * UNIX stream socket (a non-blocking connect; a full backlog fails with
 * EAGAIN and that round is skipped), a UNIX datagram socket, or a FIFO.
 * It returns 0, or -1 with errno.  Wakeups of inet and pass services are
 * not supported: a warning at start, and none are sent.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "mail_proto.h"
#include "master.h"
#include "msg.h"
#include "sock.h"

/* Longest wakeup interval, seconds (the timer counts milliseconds). */
#define MASTER_WAKEUP_MAX (INT_MAX / 1000)

/* master_trigger_socket - one byte to a UNIX stream or datagram socket */
static int
master_trigger_socket(int sock_type, const char *path, int byte)
{
    struct sockaddr_un sun;
    char ch = (char) byte;
    int fd;
    int ret = -1;
    int err;

    if (sock_unix_addr(&sun, path) < 0)
        return -1;
    if ((fd = socket(AF_UNIX, sock_type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0)) < 0)
        return -1;
    if (connect(fd, (struct sockaddr *) &sun, sizeof(sun)) == 0 &&
        write(fd, &ch, 1) == 1)
        ret = 0;
    else if (errno == EINPROGRESS)
        errno = EAGAIN;
    err = errno;
    (void) close(fd);
    errno = err;
    return ret;
}

/* master_trigger_fifo - one byte to a FIFO */
static int
master_trigger_fifo(const char *path, int byte)
{
    char ch = (char) byte;
    int fd;
    int ret;
    int err;

    if ((fd = open(path, O_WRONLY | O_NONBLOCK | O_CLOEXEC | O_NOFOLLOW)) < 0)
        return -1;
    ret = write(fd, &ch, 1) == 1 ? 0 : -1;
    err = errno;
    (void) close(fd);
    errno = err;
    return ret;
}

/* master_trigger - write one byte to a service without blocking */
int
master_trigger(int type, const char *path, int byte)
{
    switch (type) {
        case MASTER_CF_UNIX:
            return master_trigger_socket(SOCK_STREAM, path, byte);
        case MASTER_CF_UNIX_DGRAM:
            return master_trigger_socket(SOCK_DGRAM, path, byte);
        case MASTER_CF_FIFO:
            return master_trigger_fifo(path, byte);
        default:
            errno = EPROTOTYPE;
            return -1;
    }
}

/* master_wakeup_send - one wakeup; a busy service skips this round */
static void
master_wakeup_send(MASTER_SERV *serv)
{
    if (master_trigger(serv->cf->type, serv->endpoint, TRIGGER_REQ_WAKEUP) ==
        0) {
        if (msg_verbose)
            msg_info("%s: wakeup sent", serv->key);
    } else if (errno == EAGAIN) {
        if (msg_verbose)
            msg_info("%s: busy, wakeup skipped", serv->key);
    } else {
        msg_warn("%s: wakeup %s: %m", serv->key, serv->endpoint);
    }
}

/* master_wakeup_event - the wakeup timer fired */
static void
master_wakeup_event(EVENT_LOOP *loop, int event, int id, void *context)
{
    MASTER_SERV *serv = context;

    (void) loop;
    (void) event;
    (void) id;
    if (!serv->removed)
        master_wakeup_send(serv);
}

/* master_wakeup_start - wake the service now and every wakeup seconds */
void
master_wakeup_start(MASTER_SERV *serv)
{
    const MASTER_CF_SERVICE *sv = serv->cf;

    if (sv->wakeup <= 0 || serv->wakeup_timer != 0)
        return;
    if (sv->type == MASTER_CF_INET || sv->type == MASTER_CF_PASS) {
        msg_warn("%s, line %d: %s service: wakeup is not supported for %s "
                 "services -- ignored",
                 sv->source, sv->line, serv->key,
                 master_cf_type_name(sv->type));
        return;
    }
    if (sv->wakeup_if_used && !serv->used)
        return;
    master_wakeup_send(serv);
    serv->wakeup_timer = event_request_timer(
        serv->master->loop, master_wakeup_event, serv,
        sv->wakeup > MASTER_WAKEUP_MAX ? MASTER_WAKEUP_MAX * 1000
                                       : sv->wakeup * 1000,
        1);
}

/* master_wakeup_stop - no more wakeups */
void
master_wakeup_stop(MASTER_SERV *serv)
{
    if (serv->wakeup_timer != 0)
        (void) event_cancel_timer(serv->master->loop, serv->wakeup_timer);
    serv->wakeup_timer = 0;
}

/* master_wakeup_used - first use of a "N?" service: start its wakeups */
void
master_wakeup_used(MASTER_SERV *serv)
{
    if (!serv->removed && serv->cf != NULL && serv->cf->wakeup_if_used)
        master_wakeup_start(serv);
}

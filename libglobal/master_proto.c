/*
 * master_proto - the child's side of the status pipe to master.
 *
 * master_notify(status) writes one MASTER_STATUS record (this process's
 * pid and MASTER_STAT_TAKEN or MASTER_STAT_AVAIL) to MASTER_STATUS_FD in
 * a single write(), which is atomic because the record is smaller than
 * PIPE_BUF.  It returns 0, or -1 with errno (EPIPE: master is gone; EIO:
 * a short write) and never exits: the skeleton decides what that means.
 * A status that is neither TAKEN nor AVAIL is our bug and panics.  The
 * caller ignores SIGPIPE (the skeletons do).
 */
#include <errno.h>
#include <unistd.h>

#include "master_proto.h"
#include "msg.h"

/* master_notify - report this process's status to master */
int
master_notify(int status)
{
    MASTER_STATUS rec;
    ssize_t n;

    if (status != MASTER_STAT_TAKEN && status != MASTER_STAT_AVAIL)
        msg_panic("master_notify: bad status %d", status);
    rec.pid = (int32_t) getpid();
    rec.status = status;
    while ((n = write(MASTER_STATUS_FD, &rec, sizeof(rec))) < 0 &&
           errno == EINTR)
        /* void */;
    if (n == (ssize_t) sizeof(rec))
        return 0;
    if (n >= 0)
        errno = EIO;
    return -1;
}

#ifndef FSYNC_ASYNC_H
#define FSYNC_ASYNC_H

/*
 * fsync_async - start an fsync() and collect its result later, so that
 * a process can go on (read the rest of a message, say) while the disk
 * works.  Linux AIO's IOCB_CMD_FSYNC (kernel 4.18 and later) runs the
 * fsync in a kernel worker; the process stays single-threaded.
 *
 * fsync_async_start(fa, fd) starts fsync(fd): 0 when under way; -1 with
 * errno when it could not be started (no AIO in this kernel, the
 * system's aio-max-nr used up, a bad descriptor), in which case the
 * caller syncs in the usual way.  fd must stay open until the wait.
 * fsync_async_wait(fa) blocks until that fsync is done and returns its
 * result: 0, or -1 with errno.  fsync_async_busy(fa) is 1 between a
 * start and its wait.  One fsync per FSYNC_ASYNC at a time; a process
 * may have FSYNC_ASYNC_MAX of them under way.  Nothing is fatal.
 */
#include <stdint.h>

#define FSYNC_ASYNC_MAX 8

typedef struct FSYNC_ASYNC {
    int busy;     /* started, not yet waited for */
    uint64_t tag; /* names the completion event */
} FSYNC_ASYNC;

extern int fsync_async_start(FSYNC_ASYNC *fa, int fd);
extern int fsync_async_wait(FSYNC_ASYNC *fa);
extern int fsync_async_busy(const FSYNC_ASYNC *fa);

#endif

/*
 * fsync_async - an fsync() that runs while the caller goes on.  See
 * fsync_async.h.
 *
 * One AIO context per process, made on first use with room for
 * FSYNC_ASYNC_MAX requests.  Each request carries a tag of its own in
 * aio_data; events for other requests that a wait reaps first are kept
 * in a small table until their own wait asks for them.
 */
#include <errno.h>
#include <linux/aio_abi.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "fsync_async.h"

static aio_context_t fa_ctx;   /* 0: not made yet */
static int fa_broken;          /* io_setup failed: never try again */
static uint64_t fa_next_tag;   /* tags handed out so far */
static int fa_busy;            /* requests under way */

/* Events reaped for a request other than the one waited for. */
static struct {
    uint64_t tag;
    int64_t res;
} fa_done[FSYNC_ASYNC_MAX];
static int fa_done_count;

/* fa_context - the process's AIO context; -1 when there is none */
static int
fa_context(void)
{
    if (fa_ctx != 0)
        return 0;
    if (fa_broken)
        return -1;
    if (syscall(SYS_io_setup, FSYNC_ASYNC_MAX, &fa_ctx) < 0) {
        fa_ctx = 0;
        fa_broken = 1;
        return -1;
    }
    return 0;
}

/* fsync_async_start - start fsync(fd); 0, or -1 with errno */
int
fsync_async_start(FSYNC_ASYNC *fa, int fd)
{
    struct iocb cb;
    struct iocb *list[1] = {&cb};

    if (fa->busy) {
        errno = EBUSY;
        return -1;
    }
    if (fa_busy >= FSYNC_ASYNC_MAX) {
        errno = EAGAIN;
        return -1;
    }
    if (fa_context() < 0)
        return -1;
    memset(&cb, 0, sizeof(cb));
    cb.aio_data = fa->tag = ++fa_next_tag;
    cb.aio_lio_opcode = IOCB_CMD_FSYNC;
    cb.aio_fildes = (uint32_t) fd;
    if (syscall(SYS_io_submit, fa_ctx, 1L, list) != 1)
        return -1;
    fa->busy = 1;
    fa_busy++;
    return 0;
}

/* fa_result - a request's result as fsync() gives it */
static int
fa_result(int64_t res)
{
    if (res < 0) {
        errno = (int) -res;
        return -1;
    }
    return 0;
}

/* fa_kept - the result of tag when a wait reaped it already; 1 if so */
static int
fa_kept(uint64_t tag, int64_t *res)
{
    int i;

    for (i = 0; i < fa_done_count; i++)
        if (fa_done[i].tag == tag) {
            *res = fa_done[i].res;
            fa_done[i] = fa_done[--fa_done_count];
            return 1;
        }
    return 0;
}

/* fsync_async_wait - the started fsync's result; 0, or -1 with errno */
int
fsync_async_wait(FSYNC_ASYNC *fa)
{
    struct io_event ev;
    int64_t res = 0;
    long n;

    if (!fa->busy) {
        errno = EINVAL;
        return -1;
    }
    fa->busy = 0;
    fa_busy--;
    while (!fa_kept(fa->tag, &res)) {
        n = syscall(SYS_io_getevents, fa_ctx, 1L, 1L, &ev, NULL);
        if (n < 0 && errno == EINTR)
            continue;
        if (n != 1)
            return -1;
        if (ev.data == fa->tag) {
            res = ev.res;
            break;
        }
        /* Another request's: keep it for its own wait. */
        if (fa_done_count < FSYNC_ASYNC_MAX) {
            fa_done[fa_done_count].tag = ev.data;
            fa_done[fa_done_count].res = ev.res;
            fa_done_count++;
        }
    }
    return fa_result(res);
}

/* fsync_async_busy - started and not yet waited for? */
int
fsync_async_busy(const FSYNC_ASYNC *fa)
{
    return fa->busy;
}

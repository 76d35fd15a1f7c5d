/*
 * stream - buffered I/O over one descriptor, with a deadline.
 *
 * stream_fdopen() wraps a socket, pipe or file for O_RDONLY, O_WRONLY or
 * O_RDWR use and returns a stream the caller owns.  stream_close() flushes,
 * closes the descriptor and frees the stream: 0, or -1 with errno when the
 * flush, the close or an earlier write failed.  stream_free() frees the
 * stream without any I/O (unread input and unflushed output are dropped)
 * and returns NULL.  Each direction has one fixed STREAM_BUFSIZE buffer.
 *
 * Deadline: after stream_set_timeout(st, ms) each public operation has ms
 * milliseconds from its start.  Sockets are read and written with
 * MSG_DONTWAIT and polled after EAGAIN; other descriptors are polled
 * before each system call, and a write to a pipe is cut to PIPE_BUF bytes,
 * which Linux takes without blocking once poll() reports the pipe
 * writable.  So blocking and non-blocking descriptors both honour the
 * deadline.  EINTR is retried.  Socket writes use MSG_NOSIGNAL; a process
 * that writes to pipes ignores SIGPIPE and gets EPIPE as an error.
 *
 * Lines: stream_get_line() replaces out with the next line, LF removed
 * and a CR before it kept, so the caller can tell CRLF from a bare LF.  A
 * line longer than maxlen is never split or cut silently: the call returns
 * STREAM_LINE_TOOLONG with the first maxlen bytes and the stream stays
 * inside that line.  The caller then either discards the rest with
 * stream_skip_line(), or calls stream_get_line() again for the next
 * piece: STREAM_LINE_TOOLONG while more follows, STREAM_LINE_LAST for the
 * final one (never empty).  Input that ends without an LF is
 * STREAM_LINE_PARTIAL, not a line.
 *
 * Errors: a failure of the peer or the system is returned and leaves a
 * sticky state.  Read state (eof, error, timeout) stops reads and write
 * state (error, timeout) stops writes, each until stream_clearerr(), so a
 * server can still send "421 timeout" after a read timed out.  After a
 * write failure pending output is discarded.  Memory exhaustion is fatal;
 * a bad argument, or a read from a write-only stream, is a panic.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "clock_ms.h"
#include "msg.h"
#include "mymalloc.h"
#include "stream.h"

/* Sticky state, one set for reading and one for writing. */
/* Set by stream_set_stop_flag(): when raised, EINTR ends the operation. */
static volatile sig_atomic_t *stop_flag;

#define STREAM_F_EOF     (1 << 0)
#define STREAM_F_ERR     (1 << 1)
#define STREAM_F_TIMEOUT (1 << 2)

struct STREAM {
    int fd;
    int is_sock;      /* recv/send with MSG_DONTWAIT and MSG_NOSIGNAL */
    int is_fifo;      /* writes cut to PIPE_BUF under a deadline */
    int timeout;      /* milliseconds per operation, 0 = none */
    int64_t deadline; /* of the current operation (ms), 0 = none */
    int rflags;       /* STREAM_F_* that stop reading */
    int wflags;       /* STREAM_F_* that stop writing */
    int werrno;       /* errno of the last write failure */
    int in_line;      /* inside a line reported as STREAM_LINE_TOOLONG */
    char *rbuf;       /* read buffer, NULL when write-only */
    size_t rpos;      /* next unread byte */
    size_t rend;      /* end of buffered input */
    char *wbuf;       /* write buffer, NULL when read-only */
    size_t wlen;      /* pending output */
    const STREAM_IO *io; /* layered transport, NULL for plain I/O */
    void *io_ctx;        /* its context, owned by the caller */
};

/* stream_fdopen - wrap fd for reading, writing or both */
STREAM *
stream_fdopen(int fd, int mode)
{
    STREAM *st;
    struct stat sb;

    if ((mode & ~O_ACCMODE) != 0 || (mode & O_ACCMODE) == O_ACCMODE)
        msg_panic("stream_fdopen: bad mode 0%o", (unsigned) mode);
    if (fd < 0 || fstat(fd, &sb) < 0)
        msg_panic("stream_fdopen: bad file descriptor %d", fd);
    st = mycalloc(1, sizeof(*st));
    st->fd = fd;
    st->is_sock = S_ISSOCK(sb.st_mode);
    st->is_fifo = S_ISFIFO(sb.st_mode);
    st->rbuf = mode != O_WRONLY ? mymalloc(STREAM_BUFSIZE) : NULL;
    st->wbuf = mode != O_RDONLY ? mymalloc(STREAM_BUFSIZE) : NULL;
    return st;
}

/* stream_free - release the stream, not its descriptor; returns NULL */
STREAM *
stream_free(STREAM *st)
{
    if (st != NULL) {
        myfree(st->rbuf);
        myfree(st->wbuf);
        myfree(st);
    }
    return NULL;
}

/* stream_set_timeout - milliseconds each operation may take (0: none) */
void
stream_set_timeout(STREAM *st, int millisec)
{
    if (millisec < 0)
        msg_panic("stream_set_timeout: bad timeout %d", millisec);
    st->timeout = millisec;
}

/* stream_fd - the descriptor under the stream */
int
stream_fd(const STREAM *st)
{
    return st->fd;
}

/* stream_need - panic unless the stream has a buffer for that direction */
static void
stream_need(const char *buf, const char *who)
{
    if (buf == NULL)
        msg_panic("%s: stream not open in that direction", who);
}

/* stream_start - begin a public operation: set its deadline */
static void
stream_start(STREAM *st)
{
    st->deadline = st->timeout > 0 ? clock_ms() + st->timeout : 0;
}

/* stream_set_stop_flag - a signal flag that makes interrupted I/O fail */
void
stream_set_stop_flag(volatile sig_atomic_t *flag)
{
    stop_flag = flag;
}

/* stream_stopping - an interrupted call should give up (flag raised) */
static int
stream_stopping(void)
{
    return stop_flag != NULL && *stop_flag != 0;
}

/* stream_wait - poll until fd is ready or the deadline passes */
static int
stream_wait(STREAM *st, short event, int *flags)
{
    struct pollfd pfd;
    int64_t left;
    int n;

    for (;;) {
        /* A stop raised while we were busy must not wait for a signal. */
        if (stream_stopping()) {
            *flags |= STREAM_F_ERR;
            errno = EINTR;
            return -1;
        }
        left = st->deadline > 0 ? st->deadline - clock_ms() : -1;
        if (st->deadline > 0 && left < 0)
            left = 0;
        pfd.fd = st->fd;
        pfd.events = event;
        pfd.revents = 0;
        /* Ready includes POLLHUP, POLLERR, POLLNVAL: the I/O call tells. */
        if ((n = poll(&pfd, 1, (int) left)) > 0)
            return 0;
        if (n < 0 && (errno != EINTR || stream_stopping())) {
            *flags |= STREAM_F_ERR;
            return -1;
        }
        /* An early wake-up goes round again; only a full wait times out. */
        if (n == 0 && left == 0)
            break;
    }
    *flags |= STREAM_F_TIMEOUT;
    errno = ETIMEDOUT;
    return -1;
}

/* stream_set_io - layer a transport over the descriptor, or remove it */
void
stream_set_io(STREAM *st, const STREAM_IO *io, void *ctx)
{
    if (io != NULL && (io->read == NULL || io->write == NULL))
        msg_panic("stream_set_io: incomplete transport");
    st->io = io;
    st->io_ctx = io != NULL ? ctx : NULL;
}

/* stream_discard_input - forget buffered unread input; returns its size */
size_t
stream_discard_input(STREAM *st)
{
    size_t n = st->rend - st->rpos;

    st->rpos = st->rend = 0;
    st->in_line = 0;
    return n;
}

/* stream_layered - one attempt through the layered transport */
static ssize_t
stream_layered(STREAM *st, short *event, char *buf, size_t len)
{
    short want = *event;
    ssize_t n;

    n = *event == POLLIN ? st->io->read(st->io_ctx, buf, len, &want)
                         : st->io->write(st->io_ctx, buf, len, &want);
    if (n < 0 && errno == EAGAIN) {
        if (want != POLLIN && want != POLLOUT)
            msg_panic("stream_layered: bad poll event %d", want);
        *event = want;
    }
    return n;
}

/* stream_syscall - one read or write attempt that never raises SIGPIPE */
static ssize_t
stream_syscall(STREAM *st, short event, char *buf, size_t len)
{
    if (event == POLLIN)
        return st->is_sock ? recv(st->fd, buf, len, MSG_DONTWAIT)
                           : read(st->fd, buf, len);
    if (st->is_sock)
        return send(st->fd, buf, len, MSG_DONTWAIT | MSG_NOSIGNAL);
    if (st->is_fifo && st->deadline > 0 && len > PIPE_BUF)
        len = PIPE_BUF;
    return write(st->fd, buf, len);
}

/* stream_io - transfer some bytes by the deadline; on -1 *flags says why */
static ssize_t
stream_io(STREAM *st, short event, char *buf, size_t len, int *flags)
{
    int must_wait = st->deadline > 0 && !st->is_sock && st->io == NULL;
    short wait_for = event;
    ssize_t n;

    for (;;) {
        if (must_wait && stream_wait(st, wait_for, flags) < 0)
            return -1;
        wait_for = event;
        n = st->io != NULL ? stream_layered(st, &wait_for, buf, len)
                           : stream_syscall(st, event, buf, len);
        if (n >= 0)
            return n;
        if (errno == EAGAIN || errno == EWOULDBLOCK) {
            must_wait = 1;
        } else if (errno != EINTR || stream_stopping()) {
            *flags |= STREAM_F_ERR;
            return -1;
        }
    }
}

/* stream_fill - refill the empty read buffer; -1 when reading stops */
static int
stream_fill(STREAM *st)
{
    ssize_t n;

    if (st->rflags != 0) {
        if (st->rflags & STREAM_F_TIMEOUT)
            errno = ETIMEDOUT;
        return -1;
    }
    n = stream_io(st, POLLIN, st->rbuf, STREAM_BUFSIZE, &st->rflags);
    if (n <= 0) {
        if (n == 0)
            st->rflags |= STREAM_F_EOF;
        return -1;
    }
    st->rpos = 0;
    st->rend = (size_t) n;
    return 0;
}

/* stream_read_status - why reading stopped */
static STREAM_STATUS
stream_read_status(const STREAM *st)
{
    if (st->rflags & STREAM_F_ERR)
        return STREAM_ERROR;
    if (st->rflags & STREAM_F_TIMEOUT)
        return STREAM_TIMEOUT;
    return STREAM_EOF;
}

/* stream_line_take - move buffered bytes of the line to out; 1 at its LF */
static int
stream_line_take(STREAM *st, STRBUF *out, size_t maxlen)
{
    size_t avail = st->rend - st->rpos;
    size_t room = maxlen - LEN(out);
    char *start = st->rbuf + st->rpos;
    char *lf;
    size_t take;

    /* Look one byte past the room: an LF there still ends the line. */
    lf = memchr(start, '\n', avail > room ? room + 1 : avail);
    take = lf != NULL ? (size_t) (lf - start) : (avail > room ? room : avail);
    if (strbuf_memcat(out, start, take) < 0)
        msg_panic("stream_get_line: result limit below maxlen %zu", maxlen);
    st->rpos += take + (lf != NULL);
    return lf != NULL;
}

/* stream_line_stop - the status of a line that input ended under */
static STREAM_STATUS
stream_line_stop(STREAM *st, const STRBUF *out)
{
    STREAM_STATUS status = stream_read_status(st);

    if (status != STREAM_EOF)
        return status;
    st->in_line = 0;
    return LEN(out) > 0 ? STREAM_LINE_PARTIAL : STREAM_EOF;
}

/* stream_get_line - read one line, or the next maxlen bytes of one */
STREAM_STATUS
stream_get_line(STREAM *st, STRBUF *out, size_t maxlen)
{
    STREAM_STATUS status;

    stream_need(st->rbuf, "stream_get_line");
    if (maxlen == 0)
        msg_panic("stream_get_line: zero maxlen");
    strbuf_reset(out);
    stream_start(st);
    for (;;) {
        if (st->rpos == st->rend && stream_fill(st) < 0)
            return stream_line_stop(st, out);
        if (stream_line_take(st, out, maxlen)) {
            status = st->in_line ? STREAM_LINE_LAST : STREAM_LINE_OK;
            st->in_line = 0;
            return status;
        }
        /* Full, and the next byte, already buffered, is not the LF. */
        if (LEN(out) == maxlen && st->rpos < st->rend) {
            st->in_line = 1;
            return STREAM_LINE_TOOLONG;
        }
    }
}

/* stream_skip_line - discard input up to and including the next LF */
STREAM_STATUS
stream_skip_line(STREAM *st)
{
    char *lf;

    stream_need(st->rbuf, "stream_skip_line");
    stream_start(st);
    for (;;) {
        if (st->rpos == st->rend && stream_fill(st) < 0) {
            st->in_line = 0;
            return stream_read_status(st);
        }
        lf = memchr(st->rbuf + st->rpos, '\n', st->rend - st->rpos);
        if (lf != NULL) {
            st->rpos = (size_t) (lf - st->rbuf) + 1;
            st->in_line = 0;
            return STREAM_LINE_OK;
        }
        st->rpos = st->rend;
    }
}

/* stream_copy_out - hand the caller up to len buffered bytes */
static size_t
stream_copy_out(STREAM *st, char *buf, size_t len)
{
    size_t n = st->rend - st->rpos;

    if (n > len)
        n = len;
    memcpy(buf, st->rbuf + st->rpos, n);
    st->rpos += n;
    return n;
}

/* stream_read_exact - read exactly len bytes; 0, or -1 (see the flags) */
int
stream_read_exact(STREAM *st, void *buf, size_t len)
{
    char *cp = buf;
    size_t n;

    stream_need(st->rbuf, "stream_read_exact");
    stream_start(st);
    while (len > 0) {
        if (st->rpos == st->rend && stream_fill(st) < 0)
            return -1;
        n = stream_copy_out(st, cp, len);
        cp += n;
        len -= n;
    }
    return 0;
}

/* stream_read_some - read 1..len bytes; 0 at end of input, -1 on failure */
ssize_t
stream_read_some(STREAM *st, void *buf, size_t len)
{
    stream_need(st->rbuf, "stream_read_some");
    if (len == 0 || len > SSIZE_MAX)
        msg_panic("stream_read_some: bad length %zu", len);
    stream_start(st);
    if (st->rpos == st->rend && stream_fill(st) < 0)
        return stream_read_status(st) == STREAM_EOF ? 0 : -1;
    return (ssize_t) stream_copy_out(st, buf, len);
}

/* stream_buffered - input bytes read from fd but not yet by the caller */
size_t
stream_buffered(const STREAM *st)
{
    return st->rend - st->rpos;
}

/* stream_write_fd - write len bytes straight to the descriptor */
static int
stream_write_fd(STREAM *st, const char *data, size_t len)
{
    ssize_t n;

    while (len > 0) {
        /* The cast is safe: stream_syscall() only reads a write buffer. */
        n = stream_io(st, POLLOUT, (char *) data, len, &st->wflags);
        if (n <= 0) {
            if (n == 0) {
                st->wflags |= STREAM_F_ERR;
                errno = EIO;
            }
            st->werrno = errno;
            return -1;
        }
        data += n;
        len -= (size_t) n;
    }
    return 0;
}

/* stream_write_stopped - refuse output after a write failure */
static int
stream_write_stopped(STREAM *st)
{
    if (st->wflags == 0)
        return 0;
    st->wlen = 0;
    errno = st->werrno;
    return 1;
}

/* stream_flush_buf - write out the pending output and empty the buffer */
static int
stream_flush_buf(STREAM *st)
{
    size_t len = st->wlen;

    if (stream_write_stopped(st))
        return -1;
    st->wlen = 0;
    return stream_write_fd(st, st->wbuf, len);
}

/* stream_put - append to the write buffer, writing out when it is full */
static int
stream_put(STREAM *st, const char *data, size_t len)
{
    if (stream_write_stopped(st))
        return -1;
    if (len > STREAM_BUFSIZE - st->wlen) {
        if (stream_flush_buf(st) < 0)
            return -1;
        /* What would fill the buffer alone goes out without a copy. */
        if (len >= STREAM_BUFSIZE)
            return stream_write_fd(st, data, len);
    }
    if (len > 0)
        memcpy(st->wbuf + st->wlen, data, len);
    st->wlen += len;
    return 0;
}

/* stream_write - buffer len bytes for output; 0, or -1 with errno */
int
stream_write(STREAM *st, const void *data, size_t len)
{
    stream_need(st->wbuf, "stream_write");
    stream_start(st);
    return stream_put(st, data, len);
}

/* stream_puts - buffer a string for output (no newline is added) */
int
stream_puts(STREAM *st, const char *str)
{
    return stream_write(st, str, strlen(str));
}

/* stream_vprintf - buffer formatted output */
int
stream_vprintf(STREAM *st, const char *fmt, va_list ap)
{
    size_t room;
    va_list ap2;
    STRBUF *big;
    int n, ret;

    stream_need(st->wbuf, "stream_vprintf");
    if (stream_write_stopped(st))
        return -1;
    stream_start(st);
    room = STREAM_BUFSIZE - st->wlen;
    va_copy(ap2, ap);
    n = vsnprintf(st->wbuf + st->wlen, room, fmt, ap2);
    va_end(ap2);
    if (n < 0)
        msg_panic("stream_vprintf: bad format \"%s\"", fmt);
    if ((size_t) n < room) {
        st->wlen += (size_t) n;
        return 0;
    }
    /* Too big for the free space: format aside, then write in order. */
    big = strbuf_create((size_t) n);
    strbuf_vsprintf_cat(big, fmt, ap);
    ret = stream_put(st, STR(big), LEN(big));
    strbuf_free(big);
    return ret;
}

/* stream_printf - buffer formatted output */
int
stream_printf(STREAM *st, const char *fmt, ...)
{
    va_list ap;
    int ret;

    va_start(ap, fmt);
    ret = stream_vprintf(st, fmt, ap);
    va_end(ap);
    return ret;
}

/* stream_flush - write out pending output by the deadline */
int
stream_flush(STREAM *st)
{
    stream_need(st->wbuf, "stream_flush");
    stream_start(st);
    return stream_flush_buf(st);
}

/* stream_close - flush, close the descriptor, free; 0 or -1 with errno */
int
stream_close(STREAM *st)
{
    int ret = 0;
    int err = 0;

    if (st->wbuf != NULL) {
        stream_start(st);
        if (stream_flush_buf(st) < 0) {
            ret = -1;
            err = errno;
        }
    }
    if (close(st->fd) < 0 && ret == 0) {
        ret = -1;
        err = errno;
    }
    stream_free(st);
    if (ret < 0)
        errno = err;
    return ret;
}

/* stream_eof - did reading meet the end of input? */
int
stream_eof(const STREAM *st)
{
    return (st->rflags & STREAM_F_EOF) != 0;
}

/* stream_error - did a read or write fail? */
int
stream_error(const STREAM *st)
{
    return ((st->rflags | st->wflags) & STREAM_F_ERR) != 0;
}

/* stream_timedout - did a read or write miss its deadline? */
int
stream_timedout(const STREAM *st)
{
    return ((st->rflags | st->wflags) & STREAM_F_TIMEOUT) != 0;
}

/* stream_clearerr - forget eof, error and timeout, both ways */
void
stream_clearerr(STREAM *st)
{
    st->rflags = 0;
    st->wflags = 0;
    st->werrno = 0;
}

/* stream_status_name - a status in words, for logging */
const char *
stream_status_name(STREAM_STATUS status)
{
    static const char *names[] = {
        "read error",    "timeout",          "end of input", "line",
        "line too long", "end of long line", "partial line",
    };
    int idx = (int) status - (int) STREAM_ERROR;

    if (idx < 0 || (size_t) idx >= sizeof(names) / sizeof(names[0]))
        return "unknown status";
    return names[idx];
}

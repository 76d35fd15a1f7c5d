#ifndef STREAM_H
#define STREAM_H

/*
 * stream - buffered I/O over one file descriptor, with a deadline.
 *
 * Every socket and IPC byte in Postern goes through a STREAM.  Buffers
 * are fixed (STREAM_BUFSIZE each way), so a peer can never make one grow.
 * stream_fdopen() returns a stream the caller owns; stream_close() flushes,
 * closes the descriptor and frees it; stream_free() frees it and leaves
 * the descriptor alone.  Reads and writes report failure through their
 * result and leave a sticky state (stream_eof/error/timedout) that only
 * stream_clearerr() resets.  A bad argument (our bug) panics.
 *
 * stream_get_line() never splits or cuts a line silently: a line longer
 * than maxlen comes back as STREAM_LINE_TOOLONG pieces and a final
 * STREAM_LINE_LAST, unless the caller drops the rest with
 * stream_skip_line().  The LF is removed; a CR before it is kept.
 */
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <sys/types.h>

#include "strbuf.h"

/* Size of the read buffer and of the write buffer. */
#define STREAM_BUFSIZE 8192

typedef struct STREAM STREAM;

/* What stream_get_line() and stream_skip_line() found. */
typedef enum STREAM_STATUS {
    STREAM_ERROR = -3,       /* I/O error; errno from the system call */
    STREAM_TIMEOUT = -2,     /* the deadline passed first */
    STREAM_EOF = -1,         /* end of input, nothing read */
    STREAM_LINE_OK = 0,      /* a whole line */
    STREAM_LINE_TOOLONG = 1, /* maxlen bytes of a line that goes on */
    STREAM_LINE_LAST = 2,    /* the last piece of a line reported TOOLONG */
    STREAM_LINE_PARTIAL = 3  /* end of input before the LF */
} STREAM_STATUS;

extern STREAM *stream_fdopen(int fd, int mode);
extern int stream_close(STREAM *st);
extern STREAM *stream_free(STREAM *st);
extern void stream_set_timeout(STREAM *st, int millisec);
extern int stream_fd(const STREAM *st);

extern STREAM_STATUS stream_get_line(STREAM *st, STRBUF *out, size_t maxlen);
extern STREAM_STATUS stream_skip_line(STREAM *st);
extern int stream_read_exact(STREAM *st, void *buf, size_t len);
extern ssize_t stream_read_some(STREAM *st, void *buf, size_t len);
extern size_t stream_buffered(const STREAM *st);

extern int stream_write(STREAM *st, const void *data, size_t len);
extern int stream_puts(STREAM *st, const char *str);
extern int stream_printf(STREAM *st, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
extern int stream_vprintf(STREAM *st, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));
extern int stream_flush(STREAM *st);

extern int stream_eof(const STREAM *st);
extern int stream_error(const STREAM *st);
extern int stream_timedout(const STREAM *st);
extern void stream_clearerr(STREAM *st);
extern const char *stream_status_name(STREAM_STATUS status);

/*
 * stream_set_stop_flag - I/O interrupted by a signal fails (errno EINTR)
 * instead of being retried when *flag is non-zero: a SIGTERM handler
 * that only sets the flag thereby ends a blocked read or write.
 */
extern void stream_set_stop_flag(volatile sig_atomic_t *flag);

/*
 * STREAM_IO - a transport layered over the descriptor (TLS, see
 * libglobal/tls.h).  Each function makes one attempt and returns the
 * bytes moved (> 0), 0 at the end of input (read only), or -1 with errno.
 * errno EAGAIN asks the stream to poll the descriptor for *want (POLLIN or
 * POLLOUT) and try again, within the operation's deadline.  The stream
 * keeps its buffers, deadline and sticky state; ctx belongs to the
 * caller and must outlive the hook.  stream_set_io(st, NULL, NULL) goes
 * back to plain descriptor I/O.  The descriptor should be non-blocking.
 */
typedef struct STREAM_IO {
    ssize_t (*read)(void *ctx, void *buf, size_t len, short *want);
    ssize_t (*write)(void *ctx, const void *buf, size_t len, short *want);
} STREAM_IO;

extern void stream_set_io(STREAM *st, const STREAM_IO *io, void *ctx);

/*
 * stream_discard_input - drop the input read from the descriptor but not
 * yet by the caller and return how many bytes that was.  STARTTLS uses it
 * so plaintext sent before the handshake is never read after it (the
 * CVE-2011-0411 class of bug).
 */
extern size_t stream_discard_input(STREAM *st);

#endif

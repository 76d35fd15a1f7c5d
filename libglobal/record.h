#ifndef RECORD_H
#define RECORD_H

/*
 * record - typed records of queue files: one type byte (rec_type.h), the
 * data length as a variable-length integer, then the data.
 *
 * The length is little-endian base 128: seven bits a byte, low-order
 * first, the top bit set on every byte but the last; at most
 * REC_LEN_BYTES bytes, and the shortest form only.  rec_get() returns the
 * record's type, or REC_TYPE_EOF at a clean end of input, or
 * REC_TYPE_ERROR for a truncated or malformed record, an unknown type, a
 * length over max_len, or an I/O error (stream_error() tells which).  It
 * never reads more than max_len data bytes.  rec_put() and friends return
 * the bytes they wrote, or -1 when the stream failed.  A bad argument
 * (type, length over REC_MAX_LEN) is our bug and panics.
 */
#include <stddef.h>
#include <sys/types.h>

#include "rec_type.h"
#include "stream.h"
#include "strbuf.h"

/* Most bytes of a length, and the largest length any record may have. */
#define REC_LEN_BYTES 5
#define REC_MAX_LEN   (1 << 24)

/* Bytes a record takes: type, length, data. */
extern size_t rec_size(size_t len);
extern size_t rec_encode_len(unsigned char *buf, size_t len);
extern int rec_decode_len(const unsigned char *buf, size_t avail, size_t *len,
                          size_t *used);

extern int rec_get(STREAM *st, STRBUF *buf, size_t max_len);
extern int rec_get_at(STREAM *st, STRBUF *buf, size_t max_len, off_t *pos);
extern ssize_t rec_put(STREAM *st, int type, const void *data, size_t len);
extern ssize_t rec_puts(STREAM *st, int type, const char *str);
extern ssize_t rec_printf(STREAM *st, int type, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
extern ssize_t rec_put_line(STREAM *st, const char *data, size_t len,
                            size_t limit);

#endif

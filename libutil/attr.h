#ifndef ATTR_H
#define ATTR_H

/*
 * attr - attribute lists and their wire codec, the one IPC format.
 *
 * An attribute list is an ordered set of named, typed values (string,
 * number, long, binary data).  attr_encode() turns a list into one
 * length-prefixed frame; attr_decode() turns exactly one frame back into
 * a list, refusing anything malformed, oversized or left over.
 * attr_write() and attr_read() move frames over a STREAM (which carries
 * the deadline).  attr_scan() checks a decoded list against what the
 * reader expects, strictly: a missing, mistyped, duplicate or (with
 * ATTR_FLAG_STRICT) unexpected attribute is a protocol error.
 * docs/ipc.md specifies the frame byte by byte.
 *
 * Lists are owned by their creator (attr_list_create/attr_list_free).
 * Pointers that attr_get_*() return point into the list and live until
 * the list is reset or freed.  Errors are returned (-1 plus a reason in
 * the caller's STRBUF), never fatal; a bad name passed by our own code
 * (not a peer) is a panic.
 */
#include <stddef.h>
#include <stdint.h>

#include "strbuf.h"
#include "stream.h"

/* Value types; the numbers are the type bytes on the wire. */
#define ATTR_TYPE_END  0 /* ends an attr_scan() argument list */
#define ATTR_TYPE_STR  1 /* text: no NUL byte */
#define ATTR_TYPE_INT  2 /* number: unsigned, 32 bits */
#define ATTR_TYPE_LONG 3 /* long: signed, 64 bits */
#define ATTR_TYPE_DATA 4 /* binary: any bytes */

/* Hard limits of the format itself. */
#define ATTR_NAME_MAX  64             /* bytes of a name: [a-z0-9_] */
#define ATTR_FRAME_MAX (64 * 1024 * 1024) /* a frame's payload, always */

/* Defaults for ATTR_LIMITS (a reader may set lower ones). */
#define ATTR_DEF_MAX_PAYLOAD (1024 * 1024) /* bytes after the prefix */
#define ATTR_DEF_MAX_COUNT   1024          /* attributes per frame */
#define ATTR_DEF_MAX_VALUE   (1024 * 1024) /* bytes of one value */

/* What a reader accepts; attr_limits_init() fills in the defaults. */
typedef struct ATTR_LIMITS {
    size_t max_payload; /* frame payload bytes */
    size_t max_count;   /* attributes in a frame */
    size_t max_value;   /* bytes of one value */
} ATTR_LIMITS;

/* attr_scan() flags. */
#define ATTR_FLAG_STRICT   (1 << 0) /* an attribute not asked for: error */
#define ATTR_FLAG_OPTIONAL (1 << 1) /* a missing attribute is not an error */

/* attr_read() results. */
#define ATTR_READ_OK    1  /* a frame was read and decoded */
#define ATTR_READ_EOF   0  /* clean end of input before a frame began */
#define ATTR_READ_ERROR -1 /* I/O error, timeout, or malformed frame */

typedef struct ATTR_LIST ATTR_LIST;

extern void attr_limits_init(ATTR_LIMITS *lim);

extern ATTR_LIST *attr_list_create(void);
extern ATTR_LIST *attr_list_free(ATTR_LIST *list);
extern void attr_list_reset(ATTR_LIST *list);
extern size_t attr_list_count(const ATTR_LIST *list);

/* Builders: a duplicate name or a bad name is a panic (our own bug). */
extern void attr_put_str(ATTR_LIST *list, const char *name, const char *value);
extern void attr_put_int(ATTR_LIST *list, const char *name, uint32_t value);
extern void attr_put_long(ATTR_LIST *list, const char *name, int64_t value);
extern void attr_put_data(ATTR_LIST *list, const char *name, const void *data,
                          size_t len);

/* Getters: -1 when the attribute is missing or of another type. */
extern const char *attr_get_str(const ATTR_LIST *list, const char *name);
extern int attr_get_int(const ATTR_LIST *list, const char *name,
                        uint32_t *value);
extern int attr_get_long(const ATTR_LIST *list, const char *name,
                         int64_t *value);
extern int attr_get_data(const ATTR_LIST *list, const char *name,
                         const void **data, size_t *len);

/*
 * attr_scan - strict extraction.  Arguments after why are triples
 * (ATTR_TYPE_x, "name", destination) ended by ATTR_TYPE_END:
 *   ATTR_TYPE_STR  -> STRBUF *     ATTR_TYPE_INT  -> uint32_t *
 *   ATTR_TYPE_LONG -> int64_t *    ATTR_TYPE_DATA -> STRBUF *
 * Returns the number of attributes stored, or -1 with a reason in why.
 */
extern int attr_scan(const ATTR_LIST *list, int flags, STRBUF *why, ...);

/* Codec: one whole frame, prefix included. */
extern STRBUF *attr_encode(const ATTR_LIST *list, STRBUF *frame);
extern int attr_decode(const char *frame, size_t len, const ATTR_LIMITS *lim,
                       ATTR_LIST *list, STRBUF *why);

/*
 * Over a stream: attr_write() flushes, attr_send() only buffers (for a
 * run of frames that expect no reply); all return -1 with errno/why.
 */
extern int attr_write(STREAM *st, const ATTR_LIST *list);
extern int attr_send(STREAM *st, const ATTR_LIST *list);
extern int attr_read(STREAM *st, const ATTR_LIMITS *lim, ATTR_LIST *list,
                     STRBUF *why);

/* attr_type_name - "string", "number", "long", "data" (for messages) */
extern const char *attr_type_name(int type);

#endif

/*
 * attr - attribute lists and their wire codec, the one IPC format.
 *
 * Wire grammar (all numbers big-endian, docs/ipc.md has the table):
 *
 *   frame     = length:u32 payload          length = bytes of payload
 *   payload   = count:u16 attribute*count
 *   attribute = type:u8 namelen:u8 name valuelen:u32 value
 *   type      = 1 string | 2 number | 3 long | 4 data
 *   name      = namelen bytes of [a-z0-9_], 1..ATTR_NAME_MAX
 *   value     = string: valuelen bytes, no NUL
 *               number: exactly 4 bytes, unsigned
 *               long:   exactly 8 bytes, two's complement
 *               data:   valuelen bytes, anything
 *
 * attr_decode() walks the frame with a cursor that refuses to read past
 * the end and accepts exactly one well-formed frame: a length, count or
 * value over the reader's ATTR_LIMITS (never above ATTR_FRAME_MAX), an
 * unknown type, a bad or duplicate name, a number of the wrong size, a
 * NUL in a string, fewer attributes than the count says or bytes left
 * after them are all errors.  It allocates only copies of values it has
 * checked, so its memory is bounded by the payload limit.  On error the
 * list is left empty and why says what was wrong (peer bytes are never
 * quoted, only our own names, which are known to be printable).
 *
 * attr_read() returns ATTR_READ_EOF only when the input ended before the
 * first byte of a frame; the four prefix bytes are checked against the
 * limit before the payload is allocated.  After ATTR_READ_ERROR errno is
 * ETIMEDOUT (the deadline passed), EPROTO (the frame was malformed, too
 * large, or the input ended or failed inside it), or the errno of a read
 * that failed before the frame's first byte (ECONNRESET, say); a client
 * may therefore retry on a reused connection only in that last case.
 *
 * attr_encode() replaces the caller's STRBUF with the frame; a list too
 * big for one frame (over ATTR_FRAME_MAX or 65535 attributes) is our bug
 * and panics there, while attr_write() refuses it with EMSGSIZE.  Bad
 * names, duplicate names and oversized values given to the builders are
 * panics too.  Memory exhaustion is fatal (mymalloc).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <string.h>

#include "attr.h"
#include "msg.h"
#include "mymalloc.h"

/* Per attribute, bytes before the name and between name and value. */
#define ATTR_HEAD_LEN  2 /* type, name length */
#define ATTR_VLEN_LEN  4 /* value length */
#define ATTR_COUNT_LEN 2 /* attribute count */
#define ATTR_PREFIX    4 /* frame length */
#define ATTR_COUNT_MAX 0xffff

/* One attribute; string and data values are kept NUL-terminated. */
typedef struct ATTR {
    int type;
    char name[ATTR_NAME_MAX + 1];
    char *data;   /* string or data value, else NULL */
    size_t len;   /* bytes of data */
    uint32_t num; /* number value */
    int64_t lnum; /* long value */
} ATTR;

struct ATTR_LIST {
    ATTR *attr;
    size_t count;
    size_t size;
};

/* A read position that never passes the end. */
typedef struct ATTR_CURSOR {
    const unsigned char *ptr;
    size_t left;
} ATTR_CURSOR;

/* attr_limits_init - the default reader limits */
void
attr_limits_init(ATTR_LIMITS *lim)
{
    lim->max_payload = ATTR_DEF_MAX_PAYLOAD;
    lim->max_count = ATTR_DEF_MAX_COUNT;
    lim->max_value = ATTR_DEF_MAX_VALUE;
}

/* attr_type_name - "string", "number", "long", "data" (for messages) */
const char *
attr_type_name(int type)
{
    switch (type) {
        case ATTR_TYPE_STR:
            return "string";
        case ATTR_TYPE_INT:
            return "number";
        case ATTR_TYPE_LONG:
            return "long";
        case ATTR_TYPE_DATA:
            return "data";
        default:
            return "unknown";
    }
}

/* attr_name_ok - is this a valid attribute name of len bytes? */
static int
attr_name_ok(const char *name, size_t len)
{
    size_t i;

    if (len == 0 || len > ATTR_NAME_MAX)
        return 0;
    for (i = 0; i < len; i++) {
        if (!((name[i] >= 'a' && name[i] <= 'z') ||
              (name[i] >= '0' && name[i] <= '9') || name[i] == '_'))
            return 0;
    }
    return 1;
}

/* attr_check_name - panic unless our own code passed a valid name */
static void
attr_check_name(const char *who, const char *name)
{
    if (name == NULL || !attr_name_ok(name, strnlen(name, ATTR_NAME_MAX + 1)))
        msg_panic("%s: bad attribute name \"%.*s\"", who, ATTR_NAME_MAX,
                  name ? name : "(null)");
}

/* attr_list_create - an empty list */
ATTR_LIST *
attr_list_create(void)
{
    return mycalloc(1, sizeof(ATTR_LIST));
}

/* attr_list_reset - drop every attribute, keep the list */
void
attr_list_reset(ATTR_LIST *list)
{
    size_t i;

    for (i = 0; i < list->count; i++)
        myfree(list->attr[i].data);
    list->count = 0;
}

/* attr_list_free - release the list and its values; returns NULL */
ATTR_LIST *
attr_list_free(ATTR_LIST *list)
{
    if (list != NULL) {
        attr_list_reset(list);
        myfree(list->attr);
        myfree(list);
    }
    return NULL;
}

/* attr_list_count - attributes in the list */
size_t
attr_list_count(const ATTR_LIST *list)
{
    return list->count;
}

/* attr_find - the attribute named name (len bytes), or NULL */
static const ATTR *
attr_find(const ATTR_LIST *list, const char *name, size_t len)
{
    size_t i;

    for (i = 0; i < list->count; i++) {
        if (strncmp(list->attr[i].name, name, len) == 0 &&
            list->attr[i].name[len] == 0)
            return &list->attr[i];
    }
    return NULL;
}

/* attr_append - a new, zeroed attribute at the end of the list */
static ATTR *
attr_append(ATTR_LIST *list, int type, const char *name, size_t len)
{
    ATTR *at;

    if (list->count == list->size) {
        list->size = list->size ? list->size * 2 : 8;
        list->attr = myreallocarray(list->attr, list->size, sizeof(ATTR));
    }
    at = &list->attr[list->count++];
    memset(at, 0, sizeof(*at));
    at->type = type;
    memcpy(at->name, name, len);
    at->name[len] = 0;
    return at;
}

/* attr_put - builders' common part: check name, refuse a duplicate */
static ATTR *
attr_put(ATTR_LIST *list, const char *who, int type, const char *name)
{
    size_t len;

    attr_check_name(who, name);
    len = strlen(name);
    if (attr_find(list, name, len) != NULL)
        msg_panic("%s: duplicate attribute \"%s\"", who, name);
    return attr_append(list, type, name, len);
}

/* attr_put_bytes - store a copy of a string or data value */
static void
attr_put_bytes(ATTR *at, const char *who, const void *data, size_t len)
{
    if (len > ATTR_FRAME_MAX)
        msg_panic("%s: attribute \"%s\": value of %zu bytes is too large", who,
                  at->name, len);
    at->data = mymalloc(len + 1);
    if (len > 0)
        memcpy(at->data, data, len);
    at->data[len] = 0;
    at->len = len;
}

/* attr_put_str - add a string attribute */
void
attr_put_str(ATTR_LIST *list, const char *name, const char *value)
{
    ATTR *at;

    if (value == NULL)
        msg_panic("attr_put_str: attribute \"%s\": null value",
                  name ? name : "(null)");
    at = attr_put(list, "attr_put_str", ATTR_TYPE_STR, name);
    attr_put_bytes(at, "attr_put_str", value, strlen(value));
}

/* attr_put_int - add a number attribute */
void
attr_put_int(ATTR_LIST *list, const char *name, uint32_t value)
{
    attr_put(list, "attr_put_int", ATTR_TYPE_INT, name)->num = value;
}

/* attr_put_long - add a long attribute */
void
attr_put_long(ATTR_LIST *list, const char *name, int64_t value)
{
    attr_put(list, "attr_put_long", ATTR_TYPE_LONG, name)->lnum = value;
}

/* attr_put_data - add a binary attribute */
void
attr_put_data(ATTR_LIST *list, const char *name, const void *data, size_t len)
{
    ATTR *at;

    if (data == NULL && len > 0)
        msg_panic("attr_put_data: attribute \"%s\": null data",
                  name ? name : "(null)");
    at = attr_put(list, "attr_put_data", ATTR_TYPE_DATA, name);
    attr_put_bytes(at, "attr_put_data", data, len);
}

/* attr_get - the attribute of that name and type, or NULL */
static const ATTR *
attr_get(const ATTR_LIST *list, const char *who, const char *name, int type)
{
    const ATTR *at;

    attr_check_name(who, name);
    at = attr_find(list, name, strlen(name));
    return at != NULL && at->type == type ? at : NULL;
}

/* attr_get_str - a string value, or NULL */
const char *
attr_get_str(const ATTR_LIST *list, const char *name)
{
    const ATTR *at = attr_get(list, "attr_get_str", name, ATTR_TYPE_STR);

    return at ? at->data : NULL;
}

/* attr_get_int - a number value; -1 when missing or mistyped */
int
attr_get_int(const ATTR_LIST *list, const char *name, uint32_t *value)
{
    const ATTR *at = attr_get(list, "attr_get_int", name, ATTR_TYPE_INT);

    if (at == NULL)
        return -1;
    *value = at->num;
    return 0;
}

/* attr_get_long - a long value; -1 when missing or mistyped */
int
attr_get_long(const ATTR_LIST *list, const char *name, int64_t *value)
{
    const ATTR *at = attr_get(list, "attr_get_long", name, ATTR_TYPE_LONG);

    if (at == NULL)
        return -1;
    *value = at->lnum;
    return 0;
}

/* attr_get_data - a binary value; -1 when missing or mistyped */
int
attr_get_data(const ATTR_LIST *list, const char *name, const void **data,
              size_t *len)
{
    const ATTR *at = attr_get(list, "attr_get_data", name, ATTR_TYPE_DATA);

    if (at == NULL)
        return -1;
    *data = at->data;
    *len = at->len;
    return 0;
}

/*
 * attr_scan argument lists are walked twice: once to check everything,
 * once to store, so that a failed scan changes no destination.
 */

/* attr_scan_next - the next triple; 0 at ATTR_TYPE_END */
static int
attr_scan_next(va_list *ap, const char **name, void **dest)
{
    int type = va_arg(*ap, int);

    if (type == ATTR_TYPE_END)
        return 0;
    if (type < ATTR_TYPE_STR || type > ATTR_TYPE_DATA)
        msg_panic("attr_scan: bad attribute type %d", type);
    *name = va_arg(*ap, const char *);
    *dest = va_arg(*ap, void *);
    attr_check_name("attr_scan", *name);
    if (*dest == NULL)
        msg_panic("attr_scan: attribute \"%s\": null destination", *name);
    return type;
}

/* attr_scan_check - one wanted attribute: 1 present, 0 absent, -1 error */
static int
attr_scan_check(const ATTR *at, int type, void *dest, int flags,
                const char *name, STRBUF *why)
{
    STRBUF *sb = dest;

    if (at == NULL && (flags & ATTR_FLAG_OPTIONAL))
        return 0;
    if (at == NULL)
        return strbuf_fail(why, 0, "missing attribute \"%s\"", name);
    if (at->type != type)
        return strbuf_fail(why, 0, "attribute \"%s\": expected %s, got %s",
                           name, attr_type_name(type),
                           attr_type_name(at->type));
    if ((type == ATTR_TYPE_STR || type == ATTR_TYPE_DATA) && sb->limit > 0 &&
        at->len > sb->limit)
        return strbuf_fail(why, 0,
                           "attribute \"%s\": value of %zu bytes is too "
                           "long",
                           name, at->len);
    return 1;
}

/* attr_scan_store - copy one attribute's value to its destination */
static void
attr_scan_store(const ATTR *at, void *dest)
{
    switch (at->type) {
        case ATTR_TYPE_STR:
        case ATTR_TYPE_DATA:
            strbuf_memcpy((STRBUF *) dest, at->data, at->len);
            break;
        case ATTR_TYPE_INT:
            *(uint32_t *) dest = at->num;
            break;
        default:
            *(int64_t *) dest = at->lnum;
            break;
    }
}

/* attr_scan_verify - pass one: every wanted attribute, marking each found */
static int
attr_scan_verify(const ATTR_LIST *list, int flags, STRBUF *why, char *wanted,
                 va_list *ap)
{
    const char *name;
    const ATTR *at;
    void *dest;
    int type;

    while ((type = attr_scan_next(ap, &name, &dest)) != 0) {
        at = attr_find(list, name, strlen(name));
        if (attr_scan_check(at, type, dest, flags, name, why) < 0)
            return -1;
        if (at != NULL && wanted[at - list->attr]++)
            msg_panic("attr_scan: attribute \"%s\" asked for twice", name);
    }
    return 0;
}

/* attr_scan_unexpected - strict mode: an attribute nobody asked for */
static int
attr_scan_unexpected(const ATTR_LIST *list, const char *wanted, STRBUF *why)
{
    size_t i;

    for (i = 0; i < list->count; i++) {
        if (!wanted[i])
            return strbuf_fail(why, 0, "unexpected attribute \"%s\"",
                               list->attr[i].name);
    }
    return 0;
}

/* attr_scan - strict extraction of (type, name, destination) triples */
int
attr_scan(const ATTR_LIST *list, int flags, STRBUF *why, ...)
{
    char *wanted = mycalloc(list->count + 1, 1);
    const char *name;
    const ATTR *at;
    void *dest;
    va_list ap;
    int ret;
    int stored = 0;

    va_start(ap, why);
    ret = attr_scan_verify(list, flags, why, wanted, &ap);
    va_end(ap);
    if (ret == 0 && (flags & ATTR_FLAG_STRICT))
        ret = attr_scan_unexpected(list, wanted, why);
    myfree(wanted);
    if (ret < 0)
        return -1;
    va_start(ap, why);
    while (attr_scan_next(&ap, &name, &dest) != 0) {
        if ((at = attr_find(list, name, strlen(name))) != NULL) {
            attr_scan_store(at, dest);
            stored++;
        }
    }
    va_end(ap);
    return stored;
}

/* attr_value_len - bytes of an attribute's value on the wire */
static size_t
attr_value_len(const ATTR *at)
{
    switch (at->type) {
        case ATTR_TYPE_INT:
            return 4;
        case ATTR_TYPE_LONG:
            return 8;
        default:
            return at->len;
    }
}

/* attr_payload_len - bytes of the list's payload; 0 when it cannot fit */
static size_t
attr_payload_len(const ATTR_LIST *list)
{
    size_t total = ATTR_COUNT_LEN;
    size_t i;

    if (list->count > ATTR_COUNT_MAX)
        return 0;
    /* Each value is at most ATTR_FRAME_MAX: the sum cannot wrap. */
    for (i = 0; i < list->count; i++) {
        total += ATTR_HEAD_LEN + strlen(list->attr[i].name) + ATTR_VLEN_LEN +
                 attr_value_len(&list->attr[i]);
        if (total > ATTR_FRAME_MAX)
            return 0;
    }
    return total;
}

/* attr_put_be - append value as n big-endian bytes */
static void
attr_put_be(STRBUF *frame, uint64_t value, int n)
{
    unsigned char buf[8];
    int i;

    for (i = n - 1; i >= 0; i--) {
        buf[i] = (unsigned char) (value & 0xff);
        value >>= 8;
    }
    if (strbuf_memcat(frame, buf, (size_t) n) < 0)
        msg_panic("attr_encode: result buffer limit too small");
}

/* attr_encode_one - append one attribute */
static void
attr_encode_one(STRBUF *frame, const ATTR *at)
{
    size_t nlen = strlen(at->name);

    attr_put_be(frame, (uint64_t) at->type, 1);
    attr_put_be(frame, nlen, 1);
    if (strbuf_memcat(frame, at->name, nlen) < 0)
        msg_panic("attr_encode: result buffer limit too small");
    attr_put_be(frame, attr_value_len(at), 4);
    if (at->type == ATTR_TYPE_INT)
        attr_put_be(frame, at->num, 4);
    else if (at->type == ATTR_TYPE_LONG)
        attr_put_be(frame, (uint64_t) at->lnum, 8);
    else if (strbuf_memcat(frame, at->data, at->len) < 0)
        msg_panic("attr_encode: result buffer limit too small");
}

/* attr_encode - replace frame with the list's frame, prefix included */
STRBUF *
attr_encode(const ATTR_LIST *list, STRBUF *frame)
{
    size_t payload = attr_payload_len(list);
    size_t i;

    if (payload == 0)
        msg_panic("attr_encode: %zu attributes do not fit in one frame",
                  list->count);
    strbuf_reset(frame);
    strbuf_reserve(frame, ATTR_PREFIX + payload);
    attr_put_be(frame, payload, 4);
    attr_put_be(frame, list->count, 2);
    for (i = 0; i < list->count; i++)
        attr_encode_one(frame, &list->attr[i]);
    return frame;
}

/* attr_take - the next n bytes, or NULL when fewer are left */
static const unsigned char *
attr_take(ATTR_CURSOR *cur, size_t n)
{
    const unsigned char *p = cur->ptr;

    if (n > cur->left)
        return NULL;
    cur->ptr += n;
    cur->left -= n;
    return p;
}

/* attr_take_be - the next n bytes as a big-endian number; -1 if short */
static int
attr_take_be(ATTR_CURSOR *cur, int n, uint64_t *value)
{
    const unsigned char *p = attr_take(cur, (size_t) n);
    int i;

    if (p == NULL)
        return -1;
    *value = 0;
    for (i = 0; i < n; i++)
        *value = (*value << 8) | p[i];
    return 0;
}

/* attr_decode_value - check a value against its type, store it */
static int
attr_decode_value(ATTR *at, const unsigned char *val, size_t len, STRBUF *why)
{
    ATTR_CURSOR cur = {val, len};
    uint64_t num;

    if ((at->type == ATTR_TYPE_INT && len != 4) ||
        (at->type == ATTR_TYPE_LONG && len != 8))
        return strbuf_fail(
            why, 0, "attribute \"%s\": a %s needs %d bytes, got %zu", at->name,
            attr_type_name(at->type), at->type == ATTR_TYPE_INT ? 4 : 8, len);
    if (at->type == ATTR_TYPE_STR && memchr(val, 0, len) != NULL)
        return strbuf_fail(why, 0, "attribute \"%s\": NUL byte in a string",
                           at->name);
    if (at->type == ATTR_TYPE_INT || at->type == ATTR_TYPE_LONG) {
        attr_take_be(&cur, (int) len, &num);
        if (at->type == ATTR_TYPE_INT)
            at->num = (uint32_t) num;
        else
            at->lnum = (int64_t) num;
        return 0;
    }
    at->data = mymalloc(len + 1);
    if (len > 0)
        memcpy(at->data, val, len);
    at->data[len] = 0;
    at->len = len;
    return 0;
}

/* attr_decode_one - decode attribute number idx at the cursor */
static int
attr_decode_one(ATTR_CURSOR *cur, const ATTR_LIMITS *lim, size_t idx,
                ATTR_LIST *list, STRBUF *why)
{
    const unsigned char *name;
    const unsigned char *val;
    uint64_t type, nlen, vlen;

    if (attr_take_be(cur, 1, &type) < 0 || attr_take_be(cur, 1, &nlen) < 0 ||
        (name = attr_take(cur, nlen)) == NULL)
        return strbuf_fail(why, 0, "attribute %zu: truncated", idx + 1);
    if (type < ATTR_TYPE_STR || type > ATTR_TYPE_DATA)
        return strbuf_fail(why, 0, "attribute %zu: unknown type %u", idx + 1,
                           (unsigned) type);
    if (!attr_name_ok((const char *) name, nlen))
        return strbuf_fail(why, 0, "attribute %zu: bad name", idx + 1);
    if (attr_find(list, (const char *) name, nlen) != NULL)
        return strbuf_fail(why, 0, "duplicate attribute \"%.*s\"", (int) nlen,
                           (const char *) name);
    if (attr_take_be(cur, 4, &vlen) < 0)
        return strbuf_fail(why, 0, "attribute \"%.*s\": truncated", (int) nlen,
                           (const char *) name);
    if (vlen > lim->max_value)
        return strbuf_fail(why, 0,
                           "attribute \"%.*s\": value of %lu bytes exceeds "
                           "the limit of %zu",
                           (int) nlen, (const char *) name,
                           (unsigned long) vlen, lim->max_value);
    if ((val = attr_take(cur, vlen)) == NULL)
        return strbuf_fail(why, 0, "attribute \"%.*s\": truncated value",
                           (int) nlen, (const char *) name);
    return attr_decode_value(
        attr_append(list, (int) type, (const char *) name, nlen), val, vlen,
        why);
}

/* attr_decode_payload - the count and the attributes of a payload */
static int
attr_decode_payload(ATTR_CURSOR *cur, const ATTR_LIMITS *lim, ATTR_LIST *list,
                    STRBUF *why)
{
    uint64_t count;
    size_t i;

    if (attr_take_be(cur, 2, &count) < 0)
        return strbuf_fail(why, 0, "truncated payload: no attribute count");
    if (count > lim->max_count)
        return strbuf_fail(why, 0, "%lu attributes exceed the limit of %zu",
                           (unsigned long) count, lim->max_count);
    for (i = 0; i < count; i++) {
        if (attr_decode_one(cur, lim, i, list, why) < 0)
            return -1;
    }
    if (cur->left > 0)
        return strbuf_fail(why, 0, "%zu bytes left after %lu attributes",
                           cur->left, (unsigned long) count);
    return 0;
}

/* attr_max_payload - the reader's payload limit, never over the format's */
static size_t
attr_max_payload(const ATTR_LIMITS *lim)
{
    return lim->max_payload < ATTR_FRAME_MAX ? lim->max_payload
                                             : ATTR_FRAME_MAX;
}

/* attr_decode - exactly one frame into list (reset first) */
int
attr_decode(const char *frame, size_t len, const ATTR_LIMITS *lim,
            ATTR_LIST *list, STRBUF *why)
{
    ATTR_CURSOR cur = {(const unsigned char *) frame, len};
    ATTR_LIMITS def;
    uint64_t payload;

    attr_limits_init(&def);
    if (lim == NULL)
        lim = &def;
    attr_list_reset(list);
    if (attr_take_be(&cur, ATTR_PREFIX, &payload) < 0)
        return strbuf_fail(why, 0, "truncated frame: %zu bytes, no length",
                           len);
    if (payload > attr_max_payload(lim))
        return strbuf_fail(why, 0,
                           "frame payload of %lu bytes exceeds the limit "
                           "of %zu",
                           (unsigned long) payload, attr_max_payload(lim));
    if (cur.left < payload)
        return strbuf_fail(why, 0, "truncated frame: %zu of %lu payload bytes",
                           cur.left, (unsigned long) payload);
    if (cur.left > payload)
        return strbuf_fail(why, 0, "%lu bytes after the frame",
                           (unsigned long) (cur.left - payload));
    if (attr_decode_payload(&cur, lim, list, why) < 0) {
        attr_list_reset(list);
        return -1;
    }
    return 0;
}

/* attr_write - send the list as one frame and flush; -1 with errno */
int
attr_write(STREAM *st, const ATTR_LIST *list)
{
    if (attr_send(st, list) < 0 || stream_flush(st) < 0)
        return -1;
    return 0;
}

/* attr_send - one frame into the stream's buffer, not flushed */
int
attr_send(STREAM *st, const ATTR_LIST *list)
{
    STRBUF *frame;
    int ret;

    if (attr_payload_len(list) == 0) {
        errno = EMSGSIZE;
        return -1;
    }
    frame = attr_encode(list, strbuf_create(0));
    ret = stream_write(st, STR(frame), LEN(frame));
    strbuf_free(frame);
    return ret < 0 ? -1 : 0;
}

/* attr_read_fail - why a read inside a frame stopped; sets errno */
static int
attr_read_fail(STREAM *st, STRBUF *why, const char *where)
{
    int err = errno;

    if (stream_timedout(st)) {
        strbuf_fail(why, 0, "timeout reading %s", where);
        errno = ETIMEDOUT;
    } else if (stream_error(st)) {
        strbuf_fail(why, 0, "error reading %s: %s", where, strerror(err));
        errno = EPROTO;
    } else {
        strbuf_fail(why, 0, "truncated frame: end of input in %s", where);
        errno = EPROTO;
    }
    return ATTR_READ_ERROR;
}

/* attr_read_prefix - the frame length; ATTR_READ_* */
static int
attr_read_prefix(STREAM *st, uint64_t *payload, STRBUF *why)
{
    unsigned char prefix[ATTR_PREFIX];
    ATTR_CURSOR cur = {prefix, ATTR_PREFIX};
    ssize_t n;
    int err;

    if ((n = stream_read_some(st, prefix, 1)) <= 0) {
        if (n == 0)
            return ATTR_READ_EOF;
        err = errno;
        if (stream_timedout(st))
            return attr_read_fail(st, why, "the frame length");
        strbuf_fail(why, 0, "read error: %s", strerror(err));
        errno = err;
        return ATTR_READ_ERROR;
    }
    if (stream_read_exact(st, prefix + 1, ATTR_PREFIX - 1) < 0)
        return attr_read_fail(st, why, "the frame length");
    attr_take_be(&cur, ATTR_PREFIX, payload);
    return ATTR_READ_OK;
}

/* attr_read - read and decode one frame; ATTR_READ_OK, _EOF or _ERROR */
int
attr_read(STREAM *st, const ATTR_LIMITS *lim, ATTR_LIST *list, STRBUF *why)
{
    ATTR_LIMITS def;
    uint64_t payload = 0;
    char *frame;
    int ret;
    int i;

    attr_limits_init(&def);
    if (lim == NULL)
        lim = &def;
    attr_list_reset(list);
    if ((ret = attr_read_prefix(st, &payload, why)) != ATTR_READ_OK)
        return ret;
    /* Check the claimed length before allocating room for it. */
    if (payload > attr_max_payload(lim)) {
        strbuf_fail(why, 0,
                    "frame payload of %lu bytes exceeds the limit of %zu",
                    (unsigned long) payload, attr_max_payload(lim));
        errno = EPROTO;
        return ATTR_READ_ERROR;
    }
    frame = mymalloc(ATTR_PREFIX + payload);
    for (i = 0; i < ATTR_PREFIX; i++)
        frame[i] = (char) (payload >> (8 * (ATTR_PREFIX - 1 - i)));
    if (stream_read_exact(st, frame + ATTR_PREFIX, payload) < 0) {
        ret = attr_read_fail(st, why, "the frame payload");
    } else if (attr_decode(frame, ATTR_PREFIX + payload, lim, list, why) < 0) {
        errno = EPROTO;
        ret = ATTR_READ_ERROR;
    } else {
        ret = ATTR_READ_OK;
    }
    myfree(frame);
    return ret;
}

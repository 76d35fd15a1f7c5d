/*
 * strbuf - growable, binary-safe, always-terminated strings.
 *
 * strbuf_create() returns a buffer owned by the caller; strbuf_free()
 * releases it and returns NULL; strbuf_export() hands the caller the
 * content (to myfree()) and releases the rest.  Appends return 0, or -1
 * when the hard limit set with strbuf_set_limit() would be passed, in
 * which case the content is left as it was and sb->overflow is set.
 * Memory exhaustion is fatal (mymalloc).  Arguments of strbuf_sprintf()
 * must not point into the buffer being written.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "msg.h"
#include "mymalloc.h"
#include "strbuf.h"

/* strbuf_create - a new empty string with room for init bytes */
STRBUF *
strbuf_create(size_t init)
{
    STRBUF *sb = mymalloc(sizeof(*sb));

    sb->size = init > 0 ? init + 1 : 16;
    sb->str = mymalloc(sb->size);
    sb->str[0] = 0;
    sb->len = 0;
    sb->limit = 0;
    sb->overflow = 0;
    return sb;
}

/* strbuf_free - release the string; returns NULL */
STRBUF *
strbuf_free(STRBUF *sb)
{
    if (sb != NULL) {
        myfree(sb->str);
        myfree(sb);
    }
    return NULL;
}

/* strbuf_export - give the caller the content, release the rest */
char *
strbuf_export(STRBUF *sb)
{
    char *str = sb->str;

    myfree(sb);
    return str;
}

/* strbuf_set_limit - set the hard maximum length (0: none) */
void
strbuf_set_limit(STRBUF *sb, size_t limit)
{
    sb->limit = limit;
}

/* strbuf_reset - empty the string, clear the overflow flag */
void
strbuf_reset(STRBUF *sb)
{
    sb->len = 0;
    sb->str[0] = 0;
    sb->overflow = 0;
}

/* strbuf_truncate - shorten to len bytes; longer len is a no-op */
void
strbuf_truncate(STRBUF *sb, size_t len)
{
    if (len < sb->len) {
        sb->len = len;
        sb->str[len] = 0;
    }
}

/* strbuf_reserve - make room for extra more bytes plus the NUL */
void
strbuf_reserve(STRBUF *sb, size_t extra)
{
    size_t need;

    if (extra > (size_t) -1 / 4 - sb->len)
        msg_panic("strbuf_reserve: bad length %zu", extra);
    need = sb->len + extra + 1;
    if (need <= sb->size)
        return;
    while (sb->size < need)
        sb->size *= 2;
    sb->str = myrealloc(sb->str, sb->size);
}

/* over_limit - would len more bytes pass the hard maximum? */
static int
over_limit(STRBUF *sb, size_t len)
{
    if (sb->limit > 0 && (len > sb->limit || sb->len > sb->limit - len)) {
        sb->overflow = 1;
        return 1;
    }
    return 0;
}

/* strbuf_memcat - append len bytes */
int
strbuf_memcat(STRBUF *sb, const void *data, size_t len)
{
    if (over_limit(sb, len))
        return -1;
    strbuf_reserve(sb, len);
    if (len > 0)
        memcpy(sb->str + sb->len, data, len);
    sb->len += len;
    sb->str[sb->len] = 0;
    return 0;
}

/* strbuf_memcpy - replace the content with len bytes */
int
strbuf_memcpy(STRBUF *sb, const void *data, size_t len)
{
    if (sb->limit > 0 && len > sb->limit) {
        sb->overflow = 1;
        return -1;
    }
    sb->len = 0;
    return strbuf_memcat(sb, data, len);
}

/* strbuf_strcat - append a string */
int
strbuf_strcat(STRBUF *sb, const char *str)
{
    return strbuf_memcat(sb, str, strlen(str));
}

/* strbuf_strcpy - replace the content with a string */
int
strbuf_strcpy(STRBUF *sb, const char *str)
{
    return strbuf_memcpy(sb, str, strlen(str));
}

/* strbuf_addch - append one byte (NUL included: binary safe) */
int
strbuf_addch(STRBUF *sb, int ch)
{
    char c = (char) ch;

    return strbuf_memcat(sb, &c, 1);
}

/* strbuf_vsprintf_cat - append formatted text */
int
strbuf_vsprintf_cat(STRBUF *sb, const char *fmt, va_list ap)
{
    va_list ap2;
    int n;

    va_copy(ap2, ap);
    n = vsnprintf(sb->str + sb->len, sb->size - sb->len, fmt, ap2);
    va_end(ap2);
    if (n < 0)
        msg_panic("strbuf_vsprintf_cat: bad format \"%s\"", fmt);
    if (over_limit(sb, (size_t) n)) {
        sb->str[sb->len] = 0;
        return -1;
    }
    if ((size_t) n >= sb->size - sb->len) {
        strbuf_reserve(sb, (size_t) n);
        vsnprintf(sb->str + sb->len, sb->size - sb->len, fmt, ap);
    }
    sb->len += n;
    return 0;
}

/* strbuf_sprintf_cat - append formatted text */
int
strbuf_sprintf_cat(STRBUF *sb, const char *fmt, ...)
{
    va_list ap;
    int ret;

    va_start(ap, fmt);
    ret = strbuf_vsprintf_cat(sb, fmt, ap);
    va_end(ap);
    return ret;
}

/* strbuf_sprintf - replace the content with formatted text */
int
strbuf_sprintf(STRBUF *sb, const char *fmt, ...)
{
    va_list ap;
    int n;

    /* Measure first, so that an overflow leaves the content as it was. */
    va_start(ap, fmt);
    n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        msg_panic("strbuf_sprintf: bad format \"%s\"", fmt);
    if (sb->limit > 0 && (size_t) n > sb->limit) {
        sb->overflow = 1;
        return -1;
    }
    sb->len = 0;
    strbuf_reserve(sb, (size_t) n);
    va_start(ap, fmt);
    vsnprintf(sb->str, sb->size, fmt, ap);
    va_end(ap);
    sb->len = (size_t) n;
    return 0;
}

/* strbuf_fail - a reason in why (if any), errno = err (if not 0); -1 */
int
strbuf_fail(STRBUF *why, int err, const char *fmt, ...)
{
    va_list ap;

    if (why != NULL) {
        strbuf_reset(why);
        va_start(ap, fmt);
        (void) strbuf_vsprintf_cat(why, fmt, ap);
        va_end(ap);
    }
    if (err != 0)
        errno = err;
    return -1;
}

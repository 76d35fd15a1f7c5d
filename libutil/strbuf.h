#ifndef STRBUF_H
#define STRBUF_H

/*
 * strbuf - Postern's one growable string type.
 *
 * Binary safe (the length is kept), always NUL-terminated, with an optional
 * hard maximum: an append that would pass it fails with -1, leaves the
 * content unchanged and sets the overflow flag.  strbuf_create() returns a
 * buffer the caller owns; strbuf_free() releases it and returns NULL.
 */
#include <stdarg.h>
#include <stddef.h>

typedef struct STRBUF {
    char *str;    /* content, always NUL-terminated */
    size_t len;   /* bytes in use, excluding the NUL */
    size_t size;  /* bytes allocated, including room for the NUL */
    size_t limit; /* hard maximum length, 0 = none */
    int overflow; /* an append was refused */
} STRBUF;

#define STR(sb) ((sb)->str)
#define LEN(sb) ((sb)->len)

extern STRBUF *strbuf_create(size_t init);
extern STRBUF *strbuf_free(STRBUF *sb);
extern char *strbuf_export(STRBUF *sb);
extern void strbuf_set_limit(STRBUF *sb, size_t limit);
extern void strbuf_reset(STRBUF *sb);
extern void strbuf_truncate(STRBUF *sb, size_t len);
extern int strbuf_memcat(STRBUF *sb, const void *data, size_t len);
extern int strbuf_memcpy(STRBUF *sb, const void *data, size_t len);
extern int strbuf_strcat(STRBUF *sb, const char *str);
extern int strbuf_strcpy(STRBUF *sb, const char *str);
extern int strbuf_addch(STRBUF *sb, int ch);
extern int strbuf_sprintf(STRBUF *sb, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
extern int strbuf_sprintf_cat(STRBUF *sb, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
extern int strbuf_vsprintf_cat(STRBUF *sb, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));
/*
 * strbuf_fail - put a reason in why (when not NULL, replacing what it
 * held) and set errno to err (when not 0); returns -1, for
 * "return strbuf_fail(why, EINVAL, ...)" in functions that explain why.
 */
extern int strbuf_fail(STRBUF *why, int err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
extern void strbuf_reserve(STRBUF *sb, size_t extra);

#endif

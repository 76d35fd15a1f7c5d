/*
 * mymalloc - allocation wrappers that log and abort instead of failing.
 *
 * mymalloc(), mycalloc(), myrealloc() and myreallocarray() return memory
 * that the caller owns; mystrdup(), mystrndup() and mymemdup() return
 * copies that the caller owns.  All are released with myfree().
 *
 * Errors: out of memory is fatal (the environment is broken); a zero size
 * or an overflowing count * size is a panic (the caller's bug).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "msg.h"
#include "mymalloc.h"

/* check_size - refuse sizes that only a bug produces */
static void
check_size(const char *who, size_t len)
{
    if (len == 0 || len > SIZE_MAX / 2)
        msg_panic("%s: bad length %zu", who, len);
}

/* mymalloc - allocate or die */
void *
mymalloc(size_t len)
{
    void *ptr;

    check_size("mymalloc", len);
    if ((ptr = malloc(len)) == NULL)
        msg_fatal("mymalloc: insufficient memory for %zu bytes", len);
    return ptr;
}

/* mycalloc - allocate zeroed memory for an array, or die */
void *
mycalloc(size_t count, size_t len)
{
    void *ptr;

    if (count == 0 || len == 0 || count > SIZE_MAX / 2 / len)
        msg_panic("mycalloc: bad size %zu * %zu", count, len);
    if ((ptr = calloc(count, len)) == NULL)
        msg_fatal("mycalloc: insufficient memory for %zu * %zu bytes", count,
                  len);
    return ptr;
}

/* myrealloc - resize or die; a NULL pointer allocates */
void *
myrealloc(void *ptr, size_t len)
{
    void *new_ptr;

    check_size("myrealloc", len);
    if ((new_ptr = realloc(ptr, len)) == NULL)
        msg_fatal("myrealloc: insufficient memory for %zu bytes", len);
    return new_ptr;
}

/* myreallocarray - resize an array, checking count * len for overflow */
void *
myreallocarray(void *ptr, size_t count, size_t len)
{
    if (count == 0 || len == 0 || count > SIZE_MAX / 2 / len)
        msg_panic("myreallocarray: bad size %zu * %zu", count, len);
    return myrealloc(ptr, count * len);
}

/* myfree - release memory; NULL is allowed */
void
myfree(void *ptr)
{
    free(ptr);
}

/* mystrdup - copy a string */
char *
mystrdup(const char *str)
{
    if (str == NULL)
        msg_panic("mystrdup: null pointer argument");
    return mymemdup(str, strlen(str) + 1);
}

/* mystrndup - copy at most len bytes of a string, always terminated */
char *
mystrndup(const char *str, size_t len)
{
    const char *end;
    char *copy;

    if (str == NULL)
        msg_panic("mystrndup: null pointer argument");
    if ((end = memchr(str, 0, len)) != NULL)
        len = end - str;
    copy = mymalloc(len + 1);
    memcpy(copy, str, len);
    copy[len] = 0;
    return copy;
}

/* mymemdup - copy a memory block */
void *
mymemdup(const void *ptr, size_t len)
{
    if (ptr == NULL)
        msg_panic("mymemdup: null pointer argument");
    return memcpy(mymalloc(len), ptr, len);
}

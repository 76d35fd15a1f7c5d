#ifndef MYMALLOC_H
#define MYMALLOC_H

/*
 * mymalloc - memory allocation that never returns NULL.
 *
 * Exhaustion is fatal (msg_fatal); a nonsensical size (zero, or a count
 * times size that overflows) is our bug and panics.  Callers never check.
 * What these return is owned by the caller and released with myfree().
 */
#include <stddef.h>

extern void *mymalloc(size_t len);
extern void *mycalloc(size_t count, size_t len);
extern void *myrealloc(void *ptr, size_t len);
extern void *myreallocarray(void *ptr, size_t count, size_t len);
extern void myfree(void *ptr);
extern char *mystrdup(const char *str);
extern char *mystrndup(const char *str, size_t len);
extern void *mymemdup(const void *ptr, size_t len);

#endif

#ifndef ARGV_H
#define ARGV_H

/*
 * argv - growable, NULL-terminated string vectors.
 *
 * argv_alloc() returns a vector the caller owns; argv_free() releases it,
 * its strings included, and returns NULL.  Each string added is copied.
 */
#include <stddef.h>

typedef struct ARGV {
    size_t len;  /* slots allocated */
    size_t argc; /* slots in use */
    char **argv; /* the strings, argv[argc] == NULL */
} ARGV;

extern ARGV *argv_alloc(size_t init);
extern ARGV *argv_free(ARGV *av);
extern void argv_add(ARGV *av, const char *str);
extern void argv_addn(ARGV *av, const char *str, size_t len);
extern void argv_insert(ARGV *av, size_t where, const char *str);
extern void argv_delete(ARGV *av, size_t first, size_t count);
extern void argv_truncate(ARGV *av, size_t len);
extern ARGV *argv_split(const char *str, const char *delim);
extern char *argv_join(const ARGV *av, const char *sep);

#endif

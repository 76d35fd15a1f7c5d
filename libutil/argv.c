/*
 * argv - growable string vectors, always NULL-terminated.
 *
 * argv_alloc() and argv_split() return vectors owned by the caller,
 * released with argv_free() (which frees every string and returns NULL).
 * argv_join() returns a string the caller frees with myfree().  Indexes
 * out of range are a panic.
 */
#include <string.h>

#include "argv.h"
#include "msg.h"
#include "mymalloc.h"
#include "strbuf.h"

/* argv_alloc - an empty vector with room for init strings */
ARGV *
argv_alloc(size_t init)
{
    ARGV *av = mymalloc(sizeof(*av));

    av->len = init > 0 ? init : 4;
    av->argc = 0;
    av->argv = mycalloc(av->len + 1, sizeof(char *));
    return av;
}

/* argv_free - release the vector and its strings; returns NULL */
ARGV *
argv_free(ARGV *av)
{
    size_t i;

    if (av == NULL)
        return NULL;
    for (i = 0; i < av->argc; i++)
        myfree(av->argv[i]);
    myfree(av->argv);
    myfree(av);
    return NULL;
}

/* argv_grow - make room for one more string */
static void
argv_grow(ARGV *av)
{
    if (av->argc < av->len)
        return;
    av->len *= 2;
    av->argv = myreallocarray(av->argv, av->len + 1, sizeof(char *));
}

/* argv_addn - append a copy of len bytes of str */
void
argv_addn(ARGV *av, const char *str, size_t len)
{
    argv_grow(av);
    av->argv[av->argc++] = mystrndup(str, len);
    av->argv[av->argc] = NULL;
}

/* argv_add - append a copy of str */
void
argv_add(ARGV *av, const char *str)
{
    argv_addn(av, str, strlen(str));
}

/* argv_insert - insert a copy of str before index where */
void
argv_insert(ARGV *av, size_t where, const char *str)
{
    if (where > av->argc)
        msg_panic("argv_insert: bad index %zu > %zu", where, av->argc);
    argv_grow(av);
    memmove(av->argv + where + 1, av->argv + where,
            (av->argc - where + 1) * sizeof(char *));
    av->argv[where] = mystrdup(str);
    av->argc++;
}

/* argv_delete - remove count strings starting at index first */
void
argv_delete(ARGV *av, size_t first, size_t count)
{
    size_t i;

    if (first > av->argc || count > av->argc - first)
        msg_panic("argv_delete: bad range %zu+%zu > %zu", first, count,
                  av->argc);
    for (i = first; i < first + count; i++)
        myfree(av->argv[i]);
    memmove(av->argv + first, av->argv + first + count,
            (av->argc - first - count + 1) * sizeof(char *));
    av->argc -= count;
}

/* argv_truncate - keep the first len strings */
void
argv_truncate(ARGV *av, size_t len)
{
    if (len < av->argc)
        argv_delete(av, len, av->argc - len);
}

/* argv_split - split at any of the delimiter bytes, skipping empty fields */
ARGV *
argv_split(const char *str, const char *delim)
{
    ARGV *av = argv_alloc(4);
    size_t n;

    for (;;) {
        str += strspn(str, delim);
        if (*str == 0)
            break;
        n = strcspn(str, delim);
        argv_addn(av, str, n);
        str += n;
    }
    return av;
}

/* argv_join - the strings joined with sep, to myfree() */
char *
argv_join(const ARGV *av, const char *sep)
{
    STRBUF *sb = strbuf_create(64);
    size_t i;

    for (i = 0; i < av->argc; i++) {
        if (i > 0)
            strbuf_strcat(sb, sep);
        strbuf_strcat(sb, av->argv[i]);
    }
    return strbuf_export(sb);
}

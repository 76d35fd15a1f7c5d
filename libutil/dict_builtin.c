/*
 * dict_builtin - the table types compiled into this build.
 *
 * dict_builtin_init() registers each driver's open function with
 * dict_register(); dict.c calls it once, on first use.  A driver added to
 * libutil is listed here, and nowhere else.
 */
#include <stddef.h>

#include "dict.h"
#include "dict_static.h"

void dict_builtin_init(void);

/*
 * TRANSITIONAL: drivers being written in parallel are weak references so
 * that each can be built and tested alone; a missing one is skipped.
 */
#define DRIVER(fn)                                                             \
    extern DICT *fn(const char *, int, int, STRBUF *) __attribute__((weak))
DRIVER(dict_hash_open);
DRIVER(dict_btree_open);
DRIVER(dict_thash_open);
DRIVER(dict_inline_open);
DRIVER(dict_regexp_open);
DRIVER(dict_pcre_open);
DRIVER(dict_cidr_open);
DRIVER(dict_unix_open);

/* dict_builtin_init - register every built-in driver */
void
dict_builtin_init(void)
{
    const struct {
        const char *type;
        DICT_OPEN_FN open_fn;
    } builtin[] = {
        {"static", dict_static_open}, {"fail", dict_fail_open},
        {"hash", dict_hash_open},     {"btree", dict_btree_open},
        {"texthash", dict_thash_open}, {"inline", dict_inline_open},
        {"regexp", dict_regexp_open}, {"pcre", dict_pcre_open},
        {"cidr", dict_cidr_open},     {"unix", dict_unix_open},
    };
    size_t i;

    for (i = 0; i < sizeof(builtin) / sizeof(builtin[0]); i++)
        if (builtin[i].open_fn != NULL)
            (void) dict_register(builtin[i].type, builtin[i].open_fn);
}

/*
 * dict_builtin - the table types compiled into this build.
 *
 * dict_builtin_init() registers each driver's open function with
 * dict_register(); dict.c calls it once, on first use.  A driver added to
 * libutil is listed here, and nowhere else.  pcre: is there when the build
 * found PCRE2 (HAS_PCRE2).
 */
#include <stddef.h>

#include "dict.h"
#include "dict_cidr.h"
#include "dict_db.h"
#include "dict_inline.h"
#include "dict_pcre.h"
#include "dict_regexp.h"
#include "dict_static.h"
#include "dict_thash.h"
#include "dict_unix.h"

void dict_builtin_init(void);

static const struct {
    const char *type;
    DICT_OPEN_FN open_fn;
} builtin[] = {
    {"static", dict_static_open}, {"fail", dict_fail_open},
    {"hash", dict_hash_open},     {"btree", dict_btree_open},
    {"texthash", dict_thash_open}, {"inline", dict_inline_open},
    {"regexp", dict_regexp_open}, {"cidr", dict_cidr_open},
    {"unix", dict_unix_open},
#ifdef HAS_PCRE2
    {"pcre", dict_pcre_open},
#endif
};

/* dict_builtin_init - register every built-in driver */
void
dict_builtin_init(void)
{
    size_t i;

    for (i = 0; i < sizeof(builtin) / sizeof(builtin[0]); i++)
        (void) dict_register(builtin[i].type, builtin[i].open_fn);
}

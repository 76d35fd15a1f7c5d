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

static const struct {
    const char *type;
    DICT_OPEN_FN open_fn;
} builtin[] = {
    {"static", dict_static_open},
    {"fail", dict_fail_open},
};

/* dict_builtin_init - register every built-in driver */
void
dict_builtin_init(void)
{
    size_t i;

    for (i = 0; i < sizeof(builtin) / sizeof(builtin[0]); i++)
        (void) dict_register(builtin[i].type, builtin[i].open_fn);
}

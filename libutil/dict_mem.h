#ifndef DICT_MEM_H
#define DICT_MEM_H

/*
 * dict_mem - a read-only table in memory, filled by the drivers of
 * texthash: and inline: at open.  The handle is the caller's, released
 * with dict_close().
 */
#include "dict.h"

extern DICT *dict_mem_create(const char *type, const char *name,
                             int dict_flags);
extern int dict_mem_add(DICT *d, const char *key, const char *value);

#endif

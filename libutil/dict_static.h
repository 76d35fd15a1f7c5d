#ifndef DICT_STATIC_H
#define DICT_STATIC_H

/* dict_static - the static:value and fail:name table types. */
#include "dict.h"

extern DICT *dict_static_open(const char *name, int open_flags,
                              int dict_flags, STRBUF *err);
extern DICT *dict_fail_open(const char *name, int open_flags, int dict_flags,
                            STRBUF *err);

#endif

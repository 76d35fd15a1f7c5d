#ifndef DICT_INLINE_H
#define DICT_INLINE_H

/* dict_inline - inline:{ key=value, { key = text }, ... } tables. */
#include "dict.h"

extern DICT *dict_inline_open(const char *name, int open_flags, int dict_flags,
                              STRBUF *err);

#endif

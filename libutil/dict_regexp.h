#ifndef DICT_REGEXP_H
#define DICT_REGEXP_H

/*
 * dict_regexp - regexp:/path, a table of POSIX extended regular
 * expressions (Postfix's regexp_table(5)).  See dict_regexp.c.
 */
#include "dict.h"

extern DICT *dict_regexp_open(const char *name, int open_flags, int dict_flags,
                              STRBUF *err);

#endif

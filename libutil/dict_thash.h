#ifndef DICT_THASH_H
#define DICT_THASH_H

/* dict_thash - texthash:/path, a postmap(1) source file read into memory. */
#include "dict.h"

extern DICT *dict_thash_open(const char *name, int open_flags, int dict_flags,
                             STRBUF *err);

#endif

#ifndef ALIAS_SOURCE_H
#define ALIAS_SOURCE_H

/*
 * alias_source - aliases(5) files: `name: value, value, ...` entries with
 * Postfix's continuation and comment rules, for `postern alias` and
 * newaliases.
 */
#include "strbuf.h"

extern int alias_source_split(const char *line, size_t len, STRBUF *name,
                              STRBUF *value, STRBUF *why);
extern int alias_source_build(const char *type, const char *path,
                              int dict_flags, STRBUF *err);

#endif

#ifndef DICT_PCRE_H
#define DICT_PCRE_H

/*
 * dict_pcre - pcre:/path, a table of Perl-compatible regular expressions
 * (Postfix's pcre_table(5)), built only with PCRE2 (HAS_PCRE2).  See
 * dict_pcre.c.
 */
#include "dict.h"

#ifdef HAS_PCRE2
extern DICT *dict_pcre_open(const char *name, int open_flags, int dict_flags,
                            STRBUF *err);
#endif

#endif

#ifndef DICT_PROXY_H
#define DICT_PROXY_H

/*
 * dict_proxy - the proxy: table type: proxy:TYPE:NAME looks TYPE:NAME up
 * through the proxymap service (proxywrite for a table opened O_RDWR), so
 * that a chrooted or unprivileged process can use a table it cannot open
 * itself.  See dict_proxy.c; mail_dict_init() registers the type.
 */
#include "dict.h"
#include "strbuf.h"

#define DICT_TYPE_PROXY "proxy"

/*
 * The dict flags a client passes on to proxymap, which opens the real
 * table with them (and ignores any other bit): folding, duplicates, the
 * NUL conventions of db files, regexp substitution, UTF-8 and paranoia.
 */
#define DICT_PROXY_FLAG_MASK                                                   \
    (DICT_FLAG_DUP_WARN | DICT_FLAG_DUP_IGNORE | DICT_FLAG_DUP_REPLACE |       \
     DICT_FLAG_TRY0NULL | DICT_FLAG_TRY1NULL | DICT_FLAG_FOLD_FIX |            \
     DICT_FLAG_FOLD_MUL | DICT_FLAG_NO_REGSUB | DICT_FLAG_UTF8 |               \
     DICT_FLAG_PARANOID)

/*
 * The flags proxymap reports back at open: what kind of table it found
 * (the client's handle takes them, so maps_find() filters it right).
 */
#define DICT_PROXY_KIND_MASK (DICT_FLAG_FIXED | DICT_FLAG_PATTERN)

extern DICT *dict_proxy_open(const char *name, int open_flags, int dict_flags,
                             STRBUF *err);

#endif

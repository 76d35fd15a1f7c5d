#ifndef DICT_UNIX_H
#define DICT_UNIX_H

/*
 * dict_unix - unix:passwd.byname and unix:group.byname, the system's user
 * and group databases as read-only tables.  See dict_unix.c.
 */
#include "dict.h"

extern DICT *dict_unix_open(const char *name, int open_flags, int dict_flags,
                            STRBUF *err);

#endif

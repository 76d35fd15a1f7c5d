#ifndef DICT_CIDR_H
#define DICT_CIDR_H

/*
 * dict_cidr - cidr:/path, a table of IPv4 and IPv6 networks and addresses
 * (Postfix's cidr_table(5)).  See dict_cidr.c.
 */
#include "dict.h"

extern DICT *dict_cidr_open(const char *name, int open_flags, int dict_flags,
                            STRBUF *err);

#endif

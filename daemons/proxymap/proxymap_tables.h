#ifndef PROXYMAP_TABLES_H
#define PROXYMAP_TABLES_H

/*
 * proxymap_tables - what the proxymap daemon does: which tables a client
 * may use (proxy_read_maps, proxy_write_maps), the tables it has open,
 * and one request at a time.  See proxymap_tables.c.
 */
#include <stddef.h>

#include "attr.h"
#include "dict.h"
#include "strbuf.h"

typedef struct PROXYMAP_TABLES PROXYMAP_TABLES;

extern PROXYMAP_TABLES *proxymap_tables_create(const char *service,
                                               STRBUF *err);
extern PROXYMAP_TABLES *proxymap_tables_free(PROXYMAP_TABLES *pt);
extern int proxymap_tables_writer(const PROXYMAP_TABLES *pt);
extern const char *proxymap_tables_list_name(const PROXYMAP_TABLES *pt);
extern int proxymap_tables_allowed(const PROXYMAP_TABLES *pt,
                                   const char *table);
extern int proxymap_tables_open(PROXYMAP_TABLES *pt, const char *table,
                                int dict_flags, DICT **dict, STRBUF *reason);
extern size_t proxymap_tables_count(const PROXYMAP_TABLES *pt);
extern int proxymap_tables_request(PROXYMAP_TABLES *pt, const ATTR_LIST *req,
                                   ATTR_LIST *extra, STRBUF *reason);

#endif

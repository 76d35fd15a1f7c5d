#ifndef DICT_DB_H
#define DICT_DB_H

/*
 * dict_db - the hash: and btree: table types, over Berkeley DB files
 * that Postfix's postmap(1) can read and write too.
 *
 * hash:/etc/postern/virtual is the file /etc/postern/virtual.db.  Handles
 * are owned by the caller through dict_close().
 */
#include <stddef.h>

#include "dict.h"

/* Cache sizes (Postfix's berkeley_db_read/create_buffer_size defaults). */
#define DICT_DB_READ_CACHE   (128 * 1024)
#define DICT_DB_CREATE_CACHE (16 * 1024 * 1024)

/* Longest wait for a lock on the database file, in milliseconds. */
#define DICT_DB_LOCK_WAIT_MS 10000

/* What dict_hash_open() appends to the table name. */
#define DICT_DB_SUFFIX ".db"

extern DICT *dict_hash_open(const char *name, int open_flags, int dict_flags,
                            STRBUF *err);
extern DICT *dict_btree_open(const char *name, int open_flags, int dict_flags,
                             STRBUF *err);

/* For builders: table type:name kept in the file db_path. */
extern DICT *dict_db_open_path(const char *type, const char *name,
                               const char *db_path, int open_flags,
                               int dict_flags, STRBUF *err);
extern int dict_db_is_type(const char *type);
extern int dict_db_sync(DICT *d, STRBUF *err);
extern void dict_db_set_cache_sizes(size_t read_size, size_t create_size);

#endif

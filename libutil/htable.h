#ifndef HTABLE_H
#define HTABLE_H

/*
 * htable - hash tables with string keys and opaque values.
 *
 * Keys are copied and owned by the table; values belong to whoever put
 * them there, and htable_delete()/htable_free() hand each to the caller's
 * free function (which may be NULL).  htable_list() returns a snapshot
 * array the caller frees with myfree(); the table may change while the
 * snapshot is walked as long as walked entries are not freed under it.
 */
#include <stddef.h>

typedef struct HTABLE_INFO {
    char *key;
    void *value;
    struct HTABLE_INFO *next; /* chain: private */
    size_t hash;              /* private */
} HTABLE_INFO;

typedef struct HTABLE {
    size_t size;          /* buckets */
    size_t used;          /* entries */
    HTABLE_INFO **bucket; /* private */
} HTABLE;

typedef void (*HTABLE_FREE_FN)(void *value);

extern HTABLE *htable_create(size_t size);
extern HTABLE *htable_free(HTABLE *ht, HTABLE_FREE_FN free_fn);
extern HTABLE_INFO *htable_enter(HTABLE *ht, const char *key, void *value);
extern HTABLE_INFO *htable_locate(const HTABLE *ht, const char *key);
extern void *htable_find(const HTABLE *ht, const char *key);
extern int htable_delete(HTABLE *ht, const char *key, HTABLE_FREE_FN free_fn);
extern HTABLE_INFO **htable_list(const HTABLE *ht);
extern size_t htable_hash(const char *key);

#endif

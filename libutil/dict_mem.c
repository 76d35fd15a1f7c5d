/*
 * dict_mem - read-only tables held in a hash table in memory.
 *
 * dict_mem_create(type, name, dict_flags) returns an empty table of the
 * given type, with exact-match keys (DICT_FLAG_FIXED): keys are folded
 * per dict_fold() when they are added and when they are looked up.  The
 * driver that made it fills it with dict_mem_add(d, key, value), which
 * copies both and returns 0, or 1 when the key was there already: the
 * new value then replaces the old with DICT_FLAG_DUP_REPLACE, and is
 * dropped otherwise (the caller, who knows where the entry came from,
 * warns).  Afterwards the table answers lookups and walks; updates and
 * deletes fail with DICT_ERR_CONFIG.  The handle is the caller's, closed
 * with dict_close().  Memory exhaustion is fatal; a bad dict_seq()
 * function is our bug and panics.
 */
#include <string.h>

#include "dict_mem.h"
#include "htable.h"
#include "msg.h"
#include "mymalloc.h"

typedef struct DICT_MEM {
    DICT dict;
    HTABLE *table;      /* folded key -> value */
    HTABLE_INFO **walk; /* dict_seq() snapshot, or NULL */
    size_t walk_pos;    /* next entry of the walk */
} DICT_MEM;

/* mem_lookup - the value of the folded key, or NULL */
static const char *
mem_lookup(DICT *d, const char *key)
{
    return htable_find(((DICT_MEM *) d)->table, dict_fold(d, key));
}

/* mem_sequence - walk a snapshot of the table */
static int
mem_sequence(DICT *d, int func, const char **key, const char **value)
{
    DICT_MEM *dm = (DICT_MEM *) d;
    HTABLE_INFO *ht;

    if (func == DICT_SEQ_FIRST) {
        myfree(dm->walk);
        dm->walk = htable_list(dm->table);
        dm->walk_pos = 0;
    } else if (func != DICT_SEQ_NEXT) {
        msg_panic("%s:%s: bad sequence function %d", d->type, d->name, func);
    }
    if (dm->walk == NULL || (ht = dm->walk[dm->walk_pos]) == NULL) {
        myfree(dm->walk);
        dm->walk = NULL;
        return 1;
    }
    dm->walk_pos++;
    *key = ht->key;
    *value = ht->value;
    return 0;
}

/* mem_close - release the entries and the handle */
static void
mem_close(DICT *d)
{
    DICT_MEM *dm = (DICT_MEM *) d;

    htable_free(dm->table, myfree);
    myfree(dm->walk);
    dict_free(d);
}

/* dict_mem_create - an empty read-only table */
DICT *
dict_mem_create(const char *type, const char *name, int dict_flags)
{
    DICT_MEM *dm = (DICT_MEM *) dict_alloc(type, name, sizeof(*dm));

    dm->table = htable_create(64);
    dm->dict.flags = dict_flags | DICT_FLAG_FIXED;
    dm->dict.lookup = mem_lookup;
    dm->dict.update = dict_readonly_update;
    dm->dict.delete = dict_readonly_delete;
    dm->dict.sequence = mem_sequence;
    dm->dict.close = mem_close;
    return &dm->dict;
}

/* dict_mem_add - add an entry; 1 when the key was there already */
int
dict_mem_add(DICT *d, const char *key, const char *value)
{
    DICT_MEM *dm = (DICT_MEM *) d;
    HTABLE_INFO *ht;

    if (d->close != mem_close)
        msg_panic("dict_mem_add: %s:%s is not an in-memory table", d->type,
                  d->name);
    key = dict_fold(d, key);
    if ((ht = htable_locate(dm->table, key)) == NULL) {
        htable_enter(dm->table, key, mystrdup(value));
        return 0;
    }
    if (d->flags & DICT_FLAG_DUP_REPLACE) {
        myfree(ht->value);
        ht->value = mystrdup(value);
    }
    return 1;
}

/*
 * htable - chained hash tables with string keys.
 *
 * htable_create() returns a table the caller owns; htable_free() releases
 * it (calling free_fn on each value) and returns NULL.  htable_enter()
 * panics on a duplicate key (use htable_locate() first to replace);
 * htable_find() returns NULL when the key is absent.  The table doubles
 * when it holds more entries than buckets.
 */
#include <string.h>

#include "htable.h"
#include "msg.h"
#include "mymalloc.h"

/* htable_hash - FNV-1a over the key bytes */
size_t
htable_hash(const char *key)
{
    size_t h = (size_t) 14695981039346656037ULL;

    while (*key)
        h = (h ^ (unsigned char) *key++) * (size_t) 1099511628211ULL;
    return h;
}

/* htable_create - an empty table with about size buckets */
HTABLE *
htable_create(size_t size)
{
    HTABLE *ht = mymalloc(sizeof(*ht));

    ht->size = size < 13 ? 13 : size;
    ht->used = 0;
    ht->bucket = mycalloc(ht->size, sizeof(HTABLE_INFO *));
    return ht;
}

/* htable_grow - double the buckets and rehash */
static void
htable_grow(HTABLE *ht)
{
    size_t old_size = ht->size;
    HTABLE_INFO **old = ht->bucket;
    HTABLE_INFO *ent, *next;
    size_t i;

    ht->size = old_size * 2 + 1;
    ht->bucket = mycalloc(ht->size, sizeof(HTABLE_INFO *));
    for (i = 0; i < old_size; i++) {
        for (ent = old[i]; ent; ent = next) {
            next = ent->next;
            ent->next = ht->bucket[ent->hash % ht->size];
            ht->bucket[ent->hash % ht->size] = ent;
        }
    }
    myfree(old);
}

/* htable_enter - add a new key; a duplicate key is a panic */
HTABLE_INFO *
htable_enter(HTABLE *ht, const char *key, void *value)
{
    HTABLE_INFO *ent;
    size_t h = htable_hash(key);

    if (htable_locate(ht, key) != NULL)
        msg_panic("htable_enter: duplicate key \"%s\"", key);
    if (ht->used >= ht->size)
        htable_grow(ht);
    ent = mymalloc(sizeof(*ent));
    ent->key = mystrdup(key);
    ent->value = value;
    ent->hash = h;
    ent->next = ht->bucket[h % ht->size];
    ht->bucket[h % ht->size] = ent;
    ht->used++;
    return ent;
}

/* htable_locate - the entry for key, or NULL */
HTABLE_INFO *
htable_locate(const HTABLE *ht, const char *key)
{
    size_t h = htable_hash(key);
    HTABLE_INFO *ent;

    for (ent = ht->bucket[h % ht->size]; ent; ent = ent->next)
        if (ent->hash == h && strcmp(ent->key, key) == 0)
            return ent;
    return NULL;
}

/* htable_find - the value for key, or NULL */
void *
htable_find(const HTABLE *ht, const char *key)
{
    HTABLE_INFO *ent = htable_locate(ht, key);

    return ent ? ent->value : NULL;
}

/* htable_delete - remove key; returns 0, or -1 when absent */
int
htable_delete(HTABLE *ht, const char *key, HTABLE_FREE_FN free_fn)
{
    size_t h = htable_hash(key);
    HTABLE_INFO **pp, *ent;

    for (pp = &ht->bucket[h % ht->size]; (ent = *pp) != NULL; pp = &ent->next) {
        if (ent->hash == h && strcmp(ent->key, key) == 0) {
            *pp = ent->next;
            if (free_fn)
                free_fn(ent->value);
            myfree(ent->key);
            myfree(ent);
            ht->used--;
            return 0;
        }
    }
    return -1;
}

/* htable_free - release the table, handing each value to free_fn */
HTABLE *
htable_free(HTABLE *ht, HTABLE_FREE_FN free_fn)
{
    HTABLE_INFO *ent, *next;
    size_t i;

    if (ht == NULL)
        return NULL;
    for (i = 0; i < ht->size; i++) {
        for (ent = ht->bucket[i]; ent; ent = next) {
            next = ent->next;
            if (free_fn)
                free_fn(ent->value);
            myfree(ent->key);
            myfree(ent);
        }
    }
    myfree(ht->bucket);
    myfree(ht);
    return NULL;
}

/* htable_list - a NULL-terminated snapshot of the entries, to myfree() */
HTABLE_INFO **
htable_list(const HTABLE *ht)
{
    HTABLE_INFO **list = mycalloc(ht->used + 1, sizeof(*list));
    HTABLE_INFO *ent;
    size_t i, n = 0;

    for (i = 0; i < ht->size; i++)
        for (ent = ht->bucket[i]; ent; ent = ent->next)
            list[n++] = ent;
    list[n] = NULL;
    return list;
}

/*
 * rewrite_cache - recent answers of trivial-rewrite, keyed by rule and
 * address, at most max entries; when full, the entry used least recently
 * makes room.
 *
 * rewrite_cache_create(max) makes an empty cache (max 0 means 1) that
 * the caller frees with rewrite_cache_free(), which returns NULL.
 * rewrite_cache_find() returns the cached result, owned by the cache and
 * valid until the next rewrite_cache_enter(), or NULL; a hit makes the
 * entry the most recently used.  rewrite_cache_enter() adds or replaces
 * an entry, copying its strings.  Nothing here fails.
 */
#include <string.h>

#include "htable.h"
#include "mymalloc.h"
#include "rewrite_cache.h"
#include "strbuf.h"

/* One entry: on the use list, and in the table under its key. */
typedef struct REWRITE_ENTRY {
    char *key;                         /* see rewrite_cache_key() */
    char *result;                      /* the rewritten address */
    struct REWRITE_ENTRY *prev, *next; /* newer, older */
} REWRITE_ENTRY;

struct REWRITE_CACHE {
    HTABLE *table;         /* key -> entry */
    REWRITE_ENTRY *newest; /* most recently used */
    REWRITE_ENTRY *oldest; /* least recently used */
    size_t max;
    STRBUF *key; /* scratch */
};

/* rewrite_cache_create - an empty cache of at most max entries */
REWRITE_CACHE *
rewrite_cache_create(size_t max)
{
    REWRITE_CACHE *cache = mymalloc(sizeof(*cache));

    cache->max = max > 0 ? max : 1;
    cache->table = htable_create(cache->max);
    cache->newest = cache->oldest = NULL;
    cache->key = strbuf_create(100);
    return cache;
}

/* rewrite_cache_unlink - take an entry off the use list */
static void
rewrite_cache_unlink(REWRITE_CACHE *cache, REWRITE_ENTRY *ent)
{
    if (ent->prev)
        ent->prev->next = ent->next;
    else
        cache->newest = ent->next;
    if (ent->next)
        ent->next->prev = ent->prev;
    else
        cache->oldest = ent->prev;
}

/* rewrite_cache_push - put an entry at the newest end */
static void
rewrite_cache_push(REWRITE_CACHE *cache, REWRITE_ENTRY *ent)
{
    ent->prev = NULL;
    ent->next = cache->newest;
    if (cache->newest)
        cache->newest->prev = ent;
    cache->newest = ent;
    if (cache->oldest == NULL)
        cache->oldest = ent;
}

/* rewrite_cache_entry_free - htable callback: release an entry */
static void
rewrite_cache_entry_free(void *ptr)
{
    REWRITE_ENTRY *ent = ptr;

    myfree(ent->key);
    myfree(ent->result);
    myfree(ent);
}

/* rewrite_cache_free - release everything; returns NULL */
REWRITE_CACHE *
rewrite_cache_free(REWRITE_CACHE *cache)
{
    htable_free(cache->table, rewrite_cache_entry_free);
    strbuf_free(cache->key);
    myfree(cache);
    return NULL;
}

/* rewrite_cache_key - "LEN:rule:address": no two pairs share a key */
static const char *
rewrite_cache_key(REWRITE_CACHE *cache, const char *rule, const char *addr)
{
    strbuf_sprintf(cache->key, "%zu:%s:%s", strlen(rule), rule, addr);
    return STR(cache->key);
}

/* rewrite_cache_find - the cached result, or NULL */
const char *
rewrite_cache_find(REWRITE_CACHE *cache, const char *rule, const char *addr)
{
    REWRITE_ENTRY *ent =
        htable_find(cache->table, rewrite_cache_key(cache, rule, addr));

    if (ent == NULL)
        return NULL;
    rewrite_cache_unlink(cache, ent);
    rewrite_cache_push(cache, ent);
    return ent->result;
}

/* rewrite_cache_enter - add or replace an entry, evicting if full */
void
rewrite_cache_enter(REWRITE_CACHE *cache, const char *rule, const char *addr,
                    const char *result)
{
    const char *key = rewrite_cache_key(cache, rule, addr);
    REWRITE_ENTRY *ent = htable_find(cache->table, key);

    if (ent != NULL) {
        myfree(ent->result);
        ent->result = mystrdup(result);
        rewrite_cache_unlink(cache, ent);
        rewrite_cache_push(cache, ent);
        return;
    }
    if (cache->table->used >= cache->max) {
        ent = cache->oldest;
        rewrite_cache_unlink(cache, ent);
        htable_delete(cache->table, ent->key, rewrite_cache_entry_free);
    }
    ent = mymalloc(sizeof(*ent));
    ent->key = mystrdup(key);
    ent->result = mystrdup(result);
    htable_enter(cache->table, ent->key, ent);
    rewrite_cache_push(cache, ent);
}

/* rewrite_cache_size - entries held */
size_t
rewrite_cache_size(const REWRITE_CACHE *cache)
{
    return cache->table->used;
}

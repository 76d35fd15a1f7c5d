#ifndef REWRITE_CACHE_H
#define REWRITE_CACHE_H

/*
 * rewrite_cache - trivial-rewrite's cache of recent answers, bounded, the
 * least recently used entry evicted first.  See rewrite_cache.c.
 */
#include <stddef.h>

#define REWRITE_CACHE_DEF_MAX 1000

typedef struct REWRITE_CACHE REWRITE_CACHE;

extern REWRITE_CACHE *rewrite_cache_create(size_t max);
extern REWRITE_CACHE *rewrite_cache_free(REWRITE_CACHE *cache);
extern const char *rewrite_cache_find(REWRITE_CACHE *cache, const char *rule,
                                      const char *addr);
extern void rewrite_cache_enter(REWRITE_CACHE *cache, const char *rule,
                                const char *addr, const char *result);
extern size_t rewrite_cache_size(const REWRITE_CACHE *cache);

#endif

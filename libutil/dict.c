/*
 * dict - the lookup table framework.
 *
 * dict_open("type:name", ...) finds the driver registered for type and
 * returns a handle the caller owns (dict_close() releases it).
 * dict_open_shared() returns one handle per type:name, open flags and
 * dict flags per process, reference counted, so that a table named by
 * several parameters is opened once; dict_close() drops one reference.
 * Drivers register with dict_register() (the built-in ones are registered
 * by dict_builtin_init(), called on first use) and build their handle with
 * dict_alloc().  dict_surrogate() returns a handle whose every operation
 * fails with DICT_ERR_CONFIG: a daemon that cannot open a table keeps
 * running and defers, instead of exiting.
 *
 * Errors: open failures are returned (NULL, reason in err); a NULL or
 * closed handle passed in is a panic.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "dict.h"
#include "htable.h"
#include "msg.h"
#include "mymalloc.h"

static HTABLE *dict_types;  /* type name -> DICT_OPEN_FN holder */
static HTABLE *dict_shared; /* "type:name/flags" -> DICT */

typedef struct DICT_TYPE {
    DICT_OPEN_FN open_fn;
} DICT_TYPE;

/* Provided by dict_builtin.c: registers every driver of this build. */
extern void dict_builtin_init(void);

/* dict_types_init - register the built-in drivers once */
static void
dict_types_init(void)
{
    if (dict_types != NULL)
        return;
    dict_types = htable_create(31);
    dict_builtin_init();
}

/* dict_register - make a table type available; -1 if it exists */
int
dict_register(const char *type, DICT_OPEN_FN open_fn)
{
    DICT_TYPE *dt;

    /* The built-in types come first, even when a caller registers early. */
    dict_types_init();
    if (htable_find(dict_types, type) != NULL)
        return -1;
    dt = mymalloc(sizeof(*dt));
    dt->open_fn = open_fn;
    htable_enter(dict_types, type, dt);
    return 0;
}

/* dict_type_known - is this table type available in this build? */
int
dict_type_known(const char *type)
{
    dict_types_init();
    return htable_find(dict_types, type) != NULL;
}

/* dict_type_list - the available types, sorted, one per line */
void
dict_type_list(STRBUF *out)
{
    HTABLE_INFO **list;
    size_t i, j, n;
    HTABLE_INFO *tmp;

    dict_types_init();
    list = htable_list(dict_types);
    for (n = 0; list[n]; n++)
        /* count */;
    for (i = 1; i < n; i++)
        for (j = i; j > 0 && strcmp(list[j - 1]->key, list[j]->key) > 0; j--) {
            tmp = list[j];
            list[j] = list[j - 1];
            list[j - 1] = tmp;
        }
    for (i = 0; i < n; i++)
        strbuf_sprintf_cat(out, "%s\n", list[i]->key);
    myfree(list);
}

/* dict_alloc - a driver's handle with every method failing by default */
DICT *
dict_alloc(const char *type, const char *name, size_t size)
{
    DICT *d;

    if (size < sizeof(DICT))
        msg_panic("dict_alloc: %s:%s: size %zu too small", type, name, size);
    d = mycalloc(1, size);
    d->type = mystrdup(type);
    d->name = mystrdup(name);
    d->lock_fd = -1;
    d->refcount = 1;
    return d;
}

/* dict_free - release what dict_alloc() made */
void
dict_free(DICT *d)
{
    myfree(d->type);
    myfree(d->name);
    strbuf_free(d->fold_buf);
    myfree(d->shared_key);
    myfree(d);
}

/* dict_open3 - open table name of the given type */
DICT *
dict_open3(const char *type, const char *name, int open_flags, int dict_flags,
           STRBUF *err)
{
    DICT_TYPE *dt;
    DICT *d;

    dict_types_init();
    if ((dt = htable_find(dict_types, type)) == NULL) {
        strbuf_sprintf(err, "unsupported dictionary type: %s", type);
        return NULL;
    }
    if ((d = dt->open_fn(name, open_flags, dict_flags, err)) == NULL)
        return NULL;
    d->open_flags = open_flags;
    d->flags |= dict_flags;
    return d;
}

/* dict_open - open a table named "type:name" */
DICT *
dict_open(const char *type_name, int open_flags, int dict_flags, STRBUF *err)
{
    const char *colon = strchr(type_name, ':');
    char *type;
    DICT *d;

    if (colon == NULL || colon == type_name) {
        strbuf_sprintf(err, "need dictionary type:name, got \"%s\"", type_name);
        return NULL;
    }
    type = mystrndup(type_name, colon - type_name);
    d = dict_open3(type, colon + 1, open_flags, dict_flags, err);
    myfree(type);
    return d;
}

/* dict_open_shared - one handle per table, flags and process */
DICT *
dict_open_shared(const char *type_name, int open_flags, int dict_flags,
                 STRBUF *err)
{
    char key_flags[64];
    char *key;
    DICT *d;

    snprintf(key_flags, sizeof(key_flags), "/%x/%x", open_flags, dict_flags);
    key = mymalloc(strlen(type_name) + strlen(key_flags) + 1);
    strcpy(key, type_name);
    strcat(key, key_flags);
    if (dict_shared == NULL)
        dict_shared = htable_create(31);
    if ((d = htable_find(dict_shared, key)) != NULL) {
        d->refcount++;
        myfree(key);
        return d;
    }
    if ((d = dict_open(type_name, open_flags, dict_flags, err)) == NULL) {
        myfree(key);
        return NULL;
    }
    d->shared_key = key;
    htable_enter(dict_shared, key, d);
    return d;
}

/* dict_close - drop a reference; the last one closes the table */
void
dict_close(DICT *d)
{
    if (d == NULL || d->refcount <= 0)
        msg_panic("dict_close: bad handle");
    if (--d->refcount > 0)
        return;
    if (d->shared_key != NULL)
        htable_delete(dict_shared, d->shared_key, NULL);
    d->close(d);
}

/* dict_fold - the key to look up, lowercased when the flags ask */
const char *
dict_fold(DICT *d, const char *key)
{
    char *cp;

    if ((d->flags & DICT_FLAG_FIXED) ? !(d->flags & DICT_FLAG_FOLD_FIX)
                                     : !(d->flags & DICT_FLAG_FOLD_MUL))
        return key;
    if (d->fold_buf == NULL)
        d->fold_buf = strbuf_create(64);
    strbuf_strcpy(d->fold_buf, key);
    for (cp = STR(d->fold_buf); *cp; cp++)
        if (*cp >= 'A' && *cp <= 'Z')
            *cp += 'a' - 'A';
    return STR(d->fold_buf);
}

/* dict_get - look up key; see the header for results */
const char *
dict_get(DICT *d, const char *key)
{
    d->error = DICT_ERR_NONE;
    /* No table holds a key this long: not found, without a driver call. */
    if (strlen(key) > DICT_KEY_MAX)
        return NULL;
    return d->lookup(d, key);
}

/* dict_put - store key = value in a writable table */
int
dict_put(DICT *d, const char *key, const char *value)
{
    d->error = DICT_ERR_NONE;
    return d->update(d, key, value);
}

/* dict_del - remove key from a writable table */
int
dict_del(DICT *d, const char *key)
{
    d->error = DICT_ERR_NONE;
    return d->delete (d, key);
}

/* dict_seq - walk the table: DICT_SEQ_FIRST, then DICT_SEQ_NEXT */
int
dict_seq(DICT *d, int func, const char **key, const char **value)
{
    d->error = DICT_ERR_NONE;
    return d->sequence(d, func, key, value);
}

/* dict_readonly_update - the update method of a read-only table */
int
dict_readonly_update(DICT *d, const char *key, const char *value)
{
    (void) key;
    (void) value;
    msg_warn("%s:%s: table is read-only", d->type, d->name);
    d->error = DICT_ERR_CONFIG;
    return -1;
}

/* dict_readonly_delete - the delete method of a read-only table */
int
dict_readonly_delete(DICT *d, const char *key)
{
    return dict_readonly_update(d, key, NULL);
}

/* dict_noseq_sequence - the sequence method of a table with no walk */
int
dict_noseq_sequence(DICT *d, int func, const char **key, const char **value)
{
    (void) func;
    (void) key;
    (void) value;
    msg_warn("%s:%s: table cannot be walked", d->type, d->name);
    d->error = DICT_ERR_CONFIG;
    return -1;
}

/* Surrogate: every operation fails with a configuration error. */
typedef struct DICT_SURROGATE {
    DICT dict;
    char *reason;
} DICT_SURROGATE;

/* surrogate_fail - log why, once per operation, and fail */
static void
surrogate_fail(DICT *d)
{
    msg_warn("%s:%s is unavailable. %s", d->type, d->name,
             ((DICT_SURROGATE *) d)->reason);
    d->error = DICT_ERR_CONFIG;
}

static const char *
surrogate_lookup(DICT *d, const char *key)
{
    (void) key;
    surrogate_fail(d);
    return NULL;
}

static int
surrogate_update(DICT *d, const char *key, const char *value)
{
    (void) key;
    (void) value;
    surrogate_fail(d);
    return -1;
}

static int
surrogate_delete(DICT *d, const char *key)
{
    (void) key;
    surrogate_fail(d);
    return -1;
}

static int
surrogate_sequence(DICT *d, int func, const char **key, const char **value)
{
    (void) func;
    (void) key;
    (void) value;
    surrogate_fail(d);
    return -1;
}

static void
surrogate_close(DICT *d)
{
    myfree(((DICT_SURROGATE *) d)->reason);
    dict_free(d);
}

/* dict_surrogate - a handle that fails every operation, saying why */
DICT *
dict_surrogate(const char *type, const char *name, int open_flags,
               int dict_flags, const char *fmt, ...)
{
    DICT_SURROGATE *s;
    STRBUF *why = strbuf_create(100);
    va_list ap;

    va_start(ap, fmt);
    strbuf_vsprintf_cat(why, fmt, ap);
    va_end(ap);
    s = (DICT_SURROGATE *) dict_alloc(type, name, sizeof(*s));
    s->reason = strbuf_export(why);
    s->dict.lookup = surrogate_lookup;
    s->dict.update = surrogate_update;
    s->dict.delete = surrogate_delete;
    s->dict.sequence = surrogate_sequence;
    s->dict.close = surrogate_close;
    s->dict.open_flags = open_flags;
    s->dict.flags = dict_flags;
    return &s->dict;
}

/*
 * dict_static - two tables without storage.
 *
 * static:value answers value for every key (Postfix allows the value in
 * braces, "static:{ text with spaces }", which is unwrapped here).
 * fail:name fails every lookup with DICT_ERR_RETRY, so that a daemon
 * defers (Postfix uses it to test error handling).  Both are read-only:
 * updates and deletes fail with DICT_ERR_CONFIG.  Handles are owned by the
 * caller through dict_close().
 */
#include <string.h>

#include "dict_static.h"
#include "msg.h"
#include "mymalloc.h"

typedef struct DICT_STATIC {
    DICT dict;
    char *value;
} DICT_STATIC;

/* static_lookup - every key has the one value */
static const char *
static_lookup(DICT *d, const char *key)
{
    (void) key;
    return ((DICT_STATIC *) d)->value;
}

/* fail_lookup - every key fails, temporarily */
static const char *
fail_lookup(DICT *d, const char *key)
{
    (void) key;
    d->error = DICT_ERR_RETRY;
    return NULL;
}

/* nothing_sequence - there are no entries to walk */
static int
nothing_sequence(DICT *d, int func, const char **key, const char **value)
{
    (void) func;
    (void) key;
    (void) value;
    if (strcmp(d->type, "fail") == 0) {
        d->error = DICT_ERR_RETRY;
        return -1;
    }
    return 1;
}

/* static_close - release the value and the handle */
static void
static_close(DICT *d)
{
    myfree(((DICT_STATIC *) d)->value);
    dict_free(d);
}

/* unbrace - "{ text }" -> "text"; -1 on unbalanced braces */
static int
unbrace(const char *name, STRBUF *out)
{
    size_t len = strlen(name);

    if (name[0] != '{') {
        strbuf_strcpy(out, name);
        return 0;
    }
    if (len < 2 || name[len - 1] != '}')
        return -1;
    name++;
    len -= 2;
    while (len > 0 && (*name == ' ' || *name == '\t'))
        name++, len--;
    while (len > 0 && (name[len - 1] == ' ' || name[len - 1] == '\t'))
        len--;
    strbuf_memcpy(out, name, len);
    return 0;
}

/* make_handle - a DICT_STATIC with the given lookup method */
static DICT *
make_handle(const char *type, const char *name, const char *value,
            const char *(*lookup)(DICT *, const char *) )
{
    DICT_STATIC *ds;

    ds = (DICT_STATIC *) dict_alloc(type, name, sizeof(*ds));
    ds->value = mystrdup(value);
    ds->dict.lookup = lookup;
    ds->dict.update = dict_readonly_update;
    ds->dict.delete = dict_readonly_delete;
    ds->dict.sequence = nothing_sequence;
    ds->dict.close = static_close;
    ds->dict.flags = DICT_FLAG_FIXED;
    return &ds->dict;
}

/* dict_static_open - open static:value */
DICT *
dict_static_open(const char *name, int open_flags, int dict_flags, STRBUF *err)
{
    STRBUF *value = strbuf_create(64);
    DICT *d;

    (void) open_flags;
    (void) dict_flags;
    if (unbrace(name, value) < 0) {
        strbuf_sprintf(err, "static:%s: missing '}' at end of value", name);
        strbuf_free(value);
        return NULL;
    }
    d = make_handle("static", name, STR(value), static_lookup);
    strbuf_free(value);
    return d;
}

/* dict_fail_open - open fail:name */
DICT *
dict_fail_open(const char *name, int open_flags, int dict_flags, STRBUF *err)
{
    (void) open_flags;
    (void) dict_flags;
    (void) err;
    return make_handle("fail", name, "", fail_lookup);
}

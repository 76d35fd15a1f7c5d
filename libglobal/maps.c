/*
 * maps - a list of tables named by one parameter, searched in order.
 *
 * maps_create() splits a parameter value ("hash:/etc/a, regexp:/etc/b",
 * commas and/or white space; "inline:{ a=b, c=d }" stays one element) and
 * opens each table read-only with dict_open_shared(), adding
 * DICT_FLAG_FOLD_FIX to dict_flags: fixed-key tables are searched with the
 * key in lower case, as Postfix does for mail lookups.  A table that
 * cannot be opened is logged and replaced by a surrogate whose lookups
 * fail with DICT_ERR_CONFIG, so the daemon keeps running and defers mail;
 * only a list that cannot be split, or an element that is not "type:name",
 * makes maps_create() return NULL with a reason in err.  The MAPS belongs
 * to the caller: maps_free() closes the tables and returns NULL.
 *
 * maps_find() asks each table in turn and returns the first answer, owned
 * by that table and valid until its next lookup.  With flags != 0, only
 * tables that have one of those flags are asked (DICT_FLAG_FIXED: skip
 * pattern tables).  NULL with maps->error == DICT_ERR_NONE is "not found"
 * in any table; a table that fails stops the search at once (a later table
 * must not answer for it), logs a warning and returns NULL with
 * maps->error set to that table's error (DICT_ERR_RETRY or
 * DICT_ERR_CONFIG): the caller defers.  An empty key is never found.
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>

#include "argv.h"
#include "mail_conf.h"
#include "maps.h"
#include "msg.h"
#include "mymalloc.h"
#include "stringops.h"
#include "strlist.h"

/* How much of a failed key a warning quotes. */
#define MAPS_KEY_LOG_MAX 100

/* maps_open_one - open one "type:name", or a surrogate when that fails */
static DICT *
maps_open_one(const char *title, const char *type_name, int dict_flags)
{
    STRBUF *why = strbuf_create(100);
    char *type;
    DICT *d;

    if ((d = dict_open_shared(type_name, O_RDONLY, dict_flags, why)) == NULL) {
        msg_warn("%s: %s", title, STR(why));
        type = mystrndup(type_name, strcspn(type_name, ":"));
        d = dict_surrogate(type, type_name + strlen(type) + 1, O_RDONLY,
                           dict_flags, "%s", STR(why));
        /* Asked by every search, fixed or pattern, so that it fails it. */
        d->flags |= DICT_FLAG_FIXED | DICT_FLAG_PATTERN;
        myfree(type);
    }
    strbuf_free(why);
    return d;
}

/* maps_check_names - every element must be "type:name" */
static int
maps_check_names(const char *title, const ARGV *names, STRBUF *err)
{
    size_t i;
    const char *colon;

    for (i = 0; i < names->argc; i++) {
        colon = strchr(names->argv[i], ':');
        if (colon == NULL || colon == names->argv[i]) {
            strbuf_sprintf(err, "%s: need a table as type:name, got \"%s\"",
                           title, names->argv[i]);
            return -1;
        }
    }
    return 0;
}

/* maps_create - open the tables of a parameter value */
MAPS *
maps_create(const char *title, const char *map_names, int dict_flags,
            STRBUF *err)
{
    ARGV *names = argv_alloc(4);
    MAPS *maps;
    size_t i;

    if (strlist_split(map_names, STRLIST_SEP, 0, names, err) < 0 ||
        maps_check_names(title, names, err) < 0) {
        argv_free(names);
        return NULL;
    }
    maps = mycalloc(1, sizeof(*maps));
    maps->title = mystrdup(title);
    maps->count = names->argc;
    maps->dicts = mycalloc(names->argc + 1, sizeof(*maps->dicts));
    for (i = 0; i < names->argc; i++)
        maps->dicts[i] = maps_open_one(title, names->argv[i],
                                       dict_flags | DICT_FLAG_FOLD_FIX);
    maps->fold = strbuf_create(64);
    argv_free(names);
    return maps;
}

/* maps_key - the key as table d wants it: lowercase for fixed keys */
static const char *
maps_key(MAPS *maps, DICT *d, const char *key)
{
    if ((d->flags & DICT_FLAG_FIXED) && (d->flags & DICT_FLAG_FOLD_FIX))
        return STR(lowercase_copy(maps->fold, key, strlen(key)));
    return key;
}

/* maps_warn - log a failed lookup; the key may come from a peer */
static void
maps_warn(MAPS *maps, DICT *d, const char *key)
{
    STRBUF *safe =
        printable(strbuf_create(100), key, strlen(key), MAPS_KEY_LOG_MAX, '?');

    msg_warn("%s: %s:%s: lookup of \"%s\" failed", maps->title, d->type,
             d->name, STR(safe));
    strbuf_free(safe);
}

/* maps_find - the first table's answer for key */
const char *
maps_find(MAPS *maps, const char *key, int flags)
{
    const char *value;
    DICT *d;
    size_t i;

    maps->error = DICT_ERR_NONE;
    if (*key == 0)
        return NULL;
    for (i = 0; i < maps->count; i++) {
        d = maps->dicts[i];
        if (flags != 0 && (d->flags & flags) == 0)
            continue;
        if ((value = dict_get(d, maps_key(maps, d, key))) != NULL)
            return value;
        if (d->error != DICT_ERR_NONE) {
            maps_warn(maps, d, key);
            maps->error = d->error;
            return NULL;
        }
    }
    return NULL;
}

/* maps_free - close the tables; returns NULL */
MAPS *
maps_free(MAPS *maps)
{
    size_t i;

    if (maps == NULL)
        return NULL;
    for (i = 0; i < maps->count; i++)
        dict_close(maps->dicts[i]);
    myfree(maps->dicts);
    myfree(maps->title);
    strbuf_free(maps->fold);
    myfree(maps);
    return NULL;
}

/* param_fatal - free what we hold (no leak at exit), then die */
static void
param_fatal(const char *param, char *value, STRBUF *why)
{
    char reason[512];

    snprintf(reason, sizeof(reason), "%s", STR(why));
    myfree(value);
    strbuf_free(why);
    msg_fatal("parameter %s: %s", param, reason);
}

/* maps_param - the tables of a parameter, NULL when none; fatal if bad */
MAPS *
maps_param(const char *param, int dict_flags)
{
    char *value = mail_conf_str(param);
    STRBUF *why = strbuf_create(100);
    MAPS *maps = NULL;

    if (value[strspn(value, ", \t\r\n")] != 0 &&
        (maps = maps_create(param, value, dict_flags, why)) == NULL)
        param_fatal(param, value, why);
    if (maps != NULL && maps->count == 0)
        maps = maps_free(maps);
    myfree(value);
    strbuf_free(why);
    return maps;
}

#ifndef MAPS_H
#define MAPS_H

/*
 * maps - a list of tables named by one parameter ("hash:/etc/a,
 * regexp:/etc/b"), searched in order.  See maps.c.
 */
#include <stddef.h>

#include "dict.h"
#include "strbuf.h"

typedef struct MAPS {
    char *title;  /* the parameter, for messages: "virtual_alias_maps" */
    DICT **dicts; /* the tables, in search order */
    size_t count; /* tables */
    int error;    /* DICT_ERR_* of the last maps_find() */
    STRBUF *fold; /* private: the key in lower case */
} MAPS;

extern MAPS *maps_create(const char *title, const char *map_names,
                         int dict_flags, STRBUF *err);
extern const char *maps_find(MAPS *maps, const char *key, int flags);
extern MAPS *maps_free(MAPS *maps);

/*
 * maps_param - the tables a main.cf parameter names, or NULL when it
 * names none; a table that cannot be opened or a malformed name is fatal,
 * naming the parameter (daemons call it at start-up).
 */
extern MAPS *maps_param(const char *param, int dict_flags);

#endif

#ifndef TEST_REC_DICT_H
#define TEST_REC_DICT_H

/*
 * test_rec_dict - a recording test double for the table framework.
 *
 * rec:LABEL/key=value;key=value is a fixed-key table that answers those
 * keys exactly (no case folding of its own) and appends "LABEL:key|" to
 * rec_log for every lookup, so a suite can assert which keys were asked
 * of which table, in what order.  rec_register() makes the type known;
 * handles are released with dict_close().
 */
#include <check.h>
#include <string.h>

#include "argv.h"
#include "dict.h"
#include "mymalloc.h"

static STRBUF *rec_log;

typedef struct REC_DICT {
    DICT dict;
    char *label;
    ARGV *pairs; /* "key=value" */
} REC_DICT;

/* rec_lookup - log the key, answer it when listed */
static const char *
rec_lookup(DICT *d, const char *key)
{
    REC_DICT *rd = (REC_DICT *) d;
    size_t i, len = strlen(key);

    strbuf_sprintf_cat(rec_log, "%s:%s|", rd->label, key);
    for (i = 0; i < rd->pairs->argc; i++)
        if (strncmp(rd->pairs->argv[i], key, len) == 0 &&
            rd->pairs->argv[i][len] == '=')
            return rd->pairs->argv[i] + len + 1;
    return NULL;
}

/* rec_close - release the double */
static void
rec_close(DICT *d)
{
    REC_DICT *rd = (REC_DICT *) d;

    myfree(rd->label);
    argv_free(rd->pairs);
    dict_free(d);
}

/* rec_open - open rec:LABEL/key=value;... */
static DICT *
rec_open(const char *name, int open_flags, int dict_flags, STRBUF *err)
{
    const char *slash = strchr(name, '/');
    REC_DICT *rd;

    (void) open_flags;
    if (slash == NULL) {
        strbuf_sprintf(err, "rec:%s: need LABEL/pairs", name);
        return NULL;
    }
    rd = (REC_DICT *) dict_alloc("rec", name, sizeof(*rd));
    rd->label = mystrndup(name, (size_t) (slash - name));
    rd->pairs = argv_split(slash + 1, ";");
    rd->dict.flags = dict_flags | DICT_FLAG_FIXED;
    rd->dict.lookup = rec_lookup;
    rd->dict.close = rec_close;
    return &rd->dict;
}

/* rec_register - make rec: known and empty the log */
static void
rec_register(void)
{
    /*
     * dict.c registers its built-in types on first use unless a type was
     * registered before: use it first, or static: etc. would be missing.
     */
    (void) dict_type_known("static");
    (void) dict_register("rec", rec_open);
    if (rec_log == NULL)
        rec_log = strbuf_create(100);
    strbuf_reset(rec_log);
}

#endif

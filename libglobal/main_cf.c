/*
 * main_cf - read main.cf into a table of raw parameter values.
 *
 * The syntax is Postfix's (postconf(5)): logical lines (see lline) of the
 * form "name = value", white space around '=' and at the end ignored; the
 * last definition of a name wins.  Names are [A-Za-z0-9_-], not starting
 * with '-'.  Values are kept unexpanded: callers expand at use, with
 * mac_expand() and main_cf_lookup() (plus their own defaults).
 *
 * main_cf_read() and main_cf_parse() add to a table and return 0, or -1
 * with err set ("/x/main.cf, line 12: missing '=' after parameter name");
 * entries read before the error stay.  main_cf_set() enters one value,
 * main_cf_override() one "name=value" from -o (source "-o").
 * main_cf_find() returns an entry the table owns, or NULL.
 * main_cf_split() splits a setting into trimmed name and value.  Nothing
 * here is fatal except memory exhaustion.
 */
#include <string.h>

#include "argv.h"
#include "htable.h"
#include "lline.h"
#include "main_cf.h"
#include "mymalloc.h"
#include "strbuf.h"

/* is_blank - white space around names and values */
static int
is_blank(int ch)
{
    return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n' || ch == '\f' ||
           ch == '\v';
}

/* main_cf_entry_free - release one entry (HTABLE_FREE_FN) */
static void
main_cf_entry_free(void *ptr)
{
    MAIN_CF_ENTRY *ent = ptr;

    myfree(ent->name);
    myfree(ent->value);
    myfree(ent->source);
    myfree(ent);
}

/* main_cf_create - an empty table with the default limits */
MAIN_CF *
main_cf_create(void)
{
    MAIN_CF *cf = mymalloc(sizeof(*cf));

    cf->names = argv_alloc(64);
    cf->table = htable_create(128);
    cf->max_line = MAIN_CF_MAX_LINE;
    cf->max_entries = MAIN_CF_MAX_ENTRIES;
    return cf;
}

/* main_cf_free - release the table and its entries; returns NULL */
MAIN_CF *
main_cf_free(MAIN_CF *cf)
{
    if (cf != NULL) {
        argv_free(cf->names);
        htable_free(cf->table, main_cf_entry_free);
        myfree(cf);
    }
    return NULL;
}

/* main_cf_name_ok - is this a valid parameter name? */
int
main_cf_name_ok(const char *name, size_t len)
{
    size_t i;

    if (len == 0 || name[0] == '-')
        return 0;
    for (i = 0; i < len; i++) {
        if (!((name[i] >= 'a' && name[i] <= 'z') ||
              (name[i] >= 'A' && name[i] <= 'Z') ||
              (name[i] >= '0' && name[i] <= '9') || name[i] == '_' ||
              name[i] == '-'))
            return 0;
    }
    return 1;
}

/* main_cf_where - put "source, line N: " before the message in err */
static int
main_cf_where(STRBUF *err, const char *source, int line)
{
    char *text = mystrdup(STR(err));

    if (line > 0)
        strbuf_sprintf(err, "%s, line %d: %s", source, line, text);
    else
        strbuf_sprintf(err, "%s: %s", source, text);
    myfree(text);
    return -1;
}

/* trim - the span [start, end) without white space at either end */
static void
trim(const char **start, const char **end)
{
    while (*start < *end && is_blank(**start))
        (*start)++;
    while (*end > *start && is_blank((*end)[-1]))
        (*end)--;
}

/* main_cf_split - "name = value" into trimmed name and value */
int
main_cf_split(const char *setting, STRBUF *name, STRBUF *value, STRBUF *err)
{
    const char *eq = strchr(setting, '=');
    const char *start = setting, *end = eq;

    if (eq == NULL) {
        strbuf_strcpy(err, "missing '=' after parameter name");
        return -1;
    }
    trim(&start, &end);
    if (start == end) {
        strbuf_strcpy(err, "missing parameter name before '='");
        return -1;
    }
    if (!main_cf_name_ok(start, (size_t) (end - start))) {
        strbuf_sprintf(err, "bad parameter name \"%.*s\"", (int) (end - start),
                       start);
        return -1;
    }
    strbuf_memcpy(name, start, (size_t) (end - start));
    start = eq + 1;
    end = eq + strlen(eq);
    trim(&start, &end);
    strbuf_memcpy(value, start, (size_t) (end - start));
    return 0;
}

/* main_cf_set - define name, replacing any earlier value */
int
main_cf_set(MAIN_CF *cf, const char *name, const char *value,
            const char *source, int line, STRBUF *err)
{
    MAIN_CF_ENTRY *ent = htable_find(cf->table, name);

    if (!main_cf_name_ok(name, strlen(name))) {
        strbuf_sprintf(err, "bad parameter name \"%s\"", name);
        return main_cf_where(err, source, line);
    }
    if (ent == NULL && cf->names->argc >= cf->max_entries) {
        strbuf_sprintf(err, "too many parameters (limit %zu)", cf->max_entries);
        return main_cf_where(err, source, line);
    }
    if (ent == NULL) {
        ent = mymalloc(sizeof(*ent));
        ent->name = mystrdup(name);
        htable_enter(cf->table, name, ent);
        argv_add(cf->names, name);
    } else {
        myfree(ent->value);
        myfree(ent->source);
    }
    ent->value = mystrdup(value);
    ent->source = mystrdup(source);
    ent->line = line;
    return 0;
}

/* main_cf_setting - enter one "name = value" from source */
static int
main_cf_setting(MAIN_CF *cf, const char *setting, const char *source, int line,
                STRBUF *err)
{
    STRBUF *name = strbuf_create(64);
    STRBUF *value = strbuf_create(256);
    int ret;

    ret = main_cf_split(setting, name, value, err);
    if (ret < 0)
        main_cf_where(err, source, line);
    else
        ret = main_cf_set(cf, STR(name), STR(value), source, line, err);
    strbuf_free(name);
    strbuf_free(value);
    return ret;
}

/* main_cf_parse - add the definitions in len bytes of text from source */
int
main_cf_parse(MAIN_CF *cf, const char *source, const char *data, size_t len,
              STRBUF *err)
{
    LLINE *lp = lline_create(source, data, len, cf->max_line);
    STRBUF *line = strbuf_create(256);
    int lineno, ret;

    while ((ret = lline_next(lp, line, &lineno, err)) > 0)
        if ((ret = main_cf_setting(cf, STR(line), source, lineno, err)) < 0)
            break;
    lline_free(lp);
    strbuf_free(line);
    return ret;
}

/* main_cf_read - add the definitions in a main.cf file */
int
main_cf_read(MAIN_CF *cf, const char *path, STRBUF *err)
{
    STRBUF *data = strbuf_create(8192);
    int ret;

    ret = lline_load(path, MAIN_CF_MAX_FILE, data, err);
    if (ret == 0)
        ret = main_cf_parse(cf, path, STR(data), LEN(data), err);
    strbuf_free(data);
    return ret;
}

/* main_cf_override - apply one -o name=value on top (source "-o") */
int
main_cf_override(MAIN_CF *cf, const char *setting, STRBUF *err)
{
    STRBUF *name = strbuf_create(64);
    STRBUF *value = strbuf_create(256);
    STRBUF *where;
    int ret;

    if ((ret = main_cf_split(setting, name, value, err)) < 0) {
        where = strbuf_create(64);
        strbuf_sprintf(where, "%s \"%s\"", MAIN_CF_SOURCE_OVERRIDE, setting);
        main_cf_where(err, STR(where), 0);
        strbuf_free(where);
    } else {
        ret = main_cf_set(cf, STR(name), STR(value), MAIN_CF_SOURCE_OVERRIDE, 0,
                          err);
    }
    strbuf_free(name);
    strbuf_free(value);
    return ret;
}

/* main_cf_overrides - apply a list of -o settings (master.cf) in order */
int
main_cf_overrides(MAIN_CF *cf, const ARGV *settings, STRBUF *err)
{
    size_t i;

    for (i = 0; i < settings->argc; i++)
        if (main_cf_override(cf, settings->argv[i], err) < 0)
            return -1;
    return 0;
}

/* main_cf_find - the entry for name, or NULL */
const MAIN_CF_ENTRY *
main_cf_find(const MAIN_CF *cf, const char *name)
{
    return htable_find(cf->table, name);
}

/* main_cf_lookup - raw value or NULL, as a MAC_EXPAND_LOOKUP_FN (ctx: cf) */
const char *
main_cf_lookup(const char *name, void *ctx)
{
    const MAIN_CF_ENTRY *ent = main_cf_find(ctx, name);

    return ent != NULL ? ent->value : NULL;
}

#ifndef MAIN_CF_H
#define MAIN_CF_H

/*
 * main_cf - the parameters of main.cf, as written (unexpanded), with
 * where each was defined, plus -o overrides on top.
 *
 * main_cf_create() returns a table the caller owns; main_cf_free()
 * releases it and returns NULL.  Entries and their strings belong to the
 * table.  Errors name the file and line and are returned, never fatal.
 */
#include <stddef.h>

#include "argv.h"
#include "htable.h"
#include "strbuf.h"

/* Default limits; a table's own may be lowered (tests). */
#define MAIN_CF_MAX_LINE    (1024 * 1024)      /* logical line */
#define MAIN_CF_MAX_ENTRIES 10000              /* distinct names */
#define MAIN_CF_MAX_FILE    (16 * 1024 * 1024) /* main.cf size */

/* The source of a -o override (master.cf, command line). */
#define MAIN_CF_SOURCE_OVERRIDE "-o"

typedef struct MAIN_CF_ENTRY {
    char *name;   /* parameter name */
    char *value;  /* raw value, unexpanded */
    char *source; /* file name, or "-o" */
    int line;     /* line of the (last) definition; 0 for -o */
} MAIN_CF_ENTRY;

typedef struct MAIN_CF {
    ARGV *names;        /* names, in order of first definition */
    HTABLE *table;      /* name -> MAIN_CF_ENTRY */
    size_t max_line;    /* longest logical line */
    size_t max_entries; /* most distinct names */
} MAIN_CF;

extern MAIN_CF *main_cf_create(void);
extern MAIN_CF *main_cf_free(MAIN_CF *cf);
extern int main_cf_read(MAIN_CF *cf, const char *path, STRBUF *err);
extern int main_cf_parse(MAIN_CF *cf, const char *source, const char *data,
                         size_t len, STRBUF *err);
extern int main_cf_set(MAIN_CF *cf, const char *name, const char *value,
                       const char *source, int line, STRBUF *err);
extern int main_cf_override(MAIN_CF *cf, const char *setting, STRBUF *err);
extern int main_cf_overrides(MAIN_CF *cf, const ARGV *settings, STRBUF *err);
extern const MAIN_CF_ENTRY *main_cf_find(const MAIN_CF *cf, const char *name);
extern const char *main_cf_lookup(const char *name, void *ctx);
extern int main_cf_name_ok(const char *name, size_t len);
extern int main_cf_split(const char *setting, STRBUF *name, STRBUF *value,
                         STRBUF *err);

#endif

#ifndef MKMAP_H
#define MKMAP_H

/*
 * mkmap - build hash: and btree: tables atomically, or change them in
 * place, under a lock: what `postern map` (postmap) and `postern alias`
 * (postalias) call.
 *
 * mkmap_open() returns a session the caller owns and releases with
 * mkmap_free(), which returns NULL.  Failures return NULL or -1 with the
 * reason in err.
 */
#include "argv.h"
#include "atomic_file.h"
#include "dict.h"
#include "dict_source.h"
#include "strbuf.h"

/* Modes of mkmap_open(). */
#define MKMAP_REBUILD 0 /* a new table replaces the old one at commit */
#define MKMAP_UPDATE  1 /* change the existing table (postmap -i, -d) */

/* Longest wait for another build of the same table, in milliseconds. */
#define MKMAP_LOCK_WAIT_MS 60000

/* What the lock file beside the database adds to its name. */
#define MKMAP_LOCK_SUFFIX ".lock"

typedef struct MKMAP {
    char *type;      /* "hash" */
    char *name;      /* "/etc/postern/virtual" */
    char *db_path;   /* "/etc/postern/virtual.db" */
    int mode;        /* MKMAP_REBUILD or MKMAP_UPDATE */
    int dict_flags;  /* as given to mkmap_open() */
    int lock_fd;     /* the lock file, locked; -1 once released */
    ATOMIC_FILE *af; /* rebuild: the new file until commit */
    DICT *dict;      /* rebuild: the new table; update: the old one */
    ARGV *ops;       /* update: changes waiting for the commit */
    int done;        /* committed or aborted */
    /* Counts, for the caller's report. */
    long added;      /* entries stored */
    long duplicates; /* entries not stored: the key was there */
    long deleted;    /* keys deleted */
    long missing;    /* keys to delete that were not there */
} MKMAP;

extern MKMAP *mkmap_open(const char *type, const char *name, int mode,
                         int dict_flags, STRBUF *err);
extern int mkmap_append(MKMAP *m, const char *key, const char *value,
                        STRBUF *err);
extern int mkmap_delete(MKMAP *m, const char *key, STRBUF *err);
extern int mkmap_load(MKMAP *m, DICT_SOURCE *src, STRBUF *err);
extern int mkmap_commit(MKMAP *m, STRBUF *err);
extern int mkmap_abort(MKMAP *m);
extern MKMAP *mkmap_free(MKMAP *m);

/* Convenience: rebuild type:name from the source file name. */
extern int mkmap_build(const char *type, const char *name, int dict_flags,
                       STRBUF *err);

#endif

#ifndef DICT_H
#define DICT_H

/*
 * dict - the lookup table framework: `type:name` tables behind one
 * interface (Postfix's table types and semantics).
 *
 * A driver fills in a DICT (see dict_alloc()) with its methods.  Callers
 * open a table with dict_open() (a private handle) or dict_open_shared()
 * (one handle per type:name and flags per process, reference counted), and
 * call dict_get(), dict_put(), dict_del(), dict_seq() and dict_close().
 *
 * Results: dict_get() returns the value, owned by the table and valid until
 * the next operation on it, or NULL.  NULL with d->error == DICT_ERR_NONE
 * means "not found"; DICT_ERR_RETRY means a temporary failure (the caller
 * defers), DICT_ERR_CONFIG a configuration error.  Updates return 0, 1 for
 * "not found" (del) or "duplicate, kept" (put with DICT_FLAG_DUP_IGNORE), and
 * -1 on error with d->error set.  dict_seq() returns 0 (an entry), 1 (no
 * more), -1 (error).  Open failures return NULL and say why in err.
 */
#include <stddef.h>

#include "strbuf.h"

/* Dictionary flags, given at open. */
#define DICT_FLAG_NONE        0
#define DICT_FLAG_DUP_WARN    (1 << 0)  /* duplicate key: warn, keep first */
#define DICT_FLAG_DUP_IGNORE  (1 << 1)  /* duplicate key: keep first quietly */
#define DICT_FLAG_DUP_REPLACE (1 << 2)  /* duplicate key: replace */
#define DICT_FLAG_TRY0NULL    (1 << 3)  /* db keys/values: without the NUL */
#define DICT_FLAG_TRY1NULL    (1 << 4)  /* db keys/values: with the NUL */
#define DICT_FLAG_FIXED       (1 << 5)  /* set by driver: exact-match keys */
#define DICT_FLAG_PATTERN     (1 << 6)  /* set by driver: regexp-like keys */
#define DICT_FLAG_LOCK        (1 << 7)  /* lock around each access */
#define DICT_FLAG_FOLD_FIX    (1 << 8)  /* lowercase keys of fixed tables */
#define DICT_FLAG_FOLD_MUL    (1 << 9)  /* lowercase keys of pattern tables */
#define DICT_FLAG_NO_REGSUB   (1 << 10) /* regexp: no $number substitution */
#define DICT_FLAG_UTF8        (1 << 11) /* keys and values are UTF-8 */
#define DICT_FLAG_PARANOID    (1 << 12) /* refuse keys with odd characters */
#define DICT_FLAG_BULK_UPDATE (1 << 13) /* a build: exclusive, one lock */
#define DICT_FLAG_SYNC_UPDATE (1 << 14) /* write each change to the file */
#define DICT_FLAG_FOLD_ANY    (DICT_FLAG_FOLD_FIX | DICT_FLAG_FOLD_MUL)

/* What went wrong with the last operation. */
#define DICT_ERR_NONE   0
#define DICT_ERR_RETRY  (-1) /* temporary: try again later */
#define DICT_ERR_CONFIG (-2) /* configuration error */

/* dict_seq() functions. */
#define DICT_SEQ_FIRST 0
#define DICT_SEQ_NEXT  1

/* Bounds every driver enforces on what it reads. */
#define DICT_KEY_MAX   4096   /* bytes in a key */
#define DICT_VALUE_MAX 100000 /* bytes in a value or source line */

typedef struct DICT DICT;

struct DICT {
    char *type;     /* "hash" */
    char *name;     /* "/etc/postern/virtual" */
    int flags;      /* DICT_FLAG_* */
    int open_flags; /* O_RDONLY, O_RDWR|O_CREAT|O_TRUNC, ... */
    int error;      /* DICT_ERR_* of the last operation */
    const char *(*lookup)(DICT *d, const char *key);
    int (*update)(DICT *d, const char *key, const char *value);
    int (*delete)(DICT *d, const char *key);
    int (*sequence)(DICT *d, int func, const char **key, const char **val);
    void (*close)(DICT *d); /* release driver state, then dict_free() */
    int lock_fd;            /* for DICT_FLAG_LOCK, -1 if none */
    STRBUF *fold_buf;       /* lowercase key, when folding */
    int refcount;           /* shared handles: private */
    char *shared_key;       /* shared handles: private */
};

/* A driver's open function. */
typedef DICT *(*DICT_OPEN_FN)(const char *name, int open_flags, int dict_flags,
                              STRBUF *err);

/* Opening and closing. */
extern DICT *dict_open(const char *type_name, int open_flags, int dict_flags,
                       STRBUF *err);
extern DICT *dict_open3(const char *type, const char *name, int open_flags,
                        int dict_flags, STRBUF *err);
extern DICT *dict_open_shared(const char *type_name, int open_flags,
                              int dict_flags, STRBUF *err);
extern void dict_close(DICT *d);
extern int dict_register(const char *type, DICT_OPEN_FN open_fn);
extern int dict_type_known(const char *type);
extern void dict_type_list(STRBUF *out);

/* For drivers: allocate a DICT of at least size bytes with defaults. */
extern DICT *dict_alloc(const char *type, const char *name, size_t size);
extern void dict_free(DICT *d);
extern DICT *dict_surrogate(const char *type, const char *name, int open_flags,
                            int dict_flags, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

/* For drivers: methods of read-only tables and tables with no walk. */
extern int dict_readonly_update(DICT *d, const char *key, const char *value);
extern int dict_readonly_delete(DICT *d, const char *key);
extern int dict_noseq_sequence(DICT *d, int func, const char **key,
                               const char **value);

/* Operations. */
extern const char *dict_get(DICT *d, const char *key);
extern int dict_put(DICT *d, const char *key, const char *value);
extern int dict_del(DICT *d, const char *key);
extern int dict_seq(DICT *d, int func, const char **key, const char **value);

/* For drivers: the lookup key after folding per the flags. */
extern const char *dict_fold(DICT *d, const char *key);

#endif

/*
 * dict_thash - texthash: tables, postmap(1) source files read into memory.
 *
 * dict_thash_open("/etc/postern/virtual", ...) reads the whole file at
 * open, with the syntax of dict_source (the source of hash: tables), into
 * an in-memory table (dict_mem): nothing needs to be built, and the table
 * answers as hash:/etc/postern/virtual would after `postern map`.  Keys
 * are folded per DICT_FLAG_FOLD_FIX.  Of two entries with the same key the
 * first wins, with a warning naming the file and line, as postmap does;
 * DICT_FLAG_DUP_IGNORE drops the warning, DICT_FLAG_DUP_REPLACE makes the
 * last one win.  The file is read once: a daemon sees a changed file
 * when it restarts.  The table is read-only: it must be opened O_RDONLY.
 *
 * The handle is the caller's, released with dict_close().  An unreadable
 * file or a malformed line fails the open: NULL, with "open PATH: reason"
 * or "PATH, line N: reason" in err.  Memory exhaustion is fatal.
 */
#include <fcntl.h>

#include "dict_mem.h"
#include "dict_source.h"
#include "dict_thash.h"
#include "msg.h"

/* thash_load - every entry of the source into the table; 0 or -1 */
static int
thash_load(DICT *d, DICT_SOURCE *src, STRBUF *err)
{
    const char *key;
    const char *value;
    int status;

    while ((status = dict_source_next(src, &key, &value, err)) == 0) {
        if (dict_mem_add(d, key, value) == 1 &&
            !(d->flags & (DICT_FLAG_DUP_IGNORE | DICT_FLAG_DUP_REPLACE)))
            msg_warn("%s, line %d: duplicate entry: \"%s\"", d->name,
                     DICT_SOURCE_LINE(src), dict_fold(d, key));
    }
    return status < 0 ? -1 : 0;
}

/* dict_thash_open - read the file name into a texthash: table */
DICT *
dict_thash_open(const char *name, int open_flags, int dict_flags, STRBUF *err)
{
    DICT_SOURCE *src;
    DICT *d;

    if ((open_flags & O_ACCMODE) != O_RDONLY) {
        strbuf_sprintf(err, "texthash:%s: table is read-only", name);
        return NULL;
    }
    if ((src = dict_source_open(name, err)) == NULL)
        return NULL;
    d = dict_mem_create("texthash", name, dict_flags);
    if (thash_load(d, src, err) < 0) {
        dict_close(d);
        d = NULL;
    }
    dict_source_close(src);
    return d;
}

/*
 * dict_inline - inline: tables, written where the table is named.
 *
 * inline:{ key=value, { key = text with spaces }, ... } (Postfix 3.0).  The
 * list inside the outer braces is split at commas and white space, except
 * inside a {braced group} or a "quoted string" (strlist_split()); an
 * element that is wholly a group loses its braces, so that its value may
 * hold spaces and commas.  Each element is key=value, split at the first
 * '=', with the white space around key and value removed.  Keys are
 * folded per DICT_FLAG_FOLD_FIX; of two entries with the same key the
 * last wins, as in Postfix.  The table is read-only (O_RDONLY).
 *
 * The handle is the caller's, released with dict_close().  Syntax errors
 * fail the open: NULL, with "inline:NAME: reason" in err.  Reasons: no
 * outer braces, unbalanced braces or quotes, text after the closing
 * brace, an empty table, an element without '=', an empty key or value,
 * an element with text after its closing brace, a key longer than
 * DICT_KEY_MAX.  Memory exhaustion is fatal.
 */
#include <fcntl.h>
#include <string.h>

#include "argv.h"
#include "dict_inline.h"
#include "dict_mem.h"
#include "mymalloc.h"
#include "stringops.h"
#include "strlist.h"

/* What every syntax error ends with. */
#define INLINE_SYNTAX "need \"inline:{name=value...}\""

/* inline_entry - split "key = value" in place; 0, or -1 with a reason */
static int
inline_entry(char *elem, char **key, char **value, STRBUF *why)
{
    char *rest;

    /* A group that stayed braced has text after its '}'. */
    if (*elem == '{') {
        strbuf_sprintf(why, "syntax error after '}' in \"%s\"", elem);
        return -1;
    }
    if ((rest = split_at(elem, '=')) == NULL) {
        strbuf_sprintf(why, "missing '=' after key in \"%s\"", elem);
        return -1;
    }
    *key = trim_blanks(elem);
    *value = trim_blanks(rest);
    if (**key == 0 || **value == 0) {
        strbuf_sprintf(why, "empty %s in \"%s=%s\"", **key ? "value" : "key",
                       *key, *value);
        return -1;
    }
    if (strlen(*key) > DICT_KEY_MAX) {
        strbuf_sprintf(why, "key longer than %d bytes", DICT_KEY_MAX);
        return -1;
    }
    return 0;
}

/* inline_split - the elements inside the outer braces; 0 or -1 */
static int
inline_split(const char *name, ARGV *elems, STRBUF *why)
{
    char *buf = mystrdup(name);
    char *body = buf;
    int status = -1;

    if (*trim_blanks(buf) != '{')
        strbuf_sprintf(why, "missing '{'; %s", INLINE_SYNTAX);
    else if (strlist_unbrace(&body, why) < 0 ||
             strlist_split(body, STRLIST_SEP, STRLIST_STRIP_BRACES, elems,
                           why) < 0)
        strbuf_sprintf_cat(why, "; %s", INLINE_SYNTAX);
    else if (elems->argc == 0)
        strbuf_sprintf(why, "empty table; %s", INLINE_SYNTAX);
    else
        status = 0;
    myfree(buf);
    return status;
}

/* inline_fill - add every element to the table; 0 or -1 */
static int
inline_fill(DICT *d, ARGV *elems, STRBUF *why)
{
    char *key;
    char *value;
    size_t i;

    for (i = 0; i < elems->argc; i++) {
        if (inline_entry(elems->argv[i], &key, &value, why) < 0)
            return -1;
        (void) dict_mem_add(d, key, value);
    }
    return 0;
}

/* dict_inline_open - parse inline:{...} into a table */
DICT *
dict_inline_open(const char *name, int open_flags, int dict_flags, STRBUF *err)
{
    ARGV *elems = argv_alloc(8);
    STRBUF *why = strbuf_create(100);
    DICT *d = NULL;

    if ((open_flags & O_ACCMODE) != O_RDONLY) {
        strbuf_strcpy(why, "table is read-only");
    } else if (inline_split(name, elems, why) == 0) {
        d = dict_mem_create("inline", name, dict_flags | DICT_FLAG_DUP_REPLACE);
        if (inline_fill(d, elems, why) < 0) {
            dict_close(d);
            d = NULL;
        }
    }
    if (d == NULL)
        strbuf_sprintf(err, "inline:%s: %s", name, STR(why));
    argv_free(elems);
    strbuf_free(why);
    return d;
}

/*
 * alias_source - parse aliases(5) files and build alias databases.
 *
 * alias_source_split() takes one logical line (continuations already
 * joined) and yields the alias name and its value: `name: value`, where
 * the name may be "quoted" (the quotes are removed, as Postfix's postalias
 * does) and the value is the rest of the line, trimmed.  It returns 0, or
 * -1 with a reason for a line without "name:" or with an empty value.  It
 * is pure: no I/O, bounded by its input.
 *
 * alias_source_build() rebuilds type:path (hash or btree) from the file
 * path through mkmap: keys are folded to lower case unless dict_flags
 * says otherwise, the first of duplicate names wins (with a warning), and
 * an "@" -> "@" entry marks the database complete as sendmail's readers
 * expect.  Unlike Postfix, which skips a malformed line with a warning, a
 * malformed line fails the build with file and line, and the old database
 * stays in place.  Returns 0, or -1 with the reason in err.
 */
#include <string.h>

#include "alias_source.h"
#include "dict.h"
#include "lline.h"
#include "mkmap.h"
#include "msg.h"

/* Largest aliases file read, and longest logical line. */
#define ALIAS_SOURCE_MAX_FILE (256 * 1024 * 1024)

/* blank - white space within a line */
static int
blank(int ch)
{
    return ch == ' ' || ch == '\t';
}

/* split_name - the name before ':'; returns the offset after ':' or -1 */
static long
split_name(const char *line, size_t len, STRBUF *name, STRBUF *why)
{
    size_t i = 0, end;

    if (len > 0 && line[0] == '"') {
        for (i = 1; i < len && line[i] != '"'; i++)
            /* void */;
        if (i >= len) {
            strbuf_strcpy(why, "missing '\"' at end of alias name");
            return -1;
        }
        strbuf_memcpy(name, line + 1, i - 1);
        for (i++; i < len && blank(line[i]); i++)
            /* void */;
    } else {
        for (i = 0; i < len && line[i] != ':'; i++)
            /* void */;
        for (end = i; end > 0 && blank(line[end - 1]); end--)
            /* void */;
        strbuf_memcpy(name, line, end);
    }
    if (i >= len || line[i] != ':' || LEN(name) == 0) {
        strbuf_strcpy(why, "need name:value pair");
        return -1;
    }
    return (long) i + 1;
}

/* alias_source_split - one aliases(5) entry into name and value */
int
alias_source_split(const char *line, size_t len, STRBUF *name, STRBUF *value,
                   STRBUF *why)
{
    long start = split_name(line, len, name, why);
    size_t i, end;

    if (start < 0)
        return -1;
    for (i = (size_t) start; i < len && blank(line[i]); i++)
        /* void */;
    for (end = len; end > i && blank(line[end - 1]); end--)
        /* void */;
    if (end == i) {
        strbuf_strcpy(why, "need name:value pair");
        return -1;
    }
    strbuf_memcpy(value, line + i, end - i);
    return 0;
}

/* load_entries - feed every entry of the file into the builder */
static int
load_entries(MKMAP *m, const char *path, const char *data, size_t len,
             STRBUF *err)
{
    LLINE *lp = lline_create(path, data, len, DICT_VALUE_MAX);
    STRBUF *line = strbuf_create(100);
    STRBUF *name = strbuf_create(32);
    STRBUF *value = strbuf_create(100);
    STRBUF *why = strbuf_create(50);
    int lineno, ret;

    while ((ret = lline_next(lp, line, &lineno, err)) > 0) {
        if (alias_source_split(STR(line), LEN(line), name, value, why) < 0) {
            strbuf_sprintf(err, "%s, line %d: %s", path, lineno, STR(why));
            ret = -1;
            break;
        }
        if (LEN(name) > DICT_KEY_MAX) {
            strbuf_sprintf(err,
                           "%s, line %d: alias name longer than %d "
                           "bytes",
                           path, lineno, DICT_KEY_MAX);
            ret = -1;
            break;
        }
        if ((ret = mkmap_append(m, STR(name), STR(value), err)) < 0)
            break;
    }
    lline_free(lp);
    strbuf_free(line);
    strbuf_free(name);
    strbuf_free(value);
    strbuf_free(why);
    return ret < 0 ? -1 : 0;
}

/* alias_source_build - rebuild the alias database of an aliases file */
int
alias_source_build(const char *type, const char *path, int dict_flags,
                   STRBUF *err)
{
    STRBUF *data = strbuf_create(4096);
    MKMAP *m;
    int ret = -1;

    if (lline_load(path, ALIAS_SOURCE_MAX_FILE, data, err) < 0) {
        strbuf_free(data);
        return -1;
    }
    if ((m = mkmap_open(type, path, MKMAP_REBUILD,
                        dict_flags | DICT_FLAG_DUP_WARN, err)) != NULL) {
        if (load_entries(m, path, STR(data), LEN(data), err) == 0 &&
            mkmap_append(m, "@", "@", err) >= 0 && mkmap_commit(m, err) == 0)
            ret = 0;
        else
            mkmap_abort(m);
        mkmap_free(m);
    }
    strbuf_free(data);
    return ret;
}

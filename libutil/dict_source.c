/*
 * dict_source - the source file format of hash:, btree: and texthash:.
 *
 * The format is postmap(1)'s, as Postfix 3.7 reads it:
 *
 *   - A logical line is "key whitespace value".  The key ends at the first
 *     white space; the value is the rest, with the white space around it
 *     removed (a CR before the newline is white space too).  Nothing is
 *     quoted: '"' and '#' inside a line are ordinary bytes.
 *   - A physical line that starts with white space continues the logical
 *     line before it; it is appended as it is, leading white space
 *     included, without the newline ("a" + "  b" gives "a  b"; lline,
 *     main.cf's reader, would join them with one space instead).
 *   - A line that is empty, only white space, or whose first non-blank
 *     byte is '#' is ignored, and does not end the logical line around it.
 *
 * Where Postfix warns and skips a line (a key without a value: "expected
 * format: key whitespace value"; a first logical line that starts with
 * white space), this reader fails, so that a build never silently drops
 * an entry.  It fails too on a physical or logical line longer than
 * DICT_VALUE_MAX, a key longer than DICT_KEY_MAX, and a NUL byte.  Reasons
 * have the shape "FILE, line N: what".  Case folding and duplicate keys
 * are the table's business (postmap lowercases keys unless -f; the first
 * entry wins).
 *
 * dict_source_open(path, err) opens a file; dict_source_fopen(fp, label)
 * reads a stream the caller keeps (stdin, say).  dict_source_next(src,
 * &key, &value, err) returns 0 with the next entry, 1 at the end, -1 on
 * an error.  An error drops the logical line being assembled; the reader
 * may be asked for the next entry after it.  The key and value belong to
 * the reader, until the next call.  DICT_SOURCE_LINE(src) is the line
 * where the last entry began.  dict_source_split() is the pure part: one
 * logical line, given as pointer and length, into key and value.
 *
 * Nothing here is fatal but memory exhaustion (mymalloc).
 */
#include <errno.h>
#include <stdarg.h>
#include <string.h>

#include "dict.h"
#include "dict_source.h"
#include "msg.h"
#include "mymalloc.h"
#include "stringops.h"

/* What the reader reports when a line has no value. */
#define DICT_SOURCE_FORMAT "expected format: key whitespace value"

static int source_error(DICT_SOURCE *src, int line, STRBUF *err,
                        const char *fmt, ...) MSG_ATTR(4, 5);

/* source_space - white space as postmap sees it, whatever the locale */
static int
source_space(int ch)
{
    return ch == ' ' || (ch >= '\t' && ch <= '\r');
}

/* source_error - "FILE, line N: what" into err; returns -1 */
static int
source_error(DICT_SOURCE *src, int line, STRBUF *err, const char *fmt, ...)
{
    va_list ap;

    strbuf_sprintf(err, "%s, line %d: ", src->label, line);
    va_start(ap, fmt);
    strbuf_vsprintf_cat(err, fmt, ap);
    va_end(ap);
    return -1;
}

/* source_create - a reader of fp */
static DICT_SOURCE *
source_create(FILE *fp, int own_fp, const char *label)
{
    DICT_SOURCE *src = mycalloc(1, sizeof(*src));

    src->fp = fp;
    src->own_fp = own_fp;
    src->label = mystrdup(label);
    src->phys = strbuf_create(256);
    src->logical = strbuf_create(256);
    src->key = strbuf_create(64);
    src->value = strbuf_create(256);
    return src;
}

/* dict_source_open - a reader of the file at path */
DICT_SOURCE *
dict_source_open(const char *path, STRBUF *err)
{
    FILE *fp;

    if ((fp = fopen(path, "re")) == NULL) {
        strbuf_sprintf(err, "open %s: %s", path, strerror(errno));
        return NULL;
    }
    return source_create(fp, 1, path);
}

/* dict_source_fopen - a reader of a stream the caller keeps */
DICT_SOURCE *
dict_source_fopen(FILE *fp, const char *label)
{
    return source_create(fp, 0, label);
}

/* dict_source_close - release the reader; returns NULL */
DICT_SOURCE *
dict_source_close(DICT_SOURCE *src)
{
    if (src == NULL)
        return NULL;
    if (src->own_fp)
        (void) fclose(src->fp);
    myfree(src->label);
    strbuf_free(src->phys);
    strbuf_free(src->logical);
    strbuf_free(src->key);
    strbuf_free(src->value);
    myfree(src);
    return NULL;
}

/* read_phys - the next physical line into src->phys; 0, 1 at EOF, -1 */
static int
read_phys(DICT_SOURCE *src, STRBUF *err)
{
    int ch;
    int too_long = 0;

    strbuf_reset(src->phys);
    if ((ch = getc_unlocked(src->fp)) == EOF)
        return ferror(src->fp) ? source_error(src, src->lineno + 1, err,
                                              "read: %s", strerror(errno))
                               : 1;
    src->lineno++;
    /* Past the limit, the rest of the line is read but not kept. */
    for (; ch != EOF && ch != '\n'; ch = getc_unlocked(src->fp)) {
        if (LEN(src->phys) < DICT_VALUE_MAX)
            strbuf_addch(src->phys, ch);
        else
            too_long = 1;
    }
    if (ferror(src->fp))
        return source_error(src, src->lineno, err, "read: %s", strerror(errno));
    if (too_long)
        return source_error(src, src->lineno, err, "line longer than %d bytes",
                            DICT_VALUE_MAX);
    return 0;
}

/* ignored_line - blank, or a comment */
static int
ignored_line(const STRBUF *line)
{
    const char *cp = STR(line);

    while (source_space((unsigned char) *cp))
        cp++;
    return *cp == 0 || *cp == '#';
}

/* add_continuation - append the pending physical line to the logical one */
static int
add_continuation(DICT_SOURCE *src, STRBUF *err)
{
    src->pending = 0;
    if (LEN(src->logical) == 0)
        return source_error(src, src->lineno, err,
                            "logical line must not start with white space");
    if (LEN(src->logical) + LEN(src->phys) > DICT_VALUE_MAX) {
        strbuf_reset(src->logical);
        return source_error(src, src->entry_line, err,
                            "logical line longer than %d bytes",
                            DICT_VALUE_MAX);
    }
    strbuf_memcat(src->logical, STR(src->phys), LEN(src->phys));
    return 0;
}

/* next_logical - assemble the next logical line; 0, 1 at EOF, -1 */
static int
next_logical(DICT_SOURCE *src, STRBUF *err)
{
    int status;

    strbuf_reset(src->logical);
    for (;;) {
        if (!src->pending) {
            if ((status = read_phys(src, err)) != 0)
                return status > 0 && LEN(src->logical) > 0 ? 0 : status;
            src->pending = 1;
        }
        if (ignored_line(src->phys)) {
            src->pending = 0;
        } else if (source_space((unsigned char) *STR(src->phys))) {
            if (add_continuation(src, err) < 0)
                return -1;
        } else if (LEN(src->logical) > 0) {
            return 0;
        } else {
            strbuf_memcpy(src->logical, STR(src->phys), LEN(src->phys));
            src->entry_line = src->lineno;
            src->pending = 0;
        }
    }
}

/* dict_source_next - the next entry; 0, 1 at the end, -1 on an error */
int
dict_source_next(DICT_SOURCE *src, const char **key, const char **value,
                 STRBUF *err)
{
    int status;

    if ((status = next_logical(src, err)) != 0)
        return status;
    if (dict_source_split(STR(src->logical), LEN(src->logical), src->key,
                          src->value, err) < 0) {
        /* Keep the reason, put the place in front of it. */
        STRBUF *why = strbuf_create(LEN(err) + 1);

        strbuf_memcpy(why, STR(err), LEN(err));
        source_error(src, src->entry_line, err, "%s", STR(why));
        strbuf_free(why);
        return -1;
    }
    *key = STR(src->key);
    *value = STR(src->value);
    return 0;
}

/* dict_source_split - one logical line into key and value */
int
dict_source_split(const char *line, size_t len, STRBUF *key, STRBUF *value,
                  STRBUF *why)
{
    size_t key_len = 0;
    size_t val_len;
    const char *val;

    if (memchr(line, 0, len) != NULL) {
        strbuf_strcpy(why, "NUL byte in line");
        return -1;
    }
    while (key_len < len && !source_space((unsigned char) line[key_len]))
        key_len++;
    val = trim_blanks_len(line + key_len, len - key_len, &val_len);
    if (key_len == 0 || val_len == 0) {
        strbuf_strcpy(why, DICT_SOURCE_FORMAT);
        return -1;
    }
    if (key_len > DICT_KEY_MAX) {
        strbuf_sprintf(why, "key longer than %d bytes", DICT_KEY_MAX);
        return -1;
    }
    strbuf_memcpy(key, line, key_len);
    strbuf_memcpy(value, val, val_len);
    return 0;
}

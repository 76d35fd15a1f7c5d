/*
 * lline - logical lines of Postfix-style configuration text.
 *
 * The syntax is main.cf's and master.cf's: a line whose first non-blank is
 * '#', or that is blank, is skipped, also between the lines of one logical
 * line; a line that starts with white space continues the logical line
 * before it; a logical line starts with non-blank text.  lline_next()
 * joins the pieces with one space, without trailing white space, and
 * returns 1 with the number of the logical line's first physical line, 0
 * at the end, or -1 with err set ("/x/main.cf, line 3: ...") for a
 * continuation with nothing to continue, a NUL byte, or a logical line
 * longer than max_len.  A final line may lack its newline.
 *
 * lline_load() and lline_load_fd() read a whole regular file of at most
 * max_size bytes into the caller's STRBUF; -1 with err set on failure.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lline.h"
#include "mymalloc.h"
#include "strbuf.h"

/* is_blank - white space as the configuration files know it */
static int
is_blank(int ch)
{
    return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\f' || ch == '\v';
}

/* lline_create - a reader over len bytes of text from source */
LLINE *
lline_create(const char *source, const char *data, size_t len, size_t max_len)
{
    LLINE *lp = mymalloc(sizeof(*lp));

    lp->source = mystrdup(source);
    lp->data = data;
    lp->len = len;
    lp->pos = 0;
    lp->lineno = 0;
    lp->max_len = max_len;
    return lp;
}

/* lline_free - release the reader; returns NULL */
LLINE *
lline_free(LLINE *lp)
{
    if (lp != NULL) {
        myfree(lp->source);
        myfree(lp);
    }
    return NULL;
}

/* lline_kind - is a physical line skipped, a continuation, or a start? */
int
lline_kind(const char *line, size_t len)
{
    size_t i = 0;

    while (i < len && (is_blank(line[i]) || line[i] == '\n'))
        i++;
    if (i == len || line[i] == '#')
        return LLINE_SKIP;
    return i > 0 ? LLINE_CONT : LLINE_START;
}

/* lline_physical - the next physical line, without its newline */
static int
lline_physical(LLINE *lp, const char **line, size_t *len)
{
    const char *nl;
    size_t left = lp->len - lp->pos;

    if (left == 0)
        return 0;
    *line = lp->data + lp->pos;
    nl = memchr(*line, '\n', left);
    *len = nl != NULL ? (size_t) (nl - *line) : left;
    lp->pos += *len + (nl != NULL);
    lp->lineno++;
    return 1;
}

/* lline_error - an error at a line of the source */
static int
lline_error(LLINE *lp, STRBUF *err, int lineno, const char *text)
{
    strbuf_sprintf(err, "%s, line %d: %s", lp->source, lineno, text);
    return -1;
}

/* lline_append - add a physical line's text to the logical line */
static int
lline_append(LLINE *lp, STRBUF *line, const char *cp, size_t len, int first,
             STRBUF *err)
{
    if (memchr(cp, 0, len) != NULL)
        return lline_error(lp, err, lp->lineno, "NUL byte in line");
    while (len > 0 && is_blank(*cp))
        cp++, len--;
    while (len > 0 && is_blank(cp[len - 1]))
        len--;
    if (LEN(line) + (LEN(line) > 0) + len > lp->max_len) {
        strbuf_sprintf(err, "%s, line %d: logical line longer than %zu bytes",
                       lp->source, first, lp->max_len);
        return -1;
    }
    if (LEN(line) > 0)
        strbuf_addch(line, ' ');
    strbuf_memcat(line, cp, len);
    return 0;
}

/* lline_next - the next logical line: 1, 0 at the end, -1 on error */
int
lline_next(LLINE *lp, STRBUF *line, int *lineno, STRBUF *err)
{
    const char *cp;
    size_t len, save_pos;
    int kind, save_lineno, have = 0;

    strbuf_reset(line);
    for (;;) {
        save_pos = lp->pos;
        save_lineno = lp->lineno;
        if (!lline_physical(lp, &cp, &len))
            break;
        if ((kind = lline_kind(cp, len)) == LLINE_SKIP)
            continue;
        if (kind == LLINE_START && have) {
            /* Leave the next logical line's start for the next call. */
            lp->pos = save_pos;
            lp->lineno = save_lineno;
            break;
        }
        if (kind == LLINE_CONT && !have)
            return lline_error(lp, err, lp->lineno,
                               "line starts with white space, but there is "
                               "no logical line to continue");
        if (!have)
            *lineno = lp->lineno;
        have = 1;
        if (lline_append(lp, line, cp, len, *lineno, err) < 0)
            return -1;
    }
    return have;
}

/* lline_load_fd - read the regular file open on fd, up to max_size */
int
lline_load_fd(int fd, const char *path, size_t max_size, STRBUF *data,
              STRBUF *err)
{
    char buf[8192];
    struct stat st;
    ssize_t n;

    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
        strbuf_sprintf(err, "%s: not a regular file", path);
        return -1;
    }
    strbuf_reset(data);
    while ((n = read(fd, buf, sizeof(buf))) != 0) {
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            strbuf_sprintf(err, "read %s: %s", path, strerror(errno));
            return -1;
        }
        if (LEN(data) + (size_t) n > max_size) {
            strbuf_sprintf(err, "%s: file larger than %zu bytes", path,
                           max_size);
            return -1;
        }
        strbuf_memcat(data, buf, (size_t) n);
    }
    return 0;
}

/* lline_load - read a whole regular file, up to max_size bytes */
int
lline_load(const char *path, size_t max_size, STRBUF *data, STRBUF *err)
{
    int fd;
    int ret;

    if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
        strbuf_sprintf(err, "open %s: %s", path, strerror(errno));
        return -1;
    }
    ret = lline_load_fd(fd, path, max_size, data, err);
    close(fd);
    return ret;
}

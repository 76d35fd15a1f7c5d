#ifndef LLINE_H
#define LLINE_H

/*
 * lline - logical lines of Postfix-style configuration text (main.cf,
 * master.cf): comments and blank lines skipped, continuation lines (those
 * that start with white space) joined with one space.
 *
 * lline_create() returns a reader the caller owns, over text the caller
 * keeps alive; lline_free() releases it and returns NULL.  Errors name
 * the source and line and are returned, never fatal.
 */
#include <stddef.h>

#include "strbuf.h"

/* Kinds of physical line (lline_kind). */
#define LLINE_SKIP  0 /* blank, or a comment: '#' first non-blank */
#define LLINE_CONT  1 /* starts with white space: continues a logical line */
#define LLINE_START 2 /* starts a logical line */

typedef struct LLINE {
    char *source;     /* file name for messages */
    const char *data; /* the text, not owned */
    size_t len;       /* its length */
    size_t pos;       /* next byte to read */
    int lineno;       /* physical lines read */
    size_t max_len;   /* longest logical line */
} LLINE;

extern LLINE *lline_create(const char *source, const char *data, size_t len,
                           size_t max_len);
extern LLINE *lline_free(LLINE *lp);
extern int lline_next(LLINE *lp, STRBUF *line, int *lineno, STRBUF *err);
extern int lline_kind(const char *line, size_t len);
extern int lline_load(const char *path, size_t max_size, STRBUF *data,
                      STRBUF *err);
extern int lline_load_fd(int fd, const char *path, size_t max_size,
                         STRBUF *data, STRBUF *err);

#endif

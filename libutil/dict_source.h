#ifndef DICT_SOURCE_H
#define DICT_SOURCE_H

/*
 * dict_source - read the source of an indexed table (postmap(1) format):
 * "key whitespace value" per logical line, continuation lines, comments.
 *
 * dict_source_open() returns a reader the caller owns and releases with
 * dict_source_close(), which returns NULL.  dict_source_next() hands out
 * one entry at a time; the key and value belong to the reader and stay
 * valid until the next call.  Errors name the file and the line.
 */
#include <stdio.h>

#include "strbuf.h"

typedef struct DICT_SOURCE {
    FILE *fp;        /* the source */
    int own_fp;      /* fp is ours to close */
    char *label;     /* file name, for messages */
    int lineno;      /* physical lines read so far */
    int entry_line;  /* where the last logical line began */
    int pending;     /* phys holds a line not consumed yet */
    STRBUF *phys;    /* one physical line */
    STRBUF *logical; /* the logical line being assembled */
    STRBUF *key;     /* the last entry */
    STRBUF *value;
} DICT_SOURCE;

/* The line number of the entry that dict_source_next() returned last. */
#define DICT_SOURCE_LINE(src) ((src)->entry_line)

extern DICT_SOURCE *dict_source_open(const char *path, STRBUF *err);
extern DICT_SOURCE *dict_source_fopen(FILE *fp, const char *label);
extern int dict_source_next(DICT_SOURCE *src, const char **key,
                            const char **value, STRBUF *err);
extern DICT_SOURCE *dict_source_close(DICT_SOURCE *src);

/* The pure part: split one logical line; 0, or -1 with a reason. */
extern int dict_source_split(const char *line, size_t len, STRBUF *key,
                             STRBUF *value, STRBUF *why);

#endif

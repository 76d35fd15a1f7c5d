#ifndef HEADER_PARSE_H
#define HEADER_PARSE_H

/*
 * header_parse - split the header section of message content into logical
 * headers, bounded.  See header_parse.c.
 */
#include <stddef.h>

#include "header_opts.h"
#include "strbuf.h"

/* Postfix's header_size_limit default. */
#define HEADER_SIZE_DEF 102400

/* Logical headers kept before the rest are discarded (no Postfix name). */
#define HEADER_COUNT_DEF 10000

/* The bounds of one header section; the caller fills it from main.cf. */
typedef struct HEADER_LIMITS {
    size_t header_size; /* header_size_limit: bytes of one logical header */
    size_t max_headers; /* logical headers passed on; later ones dropped */
} HEADER_LIMITS;

/* What one physical line is, on its own. */
#define HEADER_LINE_FIELD 1 /* "Name: value": a header starts */
#define HEADER_LINE_CONT  2 /* starts with SP or HT: folded */
#define HEADER_LINE_END   3 /* empty: the end of the header section */
#define HEADER_LINE_BODY  4 /* anything else: not a header */

/* What header_parse_line() made of a line. */
#define HEADER_PARSE_MORE 0 /* a header line: keep feeding */
#define HEADER_PARSE_END  1 /* the empty line that ends the headers */
#define HEADER_PARSE_BODY 2 /* not a header: it is the body's first line */

/* One logical header, valid only during the callback. */
typedef struct HEADER_FIELD {
    const char *text;        /* "Name: value", folds kept as "\n" */
    size_t len;              /* bytes of text (NUL-terminated, may hold NUL) */
    size_t name_len;         /* bytes of the name at text */
    const char *value;       /* after the colon and leading white space */
    size_t value_len;        /* bytes of value */
    const HEADER_OPTS *opts; /* a header cleanup knows, or NULL */
    int resent_block;        /* 0, or which block of Resent- headers */
    size_t lines;            /* physical lines it spanned */
    int truncated;           /* cut at header_size; the rest dropped */
} HEADER_FIELD;

typedef void (*HEADER_FIELD_FN)(const HEADER_FIELD *field, void *context);

typedef struct HEADER_PARSE {
    HEADER_LIMITS lim;  /* copied at create */
    HEADER_FIELD_FN fn; /* gets each logical header */
    void *context;      /* passed to fn */
    size_t count;       /* headers passed to fn */
    size_t discarded;   /* headers dropped past max_headers */
    size_t truncated;   /* headers cut at header_size */
    size_t received;    /* Received: headers passed on (hopcount) */
    int resent_blocks;  /* blocks of Resent- headers */
    int done;           /* the header section has ended */
    /* Private. */
    STRBUF *text;         /* the header being assembled */
    size_t lines;         /* its physical lines */
    size_t name_len;      /* its name */
    int pending;          /* text holds a header */
    int dropping;         /* the current header is past max_headers */
    int cut;              /* the current header hit header_size */
    unsigned resent_seen; /* Resent- types in the current block */
    int in_resent;        /* the last header was a Resent- one */
} HEADER_PARSE;

extern void header_parse_limits_init(HEADER_LIMITS *lim);
extern int header_parse_class(const char *line, size_t len);
extern size_t header_parse_name_len(const char *line, size_t len);

extern HEADER_PARSE *header_parse_create(const HEADER_LIMITS *lim,
                                         HEADER_FIELD_FN fn, void *context);
extern int header_parse_line(HEADER_PARSE *hp, const char *line, size_t len);
extern void header_parse_end(HEADER_PARSE *hp);
extern size_t header_parse_buffer(HEADER_PARSE *hp, const char *buf,
                                  size_t len);
extern HEADER_PARSE *header_parse_free(HEADER_PARSE *hp);

#endif

#ifndef MAILQ_SHAPE_H
#define MAILQ_SHAPE_H

/*
 * mailq_shape - the qshape-like view of `postern queue --shape`: queued
 * recipients counted by destination domain and age bucket.
 *
 * mailq_shape_create() returns a table the caller owns
 * (mailq_shape_free).  mailq_shape_add() counts one recipient of a
 * message of the given age (seconds): its domain (after the last @,
 * lower-cased; none: the empty name) in the bucket of the first bound
 * (MAILQ_SHAPE_BOUNDS minutes: 5, 10, 20, ..., 1280) that the age is
 * below, or the last, "1280+".  At most MAILQ_SHAPE_MAX_DOMAINS domains
 * are kept; recipients of further domains count under "(other)".
 * mailq_shape_format() appends the table: a header line, a TOTAL line,
 * then one line per domain by descending total (then name), at most
 * max_rows of them (0: all).  Pure; nothing is fatal.
 */
#include <stddef.h>

#include "strbuf.h"

#define MAILQ_SHAPE_BUCKETS     10 /* 9 bounds and the open end */
#define MAILQ_SHAPE_MAX_DOMAINS 10000
#define MAILQ_SHAPE_MAX_NAME    255

typedef struct MAILQ_SHAPE MAILQ_SHAPE;

extern MAILQ_SHAPE *mailq_shape_create(void);
extern void mailq_shape_add(MAILQ_SHAPE *shape, const char *rcpt,
                            long long age);
extern STRBUF *mailq_shape_format(const MAILQ_SHAPE *shape, STRBUF *out,
                                  size_t max_rows);
extern MAILQ_SHAPE *mailq_shape_free(MAILQ_SHAPE *shape);

#endif

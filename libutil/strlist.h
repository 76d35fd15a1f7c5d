#ifndef STRLIST_H
#define STRLIST_H

/*
 * strlist - strict splitting of Postfix-style lists: elements separated
 * by commas and/or white space, where a {braced group} (nesting) or a
 * "quoted string" stays inside one element.
 *
 * strlist_split() appends the elements to the caller's ARGV and returns
 * 0, or returns -1 with a reason in err and the ARGV unchanged.
 * strlist_unbrace() unwraps one "{ value }" in place.  Both are bounded
 * by the limits below.
 */
#include "argv.h"
#include "strbuf.h"

/* The usual separators of a Postfix parameter list. */
#define STRLIST_SEP ", \t\r\n"

/* Flags of strlist_split(). */
#define STRLIST_STRIP_BRACES (1 << 0) /* "{ a b }" -> "a b" */

/* Bounds on one call; passing one is an error, not a truncation. */
#define STRLIST_MAX_ELEMS 10000
#define STRLIST_MAX_DEPTH 20

extern int strlist_split(const char *str, const char *sep, int flags, ARGV *out,
                         STRBUF *err);
extern int strlist_unbrace(char **bp, STRBUF *err);

#endif

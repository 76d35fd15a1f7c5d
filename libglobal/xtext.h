#ifndef XTEXT_H
#define XTEXT_H

/*
 * xtext - RFC 3461 section 4 "xtext", the encoding of the DSN ENVID and
 * ORCPT values: printable ASCII except "+" and "=", and "+XX" (two
 * upper-case hex digits) for any other byte.
 *
 * xtext_decode() puts the decoded value in the caller's out (reset
 * first) and returns 0, or -1 for malformed xtext, a decoded control
 * character (the value ends up in headers and log lines), or a result
 * longer than max bytes.  Nothing is fatal.
 */
#include <stddef.h>

#include "strbuf.h"

extern int xtext_decode(const char *text, size_t len, size_t max,
                        STRBUF *out);

#endif

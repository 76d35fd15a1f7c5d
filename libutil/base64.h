#ifndef BASE64_H
#define BASE64_H

/*
 * base64 - RFC 4648 base64 (section 4 alphabet, with padding), strict.
 *
 * Both functions replace the content of a result STRBUF the caller owns.
 * base64_encode() returns it; base64_decode() returns 0, or -1 with out
 * unchanged when the input is not canonical base64.
 */
#include <stddef.h>

#include "strbuf.h"

extern STRBUF *base64_encode(STRBUF *out, const void *in, size_t len);
extern int base64_decode(STRBUF *out, const char *in, size_t len);

#endif

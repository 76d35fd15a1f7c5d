#ifndef STRINGOPS_H
#define STRINGOPS_H

/*
 * stringops - small pure string helpers: ASCII case mapping, trimming,
 * log-safe copies of peer text, tokenisers, splitting, number parsing.
 *
 * The names are Postfix's (lowercase, mystrtok, split_at, alldig...) so
 * code ported in spirit reads the same.  Everything is ASCII only and
 * independent of the locale.  In-place functions modify the caller's
 * buffer and return pointers into it; copying functions replace the
 * content of a result STRBUF the caller owns and return it.  Nothing here
 * allocates except through the STRBUF.  Bad arguments (a NUL split
 * character, an unprintable replacement, min > max) are a panic.
 */
#include <stddef.h>

#include "strbuf.h"

/* What printable() appends when it cuts the text short. */
#define PRINTABLE_MARKER "..."

extern char *lowercase(char *str);
extern char *uppercase(char *str);
extern STRBUF *lowercase_copy(STRBUF *out, const char *in, size_t len);
extern STRBUF *uppercase_copy(STRBUF *out, const char *in, size_t len);

extern char *trim_blanks(char *str);
extern const char *trim_blanks_len(const char *str, size_t len, size_t *outlen);

extern STRBUF *printable(STRBUF *out, const char *in, size_t len, size_t maxlen,
                         int replacement);

extern char *mystrtok(char **bufp, const char *delim);
extern char *mystrtokq(char **bufp, const char *delim);

extern char *split_at(char *str, int ch);
extern char *split_at_right(char *str, int ch);

extern int str_to_long(const char *str, long min, long max, long *result);
extern int str_to_long_len(const char *str, size_t len, long min, long max,
                           long *result);

extern int alldig(const char *str);
extern int allalnum(const char *str);

#endif

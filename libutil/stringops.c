/*
 * stringops - small pure string helpers.
 *
 * lowercase() and uppercase() map ASCII letters in place and return their
 * argument; lowercase_copy() and uppercase_copy() replace the content of
 * the caller's STRBUF with a mapped copy of len bytes and return it.
 * Bytes outside A-Z/a-z (NUL and 8-bit bytes included) are left alone.
 *
 * trim_blanks() removes leading and trailing ASCII white space (space, \t,
 * \n, \v, \f, \r) in place and returns a pointer into the buffer;
 * trim_blanks_len() does the same for len bytes without writing, and
 * reports the trimmed length.
 *
 * printable() replaces the content of the caller's STRBUF with len bytes
 * of untrusted text fit for a log: every byte outside printable ASCII
 * (0x20-0x7e) becomes the replacement, and text longer than maxlen is cut
 * to maxlen bytes followed by PRINTABLE_MARKER.
 *
 * mystrtok() returns the next token of *bufp, skipping empty ones; it
 * NUL-terminates the token in place, advances *bufp, and returns NULL at
 * the end.  mystrtokq() also keeps "quoted strings" (with backslash
 * escapes inside) and {braced groups} (nesting) within one token; it is
 * lenient: an unbalanced quote or brace extends the token to the end, and
 * a stray '}' is an ordinary byte.  Use strlist_split() for strict parsing.
 *
 * split_at() and split_at_right() cut a string at the first or last ch
 * and return the part after it, or NULL when ch is absent.
 *
 * str_to_long() and str_to_long_len() accept exactly an optional '-'
 * followed by one or more ASCII decimal digits: no white space, no '+',
 * no base prefix, no trailing bytes.  They return 0 and store the value,
 * or -1 (result untouched) on bad syntax, overflow or a value outside
 * [min, max].  alldig() and allalnum() return 1 for a non-empty string of
 * only ASCII digits or letters and digits, else 0.
 *
 * With a hard limit on a result STRBUF, an append that would pass it is
 * refused by strbuf and out->overflow is set; callers that set limits
 * check that flag.  Bad arguments are a panic (our bug).
 */
#include <limits.h>
#include <string.h>

#include "msg.h"
#include "stringops.h"

/* ascii_space - ASCII white space, whatever the locale */
static int
ascii_space(int ch)
{
    return ch == ' ' || (ch >= '\t' && ch <= '\r');
}

/* ascii_digit - ASCII decimal digit, whatever the locale */
static int
ascii_digit(int ch)
{
    return ch >= '0' && ch <= '9';
}

/* ascii_alpha - ASCII letter, whatever the locale */
static int
ascii_alpha(int ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z');
}

/* map_case - map len bytes to lower (upper == 0) or upper case */
static void
map_case(char *str, size_t len, int upper)
{
    size_t i;

    for (i = 0; i < len; i++) {
        if (upper && str[i] >= 'a' && str[i] <= 'z')
            str[i] = (char) (str[i] - 'a' + 'A');
        else if (!upper && str[i] >= 'A' && str[i] <= 'Z')
            str[i] = (char) (str[i] - 'A' + 'a');
    }
}

/* lowercase - map ASCII letters to lower case in place */
char *
lowercase(char *str)
{
    map_case(str, strlen(str), 0);
    return str;
}

/* uppercase - map ASCII letters to upper case in place */
char *
uppercase(char *str)
{
    map_case(str, strlen(str), 1);
    return str;
}

/* lowercase_copy - replace out with a lower-case copy of len bytes */
STRBUF *
lowercase_copy(STRBUF *out, const char *in, size_t len)
{
    if (strbuf_memcpy(out, in, len) == 0)
        map_case(STR(out), LEN(out), 0);
    return out;
}

/* uppercase_copy - replace out with an upper-case copy of len bytes */
STRBUF *
uppercase_copy(STRBUF *out, const char *in, size_t len)
{
    if (strbuf_memcpy(out, in, len) == 0)
        map_case(STR(out), LEN(out), 1);
    return out;
}

/* trim_blanks_len - the white space trimmed span of len bytes */
const char *
trim_blanks_len(const char *str, size_t len, size_t *outlen)
{
    while (len > 0 && ascii_space((unsigned char) *str)) {
        str++;
        len--;
    }
    while (len > 0 && ascii_space((unsigned char) str[len - 1]))
        len--;
    *outlen = len;
    return str;
}

/* trim_blanks - strip white space in place; returns the new start */
char *
trim_blanks(char *str)
{
    size_t len;
    char *start = (char *) trim_blanks_len(str, strlen(str), &len);

    start[len] = 0;
    return start;
}

/* printable - replace out with a log-safe, length-capped copy of in */
STRBUF *
printable(STRBUF *out, const char *in, size_t len, size_t maxlen,
          int replacement)
{
    size_t keep = len > maxlen ? maxlen : len;
    size_t i;
    char *cp;

    if (replacement < 0x20 || replacement > 0x7e)
        msg_panic("printable: bad replacement character 0x%x", replacement);
    if (strbuf_memcpy(out, in, keep) < 0)
        return out;
    for (cp = STR(out), i = 0; i < keep; i++)
        if ((unsigned char) cp[i] < 0x20 || (unsigned char) cp[i] > 0x7e)
            cp[i] = (char) replacement;
    if (keep < len)
        strbuf_strcat(out, PRINTABLE_MARKER);
    return out;
}

/* mystrtok - next token, skipping empty ones; NUL-terminated in place */
char *
mystrtok(char **bufp, const char *delim)
{
    char *start = *bufp + strspn(*bufp, delim);
    char *end;

    if (*start == 0) {
        *bufp = start;
        return NULL;
    }
    end = start + strcspn(start, delim);
    if (*end != 0)
        *end++ = 0;
    *bufp = end;
    return start;
}

/* skip_quoted - from an opening quote to its closing one, or the end */
static char *
skip_quoted(char *cp)
{
    for (cp++; *cp != 0; cp++) {
        if (*cp == '\\' && cp[1] != 0)
            cp++;
        else if (*cp == '"')
            return cp;
    }
    return cp - 1;
}

/* mystrtokq - like mystrtok, keeping quoted strings and braces whole */
char *
mystrtokq(char **bufp, const char *delim)
{
    char *start = *bufp + strspn(*bufp, delim);
    size_t depth = 0;
    char *cp;

    if (*start == 0) {
        *bufp = start;
        return NULL;
    }
    for (cp = start; *cp != 0; cp++) {
        if (*cp == '"')
            cp = skip_quoted(cp);
        else if (*cp == '{')
            depth++;
        else if (*cp == '}' && depth > 0)
            depth--;
        else if (depth == 0 && strchr(delim, *cp) != NULL)
            break;
    }
    if (*cp != 0)
        *cp++ = 0;
    *bufp = cp;
    return start;
}

/* split_at - cut str at the first ch; the part after it, or NULL */
char *
split_at(char *str, int ch)
{
    char *cp;

    if (ch == 0)
        msg_panic("split_at: NUL split character");
    if ((cp = strchr(str, ch)) == NULL)
        return NULL;
    *cp++ = 0;
    return cp;
}

/* split_at_right - cut str at the last ch; the part after it, or NULL */
char *
split_at_right(char *str, int ch)
{
    char *cp;

    if (ch == 0)
        msg_panic("split_at_right: NUL split character");
    if ((cp = strrchr(str, ch)) == NULL)
        return NULL;
    *cp++ = 0;
    return cp;
}

/* parse_digits - one or more ASCII digits, value at most limit */
static int
parse_digits(const char *str, size_t len, unsigned long limit,
             unsigned long *result)
{
    unsigned long acc = 0;
    unsigned digit;

    if (len == 0)
        return -1;
    for (; len > 0; str++, len--) {
        if (!ascii_digit((unsigned char) *str))
            return -1;
        digit = (unsigned) (*str - '0');
        if (acc > (limit - digit) / 10)
            return -1;
        acc = acc * 10 + digit;
    }
    *result = acc;
    return 0;
}

/* str_to_long_len - strict decimal of len bytes within [min, max] */
int
str_to_long_len(const char *str, size_t len, long min, long max, long *result)
{
    unsigned long acc;
    long val;
    int neg;

    if (min > max)
        msg_panic("str_to_long: bad range %ld..%ld", min, max);
    neg = len > 0 && *str == '-';
    if (parse_digits(str + neg, len - neg,
                     neg ? (unsigned long) LONG_MAX + 1 : LONG_MAX, &acc) < 0)
        return -1;
    /* -LONG_MIN does not fit a long: negate one less, then subtract. */
    if (neg && acc > 0)
        val = -(long) (acc - 1) - 1;
    else
        val = (long) acc;
    if (val < min || val > max)
        return -1;
    *result = val;
    return 0;
}

/* str_to_long - strict decimal string within [min, max] */
int
str_to_long(const char *str, long min, long max, long *result)
{
    return str_to_long_len(str, strlen(str), min, max, result);
}

/* alldig - non-empty and only ASCII digits */
int
alldig(const char *str)
{
    if (*str == 0)
        return 0;
    for (; *str != 0; str++)
        if (!ascii_digit((unsigned char) *str))
            return 0;
    return 1;
}

/* allalnum - non-empty and only ASCII letters and digits */
int
allalnum(const char *str)
{
    if (*str == 0)
        return 0;
    for (; *str != 0; str++)
        if (!ascii_digit((unsigned char) *str) &&
            !ascii_alpha((unsigned char) *str))
            return 0;
    return 1;
}

/*
 * strlist - strict splitting of Postfix-style lists.
 *
 * The grammar strlist_split() accepts, sep being the caller's separator
 * bytes (STRLIST_SEP for a main.cf list):
 *
 *   list    = *sep [element *(1*sep element) *sep]
 *   element = 1*(byte | group | quoted)   ; byte: not sep, '{', '}', '"'
 *   group   = "{" *(byte | sep | group | quoted) "}"
 *   quoted  = '"' *(qbyte | "\" any) '"'  ; qbyte: not '"' or "\"
 *
 * So "a, b c" is three elements, "inline:{ a=b, c=d }" and "{ x y }" are
 * one each, and empty elements (",,", only separators) are skipped as in
 * Postfix.  Braces nest.  Double quotes protect separators and braces; a
 * backslash inside quotes makes the next byte literal, outside quotes it
 * is an ordinary byte.  Quotes and braces are kept in the element as
 * written: unquoting is the consumer's business, since Postfix gives
 * quotes a meaning only in some places.  With STRLIST_STRIP_BRACES, an
 * element that is wholly one group loses its outer braces and the white
 * space just inside them, as Postfix's extpar() does: "{ a, b }" becomes
 * "a, b", "{ }" an empty element, while "inline:{a}" and "{a}{b}" stay.
 *
 * strlist_split() appends the elements to out (copies, owned by out) and
 * returns 0.  On error it returns -1, leaves out as it was, and when err
 * is not NULL replaces its content with a reason of the form
 *   missing '}' in "text"
 * where text is the rest of the input from the offending element, made
 * printable and cut.  Reasons: missing '}', unexpected '}', missing '"',
 * more than STRLIST_MAX_ELEMS elements, braces nested deeper than
 * STRLIST_MAX_DEPTH.
 *
 * strlist_unbrace() takes one parameter value in a writable buffer,
 * strips the white space around it and, when it starts with '{', requires
 * the matching '}' to end it and sets *bp to the text between them with
 * white space trimmed.  A value without a leading '{' is just trimmed.
 * It writes NULs into the buffer, and sets *bp only on success; errors are
 * returned as for strlist_split(), plus "syntax error after '}'".
 */
#include <string.h>

#include "stringops.h"
#include "strlist.h"

/* How much of the input an error message quotes. */
#define STRLIST_ERR_TEXT 100

#define STRLIST_STR(x)  STRLIST_STR2(x)
#define STRLIST_STR2(x) #x

/* Reasons that name a limit. */
#define STRLIST_TOO_DEEP                                                       \
    "braces nested deeper than " STRLIST_STR(STRLIST_MAX_DEPTH)
#define STRLIST_TOO_MANY "more than " STRLIST_STR(STRLIST_MAX_ELEMS) " elements"

/* strlist_error - set err to 'what in "text"'; returns -1 */
static int
strlist_error(STRBUF *err, const char *what, const char *str)
{
    STRBUF *text;

    if (err == NULL)
        return -1;
    text = printable(strbuf_create(0), str, strlen(str), STRLIST_ERR_TEXT, '?');
    strbuf_sprintf(err, "%s in \"%s\"", what, STR(text));
    strbuf_free(text);
    return -1;
}

/* strlist_quoted - from an opening quote to its closing one, or NULL */
static const char *
strlist_quoted(const char *cp)
{
    for (cp++; *cp != 0; cp++) {
        if (*cp == '\\' && cp[1] != 0)
            cp++;
        else if (*cp == '"')
            return cp;
    }
    return NULL;
}

/* strlist_span - length of the element at start; -1 on a syntax error */
static int
strlist_span(const char *start, const char *sep, size_t *lenp, STRBUF *err)
{
    size_t depth = 0;
    const char *cp;

    for (cp = start; *cp != 0; cp++) {
        if (*cp == '"') {
            if ((cp = strlist_quoted(cp)) == NULL)
                return strlist_error(err, "missing '\"'", start);
        } else if (*cp == '{') {
            if (++depth > STRLIST_MAX_DEPTH)
                return strlist_error(err, STRLIST_TOO_DEEP, start);
        } else if (*cp == '}') {
            if (depth == 0)
                return strlist_error(err, "unexpected '}'", start);
            depth--;
        } else if (depth == 0 && strchr(sep, *cp) != NULL) {
            break;
        }
    }
    if (depth > 0)
        return strlist_error(err, "missing '}'", start);
    *lenp = (size_t) (cp - start);
    return 0;
}

/* strlist_group_end - the '}' that closes the '{' at cp, or NULL */
static const char *
strlist_group_end(const char *cp)
{
    size_t depth = 0;

    /* Only called on text strlist_span() accepted: quotes are closed. */
    for (; *cp != 0; cp++) {
        if (*cp == '"')
            cp = strlist_quoted(cp);
        else if (*cp == '{')
            depth++;
        else if (*cp == '}' && --depth == 0)
            return cp;
    }
    return NULL;
}

/* strlist_add - append one element, its outer braces stripped on request */
static void
strlist_add(ARGV *out, const char *elem, size_t len, int flags)
{
    if ((flags & STRLIST_STRIP_BRACES) && *elem == '{' &&
        strlist_group_end(elem) == elem + len - 1)
        elem = trim_blanks_len(elem + 1, len - 2, &len);
    argv_addn(out, elem, len);
}

/* strlist_split - append the elements of a list to out */
int
strlist_split(const char *str, const char *sep, int flags, ARGV *out,
              STRBUF *err)
{
    size_t old_argc = out->argc;
    size_t count = 0;
    size_t len = 0;
    int status;

    for (;;) {
        str += strspn(str, sep);
        if (*str == 0)
            return 0;
        if (++count > STRLIST_MAX_ELEMS)
            status = strlist_error(err, STRLIST_TOO_MANY, str);
        else
            status = strlist_span(str, sep, &len, err);
        if (status < 0) {
            argv_truncate(out, old_argc);
            return -1;
        }
        strlist_add(out, str, len, flags);
        str += len;
    }
}

/* strlist_unbrace - unwrap one "{ value }" in place */
int
strlist_unbrace(char **bp, STRBUF *err)
{
    char *str = trim_blanks(*bp);
    size_t len;

    if (*str != '{') {
        *bp = str;
        return 0;
    }
    if (strlist_span(str, "", &len, err) < 0)
        return -1;
    if (strlist_group_end(str) != str + len - 1)
        return strlist_error(err, "syntax error after '}'", str);
    str[len - 1] = 0;
    *bp = trim_blanks(str + 1);
    return 0;
}

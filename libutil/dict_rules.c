/*
 * dict_rules - the engine behind the rule-file tables (regexp:, pcre:,
 * cidr:).
 *
 * File syntax (regexp_table(5), pcre_table(5), cidr_table(5)): a logical
 * line starts with non-white text; a line that starts with white space
 * continues it (the text is joined as written, white space included).
 * Blank lines and lines whose first non-white byte is '#' are skipped and
 * do not end a logical line.  Each logical line is one of
 *
 *   [!]pattern result     the result when the pattern matches (or not)
 *   if [!]pattern         the rules up to the matching endif apply only
 *                         when the pattern matches (or not); blocks nest
 *   endif
 *
 * "if" and "endif" are case-insensitive and end at a byte that is not a
 * letter or digit; white space after "!" is allowed.  The driver parses
 * the pattern; the result is the rest of the line without the white space
 * around it.  Rules are tried in file order and the first one that applies
 * answers.
 *
 * Unlike Postfix, which logs a warning and skips a bad rule, every
 * malformed line is an open error, so that a broken table is noticed
 * before it answers wrongly: a logical line longer than DICT_VALUE_MAX
 * bytes, a NUL byte, a first line that starts with white space, a
 * missing pattern or result, text after "if pattern" or "endif", an endif
 * without if, an if without endif, and whatever the driver rejects.
 *
 * dict_rules_open() returns a handle owned by the caller (dict_close()), or
 * NULL with "type:name, line N: reason" in err.  Tables are read-only:
 * updates fail with DICT_ERR_CONFIG, and they cannot be walked.
 * dict_rules_delimited() cuts a "/pattern/" for regexp: and pcre:;
 * dict_rules_subst_check() vets and dict_rules_subst() expands $n, ${n},
 * $(n) and $$ in a result.  A result that would pass the caller's limit on
 * out makes dict_rules_subst() return -1.
 */
#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "dict_rules.h"
#include "msg.h"
#include "mymalloc.h"
#include "stringops.h"

/* Reads logical lines from a rule file. */
typedef struct RULES_READER {
    FILE *fp;
    const char *label; /* "regexp:/etc/x", for messages */
    int lineno;        /* physical lines read so far */
    STRBUF *ahead;     /* a physical line read but not used yet */
    int ahead_lineno;  /* its number */
    int have_ahead;    /* ahead holds a line */
} RULES_READER;

/* The if blocks still open while parsing. */
typedef struct RULES_STACK {
    size_t *open; /* rule indexes of the open IFs */
    size_t depth;
    size_t size;
} RULES_STACK;

/* Kinds of physical line. */
#define LINE_SKIP  0 /* blank or comment */
#define LINE_START 1 /* starts a logical line */
#define LINE_MORE  2 /* continues one */

/* rules_space - ASCII white space, whatever the locale */
static int
rules_space(int ch)
{
    return ch == ' ' || (ch >= '\t' && ch <= '\r');
}

/* rules_alnum - ASCII letter or digit, whatever the locale */
static int
rules_alnum(int ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
           (ch >= '0' && ch <= '9');
}

/* reader_error - "label, line N: reason" in err; returns -1 */
static int
reader_error(RULES_READER *rd, int lineno, STRBUF *err, const char *fmt, ...)
{
    va_list ap;

    strbuf_sprintf(err, "%s, line %d: ", rd->label, lineno);
    va_start(ap, fmt);
    strbuf_vsprintf_cat(err, fmt, ap);
    va_end(ap);
    return -1;
}

/* reader_physical - read one line into rd->ahead; 1, 0 at the end, -1 */
static int
reader_physical(RULES_READER *rd, STRBUF *err)
{
    int ch;

    strbuf_reset(rd->ahead);
    while ((ch = getc(rd->fp)) != EOF && ch != '\n') {
        if (ch == 0)
            return reader_error(rd, rd->lineno + 1, err, "NUL byte in text");
        if (strbuf_addch(rd->ahead, ch) < 0)
            return reader_error(rd, rd->lineno + 1, err,
                                "line longer than %d bytes", DICT_VALUE_MAX);
    }
    if (ferror(rd->fp))
        return reader_error(rd, rd->lineno + 1, err, "read error: %s",
                            strerror(errno));
    if (ch == EOF && LEN(rd->ahead) == 0)
        return 0;
    rd->ahead_lineno = ++rd->lineno;
    return 1;
}

/* reader_kind - what a physical line is for */
static int
reader_kind(const char *text)
{
    const char *cp = text;

    while (rules_space((unsigned char) *cp))
        cp++;
    if (*cp == 0 || *cp == '#')
        return LINE_SKIP;
    return cp == text ? LINE_START : LINE_MORE;
}

/* reader_logical - the next logical line; 1, 0 at the end, -1 on error */
static int
reader_logical(RULES_READER *rd, STRBUF *line, int *lineno, STRBUF *err)
{
    int kind, status;

    strbuf_reset(line);
    for (;;) {
        if (!rd->have_ahead) {
            if ((status = reader_physical(rd, err)) <= 0)
                return status < 0 ? -1 : LEN(line) > 0;
            rd->have_ahead = 1;
        }
        kind = reader_kind(STR(rd->ahead));
        if (kind == LINE_START && LEN(line) > 0)
            return 1;
        rd->have_ahead = 0;
        if (kind == LINE_SKIP)
            continue;
        if (kind == LINE_MORE && LEN(line) == 0)
            return reader_error(rd, rd->ahead_lineno, err,
                                "logical line must not start with white space");
        if (kind == LINE_START)
            *lineno = rd->ahead_lineno;
        if (strbuf_memcat(line, STR(rd->ahead), LEN(rd->ahead)) < 0)
            return reader_error(rd, *lineno, err,
                                "logical line longer than %d bytes",
                                DICT_VALUE_MAX);
    }
}

/* rules_add - append an empty rule and return it */
static DICT_RULE *
rules_add(DICT_RULES *dr, int op, int lineno)
{
    DICT_RULE *r;

    if (dr->count == dr->size) {
        dr->size = dr->size ? 2 * dr->size : 16;
        dr->rules = myreallocarray(dr->rules, dr->size, sizeof(*dr->rules));
    }
    r = dr->rules + dr->count++;
    memset(r, 0, sizeof(*r));
    r->op = op;
    r->lineno = lineno;
    return r;
}

/* rules_keyword - IF, ENDIF or MATCH; skips the keyword */
static int
rules_keyword(const char **textp)
{
    const char *t = *textp;

    if (strncasecmp(t, "endif", 5) == 0 && !rules_alnum((unsigned char) t[5])) {
        *textp = t + 5;
        return DICT_RULE_ENDIF;
    }
    if (strncasecmp(t, "if", 2) == 0 && !rules_alnum((unsigned char) t[2])) {
        *textp = t + 2;
        return DICT_RULE_IF;
    }
    return DICT_RULE_MATCH;
}

/* rules_endif - close the innermost if block */
static int
rules_endif(DICT_RULES *dr, RULES_STACK *st, const char *text, int lineno,
            STRBUF *why)
{
    if (*text != 0) {
        strbuf_sprintf(why, "text after endif");
        return -1;
    }
    if (st->depth == 0) {
        strbuf_sprintf(why, "endif without matching if");
        return -1;
    }
    (void) rules_add(dr, DICT_RULE_ENDIF, lineno);
    dr->rules[st->open[--st->depth]].next = dr->count;
    return 0;
}

/* rules_push - remember an open if block */
static void
rules_push(RULES_STACK *st, size_t index)
{
    if (st->depth == st->size) {
        st->size = st->size ? 2 * st->size : 8;
        st->open = myreallocarray(st->open, st->size, sizeof(*st->open));
    }
    st->open[st->depth++] = index;
}

/* rules_pattern - parse "[!]pattern [result]" of an if or match rule */
static int
rules_pattern(DICT_RULES *dr, RULES_STACK *st, int op, const char *text,
              int lineno, STRBUF *why)
{
    DICT_RULE *r;
    const char *rest;
    size_t used, len;
    int negate = 0;
    void *pattern;

    if (*text == '!') {
        negate = 1;
        text++;
        while (rules_space((unsigned char) *text))
            text++;
    }
    if (*text == 0) {
        strbuf_sprintf(why, "missing pattern");
        return -1;
    }
    if ((pattern = dr->ops->compile(dr, text, &used, why)) == NULL)
        return -1;
    rest = trim_blanks_len(text + used, strlen(text + used), &len);
    if ((op == DICT_RULE_IF) != (len == 0)) {
        dr->ops->free_pattern(pattern);
        strbuf_sprintf(why, op == DICT_RULE_IF ? "text after if pattern"
                                               : "missing result");
        return -1;
    }
    r = rules_add(dr, op, lineno);
    r->negate = negate;
    r->pattern = pattern;
    if (op == DICT_RULE_IF) {
        rules_push(st, dr->count - 1);
        return 0;
    }
    r->result = mystrndup(rest, len);
    return dr->ops->check ? dr->ops->check(dr, r, why) : 0;
}

/* rules_parse - add the rule of one logical line */
static int
rules_parse(DICT_RULES *dr, RULES_STACK *st, const char *text, int lineno,
            STRBUF *why)
{
    int op = rules_keyword(&text);

    if (op != DICT_RULE_MATCH)
        while (rules_space((unsigned char) *text))
            text++;
    if (op == DICT_RULE_ENDIF)
        return rules_endif(dr, st, text, lineno, why);
    return rules_pattern(dr, st, op, text, lineno, why);
}

/* rules_load - read and parse the whole file */
static int
rules_load(DICT_RULES *dr, FILE *fp, const char *label, STRBUF *err)
{
    RULES_READER rd = {fp, label, 0, strbuf_create(100), 0, 0};
    RULES_STACK st = {NULL, 0, 0};
    STRBUF *line = strbuf_create(100);
    STRBUF *why = strbuf_create(100);
    int lineno = 0;
    int status;

    strbuf_set_limit(rd.ahead, DICT_VALUE_MAX);
    strbuf_set_limit(line, DICT_VALUE_MAX);
    while ((status = reader_logical(&rd, line, &lineno, err)) > 0) {
        if (rules_parse(dr, &st, STR(line), lineno, why) < 0) {
            status = reader_error(&rd, lineno, err, "%s", STR(why));
            break;
        }
    }
    if (status == 0 && st.depth > 0)
        status = reader_error(&rd, dr->rules[st.open[st.depth - 1]].lineno, err,
                              "if without matching endif");
    myfree(st.open);
    strbuf_free(rd.ahead);
    strbuf_free(line);
    strbuf_free(why);
    return status;
}

/* rules_lookup - the result of the first rule that applies */
static const char *
rules_lookup(DICT *d, const char *key)
{
    DICT_RULES *dr = (DICT_RULES *) d;
    DICT_RULE *r;
    size_t i = 0;
    int hit, applies;

    key = dict_fold(d, key);
    while (i < dr->count) {
        r = dr->rules + i;
        if (r->op == DICT_RULE_ENDIF) {
            i++;
            continue;
        }
        hit = dr->ops->match(dr, r->pattern, key);
        applies = hit >= 0 && hit != r->negate;
        if (r->op == DICT_RULE_IF)
            i = applies ? i + 1 : r->next;
        else if (applies)
            return dr->ops->result(dr, r, key);
        else
            i++;
    }
    return NULL;
}

/* rules_close - release the rules, the driver's state and the handle */
static void
rules_close(DICT *d)
{
    DICT_RULES *dr = (DICT_RULES *) d;
    size_t i;

    for (i = 0; i < dr->count; i++) {
        if (dr->rules[i].pattern != NULL)
            dr->ops->free_pattern(dr->rules[i].pattern);
        myfree(dr->rules[i].result);
    }
    myfree(dr->rules);
    if (dr->ops->close != NULL)
        dr->ops->close(dr);
    dict_free(d);
}

/* dict_rules_open - read the rule file name for a driver */
DICT *
dict_rules_open(const char *type, const char *name, size_t size,
                const DICT_RULES_OPS *ops, int open_flags, int dict_flags,
                STRBUF *err)
{
    DICT_RULES *dr;
    STRBUF *label;
    FILE *fp;
    int status;

    if ((open_flags & O_ACCMODE) != O_RDONLY) {
        strbuf_sprintf(err, "%s:%s: table is read-only", type, name);
        return NULL;
    }
    if ((fp = fopen(name, "re")) == NULL) {
        strbuf_sprintf(err, "%s:%s: open %s: %s", type, name, name,
                       strerror(errno));
        return NULL;
    }
    dr = (DICT_RULES *) dict_alloc(type, name, size);
    dr->ops = ops;
    dr->dict.flags = dict_flags | DICT_FLAG_PATTERN;
    dr->dict.lookup = rules_lookup;
    dr->dict.update = dict_readonly_update;
    dr->dict.delete = dict_readonly_delete;
    dr->dict.sequence = dict_noseq_sequence;
    dr->dict.close = rules_close;
    label = strbuf_create(100);
    strbuf_sprintf(label, "%s:%s", type, name);
    status = rules_load(dr, fp, STR(label), err);
    strbuf_free(label);
    (void) fclose(fp);
    if (status < 0) {
        rules_close(&dr->dict);
        return NULL;
    }
    return &dr->dict;
}

/* dict_rules_delimited - cut "/pattern/"; returns the text after it */
const char *
dict_rules_delimited(const char *text, STRBUF *pattern, STRBUF *err)
{
    int delim = (unsigned char) *text;
    const char *cp;

    if (delim == 0 || rules_alnum(delim) || rules_space(delim) ||
        delim == '\\') {
        strbuf_sprintf(err, "expected a pattern between delimiters, "
                            "such as /pattern/");
        return NULL;
    }
    for (cp = text + 1; *cp != delim; cp++) {
        if (*cp == 0) {
            strbuf_sprintf(err, "no closing pattern delimiter \"%c\"", delim);
            return NULL;
        }
        /* A backslash keeps the delimiter in the pattern, as written. */
        if (*cp == '\\' && cp[1] != 0)
            cp++;
    }
    strbuf_memcpy(pattern, text + 1, (size_t) (cp - text - 1));
    return cp + 1;
}

/*
 * subst_ref - parse the reference after a '$': digits, {digits} or
 * (digits).  Returns the byte after it with the group number in *index
 * (LONG_MAX when too large to hold), or NULL with a reason in why (if not
 * NULL).
 */
static const char *
subst_ref(const char *cp, long *index, STRBUF *why)
{
    const char *name = cp, *next, *close;
    size_t len;

    if (*cp == '{' || *cp == '(') {
        name = cp + 1;
        if ((close = strchr(name, *cp == '{' ? '}' : ')')) == NULL) {
            if (why)
                strbuf_sprintf(why, "missing '%c' after \"$%s\"",
                               *cp == '{' ? '}' : ')', cp);
            return NULL;
        }
        len = (size_t) (close - name);
        next = close + 1;
    } else {
        for (len = 0;
             rules_alnum((unsigned char) name[len]) || name[len] == '_'; len++)
            /* count */;
        next = name + len;
    }
    if (len > 0 && strspn(name, "0123456789") >= len) {
        if (str_to_long_len(name, len, 0, LONG_MAX, index) < 0)
            *index = LONG_MAX;
        return next;
    }
    if (why)
        strbuf_sprintf(why,
                       "bad $ reference \"$%.*s\": use $number, "
                       "${number} or $$",
                       (int) (next - cp), cp);
    return NULL;
}

/* dict_rules_subst_check - vet the $ references of a result */
int
dict_rules_subst_check(const char *result, size_t ngroups, int negate,
                       int no_regsub, STRBUF *why)
{
    const char *cp = result, *ref;
    long index;

    while ((ref = strchr(cp, '$')) != NULL) {
        if (ref[1] == '$') {
            cp = ref + 2;
            continue;
        }
        if ((cp = subst_ref(ref + 1, &index, why)) == NULL)
            return -1;
        if (negate || no_regsub) {
            strbuf_sprintf(why, negate ? "$number in the result of a negated "
                                         "pattern"
                                       : "$number substitution is not "
                                         "allowed in this table");
            return -1;
        }
        if (index < 1 || (size_t) index > ngroups) {
            strbuf_sprintf(why,
                           "\"%.*s\" is out of range: the pattern has "
                           "%zu subexpression%s",
                           (int) (cp - ref), ref, ngroups,
                           ngroups == 1 ? "" : "s");
            return -1;
        }
    }
    return 0;
}

/* dict_rules_subst - expand a vetted result; -1 when out would overflow */
int
dict_rules_subst(STRBUF *out, const char *result, const char *key,
                 const DICT_RULES_SPAN *spans, size_t nspans)
{
    const char *cp, *next;
    long index;
    int status = 0;

    strbuf_reset(out);
    for (cp = result; *cp != 0 && status == 0; cp = next) {
        if (*cp != '$') {
            next = cp + strcspn(cp, "$");
            status = strbuf_memcat(out, cp, (size_t) (next - cp));
        } else if (cp[1] == '$') {
            next = cp + 2;
            status = strbuf_addch(out, '$');
        } else {
            if ((next = subst_ref(cp + 1, &index, NULL)) == NULL)
                msg_panic("dict_rules_subst: unchecked result \"%s\"", result);
            if ((size_t) index < nspans && spans[index].so != DICT_RULES_UNSET)
                status = strbuf_memcat(out, key + spans[index].so,
                                       spans[index].eo - spans[index].so);
        }
    }
    return status;
}

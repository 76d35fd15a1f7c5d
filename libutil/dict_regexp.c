/*
 * dict_regexp - regexp:/path, POSIX regular expressions against the whole
 * lookup key (Postfix's regexp_table(5)).
 *
 * The file holds "/pattern/flags result" rules, "!/pattern/flags result",
 * and if/endif blocks, read at open by dict_rules (which documents the
 * line syntax).  The delimiter may be any byte but a letter, digit, white
 * space or backslash; a backslash before it keeps it in the pattern.  Flags
 * toggle, starting from case-insensitive extended syntax:
 *
 *   i   case sensitivity (REG_ICASE, on by default)
 *   x   extended syntax (REG_EXTENDED, on by default; off is basic syntax)
 *   m   multi-line mode (REG_NEWLINE, off by default)
 *
 * A result may use $n, ${n} or $(n) for the text of subexpression n (empty
 * when it took no part) and $$ for a '$'.  A reference beyond the
 * pattern's subexpressions, any $n in the result of a negated pattern, and
 * with DICT_FLAG_NO_REGSUB any $n at all, are open errors, as are bad
 * flags and patterns regcomp() rejects (its text is quoted).
 *
 * dict_regexp_open() returns a handle the caller owns (dict_close()), or
 * NULL with "regexp:/path, line N: reason" in err.  Lookups return text
 * owned by the handle, valid until the next lookup; a result longer than
 * DICT_VALUE_MAX bytes after substitution fails with DICT_ERR_CONFIG.
 */
#include <regex.h>
#include <string.h>

#include "dict_regexp.h"
#include "dict_rules.h"
#include "msg.h"
#include "mymalloc.h"

typedef struct DICT_REGEXP {
    DICT_RULES rules;
    regmatch_t *pmatch;     /* groups of the last match */
    DICT_RULES_SPAN *spans; /* the same, for substitution */
    size_t nmatch;          /* slots in both */
    STRBUF *expansion;      /* the last substituted result */
} DICT_REGEXP;

typedef struct REGEXP_PATTERN {
    regex_t re;
    size_t ngroups; /* parenthesised subexpressions */
} REGEXP_PATTERN;

/* regexp_flags - toggle cflags per the letters after the pattern */
static const char *
regexp_flags(const char *cp, int *cflags, STRBUF *err)
{
    *cflags = REG_EXTENDED | REG_ICASE;
    for (; *cp != 0 && strchr(" \t\n\v\f\r", *cp) == NULL; cp++) {
        switch (*cp) {
            case 'i':
                *cflags ^= REG_ICASE;
                break;
            case 'x':
                *cflags ^= REG_EXTENDED;
                break;
            case 'm':
                *cflags ^= REG_NEWLINE;
                break;
            default:
                strbuf_sprintf(err, "unknown regexp flag \"%c\"", *cp);
                return NULL;
        }
    }
    return cp;
}

/* regexp_room - make the match arrays hold ngroups + 1 entries */
static void
regexp_room(DICT_REGEXP *dx, size_t ngroups)
{
    if (dx->expansion == NULL) {
        dx->expansion = strbuf_create(100);
        strbuf_set_limit(dx->expansion, DICT_VALUE_MAX);
    }
    if (ngroups + 1 <= dx->nmatch)
        return;
    dx->nmatch = ngroups + 1;
    dx->pmatch = myreallocarray(dx->pmatch, dx->nmatch, sizeof(*dx->pmatch));
    dx->spans = myreallocarray(dx->spans, dx->nmatch, sizeof(*dx->spans));
}

/* regexp_compile - "/pattern/flags" at text -> REGEXP_PATTERN */
static void *
regexp_compile(DICT_RULES *dr, const char *text, size_t *used, STRBUF *err)
{
    STRBUF *source = strbuf_create(100);
    REGEXP_PATTERN *p = NULL;
    const char *cp;
    int cflags, rc;
    char buf[256];

    if ((cp = dict_rules_delimited(text, source, err)) != NULL &&
        (cp = regexp_flags(cp, &cflags, err)) != NULL) {
        p = mymalloc(sizeof(*p));
        if ((rc = regcomp(&p->re, STR(source), cflags)) != 0) {
            (void) regerror(rc, &p->re, buf, sizeof(buf));
            strbuf_sprintf(err, "bad regular expression: %s", buf);
            myfree(p);
            p = NULL;
        } else {
            p->ngroups = p->re.re_nsub;
            regexp_room((DICT_REGEXP *) dr, p->ngroups);
            *used = (size_t) (cp - text);
        }
    }
    strbuf_free(source);
    return p;
}

/* regexp_check - vet the $n references of a result */
static int
regexp_check(DICT_RULES *dr, const DICT_RULE *rule, STRBUF *err)
{
    const REGEXP_PATTERN *p = rule->pattern;

    return dict_rules_subst_check(rule->result, p->ngroups, rule->negate,
                                  dr->dict.flags & DICT_FLAG_NO_REGSUB, err);
}

/* regexp_match - 1 when the key matches, 0 when not, -1 on error */
static int
regexp_match(DICT_RULES *dr, void *pattern, const char *key)
{
    DICT_REGEXP *dx = (DICT_REGEXP *) dr;
    REGEXP_PATTERN *p = pattern;
    char buf[256];
    int rc;

    rc = regexec(&p->re, key, p->ngroups + 1, dx->pmatch, 0);
    if (rc == 0)
        return 1;
    if (rc == REG_NOMATCH)
        return 0;
    (void) regerror(rc, &p->re, buf, sizeof(buf));
    msg_warn("%s:%s: regexec: %s", dr->dict.type, dr->dict.name, buf);
    return -1;
}

/* regexp_result - the rule's result with $n replaced */
static const char *
regexp_result(DICT_RULES *dr, const DICT_RULE *rule, const char *key)
{
    DICT_REGEXP *dx = (DICT_REGEXP *) dr;
    const REGEXP_PATTERN *p = rule->pattern;
    size_t i, n = rule->negate ? 0 : p->ngroups + 1;

    if (strchr(rule->result, '$') == NULL)
        return rule->result;
    for (i = 0; i < n; i++) {
        dx->spans[i].so = dx->pmatch[i].rm_so < 0
                              ? DICT_RULES_UNSET
                              : (size_t) dx->pmatch[i].rm_so;
        dx->spans[i].eo = (size_t) dx->pmatch[i].rm_eo;
    }
    if (dict_rules_subst(dx->expansion, rule->result, key, dx->spans, n) < 0) {
        msg_warn("%s:%s, line %d: result longer than %d bytes", dr->dict.type,
                 dr->dict.name, rule->lineno, DICT_VALUE_MAX);
        dr->dict.error = DICT_ERR_CONFIG;
        return NULL;
    }
    return STR(dx->expansion);
}

/* regexp_free_pattern - release one compiled pattern */
static void
regexp_free_pattern(void *pattern)
{
    REGEXP_PATTERN *p = pattern;

    regfree(&p->re);
    myfree(p);
}

/* regexp_close - release the match state */
static void
regexp_close(DICT_RULES *dr)
{
    DICT_REGEXP *dx = (DICT_REGEXP *) dr;

    myfree(dx->pmatch);
    myfree(dx->spans);
    strbuf_free(dx->expansion);
}

static const DICT_RULES_OPS regexp_ops = {
    regexp_compile, regexp_check,        regexp_match,
    regexp_result,  regexp_free_pattern, regexp_close,
};

/* dict_regexp_open - open regexp:name */
DICT *
dict_regexp_open(const char *name, int open_flags, int dict_flags, STRBUF *err)
{
    return dict_rules_open("regexp", name, sizeof(DICT_REGEXP), &regexp_ops,
                           open_flags, dict_flags, err);
}

/*
 * dict_pcre - pcre:/path, Perl-compatible regular expressions (PCRE2)
 * against the whole lookup key (Postfix's pcre_table(5)).
 *
 * The file syntax is regexp:'s (dict_regexp.c, dict_rules.c): "/pattern/
 * flags result", "!/pattern/flags result", if/endif blocks, $n, ${n},
 * $(n) and $$ in results (numbered groups only, no names).  Flags toggle,
 * starting from PCRE2_CASELESS | PCRE2_DOTALL:
 *
 *   i   PCRE2_CASELESS (on)          m   PCRE2_MULTILINE (off)
 *   s   PCRE2_DOTALL (on)            x   PCRE2_EXTENDED (off)
 *   A   PCRE2_ANCHORED (off)         E   PCRE2_DOLLAR_ENDONLY (off)
 *   U   PCRE2_UNGREEDY (off)         X   accepted and ignored: PCRE2
 *                                        always rejects unknown escapes
 *
 * Open errors as for regexp:, with PCRE2's message and offset for a bad
 * pattern.  A match that PCRE2 aborts (match limit, say) is logged and the
 * rule does not apply.  dict_pcre_open() returns a handle the caller owns
 * (dict_close()), or NULL with "pcre:/path, line N: reason" in err.
 * Lookups return text owned by the handle, valid until the next lookup.
 * Built only when HAS_PCRE2 is defined.
 */
#ifdef HAS_PCRE2

#include <pcre2.h>
#include <string.h>

#include "dict_pcre.h"
#include "dict_rules.h"
#include "msg.h"
#include "mymalloc.h"

typedef struct DICT_PCRE {
    DICT_RULES rules;
    pcre2_match_data *md;   /* groups of the last match */
    DICT_RULES_SPAN *spans; /* the same, for substitution */
    size_t ngroups_max;     /* most groups of any pattern */
    STRBUF *expansion;      /* the last substituted result */
} DICT_PCRE;

typedef struct PCRE_PATTERN {
    pcre2_code *code;
    size_t ngroups; /* capturing groups */
} PCRE_PATTERN;

/* The flag letters and the options they toggle (0: accepted, no effect). */
static const struct {
    int letter;
    uint32_t option;
} pcre_flag_map[] = {
    {'i', PCRE2_CASELESS},
    {'m', PCRE2_MULTILINE},
    {'s', PCRE2_DOTALL},
    {'x', PCRE2_EXTENDED},
    {'A', PCRE2_ANCHORED},
    {'U', PCRE2_UNGREEDY},
    {'X', 0},
    {'E', PCRE2_DOLLAR_ENDONLY},
};

/* pcre_flags - toggle options per the letters after the pattern */
static const char *
pcre_flags(const char *cp, uint32_t *options, STRBUF *err)
{
    size_t i;

    *options = PCRE2_CASELESS | PCRE2_DOTALL;
    for (; *cp != 0 && strchr(" \t\n\v\f\r", *cp) == NULL; cp++) {
        for (i = 0; i < sizeof(pcre_flag_map) / sizeof(pcre_flag_map[0]); i++)
            if (pcre_flag_map[i].letter == *cp)
                break;
        if (i == sizeof(pcre_flag_map) / sizeof(pcre_flag_map[0])) {
            strbuf_sprintf(err, "unknown regexp flag \"%c\"", *cp);
            return NULL;
        }
        *options ^= pcre_flag_map[i].option;
    }
    return cp;
}

/* pcre_build - compile source; NULL with PCRE2's reason in err */
static PCRE_PATTERN *
pcre_build(const STRBUF *source, uint32_t options, STRBUF *err)
{
    PCRE_PATTERN *p;
    PCRE2_SIZE offset;
    PCRE2_UCHAR buf[256];
    uint32_t count;
    int code;

    p = mymalloc(sizeof(*p));
    p->code = pcre2_compile((PCRE2_SPTR) STR(source), LEN(source), options,
                            &code, &offset, NULL);
    if (p->code == NULL) {
        (void) pcre2_get_error_message(code, buf, sizeof(buf));
        strbuf_sprintf(err, "bad regular expression at offset %zu: %s",
                       (size_t) offset, (char *) buf);
        myfree(p);
        return NULL;
    }
    (void) pcre2_pattern_info(p->code, PCRE2_INFO_CAPTURECOUNT, &count);
    p->ngroups = count;
    return p;
}

/* pcre_compile_rule - "/pattern/flags" at text -> PCRE_PATTERN */
static void *
pcre_compile_rule(DICT_RULES *dr, const char *text, size_t *used, STRBUF *err)
{
    DICT_PCRE *dp = (DICT_PCRE *) dr;
    STRBUF *source = strbuf_create(100);
    PCRE_PATTERN *p = NULL;
    const char *cp;
    uint32_t options;

    if ((cp = dict_rules_delimited(text, source, err)) != NULL &&
        (cp = pcre_flags(cp, &options, err)) != NULL &&
        (p = pcre_build(source, options, err)) != NULL) {
        if (p->ngroups > dp->ngroups_max)
            dp->ngroups_max = p->ngroups;
        *used = (size_t) (cp - text);
    }
    strbuf_free(source);
    return p;
}

/* pcre_check - vet the $n references of a result */
static int
pcre_check(DICT_RULES *dr, const DICT_RULE *rule, STRBUF *err)
{
    const PCRE_PATTERN *p = rule->pattern;

    return dict_rules_subst_check(rule->result, p->ngroups, rule->negate,
                                  dr->dict.flags & DICT_FLAG_NO_REGSUB, err);
}

/* pcre_match - 1 when the key matches, 0 when not, -1 on error */
static int
pcre_match(DICT_RULES *dr, void *pattern, const char *key)
{
    DICT_PCRE *dp = (DICT_PCRE *) dr;
    PCRE_PATTERN *p = pattern;
    PCRE2_UCHAR buf[256];
    int rc;

    /* Sized once the file is read: room for the largest pattern. */
    if (dp->md == NULL) {
        dp->md = pcre2_match_data_create((uint32_t) dp->ngroups_max + 1, NULL);
        if (dp->md == NULL)
            msg_fatal("%s:%s: out of memory", dr->dict.type, dr->dict.name);
        dp->spans = mycalloc(dp->ngroups_max + 1, sizeof(*dp->spans));
        dp->expansion = strbuf_create(100);
        strbuf_set_limit(dp->expansion, DICT_VALUE_MAX);
    }
    rc = pcre2_match(p->code, (PCRE2_SPTR) key, PCRE2_ZERO_TERMINATED, 0, 0,
                     dp->md, NULL);
    if (rc >= 0)
        return 1;
    if (rc == PCRE2_ERROR_NOMATCH)
        return 0;
    (void) pcre2_get_error_message(rc, buf, sizeof(buf));
    msg_warn("%s:%s: pcre2_match: %s", dr->dict.type, dr->dict.name,
             (char *) buf);
    return -1;
}

/* pcre_result - the rule's result with $n replaced */
static const char *
pcre_result(DICT_RULES *dr, const DICT_RULE *rule, const char *key)
{
    DICT_PCRE *dp = (DICT_PCRE *) dr;
    const PCRE_PATTERN *p = rule->pattern;
    size_t i, n = rule->negate ? 0 : p->ngroups + 1;
    PCRE2_SIZE *ov;

    if (strchr(rule->result, '$') == NULL)
        return rule->result;
    ov = pcre2_get_ovector_pointer(dp->md);
    for (i = 0; i < n; i++) {
        dp->spans[i].so =
            ov[2 * i] == PCRE2_UNSET ? DICT_RULES_UNSET : (size_t) ov[2 * i];
        dp->spans[i].eo = (size_t) ov[2 * i + 1];
    }
    if (dict_rules_subst(dp->expansion, rule->result, key, dp->spans, n) < 0) {
        msg_warn("%s:%s, line %d: result longer than %d bytes", dr->dict.type,
                 dr->dict.name, rule->lineno, DICT_VALUE_MAX);
        dr->dict.error = DICT_ERR_CONFIG;
        return NULL;
    }
    return STR(dp->expansion);
}

/* pcre_free_pattern - release one compiled pattern */
static void
pcre_free_pattern(void *pattern)
{
    PCRE_PATTERN *p = pattern;

    pcre2_code_free(p->code);
    myfree(p);
}

/* pcre_close - release the match state */
static void
pcre_close(DICT_RULES *dr)
{
    DICT_PCRE *dp = (DICT_PCRE *) dr;

    pcre2_match_data_free(dp->md);
    myfree(dp->spans);
    strbuf_free(dp->expansion);
}

static const DICT_RULES_OPS pcre_ops = {
    pcre_compile_rule, pcre_check,        pcre_match,
    pcre_result,       pcre_free_pattern, pcre_close,
};

/* dict_pcre_open - open pcre:name */
DICT *
dict_pcre_open(const char *name, int open_flags, int dict_flags, STRBUF *err)
{
    return dict_rules_open("pcre", name, sizeof(DICT_PCRE), &pcre_ops,
                           open_flags, dict_flags, err);
}

#else

/* Keeps the translation unit non-empty (ISO C) in builds without PCRE2. */
extern int dict_pcre_absent;

#endif

#ifndef DICT_RULES_H
#define DICT_RULES_H

/*
 * dict_rules - the engine behind the rule-file tables (regexp:, pcre:,
 * cidr:): an ordered list of "pattern result" rules with if/endif blocks,
 * read from a file at open, first match wins.
 *
 * A driver supplies DICT_RULES_OPS (compile, check, match, result) and
 * calls dict_rules_open(); the engine reads the file, parses the lines,
 * pairs if with endif and walks the rules on each lookup.  Open errors name
 * the table and line ("regexp:/etc/x, line 4: missing result") and are
 * returned in err.  The $n substitution helpers serve regexp: and pcre:.
 */
#include <stddef.h>

#include "dict.h"
#include "strbuf.h"

/* What a rule does. */
#define DICT_RULE_MATCH 1 /* pattern result */
#define DICT_RULE_IF    2 /* if pattern */
#define DICT_RULE_ENDIF 3 /* endif */

typedef struct DICT_RULE {
    int op;        /* DICT_RULE_* */
    int negate;    /* "!pattern": applies when the pattern does not match */
    int lineno;    /* first line of the rule in the file */
    size_t next;   /* IF: index of the rule after its ENDIF */
    void *pattern; /* the driver's compiled pattern, NULL for ENDIF */
    char *result;  /* MATCH: the result as written, trimmed */
} DICT_RULE;

typedef struct DICT_RULES DICT_RULES;

/*
 * Driver methods.  compile() parses the pattern at the start of text and
 * stores how many bytes it used (the pattern ends at white space or at the
 * end); check() vets a MATCH rule's result (may be NULL).  Both put a
 * reason without the "type:name, line N: " prefix in err.  match() returns
 * 1 (match), 0 (no match) or -1 (the rule does not apply, negated or not:
 * an error the driver logged, or a key the pattern cannot judge); result()
 * returns the value of a rule that applies, or NULL with d->error set.
 */
typedef struct DICT_RULES_OPS {
    void *(*compile)(DICT_RULES *dr, const char *text, size_t *used,
                     STRBUF *err);
    int (*check)(DICT_RULES *dr, const DICT_RULE *rule, STRBUF *err);
    int (*match)(DICT_RULES *dr, void *pattern, const char *key);
    const char *(*result)(DICT_RULES *dr, const DICT_RULE *rule,
                          const char *key);
    void (*free_pattern)(void *pattern);
    void (*close)(DICT_RULES *dr); /* driver state; may be NULL */
} DICT_RULES_OPS;

struct DICT_RULES {
    DICT dict;
    const DICT_RULES_OPS *ops;
    DICT_RULE *rules; /* in file order */
    size_t count;     /* rules in use */
    size_t size;      /* rules allocated */
};

/* One group of the last match, for $n; DICT_RULES_UNSET if it took no part. */
typedef struct DICT_RULES_SPAN {
    size_t so; /* start offset in the key */
    size_t eo; /* end offset */
} DICT_RULES_SPAN;

#define DICT_RULES_UNSET ((size_t) -1)

extern DICT *dict_rules_open(const char *type, const char *name, size_t size,
                             const DICT_RULES_OPS *ops, int open_flags,
                             int dict_flags, STRBUF *err);
extern const char *dict_rules_delimited(const char *text, STRBUF *pattern,
                                        STRBUF *err);
extern int dict_rules_subst_check(const char *result, size_t ngroups,
                                  int negate, int no_regsub, STRBUF *err);
extern int dict_rules_subst(STRBUF *out, const char *result, const char *key,
                            const DICT_RULES_SPAN *spans, size_t nspans);

#endif

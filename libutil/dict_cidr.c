/*
 * dict_cidr - cidr:/path, IPv4 and IPv6 networks matched against an
 * address key (Postfix's cidr_table(5)).
 *
 * The file holds "pattern result" rules, "!pattern result" (the result
 * when the key is outside the pattern) and if/endif blocks, read at open
 * by dict_rules (which documents the line syntax).  A pattern is an
 * address (an exact match) or network/prefix; the address may be
 * written inside [brackets], with or without the /prefix inside them.
 * Patterns are parsed and matched by cidr_match: addresses with
 * inet_pton(), so IPv4 octets with leading zeros and IPv6 zone suffixes
 * are refused; a prefix is decimal, 0-32 or 0-128.  The result is literal text ($ has no meaning here).
 *
 * Open errors, in err as "cidr:/path, line N: reason": a bad address, a
 * bad prefix length, a missing ']', and a network with bits set after the
 * prefix (the message suggests the network meant).
 *
 * A key is an address in inet_pton() form, compared in binary after the
 * same parsing (so 2001:DB8::1 and 2001:db8:0::1 are equal).  A rule
 * applies only to keys of its own family, negated or not, as in Postfix:
 * "!10.0.0.0/8" answers for 192.0.2.1 but not for ::1, and "if !10.0.0.0/8"
 * skips its block for ::1; ::ffff:1.2.3.4 is IPv6.  A key that is not an
 * address (brackets included) is not found.
 * dict_cidr_open() returns a handle the caller owns (dict_close()).
 */
#include <string.h>

#include "cidr_match.h"
#include "dict_cidr.h"
#include "dict_rules.h"
#include "mymalloc.h"

typedef struct DICT_CIDR {
    DICT_RULES rules;
    STRBUF *key;    /* the key parsed last */
    CIDR_ADDR addr; /* what it parsed to */
} DICT_CIDR;

/* cidr_compile - the pattern token at the start of text */
static void *
cidr_compile(DICT_RULES *dr, const char *text, size_t *used, STRBUF *err)
{
    CIDR_PATTERN *p = mymalloc(sizeof(*p));

    (void) dr;
    *used = strcspn(text, " \t\n\v\f\r");
    if (cidr_pattern_parse(text, *used, p, err) < 0) {
        myfree(p);
        return NULL;
    }
    return p;
}

/* cidr_match - 1 inside the network, 0 outside, -1 other family */
static int
cidr_match(DICT_RULES *dr, void *pattern, const char *key)
{
    DICT_CIDR *dc = (DICT_CIDR *) dr;
    const CIDR_PATTERN *p = pattern;

    /* The engine asks every rule about one key: parse it once. */
    if (dc->key == NULL || strcmp(STR(dc->key), key) != 0) {
        if (dc->key == NULL)
            dc->key = strbuf_create(64);
        strbuf_strcpy(dc->key, key);
        (void) cidr_addr_parse(key, &dc->addr);
    }
    /* Neither "pattern" nor "!pattern" applies to another family. */
    return cidr_pattern_match(p, &dc->addr);
}

/* cidr_result - the rule's literal result */
static const char *
cidr_result(DICT_RULES *dr, const DICT_RULE *rule, const char *key)
{
    (void) dr;
    (void) key;
    return rule->result;
}

/* cidr_close - release the key cache */
static void
cidr_close(DICT_RULES *dr)
{
    strbuf_free(((DICT_CIDR *) dr)->key);
}

static const DICT_RULES_OPS cidr_ops = {
    cidr_compile, NULL, cidr_match, cidr_result, myfree, cidr_close,
};

/* dict_cidr_open - open cidr:name */
DICT *
dict_cidr_open(const char *name, int open_flags, int dict_flags, STRBUF *err)
{
    return dict_rules_open("cidr", name, sizeof(DICT_CIDR), &cidr_ops,
                           open_flags, dict_flags, err);
}

/*
 * dict_cidr - cidr:/path, IPv4 and IPv6 networks matched against an
 * address key (Postfix's cidr_table(5)).
 *
 * The file holds "pattern result" rules, "!pattern result" (the result
 * when the key is outside the pattern) and if/endif blocks, read at open
 * by dict_rules (which documents the line syntax).  A pattern is an
 * address (an exact match) or network/prefix; the address may be
 * written inside [brackets], with or without the /prefix inside them.
 * Addresses are parsed with inet_pton(), so IPv4 octets with leading
 * zeros and IPv6 zone suffixes are refused; a prefix is decimal, 0-32 or
 * 0-128.  The result is literal text ($ has no meaning here).
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
#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>

#include "dict_cidr.h"
#include "dict_rules.h"
#include "mymalloc.h"
#include "stringops.h"

#define CIDR_ADDR_MAX 16 /* bytes in an IPv6 address */

typedef struct CIDR_ADDR {
    int family; /* AF_INET, AF_INET6, 0: not an address */
    unsigned char bytes[CIDR_ADDR_MAX];
} CIDR_ADDR;

typedef struct CIDR_PATTERN {
    CIDR_ADDR net;                     /* network, host bits zero */
    unsigned char mask[CIDR_ADDR_MAX]; /* prefix bits set */
} CIDR_PATTERN;

typedef struct DICT_CIDR {
    DICT_RULES rules;
    STRBUF *key;    /* the key parsed last */
    CIDR_ADDR addr; /* what it parsed to */
} DICT_CIDR;

/* cidr_size - bytes in an address of the family */
static size_t
cidr_size(int family)
{
    return family == AF_INET6 ? 16 : 4;
}

/* cidr_parse_addr - text -> address; -1 when it is not one */
static int
cidr_parse_addr(const char *text, CIDR_ADDR *addr)
{
    memset(addr, 0, sizeof(*addr));
    addr->family = strchr(text, ':') != NULL ? AF_INET6 : AF_INET;
    if (inet_pton(addr->family, text, addr->bytes) != 1) {
        addr->family = 0;
        return -1;
    }
    return 0;
}

/* cidr_unbracket - "[addr]/len" or "[addr/len]" -> "addr/len" */
static int
cidr_unbracket(STRBUF *tok, STRBUF *err)
{
    char *close;

    if (STR(tok)[0] != '[')
        return 0;
    if ((close = strchr(STR(tok), ']')) == NULL) {
        strbuf_sprintf(err, "missing ']' in \"%s\"", STR(tok));
        return -1;
    }
    memmove(close, close + 1, strlen(close + 1) + 1);
    memmove(STR(tok), STR(tok) + 1, strlen(STR(tok) + 1) + 1);
    LEN(tok) -= 2;
    return 0;
}

/* cidr_prefix - the prefix length after '/', or all bits without one */
static long
cidr_prefix(const char *slash, int family)
{
    long bits = (long) cidr_size(family) * 8;
    long len;

    if (slash == NULL)
        return bits;
    if (!alldig(slash + 1) || str_to_long(slash + 1, 0, bits, &len) < 0)
        return -1;
    return len;
}

/* cidr_set_mask - mask bits, net &= mask; 1 if host bits were set */
static int
cidr_set_mask(CIDR_PATTERN *p, long bits)
{
    size_t i, size = cidr_size(p->net.family);
    int host_bits = 0;

    memset(p->mask, 0, sizeof(p->mask));
    for (i = 0; i < size; i++, bits -= 8) {
        if (bits >= 8)
            p->mask[i] = 0xff;
        else if (bits > 0)
            p->mask[i] = (unsigned char) (0xff << (8 - bits));
        host_bits |= (p->net.bytes[i] & ~p->mask[i]) != 0;
        p->net.bytes[i] &= p->mask[i];
    }
    return host_bits;
}

/* cidr_host_bits - the error for a network with host bits set */
static void
cidr_host_bits(const CIDR_PATTERN *p, const char *tok, long bits, STRBUF *err)
{
    char buf[INET6_ADDRSTRLEN];

    (void) inet_ntop(p->net.family, p->net.bytes, buf, sizeof(buf));
    strbuf_sprintf(err,
                   "non-zero host bits in \"%s\": perhaps you meant "
                   "\"%s/%ld\"",
                   tok, buf, bits);
}

/* cidr_parse - one pattern token -> CIDR_PATTERN; NULL + reason in err */
static CIDR_PATTERN *
cidr_parse(STRBUF *tok, STRBUF *err)
{
    CIDR_PATTERN *p = mycalloc(1, sizeof(*p));
    STRBUF *text = strbuf_create(LEN(tok));
    char *slash;
    long bits;

    strbuf_strcpy(text, STR(tok));
    if (cidr_unbracket(text, err) < 0)
        goto bad;
    if ((slash = strchr(STR(text), '/')) != NULL)
        *slash = 0;
    if (cidr_parse_addr(STR(text), &p->net) < 0) {
        strbuf_sprintf(err, "bad address pattern \"%s\"", STR(tok));
        goto bad;
    }
    if ((bits = cidr_prefix(slash, p->net.family)) < 0) {
        strbuf_sprintf(err, "bad prefix length in \"%s\"", STR(tok));
        goto bad;
    }
    if (cidr_set_mask(p, bits)) {
        cidr_host_bits(p, STR(tok), bits, err);
        goto bad;
    }
    strbuf_free(text);
    return p;
bad:
    strbuf_free(text);
    myfree(p);
    return NULL;
}

/* cidr_compile - the pattern token at the start of text */
static void *
cidr_compile(DICT_RULES *dr, const char *text, size_t *used, STRBUF *err)
{
    STRBUF *tok = strbuf_create(64);
    CIDR_PATTERN *p;

    (void) dr;
    *used = strcspn(text, " \t\n\v\f\r");
    strbuf_memcpy(tok, text, *used);
    p = cidr_parse(tok, err);
    strbuf_free(tok);
    return p;
}

/* cidr_match - 1 inside the network, 0 outside, -1 other family */
static int
cidr_match(DICT_RULES *dr, void *pattern, const char *key)
{
    DICT_CIDR *dc = (DICT_CIDR *) dr;
    const CIDR_PATTERN *p = pattern;
    size_t i;

    /* The engine asks every rule about one key: parse it once. */
    if (dc->key == NULL || strcmp(STR(dc->key), key) != 0) {
        if (dc->key == NULL)
            dc->key = strbuf_create(64);
        strbuf_strcpy(dc->key, key);
        (void) cidr_parse_addr(key, &dc->addr);
    }
    /* Neither "pattern" nor "!pattern" applies to another family. */
    if (dc->addr.family != p->net.family)
        return -1;
    for (i = 0; i < cidr_size(p->net.family); i++)
        if ((dc->addr.bytes[i] & p->mask[i]) != p->net.bytes[i])
            return 0;
    return 1;
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

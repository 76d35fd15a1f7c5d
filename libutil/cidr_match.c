/*
 * cidr_match - IPv4 and IPv6 addresses and networks in binary.
 *
 * cidr_addr_parse() turns an address in inet_pton() form into a CIDR_ADDR
 * (family 0 and -1 when it is not one: IPv4 octets with leading zeros,
 * IPv6 zone suffixes and brackets are refused).
 *
 * cidr_pattern_parse() turns a pattern of len bytes into a CIDR_PATTERN:
 * an address (all bits significant) or network/prefix, the address
 * optionally inside [brackets] with or without the /prefix inside them
 * ("[2001:db8::]/32", "[2001:db8::/32]").  The prefix is decimal, 0-32 or
 * 0-128.  It returns 0, or -1 with a reason in err: a bad address, a bad
 * prefix length, a missing ']', or a network with bits set after the
 * prefix (the message suggests the network meant).  Patterns longer than
 * CIDR_TEXT_MAX are bad addresses.
 *
 * cidr_pattern_match() returns 1 when the address is inside the network,
 * 0 when outside, and -1 when it is of another family (or no address):
 * callers decide what a negated pattern means for another family.
 * Nothing here allocates beyond a temporary copy, nothing is fatal.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>

#include "cidr_match.h"
#include "stringops.h"

/* Longest pattern text: "[" IPv6 "]/128" with room to spare. */
#define CIDR_TEXT_MAX 80

/* cidr_size - bytes in an address of the family */
static size_t
cidr_size(int family)
{
    return family == AF_INET6 ? 16 : 4;
}

/* cidr_addr_parse - text -> address; -1 when it is not one */
int
cidr_addr_parse(const char *text, CIDR_ADDR *addr)
{
    memset(addr, 0, sizeof(*addr));
    addr->family = strchr(text, ':') != NULL ? AF_INET6 : AF_INET;
    if (inet_pton(addr->family, text, addr->bytes) != 1) {
        addr->family = 0;
        return -1;
    }
    return 0;
}

/* cidr_unbracket - "[addr]/len" or "[addr/len]" -> "addr/len" in place */
static int
cidr_unbracket(char *text, const char *orig, STRBUF *err)
{
    char *close;

    if (text[0] != '[')
        return 0;
    if ((close = strchr(text, ']')) == NULL) {
        strbuf_sprintf(err, "missing ']' in \"%s\"", orig);
        return -1;
    }
    memmove(close, close + 1, strlen(close + 1) + 1);
    memmove(text, text + 1, strlen(text + 1) + 1);
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

/* cidr_pattern_parse - pattern text -> CIDR_PATTERN; -1 + reason in err */
int
cidr_pattern_parse(const char *text, size_t len, CIDR_PATTERN *p, STRBUF *err)
{
    char orig[CIDR_TEXT_MAX + 1], work[CIDR_TEXT_MAX + 1];
    char *slash;
    long bits;

    memset(p, 0, sizeof(*p));
    if (len > CIDR_TEXT_MAX || memchr(text, 0, len) != NULL) {
        strbuf_sprintf(err, "bad address pattern \"%.*s\"",
                       (int) (len > CIDR_TEXT_MAX ? CIDR_TEXT_MAX : len), text);
        return -1;
    }
    memcpy(orig, text, len);
    orig[len] = 0;
    memcpy(work, orig, len + 1);
    if (cidr_unbracket(work, orig, err) < 0)
        return -1;
    if ((slash = strchr(work, '/')) != NULL)
        *slash = 0;
    if (cidr_addr_parse(work, &p->net) < 0) {
        strbuf_sprintf(err, "bad address pattern \"%s\"", orig);
        return -1;
    }
    if ((bits = cidr_prefix(slash, p->net.family)) < 0) {
        strbuf_sprintf(err, "bad prefix length in \"%s\"", orig);
        return -1;
    }
    if (cidr_set_mask(p, bits)) {
        cidr_host_bits(p, orig, bits, err);
        return -1;
    }
    return 0;
}

/* cidr_pattern_match - 1 inside the network, 0 outside, -1 other family */
int
cidr_pattern_match(const CIDR_PATTERN *p, const CIDR_ADDR *addr)
{
    size_t i;

    if (addr->family != p->net.family)
        return -1;
    for (i = 0; i < cidr_size(p->net.family); i++)
        if ((addr->bytes[i] & p->mask[i]) != p->net.bytes[i])
            return 0;
    return 1;
}

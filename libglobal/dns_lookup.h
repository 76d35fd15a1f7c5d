#ifndef DNS_LOOKUP_H
#define DNS_LOOKUP_H

/*
 * dns_lookup - MX and address lookups for the SMTP client, through the
 * system resolver (res_nquery), and the strict parsers of their replies.
 *
 * dns_parse_mx() and dns_parse_addr() take one reply message (pointer
 * and length) and have no side effects: they are what the unit tests and
 * the fuzz target exercise.  dns_lookup_mx() and dns_lookup_addr() ask
 * the resolver and parse.  Results are owned by the caller:
 * dns_mx_free() releases an MX list, argv_free() an address list.
 * Every count is bounded (DNS_MAX_RR records kept).  Nothing is fatal.
 *
 * Results: DNS_OK (at least one record), DNS_NOTFOUND (the name does not
 * exist, or has no record of that type), DNS_RETRY (a temporary failure:
 * SERVFAIL, a timeout, no resolver), DNS_FAIL (a permanent failure: a
 * malformed reply, a refused query).  why says what happened.
 */
#include <stddef.h>

#include "argv.h"
#include "strbuf.h"

#define DNS_OK       0
#define DNS_NOTFOUND 1
#define DNS_RETRY    2
#define DNS_FAIL     3

#define DNS_MAX_RR 100 /* most records kept from one reply */

typedef struct DNS_MX {
    unsigned pref; /* RFC 5321 section 5.1: lower is preferred */
    char *host;    /* without the trailing dot; "" for the root (null MX) */
} DNS_MX;

extern int dns_parse_mx(const unsigned char *msg, size_t len, DNS_MX **mx,
                        size_t *count, STRBUF *why);
extern int dns_parse_addr(const unsigned char *msg, size_t len, int family,
                          ARGV *addrs, STRBUF *why);
extern void dns_mx_free(DNS_MX *mx, size_t count);

/*
 * dns_mx_sort - order by preference, shuffling records of equal
 * preference (RFC 5321 section 5.1) with rnd(n) in [0, n); rnd may be
 * NULL for no shuffle.
 */
extern void dns_mx_sort(DNS_MX *mx, size_t count, size_t (*rnd)(size_t));

/* dns_mx_is_null - RFC 7505: one record, preference 0, host "." */
extern int dns_mx_is_null(const DNS_MX *mx, size_t count);

extern int dns_lookup_mx(const char *name, DNS_MX **mx, size_t *count,
                         STRBUF *why);
extern int dns_lookup_addr(const char *name, int family, ARGV *addrs,
                           STRBUF *why);

#endif

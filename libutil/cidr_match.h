#ifndef CIDR_MATCH_H
#define CIDR_MATCH_H

/*
 * cidr_match - IPv4 and IPv6 addresses and networks in binary, shared by
 * cidr: tables and address lists (mynetworks).  See cidr_match.c.
 */
#include <stddef.h>

#include "strbuf.h"

#define CIDR_ADDR_MAX 16 /* bytes in an IPv6 address */

typedef struct CIDR_ADDR {
    int family; /* AF_INET, AF_INET6, 0: not an address */
    unsigned char bytes[CIDR_ADDR_MAX];
} CIDR_ADDR;

typedef struct CIDR_PATTERN {
    CIDR_ADDR net;                     /* network, host bits zero */
    unsigned char mask[CIDR_ADDR_MAX]; /* prefix bits set */
} CIDR_PATTERN;

extern int cidr_addr_parse(const char *text, CIDR_ADDR *addr);
extern int cidr_pattern_parse(const char *text, size_t len, CIDR_PATTERN *p,
                              STRBUF *err);
extern int cidr_pattern_match(const CIDR_PATTERN *p, const CIDR_ADDR *addr);

#endif

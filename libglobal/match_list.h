#ifndef MATCH_LIST_H
#define MATCH_LIST_H

/*
 * match_list - Postfix's pattern lists: the values of mydestination,
 * relay_domains, virtual_alias_domains (domain lists), mynetworks
 * (address lists) and smtpd client lists (name or address).
 *
 * A list is patterns separated by commas and/or whitespace, in order;
 * the first that matches decides.  A pattern is:
 *   - "!pattern": a match means "not in the list" (stops the search);
 *   - "/path/name": the patterns in that file (one or more a line, '#'
 *     comments), read at create time; a file may not name files
 *     (bounded depth 1);
 *   - "type:table": a lookup of the domain (domain lists, with the
 *     parent domains per below), the address (address lists), or the
 *     name then the address (name+address lists); a found value other
 *     than a "!"-less result counts as a match (Postfix's rule: the
 *     value itself is ignored unless it is a negation "!");
 *   - domain lists: "example.com" matches the domain itself, and its
 *     subdomains too when the list's title is named in
 *     parent_domain_matches_subdomains; ".example.com" matches only
 *     subdomains.  Case-insensitive; one trailing dot ignored;
 *   - address lists: an IPv4 or IPv6 address, "net/len" (CIDR), or
 *     "[ipv6]/len" in brackets as Postfix writes them;
 *   - name+address lists: either form.
 * match_list_create() returns a list the caller owns (match_list_free),
 * or NULL with a reason naming the parameter (title) and the bad
 * pattern or unreadable file.  match_list_match() returns 1 (in the
 * list), 0 (not), or -1 when a table lookup failed (try again later;
 * the reason is logged).  Nothing is fatal.
 */
#include "strbuf.h"

#define MATCH_DOMAIN 1 /* name is a domain */
#define MATCH_ADDR   2 /* addr is an IP address (mynetworks) */
#define MATCH_NAMADR 3 /* name or address of a client */

typedef struct MATCH_LIST MATCH_LIST;

extern MATCH_LIST *match_list_create(const char *title, int kind,
                                     const char *patterns, STRBUF *why);
extern int match_list_match(MATCH_LIST *list, const char *name,
                            const char *addr);
extern MATCH_LIST *match_list_free(MATCH_LIST *list);

#endif

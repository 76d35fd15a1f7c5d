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
 *   - "type:table": a lookup of the domain (domain lists; in fixed-key
 *     tables then its parents, as "parent.example" when the title is in
 *     parent_domain_matches_subdomains, else as ".parent.example"), the
 *     address (address lists), or the name then the address
 *     (name+address lists); any entry found counts as a match and its
 *     value is ignored (Postfix's rule); "!type:table" negates.  A table
 *     that cannot be opened is logged and fails every lookup (-1);
 *   - domain lists: "example.com" matches the domain itself, and its
 *     subdomains too when the list's title is named in
 *     parent_domain_matches_subdomains; ".example.com" matches only
 *     subdomains.  Case-insensitive; one trailing dot ignored;
 *   - address lists: an IPv4 or IPv6 address, "net/len" (CIDR), or
 *     "[ipv6]/len" in brackets as Postfix writes them;
 *   - name+address lists: either form (a pattern that looks like an
 *     address, with ':', '/' or '[', is read as one).
 * match_list_match() takes a domain list's key in name, an address
 * list's in addr (or name when addr is NULL), a name+address list's in
 * both (either may be NULL); an address may be in [brackets].
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

/* match_list_param - the list a main.cf parameter holds; fatal if bad */
extern MATCH_LIST *match_list_param(const char *param, int kind);

#endif

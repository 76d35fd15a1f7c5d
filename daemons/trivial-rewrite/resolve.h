#ifndef RESOLVE_H
#define RESOLVE_H

/*
 * resolve - trivial-rewrite(8)'s "resolve" request as a pure function:
 * an address to its class, transport, nexthop and standard form, by
 * Postfix's address classes.  See resolve.c.
 */
#include "maps.h"
#include "match_list.h"
#include "resolve_clnt.h"
#include "rewrite_addr.h"

/* What resolution needs; all borrowed.  A NULL list or table is empty. */
typedef struct RESOLVE_PARAMS {
    REWRITE_PARAMS rewrite;      /* local context rules */
    const char *myhostname;      /* local nexthop default */
    const char *local_transport; /* "name[:nexthop]" per class */
    const char *virtual_transport;
    const char *relay_transport;
    const char *default_transport;
    const char *relayhost;        /* "" for none */
    const char *empty_sender_key; /* empty_address_relayhost_maps_... */
    int show_table_name;          /* show_user_unknown_table_name */
    int resolve_null_domain;      /* user@ is local */
    int resolve_numeric_domain;   /* user@1.2.3.4 is user@[1.2.3.4] */
    MATCH_LIST *mydestination;    /* MATCH_DOMAIN */
    MATCH_LIST *virtual_alias_domains;
    MATCH_LIST *virtual_mailbox_domains;
    MATCH_LIST *relay_domains;
    MATCH_LIST *local_addrs; /* MATCH_ADDR: our interface addresses */
    MAPS *transport_maps;
    int transport_parent;        /* transport_maps: parent matching */
    MAPS *sender_relayhost_maps; /* sender_dependent_relayhost_maps */
} RESOLVE_PARAMS;

extern void resolve_addr(const RESOLVE_PARAMS *params, const char *sender,
                         const char *addr, RESOLVE_REPLY *reply);
extern char *resolve_local_addrs(const char *inet, const char *proxy,
                                 size_t max);

#endif

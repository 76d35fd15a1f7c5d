/*
 * resolve - where an address goes: Postfix's address classes
 * (ADDRESS_CLASS_README) and transport(5) overrides, as trivial-rewrite's
 * "resolve" request answers them.
 *
 * resolve_addr(params, sender, addr, reply) rewrites addr to standard
 * form (local context), then picks the class of its domain, first match
 * wins: local (no domain, mydestination, or an [address] literal that is
 * one of local_addrs), virtual alias domain (error transport, "5.1.1
 * User unknown..."), virtual mailbox domain, relay domain, default.
 * The class's transport parameter is "name[:nexthop]"; the nexthop
 * defaults to myhostname (local) or the domain (virtual); for relay and
 * default it comes from the transport parameter, else the sender's entry
 * in sender_relayhost_maps (sender not NULL), else relayhost, else the
 * domain.  transport_maps then may override (except the alias class): the
 * address, the domain, its parents (".parent", or "parent" with
 * transport_parent), then "*"; a value is "transport:nexthop" where an
 * empty nexthop with a transport means the recipient domain (transport(5))
 * and an empty transport keeps the class's.  reply gets the transport,
 * nexthop, recipient (standard form) and RESOLVE_FLAG_* bits; a failed
 * table lookup gives RESOLVE_FLAG_FAIL (the caller defers) with an empty
 * transport.  A domain in two of mydestination, virtual_alias_domains
 * and virtual_mailbox_domains is logged as a warning.
 *
 * resolve_local_addrs(inet, proxy, max) turns inet_interfaces and
 * proxy_interfaces into an address list text (caller frees): "all" is
 * every interface address (getifaddrs, at most max), "loopback-only"
 * 127.0.0.1 and ::1; names other than addresses are skipped.
 * Nothing here is fatal.
 */
#include <arpa/inet.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

#include "argv.h"
#include "cidr_match.h"
#include "msg.h"
#include "mymalloc.h"
#include "resolve.h"
#include "stringops.h"
#include "strlist.h"

/* The error text of an unresolved virtual alias domain address. */
#define RESOLVE_ALIAS_TEXT "5.1.1 User unknown"
#define RESOLVE_ALIAS_NAME " in virtual alias table"
#define RESOLVE_BAD_SYNTAX "5.1.3 bad address syntax"

/* resolve_set_transport - "name[:nexthop]" into reply; keep nexthop if none */
static void
resolve_set_transport(RESOLVE_REPLY *reply, const char *value,
                      const char *def_nexthop)
{
    const char *colon = strchr(value, ':');

    if (colon == NULL) {
        strbuf_strcpy(reply->transport, value);
        strbuf_strcpy(reply->nexthop, def_nexthop);
        return;
    }
    strbuf_memcpy(reply->transport, value, (size_t) (colon - value));
    strbuf_strcpy(reply->nexthop, colon[1] ? colon + 1 : def_nexthop);
}

/* resolve_match - a list lookup; NULL lists never match */
static int
resolve_match(MATCH_LIST *list, const char *domain)
{
    return list == NULL ? 0 : match_list_match(list, domain, NULL);
}

/* resolve_literal - is [addr] one of ours? 1, 0, -1 */
static int
resolve_literal(const RESOLVE_PARAMS *p, const char *domain)
{
    STRBUF *ip = strbuf_create(64);
    size_t len = strlen(domain);
    int ret = 0;

    if (len > 2 && domain[len - 1] == ']') {
        strbuf_memcpy(ip, domain + 1, len - 2);
        if (strncasecmp(STR(ip), "ipv6:", 5) == 0)
            strbuf_memcpy(ip, domain + 6, len - 7);
        if (p->local_addrs != NULL)
            ret = match_list_match(p->local_addrs, NULL, STR(ip));
    }
    strbuf_free(ip);
    return ret;
}

/* resolve_warn_both - a domain listed in two classes */
static void
resolve_warn_both(const char *domain, MATCH_LIST *other, const char *first,
                  const char *second)
{
    if (resolve_match(other, domain) == 1)
        msg_warn("do not list domain %s in BOTH %s and %s", domain, first,
                 second);
}

/* resolve_class - the domain's RESOLVE_FLAG_* class, or RESOLVE_FLAG_FAIL */
static int
resolve_class(const RESOLVE_PARAMS *p, const char *domain, int literal)
{
    int got;

    if (*domain == 0)
        return RESOLVE_FLAG_LOCAL;
    got = literal ? resolve_literal(p, domain)
                  : resolve_match(p->mydestination, domain);
    if (got == 1) {
        resolve_warn_both(domain, p->virtual_alias_domains, "mydestination",
                          "virtual_alias_domains");
        resolve_warn_both(domain, p->virtual_mailbox_domains, "mydestination",
                          "virtual_mailbox_domains");
        return RESOLVE_FLAG_LOCAL;
    }
    if (got < 0 || (got = resolve_match(p->virtual_alias_domains, domain)) < 0)
        return RESOLVE_FLAG_FAIL;
    if (got == 1) {
        resolve_warn_both(domain, p->virtual_mailbox_domains,
                          "virtual_alias_domains", "virtual_mailbox_domains");
        return RESOLVE_FLAG_ALIAS;
    }
    if ((got = resolve_match(p->virtual_mailbox_domains, domain)) != 0)
        return got < 0 ? RESOLVE_FLAG_FAIL : RESOLVE_FLAG_VIRTUAL;
    if ((got = resolve_match(p->relay_domains, domain)) != 0)
        return got < 0 ? RESOLVE_FLAG_FAIL : RESOLVE_FLAG_RELAY;
    return RESOLVE_FLAG_DEFAULT;
}

/* resolve_sender_relayhost - the sender's relayhost, "" none, NULL fail */
static const char *
resolve_sender_relayhost(const RESOLVE_PARAMS *p, const char *sender)
{
    const char *value, *at;
    STRBUF *key;

    if (p->sender_relayhost_maps == NULL || sender == NULL)
        return "";
    if (*sender == 0)
        value = maps_find(p->sender_relayhost_maps, p->empty_sender_key, 0);
    else if ((value = maps_find(p->sender_relayhost_maps, sender, 0)) == NULL &&
             p->sender_relayhost_maps->error == DICT_ERR_NONE &&
             (at = strrchr(sender, '@')) != NULL) {
        key = strbuf_create(64);
        strbuf_strcpy(key, at);
        value = maps_find(p->sender_relayhost_maps, STR(key), DICT_FLAG_FIXED);
        strbuf_free(key);
    }
    if (value == NULL)
        return p->sender_relayhost_maps->error != DICT_ERR_NONE ? NULL : "";
    return value;
}

/* resolve_remote_nexthop - relay and default: the nexthop precedence */
static int
resolve_remote_nexthop(const RESOLVE_PARAMS *p, const char *sender,
                       const char *domain, RESOLVE_REPLY *reply)
{
    const char *relay;

    if (LEN(reply->nexthop) > 0) /* given by the transport parameter */
        return 0;
    if ((relay = resolve_sender_relayhost(p, sender)) == NULL)
        return -1;
    if (*relay == 0)
        relay = p->relayhost;
    strbuf_strcpy(reply->nexthop, *relay ? relay : domain);
    return 0;
}

/* resolve_defaults - the class's transport and nexthop */
static int
resolve_defaults(const RESOLVE_PARAMS *p, const char *sender,
                 const char *domain, RESOLVE_REPLY *reply)
{
    switch (reply->flags & RESOLVE_CLASS_MASK) {
        case RESOLVE_FLAG_LOCAL:
            resolve_set_transport(reply, p->local_transport, p->myhostname);
            return 0;
        case RESOLVE_FLAG_ALIAS:
            strbuf_strcpy(reply->transport, "error");
            strbuf_sprintf(reply->nexthop, "%s%s", RESOLVE_ALIAS_TEXT,
                           p->show_table_name ? RESOLVE_ALIAS_NAME : "");
            return 0;
        case RESOLVE_FLAG_VIRTUAL:
            resolve_set_transport(reply, p->virtual_transport, domain);
            return 0;
        case RESOLVE_FLAG_RELAY:
            resolve_set_transport(reply, p->relay_transport, "");
            return resolve_remote_nexthop(p, sender, domain, reply);
        default:
            resolve_set_transport(reply, p->default_transport, "");
            return resolve_remote_nexthop(p, sender, domain, reply);
    }
}

/* resolve_apply - a transport_maps value over the class's choice */
static void
resolve_apply(const char *value, const char *def_nexthop, RESOLVE_REPLY *reply)
{
    const char *colon;

    /* "[host]:port" alone is a nexthop for the class's transport. */
    if (value[0] == '[') {
        strbuf_strcpy(reply->nexthop, value);
        return;
    }
    if ((colon = strchr(value, ':')) == NULL)
        colon = value + strlen(value);
    if (colon > value) {
        strbuf_memcpy(reply->transport, value, (size_t) (colon - value));
        /* transport(5): a transport without nexthop means the domain. */
        strbuf_strcpy(reply->nexthop, def_nexthop);
    }
    if (*colon == ':' && colon[1] != 0)
        strbuf_strcpy(reply->nexthop, colon + 1);
}

/* resolve_find_transport - the transport_maps entry; NULL + error */
static const char *
resolve_find_transport(const RESOLVE_PARAMS *p, const char *rcpt,
                       const char *domain)
{
    MAPS *maps = p->transport_maps;
    const char *value, *next;

    if ((value = maps_find(maps, rcpt, 0)) != NULL || maps->error)
        return value;
    if (*domain == 0 || (value = maps_find(maps, domain, 0)) != NULL ||
        maps->error)
        return value;
    for (next = domain; *next != '[' && (next = strchr(next + 1, '.'));) {
        if ((value = maps_find(maps, p->transport_parent ? next + 1 : next,
                               DICT_FLAG_FIXED)) != NULL ||
            maps->error)
            return value;
    }
    return maps_find(maps, "*", DICT_FLAG_FIXED);
}

/* resolve_transport_maps - overrides: 0, or -1 when a lookup failed */
static int
resolve_transport_maps(const RESOLVE_PARAMS *p, const char *rcpt,
                       const char *domain, RESOLVE_REPLY *reply)
{
    const char *value;

    if (p->transport_maps == NULL || (reply->flags & RESOLVE_FLAG_ALIAS) != 0)
        return 0;
    value = resolve_find_transport(p, rcpt, domain);
    if (value == NULL)
        return p->transport_maps->error != DICT_ERR_NONE ? -1 : 0;
    resolve_apply(value, *domain ? domain : p->myhostname, reply);
    return 0;
}

/* resolve_syntax - numeric and null domains; 0 go on, 1 answered */
static int
resolve_syntax(const RESOLVE_PARAMS *p, STRBUF *rcpt, size_t at,
               RESOLVE_REPLY *reply)
{
    const char *domain = STR(rcpt) + at + 1;
    CIDR_ADDR ip;

    if (*domain == 0 && p->resolve_null_domain) {
        strbuf_truncate(rcpt, at);
        return 0;
    }
    if (*domain != 0 && (cidr_addr_parse(domain, &ip) < 0 ||
                         ip.family != AF_INET)) /* not a dotted quad */
        return 0;
    if (*domain != 0 && p->resolve_numeric_domain) {
        STRBUF *lit = strbuf_create(64);

        strbuf_sprintf(lit, "%.*s@[%s]", (int) at, STR(rcpt), domain);
        strbuf_memcpy(rcpt, STR(lit), LEN(lit));
        strbuf_free(lit);
        return 0;
    }
    reply->flags |= RESOLVE_FLAG_DEFAULT | RESOLVE_FLAG_ERROR;
    strbuf_strcpy(reply->transport, "error");
    strbuf_strcpy(reply->nexthop, RESOLVE_BAD_SYNTAX);
    return 1;
}

/* resolve_finish - the flags that follow from the answer */
static void
resolve_finish(RESOLVE_REPLY *reply, const char *local, size_t local_len)
{
    if (strcmp(STR(reply->transport), "error") == 0)
        reply->flags |= RESOLVE_FLAG_ERROR;
    if (memchr(local, '@', local_len) || memchr(local, '%', local_len) ||
        memchr(local, '!', local_len))
        reply->flags |= RESOLVE_FLAG_ROUTED;
}

/* resolve_addr - class, transport, nexthop and standard form of addr */
void
resolve_addr(const RESOLVE_PARAMS *p, const char *sender, const char *addr,
             RESOLVE_REPLY *reply)
{
    STRBUF *rcpt = reply->recipient;
    const char *at, *domain;
    size_t local_len;

    strbuf_reset(reply->transport);
    strbuf_reset(reply->nexthop);
    reply->flags = 0;
    rewrite_addr(&p->rewrite, REWRITE_LOCAL, addr, rcpt);
    while (LEN(rcpt) > 0 && STR(rcpt)[LEN(rcpt) - 1] == '.')
        strbuf_truncate(rcpt, LEN(rcpt) - 1);
    at = strrchr(STR(rcpt), '@');
    if (at != NULL &&
        resolve_syntax(p, rcpt, (size_t) (at - STR(rcpt)), reply) == 1)
        return;
    at = strrchr(STR(rcpt), '@');
    domain = at ? at + 1 : "";
    local_len = at ? (size_t) (at - STR(rcpt)) : LEN(rcpt);
    if (*domain == '[')
        reply->flags |= RESOLVE_FLAG_DOMAIN_LITERAL;
    reply->flags |= resolve_class(p, domain, *domain == '[');
    if ((reply->flags & RESOLVE_FLAG_FAIL) == 0 &&
        (resolve_defaults(p, sender, domain, reply) < 0 ||
         resolve_transport_maps(p, STR(rcpt), domain, reply) < 0))
        reply->flags |= RESOLVE_FLAG_FAIL;
    if (reply->flags & RESOLVE_FLAG_FAIL) {
        strbuf_reset(reply->transport);
        strbuf_reset(reply->nexthop);
        return;
    }
    resolve_finish(reply, STR(rcpt), local_len);
}

/* resolve_add_ifaddrs - every interface address, at most max */
static void
resolve_add_ifaddrs(STRBUF *out, size_t max)
{
    struct ifaddrs *list, *ifa;
    char buf[INET6_ADDRSTRLEN];
    const void *bytes;
    size_t n = 0;

    if (getifaddrs(&list) < 0) {
        msg_warn("resolve: getifaddrs: %m");
        return;
    }
    for (ifa = list; ifa != NULL && n < max; ifa = ifa->ifa_next) {
        if (ifa->ifa_addr == NULL)
            continue;
        if (ifa->ifa_addr->sa_family == AF_INET)
            bytes = &((struct sockaddr_in *) ifa->ifa_addr)->sin_addr;
        else if (ifa->ifa_addr->sa_family == AF_INET6)
            bytes = &((struct sockaddr_in6 *) ifa->ifa_addr)->sin6_addr;
        else
            continue;
        if (inet_ntop(ifa->ifa_addr->sa_family, bytes, buf, sizeof(buf))) {
            strbuf_sprintf_cat(out, " %s", buf);
            n++;
        }
    }
    freeifaddrs(list);
}

/* resolve_local_addrs - inet_interfaces and proxy_interfaces as addresses */
char *
resolve_local_addrs(const char *inet, const char *proxy, size_t max)
{
    STRBUF *out = strbuf_create(100);
    STRBUF *err = strbuf_create(100);
    ARGV *items = argv_alloc(8);
    CIDR_ADDR ip;
    size_t i;

    if (strlist_split(inet, STRLIST_SEP, 0, items, err) < 0 ||
        strlist_split(proxy, STRLIST_SEP, 0, items, err) < 0)
        msg_warn("resolve: interfaces: %s", STR(err));
    for (i = 0; i < items->argc; i++) {
        if (strcasecmp(items->argv[i], "all") == 0)
            resolve_add_ifaddrs(out, max);
        else if (strcasecmp(items->argv[i], "loopback-only") == 0)
            strbuf_strcat(out, " 127.0.0.1 ::1");
        else if (cidr_addr_parse(items->argv[i], &ip) == 0)
            strbuf_sprintf_cat(out, " %s", items->argv[i]);
    }
    argv_free(items);
    strbuf_free(err);
    return strbuf_export(out);
}

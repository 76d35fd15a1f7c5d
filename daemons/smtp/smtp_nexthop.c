/*
 * smtp_nexthop - a delivery request's next hop, and the servers to try.
 *
 * smtp_nexthop_parse() is pure: it accepts (Postfix's forms)
 *   [host-or-address]   [host-or-address]:port   no MX lookup
 *   domain   domain:port                         MX lookup (SMTP only)
 *   inet:host[:port]   unix:/path                 LMTP (inet: is optional)
 * "[ipv6:ADDR]" is accepted for "[ADDR]".  LMTP never looks up MX
 * records.  Lengths are bounded: host SMTP_HOST_MAX, port 32, path 107.
 *
 * smtp_resolve() turns a parsed hop into a list of servers (the caller
 * owns it; smtp_servers_free()): MX records in preference order with
 * ties shuffled, the domain's own addresses when it has no MX (RFC 5321
 * section 5.1), at most smtp_mx_address_limit addresses; a null MX
 * (RFC 7505) is a permanent failure with status 5.1.10.  Address lookups
 * follow smtp_host_lookup (dns, native) and inet_protocols.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "dns_lookup.h"
#include "mymalloc.h"
#include "smtp.h"
#include "stringops.h"

#define SMTP_PORT_MAX 32
#define SMTP_PATH_MAX 107

/* smtp_port_ok - digits or a service name */
static int
smtp_port_ok(const char *port, size_t len)
{
    size_t i;

    if (len == 0 || len > SMTP_PORT_MAX)
        return 0;
    for (i = 0; i < len; i++)
        if (!isalnum((unsigned char) port[i]) && port[i] != '-')
            return 0;
    return 1;
}

/* smtp_host_ok - a host name or address: printable, no space or bracket */
static int
smtp_host_ok(const char *host, size_t len)
{
    size_t i;

    if (len == 0 || len > SMTP_HOST_MAX)
        return 0;
    for (i = 0; i < len; i++)
        if (host[i] <= ' ' || host[i] > '~' || host[i] == '[' ||
            host[i] == ']' || host[i] == '/')
            return 0;
    return 1;
}

/* smtp_hop_inet - "[host]", "[host]:port", "host", "host:port" */
static int
smtp_hop_inet(const char *text, size_t len, SMTP_HOP *hop, STRBUF *why)
{
    const char *end = text + len, *close, *colon;

    hop->kind = SMTP_HOP_INET;
    if (len > 0 && text[0] == '[') {
        if ((close = memchr(text, ']', len)) == NULL)
            return strbuf_fail(why, 0, "missing ']' in next hop");
        text++;
        if ((size_t) (close - text) > 5 && strncasecmp(text, "ipv6:", 5) == 0)
            text += 5;
        strbuf_memcpy(hop->host, text, (size_t) (close - text));
        colon = close + 1 < end ? close + 1 : NULL;
        if (colon != NULL && *colon != ':')
            return strbuf_fail(why, 0, "garbage after ']' in next hop");
        hop->mx = 0;
    } else {
        colon = memchr(text, ':', len);
        strbuf_memcpy(hop->host, text, colon ? (size_t) (colon - text) : len);
    }
    if (!smtp_host_ok(STR(hop->host), LEN(hop->host)))
        return strbuf_fail(why, 0, "bad host in next hop");
    if (colon != NULL) {
        if (!smtp_port_ok(colon + 1, (size_t) (end - colon - 1)))
            return strbuf_fail(why, 0, "bad port in next hop");
        strbuf_memcpy(hop->port, colon + 1, (size_t) (end - colon - 1));
    }
    return 0;
}

/* smtp_nexthop_parse - a next hop's kind, host or path, and port */
int
smtp_nexthop_parse(const char *text, size_t len, int proto, SMTP_HOP *hop,
                   STRBUF *why)
{
    strbuf_reset(hop->host);
    strbuf_reset(hop->port);
    hop->mx = proto == SMTP_PROTO_SMTP;
    if (proto == SMTP_PROTO_LMTP && len > 5 && strncmp(text, "unix:", 5) == 0) {
        hop->kind = SMTP_HOP_UNIX;
        if (len - 5 > SMTP_PATH_MAX || memchr(text, 0, len) != NULL)
            return strbuf_fail(why, 0, "bad UNIX socket path in next hop");
        strbuf_memcpy(hop->host, text + 5, len - 5);
        return 0;
    }
    if (proto == SMTP_PROTO_LMTP && len >= 5 &&
        strncmp(text, "inet:", 5) == 0) {
        text += 5;
        len -= 5;
    }
    return smtp_hop_inet(text, len, hop, why);
}

/* smtp_servers_add - append one server */
void
smtp_servers_add(SMTP_SERVERS *sv, const char *name, const char *addr,
                 const char *port)
{
    if (sv->count == sv->size) {
        sv->size = sv->size ? 2 * sv->size : 4;
        sv->list = myreallocarray(sv->list, sv->size, sizeof(*sv->list));
    }
    sv->list[sv->count].name = mystrdup(name);
    sv->list[sv->count].addr = mystrdup(addr);
    sv->list[sv->count].port = mystrdup(port);
    sv->count++;
}

/* smtp_servers_free - release the list's contents */
void
smtp_servers_free(SMTP_SERVERS *sv)
{
    size_t i;

    for (i = 0; i < sv->count; i++) {
        myfree(sv->list[i].name);
        myfree(sv->list[i].addr);
        myfree(sv->list[i].port);
    }
    myfree(sv->list);
    sv->list = NULL;
    sv->count = sv->size = 0;
}

/* smtp_is_addr - a numeric IPv4 or IPv6 address */
static int
smtp_is_addr(const char *host)
{
    unsigned char buf[sizeof(struct in6_addr)];

    return inet_pton(AF_INET, host, buf) == 1 ||
           inet_pton(AF_INET6, host, buf) == 1;
}

/* smtp_native_lookup - addresses by getaddrinfo(), appended to addrs */
static int
smtp_native_lookup(const char *host, ARGV *addrs, STRBUF *why)
{
    struct addrinfo hints = {0}, *res, *ai;
    char text[INET6_ADDRSTRLEN];
    int rc;

    hints.ai_family = smtp_conf.ipv4 && smtp_conf.ipv6 ? AF_UNSPEC
                      : smtp_conf.ipv6                 ? AF_INET6
                                                       : AF_INET;
    hints.ai_socktype = SOCK_STREAM;
    if ((rc = getaddrinfo(host, NULL, &hints, &res)) != 0) {
        strbuf_fail(why, 0, "%s", gai_strerror(rc));
        return rc == EAI_AGAIN ? DNS_RETRY : DNS_NOTFOUND;
    }
    for (ai = res; ai != NULL && addrs->argc < DNS_MAX_RR; ai = ai->ai_next) {
        const void *a =
            ai->ai_family == AF_INET6
                ? (const void *) &((struct sockaddr_in6 *) ai->ai_addr)
                      ->sin6_addr
                : (const void *) &((struct sockaddr_in *) ai->ai_addr)
                      ->sin_addr;
        if (inet_ntop(ai->ai_family, a, text, sizeof(text)) != NULL)
            argv_add(addrs, text);
    }
    freeaddrinfo(res);
    return addrs->argc ? DNS_OK : DNS_NOTFOUND;
}

/* smtp_dns_host - A then AAAA records, as inet_protocols allows */
static int
smtp_dns_host(const char *host, ARGV *addrs, STRBUF *why)
{
    int rc4 = DNS_NOTFOUND, rc6 = DNS_NOTFOUND;

    if (smtp_conf.ipv4)
        rc4 = dns_lookup_addr(host, AF_INET, addrs, why);
    if (smtp_conf.ipv6)
        rc6 = dns_lookup_addr(host, AF_INET6, addrs, why);
    if (addrs->argc > 0)
        return DNS_OK;
    return rc4 == DNS_RETRY || rc6 == DNS_RETRY ? DNS_RETRY : DNS_NOTFOUND;
}

/* smtp_host_addrs - a host's addresses by smtp_host_lookup */
static int
smtp_host_addrs(const char *host, ARGV *addrs, STRBUF *why)
{
    int rc = DNS_NOTFOUND;

    if (smtp_is_addr(host)) {
        argv_add(addrs, host);
        return DNS_OK;
    }
    if (smtp_conf.host_lookup_dns)
        rc = smtp_dns_host(host, addrs, why);
    if (rc != DNS_OK && smtp_conf.host_lookup_native)
        rc = smtp_native_lookup(host, addrs, why);
    return rc;
}

/* smtp_add_host - one host's addresses as servers, up to the limit */
static int
smtp_add_host(const char *host, const char *port, SMTP_SERVERS *sv, STRBUF *why)
{
    ARGV *addrs = argv_alloc(4);
    int rc = smtp_host_addrs(host, addrs, why);
    size_t i;

    for (i = 0; i < addrs->argc; i++) {
        if (smtp_conf.mx_address_limit > 0 &&
            sv->count >= (size_t) smtp_conf.mx_address_limit)
            break;
        smtp_servers_add(sv, host, addrs->argv[i], port);
    }
    argv_free(addrs);
    return rc;
}

/* smtp_random - [0, n) for the MX shuffle */
static size_t
smtp_random(size_t n)
{
    return (size_t) random() % n;
}

/* smtp_resolve_mx - MX hosts in order, then their addresses */
static int
smtp_resolve_mx(const SMTP_HOP *hop, const char *port, SMTP_SERVERS *sv,
                SMTP_RESOLVE_ERR *err)
{
    DNS_MX *mx;
    size_t n, i;
    int rc, retry = 0;

    rc = dns_lookup_mx(STR(hop->host), &mx, &n, err->reason);
    if (rc == DNS_NOTFOUND && strcmp(STR(err->reason), "no MX record") == 0)
        return smtp_add_host(STR(hop->host), port, sv, err->reason);
    if (rc != DNS_OK)
        return rc;
    if (dns_mx_is_null(mx, n)) {
        dns_mx_free(mx, n);
        strcpy(err->status, "5.1.10");
        strbuf_sprintf(err->reason, "Domain %s does not accept mail (nullMX)",
                       STR(hop->host));
        return DNS_FAIL;
    }
    dns_mx_sort(mx, n, smtp_random);
    for (i = 0; i < n; i++) {
        if (strcasecmp(mx[i].host, smtp_conf.myhostname) == 0)
            break; /* RFC 5321 section 5.1: only more preferred than us */
        if (smtp_add_host(mx[i].host, port, sv, err->reason) == DNS_RETRY)
            retry = 1;
    }
    dns_mx_free(mx, n);
    if (i == 0) {
        strcpy(err->status, "5.4.6");
        strbuf_sprintf(err->reason, "mail for %s loops back to myself",
                       STR(hop->host));
        return DNS_FAIL;
    }
    return sv->count ? DNS_OK : retry ? DNS_RETRY : DNS_NOTFOUND;
}

/* smtp_resolve - the servers for a next hop; on failure err says why */
int
smtp_resolve(const SMTP_HOP *hop, SMTP_SERVERS *sv, SMTP_RESOLVE_ERR *err)
{
    const char *port = LEN(hop->port) ? STR(hop->port) : smtp_conf.tcp_port;
    struct servent *se;
    char num[16];
    int rc;

    strcpy(err->status, "4.4.3");
    if (hop->kind == SMTP_HOP_UNIX) {
        smtp_servers_add(sv, STR(hop->host), STR(hop->host), "");
        return 0;
    }
    if (!alldig(port)) {
        if ((se = getservbyname(port, "tcp")) == NULL) {
            strbuf_sprintf(err->reason, "unknown service: %s/tcp", port);
            return -1;
        }
        snprintf(num, sizeof(num), "%d", ntohs((unsigned short) se->s_port));
        port = num;
    }
    rc = hop->mx ? smtp_resolve_mx(hop, port, sv, err)
                 : smtp_add_host(STR(hop->host), port, sv, err->reason);
    if (sv->count > 0)
        return 0;
    if (rc == DNS_NOTFOUND || (rc == DNS_FAIL && err->status[0] == '4')) {
        strcpy(err->status, "5.4.4");
        strbuf_sprintf_cat(err->reason, " (host or domain name %s)",
                           STR(hop->host));
    }
    return -1;
}

/*
 * host_defaults - parameter defaults that depend on the host.
 *
 * host_myhostname() is the kernel's host name, with ".localdomain"
 * appended when it has no dot (Postfix does the same rather than ask DNS).
 * host_mydomain() is myhostname less its first label, or "localdomain".
 * host_mynetworks() lists the networks of the up interfaces for
 * mynetworks_style "host" (each address), "subnet" (each interface's
 * network) or "class" (the IPv4 class A/B/C network; IPv6 as subnet),
 * IPv4 before IPv6, each once, restricted to inet_protocols ("all",
 * "ipv4", "ipv6", or a list).  Each fills a caller-owned STRBUF and
 * returns it (or 0/-1 with a reason in err: a bad style, no interfaces).
 */
#include <arpa/inet.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <string.h>
#include <unistd.h>

#include "host_defaults.h"

/* host_myhostname - this host's name, made fully qualified */
STRBUF *
host_myhostname(STRBUF *out)
{
    char name[256];

    if (gethostname(name, sizeof(name)) != 0 || name[0] == 0)
        strbuf_strcpy(out, "localhost");
    else {
        name[sizeof(name) - 1] = 0;
        strbuf_strcpy(out, name);
    }
    if (strchr(STR(out), '.') == NULL)
        strbuf_strcat(out, ".localdomain");
    return out;
}

/* host_mydomain - the domain part of myhostname */
STRBUF *
host_mydomain(STRBUF *out, const char *myhostname)
{
    const char *dot = strchr(myhostname, '.');

    strbuf_strcpy(out, dot && dot[1] ? dot + 1 : "localdomain");
    return out;
}

/* class_bits - the prefix length of an IPv4 address's class */
static int
class_bits(const unsigned char *a)
{
    if (a[0] < 128)
        return 8;
    if (a[0] < 192)
        return 16;
    if (a[0] < 224)
        return 24;
    return 32;
}

/* mask_bits - the number of leading one bits of a netmask */
static int
mask_bits(const unsigned char *mask, int len)
{
    int bits = 0, i, b;

    for (i = 0; i < len; i++)
        for (b = 7; b >= 0; b--) {
            if (!(mask[i] & (1 << b)))
                return bits;
            bits++;
        }
    return bits;
}

/* host_network_text - "net/bits" (IPv6 in brackets) for one address */
int
host_network_text(STRBUF *out, int family, const void *addr, const void *mask,
                  const char *style)
{
    unsigned char net[16];
    int len = family == AF_INET ? 4 : 16;
    int bits, i;
    char text[INET6_ADDRSTRLEN];

    memcpy(net, addr, len);
    if (strcmp(style, "host") == 0)
        bits = len * 8;
    else if (strcmp(style, "class") == 0 && family == AF_INET)
        bits = class_bits(net);
    else if (strcmp(style, "subnet") == 0 || strcmp(style, "class") == 0)
        bits = mask ? mask_bits(mask, len) : len * 8;
    else
        return -1;
    for (i = 0; i < len; i++)
        net[i] &= i * 8 + 8 <= bits ? 0xff
                  : i * 8 >= bits   ? 0
                                    : (unsigned char) (0xff << (8 - bits % 8));
    inet_ntop(family, net, text, sizeof(text));
    if (family == AF_INET6)
        strbuf_sprintf(out, "[%s]/%d", text, bits);
    else
        strbuf_sprintf(out, "%s/%d", text, bits);
    return 0;
}

/* want_family - does inet_protocols include this family? */
static int
want_family(const char *protocols, int family)
{
    if (strstr(protocols, "all") != NULL)
        return 1;
    return strstr(protocols, family == AF_INET ? "ipv4" : "ipv6") != NULL;
}

/* contains_word - does " list " hold "word " right after a blank? */
static int
contains_word(const char *list, const char *word)
{
    const char *hit;
    size_t len = strlen(word);

    for (hit = list; (hit = strstr(hit, word)) != NULL; hit++)
        if (hit > list && hit[-1] == ' ' && hit[len - 1] == ' ')
            return 1;
    return 0;
}

/* add_family - append the networks of one address family */
static void
add_family(STRBUF *out, struct ifaddrs *list, int family, const char *style)
{
    STRBUF *net = strbuf_create(64);
    struct ifaddrs *ifa;
    const void *addr, *mask;

    for (ifa = list; ifa; ifa = ifa->ifa_next) {
        if (ifa->ifa_addr == NULL || ifa->ifa_addr->sa_family != family)
            continue;
        if (family == AF_INET) {
            addr = &((struct sockaddr_in *) ifa->ifa_addr)->sin_addr;
            mask = ifa->ifa_netmask
                       ? &((struct sockaddr_in *) ifa->ifa_netmask)->sin_addr
                       : NULL;
        } else {
            addr = &((struct sockaddr_in6 *) ifa->ifa_addr)->sin6_addr;
            mask = ifa->ifa_netmask
                       ? &((struct sockaddr_in6 *) ifa->ifa_netmask)->sin6_addr
                       : NULL;
        }
        host_network_text(net, family, addr, mask, style);
        strbuf_addch(net, ' ');
        /* Each network once: out is " a b ", so " net " matches whole. */
        if (!contains_word(STR(out), STR(net)))
            strbuf_strcat(out, STR(net));
    }
    strbuf_free(net);
}

/* host_mynetworks - the default mynetworks for a mynetworks_style */
int
host_mynetworks(STRBUF *out, const char *style, const char *protocols,
                STRBUF *err)
{
    struct ifaddrs *list;

    if (strcmp(style, "host") != 0 && strcmp(style, "subnet") != 0 &&
        strcmp(style, "class") != 0) {
        strbuf_sprintf(err, "bad mynetworks_style value: \"%s\"", style);
        return -1;
    }
    if (getifaddrs(&list) != 0) {
        strbuf_sprintf(err, "cannot list network interfaces: %m");
        return -1;
    }
    strbuf_strcpy(out, " ");
    if (want_family(protocols, AF_INET))
        add_family(out, list, AF_INET, style);
    if (want_family(protocols, AF_INET6))
        add_family(out, list, AF_INET6, style);
    freeifaddrs(list);
    /* Drop the leading blank used as a match anchor, and the trailing one. */
    memmove(STR(out), STR(out) + 1, LEN(out));
    LEN(out) -= 1;
    strbuf_truncate(out, LEN(out) > 0 ? LEN(out) - 1 : 0);
    return 0;
}

/*
 * dns_lookup - MX and address lookups through the system resolver, and
 * strict parsers of their replies (see dns_lookup.h for ownership and
 * results).
 *
 * The parsers use libresolv's ns_initparse()/ns_parserr(), which bound
 * every offset by the message length; on top of that each record's data
 * length is checked against its type before it is read, names are
 * expanded with ns_name_uncompress() into a fixed buffer, and at most
 * DNS_MAX_RR records are kept.  Records of other types in the answer
 * section (a CNAME before the MX records) are skipped.
 */
#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <netdb.h>
#include <netinet/in.h>
#include <resolv.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "dns_lookup.h"
#include "msg.h"
#include "mymalloc.h"

#define DNS_REPLY_MAX 65536

/* dns_rcode_result - map a reply's RCODE to a result */
static int
dns_rcode_result(ns_msg *handle, STRBUF *why)
{
    int rcode = ns_msg_getflag(*handle, ns_f_rcode);

    switch (rcode) {
        case ns_r_noerror:
            return DNS_OK;
        case ns_r_nxdomain:
            strbuf_fail(why, 0, "Host not found");
            return DNS_NOTFOUND;
        case ns_r_servfail:
            strbuf_fail(why, 0, "Host not found, try again");
            return DNS_RETRY;
        default:
            strbuf_fail(why, 0, "DNS reply code %d", rcode);
            return DNS_FAIL;
    }
}

/* dns_open - parse the header and check the reply code */
static int
dns_open(const unsigned char *msg, size_t len, ns_msg *handle, STRBUF *why)
{
    if (len > DNS_REPLY_MAX || ns_initparse(msg, (int) len, handle) < 0) {
        strbuf_fail(why, 0, "malformed DNS reply");
        return DNS_FAIL;
    }
    return dns_rcode_result(handle, why);
}

/* dns_mx_record - decode one MX record's data; -1 when malformed */
static int
dns_mx_record(ns_msg *handle, ns_rr *rr, DNS_MX *out)
{
    const unsigned char *rdata = ns_rr_rdata(*rr);
    char name[NS_MAXDNAME];
    size_t n;

    if (ns_rr_rdlen(*rr) < 3)
        return -1;
    if (ns_name_uncompress(ns_msg_base(*handle), ns_msg_end(*handle), rdata + 2,
                           name, sizeof(name)) < 0)
        return -1;
    n = strlen(name);
    if (n > 0 && name[n - 1] == '.')
        name[--n] = 0;
    out->pref = (unsigned) ((rdata[0] << 8) | rdata[1]);
    out->host = mystrdup(name);
    return 0;
}

/* dns_parse_mx - the MX records of one reply */
int
dns_parse_mx(const unsigned char *msg, size_t len, DNS_MX **mx, size_t *count,
             STRBUF *why)
{
    ns_msg handle;
    ns_rr rr;
    int rc, i, an;
    DNS_MX *list;
    size_t n = 0;

    *mx = NULL;
    *count = 0;
    if ((rc = dns_open(msg, len, &handle, why)) != DNS_OK)
        return rc;
    an = ns_msg_count(handle, ns_s_an);
    list = mycalloc(DNS_MAX_RR, sizeof(*list));
    for (i = 0; i < an && n < DNS_MAX_RR; i++) {
        if (ns_parserr(&handle, ns_s_an, i, &rr) < 0 ||
            (ns_rr_type(rr) == ns_t_mx &&
             dns_mx_record(&handle, &rr, list + n++) < 0)) {
            dns_mx_free(list, n);
            return strbuf_fail(why, 0, "malformed DNS reply"), DNS_FAIL;
        }
    }
    if (n == 0) {
        myfree(list);
        return strbuf_fail(why, 0, "no MX record"), DNS_NOTFOUND;
    }
    *mx = list;
    *count = n;
    return DNS_OK;
}

/* dns_addr_record - append one A or AAAA record as text */
static int
dns_addr_record(ns_rr *rr, int family, ARGV *addrs)
{
    char text[INET6_ADDRSTRLEN];
    size_t want = family == AF_INET6 ? 16 : 4;

    if (ns_rr_rdlen(*rr) != want)
        return -1;
    if (inet_ntop(family, ns_rr_rdata(*rr), text, sizeof(text)) == NULL)
        return -1;
    argv_add(addrs, text);
    return 0;
}

/* dns_parse_addr - the A (AF_INET) or AAAA (AF_INET6) records of a reply */
int
dns_parse_addr(const unsigned char *msg, size_t len, int family, ARGV *addrs,
               STRBUF *why)
{
    ns_msg handle;
    ns_rr rr;
    ns_type type = family == AF_INET6 ? ns_t_aaaa : ns_t_a;
    int rc, i, an;
    size_t start = addrs->argc;

    if ((rc = dns_open(msg, len, &handle, why)) != DNS_OK)
        return rc;
    an = ns_msg_count(handle, ns_s_an);
    for (i = 0; i < an && addrs->argc - start < DNS_MAX_RR; i++) {
        if (ns_parserr(&handle, ns_s_an, i, &rr) < 0 ||
            (ns_rr_type(rr) == type &&
             dns_addr_record(&rr, family, addrs) < 0)) {
            argv_truncate(addrs, start);
            return strbuf_fail(why, 0, "malformed DNS reply"), DNS_FAIL;
        }
    }
    if (addrs->argc == start)
        return strbuf_fail(why, 0, "no address record"), DNS_NOTFOUND;
    return DNS_OK;
}

/* dns_mx_free - release an MX list */
void
dns_mx_free(DNS_MX *mx, size_t count)
{
    size_t i;

    if (mx == NULL)
        return;
    for (i = 0; i < count; i++)
        myfree(mx[i].host);
    myfree(mx);
}

/* dns_mx_cmp - qsort order by preference */
static int
dns_mx_cmp(const void *a, const void *b)
{
    const DNS_MX *x = a, *y = b;

    return x->pref < y->pref ? -1 : x->pref > y->pref;
}

/* dns_mx_sort - by preference, equal preferences shuffled */
void
dns_mx_sort(DNS_MX *mx, size_t count, size_t (*rnd)(size_t))
{
    size_t lo, hi, i, j;
    DNS_MX tmp;

    if (count < 2)
        return;
    qsort(mx, count, sizeof(*mx), dns_mx_cmp);
    for (lo = 0; rnd != NULL && lo < count; lo = hi) {
        for (hi = lo + 1; hi < count && mx[hi].pref == mx[lo].pref; hi++)
            ;
        for (i = hi - 1; i > lo; i--) { /* Fisher-Yates over [lo, hi) */
            j = lo + rnd(i - lo + 1);
            tmp = mx[i];
            mx[i] = mx[j];
            mx[j] = tmp;
        }
    }
}

/* dns_mx_is_null - RFC 7505 section 3: a single MX of "." */
int
dns_mx_is_null(const DNS_MX *mx, size_t count)
{
    return count == 1 && mx[0].pref == 0 && mx[0].host[0] == 0;
}

/*
 * dns_query - ask the resolver; the reply in buf, its length, or -1.
 * res_nquery() answers -1 with NO_DATA for a reply without records (the
 * parsers never see it): that is "no MX record" (or "no address
 * record"), which smtp_resolve tells apart from a name that does not
 * exist to try the domain's own addresses (RFC 5321 section 5.1).
 */
static int
dns_query(const char *name, int type, unsigned char *buf, size_t size,
          int *result, STRBUF *why)
{
    static struct __res_state res;
    static int ready;
    int len;

    if (!ready && res_ninit(&res) < 0) {
        *result = DNS_RETRY;
        return strbuf_fail(why, 0, "cannot initialize the resolver");
    }
    ready = 1;
    if ((len = res_nquery(&res, name, ns_c_in, type, buf, (int) size)) >= 0)
        return len;
    switch (res.res_h_errno) {
        case HOST_NOT_FOUND:
            *result = DNS_NOTFOUND;
            return strbuf_fail(why, 0, "Host not found");
        case NO_DATA: /* the name exists: say so, as the parsers do */
            *result = DNS_NOTFOUND;
            return strbuf_fail(why, 0, "no %s record",
                               type == ns_t_mx ? "MX" : "address");
        case TRY_AGAIN:
            *result = DNS_RETRY;
            return strbuf_fail(why, 0, "Host not found, try again");
        default:
            *result = DNS_FAIL;
            return strbuf_fail(why, 0, "DNS lookup failed");
    }
}

/* dns_lookup_mx - MX records of name, unsorted */
int
dns_lookup_mx(const char *name, DNS_MX **mx, size_t *count, STRBUF *why)
{
    unsigned char *buf = mymalloc(DNS_REPLY_MAX);
    int len, rc;

    *mx = NULL;
    *count = 0;
    if ((len = dns_query(name, ns_t_mx, buf, DNS_REPLY_MAX, &rc, why)) >= 0)
        rc = dns_parse_mx(buf, (size_t) len, mx, count, why);
    myfree(buf);
    return rc;
}

/* dns_lookup_addr - A or AAAA records of name, appended to addrs */
int
dns_lookup_addr(const char *name, int family, ARGV *addrs, STRBUF *why)
{
    unsigned char *buf = mymalloc(DNS_REPLY_MAX);
    int type = family == AF_INET6 ? ns_t_aaaa : ns_t_a;
    int len, rc;

    if ((len = dns_query(name, type, buf, DNS_REPLY_MAX, &rc, why)) >= 0)
        rc = dns_parse_addr(buf, (size_t) len, family, addrs, why);
    myfree(buf);
    return rc;
}

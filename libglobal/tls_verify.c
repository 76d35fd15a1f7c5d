/*
 * tls_verify - does a server certificate carry a name the client's match
 * rules ask for (smtp_tls_verify_cert_match, smtp_tls_secure_cert_match)?
 *
 *   tls_verify_match()  1 when a name of peer matches a rule, else 0
 *   tls_name_match()    one certificate name against one reference name
 *
 * The names are the certificate's DNS subjectAltNames, or its subject CN
 * when it has none (RFC 6125 section 6.4.4).  A name with a NUL, or
 * longer than a DNS name, never matches.  Nothing here fails otherwise.
 */
#include <string.h>
#include <strings.h>

#include <openssl/x509v3.h>

#include "mymalloc.h"
#include "stringops.h"
#include "tls.h"
#include "tls_priv.h"

#define DNS_NAME_MAX 255

/* ends_with - does name end with suffix (ASCII case ignored)? */
static int
ends_with(const char *name, const char *suffix)
{
    size_t n = strlen(name), s = strlen(suffix);

    return n >= s && strcasecmp(name + n - s, suffix) == 0;
}

/*
 * tls_name_match - a certificate name (perhaps "*.example.com", one label
 * wide, RFC 6125 section 6.4.3) against a reference: a host name, or
 * ".domain" for any name below domain.
 */
int
tls_name_match(const char *cert_name, const char *ref)
{
    int wild = strncmp(cert_name, "*.", 2) == 0;
    const char *base = wild ? cert_name + 1 : cert_name; /* ".rest" */
    const char *dot;

    if (*ref == 0 || *cert_name == 0)
        return 0;
    if (*ref == '.')
        return wild ? ends_with(base, ref) || strcasecmp(base, ref) == 0
                    : strlen(cert_name) > strlen(ref) &&
                          ends_with(cert_name, ref);
    if (!wild)
        return strcasecmp(cert_name, ref) == 0;
    /* The wildcard stands for exactly the first label of ref. */
    return (dot = strchr(ref, '.')) != NULL && dot > ref &&
           strcasecmp(dot, base) == 0;
}

/* rule_match - one rule ("hostname", "nexthop", ...) against one name */
static int
rule_match(const char *rule, const char *name, const TLS_CLIENT_START *p)
{
    STRBUF *ref;
    int ok;

    if (strcasecmp(rule, "hostname") == 0)
        return p->host != NULL && tls_name_match(name, p->host);
    if (strcasecmp(rule, "nexthop") == 0)
        return p->nexthop != NULL && tls_name_match(name, p->nexthop);
    if (strcasecmp(rule, "dot-nexthop") == 0) {
        if (p->nexthop == NULL || *p->nexthop == 0)
            return 0;
        ref = strbuf_create(DNS_NAME_MAX);
        strbuf_sprintf(ref, ".%s", p->nexthop);
        ok = tls_name_match(name, STR(ref));
        strbuf_free(ref);
        return ok;
    }
    return tls_name_match(name, rule);
}

/* name_match - a certificate name against every rule */
static int
name_match(const ASN1_STRING *asn, const char *rules, const TLS_CLIENT_START *p)
{
    const char *data = (const char *) ASN1_STRING_get0_data(asn);
    int len = ASN1_STRING_length(asn);
    char *name, *copy, *cp, *rule;
    int ok = 0;

    if (len <= 0 || len > DNS_NAME_MAX || memchr(data, 0, (size_t) len))
        return 0;
    name = mystrndup(data, (size_t) len);
    cp = copy = mystrdup(rules);
    while (!ok && (rule = mystrtok(&cp, " \t,:")) != NULL)
        ok = rule_match(rule, name, p);
    myfree(copy);
    myfree(name);
    return ok;
}

/* cn_match - the subject CN, for certificates without DNS names */
static int
cn_match(X509 *peer, const char *rules, const TLS_CLIENT_START *p)
{
    X509_NAME *subject = X509_get_subject_name(peer);
    int i = X509_NAME_get_index_by_NID(subject, NID_commonName, -1);
    X509_NAME_ENTRY *entry;

    if (i < 0 || (entry = X509_NAME_get_entry(subject, i)) == NULL)
        return 0;
    return name_match(X509_NAME_ENTRY_get_data(entry), rules, p);
}

/* tls_verify_match - does peer carry a name the rules accept? */
int
tls_verify_match(X509 *peer, const TLS_CLIENT_START *p)
{
    const char *rules = p->matches;
    GENERAL_NAMES *alt;
    int ok = 0, dns = 0;

    if (peer == NULL)
        return 0;
    if (rules == NULL)
        rules =
            p->level == TLS_LEV_SECURE ? "nexthop, dot-nexthop" : "hostname";
    alt = X509_get_ext_d2i(peer, NID_subject_alt_name, NULL, NULL);
    for (int i = 0; !ok && alt && i < sk_GENERAL_NAME_num(alt); i++) {
        const GENERAL_NAME *gn = sk_GENERAL_NAME_value(alt, i);
        if (gn->type != GEN_DNS)
            continue;
        dns = 1;
        ok = name_match(gn->d.dNSName, rules, p);
    }
    GENERAL_NAMES_free(alt);
    return ok || (!dns && cn_match(peer, rules, p));
}

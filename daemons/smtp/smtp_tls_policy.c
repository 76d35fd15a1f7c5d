/*
 * smtp_tls_policy - the TLS policy of one destination: security level
 * names, the smtp_tls_policy_maps value parser and the lookup keys.
 *
 * A policy value is Postfix's: "level [name=value ...]", words separated
 * by white space, with the attributes
 *   match=a:b:c        certificate match rules (verify, secure)
 *   protocols=p:q      "!SSLv3:!TLSv1" or ">=TLSv1.2"
 *   ciphers=grade      high, medium, low, export, null
 *   exclude=c:d        cipher names to drop
 * Colon-separated lists become the comma-separated form that libglobal's
 * tls.h takes.  Other attributes (tafile, servername, ...) are refused:
 * a policy we cannot honour defers mail instead of being ignored.
 *
 * Levels: none, may, encrypt, verify, secure; "dane" is taken as "may"
 * (Postern has no DNSSEC validation, and Postfix falls back to may in
 * that case); dane-only and fingerprint are refused.
 *
 * The lookup keys (smtp_tls_policy_keys) in order: the next hop as the
 * request wrote it ("example.com", "example.com:2525",
 * "[mx.example.com]:587"); for a domain written with a port, the domain
 * alone; then, unless the next hop is bracketed, each parent domain in
 * the ".example.com" form.
 *
 * smtp_tls_policy_parse() and smtp_tls_policy_keys() take pointer +
 * length or a string, bound every length and count, and have no side
 * effects.  smtp_tls_policy_find() adds the table lookup.  Nothing here
 * is fatal.
 */
#include <string.h>
#include <strings.h>

#include "mymalloc.h"
#include "smtp.h"

#define SMTP_TLS_WORDS_MAX 16 /* words of one policy value */

static const struct {
    const char *name;
    TLS_LEVEL level;
} smtp_tls_levels[] = {
    {"none", TLS_LEV_NONE},       {"may", TLS_LEV_MAY},
    {"encrypt", TLS_LEV_ENCRYPT}, {"verify", TLS_LEV_VERIFY},
    {"secure", TLS_LEV_SECURE},   {"dane", TLS_LEV_MAY},
};

#define SMTP_TLS_NLEVELS (sizeof(smtp_tls_levels) / sizeof(smtp_tls_levels[0]))

/* smtp_tls_policy_create - an empty policy (level none) */
SMTP_TLS_POLICY *
smtp_tls_policy_create(void)
{
    SMTP_TLS_POLICY *pol = mycalloc(1, sizeof(*pol));

    pol->matches = strbuf_create(20);
    pol->protocols = strbuf_create(20);
    pol->ciphers = strbuf_create(10);
    pol->exclude = strbuf_create(10);
    return pol;
}

/* smtp_tls_policy_free - release a policy; NULL */
SMTP_TLS_POLICY *
smtp_tls_policy_free(SMTP_TLS_POLICY *pol)
{
    strbuf_free(pol->matches);
    strbuf_free(pol->protocols);
    strbuf_free(pol->ciphers);
    strbuf_free(pol->exclude);
    myfree(pol);
    return NULL;
}

/* smtp_tls_level_parse - a level name (any case); 0, or -1 unknown */
int
smtp_tls_level_parse(const char *name, size_t len, TLS_LEVEL *level)
{
    size_t i;

    for (i = 0; i < SMTP_TLS_NLEVELS; i++) {
        if (strlen(smtp_tls_levels[i].name) == len &&
            strncasecmp(name, smtp_tls_levels[i].name, len) == 0) {
            *level = smtp_tls_levels[i].level;
            return 0;
        }
    }
    return -1;
}

/* smtp_tls_level_name - the name of a level */
const char *
smtp_tls_level_name(TLS_LEVEL level)
{
    size_t i;

    for (i = 0; i < SMTP_TLS_NLEVELS; i++)
        if (smtp_tls_levels[i].level == level)
            return smtp_tls_levels[i].name;
    return "invalid";
}

/* smtp_tls_list - a colon-separated attribute value as "a, b" */
static void
smtp_tls_list(STRBUF *out, const char *val, size_t len)
{
    size_t i;

    strbuf_reset(out);
    for (i = 0; i < len; i++) {
        if (val[i] == ':')
            strbuf_strcat(out, ", ");
        else
            strbuf_addch(out, val[i]);
    }
}

/* smtp_tls_attr - one "name=value" word */
static int
smtp_tls_attr(SMTP_TLS_POLICY *pol, const char *word, size_t len, STRBUF *why)
{
    const char *eq = memchr(word, '=', len);
    size_t nlen = eq ? (size_t) (eq - word) : len;
    const char *val = eq ? eq + 1 : "";
    size_t vlen = eq ? len - nlen - 1 : 0;

    if (eq == NULL || vlen == 0)
        return strbuf_fail(why, 0,
                           "TLS policy attribute \"%.*s\" needs a "
                           "value",
                           (int) nlen, word);
    if (nlen == 5 && strncasecmp(word, "match", 5) == 0)
        smtp_tls_list(pol->matches, val, vlen);
    else if (nlen == 9 && strncasecmp(word, "protocols", 9) == 0)
        smtp_tls_list(pol->protocols, val, vlen);
    else if (nlen == 7 && strncasecmp(word, "ciphers", 7) == 0)
        strbuf_memcpy(pol->ciphers, val, vlen);
    else if (nlen == 7 && strncasecmp(word, "exclude", 7) == 0)
        smtp_tls_list(pol->exclude, val, vlen);
    else
        return strbuf_fail(why, 0,
                           "unsupported TLS policy attribute "
                           "\"%.*s\"",
                           (int) nlen, word);
    return 0;
}

/* smtp_tls_word - the next white-space separated word; its length */
static size_t
smtp_tls_word(const char **p, const char *end)
{
    const char *start;

    while (*p < end && (**p == ' ' || **p == '\t'))
        (*p)++;
    for (start = *p; *p < end && **p != ' ' && **p != '\t'; (*p)++)
        ;
    return (size_t) (*p - start);
}

/*
 * smtp_tls_policy_parse - a policy table value into pol (attributes not
 * given are left empty); 0, or -1 with why and pol in an unknown state.
 */
int
smtp_tls_policy_parse(const char *text, size_t len, SMTP_TLS_POLICY *pol,
                      STRBUF *why)
{
    const char *p = text, *end = text + len;
    size_t n, words = 0;

    strbuf_reset(pol->matches);
    strbuf_reset(pol->protocols);
    strbuf_reset(pol->ciphers);
    strbuf_reset(pol->exclude);
    if (len > SMTP_TLS_POLICY_MAX)
        return strbuf_fail(why, 0, "TLS policy longer than %d bytes",
                           SMTP_TLS_POLICY_MAX);
    if ((n = smtp_tls_word(&p, end)) == 0)
        return strbuf_fail(why, 0, "empty TLS policy");
    if (smtp_tls_level_parse(p - n, n, &pol->level) < 0)
        return strbuf_fail(why, 0, "unsupported TLS security level \"%.*s\"",
                           (int) n, p - n);
    while ((n = smtp_tls_word(&p, end)) > 0) {
        if (++words > SMTP_TLS_WORDS_MAX)
            return strbuf_fail(why, 0, "more than %d TLS policy attributes",
                               SMTP_TLS_WORDS_MAX);
        if (smtp_tls_attr(pol, p - n, n, why) < 0)
            return -1;
    }
    return 0;
}

/* smtp_tls_policy_keys - the table keys for a next hop, in order */
void
smtp_tls_policy_keys(const char *nexthop, ARGV *keys)
{
    const char *colon = strchr(nexthop, ':'), *dot;
    size_t hlen = colon ? (size_t) (colon - nexthop) : strlen(nexthop);

    if (*nexthop == 0 || strlen(nexthop) > SMTP_HOST_MAX + 40)
        return;
    argv_add(keys, nexthop);
    if (*nexthop == '[' || hlen == 0)
        return;
    if (colon != NULL)
        argv_addn(keys, nexthop, hlen);
    for (dot = memchr(nexthop + 1, '.', hlen - 1); dot != NULL;
         dot = memchr(dot + 1, '.', (size_t) (nexthop + hlen - dot - 1)))
        argv_addn(keys, dot, (size_t) (nexthop + hlen - dot));
}

/*
 * smtp_tls_policy_find - the policy for a next hop: the first table
 * entry (1), or the parameters' level with empty attributes (0); -1 with
 * why when a table failed or its entry is invalid.
 */
int
smtp_tls_policy_find(MAPS *maps, const char *nexthop, SMTP_TLS_POLICY *pol,
                     STRBUF *why)
{
    ARGV *keys = argv_alloc(4);
    const char *value = NULL;
    size_t i;
    int rc = 0;

    smtp_tls_policy_parse("none", 4, pol, why);
    pol->level = smtp_conf.tls_level;
    if (maps != NULL)
        smtp_tls_policy_keys(nexthop, keys);
    for (i = 0; value == NULL && rc == 0 && i < keys->argc; i++)
        if ((value = maps_find(maps, keys->argv[i], 0)) == NULL &&
            maps->error != 0)
            rc = strbuf_fail(why, 0, "%s lookup error for %s", maps->title,
                             keys->argv[i]);
    if (value != NULL) {
        rc = smtp_tls_policy_parse(value, strlen(value), pol, why) < 0 ? -1 : 1;
        if (rc < 0)
            strbuf_sprintf_cat(why, " in %s entry for %s", maps->title,
                               keys->argv[i - 1]);
    }
    argv_free(keys);
    return rc;
}

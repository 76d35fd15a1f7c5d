/*
 * smtpd_access - the values and keys of Postfix's access(5) tables, as
 * smtpd's check_*_access restrictions and the policy client use them.
 *
 * smtpd_access_parse() classifies one table value (OK, REJECT [text],
 * DEFER [text], 4xx/5xx [x.y.z] text, HOLD, DISCARD, PREPEND, REDIRECT,
 * FILTER, DUNNO, DEFER_IF_PERMIT, DEFER_IF_REJECT, WARN, INFO, a number
 * = OK, anything else = restrictions) into the caller's SMTPD_ACCESS,
 * whose text points into the value.  smtpd_access_keys() appends the
 * lookup keys in Postfix's order to the caller's ARGV: for a client its
 * name and parent domains, then its address and shorter prefixes (IPv4
 * octets, IPv6 colon groups); for a HELO name the name and its parents;
 * for an address "user@domain", "user@domain" without the extension
 * (recipient_delimiter), the domain and its parents, "user@".  Parent
 * domains are "example.com" when parent_style is 1
 * (parent_domain_matches_subdomains names smtpd_access_maps), else
 * ".example.com".  Both are pure; nothing is fatal.
 */
#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "smtpd_check.h"
#include "stringops.h"

static const struct {
    const char *name;
    int action;
    int need_text; /* the action needs an argument */
} acc_words[] = {
    {"OK", SMTPD_ACC_OK, 0},
    {"DUNNO", SMTPD_ACC_DUNNO, 0},
    {"REJECT", SMTPD_ACC_REJECT, 0},
    {"DEFER", SMTPD_ACC_DEFER, 0},
    {"DEFER_IF_PERMIT", SMTPD_ACC_DEFER_PERMIT, 0},
    {"DEFER_IF_REJECT", SMTPD_ACC_DEFER_REJECT, 0},
    {"HOLD", SMTPD_ACC_HOLD, 0},
    {"DISCARD", SMTPD_ACC_DISCARD, 0},
    {"PREPEND", SMTPD_ACC_PREPEND, 1},
    {"REDIRECT", SMTPD_ACC_REDIRECT, 1},
    {"FILTER", SMTPD_ACC_FILTER, 1},
    {"WARN", SMTPD_ACC_WARN, 0},
    {"INFO", SMTPD_ACC_INFO, 0},
};

/* acc_skip_blank - past spaces and tabs */
static const char *
acc_skip_blank(const char *p)
{
    while (*p == ' ' || *p == '\t')
        p++;
    return p;
}

/* acc_dsn - "x.y.z" at p whose class matches code; its length, or 0 */
static size_t
acc_dsn(const char *p, int code)
{
    size_t n = 0, parts = 0, digits;

    if (*p != '0' + code / 100)
        return 0;
    for (;;) {
        for (digits = 0; isdigit((unsigned char) p[n]) && digits < 3; digits++)
            n++;
        if (digits == 0)
            return 0;
        if (++parts == 3)
            break;
        if (p[n++] != '.')
            return 0;
    }
    return p[n] == 0 || p[n] == ' ' || p[n] == '\t' ? n : 0;
}

/* acc_code - "4xx [x.y.z] text" or "5xx ..."; 0 when it is not one */
static int
acc_code(const char *value, SMTPD_ACCESS *out)
{
    size_t n;

    if (!(value[0] == '4' || value[0] == '5') ||
        !isdigit((unsigned char) value[1]) ||
        !isdigit((unsigned char) value[2]) ||
        !(value[3] == 0 || value[3] == ' ' || value[3] == '\t'))
        return 0;
    out->action = SMTPD_ACC_CODE;
    out->code = (value[0] - '0') * 100 + (value[1] - '0') * 10 + value[2] - '0';
    out->text = acc_skip_blank(value + 3);
    if ((n = acc_dsn(out->text, out->code)) > 0 && n < sizeof(out->dsn)) {
        memcpy(out->dsn, out->text, n);
        out->dsn[n] = 0;
        out->text = acc_skip_blank(out->text + n);
    }
    return 1;
}

/* smtpd_access_parse - classify one access table value */
int
smtpd_access_parse(const char *value, SMTPD_ACCESS *out)
{
    size_t i, len;

    memset(out, 0, sizeof(*out));
    value = acc_skip_blank(value);
    out->text = "";
    if (acc_code(value, out))
        return out->action;
    len = strcspn(value, " \t");
    if (len > 0 && strspn(value, "0123456789") == len &&
        *acc_skip_blank(value + len) == 0) {
        out->action = SMTPD_ACC_OK; /* Postfix: a number means OK */
        return out->action;
    }
    for (i = 0; i < sizeof(acc_words) / sizeof(acc_words[0]); i++) {
        if (strlen(acc_words[i].name) == len &&
            strncasecmp(value, acc_words[i].name, len) == 0) {
            out->action = acc_words[i].action;
            out->text = acc_skip_blank(value + len);
            if (acc_words[i].need_text && *out->text == 0)
                out->action = SMTPD_ACC_BAD;
            return out->action;
        }
    }
    out->action = SMTPD_ACC_RESTRICT;
    out->text = value;
    return out->action;
}

/* acc_domain_keys - a domain, then its parents */
static void
acc_domain_keys(const char *domain, int parent_style, ARGV *out)
{
    const char *p;

    if (*domain == 0)
        return;
    argv_add(out, domain);
    for (p = strchr(domain + 1, '.'); p && p[1]; p = strchr(p + 1, '.'))
        argv_add(out, parent_style ? p + 1 : p);
}

/* acc_addr_keys - an address, then shorter prefixes of it */
static void
acc_addr_keys(const char *addr, ARGV *out)
{
    int sep = strchr(addr, ':') ? ':' : '.';
    size_t len = strlen(addr);

    argv_add(out, addr);
    while (len > 0) {
        while (len > 0 && addr[len - 1] != sep)
            len--;
        while (len > 0 && addr[len - 1] == sep)
            len--;
        if (len > 0)
            argv_addn(out, addr, len);
    }
}

/* acc_mail_keys - user@domain, its unextended form, domains, user@ */
static void
acc_mail_keys(const char *addr, const char *delims, int parent_style, ARGV *out)
{
    const char *at = strrchr(addr, '@');
    size_t local = at ? (size_t) (at - addr) : strlen(addr);
    size_t base = delims && *delims ? strcspn(addr, delims) : local;
    STRBUF *key = strbuf_create(0);

    argv_add(out, addr);
    if (base == 0 || base > local)
        base = local;
    if (base < local) {
        strbuf_memcpy(key, addr, base);
        if (at)
            strbuf_strcat(key, at);
        argv_add(out, STR(key));
    }
    if (at) {
        acc_domain_keys(at + 1, parent_style, out);
        argv_addn(out, addr, local + 1);
        if (base < local) {
            strbuf_memcpy(key, addr, base);
            strbuf_addch(key, '@');
            argv_add(out, STR(key));
        }
    }
    strbuf_free(key);
}

/* smtpd_access_keys - the lookup keys of name/addr, in Postfix's order */
ARGV *
smtpd_access_keys(int kind, const char *name, const char *addr,
                  int parent_style, ARGV *out)
{
    switch (kind) {
        case SMTPD_KEY_CLIENT:
            if (name && strcasecmp(name, "unknown") != 0)
                acc_domain_keys(name, parent_style, out);
            if (addr && *addr)
                acc_addr_keys(addr, out);
            break;
        case SMTPD_KEY_DOMAIN:
            acc_domain_keys(name, parent_style, out);
            break;
        default:
            acc_mail_keys(name, addr, parent_style, out);
            break;
    }
    return out;
}

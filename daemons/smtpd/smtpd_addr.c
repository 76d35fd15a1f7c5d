/*
 * smtpd_addr - parse SMTP command lines, envelope paths and ESMTP
 * parameters, without side effects (smtpd_addr.h has the contract).
 *
 * smtpd_addr_verb() splits a command line into verb and arguments.
 * smtpd_addr_path() parses "<path>" per RFC 5321 section 4.1.2 into the
 * internal (unquoted) form: a quoted local part is unquoted, a source
 * route is dropped, an address literal is checked, the null path is
 * recognised; without SMTPD_ADDR_STRICT the angle brackets may be
 * missing and an unqualified address is allowed, as Postfix does when
 * strict_rfc821_envelopes is off.  smtpd_addr_mail_args() and
 * smtpd_addr_rcpt_args() parse the parameters after the path and fill
 * caller-owned structures; on error the reply is a complete SMTP reply
 * ("555 5.5.4 ...") without CRLF; libglobal/xtext decodes RFC 3461
 * xtext.  All results go to caller-owned STRBUFs; nothing is fatal.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <limits.h>
#include <string.h>
#include <strings.h>

#include "smtpd_addr.h"
#include "xtext.h"

/* RFC 5321 section 4.1.2 atext, plus 8-bit octets for RFC 6531. */
static int
addr_atext(unsigned char ch)
{
    return isalnum(ch) || (ch >= 0x80 && ch != 0xff) ||
           (ch && strchr("!#$%&'*+-/=?^_`{|}~", ch) != NULL);
}

/* smtpd_addr_verb - the verb's length and where the arguments start */
int
smtpd_addr_verb(const char *line, size_t len, size_t *verb_len,
                size_t *args_off)
{
    size_t i;

    for (i = 0; i < len && line[i] != ' '; i++)
        if (!isalpha((unsigned char) line[i]))
            return -1;
    if (i == 0 || i > 16)
        return -1;
    *verb_len = i;
    while (i < len && line[i] == ' ')
        i++;
    *args_off = i;
    return 0;
}

/* addr_quoted - unquote a quoted-string local part; its length or -1 */
static long
addr_quoted(const char *p, size_t n, STRBUF *addr)
{
    size_t i;
    unsigned char ch;

    for (i = 1; i < n; i++) {
        ch = (unsigned char) p[i];
        if (ch == '"')
            return (long) i + 1;
        if (ch == '\\') {
            /* RFC 5321 quoted-pairSMTP: backslash and one of %d32-126 */
            if (++i >= n || p[i] < 32 || p[i] > 126)
                return -1;
            ch = (unsigned char) p[i];
        } else if (ch < 32 || ch == 127) {
            return -1;
        }
        if (strbuf_addch(addr, ch) < 0)
            return -1;
    }
    return -1;
}

/* addr_dotstring - a Dot-string local part; its length or -1 */
static long
addr_dotstring(const char *p, size_t n, int strict, STRBUF *addr)
{
    size_t i;
    int prev_dot = 1;

    for (i = 0; i < n && p[i] != '@'; i++) {
        if (p[i] == '.') {
            if (strict && prev_dot)
                return -1;
            prev_dot = 1;
        } else if (addr_atext((unsigned char) p[i])) {
            prev_dot = 0;
        } else {
            return -1;
        }
        if (strbuf_addch(addr, p[i]) < 0)
            return -1;
    }
    if (i == 0 || (strict && prev_dot))
        return -1;
    return (long) i;
}

/* addr_literal - check an address literal's content (RFC 5321 4.1.3) */
static int
addr_literal(const char *p, size_t n)
{
    char buf[64];
    unsigned char tmp[16];
    size_t i;

    if (n == 0 || n >= sizeof(buf) || memchr(p, 0, n) != NULL)
        return -1;
    memcpy(buf, p, n);
    buf[n] = 0;
    if (strncasecmp(buf, "IPv6:", 5) == 0)
        return inet_pton(AF_INET6, buf + 5, tmp) == 1 ? 0 : -1;
    if (isdigit((unsigned char) buf[0]) && strchr(buf, ':') == NULL)
        return inet_pton(AF_INET, buf, tmp) == 1 ? 0 : -1;
    /* General-address-literal: Standardized-tag ":" 1*dcontent */
    for (i = 0; i < n && buf[i] != ':'; i++)
        if (!isalnum((unsigned char) buf[i]) && buf[i] != '-')
            return -1;
    if (i == 0 || i + 1 >= n)
        return -1;
    for (i++; i < n; i++)
        if (buf[i] < 33 || buf[i] > 126 || strchr("[\\]", buf[i]))
            return -1;
    return 0;
}

/* addr_domain - check a domain or [literal]; a trailing dot is allowed */
static int
addr_domain(const char *p, size_t n)
{
    size_t i, label = 0;

    if (n == 0 || n > SMTPD_DOMAIN_MAX + 2)
        return -1;
    if (p[0] == '[')
        return p[n - 1] == ']' ? addr_literal(p + 1, n - 2) : -1;
    if (n > SMTPD_DOMAIN_MAX + 1 ||
        (n == SMTPD_DOMAIN_MAX + 1 && p[n - 1] != '.'))
        return -1;
    for (i = 0; i < n; i++) {
        unsigned char ch = (unsigned char) p[i];

        if (ch == '.') {
            if (label == 0 || p[i - 1] == '-')
                return -1;
            label = 0;
        } else if (isalnum(ch) || ch >= 0x80 || (ch == '-' && label > 0)) {
            if (++label > 63)
                return -1;
        } else {
            return -1;
        }
    }
    return p[n - 1] == '-' ? -1 : 0;
}

/* addr_route - the length of an "@a,@b:" source route, 0 or -1 */
static long
addr_route(const char *p, size_t n)
{
    size_t i, start;

    if (n == 0 || p[0] != '@')
        return 0;
    for (i = 0; i < n && p[i] == '@';) {
        for (start = ++i; i < n && p[i] != ',' && p[i] != ':'; i++)
            ;
        if (i >= n || addr_domain(p + start, i - start) < 0)
            return -1;
        if (p[i++] == ':')
            return (long) i;
    }
    return -1;
}

/* addr_mailbox - Mailbox (or a bare local part) to internal form */
static int
addr_mailbox(const char *p, size_t n, int flags, STRBUF *addr)
{
    int strict = flags & SMTPD_ADDR_STRICT;
    long route, used;

    if ((route = addr_route(p, n)) < 0)
        return -1;
    /* RFC 5321 section 4.1.2 / Appendix C: accept, then drop the route. */
    p += route;
    n -= (size_t) route;
    if (n == 0)
        return -1;
    used = p[0] == '"' ? addr_quoted(p, n, addr)
                       : addr_dotstring(p, n, strict, addr);
    if (used < 0)
        return -1;
    if ((size_t) used == n)
        return strict && !smtpd_addr_is_postmaster(STR(addr)) ? -1 : 0;
    if (p[used] != '@' || addr_domain(p + used + 1, n - used - 1) < 0)
        return -1;
    return strbuf_memcat(addr, p + used, n - used);
}

/* addr_close - the offset of the '>' ending a path, or -1 */
static long
addr_close(const char *p, size_t n)
{
    size_t i;
    int quoted = 0, literal = 0;

    for (i = 1; i < n; i++) {
        if (quoted && p[i] == '\\') {
            i++;
        } else if (p[i] == '"' && !literal) {
            quoted = !quoted;
        } else if (!quoted && (p[i] == '[' || p[i] == ']')) {
            literal = p[i] == '[';
        } else if (!quoted && !literal && p[i] == '>') {
            return (long) i;
        }
    }
    return -1;
}

/* smtpd_addr_path - parse a reverse-path or forward-path */
int
smtpd_addr_path(const char *text, size_t len, int flags, STRBUF *addr,
                size_t *used, STRBUF *reply)
{
    size_t off = 0, end, inner, inner_len;
    long close;

    strbuf_reset(addr);
    strbuf_set_limit(addr, SMTPD_PATH_MAX);
    while (off < len && text[off] == ' ' && !(flags & SMTPD_ADDR_STRICT))
        off++;
    if (off < len && text[off] == '<') {
        if ((close = addr_close(text + off, len - off)) < 0)
            return strbuf_fail(reply, 0, "missing '>'");
        inner = off + 1;
        inner_len = (size_t) close - 1;
        end = off + (size_t) close + 1;
    } else {
        if (flags & SMTPD_ADDR_STRICT)
            return strbuf_fail(reply, 0, "missing '<'");
        for (end = off; end < len && text[end] != ' '; end++)
            ;
        inner = off;
        inner_len = end - off;
    }
    if (end < len && text[end] != ' ')
        return strbuf_fail(reply, 0, "text after the address");
    *used = end;
    if (inner_len == 0)
        return (flags & SMTPD_ADDR_NULL_OK) && off < len && text[off] == '<'
                   ? 0
                   : strbuf_fail(reply, 0, "empty address");
    if (addr_mailbox(text + inner, inner_len, flags, addr) < 0) {
        strbuf_reset(addr);
        return strbuf_fail(reply, 0, "bad address syntax");
    }
    return 0;
}

/* smtpd_addr_is_postmaster - "postmaster", any case, no domain */
int
smtpd_addr_is_postmaster(const char *addr)
{
    return strcasecmp(addr, "postmaster") == 0;
}

/* An ESMTP parameter: keyword and value (NULL when there is no "="). */
typedef struct ADDR_PARAM {
    const char *key;
    size_t key_len;
    const char *value;
    size_t value_len;
} ADDR_PARAM;

/* addr_params - split "K=V K2 ..." into at most SMTPD_PARAM_MAX params */
static int
addr_params(const char *text, size_t len, ADDR_PARAM *out, size_t *count,
            STRBUF *reply)
{
    size_t i = 0, start, n = 0;
    const char *eq;

    while (i < len) {
        while (i < len && text[i] == ' ')
            i++;
        if (i >= len)
            break;
        for (start = i; i < len && text[i] != ' '; i++)
            ;
        if (n >= SMTPD_PARAM_MAX)
            return strbuf_fail(reply, 0,
                               "501 5.5.4 Error: too many parameters");
        out[n].key = text + start;
        eq = memchr(text + start, '=', i - start);
        out[n].key_len = eq ? (size_t) (eq - out[n].key) : i - start;
        out[n].value = eq ? eq + 1 : NULL;
        out[n].value_len = eq ? (size_t) (text + i - eq - 1) : 0;
        if (out[n].key_len == 0)
            return strbuf_fail(reply, 0,
                               "501 5.5.4 Syntax error in parameters");
        n++;
    }
    *count = n;
    return 0;
}

/* addr_key_is - case-insensitive keyword comparison */
static int
addr_key_is(const ADDR_PARAM *p, const char *key)
{
    return p->key_len == strlen(key) &&
           strncasecmp(p->key, key, p->key_len) == 0;
}

/* addr_value_is - case-insensitive value comparison */
static int
addr_value_is(const char *v, size_t n, const char *want)
{
    return v && n == strlen(want) && strncasecmp(v, want, n) == 0;
}

/* addr_size - RFC 1870 SIZE=digits, bounded */
static int
addr_size(const ADDR_PARAM *p, long limit, SMTPD_MAIL_ARGS *args, STRBUF *reply)
{
    size_t i;
    long v = 0;

    if (p->value == NULL || p->value_len == 0 || p->value_len > 19)
        return strbuf_fail(reply, 0, "501 5.5.4 Bad message size syntax");
    for (i = 0; i < p->value_len; i++) {
        if (!isdigit((unsigned char) p->value[i]) || v > (LONG_MAX - 9) / 10)
            return strbuf_fail(reply, 0, "501 5.5.4 Bad message size syntax");
        v = v * 10 + (p->value[i] - '0');
    }
    /* RFC 1870 section 6.3: a declared size over the limit is 552. */
    if (limit > 0 && v > limit)
        return strbuf_fail(reply, 0,
                           "552 5.3.4 Message size exceeds fixed limit");
    args->size = v;
    return 0;
}

/* addr_mail_param - one MAIL FROM parameter */
static int
addr_mail_param(const ADDR_PARAM *p, long limit, SMTPD_MAIL_ARGS *args,
                STRBUF *reply)
{
    if (addr_key_is(p, "SIZE") && args->size < 0)
        return addr_size(p, limit, args, reply);
    if (addr_key_is(p, "BODY")) {
        if (addr_value_is(p->value, p->value_len, "8BITMIME"))
            args->body_8bit = 1;
        else if (!addr_value_is(p->value, p->value_len, "7BIT"))
            return strbuf_fail(reply, 0, "501 5.5.4 Unsupported BODY type");
        return 0;
    }
    if (addr_key_is(p, "RET") && args->ret[0] == 0) {
        if (!addr_value_is(p->value, p->value_len, "FULL") &&
            !addr_value_is(p->value, p->value_len, "HDRS"))
            return strbuf_fail(reply, 0, "501 5.5.4 Bad RET parameter");
        memcpy(args->ret, p->value, 4);
        args->ret[0] = (char) toupper((unsigned char) args->ret[0]);
        args->ret[1] = (char) toupper((unsigned char) args->ret[1]);
        args->ret[2] = (char) toupper((unsigned char) args->ret[2]);
        args->ret[3] = (char) toupper((unsigned char) args->ret[3]);
        args->ret[4] = 0;
        return 0;
    }
    if (addr_key_is(p, "ENVID") && LEN(args->envid) == 0) {
        /* RFC 3461 section 4.4: at most 100 characters, xtext. */
        if (p->value == NULL || p->value_len == 0 || p->value_len > 100 ||
            xtext_decode(p->value, p->value_len, SMTPD_XTEXT_MAX, args->envid) < 0)
            return strbuf_fail(reply, 0, "501 5.5.4 Bad ENVID parameter");
        return 0;
    }
    if (addr_key_is(p, "SMTPUTF8") && p->value == NULL) {
        args->smtputf8 = 1;
        return 0;
    }
    if (addr_key_is(p, "AUTH")) {
        /* RFC 4954 section 5: AUTH=<mailbox> or AUTH=<>, as xtext. */
        if (args->has_auth || p->value == NULL || p->value_len == 0 ||
            p->value_len > 500 ||
            xtext_decode(p->value, p->value_len, SMTPD_XTEXT_MAX,
                         args->auth ? args->auth : reply) < 0)
            return strbuf_fail(reply, 0, "501 5.5.4 Bad AUTH parameter value");
        args->has_auth = 1;
        return 0;
    }
    /* RFC 5321 section 4.1.1.11: unrecognised parameters are 555. */
    return strbuf_fail(reply, 0, "555 5.5.4 Unsupported option: %.*s",
                       (int) (p->key_len > 64 ? 64 : p->key_len), p->key);
}

/* smtpd_addr_mail_args - the parameters after MAIL FROM:<path> */
int
smtpd_addr_mail_args(const char *text, size_t len, long size_limit,
                     SMTPD_MAIL_ARGS *args, STRBUF *reply)
{
    ADDR_PARAM params[SMTPD_PARAM_MAX];
    size_t n, i;

    args->size = -1;
    args->body_8bit = args->smtputf8 = 0;
    args->ret[0] = 0;
    strbuf_reset(args->envid);
    args->has_auth = 0;
    if (args->auth)
        strbuf_reset(args->auth);
    if (addr_params(text, len, params, &n, reply) < 0)
        return -1;
    for (i = 0; i < n; i++)
        if (addr_mail_param(params + i, size_limit, args, reply) < 0)
            return -1;
    return 0;
}

/* addr_notify - RFC 3461 section 4.1 NOTIFY=NEVER or a list */
static int
addr_notify(const char *v, size_t n, int *notify)
{
    static const struct {
        const char *name;
        int bit;
    } words[] = {{"NEVER", SMTPD_NOTIFY_NEVER},
                 {"SUCCESS", SMTPD_NOTIFY_SUCCESS},
                 {"DELAY", SMTPD_NOTIFY_DELAY},
                 {"FAILURE", SMTPD_NOTIFY_FAILURE}};
    size_t i = 0, start, w;
    int bits = 0, found;

    while (v && i <= n) {
        for (start = i; i < n && v[i] != ','; i++)
            ;
        for (found = 0, w = 0; w < sizeof(words) / sizeof(words[0]); w++)
            if (addr_value_is(v + start, i - start, words[w].name)) {
                bits |= words[w].bit;
                found = 1;
            }
        if (!found)
            return -1;
        if (i++ >= n)
            break;
    }
    /* NEVER must appear alone. */
    if (bits == 0 ||
        ((bits & SMTPD_NOTIFY_NEVER) && bits != SMTPD_NOTIFY_NEVER))
        return -1;
    *notify = bits;
    return 0;
}

/* addr_orcpt - RFC 3461 section 4.2 ORCPT=addr-type;xtext */
static int
addr_orcpt(const char *v, size_t n, STRBUF *orcpt)
{
    const char *semi = v ? memchr(v, ';', n) : NULL;
    const char *cp;
    STRBUF *tmp;
    int ret;

    if (semi == NULL || semi == v || (size_t) (semi - v) > 32)
        return -1;
    /* RFC 3461 section 4.2: addr-type is an atom; keep it to [A-Za-z0-9-]. */
    for (cp = v; cp < semi; cp++)
        if (!isalnum((unsigned char) *cp) && *cp != '-')
            return -1;
    tmp = strbuf_create(0);
    ret = xtext_decode(semi + 1, n - (size_t) (semi - v) - 1, SMTPD_XTEXT_MAX,
                       tmp);
    if (ret == 0 && LEN(tmp) > 0) {
        strbuf_memcpy(orcpt, v, (size_t) (semi - v) + 1);
        strbuf_memcat(orcpt, STR(tmp), LEN(tmp));
    } else {
        ret = -1;
    }
    strbuf_free(tmp);
    return ret;
}

/* smtpd_addr_rcpt_args - the parameters after RCPT TO:<path> */
int
smtpd_addr_rcpt_args(const char *text, size_t len, SMTPD_RCPT_ARGS *args,
                     STRBUF *reply)
{
    ADDR_PARAM params[SMTPD_PARAM_MAX];
    size_t n, i;

    args->notify = 0;
    strbuf_reset(args->orcpt);
    if (addr_params(text, len, params, &n, reply) < 0)
        return -1;
    for (i = 0; i < n; i++) {
        if (addr_key_is(params + i, "NOTIFY") && args->notify == 0) {
            if (addr_notify(params[i].value, params[i].value_len,
                            &args->notify) < 0)
                return strbuf_fail(reply, 0, "501 5.5.4 Bad NOTIFY parameter");
        } else if (addr_key_is(params + i, "ORCPT") && LEN(args->orcpt) == 0) {
            if (addr_orcpt(params[i].value, params[i].value_len, args->orcpt) <
                0)
                return strbuf_fail(reply, 0, "501 5.5.4 Bad ORCPT parameter");
        } else {
            return strbuf_fail(
                reply, 0, "555 5.5.4 Unsupported option: %.*s",
                (int) (params[i].key_len > 64 ? 64 : params[i].key_len),
                params[i].key);
        }
    }
    return 0;
}

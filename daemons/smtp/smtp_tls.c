/*
 * smtp_tls - STARTTLS (RFC 3207) on the client side, over libglobal's
 * tls.h, under a destination's policy (smtp_tls_policy.c).
 *
 * TLS contexts: one per (protocols, ciphers, exclude) combination, made
 * when first needed and kept for the life of the process (at most
 * SMTP_TLS_CTX_MAX).  "may" uses smtp_tls_protocols and smtp_tls_ciphers,
 * "encrypt" and above the smtp_tls_mandatory_* twins, and a policy table
 * entry may replace either.  Every context shares smtp_tls_CAfile,
 * smtp_tls_CApath and the client certificate (smtp_tls_cert_file,
 * smtp_tls_key_file).  smtp_tls_init() makes the two parameter contexts
 * at start-up (privileged, so the CA files can be read); a context that
 * cannot be made is logged, and the destinations that need it are
 * deferred ("may" goes on in plaintext).
 *
 * smtp_starttls() runs after EHLO.  At "may": STARTTLS when offered; a
 * refused STARTTLS goes on in plaintext; a failed handshake returns
 * SMTP_TLS_PLAIN so the caller connects again without TLS (as Postfix
 * does).  At "encrypt" and above a missing STARTTLS, a refusal, a failed
 * handshake or (verify, secure) a certificate that is not trusted or
 * does not match defers the destination with a reason.  After the
 * handshake EHLO is sent again (RFC 3207 section 4.2: the client MUST
 * discard what it learned before).  Nothing here is fatal.
 */
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "mail_conf.h"
#include "msg.h"
#include "mymalloc.h"
#include "smtp.h"

#define SMTP_TLS_CTX_MAX 8

typedef struct SMTP_TLS_CTX {
    char *key; /* "protocols|ciphers|exclude" */
    TLS_CTX *ctx;
} SMTP_TLS_CTX;

static SMTP_TLS_CTX smtp_tls_ctxs[SMTP_TLS_CTX_MAX];

/* smtp_tls_param - a client TLS parameter, "smtp_" or "lmtp_" */
static char *
smtp_tls_param(const char *name)
{
    char buf[100];

    snprintf(buf, sizeof(buf), "%s_%s", smtp_conf.prefix, name);
    return mail_conf_str(buf);
}

/* smtp_tls_make - a new client context; NULL after logging why */
static TLS_CTX *
smtp_tls_make(const char *protocols, const char *ciphers, const char *exclude)
{
    char *ca = smtp_tls_param("tls_CAfile"),
         *cap = smtp_tls_param("tls_CApath");
    char *cert = smtp_tls_param("tls_cert_file");
    char *key = smtp_tls_param("tls_key_file");
    TLS_CLIENT_PARAMS p = {cert,      key,     ca,      cap,
                           protocols, ciphers, exclude, NULL};
    STRBUF *why = strbuf_create(100);
    TLS_CTX *ctx = tls_client_init(&p, why);

    if (ctx == NULL)
        msg_warn("%s: TLS client initialization failed: %s", smtp_conf.prefix,
                 STR(why));
    myfree(ca);
    myfree(cap);
    myfree(cert);
    myfree(key);
    strbuf_free(why);
    return ctx;
}

/* smtp_tls_ctx - the context for a protocol, grade and exclusion list */
static TLS_CTX *
smtp_tls_ctx(const char *protocols, const char *ciphers, const char *exclude)
{
    STRBUF *key = strbuf_create(50);
    TLS_CTX *ctx = NULL;
    size_t i;

    strbuf_sprintf(key, "%s|%s|%s", protocols, ciphers, exclude);
    for (i = 0; i < SMTP_TLS_CTX_MAX && smtp_tls_ctxs[i].key; i++)
        if (strcmp(smtp_tls_ctxs[i].key, STR(key)) == 0)
            break;
    if (i < SMTP_TLS_CTX_MAX && smtp_tls_ctxs[i].key) {
        ctx = smtp_tls_ctxs[i].ctx;
    } else if (i < SMTP_TLS_CTX_MAX) {
        ctx = smtp_tls_make(protocols, ciphers, exclude);
        smtp_tls_ctxs[i].key = mystrdup(STR(key));
        smtp_tls_ctxs[i].ctx = ctx; /* a failure is remembered too */
    } else {
        msg_warn("%s: more than %d TLS protocol/cipher combinations",
                 smtp_conf.prefix, SMTP_TLS_CTX_MAX);
    }
    strbuf_free(key);
    return ctx;
}

/* smtp_tls_ctx_for - the context a policy asks for, or NULL */
static TLS_CTX *
smtp_tls_ctx_for(const SMTP_TLS_POLICY *pol)
{
    int mandatory = pol->level >= TLS_LEV_ENCRYPT;
    char *protos =
        smtp_tls_param(mandatory ? "tls_mandatory_protocols" : "tls_protocols");
    char *ciphers =
        smtp_tls_param(mandatory ? "tls_mandatory_ciphers" : "tls_ciphers");
    char *exclude = smtp_tls_param(mandatory ? "tls_mandatory_exclude_ciphers"
                                             : "tls_exclude_ciphers");
    TLS_CTX *ctx =
        smtp_tls_ctx(LEN(pol->protocols) ? STR(pol->protocols) : protos,
                     LEN(pol->ciphers) ? STR(pol->ciphers) : ciphers,
                     LEN(pol->exclude) ? STR(pol->exclude) : exclude);

    myfree(protos);
    myfree(ciphers);
    myfree(exclude);
    return ctx;
}

/* smtp_tls_init - the parameter contexts, when TLS may be used at all */
void
smtp_tls_init(void)
{
    SMTP_TLS_POLICY *pol = smtp_tls_policy_create();

    if (smtp_conf.tls_level > TLS_LEV_NONE || smtp_conf.tls_policy) {
        pol->level = TLS_LEV_MAY;
        (void) smtp_tls_ctx_for(pol);
        pol->level = TLS_LEV_ENCRYPT;
        (void) smtp_tls_ctx_for(pol);
    }
    smtp_tls_policy_free(pol);
}

/*
 * smtp_tls_fail - fill err and end the session: QUIT when the connection
 * can still carry it (quit), else just close; SMTP_TLS_FAIL
 */
static int __attribute__((format(printf, 5, 6)))
smtp_tls_fail(SMTP_SESSION *s, SMTP_SESS_ERR *err, int quit, const char *status,
              const char *fmt, ...)
{
    va_list ap;

    snprintf(err->status, sizeof(err->status), "%s", status);
    strbuf_reset(err->reason);
    strbuf_reset(err->diag);
    va_start(ap, fmt);
    strbuf_vsprintf_cat(err->reason, fmt, ap);
    va_end(ap);
    if (quit)
        smtp_quit(s);
    else
        smtp_session_free(s);
    return SMTP_TLS_FAIL;
}

/* smtp_tls_servername - the SNI name to send, or NULL */
static const char *
smtp_tls_servername(const SMTP_SESSION *s, const char *nexthop_domain)
{
    const char *sni = smtp_conf.tls_servername;
    unsigned char addr[16];

    if (sni == NULL || *sni == 0)
        return NULL;
    if (strcmp(sni, "hostname") == 0)
        sni = s->name;
    else if (strcmp(sni, "nexthop") == 0)
        sni = nexthop_domain;
    /* RFC 6066 section 3: a literal address is not a server name */
    if (inet_pton(AF_INET, sni, addr) == 1 ||
        inet_pton(AF_INET6, sni, addr) == 1)
        return NULL;
    return sni;
}

/* smtp_tls_established - log the session as Postfix does */
static void
smtp_tls_established(const SMTP_SESSION *s)
{
    STRBUF *sum = tls_summary(strbuf_create(100), s->tls);
    const TLS_INFO *info = tls_info(s->tls);

    if (smtp_conf.tls_loglevel >= 2 && info->peer_cert)
        msg_info("%s: subject_CN=%s, issuer_CN=%s", s->label, info->peer_CN,
                 info->issuer_CN);
    msg_info("%s TLS connection established to %s: %s", tls_trust_label(s->tls),
             s->label, STR(sum));
    strbuf_free(sum);
}

/* smtp_tls_expected - the names the match rules stand for, "a, b" */
static STRBUF *
smtp_tls_expected(STRBUF *out, const char *rules, const SMTP_SESSION *s,
                  const char *nexthop_domain)
{
    ARGV *words = argv_split(rules, ", \t");
    size_t i;

    strbuf_reset(out);
    for (i = 0; i < words->argc && i < 20; i++) {
        const char *w = words->argv[i];

        strbuf_sprintf_cat(out, "%s%s%s", i ? ", " : "",
                           strcmp(w, "dot-nexthop") == 0 ? "." : "",
                           strcmp(w, "hostname") == 0 ? s->name
                           : strcmp(w, "nexthop") == 0 ||
                                   strcmp(w, "dot-nexthop") == 0
                               ? nexthop_domain
                               : w);
    }
    argv_free(words);
    return out;
}

/*
 * smtp_tls_refused - the handshake or the certificate check failed: at
 * "may" connect again in plaintext, else defer with the reason.
 */
static int
smtp_tls_refused(SMTP_SESSION *s, const SMTP_TLS_POLICY *pol, const char *rules,
                 const char *nexthop_domain, STRBUF *why, SMTP_SESS_ERR *err)
{
    STRBUF *names;

    if (strncmp(STR(why), "Server certificate not verified", 31) == 0) {
        names = smtp_tls_expected(strbuf_create(50), rules, s, nexthop_domain);
        smtp_tls_fail(s, err, 0, "4.7.5",
                      "Server certificate not verified: "
                      "no name matches %s (%s)",
                      STR(names), rules);
        strbuf_free(names);
        return SMTP_TLS_FAIL;
    }
    if (strncmp(STR(why), "Server certificate", 18) == 0)
        return smtp_tls_fail(s, err, 0, "4.7.5", "%s", STR(why));
    if (pol->level == TLS_LEV_MAY) {
        msg_info("%s: %s; trying again without TLS", s->label, STR(why));
        smtp_session_free(s);
        return SMTP_TLS_PLAIN;
    }
    return smtp_tls_fail(s, err, 0, "4.7.5",
                         "Cannot start TLS: handshake "
                         "failure with %s[%s]: %s",
                         s->name, s->addr, STR(why));
}

/* smtp_tls_handshake - the handshake after 220; SMTP_TLS_* */
static int
smtp_tls_handshake(SMTP_SESSION *s, const SMTP_TLS_POLICY *pol,
                   const char *nexthop_domain, SMTP_SESS_ERR *err)
{
    TLS_CTX *ctx = smtp_tls_ctx_for(pol);
    TLS_CLIENT_START props = {pol->level, NULL,           NULL,
                              s->name,    nexthop_domain, NULL};
    STRBUF *why = strbuf_create(100), *namaddr = strbuf_create(50);
    int rc = SMTP_TLS_OK;

    strbuf_sprintf(namaddr, "%s[%s]", s->name, s->addr);
    props.namaddr = STR(namaddr);
    props.servername = smtp_tls_servername(s, nexthop_domain);
    props.matches = LEN(pol->matches)              ? STR(pol->matches)
                    : pol->level == TLS_LEV_SECURE ? smtp_conf.tls_secure_match
                                                   : smtp_conf.tls_verify_match;
    (void) stream_discard_input(s->stream); /* RFC 3207 section 4.2 */
    if (ctx == NULL)
        strbuf_strcpy(why, "client TLS configuration problem");
    else
        s->tls = tls_client_start(ctx, s->stream,
                                  (int) smtp_conf.starttls_timeout * 1000,
                                  &props, why);
    if (s->tls == NULL)
        rc = smtp_tls_refused(s, pol, props.matches, nexthop_domain, why, err);
    else
        s->tls_active = 1;
    strbuf_free(why);
    strbuf_free(namaddr);
    return rc;
}

/* smtp_tls_absent - STARTTLS not offered or refused; SMTP_TLS_* */
static int
smtp_tls_absent(SMTP_SESSION *s, const SMTP_TLS_POLICY *pol,
                const SMTP_REPLY *reply, SMTP_SESS_ERR *err)
{
    if (reply != NULL && reply->code == 0)
        return smtp_tls_fail(s, err, 0, "4.4.2",
                             "%s with %s[%s] while "
                             "sending STARTTLS",
                             STR(reply->text), s->name, s->addr);
    if (pol->level < TLS_LEV_ENCRYPT)
        return SMTP_TLS_OK;
    if (reply == NULL)
        return smtp_tls_fail(s, err, 1, "4.7.4",
                             "TLS is required, but was "
                             "not offered by host %s[%s]",
                             s->name, s->addr);
    smtp_tls_fail(s, err, 1, reply->dsn,
                  "TLS is required, but host %s[%s] "
                  "refused to start TLS: %s",
                  s->name, s->addr, STR(reply->text));
    err->status[0] = '4';
    strbuf_sprintf(err->diag, "smtp; %s", STR(reply->text));
    return SMTP_TLS_FAIL;
}

/*
 * smtp_starttls - TLS under pol after the first EHLO; SMTP_TLS_OK (the
 * session goes on, encrypted or not), SMTP_TLS_PLAIN (the session is
 * closed: connect again without TLS) or SMTP_TLS_FAIL (the session is
 * closed, err says why).
 */
int
smtp_starttls(SMTP_SESSION *s, const SMTP_TLS_POLICY *pol,
              const char *nexthop_domain, SMTP_REPLY *reply, SMTP_SESS_ERR *err)
{
    int rc;

    if (pol->level == TLS_LEV_NONE) {
        if (smtp_conf.tls_note_offer && (s->features & SMTP_FEAT_STARTTLS))
            msg_info("Host offered STARTTLS: [%s]", s->name);
        return SMTP_TLS_OK;
    }
    if (!(s->features & SMTP_FEAT_STARTTLS))
        return smtp_tls_absent(s, pol, NULL, err);
    stream_puts(s->stream, "STARTTLS\r\n");
    if (stream_flush(s->stream) < 0 ||
        smtp_read_reply(s, reply, smtp_conf.helo_timeout) < 0 ||
        reply->code != 220)
        return smtp_tls_absent(s, pol, reply, err);
    if ((rc = smtp_tls_handshake(s, pol, nexthop_domain, err)) != SMTP_TLS_OK)
        return rc;
    smtp_tls_established(s);
    if (smtp_ehlo(s, reply) < 0)
        return smtp_tls_fail(s, err, reply->code != 0, "4.4.2",
                             "%s after "
                             "STARTTLS with %s[%s]: %s",
                             reply->code ? "EHLO refused" : "lost connection",
                             s->name, s->addr, STR(reply->text));
    return SMTP_TLS_OK;
}

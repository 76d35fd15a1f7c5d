/*
 * tls_ctx - TLS contexts for servers and clients: certificates, trust,
 * protocol range and cipher grade (see tls.h).
 *
 *   tls_server_init(), tls_client_init()  a context the caller owns, or
 *                                         NULL and why (the parameter and
 *                                         file at fault)
 *   tls_ctx_free()                        release; returns NULL
 *   tls_protocol_range()                  parse Postfix's protocol syntax
 *   tls_grade_cipherlist()                grade name to OpenSSL list
 *   tls_level_parse()                     "may" to TLS_LEV_MAY
 *
 * Nothing here is fatal: every failure returns with a reason.  The
 * session-ticket keys live in tls_tickets.c, sessions in tls_sess.c.
 */
#include <string.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "msg.h"
#include "mymalloc.h"
#include "stringops.h"
#include "tls.h"
#include "tls_priv.h"

/* Postfix's default cipher list per grade. */
static const TLS_CIPHERLISTS default_lists = {
    "aNULL:-aNULL:HIGH:@STRENGTH",
    "aNULL:-aNULL:HIGH:MEDIUM:+RC4:@STRENGTH",
    "aNULL:-aNULL:HIGH:MEDIUM:LOW:+RC4:@STRENGTH",
    "aNULL:-aNULL:HIGH:MEDIUM:LOW:EXPORT:+RC4:@STRENGTH",
    "eNULL:!aNULL",
};

/* The protocol names Postfix accepts, oldest first. */
static const struct {
    const char *name;
    int version; /* 0: SSLv2, which OpenSSL 3 no longer has */
} protocols[] = {
    {"SSLv2", 0},
    {"SSLv3", SSL3_VERSION},
    {"TLSv1", TLS1_VERSION},
    {"TLSv1.1", TLS1_1_VERSION},
    {"TLSv1.2", TLS1_2_VERSION},
    {"TLSv1.3", TLS1_3_VERSION},
};
#define NPROTOCOLS   (sizeof(protocols) / sizeof(protocols[0]))
#define MODERN_FLOOR 4 /* index of TLSv1.2 */

/* protocol_index - the table index of a protocol name, -1 if unknown */
static int
protocol_index(const char *name)
{
    for (size_t i = 0; i < NPROTOCOLS; i++)
        if (strcasecmp(name, protocols[i].name) == 0)
            return (int) i;
    return -1;
}

/* protocol_apply - apply one token to the enabled set */
static int
protocol_apply(const char *tok, int *on, int *asked_old, int *included,
               STRBUF *why)
{
    const char *name = tok + (tok[0] == '!' ? 1 : 0);
    int op = tok[0] == '!' ? '!' : 0;
    int i;

    if (strncmp(tok, ">=", 2) == 0 || strncmp(tok, "<=", 2) == 0) {
        op = tok[0];
        name = tok + 2;
    }
    if ((i = protocol_index(name)) < 0)
        return strbuf_fail(why, 0, "unknown TLS protocol \"%s\"", name);
    for (int j = 0; j < (int) NPROTOCOLS; j++) {
        if ((op == '>' && j < i) || (op == '<' && j > i) ||
            (op == '!' && j == i))
            on[j] = 0;
    }
    if (op == 0) {
        *included = 1;
        on[NPROTOCOLS + i] = 1; /* the inclusion set follows on[] */
    }
    if ((op == 0 || op == '>') && i < MODERN_FLOOR)
        *asked_old = 1;
    return 0;
}

/*
 * tls_protocol_range - ">=TLSv1.2", "!SSLv3, !TLSv1" or "TLSv1.2 TLSv1.3"
 * to a version range (OpenSSL numbers, 0 = no bound).  Versions below
 * TLSv1.2 stay off unless the spec names them as wanted; a gap inside the
 * range is refused.  Returns 0 or -1 and why.
 */
int
tls_protocol_range(const char *spec, int *min_version, int *max_version,
                   STRBUF *why)
{
    int on[2 * NPROTOCOLS];
    int asked_old = 0, included = 0, lo = -1, hi = -1;
    char *copy = mystrdup(spec != NULL ? spec : ""), *cp = copy, *tok;
    int ret = 0;

    for (size_t j = 0; j < NPROTOCOLS; j++)
        on[j] = 1, on[NPROTOCOLS + j] = 0;
    while (ret == 0 && (tok = mystrtok(&cp, " \t,:")) != NULL)
        ret = protocol_apply(tok, on, &asked_old, &included, why);
    myfree(copy);
    if (ret < 0)
        return -1;
    for (int j = 1; j < (int) NPROTOCOLS; j++) {
        if (!on[j] || (included && !on[NPROTOCOLS + j]) ||
            (!asked_old && j < MODERN_FLOOR))
            continue;
        if (hi >= 0 && hi != j - 1)
            return strbuf_fail(why, 0,
                               "TLS protocols \"%s\": a gap in the "
                               "range is not supported",
                               spec);
        if (lo < 0)
            lo = j;
        hi = j;
    }
    if (lo < 0)
        return strbuf_fail(why, 0, "TLS protocols \"%s\" leave none", spec);
    *min_version = protocols[lo].version;
    *max_version = hi == (int) NPROTOCOLS - 1 ? 0 : protocols[hi].version;
    return 0;
}

/* tls_grade_cipherlist - the OpenSSL list of a grade, NULL if unknown */
const char *
tls_grade_cipherlist(const char *grade, const TLS_CIPHERLISTS *lists)
{
    static const char *names[] = {"high", "medium", "low", "export", "null"};
    const char *const *dflt = &default_lists.high;
    const char *const *mine = lists != NULL ? &lists->high : NULL;

    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        if (strcasecmp(grade, names[i]) != 0)
            continue;
        if (mine != NULL && mine[i] != NULL && *mine[i] != 0)
            return mine[i];
        return dflt[i];
    }
    return NULL;
}

/* tls_level_parse - a security level by name; -1 when unknown */
int
tls_level_parse(const char *name, TLS_LEVEL *level)
{
    static const char *names[] = {"none", "may", "encrypt", "verify", "secure"};

    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        if (strcasecmp(name, names[i]) == 0) {
            *level = (TLS_LEVEL) i;
            return 0;
        }
    }
    return -1;
}

/* tls_ssl_error - the newest OpenSSL error as text, clearing the queue */
const char *
tls_ssl_error(void)
{
    static char buf[256];
    unsigned long err, last = 0;

    while ((err = ERR_get_error()) != 0)
        last = err;
    if (last == 0)
        return "unknown error";
    ERR_error_string_n(last, buf, sizeof(buf));
    return buf;
}

/* set_protocols - the version range and cipher list of a context */
static int
set_protocols(SSL_CTX *ssl, const char *protos, const char *grade,
              const char *exclude, const TLS_CIPHERLISTS *lists, STRBUF *why)
{
    const char *list;
    int min, max;
    STRBUF *ciphers;
    char *copy, *cp, *tok;
    int ok;

    if (tls_protocol_range(protos, &min, &max, why) < 0)
        return -1;
    /* OpenSSL 3 refuses old protocols above security level 0. */
    if (min < TLS1_2_VERSION)
        SSL_CTX_set_security_level(ssl, 0);
    SSL_CTX_set_min_proto_version(ssl, min);
    SSL_CTX_set_max_proto_version(ssl, max);
    if ((list = tls_grade_cipherlist(grade && *grade ? grade : "medium",
                                     lists)) == NULL)
        return strbuf_fail(why, 0, "unknown cipher grade \"%s\"", grade);
    ciphers = strbuf_create(100);
    strbuf_strcpy(ciphers, list);
    cp = copy = mystrdup(exclude != NULL ? exclude : "");
    while ((tok = mystrtok(&cp, " \t,:")) != NULL)
        strbuf_sprintf_cat(ciphers, ":!%s", tok);
    myfree(copy);
    ok = SSL_CTX_set_cipher_list(ssl, STR(ciphers));
    if (!ok)
        strbuf_fail(why, 0, "bad cipher list \"%s\": %s", STR(ciphers),
                    tls_ssl_error());
    strbuf_free(ciphers);
    return ok ? 0 : -1;
}

/* set_trust - CAfile and CApath as trust anchors */
static int
set_trust(SSL_CTX *ssl, const char *prefix, const char *CAfile,
          const char *CApath, STRBUF *why)
{
    int has_file = CAfile != NULL && *CAfile;
    int has_path = CApath != NULL && *CApath;

    if (has_file && !SSL_CTX_load_verify_file(ssl, CAfile))
        return strbuf_fail(why, 0, "%s_CAfile: cannot load \"%s\": %s", prefix,
                           CAfile, tls_ssl_error());
    if (has_path && !SSL_CTX_load_verify_dir(ssl, CApath))
        return strbuf_fail(why, 0, "%s_CApath: cannot use \"%s\": %s", prefix,
                           CApath, tls_ssl_error());
    return 0;
}

/* set_cert_key - one certificate chain and its key, checked as a pair */
static int
set_cert_key(SSL_CTX *ssl, const char *prefix, const char *cparam,
             const char *cert, const char *kparam, const char *key, STRBUF *why)
{
    if (key == NULL || *key == 0)
        key = cert;
    if (!SSL_CTX_use_certificate_chain_file(ssl, cert))
        return strbuf_fail(why, 0,
                           "%s_%s: cannot load certificate from "
                           "\"%s\": %s",
                           prefix, cparam, cert, tls_ssl_error());
    if (!SSL_CTX_use_PrivateKey_file(ssl, key, SSL_FILETYPE_PEM))
        return strbuf_fail(why, 0,
                           "%s_%s: cannot load private key from "
                           "\"%s\": %s",
                           prefix, kparam, key, tls_ssl_error());
    if (!SSL_CTX_check_private_key(ssl))
        return strbuf_fail(why, 0,
                           "%s_%s \"%s\" does not match %s_%s "
                           "\"%s\"",
                           prefix, kparam, key, prefix, cparam, cert);
    return 0;
}

/* set_chain_files - several key+chain files (smtpd_tls_chain_files) */
static int
set_chain_files(SSL_CTX *ssl, const char *files, STRBUF *why)
{
    char *copy = mystrdup(files), *cp = copy, *file;
    int ret = 0;

    while (ret == 0 && (file = mystrtok(&cp, " \t,")) != NULL)
        ret = set_cert_key(ssl, "smtpd_tls", "chain_files", file, "chain_files",
                           file, why);
    myfree(copy);
    return ret;
}

/* set_server_certs - every certificate the server parameters name */
static int
set_server_certs(SSL_CTX *ssl, const TLS_SERVER_PARAMS *p, STRBUF *why)
{
    int any = 0;

    if (p->chain_files != NULL && *p->chain_files) {
        any = 1;
        if (set_chain_files(ssl, p->chain_files, why) < 0)
            return -1;
    } else {
        if (p->cert_file != NULL && *p->cert_file) {
            any = 1;
            if (set_cert_key(ssl, "smtpd_tls", "cert_file", p->cert_file,
                             "key_file", p->key_file, why) < 0)
                return -1;
        }
        if (p->eccert_file != NULL && *p->eccert_file) {
            any = 1;
            if (set_cert_key(ssl, "smtpd_tls", "eccert_file", p->eccert_file,
                             "eckey_file", p->eckey_file, why) < 0)
                return -1;
        }
    }
    if (!any)
        return strbuf_fail(why, 0,
                           "no server certificate: set "
                           "smtpd_tls_chain_files or smtpd_tls_cert_file");
    return 0;
}

/* ctx_create - the state common to both roles */
static TLS_CTX *
ctx_create(const SSL_METHOD *method, STRBUF *why)
{
    TLS_CTX *ctx;
    SSL_CTX *ssl;

    ERR_clear_error();
    if ((ssl = SSL_CTX_new(method)) == NULL) {
        strbuf_fail(why, 0, "cannot create TLS context: %s", tls_ssl_error());
        return NULL;
    }
    ctx = mycalloc(1, sizeof(*ctx));
    ctx->ssl_ctx = ssl;
    SSL_CTX_set_app_data(ssl, ctx);
    /* A peer that closes without close_notify ends the input, no more. */
    SSL_CTX_set_options(ssl, SSL_OP_IGNORE_UNEXPECTED_EOF |
                                 SSL_OP_NO_COMPRESSION |
                                 SSL_OP_NO_RENEGOTIATION);
    SSL_CTX_set_mode(ssl, SSL_MODE_ENABLE_PARTIAL_WRITE |
                              SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
    return ctx;
}

/* accept_any - record the verification result but never abort on it */
static int
accept_any(int ok, X509_STORE_CTX *store)
{
    (void) ok;
    (void) store;
    return 1;
}

/* tls_server_init - a server context from its parameters */
TLS_CTX *
tls_server_init(const TLS_SERVER_PARAMS *p, STRBUF *why)
{
    static const unsigned char sid_ctx[] = "postern-smtpd";
    TLS_CTX *ctx;

    if ((ctx = ctx_create(TLS_server_method(), why)) == NULL)
        return NULL;
    ctx->is_server = 1;
    if (set_protocols(ctx->ssl_ctx, p->protocols, p->ciphers,
                      p->exclude_ciphers, p->cipherlists, why) < 0 ||
        set_server_certs(ctx->ssl_ctx, p, why) < 0 ||
        set_trust(ctx->ssl_ctx, "smtpd_tls", p->CAfile, p->CApath, why) < 0)
        return tls_ctx_free(ctx);
    SSL_CTX_set_session_id_context(ctx->ssl_ctx, sid_ctx, sizeof(sid_ctx) - 1);
    SSL_CTX_set_timeout(ctx->ssl_ctx,
                        p->session_timeout > 0 ? p->session_timeout : 3600);
    /* Resumption is by stateless tickets only: processes share no cache. */
    SSL_CTX_set_session_cache_mode(ctx->ssl_ctx, SSL_SESS_CACHE_OFF);
    if (p->ask_ccert) {
        SSL_CTX_set_verify(ctx->ssl_ctx, SSL_VERIFY_PEER, accept_any);
        if (p->CAfile != NULL && *p->CAfile)
            SSL_CTX_set_client_CA_list(ctx->ssl_ctx,
                                       SSL_load_client_CA_file(p->CAfile));
    }
    return ctx;
}

/* tls_client_init - a client context from its parameters */
TLS_CTX *
tls_client_init(const TLS_CLIENT_PARAMS *p, STRBUF *why)
{
    TLS_CTX *ctx;

    if ((ctx = ctx_create(TLS_client_method(), why)) == NULL)
        return NULL;
    if (set_protocols(ctx->ssl_ctx, p->protocols, p->ciphers,
                      p->exclude_ciphers, p->cipherlists, why) < 0 ||
        set_trust(ctx->ssl_ctx, "smtp_tls", p->CAfile, p->CApath, why) < 0)
        return tls_ctx_free(ctx);
    if (p->cert_file != NULL && *p->cert_file &&
        set_cert_key(ctx->ssl_ctx, "smtp_tls", "cert_file", p->cert_file,
                     "key_file", p->key_file, why) < 0)
        return tls_ctx_free(ctx);
    /* The chain is checked by OpenSSL; the level decides afterwards. */
    SSL_CTX_set_verify(ctx->ssl_ctx, SSL_VERIFY_PEER, accept_any);
    return ctx;
}

/* tls_ctx_free - release a context; returns NULL */
TLS_CTX *
tls_ctx_free(TLS_CTX *ctx)
{
    if (ctx == NULL)
        return NULL;
    SSL_CTX_free(ctx->ssl_ctx);
    tls_tickets_free(ctx->tickets);
    myfree(ctx);
    return NULL;
}

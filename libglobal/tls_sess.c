/*
 * tls_sess - one TLS session on a STREAM: the handshake within a
 * deadline, the transport hook, and what the handshake learned.
 *
 *   tls_server_start(), tls_client_start()  a session the caller owns, or
 *                                           NULL and why
 *   tls_session_stop()                      close_notify, unhook, free
 *   tls_info()                              the TLS_INFO, owned by the
 *                                           session
 *   tls_trust_label(), tls_summary(), tls_received_comment()
 *                                           log and Received: text
 *   tls_peer_fingerprint()                  the peer certificate's or
 *                                           public key's digest
 *
 * Nothing here is fatal; a stream with unread input at the handshake is
 * our bug (a panic), see tls.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <time.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "clock_ms.h"
#include "msg.h"
#include "mymalloc.h"
#include "stringops.h"
#include "tls.h"
#include "tls_priv.h"

/* The longest certificate name we keep (RFC 5280's CN upper bound). */
#define TLS_NAME_MAX 64

struct TLS_SESS {
    SSL *ssl;
    STRBUF *namaddr; /* the peer, for logs */
    TLS_INFO info;   /* strings point into the buffers below */
    char kex[64];
    char sig[32];
    char sig_curve[32];
    char digest[32];
    STRBUF *peer_CN;
    STRBUF *issuer_CN;
};

/* sess_want - map an SSL result to EAGAIN + poll event, EOF or error */
static ssize_t
sess_want(TLS_SESS *sess, int ret, short *want)
{
    int err = SSL_get_error(sess->ssl, ret);

    switch (err) {
        case SSL_ERROR_WANT_READ:
            *want = POLLIN;
            errno = EAGAIN;
            return -1;
        case SSL_ERROR_WANT_WRITE:
            *want = POLLOUT;
            errno = EAGAIN;
            return -1;
        case SSL_ERROR_ZERO_RETURN:
            return 0;
        case SSL_ERROR_SYSCALL:
            if (errno == 0)
                errno = EPIPE;
            return -1;
        default:
            msg_info("TLS error with %s: %s", STR(sess->namaddr),
                     tls_ssl_error());
            errno = EPROTO;
            return -1;
    }
}

/* sess_read - STREAM_IO read: one SSL_read attempt */
static ssize_t
sess_read(void *ctx, void *buf, size_t len, short *want)
{
    TLS_SESS *sess = ctx;
    size_t done = 0;
    int ret;

    ERR_clear_error();
    errno = 0;
    if ((ret = SSL_read_ex(sess->ssl, buf, len, &done)) > 0)
        return (ssize_t) done;
    return sess_want(sess, ret, want);
}

/* sess_write - STREAM_IO write: one SSL_write attempt */
static ssize_t
sess_write(void *ctx, const void *buf, size_t len, short *want)
{
    TLS_SESS *sess = ctx;
    size_t done = 0;
    int ret;

    ERR_clear_error();
    errno = 0;
    if ((ret = SSL_write_ex(sess->ssl, buf, len, &done)) > 0)
        return (ssize_t) done;
    if (sess_want(sess, ret, want) == 0)
        errno = EPIPE;
    return -1;
}

static const STREAM_IO sess_io = {sess_read, sess_write};

/* sess_poll - wait for the descriptor until the deadline; 0 or -1 */
static int
sess_poll(int fd, short want, long long deadline)
{
    struct pollfd pfd = {.fd = fd, .events = want};
    long long left;
    int n;

    for (;;) {
        if ((left = deadline - clock_ms()) < 0)
            left = 0;
        if ((n = poll(&pfd, 1, (int) left)) > 0)
            return 0;
        if (n == 0 || errno != EINTR)
            return -1;
    }
}

/* sess_handshake - SSL_do_handshake until done, failed or out of time */
static int
sess_handshake(TLS_SESS *sess, int fd, int timeout_ms, STRBUF *why)
{
    long long deadline = clock_ms() + timeout_ms;
    short want = 0;
    int ret;

    for (;;) {
        ERR_clear_error();
        errno = 0;
        if ((ret = SSL_do_handshake(sess->ssl)) == 1)
            return 0;
        if (sess_want(sess, ret, &want) == 0 || errno != EAGAIN)
            return strbuf_fail(
                why, 0, "TLS handshake with %s failed: %s", STR(sess->namaddr),
                errno == EPROTO ? "protocol error" : "connection lost");
        if (sess_poll(fd, want, deadline) < 0)
            return strbuf_fail(why, 0, "TLS handshake with %s timed out",
                               STR(sess->namaddr));
    }
}

/* sess_create - a session over the stream's descriptor */
static TLS_SESS *
sess_create(TLS_CTX *ctx, STREAM *st, const char *namaddr, STRBUF *why)
{
    TLS_SESS *sess;
    SSL *ssl;
    int fd = stream_fd(st);
    int flags = fcntl(fd, F_GETFL);

    if (stream_buffered(st) != 0)
        msg_panic("tls: %s: unread plaintext before the handshake", namaddr);
    if (stream_flush(st) < 0) {
        strbuf_fail(why, 0, "write to %s failed", namaddr);
        return NULL;
    }
    ERR_clear_error();
    if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0 ||
        (ssl = SSL_new(ctx->ssl_ctx)) == NULL || !SSL_set_fd(ssl, fd)) {
        strbuf_fail(why, 0, "cannot start TLS with %s: %s", namaddr,
                    tls_ssl_error());
        return NULL;
    }
    sess = mycalloc(1, sizeof(*sess));
    sess->ssl = ssl;
    sess->namaddr = strbuf_create(64);
    strbuf_strcpy(sess->namaddr, namaddr ? namaddr : "unknown");
    sess->peer_CN = strbuf_create(TLS_NAME_MAX);
    sess->issuer_CN = strbuf_create(TLS_NAME_MAX);
    return sess;
}

/* sess_free - release everything a session holds */
static void
sess_free(TLS_SESS *sess)
{
    SSL_free(sess->ssl);
    strbuf_free(sess->namaddr);
    strbuf_free(sess->peer_CN);
    strbuf_free(sess->issuer_CN);
    myfree(sess);
}

/* name_text - one entry of an X509 name, printable and bounded */
static void
name_text(STRBUF *out, const X509_NAME *name, int nid)
{
    char buf[256];
    int len;

    strbuf_reset(out);
    if (name == NULL || (len = X509_NAME_get_text_by_NID(
                             (X509_NAME *) name, nid, buf, sizeof(buf))) <= 0)
        return;
    printable(out, buf, strlen(buf), TLS_NAME_MAX, '?');
}

/* key_describe - algorithm, size and curve of a public key */
static void
key_describe(TLS_SESS *sess, EVP_PKEY *key, int sig_nid)
{
    int id = EVP_PKEY_get_base_id(key);
    size_t len;

    sess->info.sig_bits = EVP_PKEY_get_bits(key);
    if (id == EVP_PKEY_EC) {
        snprintf(sess->sig, sizeof(sess->sig), "ECDSA");
        if (!EVP_PKEY_get_utf8_string_param(key, "group", sess->sig_curve,
                                            sizeof(sess->sig_curve), &len))
            sess->sig_curve[0] = 0;
    } else if (id == EVP_PKEY_RSA) {
        snprintf(sess->sig, sizeof(sess->sig), "%s",
                 sig_nid == EVP_PKEY_RSA_PSS ? "RSA-PSS" : "RSA");
    } else {
        snprintf(sess->sig, sizeof(sess->sig), "%s",
                 OBJ_nid2sn(id) ? OBJ_nid2sn(id) : "unknown");
    }
}

/* sess_kex_sig - the key exchange and the server's signature */
static void
sess_kex_sig(TLS_SESS *sess, int is_server)
{
    EVP_PKEY *tmp = NULL, *key;
    int sig_nid = NID_undef, md_nid = NID_undef;
    size_t len;

    if ((is_server ? SSL_get_tmp_key(sess->ssl, &tmp)
                   : SSL_get_peer_tmp_key(sess->ssl, &tmp)) &&
        tmp) {
        int id = EVP_PKEY_get_base_id(tmp);
        if (id == EVP_PKEY_EC &&
            EVP_PKEY_get_utf8_string_param(tmp, "group", sess->kex,
                                           sizeof(sess->kex), &len))
            ;
        else
            snprintf(sess->kex, sizeof(sess->kex), "%s",
                     OBJ_nid2sn(id) ? OBJ_nid2sn(id) : "");
        EVP_PKEY_free(tmp);
    }
    if (is_server) {
        X509 *cert = SSL_get_certificate(sess->ssl);
        SSL_get_signature_type_nid(sess->ssl, &sig_nid);
        SSL_get_signature_nid(sess->ssl, &md_nid);
        key = cert ? X509_get0_pubkey(cert) : NULL;
    } else {
        X509 *cert = SSL_get0_peer_certificate(sess->ssl);
        SSL_get_peer_signature_type_nid(sess->ssl, &sig_nid);
        SSL_get_peer_signature_nid(sess->ssl, &md_nid);
        key = cert ? X509_get0_pubkey(cert) : NULL;
    }
    if (key != NULL)
        key_describe(sess, key, sig_nid);
    if (md_nid != NID_undef && OBJ_nid2sn(md_nid) != NULL)
        snprintf(sess->digest, sizeof(sess->digest), "%s", OBJ_nid2sn(md_nid));
}

/* sess_learn - fill in the TLS_INFO after the handshake */
static void
sess_learn(TLS_SESS *sess, int is_server)
{
    const SSL_CIPHER *cipher = SSL_get_current_cipher(sess->ssl);
    X509 *peer = SSL_get0_peer_certificate(sess->ssl);
    TLS_INFO *info = &sess->info;
    long verify = SSL_get_verify_result(sess->ssl);

    info->protocol = SSL_get_version(sess->ssl);
    info->cipher = cipher ? SSL_CIPHER_get_name(cipher) : "unknown";
    info->cipher_usebits =
        cipher ? SSL_CIPHER_get_bits(cipher, &info->cipher_algbits) : 0;
    info->reused = SSL_session_reused(sess->ssl);
    info->peer_cert = peer != NULL;
    if (peer != NULL) {
        name_text(sess->peer_CN, X509_get_subject_name(peer), NID_commonName);
        name_text(sess->issuer_CN, X509_get_issuer_name(peer), NID_commonName);
        info->trusted = verify == X509_V_OK;
    }
    info->verify_error = peer == NULL ? "no certificate"
                         : info->trusted
                             ? ""
                             : X509_verify_cert_error_string(verify);
    info->peer_CN = STR(sess->peer_CN);
    info->issuer_CN = STR(sess->issuer_CN);
    sess_kex_sig(sess, is_server);
    info->kex = sess->kex;
    info->sig = sess->sig;
    info->sig_curve = sess->sig_curve;
    info->digest = sess->digest;
}

/* sess_start - the common part of both starts */
static TLS_SESS *
sess_start(TLS_SESS *sess, STREAM *st, int timeout_ms, int is_server,
           STRBUF *why)
{
    if (is_server)
        SSL_set_accept_state(sess->ssl);
    else
        SSL_set_connect_state(sess->ssl);
    if (sess_handshake(sess, stream_fd(st), timeout_ms, why) < 0) {
        sess_free(sess);
        return NULL;
    }
    sess_learn(sess, is_server);
    stream_set_io(st, &sess_io, sess);
    return sess;
}

/* tls_server_start - the server side of a handshake on st */
TLS_SESS *
tls_server_start(TLS_CTX *ctx, STREAM *st, int timeout_ms, const char *namaddr,
                 STRBUF *why)
{
    TLS_SESS *sess;

    if (!ctx->is_server)
        msg_panic("tls_server_start: not a server context");
    tls_tickets_refresh(ctx);
    if ((sess = sess_create(ctx, st, namaddr, why)) == NULL)
        return NULL;
    return sess_start(sess, st, timeout_ms, 1, why);
}

/* tls_client_start - the client side of a handshake on st, and checks */
TLS_SESS *
tls_client_start(TLS_CTX *ctx, STREAM *st, int timeout_ms,
                 const TLS_CLIENT_START *props, STRBUF *why)
{
    TLS_SESS *sess;

    if (ctx->is_server)
        msg_panic("tls_client_start: not a client context");
    if ((sess = sess_create(ctx, st, props->namaddr, why)) == NULL)
        return NULL;
    if (props->servername != NULL && *props->servername &&
        !SSL_set_tlsext_host_name(sess->ssl, props->servername)) {
        strbuf_fail(why, 0, "bad TLS server name \"%s\"", props->servername);
        sess_free(sess);
        return NULL;
    }
    if ((sess = sess_start(sess, st, timeout_ms, 0, why)) == NULL)
        return NULL;
    sess->info.matched =
        sess->info.trusted &&
        tls_verify_match(SSL_get0_peer_certificate(sess->ssl), props);
    if (props->level >= TLS_LEV_VERIFY &&
        (!sess->info.trusted || !sess->info.matched)) {
        if (!sess->info.trusted)
            strbuf_fail(why, 0, "Server certificate not trusted: %s",
                        sess->info.verify_error);
        else
            strbuf_fail(why, 0,
                        "Server certificate not verified: no name "
                        "matches %s",
                        props->matches ? props->matches
                        : props->level == TLS_LEV_SECURE
                            ? "nexthop, dot-nexthop"
                            : "hostname");
        tls_session_stop(sess, st, 0);
        return NULL;
    }
    return sess;
}

/* tls_session_stop - say close_notify unless failed, unhook and free */
void
tls_session_stop(TLS_SESS *sess, STREAM *st, int failed)
{
    if (sess == NULL)
        return;
    if (!failed && stream_flush(st) == 0) {
        ERR_clear_error();
        /* One attempt: we do not wait for the peer's close_notify. */
        (void) SSL_shutdown(sess->ssl);
    }
    ERR_clear_error();
    stream_set_io(st, NULL, NULL);
    sess_free(sess);
}

/* tls_info - what the handshake learned; owned by the session */
const TLS_INFO *
tls_info(const TLS_SESS *sess)
{
    return &sess->info;
}

/* tls_trust_label - "Verified", "Trusted", "Untrusted" or "Anonymous" */
const char *
tls_trust_label(const TLS_SESS *sess)
{
    if (!sess->info.peer_cert)
        return "Anonymous";
    if (!sess->info.trusted)
        return "Untrusted";
    return sess->info.matched ? "Verified" : "Trusted";
}

/* tls_summary - "TLSv1.3 with cipher X (256/256 bits) key-exchange ..." */
STRBUF *
tls_summary(STRBUF *out, const TLS_SESS *sess)
{
    const TLS_INFO *i = &sess->info;

    strbuf_sprintf(out, "%s with cipher %s (%d/%d bits)", i->protocol,
                   i->cipher, i->cipher_usebits, i->cipher_algbits);
    if (*i->kex)
        strbuf_sprintf_cat(out, " key-exchange %s", i->kex);
    if (*i->sig && *i->sig_curve)
        strbuf_sprintf_cat(out, " server-signature %s (%s)", i->sig,
                           i->sig_curve);
    else if (*i->sig)
        strbuf_sprintf_cat(out, " server-signature %s (%d bits)", i->sig,
                           i->sig_bits);
    if (*i->digest)
        strbuf_sprintf_cat(out, " server-digest %s", i->digest);
    return out;
}

/* tls_received_comment - "(using ...)" for a Received: header */
STRBUF *
tls_received_comment(STRBUF *out, const TLS_SESS *sess)
{
    STRBUF *sum = tls_summary(strbuf_create(100), sess);

    strbuf_sprintf(out, "(using %s)", STR(sum));
    strbuf_free(sum);
    return out;
}

/* fprint_hex - "AB:CD:..." of a digest */
static void
fprint_hex(STRBUF *out, const unsigned char *md, unsigned int len)
{
    static const char hex[] = "0123456789ABCDEF";

    strbuf_reset(out);
    for (unsigned int i = 0; i < len; i++) {
        if (i > 0)
            strbuf_addch(out, ':');
        strbuf_addch(out, hex[md[i] >> 4]);
        strbuf_addch(out, hex[md[i] & 0xf]);
    }
}

/*
 * pkey_digest - digest of the DER SubjectPublicKeyInfo (algorithm and key,
 * what Postfix digests; X509_pubkey_digest() would take the key bits only)
 */
static int
pkey_digest(X509 *peer, const EVP_MD *md, unsigned char *buf, unsigned int *len)
{
    unsigned char *der = NULL;
    int der_len = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(peer), &der);
    int ok;

    if (der_len <= 0)
        return 0;
    ok = EVP_Digest(der, (size_t) der_len, buf, len, md, NULL);
    OPENSSL_free(der);
    return ok;
}

/* tls_peer_fingerprint - the peer certificate's or public key's digest */
const char *
tls_peer_fingerprint(STRBUF *out, const TLS_SESS *sess, const char *digest,
                     int pkey)
{
    X509 *peer = SSL_get0_peer_certificate(sess->ssl);
    const EVP_MD *md = digest ? EVP_get_digestbyname(digest) : NULL;
    unsigned char buf[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    int ok;

    strbuf_reset(out);
    if (peer == NULL || md == NULL)
        return NULL;
    ok = pkey ? pkey_digest(peer, md, buf, &len)
              : X509_digest(peer, md, buf, &len);
    if (!ok) {
        ERR_clear_error();
        return NULL;
    }
    fprint_hex(out, buf, len);
    return STR(out);
}

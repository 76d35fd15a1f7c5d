#ifndef TLS_H
#define TLS_H

/*
 * tls - TLS for smtpd and smtp over OpenSSL 3, layered on a STREAM.
 *
 * A process makes one TLS_CTX per role from its parameters:
 * tls_server_init() or tls_client_init() return a context the caller owns
 * (tls_ctx_free() releases it and returns NULL), or NULL with a reason in
 * why that names the parameter and file at fault (a bad certificate, key,
 * CA file, protocol list or cipher list).  The caller decides whether that
 * is fatal; smtpd answers STARTTLS with 454 instead.
 *
 * tls_server_start() and tls_client_start() run the handshake on a
 * connected STREAM within timeout_ms.  The stream's output is flushed
 * first; its input buffer must be empty (the caller drops plaintext with
 * stream_discard_input(), RFC 3207 section 4.2; anything left is a panic).
 * The descriptor is made O_NONBLOCK.  The process must ignore SIGPIPE
 * (the skeletons do): OpenSSL writes to the socket itself.  On success the
 * stream carries TLS transparently through its STREAM_IO hook, and the returned
 * TLS_SESS belongs to the caller until tls_session_stop(), which sends
 * close_notify (unless failed), removes the hook and frees the session.
 * On failure they return NULL with a reason in why, the hook removed; the
 * connection is then unusable and should be closed.
 *
 * After the handshake, TLS errors surface as stream errors (errno EPROTO,
 * the OpenSSL reason logged with msg_info) or EOF (the peer's
 * close_notify or a bare close).
 *
 * The client enforces its security level: under TLS_LEV_VERIFY and
 * TLS_LEV_SECURE tls_client_start() fails unless the server's chain is
 * trusted (CAfile/CApath) and one of its names matches a match rule (see
 * TLS_CLIENT_START).  Lower levels only record trusted and matched.
 *
 * Server session resumption across processes: tls_server_tickets() gives
 * the context a session-ticket key file shared by every process that
 * names it (created mode 0600, rotated by whichever process finds it
 * older than the rotation time; the previous key still decrypts).
 */
#include "strbuf.h"
#include "stream.h"

typedef struct TLS_CTX TLS_CTX;
typedef struct TLS_SESS TLS_SESS;

/* Security levels, in rising order (Postfix's names). */
typedef enum TLS_LEVEL {
    TLS_LEV_NONE = 0, /* no TLS */
    TLS_LEV_MAY,      /* opportunistic: TLS when offered, no checks */
    TLS_LEV_ENCRYPT,  /* TLS mandatory, no certificate checks */
    TLS_LEV_VERIFY,   /* TLS, trusted chain, name from match rules */
    TLS_LEV_SECURE    /* the same, stricter default match rules */
} TLS_LEVEL;

/*
 * Cipher lists per grade, OpenSSL syntax; a NULL member (or a NULL
 * pointer to the whole struct) takes Postfix's default for that grade.
 */
typedef struct TLS_CIPHERLISTS {
    const char *high;   /* tls_high_cipherlist */
    const char *medium; /* tls_medium_cipherlist */
    const char *low;    /* tls_low_cipherlist */
    const char *export; /* tls_export_cipherlist */
    const char *null;   /* tls_null_cipherlist */
} TLS_CIPHERLISTS;

/*
 * Server parameters.  Empty strings and NULL mean "not set".  At least one
 * certificate is needed: cert_file (+ key_file, default the same file),
 * eccert_file (+ eckey_file), or chain_files (blank or comma separated;
 * each file holds a key followed by its certificate and chain, RSA and
 * ECDSA may be given together).
 */
typedef struct TLS_SERVER_PARAMS {
    const char *cert_file;
    const char *key_file;
    const char *eccert_file;
    const char *eckey_file;
    const char *chain_files;
    const char *CAfile; /* client certificate trust, and chain extras */
    const char *CApath;
    const char *protocols; /* ">=TLSv1.2" or "!SSLv3, !TLSv1"; "" = default */
    const char *ciphers;   /* grade: high, medium, low, export, null */
    const char *exclude_ciphers; /* OpenSSL cipher names to drop */
    const TLS_CIPHERLISTS *cipherlists;
    int ask_ccert;       /* request (not require) a client cert */
    int session_timeout; /* seconds a session may be resumed */
} TLS_SERVER_PARAMS;

/* Client parameters, as above; the client certificate is optional. */
typedef struct TLS_CLIENT_PARAMS {
    const char *cert_file;
    const char *key_file;
    const char *CAfile;
    const char *CApath;
    const char *protocols;
    const char *ciphers;
    const char *exclude_ciphers;
    const TLS_CIPHERLISTS *cipherlists;
} TLS_CLIENT_PARAMS;

/*
 * One client connection.  servername goes out as SNI (NULL or "" for
 * none).  matches lists the rules for TLS_LEV_VERIFY/SECURE, blank or
 * comma separated: "hostname" (the server's name, host), "nexthop"
 * (nexthop), "dot-nexthop" (any name below nexthop), ".domain" (any name
 * below domain) or a literal name.  NULL takes Postfix's defaults:
 * "hostname" for verify, "nexthop, dot-nexthop" for secure.
 */
typedef struct TLS_CLIENT_START {
    TLS_LEVEL level;
    const char *servername; /* SNI */
    const char *namaddr;    /* "name[addr]" for logs */
    const char *host;       /* the server's DNS name (MX host) */
    const char *nexthop;    /* the destination domain */
    const char *matches;    /* match rules, see above */
} TLS_CLIENT_START;

/* What a session learned in its handshake (strings never NULL). */
typedef struct TLS_INFO {
    const char *protocol;     /* "TLSv1.3" */
    const char *cipher;       /* "TLS_AES_256_GCM_SHA384" */
    int cipher_usebits;       /* 256 */
    int cipher_algbits;       /* 256 */
    const char *kex;          /* "X25519", "" when unknown */
    const char *sig;          /* the server's key: "RSA-PSS", "ECDSA" */
    int sig_bits;             /* its size in bits, 0 when unknown */
    const char *sig_curve;    /* "prime256v1" for ECDSA, else "" */
    const char *digest;       /* the server's signature digest, "SHA256" */
    int peer_cert;            /* the peer sent a certificate */
    const char *peer_CN;      /* its subject CN, printable, "" when none */
    const char *issuer_CN;    /* its issuer CN, printable, "" when none */
    int trusted;              /* the peer's chain verified */
    int matched;              /* and one of its names matched (client) */
    int reused;               /* the session was resumed */
    const char *verify_error; /* why not trusted, "" when trusted */
} TLS_INFO;

extern TLS_CTX *tls_server_init(const TLS_SERVER_PARAMS *params, STRBUF *why);
extern TLS_CTX *tls_client_init(const TLS_CLIENT_PARAMS *params, STRBUF *why);
extern TLS_CTX *tls_ctx_free(TLS_CTX *ctx);
extern int tls_server_tickets(TLS_CTX *ctx, const char *key_file,
                              int rotate_secs, STRBUF *why);

extern TLS_SESS *tls_server_start(TLS_CTX *ctx, STREAM *st, int timeout_ms,
                                  const char *namaddr, STRBUF *why);
extern TLS_SESS *tls_client_start(TLS_CTX *ctx, STREAM *st, int timeout_ms,
                                  const TLS_CLIENT_START *props, STRBUF *why);
extern void tls_session_stop(TLS_SESS *sess, STREAM *st, int failed);

extern const TLS_INFO *tls_info(const TLS_SESS *sess);
extern const char *tls_trust_label(const TLS_SESS *sess);
extern STRBUF *tls_summary(STRBUF *out, const TLS_SESS *sess);
extern STRBUF *tls_received_comment(STRBUF *out, const TLS_SESS *sess);

/*
 * tls_peer_fingerprint() writes the digest (an OpenSSL name: "sha256",
 * "sha1", "md5") of the peer's certificate (pkey = 0) or of its public
 * key, DER SubjectPublicKeyInfo (pkey = 1), as colon-separated upper
 * case hex, Postfix's form "AB:CD:...".  NULL (out empty) without a peer
 * certificate or with an unknown digest.
 */
extern const char *tls_peer_fingerprint(STRBUF *out, const TLS_SESS *sess,
                                        const char *digest, int pkey);

/* Parsers, exported for tests and for checking parameters early. */
extern int tls_protocol_range(const char *spec, int *min_version,
                              int *max_version, STRBUF *why);
extern const char *tls_grade_cipherlist(const char *grade,
                                        const TLS_CIPHERLISTS *lists);
extern int tls_level_parse(const char *name, TLS_LEVEL *level);
extern int tls_name_match(const char *pattern, const char *name);

#endif

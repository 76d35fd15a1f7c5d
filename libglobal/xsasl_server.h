#ifndef XSASL_SERVER_H
#define XSASL_SERVER_H

/*
 * xsasl_server - the server side of SASL authentication (RFC 4422) for
 * smtpd's AUTH command (RFC 4954), with two back-ends: "postern" (a
 * table of users and crypt(3) hashes, xsasl_postern.c) and "dovecot"
 * (Dovecot's authentication protocol, xsasl_dovecot.c).  See
 * xsasl_server.c.
 *
 * Usage: xsasl_server_init() once per process (before chroot: it opens
 * the users table); xsasl_server_create() per connection (and again when
 * TLS comes up: the security options differ); xsasl_server_mechs() for
 * EHLO; xsasl_server_start() with the client's mechanism and initial
 * response, then xsasl_server_next() with each response while the result
 * is XSASL_CONT.  Responses and challenges are base64 text, as on the
 * wire; the result string holds the challenge (XSASL_CONT), the username
 * (XSASL_OK) or the reason (XSASL_FAIL, XSASL_TEMP).
 */
#include "maps.h"
#include "strbuf.h"

/* Results of start and next. */
#define XSASL_OK   0 /* authenticated: result = username */
#define XSASL_CONT 1 /* result = base64 challenge for "334 " */
#define XSASL_FAIL 2 /* bad credentials or exchange: result = reason */
#define XSASL_TEMP 3 /* back-end trouble: result = reason */

/* Limits on what a client sends and a back-end answers. */
#define XSASL_USER_MAX   255  /* bytes of a username */
#define XSASL_PASSWD_MAX 1024 /* bytes of a password */
#define XSASL_MECH_MAX   32   /* bytes of a mechanism name */
#define XSASL_MECHS_MAX  16   /* mechanisms a back-end may offer */

/* smtpd_sasl_security_options words, as bits. */
#define XSASL_SEC_NOPLAINTEXT (1 << 0)
#define XSASL_SEC_NOACTIVE    (1 << 1)
#define XSASL_SEC_NODICT      (1 << 2)
#define XSASL_SEC_NOANONYMOUS (1 << 3)
#define XSASL_SEC_MUTUAL      (1 << 4)

/* Mechanism properties (a MECH line's flags for dovecot). */
#define XSASL_MECH_ANONYMOUS (1 << 0)
#define XSASL_MECH_PLAINTEXT (1 << 1)
#define XSASL_MECH_DICT      (1 << 2)
#define XSASL_MECH_ACTIVE    (1 << 3)
#define XSASL_MECH_MUTUAL    (1 << 4)
#define XSASL_MECH_PRIVATE   (1 << 5)

/* What a connection tells the back-end. */
typedef struct XSASL_SERVER_ARGS {
    const char *service;     /* smtpd_sasl_service: "smtp" */
    const char *client_addr; /* for dovecot's rip= */
    const char *server_addr; /* for dovecot's lip= */
    int tls_active;          /* dovecot's "secured" */
    int security;            /* XSASL_SEC_* for this connection */
    const char *realm;       /* smtpd_sasl_local_domain, NULL or "" */
} XSASL_SERVER_ARGS;

typedef struct XSASL_SERVER XSASL_SERVER;
typedef struct XSASL_SERVER_IMPL XSASL_SERVER_IMPL;

extern XSASL_SERVER_IMPL *xsasl_server_init(const char *type, const char *path,
                                            const char *users_maps,
                                            STRBUF *why);
extern XSASL_SERVER_IMPL *xsasl_server_done(XSASL_SERVER_IMPL *impl);
extern int xsasl_server_security(const char *words, STRBUF *why);

extern XSASL_SERVER *xsasl_server_create(XSASL_SERVER_IMPL *impl,
                                         const XSASL_SERVER_ARGS *args,
                                         STRBUF *why);
extern XSASL_SERVER *xsasl_server_free(XSASL_SERVER *server);
extern const char *xsasl_server_mechs(XSASL_SERVER *server);
extern int xsasl_server_mech_known(XSASL_SERVER *server, const char *mech);
extern int xsasl_server_start(XSASL_SERVER *server, const char *mech,
                              const char *init_resp, STRBUF *result);
extern int xsasl_server_next(XSASL_SERVER *server, const char *resp,
                             STRBUF *result);

/* xsasl_server.c: helpers the back-ends share. */
extern int xsasl_decode(const char *in, size_t len, size_t max, STRBUF *out);
extern int xsasl_mech_allowed(int mech_flags, int security);
extern int xsasl_const_eq(const char *a, const char *b);

/*
 * The back-end interface: each back-end fills an XSASL_SERVER_IMPL at
 * init and a per-connection XSASL_SERVER at create.
 */
struct XSASL_SERVER_IMPL {
    XSASL_SERVER *(*create)(XSASL_SERVER_IMPL *, const XSASL_SERVER_ARGS *,
                            STRBUF *);
    void (*done)(XSASL_SERVER_IMPL *);
};

struct XSASL_SERVER {
    int (*start)(XSASL_SERVER *, const char *, const char *, STRBUF *);
    int (*next)(XSASL_SERVER *, const char *, STRBUF *);
    void (*free)(XSASL_SERVER *);
    STRBUF *mechs;     /* "PLAIN LOGIN", after the security options */
    STRBUF *last_chal; /* the last challenge: reason of a bare failure */
    int in_progress;   /* between a CONT and the end */
};

/* The back-ends (xsasl_postern.c, xsasl_dovecot.c). */
extern XSASL_SERVER_IMPL *xsasl_postern_init(const char *users_maps,
                                             STRBUF *why);
extern XSASL_SERVER_IMPL *xsasl_dovecot_init(const char *path, STRBUF *why);

/* xsasl_postern.c: the PLAIN parser and the password check. */
extern int xsasl_plain_parse(const char *msg, size_t len, STRBUF *user,
                             STRBUF *passwd);
extern int xsasl_postern_verify(MAPS *users, const char *user,
                                const char *passwd, STRBUF *result);

#endif

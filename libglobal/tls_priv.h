#ifndef TLS_PRIV_H
#define TLS_PRIV_H

/*
 * tls_priv - what the tls_*.c modules share and nobody else sees.
 */
#include <openssl/ssl.h>

#include "tls.h"

typedef struct TLS_TICKETS TLS_TICKETS;

struct TLS_CTX {
    SSL_CTX *ssl_ctx;     /* OpenSSL's context */
    int is_server;        /* made by tls_server_init() */
    TLS_TICKETS *tickets; /* shared ticket keys, NULL for OpenSSL's own */
};

extern const char *tls_ssl_error(void);
extern TLS_TICKETS *tls_tickets_free(TLS_TICKETS *tickets);
extern void tls_tickets_refresh(TLS_CTX *ctx);
extern int tls_verify_match(X509 *peer, const TLS_CLIENT_START *props);

#endif

#ifndef SMTPD_ADDR_H
#define SMTPD_ADDR_H

/*
 * smtpd_addr - the pure parsers of smtpd(8): SMTP command lines, the
 * path of MAIL FROM and RCPT TO (RFC 5321 section 4.1.2), their ESMTP
 * parameters (RFC 1870, 3461, 6152, 6531) and RFC 3461 xtext.
 *
 * Every function takes pointer + length, bounds every length and count,
 * writes only its result arguments and returns 0, or -1 with a reply
 * (code, enhanced status code and text, without CRLF) in the caller's
 * STRBUF.  Nothing is fatal.
 */
#include <stddef.h>

#include "strbuf.h"

/* Our own bounds, on top of RFC 5321 section 4.5.3.1. */
#define SMTPD_PATH_MAX   4096 /* an address, internal form */
#define SMTPD_DOMAIN_MAX 255  /* RFC 5321 section 4.5.3.1.2 */
#define SMTPD_XTEXT_MAX  1024 /* a decoded ENVID or ORCPT */
#define SMTPD_PARAM_MAX  16   /* ESMTP parameters on one command */

/* DSN NOTIFY bits (RFC 3461 section 4.1), as cleanup expects them. */
#define SMTPD_NOTIFY_NEVER   (1 << 0)
#define SMTPD_NOTIFY_SUCCESS (1 << 1)
#define SMTPD_NOTIFY_DELAY   (1 << 2)
#define SMTPD_NOTIFY_FAILURE (1 << 3)

/* Flags of smtpd_addr_path(). */
#define SMTPD_ADDR_STRICT  (1 << 0) /* strict_rfc821_envelopes */
#define SMTPD_ADDR_NULL_OK (1 << 1) /* <> is valid (MAIL FROM) */

/* What MAIL FROM's parameters said. */
typedef struct SMTPD_MAIL_ARGS {
    long size;     /* SIZE=, -1 when absent */
    int body_8bit; /* BODY=8BITMIME */
    int smtputf8;  /* SMTPUTF8 */
    char ret[8];   /* RET=FULL or HDRS, "" when absent */
    STRBUF *envid; /* ENVID=, decoded; caller-owned */
    int has_auth;  /* AUTH= (RFC 4954 section 5) was given */
    STRBUF *auth;  /* its value, decoded; caller-owned, may be NULL */
} SMTPD_MAIL_ARGS;

/* What RCPT TO's parameters said. */
typedef struct SMTPD_RCPT_ARGS {
    int notify;    /* SMTPD_NOTIFY_* bits, 0 when absent */
    STRBUF *orcpt; /* ORCPT=, "type;decoded", caller-owned */
} SMTPD_RCPT_ARGS;

extern int smtpd_addr_verb(const char *line, size_t len, size_t *verb_len,
                           size_t *args_off);
extern int smtpd_addr_path(const char *text, size_t len, int flags,
                           STRBUF *addr, size_t *used, STRBUF *reply);
extern int smtpd_addr_mail_args(const char *text, size_t len, long size_limit,
                                SMTPD_MAIL_ARGS *args, STRBUF *reply);
extern int smtpd_addr_rcpt_args(const char *text, size_t len,
                                SMTPD_RCPT_ARGS *args, STRBUF *reply);
extern int smtpd_addr_is_postmaster(const char *addr);

#endif

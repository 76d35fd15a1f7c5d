#ifndef SMTP_H
#define SMTP_H

/*
 * smtp - the SMTP and LMTP client delivery agent (docs/smtp.md).
 *
 * One program under two names: daemons/smtp/smtp and daemons/lmtp/lmtp
 * (a main() that links this folder's objects) call smtp_agent_main()
 * with their protocol; the protocol picks the parameter prefix (smtp_*
 * or lmtp_*), the greeting command (EHLO or LHLO) and the DATA replies.
 *
 * The pure parts (smtp_reply.c, smtp_nexthop.c) take pointer + length,
 * bound every length and count, and have no side effects: the unit tests
 * use them directly.  Session state is owned by smtp_proto.c and the
 * connection cache (smtp_cache.c).
 */
#include <stddef.h>
#include <time.h>

#include "argv.h"
#include "deliver_request.h"
#include "maps.h"
#include "tls.h"
#include "strbuf.h"
#include "stream.h"

#define SMTP_PROTO_SMTP 0
#define SMTP_PROTO_LMTP 1

/* Configuration, loaded once (smtp_agent.c). */
typedef struct SMTP_CONF {
    int proto;          /* SMTP_PROTO_* */
    const char *prefix; /* "smtp" or "lmtp" */
    char *helo_name;
    char *tcp_port; /* numeric */
    char *bind_address;
    char *bind_address6;
    int host_lookup_dns;    /* smtp_host_lookup has dns */
    int host_lookup_native; /* ... has native */
    int ipv4, ipv6;         /* inet_protocols */
    long connect_timeout, helo_timeout, mail_timeout, rcpt_timeout;
    long data_init_timeout, data_xfer_timeout, data_done_timeout;
    long quit_timeout, rset_timeout;
    long mx_address_limit, mx_session_limit, line_length_limit;
    int skip_5xx_greeting, never_send_ehlo;
    int mime_conversion; /* !disable_mime_output_conversion */
    int cache_on_demand;
    long cache_time_limit, reuse_time_limit;
    char *myhostname;
    int sasl_enable;        /* smtp_sasl_auth_enable */
    MAPS *sasl_passwd;      /* smtp_sasl_password_maps, NULL: none */
    int sasl_secopts;       /* smtp_sasl_security_options */
    int sasl_tls_secopts;   /* smtp_sasl_tls_security_options */
    ARGV *sasl_mech_filter; /* smtp_sasl_mechanism_filter, NULL: none */
    TLS_LEVEL tls_level;    /* smtp_tls_security_level (or the legacy) */
    MAPS *tls_policy;       /* smtp_tls_policy_maps, NULL: none */
    char *tls_servername;   /* smtp_tls_servername */
    char *tls_verify_match; /* smtp_tls_verify_cert_match */
    char *tls_secure_match; /* smtp_tls_secure_cert_match */
    int tls_loglevel;       /* smtp_tls_loglevel */
    int tls_note_offer;     /* smtp_tls_note_starttls_offer */
    long starttls_timeout;  /* smtp_starttls_timeout */
} SMTP_CONF;

extern SMTP_CONF smtp_conf;

/* One parsed reply (smtp_reply.c). */
#define SMTP_REPLY_LINE_MAX  2048 /* bytes of one reply line kept */
#define SMTP_REPLY_LINES_MAX 100  /* lines of one reply */
typedef struct SMTP_REPLY {
    int code;     /* 200-599; 0 when none was read */
    char dsn[16]; /* "X.Y.Z": the enhanced code, or derived */
    STRBUF *text; /* "250 2.0.0 Ok": the lines joined by spaces */
    ARGV *lines;  /* each line's text after "NNN-" (EHLO keywords) */
} SMTP_REPLY;

extern SMTP_REPLY *smtp_reply_create(void);
extern void smtp_reply_free(SMTP_REPLY *reply);
extern int smtp_reply_line(const char *line, size_t len, int *code, int *more);
extern size_t smtp_reply_enhanced(const char *text, size_t len, int code,
                                  char *dsn, size_t size);
extern int smtp_reply_add(SMTP_REPLY *reply, const char *line, size_t len);
extern void smtp_reply_reset(SMTP_REPLY *reply);

/* EHLO keywords (smtp_reply.c). */
#define SMTP_FEAT_PIPELINING (1 << 0)
#define SMTP_FEAT_SIZE       (1 << 1)
#define SMTP_FEAT_8BITMIME   (1 << 2)
#define SMTP_FEAT_SMTPUTF8   (1 << 3)
#define SMTP_FEAT_DSN        (1 << 4)
#define SMTP_FEAT_ESMTP      (1 << 5) /* EHLO (or LHLO) succeeded */
#define SMTP_FEAT_STARTTLS   (1 << 6)
#define SMTP_FEAT_AUTH       (1 << 7)
extern int smtp_ehlo_keyword(const char *line, size_t len, long *size_limit);

/* dot-stuffing and line folding of one content line, CRLF appended */
extern void smtp_data_line(STRBUF *out, const char *line, size_t len,
                           size_t limit);

/* Next hops and the servers to try (smtp_nexthop.c). */
#define SMTP_HOP_INET 0
#define SMTP_HOP_UNIX 1
#define SMTP_HOST_MAX 255
typedef struct SMTP_HOP {
    int kind;     /* SMTP_HOP_* */
    int mx;       /* look up MX records */
    STRBUF *host; /* domain, host name, address, or UNIX path */
    STRBUF *port; /* port or service text; "" for the default */
} SMTP_HOP;

extern int smtp_nexthop_parse(const char *text, size_t len, int proto,
                              SMTP_HOP *hop, STRBUF *why);

typedef struct SMTP_SERVER {
    char *name; /* host name for relay= and "host X said" */
    char *addr; /* numeric address, or the UNIX path */
    char *port; /* numeric port; "" for UNIX */
} SMTP_SERVER;

typedef struct SMTP_SERVERS {
    SMTP_SERVER *list;
    size_t count;
    size_t size;
} SMTP_SERVERS;

/* What resolving a next hop gave when it gave no server. */
typedef struct SMTP_RESOLVE_ERR {
    char status[16]; /* 4.X.X (retry) or 5.X.X (bounce) */
    STRBUF *reason;
} SMTP_RESOLVE_ERR;

extern void smtp_servers_add(SMTP_SERVERS *sv, const char *name,
                             const char *addr, const char *port);
extern void smtp_servers_free(SMTP_SERVERS *sv);
extern int smtp_resolve(const SMTP_HOP *hop, SMTP_SERVERS *sv,
                        SMTP_RESOLVE_ERR *err);

/* Why a session could not be used (STARTTLS, AUTH): the deferral. */
typedef struct SMTP_SESS_ERR {
    char status[16]; /* 4.X.X */
    STRBUF *reason;
    STRBUF *diag; /* "smtp; REPLY" or empty */
} SMTP_SESS_ERR;

/* One open session (smtp_proto.c, smtp_cache.c). */
typedef struct SMTP_SESSION {
    STREAM *stream;
    char *key;   /* the next hop it serves, for the cache */
    char *label; /* "host[addr]:port" for relay= */
    char *name;  /* host name, for "host X said" */
    char *addr;
    int features;       /* SMTP_FEAT_* */
    STRBUF *auth_mechs; /* the server's AUTH mechanisms, space separated */
    int tls_active;     /* STARTTLS succeeded */
    TLS_SESS *tls;      /* the TLS session, NULL in plaintext */
    long size_limit;    /* the server's SIZE, 0 none */
    time_t created;
    time_t last_used;
    int reuse_count;
} SMTP_SESSION;

extern SMTP_SESSION *smtp_connect(const SMTP_SERVER *server, int unix_path,
                                  STRBUF *why);
extern void smtp_session_free(SMTP_SESSION *session);

extern void smtp_cache_store(SMTP_SESSION *session);
extern SMTP_SESSION *smtp_cache_find(const char *key);
extern void smtp_cache_expire(int all);
extern int smtp_cache_wait(void);

extern int smtp_read_reply(SMTP_SESSION *session, SMTP_REPLY *reply,
                           long timeout);
extern void smtp_quit(SMTP_SESSION *session);
extern int smtp_helo(SMTP_SESSION *session, SMTP_REPLY *reply);
extern int smtp_rset(SMTP_SESSION *session, SMTP_REPLY *reply);

/*
 * Client SASL (smtp_sasl.c): PLAIN and LOGIN (RFC 4954) with credentials
 * from smtp_sasl_password_maps.  The pure parts are exported for tests.
 */
#define SMTP_SASL_SEC_NOPLAINTEXT (1 << 0)
#define SMTP_SASL_SEC_NOACTIVE    (1 << 1)
#define SMTP_SASL_SEC_NODICT      (1 << 2)
#define SMTP_SASL_SEC_NOANON      (1 << 3)
#define SMTP_SASL_SEC_MUTUAL      (1 << 4)
#define SMTP_SASL_MECHS_MAX       1000 /* bytes of the AUTH list kept */

extern int smtp_sasl_secopts_parse(const char *text, int *flags, STRBUF *why);
extern int smtp_sasl_ehlo_mechs(const char *line, size_t len, STRBUF *mechs);
extern const char *smtp_sasl_choose(const char *offered, const ARGV *filter,
                                    int secopts);
extern void smtp_sasl_passwd_keys(const char *host, const char *nexthop,
                                  ARGV *keys);
extern int smtp_sasl_passwd_find(MAPS *maps, const char *host,
                                 const char *nexthop, STRBUF *user,
                                 STRBUF *pass);

extern int smtp_sasl_auth(SMTP_SESSION *session, const char *nexthop,
                          SMTP_REPLY *reply, SMTP_SESS_ERR *err);

/*
 * Client TLS (smtp_tls_policy.c: pure; smtp_tls.c: STARTTLS).  A policy
 * is the level and the attributes of one destination: from
 * smtp_tls_policy_maps ("level [match=a:b] [protocols=p:q] [ciphers=g]
 * [exclude=c]") or else the parameters.  Empty strings mean "the
 * parameter's value".
 */
#define SMTP_TLS_POLICY_MAX 2000 /* bytes of one policy value */
typedef struct SMTP_TLS_POLICY {
    TLS_LEVEL level;
    STRBUF *matches;   /* "a, b" */
    STRBUF *protocols; /* "!SSLv3, !TLSv1" or ">=TLSv1.2" */
    STRBUF *ciphers;   /* a grade */
    STRBUF *exclude;   /* cipher names */
} SMTP_TLS_POLICY;

extern SMTP_TLS_POLICY *smtp_tls_policy_create(void);
extern SMTP_TLS_POLICY *smtp_tls_policy_free(SMTP_TLS_POLICY *pol);
extern int smtp_tls_level_parse(const char *name, size_t len,
                                TLS_LEVEL *level);
extern const char *smtp_tls_level_name(TLS_LEVEL level);
extern int smtp_tls_policy_parse(const char *text, size_t len,
                                 SMTP_TLS_POLICY *pol, STRBUF *why);
extern void smtp_tls_policy_keys(const char *nexthop, ARGV *keys);
extern int smtp_tls_policy_find(MAPS *maps, const char *nexthop,
                                SMTP_TLS_POLICY *pol, STRBUF *why);

/* What smtp_starttls() did. */
#define SMTP_TLS_OK    0  /* TLS is up, or not wanted/offered at "may" */
#define SMTP_TLS_FAIL  -1 /* defer: err says why; the session is gone */
#define SMTP_TLS_PLAIN -2 /* handshake failed at "may": reconnect, no TLS */
extern void smtp_tls_init(void);
extern int smtp_starttls(SMTP_SESSION *session, const SMTP_TLS_POLICY *pol,
                         const char *nexthop_domain, SMTP_REPLY *reply,
                         SMTP_SESS_ERR *err);
extern int smtp_ehlo(SMTP_SESSION *session, SMTP_REPLY *reply);

/* The delivery of one request (smtp_deliver.c). */
extern void smtp_deliver(DELIVER_REQUEST *req);

extern void smtp_agent_main(int argc, char **argv, int proto)
    __attribute__((noreturn));

#endif

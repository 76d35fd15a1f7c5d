#ifndef SMTPD_H
#define SMTPD_H

/*
 * smtpd - the SMTP server's shared state: the parameters it reads once,
 * one SMTPD_STATE per connection (owned by smtpd_service(), freed in
 * smtpd_state_free()), and the functions the topic files export.
 */
#include "argv.h"
#include "cleanup_clnt.h"
#include "smtpd_addr.h"
#include "stream.h"
#include "strbuf.h"
#include "tls.h"

/* smtpd_forbid_bare_newline settings (Postfix's meanings). */
#define SMTPD_BARE_LF_NO     0 /* a bare LF ends a line, ".\n" ends DATA */
#define SMTPD_BARE_LF_NORMAL 1 /* only CRLF.CRLF ends DATA */
#define SMTPD_BARE_LF_STRICT 2 /* a bare LF is rejected, and we hang up */

/* Parameters, read by smtpd_params_init(). */
typedef struct SMTPD_PARAMS {
    char *myhostname;
    char *mail_name;
    char *banner; /* smtpd_banner, expanded */
    long timeout; /* smtpd_timeout, seconds */
    long rcpt_limit;
    long hard_error_limit;
    long soft_error_limit;
    long error_sleep; /* seconds */
    long line_limit;  /* line_length_limit */
    long size_limit;  /* message_size_limit, 0 = none */
    long queue_minfree;
    int helo_required;
    int strict_rfc821;
    int disable_vrfy;
    int bare_lf;       /* SMTPD_BARE_LF_* */
    long bare_lf_code; /* smtpd_forbid_bare_newline_reject_code */
} SMTPD_PARAMS;

extern SMTPD_PARAMS smtpd_params;

/* Commands counted for the "disconnect from" line. */
enum {
    SMTPD_CMD_HELO,
    SMTPD_CMD_EHLO,
    SMTPD_CMD_STARTTLS,
    SMTPD_CMD_AUTH,
    SMTPD_CMD_MAIL,
    SMTPD_CMD_RCPT,
    SMTPD_CMD_DATA,
    SMTPD_CMD_BDAT,
    SMTPD_CMD_RSET,
    SMTPD_CMD_NOOP,
    SMTPD_CMD_VRFY,
    SMTPD_CMD_ETRN,
    SMTPD_CMD_HELP,
    SMTPD_CMD_QUIT,
    SMTPD_CMD_UNKNOWN,
    SMTPD_NCMDS
};

typedef struct SMTPD_STATE {
    STREAM *client;
    char *name; /* "unknown" or "localhost" (no DNS here) */
    char *addr; /* client address, printable */
    char *port;
    char *server_addr;      /* our end of the connection */
    char *namaddr;          /* name[addr], for logging */
    STRBUF *helo;           /* HELO/EHLO argument, empty before */
    const char *protocol;   /* SMTP or ESMTP; see smtpd_proto_name() */
    int tls_active;         /* a STARTTLS or wrapper-mode handshake done */
    TLS_SESS *tls_sess;     /* that session, or NULL (smtpd_tls.c) */
    char *sasl_method;      /* AUTH mechanism that succeeded, or NULL */
    char *sasl_username;    /* the authenticated login, or NULL */
    char *sasl_sender;      /* MAIL FROM's AUTH=<mailbox>, or NULL */
    struct SMTPD_SASL *sasl; /* the SASL back-end's connection state */
    int trusted;            /* the client is in mynetworks */
    int access_denied;      /* client rejected at connect: 503 to all */
    char *service;          /* master.cf service name, for anvil */
    int anvil_counted;      /* anvil counts this connection */
    unsigned long instance; /* transactions so far, for policy "instance" */
    /* The mail transaction. */
    int in_mail;
    STRBUF *sender;
    SMTPD_MAIL_ARGS mail_args;
    SMTPD_RCPT_ARGS rcpt_args;
    long rcpt_count;
    STRBUF *first_rcpt;
    CLEANUP_CLNT *cleanup;
    char *queue_id;
    int bdat_failed; /* a BDAT chunk went wrong: drop until LAST/RSET */
    int bdat_started;
    long msg_size; /* content bytes so far */
    int msg_too_big;
    int data_crlf; /* BDAT: a CR ended the previous chunk */
    /* The message's fate, from access tables and policy servers. */
    int hold;       /* HOLD: to the hold queue */
    int discard;    /* DISCARD: accept, then drop */
    char *filter;   /* FILTER transport:destination */
    char *redirect; /* REDIRECT address */
    ARGV *prepend;  /* PREPEND headers, in order */
    /* Counters. */
    int error_count;
    int ok[SMTPD_NCMDS];
    int total[SMTPD_NCMDS];
    int quit;      /* hang up after this reply */
    STRBUF *line;  /* the current command line */
    STRBUF *reply; /* scratch */
    STRBUF *buf;   /* scratch */
} SMTPD_STATE;

/* smtpd.c */
extern void smtpd_params_init(void);

/* smtpd_proto.c */
extern SMTPD_STATE *smtpd_state_create(STREAM *client, const char *addr,
                                       const char *port,
                                       const char *server_addr);
extern SMTPD_STATE *smtpd_state_free(SMTPD_STATE *state);
extern void smtpd_proto(SMTPD_STATE *state);
extern void smtpd_reply(SMTPD_STATE *state, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
extern void smtpd_reset(SMTPD_STATE *state);
extern void smtpd_log_reject(SMTPD_STATE *state, const char *cmd,
                             const char *rcpt);
extern const char *smtpd_counts(SMTPD_STATE *state, STRBUF *out);
extern const char *smtpd_proto_name(const SMTPD_STATE *state);

/* smtpd_data.c */
extern void smtpd_data(SMTPD_STATE *state);
extern void smtpd_bdat(SMTPD_STATE *state, const char *args, size_t len);
extern int smtpd_data_open(SMTPD_STATE *state);

/* smtpd_check.c: the restrictions.  0 = go on, -1 = reply in *reply. */
extern void smtpd_check_init(void);
extern int smtpd_check_mynetworks(const char *addr);
extern int smtpd_check_client(SMTPD_STATE *state, STRBUF *reply);
extern int smtpd_check_helo(SMTPD_STATE *state, const char *helo,
                            STRBUF *reply);
extern int smtpd_check_mail(SMTPD_STATE *state, const char *sender,
                            STRBUF *reply);
extern int smtpd_check_rcpt(SMTPD_STATE *state, const char *rcpt,
                            STRBUF *reply);
extern int smtpd_check_data(SMTPD_STATE *state, STRBUF *reply);
extern int smtpd_check_eod(SMTPD_STATE *state, STRBUF *reply);
extern int smtpd_check_queue(SMTPD_STATE *state, STRBUF *reply);
extern void smtpd_fate(SMTPD_STATE *state, int action, const char *text);
extern int smtpd_check_hostname(const char *name, int need_dot);

/* smtpd_sasl.c: AUTH (RFC 4954). */
extern void smtpd_sasl_init(void);
extern int smtpd_sasl_offered(SMTPD_STATE *state);
extern void smtpd_sasl_ehlo(SMTPD_STATE *state);
extern int smtpd_sasl_auth(SMTPD_STATE *state, const char *args, size_t len);
extern int smtpd_sasl_mail_opt(SMTPD_STATE *state, STRBUF *reply);
extern int smtpd_sasl_header(void);
extern void smtpd_sasl_free(SMTPD_STATE *state);

/* smtpd_tls.c: STARTTLS, wrapper mode, the 530 gate, Received: text. */
extern void smtpd_tls_init(void);
extern void smtpd_tls_post_init(void);
extern int smtpd_tls_offer(const SMTPD_STATE *state);
extern int smtpd_tls_gate(SMTPD_STATE *state, const char *verb);
extern int smtpd_starttls(SMTPD_STATE *state, const char *args, size_t len);
extern int smtpd_tls_wrapper(SMTPD_STATE *state);
extern void smtpd_tls_received(const SMTPD_STATE *state, STRBUF *hdr);
extern const TLS_INFO *smtpd_tls_info(const SMTPD_STATE *state);
extern const char *smtpd_tls_fprint(const SMTPD_STATE *state, int pkey);
extern void smtpd_tls_stop(SMTPD_STATE *state);

/* smtpd_anvil.c: connection and rate limits. */
extern void smtpd_anvil_init(void);
extern int smtpd_anvil_connect(SMTPD_STATE *state, const char *service,
                               STRBUF *reply);
extern void smtpd_anvil_disconnect(SMTPD_STATE *state);
extern int smtpd_anvil_message(SMTPD_STATE *state, STRBUF *reply);
extern int smtpd_anvil_rcpt(SMTPD_STATE *state, STRBUF *reply);
extern int smtpd_anvil_auth(SMTPD_STATE *state, STRBUF *reply);

#endif

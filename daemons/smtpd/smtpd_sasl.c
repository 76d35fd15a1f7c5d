/*
 * smtpd_sasl - SMTP AUTH in smtpd(8) (RFC 4954), over the SASL layer of
 * libglobal/xsasl_server.h (smtpd_sasl_type = dovecot or postern).
 *
 * smtpd_sasl_init() reads the parameters and sets up the back-end
 * before chroot; with smtpd_sasl_auth_enable = yes a bad type, security
 * option or users table is fatal.  smtpd_sasl_offered() says whether
 * AUTH is offered now (enabled, and under TLS unless smtpd_tls_auth_only
 * = no); smtpd_sasl_ehlo() writes the EHLO keyword(s); smtpd_sasl_auth()
 * is the AUTH command: 334 challenges, "*" to cancel, 235 on success
 * (state->sasl_method and sasl_username are set), 535 on failure with
 * Postfix's warning "NAME[ADDR]: SASL MECH authentication failed:
 * REASON" (the line fail2ban's postfix-sasl filter reads), 454 when the
 * back-end is in trouble.  smtpd_sasl_mail_opt() takes MAIL FROM's
 * AUTH=<mailbox> as state->sasl_sender.  smtpd_sasl_free() drops the
 * connection's back-end state (smtpd_state_free() calls it).
 * smtpd_sasl_exceptions_networks lists clients whose EHLO reply does not
 * announce AUTH (the command still works, as in Postfix);
 * smtpd_sasl_local_domain is the realm the postern back-end appends to
 * login names without "@" (Dovecot applies its own auth_default_realm);
 * smtpd_sasl_service goes to the back-end (Dovecot's service=).  Client
 * mistakes are replies; nothing at run time is fatal.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mail_conf.h"
#include "match_list.h"
#include "msg.h"
#include "mymalloc.h"
#include "smtpd.h"
#include "xsasl_server.h"

/* A connection's back-end object, made again when TLS comes up. */
struct SMTPD_SASL {
    XSASL_SERVER *server;
    int tls; /* tls_active when it was made */
};

static struct {
    int enable;
    int tls_only; /* smtpd_tls_auth_only */
    int broken;   /* broken_sasl_auth_clients */
    int header;   /* smtpd_sasl_authenticated_header */
    int sec;      /* smtpd_sasl_security_options */
    int tls_sec;  /* smtpd_sasl_tls_security_options */
    long resp_limit;
    char *service;
    char *realm;            /* smtpd_sasl_local_domain */
    MATCH_LIST *exceptions; /* smtpd_sasl_exceptions_networks */
} cf;

static XSASL_SERVER_IMPL *impl;

/* sasl_security - a security options parameter as bits; fatal if bad */
static int
sasl_security(const char *param)
{
    char *value = mail_conf_str(param);
    STRBUF *why = strbuf_create(0);
    int bits = xsasl_server_security(value, why);

    if (bits < 0)
        msg_fatal("%s: %s", param, STR(why));
    strbuf_free(why);
    myfree(value);
    return bits;
}

/* smtpd_sasl_init - parameters and back-end, before chroot */
void
smtpd_sasl_init(void)
{
    char *type, *path, *users;
    STRBUF *why;

    cf.enable = mail_conf_bool("smtpd_sasl_auth_enable");
    cf.tls_only = mail_conf_bool("smtpd_tls_auth_only");
    cf.broken = mail_conf_bool("broken_sasl_auth_clients");
    cf.header = mail_conf_bool("smtpd_sasl_authenticated_header");
    cf.resp_limit = mail_conf_long("smtpd_sasl_response_limit");
    if (cf.resp_limit < 512)
        cf.resp_limit = 512;
    if (!cf.enable)
        return;
    cf.sec = sasl_security("smtpd_sasl_security_options");
    cf.tls_sec = sasl_security("smtpd_sasl_tls_security_options");
    cf.service = mail_conf_str("smtpd_sasl_service");
    cf.realm = mail_conf_str("smtpd_sasl_local_domain");
    cf.exceptions =
        match_list_param("smtpd_sasl_exceptions_networks", MATCH_NAMADR);
    type = mail_conf_str("smtpd_sasl_type");
    path = mail_conf_str("smtpd_sasl_path");
    users = mail_conf_str("smtpd_sasl_users_maps");
    why = strbuf_create(0);
    if ((impl = xsasl_server_init(type, path, users, why)) == NULL)
        msg_fatal("smtpd_sasl_type = %s: %s", type, STR(why));
    strbuf_free(why);
    myfree(type);
    myfree(path);
    myfree(users);
}

/* smtpd_sasl_offered - is AUTH on offer for this client now? */
int
smtpd_sasl_offered(SMTPD_STATE *state)
{
    return cf.enable && (state->tls_active || !cf.tls_only);
}

/* smtpd_sasl_header - smtpd_sasl_authenticated_header */
int
smtpd_sasl_header(void)
{
    return cf.header;
}

/* smtpd_sasl_free - drop the connection's back-end state */
void
smtpd_sasl_free(SMTPD_STATE *state)
{
    if (state->sasl == NULL)
        return;
    if (state->sasl->server)
        xsasl_server_free(state->sasl->server);
    myfree(state->sasl);
    state->sasl = NULL;
}

/* sasl_server - the connection's back-end object, made on first use */
static XSASL_SERVER *
sasl_server(SMTPD_STATE *state)
{
    XSASL_SERVER_ARGS args;
    STRBUF *why;

    if (state->sasl && state->sasl->tls == state->tls_active &&
        state->sasl->server)
        return state->sasl->server;
    smtpd_sasl_free(state);
    args.service = cf.service;
    args.client_addr = state->addr;
    args.server_addr = state->server_addr;
    args.tls_active = state->tls_active;
    args.security = state->tls_active ? cf.tls_sec : cf.sec;
    args.realm = cf.realm;
    why = strbuf_create(0);
    state->sasl = mymalloc(sizeof(*state->sasl));
    state->sasl->tls = state->tls_active;
    if ((state->sasl->server = xsasl_server_create(impl, &args, why)) == NULL)
        msg_warn("SASL authentication failure: %s", STR(why));
    strbuf_free(why);
    return state->sasl->server;
}

/* smtpd_sasl_ehlo - the AUTH keyword(s) of the EHLO reply */
void
smtpd_sasl_ehlo(SMTPD_STATE *state)
{
    XSASL_SERVER *server;
    const char *mechs;

    if (!smtpd_sasl_offered(state))
        return;
    /* Known broken clients are not told about AUTH at all. */
    if (cf.exceptions != NULL &&
        match_list_match(cf.exceptions, state->name, state->addr) == 1)
        return;
    if ((server = sasl_server(state)) == NULL)
        return;
    mechs = xsasl_server_mechs(server);
    if (*mechs == 0)
        return;
    stream_printf(state->client, "250-AUTH %s\r\n", mechs);
    /* Outlook Express 4 and friends only know the draft's "AUTH=". */
    if (cf.broken)
        stream_printf(state->client, "250-AUTH=%s\r\n", mechs);
}

/* sasl_ready - the state checks before an AUTH exchange */
static int
sasl_ready(SMTPD_STATE *state)
{
    if (!smtpd_sasl_offered(state) && !cf.enable) {
        smtpd_reply(state, "503 5.5.1 Error: authentication not enabled");
        return -1;
    }
    if (LEN(state->helo) == 0 || strcmp(state->protocol, "ESMTP") != 0) {
        smtpd_reply(state, "503 5.5.1 Error: send EHLO first");
        return -1;
    }
    /* RFC 4954 section 4: 538 when the mechanism needs encryption. */
    if (!smtpd_sasl_offered(state)) {
        smtpd_reply(state, "538 5.7.11 Encryption required for requested "
                           "authentication mechanism");
        return -1;
    }
    if (state->sasl_username) {
        smtpd_reply(state, "503 5.5.1 Error: already authenticated");
        return -1;
    }
    if (state->in_mail) {
        smtpd_reply(state, "503 5.5.1 Error: MAIL transaction in progress");
        return -1;
    }
    if (smtpd_anvil_auth(state, state->buf) < 0) {
        smtpd_reply(state, "%s", STR(state->buf));
        return -1;
    }
    return 0;
}

/* sasl_parse - "mechanism [initial-response]"; -1 after a 501 */
static int
sasl_parse(SMTPD_STATE *state, const char *args, size_t len, char *mech,
           STRBUF *init, int *has_init)
{
    const char *sp = memchr(args, ' ', len);
    size_t mlen = sp ? (size_t) (sp - args) : len, i;

    *has_init = sp != NULL;
    if (mlen == 0 || mlen > XSASL_MECH_MAX ||
        (sp && (sp + 1 == args + len ||
                memchr(sp + 1, ' ', len - mlen - 1) != NULL))) {
        smtpd_reply(state, "501 5.5.4 Syntax: AUTH mechanism");
        return -1;
    }
    for (i = 0; i < mlen; i++)
        mech[i] = (char) toupper((unsigned char) args[i]);
    mech[mlen] = 0;
    /* RFC 4954 section 4: "=" is an empty initial response. */
    if (sp && !(len - mlen - 1 == 1 && sp[1] == '='))
        strbuf_memcpy(init, sp + 1, len - mlen - 1);
    else
        strbuf_reset(init);
    return 0;
}

/* sasl_mech_check - is the mechanism on offer?  -1 after the reply */
static int
sasl_mech_check(SMTPD_STATE *state, XSASL_SERVER *server, const char *mech)
{
    int plain = strcmp(mech, "PLAIN") == 0 || strcmp(mech, "LOGIN") == 0;

    if (xsasl_server_mech_known(server, mech))
        return 0;
    if (plain && !state->tls_active && (cf.sec & XSASL_SEC_NOPLAINTEXT) &&
        !(cf.tls_sec & XSASL_SEC_NOPLAINTEXT))
        smtpd_reply(state, "538 5.7.11 Encryption required for requested "
                           "authentication mechanism");
    else
        smtpd_reply(state, "504 5.5.4 Unsupported authentication mechanism");
    return -1;
}

/* sasl_response - read the client's next response into line; -1: done */
static int
sasl_response(SMTPD_STATE *state, STRBUF *line)
{
    STREAM_STATUS st;

    stream_flush(state->client);
    st = stream_get_line(state->client, line, (size_t) cf.resp_limit);
    if (st == STREAM_LINE_TOOLONG) {
        stream_skip_line(state->client);
        smtpd_reply(state, "500 5.5.6 Authentication exchange line is too "
                           "long");
        return -1;
    }
    if (st != STREAM_LINE_OK) {
        msg_info("%s after AUTH from %s",
                 st == STREAM_TIMEOUT ? "timeout" : "lost connection",
                 state->namaddr);
        state->quit = 1;
        return -1;
    }
    if (LEN(line) > 0 && STR(line)[LEN(line) - 1] == '\r')
        strbuf_truncate(line, LEN(line) - 1);
    /* RFC 4954 section 4: "*" cancels the exchange with a 501. */
    if (strcmp(STR(line), "*") == 0) {
        smtpd_reply(state, "501 5.7.0 Authentication aborted");
        return -1;
    }
    return 0;
}

/* sasl_printable - peer or back-end text for a log line, bounded */
static const char *
sasl_printable(STRBUF *text)
{
    size_t i;

    if (LEN(text) > 200)
        strbuf_truncate(text, 200);
    for (i = 0; i < LEN(text); i++)
        if (!isprint((unsigned char) STR(text)[i]))
            STR(text)[i] = '?';
    return STR(text);
}

/* sasl_finish - the exchange's outcome as a reply and a log line */
static int
sasl_finish(SMTPD_STATE *state, const char *mech, int status, STRBUF *result)
{
    if (status == XSASL_OK) {
        state->sasl_method = mystrdup(mech);
        state->sasl_username = mystrdup(sasl_printable(result));
        smtpd_reply(state, "235 2.7.0 Authentication successful");
        return 0;
    }
    /* Postfix's form, which fail2ban's postfix-sasl filter matches. */
    msg_warn("%s: SASL %s authentication failed: %s", state->namaddr, mech,
             sasl_printable(result));
    if (status == XSASL_TEMP)
        smtpd_reply(state, "454 4.7.0 Temporary authentication failure: %s",
                    STR(result));
    else
        smtpd_reply(state, "535 5.7.8 Error: authentication failed: %s",
                    STR(result));
    return -1;
}

/* sasl_exchange - start, then 334 challenges until the end */
static int
sasl_exchange(SMTPD_STATE *state, XSASL_SERVER *server, const char *mech,
              STRBUF *init, int has_init)
{
    STRBUF *result = strbuf_create(0), *line = strbuf_create(0);
    int status, ret = -1;

    status =
        xsasl_server_start(server, mech, has_init ? STR(init) : NULL, result);
    while (status == XSASL_CONT) {
        smtpd_reply(state, "334 %s", STR(result));
        if (sasl_response(state, line) < 0)
            break;
        status = xsasl_server_next(server, STR(line), result);
    }
    if (status != XSASL_CONT)
        ret = sasl_finish(state, mech, status, result);
    else /* the back-end still waits: start afresh next time */
        smtpd_sasl_free(state);
    strbuf_free(result);
    strbuf_free(line);
    return ret;
}

/* smtpd_sasl_auth - the AUTH command */
int
smtpd_sasl_auth(SMTPD_STATE *state, const char *args, size_t len)
{
    char mech[XSASL_MECH_MAX + 1];
    STRBUF *init;
    XSASL_SERVER *server;
    int has_init, ret = -1;

    if (sasl_ready(state) < 0)
        return -1;
    init = strbuf_create(0);
    if (sasl_parse(state, args, len, mech, init, &has_init) < 0) {
        /* replied */
    } else if ((server = sasl_server(state)) == NULL) {
        smtpd_reply(state, "454 4.7.0 Temporary authentication failure: "
                           "Connection lost to authentication server");
    } else if (sasl_mech_check(state, server, mech) == 0) {
        ret = sasl_exchange(state, server, mech, init, has_init);
    }
    strbuf_free(init);
    return ret;
}

/* smtpd_sasl_mail_opt - MAIL FROM's AUTH=; -1 with the reply */
int
smtpd_sasl_mail_opt(SMTPD_STATE *state, STRBUF *reply)
{
    if (state->sasl_sender)
        myfree(state->sasl_sender);
    state->sasl_sender = NULL;
    /* RFC 4954 section 5: ignored unless AUTH is on offer. */
    if (!state->mail_args.has_auth || !smtpd_sasl_offered(state))
        return 0;
    if (LEN(state->mail_args.auth) > 255) {
        strbuf_strcpy(reply, "501 5.5.4 Bad AUTH parameter value");
        return -1;
    }
    if (strcmp(STR(state->mail_args.auth), "<>") != 0)
        state->sasl_sender = mystrdup(sasl_printable(state->mail_args.auth));
    return 0;
}

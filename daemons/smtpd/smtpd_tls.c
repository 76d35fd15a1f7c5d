/*
 * smtpd_tls - TLS in smtpd(8): STARTTLS (RFC 3207), wrapper mode (SMTPS,
 * port 465), the "Must issue a STARTTLS command first" gate, and what
 * TLS adds to the log, the Received: header and policy requests.
 *
 *   smtpd_tls_init()       pre-init (root, before chroot): level and the
 *                          server context from the smtpd_tls_* parameters
 *   smtpd_tls_post_init()  post-init (unprivileged): the session-ticket
 *                          key file shared by all smtpd processes
 *   smtpd_tls_offer()      EHLO says STARTTLS
 *   smtpd_tls_gate()       -1 (and 530 sent) when TLS must come first
 *   smtpd_starttls()       the STARTTLS command
 *   smtpd_tls_wrapper()    wrapper mode's handshake before the greeting
 *   smtpd_tls_received()   the "(using ...)" comment of Received:
 *   smtpd_tls_info()       the session's TLS_INFO, NULL without TLS
 *   smtpd_tls_fprint()     the client certificate's (or public key's)
 *                          fingerprint, smtpd_tls_fingerprint_digest;
 *                          NULL without one
 *   smtpd_tls_stop()       end the session at disconnect
 *
 * A bad level is fatal at start.  A bad certificate, key or CA file is
 * not: it is logged and STARTTLS is answered with 454 (wrapper mode
 * hangs up), so a typo never takes mail service down.
 *
 * Client certificates: smtpd_tls_ask_ccert asks for one (verified against
 * smtpd_tls_CAfile/CApath, the result only recorded); smtpd_tls_req_ccert
 * (level encrypt only, as in Postfix) also hangs up with 421 on a client
 * that sends none or an untrusted one.  At smtpd_tls_loglevel >= 1 the
 * certificate's CN, issuer and fingerprints are logged.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mail_conf.h"
#include "msg.h"
#include "mymalloc.h"
#include "smtpd.h"
#include "tls.h"

/* The TLS parameters and the context, read once per process. */
static struct {
    TLS_LEVEL level;     /* none, may or encrypt */
    int wrappermode;     /* smtpd_tls_wrappermode */
    int received;        /* smtpd_tls_received_header */
    int ask_ccert;       /* smtpd_tls_ask_ccert (or req_ccert) */
    int req_ccert;       /* smtpd_tls_req_ccert, level encrypt only */
    char *digest;        /* smtpd_tls_fingerprint_digest */
    STRBUF *fprint;      /* this session's certificate fingerprint */
    STRBUF *pkey_fprint; /* and public key fingerprint */
    long loglevel;       /* smtpd_tls_loglevel */
    long timeout;        /* smtpd_starttls_timeout, seconds */
    long cache_time;     /* smtpd_tls_session_cache_timeout */
    TLS_CTX *ctx;        /* NULL: TLS off or broken */
} tls;

/* tls_level - smtpd_tls_security_level, or the legacy booleans */
static TLS_LEVEL
tls_level(void)
{
    char *name = mail_conf_str("smtpd_tls_security_level");
    TLS_LEVEL level = TLS_LEV_NONE;

    if (*name == 0) {
        if (mail_conf_bool("smtpd_enforce_tls"))
            level = TLS_LEV_ENCRYPT;
        else if (mail_conf_bool("smtpd_use_tls"))
            level = TLS_LEV_MAY;
    } else if (tls_level_parse(name, &level) < 0 || level > TLS_LEV_ENCRYPT) {
        msg_fatal("smtpd_tls_security_level: bad value \"%s\" "
                  "(use none, may or encrypt)",
                  name);
    }
    myfree(name);
    return level;
}

/* tls_context - the server context; NULL (logged) when it cannot be */
static TLS_CTX *
tls_context(int mandatory)
{
    char *v[15];
    STRBUF *why = strbuf_create(100);
    TLS_CTX *ctx;
    static const char *names[15] = {
        "smtpd_tls_cert_file",   "smtpd_tls_key_file",
        "smtpd_tls_eccert_file", "smtpd_tls_eckey_file",
        "smtpd_tls_chain_files", "smtpd_tls_CAfile",
        "smtpd_tls_CApath",      "smtpd_tls_protocols",
        "smtpd_tls_ciphers",     "smtpd_tls_exclude_ciphers",
        "tls_high_cipherlist",   "tls_medium_cipherlist",
        "tls_low_cipherlist",    "tls_export_cipherlist",
        "tls_null_cipherlist"};
    TLS_CIPHERLISTS lists;
    TLS_SERVER_PARAMS p;

    for (int i = 0; i < 15; i++) {
        const char *name = names[i];
        /* Level encrypt takes the mandatory protocols and ciphers. */
        if (mandatory && i >= 7 && i <= 9)
            name = i == 7   ? "smtpd_tls_mandatory_protocols"
                   : i == 8 ? "smtpd_tls_mandatory_ciphers"
                            : "smtpd_tls_mandatory_exclude_ciphers";
        v[i] = mail_conf_str(name);
    }
    lists = (TLS_CIPHERLISTS){v[10], v[11], v[12], v[13], v[14]};
    p = (TLS_SERVER_PARAMS){v[0],
                            v[1],
                            v[2],
                            v[3],
                            v[4],
                            v[5],
                            v[6],
                            v[7],
                            v[8],
                            v[9],
                            &lists,
                            tls.ask_ccert,
                            (int) tls.cache_time};
    if ((ctx = tls_server_init(&p, why)) == NULL)
        msg_warn("%s: disabling TLS support", STR(why));
    for (int i = 0; i < 15; i++)
        myfree(v[i]);
    strbuf_free(why);
    return ctx;
}

/* smtpd_tls_init - TLS parameters and context, before chroot */
void
smtpd_tls_init(void)
{
    tls.level = tls_level();
    tls.wrappermode = mail_conf_bool("smtpd_tls_wrappermode");
    tls.received = mail_conf_bool("smtpd_tls_received_header");
    tls.ask_ccert = mail_conf_bool("smtpd_tls_ask_ccert");
    tls.req_ccert = mail_conf_bool("smtpd_tls_req_ccert");
    tls.digest = mail_conf_str("smtpd_tls_fingerprint_digest");
    tls.fprint = strbuf_create(100);
    tls.pkey_fprint = strbuf_create(100);
    tls.loglevel = mail_conf_long("smtpd_tls_loglevel");
    tls.timeout = mail_conf_time("smtpd_starttls_timeout");
    tls.cache_time = mail_conf_time("smtpd_tls_session_cache_timeout");
    if (tls.timeout <= 0)
        msg_fatal("smtpd_starttls_timeout must be positive");
    if (tls.req_ccert && tls.level < TLS_LEV_ENCRYPT) {
        msg_warn("smtpd_tls_req_ccert = yes needs smtpd_tls_security_level "
                 "= encrypt: client certificates are not required");
        tls.req_ccert = 0;
    }
    tls.ask_ccert |= tls.req_ccert;
    if (tls.level > TLS_LEV_NONE || tls.wrappermode)
        tls.ctx = tls_context(tls.level == TLS_LEV_ENCRYPT);
}

/*
 * smtpd_tls_post_init - share session-ticket keys with the other smtpd
 * processes through data_directory/smtpd_tls_ticket.key (see
 * docs/tls.md).  Unprivileged, so the file belongs to mail_owner.
 */
void
smtpd_tls_post_init(void)
{
    char *dir = mail_conf_str("data_directory");
    STRBUF *path = strbuf_create(100), *why = strbuf_create(100);

    if (tls.ctx != NULL && tls.cache_time > 0) {
        strbuf_sprintf(path, "%s/smtpd_tls_ticket.key", dir);
        if (tls_server_tickets(tls.ctx, STR(path), (int) tls.cache_time, why) <
            0)
            msg_warn("TLS session tickets: %s: sessions resume only in "
                     "the same process",
                     STR(why));
    }
    myfree(dir);
    strbuf_free(path);
    strbuf_free(why);
}

/* smtpd_tls_offer - does EHLO announce STARTTLS? */
int
smtpd_tls_offer(const SMTPD_STATE *state)
{
    return tls.level >= TLS_LEV_MAY && !state->tls_active && !tls.wrappermode &&
           tls.ctx != NULL;
}

/* smtpd_tls_gate - level encrypt: only these commands before TLS */
int
smtpd_tls_gate(SMTPD_STATE *state, const char *verb)
{
    static const char *const pre_tls[] = {"HELO", "EHLO", "STARTTLS",
                                          "NOOP", "RSET", "QUIT"};

    if (tls.level < TLS_LEV_ENCRYPT || state->tls_active)
        return 0;
    for (size_t i = 0; i < sizeof(pre_tls) / sizeof(pre_tls[0]); i++)
        if (strcasecmp(verb, pre_tls[i]) == 0)
            return 0;
    smtpd_reply(state, "530 5.7.0 Must issue a STARTTLS command first");
    return -1;
}

/* tls_ccert_learn - fingerprints of the client certificate, and a log */
static void
tls_ccert_learn(SMTPD_STATE *state)
{
    const TLS_INFO *info = tls_info(state->tls_sess);

    if (tls_peer_fingerprint(tls.fprint, state->tls_sess, tls.digest, 0) ==
            NULL &&
        info->peer_cert)
        msg_warn("smtpd_tls_fingerprint_digest: unknown digest \"%s\"",
                 tls.digest);
    tls_peer_fingerprint(tls.pkey_fprint, state->tls_sess, tls.digest, 1);
    if (info->peer_cert && tls.loglevel >= 1)
        msg_info("%s: %s: subject_CN=%s, issuer_CN=%s, fingerprint=%s, "
                 "pkey_fingerprint=%s",
                 state->namaddr, tls_trust_label(state->tls_sess),
                 info->peer_CN, info->issuer_CN, STR(tls.fprint),
                 STR(tls.pkey_fprint));
}

/* tls_ccert_required - smtpd_tls_req_ccert; -1 after a 421 */
static int
tls_ccert_required(SMTPD_STATE *state)
{
    const TLS_INFO *info = tls_info(state->tls_sess);
    const char *why;

    if (!tls.req_ccert || info->trusted)
        return 0;
    why = info->peer_cert ? "Client certificate not verified"
                          : "No client certificate presented";
    msg_info("NOQUEUE: abort: TLS from %s: %s", state->namaddr, why);
    smtpd_reply(state, "421 4.7.1 %s Error: %s", smtpd_params.myhostname, why);
    return -1;
}

/* tls_handshake - run the server handshake; 0, or -1 (logged) */
static int
tls_handshake(SMTPD_STATE *state)
{
    STRBUF *why = strbuf_create(100);

    state->tls_sess = tls_server_start(
        tls.ctx, state->client, (int) tls.timeout * 1000, state->namaddr, why);
    if (state->tls_sess == NULL) {
        msg_info("SSL_accept error from %s: %s", state->namaddr, STR(why));
        strbuf_free(why);
        return -1;
    }
    state->tls_active = 1;
    if (tls.loglevel >= 1)
        msg_info("%s TLS connection established from %s: %s",
                 tls_trust_label(state->tls_sess), state->namaddr,
                 STR(tls_summary(why, state->tls_sess)));
    strbuf_free(why);
    tls_ccert_learn(state);
    return tls_ccert_required(state);
}

/* tls_forget - RFC 3207 section 4.2: discard what the client told us */
static void
tls_forget(SMTPD_STATE *state)
{
    smtpd_reset(state);
    strbuf_reset(state->helo);
    state->protocol = "SMTP";
    if (state->sasl_method)
        myfree(state->sasl_method);
    if (state->sasl_username)
        myfree(state->sasl_username);
    state->sasl_method = state->sasl_username = NULL;
    smtpd_sasl_free(state); /* an AUTH exchange in progress, too */
}

/* smtpd_starttls - STARTTLS (RFC 3207 section 4) */
int
smtpd_starttls(SMTPD_STATE *state, const char *args, size_t len)
{
    size_t dropped;

    (void) args;
    if (len != 0) {
        smtpd_reply(state, "501 5.5.4 Syntax: STARTTLS");
        return -1;
    }
    if (state->tls_active) {
        smtpd_reply(state, "554 5.5.1 Error: TLS already active");
        return -1;
    }
    if (tls.level < TLS_LEV_MAY || tls.wrappermode) {
        smtpd_reply(state, "502 5.5.1 Error: command not implemented");
        return -1;
    }
    if (tls.ctx == NULL) {
        smtpd_reply(state, "454 4.7.0 TLS not available due to local "
                           "problem");
        return -1;
    }
    smtpd_reply(state, "220 2.0.0 Ready to start TLS");
    /*
     * RFC 3207 section 4.2: commands the client sent after STARTTLS, in
     * plaintext, must never run inside the TLS session (CVE-2011-0411).
     */
    if ((dropped = stream_discard_input(state->client)) > 0)
        msg_info("improper command pipelining after STARTTLS from %s: "
                 "%zu bytes of plaintext discarded",
                 state->namaddr, dropped);
    if (tls_handshake(state) < 0) {
        state->quit = 1;
        return -1;
    }
    tls_forget(state);
    return 0;
}

/* smtpd_tls_wrapper - wrapper mode: TLS before the greeting; -1: hang up */
int
smtpd_tls_wrapper(SMTPD_STATE *state)
{
    if (!tls.wrappermode)
        return 0;
    if (tls.ctx == NULL) {
        msg_warn("TLS not available: hanging up on %s", state->namaddr);
        return -1;
    }
    return tls_handshake(state);
}

/* smtpd_tls_received - the TLS comment lines of our Received: header */
void
smtpd_tls_received(const SMTPD_STATE *state, STRBUF *hdr)
{
    const TLS_INFO *info;
    STRBUF *text;

    if (!tls.received || state->tls_sess == NULL)
        return;
    info = tls_info(state->tls_sess);
    text = tls_received_comment(strbuf_create(100), state->tls_sess);
    strbuf_sprintf_cat(hdr, "\t%s\n", STR(text));
    if (info->peer_cert)
        strbuf_sprintf_cat(hdr, "\t(Client CN \"%s\", Issuer \"%s\" (%s))\n",
                           info->peer_CN, info->issuer_CN,
                           info->trusted ? "verified OK" : "not verified");
    else if (tls.ask_ccert)
        strbuf_strcat(hdr, "\t(Client did not present a certificate)\n");
    else
        strbuf_strcat(hdr, "\t(No client certificate requested)\n");
    strbuf_free(text);
}

/* smtpd_tls_info - what the handshake learned; NULL without TLS */
const TLS_INFO *
smtpd_tls_info(const SMTPD_STATE *state)
{
    return state->tls_sess != NULL ? tls_info(state->tls_sess) : NULL;
}

/* smtpd_tls_fprint - the client certificate's fingerprint, or NULL */
const char *
smtpd_tls_fprint(const SMTPD_STATE *state, int pkey)
{
    STRBUF *fp = pkey ? tls.pkey_fprint : tls.fprint;

    if (state->tls_sess == NULL || fp == NULL || LEN(fp) == 0)
        return NULL;
    return STR(fp);
}

/* smtpd_tls_stop - close_notify unless the connection failed */
void
smtpd_tls_stop(SMTPD_STATE *state)
{
    int failed;

    if (state->tls_sess == NULL)
        return;
    failed = stream_error(state->client) || stream_timedout(state->client);
    tls_session_stop(state->tls_sess, state->client, failed);
    state->tls_sess = NULL;
    strbuf_reset(tls.fprint);
    strbuf_reset(tls.pkey_fprint);
}

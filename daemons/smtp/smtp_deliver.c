/*
 * smtp_deliver - one delivery request: resolve the next hop, try its
 * servers in order, and run the mail transaction (RFC 5321 section 3.3,
 * RFC 2920 pipelining, RFC 2033 LMTP).
 *
 * Outcomes follow Postfix: a 2xx reply delivers, a 5xx reply bounces at
 * once, a 4xx reply (or a lost connection, a timeout, a 421) leaves the
 * recipient for the next server, and the last server's temporary
 * failure defers it.  After every server was tried the request's
 * remaining recipients are deferred with the last reason; when no server
 * greeted us the destination is marked dead.  A session that ends its
 * transaction cleanly goes to the connection cache.
 *
 * 8BITMIME downgrade hook: a message with encoding 8bitmime goes to a
 * server without 8BITMIME as it is (no conversion yet; see
 * smtp_mime_downgrade() below and docs/smtp.md).
 */
#include <string.h>

#include "msg.h"
#include "mymalloc.h"
#include "mail_proto.h"
#include "mime_qp.h"
#include "rec_type.h"
#include "smtp.h"

#define SMTP_CONTENT_LINE_MAX (64 * 1024)
#define SMTP_FLUSH_AT         4096

typedef struct SMTP_STATE {
    DELIVER_REQUEST *req;
    SMTP_SESSION *session;
    char *pending;  /* 1: not finished yet */
    char *accepted; /* 1: RCPT accepted in this transaction */
    SMTP_REPLY *reply;
    int final;   /* the last server to try */
    int reached; /* a server greeted us */
    char soft_status[16];
    STRBUF *soft_reason; /* the last temporary failure */
    STRBUF *soft_diag;
    STRBUF *soft_relay;
    STRBUF *buf;
    SMTP_TLS_POLICY *tls;  /* the destination's TLS policy */
    const char *domain;    /* the next hop's host, for certificate names */
    STRBUF *cache_key;     /* "level:nexthop" */
} SMTP_STATE;

/* smtp_outcome - record one recipient's outcome from a reply */
static void
smtp_outcome(SMTP_STATE *state, size_t i, const char *status,
             const char *reason, const char *diag)
{
    DELIVER_REQUEST *req = state->req;
    SMTP_SESSION *s = state->session;
    STRBUF *mta = strbuf_create(64);
    DSN dsn = {status, DSN_ACTION_FAILED,    reason, diag,
               NULL,   s ? s->label : "none"};

    if (s != NULL) {
        strbuf_sprintf(mta, "dns; %s", s->name);
        dsn.mta = STR(mta);
    }
    if (status[0] == '2') {
        dsn.action = (req->rcpt[i].dsn_notify & DSN_NOTIFY_SUCCESS) &&
                             (s == NULL || !(s->features & SMTP_FEAT_DSN))
                         ? DSN_ACTION_RELAYED
                         : DSN_ACTION_DELIVERED;
        deliver_sent(req, i, &dsn);
    } else if (status[0] == '5') {
        deliver_bounce(req, i, &dsn);
    } else {
        dsn.action = DSN_ACTION_DELAYED;
        deliver_defer(req, i, &dsn);
    }
    state->pending[i] = 0;
    strbuf_free(mta);
}

/*
 * smtp_result - a recipient's result from a reply to command (NULL for
 * a non-protocol failure whose reason is in text): 2xx sent, 5xx
 * bounced, 4xx deferred at the last server and kept otherwise.
 */
static void
smtp_result(SMTP_STATE *state, size_t i, const SMTP_REPLY *reply,
            const char *command)
{
    STRBUF *reason = strbuf_create(100), *diag = strbuf_create(100);
    const char *status = reply->code ? reply->dsn : "4.4.2";

    if (reply->code / 100 == 2)
        strbuf_strcpy(reason, STR(reply->text));
    else if (reply->code)
        strbuf_sprintf(reason, "host %s[%s] said: %s (in reply to %s)",
                       state->session->name, state->session->addr,
                       STR(reply->text), command);
    else
        strbuf_sprintf(reason, "%s with %s[%s] while %s", STR(reply->text),
                       state->session->name, state->session->addr, command);
    if (reply->code)
        strbuf_sprintf(diag, "%s; %s",
                       smtp_conf.proto == SMTP_PROTO_LMTP ? "lmtp" : "smtp",
                       STR(reply->text));
    if (status[0] != '4' || state->final) {
        smtp_outcome(state, i, status, STR(reason),
                     LEN(diag) ? STR(diag) : NULL);
    } else {
        strcpy(state->soft_status, status);
        strbuf_strcpy(state->soft_reason, STR(reason));
        strbuf_strcpy(state->soft_diag, STR(diag));
        strbuf_strcpy(state->soft_relay, state->session->label);
    }
    strbuf_free(reason);
    strbuf_free(diag);
}

/* smtp_all - smtp_result for every pending (or accepted) recipient */
static void
smtp_all(SMTP_STATE *state, const SMTP_REPLY *reply, const char *command,
         int accepted_only)
{
    size_t i;

    for (i = 0; i < state->req->rcpt_count; i++)
        if (state->pending[i] && (!accepted_only || state->accepted[i]))
            smtp_result(state, i, reply, command);
}

/* smtp_fail_all - every pending recipient fails with status and reason */
static void
smtp_fail_all(SMTP_STATE *state, const char *status, const char *reason)
{
    size_t i;

    for (i = 0; i < state->req->rcpt_count; i++)
        if (state->pending[i])
            smtp_outcome(state, i, status, reason, NULL);
}

/* smtp_mail_cmd - MAIL FROM with the parameters the server offers */
static void
smtp_mail_cmd(SMTP_STATE *state)
{
    DELIVER_REQUEST *req = state->req;
    int feat = state->session->features;

    strbuf_sprintf(state->buf, "MAIL FROM:<%s>", req->sender);
    if (feat & SMTP_FEAT_SIZE)
        strbuf_sprintf_cat(state->buf, " SIZE=%lld", req->data_size);
    if ((feat & SMTP_FEAT_8BITMIME) && strcmp(req->encoding, "8bitmime") == 0)
        strbuf_strcat(state->buf, " BODY=8BITMIME");
    if ((feat & SMTP_FEAT_SMTPUTF8) && req->smtputf8)
        strbuf_strcat(state->buf, " SMTPUTF8");
    if ((feat & SMTP_FEAT_DSN) && req->ret)
        strbuf_strcat(state->buf,
                      req->ret == DEL_RET_FULL ? " RET=FULL" : " RET=HDRS");
    if ((feat & SMTP_FEAT_DSN) && req->envid[0])
        strbuf_sprintf_cat(state->buf, " ENVID=%s", req->envid);
    strbuf_strcat(state->buf, "\r\n");
}

/* smtp_rcpt_cmd - RCPT TO with NOTIFY and ORCPT when the server has DSN */
static void
smtp_rcpt_cmd(SMTP_STATE *state, const RECIPIENT *rcpt)
{
    int notify = rcpt->dsn_notify;

    strbuf_sprintf(state->buf, "RCPT TO:<%s>", rcpt->address);
    if ((state->session->features & SMTP_FEAT_DSN) && notify) {
        if (notify & DSN_NOTIFY_NEVER)
            strbuf_strcat(state->buf, " NOTIFY=NEVER");
        else
            strbuf_sprintf_cat(state->buf, " NOTIFY=%s%s%s",
                               notify & DSN_NOTIFY_SUCCESS ? "SUCCESS," : "",
                               notify & DSN_NOTIFY_FAILURE ? "FAILURE," : "",
                               notify & DSN_NOTIFY_DELAY ? "DELAY," : "");
        if (STR(state->buf)[LEN(state->buf) - 1] == ',')
            strbuf_truncate(state->buf, LEN(state->buf) - 1);
    }
    if ((state->session->features & SMTP_FEAT_DSN) && rcpt->dsn_orcpt &&
        rcpt->dsn_orcpt[0])
        strbuf_sprintf_cat(state->buf, " ORCPT=%s", rcpt->dsn_orcpt);
    strbuf_strcat(state->buf, "\r\n");
}

/* smtp_send - write the command in buf; flush unless batching */
static int
smtp_send(SMTP_STATE *state, long timeout, int flush)
{
    STREAM *st = state->session->stream;

    stream_set_timeout(st, (int) timeout * 1000);
    if (stream_write(st, STR(state->buf), LEN(state->buf)) < 0)
        return -1;
    return flush ? stream_flush(st) : 0;
}

/*
 * smtp_mime_downgrade - 8-bit content for a server without 8BITMIME is
 * sent as quoted-printable (RFC 6152 section 3: BODY=8BITMIME only when
 * offered), unless disable_mime_output_conversion; otherwise as it is.
 */
static int
smtp_mime_downgrade(const SMTP_STATE *state)
{
    return smtp_conf.mime_conversion &&
           !(state->session->features & SMTP_FEAT_8BITMIME) &&
           strcmp(state->req->encoding, "8bitmime") == 0;
}

/* smtp_out_line - one content line, dot-stuffed, written in batches */
static int
smtp_out_line(void *context, const char *line, size_t len)
{
    SMTP_STATE *state = context;

    smtp_data_line(state->buf, line, len,
                   (size_t) smtp_conf.line_length_limit);
    if (LEN(state->buf) < SMTP_FLUSH_AT)
        return 0;
    if (stream_write(state->session->stream, STR(state->buf),
                     LEN(state->buf)) < 0)
        return -1;
    strbuf_reset(state->buf);
    return 0;
}

/* smtp_content_lines - the queue file's lines, through mime when set */
static int
smtp_content_lines(SMTP_STATE *state, MIME_QP *mime, STRBUF *why)
{
    STRBUF *line = strbuf_create(200);
    int rc = deliver_content_rewind(state->req, why);

    while (rc >= 0 && (rc = deliver_content_line(
                           state->req, line, SMTP_CONTENT_LINE_MAX, why)) > 0)
        if ((mime ? mime_qp_line(mime, STR(line), LEN(line))
                  : smtp_out_line(state, STR(line), LEN(line))) < 0)
            rc = -1;
    if (rc == 0 && mime != NULL && mime_qp_finish(mime) < 0)
        rc = -1;
    if (rc < 0 && mime != NULL && mime_qp_status(mime) != MIME_QP_OK &&
        mime_qp_status(mime) != MIME_QP_ERR_OUTPUT)
        strbuf_sprintf(why, "8BITMIME downgrade: %s", mime_qp_reason(mime));
    strbuf_free(line);
    return rc;
}

/*
 * smtp_content - the message after 354, dot-stuffed, then "."; 0, or -1
 * when the content or the connection failed (reason in reply->text).
 */
static int
smtp_content(SMTP_STATE *state)
{
    STREAM *st = state->session->stream;
    STRBUF *why = strbuf_create(50);
    MIME_QP_LIMITS lim;
    MIME_QP *mime = NULL;
    int rc;

    if (smtp_mime_downgrade(state)) {
        mime_qp_limits_init(&lim);
        mime = mime_qp_create(&lim, smtp_out_line, state);
    }
    stream_set_timeout(st, (int) smtp_conf.data_xfer_timeout * 1000);
    strbuf_reset(state->buf);
    rc = smtp_content_lines(state, mime, why);
    if (rc == 0) {
        strbuf_strcat(state->buf, ".\r\n");
        if (stream_write(st, STR(state->buf), LEN(state->buf)) < 0 ||
            stream_flush(st) < 0)
            rc = -1;
    }
    if (rc < 0)
        strbuf_sprintf(state->reply->text, "%s",
                       LEN(why) ? STR(why) : "lost connection");
    if (mime != NULL)
        mime_qp_free(mime);
    strbuf_free(why);
    return rc;
}

/* smtp_lost - the connection failed: everyone pending is soft; -1 */
static int
smtp_lost(SMTP_STATE *state, const char *command)
{
    if (state->reply->code != 421)
        state->reply->code = 0;
    if (LEN(state->reply->text) == 0)
        strbuf_strcpy(state->reply->text, "lost connection");
    smtp_all(state, state->reply, command, 0);
    return -1;
}

/* smtp_read - read a reply; -1 when there was none or it was a 421 */
static int
smtp_read(SMTP_STATE *state, long timeout)
{
    if (smtp_read_reply(state->session, state->reply, timeout) < 0)
        return -1;
    return state->reply->code == 421 ? -1 : 0;
}

/* smtp_rcpt_reply - handle one RCPT reply */
static void
smtp_rcpt_reply(SMTP_STATE *state, size_t i)
{
    if (state->reply->code / 100 == 2)
        state->accepted[i] = 1;
    else
        smtp_result(state, i, state->reply, "RCPT TO command");
}

/* smtp_data_end - the replies after "." (one, or one per recipient) */
static int
smtp_data_end(SMTP_STATE *state)
{
    size_t i;

    if (smtp_conf.proto == SMTP_PROTO_SMTP) {
        if (smtp_read(state, smtp_conf.data_done_timeout) < 0)
            return smtp_lost(state, "sending end of data -- message may be "
                                    "sent more than once");
        smtp_all(state, state->reply, "end of DATA command", 1);
        return 0;
    }
    for (i = 0; i < state->req->rcpt_count; i++) { /* RFC 2033 section 4.2 */
        if (!state->pending[i] || !state->accepted[i])
            continue;
        if (smtp_read(state, smtp_conf.data_done_timeout) < 0)
            return smtp_lost(state, "sending end of data");
        smtp_result(state, i, state->reply, "end of DATA command");
    }
    return 0;
}

/* smtp_accepted - how many recipients were accepted */
static size_t
smtp_accepted(const SMTP_STATE *state)
{
    size_t i, n = 0;

    for (i = 0; i < state->req->rcpt_count; i++)
        n += state->pending[i] && state->accepted[i];
    return n;
}

/* smtp_data - DATA's reply (already read), the content, the end replies */
static int
smtp_data(SMTP_STATE *state)
{
    if (state->reply->code != 354) {
        smtp_all(state, state->reply, "DATA command", 1);
        return 0;
    }
    if (smtp_accepted(state) == 0) { /* pipelined DATA and no recipient */
        strbuf_strcpy(state->buf, ".\r\n");
        if (smtp_send(state, smtp_conf.data_xfer_timeout, 1) < 0 ||
            smtp_read(state, smtp_conf.data_done_timeout) < 0)
            return -1;
        return 0;
    }
    if (smtp_content(state) < 0)
        return smtp_lost(state, "sending message body");
    return smtp_data_end(state);
}

/* smtp_pipelined - MAIL, RCPTs and DATA in one batch, replies in order */
static int
smtp_pipelined(SMTP_STATE *state, char *sent)
{
    size_t i, n = state->req->rcpt_count;
    int mail_ok;

    smtp_mail_cmd(state);
    if (smtp_send(state, smtp_conf.mail_timeout, 0) < 0)
        return smtp_lost(state, "sending MAIL FROM");
    for (i = 0; i < n; i++) {
        if ((sent[i] = state->pending[i]) == 0)
            continue;
        smtp_rcpt_cmd(state, state->req->rcpt + i);
        if (smtp_send(state, smtp_conf.rcpt_timeout, 0) < 0)
            return smtp_lost(state, "sending RCPT TO");
    }
    strbuf_strcpy(state->buf, "DATA\r\n");
    if (smtp_send(state, smtp_conf.data_init_timeout, 1) < 0 ||
        smtp_read(state, smtp_conf.mail_timeout) < 0)
        return smtp_lost(state, "receiving the MAIL FROM reply");
    if ((mail_ok = state->reply->code / 100 == 2) == 0)
        smtp_all(state, state->reply, "MAIL FROM command", 0);
    for (i = 0; i < n; i++) {
        if (!sent[i])
            continue;
        if (smtp_read(state, smtp_conf.rcpt_timeout) < 0)
            return smtp_lost(state, "receiving the RCPT TO reply");
        if (mail_ok && state->pending[i])
            smtp_rcpt_reply(state, i);
    }
    if (smtp_read(state, smtp_conf.data_init_timeout) < 0)
        return smtp_lost(state, "receiving the DATA reply");
    if (!mail_ok && state->reply->code != 354)
        return 0;
    return smtp_data(state);
}

/* smtp_stepwise - one command, one reply, for servers without PIPELINING */
static int
smtp_stepwise(SMTP_STATE *state)
{
    size_t i;

    smtp_mail_cmd(state);
    if (smtp_send(state, smtp_conf.mail_timeout, 1) < 0 ||
        smtp_read(state, smtp_conf.mail_timeout) < 0)
        return smtp_lost(state, "sending MAIL FROM");
    if (state->reply->code / 100 != 2) {
        smtp_all(state, state->reply, "MAIL FROM command", 0);
        return 0;
    }
    for (i = 0; i < state->req->rcpt_count; i++) {
        if (!state->pending[i])
            continue;
        smtp_rcpt_cmd(state, state->req->rcpt + i);
        if (smtp_send(state, smtp_conf.rcpt_timeout, 1) < 0 ||
            smtp_read(state, smtp_conf.rcpt_timeout) < 0)
            return smtp_lost(state, "sending RCPT TO");
        smtp_rcpt_reply(state, i);
    }
    if (smtp_accepted(state) == 0)
        return smtp_rset(state->session, state->reply);
    strbuf_strcpy(state->buf, "DATA\r\n");
    if (smtp_send(state, smtp_conf.data_init_timeout, 1) < 0 ||
        smtp_read(state, smtp_conf.data_init_timeout) < 0)
        return smtp_lost(state, "sending DATA");
    return smtp_data(state);
}

/*
 * smtp_transaction - one mail transaction over an open session; 0 when
 * the session can be used again, -1 when it must be closed.
 */
static int
smtp_transaction(SMTP_STATE *state)
{
    DELIVER_REQUEST *req = state->req;
    SMTP_SESSION *s = state->session;
    char *sent = mycalloc(req->rcpt_count, 1);
    int rc;

    memset(state->accepted, 0, req->rcpt_count);
    if (req->smtputf8 && !(s->features & SMTP_FEAT_SMTPUTF8)) {
        strbuf_sprintf(state->buf,
                       "SMTPUTF8 is required, but was not "
                       "offered by host %s[%s]",
                       s->name, s->addr);
        smtp_fail_all(state, "5.6.7", STR(state->buf));
        rc = 0;
    } else if (s->size_limit > 0 && req->data_size > s->size_limit) {
        strbuf_sprintf(state->buf,
                       "message size %lld exceeds size limit "
                       "%ld of server %s[%s]",
                       req->data_size, s->size_limit, s->name, s->addr);
        smtp_fail_all(state, "5.3.4", STR(state->buf));
        rc = 0;
    } else if (s->features & SMTP_FEAT_PIPELINING) {
        rc = smtp_pipelined(state, sent);
    } else {
        rc = smtp_stepwise(state);
    }
    myfree(sent);
    return rc;
}

/* smtp_greet_fail - a server refused us or failed before the greeting */
static void
smtp_greet_fail(SMTP_STATE *state, SMTP_SESSION *s)
{
    SMTP_REPLY *reply = state->reply;
    int code = reply->code;

    if (code == 0) {
        strbuf_sprintf(state->soft_reason,
                       "%s with %s[%s] while receiving "
                       "the initial server greeting",
                       STR(reply->text), s->name, s->addr);
        strbuf_reset(state->soft_diag);
    } else {
        strbuf_sprintf(state->soft_reason,
                       "host %s[%s] refused to talk to "
                       "me: %s",
                       s->name, s->addr, STR(reply->text));
        strbuf_sprintf(state->soft_diag, "smtp; %s", STR(reply->text));
    }
    strcpy(state->soft_status, code ? reply->dsn : "4.4.2");
    state->soft_status[0] = '4'; /* smtp_skip_5xx_greeting */
    strbuf_strcpy(state->soft_relay, s->label);
    if (code / 100 == 5 && !smtp_conf.skip_5xx_greeting) {
        state->session = s;
        smtp_fail_all(state, reply->dsn, STR(state->soft_reason));
        state->session = NULL;
    }
}

/*
 * smtp_sess_fail - STARTTLS or AUTH failed on a session (already
 * closed): the server's temporary failure; the next server is tried, and
 * at the end the recipients are deferred with the reason.
 */
static void
smtp_sess_fail(SMTP_STATE *state, const char *label, const SMTP_SESS_ERR *err)
{
    msg_info("%s: %s", state->req->queue_id, STR(err->reason));
    strcpy(state->soft_status, err->status);
    strbuf_strcpy(state->soft_reason, STR(err->reason));
    strbuf_strcpy(state->soft_diag, STR(err->diag));
    strbuf_strcpy(state->soft_relay, label);
    state->reached = 1;
}

/* smtp_login - SMTP AUTH when configured (smtp_sasl.c); 0 or -1 */
static int
smtp_login(SMTP_STATE *state, SMTP_SESSION *s)
{
    SMTP_SESS_ERR err = {"", strbuf_create(100), strbuf_create(100)};
    int rc = smtp_sasl_auth(s, state->req->nexthop, state->reply, &err);

    if (rc < 0) {
        smtp_sess_fail(state, s->label, &err);
        if (state->reply->code)
            smtp_quit(s);
        else
            smtp_session_free(s);
    }
    strbuf_free(err.reason);
    strbuf_free(err.diag);
    return rc;
}

/*
 * smtp_tls - STARTTLS under the destination's policy (smtp_tls.c);
 * SMTP_TLS_OK, or the session is gone: SMTP_TLS_PLAIN (try again
 * without TLS) or SMTP_TLS_FAIL (the failure is recorded).
 */
static int
smtp_tls(SMTP_STATE *state, SMTP_SESSION *s)
{
    SMTP_SESS_ERR err = {"", strbuf_create(100), strbuf_create(100)};
    char *label = mystrdup(s->label);
    int rc = smtp_starttls(s, state->tls, state->domain, state->reply, &err);

    if (rc == SMTP_TLS_FAIL)
        smtp_sess_fail(state, label, &err);
    myfree(label);
    strbuf_free(err.reason);
    strbuf_free(err.diag);
    return rc;
}

/* smtp_open - a cached session for the next hop, or a new one; NULL */
static SMTP_SESSION *
smtp_open(SMTP_STATE *state, const SMTP_SERVER *server, int unix_path,
          int plain)
{
    SMTP_SESSION *s;
    int rc;

    s = smtp_connect(server, unix_path, state->soft_reason);
    if (s == NULL) {
        strcpy(state->soft_status, "4.4.1");
        strbuf_reset(state->soft_diag);
        strbuf_strcpy(state->soft_relay, "none");
        return NULL;
    }
    deliver_conn_done(state->req);
    if (smtp_helo(s, state->reply) < 0) {
        smtp_greet_fail(state, s);
        if (state->reply->code)
            smtp_quit(s);
        else
            smtp_session_free(s);
        return NULL;
    }
    rc = plain || unix_path ? SMTP_TLS_OK : smtp_tls(state, s);
    if (rc == SMTP_TLS_PLAIN)
        return smtp_open(state, server, unix_path, 1);
    if (rc != SMTP_TLS_OK || smtp_login(state, s) < 0)
        return NULL;
    return s;
}

/* smtp_cached - the cached session for key, reset with RSET; or NULL */
static SMTP_SESSION *
smtp_cached(SMTP_STATE *state, const char *key)
{
    SMTP_SESSION *s = smtp_cache_find(key);

    if (s != NULL && smtp_rset(s, state->reply) < 0) {
        smtp_session_free(s);
        s = NULL;
    }
    if (s != NULL) {
        s->reuse_count++;
        deliver_conn_done(state->req);
    }
    return s;
}

/* smtp_pending - recipients still to do */
static size_t
smtp_pending(const SMTP_STATE *state)
{
    size_t i, n = 0;

    for (i = 0; i < state->req->rcpt_count; i++)
        n += state->pending[i] != 0;
    return n;
}

/* smtp_try - one server: a session, a transaction, back to the cache */
static void
smtp_try(SMTP_STATE *state, SMTP_SESSION *s, const char *key)
{
    state->session = s;
    state->reached = 1;
    if (smtp_transaction(state) == 0) {
        if (s->key == NULL)
            s->key = mystrdup(key);
        smtp_cache_store(s);
    } else {
        smtp_session_free(s);
    }
    state->session = NULL;
}

/* smtp_servers - try the servers in order until nobody is pending */
static void
smtp_servers(SMTP_STATE *state, const SMTP_SERVERS *sv, int unix_path)
{
    const char *key = STR(state->cache_key);
    SMTP_SESSION *s;
    size_t i, sessions = 0;
    long limit = smtp_conf.mx_session_limit;

    if ((s = smtp_cached(state, key)) != NULL) {
        state->final = sv->count <= 1 || limit == 1;
        sessions++;
        smtp_try(state, s, key);
    }
    for (i = 0; i < sv->count && smtp_pending(state) > 0; i++) {
        if (limit > 0 && sessions >= (size_t) limit)
            break;
        if ((s = smtp_open(state, sv->list + i, unix_path, 0)) == NULL)
            continue;
        sessions++;
        state->final =
            i + 1 == sv->count || (limit > 0 && sessions >= (size_t) limit);
        smtp_try(state, s, key);
    }
}

/* smtp_finish - defer what is left; a destination nobody answered is dead */
static void
smtp_finish(SMTP_STATE *state)
{
    DELIVER_REQUEST *req = state->req;
    DSN dsn = {state->soft_status,
               DSN_ACTION_DELAYED,
               STR(state->soft_reason),
               LEN(state->soft_diag) ? STR(state->soft_diag) : NULL,
               NULL,
               STR(state->soft_relay)};
    size_t i;

    for (i = 0; i < req->rcpt_count; i++)
        if (state->pending[i])
            deliver_defer(req, i, &dsn);
    if (!state->reached)
        deliver_set_dead(req, STR(state->soft_reason));
}

/* smtp_state_init - per-request state */
static void
smtp_state_init(SMTP_STATE *state, DELIVER_REQUEST *req)
{
    memset(state, 0, sizeof(*state));
    state->req = req;
    state->pending = mymalloc(req->rcpt_count);
    memset(state->pending, 1, req->rcpt_count);
    state->accepted = mycalloc(req->rcpt_count, 1);
    state->reply = smtp_reply_create();
    strcpy(state->soft_status, "4.4.1");
    state->soft_reason = strbuf_create(100);
    state->soft_diag = strbuf_create(100);
    state->soft_relay = strbuf_create(50);
    strbuf_strcpy(state->soft_relay, "none");
    state->buf = strbuf_create(SMTP_FLUSH_AT + 1024);
    state->tls = smtp_tls_policy_create();
    state->cache_key = strbuf_create(50);
}

/* smtp_state_free - release per-request state */
static void
smtp_state_free(SMTP_STATE *state)
{
    myfree(state->pending);
    myfree(state->accepted);
    smtp_reply_free(state->reply);
    strbuf_free(state->soft_reason);
    strbuf_free(state->soft_diag);
    strbuf_free(state->soft_relay);
    strbuf_free(state->buf);
    smtp_tls_policy_free(state->tls);
    strbuf_free(state->cache_key);
}

/*
 * smtp_policy - the request's TLS policy and its cache key: a cached
 * session is only handed to a request of the same next hop and TLS level
 * (a session that fell back to plaintext at "may" serves "may" only).
 */
static int
smtp_policy(SMTP_STATE *state, const SMTP_HOP *hop, STRBUF *why)
{
    const char *nexthop = state->req->nexthop;

    state->domain = STR(hop->host);
    if (smtp_tls_policy_find(smtp_conf.tls_policy, nexthop, state->tls,
                             why) < 0) {
        msg_warn("%s: TLS policy for %s: %s", state->req->queue_id, nexthop,
                 STR(why));
        strbuf_sprintf(why, "client TLS configuration problem");
        return -1;
    }
    strbuf_sprintf(state->cache_key, "%s:%s",
                   smtp_tls_level_name(state->tls->level), nexthop);
    return 0;
}

/* smtp_deliver - deliver one request; every recipient gets an outcome */
void
smtp_deliver(DELIVER_REQUEST *req)
{
    SMTP_STATE state;
    SMTP_HOP hop = {0, 0, strbuf_create(64), strbuf_create(8)};
    SMTP_SERVERS sv = {0};
    SMTP_RESOLVE_ERR err = {"", strbuf_create(100)};

    smtp_state_init(&state, req);
    if (smtp_nexthop_parse(req->nexthop, strlen(req->nexthop), smtp_conf.proto,
                           &hop, err.reason) < 0) {
        strbuf_sprintf_cat(err.reason, ": %s", req->nexthop);
        smtp_fail_all(&state, "4.3.5", STR(err.reason));
    } else if (smtp_policy(&state, &hop, err.reason) < 0) {
        smtp_fail_all(&state, "4.7.5", STR(err.reason));
    } else if (smtp_resolve(&hop, &sv, &err) < 0) {
        smtp_fail_all(&state, err.status, STR(err.reason));
        if (err.status[0] == '4')
            deliver_set_dead(req, STR(err.reason));
    } else {
        smtp_servers(&state, &sv, hop.kind == SMTP_HOP_UNIX);
        smtp_finish(&state);
    }
    smtp_servers_free(&sv);
    strbuf_free(hop.host);
    strbuf_free(hop.port);
    strbuf_free(err.reason);
    smtp_state_free(&state);
}

/*
 * smtpd_data - the message content of smtpd(8): DATA (RFC 5321 section
 * 4.1.1.4) and BDAT (RFC 3030), streamed to cleanup(8) as it arrives.
 *
 * smtpd_data_open() connects to cleanup at the first accepted RCPT,
 * logs "QUEUEID: client=..." and sends the sender and the envelope
 * attributes.  smtpd_data() and smtpd_bdat() write our Received: header
 * and then the content, as LF-terminated lines, and answer 250 only when
 * cleanup reports the queue file durable.  Smuggling (Postfix's
 * smtpd_forbid_bare_newline): with "normal" and "strict" only
 * CRLF "." CRLF ends DATA, so a bare LF or bare CR never ends a message
 * early; "strict" also hangs up on a bare LF.  Past message_size_limit
 * the content is read and dropped, and the reply is 552 5.3.4.  A lost
 * connection drops the cleanup connection, which removes the file.
 * Nothing here is fatal.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "mail_date.h"
#include "mail_proto.h"
#include "msg.h"
#include "mymalloc.h"
#include "smtpd.h"

/* data_attr - one envelope attribute, skipped when empty */
static void
data_attr(SMTPD_STATE *state, const char *name, const char *value)
{
    if (value && *value)
        cleanup_clnt_attr(state->cleanup, name, value);
}

/* smtpd_data_open - connect to cleanup and send the envelope so far */
int
smtpd_data_open(SMTPD_STATE *state)
{
    SMTPD_MAIL_ARGS *a = &state->mail_args;

    state->cleanup = cleanup_clnt_open(
        NULL, MAIL_CLASS_PUBLIC,
        CLEANUP_FLAG_FILTER | CLEANUP_FLAG_MAP |
            (state->hold ? CLEANUP_FLAG_HOLD : 0),
        (int) smtpd_params.timeout * 1000, state->buf);
    if (state->cleanup == NULL) {
        msg_warn("cleanup: %s", STR(state->buf));
        return -1;
    }
    state->queue_id = mystrdup(cleanup_clnt_queue_id(state->cleanup));
    /* Postfix's form: the SASL login, when there is one, on this line. */
    msg_info("%s: client=%s%s%s%s%s%s%s", state->queue_id, state->namaddr,
             state->sasl_method ? ", sasl_method=" : "",
             state->sasl_method ? state->sasl_method : "",
             state->sasl_username ? ", sasl_username=" : "",
             state->sasl_username ? state->sasl_username : "",
             state->sasl_sender ? ", sasl_sender=" : "",
             state->sasl_sender ? state->sasl_sender : "");
    cleanup_clnt_sender(state->cleanup, STR(state->sender));
    data_attr(state, MAIL_ATTR_RWR_CONTEXT, "remote");
    data_attr(state, MAIL_ATTR_CLIENT_NAME, state->name);
    data_attr(state, MAIL_ATTR_CLIENT_ADDR, state->addr);
    data_attr(state, MAIL_ATTR_CLIENT_PORT, state->port);
    data_attr(state, MAIL_ATTR_HELO_NAME, STR(state->helo));
    data_attr(state, MAIL_ATTR_PROTO_NAME, smtpd_proto_name(state));
    data_attr(state, MAIL_ATTR_SASL_METHOD, state->sasl_method);
    data_attr(state, MAIL_ATTR_SASL_USER, state->sasl_username);
    data_attr(state, MAIL_ATTR_SASL_SENDER, state->sasl_sender);
    data_attr(state, MAIL_ATTR_DSN_ENVID, STR(a->envid));
    data_attr(state, MAIL_ATTR_DSN_RET, a->ret);
    data_attr(state, MAIL_ATTR_ENCODING, a->body_8bit ? "8bitmime" : "7bit");
    data_attr(state, MAIL_ATTR_SMTPUTF8, a->smtputf8 ? "yes" : "");
    return 0;
}

/* data_received - our Received: header, in Postfix's form */
static void
data_received(SMTPD_STATE *state)
{
    STRBUF *hdr = strbuf_create(256), *date = strbuf_create(64);
    size_t i;

    mail_date(date, time(NULL));
    strbuf_sprintf(hdr, "Received: from %s (%s [%s])\n",
                   LEN(state->helo) ? STR(state->helo) : state->name,
                   state->name, state->addr);
    smtpd_tls_received(state, hdr);
    if (state->sasl_username && smtpd_sasl_header())
        strbuf_sprintf_cat(hdr, "\t(Authenticated sender: %s)\n",
                           state->sasl_username);
    strbuf_sprintf_cat(hdr, "\tby %s (%s) with %s id %s",
                       smtpd_params.myhostname, smtpd_params.mail_name,
                       smtpd_proto_name(state), state->queue_id);
    if (state->rcpt_count == 1)
        strbuf_sprintf_cat(hdr, "\n\tfor <%s>; %s\n", STR(state->first_rcpt),
                           STR(date));
    else
        strbuf_sprintf_cat(hdr, ";\n\t%s\n", STR(date));
    cleanup_clnt_write(state->cleanup, STR(hdr), LEN(hdr));
    /* PREPEND headers follow our Received: header, in order. */
    for (i = 0; state->prepend && i < state->prepend->argc; i++) {
        strbuf_sprintf(hdr, "%s\n", state->prepend->argv[i]);
        cleanup_clnt_write(state->cleanup, STR(hdr), LEN(hdr));
    }
    strbuf_free(hdr);
    strbuf_free(date);
}

/* data_write - count content bytes and pass them on while under the limit */
static void
data_write(SMTPD_STATE *state, const char *data, size_t len)
{
    state->msg_size += (long) len;
    if (smtpd_params.size_limit > 0 &&
        state->msg_size > smtpd_params.size_limit)
        state->msg_too_big = 1;
    if (!state->msg_too_big)
        cleanup_clnt_write(state->cleanup, data, len);
}

/* data_status_reply - cleanup's final word as an SMTP reply */
static void
data_status_reply(SMTPD_STATE *state, int ret, CLEANUP_RESULT *res)
{
    const char *dsn = LEN(res->dsn) ? STR(res->dsn) : "4.3.0";

    if (ret == MAIL_STAT_OK)
        smtpd_reply(state, "250 2.0.0 Ok: queued as %s", state->queue_id);
    else if (ret < 0 || (res->status & CLEANUP_STAT_BAD))
        smtpd_reply(state, "451 4.3.0 Error: internal error");
    else if (res->status & CLEANUP_STAT_SIZE)
        smtpd_reply(state, "552 5.3.4 Error: message file too big");
    else if (res->status & CLEANUP_STAT_HOPS)
        smtpd_reply(state, "554 5.4.0 Error: too many hops");
    else if (ret == MAIL_STAT_RETRY || dsn[0] == '4')
        smtpd_reply(state, "451 %s Error: %s", dsn[0] == '4' ? dsn : "4.3.0",
                    LEN(res->reason) ? STR(res->reason)
                                     : "queue file write error");
    else
        smtpd_reply(state, "%s %s %s",
                    (res->status & CLEANUP_STAT_CONT) ? "550" : "554",
                    dsn[0] == '5' ? dsn : "5.3.0",
                    LEN(res->reason) ? STR(res->reason) : "Error: rejected");
}

/* data_finish - end the message: size check, cleanup's reply, reset */
static void
data_finish(SMTPD_STATE *state)
{
    CLEANUP_RESULT res;
    int ret;

    if (state->msg_too_big) {
        /* RFC 1870 section 6.3 / RFC 3463: 552 5.3.4. */
        smtpd_reply(state, "552 5.3.4 Error: message file too big");
        smtpd_log_reject(state, "END-OF-MESSAGE", NULL);
    } else if (smtpd_check_eod(state, state->buf) < 0) {
        smtpd_reply(state, "%s", STR(state->buf));
        smtpd_log_reject(state, "END-OF-MESSAGE", NULL);
    } else {
        /*
         * Every decision so far, end-of-data restrictions included.
         * DISCARD: cleanup removes the file before it answers OK, so the
         * 250 below comes when nothing is left.
         */
        if (state->hold || state->discard || state->filter || state->redirect)
            cleanup_clnt_fate(state->cleanup, state->hold, state->discard,
                              state->filter, state->redirect);
        cleanup_result_init(&res);
        ret = cleanup_clnt_finish(state->cleanup, &res);
        data_status_reply(state, ret, &res);
        if (ret != MAIL_STAT_OK)
            smtpd_log_reject(state, "END-OF-MESSAGE", NULL);
        cleanup_result_free(&res);
    }
    smtpd_reset(state);
}

/* data_lost - the client went away or timed out in the middle */
static void
data_lost(SMTPD_STATE *state, STREAM_STATUS st, const char *cmd)
{
    msg_info("%s after %s (%ld bytes) from %s",
             st == STREAM_TIMEOUT ? "timeout" : "lost connection", cmd,
             state->msg_size, state->namaddr);
    if (st == STREAM_TIMEOUT)
        smtpd_reply(state, "421 4.4.2 %s Error: timeout exceeded",
                    smtpd_params.myhostname);
    smtpd_reset(state);
    state->quit = 1;
}

/* data_line - one piece of DATA; 1 at end of data, -1 to hang up */
static int
data_line(SMTPD_STATE *state, STREAM_STATUS st, int at_bol, int *prev_crlf)
{
    STRBUF *b = state->buf;
    int whole = st == STREAM_LINE_OK || st == STREAM_LINE_LAST;
    int cr = whole && LEN(b) > 0 && STR(b)[LEN(b) - 1] == '\r';
    size_t off = 0;

    if (cr)
        strbuf_truncate(b, LEN(b) - 1);
    /*
     * RFC 5321 section 4.1.1.4: the end is CRLF "." CRLF.  A bare LF ends
     * a line for the content, but never the message (smuggling), unless
     * smtpd_forbid_bare_newline = no asks for Postfix's old behaviour.
     */
    if (at_bol && st == STREAM_LINE_OK && LEN(b) == 1 && STR(b)[0] == '.' &&
        (smtpd_params.bare_lf == SMTPD_BARE_LF_NO || (cr && *prev_crlf)))
        return 1;
    if (whole && !cr && smtpd_params.bare_lf == SMTPD_BARE_LF_STRICT)
        return -1;
    /* RFC 5321 section 4.5.2: remove one leading dot. */
    if (at_bol && LEN(b) > 0 && STR(b)[0] == '.')
        off = 1;
    data_write(state, STR(b) + off, LEN(b) - off);
    if (whole) {
        data_write(state, "\n", 1);
        *prev_crlf = cr;
    }
    return 0;
}

/* smtpd_data - DATA: 354, then the content until CRLF.CRLF */
void
smtpd_data(SMTPD_STATE *state)
{
    STREAM_STATUS st;
    int at_bol = 1, prev_crlf = 1, ret;

    smtpd_reply(state, "354 End data with <CR><LF>.<CR><LF>");
    stream_flush(state->client);
    data_received(state);
    for (;;) {
        st = stream_get_line(state->client, state->buf,
                             (size_t) smtpd_params.line_limit);
        if (st < 0 || st == STREAM_LINE_PARTIAL) {
            data_lost(state, st, "DATA");
            return;
        }
        if ((ret = data_line(state, st, at_bol, &prev_crlf)) > 0)
            break;
        if (ret < 0) {
            msg_info("disconnect: bare <LF> received from %s", state->namaddr);
            smtpd_reply(state, "%ld 5.5.2 %s Error: bare <LF> received",
                        smtpd_params.bare_lf_code, smtpd_params.myhostname);
            smtpd_reset(state);
            state->quit = 1;
            return;
        }
        at_bol = st != STREAM_LINE_TOOLONG;
    }
    data_finish(state);
}

/* bdat_args - "n [LAST]": the size, and whether it is the last chunk */
static int
bdat_args(const char *args, size_t len, long *size, int *last)
{
    size_t i;
    long v = 0;

    for (i = 0; i < len && isdigit((unsigned char) args[i]); i++) {
        if (i >= 18)
            return -1;
        v = v * 10 + (args[i] - '0');
    }
    if (i == 0)
        return -1;
    while (i < len && args[i] == ' ')
        i++;
    *last = len - i == 4 && strncasecmp(args + i, "LAST", 4) == 0;
    if (!*last && i != len)
        return -1;
    *size = v;
    return 0;
}

/* bdat_convert - CRLF to LF across chunk boundaries, into cleanup */
static void
bdat_convert(SMTPD_STATE *state, const char *p, size_t n)
{
    size_t i, start = 0;

    for (i = 0; i < n; i++) {
        if (state->data_crlf) {
            state->data_crlf = 0;
            if (p[i] != '\n')
                data_write(state, "\r", 1);
        }
        if (p[i] == '\r') {
            data_write(state, p + start, i - start);
            state->data_crlf = 1;
            start = i + 1;
        }
    }
    data_write(state, p + start, n - start);
}

/* bdat_read - read a chunk of size bytes; write it when keep; -1: lost */
static int
bdat_read(SMTPD_STATE *state, long size, int keep)
{
    char buf[STREAM_BUFSIZE];
    size_t n;

    while (size > 0) {
        n = size > (long) sizeof(buf) ? sizeof(buf) : (size_t) size;
        if (stream_read_exact(state->client, buf, n) < 0) {
            data_lost(state,
                      stream_timedout(state->client) ? STREAM_TIMEOUT
                                                     : STREAM_EOF,
                      "BDAT");
            return -1;
        }
        if (keep)
            bdat_convert(state, buf, n);
        size -= (long) n;
    }
    return 0;
}

/* smtpd_bdat - BDAT n [LAST] (RFC 3030 section 2) */
void
smtpd_bdat(SMTPD_STATE *state, const char *args, size_t len)
{
    long size;
    int last,
        ok = state->in_mail && state->rcpt_count > 0 && !state->bdat_failed;

    if (bdat_args(args, len, &size, &last) < 0) {
        /* Without a size we cannot find the next command: hang up. */
        smtpd_reply(state, "501 5.5.4 Syntax: BDAT count [LAST]");
        state->quit = 1;
        return;
    }
    if (ok && !state->bdat_started) {
        state->bdat_started = 1;
        data_received(state);
    }
    /* RFC 3030 section 2: a refused chunk is still read, then refused. */
    if (bdat_read(state, size, ok) < 0)
        return;
    if (!ok) {
        if (state->in_mail)
            state->bdat_failed = 1;
        smtpd_reply(state, state->in_mail && state->rcpt_count > 0
                               ? "554 5.5.1 Error: BDAT transaction failed"
                           : state->in_mail
                               ? "503 5.5.1 Error: need RCPT command"
                               : "503 5.5.1 Error: need MAIL command");
        if (last)
            smtpd_reset(state);
        return;
    }
    if (!last) {
        smtpd_reply(state, "250 2.0.0 Ok: %ld bytes", size);
        return;
    }
    if (state->data_crlf)
        data_write(state, "\r", 1);
    data_finish(state);
}

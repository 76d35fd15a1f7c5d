/*
 * smtpd_proto - the SMTP command loop of smtpd(8) and one handler per
 * command (RFC 5321 section 4.1.1, with the ESMTP extensions of RFC
 * 1870, 2920, 3030, 3461, 6152 and 6531).
 *
 * smtpd_state_create() returns the per-connection state the caller owns;
 * smtpd_state_free() releases it and everything the session allocated
 * (an unfinished cleanup connection is dropped, so cleanup removes its
 * file).  smtpd_proto() reads commands until QUIT, a timeout, the hard
 * error limit, or the client goes away; every reply carries an enhanced
 * status code (RFC 3463 / RFC 2034).  Replies are flushed only when no
 * further command is already buffered (RFC 2920 section 3.1).  Errors
 * of the client are replies and log lines; nothing here is fatal.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "flush_clnt.h"
#include "mail_proto.h"
#include "msg.h"
#include "mymalloc.h"
#include "smtpd.h"

/* The parameters, set by smtpd_params_init() in smtpd.c. */
SMTPD_PARAMS smtpd_params;

static const char *const cmd_names[SMTPD_NCMDS] = {
    "helo", "ehlo", "starttls", "auth", "mail", "rcpt", "data", "bdat",
    "rset", "noop", "vrfy",     "etrn", "help", "quit", "unknown"};
static const char *const cmd_upper[SMTPD_NCMDS] = {
    "HELO", "EHLO", "STARTTLS", "AUTH", "MAIL", "RCPT", "DATA", "BDAT",
    "RSET", "NOOP", "VRFY",     "ETRN", "HELP", "QUIT", "UNKNOWN"};

/* smtpd_state_create - the state of one connection */
SMTPD_STATE *
smtpd_state_create(STREAM *client, const char *addr, const char *port,
                   const char *server_addr)
{
    SMTPD_STATE *state = mymalloc(sizeof(*state));

    memset(state, 0, sizeof(*state));
    state->client = client;
    state->addr = mystrdup(addr);
    state->port = mystrdup(port);
    state->server_addr = mystrdup(server_addr);
    /* No DNS here: loopback is "localhost", anything else "unknown". */
    state->name = mystrdup(
        strcmp(addr, "127.0.0.1") == 0 || strcmp(addr, "::1") == 0 ? "localhost"
                                                                   : "unknown");
    state->namaddr = mymalloc(strlen(state->name) + strlen(addr) + 3);
    sprintf(state->namaddr, "%s[%s]", state->name, addr);
    state->helo = strbuf_create(0);
    state->sender = strbuf_create(0);
    state->first_rcpt = strbuf_create(0);
    state->mail_args.envid = strbuf_create(0);
    state->mail_args.auth = strbuf_create(0);
    state->rcpt_args.orcpt = strbuf_create(0);
    state->line = strbuf_create(0);
    state->reply = strbuf_create(0);
    state->buf = strbuf_create(0);
    state->protocol = "SMTP";
    return state;
}

/* smtpd_reset - end the mail transaction (RSET, HELO, after DATA) */
void
smtpd_reset(SMTPD_STATE *state)
{
    if (state->cleanup)
        state->cleanup = cleanup_clnt_free(state->cleanup);
    if (state->queue_id)
        myfree(state->queue_id);
    state->queue_id = NULL;
    state->in_mail = 0;
    state->rcpt_count = 0;
    state->bdat_failed = state->bdat_started = 0;
    state->msg_size = 0;
    state->msg_too_big = 0;
    state->data_crlf = 0;
    strbuf_reset(state->sender);
    strbuf_reset(state->first_rcpt);
    if (state->sasl_sender)
        myfree(state->sasl_sender);
    state->sasl_sender = NULL;
    state->hold = state->discard = 0;
    if (state->filter)
        myfree(state->filter);
    if (state->redirect)
        myfree(state->redirect);
    state->filter = state->redirect = NULL;
    if (state->prepend)
        state->prepend = argv_free(state->prepend);
}

/* smtpd_state_free - release a connection's state; returns NULL */
SMTPD_STATE *
smtpd_state_free(SMTPD_STATE *state)
{
    smtpd_reset(state);
    myfree(state->addr);
    myfree(state->port);
    myfree(state->server_addr);
    myfree(state->name);
    myfree(state->namaddr);
    if (state->service)
        myfree(state->service);
    if (state->sasl_method)
        myfree(state->sasl_method);
    if (state->sasl_username)
        myfree(state->sasl_username);
    smtpd_sasl_free(state);
    strbuf_free(state->helo);
    strbuf_free(state->sender);
    strbuf_free(state->first_rcpt);
    strbuf_free(state->mail_args.envid);
    strbuf_free(state->mail_args.auth);
    strbuf_free(state->rcpt_args.orcpt);
    strbuf_free(state->line);
    strbuf_free(state->reply);
    strbuf_free(state->buf);
    myfree(state);
    return NULL;
}

/* smtpd_reply - send one reply line; 4xx and 5xx count as errors */
void
smtpd_reply(SMTPD_STATE *state, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    strbuf_reset(state->reply);
    strbuf_vsprintf_cat(state->reply, fmt, ap);
    va_end(ap);
    if (STR(state->reply)[0] == '4' || STR(state->reply)[0] == '5') {
        /* Slow down a client that keeps making mistakes. */
        if (++state->error_count > smtpd_params.soft_error_limit &&
            smtpd_params.error_sleep > 0)
            sleep((unsigned) smtpd_params.error_sleep);
    }
    stream_printf(state->client, "%s\r\n", STR(state->reply));
}

/* smtpd_printable - copy peer text for a log line or reply, bounded */
static const char *
smtpd_printable(STRBUF *out, const char *text, size_t max)
{
    strbuf_reset(out);
    for (; *text && LEN(out) < max; text++)
        strbuf_addch(out, isprint((unsigned char) *text) ? *text : '?');
    return STR(out);
}

/* smtpd_log_reject - Postfix's "reject:" line for a refused command */
void
smtpd_log_reject(SMTPD_STATE *state, const char *cmd, const char *rcpt)
{
    STRBUF *tmp = strbuf_create(0);

    msg_info("%s: reject: %s from %s: %s; from=<%s>%s%s%s proto=%s helo=<%s>",
             state->queue_id ? state->queue_id : "NOQUEUE", cmd, state->namaddr,
             STR(state->reply), STR(state->sender), rcpt ? " to=<" : "",
             rcpt ? smtpd_printable(tmp, rcpt, 256) : "", rcpt ? ">" : "",
             smtpd_proto_name(state), STR(state->helo));
    strbuf_free(tmp);
}

/*
 * smtpd_proto_name - the protocol for Received: "with" and the logs: SMTP
 * after HELO, ESMTP after EHLO, with S once TLS is on and A once the client
 * authenticated (RFC 3848 section 2: ESMTPS, ESMTPA, ESMTPSA).
 */
const char *
smtpd_proto_name(const SMTPD_STATE *state)
{
    static const char *const esmtp[] = {"ESMTP", "ESMTPS", "ESMTPA",
                                        "ESMTPSA"};

    if (strcmp(state->protocol, "ESMTP") != 0)
        return state->protocol;
    return esmtp[(state->tls_active ? 1 : 0)
                 + (state->sasl_username != NULL ? 2 : 0)];
}

/* smtpd_helo_common - HELO and EHLO: remember the name, end a transaction */
static int
smtpd_helo_common(SMTPD_STATE *state, const char *verb, const char *args,
                  size_t len)
{
    if (len == 0) {
        smtpd_reply(state, "501 5.5.4 Syntax: %s hostname", verb);
        return -1;
    }
    if (smtpd_check_helo(state, args, state->buf) < 0) {
        smtpd_reply(state, "%s", STR(state->buf));
        return -1;
    }
    smtpd_printable(state->helo, args, 255);
    smtpd_reset(state);
    return 0;
}

/* smtpd_helo - HELO: plain SMTP */
static int
smtpd_helo(SMTPD_STATE *state, const char *args, size_t len)
{
    if (smtpd_helo_common(state, "HELO", args, len) < 0)
        return -1;
    state->protocol = "SMTP";
    smtpd_reply(state, "250 %s", smtpd_params.myhostname);
    return 0;
}

/* smtpd_ehlo - EHLO: ESMTP and the list of extensions */
static int
smtpd_ehlo(SMTPD_STATE *state, const char *args, size_t len)
{
    STREAM *c = state->client;

    if (smtpd_helo_common(state, "EHLO", args, len) < 0)
        return -1;
    state->protocol = "ESMTP";
    stream_printf(c, "250-%s\r\n250-PIPELINING\r\n", smtpd_params.myhostname);
    if (smtpd_params.size_limit > 0)
        stream_printf(c, "250-SIZE %ld\r\n", smtpd_params.size_limit);
    else
        stream_puts(c, "250-SIZE\r\n");
    if (!smtpd_params.disable_vrfy)
        stream_puts(c, "250-VRFY\r\n");
    stream_puts(c, "250-ETRN\r\n");
    if (smtpd_tls_offer(state))
        stream_puts(c, "250-STARTTLS\r\n");
    smtpd_sasl_ehlo(state);
    stream_puts(c, "250-ENHANCEDSTATUSCODES\r\n250-8BITMIME\r\n"
                   "250-DSN\r\n250-SMTPUTF8\r\n250 CHUNKING\r\n");
    return 0;
}

/* smtpd_prefix - skip "FROM:" or "TO:", any case; NULL if missing */
static const char *
smtpd_prefix(const char *args, size_t len, const char *want)
{
    size_t n = strlen(want);

    return len >= n && strncasecmp(args, want, n) == 0 ? args + n : NULL;
}

/* smtpd_8bit - does the address hold non-ASCII octets? */
static int
smtpd_8bit(const char *addr)
{
    for (; *addr; addr++)
        if ((unsigned char) *addr >= 0x80)
            return 1;
    return 0;
}

/* smtpd_mail_ready - the checks MAIL makes before parsing */
static int
smtpd_mail_ready(SMTPD_STATE *state)
{
    if (smtpd_params.helo_required && LEN(state->helo) == 0) {
        smtpd_reply(state, "503 5.5.1 Error: send HELO/EHLO first");
        return -1;
    }
    if (state->in_mail) {
        smtpd_reply(state, "503 5.5.1 Error: nested MAIL command");
        return -1;
    }
    return 0;
}

/* smtpd_mail - MAIL FROM:<path> [parameters] */
static int
smtpd_mail(SMTPD_STATE *state, const char *args, size_t len)
{
    int flags = SMTPD_ADDR_NULL_OK;
    const char *p = smtpd_prefix(args, len, "FROM:");
    size_t used;

    if (smtpd_mail_ready(state) < 0)
        return -1;
    if (p == NULL) {
        smtpd_reply(state, "501 5.5.4 Syntax: MAIL FROM:<address>");
        return -1;
    }
    if (smtpd_params.strict_rfc821)
        flags |= SMTPD_ADDR_STRICT;
    len -= (size_t) (p - args);
    if (smtpd_addr_path(p, len, flags, state->sender, &used, state->buf) < 0) {
        smtpd_reply(state, "501 5.1.7 Bad sender address syntax");
        return -1;
    }
    if (smtpd_addr_mail_args(p + used, len - used, smtpd_params.size_limit,
                             &state->mail_args, state->buf) < 0 ||
        (smtpd_8bit(STR(state->sender)) && !state->mail_args.smtputf8 &&
         strbuf_strcpy(state->buf, "553 5.6.7 Must declare SMTPUTF8 to send "
                                   "unicode address") >= 0) ||
        smtpd_sasl_mail_opt(state, state->buf) < 0 ||
        smtpd_check_queue(state, state->buf) < 0 ||
        smtpd_check_mail(state, STR(state->sender), state->buf) < 0) {
        /* state->buf holds the reply */
        smtpd_reply(state, "%s", STR(state->buf));
        smtpd_log_reject(state, "MAIL", NULL);
        strbuf_reset(state->sender);
        return -1;
    }
    state->in_mail = 1;
    state->instance++;
    smtpd_reply(state, "250 2.1.0 Ok");
    return 0;
}

/* smtpd_rcpt_parse - parse RCPT TO's path and parameters into state->buf */
static int
smtpd_rcpt_parse(SMTPD_STATE *state, const char *args, size_t len, STRBUF *rcpt)
{
    const char *p = smtpd_prefix(args, len, "TO:");
    size_t used;
    int flags = smtpd_params.strict_rfc821 ? SMTPD_ADDR_STRICT : 0;

    if (p == NULL) {
        smtpd_reply(state, "501 5.5.4 Syntax: RCPT TO:<address>");
        return -1;
    }
    len -= (size_t) (p - args);
    if (smtpd_addr_path(p, len, flags, rcpt, &used, state->buf) < 0) {
        smtpd_reply(state, "501 5.1.3 Bad recipient address syntax");
        return -1;
    }
    if (smtpd_addr_rcpt_args(p + used, len - used, &state->rcpt_args,
                             state->buf) < 0) {
        smtpd_reply(state, "%s", STR(state->buf));
        return -1;
    }
    if (smtpd_8bit(STR(rcpt)) && !state->mail_args.smtputf8) {
        smtpd_reply(state, "553 5.6.7 Must declare SMTPUTF8 to send unicode "
                           "address");
        return -1;
    }
    return 0;
}

/* smtpd_rcpt_ready - the checks RCPT makes before parsing */
static int
smtpd_rcpt_ready(SMTPD_STATE *state)
{
    if (!state->in_mail) {
        smtpd_reply(state, "503 5.5.1 Error: need MAIL command");
        return -1;
    }
    if (state->rcpt_count >= smtpd_params.rcpt_limit) {
        smtpd_reply(state, "452 4.5.3 Error: too many recipients");
        return -1;
    }
    return 0;
}

/* smtpd_rcpt - RCPT TO:<path> [parameters] */
static int
smtpd_rcpt(SMTPD_STATE *state, const char *args, size_t len)
{
    STRBUF *rcpt;
    int ret = -1;

    if (smtpd_rcpt_ready(state) < 0)
        return -1;
    rcpt = strbuf_create(0);
    if (smtpd_rcpt_parse(state, args, len, rcpt) < 0) {
        /* replied */
    } else if (smtpd_check_rcpt(state, STR(rcpt), state->buf) < 0) {
        smtpd_reply(state, "%s", STR(state->buf));
        smtpd_log_reject(state, "RCPT", STR(rcpt));
    } else if (state->cleanup == NULL && smtpd_data_open(state) < 0) {
        smtpd_reply(state, "451 4.3.0 Error: queue file write error");
    } else {
        cleanup_clnt_rcpt(
            state->cleanup, STR(rcpt), STR(rcpt),
            LEN(state->rcpt_args.orcpt) ? STR(state->rcpt_args.orcpt) : NULL,
            state->rcpt_args.notify);
        if (state->rcpt_count++ == 0)
            strbuf_strcpy(state->first_rcpt, STR(rcpt));
        smtpd_reply(state, "250 2.1.5 Ok");
        ret = 0;
    }
    strbuf_free(rcpt);
    return ret;
}

/* smtpd_data_cmd - DATA: checks, then smtpd_data() does the work */
static int
smtpd_data_cmd(SMTPD_STATE *state, const char *args, size_t len)
{
    (void) args;
    if (len != 0) {
        smtpd_reply(state, "501 5.5.4 Syntax: DATA");
        return -1;
    }
    if (!state->in_mail) {
        smtpd_reply(state, "503 5.5.1 Error: need MAIL command");
        return -1;
    }
    if (state->rcpt_count == 0 || state->bdat_started) {
        smtpd_reply(state, state->bdat_started
                               ? "503 5.5.1 Error: BDAT in progress"
                               : "503 5.5.1 Error: need RCPT command");
        return -1;
    }
    if (smtpd_check_data(state, state->buf) < 0) {
        smtpd_reply(state, "%s", STR(state->buf));
        smtpd_log_reject(state, "DATA", NULL);
        return -1;
    }
    smtpd_data(state);
    return STR(state->reply)[0] == '2' ? 0 : -1;
}

/* smtpd_bdat_cmd - BDAT n [LAST] (RFC 3030) */
static int
smtpd_bdat_cmd(SMTPD_STATE *state, const char *args, size_t len)
{
    if (state->in_mail && state->rcpt_count > 0 && !state->bdat_started &&
        !state->bdat_failed && smtpd_check_data(state, state->buf) < 0) {
        /* The chunk's octets still follow: smtpd_bdat() drops them. */
        state->bdat_failed = 1;
        msg_info("BDAT refused by smtpd_data_restrictions");
    }
    smtpd_bdat(state, args, len);
    return STR(state->reply)[0] == '2' ? 0 : -1;
}

/* smtpd_rset - RSET */
static int
smtpd_rset(SMTPD_STATE *state, const char *args, size_t len)
{
    (void) args;
    (void) len;
    smtpd_reset(state);
    smtpd_reply(state, "250 2.0.0 Ok");
    return 0;
}

/* smtpd_noop - NOOP */
static int
smtpd_noop(SMTPD_STATE *state, const char *args, size_t len)
{
    (void) args;
    (void) len;
    smtpd_reply(state, "250 2.0.0 Ok");
    return 0;
}

/* smtpd_vrfy - VRFY: never says whether a user exists (RFC 5321 3.5.3) */
static int
smtpd_vrfy(SMTPD_STATE *state, const char *args, size_t len)
{
    size_t used;

    if (smtpd_params.disable_vrfy) {
        smtpd_reply(state, "502 5.5.1 VRFY command is disabled");
        return -1;
    }
    if (len == 0) {
        smtpd_reply(state, "501 5.5.4 Syntax: VRFY address");
        return -1;
    }
    if (smtpd_addr_path(args, len, 0, state->buf, &used, state->reply) < 0 ||
        used != len) {
        smtpd_reply(state, "501 5.1.3 Bad recipient address syntax");
        return -1;
    }
    smtpd_printable(state->line, STR(state->buf), 256);
    smtpd_reply(state, "252 2.0.0 %s", STR(state->line));
    return 0;
}

/* smtpd_etrn - ETRN (RFC 1985): the flush service delivers the site's mail */
static int
smtpd_etrn(SMTPD_STATE *state, const char *args, size_t len)
{
    int status;

    if (LEN(state->helo) == 0) {
        smtpd_reply(state, "503 5.5.1 Error: send HELO/EHLO first");
        return -1;
    } else if (state->in_mail) {
        smtpd_reply(state, "503 5.5.1 Error: MAIL transaction in progress");
        return -1;
    } else if (len == 0) {
        smtpd_reply(state, "500 5.5.2 Syntax: ETRN domain");
        return -1;
    }
    smtpd_printable(state->buf, args, 255);
    if (args[0] == '@') /* RFC 1985 section 3: @ asks for subdomains too */
        args++, len--;
    if (len == 0 || args[0] == '#' || memchr(args, ' ', len) != NULL) {
        /* Queue names (#) are not ours: section 5, 458. */
        smtpd_reply(state, "458 4.3.0 Unable to queue messages for node %s",
                    STR(state->buf));
        return -1;
    }
    strbuf_memcpy(state->line, args, len);
    status = flush_send_site(STR(state->line), state->line);
    if (status == MAIL_STAT_OK) {
        smtpd_reply(state, "250 2.0.0 Queuing started");
        return 0;
    }
    if (status == MAIL_STAT_DENY)
        smtpd_reply(state, "459 4.7.1 <%s>: service unavailable",
                    STR(state->buf));
    else
        smtpd_reply(state, "458 4.3.0 Unable to queue messages for node %s",
                    STR(state->buf));
    if (status < 0 || status == MAIL_STAT_RETRY)
        msg_warn("ETRN %s: %s", STR(state->buf), STR(state->line));
    return -1;
}

/* smtpd_help - HELP */
static int
smtpd_help(SMTPD_STATE *state, const char *args, size_t len)
{
    (void) args;
    (void) len;
    smtpd_reply(state, "214 2.0.0 Commands: HELO EHLO MAIL RCPT DATA BDAT "
                       "RSET NOOP VRFY ETRN HELP QUIT");
    return 0;
}

/* smtpd_quit - QUIT */
static int
smtpd_quit(SMTPD_STATE *state, const char *args, size_t len)
{
    (void) args;
    (void) len;
    smtpd_reply(state, "221 2.0.0 Bye");
    state->quit = 1;
    return 0;
}

/* The command table: name, counter, handler, may be pipelined. */
static const struct {
    const char *name;
    int id;
    int (*fn)(SMTPD_STATE *, const char *, size_t);
    int pipeline_ok; /* RFC 2920 section 3.1: may be followed at once */
} cmds[] = {
    {"HELO", SMTPD_CMD_HELO, smtpd_helo, 0},
    {"EHLO", SMTPD_CMD_EHLO, smtpd_ehlo, 0},
    {"STARTTLS", SMTPD_CMD_STARTTLS, smtpd_starttls, 0},
    {"AUTH", SMTPD_CMD_AUTH, smtpd_sasl_auth, 0},
    {"MAIL", SMTPD_CMD_MAIL, smtpd_mail, 1},
    {"RCPT", SMTPD_CMD_RCPT, smtpd_rcpt, 1},
    {"DATA", SMTPD_CMD_DATA, smtpd_data_cmd, 0},
    {"BDAT", SMTPD_CMD_BDAT, smtpd_bdat_cmd, 1},
    {"RSET", SMTPD_CMD_RSET, smtpd_rset, 1},
    {"NOOP", SMTPD_CMD_NOOP, smtpd_noop, 0},
    {"VRFY", SMTPD_CMD_VRFY, smtpd_vrfy, 0},
    {"ETRN", SMTPD_CMD_ETRN, smtpd_etrn, 0},
    {"HELP", SMTPD_CMD_HELP, smtpd_help, 0},
    {"QUIT", SMTPD_CMD_QUIT, smtpd_quit, 0},
};

/* smtpd_dispatch - run one command line; returns the command's id */
static int
smtpd_dispatch(SMTPD_STATE *state, const char *line, size_t len)
{
    size_t verb_len, off, i;

    if (smtpd_addr_verb(line, len, &verb_len, &off) == 0)
        for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
            if (strlen(cmds[i].name) == verb_len &&
                strncasecmp(cmds[i].name, line, verb_len) == 0) {
                state->total[cmds[i].id]++;
                if (state->access_denied && cmds[i].id != SMTPD_CMD_QUIT) {
                    state->error_count++;
                    smtpd_reply(state, "503 5.7.0 Error: access denied for %s",
                                state->namaddr);
                    return cmds[i].id;
                }
                if (smtpd_tls_gate(state, cmds[i].name) < 0)
                    return cmds[i].id;
                if (cmds[i].fn(state, line + off, len - off) == 0)
                    state->ok[cmds[i].id]++;
                if (!cmds[i].pipeline_ok && !state->quit &&
                    stream_buffered(state->client) > 0)
                    msg_info("improper command pipelining after %s from %s",
                             cmds[i].name, state->namaddr);
                return cmds[i].id;
            }
    state->total[SMTPD_CMD_UNKNOWN]++;
    smtpd_reply(state, "500 5.5.2 Error: command not recognized");
    return SMTPD_CMD_UNKNOWN;
}

/* smtpd_read_cmd - one command line into state->line; -1 to hang up */
static int
smtpd_read_cmd(SMTPD_STATE *state, const char *last)
{
    STREAM_STATUS st;

    /* RFC 2920 section 3.1: flush only when the client waits for us. */
    if (stream_buffered(state->client) == 0)
        stream_flush(state->client);
    /* A cleanup connection kept from an earlier message goes once it is
     * due, so that an idle client holds no cleanup process for long. */
    cleanup_clnt_expire(0);
    st = stream_get_line(state->client, state->line,
                         (size_t) smtpd_params.line_limit);
    if (st == STREAM_LINE_TOOLONG) {
        /* RFC 5321 section 4.5.3.1.4: the command line is bounded. */
        stream_skip_line(state->client);
        smtpd_reply(state, "500 5.5.2 Error: line too long");
        return 0;
    }
    if (st == STREAM_TIMEOUT) {
        msg_info("timeout after %s from %s", last, state->namaddr);
        smtpd_reply(state, "421 4.4.2 %s Error: timeout exceeded",
                    smtpd_params.myhostname);
        return -1;
    }
    if (st != STREAM_LINE_OK) {
        msg_info("lost connection after %s from %s", last, state->namaddr);
        return -1;
    }
    return 1;
}

/* smtpd_bare_lf - a command line that ended in LF alone; -1: hang up */
static int
smtpd_bare_lf(SMTPD_STATE *state)
{
    size_t len = LEN(state->line);

    if (len > 0 && STR(state->line)[len - 1] == '\r') {
        strbuf_truncate(state->line, len - 1);
        return 0;
    }
    if (smtpd_params.bare_lf != SMTPD_BARE_LF_STRICT)
        return 0;
    msg_info("disconnect: bare <LF> received from %s", state->namaddr);
    smtpd_reply(state, "%ld 5.5.2 %s Error: bare <LF> received",
                smtpd_params.bare_lf_code, smtpd_params.myhostname);
    return -1;
}

/* smtpd_proto - the command loop, until QUIT or the end */
void
smtpd_proto(SMTPD_STATE *state)
{
    const char *last = "CONNECT";
    int ret, id;

    while (!state->quit) {
        if (state->error_count >= smtpd_params.hard_error_limit) {
            msg_info("too many errors after %s from %s", last, state->namaddr);
            smtpd_reply(state, "421 4.7.0 %s Error: too many errors",
                        smtpd_params.myhostname);
            break;
        }
        if ((ret = smtpd_read_cmd(state, last)) < 0)
            break;
        if (ret == 0)
            continue;
        if (smtpd_bare_lf(state) < 0)
            break;
        id = smtpd_dispatch(state, STR(state->line), LEN(state->line));
        last = cmd_upper[id];
    }
    stream_flush(state->client);
}

/* smtpd_counts - the "ehlo=1 mail=1 ... commands=N" of the last line */
const char *
smtpd_counts(SMTPD_STATE *state, STRBUF *out)
{
    int i, ok = 0, total = 0;

    strbuf_reset(out);
    for (i = 0; i < SMTPD_NCMDS; i++) {
        if (state->total[i] == 0)
            continue;
        ok += state->ok[i];
        total += state->total[i];
        if (state->ok[i] == state->total[i])
            strbuf_sprintf_cat(out, " %s=%d", cmd_names[i], state->ok[i]);
        else
            strbuf_sprintf_cat(out, " %s=%d/%d", cmd_names[i], state->ok[i],
                               state->total[i]);
    }
    if (ok == total)
        strbuf_sprintf_cat(out, " commands=%d", ok);
    else
        strbuf_sprintf_cat(out, " commands=%d/%d", ok, total);
    return STR(out);
}

/*
 * sendmail_smtp - sendmail -bs: a small SMTP server (RFC 5321) on stdin
 * and stdout for local programs.
 *
 * sendmail_smtp() greets, then answers commands until QUIT, end of input,
 * a timeout or too many errors, and returns the exit status (0 after
 * QUIT).  Input lines may end in CRLF or a bare LF; replies end in CRLF
 * and carry enhanced status codes (RFC 3463, RFC 2034).  Each message goes
 * through its own postdrop run (sendmail_drop.c); "250 2.0.0" is sent only
 * after postdrop exited 0, so the message is then durable.  Every read
 * is bounded: command lines by SMTP_CMD_MAX, text lines by
 * line_length_limit pieces, the message by message_size_limit, the
 * recipients by smtpd_recipient_limit, the errors by SMTP_ERR_MAX.
 * Nothing here is fatal except configuration errors (mail_conf).
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "host_defaults.h"
#include "mail_conf.h"
#include "msg.h"
#include "mymalloc.h"
#include "qfile.h"
#include "rec_type.h"
#include "record.h"
#include "sendmail.h"
#include "xtext.h"
#include "stringops.h"

/* RFC 5321 4.5.3.1.4: a command line is at most 512 octets with CRLF. */
#define SMTP_CMD_MAX 512

/* Errors before we hang up, and the read deadline (RFC 5321 4.5.3.2.7). */
#define SMTP_ERR_MAX    20
#define SMTP_TIMEOUT_MS (300 * 1000)

typedef struct SMTP_STATE {
    STREAM *in;
    STREAM *out;
    SENDMAIL_ENV *env;  /* the transaction; sender NULL: no MAIL yet */
    STRBUF *buf;        /* scratch */
    char *hostname;     /* myhostname */
    SENDMAIL_COPY copy; /* limits of DATA */
    size_t rcpt_limit;  /* smtpd_recipient_limit */
    int errors;
    int verbose;
    int quit;
} SMTP_STATE;

/* smtp_reply - one reply line; flushed when no pipelined input waits */
static void __attribute__((format(printf, 2, 3)))
smtp_reply(SMTP_STATE *s, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    (void) stream_vprintf(s->out, fmt, ap);
    va_end(ap);
    (void) stream_puts(s->out, "\r\n");
    /* RFC 2920 3.1: replies may wait while the client's batch lasts. */
    if (stream_buffered(s->in) == 0)
        (void) stream_flush(s->out);
}

/* smtp_error - a reply to a failed command, counted */
static void __attribute__((format(printf, 2, 3)))
smtp_error(SMTP_STATE *s, const char *fmt, ...)
{
    va_list ap;

    s->errors++;
    va_start(ap, fmt);
    (void) stream_vprintf(s->out, fmt, ap);
    va_end(ap);
    (void) stream_puts(s->out, "\r\n");
    (void) stream_flush(s->out);
}

/* smtp_reset - forget the transaction */
static void
smtp_reset(SMTP_STATE *s)
{
    sendmail_env_reset(s->env);
}

/* smtp_path - "<addr>" (or a bare address) after FROM:/TO:; *rest moves */
static int
smtp_path(SMTP_STATE *s, const char **rest)
{
    const char *p = *rest;
    const char *end;

    while (*p == ' ')
        p++;
    if (*p == '<') {
        if ((end = strchr(p, '>')) == NULL)
            return -1;
        strbuf_memcpy(s->buf, p + 1, (size_t) (end - p - 1));
        end++;
    } else {
        end = p + strcspn(p, " ");
        if (end == p)
            return -1;
        strbuf_memcpy(s->buf, p, (size_t) (end - p));
    }
    if (strpbrk(STR(s->buf), "<> \t") != NULL)
        return -1;
    *rest = end;
    return 0;
}

/* smtp_param - next "KEY=VALUE" word; 1, 0 at the end, -1 bad */
static int
smtp_param(const char **rest, const char **key, size_t *klen, const char **val,
           size_t *vlen)
{
    const char *p = *rest;
    const char *end, *eq;

    while (*p == ' ')
        p++;
    if (*p == 0)
        return 0;
    end = p + strcspn(p, " ");
    if ((eq = memchr(p, '=', (size_t) (end - p))) == NULL || eq == p)
        return -1;
    *key = p;
    *klen = (size_t) (eq - p);
    *val = eq + 1;
    *vlen = (size_t) (end - eq - 1);
    *rest = end;
    return 1;
}

/* key_is - case-insensitive keyword match */
static int
key_is(const char *key, size_t len, const char *want)
{
    return len == strlen(want) && strncasecmp(key, want, len) == 0;
}

/* mail_param - one MAIL FROM parameter (RFC 1870, 6152, 3461); 0 or -1 */
static int
mail_param(SMTP_STATE *s, const char *key, size_t klen, const char *val,
           size_t vlen)
{
    long size;

    if (key_is(key, klen, "SIZE")) {
        if (str_to_long_len(val, vlen, 0, 0x7fffffffL, &size) < 0)
            return -1;
        /* RFC 1870 6: refuse a declared size over our limit up front. */
        if (s->copy.size_limit > 0 && size > s->copy.size_limit)
            return -2;
    } else if (key_is(key, klen, "BODY")) {
        if (vlen == 4 && strncasecmp(val, "7BIT", 4) == 0)
            sendmail_env_set(&s->env->encoding, "7bit");
        else if (vlen == 8 && strncasecmp(val, "8BITMIME", 8) == 0)
            sendmail_env_set(&s->env->encoding, "8bitmime");
        else
            return -1;
    } else if (key_is(key, klen, "RET")) {
        if (vlen == 4 && strncasecmp(val, "FULL", 4) == 0)
            sendmail_env_set(&s->env->ret, "full");
        else if (vlen == 4 && strncasecmp(val, "HDRS", 4) == 0)
            sendmail_env_set(&s->env->ret, "hdrs");
        else
            return -1;
    } else if (key_is(key, klen, "ENVID")) {
        if (xtext_decode(val, vlen, SM_ENVID_MAX, s->buf) < 0 ||
            !sendmail_envid_ok(STR(s->buf), LEN(s->buf)))
            return -1;
        sendmail_env_set(&s->env->envid, STR(s->buf));
    } else {
        return -1;
    }
    return 0;
}

/* mail_params - every MAIL parameter; 0, -1 bad, -2 too big */
static int
mail_params(SMTP_STATE *s, const char *args)
{
    const char *key, *val;
    size_t klen, vlen;
    int rc;

    while ((rc = smtp_param(&args, &key, &klen, &val, &vlen)) > 0)
        if ((rc = mail_param(s, key, klen, val, vlen)) < 0)
            break;
    return rc;
}

/* cmd_mail - MAIL FROM:<path> [params] */
static void
cmd_mail(SMTP_STATE *s, const char *args)
{
    int rc;

    if (s->env->sender != NULL) {
        smtp_error(s, "503 5.5.1 Error: nested MAIL command");
    } else if (strncasecmp(args, "FROM:", 5) != 0) {
        smtp_error(s, "501 5.5.4 Syntax: MAIL FROM:<address>");
    } else if (args += 5, smtp_path(s, &args) < 0) {
        smtp_error(s, "501 5.1.7 Bad sender address syntax");
    } else {
        sendmail_env_set(&s->env->sender, STR(s->buf));
        if ((rc = mail_params(s, args)) == 0) {
            smtp_reply(s, "250 2.1.0 Ok");
            return;
        }
        smtp_reset(s);
        if (rc == -2)
            smtp_error(s, "552 5.3.4 Message size exceeds fixed limit");
        else
            smtp_error(s, "555 5.5.4 Unsupported or bad MAIL parameter");
    }
}

/* rcpt_params - NOTIFY and ORCPT (RFC 3461 4.1, 4.2); 0 or -1 */
static int
rcpt_params(SMTP_STATE *s, const char *args, int *notify, STRBUF *orcpt)
{
    const char *key, *val, *semi;
    size_t klen, vlen;
    int rc;

    while ((rc = smtp_param(&args, &key, &klen, &val, &vlen)) > 0) {
        if (key_is(key, klen, "NOTIFY")) {
            if (sendmail_parse_notify(val, vlen, notify) < 0)
                return -1;
        } else if (key_is(key, klen, "ORCPT")) {
            /* addr-type ";" xtext, kept encoded as the record wants. */
            semi = memchr(val, ';', vlen);
            if (semi == NULL || semi == val ||
                xtext_decode(semi + 1, vlen - (semi + 1 - val), SM_ENVID_MAX,
                                      s->buf) < 0)
                return -1;
            strbuf_memcpy(orcpt, val, vlen);
        } else {
            return -1;
        }
    }
    return rc;
}

/* cmd_rcpt - RCPT TO:<path> [params] */
static void
cmd_rcpt(SMTP_STATE *s, const char *args)
{
    STRBUF *orcpt = strbuf_create(50);
    char *addr;
    int notify = 0;

    if (s->env->sender == NULL)
        smtp_error(s, "503 5.5.1 Error: need MAIL command");
    else if (strncasecmp(args, "TO:", 3) != 0)
        smtp_error(s, "501 5.5.4 Syntax: RCPT TO:<address>");
    else if (args += 3, smtp_path(s, &args) < 0 || LEN(s->buf) == 0)
        smtp_error(s, "501 5.1.3 Bad recipient address syntax");
    /* RFC 5321 4.5.3.1.8: at least 100 recipients MUST be accepted. */
    else if (s->env->rcpt_count >= s->rcpt_limit)
        smtp_error(s, "452 4.5.3 Error: too many recipients");
    else if (addr = mystrdup(STR(s->buf)),
             rcpt_params(s, args, &notify, orcpt) < 0) {
        smtp_error(s, "555 5.5.4 Unsupported or bad RCPT parameter");
        myfree(addr);
    } else {
        sendmail_env_add_rcpt(s->env, addr, notify,
                              LEN(orcpt) ? STR(orcpt) : NULL);
        myfree(addr);
        smtp_reply(s, "250 2.1.5 Ok");
    }
    strbuf_free(orcpt);
}

/* data_result - the reply after DATA content; 0, or -1: hang up */
static int
data_result(SMTP_STATE *s, SENDMAIL_DROP *drop, int rc)
{
    STREAM *out = sendmail_drop_stream(drop);
    int status;

    if (rc == SM_COPY_OK && (rec_put(out, REC_TYPE_XTRA, "", 0) < 0 ||
                             rec_put(out, REC_TYPE_END, "", 0) < 0))
        rc = SM_COPY_WRITE;
    status = sendmail_drop_close(drop, rc == SM_COPY_OK);
    if (rc == SM_COPY_EOF || rc == SM_COPY_READ)
        return -1;
    if (rc == SM_COPY_TOOBIG)
        smtp_error(s, "552 5.3.4 Error: message file too big");
    else if (rc != SM_COPY_OK || status != 0)
        smtp_error(s, "451 4.3.0 Error: queue file write error");
    else
        smtp_reply(s, "250 2.0.0 Ok: queued");
    return 0;
}

/* cmd_data - DATA: the message, through one postdrop run */
static void
cmd_data(SMTP_STATE *s, const char *args)
{
    STRBUF *why = strbuf_create(100);
    SENDMAIL_DROP *drop;
    STREAM *out;
    int put_ok;
    int rc;

    if (*args != 0)
        smtp_error(s, "501 5.5.4 Syntax: DATA");
    else if (s->env->sender == NULL)
        smtp_error(s, "503 5.5.1 Error: need MAIL command");
    else if (s->env->rcpt_count == 0)
        smtp_error(s, "503 5.5.1 Error: need RCPT command");
    else if ((drop = sendmail_drop_open(s->verbose, why)) == NULL) {
        msg_warn("mail system is down or misconfigured: %s", STR(why));
        smtp_error(s, "451 4.3.0 Error: mail system is down");
    } else {
        smtp_reply(s, "354 End data with <CR><LF>.<CR><LF>");
        (void) stream_flush(s->out);
        out = sendmail_drop_stream(drop);
        put_ok = sendmail_env_put(out, s->env) == 0;
        rc = sendmail_copy(s->in, put_ok ? out : NULL, &s->copy);
        if (!put_ok && rc == SM_COPY_OK)
            rc = SM_COPY_WRITE;
        if (data_result(s, drop, rc) < 0)
            s->quit = 1;
        smtp_reset(s);
    }
    strbuf_free(why);
}

/* cmd_helo - HELO and EHLO (RFC 5321 4.1.1.1): a new session state */
static void
cmd_helo(SMTP_STATE *s, const char *args, int ehlo)
{
    if (*args == 0) {
        smtp_error(s, "501 5.5.4 Syntax: %s hostname", ehlo ? "EHLO" : "HELO");
        return;
    }
    smtp_reset(s);
    if (!ehlo) {
        smtp_reply(s, "250 %s", s->hostname);
        return;
    }
    smtp_reply(s, "250-%s", s->hostname);
    smtp_reply(s, "250-PIPELINING");
    smtp_reply(s, "250-SIZE %lld", s->copy.size_limit);
    smtp_reply(s, "250-8BITMIME");
    smtp_reply(s, "250-DSN");
    smtp_reply(s, "250 ENHANCEDSTATUSCODES");
}

/* smtp_command - dispatch one command line */
static void
smtp_command(SMTP_STATE *s, const char *line)
{
    size_t n = strcspn(line, " ");
    const char *args = line + n + (line[n] == ' ');

    if (key_is(line, n, "EHLO") || key_is(line, n, "HELO"))
        cmd_helo(s, args, toupper((unsigned char) line[0]) == 'E');
    else if (key_is(line, n, "MAIL"))
        cmd_mail(s, args);
    else if (key_is(line, n, "RCPT"))
        cmd_rcpt(s, args);
    else if (key_is(line, n, "DATA"))
        cmd_data(s, args);
    else if (key_is(line, n, "RSET") || key_is(line, n, "NOOP")) {
        if (key_is(line, n, "RSET"))
            smtp_reset(s);
        smtp_reply(s, "250 2.0.0 Ok");
    } else if (key_is(line, n, "VRFY"))
        smtp_reply(s, "252 2.0.0 Send mail to find out");
    else if (key_is(line, n, "HELP"))
        smtp_reply(s, "214 2.0.0 Commands: HELO EHLO MAIL RCPT DATA RSET "
                      "NOOP VRFY HELP QUIT");
    else if (key_is(line, n, "QUIT")) {
        /* RFC 5321 4.1.1.10: the receiver MUST send "221 OK" and close. */
        smtp_reply(s, "221 2.0.0 Bye");
        s->quit = 1;
    } else
        smtp_error(s, "502 5.5.2 Error: command not recognized");
}

/* smtp_read - one command line; 1 ok, 0 too long (answered), -1 gone */
static int
smtp_read(SMTP_STATE *s, STRBUF *line)
{
    STREAM_STATUS st = stream_get_line(s->in, line, SMTP_CMD_MAX);

    if (st == STREAM_LINE_TOOLONG) {
        (void) stream_skip_line(s->in);
        smtp_error(s, "500 5.5.2 Error: line too long");
        return 0;
    }
    if (st == STREAM_TIMEOUT)
        smtp_error(s, "421 4.4.2 %s Error: timeout exceeded", s->hostname);
    if (st != STREAM_LINE_OK)
        return -1;
    if (LEN(line) > 0 && STR(line)[LEN(line) - 1] == '\r')
        strbuf_truncate(line, LEN(line) - 1);
    return 1;
}

/* smtp_init - the session's limits and names */
static void
smtp_init(SMTP_STATE *s, STREAM *in, STREAM *out, int verbose)
{
    long line = mail_conf_long("line_length_limit");
    long rcpt = mail_conf_long("smtpd_recipient_limit");

    memset(s, 0, sizeof(*s));
    s->in = in;
    s->out = out;
    s->verbose = verbose;
    s->env = sendmail_env_create();
    s->buf = strbuf_create(100);
    s->hostname = mail_conf_str("myhostname");
    if (*s->hostname == 0) {
        myfree(s->hostname);
        s->hostname = strbuf_export(host_myhostname(strbuf_create(100)));
    }
    s->copy.line_limit = line < 1                      ? 1
                         : line > QFILE_DEF_MAX_RECORD ? QFILE_DEF_MAX_RECORD
                                                       : (size_t) line;
    s->copy.size_limit = mail_conf_long("message_size_limit");
    s->copy.flags = SM_COPY_SMTP;
    s->rcpt_limit = rcpt < 100 ? 100 : (size_t) rcpt;
    stream_set_timeout(in, SMTP_TIMEOUT_MS);
    stream_set_timeout(out, SMTP_TIMEOUT_MS);
}

/* sendmail_smtp - serve one SMTP session on in/out; the exit status */
int
sendmail_smtp(STREAM *in, STREAM *out, int verbose)
{
    STRBUF *line = strbuf_create(SMTP_CMD_MAX + 1);
    SMTP_STATE s;
    int rc;

    smtp_init(&s, in, out, verbose);
    smtp_reply(&s, "220 %s ESMTP Postern", s.hostname);
    while (!s.quit && (rc = smtp_read(&s, line)) >= 0) {
        if (rc > 0)
            smtp_command(&s, STR(line));
        if (s.errors >= SMTP_ERR_MAX) {
            smtp_reply(&s, "421 4.7.0 %s Error: too many errors", s.hostname);
            break;
        }
    }
    (void) stream_flush(out);
    rc = s.quit ? 0 : 1;
    sendmail_env_free(s.env);
    strbuf_free(s.buf);
    strbuf_free(line);
    myfree(s.hostname);
    return rc;
}

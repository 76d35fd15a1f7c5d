/*
 * cleanup_message - the content of a message: the bytes of data frames
 * cut into lines, the header section and the body.
 *
 * cleanup_data() takes the bytes of one data frame: it counts them
 * against message_size_limit and cuts them at LF; a line that goes on
 * past CLEANUP_LINE_MAX bytes without LF is taken in pieces.  Headers are
 * assembled by header_parse; for each logical header, in order: the
 * Received: count (hopcount_limit), header_checks (CLEANUP_FLAG_FILTER),
 * removal of Return-Path (and of Bcc and Resent-Bcc with
 * CLEANUP_FLAG_EXTRACT), rewriting of address headers, and extraction of
 * To, Cc, Bcc (or Resent-To, -Cc, -Bcc) addresses.  At the end of the
 * headers, Message-Id, Date, From and undisclosed_recipients_header are
 * added when missing.  Body lines go through body_checks up to
 * body_checks_size_limit bytes.  Finished lines go to state->out.
 * cleanup_data_end() ends the content (a last line without LF is a
 * line); cleanup_finish_rcpts() turns extraction, REDIRECT and BCC into
 * envelope recipients.
 *
 * After the first error, content is only counted, never processed.
 * Nothing is fatal.
 */
#include <ctype.h>
#include <string.h>

#include "cleanup.h"
#include "header_opts.h"
#include "mail_date.h"
#include "msg.h"
#include "mymalloc.h"
#include "stringops.h"
#include "tok822.h"

/* A line without LF is taken in pieces of this size (no Postfix name). */
#define CLEANUP_LINE_MAX (1024 * 1024)

/* cleanup_emit - send text to the output, one line per "\n" */
static void
cleanup_emit(CLEANUP_STATE *state, const char *text, size_t len)
{
    const char *nl;

    while ((nl = memchr(text, '\n', len)) != NULL) {
        if (state->out(state, text, nl - text) < 0)
            cleanup_fail(state, CLEANUP_STAT_WRITE, "4.3.0",
                         "queue file write error");
        len -= nl - text + 1;
        text = nl + 1;
    }
    if (state->out(state, text, len) < 0)
        cleanup_fail(state, CLEANUP_STAT_WRITE, "4.3.0",
                     "queue file write error");
}

/* cleanup_reject_text - split "5.7.1 text" into dsn and reason */
static void
cleanup_reject(CLEANUP_STATE *state, int bit, const char *def_dsn,
               const char *def_text, const char *text)
{
    const char *t = text;
    size_t n = 0;

    if ((t[0] == '4' || t[0] == '5') && t[1] == '.') {
        for (n = 2; isdigit((unsigned char) t[n]) || t[n] == '.'; n++)
            /* x.y.z */;
        if (t[n] != ' ' && t[n] != 0)
            n = 0;
    }
    if (n > 0) {
        STRBUF *dsn = strbuf_create(10);

        strbuf_memcpy(dsn, t, n);
        t += n + (t[n] == ' ');
        cleanup_fail(state, bit, STR(dsn), "%s", *t ? t : def_text);
        strbuf_free(dsn);
    } else {
        cleanup_fail(state, bit, def_dsn, "%s", *t ? t : def_text);
    }
}

/* cleanup_set_str - replace a string held by the state */
static void
cleanup_set_str(char **slot, const char *value)
{
    if (*slot)
        myfree(*slot);
    *slot = mystrdup(value);
}

/* cleanup_act_name - the word a logged action starts with */
static const char *
cleanup_act_name(int action)
{
    switch (action) {
        case HEADER_ACT_DISCARD:
            return "discard";
        case HEADER_ACT_HOLD:
            return "hold";
        case HEADER_ACT_WARN:
            return "warning";
        case HEADER_ACT_INFO:
            return "info";
        case HEADER_ACT_REDIRECT:
            return "redirect";
        case HEADER_ACT_FILTER:
            return "filter";
        case HEADER_ACT_BCC:
            return "bcc";
        default:
            return "action";
    }
}

/* cleanup_act - carry out a rule's action; 1 when the line must go */
static int
cleanup_act(CLEANUP_STATE *state, int action, const char *where,
            const char *text, size_t len)
{
    const char *arg = STR(state->act->text);

    switch (action) {
        case HEADER_ACT_REJECT:
            cleanup_log_action(state, "reject", where, text, len, arg);
            cleanup_reject(state, CLEANUP_STAT_CONT, "5.7.1",
                           "message content rejected", arg);
            return 0;
        case HEADER_ACT_DEFER:
            cleanup_log_action(state, "defer", where, text, len,
                               "table lookup failed");
            cleanup_fail(state, CLEANUP_STAT_DEFER, "4.3.0",
                         "content check table lookup failed");
            return 0;
        case HEADER_ACT_DISCARD:
            state->discard = 1;
            break;
        case HEADER_ACT_HOLD:
            state->hold = 1;
            break;
        case HEADER_ACT_WARN:
        case HEADER_ACT_INFO:
            break;
        case HEADER_ACT_IGNORE:
            return 1;
        case HEADER_ACT_PREPEND:
            cleanup_emit(state, arg, LEN(state->act->text));
            break;
        case HEADER_ACT_REPLACE:
            cleanup_log_action(state, "replace", where, text, len, arg);
            cleanup_emit(state, arg, LEN(state->act->text));
            return 1;
        case HEADER_ACT_REDIRECT:
            cleanup_set_str(&state->redirect, arg);
            break;
        case HEADER_ACT_FILTER:
            cleanup_set_str(&state->filter, arg);
            break;
        case HEADER_ACT_BCC:
            argv_add(state->bcc, arg);
            break;
        default:
            return 0;
    }
    if (action != HEADER_ACT_PREPEND)
        cleanup_log_action(state, cleanup_act_name(action), where, text, len,
                           arg);
    return 0;
}

/* cleanup_header_checks - header_checks on one header; 1: drop it */
static int
cleanup_header_checks(CLEANUP_STATE *state, const HEADER_FIELD *f)
{
    int action;

    if (!(state->flags & CLEANUP_FLAG_FILTER) || state->header_checks == NULL)
        return 0;
    action =
        header_checks_header(state->header_checks, f->text, f->len, state->act);
    return cleanup_act(state, action, "header", f->text, f->len);
}

/* cleanup_header_addrs - rewrite an address header, extract its rcpts */
static void
cleanup_header_addrs(CLEANUP_STATE *state, const HEADER_FIELD *f)
{
    const HEADER_OPTS *o = f->opts;
    ARGV *addrs = NULL;
    STRBUF *out = strbuf_create(f->len + 10);
    size_t prefix = f->value - f->text;

    if ((state->flags & CLEANUP_FLAG_EXTRACT) && (o->flags & HDR_OPT_EXTRACT))
        addrs = (o->flags & HDR_OPT_RESENT) ? state->resent_extracted
                                            : state->extracted;
    strbuf_memcpy(out, f->text, prefix);
    strbuf_reset(state->buf);
    (void) cleanup_rewrite_header(state, o->flags, f->value, f->value_len,
                                  state->buf, addrs);
    strbuf_memcat(out, STR(state->buf), LEN(state->buf));
    /* sendmail -t: Bcc and Resent-Bcc go once their addresses are taken. */
    if (!((state->flags & CLEANUP_FLAG_EXTRACT) && (o->flags & HDR_OPT_DROP_T)))
        cleanup_emit(state, STR(out), LEN(out));
    strbuf_free(out);
}

/* cleanup_header - one logical header, from header_parse */
static void
cleanup_header(const HEADER_FIELD *f, void *context)
{
    CLEANUP_STATE *state = context;
    const HEADER_OPTS *o = f->opts;

    if (state->errs)
        return;
    if (o && o->type == HDR_RECEIVED &&
        ++state->received > (size_t) state->p->hopcount_limit) {
        msg_info("%s: reject: hopcount exceeded (%zu)", state->queue_id,
                 state->received);
        cleanup_fail(state, CLEANUP_STAT_HOPS, "5.4.0",
                     "too many hops (mail forwarding loop)");
        return;
    }
    if (cleanup_header_checks(state, f) || state->errs)
        return;
    if (o == NULL) {
        cleanup_emit(state, f->text, f->len);
        return;
    }
    state->hdr_seen |= 1u << o->type;
    if (o->flags & HDR_OPT_RESENT)
        state->resent = 1;
    if (o->type == HDR_MESSAGE_ID)
        strbuf_memcpy(state->message_id, f->value, f->value_len);
    if (o->flags & HDR_OPT_DROP)
        return;
    if (o->flags & HDR_OPT_ADDR)
        cleanup_header_addrs(state, f);
    else
        cleanup_emit(state, f->text, f->len);
}

/* cleanup_phrase - a display name as an RFC 5322 quoted-string */
static void
cleanup_phrase(STRBUF *out, const char *name)
{
    strbuf_addch(out, '"');
    for (; *name; name++) {
        if (*name == '\r' || *name == '\n')
            continue;
        if (*name == '"' || *name == '\\')
            strbuf_addch(out, '\\');
        strbuf_addch(out, *name);
    }
    strbuf_addch(out, '"');
}

/* cleanup_add_from - From: (or Resent-From:) from the envelope sender */
static void
cleanup_add_from(CLEANUP_STATE *state, const char *prefix)
{
    STRBUF *ext = strbuf_create(100);
    const char *sender = state->sender ? state->sender : "";

    strbuf_sprintf(state->buf, "%sFrom: ", prefix);
    if (*sender == 0) {
        strbuf_strcat(state->buf, "MAILER-DAEMON");
    } else {
        if (state->full_name && *state->full_name) {
            cleanup_phrase(state->buf, state->full_name);
            strbuf_addch(state->buf, ' ');
        }
        strbuf_sprintf_cat(state->buf, "<%s>",
                           STR(quote_822_local(ext, sender)));
    }
    cleanup_emit(state, STR(state->buf), LEN(state->buf));
    strbuf_free(ext);
}

#define SEEN(s, t) ((s)->hdr_seen & (1u << (t)))

/*
 * cleanup_add_resent - a message sent again (a Resent- block, RFC 5322
 * section 3.6.6) gets Resent-Message-Id, Resent-Date and Resent-From
 * when missing, as the originals are added to a message without them.
 */
static void
cleanup_add_resent(CLEANUP_STATE *state, STRBUF *tmp)
{
    STRBUF *id = strbuf_create(100);

    if (state->errs == 0 && !SEEN(state, HDR_RESENT_MESSAGE_ID)) {
        mail_date_message_id(id, state->arrival_sec, state->queue_id,
                             state->p->myhostname);
        strbuf_sprintf(tmp, "Resent-Message-Id: %s", STR(id));
        cleanup_emit(state, STR(tmp), LEN(tmp));
    }
    if (state->errs == 0 && !SEEN(state, HDR_RESENT_DATE)) {
        strbuf_sprintf(tmp, "Resent-Date: %s",
                       STR(mail_date(state->buf, state->arrival_sec)));
        cleanup_emit(state, STR(tmp), LEN(tmp));
    }
    if (state->errs == 0 && !SEEN(state, HDR_RESENT_FROM))
        cleanup_add_from(state, "Resent-");
    strbuf_free(id);
}

/* cleanup_header_done - add what is missing at the end of the headers */
static void
cleanup_header_done(CLEANUP_STATE *state)
{
    STRBUF *tmp = strbuf_create(100);

    if (state->errs == 0 && !SEEN(state, HDR_MESSAGE_ID)) {
        mail_date_message_id(state->message_id, state->arrival_sec,
                             state->queue_id, state->p->myhostname);
        strbuf_sprintf(tmp, "Message-Id: %s", STR(state->message_id));
        cleanup_emit(state, STR(tmp), LEN(tmp));
    }
    if (state->errs == 0 && !SEEN(state, HDR_DATE)) {
        strbuf_sprintf(tmp, "Date: %s",
                       STR(mail_date(state->buf, state->arrival_sec)));
        cleanup_emit(state, STR(tmp), LEN(tmp));
    }
    if (state->errs == 0 && !SEEN(state, HDR_FROM))
        cleanup_add_from(state, "");
    if (state->resent)
        cleanup_add_resent(state, tmp);
    if (state->errs == 0 && *state->p->undisclosed_hdr &&
        !SEEN(state, HDR_TO) && !SEEN(state, HDR_CC) && !SEEN(state, HDR_BCC))
        cleanup_emit(state, state->p->undisclosed_hdr,
                     strlen(state->p->undisclosed_hdr));
    if (LEN(state->message_id)) {
        printable(tmp, STR(state->message_id), LEN(state->message_id), 200,
                  '?');
        msg_info("%s: message-id=%s", state->queue_id, STR(tmp));
    }
    strbuf_free(tmp);
}

/* cleanup_body_line - body_checks, then out */
static void
cleanup_body_line(CLEANUP_STATE *state, const char *line, size_t len)
{
    int action;

    if ((state->flags & CLEANUP_FLAG_FILTER) && state->body_checks &&
        state->body_checked < state->p->body_checks_size_limit) {
        state->body_checked += len + 1;
        action = header_checks_body(state->body_checks, line, len, state->act);
        if (cleanup_act(state, action, "body", line, len) || state->errs)
            return;
    }
    cleanup_emit(state, line, len);
}

/* cleanup_parser - the header parser, made on first use */
static HEADER_PARSE *
cleanup_parser(CLEANUP_STATE *state)
{
    if (state->hp == NULL)
        state->hp = header_parse_create(&state->p->hlim, cleanup_header, state);
    return state->hp;
}

/* cleanup_line - one content line, without its LF */
static void
cleanup_line(CLEANUP_STATE *state, const char *line, size_t len)
{
    int ret;

    if (state->in_body) {
        cleanup_body_line(state, line, len);
        return;
    }
    ret = header_parse_line(cleanup_parser(state), line, len);
    if (ret == HEADER_PARSE_MORE)
        return;
    state->in_body = 1;
    cleanup_header_done(state);
    if (state->errs)
        return;
    if (ret == HEADER_PARSE_END)
        cleanup_emit(state, "", 0);
    else
        cleanup_body_line(state, line, len);
}

/* cleanup_data_lines - cut bytes into lines, until the first error */
static void
cleanup_data_lines(CLEANUP_STATE *state, const char *data, size_t len)
{
    const char *nl;
    size_t take;

    while (len > 0 && state->errs == 0) {
        nl = memchr(data, '\n', len);
        take = nl ? (size_t) (nl - data) : len;
        if (take > CLEANUP_LINE_MAX - LEN(state->partial))
            take = CLEANUP_LINE_MAX - LEN(state->partial), nl = NULL;
        if (nl && LEN(state->partial) == 0) {
            cleanup_line(state, data, take);
        } else {
            strbuf_memcat(state->partial, data, take);
            if (nl || LEN(state->partial) >= CLEANUP_LINE_MAX) {
                cleanup_line(state, STR(state->partial), LEN(state->partial));
                strbuf_reset(state->partial);
            }
        }
        take += nl ? 1 : 0;
        data += take;
        len -= take;
    }
}

/*
 * cleanup_data - the bytes of one data frame.  Over message_size_limit,
 * a message that will bounce (CLEANUP_FLAG_BOUNCE) keeps the lines that
 * fit, so that the report returns them; others stop at the frame.
 */
void
cleanup_data(CLEANUP_STATE *state, const char *data, size_t len)
{
    long long limit = state->p->message_size_limit;
    long long before = state->content_bytes;

    state->content_bytes += len;
    if (limit > 0 && state->content_bytes > limit) {
        if ((state->flags & CLEANUP_FLAG_BOUNCE) && before < limit)
            cleanup_data_lines(state, data, (size_t) (limit - before));
        cleanup_fail(state, CLEANUP_STAT_SIZE, "5.3.4", "message file too big");
        return;
    }
    cleanup_data_lines(state, data, len);
}

/* cleanup_data_end - the end of the content */
void
cleanup_data_end(CLEANUP_STATE *state)
{
    if (state->errs)
        return;
    if (LEN(state->partial)) {
        cleanup_line(state, STR(state->partial), LEN(state->partial));
        strbuf_reset(state->partial);
    }
    if (!state->in_body && state->errs == 0) {
        header_parse_end(cleanup_parser(state));
        state->in_body = 1;
        cleanup_header_done(state);
    }
}

/* cleanup_finish_rcpts - extracted, redirected and BCC recipients */
void
cleanup_finish_rcpts(CLEANUP_STATE *state)
{
    ARGV *from = state->resent ? state->resent_extracted : state->extracted;
    CLEANUP_RCPTS *old;
    size_t i;

    for (i = 0; (state->flags & CLEANUP_FLAG_EXTRACT) && i < from->argc &&
                state->errs == 0;
         i++)
        (void) cleanup_recipient(state, from->argv[i], NULL, NULL, 0);
    if (state->redirect && state->errs == 0) {
        old = state->rcpts;
        state->rcpts = cleanup_rcpts_create(old->max);
        for (i = 0; i < old->count && state->errs == 0; i++)
            (void) cleanup_recipient(state, state->redirect, old->list[i].orig,
                                     old->list[i].dsn_orcpt,
                                     old->list[i].notify);
        cleanup_rcpts_free(old);
    }
    for (i = 0; i < state->bcc->argc && state->errs == 0; i++)
        (void) cleanup_recipient(state, state->bcc->argv[i], NULL, NULL, 0);
    if (state->errs == 0 && state->rcpts->count == 0)
        cleanup_fail(state, CLEANUP_STAT_RCPT, "5.1.3",
                     "no recipients specified");
}

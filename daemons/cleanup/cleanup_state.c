/*
 * cleanup_state - one message's state in cleanup(8): creation and
 * release, the recipient list with duplicate removal, the first error and
 * the final status, and the log line of a header or body rule.
 *
 * cleanup_state_create() returns a state the caller owns and frees with
 * cleanup_state_free() (NULL).  cleanup_rcpts_add() adds a recipient
 * unless one with the same address and original recipient is there
 * (CLEANUP_RCPT_DUP), or the list holds max (CLEANUP_RCPT_FULL).
 * cleanup_fail() records an error bit; the reason and dsn of the first
 * error are kept.  cleanup_reply_status() maps error bits to MAIL_STAT_*.
 * Nothing is fatal.
 */
#include <stdarg.h>
#include <string.h>

#include "cleanup.h"
#include "msg.h"
#include "mymalloc.h"
#include "qfile.h"
#include "stringops.h"

/* cleanup_params_init - Postfix's defaults, for tests */
void
cleanup_params_init(CLEANUP_PARAMS *p)
{
    p->message_size_limit = 10240000;
    p->line_length_limit = 2048;
    p->body_checks_size_limit = 51200;
    p->hopcount_limit = 50;
    p->header_address_token_limit = 10240;
    header_parse_limits_init(&p->hlim);
    p->myhostname = "localhost";
    p->undisclosed_hdr = "";
    p->delay_warning_time = 0;
}

/* cleanup_rcpts_create - an empty recipient list of at most max */
CLEANUP_RCPTS *
cleanup_rcpts_create(size_t max)
{
    CLEANUP_RCPTS *r = mymalloc(sizeof(*r));

    r->size = 16;
    r->list = mymalloc(r->size * sizeof(*r->list));
    r->count = 0;
    r->max = max;
    r->seen = htable_create(64);
    r->key = strbuf_create(100);
    return r;
}

/* cleanup_rcpts_free - release the list; NULL */
CLEANUP_RCPTS *
cleanup_rcpts_free(CLEANUP_RCPTS *r)
{
    size_t i;

    if (r == NULL)
        return NULL;
    for (i = 0; i < r->count; i++) {
        myfree(r->list[i].addr);
        if (r->list[i].orig)
            myfree(r->list[i].orig);
        if (r->list[i].dsn_orcpt)
            myfree(r->list[i].dsn_orcpt);
    }
    myfree(r->list);
    htable_free(r->seen, NULL);
    strbuf_free(r->key);
    myfree(r);
    return NULL;
}

/* cleanup_rcpts_add - add one recipient unless it is a duplicate */
int
cleanup_rcpts_add(CLEANUP_RCPTS *r, const char *addr, const char *orig,
                  const char *dsn_orcpt, int notify)
{
    CLEANUP_RCPT *rc;

    /* LF never occurs in an address we accept, so the key is unique. */
    strbuf_sprintf(r->key, "%s\n%s", orig ? orig : "", addr);
    if (htable_find(r->seen, STR(r->key)) != NULL)
        return CLEANUP_RCPT_DUP;
    if (r->count >= r->max)
        return CLEANUP_RCPT_FULL;
    if (r->count == r->size) {
        r->size *= 2;
        r->list = myrealloc(r->list, r->size * sizeof(*r->list));
    }
    rc = r->list + r->count++;
    rc->addr = mystrdup(addr);
    rc->orig = orig ? mystrdup(orig) : NULL;
    rc->dsn_orcpt = dsn_orcpt ? mystrdup(dsn_orcpt) : NULL;
    rc->notify = notify;
    rc->offset = 0;
    (void) htable_enter(r->seen, STR(r->key), rc->addr);
    return CLEANUP_RCPT_ADDED;
}

/* cleanup_state_create - the state of a new message */
CLEANUP_STATE *
cleanup_state_create(const CLEANUP_PARAMS *p, const char *queue_id, int flags)
{
    CLEANUP_STATE *s = mymalloc(sizeof(*s));

    memset(s, 0, sizeof(*s));
    s->p = p;
    s->queue_id = mystrdup(queue_id);
    s->flags = flags;
    s->hold = (flags & CLEANUP_FLAG_HOLD) != 0;
    s->dsn = strbuf_create(10);
    s->reason = strbuf_create(100);
    s->rule = "local";
    s->attr_names = argv_alloc(10);
    s->attr_values = argv_alloc(10);
    s->rcpts = cleanup_rcpts_create(QFILE_DEF_MAX_RCPT);
    s->extracted = argv_alloc(10);
    s->resent_extracted = argv_alloc(10);
    s->bcc = argv_alloc(2);
    s->partial = strbuf_create(100);
    s->hp = NULL;
    s->message_id = strbuf_create(100);
    s->act = header_checks_action_create();
    s->buf = strbuf_create(100);
    s->buf2 = strbuf_create(100);
    s->why = strbuf_create(100);
    s->expansion = argv_alloc(10);
    return s;
}

/* cleanup_state_free - release a message's state; NULL */
CLEANUP_STATE *
cleanup_state_free(CLEANUP_STATE *s)
{
    if (s == NULL)
        return NULL;
    myfree(s->queue_id);
    if (s->sender)
        myfree(s->sender);
    if (s->full_name)
        myfree(s->full_name);
    if (s->redirect)
        myfree(s->redirect);
    if (s->filter)
        myfree(s->filter);
    strbuf_free(s->dsn);
    strbuf_free(s->reason);
    argv_free(s->attr_names);
    argv_free(s->attr_values);
    cleanup_rcpts_free(s->rcpts);
    argv_free(s->extracted);
    argv_free(s->resent_extracted);
    argv_free(s->bcc);
    strbuf_free(s->partial);
    header_parse_free(s->hp);
    strbuf_free(s->message_id);
    header_checks_action_free(s->act);
    strbuf_free(s->buf);
    strbuf_free(s->buf2);
    strbuf_free(s->why);
    argv_free(s->expansion);
    myfree(s);
    return NULL;
}

/* cleanup_fail - record an error; the first one's reason is kept */
void
cleanup_fail(CLEANUP_STATE *state, int bit, const char *dsn, const char *fmt,
             ...)
{
    va_list ap;

    if (state->errs == 0) {
        strbuf_strcpy(state->dsn, dsn);
        strbuf_reset(state->reason);
        va_start(ap, fmt);
        strbuf_vsprintf_cat(state->reason, fmt, ap);
        va_end(ap);
    }
    state->errs |= bit;
}

/* cleanup_reply_status - MAIL_STAT_* of a set of CLEANUP_STAT_* bits */
int
cleanup_reply_status(int errs)
{
    if (errs == 0)
        return MAIL_STAT_OK;
    if (errs & CLEANUP_STAT_BAD)
        return MAIL_STAT_BAD;
    if (errs & (CLEANUP_STAT_WRITE | CLEANUP_STAT_DEFER))
        return MAIL_STAT_RETRY;
    return MAIL_STAT_DENY;
}

/* cleanup_log_action - "ID: action: where TEXT; from=<> to=<>: why" */
void
cleanup_log_action(CLEANUP_STATE *state, const char *action, const char *where,
                   const char *text, size_t len, const char *why)
{
    const char *to = state->rcpts->count ? state->rcpts->list[0].addr : "";

    printable(state->buf2, text, len, 200, '?');
    msg_info("%s: %s: %s %s; from=<%s> to=<%s>%s%s", state->queue_id, action,
             where, STR(state->buf2), state->sender ? state->sender : "", to,
             why && *why ? ": " : "", why ? why : "");
}

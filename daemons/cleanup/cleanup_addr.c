/*
 * cleanup_addr - the addresses of a message: the envelope sender, each
 * envelope recipient, and the addresses in address headers.
 *
 * Every address goes through trivial-rewrite (state->rewrite, the rule
 * of the rewrite_context attribute) and, with CLEANUP_FLAG_MAP, through
 * canonical mapping and masquerading (cleanup_map) for its class;
 * recipients are then expanded by virtual_alias_maps, each result a
 * recipient whose original recipient is the one the client gave.
 * Duplicates (same address, same original) are dropped.
 *
 * cleanup_sender() and cleanup_recipient() return 0, or -1 after
 * recording the failure (CLEANUP_STAT_DEFER when rewriting or a table
 * failed, CLEANUP_STAT_BAD when there are too many recipients).
 * cleanup_rewrite_header() rewrites the address list of one header value
 * into out and appends the rewritten internal addresses to addrs (NULL:
 * not wanted); it returns -1, out holding the value unchanged, when the
 * list is over header_address_token_limit or header_size_limit.
 */
#include <string.h>

#include "cleanup.h"
#include "msg.h"
#include "mymalloc.h"
#include "tok822.h"

/* cleanup_map_addr - rewrite, then canonical and masquerade for class */
static int
cleanup_map_addr(CLEANUP_STATE *state, int class, const char *addr, STRBUF *out)
{
    int ret;

    if (*addr == 0) {
        strbuf_reset(out);
        return 0;
    }
    ret = state->rewrite(state->rule, addr, out);
    if (ret != MAIL_STAT_OK) {
        cleanup_fail(state, CLEANUP_STAT_DEFER, "4.3.0",
                     "address rewriting failed");
        return -1;
    }
    if (!(state->flags & CLEANUP_FLAG_MAP) || state->map == NULL)
        return 0;
    strbuf_strcpy(state->buf2, STR(out));
    if (cleanup_map_canon(state->map, class, STR(state->buf2), out,
                          state->why) != CLEANUP_MAP_OK ||
        (strbuf_strcpy(state->buf2, STR(out)),
         cleanup_map_masq(state->map, class, STR(state->buf2), out,
                          state->why)) != CLEANUP_MAP_OK) {
        cleanup_fail(state, CLEANUP_STAT_DEFER, "4.3.0", "%s", STR(state->why));
        return -1;
    }
    return 0;
}

/* cleanup_sender - the envelope sender, rewritten */
int
cleanup_sender(CLEANUP_STATE *state, const char *addr)
{
    STRBUF *out = strbuf_create(100);
    int ret = cleanup_map_addr(state, CLEANUP_MAP_ENV_SENDER, addr, out);

    if (state->sender)
        myfree(state->sender);
    state->sender = mystrdup(ret == 0 ? STR(out) : addr);
    strbuf_free(out);
    return ret;
}

/* cleanup_add_one - add one final recipient; -1 when the list is full */
static int
cleanup_add_one(CLEANUP_STATE *state, const char *addr, const char *orig,
                const char *dsn_orcpt, int notify)
{
    if (cleanup_rcpts_add(state->rcpts, addr, orig, dsn_orcpt, notify) ==
        CLEANUP_RCPT_FULL) {
        cleanup_fail(state, CLEANUP_STAT_BAD, "5.5.3", "too many recipients");
        return -1;
    }
    return 0;
}

/* cleanup_recipient - one envelope recipient: rewritten, mapped, expanded */
int
cleanup_recipient(CLEANUP_STATE *state, const char *addr, const char *orig,
                  const char *dsn_orcpt, int notify)
{
    STRBUF *out = strbuf_create(100);
    size_t i;
    int ret;

    if (orig == NULL)
        orig = addr;
    ret = cleanup_map_addr(state, CLEANUP_MAP_ENV_RCPT, addr, out);
    if (ret == 0 && (state->flags & CLEANUP_FLAG_MAP) && state->map &&
        *STR(out) != 0) {
        if (cleanup_map_virtual(state->map, STR(out), state->expansion,
                                state->why) != CLEANUP_MAP_OK) {
            cleanup_fail(state, CLEANUP_STAT_DEFER, "4.6.0", "%s",
                         STR(state->why));
            ret = -1;
        }
        for (i = 0; ret == 0 && i < state->expansion->argc; i++)
            ret = cleanup_add_one(state, state->expansion->argv[i], orig,
                                  dsn_orcpt, notify);
    } else if (ret == 0) {
        ret = cleanup_add_one(state, STR(out), orig, dsn_orcpt, notify);
    }
    strbuf_free(out);
    return ret;
}

/* cleanup_splice - out = value with each address replaced, last first */
static void
cleanup_splice(CLEANUP_STATE *state, int class, const char *value, size_t len,
               const TOK822_LIST *list, STRBUF *out, ARGV *addrs)
{
    STRBUF *mapped = strbuf_create(100);
    STRBUF *ext = strbuf_create(100);
    size_t pos = 0;
    size_t i;

    strbuf_reset(out);
    for (i = 0; i < list->count; i++) {
        const TOK822_ADDR *a = list->addrs + i;

        if (a->len == 0 || *a->addr == 0 ||
            cleanup_map_addr(state, class, a->addr, mapped) < 0)
            strbuf_strcpy(mapped, a->addr);
        if (addrs && *STR(mapped))
            argv_add(addrs, STR(mapped));
        if (a->len == 0)
            continue;
        strbuf_memcat(out, value + pos, a->off - pos);
        strbuf_strcat(out, STR(quote_822_local(ext, STR(mapped))));
        pos = a->off + a->len;
    }
    strbuf_memcat(out, value + pos, len - pos);
    strbuf_free(mapped);
    strbuf_free(ext);
}

/* cleanup_rewrite_header - rewrite the addresses of one header value */
int
cleanup_rewrite_header(CLEANUP_STATE *state, int opt, const char *value,
                       size_t len, STRBUF *out, ARGV *addrs)
{
    TOK822_LIMITS lim;
    TOK822_LIST *list = tok822_list_create();
    int class =
        (opt & HDR_OPT_SENDER) ? CLEANUP_MAP_HDR_SENDER : CLEANUP_MAP_HDR_RCPT;
    int ret = 0;

    tok822_limits_init(&lim);
    lim.max_input = state->p->hlim.header_size + 1;
    lim.max_addrs = state->p->header_address_token_limit;
    if (tok822_parse(value, len, &lim, list, state->why) < 0) {
        msg_info("%s: header addresses not rewritten: %s", state->queue_id,
                 STR(state->why));
        strbuf_memcpy(out, value, len);
        ret = -1;
    } else {
        cleanup_splice(state, class, value, len, list, out, addrs);
    }
    tok822_list_free(list);
    return ret;
}

/*
 * deliver_pass - hand one recipient to another delivery agent.  See
 * deliver_pass.h and docs/ipc.md, "Delivery agents".
 *
 * The request frame repeats req's attributes (queue file, sender, DSN
 * and time attributes) with rcpt_count 1; the reply is read with the
 * same bounds as any agent reply: status, results (exactly one of
 * S, T, B, D), dead, reason.  flags (DEL_FLAG_NO_RECORD) are added to
 * req's.
 */
#include <errno.h>
#include <string.h>

#include "attr.h"
#include "deliver_pass.h"
#include "mail_proto.h"
#include "msg.h"
#include "mymalloc.h"

/* Bounds of the reply. */
#define DP_MAX_VALUE 4096
#define DP_MAX_ATTRS 8

/* dp_head - the request frame: req's attributes, one recipient */
static void
dp_head(ATTR_LIST *l, const DELIVER_REQUEST *req, const char *nexthop,
        int flags)
{
    attr_put_str(l, MAIL_ATTR_REQ, DELIVER_REQ_DELIVER);
    attr_put_int(l, DELIVER_ATTR_FLAGS, (uint32_t) (req->flags | flags));
    attr_put_str(l, DELIVER_ATTR_QUEUE, req->queue_name);
    attr_put_str(l, DELIVER_ATTR_ID, req->queue_id);
    attr_put_long(l, DELIVER_ATTR_OFFSET, req->data_offset);
    attr_put_long(l, DELIVER_ATTR_SIZE, req->data_size);
    attr_put_str(l, DELIVER_ATTR_NEXTHOP, nexthop);
    attr_put_str(l, DELIVER_ATTR_SENDER, req->sender);
    attr_put_str(l, DELIVER_ATTR_ENCODING, req->encoding);
    attr_put_int(l, DELIVER_ATTR_SMTPUTF8, (uint32_t) req->smtputf8);
    attr_put_str(l, DELIVER_ATTR_ENVID, req->envid);
    attr_put_int(l, DELIVER_ATTR_RET, (uint32_t) req->ret);
    attr_put_long(l, DELIVER_ATTR_ARR_SEC, (int64_t) req->arrival.tv_sec);
    attr_put_int(l, DELIVER_ATTR_ARR_USEC, (uint32_t) req->arrival.tv_usec);
    attr_put_long(l, DELIVER_ATTR_ACT_SEC, (int64_t) req->active.tv_sec);
    attr_put_int(l, DELIVER_ATTR_ACT_USEC, (uint32_t) req->active.tv_usec);
    attr_put_int(l, DELIVER_ATTR_RCPT_COUNT, 1);
}

/* dp_rcpt - the recipient frame */
static void
dp_rcpt(ATTR_LIST *l, const RECIPIENT *r, const char *address)
{
    const char *orig = r->orig != NULL && *r->orig ? r->orig : r->address;

    attr_put_str(l, DELIVER_ATTR_ADDR, address);
    attr_put_str(l, DELIVER_ATTR_ORIG, orig);
    attr_put_str(l, DELIVER_ATTR_ORCPT, r->dsn_orcpt ? r->dsn_orcpt : "");
    attr_put_int(l, DELIVER_ATTR_NOTIFY, (uint32_t) r->dsn_notify);
    attr_put_long(l, DELIVER_ATTR_RCPT_OFF, (int64_t) r->offset);
}

/* dp_send - both frames to the agent; -1 and why */
static int
dp_send(STREAM *st, const DELIVER_REQUEST *req, size_t idx, const char *nexthop,
        const char *address, int flags, STRBUF *why)
{
    ATTR_LIST *head = attr_list_create();
    ATTR_LIST *rcpt = attr_list_create();
    int ret;

    dp_head(head, req, nexthop, flags);
    dp_rcpt(rcpt, req->rcpt + idx, address);
    ret = attr_send(st, head) < 0 || attr_write(st, rcpt) < 0 ? -1 : 0;
    if (ret < 0)
        strbuf_fail(why, errno, "write: %s", strerror(errno));
    attr_list_free(head);
    attr_list_free(rcpt);
    return ret;
}

/* dp_reply - the agent's answer: its result character, or -1 and why */
static int
dp_reply(STREAM *st, STRBUF *why)
{
    ATTR_LIMITS lim;
    ATTR_LIST *reply = attr_list_create();
    STRBUF *results = strbuf_create(4);
    STRBUF *reason = strbuf_create(100);
    uint32_t status = 0, dead = 0;
    int ret = -1;

    attr_limits_init(&lim);
    lim.max_count = DP_MAX_ATTRS;
    lim.max_value = DP_MAX_VALUE;
    if (attr_read(st, &lim, reply, why) < 0)
        /* why says it */;
    else if (attr_scan(reply, 0, why, ATTR_TYPE_INT, MAIL_ATTR_STATUS, &status,
                       ATTR_TYPE_INT, DELIVER_ATTR_DEAD, &dead, ATTR_TYPE_STR,
                       MAIL_ATTR_REASON, reason, ATTR_TYPE_END) < 0)
        /* why says it */;
    else if (status != MAIL_STAT_OK)
        strbuf_sprintf(why, "status %u: %s", (unsigned) status, STR(reason));
    else if (attr_scan(reply, 0, why, ATTR_TYPE_STR, DELIVER_ATTR_RESULTS,
                       results, ATTR_TYPE_END) < 0)
        /* why says it */;
    else if (LEN(results) != 1 || strchr("STBD", STR(results)[0]) == NULL)
        strbuf_sprintf(why, "bad results \"%.10s\"", STR(results));
    else
        ret = STR(results)[0];
    attr_list_free(reply);
    strbuf_free(results);
    strbuf_free(reason);
    return ret;
}

/* deliver_pass - recipient idx through service; result char or -1 */
int
deliver_pass(const DELIVER_REQUEST *req, size_t idx, const char *service,
             const char *address, int flags, STRBUF *why)
{
    const char *colon = strchr(service, ':');
    char *transport = colon ? mystrndup(service, (size_t) (colon - service))
                            : mystrdup(service);
    const char *nexthop = colon && colon[1] ? colon + 1 : req->nexthop;
    STREAM *st;
    int ret = -1;

    if (idx >= req->rcpt_count)
        msg_panic("deliver_pass: recipient index %zu of %zu", idx,
                  req->rcpt_count);
    if (flags & ~DEL_FLAG_NO_RECORD)
        msg_panic("deliver_pass: bad flags 0x%x", (unsigned) flags);
    if (*transport == 0 || strchr(transport, '/') != NULL)
        strbuf_sprintf(why, "bad transport name \"%.100s\"", service);
    else if ((st = mail_connect(NULL, MAIL_CLASS_PRIVATE, transport,
                                DELIVER_PASS_TIMEOUT_MS)) == NULL)
        strbuf_fail(why, errno, "connect to %s/%s: %s", MAIL_CLASS_PRIVATE,
                    transport, strerror(errno));
    else {
        if (dp_send(st, req, idx, nexthop,
                    address ? address : req->rcpt[idx].address, flags,
                    why) == 0)
            ret = dp_reply(st, why);
        stream_free(st);
    }
    myfree(transport);
    return ret;
}

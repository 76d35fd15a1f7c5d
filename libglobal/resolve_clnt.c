/*
 * resolve_clnt - ask trivial-rewrite(8) where an address goes.
 *
 * resolve_reply_init() makes the strings of a caller's RESOLVE_REPLY;
 * resolve_reply_free() releases them (not the struct).
 *
 * resolve_clnt(sender, addr, reply) sends the "resolve" request with the
 * sender (NULL: not sent; "" is the null sender) and the recipient in
 * internal form to private/rewrite over one MAIL_CLNT per process
 * (ipc_timeout, ipc_idle, ipc_ttl), made on first use.  It returns
 * MAIL_STAT_OK with transport, nexthop, recipient and flags in reply,
 * another MAIL_STAT_* that trivial-rewrite answered, or RESOLVE_CLNT_FAIL
 * when it could not be asked or answered malformed; then the reply is
 * empty and a warning is logged.  An answer with RESOLVE_FLAG_FAIL is a
 * table that failed: the caller defers.
 *
 * The last answer is kept (a message's recipients are often asked about
 * twice), except one with RESOLVE_FLAG_FAIL; master restarts every daemon
 * when main.cf changes, so it never goes stale.  resolve_clnt_reset()
 * drops the connection and the cache.
 */
#include <stdint.h>
#include <string.h>

#include "attr.h"
#include "mail_conf.h"
#include "mail_proto.h"
#include "msg.h"
#include "mymalloc.h"
#include "resolve_clnt.h"
#include "stringops.h"

/* The process's one client, and the last answer. */
static MAIL_CLNT *resolve_mail;
static ATTR_LIST *resolve_req;
static ATTR_LIST *resolve_rsp;
static STRBUF *resolve_why;
static STRBUF *last_sender; /* "s" + sender, or "" for none */
static STRBUF *last_addr;
static RESOLVE_REPLY last_reply;
static int last_valid;

/* resolve_reply_init - the strings of a reply */
RESOLVE_REPLY *
resolve_reply_init(RESOLVE_REPLY *reply)
{
    reply->transport = strbuf_create(20);
    reply->nexthop = strbuf_create(100);
    reply->recipient = strbuf_create(100);
    reply->flags = 0;
    return reply;
}

/* resolve_reply_free - release the strings of a reply */
void
resolve_reply_free(RESOLVE_REPLY *reply)
{
    reply->transport = strbuf_free(reply->transport);
    reply->nexthop = strbuf_free(reply->nexthop);
    reply->recipient = strbuf_free(reply->recipient);
}

/* resolve_reply_copy - one reply into another */
static void
resolve_reply_copy(RESOLVE_REPLY *to, const RESOLVE_REPLY *from)
{
    strbuf_memcpy(to->transport, STR(from->transport), LEN(from->transport));
    strbuf_memcpy(to->nexthop, STR(from->nexthop), LEN(from->nexthop));
    strbuf_memcpy(to->recipient, STR(from->recipient), LEN(from->recipient));
    to->flags = from->flags;
}

/* resolve_clnt_init - the connection and scratch, on first use */
static void
resolve_clnt_init(void)
{
    resolve_mail = mail_clnt_create_conf(NULL, MAIL_CLASS_PRIVATE, MAIL_SERVICE_REWRITE);
    resolve_req = attr_list_create();
    resolve_rsp = attr_list_create();
    resolve_why = strbuf_create(100);
    last_sender = strbuf_create(100);
    last_addr = strbuf_create(100);
    resolve_reply_init(&last_reply);
    last_valid = 0;
}

/* resolve_clnt_reset - close the connection, forget the cache */
void
resolve_clnt_reset(void)
{
    if (resolve_mail == NULL)
        return;
    resolve_mail = mail_clnt_free(resolve_mail);
    resolve_req = attr_list_free(resolve_req);
    resolve_rsp = attr_list_free(resolve_rsp);
    resolve_why = strbuf_free(resolve_why);
    last_sender = strbuf_free(last_sender);
    last_addr = strbuf_free(last_addr);
    resolve_reply_free(&last_reply);
    last_valid = 0;
}

/* resolve_clnt_warn - log why an address was not resolved */
static void
resolve_clnt_warn(const char *addr, const char *problem)
{
    STRBUF *safe = strbuf_create(100);

    printable(safe, addr, strlen(addr), 100, '?');
    msg_warn("resolve_clnt: address %s: %s", STR(safe), problem);
    strbuf_free(safe);
}

/* resolve_clnt_scan - the reply's values into reply: 0 or -1 */
static int
resolve_clnt_scan(RESOLVE_REPLY *reply)
{
    uint32_t status, flags;

    if (attr_scan(resolve_rsp, ATTR_FLAG_STRICT, resolve_why, ATTR_TYPE_INT,
                  MAIL_ATTR_STATUS, &status, ATTR_TYPE_STR,
                  RESOLVE_ATTR_TRANSPORT, reply->transport, ATTR_TYPE_STR,
                  RESOLVE_ATTR_NEXTHOP, reply->nexthop, ATTR_TYPE_STR,
                  RESOLVE_ATTR_RECIPIENT, reply->recipient, ATTR_TYPE_INT,
                  RESOLVE_ATTR_FLAGS, &flags, ATTR_TYPE_END) < 0) {
        strbuf_strcat(resolve_why, " in the reply");
        return -1;
    }
    reply->flags = (int) flags;
    return 0;
}

/* resolve_clnt_ask - one request; the status, the answer in reply */
static int
resolve_clnt_ask(const char *sender, const char *addr, RESOLVE_REPLY *reply)
{
    const char *reason;
    int ret;

    attr_list_reset(resolve_req);
    attr_put_str(resolve_req, MAIL_ATTR_REQ, REWRITE_REQ_RESOLVE);
    if (sender != NULL)
        attr_put_str(resolve_req, RESOLVE_ATTR_SENDER, sender);
    attr_put_str(resolve_req, REWRITE_ATTR_ADDR, addr);
    ret =
        mail_clnt_request(resolve_mail, resolve_req, resolve_rsp, resolve_why);
    if (ret == MAIL_STAT_OK && resolve_clnt_scan(reply) < 0) {
        ret = RESOLVE_CLNT_FAIL;
    } else if (ret > MAIL_STAT_OK) {
        reason = attr_get_str(resolve_rsp, MAIL_ATTR_REASON);
        strbuf_sprintf(resolve_why, "status %d: %s", ret,
                       reason ? reason : "no reason given");
    }
    if (ret != MAIL_STAT_OK) {
        resolve_clnt_warn(addr, STR(resolve_why));
        strbuf_reset(reply->transport);
        strbuf_reset(reply->nexthop);
        strbuf_reset(reply->recipient);
        reply->flags = 0;
    }
    return ret < 0 ? RESOLVE_CLNT_FAIL : ret;
}

/* resolve_clnt - resolve addr: MAIL_STAT_* or RESOLVE_CLNT_FAIL */
int
resolve_clnt(const char *sender, const char *addr, RESOLVE_REPLY *reply)
{
    int ret;

    if (resolve_mail == NULL)
        resolve_clnt_init();
    if (last_valid && strcmp(STR(last_addr), addr) == 0 &&
        (sender ? STR(last_sender)[0] == 's' &&
                      strcmp(STR(last_sender) + 1, sender) == 0
                : LEN(last_sender) == 0)) {
        resolve_reply_copy(reply, &last_reply);
        return MAIL_STAT_OK;
    }
    last_valid = 0;
    ret = resolve_clnt_ask(sender, addr, reply);
    if (ret == MAIL_STAT_OK && (reply->flags & RESOLVE_FLAG_FAIL) == 0) {
        strbuf_reset(last_sender);
        if (sender != NULL)
            strbuf_sprintf(last_sender, "s%s", sender);
        strbuf_strcpy(last_addr, addr);
        resolve_reply_copy(&last_reply, reply);
        last_valid = 1;
    }
    return ret;
}

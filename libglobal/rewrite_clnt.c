/*
 * rewrite_clnt - ask trivial-rewrite(8) to rewrite an address to standard
 * form.
 *
 * rewrite_clnt(rule, addr, result) sends the "rewrite" request with the
 * rule ("local" or "remote") and the address in internal form to
 * private/rewrite (relative to the working folder: daemons run in
 * queue_directory) over one MAIL_CLNT per process, with ipc_timeout,
 * ipc_idle and ipc_ttl from main.cf, made on first use.  It returns
 * MAIL_STAT_OK with the rewritten address in result (which the caller
 * owns), another MAIL_STAT_* that trivial-rewrite answered, or
 * REWRITE_CLNT_FAIL when it could not be asked or answered malformed;
 * then result is empty and a warning is logged.  The caller decides
 * (cleanup defers the message).
 *
 * The last answer is kept: the same rule and address again is answered
 * without a request (one message asks about its sender over and over).
 * The rules only change when main.cf does, and then master restarts
 * every daemon, so the cache never goes stale within a process.
 * rewrite_clnt_reset() drops the connection and the cache.
 */
#include <stdint.h>
#include <string.h>

#include "attr.h"
#include "mail_conf.h"
#include "mail_proto.h"
#include "msg.h"
#include "mymalloc.h"
#include "rewrite_clnt.h"
#include "stringops.h"

/* The process's one client, and the last answer. */
static MAIL_CLNT *rewrite_mail;
static ATTR_LIST *rewrite_req;
static ATTR_LIST *rewrite_reply;
static STRBUF *rewrite_why;
static STRBUF *last_rule;
static STRBUF *last_addr;
static STRBUF *last_result;

/* rewrite_clnt_init - the connection and scratch, on first use */
static void
rewrite_clnt_init(void)
{
    rewrite_mail = mail_clnt_create_conf(NULL, MAIL_CLASS_PRIVATE, MAIL_SERVICE_REWRITE);
    rewrite_req = attr_list_create();
    rewrite_reply = attr_list_create();
    rewrite_why = strbuf_create(100);
    last_rule = strbuf_create(10);
    last_addr = strbuf_create(100);
    last_result = strbuf_create(100);
}

/* rewrite_clnt_reset - close the connection, forget the cache */
void
rewrite_clnt_reset(void)
{
    if (rewrite_mail == NULL)
        return;
    rewrite_mail = mail_clnt_free(rewrite_mail);
    rewrite_req = attr_list_free(rewrite_req);
    rewrite_reply = attr_list_free(rewrite_reply);
    rewrite_why = strbuf_free(rewrite_why);
    last_rule = strbuf_free(last_rule);
    last_addr = strbuf_free(last_addr);
    last_result = strbuf_free(last_result);
}

/* rewrite_clnt_warn - log why an address was not rewritten */
static void
rewrite_clnt_warn(const char *addr, const char *problem)
{
    STRBUF *safe = strbuf_create(100);

    printable(safe, addr, strlen(addr), 100, '?');
    msg_warn("rewrite_clnt: address %s: %s", STR(safe), problem);
    strbuf_free(safe);
}

/* rewrite_clnt_ask - one request; the status, the address in result */
static int
rewrite_clnt_ask(const char *rule, const char *addr, STRBUF *result)
{
    const char *reason;
    uint32_t status;
    int ret;

    attr_list_reset(rewrite_req);
    attr_put_str(rewrite_req, MAIL_ATTR_REQ, REWRITE_REQ_REWRITE);
    attr_put_str(rewrite_req, REWRITE_ATTR_RULE, rule);
    attr_put_str(rewrite_req, REWRITE_ATTR_ADDR, addr);
    ret = mail_clnt_request(rewrite_mail, rewrite_req, rewrite_reply,
                            rewrite_why);
    if (ret == MAIL_STAT_OK &&
        attr_scan(rewrite_reply, ATTR_FLAG_STRICT, rewrite_why, ATTR_TYPE_INT,
                  MAIL_ATTR_STATUS, &status, ATTR_TYPE_STR, REWRITE_ATTR_ADDR,
                  result, ATTR_TYPE_END) < 0) {
        strbuf_strcat(rewrite_why, " in the reply");
        ret = REWRITE_CLNT_FAIL;
    } else if (ret > MAIL_STAT_OK) {
        reason = attr_get_str(rewrite_reply, MAIL_ATTR_REASON);
        strbuf_sprintf(rewrite_why, "status %d: %s", ret,
                       reason ? reason : "no reason given");
    }
    if (ret != MAIL_STAT_OK) {
        rewrite_clnt_warn(addr, STR(rewrite_why));
        strbuf_reset(result);
    }
    return ret < 0 ? REWRITE_CLNT_FAIL : ret;
}

/* rewrite_clnt - rewrite addr by rule: MAIL_STAT_* or REWRITE_CLNT_FAIL */
int
rewrite_clnt(const char *rule, const char *addr, STRBUF *result)
{
    int ret;

    if (rewrite_mail == NULL)
        rewrite_clnt_init();
    if (LEN(last_rule) > 0 && strcmp(STR(last_rule), rule) == 0 &&
        strcmp(STR(last_addr), addr) == 0) {
        strbuf_memcpy(result, STR(last_result), LEN(last_result));
        return MAIL_STAT_OK;
    }
    strbuf_reset(last_rule);
    if ((ret = rewrite_clnt_ask(rule, addr, result)) == MAIL_STAT_OK) {
        strbuf_strcpy(last_rule, rule);
        strbuf_strcpy(last_addr, addr);
        strbuf_memcpy(last_result, STR(result), LEN(result));
    }
    return ret;
}

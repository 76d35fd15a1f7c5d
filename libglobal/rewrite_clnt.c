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
 * The last REWRITE_CACHE_SIZE answers are kept (least recently used goes
 * first): the same rule and address again is answered without a request.
 * One message asks about its sender and each recipient at least twice
 * (envelope, then headers), interleaved, so one entry is not enough.
 * Addresses over REWRITE_CACHE_ADDR bytes are not kept, which bounds the
 * cache's memory.  The answer depends on main.cf alone (no tables), and
 * when main.cf changes master restarts every daemon, so an entry never
 * goes stale within a process and needs no expiry time.
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

/* Answers kept, and the longest address kept (no Postfix names). */
#define REWRITE_CACHE_SIZE 16
#define REWRITE_CACHE_ADDR 256

/* One kept answer; rule is empty in an unused entry. */
typedef struct REWRITE_CACHE {
    STRBUF *rule;
    STRBUF *addr;
    STRBUF *result;
    unsigned long used; /* rewrite_tick at the last use */
} REWRITE_CACHE;

/* The process's one client, and the answers kept. */
static MAIL_CLNT *rewrite_mail;
static ATTR_LIST *rewrite_req;
static ATTR_LIST *rewrite_reply;
static STRBUF *rewrite_why;
static REWRITE_CACHE rewrite_cache[REWRITE_CACHE_SIZE];
static unsigned long rewrite_tick;

/* rewrite_clnt_init - the connection and scratch, on first use */
static void
rewrite_clnt_init(void)
{
    size_t i;

    rewrite_mail =
        mail_clnt_create_conf(NULL, MAIL_CLASS_PRIVATE, MAIL_SERVICE_REWRITE);
    rewrite_req = attr_list_create();
    rewrite_reply = attr_list_create();
    rewrite_why = strbuf_create(100);
    for (i = 0; i < REWRITE_CACHE_SIZE; i++) {
        rewrite_cache[i].rule = strbuf_create(10);
        rewrite_cache[i].addr = strbuf_create(32);
        rewrite_cache[i].result = strbuf_create(32);
        rewrite_cache[i].used = 0;
    }
    rewrite_tick = 0;
}

/* rewrite_clnt_reset - close the connection, forget the cache */
void
rewrite_clnt_reset(void)
{
    size_t i;

    if (rewrite_mail == NULL)
        return;
    rewrite_mail = mail_clnt_free(rewrite_mail);
    rewrite_req = attr_list_free(rewrite_req);
    rewrite_reply = attr_list_free(rewrite_reply);
    rewrite_why = strbuf_free(rewrite_why);
    for (i = 0; i < REWRITE_CACHE_SIZE; i++) {
        rewrite_cache[i].rule = strbuf_free(rewrite_cache[i].rule);
        rewrite_cache[i].addr = strbuf_free(rewrite_cache[i].addr);
        rewrite_cache[i].result = strbuf_free(rewrite_cache[i].result);
    }
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

/* rewrite_cache_find - the kept answer for rule and addr, or NULL */
static REWRITE_CACHE *
rewrite_cache_find(const char *rule, const char *addr)
{
    REWRITE_CACHE *c;

    for (c = rewrite_cache; c < rewrite_cache + REWRITE_CACHE_SIZE; c++) {
        if (LEN(c->rule) > 0 && strcmp(STR(c->addr), addr) == 0 &&
            strcmp(STR(c->rule), rule) == 0) {
            c->used = ++rewrite_tick;
            return c;
        }
    }
    return NULL;
}

/* rewrite_cache_add - keep an answer in place of the least recently used */
static void
rewrite_cache_add(const char *rule, const char *addr, const STRBUF *result)
{
    REWRITE_CACHE *c;
    REWRITE_CACHE *old = rewrite_cache;

    if (strlen(addr) > REWRITE_CACHE_ADDR || LEN(result) > REWRITE_CACHE_ADDR)
        return;
    for (c = rewrite_cache; c < rewrite_cache + REWRITE_CACHE_SIZE; c++)
        if (c->used < old->used)
            old = c;
    strbuf_strcpy(old->rule, rule);
    strbuf_strcpy(old->addr, addr);
    strbuf_memcpy(old->result, STR(result), LEN(result));
    old->used = ++rewrite_tick;
}

/* rewrite_clnt - rewrite addr by rule: MAIL_STAT_* or REWRITE_CLNT_FAIL */
int
rewrite_clnt(const char *rule, const char *addr, STRBUF *result)
{
    REWRITE_CACHE *c;
    int ret;

    if (rewrite_mail == NULL)
        rewrite_clnt_init();
    if ((c = rewrite_cache_find(rule, addr)) != NULL) {
        strbuf_memcpy(result, STR(c->result), LEN(c->result));
        return MAIL_STAT_OK;
    }
    if ((ret = rewrite_clnt_ask(rule, addr, result)) == MAIL_STAT_OK)
        rewrite_cache_add(rule, addr, result);
    return ret;
}

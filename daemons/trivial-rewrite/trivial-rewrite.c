/*
 * trivial-rewrite - the address rewriting service, trivial-rewrite(8).
 *
 * Serves private/rewrite (master.cf's "rewrite" service).  A client
 * (cleanup, through rewrite_clnt) sends the request "rewrite" with the
 * attributes "rule" ("local" or "remote") and "address" (internal form);
 * the reply holds the status and, when it is MAIL_STAT_OK, "address":
 * the address in standard form (libglobal/rewrite_addr.c has the rules,
 * docs/ipc.md the request).  Answers are cached, the least recently
 * used of REWRITE_CACHE_DEF_MAX entries dropped first (rewrite_cache.c).
 *
 * An unknown request or rule, or a request that fails the strict scan
 * (an address longer than REWRITE_ADDR_MAX included), is answered with
 * MAIL_STAT_BAD and a reason, and the client stays connected; a frame
 * that cannot be decoded ends that client only.  The parameters are read
 * once at start (master restarts daemons on reload); a bad value is
 * fatal.  The "resolve" request is not served yet.
 */
#include <string.h>

#include "attr.h"
#include "mail_conf.h"
#include "mail_proto.h"
#include "mail_server.h"
#include "msg.h"
#include "mymalloc.h"
#include "rewrite_addr.h"
#include "rewrite_cache.h"
#include "rewrite_clnt.h"
#include "stringops.h"

/* Limits on a request frame: a name, a rule and an address. */
#define REWRITE_MAX_PAYLOAD (2 * REWRITE_ADDR_MAX)
#define REWRITE_MAX_COUNT   8

/* Per-process state, made by rewrite_post_init(). */
static REWRITE_PARAMS rewrite_params;
static REWRITE_CACHE *rewrite_cache;
static ATTR_LIMITS rewrite_limits;
static ATTR_LIST *rewrite_request;
static ATTR_LIST *rewrite_extra; /* reply values */
static STRBUF *rewrite_name;     /* scanned: the request name */
static STRBUF *rewrite_rule;     /* scanned: the rule */
static STRBUF *rewrite_addr_in;  /* scanned: the address */
static STRBUF *rewrite_result;
static STRBUF *rewrite_why;

/* rewrite_do - the "rewrite" request: MAIL_STAT_* */
static int
rewrite_do(ATTR_LIST *extra, STRBUF *why)
{
    const char *rule = STR(rewrite_rule);
    const char *addr = STR(rewrite_addr_in);
    const char *cached;
    int ctx = rewrite_addr_context(rule);

    if (ctx < 0) {
        printable(rewrite_name, rule, LEN(rewrite_rule), 64, '?');
        strbuf_sprintf(why, "unknown rule \"%s\"", STR(rewrite_name));
        return MAIL_STAT_BAD;
    }
    if ((cached = rewrite_cache_find(rewrite_cache, rule, addr)) == NULL) {
        rewrite_addr(&rewrite_params, ctx, addr, rewrite_result);
        rewrite_cache_enter(rewrite_cache, rule, addr, STR(rewrite_result));
        cached = STR(rewrite_result);
    }
    attr_put_str(extra, REWRITE_ATTR_ADDR, cached);
    return MAIL_STAT_OK;
}

/* rewrite_dispatch - check one request and run it: MAIL_STAT_* */
static int
rewrite_dispatch(const ATTR_LIST *req, ATTR_LIST *extra, STRBUF *why)
{
    const char *name = attr_get_str(req, MAIL_ATTR_REQ);

    if (name == NULL) {
        strbuf_strcpy(why, "missing string attribute \"" MAIL_ATTR_REQ "\"");
        return MAIL_STAT_BAD;
    }
    if (strcmp(name, REWRITE_REQ_REWRITE) != 0) {
        printable(rewrite_name, name, strlen(name), 64, '?');
        strbuf_sprintf(why, "unknown request \"%s\"", STR(rewrite_name));
        return MAIL_STAT_BAD;
    }
    if (attr_scan(req, ATTR_FLAG_STRICT, why, ATTR_TYPE_STR, MAIL_ATTR_REQ,
                  rewrite_name, ATTR_TYPE_STR, REWRITE_ATTR_RULE, rewrite_rule,
                  ATTR_TYPE_STR, REWRITE_ATTR_ADDR, rewrite_addr_in,
                  ATTR_TYPE_END) < 0)
        return MAIL_STAT_BAD;
    return rewrite_do(extra, why);
}

/* rewrite_service - answer one request of a client */
static void
rewrite_service(STREAM *client, const char *service, char **argv)
{
    int status;

    (void) service;
    (void) argv;
    status = attr_read(client, &rewrite_limits, rewrite_request, rewrite_why);
    if (status != ATTR_READ_OK) {
        if (status == ATTR_READ_ERROR)
            msg_info("trivial-rewrite: dropping a client: %s",
                     STR(rewrite_why));
        multi_server_disconnect(client);
        return;
    }
    attr_list_reset(rewrite_extra);
    strbuf_reset(rewrite_why);
    status = rewrite_dispatch(rewrite_request, rewrite_extra, rewrite_why);
    if (status == MAIL_STAT_BAD)
        msg_warn("trivial-rewrite: bad request: %s", STR(rewrite_why));
    if (mail_reply(client, status, STR(rewrite_why), rewrite_extra) < 0)
        multi_server_disconnect(client);
}

/* rewrite_read_params - the rewriting parameters of main.cf */
static void
rewrite_read_params(REWRITE_PARAMS *p)
{
    p->swap_bangpath = mail_conf_bool("swap_bangpath");
    p->allow_percent_hack = mail_conf_bool("allow_percent_hack");
    p->append_at_myorigin = mail_conf_bool("append_at_myorigin");
    p->append_dot_mydomain = mail_conf_bool("append_dot_mydomain");
    p->myorigin = mail_conf_str("myorigin");
    p->mydomain = mail_conf_str("mydomain");
    p->remote_domain = mail_conf_str("remote_header_rewrite_domain");
}

/* rewrite_post_init - parameters, cache, reader limits; unprivileged */
static void
rewrite_post_init(const char *service, char **argv)
{
    (void) service;
    (void) argv;
    rewrite_read_params(&rewrite_params);
    rewrite_cache = rewrite_cache_create(REWRITE_CACHE_DEF_MAX);
    attr_limits_init(&rewrite_limits);
    rewrite_limits.max_payload = REWRITE_MAX_PAYLOAD;
    rewrite_limits.max_count = REWRITE_MAX_COUNT;
    rewrite_limits.max_value = REWRITE_MAX_PAYLOAD;
    rewrite_request = attr_list_create();
    rewrite_extra = attr_list_create();
    rewrite_name = strbuf_create(20);
    rewrite_rule = strbuf_create(20);
    rewrite_addr_in = strbuf_create(100);
    /* A longer address fails the scan: a bad request, not a bad frame. */
    strbuf_set_limit(rewrite_rule, 64);
    strbuf_set_limit(rewrite_addr_in, REWRITE_ADDR_MAX);
    rewrite_result = strbuf_create(100);
    rewrite_why = strbuf_create(100);
}

int
main(int argc, char **argv)
{
    multi_server_main(argc, argv, rewrite_service, MAIL_SERVER_POST_INIT,
                      rewrite_post_init, 0);
}

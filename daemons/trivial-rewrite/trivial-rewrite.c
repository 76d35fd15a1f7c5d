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
 * fatal, and so is a bad domain list or table list.
 *
 * The request "resolve" has "address" and an optional "sender"; the reply
 * holds "transport", "nexthop", "recipient" and "flags" (resolve.c has
 * the rules).  Its answers share the cache, keyed by the sender too;
 * answers with RESOLVE_FLAG_FAIL are not kept.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "argv.h"
#include "attr.h"
#include "mail_conf.h"
#include "mail_proto.h"
#include "mail_server.h"
#include "msg.h"
#include "mymalloc.h"
#include "rewrite_addr.h"
#include "rewrite_cache.h"
#include "resolve.h"
#include "rewrite_clnt.h"
#include "stringops.h"
#include "strlist.h"

/* Limits on a request frame: a name, a rule or sender and an address. */
#define REWRITE_MAX_PAYLOAD (3 * REWRITE_ADDR_MAX)
#define REWRITE_MAX_COUNT   8

/* At most this many interface addresses count as ours. */
#define RESOLVE_IFADDR_MAX 256

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
static RESOLVE_PARAMS resolve_params;
static RESOLVE_REPLY resolve_reply;
static STRBUF *resolve_sender; /* scanned: the sender */
static STRBUF *resolve_key;    /* the cache's rule: the sender */

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

/* resolve_cache_put - an answer as cache text: flags, lengths, strings */
static const char *
resolve_cache_put(const RESOLVE_REPLY *r)
{
    strbuf_sprintf(rewrite_result, "%d:%zu:%s%zu:%s%s", r->flags,
                   LEN(r->transport), STR(r->transport), LEN(r->nexthop),
                   STR(r->nexthop), STR(r->recipient));
    return STR(rewrite_result);
}

/* resolve_cache_get - cache text into the reply attributes */
static void
resolve_cache_get(const char *text, ATTR_LIST *extra)
{
    char *end;
    long flags = strtol(text, &end, 10);
    size_t tlen = strtoul(end + 1, &end, 10);
    const char *transport = end + 1;
    size_t nlen = strtoul(transport + tlen, &end, 10);

    strbuf_memcpy(resolve_reply.transport, transport, tlen);
    strbuf_memcpy(resolve_reply.nexthop, end + 1, nlen);
    attr_put_str(extra, RESOLVE_ATTR_TRANSPORT, STR(resolve_reply.transport));
    attr_put_str(extra, RESOLVE_ATTR_NEXTHOP, STR(resolve_reply.nexthop));
    attr_put_str(extra, RESOLVE_ATTR_RECIPIENT, end + 1 + nlen);
    attr_put_int(extra, RESOLVE_ATTR_FLAGS, (uint32_t) flags);
}

/* resolve_do - the "resolve" request: MAIL_STAT_OK */
static int
resolve_do(const char *sender, ATTR_LIST *extra)
{
    const char *addr = STR(rewrite_addr_in);
    const char *cached;

    /* The cache's rule: "resolve" plus the sender, unlike any rule name. */
    strbuf_sprintf(resolve_key, "%s%c%s", REWRITE_REQ_RESOLVE,
                   sender ? 's' : '-', sender ? sender : "");
    if ((cached = rewrite_cache_find(rewrite_cache, STR(resolve_key), addr)) ==
        NULL) {
        resolve_addr(&resolve_params, sender, addr, &resolve_reply);
        cached = resolve_cache_put(&resolve_reply);
        if ((resolve_reply.flags & RESOLVE_FLAG_FAIL) == 0)
            rewrite_cache_enter(rewrite_cache, STR(resolve_key), addr, cached);
    }
    resolve_cache_get(cached, extra);
    return MAIL_STAT_OK;
}

/* resolve_dispatch - scan a "resolve" request and run it: MAIL_STAT_* */
static int
resolve_dispatch(const ATTR_LIST *req, ATTR_LIST *extra, STRBUF *why)
{
    int has_sender = attr_get_str(req, RESOLVE_ATTR_SENDER) != NULL;
    int ret;

    if (has_sender)
        ret = attr_scan(req, ATTR_FLAG_STRICT, why, ATTR_TYPE_STR,
                        MAIL_ATTR_REQ, rewrite_name, ATTR_TYPE_STR,
                        RESOLVE_ATTR_SENDER, resolve_sender, ATTR_TYPE_STR,
                        REWRITE_ATTR_ADDR, rewrite_addr_in, ATTR_TYPE_END);
    else
        ret = attr_scan(req, ATTR_FLAG_STRICT, why, ATTR_TYPE_STR,
                        MAIL_ATTR_REQ, rewrite_name, ATTR_TYPE_STR,
                        REWRITE_ATTR_ADDR, rewrite_addr_in, ATTR_TYPE_END);
    if (ret < 0)
        return MAIL_STAT_BAD;
    return resolve_do(has_sender ? STR(resolve_sender) : NULL, extra);
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
    if (strcmp(name, REWRITE_REQ_RESOLVE) == 0)
        return resolve_dispatch(req, extra, why);
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

/* resolve_list - a domain list parameter; a bad one is fatal */
static MATCH_LIST *
resolve_list(const char *name, int kind, const char *value)
{
    STRBUF *why = strbuf_create(100);
    MATCH_LIST *list;

    if ((list = match_list_create(name, kind, value, why)) == NULL)
        msg_fatal("%s", STR(why));
    strbuf_free(why);
    return list;
}

/* resolve_parent - is name in parent_domain_matches_subdomains? */
static int
resolve_parent(const char *name)
{
    char *value = mail_conf_str("parent_domain_matches_subdomains");
    STRBUF *why = strbuf_create(10);
    ARGV *names = argv_alloc(8);
    size_t i;
    int found = 0;

    (void) strlist_split(value, STRLIST_SEP, 0, names, why);
    for (i = 0; i < names->argc; i++)
        found |= strcmp(names->argv[i], name) == 0;
    argv_free(names);
    strbuf_free(why);
    myfree(value);
    return found;
}

/* resolve_read_params - the resolving parameters and tables of main.cf */
static void
resolve_read_params(RESOLVE_PARAMS *p)
{
    char *inet = mail_conf_str("inet_interfaces");
    char *proxy = mail_conf_str("proxy_interfaces");
    char *addrs = resolve_local_addrs(inet, proxy, RESOLVE_IFADDR_MAX);

    p->rewrite = rewrite_params;
    p->myhostname = mail_conf_str("myhostname");
    p->local_transport = mail_conf_str("local_transport");
    p->virtual_transport = mail_conf_str("virtual_transport");
    p->relay_transport = mail_conf_str("relay_transport");
    p->default_transport = mail_conf_str("default_transport");
    p->relayhost = mail_conf_str("relayhost");
    p->empty_sender_key =
        mail_conf_str("empty_address_relayhost_maps_lookup_key");
    p->show_table_name = mail_conf_bool("show_user_unknown_table_name");
    p->resolve_null_domain = mail_conf_bool("resolve_null_domain");
    p->resolve_numeric_domain = mail_conf_bool("resolve_numeric_domain");
    p->mydestination = match_list_param("mydestination", MATCH_DOMAIN);
    p->virtual_alias_domains = match_list_param("virtual_alias_domains", MATCH_DOMAIN);
    p->virtual_mailbox_domains = match_list_param("virtual_mailbox_domains", MATCH_DOMAIN);
    p->relay_domains = match_list_param("relay_domains", MATCH_DOMAIN);
    p->local_addrs = resolve_list("inet_interfaces", MATCH_ADDR, addrs);
    p->transport_maps = maps_param("transport_maps", 0);
    p->transport_parent = resolve_parent("transport_maps");
    p->sender_relayhost_maps = maps_param("sender_dependent_relayhost_maps", 0);
    myfree(inet);
    myfree(proxy);
    myfree(addrs);
}

/* rewrite_post_init - parameters, cache, reader limits; unprivileged */
static void
rewrite_post_init(const char *service, char **argv)
{
    (void) service;
    (void) argv;
    rewrite_read_params(&rewrite_params);
    resolve_read_params(&resolve_params);
    resolve_reply_init(&resolve_reply);
    resolve_sender = strbuf_create(100);
    strbuf_set_limit(resolve_sender, REWRITE_ADDR_MAX);
    resolve_key = strbuf_create(100);
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

/*
 * dict_proxy - the client of the proxy: table type.
 *
 * dict_proxy_open("hash:/etc/postern/virtual", ...) returns a handle whose
 * lookups, updates and deletes are requests to the proxymap service (a
 * table opened O_RDONLY) or the proxywrite service (O_RDWR), named by
 * proxymap_service_name and proxywrite_service_name, in the private
 * class.  The open itself is a request (PROXY_REQ_OPEN), so a table that
 * proxymap may not use (not listed in proxy_read_maps or
 * proxy_write_maps), cannot open, or a service that cannot be reached,
 * fails dict_proxy_open() with the reason, prefixed "proxy:TYPE:NAME: ".
 * The handle's type is "proxy" and its name "TYPE:NAME"; it takes
 * DICT_FLAG_FIXED or DICT_FLAG_PATTERN from the real table.
 *
 * Every handle of one service shares one MAIL_CLNT (ipc_timeout,
 * ipc_idle, ipc_ttl), released with the last handle.  Commands reach the
 * socket through the absolute queue_directory; a daemon whose working
 * folder is queue_directory (chrooted or not) through a relative path.
 *
 * Results follow dict.h: a lookup answers the value (owned by the handle,
 * valid until its next lookup), or NULL with d->error DICT_ERR_NONE (not
 * found), DICT_ERR_RETRY (proxymap unreachable, a malformed reply, or a
 * temporary failure of the table: the caller defers) or DICT_ERR_CONFIG
 * (proxymap denied or refused the request).  Every failure is logged
 * with proxymap's reason; none is fatal.  Walking (dict_seq) is not
 * supported.  Handles are closed with dict_close().
 */
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>

#include "attr.h"
#include "dict_proxy.h"
#include "mail_conf.h"
#include "mail_proto.h"
#include "msg.h"
#include "mymalloc.h"
#include "stringops.h"

/* How much of a reason from proxymap goes into a message. */
#define DICT_PROXY_REASON_MAX 500

/* The shared connection of each service: [0] proxymap, [1] proxywrite. */
typedef struct PROXY_CLNT {
    MAIL_CLNT *clnt;
    int refs; /* open handles */
} PROXY_CLNT;

static PROXY_CLNT proxy_clnt[2];

typedef struct DICT_PROXY {
    DICT dict;
    int writer;          /* 1: proxywrite, 0: proxymap */
    uint32_t wire_flags; /* the dict flags proxymap honours */
    ATTR_LIST *req;      /* request under construction */
    ATTR_LIST *reply;    /* the last reply */
    STRBUF *value;       /* the last lookup's answer */
    STRBUF *why;         /* the last failure's reason */
} DICT_PROXY;

/* proxy_queue_dir - absolute queue_directory, or NULL when it is "." */
static char *
proxy_queue_dir(void)
{
    STRBUF *qdir = strbuf_create(100);
    struct stat here, there;

    /* Chrooted, the absolute path does not exist: use the working folder. */
    if (mail_conf_eval("queue_directory", qdir, NULL) < 0 ||
        STR(qdir)[0] != '/' || stat(".", &here) < 0 ||
        stat(STR(qdir), &there) < 0 ||
        (here.st_dev == there.st_dev && here.st_ino == there.st_ino)) {
        strbuf_free(qdir);
        return NULL;
    }
    return strbuf_export(qdir);
}

/* proxy_ms - a time parameter in milliseconds, within an int */
static int
proxy_ms(const char *name)
{
    long s = mail_conf_time(name);

    return s > INT_MAX / 1000 ? INT_MAX : (int) (s * 1000);
}

/* proxy_clnt_attach - the shared client of a service, made on first use */
static void
proxy_clnt_attach(int writer)
{
    PROXY_CLNT *pc = &proxy_clnt[writer];
    char *qdir;
    char *service;

    if (pc->refs++ > 0)
        return;
    qdir = proxy_queue_dir();
    service = mail_conf_str(writer ? "proxywrite_service_name"
                                   : "proxymap_service_name");
    pc->clnt = mail_clnt_create(
        qdir, MAIL_CLASS_PRIVATE, service, proxy_ms("ipc_timeout"),
        (int) mail_conf_time("ipc_idle"), (int) mail_conf_time("ipc_ttl"));
    myfree(service);
    myfree(qdir);
}

/* proxy_clnt_detach - drop a handle's use; the last one closes */
static void
proxy_clnt_detach(int writer)
{
    PROXY_CLNT *pc = &proxy_clnt[writer];

    if (pc->refs <= 0)
        msg_panic("dict_proxy: client detach without attach");
    if (--pc->refs == 0)
        pc->clnt = mail_clnt_free(pc->clnt);
}

/* proxy_call - one request; MAIL_STAT_*, or -1; why says why not OK */
static int
proxy_call(DICT_PROXY *dp, const char *request, const char *key,
           const char *value)
{
    const char *reason;
    int status;

    attr_list_reset(dp->req);
    attr_put_str(dp->req, MAIL_ATTR_REQ, request);
    attr_put_str(dp->req, PROXY_ATTR_TABLE, dp->dict.name);
    attr_put_int(dp->req, PROXY_ATTR_FLAGS, dp->wire_flags);
    if (key != NULL)
        attr_put_str(dp->req, PROXY_ATTR_KEY, key);
    if (value != NULL)
        attr_put_str(dp->req, PROXY_ATTR_VALUE, value);
    status = mail_clnt_request(proxy_clnt[dp->writer].clnt, dp->req, dp->reply,
                               dp->why);
    if (status > MAIL_STAT_OK && status != MAIL_STAT_NOTFOUND) {
        if ((reason = attr_get_str(dp->reply, MAIL_ATTR_REASON)) == NULL)
            reason = "no reason given";
        printable(dp->why, reason, strlen(reason), DICT_PROXY_REASON_MAX, '?');
    }
    return status;
}

/* proxy_reply_str - the one string a successful reply carries, or NULL */
static const char *
proxy_reply_str(DICT_PROXY *dp, const char *name, STRBUF *out)
{
    uint32_t status;

    /* Strict: status and the answer, nothing else. */
    if (attr_scan(dp->reply, ATTR_FLAG_STRICT, dp->why, ATTR_TYPE_INT,
                  MAIL_ATTR_STATUS, &status, ATTR_TYPE_STR, name, out,
                  ATTR_TYPE_END) < 0)
        return NULL;
    return STR(out);
}

/* proxy_fail - a request that did not succeed: log it, set d->error */
static void
proxy_fail(DICT_PROXY *dp, int status, const char *what)
{
    msg_warn("%s:%s: %s failed: %s", dp->dict.type, dp->dict.name, what,
             STR(dp->why));
    if (status < 0 || status == MAIL_STAT_RETRY || status == MAIL_STAT_OK)
        dp->dict.error = DICT_ERR_RETRY;
    else
        dp->dict.error = DICT_ERR_CONFIG;
}

/* proxy_lookup - ask proxymap for the value of key */
static const char *
proxy_lookup(DICT *d, const char *key)
{
    DICT_PROXY *dp = (DICT_PROXY *) d;
    int status = proxy_call(dp, PROXY_REQ_LOOKUP, key, NULL);

    if (status == MAIL_STAT_NOTFOUND)
        return NULL;
    if (status == MAIL_STAT_OK &&
        proxy_reply_str(dp, PROXY_ATTR_VALUE, dp->value) != NULL)
        return STR(dp->value);
    proxy_fail(dp, status, "lookup");
    return NULL;
}

/* proxy_change - update or delete: 0 done, 1 not done (dup or missing) */
static int
proxy_change(DICT_PROXY *dp, const char *request, const char *key,
             const char *value)
{
    int status = proxy_call(dp, request, key, value);

    if (status == MAIL_STAT_OK)
        return 0;
    if (status == MAIL_STAT_NOTFOUND)
        return 1;
    proxy_fail(dp, status, request);
    return -1;
}

/* proxy_update - store key = value through proxywrite */
static int
proxy_update(DICT *d, const char *key, const char *value)
{
    return proxy_change((DICT_PROXY *) d, PROXY_REQ_UPDATE, key, value);
}

/* proxy_delete - remove key through proxywrite */
static int
proxy_delete(DICT *d, const char *key)
{
    return proxy_change((DICT_PROXY *) d, PROXY_REQ_DELETE, key, NULL);
}

/* proxy_close - release the handle and its use of the shared client */
static void
proxy_close(DICT *d)
{
    DICT_PROXY *dp = (DICT_PROXY *) d;

    proxy_clnt_detach(dp->writer);
    attr_list_free(dp->req);
    attr_list_free(dp->reply);
    strbuf_free(dp->value);
    strbuf_free(dp->why);
    dict_free(d);
}

/* proxy_open_check - PROXY_REQ_OPEN: may proxymap use it, and what is it */
static int
proxy_open_check(DICT_PROXY *dp, STRBUF *err)
{
    uint32_t status, kind;
    int ret = proxy_call(dp, PROXY_REQ_OPEN, NULL, NULL);

    if (ret == MAIL_STAT_OK &&
        attr_scan(dp->reply, ATTR_FLAG_STRICT, dp->why, ATTR_TYPE_INT,
                  MAIL_ATTR_STATUS, &status, ATTR_TYPE_INT, PROXY_ATTR_FLAGS,
                  &kind, ATTR_TYPE_END) >= 0) {
        dp->dict.flags = (int) (kind & DICT_PROXY_KIND_MASK);
        return 0;
    }
    strbuf_sprintf(err, "%s:%s: %s", dp->dict.type, dp->dict.name,
                   ret == MAIL_STAT_NOTFOUND ? "malformed reply from proxymap"
                                             : STR(dp->why));
    return -1;
}

/* dict_proxy_open - open proxy:name, checked with proxymap at once */
DICT *
dict_proxy_open(const char *name, int open_flags, int dict_flags, STRBUF *err)
{
    const char *colon = strchr(name, ':');
    int mode = open_flags & O_ACCMODE;
    DICT_PROXY *dp;

    if (colon == NULL || colon == name) {
        strbuf_sprintf(err, "proxy:%s: need proxy:type:name", name);
        return NULL;
    }
    if ((mode != O_RDONLY && mode != O_RDWR) || (open_flags & O_TRUNC)) {
        strbuf_sprintf(err, "proxy:%s: open as O_RDONLY or O_RDWR only", name);
        return NULL;
    }
    dp = (DICT_PROXY *) dict_alloc(DICT_TYPE_PROXY, name, sizeof(*dp));
    dp->writer = (mode == O_RDWR);
    dp->wire_flags = (uint32_t) (dict_flags & DICT_PROXY_FLAG_MASK);
    dp->req = attr_list_create();
    dp->reply = attr_list_create();
    dp->value = strbuf_create(100);
    dp->why = strbuf_create(100);
    dp->dict.lookup = proxy_lookup;
    dp->dict.update = proxy_update;
    dp->dict.delete = proxy_delete;
    dp->dict.sequence = dict_noseq_sequence;
    dp->dict.close = proxy_close;
    proxy_clnt_attach(dp->writer);
    if (proxy_open_check(dp, err) < 0) {
        dict_close(&dp->dict);
        return NULL;
    }
    return &dp->dict;
}

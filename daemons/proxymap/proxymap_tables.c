/*
 * proxymap_tables - the logic of the proxymap daemon.
 *
 * proxymap_tables_create(service, err) prepares one process's state.  The
 * service named by proxywrite_service_name is the writer: it serves the
 * tables of proxy_write_maps, opened O_RDWR|O_CREAT with per-operation
 * locks, and takes updates and deletes.  Any other service name serves
 * proxy_read_maps, opened O_RDONLY, lookups only.  The list parameter is
 * expanded ($name) and split once, at create; as in Postfix, only its
 * elements that begin with "proxy:" approve a table, named without that
 * prefix ("proxy:unix:passwd.byname" approves "unix:passwd.byname"), and
 * the other elements (tables opened directly, domain names, restriction
 * keywords) are ignored.  A list that cannot be expanded or split fails
 * the create: NULL, with the reason in err.
 *
 * proxymap_tables_open() opens an approved table once per type:name and
 * dict flags (the client's flags masked by DICT_PROXY_FLAG_MASK) and
 * keeps it for the life of the process; a failed open is logged, not
 * kept, and tried again by the next request.  The writer keeps one handle
 * per type:name (two handles of one db file in a process would not see
 * each other's changes) and sets the duplicate and folding flags of each
 * request on it, since db tables apply those per operation.  It returns
 * MAIL_STAT_OK with the table (owned here), or MAIL_STAT_DENY or
 * MAIL_STAT_RETRY with a reason for the client.
 *
 * proxymap_tables_request() serves one decoded request (PROXY_REQ_*,
 * read strictly: each request takes exactly its attributes) and returns
 * the reply's MAIL_STAT_* status, a reason for every status but OK, and
 * the reply's other attributes in extra (the table's
 * DICT_PROXY_KIND_MASK flags for an open, the value for a lookup).  A
 * client's mistake is an answer, never an exit.  Names and keys from a
 * client are made printable before they are logged.
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>

#include "argv.h"
#include "dict_proxy.h"
#include "htable.h"
#include "mail_conf.h"
#include "mail_proto.h"
#include "msg.h"
#include "mymalloc.h"
#include "proxymap_tables.h"
#include "stringops.h"
#include "strlist.h"

/* The prefix that approves a table in proxy_read_maps/proxy_write_maps. */
#define PROXY_PREFIX     DICT_TYPE_PROXY ":"
#define PROXY_PREFIX_LEN (sizeof(PROXY_PREFIX) - 1)

/* The flags of the writer's shared handle that each request sets. */
#define PROXYMAP_WRITER_FLAGS                                                  \
    (DICT_FLAG_DUP_WARN | DICT_FLAG_DUP_IGNORE | DICT_FLAG_DUP_REPLACE |       \
     DICT_FLAG_FOLD_ANY)

/* How much of a client's table name or key goes into a message. */
#define PROXYMAP_LOG_MAX 200

struct PROXYMAP_TABLES {
    int writer;            /* proxywrite: proxy_write_maps, updates */
    const char *list_name; /* "proxy_read_maps" or "proxy_write_maps" */
    int open_flags;        /* O_RDONLY, or O_RDWR|O_CREAT */
    HTABLE *allowed;       /* approved "type:name" -> NULL */
    HTABLE *open;          /* "flags:type:name" -> DICT */
    STRBUF *request;       /* the request being served, from the client */
    STRBUF *table;
    STRBUF *key;
    STRBUF *value;
    STRBUF *cache_key;
    STRBUF *safe; /* printable copies for messages */
};

/* approve_one - add an element of the list if it approves a table */
static void
approve_one(HTABLE *allowed, const char *elem)
{
    if (strncmp(elem, PROXY_PREFIX, PROXY_PREFIX_LEN) != 0)
        return;
    /* "proxy:proxy:x" approves x too. */
    while (strncmp(elem, PROXY_PREFIX, PROXY_PREFIX_LEN) == 0)
        elem += PROXY_PREFIX_LEN;
    if (strchr(elem, ':') == NULL || elem[0] == ':')
        return;
    if (htable_locate(allowed, elem) == NULL)
        htable_enter(allowed, elem, NULL);
}

/* load_allowed - the approved tables of the list parameter; 0 or -1 */
static int
load_allowed(PROXYMAP_TABLES *pt, STRBUF *err)
{
    STRBUF *value = strbuf_create(1000);
    ARGV *elems = argv_alloc(32);
    int ret = -1;
    size_t i;

    if (mail_conf_eval(pt->list_name, value, err) == 0) {
        if (strlist_split(STR(value), STRLIST_SEP, 0, elems, err) == 0) {
            for (i = 0; i < elems->argc; i++)
                approve_one(pt->allowed, elems->argv[i]);
            ret = 0;
        } else {
            strbuf_sprintf(value, "parameter %s: %s", pt->list_name, STR(err));
            strbuf_strcpy(err, STR(value));
        }
    }
    argv_free(elems);
    strbuf_free(value);
    return ret;
}

/* proxymap_tables_create - the state of a proxymap or proxywrite process */
PROXYMAP_TABLES *
proxymap_tables_create(const char *service, STRBUF *err)
{
    PROXYMAP_TABLES *pt = mycalloc(1, sizeof(*pt));
    char *writer_name = mail_conf_str("proxywrite_service_name");

    pt->writer = (strcmp(service, writer_name) == 0);
    myfree(writer_name);
    pt->list_name = pt->writer ? "proxy_write_maps" : "proxy_read_maps";
    pt->open_flags = pt->writer ? (O_RDWR | O_CREAT) : O_RDONLY;
    pt->allowed = htable_create(64);
    pt->open = htable_create(16);
    pt->request = strbuf_create(16);
    pt->table = strbuf_create(100);
    pt->key = strbuf_create(100);
    pt->value = strbuf_create(100);
    pt->cache_key = strbuf_create(100);
    pt->safe = strbuf_create(100);
    if (load_allowed(pt, err) < 0)
        return proxymap_tables_free(pt);
    return pt;
}

/* close_table - HTABLE_FREE_FN for the open tables */
static void
close_table(void *d)
{
    dict_close((DICT *) d);
}

/* proxymap_tables_free - close every table and release the state */
PROXYMAP_TABLES *
proxymap_tables_free(PROXYMAP_TABLES *pt)
{
    if (pt == NULL)
        return NULL;
    htable_free(pt->allowed, NULL);
    htable_free(pt->open, close_table);
    strbuf_free(pt->request);
    strbuf_free(pt->table);
    strbuf_free(pt->key);
    strbuf_free(pt->value);
    strbuf_free(pt->cache_key);
    strbuf_free(pt->safe);
    myfree(pt);
    return NULL;
}

/* proxymap_tables_writer - is this the proxywrite service? */
int
proxymap_tables_writer(const PROXYMAP_TABLES *pt)
{
    return pt->writer;
}

/* proxymap_tables_list_name - the parameter that approves tables here */
const char *
proxymap_tables_list_name(const PROXYMAP_TABLES *pt)
{
    return pt->list_name;
}

/* proxymap_tables_allowed - may a client use table "type:name"? */
int
proxymap_tables_allowed(const PROXYMAP_TABLES *pt, const char *table)
{
    return htable_locate(pt->allowed, table) != NULL;
}

/* proxymap_tables_count - how many tables are open (for tests) */
size_t
proxymap_tables_count(const PROXYMAP_TABLES *pt)
{
    return pt->open->used;
}

/* safe_text - a client's text, printable and cut, for a message */
static const char *
safe_text(PROXYMAP_TABLES *pt, const char *text)
{
    return STR(printable(pt->safe, text, strlen(text), PROXYMAP_LOG_MAX, '?'));
}

/* open_denied - a table that is not approved: log and say why */
static int
open_denied(PROXYMAP_TABLES *pt, const char *table, STRBUF *reason)
{
    const char *safe = safe_text(pt, table);

    msg_warn("request for unapproved table \"%s\"; to approve it, list "
             "proxy:%s in %s",
             safe, safe, pt->list_name);
    strbuf_sprintf(reason, "table is not listed in %s", pt->list_name);
    return MAIL_STAT_DENY;
}

/* proxymap_tables_open - an approved table, opened once; MAIL_STAT_* */
int
proxymap_tables_open(PROXYMAP_TABLES *pt, const char *table, int dict_flags,
                     DICT **dict, STRBUF *reason)
{
    DICT *d;

    *dict = NULL;
    if (!proxymap_tables_allowed(pt, table))
        return open_denied(pt, table, reason);
    dict_flags &= DICT_PROXY_FLAG_MASK;
    /* A writer has one handle per file: two would not see each other. */
    if (pt->writer)
        strbuf_strcpy(pt->cache_key, table);
    else
        strbuf_sprintf(pt->cache_key, "%x:%s", (unsigned) dict_flags, table);
    if ((d = htable_find(pt->open, STR(pt->cache_key))) == NULL) {
        /* Writers share files with other processes: lock and write out
         * each operation. */
        d = dict_open(table, pt->open_flags,
                      dict_flags | (pt->writer ? DICT_FLAG_LOCK |
                                                     DICT_FLAG_SYNC_UPDATE
                                               : 0),
                      reason);
        if (d == NULL) {
            msg_warn("open %s: %s", safe_text(pt, table), STR(reason));
            return MAIL_STAT_RETRY;
        }
        htable_enter(pt->open, STR(pt->cache_key), d);
    }
    /* Writable tables apply these at each operation: this client's. */
    if (pt->writer)
        d->flags = (d->flags & ~PROXYMAP_WRITER_FLAGS) |
                   (dict_flags & PROXYMAP_WRITER_FLAGS);
    *dict = d;
    return MAIL_STAT_OK;
}

/* A request: its attributes beyond request, table and flags, its handler. */
typedef struct PROXYMAP_OP {
    const char *name; /* PROXY_REQ_* */
    int has_key;      /* PROXY_ATTR_KEY */
    int has_value;    /* PROXY_ATTR_VALUE */
    int writes;       /* proxywrite only */
    int (*handler)(PROXYMAP_TABLES *pt, DICT *d, ATTR_LIST *extra,
                   STRBUF *reason);
} PROXYMAP_OP;

/* do_open - PROXY_REQ_OPEN: the table is approved and open */
static int
do_open(PROXYMAP_TABLES *pt, DICT *d, ATTR_LIST *extra, STRBUF *reason)
{
    (void) pt;
    (void) reason;
    attr_put_int(extra, PROXY_ATTR_FLAGS,
                 (uint32_t) (d->flags & DICT_PROXY_KIND_MASK));
    return MAIL_STAT_OK;
}

/* failed - a table operation failed (the driver logged the details) */
static int
failed(PROXYMAP_TABLES *pt, DICT *d, const char *what, STRBUF *reason)
{
    strbuf_sprintf(reason, "%s:%s: %s of \"%s\" failed", d->type, d->name, what,
                   safe_text(pt, STR(pt->key)));
    return MAIL_STAT_RETRY;
}

/* not_found - MAIL_STAT_NOTFOUND, whose reply carries a reason too */
static int
not_found(STRBUF *reason, const char *text)
{
    strbuf_strcpy(reason, text);
    return MAIL_STAT_NOTFOUND;
}

/* do_lookup - PROXY_REQ_LOOKUP: the value, or not found */
static int
do_lookup(PROXYMAP_TABLES *pt, DICT *d, ATTR_LIST *extra, STRBUF *reason)
{
    const char *value = dict_get(d, STR(pt->key));

    if (value != NULL) {
        attr_put_str(extra, PROXY_ATTR_VALUE, value);
        return MAIL_STAT_OK;
    }
    if (d->error == DICT_ERR_NONE)
        return not_found(reason, "not found");
    return failed(pt, d, "lookup", reason);
}

/* do_update - PROXY_REQ_UPDATE: NOTFOUND when a duplicate was kept */
static int
do_update(PROXYMAP_TABLES *pt, DICT *d, ATTR_LIST *extra, STRBUF *reason)
{
    int ret = dict_put(d, STR(pt->key), STR(pt->value));

    (void) extra;
    if (ret < 0)
        return failed(pt, d, "update", reason);
    return ret == 0 ? MAIL_STAT_OK : not_found(reason, "duplicate key kept");
}

/* do_delete - PROXY_REQ_DELETE: NOTFOUND when the key was not there */
static int
do_delete(PROXYMAP_TABLES *pt, DICT *d, ATTR_LIST *extra, STRBUF *reason)
{
    int ret = dict_del(d, STR(pt->key));

    (void) extra;
    if (ret < 0)
        return failed(pt, d, "delete", reason);
    return ret == 0 ? MAIL_STAT_OK : not_found(reason, "not found");
}

static const PROXYMAP_OP proxymap_ops[] = {
    {PROXY_REQ_OPEN, 0, 0, 0, do_open},
    {PROXY_REQ_LOOKUP, 1, 0, 0, do_lookup},
    {PROXY_REQ_UPDATE, 1, 1, 1, do_update},
    {PROXY_REQ_DELETE, 1, 0, 1, do_delete},
};

/* find_op - the request named name, or NULL */
static const PROXYMAP_OP *
find_op(const char *name)
{
    size_t i;

    for (i = 0; i < sizeof(proxymap_ops) / sizeof(proxymap_ops[0]); i++)
        if (strcmp(proxymap_ops[i].name, name) == 0)
            return &proxymap_ops[i];
    return NULL;
}

/* scan_request - exactly the attributes op takes; 0, or -1 and why */
static int
scan_request(PROXYMAP_TABLES *pt, const ATTR_LIST *req, const PROXYMAP_OP *op,
             uint32_t *flags, STRBUF *why)
{
    int ret;

    strbuf_reset(pt->key);
    strbuf_reset(pt->value);
    if (op->has_value)
        ret =
            attr_scan(req, ATTR_FLAG_STRICT, why, ATTR_TYPE_STR, MAIL_ATTR_REQ,
                      pt->request, ATTR_TYPE_STR, PROXY_ATTR_TABLE, pt->table,
                      ATTR_TYPE_INT, PROXY_ATTR_FLAGS, flags, ATTR_TYPE_STR,
                      PROXY_ATTR_KEY, pt->key, ATTR_TYPE_STR, PROXY_ATTR_VALUE,
                      pt->value, ATTR_TYPE_END);
    else if (op->has_key)
        ret =
            attr_scan(req, ATTR_FLAG_STRICT, why, ATTR_TYPE_STR, MAIL_ATTR_REQ,
                      pt->request, ATTR_TYPE_STR, PROXY_ATTR_TABLE, pt->table,
                      ATTR_TYPE_INT, PROXY_ATTR_FLAGS, flags, ATTR_TYPE_STR,
                      PROXY_ATTR_KEY, pt->key, ATTR_TYPE_END);
    else
        ret =
            attr_scan(req, ATTR_FLAG_STRICT, why, ATTR_TYPE_STR, MAIL_ATTR_REQ,
                      pt->request, ATTR_TYPE_STR, PROXY_ATTR_TABLE, pt->table,
                      ATTR_TYPE_INT, PROXY_ATTR_FLAGS, flags, ATTR_TYPE_END);
    return ret < 0 ? -1 : 0;
}

/* proxymap_tables_request - serve one request; MAIL_STAT_* */
int
proxymap_tables_request(PROXYMAP_TABLES *pt, const ATTR_LIST *req,
                        ATTR_LIST *extra, STRBUF *reason)
{
    const char *name = attr_get_str(req, MAIL_ATTR_REQ);
    const PROXYMAP_OP *op;
    uint32_t flags;
    DICT *d;
    int status;

    strbuf_reset(reason);
    if (name == NULL || (op = find_op(name)) == NULL) {
        strbuf_sprintf(reason, "unknown request \"%s\"",
                       name ? safe_text(pt, name) : "(none)");
        return MAIL_STAT_BAD;
    }
    if (scan_request(pt, req, op, &flags, reason) < 0)
        return MAIL_STAT_BAD;
    if (op->writes && !pt->writer) {
        strbuf_sprintf(reason, "%s requests are served by proxywrite only",
                       op->name);
        return MAIL_STAT_DENY;
    }
    status = proxymap_tables_open(pt, STR(pt->table), (int) flags, &d, reason);
    if (status != MAIL_STAT_OK)
        return status;
    return op->handler(pt, d, extra, reason);
}

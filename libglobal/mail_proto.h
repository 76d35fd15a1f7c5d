#ifndef MAIL_PROTO_H
#define MAIL_PROTO_H

/*
 * mail_proto - the names every Postern IPC request uses, and the client
 * side plumbing: connect to a service, send a one-byte trigger, and
 * MAIL_CLNT, a reusable request/reply connection.
 *
 * A request is an attribute list (attr.h) whose first attribute is the
 * string MAIL_ATTR_REQ naming the request; the server always answers
 * with a list that holds MAIL_ATTR_STATUS (a number, MAIL_STAT_*) and,
 * when the status is not MAIL_STAT_OK, MAIL_ATTR_REASON (text).
 * Attribute names of every service live here, so client and server
 * share one spelling.  docs/ipc.md documents each request.
 *
 * Services are UNIX sockets named CLASS/SERVICE relative to
 * queue_directory (daemons run with queue_directory as their working
 * folder, chrooted or not); commands pass an absolute queue_directory.
 * Errors are returned (-1, errno or a reason), never fatal.
 */
#include <stddef.h>

#include "attr.h"
#include "strbuf.h"
#include "stream.h"

/* Service classes: folders under queue_directory. */
#define MAIL_CLASS_PRIVATE "private" /* mail_owner only */
#define MAIL_CLASS_PUBLIC  "public"  /* setgid_group too */

/* Service names (master.cf's first column, Postfix's names). */
#define MAIL_SERVICE_ANVIL    "anvil"
#define MAIL_SERVICE_PROXYMAP "proxymap"
#define MAIL_SERVICE_PROXYWRITE "proxywrite"
#define MAIL_SERVICE_POSTLOG  "postlog"
#define MAIL_SERVICE_PICKUP   "pickup"
#define MAIL_SERVICE_QMGR     "qmgr"
#define MAIL_SERVICE_CLEANUP  "cleanup"
#define MAIL_SERVICE_REWRITE  "rewrite"
#define MAIL_SERVICE_BOUNCE   "bounce"
#define MAIL_SERVICE_DEFER    "defer"
#define MAIL_SERVICE_TRACE    "trace"
#define MAIL_SERVICE_SHOWQ    "showq"
#define MAIL_SERVICE_FLUSH    "flush"

/* Attributes common to every request and reply. */
#define MAIL_ATTR_REQ    "request" /* string: the request's name */
#define MAIL_ATTR_STATUS "status"  /* number: MAIL_STAT_* */
#define MAIL_ATTR_REASON "reason"  /* string: why, when not OK */

/* Reply status values. */
#define MAIL_STAT_OK     0 /* done */
#define MAIL_STAT_NOTFOUND 1 /* a lookup found nothing */
#define MAIL_STAT_RETRY  2 /* temporary failure: try again later */
#define MAIL_STAT_DENY   3 /* not allowed (proxy_read_maps, say) */
#define MAIL_STAT_BAD    4 /* malformed or unknown request */

/* anvil(8) requests and attributes. */
#define ANVIL_REQ_CONNECT    "connect"    /* a client connected */
#define ANVIL_REQ_DISCONNECT "disconnect" /* a client went */
#define ANVIL_REQ_MESSAGE    "message"    /* a MAIL FROM */
#define ANVIL_REQ_RECIPIENT  "recipient"  /* an RCPT TO */
#define ANVIL_REQ_NEWTLS     "newtls"     /* a new TLS session */
#define ANVIL_REQ_NEWAUTH    "auth"       /* an AUTH command */
#define ANVIL_REQ_LOOKUP     "lookup"     /* report a client's counters */
#define ANVIL_ATTR_IDENT     "ident"      /* string: service:client_addr */
#define ANVIL_ATTR_COUNT     "count"      /* number: open connections */
#define ANVIL_ATTR_RATE      "rate"       /* number: connection rate */
#define ANVIL_ATTR_MAIL      "mail"       /* number: message rate */
#define ANVIL_ATTR_RCPT      "rcpt"       /* number: recipient rate */
#define ANVIL_ATTR_NTLS      "ntls"       /* number: new TLS session rate */
#define ANVIL_ATTR_AUTH      "auth"       /* number: AUTH rate */

/* proxymap(8) requests and attributes. */
#define PROXY_REQ_OPEN    "open"   /* check that a table may be used */
#define PROXY_REQ_LOOKUP  "lookup" /* key -> value */
#define PROXY_REQ_UPDATE  "update" /* key = value (proxywrite only) */
#define PROXY_REQ_DELETE  "delete" /* remove key (proxywrite only) */
#define PROXY_ATTR_TABLE  "table"  /* string: type:name */
#define PROXY_ATTR_FLAGS  "flags"  /* number: DICT_FLAG_* of the client */
#define PROXY_ATTR_KEY    "key"    /* string */
#define PROXY_ATTR_VALUE  "value"  /* string */

/* trivial-rewrite(8) requests and attributes. */
#define REWRITE_REQ_REWRITE "rewrite" /* address to standard form */
#define REWRITE_ATTR_RULE   "rule"    /* string: "local" or "remote" */
#define REWRITE_ATTR_ADDR   "address" /* string: internal form */

/* Triggers: one byte written to a FIFO or UNIX socket. */
#define TRIGGER_REQ_WAKEUP 'W' /* wake up: look for work */
#define TRIGGER_REQ_SCAN   'S' /* scan the queue now (pickup, qmgr) */
#define TRIGGER_REQ_FLUSH  'F' /* deliver deferred mail now (qmgr) */

/* mail_service_path - queue_dir/class/service (queue_dir NULL: relative) */
extern STRBUF *mail_service_path(STRBUF *out, const char *queue_dir,
                                 const char *class, const char *service);

/* mail_connect - a STREAM to a service, with the deadline set; NULL+errno */
extern STREAM *mail_connect(const char *queue_dir, const char *class,
                            const char *service, int timeout_ms);

/* mail_trigger - write trigger bytes to a FIFO or UNIX socket; -1+errno */
extern int mail_trigger(const char *queue_dir, const char *class,
                        const char *service, const char *buf, size_t len,
                        int timeout_ms);

/* mail_reply - answer a request: status, and a reason unless OK */
extern int mail_reply(STREAM *st, int status, const char *reason,
                      ATTR_LIST *extra);

/*
 * MAIL_CLNT - a connection to one service reused across requests: it
 * connects on first use, reconnects once when a reused connection turns
 * out dead, and closes after idle_s seconds unused or ttl_s seconds of
 * life (ipc_idle, ipc_ttl).
 */
typedef struct MAIL_CLNT MAIL_CLNT;

extern MAIL_CLNT *mail_clnt_create(const char *queue_dir, const char *class,
                                   const char *service, int timeout_ms,
                                   int idle_s, int ttl_s);
extern MAIL_CLNT *mail_clnt_free(MAIL_CLNT *clnt);

/*
 * mail_clnt_request - send req, read the reply into reply (reset first).
 * Returns the reply's MAIL_ATTR_STATUS, or -1 with a reason in why when
 * the service cannot be reached or answers malformed.
 */
extern int mail_clnt_request(MAIL_CLNT *clnt, const ATTR_LIST *req,
                             ATTR_LIST *reply, STRBUF *why);

#endif

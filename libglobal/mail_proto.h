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
#define REWRITE_REQ_RESOLVE "resolve" /* address to transport, nexthop */

/* The "resolve" request: sender (optional) and address; the reply. */
#define RESOLVE_ATTR_SENDER    "sender"    /* string: for sender maps */
#define RESOLVE_ATTR_TRANSPORT "transport" /* string: master.cf service */
#define RESOLVE_ATTR_NEXTHOP   "nexthop"   /* string: destination or text */
#define RESOLVE_ATTR_RECIPIENT "recipient" /* string: standard form */
#define RESOLVE_ATTR_FLAGS     "flags"     /* number: RESOLVE_FLAG_* */

/* RESOLVE_FLAG_*: the address class (one of the first five) and notes. */
#define RESOLVE_FLAG_LOCAL          (1 << 0) /* mydestination, ours */
#define RESOLVE_FLAG_ALIAS          (1 << 1) /* virtual_alias_domains */
#define RESOLVE_FLAG_VIRTUAL        (1 << 2) /* virtual_mailbox_domains */
#define RESOLVE_FLAG_RELAY          (1 << 3) /* relay_domains */
#define RESOLVE_FLAG_DEFAULT        (1 << 4) /* everything else */
#define RESOLVE_FLAG_ERROR          (1 << 5) /* the transport is error: */
#define RESOLVE_FLAG_FAIL           (1 << 6) /* a table failed: retry */
#define RESOLVE_FLAG_ROUTED         (1 << 7) /* @ % ! in the local part */
#define RESOLVE_FLAG_DOMAIN_LITERAL (1 << 8) /* the domain is [address] */
#define RESOLVE_CLASS_MASK (RESOLVE_FLAG_LOCAL | RESOLVE_FLAG_ALIAS | \
    RESOLVE_FLAG_VIRTUAL | RESOLVE_FLAG_RELAY | RESOLVE_FLAG_DEFAULT)

/*
 * cleanup(8): one message per connection (docs/ipc.md, "cleanup").  The
 * client sends "open" and reads the reply (the queue ID); then, without
 * waiting for replies, "time" (optional), "sender", "attr"s, "rcpt"s,
 * "data" frames and "end"; then reads the one final reply.  "fate" may
 * come anywhere after "sender", before "end" (smtpd's late decisions).
 */
#define CLEANUP_REQ_OPEN   "open"   /* flags -> queue_id */
#define CLEANUP_REQ_TIME   "time"   /* arrival_sec, arrival_usec */
#define CLEANUP_REQ_SENDER "sender" /* address ("" for <>) */
#define CLEANUP_REQ_ATTR   "attr"   /* name, value: an envelope attribute */
#define CLEANUP_REQ_RCPT   "rcpt"   /* address, [orcpt] [dsn_orcpt] [notify] */
#define CLEANUP_REQ_DATA   "data"   /* data: content bytes, LF-ended lines */
#define CLEANUP_REQ_FATE   "fate"   /* [hold] [discard] [filter] [redirect] */
#define CLEANUP_REQ_END    "end"    /* end of message -> final reply */
#define CLEANUP_ATTR_FLAGS     "flags"        /* number: CLEANUP_FLAG_* */
#define CLEANUP_ATTR_QUEUE_ID  "queue_id"     /* string */
#define CLEANUP_ATTR_SEC       "arrival_sec"  /* long */
#define CLEANUP_ATTR_USEC      "arrival_usec" /* number */
#define CLEANUP_ATTR_ADDR      "address"      /* string */
#define CLEANUP_ATTR_ORCPT     "orcpt"        /* string: original recipient */
#define CLEANUP_ATTR_DSN_ORCPT "dsn_orcpt"    /* string: RFC 3461 ORCPT */
#define CLEANUP_ATTR_NOTIFY    "notify"       /* number: DSN_NOTIFY_* */
#define CLEANUP_ATTR_NAME      "name"         /* string: attribute name */
#define CLEANUP_ATTR_VALUE     "value"        /* string: attribute value */
#define CLEANUP_ATTR_DATA      "data"         /* data: content bytes */
#define CLEANUP_ATTR_STAT      "cleanup_status" /* number: CLEANUP_STAT_* */
#define CLEANUP_ATTR_DSN       "dsn"          /* string: "x.y.z" */
#define CLEANUP_ATTR_HOLD      "hold"         /* number: 1: to hold/ */
#define CLEANUP_ATTR_DISCARD   "discard"      /* number: 1: drop, say OK */
#define CLEANUP_ATTR_FILTER    "filter"       /* string: transport:dest */
#define CLEANUP_ATTR_REDIRECT  "redirect"     /* string: the one rcpt */

/* Largest "data" payload a client sends in one frame. */
#define CLEANUP_DATA_CHUNK (64 * 1024)

/* "open" flags: what cleanup does to this message. */
#define CLEANUP_FLAG_FILTER  (1 << 0) /* header_checks, body_checks */
#define CLEANUP_FLAG_MAP     (1 << 1) /* canonical, masquerade, virtual */
#define CLEANUP_FLAG_EXTRACT (1 << 2) /* sendmail -t: rcpts from headers */
#define CLEANUP_FLAG_HOLD    (1 << 3) /* put the message on hold */
#define CLEANUP_FLAG_BOUNCE  (1 << 4) /* a permanent refusal bounces */
#define CLEANUP_FLAG_MASK    0x1f

/* Final reply's cleanup_status bits (0: queued, or discarded on purpose). */
#define CLEANUP_STAT_BAD   (1 << 0) /* protocol or format error */
#define CLEANUP_STAT_WRITE (1 << 1) /* queue file I/O error (temporary) */
#define CLEANUP_STAT_SIZE  (1 << 2) /* over message_size_limit */
#define CLEANUP_STAT_CONT  (1 << 3) /* content rejected (reason says why) */
#define CLEANUP_STAT_HOPS  (1 << 4) /* too many Received: headers */
#define CLEANUP_STAT_RCPT  (1 << 5) /* no recipients */
#define CLEANUP_STAT_DEFER (1 << 6) /* temporary: a table or service failed */

/*
 * showq(8): the client connects and sends nothing; showq streams one
 * "message" frame per queue file, then one "rcpt" frame per recipient of
 * it, and ends with one "end" frame (docs/ipc.md, "showq").
 */
#define SHOWQ_ATTR_KIND     "kind"          /* string: SHOWQ_KIND_* */
#define SHOWQ_KIND_MESSAGE  "message"       /* a queue file */
#define SHOWQ_KIND_RCPT     "rcpt"          /* one recipient of it */
#define SHOWQ_KIND_END      "end"           /* no more: status, count */
#define SHOWQ_ATTR_QUEUE    "queue_name"    /* string */
#define SHOWQ_ATTR_ID       "queue_id"      /* string */
#define SHOWQ_ATTR_TIME     "arrival_time"  /* long: seconds */
#define SHOWQ_ATTR_SIZE     "message_size"  /* long: bytes */
#define SHOWQ_ATTR_EXPIRE   "forced_expire" /* number: 0 or 1 */
#define SHOWQ_ATTR_SENDER   "sender"        /* string */
#define SHOWQ_ATTR_RCPTS    "recipients"    /* number: rcpt frames after */
#define SHOWQ_ATTR_ADDR     "address"       /* string: a recipient */
#define SHOWQ_ATTR_REASON   "delay_reason"  /* string: "" when none */
#define SHOWQ_ATTR_COUNT    "count"         /* number: messages listed */
#define SHOWQ_ATTR_TRUNC    "truncated"     /* number: 1 when a cap hit */

/* flush(8): per-destination and per-message delivery on request. */
#define FLUSH_REQ_SEND_SITE "send_site" /* site: deliver mail for it */
#define FLUSH_REQ_SEND_FILE "send_file" /* queue_id: deliver this one */
#define FLUSH_REQ_ADD       "add"       /* site, queue_id: remember */
#define FLUSH_REQ_REFRESH   "refresh"   /* refresh logs, as needed */
#define FLUSH_REQ_PURGE     "purge"     /* refresh every log, now */
#define FLUSH_ATTR_SITE     "site"      /* string: a destination */
#define FLUSH_ATTR_QUEUE_ID "queue_id"  /* string */

/* Delivery requests: qmgr -> private/TRANSPORT (docs/ipc.md). */
#define MAIL_SERVICE_ERROR   "error"
#define MAIL_SERVICE_RETRY   "retry"
#define MAIL_SERVICE_DISCARD "discard"
#define DELIVER_REQ_DELIVER  "deliver"      /* one message, N rcpt frames */
#define DELIVER_ATTR_FLAGS   "flags"        /* number: DEL_FLAG_* */
#define DELIVER_ATTR_QUEUE   "queue_name"   /* string */
#define DELIVER_ATTR_ID      "queue_id"     /* string */
#define DELIVER_ATTR_OFFSET  "data_offset"  /* long: content offset */
#define DELIVER_ATTR_SIZE    "data_size"    /* long: content size */
#define DELIVER_ATTR_NEXTHOP "nexthop"      /* string */
#define DELIVER_ATTR_SENDER  "sender"       /* string, "" for <> */
#define DELIVER_ATTR_ENCODING "encoding"    /* "", "7bit", "8bitmime" */
#define DELIVER_ATTR_SMTPUTF8 "smtputf8"    /* number: 0 or 1 */
#define DELIVER_ATTR_ENVID   "envid"        /* string: RFC 3461, xtext */
#define DELIVER_ATTR_RET     "ret"          /* number: DEL_RET_* */
#define DELIVER_ATTR_ARR_SEC "arrival_sec"  /* long */
#define DELIVER_ATTR_ARR_USEC "arrival_usec" /* number */
#define DELIVER_ATTR_ACT_SEC "active_sec"   /* long */
#define DELIVER_ATTR_ACT_USEC "active_usec" /* number */
#define DELIVER_ATTR_RCPT_COUNT "rcpt_count" /* number: rcpt frames after */
#define DELIVER_ATTR_ADDR    "address"      /* string: recipient */
#define DELIVER_ATTR_ORIG    "orig"         /* string: original, "" */
#define DELIVER_ATTR_ORCPT   "dsn_orcpt"    /* string: RFC 3461 ORCPT, "" */
#define DELIVER_ATTR_NOTIFY  "notify"       /* number: DSN_NOTIFY_* */
#define DELIVER_ATTR_RCPT_OFF "offset"      /* long: the R record */
#define DELIVER_ATTR_RESULTS "results"      /* string: S T B D per rcpt */
#define DELIVER_ATTR_DEAD    "dead"         /* number: 1: site failed */

#define DEL_FLAG_EXPIRED    (1 << 0) /* past its lifetime: defer = bounce */
#define DEL_FLAG_BOUNCE_MSG (1 << 1) /* the message is itself a report */
#define DEL_FLAG_NO_RECORD  (1 << 2) /* report only: the caller records */
#define DEL_FLAG_MASK       0x7

#define DEL_RET_FULL 1 /* RET=FULL: return the whole message */
#define DEL_RET_HDRS 2 /* RET=HDRS: the headers only */

#define DEL_RESULT_SENT     'S' /* delivered */
#define DEL_RESULT_TRACED   'T' /* delivered, a success notice is due */
#define DEL_RESULT_BOUNCED  'B' /* bounced: logged, marked done */
#define DEL_RESULT_DEFERRED 'D' /* not done */

#define DEL_MAX_RCPT 10000 /* recipients per request */

/* bounce, defer, trace: private/bounce ... (docs/ipc.md). */
#define BOUNCE_REQ_APPEND "append" /* one recipient's outcome -> log */
#define BOUNCE_REQ_FLUSH  "flush"  /* report from the log, remove it */
#define BOUNCE_REQ_WARN   "warn"   /* delay warning from the defer log */
#define BOUNCE_ATTR_FLAGS  "flags"      /* number: DEL_FLAG_* */
#define BOUNCE_ATTR_QUEUE  "queue_name" /* string */
#define BOUNCE_ATTR_ID     "queue_id"   /* string */
#define BOUNCE_ATTR_STATUS "dsn_status" /* string: X.Y.Z */
#define BOUNCE_ATTR_ACTION "dsn_action" /* string: failed, delayed, ... */
#define BOUNCE_ATTR_REASON "reason"     /* string: text */
#define BOUNCE_ATTR_DIAG   "diag"       /* string: remote reply, "" */
#define BOUNCE_ATTR_MTA    "mta"        /* string: remote MTA, "" */
#define BOUNCE_ATTR_RELAY  "relay"      /* string: host[addr]:port, "" */
/* recipient: DELIVER_ATTR_ADDR, _ORIG, _ORCPT, _NOTIFY, _RCPT_OFF */

/*
 * Envelope attribute names (CLEANUP_REQ_ATTR, queue-file A records,
 * maildrop files).  Postfix's spellings.
 */
#define MAIL_ATTR_RWR_CONTEXT "rewrite_context" /* "local" or "remote" */
#define MAIL_ATTR_CLIENT_NAME "client_name"
#define MAIL_ATTR_CLIENT_ADDR "client_address"
#define MAIL_ATTR_CLIENT_PORT "client_port"
#define MAIL_ATTR_HELO_NAME   "helo_name"
#define MAIL_ATTR_PROTO_NAME  "protocol_name"   /* SMTP, ESMTP, ... */
#define MAIL_ATTR_SASL_METHOD "sasl_method"
#define MAIL_ATTR_SASL_USER   "sasl_username"
#define MAIL_ATTR_SASL_SENDER "sasl_sender"
#define MAIL_ATTR_DSN_ENVID   "envid"           /* RFC 3461 ENVID */
#define MAIL_ATTR_DSN_RET     "ret"             /* "FULL" or "HDRS" */
#define MAIL_ATTR_ENCODING    "encoding"        /* "7bit" or "8bitmime" */
#define MAIL_ATTR_SMTPUTF8    "smtputf8"        /* "yes" */
#define MAIL_ATTR_FULL_NAME   "full_name"       /* sendmail -F */
#define MAIL_ATTR_LOG_ORIGIN  "log_message_origin" /* "uid=N" or client */
#define MAIL_ATTR_FILTER      "content_filter"  /* FILTER action result */
#define MAIL_ATTR_REDIRECT    "redirect"        /* REDIRECT action result */

/* rewrite_context values. */
#define MAIL_RWR_LOCAL  "local"
#define MAIL_RWR_REMOTE "remote"

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

/* mail_clnt_create_conf - the same with ipc_timeout, ipc_idle, ipc_ttl */
extern MAIL_CLNT *mail_clnt_create_conf(const char *queue_dir,
                                        const char *class,
                                        const char *service);

/*
 * mail_clnt_request - send req, read the reply into reply (reset first).
 * Returns the reply's MAIL_ATTR_STATUS, or -1 with a reason in why when
 * the service cannot be reached or answers malformed.
 */
extern int mail_clnt_request(MAIL_CLNT *clnt, const ATTR_LIST *req,
                             ATTR_LIST *reply, STRBUF *why);

#endif

#ifndef DELIVER_REQUEST_H
#define DELIVER_REQUEST_H

/*
 * deliver_request - a delivery agent's side of qmgr's delivery requests
 * (docs/ipc.md, "Delivery agents").
 *
 * An agent's service callback (single_server_main) calls
 * deliver_request_serve(client, fn, context), which loops:
 *
 *   while ((req = deliver_request_read(client, why)) != NULL) {
 *       fn(req, context): for each recipient i,
 *           deliver_sent(req, i, &dsn) / deliver_bounce / deliver_defer
 *       deliver_request_done(req, MAIL_STAT_OK, NULL);
 *   }
 *
 * deliver_request_read() reads one request and its recipient frames
 * strictly (every count and length bounded), opens the queue file
 * queue_name/queue_id read-write with mail_queue_open() (the complete
 * mark is required), and returns a DELIVER_REQUEST that the caller owns
 * until deliver_request_done().  NULL at end of input, or on a malformed
 * request (it answers MAIL_STAT_BAD itself and logs why at info level),
 * or when the queue file cannot be opened: it answers MAIL_STAT_RETRY
 * ("queue file: ..."; qmgr defers), except ENOENT, which it answers OK
 * with every recipient 'D' and a warning (someone removed the file).
 * After a NULL the caller returns: the connection is done.
 *
 * req->content is positioned at data_offset; deliver_content_rewind()
 * puts it back there (an agent delivering to several mailboxes reads
 * the content once per mailbox).  Content records come from
 * record_get(); deliver_content_line() hands back one logical line
 * (L pieces joined, bounded by limit) without its end, and returns 0 at
 * the end of content, -1 on an error (reason in why: defer).
 *
 * Outcomes, one per recipient (a second one for the same index panics):
 *   deliver_sent()   - delivered: a trace entry when NOTIFY has SUCCESS
 *                      (action from dsn, "delivered" by default), then
 *                      the done mark; result 'S' or 'T';
 *   deliver_bounce() - a bounce entry, then the done mark; 'B';
 *   deliver_defer()  - a defer entry ('D'), or with DEL_FLAG_EXPIRED a
 *                      bounce entry and done mark ('B').
 * Each logs the Postfix-style line (to=, orig_to=, relay=, delay=,
 * delays=, dsn=, status=) and returns the result character.  When an
 * entry or mark cannot be written the recipient becomes 'D' with a
 * warning.  deliver_conn_done() records when the agent's connection (or
 * mailbox open) was ready, for delays= c and d.
 *
 * deliver_request_done() answers: with MAIL_STAT_OK, results for every
 * recipient (one without an outcome counts as deferred, with a warning
 * naming it: a bug in the agent), and dead/dead_reason; with another
 * status, the reason and no results.  It closes the queue file and
 * frees req.  Returns 0, or -1 when the reply could not be written.
 * Every reply frame (also the BAD, RETRY and missing-file ones that
 * deliver_request_read() writes) holds status, dead and reason ("" when
 * none); an OK one adds results.
 *
 * Content reading: after deliver_content_line() returned 0 it keeps
 * returning 0 until deliver_content_rewind().
 * deliver_set_dead() marks the destination as failed as a whole.
 *
 * deliver_relay(req, idx, result) takes over the outcome that another
 * agent recorded and logged for recipient idx (deliver_pass.h): result
 * is its DEL_RESULT_* character; nothing is written or logged here.  A
 * second outcome, a bad index or a bad character panics.
 *
 * deliver_log(req, idx, to, dsn) logs the Postfix-style line of one
 * destination that recipient idx expanded to (an alias's member, say):
 * to=<to>, orig_to=<recipient idx's address>, status from dsn's class
 * (2 sent, 5 bounced, else deferred); it records nothing.
 */
#include <sys/time.h>

#include "dsn.h"
#include "strbuf.h"
#include "stream.h"

typedef struct DELIVER_REQUEST {
    STREAM *client;   /* qmgr's connection (borrowed) */
    int flags;        /* DEL_FLAG_* */
    char *queue_name; /* "active", ... */
    char *queue_id;
    long long data_offset; /* content start in the queue file */
    long long data_size;
    char *nexthop;
    char *sender;   /* "" for <> */
    char *encoding; /* "", "7bit", "8bitmime" */
    int smtputf8;
    char *envid; /* xtext, "" */
    int ret;     /* DEL_RET_*, 0 */
    struct timeval arrival;
    struct timeval active;
    struct timeval received; /* when the request arrived here */
    struct timeval conn_done; /* deliver_conn_done(), or zero */
    RECIPIENT *rcpt;    /* rcpt_count entries, strings owned by req */
    size_t rcpt_count;
    char *results;      /* one DEL_RESULT_* or 0 per recipient */
    int fd;             /* the queue file, O_RDWR */
    STREAM *content;    /* reads the queue file from data_offset */
    int dead;
    STRBUF *dead_reason;
    int content_done; /* private: the content's end was read */
} DELIVER_REQUEST;

extern DELIVER_REQUEST *deliver_request_read(STREAM *client, STRBUF *why);

/*
 * deliver_request_serve - an agent's service loop: read each request on
 * client, hand it to fn (which gives every recipient an outcome), answer
 * MAIL_STAT_OK; until end of input or a reply that cannot be written.
 */
typedef void (*DELIVER_FN)(DELIVER_REQUEST *req, void *context);
extern void deliver_request_serve(STREAM *client, DELIVER_FN fn,
                                  void *context);
extern int deliver_request_done(DELIVER_REQUEST *req, int status,
                                const char *reason);

extern int deliver_content_rewind(DELIVER_REQUEST *req, STRBUF *why);
extern int deliver_content_line(DELIVER_REQUEST *req, STRBUF *line,
                                size_t limit, STRBUF *why);

extern int deliver_sent(DELIVER_REQUEST *req, size_t idx, const DSN *dsn);
extern int deliver_bounce(DELIVER_REQUEST *req, size_t idx, const DSN *dsn);
extern int deliver_defer(DELIVER_REQUEST *req, size_t idx, const DSN *dsn);

extern void deliver_relay(DELIVER_REQUEST *req, size_t idx, int result);
extern void deliver_log(const DELIVER_REQUEST *req, size_t idx, const char *to,
                        const DSN *dsn);
extern void deliver_conn_done(DELIVER_REQUEST *req);
extern void deliver_set_dead(DELIVER_REQUEST *req, const char *reason);

#endif

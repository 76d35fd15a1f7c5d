/*
 * local - the local(8) delivery agent: aliases, .forward files, mailboxes,
 * commands and files for the domains in mydestination.
 *
 * A single-server (master.cf: `local unix - n n - - local`, run as root:
 * it acts as each recipient, see set_eugid).  Each request from qmgr
 * (docs/ipc.md, "Delivery agents") is read with deliver_request_read();
 * each recipient goes to local_recipient() (local_recipient.c: loop
 * check, aliases, .forward, mailbox, luser_relay) and its outcome is
 * recorded by deliver_src_result() with relay=local, or, when
 * mailbox_transport or fallback_transport handed the recipient to another
 * agent (deliver_pass) that recorded it, taken over with deliver_relay().
 * Addresses an
 * expansion leads off this host go to cleanup as one new message
 * (local_resubmit), from owner-ALIAS when that alias exists, else from
 * the original sender, with "Delivered-To: RCPT" prepended so that a
 * copy that comes back is recognised as a loop.
 *
 * Tables and parameters are read before the first request (PRE_INIT);
 * bad values are fatal at start.  docs/local.md.
 */
#include <pwd.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "cleanup_clnt.h"
#include "deliver_pass.h"
#include "deliver_src.h"
#include "local.h"
#include "mail_conf.h"
#include "maildir_deliver.h"
#include "mail_proto.h"
#include "mail_server.h"
#include "msg.h"
#include "mymalloc.h"
#include "stringops.h"

/* How long cleanup may take to answer, per step. */
#define LOCAL_CLEANUP_TIMEOUT_MS (300 * 1000)

static LOCAL_PARAMS local_params;

/* local_resubmit_content - Delivered-To: and the message, to cleanup */
static int
local_resubmit_content(CLEANUP_CLNT *clnt, const MAIL_COPY_SRC *src,
                       STRBUF *why)
{
    STRBUF *line = strbuf_create(200);
    int got = 0;

    strbuf_sprintf(line, "Delivered-To: %s\n", src->delivered);
    lowercase(STR(line) + sizeof("Delivered-To: ") - 1);
    cleanup_clnt_write(clnt, STR(line), LEN(line));
    if (src->rewind(src->context, why) == 0) {
        while ((got = src->read(src->context, line, why)) > 0) {
            strbuf_addch(line, '\n');
            cleanup_clnt_write(clnt, STR(line), LEN(line));
        }
    } else
        got = -1;
    strbuf_free(line);
    return got;
}

/* local_resubmit - a forwarded copy to rcpts through cleanup */
static int
local_resubmit(const char *sender, const ARGV *rcpts, const MAIL_COPY_SRC *src,
               STRBUF *queue_id, STRBUF *why)
{
    CLEANUP_CLNT *clnt;
    CLEANUP_RESULT res;
    size_t i;
    int ret = -1;

    clnt = cleanup_clnt_open(NULL, MAIL_CLASS_PUBLIC, CLEANUP_FLAG_MAP,
                             LOCAL_CLEANUP_TIMEOUT_MS, why);
    if (clnt == NULL)
        return -1;
    strbuf_strcpy(queue_id, cleanup_clnt_queue_id(clnt));
    cleanup_clnt_sender(clnt, sender);
    for (i = 0; i < rcpts->argc; i++)
        cleanup_clnt_rcpt(clnt, rcpts->argv[i], src->delivered, NULL, 0);
    cleanup_result_init(&res);
    if (local_resubmit_content(clnt, src, why) == 0) {
        if (cleanup_clnt_finish(clnt, &res) == MAIL_STAT_OK)
            ret = 0;
        else
            strbuf_sprintf(why, "cleanup: %s",
                           LEN(res.reason) ? STR(res.reason) : "no answer");
    }
    cleanup_result_free(&res);
    cleanup_clnt_free(clnt);
    return ret;
}

/* One recipient of a request, for local_pass(). */
typedef struct LOCAL_PASS_CTX {
    DELIVER_REQUEST *req;
    size_t idx;
} LOCAL_PASS_CTX;

/* local_pass - mailbox or fallback delivery through another agent */
static int
local_pass(void *ctx, const char *service, const char *address, int flags,
           STRBUF *why)
{
    LOCAL_PASS_CTX *pc = ctx;

    return deliver_pass(pc->req, pc->idx, service, address, flags, why);
}

/* local_log - the log line of one destination of an expansion */
static void
local_log(void *ctx, const char *to, const char *status, const char *reason)
{
    LOCAL_PASS_CTX *pc = ctx;
    DSN dsn;

    memset(&dsn, 0, sizeof(dsn));
    dsn.status = status;
    dsn.reason = reason;
    dsn.relay = "local";
    deliver_log(pc->req, pc->idx, to, &dsn);
}

/* local_one - deliver to recipient idx of req */
static void
local_one(DELIVER_REQUEST *req, size_t idx)
{
    STRBUF *reason = strbuf_create(100);
    LOCAL_PASS_CTX pc = {req, idx};
    MAIL_COPY_SRC src;
    const char *status;
    int relayed = 0;

    deliver_src_init(&src, req, idx);
    status = local_recipient(&local_params, &src, req->rcpt[idx].address, &pc,
                             &relayed, reason);
    /* Another agent recorded and logged the only outcome: take it over. */
    if (relayed)
        deliver_relay(req, idx, relayed);
    else
        deliver_src_result(req, idx, status, STR(reason), "local");
    strbuf_free(reason);
}

/* local_request - every recipient of one request */
static void
local_request(DELIVER_REQUEST *req, void *context)
{
    size_t i;

    (void) context;
    for (i = 0; i < req->rcpt_count; i++)
        local_one(req, i);
}

/* local_service - serve qmgr's requests on one connection */
static void
local_service(STREAM *client, const char *service, char **argv)
{
    (void) service;
    (void) argv;
    deliver_request_serve(client, local_request, NULL);
}

/* local_from_list - "alias, forward, include" as LOCAL_FROM_* bits */
static int
local_from_list(const char *param)
{
    char *value = mail_conf_str(param);
    char *cp = value;
    char *name;
    int bits = 0;

    while ((name = mystrtok(&cp, ", \t\r\n")) != NULL) {
        if (strcasecmp(name, "alias") == 0)
            bits |= LOCAL_FROM_ALIAS;
        else if (strcasecmp(name, "forward") == 0)
            bits |= LOCAL_FROM_FORWARD;
        else if (strcasecmp(name, "include") == 0)
            bits |= LOCAL_FROM_INCLUDE;
        else
            msg_fatal("parameter %s: unknown name: %s", param, name);
    }
    myfree(value);
    return bits;
}

/* local_locks - mailbox_delivery_lock as MBOX_LOCK_* bits; fatal if bad */
static int
local_locks(const char *param)
{
    char *value = mail_conf_str(param);
    STRBUF *why = strbuf_create(100);
    int locks;

    if (mbox_lock_parse(value, &locks, why) < 0)
        msg_fatal("parameter %s: %s", param, STR(why));
    myfree(value);
    strbuf_free(why);
    return locks;
}

/* local_privs - default_privs: a user that is not root; fatal if bad */
static void
local_privs(LOCAL_PARAMS *p)
{
    char *name = mail_conf_str("default_privs");
    struct passwd *pw = getpwnam(name);

    if (pw == NULL)
        msg_fatal("parameter default_privs: unknown user: %s", name);
    if (pw->pw_uid == 0)
        msg_fatal("parameter default_privs: %s has root privileges", name);
    p->privs_uid = pw->pw_uid;
    p->privs_gid = pw->pw_gid;
    myfree(name);
}

/* local_pre_init - parameters and tables, as root */
static void
local_pre_init(const char *service, char **argv)
{
    char *queue_dir;
    LOCAL_PARAMS *p = &local_params;

    (void) service;
    (void) argv;
    p->alias_maps = maps_param("alias_maps", DICT_FLAG_LOCK);
    p->mydestination = match_list_param("mydestination", MATCH_DOMAIN);
    p->delimiters = mail_conf_str("recipient_delimiter");
    local_privs(p);
    p->allow_commands = local_from_list("allow_mail_to_commands");
    p->allow_files = local_from_list("allow_mail_to_files");
    p->forward_path = mail_conf_raw("forward_path");
    if (p->forward_path == NULL)
        p->forward_path = mail_conf_default("forward_path");
    p->home_mailbox = mail_conf_str("home_mailbox");
    p->spool_dir = mail_conf_str("mail_spool_directory");
    p->mailbox_command = mail_conf_str("mailbox_command");
    p->luser_relay = mail_conf_raw("luser_relay");
    if (p->luser_relay == NULL)
        p->luser_relay = "";
    p->shell = mail_conf_str("local_command_shell");
    p->hostname = mail_conf_str("myhostname");
    p->myorigin = mail_conf_str("myorigin");
    p->expand_owner_alias = mail_conf_bool("expand_owner_alias");
    p->command_timeout = (int) mail_conf_time("command_time_limit");
    p->mailbox_limit = (off_t) mail_conf_long("mailbox_size_limit");
    p->mbox.locks = local_locks("mailbox_delivery_lock");
    p->mbox.lock_timeout_ms =
        (int) (mail_conf_long("deliver_lock_attempts") *
               mail_conf_time("deliver_lock_delay") * 1000);
    p->mbox.stale_time = (int) mail_conf_time("stale_lock_time");
    p->resubmit = local_resubmit;
    p->mailbox_transport = mail_conf_str("mailbox_transport");
    p->mailbox_transport_maps = maps_param("mailbox_transport_maps", 0);
    p->fallback_transport = mail_conf_str("fallback_transport");
    p->fallback_transport_maps = maps_param("fallback_transport_maps", 0);
    p->pass = local_pass;
    p->log = local_log;
    /* Before any switch to a recipient: the state file is ours. */
    queue_dir = mail_conf_str("queue_directory");
    maildir_deliver_sync_state(queue_dir);
    myfree(queue_dir);
}

/* main - the single-server skeleton does the rest */
int
main(int argc, char **argv)
{
    single_server_main(argc, argv, local_service, MAIL_SERVER_PRE_INIT,
                       local_pre_init, 0);
}

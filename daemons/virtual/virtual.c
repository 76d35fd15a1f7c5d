/*
 * virtual - the virtual(8) delivery agent: mailboxes of hosted domains.
 *
 * A single-server (master.cf: `virtual unix - n n - - virtual`, run as
 * root so that it can act as each mailbox's owner).  Each request from
 * qmgr (docs/ipc.md, "Delivery agents") is read with
 * deliver_request_read(); each recipient in turn goes to
 * virtual_deliver(), which finds its mailbox in virtual_mailbox_maps,
 * its owner in virtual_uid_maps and virtual_gid_maps, and writes the
 * message there as that owner (Maildir when the path ends in '/', else
 * an mbox file).  The outcome is recorded by deliver_src_result():
 * delivered, bounced (5.1.1 unknown user, 5.2.2 mailbox full) or
 * deferred (locks, file system trouble, table failures, configuration
 * errors), and logged in Postfix's form with relay=virtual.
 *
 * Tables are opened before the first request (PRE_INIT).  Bad parameter
 * values are fatal at start (mail_conf getters).  docs/virtual.md.
 */
#include <string.h>
#include <unistd.h>

#include "deliver_src.h"
#include "lock_file.h"
#include "mail_conf.h"
#include "maildir_deliver.h"
#include "mail_proto.h"
#include "mail_server.h"
#include "msg.h"
#include "mymalloc.h"
#include "virtual.h"

static VIRTUAL_PARAMS virtual_params;

/* virtual_one - deliver to recipient idx of req */
static void
virtual_one(DELIVER_REQUEST *req, size_t idx)
{
    STRBUF *reason = strbuf_create(100);
    MAIL_COPY_SRC src;
    const char *status;

    deliver_src_init(&src, req, idx);
    status =
        virtual_deliver(&virtual_params, &src, req->rcpt[idx].address, reason);
    deliver_src_result(req, idx, status, STR(reason), "virtual");
    strbuf_free(reason);
}

/* virtual_request - every recipient of one request */
static void
virtual_request(DELIVER_REQUEST *req, void *context)
{
    size_t i;

    (void) context;
    for (i = 0; i < req->rcpt_count; i++)
        virtual_one(req, i);
}

/* virtual_service - serve qmgr's requests on one connection */
static void
virtual_service(STREAM *client, const char *service, char **argv)
{
    (void) service;
    (void) argv;
    deliver_request_serve(client, virtual_request, NULL);
}

/* virtual_locks - virtual_mailbox_lock as MBOX_LOCK_* bits; fatal if bad */
static int
virtual_locks(const char *param)
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

/* virtual_pre_init - parameters and tables, as root */
static void
virtual_pre_init(const char *service, char **argv)
{
    char *queue_dir;
    VIRTUAL_PARAMS *p = &virtual_params;

    (void) service;
    (void) argv;
    if (geteuid() != 0)
        msg_info("not running as root: mailboxes are written as uid %ld",
                 (long) geteuid());
    p->mailbox_maps = maps_param("virtual_mailbox_maps", DICT_FLAG_LOCK);
    p->uid_maps = maps_param("virtual_uid_maps", DICT_FLAG_LOCK);
    p->gid_maps = maps_param("virtual_gid_maps", DICT_FLAG_LOCK);
    p->base = mail_conf_str("virtual_mailbox_base");
    p->minimum_uid = mail_conf_long("virtual_minimum_uid");
    p->mailbox_limit = (off_t) mail_conf_long("virtual_mailbox_limit");
    p->hostname = mail_conf_str("myhostname");
    p->delimiters = mail_conf_str("recipient_delimiter");
    p->mbox.locks = virtual_locks("virtual_mailbox_lock");
    p->mbox.lock_timeout_ms =
        (int) (mail_conf_long("deliver_lock_attempts") *
               mail_conf_time("deliver_lock_delay") * 1000);
    p->mbox.stale_time = (int) mail_conf_time("stale_lock_time");
    /* Before any switch to a recipient: the state file is ours. */
    queue_dir = mail_conf_str("queue_directory");
    maildir_deliver_sync_state(queue_dir);
    myfree(queue_dir);
}

/* main - the single-server skeleton does the rest */
int
main(int argc, char **argv)
{
    single_server_main(argc, argv, virtual_service, MAIL_SERVER_PRE_INIT,
                       virtual_pre_init, 0);
}

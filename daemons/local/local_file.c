/*
 * local_file - deliver to a file or a user's mailbox.
 *
 * local_file(state, path, privs) appends the message to path in mbox
 * form as privs (set_eugid), a Maildir when path ends in '/'; the file
 * may have any owner the privileges can write, but never a symbolic
 * link, a second hard link or a file that is not regular.
 *
 * local_mailbox(state, pw) delivers to the user's mailbox:
 * mailbox_command when set (run as the user), else home_mailbox under
 * the home folder (as the user; Maildir when it ends in '/'), else
 * mail_spool_directory/USER (an mbox created by root for the user, which
 * must own an existing one).  Locks: mailbox_delivery_lock; size:
 * mailbox_size_limit.  Outcomes go to local_outcome(): 2.0.0
 * "delivered to mailbox/maildir/file: ...", else the mailbox code's
 * status with "cannot update mailbox ...".
 */
#include <string.h>

#include "local.h"
#include "maildir_deliver.h"
#include "msg.h"
#include "safe_open.h"
#include "set_eugid.h"

/* local_store - mbox or Maildir at path as uid/gid; NULL or a status */
static const char *
local_store(LOCAL_STATE *state, const char *path, uid_t owner, uid_t uid,
            gid_t gid, STRBUF *why)
{
    const LOCAL_PARAMS *p = state->p;
    MBOX_OPTS mbox = p->mbox;
    size_t len = strlen(path);
    const char *status;

    mbox.uid = owner;
    mbox.gid = gid;
    mbox.size_limit = p->mailbox_limit;
    if (uid != 0)
        set_eugid(uid, gid);
    if (len > 0 && path[len - 1] == '/')
        status = maildir_deliver(path, state->src, MAIL_COPY_MAILDIR,
                                 p->mailbox_limit, p->hostname, why);
    else
        status = mbox_deliver(path, state->src, MAIL_COPY_MBOX, &mbox, why);
    if (uid != 0)
        set_eugid_restore();
    return status;
}

/* local_file - /path from an alias, .forward or :include: */
void
local_file(LOCAL_STATE *state, const char *path, const LOCAL_PRIVS *privs)
{
    STRBUF *why = strbuf_create(100);
    const char *status;

    status = local_store(state, path, SAFE_OPEN_ANY_OWNER, privs->uid,
                         privs->gid, why);
    if (status == NULL)
        local_outcome(state, "2.0.0", "delivered to file: %s", path);
    else
        local_outcome(state, status, "cannot append message to file %s: %s",
                      path, STR(why));
    strbuf_free(why);
}

/* local_mailbox - the user's own mailbox */
void
local_mailbox(LOCAL_STATE *state, const struct passwd *pw)
{
    const LOCAL_PARAMS *p = state->p;
    LOCAL_PRIVS privs = {pw->pw_uid, pw->pw_gid, pw->pw_name, pw->pw_dir,
                         pw->pw_shell};
    STRBUF *path = strbuf_create(100);
    STRBUF *why = strbuf_create(100);
    const char *status;
    int home = *p->home_mailbox != 0;

    if (*p->mailbox_command) {
        local_command(state, p->mailbox_command, &privs);
    } else {
        if (home)
            strbuf_sprintf(path, "%s/%s", pw->pw_dir, p->home_mailbox);
        else
            strbuf_sprintf(path, "%s/%s", p->spool_dir, pw->pw_name);
        /* The spool folder is root's: root creates, the user owns. */
        status = local_store(state, STR(path), pw->pw_uid,
                             home ? pw->pw_uid : 0, pw->pw_gid, why);
        if (status == NULL)
            local_outcome(state, "2.0.0", "delivered to %s",
                          STR(path)[LEN(path) - 1] == '/' ? "maildir"
                                                          : "mailbox");
        else
            local_outcome(state, status,
                          "cannot update mailbox %s for user %s. %s", STR(path),
                          pw->pw_name, STR(why));
    }
    strbuf_free(path);
    strbuf_free(why);
}

/*
 * virtual_deliver - deliver to one virtual mailbox.
 *
 * virtual_deliver(p, src, address, reason) looks address up in
 * virtual_mailbox_maps (address with and without its recipient_delimiter
 * extension, then
 * @domain: mail_addr_find() with no local domains), and in
 * virtual_uid_maps and virtual_gid_maps with the same keys.  The mailbox
 * is virtual_mailbox_base/VALUE: a Maildir when VALUE ends in '/', else
 * an mbox file, locked as virtual_mailbox_lock says.  Delivery runs with
 * the mailbox's uid and gid (set_eugid) and restores root afterwards.
 *
 * It returns the DSN status with a reason in reason: "2.0.0" delivered;
 * "5.1.1" unknown user (no mailbox); "4.3.0" a table failed; "4.3.5"
 * a configuration error (no uid or gid, a uid below virtual_minimum_uid,
 * a malformed number, a mailbox path with ".."), logged as a warning;
 * else what the mailbox code said.  Nothing is fatal.
 */
#include <errno.h>
#include <string.h>

#include "mail_addr_find.h"
#include "maildir_deliver.h"
#include "msg.h"
#include "set_eugid.h"
#include "stringops.h"
#include "virtual.h"

/* Largest uid or gid a table may name. */
#define VIRTUAL_ID_MAX 2147483647L

/* virtual_config_error - log, explain and return 4.3.5 */
static const char *
virtual_config_error(STRBUF *reason, const char *address, const char *what)
{
    msg_warn("recipient %s: %s", address, what);
    strbuf_sprintf(reason, "mail system configuration error");
    return "4.3.5";
}

/* virtual_lookup - address in maps; NULL with status set when missing */
static const char *
virtual_lookup(const VIRTUAL_PARAMS *p, MAPS *maps, const char *address,
               const char **status)
{
    MAIL_ADDR_FIND_OPTS opts = {p->delimiters, 0, NULL, NULL};
    const char *value = NULL;

    *status = NULL;
    if (maps != NULL &&
        (value = mail_addr_find(maps, address, &opts, NULL)) == NULL)
        *status = maps->error != DICT_ERR_NONE ? "4.3.0" : "5.1.1";
    else if (maps == NULL)
        *status = "5.1.1";
    return value;
}

/* virtual_id - a uid or gid from maps; -1 with a status when bad */
static long
virtual_id(const VIRTUAL_PARAMS *p, MAPS *maps, const char *address,
           long minimum, STRBUF *reason, const char **status)
{
    const char *value = virtual_lookup(p, maps, address, status);
    long id;

    if (*status != NULL && strcmp(*status, "4.3.0") == 0) {
        strbuf_sprintf(reason, "%s lookup failure", maps ? maps->title : "id");
        return -1;
    }
    if (value == NULL || str_to_long(value, 0, VIRTUAL_ID_MAX, &id) < 0) {
        *status = virtual_config_error(
            reason, address, value ? "malformed uid or gid" : "no uid or gid");
        return -1;
    }
    if (id < minimum) {
        *status = virtual_config_error(reason, address,
                                       "uid below virtual_minimum_uid");
        return -1;
    }
    *status = NULL;
    return id;
}

/* virtual_store - the message into path, as uid/gid */
static const char *
virtual_store(const VIRTUAL_PARAMS *p, const MAIL_COPY_SRC *src,
              const char *path, uid_t uid, gid_t gid, STRBUF *reason)
{
    size_t len = strlen(path);
    MBOX_OPTS mbox = p->mbox;
    const char *status;
    STRBUF *why = strbuf_create(100);

    mbox.uid = uid;
    mbox.gid = gid;
    mbox.size_limit = p->mailbox_limit;
    set_eugid(uid, gid);
    if (len > 0 && path[len - 1] == '/')
        status = maildir_deliver(path, src, MAIL_COPY_MAILDIR, p->mailbox_limit,
                                 p->hostname, why);
    else
        status = mbox_deliver(path, src, MAIL_COPY_MBOX, &mbox, why);
    set_eugid_restore();
    if (status == NULL)
        strbuf_sprintf(reason, "delivered to %s",
                       path[len - 1] == '/' ? "maildir" : "mailbox");
    else
        strbuf_sprintf(reason, "%s: cannot update mailbox %s: %s",
                       path[len - 1] == '/' ? "maildir delivery failed"
                                            : "mailbox delivery failed",
                       path, STR(why));
    strbuf_free(why);
    return status ? status : "2.0.0";
}

/* virtual_path - base/mailbox into path; a status when refused */
static const char *
virtual_path(const VIRTUAL_PARAMS *p, const char *address, const char *mailbox,
             STRBUF *path, STRBUF *reason)
{
    /* The table is the admin's, but a "../" there would escape the base. */
    if (*mailbox == 0 || strstr(mailbox, "..") != NULL)
        return virtual_config_error(reason, address,
                                    "bad virtual_mailbox_maps value");
    strbuf_sprintf(path, "%s/%s", p->base, mailbox);
    return NULL;
}

/* virtual_deliver - one recipient's virtual mailbox; its DSN status */
const char *
virtual_deliver(const VIRTUAL_PARAMS *p, const MAIL_COPY_SRC *src,
                const char *address, STRBUF *reason)
{
    STRBUF *path = strbuf_create(100);
    const char *status;
    const char *mailbox;
    long uid = -1;
    long gid = -1;

    mailbox = virtual_lookup(p, p->mailbox_maps, address, &status);
    if (mailbox == NULL)
        strbuf_sprintf(reason,
                       status[0] == '5' ? "unknown user: \"%s\""
                                        : "%s lookup failure",
                       status[0] == '5' ? address : "virtual_mailbox_maps");
    else
        status = virtual_path(p, address, mailbox, path, reason);
    if (status == NULL)
        uid = virtual_id(p, p->uid_maps, address, p->minimum_uid, reason,
                         &status);
    if (status == NULL)
        gid = virtual_id(p, p->gid_maps, address, 1, reason, &status);
    if (status == NULL)
        status =
            virtual_store(p, src, STR(path), (uid_t) uid, (gid_t) gid, reason);
    strbuf_free(path);
    return status;
}

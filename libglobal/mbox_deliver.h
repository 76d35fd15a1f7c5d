#ifndef MBOX_DELIVER_H
#define MBOX_DELIVER_H

/*
 * mbox_deliver - append a message to an mbox file, safely and under
 * locks, for the local and virtual delivery agents.  See mbox_deliver.c.
 */
#include <sys/types.h>

#include "mail_copy.h"
#include "strbuf.h"

/* Lock kinds (virtual_mailbox_lock, mailbox_delivery_lock). */
#define MBOX_LOCK_FCNTL   (1 << 0)
#define MBOX_LOCK_DOTLOCK (1 << 1)
#define MBOX_LOCK_FLOCK   (1 << 2)

typedef struct MBOX_OPTS {
    uid_t uid;           /* the recipient: owner required, given when new */
    gid_t gid;           /* group of a new file */
    int locks;           /* MBOX_LOCK_* */
    int lock_timeout_ms; /* per lock, <= 0: one attempt */
    int stale_time;      /* dot lock age taken as a crash leftover */
    off_t size_limit;    /* largest mailbox, 0: no limit */
} MBOX_OPTS;

extern const char *mbox_deliver(const char *path, const MAIL_COPY_SRC *src,
                                int flags, const MBOX_OPTS *opts, STRBUF *why);
extern int mbox_lock_parse(const char *list, int *locks, STRBUF *why);

#endif

#ifndef MAILDIR_DELIVER_H
#define MAILDIR_DELIVER_H

/*
 * maildir_deliver - deliver a message into a Maildir, for the local and
 * virtual delivery agents.  See maildir_deliver.c.
 */
/* The state of the group commit of new/ syncs, under queue_directory;
 * owned by root (virtual and local open it before they switch users). */
#define MAILDIR_SYNC_STATE "private/mailbox.sync"

#include <sys/time.h>
#include <sys/types.h>

#include "fsync_group.h"
#include "mail_copy.h"
#include "strbuf.h"

extern const char *maildir_deliver(const char *dir, const MAIL_COPY_SRC *src,
                                   int flags, off_t size_limit,
                                   const char *hostname, STRBUF *why);
extern void maildir_deliver_sync_state(const char *queue_dir);
extern int maildir_deliver_unnamed(int on);
extern int maildir_deliver_link_proc(int on);
extern STRBUF *maildir_unique(STRBUF *out, const struct timeval *tv, long pid,
                              unsigned long count, const char *hostname);

#endif

#ifndef MAILDIR_DELIVER_H
#define MAILDIR_DELIVER_H

/*
 * maildir_deliver - deliver a message into a Maildir, for the local and
 * virtual delivery agents.  See maildir_deliver.c.
 */
#include <sys/time.h>
#include <sys/types.h>

#include "mail_copy.h"
#include "strbuf.h"

extern const char *maildir_deliver(const char *dir, const MAIL_COPY_SRC *src,
                                   int flags, off_t size_limit,
                                   const char *hostname, STRBUF *why);
extern int maildir_deliver_unnamed(int on);
extern int maildir_deliver_link_proc(int on);
extern STRBUF *maildir_unique(STRBUF *out, const struct timeval *tv, long pid,
                              unsigned long count, const char *hostname);

#endif

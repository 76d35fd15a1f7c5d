#ifndef FLUSH_CLNT_H
#define FLUSH_CLNT_H

/*
 * flush_clnt - the client of the flush service (docs/ipc.md, "flush"):
 * the per-site lists of deferred mail that ETRN and `postern queue -s`
 * deliver at once.
 *
 * flush_add() tells flush that queue_id has mail deferred for site (a
 * recipient domain), when site is in fast_flush_domains (checked here
 * first, so most deferrals cost no request); best effort: 0, or -1 with
 * a reason (a lost entry only means ETRN will not hurry that message).
 * flush_send_site() asks flush to deliver the mail listed for site now:
 * MAIL_STAT_OK, MAIL_STAT_DENY (site not in fast_flush_domains), or -1
 * with a reason (the service could not be asked).  Daemons run in
 * queue_directory: the service is named relatively.  Nothing is fatal.
 */
#include "strbuf.h"

extern int flush_add(const char *site, const char *queue_id, STRBUF *why);
extern int flush_send_site(const char *site, STRBUF *why);

#endif

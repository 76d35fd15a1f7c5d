#ifndef VIRTUAL_H
#define VIRTUAL_H

/*
 * virtual - the virtual(8) delivery agent's shared declarations.
 */
#include "mail_copy.h"
#include "maps.h"
#include "mbox_deliver.h"
#include "strbuf.h"

/* main.cf, read once at start. */
typedef struct VIRTUAL_PARAMS {
    MAPS *mailbox_maps;     /* virtual_mailbox_maps */
    MAPS *uid_maps;         /* virtual_uid_maps */
    MAPS *gid_maps;         /* virtual_gid_maps */
    const char *base;       /* virtual_mailbox_base */
    long minimum_uid;       /* virtual_minimum_uid */
    off_t mailbox_limit;    /* virtual_mailbox_limit, 0: none */
    MBOX_OPTS mbox;         /* locks (virtual_mailbox_lock), waits */
    const char *hostname;   /* myhostname, for Maildir file names */
    const char *delimiters; /* recipient_delimiter */
} VIRTUAL_PARAMS;

extern const char *virtual_deliver(const VIRTUAL_PARAMS *p,
                                   const MAIL_COPY_SRC *src,
                                   const char *address, STRBUF *reason);

#endif

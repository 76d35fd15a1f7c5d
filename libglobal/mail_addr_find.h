#ifndef MAIL_ADDR_FIND_H
#define MAIL_ADDR_FIND_H

/*
 * mail_addr_find - look up a mail address in a MAPS in Postfix's order
 * (user+ext@domain, user@domain, user+ext, user, @domain).  See
 * mail_addr_find.c.
 */
#include <stddef.h>

#include "maps.h"
#include "strbuf.h"

/*
 * Is domain (as written in the address, without the '@') one of ours?  1 yes,
 * 0 no, -1 cannot tell now (the lookup defers).
 */
typedef int (*MAIL_ADDR_LOCAL_FN)(const char *domain, void *context);

/* How addresses are taken apart; the caller fills it from main.cf. */
typedef struct MAIL_ADDR_FIND_OPTS {
    const char *delimiters;      /* recipient_delimiter; NULL or "": none */
    int owner_request_special;   /* owner_request_special */
    MAIL_ADDR_LOCAL_FN is_local; /* NULL: no domain is local */
    void *context;               /* passed to is_local */
} MAIL_ADDR_FIND_OPTS;

extern const char *mail_addr_find(MAPS *maps, const char *address,
                                  const MAIL_ADDR_FIND_OPTS *opts,
                                  STRBUF *extension);
extern size_t mail_addr_find_split(const char *localpart, size_t len,
                                   const char *delimiters,
                                   int owner_request_special);

#endif

#ifndef HOST_DEFAULTS_H
#define HOST_DEFAULTS_H

/*
 * host_defaults - defaults computed from this host: myhostname, mydomain
 * and mynetworks, the way Postfix computes them, without any DNS lookup.
 */
#include "strbuf.h"

extern STRBUF *host_myhostname(STRBUF *out);
extern STRBUF *host_mydomain(STRBUF *out, const char *myhostname);
extern int host_mynetworks(STRBUF *out, const char *style,
                           const char *protocols, STRBUF *err);
extern int host_network_text(STRBUF *out, int family, const void *addr,
                             const void *mask, const char *style);

#endif

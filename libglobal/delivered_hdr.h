#ifndef DELIVERED_HDR_H
#define DELIVERED_HDR_H

/*
 * delivered_hdr - does a message already carry Delivered-To: for an
 * address (mail forwarding loop detection).  See delivered_hdr.c.
 */
#include "mail_copy.h"

extern int delivered_hdr_find(const MAIL_COPY_SRC *src, const char *address,
                              STRBUF *why);

#endif

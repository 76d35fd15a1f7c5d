#ifndef REWRITE_CLNT_H
#define REWRITE_CLNT_H

/*
 * rewrite_clnt - the client of trivial-rewrite(8)'s "rewrite" request
 * (names in mail_proto.h).  See rewrite_clnt.c; docs/ipc.md has the
 * request.
 */
#include "mail_proto.h"
#include "strbuf.h"

/* Longest address in a request or reply. */
#define REWRITE_ADDR_MAX 4096

/* Result besides MAIL_STAT_*: trivial-rewrite could not be asked. */
#define REWRITE_CLNT_FAIL (-1)

extern int rewrite_clnt(const char *rule, const char *addr, STRBUF *result);
extern void rewrite_clnt_reset(void);

#endif

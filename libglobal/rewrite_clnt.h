#ifndef REWRITE_CLNT_H
#define REWRITE_CLNT_H

/*
 * rewrite_clnt - the client of trivial-rewrite(8)'s "rewrite" request,
 * and the request's names.  See rewrite_clnt.c; docs/ipc.md has the
 * request.
 */
#include "strbuf.h"

/* The rewrite request of private/rewrite (MAIL_SERVICE_REWRITE). */
#define REWRITE_REQ_REWRITE "rewrite" /* address to standard form */
#define REWRITE_ATTR_RULE   "rule"    /* string: "local" or "remote" */
#define REWRITE_ATTR_ADDR   "address" /* string: internal form */

/* Longest address in a request or reply. */
#define REWRITE_ADDR_MAX 4096

/* Result besides MAIL_STAT_*: trivial-rewrite could not be asked. */
#define REWRITE_CLNT_FAIL (-1)

extern int rewrite_clnt(const char *rule, const char *addr, STRBUF *result);
extern void rewrite_clnt_reset(void);

#endif

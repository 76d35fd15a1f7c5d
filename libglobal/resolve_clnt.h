#ifndef RESOLVE_CLNT_H
#define RESOLVE_CLNT_H

/*
 * resolve_clnt - the client of trivial-rewrite(8)'s "resolve" request
 * (names and RESOLVE_FLAG_* in mail_proto.h).  See resolve_clnt.c;
 * docs/ipc.md has the request.
 */
#include "mail_proto.h"
#include "strbuf.h"

/* An answer; the strings belong to the caller (resolve_reply_*). */
typedef struct RESOLVE_REPLY {
    STRBUF *transport; /* master.cf service name, "error", ... */
    STRBUF *nexthop;   /* destination, or the error text */
    STRBUF *recipient; /* the address in standard form */
    int flags;         /* RESOLVE_FLAG_* */
} RESOLVE_REPLY;

/* Result besides MAIL_STAT_*: trivial-rewrite could not be asked. */
#define RESOLVE_CLNT_FAIL (-1)

extern RESOLVE_REPLY *resolve_reply_init(RESOLVE_REPLY *reply);
extern void resolve_reply_free(RESOLVE_REPLY *reply);
extern int resolve_clnt(const char *sender, const char *addr,
                        RESOLVE_REPLY *reply);
extern void resolve_clnt_reset(void);

#endif

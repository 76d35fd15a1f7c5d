#ifndef REWRITE_ADDR_H
#define REWRITE_ADDR_H

/*
 * rewrite_addr - Postfix's rewriting of an address to standard form, as
 * trivial-rewrite(8)'s "rewrite" request does it.  See rewrite_addr.c.
 */
#include "strbuf.h"

/* The two rewriting contexts, by their names in a rewrite request. */
typedef enum REWRITE_CONTEXT {
    REWRITE_LOCAL,  /* "local": append $myorigin and $mydomain */
    REWRITE_REMOTE, /* "remote": append $remote_header_rewrite_domain */
} REWRITE_CONTEXT;

#define REWRITE_CTX_LOCAL  "local"
#define REWRITE_CTX_REMOTE "remote"

/* The parameters; strings are borrowed, "" means none. */
typedef struct REWRITE_PARAMS {
    int swap_bangpath;         /* site!user -> user@site */
    int allow_percent_hack;    /* user%domain -> user@domain */
    int append_at_myorigin;    /* user -> user@$myorigin */
    int append_dot_mydomain;   /* user@host -> user@host.$mydomain */
    const char *myorigin;      /* local context */
    const char *mydomain;      /* local context */
    const char *remote_domain; /* remote_header_rewrite_domain */
} REWRITE_PARAMS;

extern int rewrite_addr_context(const char *name);
extern STRBUF *rewrite_addr(const REWRITE_PARAMS *params, REWRITE_CONTEXT ctx,
                            const char *addr, STRBUF *out);

#endif

#ifndef ANVIL_CLNT_H
#define ANVIL_CLNT_H

/*
 * anvil_clnt - the client of anvil(8), the connection and rate counters.
 * See anvil_clnt.c.
 */

/* Results besides MAIL_STAT_*: anvil could not be asked. */
#define ANVIL_CLNT_FAIL (-1)

typedef struct ANVIL_CLNT ANVIL_CLNT;

extern ANVIL_CLNT *anvil_clnt_create(void);
extern ANVIL_CLNT *anvil_clnt_free(ANVIL_CLNT *clnt);

extern int anvil_clnt_connect(ANVIL_CLNT *clnt, const char *service,
                              const char *addr, unsigned *count,
                              unsigned *rate);
extern int anvil_clnt_disconnect(ANVIL_CLNT *clnt, const char *service,
                                 const char *addr);
extern int anvil_clnt_message(ANVIL_CLNT *clnt, const char *service,
                              const char *addr, unsigned *rate);
extern int anvil_clnt_recipient(ANVIL_CLNT *clnt, const char *service,
                                const char *addr, unsigned *rate);
extern int anvil_clnt_newtls(ANVIL_CLNT *clnt, const char *service,
                             const char *addr, unsigned *rate);
extern int anvil_clnt_auth(ANVIL_CLNT *clnt, const char *service,
                           const char *addr, unsigned *rate);
extern int anvil_clnt_lookup(ANVIL_CLNT *clnt, const char *service,
                             const char *addr, unsigned *count, unsigned *rate,
                             unsigned *msg, unsigned *rcpt, unsigned *ntls,
                             unsigned *auth);

#endif

#ifndef ANVIL_TAB_H
#define ANVIL_TAB_H

/*
 * anvil_tab - anvil(8)'s counters: per ident ("service:client_addr") the
 * open connections and five rates, and the peaks seen.  See anvil_tab.c.
 */
#include <stddef.h>
#include <time.h>

#include "strbuf.h"

/* The values of one ident, indexes into an unsigned[ANVIL_NVALUES]. */
#define ANVIL_COUNT   0 /* open connections */
#define ANVIL_RATE    1 /* connections in the current window */
#define ANVIL_MAIL    2 /* MAIL FROM commands in the current window */
#define ANVIL_RCPT    3 /* RCPT TO commands in the current window */
#define ANVIL_NTLS    4 /* new TLS sessions in the current window */
#define ANVIL_AUTH    5 /* AUTH commands in the current window */
#define ANVIL_NVALUES 6

/* Default bound on the idents kept at once. */
#define ANVIL_TAB_DEF_MAX 100000

typedef struct ANVIL_TAB ANVIL_TAB;

/* The clock: seconds, as time(); tests pass their own. */
typedef time_t (*ANVIL_CLOCK_FN)(void);

extern ANVIL_TAB *anvil_tab_create(long time_unit, size_t max_idents,
                                   ANVIL_CLOCK_FN clock);
extern ANVIL_TAB *anvil_tab_free(ANVIL_TAB *tab);

/* Updates: -1 when ident is new and the table is full. */
extern int anvil_tab_connect(ANVIL_TAB *tab, const char *ident, unsigned *count,
                             unsigned *rate);
extern int anvil_tab_disconnect(ANVIL_TAB *tab, const char *ident);
extern int anvil_tab_incr(ANVIL_TAB *tab, const char *ident, int which,
                          unsigned *rate);

/* anvil_tab_lookup - all values of ident; zeros when unknown */
extern void anvil_tab_lookup(ANVIL_TAB *tab, const char *ident,
                             unsigned values[ANVIL_NVALUES]);

extern size_t anvil_tab_cleanup(ANVIL_TAB *tab);
extern size_t anvil_tab_size(const ANVIL_TAB *tab);

/* The peak report: "statistics: ..." lines, each ended by a newline. */
extern STRBUF *anvil_tab_report(ANVIL_TAB *tab, STRBUF *out);
extern void anvil_tab_log_status(ANVIL_TAB *tab);

#endif

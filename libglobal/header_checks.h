#ifndef HEADER_CHECKS_H
#define HEADER_CHECKS_H

/*
 * header_checks - the action language of header_checks, body_checks and
 * their kin: one table lookup per header or body line, one action.  See
 * header_checks.c.
 */
#include <stddef.h>

#include "maps.h"
#include "strbuf.h"

/* What a lookup asks for; the caller (cleanup) carries it out. */
#define HEADER_ACT_NONE     0  /* no match, DUNNO, OK, or a bad result */
#define HEADER_ACT_REJECT   1  /* reject the message [text] */
#define HEADER_ACT_DISCARD  2  /* accept and throw away [text] */
#define HEADER_ACT_HOLD     3  /* put the message on hold [text] */
#define HEADER_ACT_WARN     4  /* log a warning [text] */
#define HEADER_ACT_INFO     5  /* log an info line [text] */
#define HEADER_ACT_IGNORE   6  /* delete this header or body line */
#define HEADER_ACT_PREPEND  7  /* add text as a line before this one */
#define HEADER_ACT_REPLACE  8  /* put text in place of this one */
#define HEADER_ACT_REDIRECT 9  /* send to text (user@domain) only */
#define HEADER_ACT_FILTER   10 /* route through text (transport:nexthop) */
#define HEADER_ACT_BCC      11 /* add text (user@domain) as a recipient */
#define HEADER_ACT_DEFER    12 /* the lookup failed: try again later */

/* What is being checked: PREPEND and REPLACE text must fit it. */
#define HEADER_CHECKS_HEADER 1 /* a logical header: text must be a header */
#define HEADER_CHECKS_BODY   2 /* a body line: any text */

typedef struct HEADER_ACTION {
    int action;   /* HEADER_ACT_* */
    STRBUF *text; /* the action's argument, "" when none */
    STRBUF *key;  /* private: the lookup key */
} HEADER_ACTION;

extern HEADER_ACTION *header_checks_action_create(void);
extern HEADER_ACTION *header_checks_action_free(HEADER_ACTION *act);
extern const char *header_checks_action_name(int action);

extern int header_checks_parse(const char *title, int where, const char *value,
                               HEADER_ACTION *act);
extern int header_checks_header(MAPS *maps, const char *text, size_t len,
                                HEADER_ACTION *act);
extern int header_checks_body(MAPS *maps, const char *line, size_t len,
                              HEADER_ACTION *act);

#endif

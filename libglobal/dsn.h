#ifndef DSN_H
#define DSN_H

/*
 * dsn - the vocabulary of delivery outcomes shared by qmgr, the delivery
 * agents, the bounce daemon and showq: a RECIPIENT as qmgr hands it out,
 * and a DSN, one recipient's status (RFC 3464 section 2.3).
 *
 * Both hold borrowed strings: whoever fills one keeps the storage alive
 * for as long as it is used.  NULL and "" both mean "none" for the
 * optional fields.
 */
#include "strbuf.h"

/* One recipient of a delivery request (docs/ipc.md, "Delivery agents"). */
typedef struct RECIPIENT {
    const char *address;   /* the address to deliver to */
    const char *orig;      /* original recipient, or NULL */
    const char *dsn_orcpt; /* RFC 3461 ORCPT (addr-type;xtext), or NULL */
    int dsn_notify;        /* DSN_NOTIFY_* (rec_type.h), 0: not given */
    long long offset;      /* of its R record, for qfile_mark_done() */
} RECIPIENT;

/* One outcome. */
typedef struct DSN {
    const char *status; /* "X.Y.Z" (RFC 3463); class 2, 4 or 5 */
    const char *action; /* DSN_ACTION_* */
    const char *reason; /* human text for logs and reports */
    const char *diag;   /* remote reply, "smtp; 550 5.1.1 ...", or NULL */
    const char *mta;    /* remote MTA, "dns; mx.example.com", or NULL */
    const char *relay;  /* for the log line: "host[addr]:port", "local",
                           "none"; NULL means "none" */
} DSN;

/* RFC 3464 section 2.3.3 actions. */
#define DSN_ACTION_FAILED    "failed"
#define DSN_ACTION_DELAYED   "delayed"
#define DSN_ACTION_DELIVERED "delivered"
#define DSN_ACTION_RELAYED   "relayed"
#define DSN_ACTION_EXPANDED  "expanded"

/* dsn_status_ok - "X.Y.Z" with X in 2,4,5, Y 1-3 digits, Z 1-3 digits */
extern int dsn_status_ok(const char *status);

/* dsn_class - the status's first digit (2, 4 or 5), 0 when malformed */
extern int dsn_class(const char *status);

/*
 * dsn_split - text that may start with a status ("5.1.1 no such user"):
 * puts that status, or def when the text has none, into status (which
 * the caller owns) and returns the rest of text after the blanks that
 * follow the status (a pointer into text).
 */
extern const char *dsn_split(STRBUF *status, const char *def, const char *text);

#endif

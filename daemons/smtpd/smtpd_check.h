#ifndef SMTPD_CHECK_H
#define SMTPD_CHECK_H

/*
 * smtpd_check.h - the pieces of smtpd's restriction machinery that the
 * topic files share: access-table results (smtpd_access.c), the policy
 * delegation client (smtpd_policy.c).  The evaluator is smtpd_check.c.
 */
#include "argv.h"
#include "strbuf.h"

/* What an access table (or policy server) value asks for. */
enum {
    SMTPD_ACC_DUNNO,        /* no decision: next restriction */
    SMTPD_ACC_OK,           /* OK, or a number: permit */
    SMTPD_ACC_REJECT,       /* REJECT [text] */
    SMTPD_ACC_DEFER,        /* DEFER [text] */
    SMTPD_ACC_CODE,         /* 4xx/5xx [x.y.z] text */
    SMTPD_ACC_DEFER_PERMIT, /* DEFER_IF_PERMIT text */
    SMTPD_ACC_DEFER_REJECT, /* DEFER_IF_REJECT text */
    SMTPD_ACC_HOLD,         /* HOLD [text] */
    SMTPD_ACC_DISCARD,      /* DISCARD [text] */
    SMTPD_ACC_PREPEND,      /* PREPEND header: value */
    SMTPD_ACC_REDIRECT,     /* REDIRECT addr */
    SMTPD_ACC_FILTER,       /* FILTER transport:dest */
    SMTPD_ACC_WARN,         /* WARN text */
    SMTPD_ACC_INFO,         /* INFO text */
    SMTPD_ACC_RESTRICT,     /* anything else: restrictions or a class */
    SMTPD_ACC_BAD           /* malformed (a missing argument) */
};

/* A parsed value: text points into the value (not copied). */
typedef struct SMTPD_ACCESS {
    int action;       /* SMTPD_ACC_* */
    int code;         /* SMTPD_ACC_CODE: 400..599 */
    char dsn[16];     /* SMTPD_ACC_CODE: "x.y.z" or "" */
    const char *text; /* the rest, trimmed; "" when none */
} SMTPD_ACCESS;

/* Key kinds for smtpd_access_keys(). */
#define SMTPD_KEY_CLIENT  1 /* name and parents, address and prefixes */
#define SMTPD_KEY_DOMAIN  2 /* a host name and its parents */
#define SMTPD_KEY_ADDRESS 3 /* user@domain, domain and parents, user@ */

extern int smtpd_access_parse(const char *value, SMTPD_ACCESS *out);
extern ARGV *smtpd_access_keys(int kind, const char *name, const char *addr,
                               int parent_style, ARGV *out);

/* smtpd_policy.c: ask a policy server; 0 = action in reply, -1 failed. */
extern void smtpd_policy_init(void);
extern int smtpd_policy_query(const char *endpoint, const ARGV *attrs,
                              STRBUF *action);
extern int smtpd_policy_parse_reply(const char *text, size_t len,
                                    STRBUF *action);

#endif

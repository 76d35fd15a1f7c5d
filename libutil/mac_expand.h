#ifndef MAC_EXPAND_H
#define MAC_EXPAND_H

/*
 * mac_expand - Postfix-style $name expansion with conditionals and
 * comparisons, over names the caller looks up.
 *
 * The lookup callback returns a name's raw (unexpanded) value, or NULL
 * when the name is undefined; the value is expanded in turn, so it must
 * stay valid while other names are looked up.  An undefined name expands
 * to nothing and is reported to the optional undef callback.  Errors (bad
 * syntax, recursion, a result too long) return -1 with a message in err
 * (which may be NULL).  The caller owns out, err and names.
 */
#include "argv.h"
#include "strbuf.h"

/* Limits: parameter chain, expression nesting, result, lookups per call. */
#define MAC_EXPAND_MAX_DEPTH   100
#define MAC_EXPAND_MAX_NEST    1000
#define MAC_EXPAND_MAX_LEN     (1024 * 1024)
#define MAC_EXPAND_MAX_LOOKUPS 100000

/* Flags. */
#define MAC_EXPAND_FLAG_NONE   0
#define MAC_EXPAND_FLAG_APPEND (1 << 0) /* append to out, don't replace */

typedef const char *(*MAC_EXPAND_LOOKUP_FN)(const char *name, void *ctx);
typedef void (*MAC_EXPAND_UNDEF_FN)(const char *name, void *ctx);

extern int mac_expand(STRBUF *out, const char *pattern,
                      MAC_EXPAND_LOOKUP_FN lookup, MAC_EXPAND_UNDEF_FN undef,
                      void *ctx, int flags, STRBUF *err);
extern int mac_expand_refs(const char *pattern, ARGV *names);
extern int mac_expand_level_cmp(const char *left, const char *right,
                                int *result);

#endif

#ifndef TOK822_H
#define TOK822_H

/*
 * tok822 - RFC 5322 address lists as they appear in message headers, and
 * the quoting of one address between internal and external form.  See
 * tok822.c.
 */
#include <stddef.h>

#include "strbuf.h"

/* Default limits: header_size_limit's default, and generous counts. */
#define TOK822_DEF_MAX_INPUT    102400 /* bytes of header text */
#define TOK822_DEF_MAX_ADDRS    1000   /* addresses in one header */
#define TOK822_DEF_MAX_ADDR_LEN 2048   /* bytes of one internal address */

typedef struct TOK822_LIMITS {
    size_t max_input;    /* longer header text: an error */
    size_t max_addrs;    /* more addresses: an error */
    size_t max_addr_len; /* a longer address: an error */
} TOK822_LIMITS;

/* One address: internal form, and where its text sits in the input. */
typedef struct TOK822_ADDR {
    char *addr; /* internal (unquoted) form, owned by the list */
    size_t off; /* first byte of the address text in the input */
    size_t len; /* bytes of address text (0 for an empty <>) */
} TOK822_ADDR;

typedef struct TOK822_LIST {
    TOK822_ADDR *addrs; /* the addresses, in header order */
    size_t count;       /* addresses in use */
    size_t size;        /* slots allocated: private */
} TOK822_LIST;

extern void tok822_limits_init(TOK822_LIMITS *lim);
extern TOK822_LIST *tok822_list_create(void);
extern TOK822_LIST *tok822_list_free(TOK822_LIST *list);
extern void tok822_list_reset(TOK822_LIST *list);

extern int tok822_parse(const char *text, size_t len, const TOK822_LIMITS *lim,
                        TOK822_LIST *list, STRBUF *why);

extern STRBUF *quote_822_local(STRBUF *out, const char *addr);
extern STRBUF *unquote_822_local(STRBUF *out, const char *addr, size_t len);

#endif

#ifndef CLEANUP_MAP_H
#define CLEANUP_MAP_H

/*
 * cleanup_map - cleanup(8)'s address mapping: canonical_maps,
 * sender_canonical_maps, recipient_canonical_maps (with their _classes),
 * masquerade_domains (masquerade_classes, masquerade_exceptions) and
 * virtual_alias_maps (virtual_alias_expansion_limit,
 * virtual_alias_recursion_limit, virtual_alias_address_length_limit),
 * as Postfix applies them.  Addresses are in internal (unquoted) form.
 *
 * cleanup_map_create() reads the parameters from main.cf (mail_conf)
 * and opens the tables (fatal on a bad table: a configuration error,
 * as every daemon treats one); the caller owns the result.  Each
 * mapping function returns CLEANUP_MAP_OK with the result in the
 * caller's buffer (the address itself when nothing applied), or
 * CLEANUP_MAP_DEFER when a table lookup failed (the message must be
 * deferred; why says which table).  cleanup_map_virtual() replaces one
 * recipient by its expansion, recursively, in rcpts (the caller's ARGV,
 * reset first; duplicates removed, first occurrence kept).  An address
 * whose expansion names itself is kept as a final recipient ("a -> a, b",
 * Postfix's idiom to stop recursion).  Any other loop ("a -> b -> a"), a
 * nesting deeper than virtual_alias_recursion_limit, more results than
 * virtual_alias_expansion_limit, or a result longer than
 * virtual_alias_address_length_limit stops the expansion: it is logged
 * with msg_warn (the original recipient and the chain or the limit) and
 * returns CLEANUP_MAP_DEFER with why saying the same, so the message is
 * not accepted and the sender tries again later, as Postfix does.
 */
#include "argv.h"
#include "strbuf.h"

#define CLEANUP_MAP_OK    0
#define CLEANUP_MAP_DEFER (-1)

/* Which address (canonical *_classes, masquerade_classes). */
#define CLEANUP_MAP_ENV_SENDER (1 << 0) /* envelope_sender */
#define CLEANUP_MAP_ENV_RCPT   (1 << 1) /* envelope_recipient */
#define CLEANUP_MAP_HDR_SENDER (1 << 2) /* header_sender: From, Sender.. */
#define CLEANUP_MAP_HDR_RCPT   (1 << 3) /* header_recipient: To, Cc.. */

typedef struct CLEANUP_MAP CLEANUP_MAP;

extern CLEANUP_MAP *cleanup_map_create(void);
extern CLEANUP_MAP *cleanup_map_free(CLEANUP_MAP *map);

/* canonical: sender_/recipient_canonical_maps first, then canonical_maps. */
extern int cleanup_map_canon(CLEANUP_MAP *map, int class, const char *addr,
                             STRBUF *result, STRBUF *why);
extern int cleanup_map_masq(CLEANUP_MAP *map, int class, const char *addr,
                            STRBUF *result, STRBUF *why);
extern int cleanup_map_virtual(CLEANUP_MAP *map, const char *addr,
                               ARGV *rcpts, STRBUF *why);

#endif

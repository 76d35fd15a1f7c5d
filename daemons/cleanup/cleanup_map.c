/*
 * cleanup_map - canonical mapping, masquerading and virtual aliasing of
 * cleanup(8), as canonical(5), virtual(5) and postconf(5) describe them.
 *
 * Lookups go through mail_addr_find() (user+ext@domain, user@domain,
 * user+ext and user when the domain is in mydestination, @domain).  A
 * table answer is a list of addresses separated by commas and/or white
 * space outside quoted strings, comments and angle brackets, each one
 * unquoted by tok822; when its first address is "@otherdomain", the result is
 * the same localpart in otherdomain.  When the answer came from a key
 * without the extension and propagate_unmatched_extensions names the
 * lookup (canonical, virtual), the extension goes back into each result
 * before its '@'.  Canonical takes the first address of an answer (with
 * a warning when there are more) and is applied once per table list:
 * sender_ or recipient_canonical_maps, then canonical_maps on that
 * result.  Masquerading replaces the domain by the first masquerade
 * domain it is a strict subdomain of; a "!domain" entry, or a domain
 * listed as it is, ends the search without change.
 *
 * Virtual aliasing expands depth first, keeping the chain of addresses
 * being expanded: a result equal to its own key (ignoring case) is
 * final, one equal to another address of the chain is a loop.  Each
 * address is expanded once per call (a second path to it adds nothing
 * new); the lookups of one call are bounded by twice the expansion limit
 * plus the recursion limit, and the recursion limit itself by
 * CMAP_MAX_DEPTH (the expansion recurses on the C stack).
 *
 * Bad parameter values and lists that cannot be split are fatal.  A table
 * that cannot be opened is replaced by maps_create() with one whose
 * lookups fail, so mail for it is deferred, not lost.  mydestination
 * entries that are tables or files are not consulted (with a warning).
 */
#include <stdarg.h>
#include <string.h>
#include <strings.h>

#include "cleanup_map.h"
#include "htable.h"
#include "mail_addr_find.h"
#include "mail_conf.h"
#include "maps.h"
#include "msg.h"
#include "mymalloc.h"
#include "stringops.h"
#include "strlist.h"
#include "tok822.h"

/* Bytes of one address quoted in a log line or a reason. */
#define CMAP_LOG_MAX 100

/* Hops of a loop or chain quoted in a log line or a reason. */
#define CMAP_CHAIN_LOG 10

/* Deepest expansion, whatever virtual_alias_recursion_limit says. */
#define CMAP_MAX_DEPTH 1000

/* propagate_unmatched_extensions: the lookups of this module. */
#define CMAP_EXT_CANON   (1 << 0)
#define CMAP_EXT_VIRTUAL (1 << 1)

#define CMAP_SENDERS (CLEANUP_MAP_ENV_SENDER | CLEANUP_MAP_HDR_SENDER)
#define CMAP_RCPTS   (CLEANUP_MAP_ENV_RCPT | CLEANUP_MAP_HDR_RCPT)

struct CLEANUP_MAP {
    MAPS *canon;      /* canonical_maps, or NULL */
    MAPS *send_canon; /* sender_canonical_maps, or NULL */
    MAPS *rcpt_canon; /* recipient_canonical_maps, or NULL */
    MAPS *virt;       /* virtual_alias_maps, or NULL */
    int canon_classes;
    int send_classes;
    int rcpt_classes;
    int masq_classes;
    int ext_prop;       /* CMAP_EXT_* */
    ARGV *masq_domains; /* lower case, "!" kept */
    ARGV *masq_except;  /* localparts */
    ARGV *mydest;       /* domains, lower case */
    long expan_limit;   /* virtual_alias_expansion_limit */
    long recur_limit;   /* virtual_alias_recursion_limit, capped */
    long len_limit;     /* virtual_alias_address_length_limit */
    char *delims;       /* recipient_delimiter */
    MAIL_ADDR_FIND_OPTS opts;
    TOK822_LIST *list; /* scratch: a parsed answer */
    STRBUF *ext;       /* scratch: the unmatched extension */
    STRBUF *log;       /* scratch: an address made printable */
};

/* A word of a *_classes or propagate_unmatched_extensions value. */
typedef struct CMAP_NAME {
    const char *name;
    int mask;
} CMAP_NAME;

static const CMAP_NAME cmap_classes[] = {
    {"envelope_sender", CLEANUP_MAP_ENV_SENDER},
    {"envelope_recipient", CLEANUP_MAP_ENV_RCPT},
    {"header_sender", CLEANUP_MAP_HDR_SENDER},
    {"header_recipient", CLEANUP_MAP_HDR_RCPT},
};

/* The other words are for local(8) and smtp(8): accepted, unused here. */
static const CMAP_NAME cmap_ext_names[] = {
    {"canonical", CMAP_EXT_CANON},
    {"virtual", CMAP_EXT_VIRTUAL},
    {"alias", 0},
    {"forward", 0},
    {"include", 0},
    {"generic", 0},
};

/* One virtual alias expansion. */
typedef struct CMAP_EXPAND {
    CLEANUP_MAP *map;
    const char *orig; /* the recipient expanded */
    ARGV *rcpts;      /* the result */
    ARGV *chain;      /* addresses being expanded, outermost first */
    HTABLE *done;     /* lower-case addresses already expanded */
    HTABLE *dups;     /* addresses in rcpts */
    STRBUF *key;      /* scratch */
    size_t lookups;
    size_t max_lookups;
    STRBUF *why;
} CMAP_EXPAND;

/* cmap_conf_list - a list parameter, split; lower case when fold */
static ARGV *
cmap_conf_list(const char *param, int fold)
{
    char *value = mail_conf_str(param);
    STRBUF *err = strbuf_create(100);
    ARGV *list = argv_alloc(4);
    size_t i;

    if (strlist_split(value, STRLIST_SEP, 0, list, err) < 0)
        msg_fatal("parameter %s: %s", param, STR(err));
    for (i = 0; fold && i < list->argc; i++)
        lowercase(list->argv[i]);
    strbuf_free(err);
    myfree(value);
    return list;
}

/* cmap_conf_mask - the bits of a list of names; allowed limits them */
static int
cmap_conf_mask(const char *param, const CMAP_NAME *names, size_t count,
               int allowed)
{
    ARGV *words = cmap_conf_list(param, 1);
    int mask = 0;
    size_t i, j;

    for (i = 0; i < words->argc; i++) {
        for (j = 0; j < count; j++)
            if (strcmp(words->argv[i], names[j].name) == 0)
                break;
        if (j == count || (names[j].mask & ~allowed) != 0)
            msg_fatal("parameter %s: unknown or unsupported value \"%s\"",
                      param, words->argv[i]);
        mask |= names[j].mask;
    }
    argv_free(words);
    return mask;
}

/* cmap_conf_limit - a positive integer parameter */
static long
cmap_conf_limit(const char *param)
{
    long value = mail_conf_long(param);

    if (value < 1)
        msg_fatal("parameter %s: %ld is not a positive number", param, value);
    return value;
}

/* cmap_conf_mydest - mydestination's domains (for localpart lookups) */
static ARGV *
cmap_conf_mydest(void)
{
    ARGV *dest = cmap_conf_list("mydestination", 1);
    size_t i = 0;

    while (i < dest->argc) {
        if (strchr(dest->argv[i], ':') == NULL &&
            strchr(dest->argv[i], '/') == NULL) {
            i++;
            continue;
        }
        msg_warn("mydestination: \"%s\" is not consulted for address "
                 "mapping; list its domains instead",
                 dest->argv[i]);
        argv_delete(dest, i, 1);
    }
    return dest;
}

/* cmap_is_local - is domain in mydestination? (MAIL_ADDR_LOCAL_FN) */
static int
cmap_is_local(const char *domain, void *context)
{
    CLEANUP_MAP *map = context;
    size_t len = strlen(domain);
    size_t i;

    if (len > 0 && domain[len - 1] == '.')
        len--;
    for (i = 0; i < map->mydest->argc; i++)
        if (strlen(map->mydest->argv[i]) == len &&
            strncasecmp(map->mydest->argv[i], domain, len) == 0)
            return 1;
    return 0;
}

/* cmap_conf_canon - the canonical tables and classes */
static void
cmap_conf_canon(CLEANUP_MAP *map)
{
    size_t n = sizeof(cmap_classes) / sizeof(cmap_classes[0]);

    map->canon = maps_param("canonical_maps", DICT_FLAG_LOCK);
    map->send_canon = maps_param("sender_canonical_maps", DICT_FLAG_LOCK);
    map->rcpt_canon = maps_param("recipient_canonical_maps", DICT_FLAG_LOCK);
    map->canon_classes = cmap_conf_mask("canonical_classes", cmap_classes, n,
                                        CMAP_SENDERS | CMAP_RCPTS);
    map->send_classes = cmap_conf_mask("sender_canonical_classes", cmap_classes,
                                       n, CMAP_SENDERS);
    map->rcpt_classes = cmap_conf_mask("recipient_canonical_classes",
                                       cmap_classes, n, CMAP_RCPTS);
    map->masq_classes = cmap_conf_mask("masquerade_classes", cmap_classes, n,
                                       CMAP_SENDERS | CMAP_RCPTS);
}

/* cmap_conf_virtual - the virtual alias tables and limits */
static void
cmap_conf_virtual(CLEANUP_MAP *map)
{
    map->virt = maps_param("virtual_alias_maps", DICT_FLAG_LOCK);
    map->expan_limit = cmap_conf_limit("virtual_alias_expansion_limit");
    map->recur_limit = cmap_conf_limit("virtual_alias_recursion_limit");
    map->len_limit = cmap_conf_limit("virtual_alias_address_length_limit");
    if (map->recur_limit > CMAP_MAX_DEPTH) {
        msg_warn("virtual_alias_recursion_limit %ld: using %d",
                 map->recur_limit, CMAP_MAX_DEPTH);
        map->recur_limit = CMAP_MAX_DEPTH;
    }
}

/* cleanup_map_create - read main.cf and open the tables */
CLEANUP_MAP *
cleanup_map_create(void)
{
    CLEANUP_MAP *map = mymalloc(sizeof(*map));

    cmap_conf_canon(map);
    cmap_conf_virtual(map);
    map->masq_domains = cmap_conf_list("masquerade_domains", 1);
    map->masq_except = cmap_conf_list("masquerade_exceptions", 0);
    map->mydest = cmap_conf_mydest();
    map->ext_prop =
        cmap_conf_mask("propagate_unmatched_extensions", cmap_ext_names,
                       sizeof(cmap_ext_names) / sizeof(cmap_ext_names[0]), ~0);
    map->delims = mail_conf_str("recipient_delimiter");
    map->opts.delimiters = map->delims;
    map->opts.owner_request_special = mail_conf_bool("owner_request_special");
    map->opts.is_local = cmap_is_local;
    map->opts.context = map;
    map->list = tok822_list_create();
    map->ext = strbuf_create(20);
    map->log = strbuf_create(CMAP_LOG_MAX);
    return map;
}

/* cleanup_map_free - close the tables; returns NULL */
CLEANUP_MAP *
cleanup_map_free(CLEANUP_MAP *map)
{
    if (map == NULL)
        return NULL;
    maps_free(map->canon);
    maps_free(map->send_canon);
    maps_free(map->rcpt_canon);
    maps_free(map->virt);
    argv_free(map->masq_domains);
    argv_free(map->masq_except);
    argv_free(map->mydest);
    myfree(map->delims);
    tok822_list_free(map->list);
    strbuf_free(map->ext);
    strbuf_free(map->log);
    myfree(map);
    return NULL;
}

/* cmap_show - addr made safe and short for a log line (map->log) */
static const char *
cmap_show(CLEANUP_MAP *map, const char *addr)
{
    return STR(printable(map->log, addr, strlen(addr), CMAP_LOG_MAX, '?'));
}

/* cmap_result - one address of an answer, as the mapping result */
static void
cmap_result(CLEANUP_MAP *map, const char *addr, const char *found, size_t i,
            int propagate, ARGV *out)
{
    const char *at = strrchr(addr, '@');
    const char *found_at = strrchr(found, '@');
    STRBUF *buf = strbuf_create(strlen(found) + LEN(map->ext) + 1);

    if (i == 0 && found[0] == '@') {
        /* "@otherdomain": the same user in otherdomain. */
        strbuf_memcpy(buf, addr, at ? (size_t) (at - addr) : strlen(addr));
        strbuf_strcat(buf, found);
    } else if (propagate && LEN(map->ext) > 0 && found_at != found) {
        strbuf_memcpy(buf, found,
                      found_at ? (size_t) (found_at - found) : strlen(found));
        strbuf_strcat(buf, STR(map->ext));
        if (found_at != NULL)
            strbuf_strcat(buf, found_at);
    } else {
        strbuf_strcpy(buf, found);
    }
    argv_add(out, STR(buf));
    strbuf_free(buf);
}

/* cmap_piece_len - bytes up to a ',' or blank outside "", () and <> */
static size_t
cmap_piece_len(const char *s, size_t len)
{
    size_t i, comment = 0;
    int quote = 0, angle = 0;

    for (i = 0; i < len; i++) {
        if (s[i] == '\\' && i + 1 < len)
            i++;
        else if (quote)
            quote = s[i] != '"';
        else if (s[i] == '(')
            comment++;
        else if (comment > 0)
            comment -= s[i] == ')';
        else if (s[i] == '"')
            quote = 1;
        else if (s[i] == '<' || s[i] == '>')
            angle = s[i] == '<';
        else if (!angle && strchr(", \t\r\n", s[i]) != NULL)
            break;
    }
    return i;
}

/* cmap_split - the addresses of value in map->list; -1 past a limit */
static int
cmap_split(CLEANUP_MAP *map, const char *value, STRBUF *err)
{
    TOK822_LIMITS lim;
    size_t len = strlen(value), off = 0, n;

    tok822_limits_init(&lim);
    /* More addresses than the limit are cmap_add()'s to report. */
    if ((size_t) map->expan_limit > lim.max_addrs)
        lim.max_addrs = (size_t) map->expan_limit;
    tok822_list_reset(map->list);
    if (len > lim.max_input)
        return strbuf_fail(err, 0, "longer than %zu bytes", lim.max_input);
    while (off < len) {
        off += strspn(value + off, ", \t\r\n");
        n = cmap_piece_len(value + off, len - off);
        if (n > 0 && tok822_parse(value + off, n, &lim, map->list, err) < 0)
            return -1;
        if (map->list->count > lim.max_addrs)
            return strbuf_fail(err, 0, "more than %zu addresses",
                               lim.max_addrs);
        off += n;
    }
    return 0;
}

/* cmap_parse - the addresses of a table answer; -1 when it has none */
static int
cmap_parse(CLEANUP_MAP *map, MAPS *maps, const char *addr, const char *value,
           STRBUF *why)
{
    STRBUF *err = strbuf_create(100);
    int ret = 0;

    if (cmap_split(map, value, err) < 0)
        ret = strbuf_fail(why, 0, "%s: unusable answer for %s: %s", maps->title,
                          cmap_show(map, addr), STR(err));
    else if (map->list->count == 0)
        ret = strbuf_fail(why, 0, "%s: empty answer for %s", maps->title,
                          cmap_show(map, addr));
    if (ret < 0)
        msg_warn("%s", STR(why));
    strbuf_free(err);
    return ret;
}

/* cmap_lookup - addr's results in maps (out): 1 found, 0 not, -1 defer */
static int
cmap_lookup(CLEANUP_MAP *map, MAPS *maps, const char *addr, int propagate,
            ARGV *out, STRBUF *why)
{
    const char *value;
    size_t i;

    argv_truncate(out, 0);
    if ((value = mail_addr_find(maps, addr, &map->opts, map->ext)) == NULL) {
        if (maps->error == DICT_ERR_NONE)
            return 0;
        return strbuf_fail(why, 0, "%s: table lookup failed for %s",
                           maps->title, cmap_show(map, addr));
    }
    if (cmap_parse(map, maps, addr, value, why) < 0)
        return -1;
    for (i = 0; i < map->list->count; i++)
        cmap_result(map, addr, map->list->addrs[i].addr, i, propagate, out);
    return 1;
}

/* cmap_canon_one - replace addr by its answer in maps, if any */
static int
cmap_canon_one(CLEANUP_MAP *map, MAPS *maps, STRBUF *addr, STRBUF *why)
{
    ARGV *out = argv_alloc(1);
    int ret = cmap_lookup(map, maps, STR(addr), map->ext_prop & CMAP_EXT_CANON,
                          out, why);

    if (ret > 0) {
        if (out->argc > 1)
            msg_warn("%s: %s maps to %zu addresses; using the first",
                     maps->title, cmap_show(map, STR(addr)), out->argc);
        strbuf_strcpy(addr, out->argv[0]);
    }
    argv_free(out);
    return ret < 0 ? CLEANUP_MAP_DEFER : CLEANUP_MAP_OK;
}

/* cmap_check_class - one known class, or the caller is broken */
static void
cmap_check_class(const char *fn, int class)
{
    if (class != CLEANUP_MAP_ENV_SENDER && class != CLEANUP_MAP_ENV_RCPT &&
        class != CLEANUP_MAP_HDR_SENDER && class != CLEANUP_MAP_HDR_RCPT)
        msg_panic("%s: bad address class %d", fn, class);
}

/* cleanup_map_canon - canonical mapping of one address of class */
int
cleanup_map_canon(CLEANUP_MAP *map, int class, const char *addr, STRBUF *result,
                  STRBUF *why)
{
    int sender = (class & CMAP_SENDERS) != 0;
    MAPS *first = sender ? map->send_canon : map->rcpt_canon;
    int first_classes = sender ? map->send_classes : map->rcpt_classes;

    cmap_check_class("cleanup_map_canon", class);
    strbuf_strcpy(result, addr);
    if (*addr == 0)
        return CLEANUP_MAP_OK;
    if (first != NULL && (first_classes & class) &&
        cmap_canon_one(map, first, result, why) < 0)
        return CLEANUP_MAP_DEFER;
    if (map->canon != NULL && (map->canon_classes & class) &&
        cmap_canon_one(map, map->canon, result, why) < 0)
        return CLEANUP_MAP_DEFER;
    return CLEANUP_MAP_OK;
}

/* cmap_masq_except - is the localpart in masquerade_exceptions? */
static int
cmap_masq_except(CLEANUP_MAP *map, const char *local, size_t len)
{
    size_t i;

    for (i = 0; i < map->masq_except->argc; i++)
        if (strlen(map->masq_except->argv[i]) == len &&
            strncasecmp(map->masq_except->argv[i], local, len) == 0)
            return 1;
    return 0;
}

/* cleanup_map_masq - masquerade the domain of one address of class */
int
cleanup_map_masq(CLEANUP_MAP *map, int class, const char *addr, STRBUF *result,
                 STRBUF *why)
{
    const char *at = strrchr(addr, '@');
    const char *domain, *name;
    size_t dlen, nlen, i;

    (void) why; /* nothing here fails */
    cmap_check_class("cleanup_map_masq", class);
    strbuf_strcpy(result, addr);
    if (!(map->masq_classes & class) || at == NULL ||
        cmap_masq_except(map, addr, (size_t) (at - addr)))
        return CLEANUP_MAP_OK;
    domain = at + 1;
    dlen = strlen(domain);
    for (i = 0; i < map->masq_domains->argc; i++) {
        name =
            map->masq_domains->argv[i] + (map->masq_domains->argv[i][0] == '!');
        if ((nlen = strlen(name)) == 0 || nlen > dlen ||
            strcasecmp(domain + dlen - nlen, name) != 0)
            continue;
        if (nlen == dlen) /* the domain itself: never changed */
            break;
        if (domain[dlen - nlen - 1] != '.')
            continue;
        if (name == map->masq_domains->argv[i]) { /* not "!domain" */
            strbuf_truncate(result, (size_t) (domain - addr));
            strbuf_strcat(result, name);
        }
        break;
    }
    return CLEANUP_MAP_OK;
}

/* cmap_chain - " -> "-joined tail of the chain, then last, in why */
static void
cmap_chain(CMAP_EXPAND *ex, const char *last, STRBUF *out)
{
    size_t n = ex->chain->argc;
    size_t i = n > CMAP_CHAIN_LOG ? n - CMAP_CHAIN_LOG : 0;

    strbuf_strcpy(out, i > 0 ? "... -> " : "");
    for (; i < n; i++)
        strbuf_sprintf_cat(out, "%s -> ",
                           cmap_show(ex->map, ex->chain->argv[i]));
    strbuf_strcat(out, cmap_show(ex->map, last));
}

/* cmap_stop - end the expansion: why and a warning say why; returns -1 */
static int __attribute__((format(printf, 2, 3)))
cmap_stop(CMAP_EXPAND *ex, const char *fmt, ...)
{
    STRBUF *what = strbuf_create(100);
    va_list ap;

    va_start(ap, fmt);
    strbuf_vsprintf_cat(what, fmt, ap);
    va_end(ap);
    strbuf_sprintf(ex->why, "virtual_alias_maps: expansion of %s stopped: %s",
                   cmap_show(ex->map, ex->orig), STR(what));
    msg_warn("%s; message not accepted, try again later", STR(ex->why));
    strbuf_free(what);
    return -1;
}

/* cmap_add - one final recipient, unless it is there already */
static int
cmap_add(CMAP_EXPAND *ex, const char *addr)
{
    if (htable_locate(ex->dups, addr) != NULL)
        return 0;
    if (ex->rcpts->argc >= (size_t) ex->map->expan_limit)
        return cmap_stop(ex,
                         "more than %ld addresses "
                         "(virtual_alias_expansion_limit)",
                         ex->map->expan_limit);
    argv_add(ex->rcpts, addr);
    htable_enter(ex->dups, addr, NULL);
    return 0;
}

/* cmap_in_chain - is addr being expanded already (a loop)? */
static int
cmap_in_chain(CMAP_EXPAND *ex, const char *addr)
{
    size_t i;

    for (i = 0; i < ex->chain->argc; i++)
        if (strcasecmp(ex->chain->argv[i], addr) == 0)
            return 1;
    return 0;
}

static int cmap_expand(CMAP_EXPAND *ex, const char *addr, long depth);

/* cmap_expand_list - the results of addr, each expanded in turn */
static int
cmap_expand_list(CMAP_EXPAND *ex, const char *addr, ARGV *out, long depth)
{
    STRBUF *loop;
    size_t i;
    int ret = 0;

    if (depth >= ex->map->recur_limit)
        return cmap_stop(ex,
                         "nesting deeper than %ld at %s "
                         "(virtual_alias_recursion_limit)",
                         ex->map->recur_limit, cmap_show(ex->map, addr));
    argv_add(ex->chain, addr);
    for (i = 0; ret == 0 && i < out->argc; i++) {
        if (strlen(out->argv[i]) > (size_t) ex->map->len_limit) {
            ret = cmap_stop(ex,
                            "%s yields an address longer than %ld bytes "
                            "(virtual_alias_address_length_limit)",
                            cmap_show(ex->map, addr), ex->map->len_limit);
        } else if (strcasecmp(out->argv[i], addr) == 0) {
            ret = cmap_add(ex, out->argv[i]);
        } else if (cmap_in_chain(ex, out->argv[i])) {
            cmap_chain(ex, out->argv[i], loop = strbuf_create(100));
            ret = cmap_stop(ex, "alias loop: %s", STR(loop));
            strbuf_free(loop);
        } else {
            ret = cmap_expand(ex, out->argv[i], depth + 1);
        }
    }
    argv_truncate(ex->chain, ex->chain->argc - 1);
    return ret;
}

/* cmap_expand - addr's final recipients, added to ex->rcpts */
static int
cmap_expand(CMAP_EXPAND *ex, const char *addr, long depth)
{
    ARGV *out;
    int ret;

    lowercase_copy(ex->key, addr, strlen(addr));
    if (htable_locate(ex->done, STR(ex->key)) != NULL)
        return 0;
    if (++ex->lookups > ex->max_lookups)
        return cmap_stop(ex,
                         "more than %zu lookups "
                         "(virtual_alias_expansion_limit)",
                         ex->max_lookups);
    out = argv_alloc(4);
    ret = cmap_lookup(ex->map, ex->map->virt, addr,
                      ex->map->ext_prop & CMAP_EXT_VIRTUAL, out, ex->why);
    if (ret < 0 && depth > 0)
        strbuf_sprintf_cat(ex->why, " (expanding %s)",
                           cmap_show(ex->map, ex->orig));
    if (ret == 0)
        ret = cmap_add(ex, addr);
    else if (ret > 0 && (ret = cmap_expand_list(ex, addr, out, depth)) == 0)
        htable_enter(ex->done, STR(lowercase_copy(ex->key, addr, strlen(addr))),
                     NULL);
    argv_free(out);
    return ret;
}

/* cleanup_map_virtual - the final recipients of addr in rcpts */
int
cleanup_map_virtual(CLEANUP_MAP *map, const char *addr, ARGV *rcpts,
                    STRBUF *why)
{
    CMAP_EXPAND ex;
    int ret;

    argv_truncate(rcpts, 0);
    if (map->virt == NULL || *addr == 0) {
        argv_add(rcpts, addr);
        return CLEANUP_MAP_OK;
    }
    ex.map = map;
    ex.orig = addr;
    ex.rcpts = rcpts;
    ex.chain = argv_alloc(4);
    ex.done = htable_create(16);
    ex.dups = htable_create(16);
    ex.key = strbuf_create(100);
    ex.lookups = 0;
    ex.max_lookups = 2 * (size_t) map->expan_limit + (size_t) map->recur_limit;
    ex.why = why;
    if ((ret = cmap_expand(&ex, addr, 0)) < 0)
        argv_truncate(rcpts, 0);
    argv_free(ex.chain);
    htable_free(ex.done, NULL);
    htable_free(ex.dups, NULL);
    strbuf_free(ex.key);
    return ret < 0 ? CLEANUP_MAP_DEFER : CLEANUP_MAP_OK;
}

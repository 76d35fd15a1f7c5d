/*
 * match_list - Postfix's pattern lists (mydestination, relay_domains,
 * mynetworks, smtpd client lists); the syntax is in match_list.h.
 *
 * match_list_create() parses the whole list once: files are read, tables
 * opened (through maps, so fixed-key tables see lower-case keys and a
 * table that cannot be opened fails each lookup instead of killing the
 * daemon), addresses compiled by cidr_match, and whether the title is
 * named in parent_domain_matches_subdomains is decided.  It returns the
 * list (the caller's: match_list_free) or NULL with a reason in why,
 * "title: ..." naming the bad pattern, the unreadable file, or a
 * parent_domain_matches_subdomains that cannot be expanded.
 *
 * match_list_match() walks the patterns in order; the first that matches
 * decides (1, or 0 when negated), none gives 0, a failed table lookup
 * gives -1 at once (maps logged it).  A domain list matches name; an
 * address list matches addr (name when addr is NULL); a name+address
 * list matches domain patterns against name and address patterns against
 * addr.  Names are folded to lower case and lose one trailing dot; an
 * address may come in [brackets].  Nothing is fatal.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "argv.h"
#include "cidr_match.h"
#include "lline.h"
#include "mail_conf.h"
#include "mail_dict.h"
#include "maps.h"
#include "match_list.h"
#include "msg.h"
#include "mymalloc.h"
#include "stringops.h"
#include "strlist.h"

/* Bounds on what a list may hold. */
#define MATCH_FILE_MAX   (1024 * 1024) /* bytes in a /file */
#define MATCH_LINE_MAX   10000         /* bytes in one of its lines */
#define MATCH_DOMAIN_MAX 255           /* bytes in a domain pattern */

/* Kinds of pattern. */
#define PAT_DOMAIN 1 /* "example.com" or ".example.com" */
#define PAT_ADDR   2 /* address or network */
#define PAT_TABLE  3 /* type:name */

typedef struct MATCH_PAT {
    int type;          /* PAT_* */
    int negate;        /* "!pattern" */
    char *domain;      /* PAT_DOMAIN: lower case, no trailing dot */
    CIDR_PATTERN cidr; /* PAT_ADDR */
    MAPS *maps;        /* PAT_TABLE */
} MATCH_PAT;

struct MATCH_LIST {
    char *title; /* the parameter, for messages */
    int kind;    /* MATCH_DOMAIN, MATCH_ADDR, MATCH_NAMADR */
    int parent;  /* title in parent_domain_matches_subdomains */
    MATCH_PAT *pats;
    size_t count;
    size_t size;
    STRBUF *name; /* private: the folded name */
    STRBUF *addr; /* private: the unbracketed address */
};

static int match_parse_list(MATCH_LIST *list, const char *text, int negate,
                            int depth, STRBUF *why);

/* match_parent_flag - is title named in parent_domain_matches_subdomains? */
static int
match_parent_flag(const char *title, int *flag, STRBUF *why)
{
    STRBUF *value = strbuf_create(100);
    ARGV *names = argv_alloc(8);
    size_t i;
    int ret = 0;

    *flag = 0;
    if (mail_conf_eval("parent_domain_matches_subdomains", value, why) < 0 ||
        strlist_split(STR(value), STRLIST_SEP, 0, names, why) < 0)
        ret = -1;
    for (i = 0; ret == 0 && i < names->argc; i++)
        if (strcmp(names->argv[i], title) == 0)
            *flag = 1;
    argv_free(names);
    strbuf_free(value);
    return ret;
}

/* match_add - a new pattern slot at the end of the list */
static MATCH_PAT *
match_add(MATCH_LIST *list, int type, int negate)
{
    MATCH_PAT *pat;

    if (list->count == list->size) {
        list->size = list->size ? 2 * list->size : 8;
        list->pats = myrealloc(list->pats, list->size * sizeof(*list->pats));
    }
    pat = list->pats + list->count++;
    memset(pat, 0, sizeof(*pat));
    pat->type = type;
    pat->negate = negate;
    return pat;
}

/* match_is_table - "type:name" with a type this build knows */
static int
match_is_table(const char *item)
{
    size_t len = strcspn(item, ":");
    char *type;
    int known;

    if (item[len] != ':' || len == 0)
        return 0;
    type = mystrndup(item, len);
    known = dict_type_known(type);
    myfree(type);
    return known;
}

/* match_domain_ok - characters a domain pattern may hold */
static int
match_domain_ok(const char *item)
{
    const unsigned char *cp;
    size_t len = strlen(item);

    if (len == 0 || len > MATCH_DOMAIN_MAX || strcmp(item, ".") == 0)
        return 0;
    for (cp = (const unsigned char *) item; *cp; cp++)
        if (*cp < 0x80 && !isalnum(*cp) && strchr("-_.[]", *cp) == NULL)
            return 0;
    return 1;
}

/* match_add_domain - a domain pattern, folded, one trailing dot removed */
static int
match_add_domain(MATCH_LIST *list, const char *item, int negate, STRBUF *why)
{
    MATCH_PAT *pat;
    size_t len;

    if (!match_domain_ok(item)) {
        strbuf_sprintf(why, "%s: bad domain pattern \"%s\"", list->title, item);
        return -1;
    }
    pat = match_add(list, PAT_DOMAIN, negate);
    pat->domain = lowercase(mystrdup(item));
    len = strlen(pat->domain);
    if (len > 1 && pat->domain[len - 1] == '.')
        pat->domain[len - 1] = 0;
    return 0;
}

/* match_add_table - a type:name pattern */
static int
match_add_table(MATCH_LIST *list, const char *item, int negate, STRBUF *why)
{
    STRBUF *err = strbuf_create(100);
    MAPS *maps;

    if ((maps = maps_create(list->title, item, 0, err)) == NULL) {
        strbuf_sprintf(why, "%s", STR(err));
        strbuf_free(err);
        return -1;
    }
    strbuf_free(err);
    match_add(list, PAT_TABLE, negate)->maps = maps;
    return 0;
}

/* match_add_addr - an address or network pattern */
static int
match_add_addr(MATCH_LIST *list, const char *item, int negate, STRBUF *why)
{
    STRBUF *err = strbuf_create(100);
    CIDR_PATTERN cidr;

    if (cidr_pattern_parse(item, strlen(item), &cidr, err) < 0) {
        strbuf_sprintf(why, "%s: %s", list->title, STR(err));
        strbuf_free(err);
        return -1;
    }
    strbuf_free(err);
    match_add(list, PAT_ADDR, negate)->cidr = cidr;
    return 0;
}

/* match_looks_addr - would a name+address list read item as an address? */
static int
match_looks_addr(const char *item)
{
    CIDR_PATTERN cidr;
    STRBUF *err = strbuf_create(10);
    int ret = cidr_pattern_parse(item, strlen(item), &cidr, err) == 0 ||
              item[0] == '[' || strchr(item, ':') != NULL ||
              strchr(item, '/') != NULL;

    strbuf_free(err);
    return ret;
}

/* match_parse_file - the patterns of a /file, one level deep */
static int
match_parse_file(MATCH_LIST *list, const char *path, int negate, int depth,
                 STRBUF *why)
{
    STRBUF *data = strbuf_create(1000);
    STRBUF *line = strbuf_create(100);
    STRBUF *err = strbuf_create(100);
    LLINE *lp;
    int lineno, got = -1, ret = 0;

    if (depth > 0)
        strbuf_sprintf(err, "%s: a file may not name a file", path);
    else if (lline_load(path, MATCH_FILE_MAX, data, err) == 0) {
        lp = lline_create(path, STR(data), LEN(data), MATCH_LINE_MAX);
        while (ret == 0 && (got = lline_next(lp, line, &lineno, err)) > 0)
            ret = match_parse_list(list, STR(line), negate, depth + 1, why);
        lline_free(lp);
    }
    /* why already holds the reason of a bad pattern inside the file. */
    if (ret == 0 && got < 0) {
        strbuf_sprintf(why, "%s: %s", list->title, STR(err));
        ret = -1;
    }
    strbuf_free(data);
    strbuf_free(line);
    strbuf_free(err);
    return ret;
}

/* match_parse_item - one pattern of the list */
static int
match_parse_item(MATCH_LIST *list, const char *item, int negate, int depth,
                 STRBUF *why)
{
    for (; *item == '!'; item++)
        negate = !negate;
    if (*item == 0) {
        strbuf_sprintf(why, "%s: empty pattern after '!'", list->title);
        return -1;
    }
    if (*item == '/')
        return match_parse_file(list, item, negate, depth, why);
    if (match_is_table(item))
        return match_add_table(list, item, negate, why);
    if (list->kind == MATCH_ADDR ||
        (list->kind == MATCH_NAMADR && match_looks_addr(item)))
        return match_add_addr(list, item, negate, why);
    if (strchr(item, ':') != NULL) {
        strbuf_sprintf(why, "%s: unsupported table type in \"%s\"", list->title,
                       item);
        return -1;
    }
    return match_add_domain(list, item, negate, why);
}

/* match_parse_list - the patterns of text, in order */
static int
match_parse_list(MATCH_LIST *list, const char *text, int negate, int depth,
                 STRBUF *why)
{
    ARGV *items = argv_alloc(8);
    STRBUF *err = strbuf_create(100);
    size_t i;
    int ret = 0;

    if (strlist_split(text, STRLIST_SEP, 0, items, err) < 0) {
        strbuf_sprintf(why, "%s: %s", list->title, STR(err));
        ret = -1;
    }
    for (i = 0; ret == 0 && i < items->argc; i++)
        ret = match_parse_item(list, items->argv[i], negate, depth, why);
    argv_free(items);
    strbuf_free(err);
    return ret;
}

/* match_list_create - parse a list; NULL and a reason when it is bad */
MATCH_LIST *
match_list_create(const char *title, int kind, const char *patterns,
                  STRBUF *why)
{
    MATCH_LIST *list = mycalloc(1, sizeof(*list));

    mail_dict_init();
    list->title = mystrdup(title);
    list->kind = kind;
    list->name = strbuf_create(64);
    list->addr = strbuf_create(64);
    if (kind < MATCH_DOMAIN || kind > MATCH_NAMADR) {
        strbuf_sprintf(why, "%s: bad list kind %d", title, kind);
        return match_list_free(list);
    }
    if (match_parent_flag(title, &list->parent, why) < 0 ||
        match_parse_list(list, patterns, 0, 0, why) < 0)
        return match_list_free(list);
    return list;
}

/* match_domain - a domain pattern against the folded name */
static int
match_domain(const MATCH_LIST *list, const char *pat, const char *name)
{
    size_t plen = strlen(pat), nlen = strlen(name);

    if (pat[0] == '.')
        return nlen > plen && strcmp(name + nlen - plen, pat) == 0;
    if (strcmp(name, pat) == 0)
        return 1;
    return list->parent && nlen > plen + 1 && name[nlen - plen - 1] == '.' &&
           strcmp(name + nlen - plen, pat) == 0;
}

/* match_table_domain - the name, then its parents (fixed tables only) */
static int
match_table_domain(const MATCH_LIST *list, MAPS *maps, const char *name)
{
    const char *next;
    int flags = 0;

    for (;;) {
        if (maps_find(maps, name, flags) != NULL)
            return 1;
        if (maps->error != DICT_ERR_NONE)
            return -1;
        /* Postfix: parents are keys "parent" or ".parent" per the flag. */
        if (*name == '[' || (next = strchr(name + 1, '.')) == NULL)
            return 0;
        name = list->parent ? next + 1 : next;
        flags = DICT_FLAG_FIXED;
    }
}

/* match_table - a table pattern: the name and/or the address */
static int
match_table(const MATCH_LIST *list, MAPS *maps, const char *name,
            const char *addr)
{
    int got = 0;

    if (list->kind != MATCH_ADDR && *name != 0)
        got = match_table_domain(list, maps, name);
    if (got == 0 && list->kind != MATCH_DOMAIN && *addr != 0) {
        if (maps_find(maps, addr, 0) != NULL)
            return 1;
        return maps->error != DICT_ERR_NONE ? -1 : 0;
    }
    return got;
}

/* match_one - 1 the pattern matches, 0 not, -1 a lookup failed */
static int
match_one(const MATCH_LIST *list, const MATCH_PAT *pat, const char *name,
          const char *addr, const CIDR_ADDR *ip)
{
    switch (pat->type) {
        case PAT_DOMAIN:
            return *name != 0 && match_domain(list, pat->domain, name);
        case PAT_ADDR:
            return ip->family != 0 && cidr_pattern_match(&pat->cidr, ip) == 1;
        default:
            return match_table(list, pat->maps, name, addr);
    }
}

/* match_fold - the name in lower case without one trailing dot */
static const char *
match_fold(STRBUF *buf, const char *name)
{
    size_t len = name ? strlen(name) : 0;

    if (len > 1 && name[len - 1] == '.')
        len--;
    return STR(lowercase_copy(buf, name ? name : "", len));
}

/* match_unbracket - the address without [brackets] */
static const char *
match_unbracket(STRBUF *buf, const char *addr)
{
    size_t len = addr ? strlen(addr) : 0;

    if (len >= 2 && addr[0] == '[' && addr[len - 1] == ']')
        (void) strbuf_memcpy(buf, addr + 1, len - 2);
    else
        (void) strbuf_strcpy(buf, addr ? addr : "");
    return STR(buf);
}

/* match_list_match - 1 in the list, 0 not, -1 a lookup failed */
int
match_list_match(MATCH_LIST *list, const char *name, const char *addr)
{
    CIDR_ADDR ip;
    size_t i;
    int got;

    if (list->kind == MATCH_ADDR && addr == NULL)
        addr = name;
    name = list->kind == MATCH_ADDR ? "" : match_fold(list->name, name);
    addr = list->kind == MATCH_DOMAIN ? "" : match_unbracket(list->addr, addr);
    if (*addr == 0 || cidr_addr_parse(addr, &ip) < 0)
        ip.family = 0;
    for (i = 0; i < list->count; i++) {
        got = match_one(list, list->pats + i, name, addr, &ip);
        if (got < 0)
            return -1;
        if (got > 0)
            return !list->pats[i].negate;
    }
    return 0;
}

/* match_list_free - release the list; returns NULL */
MATCH_LIST *
match_list_free(MATCH_LIST *list)
{
    size_t i;

    if (list == NULL)
        return NULL;
    for (i = 0; i < list->count; i++) {
        myfree(list->pats[i].domain);
        maps_free(list->pats[i].maps);
    }
    myfree(list->pats);
    myfree(list->title);
    strbuf_free(list->name);
    strbuf_free(list->addr);
    myfree(list);
    return NULL;
}

/* match_list_param - the list of a parameter; a bad one is fatal */
MATCH_LIST *
match_list_param(const char *param, int kind)
{
    char *value = mail_conf_str(param);
    STRBUF *why = strbuf_create(100);
    MATCH_LIST *list = match_list_create(param, kind, value, why);
    char reason[512];

    myfree(value);
    if (list == NULL) {
        snprintf(reason, sizeof(reason), "%s", STR(why));
        strbuf_free(why);
        msg_fatal("%s", reason);
    }
    strbuf_free(why);
    return list;
}

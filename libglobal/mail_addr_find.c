/*
 * mail_addr_find - look up a mail address in a MAPS in Postfix's order
 * (virtual(5), canonical(5), postconf(5) recipient_delimiter).
 *
 * For user+ext@domain, where '+' is any byte of recipient_delimiter, the
 * keys tried are, each in every table before the next key:
 *
 *   1. user+ext@domain   every table (regexp:, pcre:, cidr: see only this)
 *   2. user@domain       fixed-key tables, when there is an extension
 *   3. user+ext, user    fixed-key tables, when the domain is local (the
 *                        caller's is_local says so) or there is no domain
 *   4. @domain           fixed-key tables
 *
 * An address without '@' is tried as 1 and "user"; "@domain" alone as 1.
 * The localpart splits at its first delimiter byte after the first byte
 * (Postfix 2.11 and later: one delimiter, one extension), except for
 * postmaster, mailer-daemon and double-bounce, and, with
 * owner_request_special and '-' among the delimiters, owner-* and
 * *-request.  maps_create() folds keys of fixed-key tables to lower case;
 * pattern tables see the address as given.
 *
 * mail_addr_find() returns the first answer (owned by the table, valid
 * until its next lookup) or NULL; maps->error tells "not found"
 * (DICT_ERR_NONE) from a failed table or an is_local() that could not
 * tell (DICT_ERR_RETRY or DICT_ERR_CONFIG: the caller defers).  When the
 * answer came from a key without the extension (2, user in 3, and 4) and
 * extension is not NULL, extension receives the delimiter and extension as
 * written ("+Ext"), for propagate_unmatched_extensions; otherwise it is
 * emptied.  mail_addr_find_split() returns the length of the localpart
 * before its extension, or 0 when it does not split.
 */
#include <string.h>
#include <strings.h>

#include "mail_addr_find.h"
#include "mymalloc.h"

/* Localparts that never lose an "extension" (Postfix's list). */
static const char *const mail_addr_unsplit[] = {
    "postmaster",
    "mailer-daemon",
    "double-bounce",
};

/* One search, taken apart once. */
typedef struct ADDR_FIND {
    MAPS *maps;
    const char *address;
    const char *domain; /* "@domain" in address, or NULL */
    size_t local_len;   /* bytes before '@' */
    size_t bare_len;    /* bytes before the delimiter, 0 if no extension */
    STRBUF *key;        /* the key being tried */
} ADDR_FIND;

/* mail_addr_find_special - is the localpart exempt from splitting? */
static int
mail_addr_find_special(const char *local, size_t len, const char *delimiters,
                       int owner_request_special)
{
    size_t i;

    for (i = 0; i < sizeof(mail_addr_unsplit) / sizeof(mail_addr_unsplit[0]);
         i++)
        if (len == strlen(mail_addr_unsplit[i]) &&
            strncasecmp(local, mail_addr_unsplit[i], len) == 0)
            return 1;
    if (!owner_request_special || strchr(delimiters, '-') == NULL)
        return 0;
    return (len >= 6 && strncasecmp(local, "owner-", 6) == 0) ||
           (len > 8 && strncasecmp(local + len - 8, "-request", 8) == 0);
}

/* mail_addr_find_split - localpart length before the extension, or 0 */
size_t
mail_addr_find_split(const char *localpart, size_t len, const char *delimiters,
                     int owner_request_special)
{
    size_t i;

    if (delimiters == NULL || *delimiters == 0 ||
        mail_addr_find_special(localpart, len, delimiters,
                               owner_request_special))
        return 0;
    /* Never at the first byte: "+foo" has no user to strip it from. */
    for (i = 1; i < len; i++)
        if (localpart[i] != 0 && strchr(delimiters, localpart[i]) != NULL)
            return i;
    return 0;
}

/* find_fixed - look up localpart[0..len] [+ "@domain"] in fixed tables */
static const char *
find_fixed(ADDR_FIND *af, size_t len, int with_domain)
{
    strbuf_memcpy(af->key, af->address, len);
    if (with_domain)
        strbuf_strcat(af->key, af->domain);
    return maps_find(af->maps, STR(af->key), DICT_FLAG_FIXED);
}

/* find_local - step 3: user+ext, then user, for a local domain */
static const char *
find_local(ADDR_FIND *af, const MAIL_ADDR_FIND_OPTS *opts, int *stripped)
{
    const char *value;
    char *domain;
    int local;

    if (af->local_len == 0 || opts->is_local == NULL)
        return NULL;
    domain = mystrdup(af->domain + 1);
    local = opts->is_local(domain, opts->context);
    myfree(domain);
    if (local < 0) {
        af->maps->error = DICT_ERR_RETRY;
        return NULL;
    }
    if (local == 0)
        return NULL;
    if ((value = find_fixed(af, af->local_len, 0)) != NULL ||
        af->maps->error != DICT_ERR_NONE || af->bare_len == 0)
        return value;
    *stripped = 1;
    return find_fixed(af, af->bare_len, 0);
}

/* find_partial - steps 2 to 4, after the full address was not found */
static const char *
find_partial(ADDR_FIND *af, const MAIL_ADDR_FIND_OPTS *opts, int *stripped)
{
    const char *value = NULL;

    if (af->bare_len > 0) {
        *stripped = 1;
        value = find_fixed(af, af->bare_len, af->domain != NULL);
        if (value != NULL || af->maps->error != DICT_ERR_NONE)
            return value;
        *stripped = 0;
    }
    /* "@domain" alone was step 1 already. */
    if (af->domain == NULL || af->local_len == 0)
        return NULL;
    if ((value = find_local(af, opts, stripped)) != NULL ||
        af->maps->error != DICT_ERR_NONE)
        return value;
    *stripped = af->bare_len > 0;
    return maps_find(af->maps, af->domain, DICT_FLAG_FIXED);
}

/* mail_addr_find - the table answer for a mail address */
const char *
mail_addr_find(MAPS *maps, const char *address, const MAIL_ADDR_FIND_OPTS *opts,
               STRBUF *extension)
{
    ADDR_FIND af;
    const char *value;
    int stripped = 0;

    af.maps = maps;
    af.address = address;
    af.domain = strrchr(address, '@');
    af.local_len = af.domain ? (size_t) (af.domain - address) : strlen(address);
    af.bare_len = mail_addr_find_split(address, af.local_len, opts->delimiters,
                                       opts->owner_request_special);
    af.key = strbuf_create(100);
    if (extension != NULL)
        strbuf_reset(extension);
    if ((value = maps_find(maps, address, 0)) == NULL &&
        maps->error == DICT_ERR_NONE)
        value = find_partial(&af, opts, &stripped);
    if (value != NULL && stripped && extension != NULL)
        strbuf_memcpy(extension, address + af.bare_len,
                      af.local_len - af.bare_len);
    strbuf_free(af.key);
    return value;
}

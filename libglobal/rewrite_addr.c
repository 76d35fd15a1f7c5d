/*
 * rewrite_addr - rewrite one address to standard form: the rules of
 * Postfix's trivial-rewrite(8) "rewrite" request, as a pure function.
 *
 * rewrite_addr(params, ctx, addr, out) takes an address in internal
 * (unquoted) form and writes the rewritten address to out, which the
 * caller owns, and returns out.  The local part is everything before the
 * last "@".  The rules, from trivial-rewrite(8) and the "standard form"
 * table of Postfix's ADDRESS_REWRITING_README, in order:
 *
 *   ""                     stays "" (the null sender); "@" becomes ""
 *   @a,@b:user@site        user@site (the source route goes; always)
 *   site!user              user@site, when the address has no "@" and
 *                          swap_bangpath is on (the first "!" splits:
 *                          a!b!user -> b!user@a, as Postfix does)
 *   user%domain            user@domain, when the address has no "@",
 *                          it was not a bang path and allow_percent_hack
 *                          is on (the last "%" becomes "@")
 *   user                   user@ORIGIN, when none of the above applied
 *                          and append_at_myorigin is on
 *   user@host              user@host.DOMAIN, when host has no dot and
 *                          is not a [literal], and append_dot_mydomain
 *                          is on; a broken form ending in "@" stays
 *   user@host.             user@host (one trailing dot goes, but not
 *                          from "..", nor from "@.")
 *
 * ORIGIN and DOMAIN depend on the context.  "local": $myorigin and
 * $mydomain.  "remote": both are $remote_header_rewrite_domain, so with
 * that parameter empty (the default) nothing is appended; trivial-
 * rewrite(8): "Otherwise the result is identical to that of the local
 * address rewriting context."  An empty ORIGIN or DOMAIN appends
 * nothing.
 *
 * Postfix also strips user%domain@ourdomain to user@domain, but when
 * resolving an address (the domain must be ours), not here.
 * rewrite_addr_context() maps a context name to REWRITE_LOCAL or
 * REWRITE_REMOTE, -1 if unknown.  Nothing here fails.
 */
#include <string.h>

#include "rewrite_addr.h"

/* rewrite_addr_context - REWRITE_* of a context name, -1 if unknown */
int
rewrite_addr_context(const char *name)
{
    if (strcmp(name, REWRITE_CTX_LOCAL) == 0)
        return REWRITE_LOCAL;
    if (strcmp(name, REWRITE_CTX_REMOTE) == 0)
        return REWRITE_REMOTE;
    return -1;
}

/* rewrite_strip_route - "@a,@b:user@site" -> "user@site" */
static void
rewrite_strip_route(STRBUF *out)
{
    char *colon;

    /* A colon that ends the address leaves nothing to keep. */
    if (STR(out)[0] == '@' && (colon = strchr(STR(out), ':')) != NULL &&
        colon[1] != 0) {
        size_t skip = (size_t) (colon + 1 - STR(out));

        memmove(STR(out), STR(out) + skip, LEN(out) - skip + 1);
        LEN(out) -= skip;
    }
}

/* rewrite_swap_bang - "site!user" -> "user@site"; 1 if swapped */
static int
rewrite_swap_bang(STRBUF *out, STRBUF *tmp)
{
    char *bang = strchr(STR(out), '!');

    if (bang == NULL || bang == STR(out) || bang[1] == 0)
        return 0;
    strbuf_sprintf(tmp, "%s@%.*s", bang + 1, (int) (bang - STR(out)), STR(out));
    strbuf_memcpy(out, STR(tmp), LEN(tmp));
    return 1;
}

/* rewrite_percent - "user%domain" -> "user@domain"; 1 if done */
static int
rewrite_percent(STRBUF *out)
{
    char *pct = strrchr(STR(out), '%');

    if (pct == NULL)
        return 0;
    *pct = '@';
    return 1;
}

/* rewrite_no_domain - the rules for an address without "@" */
static void
rewrite_no_domain(const REWRITE_PARAMS *p, const char *origin, STRBUF *out,
                  STRBUF *tmp)
{
    if (p->swap_bangpath && rewrite_swap_bang(out, tmp))
        return;
    if (p->allow_percent_hack && rewrite_percent(out))
        return;
    if (p->append_at_myorigin && *origin != 0)
        strbuf_sprintf_cat(out, "@%s", origin);
}

/* rewrite_dot_domain - "user@host" -> "user@host.DOMAIN" */
static void
rewrite_dot_domain(const char *domain, STRBUF *out)
{
    const char *at = strrchr(STR(out), '@');

    if (at == NULL || at[1] == 0 || at[1] == '[' || strchr(at, '.') != NULL)
        return;
    strbuf_sprintf_cat(out, ".%s", domain);
}

/* rewrite_trailing_dot - drop one trailing dot, not from ".." or "@." */
static void
rewrite_trailing_dot(STRBUF *out)
{
    size_t len = LEN(out);

    if (len >= 2 && STR(out)[len - 1] == '.' && STR(out)[len - 2] != '.' &&
        STR(out)[len - 2] != '@')
        strbuf_truncate(out, len - 1);
}

/* rewrite_addr - rewrite an internal-form address to standard form */
STRBUF *
rewrite_addr(const REWRITE_PARAMS *p, REWRITE_CONTEXT ctx, const char *addr,
             STRBUF *out)
{
    const char *origin = ctx == REWRITE_LOCAL ? p->myorigin : p->remote_domain;
    const char *domain = ctx == REWRITE_LOCAL ? p->mydomain : p->remote_domain;
    STRBUF *tmp;

    strbuf_strcpy(out, addr);
    if (*addr == 0 || strcmp(addr, "@") == 0) {
        strbuf_reset(out);
        return out;
    }
    rewrite_strip_route(out);
    if (strchr(STR(out), '@') == NULL) {
        tmp = strbuf_create(LEN(out) + 2);
        rewrite_no_domain(p, origin ? origin : "", out, tmp);
        strbuf_free(tmp);
    }
    if (p->append_dot_mydomain && domain != NULL && *domain != 0)
        rewrite_dot_domain(domain, out);
    rewrite_trailing_dot(out);
    return out;
}

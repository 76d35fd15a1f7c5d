/*
 * xsasl_server - the back-end independent part of server-side SASL.
 *
 * xsasl_server_init() picks the back-end by smtpd_sasl_type ("postern"
 * or "dovecot") and returns a process-wide object the caller owns
 * (xsasl_server_done() releases it), or NULL with the reason in why (an
 * unknown type, a table that cannot be opened): the caller decides
 * whether that is fatal.  xsasl_server_security() turns the words of
 * smtpd_sasl_security_options into XSASL_SEC_* bits, or -1 for an
 * unknown word.  xsasl_server_create() returns a per-connection object
 * (NULL with why when the back-end cannot be reached);
 * xsasl_server_free() releases it and returns NULL.
 *
 * xsasl_server_start() and xsasl_server_next() wrap the back-end's
 * steps and keep the last challenge: a failure without a reason reports
 * that challenge, so a failed LOGIN logs "UGFzc3dvcmQ6" (the base64 of
 * "Password:") and a failed PLAIN an empty reason, as Postfix does and
 * fail2ban's postfix-sasl filter expects.  xsasl_decode() is a bounded,
 * strict RFC 4648 decoder; xsasl_const_eq() compares in constant time.
 * Nothing here is fatal.
 */
#include <string.h>
#include <strings.h>

#include "argv.h"
#include "base64.h"
#include "mymalloc.h"
#include "xsasl_server.h"

/* xsasl_server_init - the back-end named by type */
XSASL_SERVER_IMPL *
xsasl_server_init(const char *type, const char *path, const char *users_maps,
                  STRBUF *why)
{
    if (strcmp(type, "postern") == 0)
        return xsasl_postern_init(users_maps, why);
    if (strcmp(type, "dovecot") == 0)
        return xsasl_dovecot_init(path, why);
    strbuf_sprintf(why,
                   "unsupported SASL server implementation: %s "
                   "(use dovecot or postern)",
                   type);
    return NULL;
}

/* xsasl_server_done - release a back-end; returns NULL */
XSASL_SERVER_IMPL *
xsasl_server_done(XSASL_SERVER_IMPL *impl)
{
    if (impl)
        impl->done(impl);
    return NULL;
}

/* xsasl_server_security - smtpd_sasl_security_options as bits */
int
xsasl_server_security(const char *words, STRBUF *why)
{
    static const struct {
        const char *name;
        int bit;
    } opts[] = {
        {"noplaintext", XSASL_SEC_NOPLAINTEXT},
        {"noactive", XSASL_SEC_NOACTIVE},
        {"nodictionary", XSASL_SEC_NODICT},
        {"noanonymous", XSASL_SEC_NOANONYMOUS},
        {"mutual_auth", XSASL_SEC_MUTUAL},
    };
    ARGV *argv = argv_split(words, ", \t\r\n");
    size_t i, j;
    int bits = 0;

    for (i = 0; i < argv->argc && bits >= 0; i++) {
        for (j = 0; j < sizeof(opts) / sizeof(opts[0]); j++)
            if (strcasecmp(argv->argv[i], opts[j].name) == 0)
                break;
        if (j < sizeof(opts) / sizeof(opts[0])) {
            bits |= opts[j].bit;
        } else {
            strbuf_sprintf(why, "unknown SASL security option: %s",
                           argv->argv[i]);
            bits = -1;
        }
    }
    argv_free(argv);
    return bits;
}

/* xsasl_mech_allowed - may a mechanism with these flags be offered? */
int
xsasl_mech_allowed(int flags, int security)
{
    if (flags & XSASL_MECH_PRIVATE)
        return 0;
    if ((security & XSASL_SEC_NOPLAINTEXT) && (flags & XSASL_MECH_PLAINTEXT))
        return 0;
    if ((security & XSASL_SEC_NOANONYMOUS) && (flags & XSASL_MECH_ANONYMOUS))
        return 0;
    if ((security & XSASL_SEC_NODICT) && (flags & XSASL_MECH_DICT))
        return 0;
    if ((security & XSASL_SEC_NOACTIVE) && (flags & XSASL_MECH_ACTIVE))
        return 0;
    if ((security & XSASL_SEC_MUTUAL) && !(flags & XSASL_MECH_MUTUAL))
        return 0;
    return 1;
}

/* xsasl_server_create - a connection's SASL server, or NULL with why */
XSASL_SERVER *
xsasl_server_create(XSASL_SERVER_IMPL *impl, const XSASL_SERVER_ARGS *args,
                    STRBUF *why)
{
    XSASL_SERVER *server = impl->create(impl, args, why);

    if (server)
        server->last_chal = strbuf_create(0);
    return server;
}

/* xsasl_server_free - release a connection's SASL server; returns NULL */
XSASL_SERVER *
xsasl_server_free(XSASL_SERVER *server)
{
    STRBUF *chal = server->last_chal;

    server->free(server); /* frees mechs and the object */
    strbuf_free(chal);
    return NULL;
}

/* xsasl_server_mechs - the offered mechanisms, space-separated */
const char *
xsasl_server_mechs(XSASL_SERVER *server)
{
    return STR(server->mechs);
}

/* xsasl_server_mech_known - is mech among the offered ones? */
int
xsasl_server_mech_known(XSASL_SERVER *server, const char *mech)
{
    const char *p = STR(server->mechs), *end;
    size_t n = strlen(mech);

    while (*p) {
        end = strchr(p, ' ');
        if (end == NULL)
            end = p + strlen(p);
        if ((size_t) (end - p) == n && strncasecmp(p, mech, n) == 0)
            return 1;
        p = *end ? end + 1 : end;
    }
    return 0;
}

/* xsasl_server_result - remember challenges; give bare failures a reason */
static int
xsasl_server_result(XSASL_SERVER *server, int status, STRBUF *result)
{
    if (status == XSASL_CONT) {
        strbuf_strcpy(server->last_chal, STR(result));
        server->in_progress = 1;
        return status;
    }
    if (status == XSASL_FAIL && LEN(result) == 0)
        strbuf_strcpy(result, STR(server->last_chal));
    server->in_progress = 0;
    strbuf_reset(server->last_chal);
    return status;
}

/* xsasl_server_start - begin an exchange; init_resp is base64 or NULL */
int
xsasl_server_start(XSASL_SERVER *server, const char *mech,
                   const char *init_resp, STRBUF *result)
{
    strbuf_reset(result);
    strbuf_reset(server->last_chal);
    return xsasl_server_result(
        server, server->start(server, mech, init_resp, result), result);
}

/* xsasl_server_next - one more client response (base64) */
int
xsasl_server_next(XSASL_SERVER *server, const char *resp, STRBUF *result)
{
    strbuf_reset(result);
    if (!server->in_progress) {
        strbuf_strcpy(result, "no authentication in progress");
        return XSASL_FAIL;
    }
    return xsasl_server_result(server, server->next(server, resp, result),
                               result);
}

/* xsasl_decode - strict base64 into out, at most max decoded bytes */
int
xsasl_decode(const char *in, size_t len, size_t max, STRBUF *out)
{
    /* Four characters carry three bytes: refuse before decoding. */
    if (len / 4 > max / 3 + 1)
        return -1;
    if (base64_decode(out, in, len) < 0 || LEN(out) > max)
        return -1;
    return 0;
}

/* xsasl_const_eq - equal strings, in time that depends on length only */
int
xsasl_const_eq(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b), i;
    unsigned char diff = la != lb;

    for (i = 0; i < la; i++)
        diff |= (unsigned char) (a[i] ^ (i < lb ? b[i] : 0));
    return diff == 0;
}

/*
 * xsasl_postern - the built-in SASL back-end (smtpd_sasl_type = postern,
 * a Postern extension): PLAIN (RFC 4616) and LOGIN, checked against
 * smtpd_sasl_users_maps, a table of "user crypt(3)-hash" (yescrypt "$y$",
 * SHA-512-crypt "$6$" or any other scheme libxcrypt knows).
 *
 * xsasl_postern_init() opens the table (before chroot) and returns the
 * back-end, or NULL with why.  xsasl_plain_parse() splits a decoded
 * PLAIN message; xsasl_postern_verify() checks one user and password:
 * XSASL_OK, XSASL_FAIL with an empty reason (the caller substitutes the
 * last challenge), or XSASL_TEMP when the table lookup failed.  The hash
 * is recomputed and compared in constant time; an unknown user costs a
 * hash too, so timing does not tell which users exist.  Passwords are
 * never logged and their copies are wiped.  With a realm
 * (smtpd_sasl_local_domain) a login name without "@" is looked up, and
 * reported, as "name@realm".  Nothing here is fatal.
 */
#include <crypt.h>
#include <string.h>
#include <strings.h>

#include "maps.h"
#include "msg.h"
#include "mymalloc.h"
#include "xsasl_server.h"

/* Base64 of "Username:" and "Password:", LOGIN's customary prompts. */
#define LOGIN_CHAL_USER "VXNlcm5hbWU6"
#define LOGIN_CHAL_PASS "UGFzc3dvcmQ6"

/* A setting crypt() accepts, hashed for users that do not exist. */
#define DUMMY_SETTING "$6$postern.nouser$"

typedef struct POSTERN_IMPL {
    XSASL_SERVER_IMPL impl;
    MAPS *users;
} POSTERN_IMPL;

enum { MECH_PLAIN, MECH_LOGIN };

typedef struct POSTERN_SERVER {
    XSASL_SERVER server;
    MAPS *users;
    int security;
    int mech;     /* MECH_* */
    int got_user; /* LOGIN: the username came */
    STRBUF *user;
    STRBUF *data; /* decoded response; wiped */
    char *realm;  /* smtpd_sasl_local_domain, or NULL */
} POSTERN_SERVER;

/* xsasl_plain_parse - "authzid NUL authcid NUL passwd" (RFC 4616) */
int
xsasl_plain_parse(const char *msg, size_t len, STRBUF *user, STRBUF *passwd)
{
    const char *nul1, *nul2, *authcid;
    size_t azlen, uslen, pwlen;

    if ((nul1 = memchr(msg, 0, len)) == NULL)
        return -1;
    authcid = nul1 + 1;
    if ((nul2 = memchr(authcid, 0, len - (size_t) (authcid - msg))) == NULL)
        return -1;
    azlen = (size_t) (nul1 - msg);
    uslen = (size_t) (nul2 - authcid);
    pwlen = len - (size_t) (nul2 + 1 - msg);
    if (uslen == 0 || uslen > XSASL_USER_MAX || pwlen == 0 ||
        pwlen > XSASL_PASSWD_MAX || memchr(nul2 + 1, 0, pwlen) != NULL)
        return -1;
    /* No proxy authorization: an authzid must name the same user. */
    if (azlen != 0 && (azlen != uslen || memcmp(msg, authcid, uslen) != 0))
        return -1;
    strbuf_memcpy(user, authcid, uslen);
    strbuf_memcpy(passwd, nul2 + 1, pwlen);
    return 0;
}

/* user_ok - a username we look up: printable, no white space */
static int
user_ok(const char *user, size_t len)
{
    size_t i;

    if (len == 0 || len > XSASL_USER_MAX)
        return 0;
    for (i = 0; i < len; i++)
        if ((unsigned char) user[i] <= ' ' || user[i] == 0x7f)
            return 0;
    return 1;
}

/* wipe - clear a string that held a password */
static void
wipe(STRBUF *buf)
{
    volatile char *p = STR(buf);
    size_t i;

    for (i = 0; i < LEN(buf); i++)
        p[i] = 0;
    strbuf_reset(buf);
}

/* xsasl_postern_verify - one user and password against the table */
int
xsasl_postern_verify(MAPS *users, const char *user, const char *passwd,
                     STRBUF *result)
{
    struct crypt_data *cd = mymalloc(sizeof(*cd));
    const char *hash = NULL, *out;
    int ok;

    memset(cd, 0, sizeof(*cd));
    if (user_ok(user, strlen(user)))
        hash = maps_find(users, user, 0);
    if (hash == NULL && users->error) {
        myfree(cd);
        strbuf_strcpy(result, "user table lookup failed");
        return XSASL_TEMP;
    }
    out = crypt_r(passwd, hash ? hash : DUMMY_SETTING, cd);
    ok = hash != NULL && out != NULL && out[0] != '*' &&
         xsasl_const_eq(out, hash);
    if (hash != NULL && (out == NULL || out[0] == '*'))
        msg_warn("%s: unusable password hash for user %s", users->title, user);
    memset(cd, 0, sizeof(*cd));
    myfree(cd);
    strbuf_reset(result);
    if (!ok)
        return XSASL_FAIL;
    strbuf_strcpy(result, user);
    return XSASL_OK;
}

/*
 * postern_qualify - smtpd_sasl_local_domain: "user" becomes
 * "user@realm"; a name with "@" is left alone.
 */
static void
postern_qualify(POSTERN_SERVER *ps)
{
    if (ps->realm != NULL && strchr(STR(ps->user), '@') == NULL)
        strbuf_sprintf_cat(ps->user, "@%s", ps->realm);
}

/* postern_plain - a PLAIN response, base64 */
static int
postern_plain(POSTERN_SERVER *ps, const char *resp, STRBUF *result)
{
    STRBUF *passwd = strbuf_create(0);
    int status = XSASL_FAIL;

    if (xsasl_decode(resp, strlen(resp),
                     2 * XSASL_USER_MAX + 2 + XSASL_PASSWD_MAX, ps->data) < 0) {
        strbuf_strcpy(result, "Invalid base64 data in response");
    } else if (xsasl_plain_parse(STR(ps->data), LEN(ps->data), ps->user,
                                 passwd) == 0) {
        postern_qualify(ps);
        status =
            xsasl_postern_verify(ps->users, STR(ps->user), STR(passwd), result);
    }
    wipe(passwd);
    wipe(ps->data);
    strbuf_free(passwd);
    return status;
}

/* postern_login - one LOGIN response: the username, then the password */
static int
postern_login(POSTERN_SERVER *ps, const char *resp, STRBUF *result)
{
    int status = XSASL_FAIL;

    if (xsasl_decode(resp, strlen(resp),
                     ps->got_user ? XSASL_PASSWD_MAX : XSASL_USER_MAX,
                     ps->data) < 0 ||
        memchr(STR(ps->data), 0, LEN(ps->data)) != NULL) {
        /* bad base64 or a NUL: fail without a reason */
    } else if (!ps->got_user) {
        strbuf_memcpy(ps->user, STR(ps->data), LEN(ps->data));
        ps->got_user = 1;
        strbuf_strcpy(result, LOGIN_CHAL_PASS);
        status = XSASL_CONT;
    } else {
        postern_qualify(ps);
        status = xsasl_postern_verify(ps->users, STR(ps->user), STR(ps->data),
                                      result);
    }
    wipe(ps->data);
    return status;
}

/* postern_start - begin PLAIN or LOGIN */
static int
postern_start(XSASL_SERVER *server, const char *mech, const char *init,
              STRBUF *result)
{
    POSTERN_SERVER *ps = (POSTERN_SERVER *) server;

    ps->got_user = 0;
    strbuf_reset(ps->user);
    if (!xsasl_server_mech_known(server, mech)) {
        strbuf_strcpy(result, "Invalid authentication mechanism");
        return XSASL_FAIL;
    }
    ps->mech = strcasecmp(mech, "PLAIN") == 0 ? MECH_PLAIN : MECH_LOGIN;
    if (ps->mech == MECH_PLAIN) {
        if (init == NULL)
            return XSASL_CONT; /* an empty challenge */
        return postern_plain(ps, init, result);
    }
    /* LOGIN has no initial response, but clients send the username. */
    if (init == NULL || *init == 0) {
        strbuf_strcpy(result, LOGIN_CHAL_USER);
        return XSASL_CONT;
    }
    return postern_login(ps, init, result);
}

/* postern_next - the next response */
static int
postern_next(XSASL_SERVER *server, const char *resp, STRBUF *result)
{
    POSTERN_SERVER *ps = (POSTERN_SERVER *) server;

    return ps->mech == MECH_PLAIN ? postern_plain(ps, resp, result)
                                  : postern_login(ps, resp, result);
}

/* postern_free - release a connection's object */
static void
postern_free(XSASL_SERVER *server)
{
    POSTERN_SERVER *ps = (POSTERN_SERVER *) server;

    wipe(ps->data);
    strbuf_free(ps->data);
    strbuf_free(ps->user);
    strbuf_free(server->mechs);
    if (ps->realm)
        myfree(ps->realm);
    myfree(ps);
}

/* postern_create - a connection's object: PLAIN and LOGIN, if allowed */
static XSASL_SERVER *
postern_create(XSASL_SERVER_IMPL *impl, const XSASL_SERVER_ARGS *args,
               STRBUF *why)
{
    POSTERN_SERVER *ps = mymalloc(sizeof(*ps));

    (void) why;
    memset(ps, 0, sizeof(*ps));
    ps->users = ((POSTERN_IMPL *) impl)->users;
    ps->security = args->security;
    if (args->realm != NULL && *args->realm)
        ps->realm = mystrdup(args->realm);
    ps->user = strbuf_create(0);
    ps->data = strbuf_create(0);
    ps->server.mechs = strbuf_create(0);
    ps->server.start = postern_start;
    ps->server.next = postern_next;
    ps->server.free = postern_free;
    /* Both send the password as it is: "plaintext" and "dictionary". */
    if (xsasl_mech_allowed(XSASL_MECH_PLAINTEXT | XSASL_MECH_DICT,
                           args->security))
        strbuf_strcpy(ps->server.mechs, "PLAIN LOGIN");
    return &ps->server;
}

/* postern_done - close the table */
static void
postern_done(XSASL_SERVER_IMPL *impl)
{
    POSTERN_IMPL *pi = (POSTERN_IMPL *) impl;

    maps_free(pi->users);
    myfree(pi);
}

/* xsasl_postern_init - open smtpd_sasl_users_maps */
XSASL_SERVER_IMPL *
xsasl_postern_init(const char *users_maps, STRBUF *why)
{
    POSTERN_IMPL *pi;
    MAPS *users;

    if (users_maps == NULL || *users_maps == 0) {
        strbuf_strcpy(why, "smtpd_sasl_type = postern needs "
                           "smtpd_sasl_users_maps");
        return NULL;
    }
    if ((users = maps_create("smtpd_sasl_users_maps", users_maps, 0, why)) ==
        NULL)
        return NULL;
    pi = mymalloc(sizeof(*pi));
    pi->users = users;
    pi->impl.create = postern_create;
    pi->impl.done = postern_done;
    return &pi->impl;
}

/*
 * smtp_sasl - the client side of SMTP AUTH (RFC 4954) for smart hosts:
 * mechanisms PLAIN (RFC 4616) and LOGIN, credentials from
 * smtp_sasl_password_maps ("user:password").
 *
 * Postfix's semantics: credentials are looked up by the server's host
 * name, then by the request's next hop as written ("example.com",
 * "[relay.example.com]:587"); no entry means no AUTH.  A server that
 * does not announce AUTH gets none.  smtp_sasl_security_options (in
 * plaintext) or smtp_sasl_tls_security_options (after STARTTLS) decide
 * which mechanisms may be used: PLAIN and LOGIN send the password as it
 * is, so "noplaintext" (the default) excludes them unless TLS protects
 * the session, as Cyrus SASL does when an external security layer is
 * present; "noactive", "nodictionary" and "mutual_auth" always exclude
 * them.  smtp_sasl_mechanism_filter narrows the server's list first.
 *
 * The pure parts (smtp_sasl_secopts_parse, smtp_sasl_ehlo_mechs,
 * smtp_sasl_choose, smtp_sasl_passwd_keys) have no side effects.
 * smtp_sasl_auth() runs the dialogue and returns -1 with a deferral
 * reason: an authentication failure is always temporary for the
 * message (Postfix's smtp_sasl_auth_soft_bounce = yes), so a wrong
 * password defers mail instead of bouncing it.  Passwords are never
 * logged.  Nothing here is fatal.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "base64.h"
#include "msg.h"
#include "mymalloc.h"
#include "smtp.h"
#include "stringops.h"
#include "strlist.h"

#define SMTP_SASL_FIELD_MAX 1000 /* bytes of a user name or password */

/* The security option names, as Postfix spells them. */
static const struct {
    const char *name;
    int flag;
} smtp_sasl_secnames[] = {
    {"noplaintext", SMTP_SASL_SEC_NOPLAINTEXT},
    {"noactive", SMTP_SASL_SEC_NOACTIVE},
    {"nodictionary", SMTP_SASL_SEC_NODICT},
    {"noanonymous", SMTP_SASL_SEC_NOANON},
    {"mutual_auth", SMTP_SASL_SEC_MUTUAL},
};

#define NITEMS_SECNAMES                                                        \
    (sizeof(smtp_sasl_secnames) / sizeof(smtp_sasl_secnames[0]))

/* smtp_sasl_secopts_parse - a security option list; 0, or -1 and why */
int
smtp_sasl_secopts_parse(const char *text, int *flags, STRBUF *why)
{
    ARGV *words = argv_alloc(4);
    size_t i, j;
    int rc = 0;

    *flags = 0;
    if (strlist_split(text, STRLIST_SEP, 0, words, why) < 0)
        rc = -1;
    for (i = 0; rc == 0 && i < words->argc; i++) {
        for (j = 0; j < NITEMS_SECNAMES; j++)
            if (strcasecmp(words->argv[i], smtp_sasl_secnames[j].name) == 0)
                break;
        if (j == NITEMS_SECNAMES)
            rc = strbuf_fail(why, 0, "unknown SASL security option \"%s\"",
                             words->argv[i]);
        else
            *flags |= smtp_sasl_secnames[j].flag;
    }
    argv_free(words);
    return rc;
}

/*
 * smtp_sasl_ehlo_mechs - when an EHLO line is "AUTH mech..." (or the old
 * "AUTH=mech..."), add its mechanisms to mechs (space separated, at most
 * SMTP_SASL_MECHS_MAX bytes) and return 1; otherwise 0.
 */
int
smtp_sasl_ehlo_mechs(const char *line, size_t len, STRBUF *mechs)
{
    size_t i = 5, start;

    if (len < 5 || strncasecmp(line, "AUTH", 4) != 0 ||
        (line[4] != ' ' && line[4] != '='))
        return 0;
    while (i < len) {
        while (i < len && line[i] == ' ')
            i++;
        for (start = i; i < len && line[i] != ' '; i++)
            ;
        if (i == start || LEN(mechs) + (i - start) + 1 > SMTP_SASL_MECHS_MAX)
            continue;
        if (LEN(mechs) > 0)
            strbuf_addch(mechs, ' ');
        strbuf_memcat(mechs, line + start, i - start);
    }
    return 1;
}

/* smtp_sasl_offered - is mech a word of the space separated list? */
static int
smtp_sasl_offered(const char *list, const char *mech)
{
    size_t n = strlen(mech), len;

    while (*list) {
        len = strcspn(list, " ");
        if (len == n && strncasecmp(list, mech, n) == 0)
            return 1;
        list += len;
        list += strspn(list, " ");
    }
    return 0;
}

/* smtp_sasl_filtered - is mech kept by smtp_sasl_mechanism_filter? */
static int
smtp_sasl_filtered(const ARGV *filter, const char *mech)
{
    size_t i;

    if (filter == NULL || filter->argc == 0)
        return 1;
    for (i = 0; i < filter->argc; i++)
        if (strcasecmp(filter->argv[i], mech) == 0)
            return 1;
    return 0;
}

/*
 * smtp_sasl_choose - the mechanism to use from the server's offer, or
 * NULL: PLAIN before LOGIN (one round trip), both only when secopts asks
 * for nothing beyond "noanonymous" (they pass the password as it is).
 */
const char *
smtp_sasl_choose(const char *offered, const ARGV *filter, int secopts)
{
    static const char *const ours[] = {"PLAIN", "LOGIN"};
    size_t i;

    if ((secopts & ~SMTP_SASL_SEC_NOANON) != 0)
        return NULL;
    for (i = 0; i < 2; i++)
        if (smtp_sasl_offered(offered, ours[i]) &&
            smtp_sasl_filtered(filter, ours[i]))
            return ours[i];
    return NULL;
}

/*
 * smtp_sasl_passwd_keys - the lookup keys in Postfix's order: the
 * server's host name, then the next hop as the request wrote it.
 */
void
smtp_sasl_passwd_keys(const char *host, const char *nexthop, ARGV *keys)
{
    if (host != NULL && *host)
        argv_add(keys, host);
    if (nexthop != NULL && *nexthop &&
        (host == NULL || strcasecmp(host, nexthop) != 0))
        argv_add(keys, nexthop);
}

/*
 * smtp_sasl_passwd_find - the credentials for a server: 1 found (user
 * and pass set from "user:password"), 0 none, -1 a table failed.
 */
int
smtp_sasl_passwd_find(MAPS *maps, const char *host, const char *nexthop,
                      STRBUF *user, STRBUF *pass)
{
    ARGV *keys = argv_alloc(2);
    const char *value = NULL, *colon;
    size_t i;
    int rc = 0;

    smtp_sasl_passwd_keys(host, nexthop, keys);
    for (i = 0; maps != NULL && value == NULL && rc == 0 && i < keys->argc; i++)
        if ((value = maps_find(maps, keys->argv[i], 0)) == NULL &&
            maps->error != 0)
            rc = -1;
    if (rc == 0 && value != NULL) {
        colon = strchr(value, ':');
        strbuf_memcpy(user, value,
                      colon ? (size_t) (colon - value) : strlen(value));
        strbuf_strcpy(pass, colon ? colon + 1 : "");
        rc = 1;
    }
    argv_free(keys);
    return rc;
}

/* smtp_sasl_cmd - send one line, read the reply; -1 when none came */
static int
smtp_sasl_cmd(SMTP_SESSION *s, SMTP_REPLY *reply, const char *cmd,
              const char *arg)
{
    stream_set_timeout(s->stream, (int) smtp_conf.helo_timeout * 1000);
    stream_printf(s->stream, "%s%s%s\r\n", cmd, arg ? " " : "", arg ? arg : "");
    if (stream_flush(s->stream) < 0)
        return -1;
    return smtp_read_reply(s, reply, smtp_conf.helo_timeout);
}

/* smtp_sasl_plain - "AUTH PLAIN" with the initial response (RFC 4616) */
static int
smtp_sasl_plain(SMTP_SESSION *s, SMTP_REPLY *reply, const STRBUF *user,
                const STRBUF *pass)
{
    STRBUF *msg = strbuf_create(100), *b64 = strbuf_create(100);
    int rc;

    /* RFC 4616 section 2: authzid NUL authcid NUL passwd, authzid empty */
    strbuf_addch(msg, 0);
    strbuf_memcat(msg, STR(user), LEN(user));
    strbuf_addch(msg, 0);
    strbuf_memcat(msg, STR(pass), LEN(pass));
    base64_encode(b64, STR(msg), LEN(msg));
    rc = smtp_sasl_cmd(s, reply, "AUTH PLAIN", STR(b64));
    memset(STR(msg), 0, LEN(msg));
    strbuf_free(msg);
    strbuf_free(b64);
    return rc;
}

/* smtp_sasl_login - "AUTH LOGIN", then the user and the password */
static int
smtp_sasl_login(SMTP_SESSION *s, SMTP_REPLY *reply, const STRBUF *user,
                const STRBUF *pass)
{
    STRBUF *b64 = strbuf_create(100);
    int rc = smtp_sasl_cmd(s, reply, "AUTH LOGIN", NULL);

    if (rc == 0 && reply->code == 334) {
        base64_encode(b64, STR(user), LEN(user));
        rc = smtp_sasl_cmd(s, reply, STR(b64), NULL);
    }
    if (rc == 0 && reply->code == 334) {
        base64_encode(b64, STR(pass), LEN(pass));
        rc = smtp_sasl_cmd(s, reply, STR(b64), NULL);
    }
    strbuf_free(b64);
    return rc;
}

/* smtp_sasl_fail - fill err; -1 */
static int __attribute__((format(printf, 3, 4)))
smtp_sasl_fail(SMTP_SESS_ERR *err, const char *status, const char *fmt, ...)
{
    va_list ap;

    snprintf(err->status, sizeof(err->status), "%s", status);
    err->status[0] = '4'; /* a login failure never bounces mail */
    strbuf_reset(err->reason);
    strbuf_reset(err->diag);
    va_start(ap, fmt);
    strbuf_vsprintf_cat(err->reason, fmt, ap);
    va_end(ap);
    return -1;
}

/* smtp_sasl_reply_fail - the server refused us or the dialogue broke */
static int
smtp_sasl_reply_fail(SMTP_SESSION *s, SMTP_REPLY *reply, SMTP_SESS_ERR *err)
{
    if (reply->code == 0)
        return smtp_sasl_fail(err, "4.4.2",
                              "%s with %s[%s] while "
                              "authenticating",
                              STR(reply->text), s->name, s->addr);
    if (reply->code == 334) { /* RFC 4954 section 4: "*" cancels */
        (void) smtp_sasl_cmd(s, reply, "*", NULL);
        return smtp_sasl_fail(err, "4.7.0",
                              "SASL authentication failed; "
                              "server %s[%s] asked for more than the "
                              "mechanism has",
                              s->name, s->addr);
    }
    smtp_sasl_fail(err, reply->dsn,
                   "SASL authentication failed; server "
                   "%s[%s] said: %s",
                   s->name, s->addr, STR(reply->text));
    strbuf_sprintf(err->diag, "%s; %s",
                   smtp_conf.proto == SMTP_PROTO_LMTP ? "lmtp" : "smtp",
                   STR(reply->text));
    return -1;
}

/* smtp_sasl_run - the dialogue of one mechanism; 0 on 235 */
static int
smtp_sasl_run(SMTP_SESSION *s, const char *mech, SMTP_REPLY *reply,
              const STRBUF *user, const STRBUF *pass, SMTP_SESS_ERR *err)
{
    int rc = strcmp(mech, "PLAIN") == 0 ? smtp_sasl_plain(s, reply, user, pass)
                                        : smtp_sasl_login(s, reply, user, pass);

    if (rc == 0 && reply->code == 235) {
        msg_info("%s: authenticated as %s with %s", s->label, STR(user), mech);
        return 0;
    }
    return smtp_sasl_reply_fail(s, reply, err);
}

/*
 * smtp_sasl_auth - authenticate when enabled, offered and configured
 * for this server; 0 (done or not needed), or -1 with err filled.
 */
int
smtp_sasl_auth(SMTP_SESSION *s, const char *nexthop, SMTP_REPLY *reply,
               SMTP_SESS_ERR *err)
{
    STRBUF *user = strbuf_create(50), *pass = strbuf_create(50);
    const char *mech;
    int rc = 0, found;

    strbuf_set_limit(user, SMTP_SASL_FIELD_MAX);
    strbuf_set_limit(pass, SMTP_SASL_FIELD_MAX);
    if (!smtp_conf.sasl_enable || !(s->features & SMTP_FEAT_AUTH))
        found = 0;
    else if ((found = smtp_sasl_passwd_find(smtp_conf.sasl_passwd, s->name,
                                            nexthop, user, pass)) < 0)
        rc = smtp_sasl_fail(err, "4.3.0", "%s lookup error for %s",
                            smtp_conf.sasl_passwd->title, s->name);
    if (found > 0) {
        mech = smtp_sasl_choose(STR(s->auth_mechs), smtp_conf.sasl_mech_filter,
                                s->tls_active ? smtp_conf.sasl_tls_secopts
                                              : smtp_conf.sasl_secopts);
        if (mech == NULL)
            rc = smtp_sasl_fail(err, "4.7.0",
                                "SASL authentication failed; "
                                "cannot authenticate to server %s[%s]: no "
                                "mechanism available",
                                s->name, s->addr);
        else
            rc = smtp_sasl_run(s, mech, reply, user, pass, err);
    }
    memset(STR(pass), 0, LEN(pass));
    strbuf_free(user);
    strbuf_free(pass);
    return rc;
}

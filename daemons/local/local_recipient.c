/*
 * local_recipient - deliver to one local recipient: aliases, .forward,
 * mailbox, in Postfix's order (local(8)).
 *
 * local_recipient(p, src, rcpt, reason) returns the DSN status of the
 * recipient as a whole with a reason in reason:
 *   1. a message that already has "Delivered-To: rcpt" has been here
 *      before: 5.4.6 mail forwarding loop;
 *   2. the local part (before the last '@') loses its recipient_delimiter
 *      extension; alias_maps is searched for local+extension, then local
 *      (local_deliver_user); an alias's value is expanded
 *      (local_expand.c), its forwarded copies sent from owner-NAME when
 *      that alias exists;
 *   3. else the user (getpwnam, case folded): the first forward_path
 *      file that exists ($home, $user, $extension, ${recipient_delimiter}
 *      substituted), read as the user, owned by the user, expanded with
 *      the user's privileges; else mailbox_transport(_maps) when set
 *      (p->pass: another agent records the outcome), also for a user the
 *      password file does not know; else the mailbox (local_file.c);
 *   4. else fallback_transport(_maps) when set, else luser_relay, when
 *      set ($user, $local, $extension, $domain substituted), else 5.1.1
 *      unknown user.
 * Addresses the expansion yields are delivered here when local (no
 * domain, or one in mydestination), else collected and sent as one new
 * message through p->resubmit ("forwarded as QUEUEID").  Every outcome
 * is merged by local_outcome(): the recipient's status is the worst seen
 * (deferred over bounced over delivered), so a partly failed expansion is
 * tried again.  Depth and count are bounded (LOCAL_MAX_LEVEL,
 * LOCAL_MAX_ITEMS).  Nothing is fatal.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdarg.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "delivered_hdr.h"
#include "local.h"
#include "mail_addr_find.h"
#include "mail_proto.h"
#include "msg.h"
#include "mymalloc.h"
#include "safe_open.h"
#include "set_eugid.h"
#include "stringops.h"

/* local_rank - how bad an outcome class is */
static int
local_rank(int cls)
{
    return cls == 4 ? 3 : cls == 5 ? 2 : cls == 2 ? 1 : 0;
}

/* local_outcome - merge one destination's outcome into the recipient's */
void
local_outcome(LOCAL_STATE *state, const char *status, const char *fmt, ...)
{
    STRBUF *text = strbuf_create(100);
    int cls = status[0] - '0';
    va_list ap;

    va_start(ap, fmt);
    strbuf_vsprintf_cat(text, fmt, ap);
    va_end(ap);
    if (state->dest != NULL && state->p->log != NULL)
        state->p->log(state->pass_ctx, state->dest, status, STR(text));
    else if (msg_verbose || cls != 2)
        msg_info("%s: %s %s", state->rcpt, status, STR(text));
    state->outcomes++;
    if (local_rank(cls) > local_rank(state->worst)) {
        state->worst = cls;
        strbuf_strcpy(state->status, status);
        strbuf_strcpy(state->reason, STR(text));
    }
    strbuf_free(text);
}

/* local_seen - has name been expanded in this delivery; note it if not */
static int
local_seen(LOCAL_STATE *state, const char *name)
{
    size_t i;

    for (i = 0; i < state->seen->argc; i++)
        if (strcasecmp(state->seen->argv[i], name) == 0)
            return 1;
    argv_add(state->seen, name);
    return 0;
}

/* local_owner - sender for an alias's forwarded copies: owner-NAME */
static void
local_owner(LOCAL_STATE *state, const char *name)
{
    STRBUF *key = strbuf_create(100);
    const char *value;

    strbuf_sprintf(key, "owner-%s", name);
    value = maps_find(state->p->alias_maps, STR(key), 0);
    if (value != NULL) {
        myfree(state->sender);
        if (state->p->expand_owner_alias)
            state->sender = mystrdup(value);
        else {
            strbuf_sprintf_cat(key, "@%s", state->p->myorigin);
            state->sender = mystrdup(STR(key));
        }
    }
    strbuf_free(key);
}

/* local_alias - expand alias key; 1 done, 0 not an alias */
static int
local_alias(LOCAL_STATE *state, const char *key)
{
    const LOCAL_PARAMS *p = state->p;
    LOCAL_PRIVS privs = {p->privs_uid, p->privs_gid, "", "/", "/bin/sh"};
    const char *value;
    char *copy;

    if (p->alias_maps == NULL)
        return 0;
    if ((value = maps_find(p->alias_maps, key, 0)) == NULL) {
        if (p->alias_maps->error == DICT_ERR_NONE)
            return 0;
        local_outcome(state, "4.3.0", "alias database unavailable");
        return 1;
    }
    copy = mystrdup(value);
    local_owner(state, key);
    state->level++;
    local_expand(state, copy, LOCAL_FROM_ALIAS, &privs, key);
    state->level--;
    myfree(copy);
    return 1;
}

/* local_subst_match - bytes of $name or ${name} at cp, 0 when not */
static size_t
local_subst_match(const char *cp, const char *name)
{
    size_t len = strlen(name);
    int next;

    if (cp[0] != '$')
        return 0;
    if (cp[1] == '{' && strncmp(cp + 2, name, len) == 0 && cp[2 + len] == '}')
        return len + 3;
    next = (unsigned char) cp[1 + len];
    if (strncmp(cp + 1, name, len) == 0 &&
        !(next == '_' || (next >= 'a' && next <= 'z')))
        return len + 1;
    return 0;
}

/* local_subst - text with $name and ${name} replaced from names/values */
static void
local_subst(STRBUF *out, const char *text, const char *const *names,
            const char *const *values)
{
    const char *cp = text;
    size_t i;
    size_t n = 0;

    strbuf_reset(out);
    while (*cp) {
        for (i = 0; names[i] && (n = local_subst_match(cp, names[i])) == 0; i++)
            /* void */;
        if (names[i] != NULL) {
            strbuf_strcat(out, values[i]);
            cp += n;
        } else
            strbuf_addch(out, *cp++);
    }
}

/* local_forward_read - a .forward file's text, read as the user */
static int
local_forward_read(const char *path, const struct passwd *pw, STRBUF *text,
                   STRBUF *why)
{
    SAFE_OPEN_OPTS opts = {pw->pw_uid, 022, 0};
    char buf[4096];
    ssize_t n = 0;
    int fd;

    set_eugid(pw->pw_uid, pw->pw_gid);
    fd = safe_open(path, O_RDONLY, 0, set_eugid_privileged() ? &opts : NULL,
                   why);
    set_eugid_restore();
    if (fd < 0)
        return -1;
    strbuf_reset(text);
    while (LEN(text) < LOCAL_FILE_MAX && (n = read(fd, buf, sizeof(buf))) > 0)
        strbuf_memcat(text, buf, (size_t) n);
    if (n < 0)
        strbuf_fail(why, errno, "%s: read: %s", path, strerror(errno));
    close(fd);
    return n < 0 ? -1 : 0;
}

/* local_forward - expand the user's first .forward; 1 done, 0 none */
static int
local_forward(LOCAL_STATE *state, const struct passwd *pw)
{
    const char *names[] = {"home", "user", "extension", "recipient_delimiter",
                           NULL};
    const char *values[] = {pw->pw_dir, pw->pw_name, state->extension,
                            *state->extension ? state->p->delimiters : "",
                            NULL};
    LOCAL_PRIVS privs = {pw->pw_uid, pw->pw_gid, pw->pw_name, pw->pw_dir,
                         pw->pw_shell};
    ARGV *paths = argv_split(state->p->forward_path, ", \t\r\n");
    STRBUF *path = strbuf_create(100);
    STRBUF *text = strbuf_create(100);
    STRBUF *why = strbuf_create(100);
    int done = 0;
    size_t i;

    for (i = 0; done == 0 && i < paths->argc; i++) {
        local_subst(path, paths->argv[i], names, values);
        if (local_forward_read(STR(path), pw, text, why) == 0) {
            state->level++;
            local_expand(state, STR(text), LOCAL_FROM_FORWARD, &privs,
                         pw->pw_name);
            state->level--;
            done = 1;
        } else if (errno != ENOENT && errno != ENOTDIR) {
            local_outcome(state, "4.3.0", "cannot read %s: %s", STR(path),
                          STR(why));
            done = 1;
        }
    }
    argv_free(paths);
    strbuf_free(path);
    strbuf_free(text);
    strbuf_free(why);
    return done;
}

/* local_luser - luser_relay for an unknown user; 0 when not set */
static int
local_luser(LOCAL_STATE *state, const char *name)
{
    const char *names[] = {"user", "local", "extension", "domain", NULL};
    const char *at = strrchr(state->rcpt, '@');
    const char *values[] = {name, name, state->extension, at ? at + 1 : "",
                            NULL};
    LOCAL_PRIVS privs = {state->p->privs_uid, state->p->privs_gid, "", "/",
                         "/bin/sh"};
    STRBUF *dest = strbuf_create(100);

    if (*state->p->luser_relay == 0) {
        strbuf_free(dest);
        return 0;
    }
    local_subst(dest, state->p->luser_relay, names, values);
    state->level++;
    local_expand(state, STR(dest), 0, &privs, NULL);
    state->level--;
    strbuf_free(dest);
    return 1;
}

/*
 * local_pass - hand the mailbox delivery of user name to service.  The
 * recipient itself (level 0) has no other destination: the other agent
 * records its outcome and local takes the result over.  A user an alias
 * or .forward named may be one of several destinations: the other agent
 * only reports (DEL_FLAG_NO_RECORD), so that its done mark cannot hide
 * another destination's deferral, and local records the merged outcome.
 */
static void
local_pass(LOCAL_STATE *state, const char *service, const char *name)
{
    const char *at = strrchr(state->rcpt, '@');
    int flags = state->level > 0 ? DEL_FLAG_NO_RECORD : 0;
    STRBUF *addr = strbuf_create(100);
    STRBUF *why = strbuf_create(100);
    int res = -1;

    /* The recipient itself, or a user an alias or .forward named. */
    if (state->level == 0)
        strbuf_strcpy(addr, state->rcpt);
    else
        strbuf_sprintf(addr, "%s%s", name, at ? at : "");
    if (state->p->pass == NULL)
        strbuf_strcpy(why, "not available");
    else
        res = state->p->pass(state->pass_ctx, service, STR(addr), flags, why);
    if (res < 0) {
        local_outcome(state, "4.3.0", "mail transport unavailable: %s: %s",
                      service, STR(why));
    } else {
        /* The other agent logged this destination. */
        state->dest = NULL;
        if (flags == 0) {
            state->passes++;
            state->pass_result = res;
        }
        local_outcome(state,
                      res == 'B'   ? "5.0.0"
                      : res == 'D' ? "4.0.0"
                                   : "2.0.0",
                      "%s %s via %s service",
                      res == 'B'   ? "bounced"
                      : res == 'D' ? "deferred"
                                   : "delivered",
                      STR(addr), service);
    }
    strbuf_free(addr);
    strbuf_free(why);
}

/* local_transport - maps[name] or value as the transport; 0 when none */
static int
local_transport(LOCAL_STATE *state, const char *name, MAPS *maps,
                const char *value)
{
    const char *found = NULL;

    if (maps != NULL && (found = maps_find(maps, name, 0)) == NULL &&
        maps->error != DICT_ERR_NONE) {
        local_outcome(state, "4.3.0", "transport table lookup for %s failed",
                      name);
        return 1;
    }
    if (found == NULL || *found == 0)
        found = value;
    if (found == NULL || *found == 0)
        return 0;
    local_pass(state, found, name);
    return 1;
}

/*
 * local_user - deliver to user name: .forward, mailbox_transport(_maps),
 * the mailbox; for a user not in the password file
 * fallback_transport(_maps), luser_relay, or a bounce.
 */
static void
local_user(LOCAL_STATE *state, const char *name)
{
    const LOCAL_PARAMS *p = state->p;
    const char *at = strrchr(state->rcpt, '@');
    const char *saved = state->dest;
    STRBUF *dest = strbuf_create(100);
    struct passwd *pw;
    char *copy = mystrdup(name);

    /* A user an alias or .forward named gets a log line of its own. */
    strbuf_sprintf(dest, "%s%s", name, at ? at : "");
    state->dest = state->level > 0 ? STR(dest) : NULL;
    errno = 0;
    pw = getpwnam(lowercase(copy));
    if (pw == NULL && errno != 0 && errno != ENOENT && errno != ESRCH)
        local_outcome(state, "4.3.0", "user lookup for %s failed: %s", copy,
                      strerror(errno));
    else if (pw != NULL && local_forward(state, pw))
        /* done */;
    else if (local_transport(state, copy, p->mailbox_transport_maps,
                             p->mailbox_transport))
        /* done */;
    else if (pw != NULL)
        local_mailbox(state, pw);
    else if (local_transport(state, copy, p->fallback_transport_maps,
                             p->fallback_transport))
        /* done */;
    else if (!local_luser(state, copy))
        local_outcome(state, "5.1.1", "unknown user: \"%s\"", copy);
    state->dest = saved;
    strbuf_free(dest);
    myfree(copy);
}

/* local_deliver_user - an alias if name is one (once), else the user */
void
local_deliver_user(LOCAL_STATE *state, const char *name)
{
    STRBUF *key = strbuf_create(100);
    int done = 0;

    if (state->level > LOCAL_MAX_LEVEL) {
        local_outcome(state, "5.4.6", "mail forwarding loop for %s",
                      state->rcpt);
        strbuf_free(key);
        return;
    }
    if (!local_seen(state, name)) {
        if (*state->extension) {
            strbuf_sprintf(key, "%s%c%s", name, state->p->delimiters[0],
                           state->extension);
            done = local_alias(state, STR(key));
        }
        if (!done)
            done = local_alias(state, name);
    }
    if (!done)
        local_user(state, name);
    strbuf_free(key);
}

/* local_state_init - a fresh state for rcpt */
static void
local_state_init(LOCAL_STATE *state, const LOCAL_PARAMS *p,
                 const MAIL_COPY_SRC *src, const char *rcpt)
{
    memset(state, 0, sizeof(*state));
    state->p = p;
    state->src = src;
    state->rcpt = rcpt;
    state->sender = mystrdup(src->sender ? src->sender : "");
    state->extension = mystrdup("");
    state->seen = argv_alloc(5);
    state->forward = argv_alloc(5);
    state->status = strbuf_create(10);
    state->reason = strbuf_create(100);
}

/* local_state_free - release what the state owns */
static void
local_state_free(LOCAL_STATE *state)
{
    myfree(state->sender);
    myfree(state->extension);
    argv_free(state->seen);
    argv_free(state->forward);
    strbuf_free(state->status);
    strbuf_free(state->reason);
}

/* local_split - the user part of rcpt; the extension into state */
static char *
local_split(LOCAL_STATE *state)
{
    const char *at = strrchr(state->rcpt, '@');
    size_t len = at ? (size_t) (at - state->rcpt) : strlen(state->rcpt);
    char *user = mystrndup(state->rcpt, len);
    size_t n = mail_addr_find_split(user, len, state->p->delimiters, 1);

    if (n > 0 && n < len) {
        myfree(state->extension);
        state->extension = mystrdup(user + n + 1);
        user[n] = 0;
    }
    return user;
}

/* local_send_forward - the collected addresses as one new message */
static void
local_send_forward(LOCAL_STATE *state)
{
    STRBUF *qid = strbuf_create(20);
    STRBUF *why = strbuf_create(100);

    if (state->p->resubmit == NULL)
        local_outcome(state, "4.3.0", "forwarding is not available");
    else if (state->p->resubmit(state->sender, state->forward, state->src, qid,
                                why) < 0)
        local_outcome(state, "4.3.0", "cannot forward: %s", STR(why));
    else
        local_outcome(state, "2.0.0", "forwarded as %s", STR(qid));
    strbuf_free(qid);
    strbuf_free(why);
}

/*
 * local_recipient - deliver to rcpt; the DSN status, reason in reason.
 * *relayed: the result character of another agent when its outcome (it
 * recorded and logged it) is the recipient's only one, else 0.
 */
const char *
local_recipient(const LOCAL_PARAMS *p, const MAIL_COPY_SRC *src,
                const char *rcpt, void *pass_ctx, int *relayed, STRBUF *reason)
{
    static char status[16];
    LOCAL_STATE state;
    STRBUF *why = strbuf_create(100);
    char *user;
    int loop;

    local_state_init(&state, p, src, rcpt);
    state.pass_ctx = pass_ctx;
    if ((loop = delivered_hdr_find(src, rcpt, why)) > 0)
        local_outcome(&state, "5.4.6", "mail forwarding loop for %s", rcpt);
    else if (loop < 0)
        local_outcome(&state, "4.3.0", "cannot read the message: %s", STR(why));
    else {
        user = local_split(&state);
        local_deliver_user(&state, user);
        myfree(user);
        if (state.forward->argc > 0)
            local_send_forward(&state);
    }
    if (state.worst == 0)
        local_outcome(&state, "2.0.0", "discarded: no destination");
    *relayed = state.outcomes == 1 && state.passes == 1 ? state.pass_result : 0;
    snprintf(status, sizeof(status), "%s", STR(state.status));
    strbuf_strcpy(reason, STR(state.reason));
    local_state_free(&state);
    strbuf_free(why);
    return status;
}

/*
 * local_expand - expand an alias value, a .forward or :include: file
 * into destinations.
 *
 * local_expand_split(value, len) splits len bytes at commas and line
 * ends, keeping "quoted strings" whole (a command with spaces), drops
 * blank items and lines starting with '#', trims blanks and removes
 * one pair of surrounding quotes.  Returns an ARGV the caller frees.
 * It has no side effects.
 *
 * local_expand(state, value, from, privs, self) delivers to each item
 * of value, counting items against LOCAL_MAX_ITEMS:
 *   |command    local_command() as privs, if allow_mail_to_commands
 *               names where it came from (from), else 5.7.1;
 *   /file       local_file() as privs (a trailing '/' is a Maildir), if
 *               allow_mail_to_files allows it, else 5.7.1;
 *   :include:/f the file's items, read as root from a file that is not
 *               writable by group or others, expanded as the file's
 *               owner (default_privs, the privs given, when root owns
 *               it), with from = include;
 *   \user       user's mailbox, no alias or .forward;
 *   self        the same (an alias or .forward naming its own user);
 *   local@ours  local_deliver_user() one level deeper;
 *   address     collected for a forwarded copy (once each).
 */
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "local.h"
#include "msg.h"
#include "mymalloc.h"
#include "safe_open.h"
#include "stringops.h"

/* local_expand_item - one trimmed, unquoted item into out */
static void
local_expand_item(ARGV *out, const char *item, size_t len)
{
    const char *cp = trim_blanks_len(item, len, &len);

    if (len >= 2 && cp[0] == '"' && cp[len - 1] == '"') {
        cp++;
        len -= 2;
        cp = trim_blanks_len(cp, len, &len);
    }
    if (len > 0)
        argv_addn(out, cp, len);
}

/* local_expand_split - value's items; see above */
ARGV *
local_expand_split(const char *value, size_t len)
{
    ARGV *out = argv_alloc(5);
    size_t start = 0;
    size_t i;
    int quoted = 0;
    int line_start = 1;
    int comment = 0;

    for (i = 0; i <= len; i++) {
        int ch = i < len ? (unsigned char) value[i] : '\n';

        if (line_start && ch != ' ' && ch != '\t')
            comment = ch == '#', line_start = 0;
        if (ch == '"' && !comment)
            quoted = !quoted;
        else if (ch == '\n' || (ch == ',' && !quoted && !comment)) {
            if (!comment)
                local_expand_item(out, value + start, i - start);
            start = i + 1;
            if (ch == '\n')
                quoted = 0, comment = 0, line_start = 1;
        }
    }
    return out;
}

/* local_is_ours - does addr have no domain, or one of mydestination */
static int
local_is_ours(const LOCAL_STATE *state, const char *addr)
{
    const char *at = strrchr(addr, '@');

    if (at == NULL)
        return 1;
    if (state->p->mydestination == NULL)
        return 0;
    return match_list_match(state->p->mydestination, at + 1, NULL) > 0;
}

/* local_address - an address item: here, or forwarded */
static void
local_address(LOCAL_STATE *state, const char *addr)
{
    const char *at = strrchr(addr, '@');
    char *user;
    size_t i;

    if (local_is_ours(state, addr)) {
        user = at ? mystrndup(addr, (size_t) (at - addr)) : mystrdup(addr);
        state->level++;
        local_deliver_user(state, user);
        state->level--;
        myfree(user);
        return;
    }
    for (i = 0; i < state->forward->argc; i++)
        if (strcasecmp(state->forward->argv[i], addr) == 0)
            return;
    argv_add(state->forward, addr);
}

/* local_own_mailbox - \user or self: the mailbox, nothing else */
static void
local_own_mailbox(LOCAL_STATE *state, const char *name)
{
    struct passwd *pw;
    char *copy = mystrdup(name);

    if ((pw = getpwnam(lowercase(copy))) == NULL)
        local_outcome(state, "5.1.1", "unknown user: \"%s\"", copy);
    else
        local_mailbox(state, pw);
    myfree(copy);
}

/* local_include_read - the file's text as root; its owner's privileges */
static int
local_include_read(const char *path, STRBUF *text, struct stat *st, STRBUF *why)
{
    SAFE_OPEN_OPTS opts = {SAFE_OPEN_ANY_OWNER, 022, 0};
    char buf[4096];
    ssize_t n = 0;
    int fd;

    if ((fd = safe_open(path, O_RDONLY, 0, &opts, why)) < 0)
        return -1;
    if (fstat(fd, st) < 0)
        n = -1;
    strbuf_reset(text);
    while (n >= 0 && LEN(text) < LOCAL_FILE_MAX &&
           (n = read(fd, buf, sizeof(buf))) > 0)
        strbuf_memcat(text, buf, (size_t) n);
    if (n < 0)
        strbuf_fail(why, errno, "%s: read: %s", path, strerror(errno));
    close(fd);
    return n < 0 ? -1 : 0;
}

/* local_include - :include:path */
static void
local_include(LOCAL_STATE *state, const char *path, const LOCAL_PRIVS *privs)
{
    STRBUF *text = strbuf_create(100);
    STRBUF *why = strbuf_create(100);
    LOCAL_PRIVS owner = *privs;
    struct passwd *pw;
    struct stat st;

    if (local_include_read(path, text, &st, why) < 0)
        local_outcome(state, "4.3.0", "cannot open include file: %s", STR(why));
    else {
        if (st.st_uid != 0 && (pw = getpwuid(st.st_uid)) != NULL) {
            owner.uid = pw->pw_uid;
            owner.gid = pw->pw_gid;
        }
        state->level++;
        local_expand(state, STR(text), LOCAL_FROM_INCLUDE, &owner, NULL);
        state->level--;
    }
    strbuf_free(text);
    strbuf_free(why);
}

/* local_item - deliver to one destination */
static void
local_item(LOCAL_STATE *state, const char *item, int from,
           const LOCAL_PRIVS *privs, const char *self)
{
    if (item[0] == '|') {
        if (from == 0 || (state->p->allow_commands & from))
            local_command(state, item + 1, privs);
        else
            local_outcome(state, "5.7.1", "mail to command is restricted");
    } else if (item[0] == '/') {
        if (from == 0 || (state->p->allow_files & from))
            local_file(state, item, privs);
        else
            local_outcome(state, "5.7.1", "mail to file is restricted");
    } else if (strncasecmp(item, ":include:", 9) == 0)
        local_include(state, item + 9, privs);
    else if (item[0] == '\\')
        local_own_mailbox(state, item + 1);
    else if (self != NULL && strcasecmp(item, self) == 0)
        local_own_mailbox(state, self);
    else
        local_address(state, item);
}

/* local_expand - deliver to every destination in value */
void
local_expand(LOCAL_STATE *state, const char *value, int from,
             const LOCAL_PRIVS *privs, const char *self)
{
    ARGV *items = local_expand_split(value, strlen(value));
    size_t i;

    if (state->level > LOCAL_MAX_LEVEL)
        local_outcome(state, "5.4.6", "mail forwarding loop for %s",
                      state->rcpt);
    for (i = 0; state->level <= LOCAL_MAX_LEVEL && i < items->argc; i++) {
        if (++state->items > LOCAL_MAX_ITEMS) {
            local_outcome(state, "5.3.0", "too many destinations for %s",
                          state->rcpt);
            break;
        }
        local_item(state, items->argv[i], from, privs, self);
    }
    argv_free(items);
}

/*
 * dict_unix - the system's user and group databases as read-only tables.
 *
 * unix:passwd.byname answers a user name with the passwd(5) line,
 * "name:passwd:uid:gid:gecos:home:shell"; unix:group.byname answers a
 * group name with the group(5) line, "name:passwd:gid:member,member".
 * Both as Postfix's postmap prints them (the password field is whatever
 * getpwnam()/getgrnam() return, usually "x").  Keys are folded to lower
 * case with DICT_FLAG_FOLD_FIX.
 *
 * dict_unix_open() returns a handle the caller owns (dict_close()), or
 * NULL with a reason in err for another name or a writable open.  A
 * lookup that the name service fails (not "no such entry") sets
 * DICT_ERR_RETRY.  Results are owned by the handle, valid until the next
 * lookup.  Updates fail with DICT_ERR_CONFIG; the tables cannot be walked.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <string.h>

#include "dict_unix.h"
#include "msg.h"

typedef struct DICT_UNIX {
    DICT dict;
    STRBUF *value; /* the last result */
} DICT_UNIX;

/* unix_missing - did a NULL from get*nam() mean "no such entry"? */
static int
unix_missing(DICT *d, const char *func, const char *key)
{
    /* getpwnam(3): these errno values all mean "not found". */
    if (errno == 0 || errno == ENOENT || errno == ESRCH || errno == EBADF ||
        errno == EPERM)
        return 1;
    msg_warn("%s:%s: %s(\"%s\"): %s", d->type, d->name, func, key,
             strerror(errno));
    d->error = DICT_ERR_RETRY;
    return 0;
}

/* unix_passwd_lookup - the passwd line of a user */
static const char *
unix_passwd_lookup(DICT *d, const char *key)
{
    DICT_UNIX *du = (DICT_UNIX *) d;
    struct passwd *pw;

    key = dict_fold(d, key);
    errno = 0;
    if ((pw = getpwnam(key)) == NULL) {
        (void) unix_missing(d, "getpwnam", key);
        return NULL;
    }
    strbuf_sprintf(du->value, "%s:%s:%ld:%ld:%s:%s:%s", pw->pw_name,
                   pw->pw_passwd, (long) pw->pw_uid, (long) pw->pw_gid,
                   pw->pw_gecos, pw->pw_dir, pw->pw_shell);
    return STR(du->value);
}

/* unix_group_lookup - the group line of a group */
static const char *
unix_group_lookup(DICT *d, const char *key)
{
    DICT_UNIX *du = (DICT_UNIX *) d;
    struct group *gr;
    char **mem;

    key = dict_fold(d, key);
    errno = 0;
    if ((gr = getgrnam(key)) == NULL) {
        (void) unix_missing(d, "getgrnam", key);
        return NULL;
    }
    strbuf_sprintf(du->value, "%s:%s:%ld:", gr->gr_name, gr->gr_passwd,
                   (long) gr->gr_gid);
    for (mem = gr->gr_mem; *mem != NULL; mem++)
        strbuf_sprintf_cat(du->value, "%s%s", mem == gr->gr_mem ? "" : ",",
                           *mem);
    return STR(du->value);
}

/* unix_close - release the result and the handle */
static void
unix_close(DICT *d)
{
    strbuf_free(((DICT_UNIX *) d)->value);
    dict_free(d);
}

/* dict_unix_open - open unix:passwd.byname or unix:group.byname */
DICT *
dict_unix_open(const char *name, int open_flags, int dict_flags, STRBUF *err)
{
    DICT_UNIX *du;
    const char *(*lookup)(DICT *, const char *);

    if (strcmp(name, "passwd.byname") == 0)
        lookup = unix_passwd_lookup;
    else if (strcmp(name, "group.byname") == 0)
        lookup = unix_group_lookup;
    else {
        strbuf_sprintf(err,
                       "unix:%s: unknown table: use passwd.byname or "
                       "group.byname",
                       name);
        return NULL;
    }
    if ((open_flags & O_ACCMODE) != O_RDONLY) {
        strbuf_sprintf(err, "unix:%s: table is read-only", name);
        return NULL;
    }
    du = (DICT_UNIX *) dict_alloc("unix", name, sizeof(*du));
    du->value = strbuf_create(100);
    du->dict.flags = dict_flags | DICT_FLAG_FIXED;
    du->dict.lookup = lookup;
    du->dict.update = dict_readonly_update;
    du->dict.delete = dict_readonly_delete;
    du->dict.sequence = dict_noseq_sequence;
    du->dict.close = unix_close;
    return &du->dict;
}

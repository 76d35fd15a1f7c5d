/*
 * postern_check - `postern check` and `postern set-permissions`: the
 * instance's sanity check and the queue tree's owners and modes.
 *
 *   postern check [-c DIR] [-v]            report problems, create what
 *                                          is missing
 *   postern set-permissions [-c DIR] [-v]  repair owners and modes
 *
 * check loads main.cf and reports its problems, verifies that mail_owner
 * and setgid_group exist and are unprivileged, creates the missing parts
 * of the queue tree (below), reports folders with the wrong owner or mode,
 * and names master.cf services whose program is not in daemon_directory.
 * set-permissions does the same creation and then sets every owner and
 * mode of the tree, and the owner of everything inside the queue folders
 * and data_directory.  Neither follows a symbolic link.
 *
 *   queue_directory                         root           0755
 *   incoming active deferred hold corrupt   mail_owner     0700
 *   bounce defer trace flush saved private  mail_owner     0700
 *   public                                  mail_owner:setgid_group 0710
 *   maildrop                                mail_owner:setgid_group 0730
 *   pid                                     root           0755
 *   data_directory                          mail_owner     0700
 *
 * Run by another user than root, everything is owned by that user (the
 * daemons will run as that user too), and owners are not checked.
 * Exit status: 0 when nothing is wrong (warnings allowed), 1 otherwise.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mail_conf.h"
#include "master_cf.h"
#include "msg.h"
#include "mymalloc.h"
#include "postern.h"
#include "stringops.h"

/* Who owns a folder of the tree. */
#define OWN_ROOT 1 /* root (the invoking user when not root) */
#define OWN_MAIL 2 /* mail_owner and its group */
#define OWN_DROP 3 /* mail_owner and setgid_group */

/* How deep set-permissions descends into queue folders (hashed queues). */
#define CHECK_MAX_DEPTH 8

/* One folder of the queue tree, relative to queue_directory. */
typedef struct CHECK_DIR {
    const char *name; /* "" is queue_directory itself */
    int owner;        /* OWN_* */
    mode_t mode;      /* permission bits */
    int recurse;      /* set-permissions also chowns what is inside */
} CHECK_DIR;

static const CHECK_DIR check_tree[] = {
    {"", OWN_ROOT, 0755, 0},       {"incoming", OWN_MAIL, 0700, 1},
    {"active", OWN_MAIL, 0700, 1}, {"deferred", OWN_MAIL, 0700, 1},
    {"hold", OWN_MAIL, 0700, 1},   {"corrupt", OWN_MAIL, 0700, 1},
    {"bounce", OWN_MAIL, 0700, 1}, {"defer", OWN_MAIL, 0700, 1},
    {"trace", OWN_MAIL, 0700, 1},  {"flush", OWN_MAIL, 0700, 1},
    {"saved", OWN_MAIL, 0700, 1},  {"spare", OWN_MAIL, 0700, 1},
    {"private", OWN_MAIL, 0700, 0},
    {"public", OWN_DROP, 0710, 0}, {"maildrop", OWN_DROP, 0730, 0},
    {"pid", OWN_ROOT, 0755, 0},
};

#define CHECK_TREE_SIZE (sizeof(check_tree) / sizeof(check_tree[0]))

/* What one run knows: paths from main.cf, and the owners wanted. */
typedef struct CHECK {
    char *queue_dir;  /* queue_directory */
    char *data_dir;   /* data_directory */
    char *daemon_dir; /* daemon_directory */
    char *owner_name; /* mail_owner */
    char *group_name; /* setgid_group */
    uid_t owner_uid;  /* mail_owner's uid, or the invoking user's */
    gid_t owner_gid;  /* mail_owner's primary group, or the user's */
    gid_t drop_gid;   /* setgid_group's gid, or the user's group */
    int privileged;   /* running as root: owners matter */
    int fix;          /* set-permissions: repair instead of report */
} CHECK;

/* What a folder should look like. */
typedef struct CHECK_WANT {
    uid_t uid;
    gid_t gid;
    mode_t mode;
    int recurse;
} CHECK_WANT;

/* check_free - release what check_init() filled in */
static void
check_free(CHECK *ck)
{
    myfree(ck->queue_dir);
    myfree(ck->data_dir);
    myfree(ck->daemon_dir);
    myfree(ck->owner_name);
    myfree(ck->group_name);
}

/* check_param - a parameter's expanded value; NULL after an error */
static char *
check_param(const char *name, int absolute)
{
    STRBUF *value = strbuf_create(100);
    STRBUF *why = strbuf_create(100);
    char *result = NULL;

    if (mail_conf_eval(name, value, why) < 0)
        msg_error("%s: %s", name, STR(why));
    else if (LEN(value) == 0)
        msg_error("%s: empty value", name);
    else if (absolute && STR(value)[0] != '/')
        msg_error("%s = %s: must be an absolute path", name, STR(value));
    else
        result = mystrdup(STR(value));
    strbuf_free(value);
    strbuf_free(why);
    return result;
}

/* check_main_cf - load main.cf, report its problems; -1 if unusable */
static int
check_main_cf(void)
{
    STRBUF *report = strbuf_create(0);
    char *cp, *line;

    if (mail_conf_load(postern_config_dir, NULL, report) < 0) {
        msg_error("%s", STR(report));
        strbuf_free(report);
        return -1;
    }
    strbuf_reset(report);
    (void) mail_conf_validate(report);
    cp = STR(report);
    while ((line = mystrtok(&cp, "\n")) != NULL) {
        if (strncmp(line, "warning: ", 9) == 0)
            msg_warn("%s", line + 9);
        else
            msg_error("%s", strncmp(line, "error: ", 7) ? line : line + 7);
    }
    strbuf_free(report);
    return 0;
}

/* check_init - the paths and names main.cf gives; -1 if one is bad */
static int
check_init(CHECK *ck, int fix)
{
    memset(ck, 0, sizeof(*ck));
    ck->fix = fix;
    ck->privileged = (geteuid() == 0);
    ck->queue_dir = check_param("queue_directory", 1);
    ck->data_dir = check_param("data_directory", 1);
    ck->daemon_dir = check_param("daemon_directory", 1);
    ck->owner_name = check_param("mail_owner", 0);
    ck->group_name = check_param("setgid_group", 0);
    if (!ck->queue_dir || !ck->data_dir || !ck->daemon_dir || !ck->owner_name ||
        !ck->group_name)
        return -1;
    return 0;
}

/* check_owner - mail_owner exists and is not root; -1 otherwise */
static int
check_owner(CHECK *ck)
{
    struct passwd *pw = getpwnam(ck->owner_name);

    if (pw == NULL) {
        msg_error("mail_owner %s: no such user; create it: useradd --system "
                  "--no-create-home --home-dir /nonexistent "
                  "--shell /usr/sbin/nologin %s",
                  ck->owner_name, ck->owner_name);
        return -1;
    }
    if (pw->pw_uid == 0 || strcmp(ck->owner_name, "root") == 0) {
        msg_error("mail_owner %s: has uid 0; mail_owner must be an "
                  "unprivileged user of its own",
                  ck->owner_name);
        return -1;
    }
    ck->owner_uid = pw->pw_uid;
    ck->owner_gid = pw->pw_gid;
    return 0;
}

/* check_group - setgid_group exists and is a group of its own */
static int
check_group(CHECK *ck)
{
    struct group *gr = getgrnam(ck->group_name);

    if (gr == NULL) {
        msg_error("setgid_group %s: no such group; create it: "
                  "groupadd --system %s",
                  ck->group_name, ck->group_name);
        return -1;
    }
    if (gr->gr_gid == 0 || gr->gr_gid == ck->owner_gid) {
        msg_error("setgid_group %s: gid %ld is %s; setgid_group must be a "
                  "group of its own",
                  ck->group_name, (long) gr->gr_gid,
                  gr->gr_gid == 0 ? "root's" : "mail_owner's primary group");
        return -1;
    }
    ck->drop_gid = gr->gr_gid;
    return 0;
}

/* check_users - who owns the tree; -1 when that cannot be known */
static int
check_users(CHECK *ck)
{
    int ret;

    if (!ck->privileged) {
        ck->owner_uid = getuid();
        ck->owner_gid = ck->drop_gid = getgid();
        msg_info("not running as root: the queue tree belongs to the "
                 "invoking user (uid %ld), owners are not checked, and the "
                 "daemons will run as that user",
                 (long) ck->owner_uid);
        return 0;
    }
    /* Report both when both are missing. */
    ret = check_owner(ck);
    if (check_group(ck) < 0)
        ret = -1;
    return ret;
}

/* check_want - the owner and mode a tree entry should have */
static CHECK_WANT
check_want(const CHECK *ck, int owner, mode_t mode, int recurse)
{
    CHECK_WANT want;

    want.uid = (owner == OWN_ROOT && ck->privileged) ? 0 : ck->owner_uid;
    want.gid = (owner == OWN_ROOT && ck->privileged) ? 0
               : owner == OWN_DROP                   ? ck->drop_gid
                                                     : ck->owner_gid;
    want.mode = mode;
    want.recurse = recurse;
    return want;
}

/* fix_inside - chown what a folder holds, without following links */
static void
fix_inside(int dirfd, const char *path, const CHECK_WANT *want, int depth)
{
    DIR *dir;
    struct dirent *ent;
    struct stat st;
    int fd, sub;

    if ((fd = dup(dirfd)) < 0 || (dir = fdopendir(fd)) == NULL) {
        msg_error("%s: cannot read folder: %m", path);
        if (fd >= 0)
            close(fd);
        return;
    }
    while ((ent = readdir(dir)) != NULL) {
        if (strcmp(ent->d_name, ".") == 0 || strcmp(ent->d_name, "..") == 0 ||
            fstatat(dirfd, ent->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
            continue;
        if ((st.st_uid != want->uid || st.st_gid != want->gid) &&
            fchownat(dirfd, ent->d_name, want->uid, want->gid,
                     AT_SYMLINK_NOFOLLOW) < 0)
            msg_error("%s/%s: cannot change owner: %m", path, ent->d_name);
        if (!S_ISDIR(st.st_mode) || depth >= CHECK_MAX_DEPTH ||
            (sub = openat(dirfd, ent->d_name,
                          O_RDONLY | O_NOFOLLOW | O_DIRECTORY | O_CLOEXEC)) < 0)
            continue;
        fix_inside(sub, path, want, depth + 1);
        close(sub);
    }
    closedir(dir);
}

/* fix_dir - give one folder its owner and mode (and what it holds) */
static void
fix_dir(const CHECK *ck, const char *path, const CHECK_WANT *want)
{
    struct stat st;
    int fd;

    fd = open(path, O_RDONLY | O_NOFOLLOW | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0 || fstat(fd, &st) < 0) {
        msg_error("%s: cannot open folder: %m", path);
        if (fd >= 0)
            close(fd);
        return;
    }
    if (ck->privileged && (st.st_uid != want->uid || st.st_gid != want->gid)) {
        if (fchown(fd, want->uid, want->gid) < 0)
            msg_error("%s: cannot change owner: %m", path);
        else if (ck->fix)
            msg_info("%s: owner %ld:%ld, was %ld:%ld", path, (long) want->uid,
                     (long) want->gid, (long) st.st_uid, (long) st.st_gid);
    }
    if ((st.st_mode & 07777) != want->mode) {
        if (fchmod(fd, want->mode) < 0)
            msg_error("%s: cannot change mode: %m", path);
        else if (ck->fix)
            msg_info("%s: mode %04o, was %04o", path, (unsigned) want->mode,
                     (unsigned) (st.st_mode & 07777));
    }
    if (ck->fix && ck->privileged && want->recurse)
        fix_inside(fd, path, want, 0);
    close(fd);
}

/* report_dir - name what is wrong with a folder's owner and mode */
static void
report_dir(const CHECK *ck, const char *path, const struct stat *st,
           const CHECK_WANT *want)
{
    STRBUF *what = strbuf_create(100);
    mode_t mode = st->st_mode & 07777;

    if (mode & S_IWOTH)
        strbuf_sprintf_cat(what, ", world-writable (mode %04o, want %04o)",
                           (unsigned) mode, (unsigned) want->mode);
    else if (mode != want->mode)
        strbuf_sprintf_cat(what, ", mode %04o, want %04o", (unsigned) mode,
                           (unsigned) want->mode);
    if (ck->privileged && st->st_uid != want->uid)
        strbuf_sprintf_cat(what, ", owner uid %ld, want %ld", (long) st->st_uid,
                           (long) want->uid);
    if (ck->privileged && st->st_gid != want->gid)
        strbuf_sprintf_cat(what, ", group gid %ld, want %ld", (long) st->st_gid,
                           (long) want->gid);
    if (LEN(what) > 0)
        msg_error("%s: %s; run \"postern set-permissions\" to fix it", path,
                  STR(what) + 2);
    strbuf_free(what);
}

/* make_parents - create the folders above path (0755), as mkdir -p */
static void
make_parents(const char *path)
{
    char *copy = mystrdup(path);
    char *cp;

    for (cp = copy + 1; (cp = strchr(cp, '/')) != NULL; cp++) {
        *cp = 0;
        if (mkdir(copy, 0755) < 0 && errno != EEXIST)
            msg_error("%s: cannot create folder: %m", copy);
        *cp = '/';
    }
    myfree(copy);
}

/* check_dir - create, report on or repair one folder of the tree */
static void
check_dir(const CHECK *ck, const char *path, const CHECK_WANT *want)
{
    struct stat st;
    int missing = (lstat(path, &st) < 0);

    if (missing && errno == ENOENT) {
        make_parents(path);
        if (mkdir(path, want->mode) < 0 && errno != EEXIST) {
            msg_error("%s: cannot create folder: %m", path);
            return;
        }
        if (msg_verbose)
            msg_info("%s: created", path);
        fix_dir(ck, path, want);
    } else if (missing) {
        msg_error("%s: %m", path);
    } else if (!S_ISDIR(st.st_mode)) {
        msg_error("%s: is %s, not a folder; remove it, then run "
                  "\"postern check\"",
                  path, S_ISLNK(st.st_mode) ? "a symbolic link" : "no folder");
    } else if (ck->fix) {
        fix_dir(ck, path, want);
    } else {
        report_dir(ck, path, &st, want);
    }
}

/* check_queue_tree - every folder of the queue tree and data_directory */
static void
check_queue_tree(const CHECK *ck)
{
    STRBUF *path = strbuf_create(100);
    CHECK_WANT want;
    size_t i;

    for (i = 0; i < CHECK_TREE_SIZE; i++) {
        strbuf_sprintf(path, "%s%s%s", ck->queue_dir,
                       *check_tree[i].name ? "/" : "", check_tree[i].name);
        want = check_want(ck, check_tree[i].owner, check_tree[i].mode,
                          check_tree[i].recurse);
        check_dir(ck, STR(path), &want);
    }
    want = check_want(ck, OWN_MAIL, 0700, 1);
    check_dir(ck, ck->data_dir, &want);
    strbuf_free(path);
}

/* check_program - one master.cf service's program, with a warning */
static void
check_program(const CHECK *ck, const MASTER_CF_SERVICE *sv, STRBUF *path)
{
    if (sv->command[0] == '/')
        strbuf_strcpy(path, sv->command);
    else
        strbuf_sprintf(path, "%s/%s", ck->daemon_dir, sv->command);
    if (access(STR(path), X_OK) < 0)
        msg_warn("master.cf line %d: service %s: program %s not found; "
                 "master will skip it",
                 sv->line, sv->name, sv->command);
}

/* check_programs - master, and the programs of the master.cf services */
static void
check_programs(const CHECK *ck)
{
    STRBUF *path = strbuf_create(100);
    STRBUF *err = strbuf_create(100);
    MASTER_CF *mc = master_cf_create();
    size_t i;

    strbuf_sprintf(path, "%s/master", ck->daemon_dir);
    if (access(STR(path), X_OK) < 0)
        msg_error("%s: %m; check daemon_directory", STR(path));
    strbuf_sprintf(path, "%s/master.cf", postern_config_dir);
    if (master_cf_read(mc, STR(path), err) < 0)
        msg_error("%s", STR(err));
    else
        for (i = 0; i < mc->count; i++)
            check_program(ck, mc->services[i], path);
    master_cf_free(mc);
    strbuf_free(path);
    strbuf_free(err);
}

/* check_run - check or set-permissions after the arguments */
static int
check_run(int fix)
{
    CHECK ck;

    /* Report every problem at once: errors are counted, never fatal. */
    msg_error_limit = 0;
    if (check_main_cf() < 0)
        return 1;
    if (check_init(&ck, fix) == 0 && check_users(&ck) == 0) {
        check_queue_tree(&ck);
        if (!fix)
            check_programs(&ck);
    }
    check_free(&ck);
    return msg_error_count() > 0;
}

/* check_main - postern check */
int
check_main(int argc, char **argv)
{
    int ret;

    if ((ret = postern_plain_args(argc, argv)) != 0)
        return ret - 1;
    return check_run(0);
}

/* set_permissions_main - postern set-permissions */
int
set_permissions_main(int argc, char **argv)
{
    int ret;

    if ((ret = postern_plain_args(argc, argv)) != 0)
        return ret - 1;
    return check_run(1);
}

/*
 * maildir_deliver - deliver one message into a Maildir.
 *
 * maildir_deliver(dir, src, flags, size_limit, hostname, why) runs with
 * the recipient's privileges (the caller switched to them), so that what
 * it creates belongs to the recipient, and:
 *   1. creates dir and its tmp/, new/ and cur/ (mode 0700) when missing,
 *      with any missing folder above dir, syncing the folder that holds
 *      each new one;
 *   2. writes the message with mail_copy() (at most size_limit bytes; 0:
 *      no limit), which flushes and fsync()s the file, into a file with
 *      no name yet: open(new/, O_TMPFILE);
 *   3. gives it its name new/NAME with linkat(), which never replaces a
 *      file, NAME being maildir_unique() of the time, our process ID and
 *      a per-process count, and fsync()s new/, so the entry is durable
 *      before we say delivered.
 *   Where O_TMPFILE or the linkat() of such a file is missing (a file
 *   system without it, a chroot without /proc), or the source cannot be
 *   read twice, it does as the Maildir protocol says
 *   (https://cr.yp.to/proto/maildir.html): creates tmp/NAME exclusively,
 *   without following a symbolic link, writes and fsync()s it, moves it
 *   to new/NAME without ever replacing a file (rename with
 *   RENAME_NOREPLACE; link() and unlink() where that is missing) and
 *   fsync()s new/.
 *   Either way a reader only ever finds complete files in new/; the
 *   first way makes no entry in tmp/, and so spares the file system the
 *   write of tmp/ that the fsync() of a new file costs on some (ext4
 *   without a journal syncs a new file's folder with it), and the later
 *   write of its removal.
 * On failure the file is removed (the unnamed one needs nothing).  It
 * returns NULL when delivered, else the DSN status (4.2.0 for file system
 * trouble, 5.2.2 for a full mailbox or quota, 4.3.0 for a queue read
 * error) with a reason in why.
 *
 * The fsync() of new/ after the link or move goes through a group commit
 * (fsync_group) once maildir_deliver_sync_state(queue_dir) has opened its
 * state file, queue_dir/MAILDIR_SYNC_STATE: deliveries into the same
 * new/ at the same time share a sync that began after their own entry,
 * instead of each flushing the disk's cache for it.  That call is made
 * before the process switches to a recipient (the file is root's when
 * the process runs as root); when the file cannot be had it logs a
 * warning and each delivery syncs new/ alone, as without the call.
 *
 * maildir_unique(out, tv, pid, count, hostname) writes the file name
 * "SECONDS.MusecPpidQcount.HOST" into out and returns it; '/' and ':' in
 * the host name become \057 and \072 as the Maildir page asks.
 * maildir_deliver_unnamed(on) turns the first way on (the default) or
 * off for this process (tests); it returns the previous setting.
 * maildir_deliver_link_proc(on) makes the first way name its file
 * through /proc/self/fd at once, as after a refused AT_EMPTY_PATH (tests:
 * a process with CAP_DAC_READ_SEARCH, or a kernel from 6.10 on, is never
 * refused); it returns whether that was so already.
 * Nothing here is fatal.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fsync_dir.h"
#include "fsync_group.h"
#include "maildir_deliver.h"
#include "msg.h"
#include "mymalloc.h"
#include "safe_open.h"

/* Deliveries by this process, for unique names. */
static unsigned long maildir_count;

/* maildir_unique - a file name no other delivery uses */
STRBUF *
maildir_unique(STRBUF *out, const struct timeval *tv, long pid,
               unsigned long count, const char *hostname)
{
    const char *cp;

    strbuf_sprintf(out, "%lld.M%ldP%ldQ%lu.", (long long) tv->tv_sec,
                   (long) tv->tv_usec, pid, count);
    for (cp = hostname; *cp; cp++) {
        if (*cp == '/')
            strbuf_strcat(out, "\\057");
        else if (*cp == ':')
            strbuf_strcat(out, "\\072");
        else
            strbuf_addch(out, *cp);
    }
    return out;
}

/*
 * make_dir - mkdir that accepts an existing directory.  A new one's
 * entry is synced in its parent, or a crash of the host could take the
 * folder, and the message in it, after we said delivered.  A parent we
 * may not read (EACCES) cannot be synced by us; it counts as done.
 */
static int
make_dir(const char *path, STRBUF *why)
{
    struct stat st;

    if (mkdir(path, 0700) == 0) {
        if (fsync_dir(path) == 0 || errno == EACCES)
            return 0;
        return strbuf_fail(why, errno, "sync folder above %s: %s", path,
                           strerror(errno));
    }
    if (errno == EEXIST && lstat(path, &st) == 0 && S_ISDIR(st.st_mode))
        return 0;
    if (errno == EEXIST)
        errno = ENOTDIR;
    return strbuf_fail(why, errno, "create folder %s: %s", path,
                       strerror(errno));
}

/* make_dirs - dir and the folders above it that are missing */
static int
make_dirs(const char *dir, STRBUF *why)
{
    char *copy = mystrdup(dir);
    char *cp;
    int ret = 0;

    for (cp = copy + 1; ret == 0 && (cp = strchr(cp, '/')) != NULL; cp++) {
        *cp = 0;
        if (cp[-1] != '/')
            ret = make_dir(copy, why);
        *cp = '/';
    }
    if (ret == 0 && copy[strlen(copy) - 1] != '/')
        ret = make_dir(copy, why);
    myfree(copy);
    return ret;
}

static const char *const maildir_sub[] = {"tmp", "new", "cur"};

/*
 * maildir_present - tmp/, new/ and cur/ are all folders already: three
 * lstat() calls instead of a mkdir() and an lstat() for every folder of
 * the path, on every delivery after the first.
 */
static int
maildir_present(const char *dir, STRBUF *buf)
{
    struct stat st;
    size_t i;

    for (i = 0; i < sizeof(maildir_sub) / sizeof(maildir_sub[0]); i++) {
        strbuf_sprintf(buf, "%s/%s", dir, maildir_sub[i]);
        if (lstat(STR(buf), &st) < 0 || !S_ISDIR(st.st_mode))
            return 0;
    }
    return 1;
}

/* maildir_tree - dir, tmp/, new/ and cur/ */
static int
maildir_tree(const char *dir, STRBUF *buf, STRBUF *why)
{
    const char *const *sub = maildir_sub;
    size_t i;

    if (maildir_present(dir, buf))
        return 0;
    if (make_dirs(dir, why) < 0)
        return -1;
    for (i = 0; i < sizeof(maildir_sub) / sizeof(maildir_sub[0]); i++) {
        strbuf_sprintf(buf, "%s/%s", dir, sub[i]);
        if (make_dir(STR(buf), why) < 0)
            return -1;
    }
    return 0;
}

/* maildir_write - the message into the tmp/ file */
static const char *
maildir_write(const char *tmp, const MAIL_COPY_SRC *src, int flags,
              off_t size_limit, STRBUF *why)
{
    STREAM *st;
    const char *status;
    int fd;

    fd = safe_open(tmp, O_WRONLY | O_CREAT | O_EXCL, 0600, NULL, why);
    if (fd < 0)
        return mail_copy_errno_dsn(errno);
    st = stream_fdopen(fd, O_WRONLY);
    status = mail_copy(src, st, flags, size_limit > 0 ? size_limit : -1, why);
    stream_free(st);
    if (close(fd) < 0 && status == NULL) {
        strbuf_fail(why, errno, "close %s: %s", tmp, strerror(errno));
        status = mail_copy_errno_dsn(errno);
    }
    if (status != NULL)
        (void) unlink(tmp);
    return status;
}

/*
 * maildir_move - tmp to new, never replacing a file: one rename with
 * RENAME_NOREPLACE (one folder operation less than link and unlink);
 * link() and unlink() where the file system or kernel lacks it.
 */
static int
maildir_move(const char *tmp, const char *new)
{
    if (renameat2(AT_FDCWD, tmp, AT_FDCWD, new, RENAME_NOREPLACE) == 0)
        return 0;
    if (errno != EINVAL && errno != ENOSYS)
        return -1;
    if (link(tmp, new) < 0)
        return -1;
    (void) unlink(tmp);
    return 0;
}

/* The group commit of new/ syncs; NULL: each syncs alone. */
static FSYNC_GROUP *maildir_group;

/* maildir_deliver_sync_state - open the group commit's state file */
void
maildir_deliver_sync_state(const char *queue_dir)
{
    STRBUF *path = strbuf_create(100);

    fsync_group_free(maildir_group);
    strbuf_sprintf(path, "%s/%s", queue_dir, MAILDIR_SYNC_STATE);
    if ((maildir_group = fsync_group_open(STR(path))) == NULL)
        msg_warn("open %s: %m; each Maildir delivery syncs new/ alone",
                 STR(path));
    strbuf_free(path);
}

/* maildir_sync_new - make new's entry durable; on failure it goes */
static const char *
maildir_sync_new(const char *new, STRBUF *why)
{
    int err;

    if (fsync_group_dir(maildir_group, new) < 0) {
        err = errno;
        strbuf_fail(why, err, "sync folder of %s: %s", new, strerror(err));
        (void) unlink(new);
        return mail_copy_errno_dsn(err);
    }
    return NULL;
}

/* maildir_commit - move the finished file into new/, durably */
static const char *
maildir_commit(const char *tmp, const char *new, STRBUF *why)
{
    if (maildir_move(tmp, new) < 0) {
        int err = errno;

        strbuf_fail(why, err, "move %s to %s: %s", tmp, new, strerror(err));
        (void) unlink(tmp);
        return mail_copy_errno_dsn(err);
    }
    return maildir_sync_new(new, why);
}

/*
 * Whether this process writes into an unnamed file: 1 until the kernel
 * or file system shows it cannot (then 0, for the process's life).
 */
static int maildir_unnamed = 1;

/* How linkat() names an unnamed file here; LINK_PROC once AT_EMPTY_PATH
 * was refused (a kernel before 6.10 wants CAP_DAC_READ_SEARCH for it). */
enum { LINK_EMPTY_PATH, LINK_PROC };
static int maildir_link_way = LINK_EMPTY_PATH;

/* maildir_deliver_unnamed - the unnamed first way on or off; old value */
int
maildir_deliver_unnamed(int on)
{
    int old = maildir_unnamed;

    maildir_unnamed = on != 0;
    return old;
}

/* maildir_deliver_link_proc - name through /proc/self/fd or not; old */
int
maildir_deliver_link_proc(int on)
{
    int old = maildir_link_way == LINK_PROC;

    maildir_link_way = on ? LINK_PROC : LINK_EMPTY_PATH;
    return old;
}

/*
 * name_unnamed - linkat() the unnamed file fd as path; 0, or -1 with
 * errno.  ENOENT from AT_EMPTY_PATH is the kernel's refusal (the path ""
 * is then looked up as a name); /proc/self/fd/N, followed, is the way
 * without the capability.
 */
static int
name_unnamed(int fd, const char *path)
{
    char proc[64];

    if (maildir_link_way == LINK_EMPTY_PATH) {
        if (linkat(fd, "", AT_FDCWD, path, AT_EMPTY_PATH) == 0)
            return 0;
        if (errno != ENOENT && errno != EPERM)
            return -1;
        maildir_link_way = LINK_PROC;
    }
    snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
    return linkat(AT_FDCWD, proc, AT_FDCWD, path, AT_SYMLINK_FOLLOW);
}

/* Errors that say the unnamed way does not work here (so try the other). */
#define UNNAMED_UNSUPPORTED(e)                                                 \
    ((e) == EOPNOTSUPP || (e) == EISDIR || (e) == EINVAL || (e) == ENOSYS)

/*
 * maildir_unnamed_deliver - write into open(new/, O_TMPFILE), name it
 * new/NAME, sync new/.  NULL or a DSN status as maildir_deliver(), or
 * *other set when this way cannot work here and nothing was done.
 */
static const char *
maildir_unnamed_deliver(const char *newdir, const char *new,
                        const MAIL_COPY_SRC *src, int flags, off_t size_limit,
                        int *other, STRBUF *why)
{
    const char *status;
    STREAM *st;
    int fd;
    int err;

    *other = 0;
    /* O_NOFOLLOW: a symbolic link where new/ should be is never used. */
    fd = open(newdir, O_TMPFILE | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0) {
        if (UNNAMED_UNSUPPORTED(errno))
            maildir_unnamed = 0;
        *other = 1; /* the other way reports any real trouble itself */
        return NULL;
    }
    st = stream_fdopen(fd, O_WRONLY);
    status = mail_copy(src, st, flags, size_limit > 0 ? size_limit : -1, why);
    stream_free(st);
    if (status == NULL && name_unnamed(fd, new) < 0) {
        err = errno;
        if (UNNAMED_UNSUPPORTED(err) || err == ENOENT || err == EPERM ||
            err == EXDEV) {
            /* No way to name it: the file goes with the close. */
            maildir_unnamed = 0;
            *other = 1;
        } else {
            strbuf_fail(why, err, "link %s: %s", new, strerror(err));
            status = mail_copy_errno_dsn(err);
        }
    }
    (void) close(fd); /* written and synced by mail_copy, or unwanted */
    if (status != NULL || *other)
        return status;
    return maildir_sync_new(new, why);
}

/* maildir_deliver - the message into dir/new; NULL or a DSN status */
const char *
maildir_deliver(const char *dir, const MAIL_COPY_SRC *src, int flags,
                off_t size_limit, const char *hostname, STRBUF *why)
{
    STRBUF *name = strbuf_create(100);
    STRBUF *tmp = strbuf_create(100);
    STRBUF *new = strbuf_create(100);
    const char *status = MAIL_COPY_DSN_DEFER;
    struct timeval tv;
    int other = 1;

    if (maildir_tree(dir, tmp, why) == 0) {
        gettimeofday(&tv, NULL);
        maildir_unique(name, &tv, (long) getpid(), ++maildir_count, hostname);
        strbuf_sprintf(new, "%s/new/%s", dir, STR(name));
        /* The other way writes again: the source must be read twice. */
        if (maildir_unnamed && src->rewind != NULL) {
            strbuf_sprintf(tmp, "%s/new", dir);
            status = maildir_unnamed_deliver(STR(tmp), STR(new), src, flags,
                                             size_limit, &other, why);
        }
        if (other) {
            strbuf_sprintf(tmp, "%s/tmp/%s", dir, STR(name));
            status = maildir_write(STR(tmp), src, flags, size_limit, why);
            if (status == NULL)
                status = maildir_commit(STR(tmp), STR(new), why);
        }
    }
    strbuf_free(name);
    strbuf_free(tmp);
    strbuf_free(new);
    return status;
}

/*
 * mbox_deliver - append one message to an mbox file.
 *
 * mbox_deliver(path, src, flags, opts, why) runs with the privileges the
 * caller chose (the recipient's, or root's for a spool directory that
 * only root may write) and:
 *   1. opens path for appending without following a symbolic link
 *      (safe_open): an existing file must be a regular file with one
 *      link owned by opts->uid; a missing one is created with mode 0600
 *      and, when we are root, given to opts->uid and opts->gid, and its
 *      folder is synced so the new name is durable;
 *   2. takes the locks opts->locks asks for, each waiting at most
 *      opts->lock_timeout_ms: PATH.lock (created exclusively; a
 *      directory we may not write in skips it, as other mail programs
 *      do), then an fcntl() lock, or flock();
 *   3. checks that path still names the file we hold (it may have been
 *      swapped while we waited), notes its size and seeks to the end;
 *   4. writes the message with mail_copy() (flags say mbox or not) within
 *      opts->size_limit, and on any failure truncates the file back to
 *      the size it had, so a reader never sees half a message;
 *   5. releases the locks and closes the file.
 * It returns NULL when delivered, else the DSN status of the failure with
 * "cannot update mailbox PATH: reason" style text in why: a refused
 * file (symbolic link, wrong owner, not a regular file), a lock that
 * stays taken and I/O errors are temporary (4.2.0); a full mailbox is
 * permanent (5.2.2); a queue read error is 4.3.0.  Nothing is fatal.
 *
 * mbox_lock_parse(list, locks, why) turns "fcntl, dotlock" into
 * MBOX_LOCK_* bits; -1 with a reason for an unknown name.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fsync_dir.h"
#include "lock_file.h"
#include "mbox_deliver.h"
#include "msg.h"
#include "mymalloc.h"
#include "safe_open.h"
#include "stringops.h"

/* The file while we hold it. */
typedef struct MBOX {
    const char *path;
    int fd;
    int dotlocked;
    off_t start; /* size before our message */
} MBOX;

/* mbox_create - a new mailbox, given to the recipient */
static int
mbox_create(const char *path, const MBOX_OPTS *opts, STRBUF *why)
{
    int fd = safe_open(path, O_WRONLY | O_APPEND | O_CREAT | O_EXCL, 0600, NULL,
                       why);

    if (fd >= 0 && geteuid() == 0 && fchown(fd, opts->uid, opts->gid) < 0) {
        strbuf_fail(why, errno, "%s: chown: %s", path, strerror(errno));
        (void) unlink(path);
        close(fd);
        return -1;
    }
    /* The new name must outlive a crash of the host, as the data will. */
    if (fd >= 0 && fsync_dir(path) < 0 && errno != EACCES) {
        strbuf_fail(why, errno, "%s: sync folder: %s", path, strerror(errno));
        (void) unlink(path);
        close(fd);
        return -1;
    }
    return fd;
}

/* mbox_file - open the mailbox, or create it; -1 with a reason */
static int
mbox_file(const char *path, const MBOX_OPTS *opts, STRBUF *why)
{
    SAFE_OPEN_OPTS chk = {opts->uid, 0, 1};
    int tries;
    int fd = -1;

    /* Two rounds: someone else may create it between our two looks. */
    for (tries = 0; tries < 2 && fd < 0; tries++) {
        fd = safe_open(path, O_WRONLY | O_APPEND, 0, &chk, why);
        if (fd >= 0 || errno != ENOENT)
            break;
        fd = mbox_create(path, opts, why);
        if (fd < 0 && errno != EEXIST)
            break;
    }
    return fd;
}

/* mbox_lock - take the locks asked for; 0 or -1 with a reason */
static int
mbox_lock(MBOX *mb, const MBOX_OPTS *opts, STRBUF *why)
{
    if (opts->locks & MBOX_LOCK_DOTLOCK) {
        if (lock_file_dot(mb->path, opts->lock_timeout_ms, opts->stale_time,
                          why) == 0)
            mb->dotlocked = 1;
        else if (errno != EACCES && errno != EROFS)
            return -1;
    }
    if ((opts->locks & MBOX_LOCK_FCNTL) &&
        lock_file_fcntl(mb->fd, LOCK_FILE_EXCLUSIVE, opts->lock_timeout_ms,
                        why) < 0)
        return -1;
    if ((opts->locks & MBOX_LOCK_FLOCK) && flock(mb->fd, LOCK_EX | LOCK_NB) < 0)
        return strbuf_fail(why, errno, "flock: %s", strerror(errno));
    return 0;
}

/* mbox_unlock - release the dot lock (the others go with the descriptor) */
static void
mbox_unlock(MBOX *mb)
{
    STRBUF *why;

    if (!mb->dotlocked)
        return;
    why = strbuf_create(100);
    if (lock_file_dot_release(mb->path, why) < 0)
        msg_warn("%s", STR(why));
    strbuf_free(why);
    mb->dotlocked = 0;
}

/* mbox_ready - file still ours after the wait; note where it ends */
static int
mbox_ready(MBOX *mb, const MBOX_OPTS *opts, STRBUF *why)
{
    SAFE_OPEN_OPTS chk = {opts->uid, 0, 1};
    struct stat st;

    if (safe_open_check(mb->fd, mb->path, &chk, why) < 0)
        return -1;
    if (fstat(mb->fd, &st) < 0)
        return strbuf_fail(why, errno, "fstat: %s", strerror(errno));
    mb->start = st.st_size;
    if (lseek(mb->fd, 0, SEEK_END) < 0)
        return strbuf_fail(why, errno, "lseek: %s", strerror(errno));
    return 0;
}

/* mbox_write - the message itself; undone on failure */
static const char *
mbox_write(MBOX *mb, const MAIL_COPY_SRC *src, int flags, const MBOX_OPTS *opts,
           STRBUF *why)
{
    STREAM *st = stream_fdopen(mb->fd, O_WRONLY);
    off_t room = -1;
    const char *status;

    if (opts->size_limit > 0)
        room = opts->size_limit > mb->start ? opts->size_limit - mb->start : 0;
    status = mail_copy(src, st, flags, room, why);
    stream_free(st);
    if (status != NULL && ftruncate(mb->fd, mb->start) < 0)
        msg_warn("%s: cannot truncate after a failed delivery: %s", mb->path,
                 strerror(errno));
    return status;
}

/* mbox_deliver - append the message to path; NULL or a DSN status */
const char *
mbox_deliver(const char *path, const MAIL_COPY_SRC *src, int flags,
             const MBOX_OPTS *opts, STRBUF *why)
{
    MBOX mb = {path, -1, 0, 0};
    const char *status = MAIL_COPY_DSN_DEFER;

    if ((mb.fd = mbox_file(path, opts, why)) < 0)
        return mail_copy_errno_dsn(errno);
    if (mbox_lock(&mb, opts, why) == 0 && mbox_ready(&mb, opts, why) == 0)
        status = mbox_write(&mb, src, flags, opts, why);
    mbox_unlock(&mb);
    if (close(mb.fd) < 0 && status == NULL) {
        strbuf_fail(why, errno, "close: %s", strerror(errno));
        status = mail_copy_errno_dsn(errno);
    }
    return status;
}

/* mbox_lock_parse - "fcntl, dotlock" to MBOX_LOCK_* bits */
int
mbox_lock_parse(const char *list, int *locks, STRBUF *why)
{
    char *copy = mystrdup(list);
    char *cp = copy;
    char *name;
    int ret = 0;

    *locks = 0;
    while (ret == 0 && (name = mystrtok(&cp, ", \t\r\n")) != NULL) {
        if (strcmp(name, "fcntl") == 0)
            *locks |= MBOX_LOCK_FCNTL;
        else if (strcmp(name, "dotlock") == 0)
            *locks |= MBOX_LOCK_DOTLOCK;
        else if (strcmp(name, "flock") == 0)
            *locks |= MBOX_LOCK_FLOCK;
        else
            ret = strbuf_fail(why, EINVAL, "unknown lock type: %s", name);
    }
    myfree(copy);
    return ret;
}

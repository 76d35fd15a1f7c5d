/*
 * safe_open - open files without following symbolic links, with checks.
 *
 * safe_open(path, flags, mode, opts, why) opens path like open(2), always
 * adding O_NOFOLLOW and O_CLOEXEC, and only when it is a regular file.
 * With O_CREAT|O_EXCL it creates the file.  With O_CREAT alone it opens
 * the existing file or else creates it, and retries the race between the
 * two SAFE_OPEN_TRIES times.  An existing file must satisfy opts: its
 * owner, the permission bits it must not have, a single hard link.  A file
 * this call created is ours, so only its type, link count and identity are
 * checked.  O_TRUNC takes effect only once the checks have passed.  Last,
 * the device and inode of the descriptor are compared with what the path
 * names now, so that a file swapped in under us is refused.
 *
 * Only the last component of path is protected: the directories above it
 * are trusted (safe_open_check_dir() is there to check them).
 *
 * safe_open_check(fd, path, opts, why) applies the same checks to an open
 * descriptor, for a caller that must know that path still names its file
 * (after waiting for a lock, say).  safe_open_check_dir(path, opts, why)
 * checks that path is a directory, not a symbolic link, with the owner and
 * mode that opts asks for (one_link does not apply to directories).
 *
 * The descriptor returned belongs to the caller.  Failures return -1 with
 * errno from the failed system call, ELOOP for a symbolic link, or EPERM
 * when a check refused the file, and "PATH: reason" in why (may be NULL).
 * Nothing here is fatal.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "msg.h"
#include "safe_open.h"

/* file_type - what a file that is not a regular file is */
static const char *
file_type(mode_t mode)
{
    if (S_ISLNK(mode))
        return "is a symbolic link";
    if (S_ISDIR(mode))
        return "is a directory";
    if (S_ISFIFO(mode))
        return "is a FIFO";
    if (S_ISSOCK(mode))
        return "is a socket";
    return "is a device or other special file";
}

/* check_attrs - the owner and mode opts asks for, and the link count */
static int
check_attrs(const char *path, const struct stat *st, const SAFE_OPEN_OPTS *opts,
            STRBUF *why)
{
    unsigned perm = (unsigned) (st->st_mode & 07777);
    unsigned bad;

    if (opts == NULL)
        return 0;
    if (opts->owner != SAFE_OPEN_ANY_OWNER && st->st_uid != opts->owner)
        return strbuf_fail(why, EPERM, "%s: owned by uid %ld, expected %ld",
                           path, (long) st->st_uid, (long) opts->owner);
    bad = perm & (unsigned) opts->forbid_mode;
    if (bad & S_IWOTH)
        return strbuf_fail(why, EPERM, "%s: is world writable (mode %04o)",
                           path, perm);
    if (bad & S_IWGRP)
        return strbuf_fail(why, EPERM, "%s: is group writable (mode %04o)",
                           path, perm);
    if (bad != 0)
        return strbuf_fail(why, EPERM,
                           "%s: has mode %04o, bits %04o not allowed", path,
                           perm, bad);
    if (opts->one_link && !S_ISDIR(st->st_mode) && st->st_nlink != 1)
        return strbuf_fail(why, EPERM, "%s: file has %lu hard links", path,
                           (unsigned long) st->st_nlink);
    return 0;
}

/* safe_open_check - is fd a regular file, as opts asks, that path names? */
int
safe_open_check(int fd, const char *path, const SAFE_OPEN_OPTS *opts,
                STRBUF *why)
{
    struct stat fst;
    struct stat lst;

    if (fstat(fd, &fst) < 0)
        return strbuf_fail(why, errno, "%s: fstat: %s", path, strerror(errno));
    if (!S_ISREG(fst.st_mode))
        return strbuf_fail(why, EPERM, "%s: %s", path, file_type(fst.st_mode));
    if (check_attrs(path, &fst, opts, why) < 0)
        return -1;
    /* A path that names another file now would lead later steps astray. */
    if (lstat(path, &lst) < 0)
        return strbuf_fail(why, errno, "%s: lstat: %s", path, strerror(errno));
    if (lst.st_dev != fst.st_dev || lst.st_ino != fst.st_ino)
        return strbuf_fail(why, EPERM,
                           "%s: names another file than the one opened", path);
    return 0;
}

/* safe_open_check_dir - is path a directory with the owner and mode asked? */
int
safe_open_check_dir(const char *path, const SAFE_OPEN_OPTS *opts, STRBUF *why)
{
    struct stat st;

    if (lstat(path, &st) < 0)
        return strbuf_fail(why, errno, "%s: lstat: %s", path, strerror(errno));
    if (S_ISLNK(st.st_mode))
        return strbuf_fail(why, ELOOP, "%s: is a symbolic link", path);
    if (!S_ISDIR(st.st_mode))
        return strbuf_fail(why, ENOTDIR, "%s: is not a directory", path);
    return check_attrs(path, &st, opts, why);
}

/* open_failed - explain why open() failed; returns -1 */
static int
open_failed(const char *path, STRBUF *why)
{
    int err = errno;
    struct stat st;

    /* O_NOFOLLOW and O_EXCL each refuse a symbolic link in their own way. */
    if ((err == ELOOP || err == EEXIST) && lstat(path, &st) == 0 &&
        S_ISLNK(st.st_mode))
        return strbuf_fail(why, ELOOP, "%s: is a symbolic link", path);
    return strbuf_fail(why, err, "%s: open: %s", path, strerror(err));
}

/* close_failed - close fd, keeping errno; returns -1 */
static int
close_failed(int fd)
{
    int err = errno;

    close(fd);
    errno = err;
    return -1;
}

/* finish_open - restore blocking mode, truncate now that checks passed */
static int
finish_open(int fd, const char *path, int flags, STRBUF *why)
{
    int fl;

    if ((flags & O_NONBLOCK) == 0 && (fl = fcntl(fd, F_GETFL)) >= 0 &&
        fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) < 0)
        return strbuf_fail(why, errno, "%s: fcntl: %s", path, strerror(errno));
    if ((flags & O_TRUNC) != 0 && ftruncate(fd, 0) < 0)
        return strbuf_fail(why, errno, "%s: truncate: %s", path,
                           strerror(errno));
    return 0;
}

/* open_existing - open a file that must exist, then check it */
static int
open_existing(const char *path, int flags, const SAFE_OPEN_OPTS *opts,
              STRBUF *why)
{
    struct stat st;
    int fd;

    /* Opening a device or a FIFO can do harm by itself: look first. */
    if (lstat(path, &st) < 0)
        return strbuf_fail(why, errno, "%s: lstat: %s", path, strerror(errno));
    if (!S_ISREG(st.st_mode))
        return strbuf_fail(why, S_ISLNK(st.st_mode) ? ELOOP : EPERM, "%s: %s",
                           path, file_type(st.st_mode));
    /* O_NONBLOCK: a FIFO swapped in after the look must not hang us. */
    fd = open(path, (flags & ~O_TRUNC) | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
        return open_failed(path, why);
    if (safe_open_check(fd, path, opts, why) < 0 ||
        finish_open(fd, path, flags, why) < 0)
        return close_failed(fd);
    return fd;
}

/* open_created - create a file that must not exist, then check it */
static int
open_created(const char *path, int flags, mode_t mode,
             const SAFE_OPEN_OPTS *opts, STRBUF *why)
{
    SAFE_OPEN_OPTS ours = {SAFE_OPEN_ANY_OWNER, 0, opts ? opts->one_link : 0};
    int fd;

    fd = open(path, flags | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
    if (fd < 0)
        return open_failed(path, why);
    /* We made it, so owner and mode are ours, but it may have moved. */
    if (safe_open_check(fd, path, &ours, why) < 0)
        return close_failed(fd);
    return fd;
}

/* safe_open - open or create a regular file without following symlinks */
int
safe_open(const char *path, int flags, mode_t mode, const SAFE_OPEN_OPTS *opts,
          STRBUF *why)
{
    int tries;
    int fd;

    if ((flags & O_CREAT) == 0)
        return open_existing(path, flags, opts, why);
    if ((flags & O_EXCL) != 0)
        return open_created(path, flags, mode, opts, why);
    for (tries = 0; tries < SAFE_OPEN_TRIES; tries++) {
        fd = open_existing(path, flags & ~O_CREAT, opts, why);
        if (fd >= 0 || errno != ENOENT)
            return fd;
        fd = open_created(path, flags, mode, opts, why);
        if (fd >= 0 || errno != EEXIST)
            return fd;
    }
    return strbuf_fail(why, EAGAIN, "%s: file keeps appearing and disappearing",
                       path);
}

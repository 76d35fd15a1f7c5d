/*
 * lock_file - fcntl() record locks and dot locks, with bounded waits.
 *
 * lock_file_fcntl(fd, type, timeout_ms, why) takes a shared or exclusive
 * lock on the whole of the open file fd.  With timeout_ms <= 0 it makes
 * one attempt and fails with EAGAIN when the lock is taken; otherwise it
 * tries again every LOCK_FILE_POLL_MS until timeout_ms have passed, then
 * fails with ETIMEDOUT.  The reason names the process holding the lock
 * when the system tells.  lock_file_unlock(fd, why) releases the lock.
 * fcntl() locks belong to a process: a child does not inherit them, and
 * closing any descriptor of the file releases them.
 *
 * lock_file_dot(path, timeout_ms, stale_time, why) creates PATH.lock with
 * O_CREAT|O_EXCL, under the same timeout rules.  A lock file whose mtime
 * is more than stale_time seconds old (LOCK_FILE_STALE_TIME is Postfix's
 * default; 0 or less: never) was left by a crash: it is removed with a
 * warning and the attempt repeated.  Two processes that find one stale
 * lock at the same moment could both remove it; like every dot lock, this
 * one counts on stale_time being long enough for that never to matter.
 * lock_file_dot_release(path, why) removes PATH.lock.
 *
 * Nothing here allocates memory.  Failures return -1 with errno set and a
 * reason in why (may be NULL).  A lock type other than LOCK_FILE_SHARED or
 * LOCK_FILE_EXCLUSIVE is our bug and panics.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "clock_ms.h"
#include "lock_file.h"
#include "msg.h"

/* Looks for a stale lock in one call; more would only repeat warnings. */
#define DOT_STALE_CHECKS 3

/* wait_turn - pause before the next attempt; -1 when time is up */
static int
wait_turn(long long deadline)
{
    long long left = deadline - clock_ms();
    struct timespec ts;

    if (left <= 0)
        return -1;
    if (left > LOCK_FILE_POLL_MS)
        left = LOCK_FILE_POLL_MS;
    ts.tv_sec = 0;
    ts.tv_nsec = (long) left * 1000000L;
    /* An interrupted sleep only brings the next attempt forward. */
    nanosleep(&ts, NULL);
    return 0;
}

/* whole_file - a record lock of the given type over the whole file */
static struct flock
whole_file(int fl_type)
{
    struct flock fl;

    memset(&fl, 0, sizeof(fl));
    fl.l_type = (short) fl_type;
    fl.l_whence = SEEK_SET;
    return fl;
}

/* fcntl_try - one attempt at the lock; -1 with EAGAIN when it is taken */
static int
fcntl_try(int fd, int fl_type)
{
    struct flock fl = whole_file(fl_type);

    if (fcntl(fd, F_SETLK, &fl) == 0)
        return 0;
    /* POSIX allows EACCES for a lock that is taken; EINTR means retry. */
    if (errno == EACCES || errno == EINTR)
        errno = EAGAIN;
    return -1;
}

/* fcntl_busy - report a lock that stayed taken; returns -1 */
static int
fcntl_busy(int fd, int fl_type, int timeout_ms, STRBUF *why)
{
    struct flock fl = whole_file(fl_type);
    int err = timeout_ms > 0 ? ETIMEDOUT : EAGAIN;

    if (fcntl(fd, F_GETLK, &fl) < 0 || fl.l_type == F_UNLCK)
        fl.l_pid = 0;
    strbuf_fail(why, err, "file is locked");
    if (why != NULL && fl.l_pid > 0)
        strbuf_sprintf_cat(why, " by process %ld", (long) fl.l_pid);
    if (why != NULL && timeout_ms > 0)
        strbuf_sprintf_cat(why, " (waited %d ms)", timeout_ms);
    errno = err;
    return -1;
}

/* lock_file_fcntl - lock the whole file, waiting at most timeout_ms */
int
lock_file_fcntl(int fd, int type, int timeout_ms, STRBUF *why)
{
    long long deadline = clock_ms() + (timeout_ms > 0 ? timeout_ms : 0);
    int fl_type;

    if (type == LOCK_FILE_SHARED)
        fl_type = F_RDLCK;
    else if (type == LOCK_FILE_EXCLUSIVE)
        fl_type = F_WRLCK;
    else
        msg_panic("lock_file_fcntl: bad lock type %d", type);
    while (fcntl_try(fd, fl_type) < 0) {
        if (errno != EAGAIN)
            return strbuf_fail(why, errno, "fcntl lock: %s", strerror(errno));
        if (wait_turn(deadline) < 0)
            return fcntl_busy(fd, fl_type, timeout_ms, why);
    }
    return 0;
}

/* lock_file_unlock - release an fcntl() lock on the whole file */
int
lock_file_unlock(int fd, STRBUF *why)
{
    struct flock fl = whole_file(F_UNLCK);

    if (fcntl(fd, F_SETLK, &fl) < 0)
        return strbuf_fail(why, errno, "fcntl unlock: %s", strerror(errno));
    return 0;
}

/* dot_name - PATH.lock into buf; -1 when it does not fit */
static int
dot_name(const char *path, char *buf, size_t len, STRBUF *why)
{
    int n = snprintf(buf, len, "%s.lock", path);

    if (n < 0 || (size_t) n >= len)
        return strbuf_fail(why, ENAMETOOLONG, "%s: lock file name too long",
                           path);
    return 0;
}

/* dot_try - one attempt at creating the lock file */
static int
dot_try(const char *lock, STRBUF *why)
{
    int fd;

    fd = open(lock, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0)
        return strbuf_fail(why, errno, "%s: create: %s", lock, strerror(errno));
    close(fd);
    return 0;
}

/* dot_stale - remove the lock file if it is stale; 1 when it is gone */
static int
dot_stale(const char *lock, int stale_time)
{
    struct stat st;
    long age;

    if (lstat(lock, &st) < 0)
        return errno == ENOENT;
    age = (long) (time(NULL) - st.st_mtime);
    if (stale_time <= 0 || age <= stale_time)
        return 0;
    if (unlink(lock) < 0 && errno != ENOENT) {
        msg_warn("%s: cannot remove stale lock file: %s", lock,
                 strerror(errno));
        return 0;
    }
    msg_warn("%s: removed stale lock file (%ld s old)", lock, age);
    return 1;
}

/* lock_file_dot - create PATH.lock, waiting at most timeout_ms */
int
lock_file_dot(const char *path, int timeout_ms, int stale_time, STRBUF *why)
{
    long long deadline = clock_ms() + (timeout_ms > 0 ? timeout_ms : 0);
    char lock[PATH_MAX];
    int stale_checks = 0;

    if (dot_name(path, lock, sizeof(lock), why) < 0)
        return -1;
    while (dot_try(lock, why) < 0) {
        if (errno != EEXIST)
            return -1;
        /* A lock turns stale in minutes, not while we wait: look early. */
        if (stale_checks++ < DOT_STALE_CHECKS && dot_stale(lock, stale_time))
            continue;
        if (wait_turn(deadline) < 0)
            return strbuf_fail(why, timeout_ms > 0 ? ETIMEDOUT : EAGAIN,
                               "%s: lock file exists", lock);
    }
    return 0;
}

/* lock_file_dot_release - remove PATH.lock */
int
lock_file_dot_release(const char *path, STRBUF *why)
{
    char lock[PATH_MAX];

    if (dot_name(path, lock, sizeof(lock), why) < 0)
        return -1;
    if (unlink(lock) < 0)
        return strbuf_fail(why, errno, "%s: remove: %s", lock, strerror(errno));
    return 0;
}

#ifndef LOCK_FILE_H
#define LOCK_FILE_H

/*
 * lock_file - advisory locks: fcntl() record locks on an open file, and
 * dot locks (PATH.lock created exclusively) as mailbox readers expect.
 *
 * Every function returns 0, or -1 with errno set (EAGAIN when one attempt
 * found the lock taken, ETIMEDOUT when the time allowed ran out, else the
 * failed system call's) and a reason in why, which may be NULL.  Nothing
 * is fatal except a bad lock type, which is our bug (panic).
 */
#include "strbuf.h"

/* Lock types for lock_file_fcntl(). */
#define LOCK_FILE_SHARED    1
#define LOCK_FILE_EXCLUSIVE 2

/* Age in seconds past which a dot lock is taken to be stale (Postfix's). */
#define LOCK_FILE_STALE_TIME 500

/* Pause between two attempts at a lock that is taken. */
#define LOCK_FILE_POLL_MS 10

extern int lock_file_fcntl(int fd, int type, int timeout_ms, STRBUF *why);
extern int lock_file_unlock(int fd, STRBUF *why);
extern int lock_file_dot(const char *path, int timeout_ms, int stale_time,
                         STRBUF *why);
extern int lock_file_dot_release(const char *path, STRBUF *why);

#endif

#ifndef SAFE_OPEN_H
#define SAFE_OPEN_H

/*
 * safe_open - open files without following symbolic links, and check who
 * owns them, how they may be written and how many names they have.
 *
 * safe_open() returns a descriptor the caller owns and closes, or -1 with
 * errno set and a reason in why ("PATH: is a symbolic link").  The other
 * functions return 0 or -1 the same way.  Nothing here is fatal; why may
 * be NULL.
 */
#include <sys/types.h>

#include "strbuf.h"

/* What a file must satisfy beyond being a plain file; NULL: nothing. */
typedef struct SAFE_OPEN_OPTS {
    uid_t owner;        /* required owner, or SAFE_OPEN_ANY_OWNER */
    mode_t forbid_mode; /* permission bits that must be clear, e.g. 022 */
    int one_link;       /* refuse a file with more than one hard link */
} SAFE_OPEN_OPTS;

#define SAFE_OPEN_ANY_OWNER ((uid_t) -1)

/* Rounds of "open the existing file, else create it" before giving up. */
#define SAFE_OPEN_TRIES 10

extern int safe_open(const char *path, int flags, mode_t mode,
                     const SAFE_OPEN_OPTS *opts, STRBUF *why);
extern int safe_open_check(int fd, const char *path, const SAFE_OPEN_OPTS *opts,
                           STRBUF *why);
extern int safe_open_check_dir(const char *path, const SAFE_OPEN_OPTS *opts,
                               STRBUF *why);

#endif

/*
 * set_eugid - act as another user for a while.
 *
 * set_eugid(uid, gid) makes uid and gid the effective user and group and
 * gid the only supplementary group, so that files are opened and created
 * with exactly the recipient's rights; the real and saved IDs stay root,
 * so set_eugid_restore() can switch back to root (group root, no other
 * groups).  Both require a process whose real user is root
 * (set_eugid_privileged() says whether it is); in a process that is not,
 * they do nothing (tests that run everything as one user).  Failing to
 * switch is fatal: going on would touch a mailbox with the wrong rights.
 */
#include <errno.h>
#include <grp.h>
#include <string.h>
#include <unistd.h>

#include "msg.h"
#include "set_eugid.h"

/* set_eugid_privileged - may this process switch users? */
int
set_eugid_privileged(void)
{
    return getuid() == 0;
}

/* set_eugid - become uid/gid (effective), with gid as the only group */
void
set_eugid(uid_t uid, gid_t gid)
{
    if (!set_eugid_privileged())
        return;
    /* Back to root first: only root may change groups. */
    if (geteuid() != 0 && seteuid(0) < 0)
        msg_fatal("seteuid(0): %s", strerror(errno));
    if (setegid(gid) < 0)
        msg_fatal("setegid(%ld): %s", (long) gid, strerror(errno));
    if (setgroups(1, &gid) < 0)
        msg_fatal("setgroups(%ld): %s", (long) gid, strerror(errno));
    if (uid != 0 && seteuid(uid) < 0)
        msg_fatal("seteuid(%ld): %s", (long) uid, strerror(errno));
    if (msg_verbose)
        msg_info("set_eugid: euid %ld egid %ld", (long) uid, (long) gid);
}

/* set_eugid_restore - root again */
void
set_eugid_restore(void)
{
    set_eugid(0, 0);
}

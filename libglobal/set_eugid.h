#ifndef SET_EUGID_H
#define SET_EUGID_H

/*
 * set_eugid - switch the effective user and group of a root process (a
 * delivery agent acting for a recipient) and back.  See set_eugid.c.
 */
#include <sys/types.h>

extern void set_eugid(uid_t uid, gid_t gid);
extern void set_eugid_restore(void);
extern int set_eugid_privileged(void);

#endif

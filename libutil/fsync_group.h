#ifndef FSYNC_GROUP_H
#define FSYNC_GROUP_H

/*
 * fsync_group - a group commit of one folder's fsync() across processes.
 *
 * Several processes that each rename or link a name into the same
 * folder, and each need that name durable before they answer, can share
 * the folder's fsync(): a sync that started after a process's rename
 * covers that rename, so once such a sync has finished the process need
 * not start its own.  The state shared for one folder is a small file
 * (MAP_SHARED, and flock() as the lock): the number of syncs started and
 * the number of the latest one that finished without error.
 *
 * fsync_group_open(path) opens (creating, mode 0600, never through a
 * symbolic link) the state file of one folder and maps it; NULL with
 * errno on failure.  Every process that uses one folder must name the
 * same file, and one file must serve one folder only.  A state file
 * left by a crash (the count of finished syncs ahead of the count of
 * started ones, or a file that is not a state file) is reset first.
 *
 * fsync_group_ticket(g) is to be called after the rename or link (any
 * time before fsync_group_sync): the number of syncs started so far.
 * fsync_group_sync(g, ticket, dir_fd) returns 0 at once when a sync
 * numbered above ticket has finished; else it starts one (holding the
 * lock through the fsync(dir_fd), so that the processes waiting behind
 * it find themselves covered when it ends) and returns its result: 0,
 * or -1 with errno (a failed sync covers nobody).  fsync_group_free()
 * unmaps and closes.
 *
 * fsync_group_fsync_fn replaces fsync() (tests).  Nothing here is fatal.
 */
#include <stdint.h>

typedef struct FSYNC_GROUP FSYNC_GROUP;

extern FSYNC_GROUP *fsync_group_open(const char *path);
extern uint64_t fsync_group_ticket(const FSYNC_GROUP *g);
extern int fsync_group_sync(FSYNC_GROUP *g, uint64_t ticket, int dir_fd);
extern void fsync_group_free(FSYNC_GROUP *g);
extern int (*fsync_group_fsync_fn)(int fd);

#endif

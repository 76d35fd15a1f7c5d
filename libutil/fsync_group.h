#ifndef FSYNC_GROUP_H
#define FSYNC_GROUP_H

/*
 * fsync_group - a group commit of folder syncs across processes.
 *
 * Several processes that each rename or link a name into the same
 * folder, and each need that name durable before they answer, can share
 * the folder's fsync(): a sync that started after a process's rename
 * covers that rename, so once such a sync has finished the process need
 * not start its own.  The state is a small file that every process maps
 * (MAP_SHARED): a table of FSYNC_GROUP_SLOTS folders, each known by its
 * device and inode number, with the number of syncs started and the
 * number of the latest one that finished without error.  Each folder has
 * its own lock (an open file description lock on its slot's bytes), held
 * through its sync, so that the processes waiting behind a sync find
 * themselves covered when it ends; a sync of one folder never waits for
 * another's.
 *
 * fsync_group_open(path) opens the state file, creating it (mode 0600)
 * when missing, and maps it; NULL with errno on failure.  It refuses a
 * symbolic link (ELOOP), and anything but a regular file with one link
 * owned by the caller's effective user (EPERM): a process that runs as
 * root must not write into a file that another user could have linked
 * to one of root's.  A state file that is not one (a crash while it was
 * made, or garbage) is reset.
 *
 * fsync_group_ticket(g, dir_fd, t) is to be called after the rename or
 * link: it finds or takes the folder's slot and notes in *t the syncs of
 * that folder started so far.  0, or -1 with errno (fstat() failed, or
 * every slot the folder may use is busy: EAGAIN); after -1 the caller
 * syncs alone.  A slot taken over for another folder starts a new epoch,
 * so that an older ticket for it is never taken for covered.
 * fsync_group_sync(g, t, dir_fd) returns 0 at once when a sync of the
 * folder numbered above the ticket has finished; else it starts one,
 * holding the folder's lock through the fsync(dir_fd), and returns its
 * result: 0, or -1 with errno (a failed sync covers nobody).  A folder
 * whose slot went to another since the ticket is synced alone.
 * fsync_group_dir(g, path) syncs the folder that holds path (a name
 * just made there), taking the ticket and syncing at once; with g NULL,
 * or without a ticket, the folder syncs alone.  0 or -1 as fsync_dir().
 * fsync_group_free() unmaps and closes.
 *
 * fsync_group_fsync_fn replaces fsync() (tests).  Nothing here is fatal.
 */
#include <stdint.h>

#define FSYNC_GROUP_SLOTS 64

typedef struct FSYNC_GROUP FSYNC_GROUP;

typedef struct FSYNC_TICKET {
    int slot;       /* the folder's slot */
    uint64_t dev;   /* the folder */
    uint64_t ino;   /* " */
    uint64_t epoch; /* the slot's epoch when the ticket was taken */
    uint64_t count; /* syncs of the folder started before the ticket */
} FSYNC_TICKET;

extern FSYNC_GROUP *fsync_group_open(const char *path);
extern int fsync_group_ticket(FSYNC_GROUP *g, int dir_fd, FSYNC_TICKET *t);
extern int fsync_group_sync(FSYNC_GROUP *g, const FSYNC_TICKET *t, int dir_fd);
extern int fsync_group_dir(FSYNC_GROUP *g, const char *path);
extern void fsync_group_free(FSYNC_GROUP *g);
extern int (*fsync_group_fsync_fn)(int fd);

#endif

#ifndef MASTER_PROTO_H
#define MASTER_PROTO_H

/*
 * master_proto - the contract between master and the daemons it spawns.
 *
 * Descriptors a child finds open (everything else is closed):
 *   0, 1, 2             /dev/null
 *   MASTER_GEN_FD (4)   read end of the service's generation pipe.  The
 *                       master never writes to it; it closes its end when
 *                       the service is removed or changed by a reload, or
 *                       when master itself goes.  A child that sees EOF
 *                       here finishes its current client and exits.
 *   MASTER_STATUS_FD (5) write end of the service's status pipe: the
 *                       child reports MASTER_STATUS records (below).
 *   MASTER_LISTEN_FD (6) and up: the service's listening descriptors,
 *                       as many as -s says (one for each service type
 *                       today: a listening socket, or a FIFO opened
 *                       read-write).  Non-blocking.
 *
 * Command line (argv[0] is the program name from master.cf):
 *   -c CONFIG_DIR  the configuration folder (also in MAIL_CONFIG)
 *   -n NAME        the service name (master.cf column 1)
 *   -t TYPE        inet, unix, unix-dgram, fifo or pass (column 2)
 *   -s COUNT       listening descriptors from MASTER_LISTEN_FD on
 *   -r             chroot to queue_directory (column 5 "y")
 *   -u             run as mail_owner (column 4 "y"); without it the
 *                  daemon keeps root (local, virtual, pipe)
 *   -o NAME=VALUE  a main.cf override, from master.cf -o (repeated)
 *   -v             more logging (repeated)
 *   -w SECONDS     wakeup interval master uses (informational)
 *   then the rest of the master.cf command's arguments.
 * Environment: MAIL_CONFIG, and what import_environment names.
 *
 * Status records: a child writes one MASTER_STATUS with a single write()
 * (smaller than PIPE_BUF, so atomic): MASTER_STAT_AVAIL when it waits
 * for a client, MASTER_STAT_TAKEN when it has accepted one.  A child
 * starts out counted as available.  The master spawns another process
 * when a listener is readable and no child is available, up to maxproc.
 *
 * Wakeups: for a service with a wakeup time, master connects to (unix)
 * or opens (fifo) the service's endpoint every that many seconds and
 * writes TRIGGER_REQ_WAKEUP.
 */
#include <stdint.h>
#include <sys/types.h>

#define MASTER_GEN_FD    4
#define MASTER_STATUS_FD 5
#define MASTER_LISTEN_FD 6

#define MASTER_STAT_TAKEN 0 /* busy with a client */
#define MASTER_STAT_AVAIL 1 /* waiting for a client */

/* One status report, host byte order (the pipe never leaves the host). */
typedef struct MASTER_STATUS {
    int32_t pid;    /* the reporting child */
    int32_t status; /* MASTER_STAT_* */
} MASTER_STATUS;

/* master_notify - child side: report status; -1+errno when master is gone */
extern int master_notify(int status);

/* The pid-file lock that refuses a second master: queue_dir/pid/master.pid */
#define MASTER_PID_FILE "pid/master.pid"

#endif

/*
 * master_start - what master does once at start: descriptors, queue
 * folders, the pid lock, daemon mode.
 *
 * master_fds_init() closes inherited descriptors above 2 and makes sure
 * 0, 1 and 2 are open.  master_dirs_init() enters queue_directory and
 * creates private/ (0700, mail_owner), public/ (0710, mail_owner and
 * setgid_group) and pid/ (0755) when missing; ownership is set only as
 * root, and existing folders are left to `postern check`.
 *
 * The pid lock: queue_directory/pid/master.pid holds master's pid and an
 * fcntl() lock that master keeps for life (fcntl locks are per process
 * and vanish with it, so a crashed master never leaves a stale lock).
 * master_lock_test() returns 1 when a master holds it, else 0.
 * master_lock_take() takes it or exits ("already running as PID N");
 * master_lock_release() removes the file and drops the lock.
 *
 * master_daemonize() forks; the parent waits until the child calls
 * master_daemon_ready() (one byte over a pipe) and exits 0, or exits 1
 * when the child died first (its reason went to the shared stderr).  The
 * child becomes a session leader and gets the pipe's write end.
 * master_daemon_ready() sends stdin, stdout and stderr to /dev/null and
 * reports.  Failures here are fatal: master cannot run without them.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lock_file.h"
#include "mail_version.h"
#include "master.h"
#include "master_proto.h"
#include "msg.h"
#include "mymalloc.h"
#include "proc.h"

/* master_devnull - open /dev/null or die */
static int
master_devnull(void)
{
    int fd;

    if ((fd = open("/dev/null", O_RDWR)) < 0)
        msg_fatal("open /dev/null: %m");
    return fd;
}

/* master_fds_init - close what we inherited; keep 0, 1 and 2 open */
void
master_fds_init(void)
{
    int fd;

    proc_close_inherited(3);
    for (fd = 0; fd < 3; fd++)
        if (fcntl(fd, F_GETFD) < 0 && master_devnull() > 2)
            msg_fatal("master_fds_init: descriptor mix-up");
}

/* master_mkdir - create one folder when missing, with owner and mode */
static void
master_mkdir(const char *dir, mode_t mode, uid_t uid, gid_t gid, int is_root)
{
    struct stat sb;

    if (lstat(dir, &sb) == 0) {
        if (!S_ISDIR(sb.st_mode))
            msg_fatal("%s: not a folder", dir);
        return;
    }
    if (errno != ENOENT || mkdir(dir, mode) < 0)
        msg_fatal("create folder %s: %m", dir);
    if ((is_root && chown(dir, uid, gid) < 0) || chmod(dir, mode) < 0)
        msg_fatal("set owner and mode of %s: %m", dir);
    msg_info("created missing folder %s", dir);
}

/* master_dirs_init - enter queue_directory, create missing folders */
void
master_dirs_init(const MASTER_PARAMS *p, int is_root)
{
    if (chdir(p->queue_dir) < 0)
        msg_fatal("queue_directory %s: %m", p->queue_dir);
    master_mkdir("private", 0700, p->owner_uid, p->owner_gid, is_root);
    master_mkdir("public", 0710, p->owner_uid, p->setgid_gid, is_root);
    master_mkdir("pid", 0755, 0, 0, is_root);
}

/* master_lock_holder - pid of the process holding fd's lock, or 0 */
static long
master_lock_holder(int fd)
{
    struct flock fl;

    memset(&fl, 0, sizeof(fl));
    fl.l_type = F_WRLCK;
    fl.l_whence = SEEK_SET;
    if (fcntl(fd, F_GETLK, &fl) < 0 || fl.l_type == F_UNLCK)
        return 0;
    return fl.l_pid > 0 ? (long) fl.l_pid : -1;
}

/* master_lock_test - 1 when a master runs for queue_dir, else 0 */
int
master_lock_test(const char *queue_dir)
{
    STRBUF *path = strbuf_create(100);
    int fd;
    int running = 0;

    strbuf_sprintf(path, "%s/%s", queue_dir, MASTER_PID_FILE);
    if ((fd = open(STR(path), O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) >= 0) {
        running = master_lock_holder(fd) != 0;
        (void) close(fd);
    }
    strbuf_free(path);
    return running;
}

/* master_lock_take - lock the pid file and write our pid, or exit */
void
master_lock_take(MASTER *m)
{
    STRBUF *why = strbuf_create(100);
    char buf[32];
    long holder;
    int len;

    strbuf_sprintf(why, "%s/%s", m->params->queue_dir, MASTER_PID_FILE);
    m->pid_path = strbuf_export(why);
    why = strbuf_create(100);
    m->pid_fd =
        open(m->pid_path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
    if (m->pid_fd < 0)
        msg_fatal("open lock file %s: %m", m->pid_path);
    if (lock_file_fcntl(m->pid_fd, LOCK_FILE_EXCLUSIVE, 0, why) < 0) {
        if (errno != EAGAIN)
            msg_fatal("lock %s: %s", m->pid_path, STR(why));
        holder = master_lock_holder(m->pid_fd);
        msg_fatal("the %s master is already running as PID %ld", MAIL_NAME,
                  holder);
    }
    len = snprintf(buf, sizeof(buf), "%ld\n", (long) getpid());
    if (ftruncate(m->pid_fd, 0) < 0 || pwrite(m->pid_fd, buf, len, 0) != len)
        msg_fatal("write %s: %m", m->pid_path);
    strbuf_free(why);
}

/* master_lock_release - remove the pid file and drop the lock */
void
master_lock_release(MASTER *m)
{
    if (m->pid_fd < 0)
        return;
    if (unlink(m->pid_path) < 0 && errno != ENOENT)
        msg_warn("remove %s: %m", m->pid_path);
    (void) close(m->pid_fd);
    m->pid_fd = -1;
}

/* master_daemonize - fork into the background; returns the ready pipe */
int
master_daemonize(void)
{
    int fds[2];
    pid_t pid;
    char byte;
    ssize_t n;

    if (pipe2(fds, O_CLOEXEC) < 0)
        msg_fatal("pipe: %m");
    if ((pid = fork()) < 0)
        msg_fatal("fork: %m");
    if (pid > 0) {
        /* The parent: wait for the child's word, then go. */
        (void) close(fds[1]);
        while ((n = read(fds[0], &byte, 1)) < 0 && errno == EINTR)
            /* void */;
        if (n == 1)
            _exit(0);
        /* The child died: collect it, it said why on our stderr. */
        (void) waitpid(pid, NULL, 0);
        _exit(1);
    }
    (void) close(fds[0]);
    if (setsid() < 0)
        msg_fatal("setsid: %m");
    return fds[1];
}

/* master_daemon_ready - detach from the terminal; tell the parent */
void
master_daemon_ready(int ready_fd)
{
    int fd;

    if (ready_fd < 0)
        return;
    fd = master_devnull();
    if (dup2(fd, 0) < 0 || dup2(fd, 1) < 0 || dup2(fd, 2) < 0)
        msg_fatal("dup2 /dev/null: %m");
    if (fd > 2)
        (void) close(fd);
    if (write(ready_fd, "", 1) != 1)
        msg_warn("tell the parent process we are ready: %m");
    (void) close(ready_fd);
}

/*
 * fsync_group - a group commit of one folder's fsync() across processes.
 * See fsync_group.h.
 *
 * Why a later sync covers an earlier rename: fsync() of a folder writes
 * what is dirty in it when the call begins and then flushes the disk's
 * cache, so every entry made before the call is durable once it
 * returns 0.  A ticket is read after the rename; a sync numbered above
 * the ticket incremented the count after that read, so it began after
 * the rename.  "done" only moves up, to the number of a sync that
 * finished without error, all under the lock.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fsync_group.h"
#include "mymalloc.h"

#define FSYNC_GROUP_MAGIC 0x50534731u /* "PSG1" */

/* The shared state, at the start of the file. */
typedef struct FSYNC_GROUP_STATE {
    uint32_t magic;
    uint32_t pad;
    uint64_t started; /* syncs started, ever */
    uint64_t done;    /* the number of the latest one that succeeded */
} FSYNC_GROUP_STATE;

struct FSYNC_GROUP {
    int fd;
    FSYNC_GROUP_STATE *st;
};

int (*fsync_group_fsync_fn)(int fd) = fsync;

/* group_lock - flock() through EINTR; 0 or -1 */
static int
group_lock(int fd, int op)
{
    int ret;

    while ((ret = flock(fd, op)) < 0 && errno == EINTR)
        /* void */;
    return ret;
}

/* group_fail - close what fsync_group_open() had; NULL, errno kept */
static FSYNC_GROUP *
group_fail(int fd, void *map)
{
    int saved = errno;

    if (map != NULL && map != MAP_FAILED)
        (void) munmap(map, sizeof(FSYNC_GROUP_STATE));
    if (fd >= 0)
        (void) close(fd);
    errno = saved;
    return NULL;
}

/* fsync_group_open - the shared state of one folder's syncs */
FSYNC_GROUP *
fsync_group_open(const char *path)
{
    FSYNC_GROUP_STATE *st;
    FSYNC_GROUP *g;
    struct stat sb;
    int fd;

    fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0)
        return NULL;
    if (fstat(fd, &sb) < 0)
        return group_fail(fd, NULL);
    if (!S_ISREG(sb.st_mode)) {
        errno = EINVAL;
        return group_fail(fd, NULL);
    }
    if (group_lock(fd, LOCK_EX) < 0)
        return group_fail(fd, NULL);
    if ((size_t) sb.st_size < sizeof(*st) && ftruncate(fd, sizeof(*st)) < 0)
        return group_fail(fd, NULL);
    st = mmap(NULL, sizeof(*st), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (st == MAP_FAILED)
        return group_fail(fd, st);
    /* A crash may leave anything here: start again from a state that
     * claims no finished sync beyond the started ones. */
    if (st->magic != FSYNC_GROUP_MAGIC) {
        memset(st, 0, sizeof(*st));
        st->magic = FSYNC_GROUP_MAGIC;
    }
    if (st->done > st->started)
        st->done = st->started;
    (void) group_lock(fd, LOCK_UN);
    g = mymalloc(sizeof(*g));
    g->fd = fd;
    g->st = st;
    return g;
}

/* fsync_group_ticket - syncs started so far; read after the rename */
uint64_t
fsync_group_ticket(const FSYNC_GROUP *g)
{
    return __atomic_load_n(&g->st->started, __ATOMIC_ACQUIRE);
}

/* fsync_group_sync - the folder durable as of the ticket; 0 or -1 */
int
fsync_group_sync(FSYNC_GROUP *g, uint64_t ticket, int dir_fd)
{
    uint64_t n;
    int ret;
    int saved;

    if (group_lock(g->fd, LOCK_EX) < 0)
        return fsync_group_fsync_fn(dir_fd); /* alone, then */
    if (__atomic_load_n(&g->st->done, __ATOMIC_ACQUIRE) > ticket) {
        (void) group_lock(g->fd, LOCK_UN);
        return 0;
    }
    n = __atomic_add_fetch(&g->st->started, 1, __ATOMIC_ACQ_REL);
    ret = fsync_group_fsync_fn(dir_fd);
    saved = errno;
    if (ret == 0 && n > g->st->done)
        __atomic_store_n(&g->st->done, n, __ATOMIC_RELEASE);
    (void) group_lock(g->fd, LOCK_UN);
    errno = saved;
    return ret;
}

/* fsync_group_free - unmap and close */
void
fsync_group_free(FSYNC_GROUP *g)
{
    if (g == NULL)
        return;
    (void) munmap(g->st, sizeof(*g->st));
    (void) close(g->fd);
    myfree(g);
}

/*
 * fsync_group - a group commit of folder syncs across processes.
 * See fsync_group.h.
 *
 * Why a later sync covers an earlier rename: fsync() of a folder writes
 * what is dirty in it when the call begins and then flushes the disk's
 * cache, so every entry made before the call is durable once it
 * returns 0.  A ticket is read after the rename; a sync numbered above
 * the ticket incremented the count after that read, so it began after
 * the rename.  A slot's "done" only moves up, to the number of a sync
 * that finished without error, under the slot's lock.
 *
 * Locks: byte 0 of the file is the table's lock (finding or taking a
 * slot); each slot's bytes are that slot's lock (its sync).  They are
 * open file description locks, so that they are per process here (one
 * open per process) and go when the process dies.  Taking a slot over
 * needs both, and only tries the slot's lock, so a sync in progress is
 * never waited for under the table's lock.
 */
#include <errno.h>
#include <linux/futex.h>
#include <fcntl.h>
#include <stddef.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "fsync_dir.h"
#include "fsync_group.h"
#include "mymalloc.h"

#define FSYNC_GROUP_MAGIC  0x50534733u /* "PSG3" */
#define FSYNC_GROUP_PROBES 8           /* slots a folder may use */
#define SYNC_WAIT_MS       100         /* one wait for a running sync */
#define SYNC_WAITS         64          /* and at most this many in a row */

/* One folder's syncs. */
typedef struct FSYNC_GROUP_SLOT {
    uint64_t used;    /* 1 when dev/ino name a folder */
    uint64_t dev;     /* the folder */
    uint64_t ino;     /* " */
    uint64_t epoch;   /* up by two as the slot changes folder (odd meanwhile) */
    uint64_t started; /* syncs of the folder started in this epoch */
    uint64_t done;    /* the number of the latest one that succeeded */
    uint32_t wake;    /* futex word: up by one as each sync ends */
    uint32_t pad;
    uint64_t spare;
} FSYNC_GROUP_SLOT;

/* The shared state: the whole file. */
typedef struct FSYNC_GROUP_STATE {
    uint32_t magic;
    uint32_t slots;
    uint64_t pad;
    FSYNC_GROUP_SLOT slot[FSYNC_GROUP_SLOTS];
} FSYNC_GROUP_STATE;

struct FSYNC_GROUP {
    int fd;
    FSYNC_GROUP_STATE *st;
};

int (*fsync_group_fsync_fn)(int fd) = fsync;

/* The bytes that stand for the table's lock, and for a slot's. */
#define TABLE_LOCK_START 0
#define TABLE_LOCK_LEN   1
#define SLOT_START(i)                                                          \
    ((off_t) offsetof(FSYNC_GROUP_STATE, slot) +                               \
     (off_t) (i) * (off_t) sizeof(FSYNC_GROUP_SLOT))

/* range_lock - an OFD lock of len bytes at start; F_UNLCK unlocks; cmd
 * F_OFD_SETLKW waits, F_OFD_SETLK does not (EAGAIN); 0 or -1 */
static int
range_lock(int fd, int cmd, short type, off_t start, off_t len)
{
    struct flock fl;
    int ret;

    memset(&fl, 0, sizeof(fl));
    fl.l_type = type;
    fl.l_whence = SEEK_SET;
    fl.l_start = start;
    fl.l_len = len;
    while ((ret = fcntl(fd, cmd, &fl)) < 0 && errno == EINTR)
        /* void */;
    return ret;
}

#define TABLE_LOCK(g)                                                          \
    range_lock((g)->fd, F_OFD_SETLKW, F_WRLCK, TABLE_LOCK_START, TABLE_LOCK_LEN)
#define TABLE_UNLOCK(g)                                                        \
    (void) range_lock((g)->fd, F_OFD_SETLK, F_UNLCK, TABLE_LOCK_START,         \
                      TABLE_LOCK_LEN)
#define SLOT_LOCK(g, i, cmd)                                                   \
    range_lock((g)->fd, (cmd), F_WRLCK, SLOT_START(i),                         \
               (off_t) sizeof(FSYNC_GROUP_SLOT))
#define SLOT_UNLOCK(g, i)                                                      \
    (void) range_lock((g)->fd, F_OFD_SETLK, F_UNLCK, SLOT_START(i),            \
                      (off_t) sizeof(FSYNC_GROUP_SLOT))

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

/* state_sane - make a state file's content one that claims nothing */
static void
state_sane(FSYNC_GROUP_STATE *st)
{
    int i;

    if (st->magic != FSYNC_GROUP_MAGIC || st->slots != FSYNC_GROUP_SLOTS) {
        memset(st, 0, sizeof(*st));
        st->magic = FSYNC_GROUP_MAGIC;
        st->slots = FSYNC_GROUP_SLOTS;
        return;
    }
    /* A crash may leave anything: no finished sync beyond the started. */
    for (i = 0; i < FSYNC_GROUP_SLOTS; i++) {
        /* A change of hands cut short: the slot serves nobody. */
        if (st->slot[i].epoch & 1) {
            st->slot[i].used = 0;
            st->slot[i].epoch++;
        }
        if (st->slot[i].done > st->slot[i].started)
            st->slot[i].done = st->slot[i].started;
    }
}

/* fsync_group_open - the shared state of folder syncs */
FSYNC_GROUP *
fsync_group_open(const char *path)
{
    FSYNC_GROUP_STATE *st;
    FSYNC_GROUP *g;
    struct stat sb;
    int fd;

    fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC,
              0600);
    if (fd < 0)
        return NULL;
    if (fstat(fd, &sb) < 0)
        return group_fail(fd, NULL);
    if (!S_ISREG(sb.st_mode) || sb.st_nlink != 1 || sb.st_uid != geteuid()) {
        errno = EPERM;
        return group_fail(fd, NULL);
    }
    if (range_lock(fd, F_OFD_SETLKW, F_WRLCK, TABLE_LOCK_START,
                   TABLE_LOCK_LEN) < 0)
        return group_fail(fd, NULL);
    if (sb.st_size != (off_t) sizeof(*st) && ftruncate(fd, sizeof(*st)) < 0)
        return group_fail(fd, NULL); /* closing drops the lock */
    st = mmap(NULL, sizeof(*st), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (st == MAP_FAILED)
        return group_fail(fd, st);
    state_sane(st);
    (void) range_lock(fd, F_OFD_SETLK, F_UNLCK, TABLE_LOCK_START,
                      TABLE_LOCK_LEN);
    g = mymalloc(sizeof(*g));
    g->fd = fd;
    g->st = st;
    return g;
}

/* slot_hash - where a folder's slots start */
static int
slot_hash(uint64_t dev, uint64_t ino)
{
    uint64_t h = (ino ^ (dev << 32 | dev >> 32)) * 0x9E3779B97F4A7C15ull;

    return (int) (h >> 58) % FSYNC_GROUP_SLOTS;
}

/*
 * slot_take - give slot i to the folder dev/ino, in a new epoch.  The
 * epoch is odd while the slot changes (a sequence lock): a reader that
 * finds it odd, or changed by the end of its read, takes nothing from
 * the slot without the lock.
 */
static void
slot_take(FSYNC_GROUP_SLOT *s, uint64_t dev, uint64_t ino)
{
    __atomic_add_fetch(&s->epoch, 1, __ATOMIC_SEQ_CST); /* odd */
    __atomic_store_n(&s->dev, dev, __ATOMIC_SEQ_CST);
    __atomic_store_n(&s->ino, ino, __ATOMIC_SEQ_CST);
    __atomic_store_n(&s->started, 0, __ATOMIC_SEQ_CST);
    __atomic_store_n(&s->done, 0, __ATOMIC_SEQ_CST);
    __atomic_store_n(&s->used, 1, __ATOMIC_SEQ_CST);
    __atomic_add_fetch(&s->epoch, 1, __ATOMIC_SEQ_CST); /* even again */
}

/*
 * slot_peek - a ticket from the folder's slot without the table's lock,
 * when the slot is the folder's and did not change while read (an even
 * epoch, the same before and after); 0, or -1 (then the lock).
 */
static int
slot_peek(FSYNC_GROUP *g, int i, uint64_t dev, uint64_t ino, FSYNC_TICKET *t)
{
    FSYNC_GROUP_SLOT *s = &g->st->slot[i];
    uint64_t epoch = __atomic_load_n(&s->epoch, __ATOMIC_SEQ_CST);

    if ((epoch & 1) || !__atomic_load_n(&s->used, __ATOMIC_SEQ_CST) ||
        __atomic_load_n(&s->dev, __ATOMIC_SEQ_CST) != dev ||
        __atomic_load_n(&s->ino, __ATOMIC_SEQ_CST) != ino)
        return -1;
    t->count = __atomic_load_n(&s->started, __ATOMIC_SEQ_CST);
    if (__atomic_load_n(&s->epoch, __ATOMIC_SEQ_CST) != epoch)
        return -1;
    t->slot = i;
    t->dev = dev;
    t->ino = ino;
    t->epoch = epoch;
    return 0;
}

/*
 * slot_covered - without the lock: 1 when the ticket's slot is still in
 * the ticket's epoch (so still its folder's: every change of hands moves
 * the epoch) and a sync numbered above the ticket has finished; else 0
 */
static int
slot_covered(FSYNC_GROUP_SLOT *s, const FSYNC_TICKET *t)
{
    uint64_t done;

    if (__atomic_load_n(&s->epoch, __ATOMIC_SEQ_CST) != t->epoch)
        return 0;
    done = __atomic_load_n(&s->done, __ATOMIC_SEQ_CST);
    return __atomic_load_n(&s->epoch, __ATOMIC_SEQ_CST) == t->epoch &&
           done > t->count;
}

/* slot_find - the folder's slot, taking a free or idle one; -1: none */
static int
slot_find(FSYNC_GROUP *g, uint64_t dev, uint64_t ino)
{
    int first = slot_hash(dev, ino);
    int free_slot = -1;
    int i;
    int n;

    for (n = 0; n < FSYNC_GROUP_PROBES; n++) {
        i = (first + n) % FSYNC_GROUP_SLOTS;
        if (!g->st->slot[i].used) {
            if (free_slot < 0)
                free_slot = i;
        } else if (g->st->slot[i].dev == dev && g->st->slot[i].ino == ino) {
            return i;
        }
    }
    /* No sync runs in a slot no folder uses. */
    if (free_slot >= 0) {
        slot_take(&g->st->slot[free_slot], dev, ino);
        return free_slot;
    }
    /* Take over a slot whose folder is not being synced right now. */
    for (n = 0; n < FSYNC_GROUP_PROBES; n++) {
        i = (first + n) % FSYNC_GROUP_SLOTS;
        if (SLOT_LOCK(g, i, F_OFD_SETLK) == 0) {
            slot_take(&g->st->slot[i], dev, ino);
            SLOT_UNLOCK(g, i);
            return i;
        }
    }
    errno = EAGAIN;
    return -1;
}

/* fsync_group_ticket - the folder's syncs started so far; after rename */
int
fsync_group_ticket(FSYNC_GROUP *g, int dir_fd, FSYNC_TICKET *t)
{
    struct stat sb;
    int i;

    if (fstat(dir_fd, &sb) < 0)
        return -1;
    /* Most tickets: the folder already has the first slot it may use. */
    if (slot_peek(g, slot_hash((uint64_t) sb.st_dev, (uint64_t) sb.st_ino),
                  (uint64_t) sb.st_dev, (uint64_t) sb.st_ino, t) == 0)
        return 0;
    if (TABLE_LOCK(g) < 0)
        return -1;
    if ((i = slot_find(g, (uint64_t) sb.st_dev, (uint64_t) sb.st_ino)) < 0) {
        int saved = errno;

        TABLE_UNLOCK(g);
        errno = saved;
        return -1;
    }
    t->slot = i;
    t->dev = (uint64_t) sb.st_dev;
    t->ino = (uint64_t) sb.st_ino;
    t->epoch = __atomic_load_n(&g->st->slot[i].epoch, __ATOMIC_SEQ_CST);
    t->count = __atomic_load_n(&g->st->slot[i].started, __ATOMIC_SEQ_CST);
    TABLE_UNLOCK(g);
    return 0;
}

/*
 * sync_wait - wait until the slot's wake word moves from w (a sync ended),
 * at most SYNC_WAIT_MS: 0, or -1 on the time limit.  A shared futex: the
 * word lives in a file mapping.
 */
static int
sync_wait(FSYNC_GROUP_SLOT *s, uint32_t w)
{
    struct timespec ts = {0, SYNC_WAIT_MS * 1000000L};

    if (syscall(SYS_futex, &s->wake, FUTEX_WAIT, w, &ts, NULL, 0) < 0 &&
        errno == ETIMEDOUT)
        return -1;
    return 0;
}

/*
 * fsync_group_sync - the folder durable as of the ticket; 0 or -1.
 *
 * Nobody queues for the lock while a sync runs: a process that finds
 * the lock held waits for that sync to end (the wake word), then looks
 * again, so that a sync that covers it is seen as soon as it ends, not
 * after a sync that another process began in the meantime.  Only a sync
 * that outlasts SYNC_WAIT_MS sends it to wait for the lock itself.
 */
int
fsync_group_sync(FSYNC_GROUP *g, const FSYNC_TICKET *t, int dir_fd)
{
    FSYNC_GROUP_SLOT *s;
    uint64_t n;
    uint32_t w;
    int locked = 0;
    int ret;
    int saved;
    int waits;

    if (t->slot < 0 || t->slot >= FSYNC_GROUP_SLOTS)
        return fsync_group_fsync_fn(dir_fd);
    s = &g->st->slot[t->slot];
    for (waits = 0; waits < SYNC_WAITS; waits++) {
        w = __atomic_load_n(&s->wake, __ATOMIC_SEQ_CST);
        if (__atomic_load_n(&s->epoch, __ATOMIC_SEQ_CST) != t->epoch)
            break;
        if (slot_covered(s, t))
            return 0;
        if (SLOT_LOCK(g, t->slot, F_OFD_SETLK) == 0) {
            locked = 1;
            break;
        }
        if ((errno != EAGAIN && errno != EACCES) || sync_wait(s, w) < 0)
            break;
    }
    if (!locked && SLOT_LOCK(g, t->slot, F_OFD_SETLKW) < 0)
        return fsync_group_fsync_fn(dir_fd); /* alone, then */
    if (!s->used || s->dev != t->dev || s->ino != t->ino ||
        s->epoch != t->epoch) {
        /* The slot went to another folder: no count here is ours. */
        SLOT_UNLOCK(g, t->slot);
        return fsync_group_fsync_fn(dir_fd);
    }
    if (__atomic_load_n(&s->done, __ATOMIC_SEQ_CST) > t->count) {
        SLOT_UNLOCK(g, t->slot);
        return 0;
    }
    n = __atomic_add_fetch(&s->started, 1, __ATOMIC_SEQ_CST);
    ret = fsync_group_fsync_fn(dir_fd);
    saved = errno;
    if (ret == 0 && n > s->done)
        __atomic_store_n(&s->done, n, __ATOMIC_SEQ_CST);
    /* Wake whoever waits for this sync's end, then let the next in. */
    __atomic_add_fetch(&s->wake, 1, __ATOMIC_SEQ_CST);
    (void) syscall(SYS_futex, &s->wake, FUTEX_WAKE, INT32_MAX, NULL, NULL, 0);
    SLOT_UNLOCK(g, t->slot);
    errno = saved;
    return ret;
}

/* fsync_group_dir - sync the folder that holds path, in the group */
int
fsync_group_dir(FSYNC_GROUP *g, const char *path)
{
    FSYNC_TICKET t;
    int fd;
    int ret;
    int err;

    if (g == NULL)
        return fsync_dir(path);
    if ((fd = fsync_dir_open(path)) < 0)
        return -1;
    if (fsync_group_ticket(g, fd, &t) == 0)
        ret = fsync_group_sync(g, &t, fd);
    else
        ret = fsync_group_fsync_fn(fd);
    if (ret < 0 && errno == EINVAL) /* as fsync_dir(): nothing to do */
        ret = 0;
    err = errno;
    (void) close(fd);
    errno = err;
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

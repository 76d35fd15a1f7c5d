/*
 * mail_queue - queue names, queue IDs and the paths of queue files.
 *
 * mail_queue_create() keeps queue_directory and the hashing parameters;
 * mail_queue_free() releases them and returns NULL.
 *
 * IDs: mail_queue_id_make() encodes a time and an inode number as an ID
 * (docs/queue-format.md); mail_queue_id_ok() accepts exactly the strings
 * it can produce (so an accepted ID holds no '/', '.' or anything but the
 * alphabet), and mail_queue_id_time() decodes the time back.  The
 * alphabet is the ten digits and the consonants of both cases, in ASCII
 * order, so that IDs of equal length compare as their values; vowels are
 * left out so that no ID spells a word.
 *
 * Paths: mail_queue_dir() and mail_queue_path() give the folder and the
 * file of an ID in a queue; a hashed queue (hash_queue_names) has
 * hash_queue_depth levels of subfolders named by the ID's microsecond
 * characters, lowest order first, which change fastest and so spread
 * files evenly.  mail_queue_mkdirs() creates those subfolders.
 *
 * Files: mail_queue_enter() creates a new file in a queue under a
 * temporary name (O_CREAT|O_EXCL|O_NOFOLLOW, mode 0600), makes its ID from
 * the arrival time and its inode and gives it that name; it returns the
 * open descriptor (the caller's) and the ID.  IDs a process makes are
 * strictly increasing even when the clock stands still or steps back.
 * mail_queue_rename() moves a file between queues, creating missing
 * subfolders; mail_queue_remove() unlinks one; mail_queue_open_read()
 * opens one for reading only when it is a plain file marked complete
 * (owner execute bit), and returns a descriptor the caller owns;
 * mail_queue_open() does the same for O_RDWR (marking recipients done).
 *
 * All of these return 0 (or a descriptor), or -1 with errno set and a
 * reason in why; nothing is fatal but a bad hash_queue_depth.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "argv.h"
#include "clock_ms.h"
#include "mail_queue.h"
#include "msg.h"
#include "mymalloc.h"

struct MAIL_QUEUE {
    char *top;        /* queue_directory */
    ARGV *hash_names; /* hash_queue_names */
    int hash_depth;   /* hash_queue_depth */
    long spare_limit; /* queue_file_reuse_limit; 0: no reuse */
};

/* The ID alphabet, in ASCII order; inode numbers leave out the last. */
static const char id_alpha[] =
    "0123456789BCDFGHJKLMNPQRSTVWXYZbcdfghjklmnpqrstvwxyz";
#define ID_BASE       52
#define ID_INODE_BASE 51

/* Tries at a fresh name before mail_queue_enter() gives up. */
#define ENTER_TRIES 10

static const char *const queue_names[] = {
    MAIL_QUEUE_INCOMING, MAIL_QUEUE_ACTIVE,  MAIL_QUEUE_DEFERRED,
    MAIL_QUEUE_HOLD,     MAIL_QUEUE_CORRUPT, MAIL_QUEUE_MAILDROP,
    MAIL_QUEUE_BOUNCE,   MAIL_QUEUE_DEFER,   MAIL_QUEUE_TRACE,
    MAIL_QUEUE_SAVED,    MAIL_QUEUE_SPARE,   NULL,
};

/* mail_queue_create - queue_directory and its hashing parameters */
MAIL_QUEUE *
mail_queue_create(const char *queue_dir, const char *hash_names, int hash_depth)
{
    MAIL_QUEUE *mq;

    if (hash_depth < 1 || hash_depth > MAIL_QUEUE_DEPTH_MAX)
        msg_fatal("hash_queue_depth: %d: must be 1 to %d", hash_depth,
                  MAIL_QUEUE_DEPTH_MAX);
    mq = mymalloc(sizeof(*mq));
    mq->top = mystrdup(queue_dir);
    mq->hash_names = argv_split(hash_names ? hash_names : "", ", \t\r\n");
    mq->hash_depth = hash_depth;
    mq->spare_limit = 0;
    return mq;
}

/* mail_queue_free - release it; NULL */
MAIL_QUEUE *
mail_queue_free(MAIL_QUEUE *mq)
{
    if (mq) {
        myfree(mq->top);
        argv_free(mq->hash_names);
        myfree(mq);
    }
    return NULL;
}

/* mail_queue_top - queue_directory */
const char *
mail_queue_top(const MAIL_QUEUE *mq)
{
    return mq->top;
}

/* mail_queue_names - the NULL-terminated list of queue names */
const char *const *
mail_queue_names(void)
{
    return queue_names;
}

/* mail_queue_name_ok - whether queue is one of ours */
int
mail_queue_name_ok(const char *queue)
{
    size_t i;

    for (i = 0; queue && queue_names[i]; i++)
        if (strcmp(queue, queue_names[i]) == 0)
            return 1;
    return 0;
}

/* mail_queue_hashed - whether queue has hash subfolders */
int
mail_queue_hashed(const MAIL_QUEUE *mq, const char *queue)
{
    size_t i;

    for (i = 0; i < mq->hash_names->argc; i++)
        if (strcmp(queue, mq->hash_names->argv[i]) == 0)
            return 1;
    return 0;
}

/* id_digit - value of an ID character below base, or -1 */
static int
id_digit(int ch, int base)
{
    const char *cp = ch ? strchr(id_alpha, ch) : NULL;

    if (cp == NULL || cp - id_alpha >= base)
        return -1;
    return (int) (cp - id_alpha);
}

/* id_decode - len characters in base as a number; -1: bad or too big */
static int
id_decode(const char *cp, size_t len, int base, unsigned long long *val)
{
    int d;

    for (*val = 0; len > 0; len--, cp++) {
        if ((d = id_digit((unsigned char) *cp, base)) < 0)
            return -1;
        if (*val > (ULLONG_MAX - (unsigned) d) / (unsigned) base)
            return -1;
        *val = *val * (unsigned) base + (unsigned) d;
    }
    return 0;
}

/* id_encode - val in base, width characters (0: as many as needed) */
static void
id_encode(STRBUF *out, unsigned long long val, int base, int width)
{
    char buf[32];
    int n = 0;

    do {
        buf[n++] = id_alpha[val % (unsigned) base];
        val /= (unsigned) base;
    } while ((val || n < width) && n < (int) sizeof(buf));
    while (n > 0)
        strbuf_addch(out, buf[--n]);
}

/* mail_queue_id_make - the ID of a file that arrived at tv with inode ino */
void
mail_queue_id_make(STRBUF *out, const struct timeval *tv, ino_t ino)
{
    if (tv->tv_sec < 0 || tv->tv_usec < 0 || tv->tv_usec >= 1000000)
        msg_panic("mail_queue_id_make: bad time %lld.%06ld",
                  (long long) tv->tv_sec, (long) tv->tv_usec);
    strbuf_reset(out);
    id_encode(out, (unsigned long long) tv->tv_sec, ID_BASE,
              MAIL_QUEUE_ID_SEC_LEN);
    if (LEN(out) != MAIL_QUEUE_ID_SEC_LEN)
        msg_panic("mail_queue_id_make: time %lld out of range",
                  (long long) tv->tv_sec);
    id_encode(out, (unsigned long long) tv->tv_usec, ID_BASE,
              MAIL_QUEUE_ID_USEC_LEN);
    strbuf_addch(out, MAIL_QUEUE_ID_SEP);
    id_encode(out, (unsigned long long) ino, ID_INODE_BASE, 0);
}

/* mail_queue_id_time - the arrival time in an ID; 0, or -1 if bad */
int
mail_queue_id_time(const char *id, struct timeval *tv)
{
    unsigned long long sec;
    unsigned long long usec;

    if (!mail_queue_id_ok(id))
        return -1;
    (void) id_decode(id, MAIL_QUEUE_ID_SEC_LEN, ID_BASE, &sec);
    (void) id_decode(id + MAIL_QUEUE_ID_SEC_LEN, MAIL_QUEUE_ID_USEC_LEN,
                     ID_BASE, &usec);
    tv->tv_sec = (time_t) sec;
    tv->tv_usec = (suseconds_t) usec;
    return 0;
}

/* mail_queue_id_ok - whether id is exactly what mail_queue_id_make makes */
int
mail_queue_id_ok(const char *id)
{
    unsigned long long val;
    size_t len;
    const char *ino;

    if (id == NULL ||
        (len = strnlen(id, MAIL_QUEUE_ID_MAX + 1)) < MAIL_QUEUE_ID_MIN ||
        len > MAIL_QUEUE_ID_MAX)
        return 0;
    if (id_decode(id, MAIL_QUEUE_ID_SEC_LEN, ID_BASE, &val) < 0)
        return 0;
    if (id_decode(id + MAIL_QUEUE_ID_SEC_LEN, MAIL_QUEUE_ID_USEC_LEN, ID_BASE,
                  &val) < 0 ||
        val >= 1000000)
        return 0;
    if (id[MAIL_QUEUE_ID_TIME_LEN] != MAIL_QUEUE_ID_SEP)
        return 0;
    ino = id + MAIL_QUEUE_ID_TIME_LEN + 1;
    /* One spelling per number: no leading zeros, no overflow. */
    if (ino[0] == '0' && ino[1] != 0)
        return 0;
    return id_decode(ino, strlen(ino), ID_INODE_BASE, &val) == 0;
}

/* check_args - validate queue and ID before they become a path */
static int
check_args(const char *queue, const char *id, STRBUF *why)
{
    if (!mail_queue_name_ok(queue)) {
        strbuf_sprintf(why, "bad queue name \"%.40s\"", queue ? queue : "");
        errno = EINVAL;
        return -1;
    }
    if (!mail_queue_id_ok(id)) {
        strbuf_sprintf(why, "bad queue ID \"%.40s\"", id ? id : "");
        errno = EINVAL;
        return -1;
    }
    return 0;
}

/* mail_queue_dir - the folder that holds id in queue; 0 or -1 */
int
mail_queue_dir(const MAIL_QUEUE *mq, STRBUF *out, const char *queue,
               const char *id, STRBUF *why)
{
    int level;

    if (check_args(queue, id, why) < 0)
        return -1;
    strbuf_sprintf(out, "%s/%s", mq->top, queue);
    if (mail_queue_hashed(mq, queue))
        for (level = 0; level < mq->hash_depth; level++)
            strbuf_sprintf_cat(out, "/%c",
                               id[MAIL_QUEUE_ID_TIME_LEN - 1 - level]);
    return 0;
}

/* mail_queue_path - the file of id in queue; 0 or -1 */
int
mail_queue_path(const MAIL_QUEUE *mq, STRBUF *out, const char *queue,
                const char *id, STRBUF *why)
{
    if (mail_queue_dir(mq, out, queue, id, why) < 0)
        return -1;
    strbuf_sprintf_cat(out, "/%s", id);
    return 0;
}

/* mail_queue_mkdirs - create the hash subfolders of id in queue */
int
mail_queue_mkdirs(const MAIL_QUEUE *mq, const char *queue, const char *id,
                  STRBUF *why)
{
    STRBUF *dir = strbuf_create(100);
    int level;
    int ret = 0;

    if (check_args(queue, id, why) < 0) {
        strbuf_free(dir);
        return -1;
    }
    strbuf_sprintf(dir, "%s/%s", mq->top, queue);
    for (level = 0;
         ret == 0 && mail_queue_hashed(mq, queue) && level < mq->hash_depth;
         level++) {
        strbuf_sprintf_cat(dir, "/%c", id[MAIL_QUEUE_ID_TIME_LEN - 1 - level]);
        if (mkdir(STR(dir), 0700) < 0 && errno != EEXIST) {
            strbuf_sprintf(why, "mkdir %s: %s", STR(dir), strerror(errno));
            ret = -1;
        }
    }
    strbuf_free(dir);
    return ret;
}

/* next_time - now, or just after the last time this process used */
static void
next_time(struct timeval *tv)
{
    static struct timeval last;

    gettimeofday(tv, NULL);
    if (timercmp(tv, &last, <=)) {
        *tv = last;
        if (++tv->tv_usec >= 1000000) {
            tv->tv_sec++;
            tv->tv_usec = 0;
        }
    }
    last = *tv;
}

/* enter_link - give the file at tmp its ID name; 0, or -1 */
static int
enter_link(const MAIL_QUEUE *mq, const char *queue, const char *tmp, ino_t ino,
           STRBUF *id, STRBUF *why)
{
    STRBUF *path = strbuf_create(100);
    struct timeval tv;
    int tries;
    int ret = -1;

    /* link() never replaces a file; a taken name means try a later time. */
    for (tries = 0; ret < 0 && tries < ENTER_TRIES; tries++) {
        next_time(&tv);
        mail_queue_id_make(id, &tv, ino);
        if (mail_queue_mkdirs(mq, queue, STR(id), why) < 0 ||
            mail_queue_path(mq, path, queue, STR(id), why) < 0)
            break;
        if ((ret = link(tmp, STR(path))) < 0 && errno != EEXIST) {
            strbuf_sprintf(why, "link %s %s: %s", tmp, STR(path),
                           strerror(errno));
            break;
        }
    }
    if (ret < 0 && tries == ENTER_TRIES)
        strbuf_sprintf(why, "%s: no free queue ID after %d tries", queue,
                       ENTER_TRIES);
    strbuf_free(path);
    return ret;
}

/* mail_queue_enter - a new file in queue, named by its ID; fd or -1 */
int
mail_queue_enter(const MAIL_QUEUE *mq, const char *queue, STRBUF *id,
                 STRBUF *why)
{
    static unsigned count;
    STRBUF *tmp = strbuf_create(100);
    struct stat st;
    int created;
    int fd;
    int err;

    if (!mail_queue_name_ok(queue))
        msg_panic("mail_queue_enter: bad queue name \"%s\"", queue);
    /* The temporary name is never a valid ID, so no reader takes it. */
    strbuf_sprintf(tmp, "%s/%s/tmp.%ld.%u", mq->top, queue, (long) getpid(),
                   count++);
    fd = open(STR(tmp), O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
              MAIL_QUEUE_MODE_WRITING);
    created = fd >= 0;
    if (fd < 0) {
        strbuf_sprintf(why, "create %s: %s", STR(tmp), strerror(errno));
    } else if (fstat(fd, &st) < 0 ||
               enter_link(mq, queue, STR(tmp), st.st_ino, id, why) < 0) {
        err = errno;
        if (LEN(why) == 0)
            strbuf_sprintf(why, "fstat %s: %s", STR(tmp), strerror(errno));
        (void) close(fd);
        fd = -1;
        errno = err;
    }
    if (created && unlink(STR(tmp)) < 0 && fd >= 0)
        msg_warn("remove %s: %s", STR(tmp), strerror(errno));
    strbuf_free(tmp);
    return fd;
}

/* mail_queue_rename - move id from old_queue to new_queue; 0 or -1 */
int
mail_queue_rename(const MAIL_QUEUE *mq, const char *id, const char *old_queue,
                  const char *new_queue, STRBUF *why)
{
    STRBUF *from = strbuf_create(100);
    STRBUF *to = strbuf_create(100);
    int ret = -1;

    if (mail_queue_path(mq, from, old_queue, id, why) == 0 &&
        mail_queue_path(mq, to, new_queue, id, why) == 0) {
        /* A missing hash subfolder is made on demand, then tried again. */
        ret = rename(STR(from), STR(to));
        if (ret < 0 && errno == ENOENT && access(STR(from), F_OK) == 0 &&
            mail_queue_mkdirs(mq, new_queue, id, why) == 0)
            ret = rename(STR(from), STR(to));
        if (ret < 0 && LEN(why) == 0)
            strbuf_sprintf(why, "rename %s %s: %s", STR(from), STR(to),
                           strerror(errno));
    }
    strbuf_free(from);
    strbuf_free(to);
    return ret;
}

/* mail_queue_remove - unlink id in queue; 0 or -1 */
int
mail_queue_remove(const MAIL_QUEUE *mq, const char *queue, const char *id,
                  STRBUF *why)
{
    STRBUF *path = strbuf_create(100);
    int ret = -1;

    if (mail_queue_path(mq, path, queue, id, why) == 0 &&
        (ret = unlink(STR(path))) < 0)
        strbuf_sprintf(why, "remove %s: %s", STR(path), strerror(errno));
    strbuf_free(path);
    return ret;
}

/* mail_queue_open_read - open a complete queue file to read; fd or -1 */
int
mail_queue_open_read(const MAIL_QUEUE *mq, const char *queue, const char *id,
                     STRBUF *why)
{
    return mail_queue_open(mq, queue, id, O_RDONLY, why);
}

/* mail_queue_open - open a complete queue file, O_RDONLY or O_RDWR */
int
mail_queue_open(const MAIL_QUEUE *mq, const char *queue, const char *id,
                int mode, STRBUF *why)
{
    STRBUF *path = strbuf_create(100);
    struct stat st = {0};
    int fd = -1;

    if (mail_queue_path(mq, path, queue, id, why) < 0) {
        strbuf_free(path);
        return -1;
    }
    if (mode != O_RDONLY && mode != O_RDWR)
        msg_panic("mail_queue_open: bad mode 0%o", (unsigned) mode);
    if ((fd = open(STR(path), mode | O_NOFOLLOW | O_CLOEXEC)) < 0) {
        strbuf_sprintf(why, "open %s: %s", STR(path), strerror(errno));
    } else if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) ||
               (st.st_mode & S_IXUSR) == 0) {
        /* Without the complete mark the file is still being written. */
        strbuf_sprintf(why, "open %s: %s", STR(path),
                       S_ISREG(st.st_mode) ? "file is not complete"
                                           : "not a plain file");
        (void) close(fd);
        fd = -1;
        errno = EAGAIN;
    }
    strbuf_free(path);
    return fd;
}

/*
 * Reuse of finished files.  A file in spare/ keeps the name (an ID) it
 * last had, mode 0600 and its old content.  qmgr is the only writer of
 * spare/, cleanup processes the only takers; a take is a rename, so of
 * two takers of one name exactly one gets it.  Nothing is written to a
 * file before it has been taken.
 */

/* Names a take looks at, and claims it tries, before creating instead. */
#define SPARE_TAKE_NAMES  256
#define SPARE_TAKE_CLAIMS 8

/* One read of spare/ (about 40 names of 17 bytes), and the most names a
 * read can hold (a dirent64 of a one-byte name takes 24 bytes). */
#define SPARE_READ_BYTES 2048
#define SPARE_READ_NAMES (SPARE_READ_BYTES / 24)

/* How long a taker leaves spare/ alone after finding it empty. */
#define SPARE_IDLE_MS 100

/* mail_queue_set_spare_limit - queue_file_reuse_limit (0: off) */
void
mail_queue_set_spare_limit(MAIL_QUEUE *mq, long limit)
{
    mq->spare_limit = limit > 0 ? limit : 0;
}

/* spare_usable - whether a spare file may be taken as it is */
static int
spare_usable(const struct stat *st)
{
    /* Anything else is a crash's leftover: a second name, the complete
     * mark, or a file that is not ours. */
    return S_ISREG(st->st_mode) && st->st_nlink == 1 &&
           (st->st_mode & 07777) == MAIL_QUEUE_MODE_WRITING &&
           st->st_uid == geteuid() && st->st_size <= MAIL_QUEUE_SPARE_MAX_SIZE;
}

/*
 * spare_claim - take spare/name as a new file of queue; fd or -1, and
 * one more in *claims when the name could still be opened.  -1
 * with why empty: someone else took it, or it was not usable (its
 * spare name is then removed); with why set: the rename failed.
 */
static int
spare_claim(const MAIL_QUEUE *mq, const char *queue, const char *name,
            STRBUF *id, STRBUF *why, int *claims)
{
    STRBUF *from = strbuf_create(100);
    STRBUF *to = strbuf_create(100);
    struct timeval tv;
    struct stat st;
    int tries;
    int fd;

    strbuf_sprintf(from, "%s/%s/%s", mq->top, MAIL_QUEUE_SPARE, name);
    if ((fd = open(STR(from), O_RDWR | O_NOFOLLOW | O_CLOEXEC)) >= 0)
        ++*claims;
    else if (errno == ELOOP)
        (void) unlink(STR(from)); /* a symbolic link: never ours */
    if (fd >= 0 && (fstat(fd, &st) < 0 || !spare_usable(&st))) {
        (void) unlink(STR(from));
        (void) close(fd);
        fd = -1;
    }
    /* RENAME_NOREPLACE: a taken name means a later time, as in enter. */
    for (tries = 0; fd >= 0 && tries < ENTER_TRIES; tries++) {
        next_time(&tv);
        mail_queue_id_make(id, &tv, st.st_ino);
        if (mail_queue_mkdirs(mq, queue, STR(id), why) < 0 ||
            mail_queue_path(mq, to, queue, STR(id), why) < 0) {
            (void) close(fd);
            fd = -1;
        } else if (renameat2(AT_FDCWD, STR(from), AT_FDCWD, STR(to),
                             RENAME_NOREPLACE) == 0) {
            break;
        } else if (errno != EEXIST || tries + 1 == ENTER_TRIES) {
            if (errno != ENOENT)
                strbuf_sprintf(why, "rename %s %s: %s", STR(from), STR(to),
                               strerror(errno));
            (void) close(fd);
            fd = -1;
        }
    }
    strbuf_free(from);
    strbuf_free(to);
    return fd;
}

/*
 * spare_read - the next read of spare/ (fd): the queue IDs in it into
 * names (*count of them); the bytes read, 0 at the end, or -1
 */
static ssize_t
spare_read(int fd, char *buf, const char **names, int *count)
{
    const struct dirent64 *de;
    ssize_t len;
    ssize_t off;

    *count = 0;
    if ((len = getdents64(fd, buf, SPARE_READ_BYTES)) <= 0)
        return len;
    for (off = 0; off < len && *count < SPARE_READ_NAMES; off += de->d_reclen) {
        de = (const struct dirent64 *) (buf + off);
        if (de->d_reclen == 0 || off + de->d_reclen > len)
            break; /* never from the kernel; no loop on it either */
        if (mail_queue_id_ok(de->d_name))
            names[(*count)++] = de->d_name;
    }
    return len;
}

/* spare_pick - where a take starts among count names: another place
 * for each take and each process, so two takers seldom want one name */
static int
spare_pick(int count)
{
    static unsigned int state;

    if (state == 0)
        state = (unsigned int) getpid() * 2654435761u | 1;
    state ^= state << 13;
    state ^= state >> 17;
    state ^= state << 5;
    return (int) (state % (unsigned int) count);
}

/*
 * mail_queue_spare_take - a spare file as a new file of queue; fd or -1.
 * spare/ stays open between calls, but each call reads it again from
 * the start in small reads: names read in an earlier call are mostly
 * taken by other cleanup processes by now (a taker that walked such a
 * stale list failed about ten opens per take and then often gave up
 * and created a new file).  Within one read the take starts at a name
 * of its own (spare_pick).  A call that finds no name at all makes the
 * taker leave spare/ alone for SPARE_IDLE_MS.
 */
int
mail_queue_spare_take(const MAIL_QUEUE *mq, const char *queue, STRBUF *id,
                      STRBUF *why)
{
    static int dir_fd = -1;
    static long long idle_until;
    char buf[SPARE_READ_BYTES] __attribute__((aligned(8)));
    const char *names[SPARE_READ_NAMES];
    long long now = clock_ms();
    int looked = 0, seen = 0, claims = 0;
    ssize_t len = -1;
    int count;
    int start;
    int i;
    int fd = -1;

    if (!mail_queue_name_ok(queue))
        msg_panic("mail_queue_spare_take: bad queue name \"%s\"", queue);
    strbuf_reset(why);
    if (mq->spare_limit <= 0 || now < idle_until) {
        errno = ENOENT;
        return -1;
    }
    if (dir_fd < 0) {
        STRBUF *path = strbuf_create(100);

        strbuf_sprintf(path, "%s/%s", mq->top, MAIL_QUEUE_SPARE);
        dir_fd = open(STR(path), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        strbuf_free(path);
    }
    if (dir_fd >= 0 && lseek(dir_fd, 0, SEEK_SET) == 0) {
        while (fd < 0 && looked < SPARE_TAKE_NAMES &&
               claims < SPARE_TAKE_CLAIMS && LEN(why) == 0 &&
               (len = spare_read(dir_fd, buf, names, &count)) > 0) {
            if (count == 0)
                continue; /* only "." and "..", or names not ours */
            seen += count;
            start = spare_pick(count);
            for (i = 0; i < count && fd < 0 && claims < SPARE_TAKE_CLAIMS &&
                        LEN(why) == 0;
                 i++, looked++)
                fd = spare_claim(mq, queue, names[(start + i) % count], id, why,
                                 &claims);
        }
        /* Read to the end without a name: spare/ is empty. */
        if (len == 0 && seen == 0)
            idle_until = now + SPARE_IDLE_MS;
    }
    if (fd < 0 && LEN(why) == 0)
        errno = ENOENT;
    return fd;
}

/* spare_count - files in spare/, counting no further than max */
static long
spare_count(const MAIL_QUEUE *mq, long max)
{
    STRBUF *path = strbuf_create(100);
    struct dirent *de;
    DIR *dir;
    long n = 0;

    strbuf_sprintf(path, "%s/%s", mq->top, MAIL_QUEUE_SPARE);
    if ((dir = opendir(STR(path))) == NULL) {
        /* A queue made before spare/ existed: make it now. */
        if (errno != ENOENT || mkdir(STR(path), 0700) < 0)
            n = max;
    } else {
        while (n < max && (de = readdir(dir)) != NULL)
            n += mail_queue_id_ok(de->d_name);
        (void) closedir(dir);
    }
    strbuf_free(path);
    return n;
}

/* How often spare_room() may count spare/ again while it looks full. */
#define SPARE_RECOUNT_MS 100

/*
 * spare_room - whether spare/ takes one more.  The count goes up with
 * each put but never sees the takes of cleanup processes, so once it
 * reaches the limit spare/ is counted again, at most every
 * SPARE_RECOUNT_MS: a file removed for want of room is a new inode for
 * some later message (and, on ext4 without a journal, one the allocator
 * must skip for a while).
 */
static int
spare_room(const MAIL_QUEUE *mq)
{
    static long count = -1;
    static long long counted;
    long long now = clock_ms();

    if (count < 0 ||
        (count >= mq->spare_limit && now - counted >= SPARE_RECOUNT_MS)) {
        count = spare_count(mq, mq->spare_limit);
        counted = now;
    }
    if (count >= mq->spare_limit)
        return 0;
    count++;
    return 1;
}

/* mail_queue_spare_put - id in queue to spare/ (0) or removed (1); -1 */
int
mail_queue_spare_put(const MAIL_QUEUE *mq, const char *queue, const char *id,
                     STRBUF *why)
{
    STRBUF *path = strbuf_create(100);
    STRBUF *to = strbuf_create(100);
    struct stat st;
    int ret = -1;

    if (mail_queue_path(mq, path, queue, id, why) < 0 ||
        mail_queue_path(mq, to, MAIL_QUEUE_SPARE, id, why) < 0) {
        strbuf_free(path);
        strbuf_free(to);
        return -1;
    }
    /* 0600 first: a file never sits in spare/ marked complete, except
     * after a crash, and a taker removes such a one (spare_usable). */
    if (mq->spare_limit > 0 && lstat(STR(path), &st) == 0 &&
        S_ISREG(st.st_mode) && st.st_nlink == 1 &&
        st.st_size <= MAIL_QUEUE_SPARE_MAX_SIZE && spare_room(mq) &&
        chmod(STR(path), MAIL_QUEUE_MODE_WRITING) == 0 &&
        rename(STR(path), STR(to)) == 0)
        ret = 0;
    else if (unlink(STR(path)) == 0)
        ret = 1;
    else
        strbuf_sprintf(why, "remove %s: %s", STR(path), strerror(errno));
    strbuf_free(path);
    strbuf_free(to);
    return ret;
}

/*
 * qfile - write a queue file so that it counts only once it is complete.
 *
 * qfile_create() makes a new file in a queue (mode 0600, named by its ID:
 * a spare file when mail_queue_spare_take() has one, else
 * mail_queue_enter()) and returns a QFILE the caller owns, or NULL and a
 * reason.  qfile_put(), qfile_puts(), qfile_put_line() and
 * qfile_put_size() append records and return the offset where each one
 * starts (qfile_put_line: the first piece), or -1 when writing failed;
 * a failed write leaves the QFILE for qfile_abort().  qfile_set_size()
 * rewrites the size record, which must be the file's first, in place.
 *
 * qfile_commit() applies the completion rule: flush, move the file to
 * the target queue if that differs, sync the folder that holds it, cut a
 * reused file to its new length, set the complete mark (mode 0700, the
 * owner execute bit) and fsync() once for the records and the mark
 * together.  A reused file's name comes from a rename: qfile_create()
 * starts the sync of its folder at once (fsync_async), so that it runs
 * while the caller writes the records, and the commit collects it.  Only
 * when it returns 0 may the message be acknowledged.  On failure it
 * removes the file.  Either way it frees the QFILE.  qfile_abort()
 * removes the file and frees the QFILE; both return NULL-equivalents
 * (qfile_abort returns NULL).
 *
 * qfile_mark_done() turns the recipient record at offset into a done
 * record by rewriting its type byte: 0, or -1 with errno (EINVAL when no
 * recipient record is there).  qfile_set_warn() does the same for the
 * warn record's time (EINVAL when no W record is there).  Neither
 * fsync()s: a mark lost in a crash of the host only repeats a delivery or
 * a warning (docs/queue-format.md, "Durability").  qfile_corrupt() moves
 * a file to corrupt/ and logs why.  Nothing here is fatal.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "clock_ms.h"
#include "fsync_dir.h"
#include "msg.h"
#include "mymalloc.h"
#include "qfile.h"

/* Where the size record's data starts: after its type and length bytes. */
#define SIZE_DATA_OFFSET 2

/* How long after a failed open of the state file files sync alone. */
#define QFILE_SYNC_RETRY_MS 1000

/*
 * queue_group - the group commit of the queue's folder syncs: the state
 * file QUEUE_DIR/private/queue.sync (a folder no queue scan reads), one
 * per process, for the last queue asked; NULL when it cannot be had
 * (then each file syncs alone, for a second before the next try).
 */
static FSYNC_GROUP *
queue_group(const MAIL_QUEUE *mq)
{
    static FSYNC_GROUP *group;
    static STRBUF *top;
    static int64_t tried; /* when the open last failed */
    STRBUF *path;

    if (top != NULL && strcmp(STR(top), mail_queue_top(mq)) == 0 &&
        (group != NULL || clock_ms() - tried < QFILE_SYNC_RETRY_MS))
        return group;
    fsync_group_free(group);
    if (top == NULL)
        top = strbuf_create(100);
    strbuf_sprintf(top, "%s", mail_queue_top(mq));
    path = strbuf_create(100);
    strbuf_sprintf(path, "%s/" QFILE_SYNC_STATE, STR(top));
    if ((group = fsync_group_open(STR(path))) == NULL)
        tried = clock_ms();
    strbuf_free(path);
    return group;
}

/*
 * dir_sync_start - after the rename that gave a reused file its name:
 * a ticket for the group commit of its folder's sync, or where there is
 * none that sync started in the background; when neither can start, the
 * commit syncs the folder alone
 */
static void
dir_sync_start(QFILE *qf)
{
    qf->dir_fd = fsync_dir_open(STR(qf->path));
    if (qf->dir_fd < 0)
        return;
    if ((qf->group = queue_group(qf->mq)) != NULL &&
        fsync_group_ticket(qf->group, qf->dir_fd, &qf->ticket) == 0)
        return;
    qf->group = NULL;
    if (fsync_async_start(&qf->dir_sync, qf->dir_fd) < 0) {
        (void) close(qf->dir_fd);
        qf->dir_fd = -1;
    }
}

/*
 * dir_sync_end - collect the folder sync dir_sync_start() started: 0, or
 * -1 with errno; EINVAL counts as done, as in fsync_dir()
 */
static int
dir_sync_end(QFILE *qf)
{
    int ret = 0;

    if (qf->dir_fd < 0)
        return 0;
    if (qf->group != NULL &&
        (ret = fsync_group_sync(qf->group, &qf->ticket, qf->dir_fd)) < 0 &&
        errno == EINVAL)
        ret = 0;
    if (fsync_async_busy(&qf->dir_sync) &&
        (ret = fsync_async_wait(&qf->dir_sync)) < 0 && errno == EINVAL)
        ret = 0;
    (void) close(qf->dir_fd);
    qf->dir_fd = -1;
    return ret;
}

/* qfile_create - a new queue file in queue, ready for records */
QFILE *
qfile_create(const MAIL_QUEUE *mq, const char *queue, STRBUF *why)
{
    STRBUF *id = strbuf_create(MAIL_QUEUE_ID_MAX + 1);
    QFILE *qf;
    int reused;
    int fd;

    /* A spare file spares the file system an inode allocation and free;
     * when there is none, or taking one failed, a new file is made. */
    if ((fd = mail_queue_spare_take(mq, queue, id, why)) < 0 && LEN(why))
        msg_warn("reuse of a queue file: %s", STR(why));
    if ((reused = fd >= 0) == 0 &&
        (fd = mail_queue_enter(mq, queue, id, why)) < 0) {
        strbuf_free(id);
        return NULL;
    }
    qf = mymalloc(sizeof(*qf));
    qf->mq = mq;
    qf->queue = mystrdup(queue);
    qf->id = strbuf_export(id);
    qf->path = strbuf_create(100);
    (void) mail_queue_path(mq, qf->path, queue, qf->id, why);
    qf->fd = fd;
    qf->st = stream_fdopen(fd, O_WRONLY);
    qf->offset = 0;
    qf->reused = reused;
    qf->dir_fd = -1;
    memset(&qf->dir_sync, 0, sizeof(qf->dir_sync));
    qf->group = NULL;
    memset(&qf->ticket, 0, sizeof(qf->ticket));
    if (reused)
        dir_sync_start(qf);
    return qf;
}

/* qfile_put - append a record; its offset, or -1 */
off_t
qfile_put(QFILE *qf, int type, const void *data, size_t len)
{
    off_t where = qf->offset;
    ssize_t n;

    if ((n = rec_put(qf->st, type, data, len)) < 0)
        return -1;
    qf->offset += n;
    return where;
}

/* qfile_puts - append a record of text */
off_t
qfile_puts(QFILE *qf, int type, const char *str)
{
    return qfile_put(qf, type, str, strlen(str));
}

/* qfile_put_line - append a content line, split at limit bytes */
off_t
qfile_put_line(QFILE *qf, const char *data, size_t len, size_t limit)
{
    off_t where = qf->offset;
    ssize_t n;

    if ((n = rec_put_line(qf->st, data, len, limit)) < 0)
        return -1;
    qf->offset += n;
    return where;
}

/* size_text - the fixed-width data of a size record */
static void
size_text(char *buf, long long content_offset, long long content_size,
          long long rcpt_count)
{
    if (snprintf(buf, REC_SIZE_LEN + 1, REC_SIZE_FMT, content_offset,
                 content_size, rcpt_count) != REC_SIZE_LEN)
        msg_panic("qfile: size record %lld %lld %lld out of range",
                  content_offset, content_size, rcpt_count);
}

/* qfile_put_size - the size record, first in the file */
off_t
qfile_put_size(QFILE *qf, long long content_offset, long long content_size,
               long long rcpt_count)
{
    char buf[REC_SIZE_LEN + 1];

    if (qf->offset != 0)
        msg_panic("qfile_put_size: %s: size record not first", qf->id);
    size_text(buf, content_offset, content_size, rcpt_count);
    return qfile_put(qf, REC_TYPE_SIZE, buf, REC_SIZE_LEN);
}

/* qfile_set_size - rewrite the size record in place; 0 or -1 */
int
qfile_set_size(QFILE *qf, long long content_offset, long long content_size,
               long long rcpt_count)
{
    char buf[REC_SIZE_LEN + 1];

    size_text(buf, content_offset, content_size, rcpt_count);
    if (stream_flush(qf->st) < 0)
        return -1;
    if (pwrite(qf->fd, buf, REC_SIZE_LEN, SIZE_DATA_OFFSET) != REC_SIZE_LEN)
        return -1;
    return 0;
}

/* qfile_free - close and release, leaving the file alone; NULL */
QFILE *
qfile_free(QFILE *qf)
{
    if (qf) {
        qf->group = NULL; /* nobody waits for this one's name */
        (void) dir_sync_end(qf);
        if (qf->st)
            (void) stream_free(qf->st);
        if (qf->fd >= 0)
            (void) close(qf->fd);
        myfree(qf->queue);
        myfree(qf->id);
        strbuf_free(qf->path);
        myfree(qf);
    }
    return NULL;
}

/* qfile_abort - remove the file and release the QFILE; NULL */
QFILE *
qfile_abort(QFILE *qf)
{
    if (qf && unlink(STR(qf->path)) < 0 && errno != ENOENT)
        msg_warn("%s: remove %s: %s", qf->id, STR(qf->path), strerror(errno));
    return qfile_free(qf);
}

/*
 * commit_sync - flush, mark complete, and one sync for both.  A crash
 * before fsync() returns may leave the mark without all the records; the
 * readers refuse such a file (no end record, or sizes that disagree with
 * the size record), and it was never acknowledged.
 */
static int
commit_sync(QFILE *qf, STRBUF *why)
{
    const char *step = "write";

    if (stream_flush(qf->st) < 0 ||
        (step = "ftruncate", qf->reused && ftruncate(qf->fd, qf->offset) < 0) ||
        (step = "fchmod", fchmod(qf->fd, MAIL_QUEUE_MODE_COMPLETE) < 0) ||
        (step = "fsync", fsync(qf->fd) < 0)) {
        strbuf_sprintf(why, "%s %s: %s", step, STR(qf->path), strerror(errno));
        return -1;
    }
    return 0;
}

/* sync_folder - fsync the folder that holds path; 0 or -1 with a reason */
static int
sync_folder(const char *path, STRBUF *why)
{
    if (fsync_dir(path) == 0)
        return 0;
    strbuf_sprintf(why, "fsync directory of %s: %s", path, strerror(errno));
    return -1;
}

/*
 * names_synced_with_file - fsync_names_new_file(), asked once per process:
 * every queue file lives under queue_directory, on one file system.
 */
static int
names_synced_with_file(int fd)
{
    static int known = -1;

    if (known < 0)
        known = fsync_names_new_file(fd);
    return known;
}

/*
 * commit_in - sync dest's folder, then mark and sync the file.  The
 * folder first: once the mark is set, qmgr may move the file on at once,
 * and its name here must already be durable; the one fsync() of the file
 * then covers the records and the mark (docs/queue-format.md).  On a file
 * system whose fsync() of a new file also commits its name, a file that
 * was not renamed needs only that one fsync().
 */
static int
commit_in(QFILE *qf, const char *dest, int renamed, STRBUF *why)
{
    /* Where the file's own fsync() makes a new file's name durable, the
     * folder's adds nothing for a file still where it was created; a
     * renamed one (to hold/) or a reused one (named by a rename from
     * spare/) keeps the folder sync (fsync_dir.h).  A reused file's
     * folder sync, started at create, is collected here. */
    if (!renamed && qf->dir_fd >= 0) {
        if (dir_sync_end(qf) < 0) {
            strbuf_sprintf(why, "fsync directory of %s: %s", dest,
                           strerror(errno));
            return -1;
        }
    } else if ((renamed || qf->reused || !names_synced_with_file(qf->fd)) &&
               sync_folder(dest, why) < 0) {
        return -1;
    }
    return commit_sync(qf, why);
}

/*
 * qfile_commit - make the file count, in queue (NULL: where it is).  A
 * file for another queue moves there before it is marked, so that no
 * reader of the first queue takes it.  The first folder is not synced:
 * a lost removal of the old name leaves an incomplete 0600 file there.
 */
int
qfile_commit(QFILE *qf, const char *queue, STRBUF *why)
{
    STRBUF *dest = strbuf_create(100);
    int renamed;
    int ret;

    strbuf_reset(why);
    if (queue == NULL)
        queue = qf->queue;
    ret = mail_queue_path(qf->mq, dest, queue, qf->id, why);
    renamed = strcmp(queue, qf->queue) != 0;
    if (ret == 0 && renamed)
        ret = mail_queue_rename(qf->mq, qf->id, qf->queue, queue, why);
    if (ret == 0)
        ret = commit_in(qf, STR(dest), renamed, why);
    if (ret < 0) {
        /* The file may be in either queue now; remove whichever holds it. */
        if (LEN(dest))
            (void) unlink(STR(dest));
        (void) qfile_abort(qf);
    } else {
        (void) qfile_free(qf);
    }
    strbuf_free(dest);
    return ret;
}

/* qfile_mark_done - rewrite the recipient record at offset as done */
int
qfile_mark_done(int fd, off_t offset)
{
    unsigned char type;
    unsigned char done = REC_TYPE_DONE;

    if (pread(fd, &type, 1, offset) != 1)
        return -1;
    if (type == REC_TYPE_DONE)
        return 0;
    if (type != REC_TYPE_RCPT) {
        errno = EINVAL;
        return -1;
    }
    if (pwrite(fd, &done, 1, offset) != 1)
        return -1;
    return 0;
}

/*
 * qfile_set_warn - rewrite the warn record at offset to when (0: sent).
 * The record keeps its fixed width, so nothing else moves.
 */
int
qfile_set_warn(int fd, off_t offset, long long when)
{
    unsigned char head[2];
    char data[32];

    if (pread(fd, head, 2, offset) != 2)
        return -1;
    if (head[0] != REC_TYPE_WARN || head[1] != REC_WARN_LEN || when < 0 ||
        when > REC_WARN_MAX) {
        errno = EINVAL;
        return -1;
    }
    (void) snprintf(data, sizeof(data), REC_WARN_FMT, when);
    if (pwrite(fd, data, REC_WARN_LEN, offset + 2) != REC_WARN_LEN)
        return -1;
    return 0;
}

/* qfile_corrupt - move a bad file to corrupt/ and say why */
int
qfile_corrupt(const MAIL_QUEUE *mq, const char *queue, const char *id,
              const char *why)
{
    STRBUF *err = strbuf_create(100);
    int ret;

    if ((ret = mail_queue_rename(mq, id, queue, MAIL_QUEUE_CORRUPT, err)) < 0)
        msg_warn("%s: cannot move to %s queue: %s (file is corrupt: %s)",
                 mail_queue_id_ok(id) ? id : "bad-id", MAIL_QUEUE_CORRUPT,
                 STR(err), why);
    else
        msg_warn("%s: saved to %s queue: %s", id, MAIL_QUEUE_CORRUPT, why);
    strbuf_free(err);
    return ret;
}

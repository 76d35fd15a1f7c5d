/*
 * cleanup_out - where the content goes while it is processed, and the
 * queue file it ends up in.
 *
 * The record order of docs/queue-format.md puts every recipient before
 * the content, but recipients taken from headers (sendmail -t) and the
 * REDIRECT and BCC actions of header and body rules are known only after
 * the content.  So the content records go to a spool first: memory up to
 * CLEANUP_SPOOL_MEM bytes (most mail: no file to create, write, read back
 * and remove), then an unnamed file in incoming/ (O_TMPFILE; a name
 * removed at once where that is not supported), which vanishes with the
 * process.  cleanup_spool_create() returns a CLEANUP_SPOOL the caller
 * frees with cleanup_spool_free(); cleanup_spool_line() is a
 * CLEANUP_OUT_FN that appends one line as N, or L... N pieces of
 * line_length_limit bytes, and returns -1 (with a warning logged) when
 * the file cannot be made or written.  cleanup_write_file() then writes the
 * queue file in order: C T S, the A records, each recipient as O o n R (as
 * O o n D, done, when state->bounce is set: cleanup_bounce.c), M, the
 * spooled content, X E, and the size record in place, and keeps each
 * recipient's record offset; it returns 0, or -1 with a reason in
 * state->why.
 *
 * cleanup_sweep() removes leftovers of a crash from a queue folder:
 * tmp.* files and files without the complete mark, older than max_age
 * seconds; each removal is logged.  Nothing here is fatal.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"
#include "msg.h"
#include "mymalloc.h"

/* cleanup_spool_create - an empty spool, in memory until it grows */
CLEANUP_SPOOL *
cleanup_spool_create(size_t mem_limit)
{
    CLEANUP_SPOOL *sp = mymalloc(sizeof(*sp));

    sp->mem = strbuf_create(STREAM_BUFSIZE);
    sp->file = NULL;
    sp->mem_limit = mem_limit;
    return sp;
}

/* cleanup_spool_free - release the spool and its file; NULL */
CLEANUP_SPOOL *
cleanup_spool_free(CLEANUP_SPOOL *sp)
{
    if (sp == NULL)
        return NULL;
    if (sp->file)
        (void) stream_close(sp->file);
    strbuf_free(sp->mem);
    myfree(sp);
    return NULL;
}

/* cleanup_spool_file - an unnamed file in incoming/; NULL with a warning */
static STREAM *
cleanup_spool_file(void)
{
    char path[] = MAIL_QUEUE_INCOMING "/tmp.spool.XXXXXX";
    int fd;

#ifdef O_TMPFILE
    fd = open(MAIL_QUEUE_INCOMING, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
    if (fd >= 0)
        return stream_fdopen(fd, O_RDWR);
#endif
    if ((fd = mkstemp(path)) < 0) {
        msg_warn("cleanup: create %s: %s", path, strerror(errno));
        return NULL;
    }
    (void) unlink(path);
    return stream_fdopen(fd, O_RDWR);
}

/* cleanup_spool_spill - move the records in memory to a file; 0 or -1 */
static int
cleanup_spool_spill(CLEANUP_SPOOL *sp)
{
    if ((sp->file = cleanup_spool_file()) == NULL)
        return -1;
    if (stream_write(sp->file, STR(sp->mem), LEN(sp->mem)) < 0) {
        msg_warn("cleanup: write content spool: %s", strerror(errno));
        return -1;
    }
    strbuf_free(sp->mem);
    sp->mem = strbuf_create(1);
    return 0;
}

/* cleanup_spool_rec - append one record to memory; its size */
static size_t
cleanup_spool_rec(CLEANUP_SPOOL *sp, int type, const char *data, size_t len)
{
    unsigned char hdr[1 + REC_LEN_BYTES];
    size_t n;

    hdr[0] = (unsigned char) type;
    n = 1 + rec_encode_len(hdr + 1, len);
    strbuf_memcat(sp->mem, (const char *) hdr, n);
    strbuf_memcat(sp->mem, data, len);
    return n + len;
}

/* cleanup_spool_mem_line - a line as records in memory (see rec_put_line) */
static size_t
cleanup_spool_mem_line(CLEANUP_SPOOL *sp, const char *line, size_t len,
                       size_t limit)
{
    size_t total = 0;

    while (len > limit) {
        total += cleanup_spool_rec(sp, REC_TYPE_CONT, line, limit);
        line += limit;
        len -= limit;
    }
    return total + cleanup_spool_rec(sp, REC_TYPE_NORM, line, len);
}

/* cleanup_spool_fits - do a line's records still fit in memory? */
static int
cleanup_spool_fits(const CLEANUP_SPOOL *sp, size_t len, size_t limit)
{
    size_t recs = len / limit + 1;

    return LEN(sp->mem) + len + recs * (1 + REC_LEN_BYTES) <= sp->mem_limit;
}

/* cleanup_spool_line - one content line into the spool (out function) */
int
cleanup_spool_line(CLEANUP_STATE *state, const char *line, size_t len)
{
    CLEANUP_SPOOL *sp = state->out_context;
    size_t limit = state->p->line_length_limit;
    ssize_t n;

    if (limit == 0 || limit > REC_MAX_LEN)
        msg_panic("cleanup_spool_line: bad limit %zu", limit);
    if (sp->file == NULL && !cleanup_spool_fits(sp, len, limit) &&
        cleanup_spool_spill(sp) < 0)
        return -1;
    if (sp->file == NULL) {
        state->spool_bytes +=
            (long long) cleanup_spool_mem_line(sp, line, len, limit);
        return 0;
    }
    if ((n = rec_put_line(sp->file, line, len, limit)) < 0) {
        msg_warn("cleanup: write content spool: %s", strerror(errno));
        return -1;
    }
    state->spool_bytes += n;
    return 0;
}

/* cleanup_put_attrs - the A records: client's, then FILTER's */
static int
cleanup_put_attrs(CLEANUP_STATE *state, QFILE *qf)
{
    size_t i;

    for (i = 0; i < state->attr_names->argc; i++) {
        if (state->filter &&
            strcmp(state->attr_names->argv[i], MAIL_ATTR_FILTER) == 0)
            continue;
        strbuf_sprintf(state->buf, "%s=%s", state->attr_names->argv[i],
                       state->attr_values->argv[i]);
        if (qfile_put(qf, REC_TYPE_ATTR, STR(state->buf), LEN(state->buf)) < 0)
            return -1;
    }
    if (state->filter) {
        strbuf_sprintf(state->buf, "%s=%s", MAIL_ATTR_FILTER, state->filter);
        if (qfile_put(qf, REC_TYPE_ATTR, STR(state->buf), LEN(state->buf)) < 0)
            return -1;
    }
    return 0;
}

/* cleanup_put_rcpts - each recipient as [O] [o] [n] R (D when bounced) */
static int
cleanup_put_rcpts(CLEANUP_STATE *state, QFILE *qf)
{
    int type = state->bounce ? REC_TYPE_DONE : REC_TYPE_RCPT;
    CLEANUP_RCPT *r;
    char num[20];
    size_t i;

    for (i = 0; i < state->rcpts->count; i++) {
        r = state->rcpts->list + i;
        if (r->orig && qfile_puts(qf, REC_TYPE_ORCP, r->orig) < 0)
            return -1;
        if (r->dsn_orcpt &&
            qfile_puts(qf, REC_TYPE_DSN_ORCPT, r->dsn_orcpt) < 0)
            return -1;
        (void) snprintf(num, sizeof(num), "%d", r->notify);
        if (r->notify && qfile_puts(qf, REC_TYPE_DSN_NOTIFY, num) < 0)
            return -1;
        if ((r->offset = qfile_puts(qf, type, r->addr)) < 0)
            return -1;
    }
    return 0;
}

/* cleanup_copy_spool - the spooled content records, as they are */
static int
cleanup_copy_spool(QFILE *qf, CLEANUP_SPOOL *sp)
{
    char buf[STREAM_BUFSIZE];
    int fd;
    ssize_t n;

    if (sp->file == NULL) {
        if (stream_write(qf->st, STR(sp->mem), LEN(sp->mem)) < 0)
            return -1;
        qf->offset += (off_t) LEN(sp->mem);
        return 0;
    }
    fd = stream_fd(sp->file);
    if (stream_flush(sp->file) < 0 || lseek(fd, 0, SEEK_SET) < 0)
        return -1;
    while ((n = read(fd, buf, sizeof(buf))) > 0) {
        if (stream_write(qf->st, buf, (size_t) n) < 0)
            return -1;
        qf->offset += n;
    }
    return n < 0 ? -1 : 0;
}

/* cleanup_put_warn - the W record when delay_warning_time is set */
static off_t
cleanup_put_warn(CLEANUP_STATE *state, QFILE *qf)
{
    long long when = state->arrival_sec + state->p->delay_warning_time;
    char wbuf[32];

    if (state->p->delay_warning_time <= 0 || when > REC_WARN_MAX)
        return 0;
    (void) snprintf(wbuf, sizeof(wbuf), REC_WARN_FMT, when);
    return qfile_put(qf, REC_TYPE_WARN, wbuf, REC_WARN_LEN);
}

/* cleanup_write_file - all records, in the order of queue-format.md */
int
cleanup_write_file(CLEANUP_STATE *state, QFILE *qf, CLEANUP_SPOOL *spool)
{
    char tbuf[64];
    off_t content;
    long long size;

    (void) snprintf(tbuf, sizeof(tbuf), "%lld %ld", state->arrival_sec,
                    state->arrival_usec);
    if (qfile_put_size(qf, 0, 0, 0) < 0 ||
        qfile_puts(qf, REC_TYPE_QID, qf->id) < 0 ||
        qfile_puts(qf, REC_TYPE_TIME, tbuf) < 0 ||
        cleanup_put_warn(state, qf) < 0 ||
        qfile_puts(qf, REC_TYPE_FROM, state->sender) < 0 ||
        cleanup_put_attrs(state, qf) < 0 || cleanup_put_rcpts(state, qf) < 0 ||
        qfile_put(qf, REC_TYPE_MESG, "", 0) < 0)
        return strbuf_fail(state->why, errno, "write %s: %s", STR(qf->path),
                           strerror(errno));
    content = qf->offset;
    if (cleanup_copy_spool(qf, spool) < 0)
        return strbuf_fail(state->why, errno, "copy content to %s: %s",
                           STR(qf->path), strerror(errno));
    size = (long long) (qf->offset - content);
    if (qfile_put(qf, REC_TYPE_XTRA, "", 0) < 0 ||
        qfile_puts(qf, REC_TYPE_END, qf->id) < 0 ||
        qfile_set_size(qf, (long long) content, size,
                       (long long) state->rcpts->count) < 0)
        return strbuf_fail(state->why, errno, "write %s: %s", STR(qf->path),
                           strerror(errno));
    return 0;
}

/* cleanup_leftover - is this entry a crash leftover older than max_age? */
static int
cleanup_leftover(const char *queue, const char *name, time_t now, long max_age,
                 STRBUF *path)
{
    struct stat st;

    if (name[0] == '.')
        return 0;
    strbuf_sprintf(path, "%s/%s", queue, name);
    if (lstat(STR(path), &st) < 0 || !S_ISREG(st.st_mode))
        return 0;
    if (now - st.st_mtime <= max_age)
        return 0;
    return strncmp(name, "tmp.", 4) == 0 || (st.st_mode & S_IXUSR) == 0;
}

/* cleanup_sweep - remove crash leftovers from a queue folder */
void
cleanup_sweep(const char *queue, long max_age)
{
    STRBUF *path = strbuf_create(100);
    time_t now = time(NULL);
    struct dirent *de;
    DIR *dir;
    size_t seen = 0;

    if ((dir = opendir(queue)) == NULL) {
        msg_warn("cleanup: sweep: open %s: %s", queue, strerror(errno));
        strbuf_free(path);
        return;
    }
    /* Bounded: a folder read once, at most this many entries a start. */
    while ((de = readdir(dir)) != NULL && seen++ < 100000) {
        if (!cleanup_leftover(queue, de->d_name, now, max_age, path))
            continue;
        if (unlink(STR(path)) < 0)
            msg_warn("cleanup: sweep: remove %s: %s", STR(path),
                     strerror(errno));
        else
            msg_info("cleanup: sweep: removed %s (left by a crash)", STR(path));
    }
    (void) closedir(dir);
    strbuf_free(path);
}

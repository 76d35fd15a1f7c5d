/*
 * atomic_file - replace a file by writing a temporary one, then renaming.
 *
 * atomic_file_open(final_path, mode, why) creates FINAL.tmp.PID.N in the
 * directory of final_path with O_CREAT|O_EXCL|O_NOFOLLOW|O_CLOEXEC, trying
 * up to ATOMIC_FILE_TRIES values of N, and gives it exactly mode: the umask
 * does not apply, as a file that replaces another must have the mode the
 * caller chose.  The caller writes to ATOMIC_FILE_FD(af), or through
 * atomic_file_write(), which carries on after short and interrupted writes.
 *
 * atomic_file_commit(af, why) fsyncs and closes the file, renames it over
 * final_path and syncs the directory so that the new name is durable.  When
 * a step up to the rename fails, the temporary file is removed and the old
 * file stays as it was.  When only the directory sync fails, the new
 * content is in place but might not survive a crash of the host, and -1
 * says so.  atomic_file_abort(af) closes and removes the temporary file.
 * After either, whether it worked or not, the handle only awaits
 * atomic_file_free(), which aborts first when neither was called.
 *
 * The handle and the strings in it belong to this module: the caller
 * releases them with atomic_file_free(), which returns NULL.  Failures
 * return NULL or -1 with errno set and "PATH: step: error" in why (may be
 * NULL).  Memory exhaustion is fatal (mymalloc); a commit of a handle that
 * was already committed or aborted is our bug and panics.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "atomic_file.h"
#include "fsync_dir.h"
#include "msg.h"
#include "mymalloc.h"

/* temp_create - create a file under a new name beside the final one */
static int
temp_create(ATOMIC_FILE *af, STRBUF *why)
{
    static unsigned long counter;
    STRBUF *name = strbuf_create(0);
    int tries;
    int err;

    for (tries = 0; tries < ATOMIC_FILE_TRIES; tries++) {
        strbuf_sprintf(name, "%s.tmp.%ld.%lu", af->final_path, (long) getpid(),
                       counter++);
        af->fd =
            open(STR(name),
                 O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (af->fd >= 0 || errno != EEXIST)
            break;
    }
    if (af->fd >= 0) {
        af->temp_path = strbuf_export(name);
        return 0;
    }
    err = errno;
    strbuf_fail(why, err, "%s: create: %s", STR(name), strerror(err));
    strbuf_free(name);
    errno = err;
    return -1;
}

/* atomic_file_open - start the new content of final_path */
ATOMIC_FILE *
atomic_file_open(const char *final_path, mode_t mode, STRBUF *why)
{
    ATOMIC_FILE *af = mymalloc(sizeof(*af));
    int err;

    af->final_path = mystrdup(final_path);
    af->temp_path = NULL;
    af->fd = -1;
    if (temp_create(af, why) == 0 && fchmod(af->fd, mode) == 0)
        return af;
    err = errno;
    if (af->fd >= 0)
        strbuf_fail(why, err, "%s: fchmod: %s", af->temp_path, strerror(err));
    atomic_file_free(af);
    errno = err;
    return NULL;
}

/* atomic_file_write - write all of buf, despite short or interrupted writes */
int
atomic_file_write(ATOMIC_FILE *af, const void *buf, size_t len, STRBUF *why)
{
    const char *cp = buf;
    ssize_t n;

    while (len > 0) {
        n = write(af->fd, cp, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n == 0)
            errno = EIO;
        if (n <= 0)
            return strbuf_fail(why, errno, "%s: write: %s", af->temp_path,
                               strerror(errno));
        cp += n;
        len -= (size_t) n;
    }
    return 0;
}

/* close_temp - close the temporary file, once; close()'s verdict */
static int
close_temp(ATOMIC_FILE *af)
{
    int fd = af->fd;

    af->fd = -1;
    return close(fd);
}

/* commit_failed - remove the temporary file, report the step; returns -1 */
static int
commit_failed(ATOMIC_FILE *af, const char *step, STRBUF *why)
{
    int err = errno;

    if (af->fd >= 0)
        (void) close_temp(af);
    (void) unlink(af->temp_path);
    return strbuf_fail(why, err, "%s: %s: %s", af->temp_path, step,
                       strerror(err));
}

/* atomic_file_commit - make the new content durable, then put it in place */
int
atomic_file_commit(ATOMIC_FILE *af, STRBUF *why)
{
    if (af->fd < 0)
        msg_panic("atomic_file_commit: %s: already committed or aborted",
                  af->final_path);
    if (fsync(af->fd) < 0)
        return commit_failed(af, "fsync", why);
    if (close_temp(af) < 0)
        return commit_failed(af, "close", why);
    if (rename(af->temp_path, af->final_path) < 0)
        return commit_failed(af, "rename", why);
    if (fsync_dir(af->final_path) < 0)
        return strbuf_fail(why, errno, "%s: sync directory: %s", af->final_path,
                           strerror(errno));
    return 0;
}

/* atomic_file_abort - drop the new content; the old file stays */
int
atomic_file_abort(ATOMIC_FILE *af)
{
    if (af->fd < 0)
        return 0;
    (void) close_temp(af);
    return unlink(af->temp_path);
}

/* atomic_file_free - abort unless done, release the handle; returns NULL */
ATOMIC_FILE *
atomic_file_free(ATOMIC_FILE *af)
{
    if (af == NULL)
        return NULL;
    if (af->fd >= 0)
        (void) atomic_file_abort(af);
    myfree(af->final_path);
    myfree(af->temp_path);
    myfree(af);
    return NULL;
}

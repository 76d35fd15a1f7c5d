/*
 * fsyncstone - the disk's rate of durable file creation: how many
 * create + write + fsync + rename a file system does per second when
 * several writers do them at once (the work a queue file or a Maildir
 * delivery cannot avoid).
 *
 * Usage: fsyncstone DIR WRITERS COUNT SIZE
 *
 * Forks WRITERS processes; each creates COUNT files DIR/t.W.N (O_EXCL),
 * writes SIZE bytes, fsync()s, closes and renames it to DIR/d.W.N.
 * Prints "OPS SECONDS" (total operations, wall time from the first fork
 * to the last exit) on stdout.  The files are left for the caller to
 * remove.  Any failed system call ends the writer with status 1, and
 * the program with status 1; bad arguments give status 2.
 *
 * Standalone on purpose (no libutil): bench/run compiles it with cc.
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_WRITERS 1000
#define MAX_COUNT 10000000L
#define MAX_SIZE (64L * 1024 * 1024)

/* number - a decimal argument in [min, max], or exit 2 */

static long number(const char *arg, long min, long max)
{
    char *end;
    long val;

    errno = 0;
    val = strtol(arg, &end, 10);
    if (errno || end == arg || *end || val < min || val > max) {
        fprintf(stderr, "fsyncstone: bad number: %s\n", arg);
        exit(2);
    }
    return val;
}

/* one_file - create, fill, fsync and rename one file; 0 or -1 */

static int one_file(const char *dir, int w, long n, const char *buf,
                    long size)
{
    char tmp[4096], done[4096];
    ssize_t got;
    long off;
    int fd;

    snprintf(tmp, sizeof(tmp), "%s/t.%d.%ld", dir, w, n);
    snprintf(done, sizeof(done), "%s/d.%d.%ld", dir, w, n);
    if ((fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL, 0600)) < 0)
        return -1;
    for (off = 0; off < size; off += got)
        if ((got = write(fd, buf + off, (size_t) (size - off))) <= 0) {
            close(fd);
            return -1;
        }
    if (fsync(fd) < 0) {
        close(fd);
        return -1;
    }
    if (close(fd) < 0)
        return -1;
    return rename(tmp, done);
}

/* writer - one writer's loop; the process's exit status */

static int writer(const char *dir, int w, long count, long size)
{
    char *buf;
    long n;

    if ((buf = malloc((size_t) size + 1)) == 0)
        return 1;
    memset(buf, 'x', (size_t) size + 1);
    for (n = 0; n < count; n++)
        if (one_file(dir, w, n, buf, size) < 0) {
            fprintf(stderr, "fsyncstone: writer %d file %ld: %s\n", w, n,
                    strerror(errno));
            return 1;
        }
    free(buf);
    return 0;
}

/* now - monotonic seconds */

static double now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* wait_all - reap started writers; 0 when every one succeeded */

static int wait_all(int started)
{
    int status, failed = 0;

    while (started > 0) {
        if (wait(&status) < 0) {
            if (errno == EINTR)
                continue;
            return 1;
        }
        started--;
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
            failed = 1;
    }
    return failed;
}

int main(int argc, char **argv)
{
    long writers, count, size;
    double start;
    int w, started = 0, failed = 0;
    pid_t pid;

    if (argc != 5) {
        fprintf(stderr, "usage: fsyncstone DIR WRITERS COUNT SIZE\n");
        return 2;
    }
    writers = number(argv[2], 1, MAX_WRITERS);
    count = number(argv[3], 1, MAX_COUNT);
    size = number(argv[4], 0, MAX_SIZE);
    start = now();
    for (w = 0; w < writers; w++) {
        if ((pid = fork()) < 0) {
            failed = 1;
            break;
        }
        if (pid == 0)
            _exit(writer(argv[1], w, count, size));
        started++;
    }
    failed |= wait_all(started);
    if (failed)
        return 1;
    printf("%ld %.6f\n", writers * count, now() - start);
    return 0;
}

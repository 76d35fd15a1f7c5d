/*
 * fsync_dir - sync the directory that holds a file.
 *
 * fsync(2) of a file makes its data durable, not its name: after creating
 * or renaming a file, the directory must be synced too before the change
 * survives a crash of the host.  fsync_dir(path) syncs the directory of
 * path ("a/b/c": "a/b"; "c": "."; "/c": "/"); path names a file, not a
 * directory ending in "/".  A file system that cannot sync a directory
 * (EINVAL) counts as success: there is nothing more to do.
 *
 * Returns 0, or -1 with errno set (ENAMETOOLONG when the directory name
 * does not fit PATH_MAX).  Nothing is allocated and nothing is fatal.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "fsync_dir.h"

/* statfs(2) f_type of the file systems fsync_names_new_file() knows. */
#define FS_EXT234_MAGIC 0xEF53
#define FS_XFS_MAGIC    0x58465342
#define FS_BTRFS_MAGIC  0x9123683E

/* dir_of - the directory part of path into buf; -1 when it does not fit */
static int
dir_of(const char *path, char *buf, size_t len)
{
    const char *slash = strrchr(path, '/');
    size_t n;

    if (slash == NULL) {
        path = ".";
        slash = path + 1;
    }
    /* "/c" lives in "/", not in "". */
    n = slash == path ? 1 : (size_t) (slash - path);
    if (n >= len) {
        errno = ENAMETOOLONG;
        return -1;
    }
    memcpy(buf, path, n);
    buf[n] = 0;
    return 0;
}

/* fsync_dir_open - the directory that holds path, open for a sync */
int
fsync_dir_open(const char *path)
{
    char dir[PATH_MAX];

    if (dir_of(path, dir, sizeof(dir)) < 0)
        return -1;
    return open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
}

/* fsync_dir - sync the directory that holds path */
int
fsync_dir(const char *path)
{
    int fd;
    int ret;
    int err;

    if ((fd = fsync_dir_open(path)) < 0)
        return -1;
    ret = fsync(fd);
    if (ret < 0 && errno == EINVAL)
        ret = 0;
    err = errno;
    close(fd);
    errno = err;
    return ret;
}

/* fsync_names_new_file - a new file's fsync() also makes its name durable */
int
fsync_names_new_file(int fd)
{
    struct statfs sfs;

    if (fstatfs(fd, &sfs) < 0)
        return 0;
    switch ((unsigned long) sfs.f_type) {
        case FS_EXT234_MAGIC:
        case FS_XFS_MAGIC:
        case FS_BTRFS_MAGIC:
            return 1;
        default:
            return 0;
    }
}

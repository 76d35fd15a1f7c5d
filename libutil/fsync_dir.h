#ifndef FSYNC_DIR_H
#define FSYNC_DIR_H

/*
 * fsync_dir - make a directory entry durable by syncing the directory
 * that holds a file, once the file was created, renamed or removed.
 *
 * fsync_dir() returns 0, or -1 with errno set.  Nothing is fatal.
 */
extern int fsync_dir(const char *path);

#endif

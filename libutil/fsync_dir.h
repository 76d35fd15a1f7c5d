#ifndef FSYNC_DIR_H
#define FSYNC_DIR_H

/*
 * fsync_dir - make a directory entry durable by syncing the directory
 * that holds a file, once the file was created, renamed or removed.
 *
 * fsync_dir() returns 0, or -1 with errno set; EINVAL from fsync() (a
 * file system that cannot sync a directory) counts as done.
 * fsync_dir_open() opens that directory (read-only, close-on-exec) for
 * a caller that syncs it itself (fsync_async): a descriptor, or -1 with
 * errno.  Nothing is fatal.
 *
 * fsync_names_new_file(fd) is 1 when fd's file system is known to make a
 * NEW file's name durable with the file's own fsync(): ext4 (also when
 * it mounts ext2/ext3: with a journal the fsync commits the transaction
 * that holds the name; without one it syncs the parents of a new
 * inode), XFS (the log force covers the create) and btrfs (the tree log
 * records a new inode's names).  Then a folder sync after a create adds
 * nothing.  0 for any other file system, or when fstatfs() fails.  It
 * says nothing about renames or links of an existing file.
 */
extern int fsync_dir(const char *path);
extern int fsync_dir_open(const char *path);
extern int fsync_names_new_file(int fd);

#endif

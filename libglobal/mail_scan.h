#ifndef MAIL_SCAN_H
#define MAIL_SCAN_H

/*
 * mail_scan - walk one queue folder and its hash subfolders.
 *
 * mail_scan() calls fn for each entry that is not a folder, in the queue
 * folder and in subfolders of one character name down to
 * MAIL_QUEUE_DEPTH_MAX levels (whatever hash_queue_depth is now, so
 * files left by an older depth are seen too), with the folder's path
 * and the entry's name; it stops after cap entries.  It returns the
 * number of entries seen, 0 when the queue folder does not exist, -1
 * (errno) when it cannot be read.  mail_scan_ids() adds the names that
 * are valid queue IDs to the caller's ARGV, sorted (arrival order).
 * Nothing is fatal.
 */
#include <stddef.h>

#include "argv.h"
#include "mail_queue.h"

typedef void (*MAIL_SCAN_FN)(const char *dir, const char *name, void *ctx);

extern long mail_scan(const MAIL_QUEUE *mq, const char *queue,
                      MAIL_SCAN_FN fn, void *ctx, size_t cap);
extern long mail_scan_ids(const MAIL_QUEUE *mq, const char *queue, ARGV *ids,
                          size_t cap);

#endif

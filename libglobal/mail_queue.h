#ifndef MAIL_QUEUE_H
#define MAIL_QUEUE_H

/*
 * mail_queue - queue names, queue IDs and the paths of queue files.
 *
 * A MAIL_QUEUE holds queue_directory and the hashing parameters
 * (hash_queue_names, hash_queue_depth); mail_queue_create() returns one
 * the caller owns and frees with mail_queue_free().  Every function that
 * builds a path first validates the queue name and the queue ID, so an
 * untrusted ID never reaches the file system unchecked: a bad one is
 * refused with -1 and a reason.  Nothing here is fatal except a bad
 * hash_queue_depth given to mail_queue_create() (a configuration error)
 * and bad arguments (our bug: panic).
 *
 * Queue IDs (docs/queue-format.md): 6 characters of seconds and 4 of
 * microseconds since the epoch, in a 52-character alphabet (digits and
 * consonants, ASCII order, fixed width so that IDs sort as their times
 * do), then 'z', then the file's inode number in the same alphabet less
 * 'z'.  Hashed queues use the microsecond characters, lowest order first,
 * one a level.
 */
#include <sys/time.h>
#include <sys/types.h>

#include "strbuf.h"

/* The queues and logs under queue_directory. */
#define MAIL_QUEUE_INCOMING "incoming"
#define MAIL_QUEUE_ACTIVE   "active"
#define MAIL_QUEUE_DEFERRED "deferred"
#define MAIL_QUEUE_HOLD     "hold"
#define MAIL_QUEUE_CORRUPT  "corrupt"
#define MAIL_QUEUE_MAILDROP "maildrop"
#define MAIL_QUEUE_BOUNCE   "bounce"
#define MAIL_QUEUE_DEFER    "defer"
#define MAIL_QUEUE_TRACE    "trace"
#define MAIL_QUEUE_SAVED    "saved"
#define MAIL_QUEUE_SPARE    "spare" /* finished files kept for reuse */

/* Queue ID: 6 + 4 time characters, 'z', 1 to 12 inode characters. */
#define MAIL_QUEUE_ID_SEC_LEN  6
#define MAIL_QUEUE_ID_USEC_LEN 4
#define MAIL_QUEUE_ID_TIME_LEN 10
#define MAIL_QUEUE_ID_SEP      'z'
#define MAIL_QUEUE_ID_MIN      12
#define MAIL_QUEUE_ID_MAX      23

/* hash_queue_depth: levels of subfolders, one microsecond digit each. */
#define MAIL_QUEUE_DEPTH_MAX 3

/* A new file is written with this mode, and marked complete with that. */
#define MAIL_QUEUE_MODE_WRITING  0600
#define MAIL_QUEUE_MODE_COMPLETE 0700

typedef struct MAIL_QUEUE MAIL_QUEUE;

extern MAIL_QUEUE *mail_queue_create(const char *queue_dir,
                                     const char *hash_names, int hash_depth);
extern MAIL_QUEUE *mail_queue_free(MAIL_QUEUE *mq);
extern const char *mail_queue_top(const MAIL_QUEUE *mq);
extern const char *const *mail_queue_names(void);

extern int mail_queue_name_ok(const char *queue);
extern int mail_queue_id_ok(const char *id);
extern int mail_queue_hashed(const MAIL_QUEUE *mq, const char *queue);

extern void mail_queue_id_make(STRBUF *out, const struct timeval *tv,
                               ino_t ino);
extern int mail_queue_id_time(const char *id, struct timeval *tv);

extern int mail_queue_dir(const MAIL_QUEUE *mq, STRBUF *out, const char *queue,
                          const char *id, STRBUF *why);
extern int mail_queue_path(const MAIL_QUEUE *mq, STRBUF *out, const char *queue,
                           const char *id, STRBUF *why);
extern int mail_queue_mkdirs(const MAIL_QUEUE *mq, const char *queue,
                             const char *id, STRBUF *why);
extern int mail_queue_enter(const MAIL_QUEUE *mq, const char *queue, STRBUF *id,
                            STRBUF *why);
extern int mail_queue_rename(const MAIL_QUEUE *mq, const char *id,
                             const char *old_queue, const char *new_queue,
                             STRBUF *why);
extern int mail_queue_remove(const MAIL_QUEUE *mq, const char *queue,
                             const char *id, STRBUF *why);
/*
 * Reuse of finished queue files (docs/queue-format.md, "Reuse"): qmgr
 * gives a finished file to spare/ instead of removing it, and cleanup
 * takes one from there instead of creating a file, so that the file
 * system allocates and frees no inode per message.  The limit (0: no
 * reuse) is queue_file_reuse_limit; files larger than
 * MAIL_QUEUE_SPARE_MAX_SIZE are removed, not kept.
 *
 * mail_queue_spare_take() moves a spare file to its new ID in queue
 * (mode 0600, the old content still in it: the caller overwrites it and
 * cuts it to length) and returns the descriptor and the ID, or -1 when
 * none could be had (errno ENOENT when spare/ was simply empty, and why
 * left empty then).  mail_queue_spare_put() gives id in queue to spare/
 * (0), or removes it when spare/ is full, reuse is off or the file is
 * large (1); -1 with a reason when neither worked.
 */
#define MAIL_QUEUE_SPARE_MAX_SIZE (64 * 1024)

extern void mail_queue_set_spare_limit(MAIL_QUEUE *mq, long limit);
extern int mail_queue_spare_take(const MAIL_QUEUE *mq, const char *queue,
                                 STRBUF *id, STRBUF *why);
extern int mail_queue_spare_put(const MAIL_QUEUE *mq, const char *queue,
                                const char *id, STRBUF *why);
extern int mail_queue_open(const MAIL_QUEUE *mq, const char *queue,
                           const char *id, int mode, STRBUF *why);
extern int mail_queue_open_read(const MAIL_QUEUE *mq, const char *queue,
                                const char *id, STRBUF *why);

#endif

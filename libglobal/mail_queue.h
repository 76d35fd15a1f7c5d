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
extern int mail_queue_open(const MAIL_QUEUE *mq, const char *queue,
                           const char *id, int mode, STRBUF *why);
extern int mail_queue_open_read(const MAIL_QUEUE *mq, const char *queue,
                                const char *id, STRBUF *why);

#endif

#ifndef QFILE_H
#define QFILE_H

/*
 * qfile - write a queue file safely, mark recipients done, move bad files
 * to corrupt/, and read and validate a file's envelope.
 *
 * Writer (cleanup): qfile_create() returns a QFILE the caller owns, open
 * on a new file named by its queue ID (mode 0600); qfile_put() and
 * friends append records and return each record's offset;
 * qfile_set_size() rewrites the size record in place; qfile_commit() makes
 * the file count (docs/queue-format.md, "completion"); qfile_abort()
 * removes it.  Both free the QFILE and return NULL.  The writer must
 * write the records in the order the reader requires.
 *
 * Readers (qmgr, postern cat): mail_queue_open_read() refuses files
 * without the complete mark; qfile_read_envelope() fills a QFILE_ENV the
 * caller owns (qfile_env_free) and validates the whole file.  Delivery:
 * qfile_mark_done() flips one recipient record to done (not synced);
 * qfile_set_warn() rewrites the optional warn record (W) in place.
 *
 * Errors are returned: -1 (QFILE_IOERR for the reader: try later) or
 * QFILE_BAD (the file is malformed: qfile_corrupt()), with a reason.
 */
#include <sys/types.h>

#include "fsync_async.h"
#include "fsync_group.h"
#include "mail_queue.h"
#include "rec_type.h"
#include "record.h"
#include "strbuf.h"
#include "stream.h"

/* The state of the queue's group commit of folder syncs (fsync_group),
 * under queue_directory; owned by mail_owner, who creates it. */
#define QFILE_SYNC_STATE "private/queue.sync"

typedef struct QFILE {
    const MAIL_QUEUE *mq; /* borrowed */
    char *queue;          /* the queue the file was created in */
    char *id;             /* its queue ID */
    STRBUF *path;         /* its path */
    int fd;
    STREAM *st;   /* writes go through this */
    off_t offset; /* where the next record starts */
    int reused;   /* taken from spare/: old content past offset, and a
                   * name made by rename (mail_queue_spare_take) */
    int dir_fd;   /* the folder, while its sync runs (reused); else -1 */
    FSYNC_ASYNC dir_sync; /* that sync, started by qfile_create() */
    FSYNC_GROUP *group;   /* or a group commit of it (borrowed); NULL */
    FSYNC_TICKET ticket;  /* taken after the rename */
} QFILE;

extern QFILE *qfile_create(const MAIL_QUEUE *mq, const char *queue,
                           STRBUF *why);
extern off_t qfile_put(QFILE *qf, int type, const void *data, size_t len);
extern off_t qfile_puts(QFILE *qf, int type, const char *str);
extern off_t qfile_put_line(QFILE *qf, const char *data, size_t len,
                            size_t limit);
extern off_t qfile_put_size(QFILE *qf, long long content_offset,
                            long long content_size, long long rcpt_count);
extern int qfile_set_size(QFILE *qf, long long content_offset,
                          long long content_size, long long rcpt_count);
extern int qfile_commit(QFILE *qf, const char *queue, STRBUF *why);
extern QFILE *qfile_free(QFILE *qf);
extern QFILE *qfile_abort(QFILE *qf);

extern int qfile_mark_done(int fd, off_t offset);
extern int qfile_set_warn(int fd, off_t offset, long long when);
extern int qfile_corrupt(const MAIL_QUEUE *mq, const char *queue,
                         const char *id, const char *why);

/* Reader limits. */
typedef struct QFILE_LIMITS {
    size_t max_record; /* longest record data */
    size_t max_rcpt;   /* most recipients */
    size_t max_attr;   /* most attributes */
} QFILE_LIMITS;

#define QFILE_DEF_MAX_RECORD (64 * 1024)
#define QFILE_DEF_MAX_RCPT   100000
#define QFILE_DEF_MAX_ATTR   1000

typedef struct QFILE_RCPT {
    char *address;   /* recipient */
    char *orig;      /* original recipient, or NULL */
    char *dsn_orcpt; /* DSN ORCPT, or NULL */
    int dsn_notify;  /* DSN_NOTIFY_* flags, 0: not given */
    off_t offset;    /* of the recipient record, for qfile_mark_done */
    int done;        /* the record is REC_TYPE_DONE */
} QFILE_RCPT;

typedef struct QFILE_ENV {
    char queue_id[MAIL_QUEUE_ID_MAX + 1]; /* I record; "": none */
    long long arrival_sec;
    long arrival_usec;
    char *sender; /* "" for the null sender */
    QFILE_RCPT *rcpt;
    size_t rcpt_count;
    size_t rcpt_done;
    char **attr_names; /* envelope attributes, in file order */
    char **attr_values;
    size_t attr_count;
    long long content_offset; /* first content record after MESG */
    long long content_size;   /* bytes of content records */
    long long size_rcpt;      /* recipient count of the size record */
    long long warn_time;      /* W record: delay warning due; 0: none */
    off_t warn_offset;        /* of the W record, -1: none */
} QFILE_ENV;

#define QFILE_OK    0
#define QFILE_IOERR (-1)
#define QFILE_BAD   (-2)

extern void qfile_limits_init(QFILE_LIMITS *lim);
extern int qfile_read_envelope(STREAM *st, const QFILE_LIMITS *lim,
                               QFILE_ENV **env, STRBUF *why);
extern QFILE_ENV *qfile_env_free(QFILE_ENV *env);

#endif

#ifndef REC_TYPE_H
#define REC_TYPE_H

/*
 * rec_type - the type bytes of queue-file records (docs/queue-format.md).
 *
 * Each record is one type byte, its data length as a variable-length
 * integer, then the data.  Types are printable ASCII letters so that a
 * hex dump of a queue file reads.  REC_TYPE_RCPT and REC_TYPE_DONE differ
 * in the type byte only: delivery marks a recipient done by rewriting that
 * one byte in place (qfile_mark_done).
 */

/* Envelope. */
#define REC_TYPE_SIZE       'C' /* content offset, content size, rcpt count */
#define REC_TYPE_QID        'I' /* the file's own queue ID (reuse check) */
#define REC_TYPE_TIME       'T' /* arrival time: "seconds microseconds" */
#define REC_TYPE_WARN       'W' /* delay warning time, 0: none or sent */
#define REC_TYPE_FROM       'S' /* envelope sender ("" for the null sender) */
#define REC_TYPE_ATTR       'A' /* envelope attribute: name=value */
#define REC_TYPE_ORCP       'O' /* original recipient, before rewriting */
#define REC_TYPE_DSN_ORCPT  'o' /* DSN ORCPT parameter (RFC 3461 4.2) */
#define REC_TYPE_DSN_NOTIFY 'n' /* DSN NOTIFY flags, decimal (DSN_NOTIFY_*) */
#define REC_TYPE_RCPT       'R' /* recipient, not yet delivered */
#define REC_TYPE_DONE       'D' /* recipient delivered (or bounced): done */

/* Content. */
#define REC_TYPE_MESG 'M' /* start of content; empty data */
#define REC_TYPE_NORM 'N' /* a line, or the last piece of a long line */
#define REC_TYPE_CONT 'L' /* a piece of a line that goes on */
#define REC_TYPE_XTRA 'X' /* end of content; empty data */
#define REC_TYPE_END  'E' /* end of file; empty, or the I record's ID */

/* What rec_get() returns instead of a type. */
#define REC_TYPE_EOF   (-1) /* end of input before a type byte */
#define REC_TYPE_ERROR (-2) /* truncated, malformed, too long, I/O error */

/* Every type byte, for validation and for printing. */
#define REC_TYPE_ALL "CITWSAOonRDMNLXE"

/* The size record's data: fixed width so it can be rewritten in place. */
#define REC_SIZE_FMT "%15lld %15lld %15lld"
#define REC_SIZE_LEN 47

/* The warn record's data: fixed width, rewritten in place to 0. */
#define REC_WARN_FMT "%15lld"
#define REC_WARN_LEN 15
#define REC_WARN_MAX 999999999999999LL

/* DSN NOTIFY flags (RFC 3461 section 4.1); NEVER stands alone. */
#define DSN_NOTIFY_NEVER   (1 << 0)
#define DSN_NOTIFY_SUCCESS (1 << 1)
#define DSN_NOTIFY_FAILURE (1 << 2)
#define DSN_NOTIFY_DELAY   (1 << 3)
#define DSN_NOTIFY_ANY                                                         \
    (DSN_NOTIFY_SUCCESS | DSN_NOTIFY_FAILURE | DSN_NOTIFY_DELAY)

extern const char *rec_type_name(int type);
extern int rec_type_ok(int type);

#endif

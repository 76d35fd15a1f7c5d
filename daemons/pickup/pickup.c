/*
 * pickup - take locally submitted messages from maildrop/ and hand them
 * to cleanup(8).
 *
 * A trigger server (master.cf: `pickup unix n - n 60 1 pickup`, one
 * process): each wakeup, from postdrop or master's timer, scans
 * maildrop/ (at most PICKUP_SCAN_MAX files a pass, oldest first) and
 * for each file:
 *   - opens it without following links and checks it is a regular file
 *     with one link; a file without the complete mark (owner execute)
 *     is skipped while young (postdrop may still be writing it) and
 *     removed once older than PICKUP_STALE_SECS (a crash leftover);
 *   - validates the whole file with maildrop_read(): the maildrop
 *     folder is writable by the setgid group, so a file there proves
 *     nothing, and a user must not forge what the format reserves
 *     (arrival time, original recipients, done marks, other
 *     attributes).  A bad file goes to corrupt/ with a log line naming
 *     the file, its owner and the problem;
 *   - sends it to cleanup with rewrite_context=local and
 *     log_message_origin=uid=N, flags FILTER|MAP|BOUNCE (and EXTRACT
 *     for sendmail -t), streaming the content from the file after a
 *     "Received: by HOST (MAIL_NAME, from userid N)" trace header;
 *   - removes the file only after cleanup answered.  A temporary
 *     failure (cleanup down, a table failing) leaves it for the next
 *     pass and ends this one.  With BOUNCE, cleanup turns a permanent
 *     refusal of the content (a REJECT rule, the size limit, the hop
 *     count) into a bounce to the local sender and answers OK; a
 *     refusal that remains (no recipients, a bad request) is logged
 *     with the reason and the file removed (docs/pickup.md).
 * Log: "QUEUEID: uid=N from=<sender>" as Postfix's pickup writes it.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "argv.h"
#include "cleanup_clnt.h"
#include "mail_conf.h"
#include "mail_date.h"
#include "mail_proto.h"
#include "mail_queue.h"
#include "mail_scan.h"
#include "mail_server.h"
#include "maildrop.h"
#include "msg.h"
#include "mymalloc.h"
#include "qfile.h"
#include "stream.h"

#define PICKUP_SCAN_MAX   10000 /* files looked at per pass */
#define PICKUP_STALE_SECS 3600  /* an incomplete file this old is left */

/* What one pass does with one file. */
#define PICKUP_NEXT 0  /* done with it (sent, removed or moved) */
#define PICKUP_STOP 1  /* temporary failure: end the pass */

static MAIL_QUEUE *pickup_mq;
static int pickup_timeout_ms;
static char *pickup_myhostname;
static char *pickup_mail_name;

/* pickup_remove - unlink a maildrop file; log failure */
static void
pickup_remove(const char *id)
{
    STRBUF *why = strbuf_create(100);

    if (mail_queue_remove(pickup_mq, MAIL_QUEUE_MAILDROP, id, why) < 0)
        msg_warn("maildrop/%s: cannot remove: %s", id, STR(why));
    strbuf_free(why);
}

/* pickup_incomplete - no complete mark: leave it, or remove it if stale */
static int
pickup_incomplete(const char *id, const struct stat *st)
{
    if (time(NULL) - st->st_mtime > PICKUP_STALE_SECS) {
        msg_info("maildrop/%s: uid=%ld: incomplete file older than %d s: "
                 "removed", id, (long) st->st_uid, PICKUP_STALE_SECS);
        pickup_remove(id);
    }
    return -1;
}

/*
 * pickup_open - open and check a file; -1 when it is not to be taken.
 * The mark is checked before open(): a file still being written is
 * mode 0600 and its owner's, so pickup could not open it anyway.
 */
static int
pickup_open(const char *id, struct stat *st)
{
    STRBUF *path = strbuf_create(100);
    STRBUF *why = strbuf_create(100);
    struct stat fst;
    int fd = -1;

    if (mail_queue_path(pickup_mq, path, MAIL_QUEUE_MAILDROP, id, why) < 0)
        msg_warn("maildrop/%s: %s", id, STR(why));
    else if (lstat(STR(path), st) < 0) {
        if (errno != ENOENT)
            msg_warn("maildrop/%s: lstat: %m", id);
    } else if (!S_ISREG(st->st_mode)) {
        msg_warn("maildrop/%s: not a regular file: removed", id);
        pickup_remove(id);
    } else if ((st->st_mode & S_IXUSR) == 0)
        fd = pickup_incomplete(id, st);
    else if ((fd = open(STR(path), O_RDONLY | O_NOFOLLOW | O_NONBLOCK)) < 0)
        msg_warn("maildrop/%s: open: %m", id);
    else if (fstat(fd, &fst) < 0 || !S_ISREG(fst.st_mode) ||
             fst.st_nlink != 1 || fst.st_ino != st->st_ino) {
        msg_warn("maildrop/%s: not a regular file with one link: removed",
                 id);
        close(fd);
        fd = -1;
        pickup_remove(id);
    }
    strbuf_free(path);
    strbuf_free(why);
    return fd;
}

/* pickup_envelope - the sender, attributes and recipients to cleanup */
static void
pickup_envelope(CLEANUP_CLNT *clnt, const MAILDROP *md, uid_t uid)
{
    char origin[40];
    size_t i;

    snprintf(origin, sizeof(origin), "uid=%ld", (long) uid);
    cleanup_clnt_sender(clnt, md->sender);
    cleanup_clnt_attr(clnt, MAIL_ATTR_RWR_CONTEXT, MAIL_RWR_LOCAL);
    cleanup_clnt_attr(clnt, MAIL_ATTR_LOG_ORIGIN, origin);
    if (md->full_name)
        cleanup_clnt_attr(clnt, MAIL_ATTR_FULL_NAME, md->full_name);
    if (md->envid)
        cleanup_clnt_attr(clnt, MAIL_ATTR_DSN_ENVID, md->envid);
    if (md->ret)
        cleanup_clnt_attr(clnt, MAIL_ATTR_DSN_RET, md->ret);
    if (md->encoding)
        cleanup_clnt_attr(clnt, MAIL_ATTR_ENCODING, md->encoding);
    for (i = 0; i < md->rcpt_count; i++)
        cleanup_clnt_rcpt(clnt, md->rcpt[i].address, NULL,
                          md->rcpt[i].dsn_orcpt, md->rcpt[i].dsn_notify);
}

/*
 * pickup_received - the trace header of a local submission: this host,
 * the file owner's uid (not the login name), the queue ID cleanup gave
 * and the file's modification time (RFC 5322 section 3.6.7), as
 * Postfix's pickup writes it.
 */
static void
pickup_received(CLEANUP_CLNT *clnt, uid_t uid, time_t mtime, STRBUF *line)
{
    STRBUF *date = mail_date(strbuf_create(40), mtime);

    strbuf_sprintf(line,
                   "Received: by %s (%s, from userid %ld)\n\tid %s; %s\n",
                   pickup_myhostname, pickup_mail_name, (long) uid,
                   cleanup_clnt_queue_id(clnt), STR(date));
    (void) cleanup_clnt_write(clnt, STR(line), LEN(line));
    strbuf_free(date);
}

/* pickup_content - stream the content lines; -1 on a read problem */
static int
pickup_content(CLEANUP_CLNT *clnt, int fd, const MAILDROP *md,
               const MAILDROP_LIMITS *lim, const struct stat *fst,
               STRBUF *why)
{
    STREAM *st;
    STRBUF *line;
    int ret;

    if (lseek(fd, md->content_offset, SEEK_SET) < 0)
        return strbuf_fail(why, errno, "seek");
    st = stream_fdopen(fd, O_RDONLY);
    line = strbuf_create(1000);
    pickup_received(clnt, fst->st_uid, fst->st_mtime, line);
    while ((ret = maildrop_get_line(st, lim, line, why)) == 1) {
        strbuf_addch(line, '\n');
        if (cleanup_clnt_write(clnt, STR(line), LEN(line)) < 0)
            break;
    }
    stream_free(st);
    strbuf_free(line);
    return ret < 0 ? -1 : 0;
}

/* pickup_verdict - act on cleanup's answer; PICKUP_NEXT or _STOP */
static int
pickup_verdict(const char *id, const MAILDROP *md, uid_t uid,
               const char *qid, int status, const CLEANUP_RESULT *res)
{
    if (status == MAIL_STAT_OK) {
        msg_info("%s: uid=%ld from=<%s>", qid, (long) uid, md->sender);
        pickup_remove(id);
        return PICKUP_NEXT;
    }
    if (status < 0 || status == MAIL_STAT_RETRY) {
        msg_warn("maildrop/%s: uid=%ld: cleanup: %s %s: will try again", id,
                 (long) uid, STR(res->dsn), STR(res->reason));
        return PICKUP_STOP;
    }
    msg_warn("maildrop/%s: uid=%ld from=<%s>: rejected: %s %s: removed", id,
             (long) uid, md->sender, STR(res->dsn), STR(res->reason));
    pickup_remove(id);
    return PICKUP_NEXT;
}

/* pickup_send - one validated file to cleanup; PICKUP_NEXT or _STOP */
static int
pickup_send(const char *id, int fd, const MAILDROP *md,
            const MAILDROP_LIMITS *lim, const struct stat *fst)
{
    uid_t uid = fst->st_uid;
    int flags = CLEANUP_FLAG_FILTER | CLEANUP_FLAG_MAP | CLEANUP_FLAG_BOUNCE;
    STRBUF *why = strbuf_create(100);
    CLEANUP_RESULT res;
    CLEANUP_CLNT *clnt;
    int status;
    int ret;

    if (md->extract)
        flags |= CLEANUP_FLAG_EXTRACT;
    if ((clnt = cleanup_clnt_open(NULL, MAIL_CLASS_PUBLIC, flags,
                                  pickup_timeout_ms, why)) == NULL) {
        msg_warn("maildrop/%s: %s: will try again", id, STR(why));
        strbuf_free(why);
        return PICKUP_STOP;
    }
    pickup_envelope(clnt, md, uid);
    cleanup_result_init(&res);
    if (pickup_content(clnt, fd, md, lim, fst, why) < 0) {
        msg_warn("maildrop/%s: reading content: %s: will try again", id,
                 STR(why));
        ret = PICKUP_STOP;
    } else {
        status = cleanup_clnt_finish(clnt, &res);
        ret = pickup_verdict(id, md, uid, cleanup_clnt_queue_id(clnt), status,
                             &res);
    }
    cleanup_clnt_free(clnt);
    cleanup_result_free(&res);
    strbuf_free(why);
    return ret;
}

/* pickup_file - validate one maildrop file and send it */
static int
pickup_file(const char *id)
{
    STRBUF *why = strbuf_create(100);
    MAILDROP_LIMITS lim;
    MAILDROP *md = NULL;
    struct stat st;
    STREAM *in;
    int ret = PICKUP_NEXT;
    int fd;
    int rc;

    if ((fd = pickup_open(id, &st)) < 0) {
        strbuf_free(why);
        return PICKUP_NEXT;
    }
    maildrop_limits_init(&lim);
    in = stream_fdopen(fd, O_RDONLY);
    rc = maildrop_read(in, &lim, NULL, &md, why);
    stream_free(in);
    if (rc == MAILDROP_OK) {
        ret = pickup_send(id, fd, md, &lim, &st);
    } else if (rc == MAILDROP_IOERR) {
        msg_warn("maildrop/%s: read: %s: will try again", id, STR(why));
        ret = PICKUP_STOP;
    } else {
        strbuf_sprintf_cat(why, " (file owner uid=%ld)", (long) st.st_uid);
        qfile_corrupt(pickup_mq, MAIL_QUEUE_MAILDROP, id, STR(why));
    }
    close(fd);
    if (md)
        maildrop_free(md);
    strbuf_free(why);
    return ret;
}

/* pickup_trigger - a wakeup: one pass over maildrop/ */
static void
pickup_trigger(const char *buf, size_t len, const char *service, char **argv)
{
    ARGV *ids = argv_alloc(100);
    size_t i;

    (void) buf;
    (void) len;
    (void) service;
    (void) argv;
    if (mail_scan_ids(pickup_mq, MAIL_QUEUE_MAILDROP, ids, PICKUP_SCAN_MAX) <
        0)
        msg_warn("cannot scan maildrop/: %m");
    for (i = 0; i < ids->argc; i++)
        if (pickup_file(ids->argv[i]) == PICKUP_STOP)
            break;
    argv_free(ids);
}

/* pickup_post_init - the queue handle and the cleanup timeout */
static void
pickup_post_init(const char *service, char **argv)
{
    char *names = mail_conf_str("hash_queue_names");
    long timeout = mail_conf_time("ipc_timeout");

    (void) service;
    (void) argv;
    pickup_mq =
        mail_queue_create(".", names, (int) mail_conf_long("hash_queue_depth"));
    myfree(names);
    pickup_myhostname = mail_conf_str("myhostname");
    pickup_mail_name = mail_conf_str("mail_name");
    if (timeout > 3600)
        timeout = 3600;
    pickup_timeout_ms = (int) timeout * 1000;
}

/* main - the trigger-server skeleton does the rest */
int
main(int argc, char **argv)
{
    trigger_server_main(argc, argv, pickup_trigger, MAIL_SERVER_POST_INIT,
                        pickup_post_init, MAIL_SERVER_SOLITARY, 1, 0);
}

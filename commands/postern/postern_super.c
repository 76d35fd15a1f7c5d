/*
 * postern_super - queue maintenance for root, like Postfix's postsuper(1).
 *
 *   postern super [-c DIR] [-v] -d ID|ALL|- [QUEUE...]  delete
 *   postern super [-c DIR] [-v] -h ID|ALL|- [QUEUE...]  hold (to hold/)
 *   postern super [-c DIR] [-v] -H ID|ALL|-             release (to deferred/)
 *   postern super [-c DIR] [-v] -r ID|ALL|- [QUEUE...]  requeue via cleanup
 *   postern super [-c DIR] [-v] -s                      structure check
 *
 * "-" reads queue IDs from standard input, one a line.  Without QUEUE
 * operands -d and -r look in hold, incoming, active and deferred, -h in
 * incoming, active and deferred; -H always in hold.  Each action is
 * logged like Postfix's ("ID: removed", "ID: placed on hold", "ID:
 * released from hold", "ID: requeued") and the totals go to stderr
 * ("postern/super: Deleted: N messages").  A delete also removes the
 * message's bounce/, defer/ and trace/ logs.  A requeue reads the
 * envelope and content, hands a new copy to cleanup (CLEANUP_FLAG_MAP,
 * the old arrival time, sender, attributes and the recipients not done)
 * and removes the old file only after cleanup said OK.  -s makes missing
 * queue folders, moves files to the hash folder their ID belongs in,
 * removes tmp.* and incomplete files older than a day, and moves a file
 * whose name does not match its inode to corrupt/.
 *
 * Only root may run it (or mail_owner, for an instance without
 * privilege separation).  Exit status: 0, 1 when something failed.
 */
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "argv.h"
#include "cleanup_clnt.h"
#include "mail_conf.h"
#include "mail_queue.h"
#include "mail_scan.h"
#include "mailq_fmt.h"
#include "maillog_client.h"
#include "msg.h"
#include "postern.h"
#include "qfile.h"

#define SUPER_MAX_IDS    1000000 /* IDs from stdin or ALL */
#define SUPER_STALE_SEC  86400   /* tmp.* and incomplete files */
#define SUPER_TIMEOUT_MS 60000

/* What the run did, for the totals. */
typedef struct SUPER_COUNTS {
    long deleted, held, released, requeued, errors;
    long dirs, moved, stale, corrupt;
} SUPER_COUNTS;

static MAIL_QUEUE *super_mq;
static char *super_queue_dir;
static SUPER_COUNTS super_counts;

static const char *const q_default[] = {MAIL_QUEUE_HOLD, MAIL_QUEUE_INCOMING,
                                        MAIL_QUEUE_ACTIVE,
                                        MAIL_QUEUE_DEFERRED, NULL};
static const char *const q_hold_from[] = {MAIL_QUEUE_INCOMING,
                                          MAIL_QUEUE_ACTIVE,
                                          MAIL_QUEUE_DEFERRED, NULL};
static const char *const q_hold[] = {MAIL_QUEUE_HOLD, NULL};
static const char *const q_message[] = {
    MAIL_QUEUE_MAILDROP, MAIL_QUEUE_INCOMING, MAIL_QUEUE_ACTIVE,
    MAIL_QUEUE_DEFERRED, MAIL_QUEUE_HOLD,     NULL};

/* super_fail - a problem: to the log and to stderr */
static void
super_fail(const char *fmt, const char *id, const char *why)
{
    msg_warn(fmt, id, why);
    fprintf(stderr, "postern/super: warning: ");
    fprintf(stderr, fmt, id, why);
    fprintf(stderr, "\n");
    super_counts.errors++;
}

/* file_exists - is id in queue? */
static int
file_exists(const char *queue, const char *id)
{
    STRBUF *path = strbuf_create(100), *why = strbuf_create(100);
    struct stat st;
    int ret;

    ret = mail_queue_path(super_mq, path, queue, id, why) == 0 &&
          lstat(STR(path), &st) == 0;
    strbuf_free(path);
    strbuf_free(why);
    return ret;
}

/* remove_logs - the per-message logs of a deleted message */
static void
remove_logs(const char *id)
{
    static const char *const logs[] = {MAIL_QUEUE_BOUNCE, MAIL_QUEUE_DEFER,
                                       MAIL_QUEUE_TRACE, NULL};
    STRBUF *why = strbuf_create(100);
    int i;

    for (i = 0; logs[i]; i++) {
        strbuf_reset(why);
        if (mail_queue_remove(super_mq, logs[i], id, why) < 0 &&
            errno != ENOENT)
            super_fail("%s: %s", id, STR(why));
    }
    strbuf_free(why);
}

/* do_delete - remove a message and its logs */
static int
do_delete(const char *queue, const char *id)
{
    STRBUF *why = strbuf_create(100);
    int ret;

    if ((ret = mail_queue_remove(super_mq, queue, id, why)) < 0) {
        super_fail("%s: %s", id, STR(why));
    } else {
        remove_logs(id);
        msg_info("%s: removed", id);
        super_counts.deleted++;
    }
    strbuf_free(why);
    return ret;
}

/* do_move - hold or release */
static int
do_move(const char *from, const char *to, const char *id, const char *what,
        long *count)
{
    STRBUF *why = strbuf_create(100);
    int ret;

    if ((ret = mail_queue_rename(super_mq, id, from, to, why)) < 0) {
        super_fail("%s: %s", id, STR(why));
    } else {
        msg_info("%s: %s", id, what);
        (*count)++;
    }
    strbuf_free(why);
    return ret;
}

/* send_content - the content records, as LF-ended lines, to cleanup */
static int
send_content(CLEANUP_CLNT *clnt, int fd, const QFILE_ENV *env, STRBUF *why)
{
    STREAM *st;
    STRBUF *buf = strbuf_create(100);
    int type = 0, ret = 0;

    if (lseek(fd, (off_t) env->content_offset, SEEK_SET) < 0)
        return strbuf_fail(why, errno, "seek");
    st = stream_fdopen(fd, O_RDONLY);
    while (ret == 0 &&
           ((type = rec_get(st, buf, QFILE_DEF_MAX_RECORD)) == REC_TYPE_NORM ||
            type == REC_TYPE_CONT)) {
        if (type == REC_TYPE_NORM)
            strbuf_addch(buf, '\n');
        ret = cleanup_clnt_write(clnt, STR(buf), LEN(buf));
    }
    if (type != REC_TYPE_XTRA && ret == 0)
        ret = strbuf_fail(why, 0, "content ends early");
    stream_free(st);
    strbuf_free(buf);
    return ret;
}

/* submit - the envelope and content of env to a new cleanup session */
static int
submit(int fd, const QFILE_ENV *env, STRBUF *why)
{
    CLEANUP_CLNT *clnt;
    CLEANUP_RESULT res;
    size_t i;
    int ret;

    if ((clnt = cleanup_clnt_open(super_queue_dir, MAIL_CLASS_PUBLIC,
                                  CLEANUP_FLAG_MAP, SUPER_TIMEOUT_MS,
                                  why)) == NULL)
        return -1;
    cleanup_clnt_time(clnt, env->arrival_sec, env->arrival_usec);
    cleanup_clnt_sender(clnt, env->sender);
    for (i = 0; i < env->attr_count; i++)
        cleanup_clnt_attr(clnt, env->attr_names[i], env->attr_values[i]);
    for (i = 0; i < env->rcpt_count; i++)
        if (!env->rcpt[i].done)
            cleanup_clnt_rcpt(clnt, env->rcpt[i].address, env->rcpt[i].orig,
                              env->rcpt[i].dsn_orcpt, env->rcpt[i].dsn_notify);
    cleanup_result_init(&res);
    ret = send_content(clnt, fd, env, why);
    if (ret == 0 && (ret = cleanup_clnt_finish(clnt, &res)) != MAIL_STAT_OK) {
        strbuf_sprintf(why, "cleanup: %s", ret < 0 ? "no reply"
                                                   : STR(res.reason));
        ret = -1;
    }
    cleanup_result_free(&res);
    cleanup_clnt_free(clnt);
    return ret;
}

/* do_requeue - submit a copy through cleanup, then remove the old file */
static int
do_requeue(const char *queue, const char *id)
{
    STRBUF *why = strbuf_create(100);
    QFILE_LIMITS lim;
    QFILE_ENV *env = NULL;
    STREAM *st;
    int fd, ret = -1;

    qfile_limits_init(&lim);
    if ((fd = mail_queue_open_read(super_mq, queue, id, why)) >= 0) {
        st = stream_fdopen(fd, O_RDONLY);
        ret = qfile_read_envelope(st, &lim, &env, why);
        stream_free(st);
        if (ret == QFILE_BAD)
            (void) qfile_corrupt(super_mq, queue, id, STR(why));
        if (ret == QFILE_OK && (ret = submit(fd, env, why)) == 0 &&
            do_delete(queue, id) == 0) {
            super_counts.deleted--;
            super_counts.requeued++;
            msg_info("%s: requeued", id);
        }
        close(fd);
    }
    if (ret != 0)
        super_fail("%s: cannot requeue: %s", id, STR(why));
    qfile_env_free(env);
    strbuf_free(why);
    return ret;
}

/* act - apply one action to one ID in the first queue that has it */
static void
act(int op, const char *id, const char *const *queues)
{
    int i;

    for (i = 0; queues[i]; i++) {
        if (!file_exists(queues[i], id))
            continue;
        if (op == 'd')
            (void) do_delete(queues[i], id);
        else if (op == 'h' && strcmp(queues[i], MAIL_QUEUE_HOLD) != 0)
            (void) do_move(queues[i], MAIL_QUEUE_HOLD, id, "placed on hold",
                           &super_counts.held);
        else if (op == 'H')
            (void) do_move(queues[i], MAIL_QUEUE_DEFERRED, id,
                           "released from hold", &super_counts.released);
        else if (op == 'r')
            (void) do_requeue(queues[i], id);
        return;
    }
    if (msg_verbose)
        msg_info("%s: not found", id);
}

/* act_all - the action on every message of the queues */
static void
act_all(int op, const char *const *queues)
{
    const char *one[2] = {NULL, NULL};
    ARGV *ids = argv_alloc(100);
    size_t i;
    int q;

    for (q = 0; queues[q]; q++) {
        argv_truncate(ids, 0);
        if (mail_scan_ids(super_mq, queues[q], ids, SUPER_MAX_IDS) < 0)
            super_fail("%s: scan: %s", queues[q], strerror(errno));
        one[0] = queues[q];
        for (i = 0; i < ids->argc; i++)
            act(op, ids->argv[i], one);
    }
    argv_free(ids);
}

/* act_stdin - the action on each ID read from standard input */
static void
act_stdin(int op, const char *const *queues)
{
    char line[MAIL_QUEUE_ID_MAX + 3];
    size_t len, n;

    for (n = 0; n < SUPER_MAX_IDS && fgets(line, sizeof(line), stdin); n++) {
        len = strcspn(line, "\r\n");
        if (line[len] == 0 && !feof(stdin)) {
            super_fail("%s: %s", "standard input", "line too long");
            while (fgets(line, sizeof(line), stdin) && !strchr(line, '\n'))
                ;
            continue;
        }
        line[len] = 0;
        if (mailq_id_arg(line, len) == MAILQ_ID_ONE)
            act(op, line, queues);
        else if (len > 0)
            super_fail("%s: %s", "standard input", "bad queue ID");
    }
}

/* super_run - one -d/-h/-H/-r option */
static void
super_run(int op, const char *arg, const char *const *queues)
{
    if (op == 'H')
        queues = q_hold;
    else if (queues == NULL)
        queues = op == 'h' ? q_hold_from : q_default;
    if (strcmp(arg, "-") == 0)
        act_stdin(op, queues);
    else if (mailq_id_arg(arg, strlen(arg)) == MAILQ_ID_ALL)
        act_all(op, queues);
    else if (mailq_id_arg(arg, strlen(arg)) == MAILQ_ID_ONE)
        act(op, arg, queues);
    else
        super_fail("%s: %s", arg, "bad queue ID");
}

/* Context of the structure check of one queue. */
typedef struct FSCK_CTX {
    const char *queue;
    int message_queue; /* files named by their own inode */
    time_t now;
} FSCK_CTX;

/* fsck_id - a file named by an ID: right folder, complete, right inode */
static void
fsck_id(const FSCK_CTX *c, const char *dir, const char *id,
        const struct stat *st, const char *path)
{
    STRBUF *want = strbuf_create(100), *why = strbuf_create(100);
    struct timeval tv;

    if (c->message_queue && !(st->st_mode & S_IXUSR) &&
        c->now - st->st_mtime > SUPER_STALE_SEC) {
        if (unlink(path) == 0 && ++super_counts.stale)
            msg_info("%s: removed incomplete file %s", id, path);
    } else if (c->message_queue &&
               (mail_queue_id_time(id, &tv) < 0 ||
                (mail_queue_id_make(want, &tv, st->st_ino),
                 strcmp(STR(want), id) != 0))) {
        /* Postfix renames; here a person looks at it first. */
        strbuf_sprintf(want, "%s/%s/%s", super_queue_dir, MAIL_QUEUE_CORRUPT,
                       id);
        msg_warn("%s: name does not match inode %lu of %s", id,
                 (unsigned long) st->st_ino, path);
        if (rename(path, STR(want)) == 0 && ++super_counts.corrupt)
            msg_warn("%s: saved to %s queue: name does not match inode", id,
                     MAIL_QUEUE_CORRUPT);
    } else if (mail_queue_dir(super_mq, want, c->queue, id, why) == 0 &&
               strcmp(STR(want), dir) != 0) {
        strbuf_sprintf(want, "%s", path);
        if (mail_queue_mkdirs(super_mq, c->queue, id, why) == 0 &&
            mail_queue_path(super_mq, want, c->queue, id, why) == 0 &&
            rename(path, STR(want)) == 0 && ++super_counts.moved)
            msg_info("%s: moved to %s", id, STR(want));
    }
    strbuf_free(want);
    strbuf_free(why);
}

/* fsck_entry - one file of a queue folder */
static void
fsck_entry(const char *dir, const char *name, void *ctx)
{
    const FSCK_CTX *c = ctx;
    STRBUF *path = strbuf_create(100);
    struct stat st;

    strbuf_sprintf(path, "%s/%s", dir, name);
    if (lstat(STR(path), &st) < 0 || !S_ISREG(st.st_mode)) {
        msg_warn("%s: not a regular file: left alone", STR(path));
    } else if (strncmp(name, "tmp.", 4) == 0) {
        if (c->now - st.st_mtime > SUPER_STALE_SEC && unlink(STR(path)) == 0 &&
            ++super_counts.stale)
            msg_info("removed stale temporary file %s", STR(path));
    } else if (mail_queue_id_ok(name)) {
        fsck_id(c, dir, name, &st, STR(path));
    } else {
        msg_warn("%s: unexpected file name: left alone", STR(path));
    }
    strbuf_free(path);
}

/* super_fsck - -s: the queue tree's structure */
static void
super_fsck(void)
{
    const char *const *q;
    STRBUF *path = strbuf_create(100);
    FSCK_CTX c;
    int i;

    for (q = mail_queue_names(); *q; q++) {
        strbuf_sprintf(path, "%s/%s", super_queue_dir, *q);
        if (mkdir(STR(path), 0700) == 0 && ++super_counts.dirs)
            msg_info("created missing queue folder %s", STR(path));
        c.queue = *q;
        c.now = time(NULL);
        c.message_queue = 0;
        for (i = 0; q_message[i]; i++)
            c.message_queue |= strcmp(q_message[i], *q) == 0;
        if (strcmp(*q, MAIL_QUEUE_CORRUPT) != 0 &&
            mail_scan(super_mq, *q, fsck_entry, &c, SUPER_MAX_IDS) < 0)
            super_fail("%s: scan: %s", *q, strerror(errno));
    }
    strbuf_free(path);
}

/* super_report - totals to stderr and the log, as Postfix words them */
static void
super_report(void)
{
    static const struct {
        const char *what;
        const long *count;
    } totals[] = {
        {"Deleted", &super_counts.deleted},
        {"Placed on hold", &super_counts.held},
        {"Released from hold", &super_counts.released},
        {"Requeued", &super_counts.requeued},
        {"Created queue folders:", &super_counts.dirs},
        {"Moved to the right hash folder:", &super_counts.moved},
        {"Removed stale files:", &super_counts.stale},
        {"Moved to corrupt:", &super_counts.corrupt},
    };
    size_t i;
    long n;

    for (i = 0; i < sizeof(totals) / sizeof(totals[0]); i++) {
        if ((n = *totals[i].count) == 0)
            continue;
        if (strchr(totals[i].what, ':') != NULL) {
            fprintf(stderr, "postern/super: %s %ld\n", totals[i].what, n);
            msg_info("%s %ld", totals[i].what, n);
            continue;
        }
        fprintf(stderr, "postern/super: %s: %ld message%s\n", totals[i].what,
                n, n == 1 ? "" : "s");
        msg_info("%s: %ld message%s", totals[i].what, n, n == 1 ? "" : "s");
    }
}

/* super_privileged - root, or mail_owner of an unprivileged instance */
static int
super_privileged(void)
{
    char *owner = mail_conf_str("mail_owner");
    struct passwd *pw = getpwnam(owner);
    int ok = getuid() == 0 || (pw != NULL && pw->pw_uid == getuid());

    free(owner);
    return ok;
}

/* super_usage - the synopsis */
static int
super_usage(int status)
{
    fprintf(status ? stderr : stdout,
            "usage: postern super [-c DIR] [-v] [-s] [-d ID|ALL|-] "
            "[-h ID|ALL|-] [-H ID|ALL|-] [-r ID|ALL|-] [QUEUE...]\n");
    return status;
}

/* super_init - configuration, logging, the queue tree */
static void
super_init(void)
{
    postern_conf_load_optional();
    msg_set_progname("super");
    if (maillog_client_init("super", MAILLOG_CLIENT_DIRECT) < 0)
        msg_stderr_init();
    super_queue_dir = mail_conf_str("queue_directory");
    super_mq = mail_queue_create(super_queue_dir,
                                 mail_conf_str("hash_queue_names"),
                                 (int) mail_conf_long("hash_queue_depth"));
}

/* super_main - postern super */
int
super_main(int argc, char **argv)
{
    ARGV *ops = argv_alloc(10);
    const char *queues[8] = {NULL};
    int ch, fsck = 0, nq = 0;
    size_t i;
    char op;

    if (argc > 1 && strcmp(argv[1], "--help") == 0)
        return super_usage(0);
    optind = 1;
    while ((ch = getopt(argc, argv, "c:d:h:H:r:sv")) > 0) {
        if (ch == 'c')
            postern_set_config_dir(optarg);
        else if (ch == 'v')
            msg_verbose++;
        else if (ch == 's')
            fsck = 1;
        else if (strchr("dhHr", ch) != NULL) {
            op = (char) ch;
            argv_addn(ops, &op, 1);
            argv_add(ops, optarg);
        } else
            return super_usage(1);
    }
    for (; optind < argc; optind++) {
        if (nq >= 6 || !mail_queue_name_ok(argv[optind]))
            return super_usage(1);
        queues[nq++] = argv[optind];
    }
    if (ops->argc == 0 && !fsck)
        return super_usage(1);
    postern_conf_load_optional();
    if (!super_privileged()) {
        fprintf(stderr, "postern/super: fatal: must be run by the super-user\n");
        return 1;
    }
    super_init();
    if (fsck)
        super_fsck();
    for (i = 0; i + 1 < ops->argc; i += 2)
        super_run(ops->argv[i][0], ops->argv[i + 1], nq ? queues : NULL);
    super_report();
    argv_free(ops);
    return super_counts.errors ? 1 : 0;
}

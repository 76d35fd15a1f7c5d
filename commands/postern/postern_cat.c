/*
 * postern_cat - print a queue file, like Postfix's postcat(1).
 *
 *   postern cat [-c DIR] [-v] [-e] [-h] [-b] [-o] -q QUEUE_ID
 *   postern cat [-c DIR] [-v] [-e] [-h] [-b] [-o] FILE...
 *
 * -q finds the ID in incoming, active, deferred, hold, maildrop (in that
 * order) and validates it first with qfile_read_envelope(); a file that
 * fails is moved to corrupt/ (qfile_corrupt logs it) and reported.
 * Sections: "*** ENVELOPE RECORDS name ***" (size, arrival time,
 * sender, attributes, recipients, done recipients), "*** MESSAGE
 * CONTENTS name ***" (header, then body, split at the first empty
 * line), "*** HEADER EXTRACTED name ***" and "*** MESSAGE FILE END name
 * ***".  -e, -h, -b choose envelope, header and body (none: all); -o
 * prefixes records with their offset.  Every record is read with a
 * length limit; a malformed one stops the file with an error that names
 * the file and the offset.  Exit status: 0, or 1 when a file could not
 * be found, read or parsed.
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "mail_conf.h"
#include "mail_queue.h"
#include "msg.h"
#include "postern.h"
#include "qfile.h"

#define CAT_ENV  (1 << 0)
#define CAT_HEAD (1 << 1)
#define CAT_BODY (1 << 2)
#define CAT_OFFS (1 << 3)

/* Where a file is looked for by -q. */
static const char *const cat_queues[] = {
    MAIL_QUEUE_INCOMING, MAIL_QUEUE_ACTIVE,   MAIL_QUEUE_DEFERRED,
    MAIL_QUEUE_HOLD,     MAIL_QUEUE_MAILDROP, NULL,
};

/* The walk over one file. */
typedef struct CAT_STATE {
    int flags;
    const char *name;  /* queue/ID or the path */
    int in_body;       /* past the first empty line */
    int line_start;    /* the next record starts a line */
} CAT_STATE;

/* cat_label - Postfix's name of an envelope record */
static const char *
cat_label(int type)
{
    switch (type) {
    case REC_TYPE_SIZE: return "message_size";
    case REC_TYPE_TIME: return "message_arrival_time";
    case REC_TYPE_WARN: return "warning_message_time";
    case REC_TYPE_FROM: return "sender";
    case REC_TYPE_ATTR: return "named_attribute";
    case REC_TYPE_ORCP: return "original_recipient";
    case REC_TYPE_DSN_ORCPT: return "dsn_orig_rcpt";
    case REC_TYPE_DSN_NOTIFY: return "notify_flags";
    case REC_TYPE_RCPT: return "recipient";
    case REC_TYPE_DONE: return "done_recipient";
    default: return rec_type_name(type);
    }
}

/* cat_envelope - one envelope record */
static void
cat_envelope(const CAT_STATE *s, int type, STRBUF *buf)
{
    long long sec = 0;
    long usec = 0;
    time_t when;
    char text[64];

    if (!(s->flags & CAT_ENV) || type == REC_TYPE_MESG)
        return;
    if (type == REC_TYPE_TIME &&
        sscanf(STR(buf), "%lld %ld", &sec, &usec) == 2 &&
        (when = (time_t) sec, ctime_r(&when, text) != NULL)) {
        text[strcspn(text, "\n")] = 0;
        printf("%s: %s\n", cat_label(type), text);
        return;
    }
    printf("%s: %s\n", cat_label(type), STR(buf));
}

/* cat_content - one content record, in the header or the body */
static void
cat_content(CAT_STATE *s, int type, STRBUF *buf)
{
    int show;

    if (s->line_start && LEN(buf) == 0 && type == REC_TYPE_NORM &&
        !s->in_body) {
        s->in_body = 1;
        /* The empty line shows only when both parts do. */
        if ((s->flags & (CAT_HEAD | CAT_BODY)) == (CAT_HEAD | CAT_BODY))
            printf("\n");
        return;
    }
    show = s->flags & (s->in_body ? CAT_BODY : CAT_HEAD);
    if (show)
        fwrite(STR(buf), 1, LEN(buf), stdout);
    s->line_start = type == REC_TYPE_NORM;
    if (show && s->line_start)
        printf("\n");
}

/* cat_stream - print every record of st; 0, or -1 with a message */
static int
cat_stream(CAT_STATE *s, STREAM *st)
{
    STRBUF *buf = strbuf_create(100);
    off_t pos = 0, start;
    int type, part = 0; /* 0 envelope, 1 content, 2 extracted, 3 end */

    if (s->flags & CAT_ENV)
        printf("*** ENVELOPE RECORDS %s ***\n", s->name);
    s->line_start = 1;
    for (;;) {
        start = pos;
        type = rec_get_at(st, buf, QFILE_DEF_MAX_RECORD, &pos);
        if (type == REC_TYPE_EOF || type == REC_TYPE_ERROR)
            break;
        if ((s->flags & CAT_OFFS) && part != 1)
            printf("%9lld ", (long long) start);
        if (part == 0 && type == REC_TYPE_MESG) {
            part = 1;
            if (s->flags & CAT_OFFS)
                printf("\n");
            if (s->flags & (CAT_HEAD | CAT_BODY))
                printf("*** MESSAGE CONTENTS %s ***\n", s->name);
        } else if (part == 1 && type == REC_TYPE_XTRA) {
            part = 2;
            if (s->flags & CAT_ENV)
                printf("*** HEADER EXTRACTED %s ***\n", s->name);
            else if (s->flags & CAT_OFFS)
                printf("\n");
        } else if (type == REC_TYPE_END) {
            part = 3;
            if (s->flags & CAT_ENV)
                printf("*** MESSAGE FILE END %s ***\n", s->name);
            else if (s->flags & CAT_OFFS)
                printf("\n");
        } else if (part == 1 && (type == REC_TYPE_NORM ||
                                 type == REC_TYPE_CONT)) {
            cat_content(s, type, buf);
        } else if (type != REC_TYPE_QID) {
            /* The ID is the file's name already; postcat shows no such line. */
            cat_envelope(s, type, buf);
        }
    }
    strbuf_free(buf);
    fflush(stdout);
    if (type == REC_TYPE_ERROR || part != 3) {
        msg_warn("%s: offset %lld: %s", s->name, (long long) start,
                 type == REC_TYPE_ERROR ? "malformed or truncated record"
                                        : "file ends before its end record");
        return -1;
    }
    return 0;
}

/* cat_validate - a queue file's whole structure; QFILE_* */
static int
cat_validate(int fd, STRBUF *why)
{
    STREAM *st = stream_fdopen(fd, O_RDONLY);
    QFILE_LIMITS lim;
    QFILE_ENV *env = NULL;
    int ret;

    qfile_limits_init(&lim);
    ret = qfile_read_envelope(st, &lim, &env, why);
    qfile_env_free(env);
    stream_free(st);
    return ret;
}

/* cat_queue_id - -q: find, validate and print a queue file */
static int
cat_queue_id(int flags, const char *id)
{
    char *top = (postern_conf_load_optional(),
                 mail_conf_str("queue_directory"));
    MAIL_QUEUE *mq = mail_queue_create(top, mail_conf_str("hash_queue_names"),
                                       (int) mail_conf_long("hash_queue_depth"));
    STRBUF *why = strbuf_create(100), *name = strbuf_create(100);
    CAT_STATE s = {flags, NULL, 0, 1};
    STREAM *st;
    int i, fd = -1, ret = -1, v;

    for (i = 0; fd < 0 && cat_queues[i]; i++)
        fd = mail_queue_open_read(mq, cat_queues[i], id, why);
    if (fd < 0) {
        msg_warn("%s: %s", id, mail_queue_id_ok(id) ? "no such queue file"
                                                    : "bad queue ID");
    } else if (strcmp(cat_queues[i - 1], MAIL_QUEUE_MAILDROP) != 0 &&
               (v = cat_validate(fd, why)) != QFILE_OK) {
        msg_warn("%s/%s: %s", cat_queues[i - 1], id, STR(why));
        if (v == QFILE_BAD)
            (void) qfile_corrupt(mq, cat_queues[i - 1], id, STR(why));
    } else if (lseek(fd, 0, SEEK_SET) == 0) {
        strbuf_sprintf(name, "%s/%s", cat_queues[i - 1], id);
        s.name = STR(name);
        st = stream_fdopen(fd, O_RDONLY);
        ret = cat_stream(&s, st);
        stream_free(st);
    }
    if (fd >= 0)
        close(fd);
    mail_queue_free(mq);
    strbuf_free(why);
    strbuf_free(name);
    return ret;
}

/* cat_path - print a file named on the command line */
static int
cat_path(int flags, const char *path)
{
    CAT_STATE s = {flags, path, 0, 1};
    STREAM *st;
    int fd, ret;

    if ((fd = open(path, O_RDONLY | O_NOCTTY | O_CLOEXEC)) < 0) {
        msg_warn("open %s: %m", path);
        return -1;
    }
    st = stream_fdopen(fd, O_RDONLY);
    ret = cat_stream(&s, st);
    stream_close(st);
    return ret;
}

/* cat_usage - the synopsis */
static int
cat_usage(int status)
{
    fprintf(status ? stderr : stdout,
            "usage: postern cat [-c DIR] [-v] [-e] [-h] [-b] [-o] "
            "-q QUEUE_ID | FILE...\n");
    return status;
}

/* cat_main - postern cat */
int
cat_main(int argc, char **argv)
{
    const char *id = NULL;
    int ch, flags = 0, ret = 0;

    if (argc > 1 && strcmp(argv[1], "--help") == 0)
        return cat_usage(0);
    optind = 1;
    while ((ch = getopt(argc, argv, "bc:ehoq:v")) > 0) {
        switch (ch) {
        case 'b': flags |= CAT_BODY; break;
        case 'e': flags |= CAT_ENV; break;
        case 'h': flags |= CAT_HEAD; break;
        case 'o': flags |= CAT_OFFS; break;
        case 'q': id = optarg; break;
        case 'c': postern_set_config_dir(optarg); break;
        case 'v': msg_verbose++; break;
        default: return cat_usage(1);
        }
    }
    if ((id == NULL) == (optind == argc))
        return cat_usage(1);
    if ((flags & (CAT_ENV | CAT_HEAD | CAT_BODY)) == 0)
        flags |= CAT_ENV | CAT_HEAD | CAT_BODY;
    if (id)
        return cat_queue_id(flags, id) < 0;
    for (; optind < argc; optind++)
        if (cat_path(flags, argv[optind]) < 0)
            ret = 1;
    return ret;
}

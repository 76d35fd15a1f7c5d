/*
 * bounce_msg - load the queue file a report is about: its envelope
 * (qfile_read_envelope), its DSN attributes (envid, decoded; ret) and
 * its content as LF-ended lines, at most bounce_size_limit bytes of it
 * (whole lines; the header is always kept whole up to that limit).
 *
 * bounce_msg_read() returns QFILE_OK with a BOUNCE_MSG the caller owns
 * (bounce_msg_free), or QFILE_IOERR (errno ENOENT when the file is gone)
 * or QFILE_BAD with a reason.  Nothing is fatal.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "bounce.h"
#include "mail_proto.h"
#include "mymalloc.h"
#include "rec_type.h"
#include "record.h"
#include "xtext.h"

/* Longest decoded ENVID kept (RFC 3461 section 4.4: 100 characters). */
#define BOUNCE_ENVID_MAX 100

/* msg_attrs - envid and ret from the envelope attributes */
static void
msg_attrs(BOUNCE_MSG *msg)
{
    const QFILE_ENV *env = msg->env;
    const char *v;
    size_t i;

    for (i = 0; i < env->attr_count; i++) {
        v = env->attr_values[i];
        if (strcmp(env->attr_names[i], MAIL_ATTR_DSN_ENVID) == 0 &&
            xtext_decode(v, strlen(v), BOUNCE_ENVID_MAX, msg->envid_buf) == 0)
            msg->envid = STR(msg->envid_buf);
        else if (strcmp(env->attr_names[i], MAIL_ATTR_DSN_RET) == 0)
            msg->ret = strcasecmp(v, "HDRS") == 0   ? DEL_RET_HDRS
                       : strcasecmp(v, "FULL") == 0 ? DEL_RET_FULL
                                                    : 0;
    }
}

/* msg_content - the content lines, cut at the size limit */
static int
msg_content(BOUNCE_MSG *msg, STREAM *st, STRBUF *why)
{
    STRBUF *rec = strbuf_create(1024);
    STRBUF *line = strbuf_create(1024);
    size_t limit = (size_t) bounce_params.size_limit;
    int type, in_header = 1, ret = QFILE_OK;

    while ((type = rec_get(st, rec, QFILE_DEF_MAX_RECORD)) == REC_TYPE_CONT ||
           type == REC_TYPE_NORM) {
        strbuf_memcat(line, STR(rec), LEN(rec));
        if (type == REC_TYPE_CONT && LEN(line) <= limit)
            continue;
        if (LEN(msg->content) + LEN(line) + 1 > limit) {
            msg->truncated = 1;
            break;
        }
        strbuf_memcat(msg->content, STR(line), LEN(line));
        strbuf_addch(msg->content, '\n');
        if (in_header && LEN(line) == 0) {
            in_header = 0;
            msg->header_len = LEN(msg->content) - 1;
        }
        strbuf_reset(line);
    }
    if (in_header)
        msg->header_len = LEN(msg->content);
    if (type < 0 && !msg->truncated)
        ret = QFILE_BAD;
    if (ret == QFILE_BAD)
        strbuf_strcpy(why, "malformed content record");
    strbuf_free(rec);
    strbuf_free(line);
    return ret;
}

/* bounce_msg_read - the envelope and content of queue/queue_id */
int
bounce_msg_read(BOUNCE_MSG **msgp, const char *queue, const char *queue_id,
                STRBUF *why)
{
    BOUNCE_MSG *msg = mycalloc(1, sizeof(*msg));
    QFILE_LIMITS lim;
    STREAM *st;
    int fd, ret;

    msg->queue_id = queue_id;
    msg->envid = "";
    msg->content = strbuf_create(4096);
    msg->envid_buf = strbuf_create(100);
    *msgp = msg;
    if ((fd = mail_queue_open_read(bounce_params.mq, queue, queue_id, why)) < 0)
        return QFILE_IOERR;
    qfile_limits_init(&lim);
    st = stream_fdopen(fd, O_RDONLY);
    ret = qfile_read_envelope(st, &lim, &msg->env, why);
    stream_free(st);
    if (ret == QFILE_OK) {
        msg_attrs(msg);
        if (lseek(fd, (off_t) msg->env->content_offset, SEEK_SET) < 0) {
            ret = QFILE_IOERR;
            strbuf_sprintf(why, "seek: %s", strerror(errno));
        } else {
            st = stream_fdopen(fd, O_RDONLY);
            ret = msg_content(msg, st, why);
            stream_free(st);
        }
    }
    close(fd);
    return ret;
}

/* bounce_msg_free - release a message; returns NULL */
BOUNCE_MSG *
bounce_msg_free(BOUNCE_MSG *msg)
{
    if (msg == NULL)
        return NULL;
    qfile_env_free(msg->env);
    strbuf_free(msg->content);
    strbuf_free(msg->envid_buf);
    myfree(msg);
    return NULL;
}

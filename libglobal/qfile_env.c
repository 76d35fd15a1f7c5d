/*
 * qfile_env - read and validate a queue file's envelope and structure.
 *
 * qfile_read_envelope() reads a whole queue file from st and, when every
 * record is where docs/queue-format.md puts it, fills *env with a
 * QFILE_ENV the caller owns and frees with qfile_env_free().  It checks:
 * the size record first and well-formed, then the optional queue ID
 * (queue_id; the end record must then carry the same ID), the time, the
 * optional warn record (warn_time, warn_offset) and the sender;
 * attributes and recipient groups ([ORCP] [DSN ORCPT] [DSN NOTIFY], then
 * RCPT or DONE, each at most once a group) up to the message start; at
 * least one recipient and as many as the size record says; content of
 * NORM and CONT records (a CONT is always followed by more of its line)
 * whose offset and size match the size record; then content end, end of
 * file, and nothing after.  Every record length and every count is
 * bounded by lim; text records hold no NUL byte.
 *
 * Returns QFILE_OK, QFILE_IOERR (the stream failed: try again later) or
 * QFILE_BAD (the file is malformed: move it to corrupt/), with a reason
 * in why.  Nothing is fatal; *env is NULL unless QFILE_OK.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "mymalloc.h"
#include "qfile.h"

/* The reader's state while it walks the file. */
typedef struct ENV_STATE {
    STREAM *st;
    const QFILE_LIMITS *lim;
    QFILE_ENV *env;
    STRBUF *buf;
    STRBUF *why;
    off_t pos;          /* where the next record starts */
    off_t rec_pos;      /* where the last record read started */
    QFILE_RCPT pending; /* recipient group being read */
    size_t attr_alloc;
    size_t rcpt_alloc;
} ENV_STATE;

/* qfile_limits_init - the default limits */
void
qfile_limits_init(QFILE_LIMITS *lim)
{
    lim->max_record = QFILE_DEF_MAX_RECORD;
    lim->max_rcpt = QFILE_DEF_MAX_RCPT;
    lim->max_attr = QFILE_DEF_MAX_ATTR;
}

/* rcpt_clear - free a recipient's strings */
static void
rcpt_clear(QFILE_RCPT *r)
{
    myfree(r->address);
    myfree(r->orig);
    myfree(r->dsn_orcpt);
    memset(r, 0, sizeof(*r));
}

/* qfile_env_free - release an envelope; NULL */
QFILE_ENV *
qfile_env_free(QFILE_ENV *env)
{
    size_t i;

    if (env == NULL)
        return NULL;
    for (i = 0; i < env->rcpt_count; i++)
        rcpt_clear(env->rcpt + i);
    for (i = 0; i < env->attr_count; i++) {
        myfree(env->attr_names[i]);
        myfree(env->attr_values[i]);
    }
    myfree(env->rcpt);
    myfree(env->attr_names);
    myfree(env->attr_values);
    myfree(env->sender);
    myfree(env);
    return NULL;
}

/* bad - note why the file is malformed; QFILE_BAD */
static int
bad(ENV_STATE *s, const char *what)
{
    strbuf_sprintf(s->why, "offset %lld: %s", (long long) s->rec_pos, what);
    return QFILE_BAD;
}

/* next - the next record's type, or a QFILE_* error */
static int
next(ENV_STATE *s, int *type)
{
    s->rec_pos = s->pos;
    *type = rec_get_at(s->st, s->buf, s->lim->max_record, &s->pos);
    if (*type == REC_TYPE_ERROR && stream_error(s->st)) {
        strbuf_sprintf(s->why, "offset %lld: read error",
                       (long long) s->rec_pos);
        return QFILE_IOERR;
    }
    if (*type == REC_TYPE_ERROR)
        return bad(s, "truncated or malformed record");
    if (*type == REC_TYPE_EOF)
        return bad(s, "premature end of file");
    return QFILE_OK;
}

/* is_type - QFILE_OK when the record just read is of type want */
static int
is_type(ENV_STATE *s, int type, int want)
{
    if (type == want)
        return QFILE_OK;
    strbuf_sprintf(s->why, "offset %lld: %s record where %s belongs",
                   (long long) s->rec_pos, rec_type_name(type),
                   rec_type_name(want));
    return QFILE_BAD;
}

/* expect - the next record, which must be of type want */
static int
expect(ENV_STATE *s, int want)
{
    int type;
    int ret;

    if ((ret = next(s, &type)) != QFILE_OK)
        return ret;
    return is_type(s, type, want);
}

/* text_ok - the record's data has no NUL */
static int
text_ok(const ENV_STATE *s)
{
    return memchr(STR(s->buf), 0, LEN(s->buf)) == NULL;
}

/* parse_nums - count decimal numbers separated by spaces; 0 or -1 */
static int
parse_nums(const char *cp, long long *vals, int count)
{
    char *end;
    int i;

    for (i = 0; i < count; i++) {
        while (*cp == ' ')
            cp++;
        if (*cp < '0' || *cp > '9')
            return -1;
        vals[i] = strtoll(cp, &end, 10);
        if (vals[i] == LLONG_MAX || (*end != ' ' && *end != 0))
            return -1;
        cp = end;
    }
    return *cp == 0 ? 0 : -1;
}

/* read_warn - the optional warn record, then the sender record */
static int
read_warn(ENV_STATE *s)
{
    long long v;
    int type;
    int ret;

    s->env->warn_offset = -1;
    if ((ret = next(s, &type)) != QFILE_OK)
        return ret;
    if (type == REC_TYPE_WARN) {
        if (LEN(s->buf) != REC_WARN_LEN || parse_nums(STR(s->buf), &v, 1) < 0)
            return bad(s, "malformed warn record");
        s->env->warn_time = v;
        s->env->warn_offset = s->rec_pos;
        if ((ret = next(s, &type)) != QFILE_OK)
            return ret;
    }
    if (type != REC_TYPE_FROM) {
        strbuf_sprintf(s->why, "offset %lld: %s record where %s belongs",
                       (long long) s->rec_pos, rec_type_name(type),
                       rec_type_name(REC_TYPE_FROM));
        return QFILE_BAD;
    }
    return QFILE_OK;
}

/* read_qid_time - the optional queue ID record, then the time record */
static int
read_qid_time(ENV_STATE *s)
{
    int type;
    int ret;

    if ((ret = next(s, &type)) != QFILE_OK)
        return ret;
    if (type != REC_TYPE_QID)
        return is_type(s, type, REC_TYPE_TIME);
    /* mail_queue_id_ok() bounds the length to the queue_id buffer. */
    if (!text_ok(s) || !mail_queue_id_ok(STR(s->buf)))
        return bad(s, "malformed queue ID record");
    strcpy(s->env->queue_id, STR(s->buf));
    return expect(s, REC_TYPE_TIME);
}

/* read_head - the size, [queue ID], time, [warn] and sender records */
static int
read_head(ENV_STATE *s)
{
    QFILE_ENV *env = s->env;
    long long v[3];
    int ret;

    if ((ret = expect(s, REC_TYPE_SIZE)) != QFILE_OK)
        return ret;
    if (LEN(s->buf) != REC_SIZE_LEN || parse_nums(STR(s->buf), v, 3) < 0)
        return bad(s, "malformed size record");
    env->content_offset = v[0];
    env->content_size = v[1];
    env->size_rcpt = v[2];
    if ((ret = read_qid_time(s)) != QFILE_OK)
        return ret;
    if (!text_ok(s) || parse_nums(STR(s->buf), v, 2) < 0 || v[1] >= 1000000)
        return bad(s, "malformed time record");
    env->arrival_sec = v[0];
    env->arrival_usec = (long) v[1];
    if ((ret = read_warn(s)) != QFILE_OK)
        return ret;
    if (!text_ok(s))
        return bad(s, "NUL in sender");
    env->sender = mystrndup(STR(s->buf), LEN(s->buf));
    return QFILE_OK;
}

/* add_attr - an attribute record: name=value */
static int
add_attr(ENV_STATE *s)
{
    QFILE_ENV *env = s->env;
    const char *eq = memchr(STR(s->buf), '=', LEN(s->buf));
    size_t nlen;

    if (!text_ok(s) || eq == NULL || eq == STR(s->buf))
        return bad(s, "malformed attribute record");
    nlen = (size_t) (eq - STR(s->buf));
    if (strspn(STR(s->buf), "abcdefghijklmnopqrstuvwxyz"
                            "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") != nlen)
        return bad(s, "bad attribute name");
    if (env->attr_count >= s->lim->max_attr)
        return bad(s, "too many attributes");
    if (env->attr_count == s->attr_alloc) {
        s->attr_alloc = s->attr_alloc ? 2 * s->attr_alloc : 8;
        env->attr_names =
            myreallocarray(env->attr_names, s->attr_alloc, sizeof(char *));
        env->attr_values =
            myreallocarray(env->attr_values, s->attr_alloc, sizeof(char *));
    }
    env->attr_names[env->attr_count] = mystrndup(STR(s->buf), nlen);
    env->attr_values[env->attr_count++] = mystrdup(eq + 1);
    return QFILE_OK;
}

/* group_text - one optional text of a recipient group, at most once */
static int
group_text(ENV_STATE *s, char **slot, const char *what)
{
    if (*slot != NULL)
        return bad(s, what);
    if (!text_ok(s))
        return bad(s, "NUL in recipient information");
    *slot = mystrndup(STR(s->buf), LEN(s->buf));
    return QFILE_OK;
}

/* group_notify - the DSN NOTIFY flags of a recipient group */
static int
group_notify(ENV_STATE *s)
{
    long long v;

    if (s->pending.dsn_notify != 0)
        return bad(s, "two DSN NOTIFY records for one recipient");
    /* RFC 3461 section 4.1: NEVER must not be combined with the others. */
    if (!text_ok(s) || parse_nums(STR(s->buf), &v, 1) < 0 || v < 1 ||
        v > (DSN_NOTIFY_NEVER | DSN_NOTIFY_ANY) ||
        ((v & DSN_NOTIFY_NEVER) && v != DSN_NOTIFY_NEVER))
        return bad(s, "malformed DSN NOTIFY record");
    s->pending.dsn_notify = (int) v;
    return QFILE_OK;
}

/* add_rcpt - a recipient record closes the group */
static int
add_rcpt(ENV_STATE *s, int type)
{
    QFILE_ENV *env = s->env;

    if (!text_ok(s))
        return bad(s, "NUL in recipient");
    if (LEN(s->buf) == 0)
        return bad(s, "empty recipient");
    if (env->rcpt_count >= s->lim->max_rcpt)
        return bad(s, "too many recipients");
    if (env->rcpt_count == s->rcpt_alloc) {
        s->rcpt_alloc = s->rcpt_alloc ? 2 * s->rcpt_alloc : 8;
        env->rcpt =
            myreallocarray(env->rcpt, s->rcpt_alloc, sizeof(QFILE_RCPT));
    }
    s->pending.address = mystrndup(STR(s->buf), LEN(s->buf));
    s->pending.offset = s->rec_pos;
    s->pending.done = type == REC_TYPE_DONE;
    env->rcpt_done += s->pending.done;
    env->rcpt[env->rcpt_count++] = s->pending;
    memset(&s->pending, 0, sizeof(s->pending));
    return QFILE_OK;
}

/* pending_any - whether a recipient group has begun */
static int
pending_any(const ENV_STATE *s)
{
    return s->pending.orig || s->pending.dsn_orcpt || s->pending.dsn_notify;
}

/* read_envelope - attributes and recipients up to the message start */
static int
read_envelope(ENV_STATE *s)
{
    int type;
    int ret;

    for (;;) {
        if ((ret = next(s, &type)) != QFILE_OK)
            return ret;
        switch (type) {
            case REC_TYPE_ATTR:
                ret = pending_any(s)
                          ? bad(s, "attribute inside recipient group")
                          : add_attr(s);
                break;
            case REC_TYPE_ORCP:
                ret =
                    group_text(s, &s->pending.orig, "two original recipients");
                break;
            case REC_TYPE_DSN_ORCPT:
                ret = group_text(s, &s->pending.dsn_orcpt, "two DSN ORCPTs");
                break;
            case REC_TYPE_DSN_NOTIFY:
                ret = group_notify(s);
                break;
            case REC_TYPE_RCPT:
            case REC_TYPE_DONE:
                ret = add_rcpt(s, type);
                break;
            case REC_TYPE_MESG:
                return pending_any(s)
                           ? bad(s, "recipient group without recipient")
                           : QFILE_OK;
            default:
                return bad(s, "record out of place in the envelope");
        }
        if (ret != QFILE_OK)
            return ret;
    }
}

/* read_content - content lines up to the content end */
static int
read_content(ENV_STATE *s)
{
    int type;
    int ret;
    int in_line = 0;

    if (LEN(s->buf) != 0)
        return bad(s, "message start record with data");
    if (s->env->content_offset != (long long) s->pos)
        return bad(s, "content offset differs from the size record");
    for (;;) {
        if ((ret = next(s, &type)) != QFILE_OK)
            return ret;
        if (type == REC_TYPE_XTRA && !in_line)
            break;
        if (type != REC_TYPE_NORM && type != REC_TYPE_CONT)
            return bad(s, "record out of place in the content");
        in_line = type == REC_TYPE_CONT;
    }
    if (s->env->content_size != (long long) s->rec_pos - s->env->content_offset)
        return bad(s, "content size differs from the size record");
    if (LEN(s->buf) != 0)
        return bad(s, "content end record with data");
    return QFILE_OK;
}

/* read_tail - the end record, then nothing */
static int
read_tail(ENV_STATE *s)
{
    int ret;

    if ((ret = expect(s, REC_TYPE_END)) != QFILE_OK)
        return ret;
    /* The ID at both ends: a reused file cut short by a crash keeps its
     * old end or its old start, and the two then disagree. */
    if (LEN(s->buf) != strlen(s->env->queue_id) ||
        strcmp(STR(s->buf), s->env->queue_id) != 0)
        return bad(s, *s->env->queue_id ? "end record names another queue ID"
                                        : "end record with data");
    s->rec_pos = s->pos;
    if (rec_get_at(s->st, s->buf, 0, &s->pos) != REC_TYPE_EOF)
        return stream_error(s->st) ? QFILE_IOERR
                                   : bad(s, "data after the end record");
    if (s->env->rcpt_count == 0)
        return bad(s, "no recipients");
    if (s->env->size_rcpt != (long long) s->env->rcpt_count)
        return bad(s, "recipient count differs from the size record");
    return QFILE_OK;
}

/* qfile_read_envelope - read and validate a whole queue file */
int
qfile_read_envelope(STREAM *st, const QFILE_LIMITS *lim, QFILE_ENV **envp,
                    STRBUF *why)
{
    ENV_STATE s;
    int ret;

    memset(&s, 0, sizeof(s));
    s.st = st;
    s.lim = lim;
    s.env = mycalloc(1, sizeof(QFILE_ENV));
    s.buf = strbuf_create(100);
    s.why = why;
    strbuf_reset(why);
    if ((ret = read_head(&s)) == QFILE_OK &&
        (ret = read_envelope(&s)) == QFILE_OK &&
        (ret = read_content(&s)) == QFILE_OK)
        ret = read_tail(&s);
    rcpt_clear(&s.pending);
    strbuf_free(s.buf);
    *envp = ret == QFILE_OK ? s.env : qfile_env_free(s.env);
    return ret;
}

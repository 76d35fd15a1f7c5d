/*
 * maildrop - write and validate maildrop files (docs/queue-format.md,
 * "Maildrop files"):
 *
 *     { A }...  S  { [n] [o] R }...  M  { [L...] N }...  X  E  <EOF>
 *
 * The maildrop_put_* writers append one record each and return 0 or -1
 * (stream failure); a bad argument is the caller's bug and panics.
 *
 * maildrop_read() walks a whole stream: attributes (known names only,
 * each once, values checked), one sender, recipient groups (n and o each
 * at most once, closed by R), the message start, content lines (L always
 * continued by L or N), content end, end record, end of input.  Every
 * record length, the recipient count and the content size are bounded by
 * the limits.  It returns MAILDROP_OK with a MAILDROP the caller owns
 * (maildrop_free), or MAILDROP_IOERR, MAILDROP_BAD or MAILDROP_TOOBIG
 * with a reason in why.  maildrop_get_line() reads content back, one
 * joined line at a time.  Nothing is fatal.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "maildrop.h"
#include "msg.h"
#include "mymalloc.h"
#include "qfile.h"
#include "rec_type.h"
#include "record.h"

/* RFC 3461 section 4.4: an ENVID is at most 100 characters. */
#define MAILDROP_ENVID_MAX 100

/* The reader's state while it walks the stream. */
typedef struct MD_STATE {
    STREAM *st;
    STREAM *copy;
    const MAILDROP_LIMITS *lim;
    MAILDROP *md;
    STRBUF *buf;
    STRBUF *why;
    off_t pos;           /* where the next record starts */
    off_t rec_pos;       /* where the last record read started */
    MAILDROP_RCPT group; /* recipient group being read */
    size_t rcpt_alloc;
} MD_STATE;

/* maildrop_limits_init - the default limits */
void
maildrop_limits_init(MAILDROP_LIMITS *lim)
{
    lim->max_record = QFILE_DEF_MAX_RECORD;
    lim->max_rcpt = QFILE_DEF_MAX_RCPT;
    lim->max_content = 0;
}

/* text_ok - no NUL, CR or LF in len bytes */
static int
text_ok(const char *data, size_t len)
{
    size_t i;

    for (i = 0; i < len; i++)
        if (data[i] == 0 || data[i] == '\r' || data[i] == '\n')
            return 0;
    return 1;
}

/* xtext_ok - printable ASCII without space or '=' (RFC 3461 section 4) */
static int
xtext_ok(const char *value, size_t max)
{
    size_t len = strlen(value);
    size_t i;

    if (len == 0 || len > max)
        return 0;
    for (i = 0; i < len; i++)
        if (value[i] < '!' || value[i] > '~' || value[i] == '=')
            return 0;
    return 1;
}

/* maildrop_attr_ok - whether name=value may appear in a maildrop file */
int
maildrop_attr_ok(const char *name, const char *value)
{
    if (!text_ok(value, strlen(value)))
        return 0;
    if (strcmp(name, MAILDROP_ATTR_FULL_NAME) == 0)
        return 1;
    if (strcmp(name, MAILDROP_ATTR_ENVID) == 0)
        return xtext_ok(value, MAILDROP_ENVID_MAX);
    /* RFC 3461 section 4.3: RET=FULL or RET=HDRS. */
    if (strcmp(name, MAILDROP_ATTR_RET) == 0)
        return strcasecmp(value, "full") == 0 || strcasecmp(value, "hdrs") == 0;
    if (strcmp(name, MAILDROP_ATTR_ENCODING) == 0)
        return strcmp(value, "7bit") == 0 || strcmp(value, "8bitmime") == 0;
    if (strcmp(name, MAILDROP_ATTR_EXTRACT) == 0)
        return strcmp(value, "yes") == 0;
    return 0;
}

/* notify_ok - valid DSN NOTIFY flags; NEVER alone (RFC 3461 4.1) */
static int
notify_ok(long v)
{
    return v >= 1 && v <= (DSN_NOTIFY_NEVER | DSN_NOTIFY_ANY) &&
           (!(v & DSN_NOTIFY_NEVER) || v == DSN_NOTIFY_NEVER);
}

/* orcpt_ok - ORCPT is addr-type ";" xtext (RFC 3461 section 4.2) */
static int
orcpt_ok(const char *orcpt)
{
    const char *semi = strchr(orcpt, ';');
    size_t i;

    if (semi == NULL || semi == orcpt || semi[1] == 0 || strlen(orcpt) > 500)
        return 0;
    for (i = 0; orcpt[i]; i++)
        if (orcpt[i] < '!' || orcpt[i] > '~')
            return 0;
    return 1;
}

/* maildrop_put_attr - write one attribute record */
int
maildrop_put_attr(STREAM *st, const char *name, const char *value)
{
    if (!maildrop_attr_ok(name, value))
        msg_panic("maildrop_put_attr: bad attribute %s", name);
    return rec_printf(st, REC_TYPE_ATTR, "%s=%s", name, value) < 0 ? -1 : 0;
}

/* maildrop_put_sender - write the sender record; "" for <> */
int
maildrop_put_sender(STREAM *st, const char *addr)
{
    if (addr == NULL || !text_ok(addr, strlen(addr)))
        msg_panic("maildrop_put_sender: bad sender");
    return rec_puts(st, REC_TYPE_FROM, addr) < 0 ? -1 : 0;
}

/* maildrop_put_rcpt - write one recipient group */
int
maildrop_put_rcpt(STREAM *st, const char *addr, int notify, const char *orcpt)
{
    if (addr == NULL || *addr == 0 || !text_ok(addr, strlen(addr)))
        msg_panic("maildrop_put_rcpt: bad recipient");
    if (notify != 0 && !notify_ok(notify))
        msg_panic("maildrop_put_rcpt: bad notify flags %d", notify);
    if (orcpt != NULL && !orcpt_ok(orcpt))
        msg_panic("maildrop_put_rcpt: bad orcpt");
    if (notify != 0 && rec_printf(st, REC_TYPE_DSN_NOTIFY, "%d", notify) < 0)
        return -1;
    if (orcpt != NULL && rec_puts(st, REC_TYPE_DSN_ORCPT, orcpt) < 0)
        return -1;
    return rec_puts(st, REC_TYPE_RCPT, addr) < 0 ? -1 : 0;
}

/* maildrop_put_content_start - write the message start record */
int
maildrop_put_content_start(STREAM *st)
{
    return rec_put(st, REC_TYPE_MESG, "", 0) < 0 ? -1 : 0;
}

/* maildrop_put_line - write one content line, split at the record limit */
int
maildrop_put_line(STREAM *st, const char *data, size_t len)
{
    return rec_put_line(st, data, len, QFILE_DEF_MAX_RECORD) < 0 ? -1 : 0;
}

/* maildrop_put_end - write the content end and end records */
int
maildrop_put_end(STREAM *st)
{
    if (rec_put(st, REC_TYPE_XTRA, "", 0) < 0)
        return -1;
    return rec_put(st, REC_TYPE_END, "", 0) < 0 ? -1 : 0;
}

/* rcpt_clear - free a recipient's strings */
static void
rcpt_clear(MAILDROP_RCPT *r)
{
    myfree(r->address);
    myfree(r->dsn_orcpt);
    memset(r, 0, sizeof(*r));
}

/* maildrop_free - release a maildrop envelope; NULL */
MAILDROP *
maildrop_free(MAILDROP *md)
{
    size_t i;

    if (md == NULL)
        return NULL;
    for (i = 0; i < md->rcpt_count; i++)
        rcpt_clear(md->rcpt + i);
    myfree(md->rcpt);
    myfree(md->sender);
    myfree(md->full_name);
    myfree(md->envid);
    myfree(md->ret);
    myfree(md->encoding);
    myfree(md);
    return NULL;
}

/* bad - note why the input is malformed; MAILDROP_BAD */
static int
bad(MD_STATE *s, const char *what)
{
    strbuf_sprintf(s->why, "offset %lld: %s", (long long) s->rec_pos, what);
    return MAILDROP_BAD;
}

/* next - the next record's type (EOF included), or a MAILDROP_* error */
static int
next(MD_STATE *s, int *type)
{
    s->rec_pos = s->pos;
    *type = rec_get_at(s->st, s->buf, s->lim->max_record, &s->pos);
    if (*type == REC_TYPE_ERROR && stream_error(s->st)) {
        strbuf_sprintf(s->why, "offset %lld: read error",
                       (long long) s->rec_pos);
        return MAILDROP_IOERR;
    }
    if (*type == REC_TYPE_ERROR)
        return bad(s, "truncated, malformed or too long record");
    if (*type == REC_TYPE_EOF || s->copy == NULL)
        return MAILDROP_OK;
    if (rec_put(s->copy, *type, STR(s->buf), LEN(s->buf)) < 0) {
        strbuf_sprintf(s->why, "write error");
        return MAILDROP_IOERR;
    }
    return MAILDROP_OK;
}

/* attr_slot - where attribute name is kept; NULL for extract */
static char **
attr_slot(MAILDROP *md, const char *name)
{
    if (strcmp(name, MAILDROP_ATTR_FULL_NAME) == 0)
        return &md->full_name;
    if (strcmp(name, MAILDROP_ATTR_ENVID) == 0)
        return &md->envid;
    if (strcmp(name, MAILDROP_ATTR_RET) == 0)
        return &md->ret;
    if (strcmp(name, MAILDROP_ATTR_ENCODING) == 0)
        return &md->encoding;
    return NULL;
}

/* read_attr - one A record: a known name, once, with a valid value */
static int
read_attr(MD_STATE *s)
{
    char *data = STR(s->buf);
    char *eq = memchr(data, '=', LEN(s->buf));
    char **slot;

    if (memchr(data, 0, LEN(s->buf)) != NULL || eq == NULL)
        return bad(s, "malformed attribute record");
    *eq = 0;
    if (!maildrop_attr_ok(data, eq + 1))
        return bad(s, "unknown attribute or bad attribute value");
    if ((slot = attr_slot(s->md, data)) == NULL) {
        if (s->md->extract)
            return bad(s, "attribute given twice");
        s->md->extract = 1;
        return MAILDROP_OK;
    }
    if (*slot != NULL)
        return bad(s, "attribute given twice");
    *slot = mystrdup(eq + 1);
    return MAILDROP_OK;
}

/* read_head - attributes up to and including the sender */
static int
read_head(MD_STATE *s)
{
    int type;
    int ret;

    for (;;) {
        if ((ret = next(s, &type)) != MAILDROP_OK)
            return ret;
        if (type == REC_TYPE_FROM)
            break;
        if (type != REC_TYPE_ATTR)
            return bad(s, type == REC_TYPE_EOF ? "premature end of input"
                                               : "unexpected record before "
                                                 "the sender");
        if ((ret = read_attr(s)) != MAILDROP_OK)
            return ret;
    }
    if (!text_ok(STR(s->buf), LEN(s->buf)))
        return bad(s, "control character in sender");
    s->md->sender = mystrndup(STR(s->buf), LEN(s->buf));
    return MAILDROP_OK;
}

/* group_notify - the n record of a recipient group */
static int
group_notify(MD_STATE *s)
{
    char *end;
    long v;

    if (s->group.dsn_notify != 0)
        return bad(s, "two DSN NOTIFY records for one recipient");
    if (LEN(s->buf) == 0 || LEN(s->buf) > 2 ||
        strspn(STR(s->buf), "0123456789") != LEN(s->buf))
        return bad(s, "malformed DSN NOTIFY record");
    v = strtol(STR(s->buf), &end, 10);
    if (!notify_ok(v))
        return bad(s, "malformed DSN NOTIFY record");
    s->group.dsn_notify = (int) v;
    return MAILDROP_OK;
}

/* group_orcpt - the o record of a recipient group */
static int
group_orcpt(MD_STATE *s)
{
    if (s->group.dsn_orcpt != NULL)
        return bad(s, "two DSN ORCPT records for one recipient");
    if (memchr(STR(s->buf), 0, LEN(s->buf)) != NULL || !orcpt_ok(STR(s->buf)))
        return bad(s, "malformed DSN ORCPT record");
    s->group.dsn_orcpt = mystrndup(STR(s->buf), LEN(s->buf));
    return MAILDROP_OK;
}

/* group_rcpt - the R record closes a recipient group */
static int
group_rcpt(MD_STATE *s)
{
    MAILDROP *md = s->md;

    if (LEN(s->buf) == 0 || !text_ok(STR(s->buf), LEN(s->buf)))
        return bad(s, "empty recipient or control character in recipient");
    if (md->rcpt_count >= s->lim->max_rcpt)
        return bad(s, "too many recipients");
    if (md->rcpt_count == s->rcpt_alloc) {
        s->rcpt_alloc = s->rcpt_alloc ? 2 * s->rcpt_alloc : 8;
        md->rcpt =
            myreallocarray(md->rcpt, s->rcpt_alloc, sizeof(MAILDROP_RCPT));
    }
    s->group.address = mystrndup(STR(s->buf), LEN(s->buf));
    md->rcpt[md->rcpt_count++] = s->group;
    memset(&s->group, 0, sizeof(s->group));
    return MAILDROP_OK;
}

/* read_rcpts - recipient groups up to and including the message start */
static int
read_rcpts(MD_STATE *s)
{
    int type;
    int ret;

    for (ret = MAILDROP_OK; ret == MAILDROP_OK;) {
        if ((ret = next(s, &type)) != MAILDROP_OK)
            return ret;
        if (type == REC_TYPE_DSN_NOTIFY)
            ret = group_notify(s);
        else if (type == REC_TYPE_DSN_ORCPT)
            ret = group_orcpt(s);
        else if (type == REC_TYPE_RCPT)
            ret = group_rcpt(s);
        else if (type == REC_TYPE_MESG)
            break;
        else
            ret = bad(s, type == REC_TYPE_EOF ? "premature end of input"
                                              : "unexpected record in the "
                                                "envelope");
    }
    if (ret != MAILDROP_OK)
        return ret;
    if (s->group.dsn_notify || s->group.dsn_orcpt)
        return bad(s, "DSN record without a recipient");
    if (LEN(s->buf) != 0)
        return bad(s, "message start record with data");
    if (s->md->rcpt_count == 0 && !s->md->extract)
        return bad(s, "no recipients");
    s->md->content_offset = s->pos;
    return MAILDROP_OK;
}

/* read_content - content lines up to and including the content end */
static int
read_content(MD_STATE *s)
{
    int type;
    int ret;
    int in_line = 0;

    for (;;) {
        if ((ret = next(s, &type)) != MAILDROP_OK)
            return ret;
        if (type == REC_TYPE_XTRA && !in_line)
            break;
        if (type != REC_TYPE_NORM && type != REC_TYPE_CONT)
            return bad(s, type == REC_TYPE_EOF ? "premature end of input"
                                               : "unexpected record in the "
                                                 "content");
        in_line = type == REC_TYPE_CONT;
        s->md->content_size += (long long) LEN(s->buf) + !in_line;
        if (s->lim->max_content > 0 &&
            s->md->content_size > s->lim->max_content) {
            strbuf_sprintf(s->why, "message content exceeds %lld bytes",
                           s->lim->max_content);
            return MAILDROP_TOOBIG;
        }
    }
    return LEN(s->buf) ? bad(s, "content end record with data") : MAILDROP_OK;
}

/* read_tail - the end record, then the end of input */
static int
read_tail(MD_STATE *s)
{
    int type;
    int ret;

    if ((ret = next(s, &type)) != MAILDROP_OK)
        return ret;
    if (type != REC_TYPE_END || LEN(s->buf) != 0)
        return bad(s, "missing or malformed end record");
    if ((ret = next(s, &type)) != MAILDROP_OK)
        return ret;
    if (type != REC_TYPE_EOF)
        return bad(s, "data after the end record");
    return MAILDROP_OK;
}

/* maildrop_read - read and validate a whole maildrop stream */
int
maildrop_read(STREAM *st, const MAILDROP_LIMITS *lim, STREAM *copy,
              MAILDROP **md, STRBUF *why)
{
    MD_STATE s;
    int ret;

    memset(&s, 0, sizeof(s));
    s.st = st;
    s.copy = copy;
    s.lim = lim;
    s.md = (MAILDROP *) mycalloc(1, sizeof(MAILDROP));
    s.buf = strbuf_create(256);
    s.why = why;
    if ((ret = read_head(&s)) == MAILDROP_OK &&
        (ret = read_rcpts(&s)) == MAILDROP_OK &&
        (ret = read_content(&s)) == MAILDROP_OK)
        ret = read_tail(&s);
    rcpt_clear(&s.group);
    strbuf_free(s.buf);
    *md = ret == MAILDROP_OK ? s.md : maildrop_free(s.md);
    return ret;
}

/* maildrop_get_line - the next content line: 1, 0 at the end, or error */
int
maildrop_get_line(STREAM *st, const MAILDROP_LIMITS *lim, STRBUF *line,
                  STRBUF *why)
{
    STRBUF *buf = strbuf_create(256);
    int type;
    int ret = MAILDROP_BAD;

    strbuf_reset(line);
    for (;;) {
        type = rec_get(st, buf, lim->max_record);
        if (type != REC_TYPE_CONT)
            break;
        /* A line is at most the content limit (or the record limit). */
        if (lim->max_content > 0 &&
            (long long) (LEN(line) + LEN(buf)) > lim->max_content) {
            strbuf_sprintf(why, "content line too long");
            return (strbuf_free(buf), MAILDROP_TOOBIG);
        }
        strbuf_memcat(line, STR(buf), LEN(buf));
    }
    if (type == REC_TYPE_NORM)
        ret = (strbuf_memcat(line, STR(buf), LEN(buf)), 1);
    else if (type == REC_TYPE_XTRA && LEN(line) == 0)
        ret = 0;
    else if (type == REC_TYPE_ERROR && stream_error(st))
        ret = (strbuf_sprintf(why, "read error"), MAILDROP_IOERR);
    else
        strbuf_sprintf(why, "malformed content record");
    strbuf_free(buf);
    return ret;
}

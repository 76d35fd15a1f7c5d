/*
 * bounce_log - write and read the per-message delivery logs bounce/ID,
 * defer/ID and trace/ID (docs/queue-format.md, "Delivery logs").
 *
 * bounce_log_append() formats one entry (lines "name=value", closed by an
 * empty line), takes an exclusive flock() on the log, cuts off a torn
 * last entry left by a crash, appends the entry with one write() and
 * fsync()s the file.  A failed write is undone (ftruncate) so that the
 * log never holds half an entry followed by a whole one.
 *
 * bounce_log_parse() is the strict reader of a buffer: it has no side
 * effects, bounds every line, value, entry and count, and returns a
 * BOUNCE_LOG the caller owns (never NULL).  When it stops early at a
 * malformed entry, why holds "NAME: line N: problem" and the log holds
 * the entries before it; otherwise why is empty.  bounce_log_read()
 * reads a file (at most BOUNCE_LOG_MAX_FILE bytes of it) and parses it,
 * logging that reason as a warning.  bounce_log_free() releases a log.
 *
 * Nothing here is fatal.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bounce_log.h"
#include "htable.h"
#include "msg.h"
#include "mymalloc.h"
#include "rec_type.h"

/* Most bytes of a log file read; a longer tail counts as cut off. */
#define BOUNCE_LOG_MAX_FILE (64 * 1024 * 1024)

/* The longest entry the writer makes, for the torn-tail check. */
#define BOUNCE_LOG_MAX_ENTRY                                                   \
    (BOUNCE_LOG_MAX_LINES * (BOUNCE_LOG_MAX_LINE + 1) + 1)

/* Most digits of a number field (fits a long long). */
#define BOUNCE_LOG_MAX_DIGITS 18

/* The field names, in the order the writer puts them. */
#define BL_RECIPIENT "recipient"
#define BL_ORIG_RCPT "orig_rcpt"
#define BL_DSN_ORCPT "dsn_orcpt"
#define BL_NOTIFY    "notify"
#define BL_OFFSET    "offset"
#define BL_STATUS    "status"
#define BL_ACTION    "action"
#define BL_REASON    "reason"
#define BL_DIAG      "diag"
#define BL_MTA       "mta"
#define BL_RELAY     "relay"
#define BL_TIME      "time"

/* add_field - "name=value\n" with control characters as spaces, cut */
static void
add_field(STRBUF *out, const char *name, const char *value, int required)
{
    size_t i, len;

    if (value == NULL)
        value = "";
    if (*value == 0 && !required)
        return;
    len = strnlen(value, BOUNCE_LOG_MAX_VALUE);
    strbuf_sprintf_cat(out, "%s=", name);
    for (i = 0; i < len; i++) {
        unsigned char ch = (unsigned char) value[i];
        strbuf_addch(out, ch < 0x20 || ch == 0x7f ? ' ' : ch);
    }
    strbuf_addch(out, '\n');
}

/* format_entry - the text of one entry */
static void
format_entry(STRBUF *out, const RECIPIENT *rcpt, const DSN *dsn, time_t when)
{
    strbuf_reset(out);
    add_field(out, BL_RECIPIENT, rcpt->address, 1);
    add_field(out, BL_ORIG_RCPT, rcpt->orig, 0);
    add_field(out, BL_DSN_ORCPT, rcpt->dsn_orcpt, 0);
    if (rcpt->dsn_notify > 0)
        strbuf_sprintf_cat(out, BL_NOTIFY "=%d\n",
                           rcpt->dsn_notify &
                               (DSN_NOTIFY_ANY | DSN_NOTIFY_NEVER));
    if (rcpt->offset >= 0)
        strbuf_sprintf_cat(out, BL_OFFSET "=%lld\n", rcpt->offset);
    add_field(out, BL_STATUS, dsn->status, 1);
    add_field(out, BL_ACTION, dsn->action, 1);
    add_field(out, BL_REASON, dsn->reason, 1);
    add_field(out, BL_DIAG, dsn->diag, 0);
    add_field(out, BL_MTA, dsn->mta, 0);
    add_field(out, BL_RELAY, dsn->relay, 0);
    strbuf_sprintf_cat(out, BL_TIME "=%lld\n\n", (long long) when);
}

/* cut_torn_tail - drop a last entry without its empty line (a crash) */
static int
cut_torn_tail(int fd, off_t size)
{
    size_t want =
        size < BOUNCE_LOG_MAX_ENTRY ? (size_t) size : BOUNCE_LOG_MAX_ENTRY;
    char *buf;
    ssize_t got;
    size_t i;
    off_t keep = -1;

    if (size == 0)
        return 0;
    buf = mymalloc(want);
    got = pread(fd, buf, want, size - (off_t) want);
    if (got == (ssize_t) want) {
        /* The last "\n\n" ends the last whole entry. */
        for (i = want; keep < 0 && i >= 2; i--)
            if (buf[i - 1] == '\n' && buf[i - 2] == '\n')
                keep = size - (off_t) want + (off_t) i;
        if (keep < 0 && want == (size_t) size)
            keep = 0;
    }
    myfree(buf);
    if (got != (ssize_t) want)
        return -1;
    /* Nothing whole within reach of one entry: leave it to the reader. */
    if (keep >= 0 && keep < size && ftruncate(fd, keep) < 0)
        return -1;
    return 0;
}

/* append_locked - append text to the locked log; undo a partial write */
static int
append_locked(int fd, const STRBUF *text)
{
    struct stat st;
    ssize_t n;

    if (fstat(fd, &st) < 0 || cut_torn_tail(fd, st.st_size) < 0 ||
        fstat(fd, &st) < 0)
        return -1;
    n = write(fd, STR(text), LEN(text));
    if (n != (ssize_t) LEN(text)) {
        int saved = n < 0 ? errno : ENOSPC;
        if (ftruncate(fd, st.st_size) < 0)
            msg_warn("bounce_log: cannot undo a partial append: %m");
        errno = saved;
        return -1;
    }
    return fsync(fd);
}

/* bounce_log_append - append one entry to the log and make it durable */
int
bounce_log_append(const MAIL_QUEUE *mq, const char *log_queue,
                  const char *queue_id, const RECIPIENT *rcpt, const DSN *dsn,
                  time_t when, STRBUF *why)
{
    STRBUF *path = strbuf_create(100);
    STRBUF *text = strbuf_create(512);
    int fd = -1, ret = -1;

    if (rcpt == NULL || rcpt->address == NULL || dsn == NULL)
        msg_panic("bounce_log_append: missing recipient or status");
    if (mail_queue_mkdirs(mq, log_queue, queue_id, why) == 0 &&
        mail_queue_path(mq, path, log_queue, queue_id, why) == 0) {
        format_entry(text, rcpt, dsn, when);
        fd = open(STR(path), O_RDWR | O_APPEND | O_CREAT | O_NOFOLLOW, 0600);
        if (fd < 0)
            strbuf_fail(why, 0, "open %s: %s", STR(path), strerror(errno));
        else if (flock(fd, LOCK_EX) < 0 || append_locked(fd, text) < 0)
            strbuf_fail(why, 0, "append to %s: %s", STR(path), strerror(errno));
        else
            ret = 0;
    }
    if (fd >= 0 && close(fd) < 0 && ret == 0)
        ret = strbuf_fail(why, 0, "close %s: %s", STR(path), strerror(errno));
    strbuf_free(path);
    strbuf_free(text);
    return ret;
}

/* entry_free - release the strings of one entry */
static void
entry_free(BOUNCE_LOG_ENTRY *e)
{
    myfree(e->recipient);
    myfree(e->orig_rcpt);
    myfree(e->dsn_orcpt);
    myfree(e->status);
    myfree(e->action);
    myfree(e->reason);
    myfree(e->diag);
    myfree(e->mta);
    myfree(e->relay);
    memset(e, 0, sizeof(*e));
}

/* bounce_log_free - release a log; returns NULL */
BOUNCE_LOG *
bounce_log_free(BOUNCE_LOG *log)
{
    size_t i;

    if (log == NULL)
        return NULL;
    for (i = 0; i < log->count; i++)
        entry_free(log->entry + i);
    myfree(log->entry);
    myfree(log);
    return NULL;
}

/* status_ok - "X.Y.Z": X in 2, 4, 5; Y and Z 1 to 3 digits (RFC 3463) */
static int
status_ok(const char *s)
{
    int part, n;

    if (*s != '2' && *s != '4' && *s != '5')
        return 0;
    s++;
    for (part = 0; part < 2; part++) {
        if (*s++ != '.')
            return 0;
        for (n = 0; n < 3 && *s >= '0' && *s <= '9'; n++)
            s++;
        if (n == 0)
            return 0;
    }
    return *s == 0;
}

/* action_ok - one of the RFC 3464 section 2.3.3 actions */
static int
action_ok(const char *s)
{
    static const char *const actions[] = {
        DSN_ACTION_FAILED,  DSN_ACTION_DELAYED,  DSN_ACTION_DELIVERED,
        DSN_ACTION_RELAYED, DSN_ACTION_EXPANDED, NULL,
    };
    int i;

    for (i = 0; actions[i]; i++)
        if (strcmp(s, actions[i]) == 0)
            return 1;
    return 0;
}

/* number_ok - a decimal number of at most BOUNCE_LOG_MAX_DIGITS digits */
static int
number_ok(const char *s, long long *val)
{
    size_t len = strlen(s);

    if (len == 0 || len > BOUNCE_LOG_MAX_DIGITS ||
        strspn(s, "0123456789") != len)
        return 0;
    *val = strtoll(s, NULL, 10);
    return 1;
}

/* notify_ok - DSN_NOTIFY_* bits, NEVER alone */
static int
notify_ok(const char *s, int *notify)
{
    long long val;

    if (!number_ok(s, &val) || val < 1 ||
        val > (DSN_NOTIFY_ANY | DSN_NOTIFY_NEVER))
        return 0;
    if ((val & DSN_NOTIFY_NEVER) && val != DSN_NOTIFY_NEVER)
        return 0;
    *notify = (int) val;
    return 1;
}

/* The parser's state. */
typedef struct BL_PARSE {
    BOUNCE_LOG *log;
    HTABLE *index;        /* recipient -> entry number + 1 */
    BOUNCE_LOG_ENTRY cur; /* the entry being read */
    unsigned seen;        /* field bits of cur */
    int lines;            /* lines of cur */
    size_t entries;       /* entries read, duplicates included */
} BL_PARSE;

/* The fields, in bit order. */
enum {
    BLF_RECIPIENT,
    BLF_ORIG_RCPT,
    BLF_DSN_ORCPT,
    BLF_NOTIFY,
    BLF_OFFSET,
    BLF_STATUS,
    BLF_ACTION,
    BLF_REASON,
    BLF_DIAG,
    BLF_MTA,
    BLF_RELAY,
    BLF_TIME,
    BLF_COUNT,
};

/* Each field's name, and where its text goes (numbers: -1). */
static const struct bl_field {
    const char *name;
    long offset; /* of the char * in BOUNCE_LOG_ENTRY, or -1 */
} bl_fields[BLF_COUNT] = {
    [BLF_RECIPIENT] = {BL_RECIPIENT, offsetof(BOUNCE_LOG_ENTRY, recipient)},
    [BLF_ORIG_RCPT] = {BL_ORIG_RCPT, offsetof(BOUNCE_LOG_ENTRY, orig_rcpt)},
    [BLF_DSN_ORCPT] = {BL_DSN_ORCPT, offsetof(BOUNCE_LOG_ENTRY, dsn_orcpt)},
    [BLF_NOTIFY] = {BL_NOTIFY, -1},
    [BLF_OFFSET] = {BL_OFFSET, -1},
    [BLF_STATUS] = {BL_STATUS, offsetof(BOUNCE_LOG_ENTRY, status)},
    [BLF_ACTION] = {BL_ACTION, offsetof(BOUNCE_LOG_ENTRY, action)},
    [BLF_REASON] = {BL_REASON, offsetof(BOUNCE_LOG_ENTRY, reason)},
    [BLF_DIAG] = {BL_DIAG, offsetof(BOUNCE_LOG_ENTRY, diag)},
    [BLF_MTA] = {BL_MTA, offsetof(BOUNCE_LOG_ENTRY, mta)},
    [BLF_RELAY] = {BL_RELAY, offsetof(BOUNCE_LOG_ENTRY, relay)},
    [BLF_TIME] = {BL_TIME, -1},
};

#define BL_BIT(i) (1U << (i))
#define BL_REQUIRED                                                            \
    (BL_BIT(BLF_RECIPIENT) | BL_BIT(BLF_STATUS) | BL_BIT(BLF_ACTION) |         \
     BL_BIT(BLF_REASON) | BL_BIT(BLF_TIME))

/* set_number - the notify, offset or time field; 0, or -1 when bad */
static int
set_number(BOUNCE_LOG_ENTRY *e, const char *name, const char *value)
{
    long long val;

    if (strcmp(name, BL_NOTIFY) == 0)
        return notify_ok(value, &e->notify) ? 0 : -1;
    if (!number_ok(value, &val))
        return -1;
    if (strcmp(name, BL_OFFSET) == 0)
        e->offset = val;
    else
        e->time = val;
    return 0;
}

/* set_field - store one field of the current entry; -1 with a reason */
static int
set_field(BL_PARSE *p, const char *name, const char *value, STRBUF *why)
{
    size_t i;
    char **slot;

    for (i = 0; i < BLF_COUNT; i++)
        if (strcmp(name, bl_fields[i].name) == 0)
            break;
    if (i == BLF_COUNT)
        return 0; /* a newer writer's field */
    if (p->seen & BL_BIT(i))
        return strbuf_fail(why, 0, "field \"%s\" given twice", name);
    p->seen |= BL_BIT(i);
    if (bl_fields[i].offset < 0) {
        if (set_number(&p->cur, name, value) < 0)
            return strbuf_fail(why, 0, "bad %s value", name);
        return 0;
    }
    if ((i == BLF_STATUS && !status_ok(value)) ||
        (i == BLF_ACTION && !action_ok(value)))
        return strbuf_fail(why, 0, "bad %s value", name);
    slot = (char **) ((char *) &p->cur + bl_fields[i].offset);
    *slot = mystrdup(value);
    return 0;
}

/* parse_line - one "name=value" line (without its LF); -1 with a reason */
static int
parse_line(BL_PARSE *p, const char *line, size_t len, STRBUF *why)
{
    const char *eq = memchr(line, '=', len);
    char name[32];
    size_t nlen, i;

    if (++p->lines > BOUNCE_LOG_MAX_LINES)
        return strbuf_fail(why, 0, "entry has more than %d lines",
                           BOUNCE_LOG_MAX_LINES);
    if (eq == NULL)
        return strbuf_fail(why, 0, "no \"=\" in line");
    nlen = (size_t) (eq - line);
    if (nlen == 0 || nlen >= sizeof(name) ||
        strspn(line, "abcdefghijklmnopqrstuvwxyz_") < nlen)
        return strbuf_fail(why, 0, "bad field name");
    if (len - nlen - 1 > BOUNCE_LOG_MAX_VALUE)
        return strbuf_fail(why, 0, "value longer than %d bytes",
                           BOUNCE_LOG_MAX_VALUE);
    for (i = nlen + 1; i < len; i++)
        if ((unsigned char) line[i] < 0x20 || line[i] == 0x7f)
            return strbuf_fail(why, 0, "control character in value");
    memcpy(name, line, nlen);
    name[nlen] = 0;
    {
        char *value = mystrndup(eq + 1, len - nlen - 1);
        int ret = set_field(p, name, value, why);
        myfree(value);
        return ret;
    }
}

/* end_entry - the empty line: keep cur, replacing an earlier entry */
static int
end_entry(BL_PARSE *p, STRBUF *why)
{
    HTABLE_INFO *ht;
    size_t at;

    if (p->lines == 0)
        return strbuf_fail(why, 0, "empty entry");
    if ((p->seen & BL_REQUIRED) != BL_REQUIRED)
        return strbuf_fail(why, 0, "entry lacks a required field");
    if (++p->entries > BOUNCE_LOG_MAX_ENTRIES)
        return strbuf_fail(why, 0, "more than %d entries",
                           BOUNCE_LOG_MAX_ENTRIES);
    if ((ht = htable_locate(p->index, p->cur.recipient)) != NULL) {
        /* Several attempts for one recipient: the last one counts. */
        at = (size_t) (uintptr_t) ht->value - 1;
        entry_free(p->log->entry + at);
    } else {
        at = p->log->count++;
        p->log->entry = myreallocarray(p->log->entry, p->log->count,
                                       sizeof(BOUNCE_LOG_ENTRY));
        htable_enter(p->index, p->cur.recipient, (void *) (uintptr_t) (at + 1));
    }
    p->log->entry[at] = p->cur;
    return 0;
}

/* reset_entry - start a new entry */
static void
reset_entry(BL_PARSE *p, int free_old)
{
    if (free_old)
        entry_free(&p->cur);
    memset(&p->cur, 0, sizeof(p->cur));
    p->cur.offset = -1;
    p->seen = 0;
    p->lines = 0;
}

/* bounce_log_parse - the entries of a log's text; why says where it stopped */
BOUNCE_LOG *
bounce_log_parse(const char *buf, size_t len, const char *name, STRBUF *why)
{
    BL_PARSE p;
    size_t pos = 0, lineno = 0, n;
    const char *nl;
    int ret = 0;

    memset(&p, 0, sizeof(p));
    p.log = mycalloc(1, sizeof(BOUNCE_LOG));
    p.index = htable_create(64);
    strbuf_reset(why);
    reset_entry(&p, 0);
    /* A last line without LF, or entry without its empty line, is cut. */
    while (ret == 0 && pos < len &&
           (nl = memchr(buf + pos, '\n', len - pos)) != NULL) {
        n = (size_t) (nl - (buf + pos));
        lineno++;
        if (n > BOUNCE_LOG_MAX_LINE)
            ret = strbuf_fail(why, 0, "line longer than %d bytes",
                              BOUNCE_LOG_MAX_LINE);
        else if (n == 0 && (ret = end_entry(&p, why)) == 0)
            reset_entry(&p, 0);
        else if (n > 0)
            ret = parse_line(&p, buf + pos, n, why);
        pos += n + 1;
    }
    if (ret < 0) {
        STRBUF *detail = strbuf_create(100);
        strbuf_strcpy(detail, STR(why));
        strbuf_sprintf(why, "%s: line %zu: %s", name, lineno, STR(detail));
        strbuf_free(detail);
    }
    reset_entry(&p, 1);
    htable_free(p.index, NULL);
    return p.log;
}

/* read_file - at most BOUNCE_LOG_MAX_FILE bytes of a plain file */
static int
read_file(int fd, STRBUF *buf, const char *path, STRBUF *why)
{
    struct stat st;
    size_t want;
    ssize_t n;

    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
        return strbuf_fail(why, errno ? errno : EINVAL,
                           "%s: not a readable plain file", path);
    want = st.st_size > BOUNCE_LOG_MAX_FILE ? BOUNCE_LOG_MAX_FILE
                                            : (size_t) st.st_size;
    if (want < (size_t) st.st_size)
        msg_warn("%s: only the first %d bytes are read", path,
                 BOUNCE_LOG_MAX_FILE);
    strbuf_reserve(buf, want);
    while (LEN(buf) < want) {
        n = read(fd, STR(buf) + LEN(buf), want - LEN(buf));
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return strbuf_fail(why, errno, "read %s: %s", path,
                               strerror(errno));
        if (n == 0)
            break; /* it shrank: parse what there is */
        buf->len += (size_t) n;
        STR(buf)[LEN(buf)] = 0;
    }
    return 0;
}

/* bounce_log_read - the entries of a log file, or NULL */
BOUNCE_LOG *
bounce_log_read(const MAIL_QUEUE *mq, const char *log_queue,
                const char *queue_id, STRBUF *why)
{
    STRBUF *path = strbuf_create(100);
    STRBUF *buf = strbuf_create(1024);
    BOUNCE_LOG *log = NULL;
    int fd = -1, err = 0;

    if (mail_queue_path(mq, path, log_queue, queue_id, why) < 0) {
        err = EINVAL;
    } else if ((fd = open(STR(path), O_RDONLY | O_NOFOLLOW)) < 0) {
        err = errno;
        strbuf_sprintf(why, "open %s: %s", STR(path), strerror(err));
    } else if (read_file(fd, buf, STR(path), why) < 0) {
        err = errno;
    } else {
        log = bounce_log_parse(STR(buf), LEN(buf), STR(path), why);
        if (LEN(why) > 0)
            msg_warn("%s", STR(why));
    }
    if (fd >= 0)
        close(fd);
    strbuf_free(path);
    strbuf_free(buf);
    if (log == NULL)
        errno = err;
    return log;
}

/* bounce_log_remove - delete a log; a missing one is not an error */
int
bounce_log_remove(const MAIL_QUEUE *mq, const char *log_queue,
                  const char *queue_id)
{
    STRBUF *why = strbuf_create(100);
    int ret = 0;

    if (mail_queue_remove(mq, log_queue, queue_id, why) < 0 &&
        errno != ENOENT) {
        msg_warn("%s: %s", queue_id, STR(why));
        ret = -1;
    }
    strbuf_free(why);
    return ret;
}

/* bounce_log_find - the entry for recipient, or NULL */
const BOUNCE_LOG_ENTRY *
bounce_log_find(const BOUNCE_LOG *log, const char *recipient)
{
    size_t i;

    for (i = 0; log != NULL && i < log->count; i++)
        if (strcmp(log->entry[i].recipient, recipient) == 0)
            return log->entry + i;
    return NULL;
}

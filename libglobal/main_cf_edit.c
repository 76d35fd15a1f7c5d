/*
 * main_cf_edit - rewrite main.cf with parameters set or removed.
 *
 * main_cf_edit_text() copies main.cf text to out, line by line.  The
 * first line of each definition of a name being edited becomes "name =
 * value" (MAIN_CF_EDIT_SET) or goes (MAIN_CF_EDIT_REMOVE); its
 * continuation lines go.  Comments and blank lines stay, even those
 * between the lines of a definition.  Every definition of an edited name
 * is edited; names being set that were not defined are appended in the
 * order given (a name given twice takes the last value).  It returns 0,
 * or -1 with err set for a bad edit: a missing '=', a bad name, a value
 * with a newline.
 *
 * main_cf_edit() does this to a file: it locks main.cf (flock, against a
 * concurrent editor), writes the result to "main.cf.PID.tmp" in the same
 * directory (O_EXCL, with the old file's mode and, as root, owner),
 * fsyncs it, renames it into place and fsyncs the directory.  It returns
 * 0, or -1 with err set, the old file unchanged and the temporary file
 * removed (unless only the directory fsync failed).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "argv.h"
#include "htable.h"
#include "lline.h"
#include "main_cf.h"
#include "main_cf_edit.h"
#include "msg.h"
#include "mymalloc.h"
#include "strbuf.h"

/* One parameter being edited. */
typedef struct EDIT {
    char *value; /* new value; NULL: remove */
    int found;   /* defined in the text */
} EDIT;

/* Attempts to lock a main.cf that others keep replacing. */
#define EDIT_LOCK_TRIES 10

/* edit_free - release one edit (HTABLE_FREE_FN) */
static void
edit_free(void *ptr)
{
    EDIT *ed = ptr;

    myfree(ed->value);
    myfree(ed);
}

/* edit_enter - remember one edit; a later one for a name wins */
static void
edit_enter(HTABLE *table, ARGV *order, const char *name, const char *value)
{
    EDIT *ed = htable_find(table, name);

    if (ed == NULL) {
        ed = mymalloc(sizeof(*ed));
        ed->found = 0;
        htable_enter(table, name, ed);
        argv_add(order, name);
    } else {
        myfree(ed->value);
    }
    ed->value = value != NULL ? mystrdup(value) : NULL;
}

/* edit_check - validate one edit into name (and value) */
static int
edit_check(const char *edit, int mode, STRBUF *name, STRBUF *value, STRBUF *err)
{
    char *text;

    if (mode == MAIN_CF_EDIT_REMOVE) {
        if (main_cf_name_ok(edit, strlen(edit)))
            return strbuf_strcpy(name, edit);
        strbuf_sprintf(err, "bad parameter name \"%s\"", edit);
        return -1;
    }
    if (main_cf_split(edit, name, value, err) < 0) {
        text = mystrdup(STR(err));
        strbuf_sprintf(err, "bad setting \"%s\": %s", edit, text);
        myfree(text);
        return -1;
    }
    if (strpbrk(STR(value), "\r\n") != NULL) {
        strbuf_sprintf(err, "parameter %s: value contains a line break",
                       STR(name));
        return -1;
    }
    return 0;
}

/* edit_table - validate the edits into a table, names in order given */
static int
edit_table(const ARGV *edits, int mode, HTABLE *table, ARGV *order, STRBUF *err)
{
    STRBUF *name = strbuf_create(64);
    STRBUF *value = strbuf_create(256);
    size_t i;
    int ret = 0;

    for (i = 0; ret == 0 && i < edits->argc; i++) {
        ret = edit_check(edits->argv[i], mode, name, value, err);
        if (ret == 0)
            edit_enter(table, order, STR(name),
                       mode == MAIN_CF_EDIT_SET ? STR(value) : NULL);
    }
    strbuf_free(name);
    strbuf_free(value);
    return ret;
}

/* edit_lookup - the edit for the name a logical line starts with */
static HTABLE_INFO *
edit_lookup(HTABLE *table, const char *line, size_t len)
{
    HTABLE_INFO *ent;
    char *name;
    size_t n = 0;

    while (n < len && strchr("= \t\r\n\f\v", line[n]) == NULL)
        n++;
    name = mystrndup(line, n);
    ent = htable_locate(table, name);
    myfree(name);
    return ent;
}

/* edit_setting - append one "name = value" line */
static void
edit_setting(STRBUF *out, const char *name, const char *value)
{
    if (*value != 0)
        strbuf_sprintf_cat(out, "%s = %s\n", name, value);
    else
        strbuf_sprintf_cat(out, "%s =\n", name);
}

/* edit_lines - copy the text, editing the definitions in the table */
static void
edit_lines(STRBUF *out, const char *data, size_t len, HTABLE *table)
{
    const char *cp = data, *end = data + len, *nl;
    HTABLE_INFO *ent = NULL;
    EDIT *ed;
    size_t n;
    int kind;

    while (cp < end) {
        nl = memchr(cp, '\n', (size_t) (end - cp));
        n = nl != NULL ? (size_t) (nl - cp) + 1 : (size_t) (end - cp);
        if ((kind = lline_kind(cp, n)) == LLINE_START &&
            (ent = edit_lookup(table, cp, n)) != NULL) {
            ed = ent->value;
            ed->found = 1;
            if (ed->value != NULL)
                edit_setting(out, ent->key, ed->value);
        }
        /* An edited definition's continuation lines go; comments stay. */
        if (kind == LLINE_SKIP || ent == NULL)
            strbuf_memcat(out, cp, n);
        cp += n;
    }
    if (LEN(out) > 0 && STR(out)[LEN(out) - 1] != '\n')
        strbuf_addch(out, '\n');
}

/* edit_append - add the settings that the text did not define */
static void
edit_append(STRBUF *out, HTABLE *table, const ARGV *order)
{
    EDIT *ed;
    size_t i;

    for (i = 0; i < order->argc; i++) {
        ed = htable_find(table, order->argv[i]);
        if (!ed->found && ed->value != NULL)
            edit_setting(out, order->argv[i], ed->value);
    }
}

/* main_cf_edit_text - main.cf text with the edits applied, into out */
int
main_cf_edit_text(STRBUF *out, const char *data, size_t len, const ARGV *edits,
                  int mode, STRBUF *err)
{
    HTABLE *table = htable_create(16);
    ARGV *order = argv_alloc(4);
    int ret;

    if (mode != MAIN_CF_EDIT_SET && mode != MAIN_CF_EDIT_REMOVE)
        msg_panic("main_cf_edit_text: bad mode %d", mode);
    if ((ret = edit_table(edits, mode, table, order, err)) == 0) {
        strbuf_reset(out);
        edit_lines(out, data, len, table);
        edit_append(out, table, order);
    }
    htable_free(table, edit_free);
    argv_free(order);
    return ret;
}

/* edit_syserr - "what path: reason" from errno; returns -1 */
static int
edit_syserr(STRBUF *err, const char *what, const char *path)
{
    strbuf_sprintf(err, "%s %s: %s", what, path, strerror(errno));
    return -1;
}

/* edit_open_locked - open and lock the file that path names now */
static int
edit_open_locked(const char *path, struct stat *st, STRBUF *err)
{
    struct stat now;
    int fd, tries;

    for (tries = 0; tries < EDIT_LOCK_TRIES; tries++) {
        if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
            return edit_syserr(err, "open", path);
        if (flock(fd, LOCK_EX) < 0) {
            edit_syserr(err, "lock", path);
            close(fd);
            return -1;
        }
        /* Another editor may have renamed a new file into place. */
        if (fstat(fd, st) == 0 && stat(path, &now) == 0 &&
            st->st_dev == now.st_dev && st->st_ino == now.st_ino)
            return fd;
        close(fd);
    }
    strbuf_sprintf(err, "lock %s: the file keeps being replaced", path);
    return -1;
}

/* write_all - write len bytes, retrying short writes; -1 on error */
static int
write_all(int fd, const char *buf, size_t len)
{
    ssize_t n;

    while (len > 0) {
        if ((n = write(fd, buf, len)) < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        buf += n;
        len -= (size_t) n;
    }
    return 0;
}

/* edit_write_temp - fill, own and flush the temporary file */
static int
edit_write_temp(int fd, const char *tmp, const struct stat *st,
                const STRBUF *text, STRBUF *err)
{
    if (fchmod(fd, st->st_mode & 07777) < 0)
        return edit_syserr(err, "chmod", tmp);
    if (geteuid() == 0 && fchown(fd, st->st_uid, st->st_gid) < 0)
        return edit_syserr(err, "chown", tmp);
    if (write_all(fd, STR(text), LEN(text)) < 0)
        return edit_syserr(err, "write", tmp);
    if (fsync(fd) < 0)
        return edit_syserr(err, "fsync", tmp);
    return 0;
}

/* edit_sync_dir - make the rename in path's directory durable */
static int
edit_sync_dir(const char *path, STRBUF *err)
{
    STRBUF *dir = strbuf_create(256);
    const char *slash = strrchr(path, '/');
    int fd, ret = 0;

    if (slash == NULL)
        strbuf_strcpy(dir, ".");
    else
        strbuf_memcpy(dir, path, slash > path ? (size_t) (slash - path) : 1);
    if ((fd = open(STR(dir), O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0 ||
        fsync(fd) < 0)
        ret = edit_syserr(err, "fsync directory", STR(dir));
    if (fd >= 0)
        close(fd);
    strbuf_free(dir);
    return ret;
}

/* edit_replace - write text to a temporary file, rename it to path */
static int
edit_replace(const char *path, const struct stat *st, const STRBUF *text,
             STRBUF *err)
{
    STRBUF *tmp = strbuf_create(256);
    int fd, ret;

    strbuf_sprintf(tmp, "%s.%ld.tmp", path, (long) getpid());
    fd = open(STR(tmp), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
              0600);
    if (fd < 0) {
        ret = edit_syserr(err, "create", STR(tmp));
    } else {
        ret = edit_write_temp(fd, STR(tmp), st, text, err);
        if (close(fd) < 0 && ret == 0)
            ret = edit_syserr(err, "close", STR(tmp));
        if (ret == 0 && rename(STR(tmp), path) < 0)
            ret = edit_syserr(err, "rename", STR(tmp));
        if (ret < 0)
            unlink(STR(tmp));
        else
            ret = edit_sync_dir(path, err);
    }
    strbuf_free(tmp);
    return ret;
}

/* main_cf_edit - apply the edits to the main.cf file at path */
int
main_cf_edit(const char *path, const ARGV *edits, int mode, STRBUF *err)
{
    STRBUF *data = strbuf_create(8192);
    STRBUF *out = strbuf_create(8192);
    struct stat st;
    int fd, ret = -1;

    if ((fd = edit_open_locked(path, &st, err)) >= 0) {
        if (lline_load_fd(fd, path, MAIN_CF_MAX_FILE, data, err) == 0 &&
            main_cf_edit_text(out, STR(data), LEN(data), edits, mode, err) == 0)
            ret = edit_replace(path, &st, out, err);
        /* Closing releases the lock, after the new file is in place. */
        close(fd);
    }
    strbuf_free(data);
    strbuf_free(out);
    return ret;
}

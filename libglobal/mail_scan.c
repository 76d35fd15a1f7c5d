/*
 * mail_scan - walk a queue folder and its hash subfolders (mail_scan.h).
 *
 * The walk is bounded three ways: at most MAIL_QUEUE_DEPTH_MAX levels,
 * only subfolders named by one character, and at most cap entries in
 * all.  Symbolic links and other odd entries are reported like files;
 * the caller's checks (mail_queue_open refuses what is not a plain
 * file) decide.
 */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "mail_scan.h"
#include "strbuf.h"

/* The walk's state. */
typedef struct SCAN_STATE {
    MAIL_SCAN_FN fn;
    void *ctx;
    size_t cap;
    size_t seen;
} SCAN_STATE;

/* scan_dir - report the entries of one folder, recurse into hash levels */
static int
scan_dir(SCAN_STATE *s, STRBUF *path, int depth)
{
    DIR *dir;
    struct dirent *ent;
    struct stat st;
    size_t len = LEN(path);

    if ((dir = opendir(STR(path))) == NULL)
        return -1;
    while (s->seen < s->cap && (ent = readdir(dir)) != NULL) {
        if (strcmp(ent->d_name, ".") == 0 || strcmp(ent->d_name, "..") == 0)
            continue;
        strbuf_truncate(path, len);
        strbuf_sprintf_cat(path, "/%s", ent->d_name);
        if (lstat(STR(path), &st) == 0 && S_ISDIR(st.st_mode)) {
            if (depth < MAIL_QUEUE_DEPTH_MAX && strlen(ent->d_name) == 1)
                (void) scan_dir(s, path, depth + 1);
            continue;
        }
        strbuf_truncate(path, len);
        s->seen++;
        s->fn(STR(path), ent->d_name, s->ctx);
    }
    strbuf_truncate(path, len);
    closedir(dir);
    return 0;
}

/* mail_scan - call fn for each file of the queue; count, 0, or -1 */
long
mail_scan(const MAIL_QUEUE *mq, const char *queue, MAIL_SCAN_FN fn,
          void *ctx, size_t cap)
{
    SCAN_STATE s = {fn, ctx, cap, 0};
    STRBUF *path = strbuf_create(100);
    int ret;

    strbuf_sprintf(path, "%s/%s", mail_queue_top(mq), queue);
    ret = scan_dir(&s, path, 0);
    strbuf_free(path);
    if (ret < 0)
        return errno == ENOENT ? 0 : -1;
    return (long) s.seen;
}

/* add_id - collect a name that is a queue ID */
static void
add_id(const char *dir, const char *name, void *ctx)
{
    (void) dir;
    if (mail_queue_id_ok(name))
        argv_add((ARGV *) ctx, name);
}

/* cmp_str - qsort order of strings */
static int
cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *) a, *(char *const *) b);
}

/* mail_scan_ids - the queue's IDs, sorted; count or -1 */
long
mail_scan_ids(const MAIL_QUEUE *mq, const char *queue, ARGV *ids, size_t cap)
{
    size_t first = ids->argc;
    long ret = mail_scan(mq, queue, add_id, ids, cap);

    qsort(ids->argv + first, ids->argc - first, sizeof(char *), cmp_str);
    return ret < 0 ? ret : (long) (ids->argc - first);
}

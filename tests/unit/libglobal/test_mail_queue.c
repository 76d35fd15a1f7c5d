/* test_mail_queue - Check suite for queue IDs, paths and queue files. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "msg.h"
#include "mymalloc.h"
#include "qfile.h"
#include "test_main.h"
#include "test_tmpdir.h"

/* queue_tree - a queue directory "q" with every queue */
static MAIL_QUEUE *
queue_tree(int depth)
{
    const char *const *np;
    STRBUF *p = strbuf_create(0);

    ck_assert_int_eq(mkdir("q", 0700), 0);
    for (np = mail_queue_names(); *np; np++) {
        strbuf_sprintf(p, "q/%s", *np);
        ck_assert_int_eq(mkdir(STR(p), 0700), 0);
    }
    strbuf_free(p);
    return mail_queue_create("q", "deferred, defer, corrupt", depth);
}

START_TEST(test_id_burst)
{
    STRBUF *id = strbuf_create(0);
    char prev[MAIL_QUEUE_ID_MAX + 1] = "";
    struct timeval tv;
    int i;

    /* Same inode and a clock that stands still: still strictly increasing. */
    for (i = 0; i < 10000; i++) {
        gettimeofday(&tv, NULL);
        tv.tv_usec = i % 1000000;
        mail_queue_id_make(id, &tv, (ino_t) 12345 + (ino_t) i);
        ck_assert_msg(mail_queue_id_ok(STR(id)), "%s", STR(id));
        ck_assert_msg(strcmp(prev, STR(id)) < 0, "%s !< %s", prev, STR(id));
        strcpy(prev, STR(id));
    }
    strbuf_free(id);
}
END_TEST

START_TEST(test_enter_burst)
{
    MAIL_QUEUE *mq = queue_tree(1);
    STRBUF *id = strbuf_create(0);
    STRBUF *why = strbuf_create(0);
    char prev[MAIL_QUEUE_ID_MAX + 1] = "";
    int i;
    int fd;

    for (i = 0; i < 10000; i++) {
        fd = mail_queue_enter(mq, MAIL_QUEUE_INCOMING, id, why);
        ck_assert_msg(fd >= 0, "%s", STR(why));
        close(fd);
        ck_assert_msg(strcmp(prev, STR(id)) < 0, "%s !< %s", prev, STR(id));
        strcpy(prev, STR(id));
        /* Removing the file frees the inode for reuse: IDs stay unique. */
        ck_assert_int_eq(mail_queue_remove(mq, "incoming", STR(id), why), 0);
    }
    mail_queue_free(mq);
    strbuf_free(id);
    strbuf_free(why);
}
END_TEST

static const struct {
    const char *id;
    int ok;
} ids[] = {
    {"4ZqLQb5Xyzz1", 1},
    {"4ZqLQb5Xyz1", 0},
    {"4ZqLQb5XyBz1", 1},
    {"000000000000", 0},
    {"0000000000z0", 1},
    {"0000000000z00", 0},
    {"0000000000z", 0},
    {"../../etc/pass", 0},
    {"0000000000z1/", 0},
    {"0000000000za", 0},
    {"0000000000zz", 0},
    {"000000ZZZZz1", 0},
    {"00000075plz1", 1},
    {"00000075pmz1", 0},
    {"", 0},
    {"0000000000zYyyyyyyyyyyy", 0},
    {"0000000000z3yyyyyyyyyyy", 0},
    {"0000000000z2yyyyyyyyyyy", 1},
};

START_TEST(test_id_ok)
{
    ck_assert_msg(mail_queue_id_ok(ids[_i].id) == ids[_i].ok, "%s", ids[_i].id);
}
END_TEST

START_TEST(test_names)
{
    ck_assert(mail_queue_name_ok("incoming"));
    ck_assert(mail_queue_name_ok("saved"));
    ck_assert(!mail_queue_name_ok("../incoming"));
    ck_assert(!mail_queue_name_ok("private"));
    ck_assert(!mail_queue_name_ok(NULL));
}
END_TEST

START_TEST(test_paths)
{
    MAIL_QUEUE *mq1 = mail_queue_create("/q", "deferred, defer", 1);
    MAIL_QUEUE *mq2 = mail_queue_create("/q", "deferred", 2);
    STRBUF *p = strbuf_create(0);
    STRBUF *why = strbuf_create(0);

    ck_assert_int_eq(mail_queue_path(mq1, p, "deferred", "4ZqLQb5XyBz1", why),
                     0);
    ck_assert_str_eq(STR(p), "/q/deferred/B/4ZqLQb5XyBz1");
    ck_assert_int_eq(mail_queue_path(mq2, p, "deferred", "4ZqLQb5XyBz1", why),
                     0);
    ck_assert_str_eq(STR(p), "/q/deferred/B/y/4ZqLQb5XyBz1");
    ck_assert_int_eq(mail_queue_path(mq2, p, "active", "4ZqLQb5XyBz1", why), 0);
    ck_assert_str_eq(STR(p), "/q/active/4ZqLQb5XyBz1");
    ck_assert_int_eq(mail_queue_path(mq2, p, "active", "../x", why), -1);
    ck_assert_int_eq(mail_queue_path(mq2, p, "..", "4ZqLQb5XyBz1", why), -1);
    mail_queue_free(mq1);
    mail_queue_free(mq2);
    strbuf_free(p);
    strbuf_free(why);
}
END_TEST

/* write_msg - a valid queue file with nrcpt recipients; its ID */
static char *
write_msg(MAIL_QUEUE *mq, int nrcpt, off_t *rcpt_off, int commit)
{
    STRBUF *why = strbuf_create(0);
    QFILE *qf = qfile_create(mq, MAIL_QUEUE_INCOMING, why);
    char big[300];
    off_t start;
    off_t end;
    char *id;
    int i;

    ck_assert_msg(qf != NULL, "%s", STR(why));
    id = mystrdup(qf->id);
    ck_assert_int_eq(qfile_put_size(qf, 0, 0, 0), 0);
    qfile_puts(qf, REC_TYPE_TIME, "1700000000 123456");
    qfile_puts(qf, REC_TYPE_FROM, "sender@example.com");
    qfile_puts(qf, REC_TYPE_ATTR, "client_name=mx.example.com");
    for (i = 0; i < nrcpt; i++) {
        qfile_puts(qf, REC_TYPE_ORCP, "Orig@example.org");
        qfile_puts(qf, REC_TYPE_DSN_NOTIFY, "6");
        rcpt_off[i] = qfile_puts(qf, REC_TYPE_RCPT, "rcpt@example.org");
    }
    qfile_put(qf, REC_TYPE_MESG, "", 0);
    start = qf->offset;
    qfile_put_line(qf, "Subject: hi", 11, 100);
    memset(big, 'x', sizeof(big));
    qfile_put_line(qf, big, sizeof(big), 100);
    end = qfile_put(qf, REC_TYPE_XTRA, "", 0);
    qfile_put(qf, REC_TYPE_END, "", 0);
    ck_assert_int_eq(qfile_set_size(qf, start, end - start, nrcpt), 0);
    if (commit)
        ck_assert_msg(qfile_commit(qf, NULL, why) == 0, "%s", STR(why));
    else
        qfile_free(qf);
    strbuf_free(why);
    return id;
}

/* read_env - open and read a queue file's envelope */
static int
read_env(MAIL_QUEUE *mq, const char *queue, const char *id, QFILE_ENV **env)
{
    STRBUF *why = strbuf_create(0);
    QFILE_LIMITS lim;
    STREAM *st;
    int fd;
    int ret;

    qfile_limits_init(&lim);
    if ((fd = mail_queue_open_read(mq, queue, id, why)) < 0) {
        strbuf_free(why);
        return -100;
    }
    st = stream_fdopen(fd, O_RDONLY);
    ret = qfile_read_envelope(st, &lim, env, why);
    stream_close(st);
    strbuf_free(why);
    return ret;
}

START_TEST(test_create_commit)
{
    MAIL_QUEUE *mq = queue_tree(1);
    STRBUF *why = strbuf_create(0);
    QFILE_ENV *env = NULL;
    off_t off[3];
    char *id = write_msg(mq, 3, off, 1);
    struct stat st;
    int fd;

    ck_assert_int_eq(read_env(mq, "incoming", id, &env), QFILE_OK);
    ck_assert_str_eq(env->sender, "sender@example.com");
    ck_assert_uint_eq(env->rcpt_count, 3);
    ck_assert_str_eq(env->rcpt[1].orig, "Orig@example.org");
    ck_assert_int_eq(env->rcpt[1].dsn_notify, 6);
    ck_assert_int_eq(env->rcpt[2].offset, off[2]);
    ck_assert_int_eq(env->arrival_usec, 123456);
    ck_assert_str_eq(env->attr_values[0], "mx.example.com");
    env = qfile_env_free(env);
    /* Done marks survive a re-read; marking twice is harmless. */
    fd = mail_queue_open(mq, "incoming", id, O_RDWR, why);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(qfile_mark_done(fd, off[1]), 0);
    ck_assert_int_eq(qfile_mark_done(fd, off[1]), 0);
    ck_assert_int_eq(qfile_mark_done(fd, off[1] + 1), -1);
    close(fd);
    ck_assert_int_eq(read_env(mq, "incoming", id, &env), QFILE_OK);
    ck_assert(env->rcpt[1].done && !env->rcpt[0].done);
    ck_assert_uint_eq(env->rcpt_done, 1);
    env = qfile_env_free(env);
    /* Moves into a hashed queue make the subfolder. */
    ck_assert_int_eq(mail_queue_rename(mq, id, "incoming", "deferred", why), 0);
    ck_assert_int_eq(read_env(mq, "deferred", id, &env), QFILE_OK);
    env = qfile_env_free(env);
    ck_assert_int_eq(qfile_corrupt(mq, "deferred", id, "test"), 0);
    ck_assert_int_eq(mail_queue_path(mq, why, "corrupt", id, why), 0);
    ck_assert_int_eq(stat(STR(why), &st), 0);
    ck_assert_int_eq(st.st_mode & 0777, 0700);
    myfree(id);
    mail_queue_free(mq);
    strbuf_free(why);
}
END_TEST

START_TEST(test_incomplete_abort)
{
    MAIL_QUEUE *mq = queue_tree(2);
    STRBUF *why = strbuf_create(0);
    QFILE_ENV *env = NULL;
    off_t off[1];
    char *id = write_msg(mq, 1, off, 0);
    QFILE *qf;

    /* Written but not committed: no reader takes it. */
    ck_assert_int_eq(read_env(mq, "incoming", id, &env), -100);
    myfree(id);
    qf = qfile_create(mq, "incoming", why);
    ck_assert_ptr_nonnull(qf);
    id = mystrdup(qf->id);
    qfile_abort(qf);
    ck_assert_int_eq(mail_queue_open_read(mq, "incoming", id, why), -1);
    ck_assert(strstr(STR(why), "No such file") != NULL);
    myfree(id);
    mail_queue_free(mq);
    strbuf_free(why);
}
END_TEST

/*
 * A crash of the host before qfile_commit()'s one fsync() returned may
 * leave a file that is complete by its mode but lost some of its blocks:
 * cut short, or with a hole of zeros where a block never reached the
 * disk.  None of these was acknowledged, and none may read as a message.
 * (Zeros that fall wholly inside one record's data cannot be seen: see
 * docs/queue-format.md, "Durability".)  The file ends with
 * ... L(100) L(100) N(100) X E: N starts 106 bytes before the end.
 */
enum { DAMAGE_CUT, DAMAGE_ZERO, DAMAGE_OLD_SIZE };

struct damage_case {
    const char *name;
    int kind;
    off_t from_end; /* where: bytes before the end (0: offset 0) */
    size_t len;     /* DAMAGE_ZERO: bytes of zeros */
};

static const struct damage_case damage_cases[] = {
    {"no end record", DAMAGE_CUT, 2, 0},
    {"no content end record", DAMAGE_CUT, 4, 0},
    {"end record half there", DAMAGE_CUT, 1, 0},
    {"empty file", DAMAGE_CUT, -1, 0},
    {"zeroed end record", DAMAGE_ZERO, 2, 2},
    {"zeroed across a line's start", DAMAGE_ZERO, 120, 64},
    {"zeroed head", DAMAGE_ZERO, -1, 64},
    {"size record not rewritten", DAMAGE_OLD_SIZE, 0, 0},
};

/* A committed two-recipient file in a new queue tree, and its bytes. */
struct committed {
    MAIL_QUEUE *mq;
    STRBUF *path;
    char *id;
    char *data;
    struct stat st;
};

/* committed_open - write and commit the file, read its bytes back */
static void
committed_open(struct committed *f)
{
    off_t off[2];
    int fd;

    f->mq = queue_tree(1);
    f->path = strbuf_create(0);
    f->id = write_msg(f->mq, 2, off, 1);
    ck_assert_int_eq(
        mail_queue_path(f->mq, f->path, "incoming", f->id, f->path), 0);
    ck_assert_int_eq(stat(STR(f->path), &f->st), 0);
    ck_assert_int_eq(f->st.st_mode & 0777, 0700);
    f->data = mymalloc(f->st.st_size);
    ck_assert_int_ge(fd = open(STR(f->path), O_RDONLY), 0);
    ck_assert_int_eq(read(fd, f->data, f->st.st_size), f->st.st_size);
    close(fd);
}

/* committed_close - free what committed_open() made */
static void
committed_close(struct committed *f)
{
    myfree(f->data);
    myfree(f->id);
    strbuf_free(f->path);
    mail_queue_free(f->mq);
}

/* damage - rewrite path as data with c's damage; the mode stays 0700 */
static void
damage(const char *path, const char *data, off_t size,
       const struct damage_case *c)
{
    off_t at = c->from_end < 0 ? 0 : size - c->from_end;
    char zeros[64] = {0};
    char old_size[REC_SIZE_LEN + 1];
    int fd = open(path, O_WRONLY | O_TRUNC);

    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(write(fd, data, size), size);
    if (c->kind == DAMAGE_CUT)
        ck_assert_int_eq(ftruncate(fd, at), 0);
    if (c->kind == DAMAGE_ZERO)
        ck_assert_int_eq(pwrite(fd, zeros, c->len, at), (ssize_t) c->len);
    if (c->kind == DAMAGE_OLD_SIZE) {
        /* What write_msg() put first, before qfile_set_size(). */
        snprintf(old_size, sizeof(old_size), REC_SIZE_FMT, 0LL, 0LL, 0LL);
        ck_assert_int_eq(pwrite(fd, old_size, REC_SIZE_LEN, 2), REC_SIZE_LEN);
    }
    close(fd);
}

START_TEST(test_damaged_complete)
{
    const struct damage_case *c = damage_cases + _i;
    QFILE_ENV *env = NULL;
    struct committed f;

    committed_open(&f);
    ck_assert_int_eq(read_env(f.mq, "incoming", f.id, &env), QFILE_OK);
    env = qfile_env_free(env);
    damage(STR(f.path), f.data, f.st.st_size, c);
    ck_assert_msg(read_env(f.mq, "incoming", f.id, &env) == QFILE_BAD, "%s",
                  c->name);
    ck_assert_ptr_null(env);
    committed_close(&f);
}
END_TEST

START_TEST(test_cut_anywhere)
{
    QFILE_ENV *env = NULL;
    struct committed f;
    struct damage_case cut = {"cut", DAMAGE_CUT, 0, 0};

    committed_open(&f);
    /* Every length short of the whole file is refused. */
    for (cut.from_end = f.st.st_size; cut.from_end > 0; cut.from_end--) {
        damage(STR(f.path), f.data, f.st.st_size, &cut);
        ck_assert_msg(read_env(f.mq, "incoming", f.id, &env) == QFILE_BAD,
                      "cut at %lld of %lld", (long long) cut.from_end,
                      (long long) f.st.st_size);
    }
    committed_close(&f);
}
END_TEST

/* What a file with a warn record holds, and what the reader says. */
struct warn_case {
    const char *name;
    const char *types; /* record order after C: T, W, S (W data below) */
    const char *wdata; /* the W record's data */
    int want;          /* QFILE_OK or QFILE_BAD */
    long long warn;    /* warn_time when OK */
};

static const struct warn_case warn_cases[] = {
    {"W after T", "TWS", "     1700003600", QFILE_OK, 1700003600},
    {"no W", "TS", "", QFILE_OK, 0},
    {"W too short", "TWS", "1700003600", QFILE_BAD, 0},
    {"W not a number", "TWS", "      170000x600", QFILE_BAD, 0},
    {"W after the sender", "TSW", "     1700003600", QFILE_BAD, 0},
};

/* write_warn - a committed file with the head records of c; its ID */
static char *
write_warn(MAIL_QUEUE *mq, const struct warn_case *c)
{
    STRBUF *why = strbuf_create(0);
    QFILE *qf = qfile_create(mq, MAIL_QUEUE_INCOMING, why);
    const char *cp;
    off_t start;
    off_t end;
    char *id;

    ck_assert_msg(qf != NULL, "%s", STR(why));
    id = mystrdup(qf->id);
    qfile_put_size(qf, 0, 0, 0);
    for (cp = c->types; *cp; cp++) {
        if (*cp == 'T')
            qfile_puts(qf, REC_TYPE_TIME, "1700000000 0");
        else if (*cp == 'W')
            qfile_puts(qf, REC_TYPE_WARN, c->wdata);
        else
            qfile_puts(qf, REC_TYPE_FROM, "s@example.com");
    }
    qfile_puts(qf, REC_TYPE_RCPT, "r@example.org");
    qfile_put(qf, REC_TYPE_MESG, "", 0);
    start = qf->offset;
    qfile_put_line(qf, "Subject: hi", 11, 100);
    end = qfile_put(qf, REC_TYPE_XTRA, "", 0);
    qfile_put(qf, REC_TYPE_END, "", 0);
    qfile_set_size(qf, start, end - start, 1);
    ck_assert_msg(qfile_commit(qf, NULL, why) == 0, "%s", STR(why));
    strbuf_free(why);
    return id;
}

START_TEST(test_warn_record)
{
    const struct warn_case *c = warn_cases + _i;
    MAIL_QUEUE *mq = queue_tree(1);
    STRBUF *why = strbuf_create(0);
    QFILE_ENV *env = NULL;
    char *id = write_warn(mq, c);
    int fd;

    ck_assert_msg(read_env(mq, "incoming", id, &env) == c->want, "%s", c->name);
    if (c->want == QFILE_OK) {
        ck_assert_msg(env->warn_time == c->warn, "%s", c->name);
        ck_assert_msg((env->warn_offset >= 0) == (c->warn != 0), "%s", c->name);
    }
    if (c->want == QFILE_OK && c->warn != 0) {
        /* Rewritten in place: 0 once the warning went out. */
        fd = mail_queue_open(mq, "incoming", id, O_RDWR, why);
        ck_assert_int_eq(qfile_set_warn(fd, env->warn_offset + 1, 0), -1);
        ck_assert_int_eq(qfile_set_warn(fd, env->warn_offset, 0), 0);
        close(fd);
        env = qfile_env_free(env);
        ck_assert_int_eq(read_env(mq, "incoming", id, &env), QFILE_OK);
        ck_assert(env->warn_time == 0 && env->warn_offset > 0);
    }
    qfile_env_free(env);
    myfree(id);
    mail_queue_free(mq);
    strbuf_free(why);
}
END_TEST

/*
 * Reuse of finished files (mail_queue_spare_put, mail_queue_spare_take).
 * Check runs each test in a process of its own, so the static state in
 * mail_queue.c (spare/'s count, the taker's directory stream and its
 * idle second) starts fresh in every test.
 */

/* spare_tree - a queue tree with queue_file_reuse_limit = limit */
static MAIL_QUEUE *
spare_tree(long limit)
{
    MAIL_QUEUE *mq = queue_tree(1);

    mail_queue_set_spare_limit(mq, limit);
    return mq;
}

/* make_file - a file of size bytes ('o') and mode in queue; its ID */
static char *
make_file(MAIL_QUEUE *mq, const char *queue, off_t size, mode_t mode)
{
    STRBUF *id = strbuf_create(0);
    STRBUF *why = strbuf_create(0);
    char buf[4096];
    off_t done;
    char *ret;
    int fd;

    memset(buf, 'o', sizeof(buf));
    fd = mail_queue_enter(mq, queue, id, why);
    ck_assert_msg(fd >= 0, "%s", STR(why));
    for (done = 0; done < size; done += sizeof(buf))
        ck_assert_int_gt(write(fd, buf,
                               size - done < (off_t) sizeof(buf)
                                   ? (size_t) (size - done)
                                   : sizeof(buf)),
                         0);
    ck_assert_int_eq(fchmod(fd, mode), 0);
    close(fd);
    ret = mystrdup(STR(id));
    strbuf_free(id);
    strbuf_free(why);
    return ret;
}

/* path_of - stat() of q/queue/id: the inode, or 0 when it is not there */
static ino_t
path_of(const char *queue, const char *id, struct stat *st)
{
    char path[200];

    snprintf(path, sizeof(path), "q/%s/%s", queue, id);
    return stat(path, st) == 0 ? st->st_ino : 0;
}

/* spare_files - valid IDs in q/spare */
static int
spare_files(void)
{
    DIR *dir = opendir("q/spare");
    struct dirent *de;
    int n = 0;

    ck_assert_ptr_nonnull(dir);
    while ((de = readdir(dir)) != NULL)
        n += mail_queue_id_ok(de->d_name);
    closedir(dir);
    return n;
}

struct put_case {
    const char *name;
    long limit;
    off_t size;
    int links; /* 1: a second name in saved/ */
    int want;  /* 0: moved to spare/, 1: removed */
};

static const struct put_case put_cases[] = {
    {"reuse off", 0, 100, 0, 1},
    {"kept", 10, 100, 0, 0},
    {"empty file kept", 10, 0, 0, 0},
    {"largest kept", 10, MAIL_QUEUE_SPARE_MAX_SIZE, 0, 0},
    {"too large", 10, MAIL_QUEUE_SPARE_MAX_SIZE + 1, 0, 1},
    {"second name", 10, 100, 1, 1},
};

START_TEST(test_spare_put)
{
    const struct put_case *c = put_cases + _i;
    MAIL_QUEUE *mq = spare_tree(c->limit);
    STRBUF *why = strbuf_create(0);
    char *id = make_file(mq, "active", c->size, MAIL_QUEUE_MODE_COMPLETE);
    struct stat st;
    ino_t ino = path_of("active", id, &st);
    char path[200];

    snprintf(path, sizeof(path), "q/active/%s", id);
    if (c->links)
        ck_assert_int_eq(link(path, "q/saved/other"), 0);
    ck_assert_msg(mail_queue_spare_put(mq, "active", id, why) == c->want,
                  "%s: %s", c->name, STR(why));
    ck_assert_msg(path_of("active", id, &st) == 0, "%s", c->name);
    ck_assert_int_eq(spare_files(), c->want == 0);
    if (c->want == 0) {
        /* Same file, same name, and no longer marked complete. */
        ck_assert_msg(path_of("spare", id, &st) == ino, "%s", c->name);
        ck_assert_int_eq(st.st_mode & 07777, MAIL_QUEUE_MODE_WRITING);
        ck_assert_int_eq(st.st_size, c->size);
    }
    if (c->links)
        ck_assert_int_eq(stat("q/saved/other", &st), 0);
    myfree(id);
    mail_queue_free(mq);
    strbuf_free(why);
}
END_TEST

START_TEST(test_spare_put_no_folder)
{
    MAIL_QUEUE *mq = spare_tree(10);
    STRBUF *why = strbuf_create(0);
    char *id = make_file(mq, "active", 100, MAIL_QUEUE_MODE_COMPLETE);
    char *id2 = make_file(mq, "active", 100, MAIL_QUEUE_MODE_COMPLETE);
    struct stat st;

    /* A queue made before spare/ existed: the first count makes it. */
    ck_assert_int_eq(rmdir("q/spare"), 0);
    ck_assert_int_eq(mail_queue_spare_put(mq, "active", id, why), 0);
    ck_assert_int_eq(stat("q/spare", &st), 0);
    ck_assert(S_ISDIR(st.st_mode) && (st.st_mode & 07777) == 0700);
    ck_assert_int_eq(spare_files(), 1);
    mail_queue_free(mq);
    /* A spare/ that cannot be a folder: the file is removed instead. */
    ck_assert_int_eq(system("rm -rf q"), 0);
    mq = spare_tree(10);
    myfree(id);
    id = make_file(mq, "active", 100, MAIL_QUEUE_MODE_COMPLETE);
    ck_assert_int_eq(rmdir("q/spare"), 0);
    ck_assert_int_eq(close(open("q/spare", O_CREAT | O_WRONLY, 0600)), 0);
    ck_assert_int_eq(mail_queue_spare_put(mq, "active", id, why), 1);
    ck_assert_int_eq(path_of("active", id, &st), 0);
    myfree(id);
    myfree(id2);
    mail_queue_free(mq);
    strbuf_free(why);
}
END_TEST

START_TEST(test_spare_limit)
{
    enum { LIMIT = 5 };
    MAIL_QUEUE *mq = spare_tree(LIMIT);
    STRBUF *why = strbuf_create(0);
    STRBUF *id = strbuf_create(0);
    char *files[LIMIT + 1];
    struct stat st;
    time_t start;
    int fd;
    int i;

    for (i = 0; i <= LIMIT; i++)
        files[i] = make_file(mq, "active", 100, MAIL_QUEUE_MODE_COMPLETE);
    /* Start just after a second begins: all that follows is within one
     * second, so a recount that waited for the next second would fail. */
    for (start = time(NULL); time(NULL) == start;)
        usleep(1000);
    for (i = 0; i <= LIMIT; i++)
        ck_assert_int_eq(mail_queue_spare_put(mq, "active", files[i], why),
                         i == LIMIT);
    ck_assert_int_eq(spare_files(), LIMIT);
    ck_assert_int_eq(path_of("active", files[LIMIT], &st), 0);
    ck_assert_int_eq(path_of("spare", files[LIMIT], &st), 0);
    /* A take makes room, which a put sees once spare/ is counted again
     * (at most every SPARE_RECOUNT_MS, 100 ms). */
    ck_assert_int_ge(fd = mail_queue_spare_take(mq, "incoming", id, why), 0);
    close(fd);
    ck_assert_int_eq(spare_files(), LIMIT - 1);
    myfree(files[LIMIT]);
    files[LIMIT] = make_file(mq, "active", 100, MAIL_QUEUE_MODE_COMPLETE);
    usleep(150 * 1000);
    ck_assert_int_eq(mail_queue_spare_put(mq, "active", files[LIMIT], why), 0);
    ck_assert_int_eq(spare_files(), LIMIT);
    for (i = 0; i <= LIMIT; i++)
        myfree(files[i]);
    mail_queue_free(mq);
    strbuf_free(why);
    strbuf_free(id);
}
END_TEST

/* take_one - mail_queue_spare_take() into incoming/; the fd or -1 */
static int
take_one(MAIL_QUEUE *mq, STRBUF *id, int want_errno)
{
    STRBUF *why = strbuf_create(0);
    int fd;

    errno = 0;
    fd = mail_queue_spare_take(mq, "incoming", id, why);
    ck_assert_msg(LEN(why) == 0, "%s", STR(why));
    if (fd < 0)
        ck_assert_int_eq(errno, want_errno);
    strbuf_free(why);
    return fd;
}

START_TEST(test_spare_take)
{
    MAIL_QUEUE *mq = spare_tree(10);
    STRBUF *why = strbuf_create(0);
    STRBUF *id = strbuf_create(0);
    STRBUF *made = strbuf_create(0);
    char *old = make_file(mq, "active", 5000, MAIL_QUEUE_MODE_COMPLETE);
    struct timeval tv;
    struct stat st;
    struct stat fst;
    char buf[16];
    ino_t ino;
    int fd;

    ck_assert_int_eq(mail_queue_spare_put(mq, "active", old, why), 0);
    ino = path_of("spare", old, &st);
    ck_assert_int_ge(fd = take_one(mq, id, 0), 0);
    ck_assert(mail_queue_id_ok(STR(id)));
    ck_assert_str_ne(STR(id), old);
    /* The same file, under a new ID that carries its inode. */
    ck_assert_int_eq(fstat(fd, &fst), 0);
    ck_assert_int_eq(fst.st_ino, ino);
    ck_assert_int_eq(fst.st_nlink, 1);
    ck_assert_int_eq(fst.st_mode & 07777, MAIL_QUEUE_MODE_WRITING);
    gettimeofday(&tv, NULL);
    mail_queue_id_make(made, &tv, ino);
    ck_assert_str_eq(STR(id) + MAIL_QUEUE_ID_TIME_LEN,
                     STR(made) + MAIL_QUEUE_ID_TIME_LEN);
    ck_assert_int_eq(path_of("incoming", STR(id), &st), ino);
    ck_assert_int_eq(path_of("spare", old, &st), 0);
    ck_assert_int_eq(spare_files(), 0);
    /* The old content is still there, for the taker to overwrite. */
    ck_assert_int_eq(st.st_size, 5000);
    ck_assert_int_eq(pread(fd, buf, sizeof(buf), 0), sizeof(buf));
    ck_assert_int_eq(buf[0], 'o');
    close(fd);
    /* Nothing left to take. */
    ck_assert_int_eq(take_one(mq, id, ENOENT), -1);
    myfree(old);
    mail_queue_free(mq);
    strbuf_free(why);
    strbuf_free(id);
    strbuf_free(made);
}
END_TEST

START_TEST(test_spare_take_any_pid)
{
    MAIL_QUEUE *mq = spare_tree(100);
    STRBUF *why = strbuf_create(0);
    STRBUF *id = strbuf_create(0);
    char *old;
    pid_t pid;
    int status;
    int i;

    /* Takers start at a name that depends on their process ID: one spare
     * file is found by each of 16 processes in a row (every start). */
    for (i = 0; i < 16; i++) {
        old = make_file(mq, "active", 100, MAIL_QUEUE_MODE_COMPLETE);
        ck_assert_int_eq(mail_queue_spare_put(mq, "active", old, why), 0);
        myfree(old);
        ck_assert_int_ge(pid = fork(), 0);
        if (pid == 0)
            _exit(mail_queue_spare_take(mq, "incoming", id, why) >= 0 ? 0 : 1);
        ck_assert_int_eq(waitpid(pid, &status, 0), pid);
        ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
                      "process %ld found no spare file", (long) pid);
        ck_assert_int_eq(spare_files(), 0);
    }
    mail_queue_free(mq);
    strbuf_free(why);
    strbuf_free(id);
}
END_TEST

START_TEST(test_spare_take_several)
{
    MAIL_QUEUE *mq = spare_tree(10);
    STRBUF *why = strbuf_create(0);
    STRBUF *id = strbuf_create(0);
    char prev[MAIL_QUEUE_ID_MAX + 1] = "";
    char *old;
    int fd;
    int i;

    for (i = 0; i < 3; i++) {
        old = make_file(mq, "active", 100, MAIL_QUEUE_MODE_COMPLETE);
        ck_assert_int_eq(mail_queue_spare_put(mq, "active", old, why), 0);
        myfree(old);
    }
    /* One after the other, each a different file, none skipped. */
    for (i = 0; i < 3; i++) {
        ck_assert_int_ge(fd = take_one(mq, id, 0), 0);
        close(fd);
        ck_assert_str_ne(prev, STR(id));
        strcpy(prev, STR(id));
        ck_assert_int_eq(spare_files(), 2 - i);
    }
    ck_assert_int_eq(take_one(mq, id, ENOENT), -1);
    mail_queue_free(mq);
    strbuf_free(why);
    strbuf_free(id);
}
END_TEST

/* What makes a spare file unusable: a crash's leftover or not ours. */
enum { BAD_MODE, BAD_LINK, BAD_OWNER, BAD_SIZE, BAD_FIFO };

static const struct {
    const char *name;
    int kind;
} bad_spares[] = {
    {"marked complete", BAD_MODE},    {"second name", BAD_LINK},
    {"another owner", BAD_OWNER},     {"too large", BAD_SIZE},
    {"not a regular file", BAD_FIFO},
};

START_TEST(test_spare_take_unusable)
{
    MAIL_QUEUE *mq = spare_tree(10);
    STRBUF *id = strbuf_create(0);
    STRBUF *why = strbuf_create(0);
    int kind = bad_spares[_i].kind;
    off_t size = kind == BAD_SIZE ? MAIL_QUEUE_SPARE_MAX_SIZE + 1 : 100;
    char *old = make_file(mq, "spare", size, MAIL_QUEUE_MODE_WRITING);
    char path[200];
    struct stat st;

    snprintf(path, sizeof(path), "q/spare/%s", old);
    if (kind == BAD_MODE)
        ck_assert_int_eq(chmod(path, MAIL_QUEUE_MODE_COMPLETE), 0);
    if (kind == BAD_LINK)
        ck_assert_int_eq(link(path, "q/saved/other"), 0);
    if (kind == BAD_OWNER && geteuid() != 0)
        return; /* chown needs root */
    if (kind == BAD_OWNER)
        ck_assert_int_eq(chown(path, geteuid() + 1, (gid_t) -1), 0);
    if (kind == BAD_FIFO)
        ck_assert(unlink(path) == 0 && mkfifo(path, 0600) == 0);
    ck_assert_msg(take_one(mq, id, ENOENT) == -1, "%s", bad_spares[_i].name);
    /* The spare name is gone; another name of the file is not. */
    ck_assert_msg(lstat(path, &st) < 0 && errno == ENOENT, "%s",
                  bad_spares[_i].name);
    ck_assert_int_eq(stat("q/incoming", &st), 0);
    ck_assert_int_eq(st.st_nlink, 2);
    if (kind == BAD_LINK)
        ck_assert_int_eq(stat("q/saved/other", &st), 0);
    myfree(old);
    mail_queue_free(mq);
    strbuf_free(id);
    strbuf_free(why);
}
END_TEST

START_TEST(test_spare_take_skips_bad)
{
    MAIL_QUEUE *mq = spare_tree(10);
    STRBUF *id = strbuf_create(0);
    STRBUF *why = strbuf_create(0);
    char *bad = make_file(mq, "spare", 100, MAIL_QUEUE_MODE_COMPLETE);
    char *good = make_file(mq, "active", 100, MAIL_QUEUE_MODE_COMPLETE);
    struct stat st;
    ino_t ino;
    int fd;

    /* A bad file beside a good one: the good one is taken in one call,
     * whichever comes first in the folder, and never the bad one. */
    ck_assert_int_eq(mail_queue_spare_put(mq, "active", good, why), 0);
    ino = path_of("spare", good, &st);
    ck_assert_int_ge(fd = take_one(mq, id, 0), 0);
    ck_assert_int_eq(fstat(fd, &st), 0);
    ck_assert_int_eq(st.st_ino, ino);
    close(fd);
    ck_assert_int_eq(path_of("spare", good, &st), 0);
    ck_assert_int_le(spare_files(), 1);
    myfree(bad);
    myfree(good);
    mail_queue_free(mq);
    strbuf_free(id);
    strbuf_free(why);
}
END_TEST

START_TEST(test_spare_take_off)
{
    MAIL_QUEUE *mq = spare_tree(10);
    STRBUF *id = strbuf_create(0);
    STRBUF *why = strbuf_create(0);
    char *old = make_file(mq, "active", 100, MAIL_QUEUE_MODE_COMPLETE);
    struct stat st;
    ino_t ino;

    ck_assert_int_eq(mail_queue_spare_put(mq, "active", old, why), 0);
    ino = path_of("spare", old, &st);
    /* Reuse off: spare/ is left as it is. */
    mail_queue_set_spare_limit(mq, 0);
    ck_assert_int_eq(take_one(mq, id, ENOENT), -1);
    ck_assert_int_eq(path_of("spare", old, &st), ino);
    ck_assert_int_eq(st.st_mode & 07777, MAIL_QUEUE_MODE_WRITING);
    /* On again: taken. */
    mail_queue_set_spare_limit(mq, 10);
    ck_assert_int_ge(take_one(mq, id, 0), 0);
    myfree(old);
    mail_queue_free(mq);
    strbuf_free(id);
    strbuf_free(why);
}
END_TEST

START_TEST(test_spare_take_idle)
{
    MAIL_QUEUE *mq = spare_tree(10);
    STRBUF *id = strbuf_create(0);
    STRBUF *why = strbuf_create(0);
    char *old = make_file(mq, "active", 100, MAIL_QUEUE_MODE_COMPLETE);
    struct timespec t0;
    struct timespec t1;
    int fd;

    /* Found empty: spare/ is left alone for SPARE_IDLE_MS (100 ms), then
     * read again. */
    clock_gettime(CLOCK_MONOTONIC, &t0);
    ck_assert_int_eq(take_one(mq, id, ENOENT), -1);
    ck_assert_int_eq(mail_queue_spare_put(mq, "active", old, why), 0);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    if ((t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000 <
        90)
        ck_assert_int_eq(take_one(mq, id, ENOENT), -1);
    usleep(150 * 1000);
    ck_assert_int_ge(fd = take_one(mq, id, 0), 0);
    close(fd);
    myfree(old);
    mail_queue_free(mq);
    strbuf_free(id);
    strbuf_free(why);
}
END_TEST

START_TEST(test_spare_take_fresh)
{
    enum { MANY = 400, LATER = 3 };
    MAIL_QUEUE *mq = spare_tree(1000);
    STRBUF *id = strbuf_create(0);
    STRBUF *why = strbuf_create(0);
    char *names[MANY];
    char *old;
    char path[200];
    int fd;
    int i;

    for (i = 0; i < MANY; i++) {
        names[i] = make_file(mq, "active", 100, MAIL_QUEUE_MODE_COMPLETE);
        ck_assert_int_eq(mail_queue_spare_put(mq, "active", names[i], why), 0);
    }
    ck_assert_int_ge(fd = take_one(mq, id, 0), 0);
    close(fd);
    /* Other takers take every name this one has seen; qmgr puts a few
     * new ones.  The next take finds one of those at once: it does not
     * walk the names it read before (which made it give up after
     * SPARE_TAKE_NAMES failed opens, and create a file instead). */
    for (i = 0; i < MANY; i++) {
        snprintf(path, sizeof(path), "q/spare/%s", names[i]);
        (void) unlink(path);
        myfree(names[i]);
    }
    for (i = 0; i < LATER; i++) {
        old = make_file(mq, "active", 100, MAIL_QUEUE_MODE_COMPLETE);
        ck_assert_int_eq(mail_queue_spare_put(mq, "active", old, why), 0);
        myfree(old);
    }
    ck_assert_int_eq(spare_files(), LATER);
    ck_assert_int_ge(fd = take_one(mq, id, 0), 0);
    close(fd);
    ck_assert_int_eq(spare_files(), LATER - 1);
    mail_queue_free(mq);
    strbuf_free(id);
    strbuf_free(why);
}
END_TEST

/* Folder syncs made through the group commit, counted. */
static int group_fsyncs;

static int
count_group_fsync(int fd)
{
    group_fsyncs++;
    return fsync(fd);
}

/* file_bytes - the bytes of a file, in a STRBUF */
static STRBUF *
file_bytes(const char *path)
{
    STRBUF *out = strbuf_create(0);
    char buf[4096];
    ssize_t n;
    int fd = open(path, O_RDONLY);

    ck_assert_int_ge(fd, 0);
    while ((n = read(fd, buf, sizeof(buf))) > 0)
        strbuf_memcat(out, buf, (size_t) n);
    close(fd);
    return out;
}

START_TEST(test_reuse_commit)
{
    MAIL_QUEUE *mq = spare_tree(10);
    STRBUF *why = strbuf_create(0);
    STRBUF *path = strbuf_create(0);
    char *old = make_file(mq, "active", 20000, MAIL_QUEUE_MODE_COMPLETE);
    QFILE_ENV *env = NULL;
    struct stat st;
    ino_t ino;
    off_t start;
    off_t end;
    off_t len;
    char *id;
    QFILE *qf;

    ck_assert_int_eq(mail_queue_spare_put(mq, "active", old, why), 0);
    ino = path_of("spare", old, &st);
    ck_assert_int_eq(mkdir("q/private", 0700), 0);
    /* cleanup's shape: C I T S R M N X E(ID), over an older, longer file. */
    qf = qfile_create(mq, "incoming", why);
    ck_assert_msg(qf != NULL, "%s", STR(why));
    ck_assert(qf->reused);
    /* The folder's sync is a group commit, its ticket taken after the
     * rename, its state file private/queue.sync. */
    ck_assert_int_ge(qf->dir_fd, 0);
    ck_assert_ptr_nonnull(qf->group);
    ck_assert(!fsync_async_busy(&qf->dir_sync));
    ck_assert_int_eq(access("q/private/queue.sync", F_OK), 0);
    id = mystrdup(qf->id);
    ck_assert_int_eq(path_of("incoming", id, &st), ino);
    qfile_put_size(qf, 0, 0, 0);
    qfile_puts(qf, REC_TYPE_QID, id);
    qfile_puts(qf, REC_TYPE_TIME, "1700000000 1");
    qfile_puts(qf, REC_TYPE_FROM, "s@example.com");
    qfile_puts(qf, REC_TYPE_RCPT, "r@example.org");
    qfile_put(qf, REC_TYPE_MESG, "", 0);
    start = qf->offset;
    qfile_put_line(qf, "Subject: reused", 15, 100);
    end = qfile_put(qf, REC_TYPE_XTRA, "", 0);
    qfile_puts(qf, REC_TYPE_END, id);
    len = qf->offset;
    ck_assert_int_eq(qfile_set_size(qf, start, end - start, 1), 0);
    fsync_group_fsync_fn = count_group_fsync;
    ck_assert_msg(qfile_commit(qf, NULL, why) == 0, "%s", STR(why));
    fsync_group_fsync_fn = fsync;
    /* The commit synced incoming/ through the group (nobody else had). */
    ck_assert_int_eq(group_fsyncs, 1);
    /* Cut to what was written, marked complete, and read back whole. */
    ck_assert_int_eq(path_of("incoming", id, &st), ino);
    ck_assert_int_eq(st.st_size, len);
    ck_assert_int_eq(st.st_mode & 07777, MAIL_QUEUE_MODE_COMPLETE);
    ck_assert_int_eq(read_env(mq, "incoming", id, &env), QFILE_OK);
    ck_assert_str_eq(env->queue_id, id);
    ck_assert_str_eq(env->sender, "s@example.com");
    env = qfile_env_free(env);
    /* The file ends with the E record's ID: none of the old bytes. */
    strbuf_free(path);
    strbuf_sprintf(why, "q/incoming/%s", id);
    path = file_bytes(STR(why));
    ck_assert_int_eq(LEN(path), len);
    ck_assert(memcmp(STR(path) + len - strlen(id), id, strlen(id)) == 0);
    myfree(old);
    myfree(id);
    mail_queue_free(mq);
    strbuf_free(why);
    strbuf_free(path);
}
END_TEST

/* The queue ID records: I after C, and E with the same ID. */
#define QID_SELF "<self>" /* stands for the file's own ID */

static const struct qid_case {
    const char *name;
    const char *head; /* records after C up to S: I T, or T */
    const char *qid;  /* the I record's data */
    const char *end;  /* the E record's data */
    int want;
    const char *want_id; /* env->queue_id when QFILE_OK */
} qid_cases[] = {
    {"I and E name the file", "ITS", QID_SELF, QID_SELF, QFILE_OK, QID_SELF},
    {"no I, empty E", "TS", "", "", QFILE_OK, ""},
    {"I names another file", "ITS", "4ZqLQb5XyBz1", "4ZqLQb5XyBz1", QFILE_OK,
     "4ZqLQb5XyBz1"},
    {"E names another ID", "ITS", QID_SELF, "4ZqLQb5XyBz1", QFILE_BAD, ""},
    {"E empty after I", "ITS", QID_SELF, "", QFILE_BAD, ""},
    {"E with data, no I", "TS", "", QID_SELF, QFILE_BAD, ""},
    {"I not an ID", "ITS", "not-an-id", "not-an-id", QFILE_BAD, ""},
    {"I empty", "ITS", "", "", QFILE_BAD, ""},
    {"I after T", "TIS", QID_SELF, QID_SELF, QFILE_BAD, ""},
    {"I twice", "IITS", QID_SELF, QID_SELF, QFILE_BAD, ""},
};

/* qid_data - a case's record data, with the file's own ID put in */
static const char *
qid_data(const char *data, const char *id)
{
    return strcmp(data, QID_SELF) == 0 ? id : data;
}

/* write_qid - a committed file with c's I and E records; its ID */
static char *
write_qid(MAIL_QUEUE *mq, const struct qid_case *c)
{
    STRBUF *why = strbuf_create(0);
    QFILE *qf = qfile_create(mq, MAIL_QUEUE_INCOMING, why);
    const char *cp;
    off_t start;
    off_t end;
    char *id;

    ck_assert_msg(qf != NULL, "%s", STR(why));
    id = mystrdup(qf->id);
    qfile_put_size(qf, 0, 0, 0);
    for (cp = c->head; *cp; cp++) {
        if (*cp == 'I')
            qfile_puts(qf, REC_TYPE_QID, qid_data(c->qid, id));
        else if (*cp == 'T')
            qfile_puts(qf, REC_TYPE_TIME, "1700000000 0");
        else
            qfile_puts(qf, REC_TYPE_FROM, "s@example.com");
    }
    qfile_puts(qf, REC_TYPE_RCPT, "r@example.org");
    qfile_put(qf, REC_TYPE_MESG, "", 0);
    start = qf->offset;
    qfile_put_line(qf, "Subject: hi", 11, 100);
    end = qfile_put(qf, REC_TYPE_XTRA, "", 0);
    qfile_puts(qf, REC_TYPE_END, qid_data(c->end, id));
    qfile_set_size(qf, start, end - start, 1);
    ck_assert_msg(qfile_commit(qf, NULL, why) == 0, "%s", STR(why));
    strbuf_free(why);
    return id;
}

START_TEST(test_qid_record)
{
    const struct qid_case *c = qid_cases + _i;
    MAIL_QUEUE *mq = queue_tree(1);
    QFILE_ENV *env = NULL;
    char *id = write_qid(mq, c);

    ck_assert_msg(read_env(mq, "incoming", id, &env) == c->want, "%s", c->name);
    if (c->want == QFILE_OK)
        ck_assert_msg(strcmp(env->queue_id, qid_data(c->want_id, id)) == 0,
                      "%s: %s", c->name, env->queue_id);
    else
        ck_assert_ptr_null(env);
    qfile_env_free(env);
    myfree(id);
    mail_queue_free(mq);
}
END_TEST

START_TEST(test_qid_nul)
{
    MAIL_QUEUE *mq = queue_tree(1);
    STRBUF *why = strbuf_create(0);
    QFILE *qf = qfile_create(mq, MAIL_QUEUE_INCOMING, why);
    QFILE_ENV *env = NULL;
    char data[MAIL_QUEUE_ID_MAX + 2];
    off_t start;
    off_t end;
    char *id;

    /* An ID followed by a NUL and more: not the ID. */
    ck_assert_ptr_nonnull(qf);
    id = mystrdup(qf->id);
    memcpy(data, id, strlen(id));
    data[strlen(id)] = 0;
    data[strlen(id) + 1] = 'x';
    qfile_put_size(qf, 0, 0, 0);
    qfile_put(qf, REC_TYPE_QID, data, strlen(id) + 2);
    qfile_puts(qf, REC_TYPE_TIME, "1700000000 0");
    qfile_puts(qf, REC_TYPE_FROM, "s@example.com");
    qfile_puts(qf, REC_TYPE_RCPT, "r@example.org");
    qfile_put(qf, REC_TYPE_MESG, "", 0);
    start = qf->offset;
    qfile_put_line(qf, "Subject: hi", 11, 100);
    end = qfile_put(qf, REC_TYPE_XTRA, "", 0);
    qfile_put(qf, REC_TYPE_END, data, strlen(id) + 2);
    qfile_set_size(qf, start, end - start, 1);
    ck_assert_int_eq(qfile_commit(qf, NULL, why), 0);
    ck_assert_int_eq(read_env(mq, "incoming", id, &env), QFILE_BAD);
    myfree(id);
    mail_queue_free(mq);
    strbuf_free(why);
}
END_TEST

static Suite *
mail_queue_suite(void)
{
    Suite *s = suite_create("mail_queue");
    TCase *tc = tcase_create("mail_queue");

    tcase_set_timeout(tc, 60);
    TMPDIR_FIXTURES(tc);
    tcase_add_test(tc, test_id_burst);
    tcase_add_test(tc, test_enter_burst);
    tcase_add_loop_test(tc, test_id_ok, 0, NITEMS(ids));
    tcase_add_test(tc, test_names);
    tcase_add_test(tc, test_paths);
    tcase_add_test(tc, test_create_commit);
    tcase_add_test(tc, test_incomplete_abort);
    tcase_add_loop_test(tc, test_damaged_complete, 0, NITEMS(damage_cases));
    tcase_add_test(tc, test_cut_anywhere);
    tcase_add_loop_test(tc, test_warn_record, 0, NITEMS(warn_cases));
    tcase_add_loop_test(tc, test_spare_put, 0, NITEMS(put_cases));
    tcase_add_test(tc, test_spare_put_no_folder);
    tcase_add_test(tc, test_spare_limit);
    tcase_add_test(tc, test_spare_take);
    tcase_add_test(tc, test_spare_take_any_pid);
    tcase_add_test(tc, test_spare_take_several);
    tcase_add_loop_test(tc, test_spare_take_unusable, 0, NITEMS(bad_spares));
    tcase_add_test(tc, test_spare_take_skips_bad);
    tcase_add_test(tc, test_spare_take_off);
    tcase_add_test(tc, test_spare_take_idle);
    tcase_add_test(tc, test_spare_take_fresh);
    tcase_add_test(tc, test_reuse_commit);
    tcase_add_loop_test(tc, test_qid_record, 0, NITEMS(qid_cases));
    tcase_add_test(tc, test_qid_nul);
    suite_add_tcase(s, tc);
    return s;
}

TEST_MAIN(mail_queue_suite)

/* test_safe_open - Check suite for opening files without following links. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "safe_open.h"
#include "test_main.h"
#include "test_tmpdir.h"

/* The uid a wrong-owner test gives a file: nobody on most systems. */
#define OTHER_UID 65534

/* put_file - create (or replace) a regular file with the given content */
static void
put_file(const char *path, const char *text, mode_t mode)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);

    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t) strlen(text));
    ck_assert_int_eq(fchmod(fd, mode), 0);
    close(fd);
}

/* file_text - the first bytes of a file, for comparison */
static const char *
file_text(const char *path)
{
    static char buf[256];
    ssize_t n;
    int fd = open(path, O_RDONLY);

    ck_assert_int_ge(fd, 0);
    n = read(fd, buf, sizeof(buf) - 1);
    ck_assert_int_ge(n, 0);
    buf[n] = 0;
    close(fd);
    return buf;
}

static void
make_plain(void)
{
    put_file("f", "data", 0644);
}

static void
make_symlink(void)
{
    put_file("target", "data", 0644);
    ck_assert_int_eq(symlink("target", "f"), 0);
}

static void
make_hardlink(void)
{
    put_file("f", "data", 0644);
    ck_assert_int_eq(link("f", "g"), 0);
}

static void
make_other_owner(void)
{
    put_file("f", "data", 0644);
    ck_assert_int_eq(chown("f", OTHER_UID, (gid_t) -1), 0);
}

static void
make_group_writable(void)
{
    put_file("f", "data", 0664);
}

static void
make_world_writable(void)
{
    put_file("f", "data", 0646);
}

static void
make_executable(void)
{
    put_file("f", "data", 0755);
}

static void
make_directory(void)
{
    ck_assert_int_eq(mkdir("f", 0755), 0);
}

static void
make_fifo(void)
{
    ck_assert_int_eq(mkfifo("f", 0644), 0);
}

static void
make_socket(void)
{
    struct sockaddr_un sun;
    int s = socket(AF_UNIX, SOCK_STREAM, 0);

    memset(&sun, 0, sizeof(sun));
    sun.sun_family = AF_UNIX;
    strcpy(sun.sun_path, "f");
    ck_assert_int_eq(bind(s, (struct sockaddr *) &sun, sizeof(sun)), 0);
    close(s);
}

static void
make_nothing(void)
{
}

/* Rules for the table below; owner -2 stands for our own uid. */
#define ME  ((uid_t) -2)
#define ANY SAFE_OPEN_ANY_OWNER

static const SAFE_OPEN_OPTS one_link = {ANY, 0, 1};
static const SAFE_OPEN_OPTS mine = {ME, 0, 0};
static const SAFE_OPEN_OPTS no_gw = {ANY, 022, 0};
static const SAFE_OPEN_OPTS no_x = {ANY, 0111, 0};

/* How "f" must be refused: set up, open with flags and opts, expect. */
typedef struct REFUSE_CASE {
    const char *name;
    void (*setup)(void);
    int flags;
    const SAFE_OPEN_OPTS *opts;
    int want_errno; /* 0: any */
    const char *want_why;
} REFUSE_CASE;

#define RD  O_RDONLY
#define CR  (O_WRONLY | O_CREAT)
#define EXC (O_WRONLY | O_CREAT | O_EXCL)

static const REFUSE_CASE refuse_cases[] = {
    {"symlink", make_symlink, RD, NULL, ELOOP, "f: is a symbolic link"},
    {"symlink, create", make_symlink, CR, NULL, ELOOP, "f: is a symbolic link"},
    {"symlink, excl", make_symlink, EXC, NULL, ELOOP, "f: is a symbolic link"},
    {"hard link", make_hardlink, RD, &one_link, EPERM,
     "f: file has 2 hard links"},
    {"hard link, create", make_hardlink, CR | O_TRUNC, &one_link, EPERM,
     "f: file has 2 hard links"},
    {"wrong owner", make_other_owner, RD, &mine, EPERM,
     "f: owned by uid 65534, expected "},
    {"group writable", make_group_writable, RD, &no_gw, EPERM,
     "f: is group writable (mode 0664)"},
    {"world writable", make_world_writable, RD, &no_gw, EPERM,
     "f: is world writable (mode 0646)"},
    {"other bits", make_executable, RD, &no_x, EPERM,
     "f: has mode 0755, bits 0111 not allowed"},
    {"directory", make_directory, RD, NULL, EPERM, "f: is a directory"},
    {"fifo", make_fifo, RD, NULL, EPERM, "f: is a FIFO"},
    {"socket", make_socket, RD, NULL, EPERM, "f: is a socket"},
    {"exists", make_plain, EXC, NULL, EEXIST, "f: open: File exists"},
    {"missing", make_nothing, RD, NULL, ENOENT,
     "f: lstat: No such file or directory"},
    {"open fails", make_plain, RD | O_DIRECTORY, NULL, ENOTDIR,
     "f: open: Not a directory"},
    {"truncate fails", make_plain, RD | O_TRUNC, NULL, 0, "f: truncate: "},
};

START_TEST(test_refused)
{
    const REFUSE_CASE *tc = refuse_cases + _i;
    SAFE_OPEN_OPTS opts;
    STRBUF *why = strbuf_create(0);

    if (tc->setup == make_other_owner && geteuid() != 0) {
        printf("%s: skipped, needs root to give a file away\n", tc->name);
        strbuf_free(why);
        return;
    }
    if (tc->opts != NULL) {
        opts = *tc->opts;
        if (opts.owner == ME)
            opts.owner = geteuid();
    }
    tc->setup();
    ck_assert_msg(
        safe_open("f", tc->flags, 0600, tc->opts ? &opts : NULL, why) == -1,
        "%s: opened", tc->name);
    if (tc->want_errno != 0)
        ck_assert_msg(errno == tc->want_errno, "%s: errno %d, want %d",
                      tc->name, errno, tc->want_errno);
    ck_assert_msg(strstr(STR(why), tc->want_why) == STR(why),
                  "%s: why \"%s\", want \"%s\"", tc->name, STR(why),
                  tc->want_why);
    strbuf_free(why);
}
END_TEST

/* A refused file is not truncated, and a link is never followed. */
START_TEST(test_refused_untouched)
{
    SAFE_OPEN_OPTS opts = {ANY, 0, 1};
    struct stat st;

    make_hardlink();
    ck_assert_int_eq(safe_open("f", O_WRONLY | O_TRUNC, 0, &opts, NULL), -1);
    ck_assert_str_eq(file_text("g"), "data");
    ck_assert_int_eq(symlink("nowhere", "dangling"), 0);
    ck_assert_int_eq(
        safe_open("dangling", O_WRONLY | O_CREAT, 0600, NULL, NULL), -1);
    ck_assert_int_eq(errno, ELOOP);
    ck_assert_int_eq(lstat("nowhere", &st), -1);
}
END_TEST

START_TEST(test_open_existing)
{
    SAFE_OPEN_OPTS opts = {0, 022, 1};
    STRBUF *why = strbuf_create(0);
    char buf[8];
    int fd;

    opts.owner = geteuid();
    make_plain();
    fd = safe_open("f", O_RDONLY, 0, &opts, why);
    ck_assert_msg(fd >= 0, "%s", STR(why));
    ck_assert_int_eq(read(fd, buf, sizeof(buf)), 4);
    ck_assert_int_eq(fcntl(fd, F_GETFL) & O_NONBLOCK, 0);
    ck_assert_int_eq(fcntl(fd, F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);
    close(fd);
    fd = safe_open("f", O_RDONLY | O_NONBLOCK, 0, NULL, why);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(fcntl(fd, F_GETFL) & O_NONBLOCK, O_NONBLOCK);
    close(fd);
    strbuf_free(why);
}
END_TEST

START_TEST(test_truncate_after_checks)
{
    SAFE_OPEN_OPTS opts = {ANY, 022, 1};
    int fd;

    make_plain();
    fd = safe_open("f", O_WRONLY | O_TRUNC, 0, &opts, NULL);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(write(fd, "new", 3), 3);
    close(fd);
    ck_assert_str_eq(file_text("f"), "new");
}
END_TEST

/* O_CREAT alone opens what exists and creates what does not. */
START_TEST(test_open_or_create)
{
    SAFE_OPEN_OPTS opts = {ANY, 022, 1};
    struct stat st;
    int fd;

    umask(022);
    fd = safe_open("new", O_WRONLY | O_CREAT | O_APPEND, 0640, &opts, NULL);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(write(fd, "one", 3), 3);
    close(fd);
    ck_assert_int_eq(stat("new", &st), 0);
    ck_assert_int_eq(st.st_mode & 07777, 0640);
    fd = safe_open("new", O_WRONLY | O_CREAT | O_APPEND, 0640, &opts, NULL);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(write(fd, "two", 3), 3);
    close(fd);
    ck_assert_str_eq(file_text("new"), "onetwo");
}
END_TEST

/* A file we create is ours: owner and mode rules do not refuse it. */
START_TEST(test_create_exclusive)
{
    SAFE_OPEN_OPTS opts = {OTHER_UID, 0777, 1};
    STRBUF *why = strbuf_create(0);
    int fd;

    fd = safe_open("x", O_RDWR | O_CREAT | O_EXCL, 0666, &opts, why);
    ck_assert_msg(fd >= 0, "%s", STR(why));
    close(fd);
    ck_assert_int_eq(safe_open("x", O_RDWR | O_CREAT | O_EXCL, 0600, NULL, why),
                     -1);
    ck_assert_int_eq(errno, EEXIST);
    strbuf_free(why);
}
END_TEST

/* The path names another file than the descriptor: refused. */
START_TEST(test_swapped)
{
    STRBUF *why = strbuf_create(0);
    int fd;

    make_plain();
    fd = safe_open("f", O_RDONLY, 0, NULL, why);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(safe_open_check(fd, "f", NULL, why), 0);
    put_file("g", "other", 0644);
    ck_assert_int_eq(rename("g", "f"), 0);
    ck_assert_int_eq(safe_open_check(fd, "f", NULL, why), -1);
    ck_assert_int_eq(errno, EPERM);
    ck_assert_str_eq(STR(why), "f: names another file than the one opened");
    ck_assert_int_eq(unlink("f"), 0);
    ck_assert_int_eq(safe_open_check(fd, "f", NULL, why), -1);
    ck_assert_int_eq(errno, ENOENT);
    ck_assert_str_eq(STR(why), "f: lstat: No such file or directory");
    close(fd);
    strbuf_free(why);
}
END_TEST

START_TEST(test_check_bad_fd)
{
    STRBUF *why = strbuf_create(0);
    int fd;

    ck_assert_int_eq(safe_open_check(-1, "f", NULL, why), -1);
    ck_assert_int_eq(errno, EBADF);
    ck_assert_str_eq(STR(why), "f: fstat: Bad file descriptor");
    fd = open(".", O_RDONLY);
    ck_assert_int_eq(safe_open_check(fd, ".", NULL, why), -1);
    ck_assert_str_eq(STR(why), ".: is a directory");
    close(fd);
    strbuf_free(why);
}
END_TEST

/* A device is refused before it is opened. */
START_TEST(test_device)
{
    STRBUF *why = strbuf_create(0);

    ck_assert_int_eq(safe_open("/dev/null", O_RDONLY, 0, NULL, why), -1);
    ck_assert_int_eq(errno, EPERM);
    ck_assert_str_eq(STR(why), "/dev/null: is a device or other special file");
    strbuf_free(why);
}
END_TEST

/* Directory checks, for `postern check`. */
typedef struct DIR_CASE {
    const char *name;
    mode_t mode;          /* 0: make a link or file instead, see kind */
    int kind;             /* 0 dir, 1 symlink to dir, 2 file, 3 missing */
    int other_owner;      /* give it away (root only) */
    SAFE_OPEN_OPTS opts;  /* owner ME: our uid */
    const char *want_why; /* NULL: accepted */
} DIR_CASE;

static const DIR_CASE dir_cases[] = {
    {"good", 0755, 0, 0, {ME, 022, 1}, NULL},
    {"any", 0777, 0, 0, {ANY, 0, 0}, NULL},
    {"world writable", 0777, 0, 0, {ME, 002, 0}, "d: is world writable"},
    {"sticky", 01777, 0, 0, {ME, 022, 0}, "d: is world writable (mode 1777)"},
    {"group writable", 0775, 0, 0, {ME, 022, 0}, "d: is group writable"},
    {"wrong owner", 0755, 0, 1, {ME, 022, 0}, "d: owned by uid 65534"},
    {"symlink", 0755, 1, 0, {ME, 022, 0}, "d: is a symbolic link"},
    {"file", 0755, 2, 0, {ME, 022, 0}, "d: is not a directory"},
    {"missing", 0755, 3, 0, {ME, 022, 0}, "d: lstat: No such file"},
};

START_TEST(test_check_dir)
{
    const DIR_CASE *tc = dir_cases + _i;
    SAFE_OPEN_OPTS opts = tc->opts;
    STRBUF *why = strbuf_create(0);
    const char *made = tc->kind == 0 ? "d" : "real";
    int ret;

    if (tc->other_owner && geteuid() != 0) {
        printf("%s: skipped, needs root to give a directory away\n", tc->name);
        strbuf_free(why);
        return;
    }
    if (opts.owner == ME)
        opts.owner = geteuid();
    ck_assert_int_eq(mkdir(made, 0700), 0);
    ck_assert_int_eq(chmod(made, tc->mode), 0);
    if (tc->other_owner)
        ck_assert_int_eq(chown(made, OTHER_UID, (gid_t) -1), 0);
    if (tc->kind == 1)
        ck_assert_int_eq(symlink("real", "d"), 0);
    if (tc->kind == 2)
        put_file("d", "", 0644);
    ret = safe_open_check_dir("d", &opts, why);
    if (tc->want_why == NULL)
        ck_assert_msg(ret == 0, "%s: %s", tc->name, STR(why));
    else
        ck_assert_msg(ret == -1 && strstr(STR(why), tc->want_why) == STR(why),
                      "%s: why \"%s\"", tc->name, STR(why));
    ck_assert_int_eq(safe_open_check_dir(made, NULL, NULL), 0);
    strbuf_free(why);
}
END_TEST

static Suite *
safe_open_suite(void)
{
    Suite *s = suite_create("safe_open");
    TCase *tc = tcase_create("core");

    TMPDIR_FIXTURES(tc);
    tcase_add_loop_test(tc, test_refused, 0, NITEMS(refuse_cases));
    tcase_add_test(tc, test_refused_untouched);
    tcase_add_test(tc, test_open_existing);
    tcase_add_test(tc, test_truncate_after_checks);
    tcase_add_test(tc, test_open_or_create);
    tcase_add_test(tc, test_create_exclusive);
    tcase_add_test(tc, test_swapped);
    tcase_add_test(tc, test_check_bad_fd);
    tcase_add_test(tc, test_device);
    tcase_add_loop_test(tc, test_check_dir, 0, NITEMS(dir_cases));
    suite_add_tcase(s, tc);
    return s;
}

TEST_MAIN(safe_open_suite)

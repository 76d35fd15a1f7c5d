/* test_fsync_dir - Check suite for syncing the directory of a file. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "fsync_dir.h"
#include "test_main.h"
#include "test_tmpdir.h"

/* Which directory a path's file lives in, and whether it can be synced. */
typedef struct SYNC_CASE {
    const char *name;
    const char *path;
    int want_errno; /* 0: success */
} SYNC_CASE;

static const SYNC_CASE sync_cases[] = {
    {"bare name", "f", 0},
    {"subdirectory", "sub/f", 0},
    {"nested", "sub/deeper/f", 0},
    {"root", "/f", 0},
    {"missing directory", "nodir/f", ENOENT},
    {"not a directory", "plain/f", ENOTDIR},
};

START_TEST(test_sync)
{
    const SYNC_CASE *tc = sync_cases + _i;
    int ret;

    ck_assert_int_eq(mkdir("sub", 0755), 0);
    ck_assert_int_eq(mkdir("sub/deeper", 0755), 0);
    ck_assert_int_eq(close(open("plain", O_WRONLY | O_CREAT, 0644)), 0);
    errno = 0;
    ret = fsync_dir(tc->path);
    if (tc->want_errno == 0)
        ck_assert_msg(ret == 0, "%s: %s", tc->name, strerror(errno));
    else
        ck_assert_msg(ret == -1 && errno == tc->want_errno, "%s: %d %s",
                      tc->name, ret, strerror(errno));
}
END_TEST

START_TEST(test_absolute)
{
    char path[PATH_MAX];

    snprintf(path, sizeof(path), "%s/f", tmpdir_here);
    ck_assert_int_eq(fsync_dir(path), 0);
}
END_TEST

START_TEST(test_too_long)
{
    static char path[PATH_MAX + 10];

    memset(path, 'a', sizeof(path) - 1);
    path[sizeof(path) - 3] = '/';
    ck_assert_int_eq(fsync_dir(path), -1);
    ck_assert_int_eq(errno, ENAMETOOLONG);
}
END_TEST

/* Known file systems say yes, anything else (a pipe, tmpfs) says no. */
START_TEST(test_names_new_file)
{
    struct statfs sfs;
    int fds[2];
    int fd = open(".", O_RDONLY | O_DIRECTORY);
    int known;

    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(fstatfs(fd, &sfs), 0);
    known = sfs.f_type == 0xEF53 || sfs.f_type == 0x58465342 ||
            (unsigned long) sfs.f_type == 0x9123683EUL;
    ck_assert_int_eq(fsync_names_new_file(fd), known);
    close(fd);
    ck_assert_int_eq(pipe(fds), 0);
    ck_assert_int_eq(fsync_names_new_file(fds[0]), 0);
    close(fds[0]);
    close(fds[1]);
    ck_assert_int_eq(fsync_names_new_file(-1), 0);
}
END_TEST

static Suite *
fsync_dir_suite(void)
{
    Suite *s = suite_create("fsync_dir");
    TCase *tc = tcase_create("core");

    TMPDIR_FIXTURES(tc);
    tcase_add_loop_test(tc, test_sync, 0, NITEMS(sync_cases));
    tcase_add_test(tc, test_absolute);
    tcase_add_test(tc, test_too_long);
    tcase_add_test(tc, test_names_new_file);
    suite_add_tcase(s, tc);
    return s;
}

TEST_MAIN(fsync_dir_suite)

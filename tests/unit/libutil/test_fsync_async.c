/* test_fsync_async - Check suite for fsync() in the background. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fsync_async.h"
#include "test_main.h"
#include "test_tmpdir.h"

/* a_file - a new file with a few bytes in it; its descriptor */
static int
a_file(const char *name)
{
    int fd = open(name, O_RDWR | O_CREAT | O_TRUNC, 0600);

    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(write(fd, "data\n", 5), 5);
    return fd;
}

/* A file and a folder: started, busy, then 0 from the wait. */
START_TEST(test_file_and_folder)
{
    FSYNC_ASYNC fa;
    int fd = a_file("f");
    int dir = open(".", O_RDONLY | O_DIRECTORY);

    memset(&fa, 0, sizeof(fa));
    ck_assert_int_eq(fsync_async_busy(&fa), 0);
    ck_assert_int_eq(fsync_async_start(&fa, fd), 0);
    ck_assert_int_eq(fsync_async_busy(&fa), 1);
    ck_assert_int_eq(fsync_async_wait(&fa), 0);
    ck_assert_int_eq(fsync_async_busy(&fa), 0);
    ck_assert_int_ge(dir, 0);
    ck_assert_int_eq(fsync_async_start(&fa, dir), 0);
    ck_assert_int_eq(fsync_async_wait(&fa), 0);
    close(fd);
    close(dir);
}
END_TEST

/* Several under way, waited for in another order than started. */
START_TEST(test_out_of_order)
{
    FSYNC_ASYNC fa[FSYNC_ASYNC_MAX];
    char name[16];
    int fd[FSYNC_ASYNC_MAX];
    int i;

    memset(fa, 0, sizeof(fa));
    for (i = 0; i < FSYNC_ASYNC_MAX; i++) {
        snprintf(name, sizeof(name), "f%d", i);
        fd[i] = a_file(name);
        ck_assert_int_eq(fsync_async_start(&fa[i], fd[i]), 0);
    }
    for (i = FSYNC_ASYNC_MAX - 1; i >= 0; i--) {
        ck_assert_int_eq(fsync_async_wait(&fa[i]), 0);
        close(fd[i]);
    }
}
END_TEST

/* More than FSYNC_ASYNC_MAX at once: EAGAIN, and room again after. */
START_TEST(test_full)
{
    FSYNC_ASYNC fa[FSYNC_ASYNC_MAX + 1];
    int fd = a_file("f");
    int i;

    memset(fa, 0, sizeof(fa));
    for (i = 0; i < FSYNC_ASYNC_MAX; i++)
        ck_assert_int_eq(fsync_async_start(&fa[i], fd), 0);
    errno = 0;
    ck_assert_int_eq(fsync_async_start(&fa[FSYNC_ASYNC_MAX], fd), -1);
    ck_assert_int_eq(errno, EAGAIN);
    ck_assert_int_eq(fsync_async_wait(&fa[0]), 0);
    ck_assert_int_eq(fsync_async_start(&fa[FSYNC_ASYNC_MAX], fd), 0);
    for (i = 1; i <= FSYNC_ASYNC_MAX; i++)
        ck_assert_int_eq(fsync_async_wait(&fa[i]), 0);
    close(fd);
}
END_TEST

/* Misuse: a bad descriptor, a second start, a wait without a start. */
START_TEST(test_errors)
{
    FSYNC_ASYNC fa;
    int fd = a_file("f");

    memset(&fa, 0, sizeof(fa));
    errno = 0;
    ck_assert_int_eq(fsync_async_start(&fa, 1000), -1);
    ck_assert_int_eq(errno, EBADF);
    ck_assert_int_eq(fsync_async_busy(&fa), 0);
    errno = 0;
    ck_assert_int_eq(fsync_async_wait(&fa), -1);
    ck_assert_int_eq(errno, EINVAL);
    ck_assert_int_eq(fsync_async_start(&fa, fd), 0);
    errno = 0;
    ck_assert_int_eq(fsync_async_start(&fa, fd), -1);
    ck_assert_int_eq(errno, EBUSY);
    ck_assert_int_eq(fsync_async_wait(&fa), 0);
    close(fd);
}
END_TEST

/* fsync_async_suite - the tests */
static Suite *
fsync_async_suite(void)
{
    Suite *s = suite_create("fsync_async");
    TCase *tc = tcase_create("core");

    TMPDIR_FIXTURES(tc);
    tcase_add_test(tc, test_file_and_folder);
    tcase_add_test(tc, test_out_of_order);
    tcase_add_test(tc, test_full);
    tcase_add_test(tc, test_errors);
    suite_add_tcase(s, tc);
    return s;
}

TEST_MAIN(fsync_async_suite)

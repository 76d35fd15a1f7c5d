/* test_fsync_group - Check suite for the group commit of a folder sync. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fsync_group.h"
#include "test_main.h"
#include "test_tmpdir.h"

/* Counts of the fake fsync(), shared with forked children. */
typedef struct COUNTS {
    int calls;
    int fail;     /* the next calls fail with EIO */
    int sleep_ms; /* each call takes this long */
} COUNTS;

static COUNTS *counts;

/* fake_fsync - count, sleep, maybe fail; never touches the disk */
static int
fake_fsync(int fd)
{
    (void) fd;
    __atomic_add_fetch(&counts->calls, 1, __ATOMIC_SEQ_CST);
    if (counts->sleep_ms > 0)
        usleep((useconds_t) counts->sleep_ms * 1000);
    if (counts->fail) {
        errno = EIO;
        return -1;
    }
    return 0;
}

/* setup - shared counts, the fake fsync(), a folder "d" */
static void
setup(void)
{
    counts = mmap(NULL, sizeof(*counts), PROT_READ | PROT_WRITE,
                  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    ck_assert(counts != MAP_FAILED);
    memset(counts, 0, sizeof(*counts));
    fsync_group_fsync_fn = fake_fsync;
    ck_assert_int_eq(mkdir("d", 0700), 0);
}

/* dir_open - the folder "d" */
static int
dir_open(void)
{
    int fd = open("d", O_RDONLY | O_DIRECTORY);

    ck_assert_int_ge(fd, 0);
    return fd;
}

/* Alone: each sync is a real one; a later ticket is not covered by an
 * earlier sync. */
START_TEST(test_alone)
{
    FSYNC_GROUP *g;
    uint64_t t;
    int fd;

    setup();
    fd = dir_open();
    ck_assert_ptr_nonnull(g = fsync_group_open("d.sync"));
    t = fsync_group_ticket(g);
    ck_assert_int_eq(fsync_group_sync(g, t, fd), 0);
    ck_assert_int_eq(counts->calls, 1);
    /* A rename after that sync began: needs a sync of its own. */
    t = fsync_group_ticket(g);
    ck_assert_int_eq(fsync_group_sync(g, t, fd), 0);
    ck_assert_int_eq(counts->calls, 2);
    fsync_group_free(g);
    close(fd);
}
END_TEST

/* A sync that began after the ticket covers it: no second sync. */
START_TEST(test_covered)
{
    FSYNC_GROUP *a;
    FSYNC_GROUP *b;
    uint64_t ta;
    int fd;

    setup();
    fd = dir_open();
    ck_assert_ptr_nonnull(a = fsync_group_open("d.sync"));
    ck_assert_ptr_nonnull(b = fsync_group_open("d.sync"));
    ta = fsync_group_ticket(a);
    ck_assert_int_eq(fsync_group_sync(b, fsync_group_ticket(b), fd), 0);
    ck_assert_int_eq(counts->calls, 1);
    ck_assert_int_eq(fsync_group_sync(a, ta, fd), 0);
    ck_assert_int_eq(counts->calls, 1);
    fsync_group_free(a);
    fsync_group_free(b);
    close(fd);
}
END_TEST

/* A failed sync covers nobody: the next one syncs again. */
START_TEST(test_failed)
{
    FSYNC_GROUP *g;
    uint64_t t;
    int fd;

    setup();
    fd = dir_open();
    ck_assert_ptr_nonnull(g = fsync_group_open("d.sync"));
    t = fsync_group_ticket(g);
    counts->fail = 1;
    errno = 0;
    ck_assert_int_eq(fsync_group_sync(g, fsync_group_ticket(g), fd), -1);
    ck_assert_int_eq(errno, EIO);
    counts->fail = 0;
    ck_assert_int_eq(fsync_group_sync(g, t, fd), 0);
    ck_assert_int_eq(counts->calls, 2);
    fsync_group_free(g);
    close(fd);
}
END_TEST

/*
 * Eight processes at once, each sync taking 100 ms: those that wait
 * behind a sync that began after their ticket are covered, so fewer
 * than eight syncs run, and every process gets 0.
 */
START_TEST(test_processes)
{
    enum { PROCS = 8 };
    pid_t pid[PROCS];
    int ready[2];
    int go[2];
    int status;
    int fd;
    int i;
    char c;

    setup();
    counts->sleep_ms = 100;
    ck_assert_int_eq(pipe(ready), 0);
    ck_assert_int_eq(pipe(go), 0);
    for (i = 0; i < PROCS; i++) {
        ck_assert_int_ge(pid[i] = fork(), 0);
        if (pid[i] == 0) {
            FSYNC_GROUP *g = fsync_group_open("d.sync");
            uint64_t t;

            fd = dir_open();
            if (g == NULL || write(ready[1], "r", 1) != 1 ||
                read(go[0], &c, 1) != 1)
                _exit(2);
            t = fsync_group_ticket(g);
            _exit(fsync_group_sync(g, t, fd) == 0 ? 0 : 1);
        }
    }
    for (i = 0; i < PROCS; i++)
        ck_assert_int_eq(read(ready[0], &c, 1), 1);
    /* All tickets are read before the first sync ends (100 ms). */
    for (i = 0; i < PROCS; i++)
        ck_assert_int_eq(write(go[1], "g", 1), 1);
    for (i = 0; i < PROCS; i++) {
        ck_assert_int_eq(waitpid(pid[i], &status, 0), pid[i]);
        ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    }
    ck_assert_int_ge(counts->calls, 1);
    ck_assert_int_lt(counts->calls, PROCS);
    close(ready[0]);
    close(ready[1]);
    close(go[0]);
    close(go[1]);
}
END_TEST

/* A state file a crash left with more finished syncs than started ones
 * is reset, so that no ticket is taken for covered by mistake. */
START_TEST(test_crash_state)
{
    struct {
        uint32_t magic;
        uint32_t pad;
        uint64_t started;
        uint64_t done;
    } bad = {0x50534731u, 0, 3, 9};
    FSYNC_GROUP *g;
    int sfd;
    int fd;

    setup();
    sfd = open("d.sync", O_RDWR | O_CREAT, 0600);
    ck_assert_int_ge(sfd, 0);
    ck_assert_int_eq(write(sfd, &bad, sizeof(bad)), sizeof(bad));
    close(sfd);
    fd = dir_open();
    ck_assert_ptr_nonnull(g = fsync_group_open("d.sync"));
    ck_assert_int_eq(fsync_group_sync(g, fsync_group_ticket(g), fd), 0);
    ck_assert_int_eq(counts->calls, 1);
    fsync_group_free(g);
    close(fd);
}
END_TEST

/* Not a regular file, or a symbolic link: refused. */
START_TEST(test_refused)
{
    setup();
    ck_assert_int_eq(symlink("d.sync", "link"), 0);
    errno = 0;
    ck_assert_ptr_null(fsync_group_open("link"));
    ck_assert_int_eq(errno, ELOOP);
    errno = 0;
    ck_assert_ptr_null(fsync_group_open("d"));
    ck_assert_int_ne(errno, 0);
}
END_TEST

/* fsync_group_suite - the tests */
static Suite *
fsync_group_suite(void)
{
    Suite *s = suite_create("fsync_group");
    TCase *tc = tcase_create("core");

    TMPDIR_FIXTURES(tc);
    tcase_set_timeout(tc, 20);
    tcase_add_test(tc, test_alone);
    tcase_add_test(tc, test_covered);
    tcase_add_test(tc, test_failed);
    tcase_add_test(tc, test_processes);
    tcase_add_test(tc, test_crash_state);
    tcase_add_test(tc, test_refused);
    suite_add_tcase(s, tc);
    return s;
}

TEST_MAIN(fsync_group_suite)

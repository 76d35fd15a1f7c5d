/* test_fsync_group - Check suite for the group commit of a folder sync. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "clock_ms.h"
#include "fsync_group.h"
#include "test_main.h"
#include "test_tmpdir.h"

/* Counts of the fake fsync(), shared with forked children. */
typedef struct COUNTS {
    int calls;
    int fail;       /* the next calls fail with EIO */
    int sleep_ms;   /* each call takes this long */
    ino_t slow_ino; /* or only the calls for this folder do */
    int in_slow;    /* a call for slow_ino is sleeping now */
} COUNTS;

static COUNTS *counts;

/* fake_fsync - count, sleep, maybe fail; never touches the disk */
static int
fake_fsync(int fd)
{
    struct stat sb;

    __atomic_add_fetch(&counts->calls, 1, __ATOMIC_SEQ_CST);
    if (counts->slow_ino != 0) {
        if (fstat(fd, &sb) == 0 && sb.st_ino == counts->slow_ino) {
            __atomic_store_n(&counts->in_slow, 1, __ATOMIC_SEQ_CST);
            usleep((useconds_t) counts->sleep_ms * 1000);
            __atomic_store_n(&counts->in_slow, 0, __ATOMIC_SEQ_CST);
        }
    } else if (counts->sleep_ms > 0) {
        usleep((useconds_t) counts->sleep_ms * 1000);
    }
    if (counts->fail) {
        errno = EIO;
        return -1;
    }
    return 0;
}

/* setup - shared counts, the fake fsync(), folders "d" and "e" */
static void
setup(void)
{
    counts = mmap(NULL, sizeof(*counts), PROT_READ | PROT_WRITE,
                  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    ck_assert(counts != MAP_FAILED);
    memset(counts, 0, sizeof(*counts));
    fsync_group_fsync_fn = fake_fsync;
    ck_assert_int_eq(mkdir("d", 0700), 0);
    ck_assert_int_eq(mkdir("e", 0700), 0);
}

/* dir_open - a folder, open */
static int
dir_open(const char *name)
{
    int fd = open(name, O_RDONLY | O_DIRECTORY);

    ck_assert_int_ge(fd, 0);
    return fd;
}

/* ticket - a ticket that must be had */
static FSYNC_TICKET
ticket(FSYNC_GROUP *g, int fd)
{
    FSYNC_TICKET t;

    ck_assert_int_eq(fsync_group_ticket(g, fd, &t), 0);
    return t;
}

/* Alone: each sync is a real one; a later ticket is not covered by an
 * earlier sync. */
START_TEST(test_alone)
{
    FSYNC_GROUP *g;
    FSYNC_TICKET t;
    int fd;

    setup();
    fd = dir_open("d");
    ck_assert_ptr_nonnull(g = fsync_group_open("state"));
    t = ticket(g, fd);
    ck_assert_int_eq(fsync_group_sync(g, &t, fd), 0);
    ck_assert_int_eq(counts->calls, 1);
    /* A rename after that sync began: needs a sync of its own. */
    t = ticket(g, fd);
    ck_assert_int_eq(fsync_group_sync(g, &t, fd), 0);
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
    FSYNC_TICKET ta;
    FSYNC_TICKET tb;
    int fd;

    setup();
    fd = dir_open("d");
    ck_assert_ptr_nonnull(a = fsync_group_open("state"));
    ck_assert_ptr_nonnull(b = fsync_group_open("state"));
    ta = ticket(a, fd);
    tb = ticket(b, fd);
    ck_assert_int_eq(ta.slot, tb.slot);
    ck_assert_int_eq(fsync_group_sync(b, &tb, fd), 0);
    ck_assert_int_eq(counts->calls, 1);
    ck_assert_int_eq(fsync_group_sync(a, &ta, fd), 0);
    ck_assert_int_eq(counts->calls, 1);
    fsync_group_free(a);
    fsync_group_free(b);
    close(fd);
}
END_TEST

/* Another folder's sync covers nothing here. */
START_TEST(test_folders)
{
    FSYNC_GROUP *g;
    FSYNC_TICKET td;
    FSYNC_TICKET te;
    int d;
    int e;

    setup();
    d = dir_open("d");
    e = dir_open("e");
    ck_assert_ptr_nonnull(g = fsync_group_open("state"));
    td = ticket(g, d);
    te = ticket(g, e);
    ck_assert_int_ne(td.slot, te.slot);
    ck_assert_int_eq(fsync_group_sync(g, &te, e), 0);
    ck_assert_int_eq(fsync_group_sync(g, &td, d), 0);
    ck_assert_int_eq(counts->calls, 2);
    fsync_group_free(g);
    close(d);
    close(e);
}
END_TEST

/* A failed sync covers nobody: the next one syncs again. */
START_TEST(test_failed)
{
    FSYNC_GROUP *g;
    FSYNC_TICKET t;
    FSYNC_TICKET t2;
    int fd;

    setup();
    fd = dir_open("d");
    ck_assert_ptr_nonnull(g = fsync_group_open("state"));
    t = ticket(g, fd);
    counts->fail = 1;
    errno = 0;
    t2 = ticket(g, fd);
    ck_assert_int_eq(fsync_group_sync(g, &t2, fd), -1);
    ck_assert_int_eq(errno, EIO);
    counts->fail = 0;
    ck_assert_int_eq(fsync_group_sync(g, &t, fd), 0);
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
            FSYNC_GROUP *g = fsync_group_open("state");
            FSYNC_TICKET t;

            fd = dir_open("d");
            if (g == NULL || write(ready[1], "r", 1) != 1 ||
                read(go[0], &c, 1) != 1 || fsync_group_ticket(g, fd, &t) < 0)
                _exit(2);
            _exit(fsync_group_sync(g, &t, fd) == 0 ? 0 : 1);
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

/*
 * Eight processes, twenty renames each, one after another, each sync
 * taking 20 ms: a process that arrives while a sync runs waits for it to
 * end and then finds the next sync, begun after its rename, running for
 * it and the others that came meanwhile, instead of waiting in the
 * lock's queue behind syncs begun later.  Fewer than half the renames
 * need a sync of their own (a lock queue alone gave about one in 1.8).
 */
START_TEST(test_rounds)
{
    enum { PROCS = 8, EACH = 20 };
    pid_t pid[PROCS];
    int status;
    int i;

    setup();
    counts->sleep_ms = 20;
    for (i = 0; i < PROCS; i++) {
        ck_assert_int_ge(pid[i] = fork(), 0);
        if (pid[i] == 0) {
            FSYNC_GROUP *g = fsync_group_open("state");
            FSYNC_TICKET t;
            int fd = dir_open("d");
            int n;

            for (n = 0; g != NULL && n < EACH; n++)
                if (fsync_group_ticket(g, fd, &t) < 0 ||
                    fsync_group_sync(g, &t, fd) < 0)
                    _exit(1);
            _exit(g != NULL ? 0 : 2);
        }
    }
    for (i = 0; i < PROCS; i++) {
        ck_assert_int_eq(waitpid(pid[i], &status, 0), pid[i]);
        ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    }
    ck_assert_int_ge(counts->calls, EACH);
    ck_assert_int_lt(counts->calls, PROCS * EACH / 2);
}
END_TEST

/* A folder's sync never waits for another folder's: with a 2 s sync of
 * "d" running in a child, a ticket and a sync of "e" are quick. */
START_TEST(test_independent)
{
    FSYNC_GROUP *g;
    FSYNC_TICKET t;
    struct stat sb;
    pid_t pid;
    int status;
    int d;
    int e;
    int i;
    int64_t t0;

    setup();
    d = dir_open("d");
    e = dir_open("e");
    ck_assert_int_eq(fstat(d, &sb), 0);
    counts->slow_ino = sb.st_ino;
    counts->sleep_ms = 2000;
    ck_assert_ptr_nonnull(g = fsync_group_open("state"));
    ck_assert_int_ge(pid = fork(), 0);
    if (pid == 0) {
        FSYNC_GROUP *cg = fsync_group_open("state");

        if (cg == NULL || fsync_group_ticket(cg, d, &t) < 0)
            _exit(2);
        _exit(fsync_group_sync(cg, &t, d) == 0 ? 0 : 1);
    }
    for (i = 0; i < 500 && !__atomic_load_n(&counts->in_slow, __ATOMIC_SEQ_CST);
         i++)
        usleep(2000);
    ck_assert_msg(counts->in_slow, "the child's sync did not start");
    t0 = clock_ms();
    t = ticket(g, e);
    ck_assert_int_eq(fsync_group_sync(g, &t, e), 0);
    ck_assert_int_lt(clock_ms() - t0, 1000);
    ck_assert(__atomic_load_n(&counts->in_slow, __ATOMIC_SEQ_CST));
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    fsync_group_free(g);
    close(d);
    close(e);
}
END_TEST

/*
 * More folders than slots: slots are taken over, each in a new epoch,
 * and a ticket whose slot went to another folder is never covered by
 * that folder's syncs.
 */
START_TEST(test_takeover)
{
    enum { DIRS = 4 * FSYNC_GROUP_SLOTS };
    FSYNC_GROUP *g;
    FSYNC_TICKET first;
    FSYNC_TICKET t;
    char name[32];
    int reused = 0;
    int fd0;
    int fd;
    int i;

    setup();
    ck_assert_ptr_nonnull(g = fsync_group_open("state"));
    fd0 = dir_open("d");
    first = ticket(g, fd0);
    for (i = 0; i < DIRS; i++) {
        snprintf(name, sizeof(name), "f%d", i);
        ck_assert_int_eq(mkdir(name, 0700), 0);
        fd = dir_open(name);
        t = ticket(g, fd);
        reused += t.epoch > 2; /* 2: the first folder a slot had */
        ck_assert_int_eq(fsync_group_sync(g, &t, fd), 0);
        close(fd);
    }
    ck_assert_int_eq(counts->calls, DIRS);
    ck_assert_int_gt(reused, 0);
    /* "d" never synced: whoever holds its slot now, it syncs. */
    ck_assert_int_eq(fsync_group_sync(g, &first, fd0), 0);
    ck_assert_int_eq(counts->calls, DIRS + 1);
    fsync_group_free(g);
    close(fd0);
}
END_TEST

/* A state file a crash left with more finished syncs than started ones
 * is mended at open, so that no ticket is taken for covered by mistake. */
START_TEST(test_crash_state)
{
    FSYNC_GROUP *g;
    FSYNC_TICKET t;
    uint64_t zero = 0;
    uint64_t odd;
    off_t started;
    int sfd;
    int fd;

    setup();
    fd = dir_open("d");
    ck_assert_ptr_nonnull(g = fsync_group_open("state"));
    t = ticket(g, fd);
    ck_assert_int_eq(fsync_group_sync(g, &t, fd), 0); /* done = 1 */
    fsync_group_free(g);
    /* The slot's "started" (the fifth 8-byte field of a 64-byte slot, after a
     * 16-byte header) back to 0, as if lost. */
    started = 16 + (off_t) t.slot * 64 + 32;
    sfd = open("state", O_RDWR);
    ck_assert_int_ge(sfd, 0);
    ck_assert_int_eq(pwrite(sfd, &zero, sizeof(zero), started), sizeof(zero));
    close(sfd);
    ck_assert_ptr_nonnull(g = fsync_group_open("state"));
    t = ticket(g, fd);
    ck_assert_int_eq(t.count, 0);
    ck_assert_int_eq(fsync_group_sync(g, &t, fd), 0);
    ck_assert_int_eq(counts->calls, 2);
    fsync_group_free(g);
    /* A change of hands cut short (an odd epoch, the fourth field): the
     * slot is freed at open, and the folder gets it again, afresh. */
    odd = t.epoch + 1;
    sfd = open("state", O_RDWR);
    ck_assert_int_ge(sfd, 0);
    ck_assert_int_eq(pwrite(sfd, &odd, sizeof(odd), started - 8), sizeof(odd));
    close(sfd);
    ck_assert_ptr_nonnull(g = fsync_group_open("state"));
    t = ticket(g, fd);
    ck_assert_int_eq(t.epoch % 2, 0);
    ck_assert_int_gt(t.epoch, odd);
    ck_assert_int_eq(t.count, 0);
    ck_assert_int_eq(fsync_group_sync(g, &t, fd), 0);
    ck_assert_int_eq(counts->calls, 3);
    fsync_group_free(g);
    close(fd);
}
END_TEST

/* A file that is not a state file (wrong size, junk) is made one. */
START_TEST(test_garbage)
{
    FSYNC_GROUP *g;
    FSYNC_TICKET t;
    char junk[100];
    int sfd;
    int fd;

    setup();
    memset(junk, 0xff, sizeof(junk));
    sfd = open("state", O_RDWR | O_CREAT, 0600);
    ck_assert_int_ge(sfd, 0);
    ck_assert_int_eq(write(sfd, junk, sizeof(junk)), sizeof(junk));
    close(sfd);
    fd = dir_open("d");
    ck_assert_ptr_nonnull(g = fsync_group_open("state"));
    t = ticket(g, fd);
    ck_assert_int_eq(t.count, 0);
    ck_assert_int_eq(fsync_group_sync(g, &t, fd), 0);
    ck_assert_int_eq(counts->calls, 1);
    fsync_group_free(g);
    close(fd);
}
END_TEST

/* A symbolic link, a folder, a file with two names or another owner's:
 * refused. */
START_TEST(test_refused)
{
    int fd;

    setup();
    ck_assert_int_eq(symlink("state", "link"), 0);
    errno = 0;
    ck_assert_ptr_null(fsync_group_open("link"));
    ck_assert_int_eq(errno, ELOOP);
    errno = 0;
    ck_assert_ptr_null(fsync_group_open("d"));
    ck_assert_int_ne(errno, 0);
    fd = open("two", O_RDWR | O_CREAT, 0600);
    ck_assert_int_ge(fd, 0);
    close(fd);
    ck_assert_int_eq(link("two", "two2"), 0);
    errno = 0;
    ck_assert_ptr_null(fsync_group_open("two"));
    ck_assert_int_eq(errno, EPERM);
    if (geteuid() == 0) {
        fd = open("other", O_RDWR | O_CREAT, 0600);
        ck_assert_int_ge(fd, 0);
        ck_assert_int_eq(fchown(fd, 65534, 65534), 0);
        close(fd);
        errno = 0;
        ck_assert_ptr_null(fsync_group_open("other"));
        ck_assert_int_eq(errno, EPERM);
    }
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
    tcase_add_test(tc, test_folders);
    tcase_add_test(tc, test_failed);
    tcase_add_test(tc, test_processes);
    tcase_add_test(tc, test_rounds);
    tcase_add_test(tc, test_independent);
    tcase_add_test(tc, test_takeover);
    tcase_add_test(tc, test_crash_state);
    tcase_add_test(tc, test_garbage);
    tcase_add_test(tc, test_refused);
    suite_add_tcase(s, tc);
    return s;
}

TEST_MAIN(fsync_group_suite)

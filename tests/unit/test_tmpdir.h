#ifndef TEST_TMPDIR_H
#define TEST_TMPDIR_H

/*
 * test_tmpdir - a fresh directory under /tmp for tests of file functions.
 *
 * TMPDIR_FIXTURES(tc) adds them to a test case.  The outer directory is
 * made and removed by unchecked fixtures, which the Check runner calls in
 * its own process, so the tree goes away even when a test fails.  Each test
 * then gets a directory of its own (named after its process) and runs in
 * it, so tests name their files relative to it; tmpdir_here holds its
 * absolute path.
 */
#include <check.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

static char tmpdir_root[64];
static char tmpdir_here[128];

/* tmpdir_create - the outer directory, once per test case */
static void
tmpdir_create(void)
{
    snprintf(tmpdir_root, sizeof(tmpdir_root), "/tmp/postern-test-XXXXXX");
    if (mkdtemp(tmpdir_root) == NULL) {
        perror("mkdtemp");
        exit(1);
    }
}

/* tmpdir_rm - remove one entry, carrying on past errors */
static int
tmpdir_rm(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void) st;
    (void) flag;
    (void) ftw;
    (void) remove(path);
    return 0;
}

/* tmpdir_remove - the outer directory and all below it */
static void
tmpdir_remove(void)
{
    nftw(tmpdir_root, tmpdir_rm, 16, FTW_DEPTH | FTW_PHYS);
}

/* tmpdir_enter - a directory for this test, made the current one */
static void
tmpdir_enter(void)
{
    static int count;

    snprintf(tmpdir_here, sizeof(tmpdir_here), "%s/%ld.%d", tmpdir_root,
             (long) getpid(), count++);
    ck_assert_int_eq(mkdir(tmpdir_here, 0700), 0);
    ck_assert_int_eq(chdir(tmpdir_here), 0);
}

#define TMPDIR_FIXTURES(tc)                                                    \
    do {                                                                       \
        tcase_add_unchecked_fixture((tc), tmpdir_create, tmpdir_remove);       \
        tcase_add_checked_fixture((tc), tmpdir_enter, NULL);                   \
    } while (0)

#endif

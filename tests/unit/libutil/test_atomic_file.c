/* test_atomic_file - Check suite for write-to-temp-then-rename. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "atomic_file.h"
#include "test_main.h"
#include "test_tmpdir.h"

/* Size of the contents a concurrent reader checks, and their rounds. */
#define BIG_SIZE     (64 * 1024)
#define BIG_ROUNDS   40
#define READER_LIMIT 2000

/* put_file - create (or replace) a regular file with the given content */
static void
put_file(const char *path, const char *text)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t) strlen(text));
    close(fd);
}

/* file_text - a file's content, for comparison */
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

/* temp_files - how many temporary files are left in the directory */
static int
temp_files(void)
{
    DIR *dir = opendir(".");
    struct dirent *de;
    int count = 0;

    ck_assert_ptr_nonnull(dir);
    while ((de = readdir(dir)) != NULL)
        if (strstr(de->d_name, ".tmp.") != NULL)
            count++;
    closedir(dir);
    return count;
}

START_TEST(test_commit_replaces)
{
    STRBUF *why = strbuf_create(0);
    ATOMIC_FILE *af;
    struct stat st;

    put_file("final", "old");
    umask(077);
    af = atomic_file_open("final", 0644, why);
    ck_assert_msg(af != NULL, "%s", STR(why));
    ck_assert_int_eq(fcntl(ATOMIC_FILE_FD(af), F_GETFD) & FD_CLOEXEC,
                     FD_CLOEXEC);
    ck_assert_int_eq(atomic_file_write(af, "new ", 4, why), 0);
    ck_assert_int_eq(temp_files(), 1);
    /* Until the commit, readers see the old content only. */
    ck_assert_str_eq(file_text("final"), "old");
    ck_assert_int_eq(atomic_file_write(af, "content", 7, why), 0);
    ck_assert_str_eq(file_text("final"), "old");
    ck_assert_int_eq(atomic_file_commit(af, why), 0);
    ck_assert_str_eq(file_text("final"), "new content");
    ck_assert_int_eq(stat("final", &st), 0);
    ck_assert_int_eq(st.st_mode & 07777, 0644);
    ck_assert_int_eq(temp_files(), 0);
    ck_assert_int_eq(atomic_file_abort(af), 0);
    ck_assert_str_eq(file_text("final"), "new content");
    ck_assert_ptr_null(atomic_file_free(af));
    strbuf_free(why);
}
END_TEST

START_TEST(test_commit_creates)
{
    ATOMIC_FILE *af;
    char path[256];

    snprintf(path, sizeof(path), "%s/made", tmpdir_here);
    af = atomic_file_open(path, 0600, NULL);
    ck_assert_ptr_nonnull(af);
    ck_assert_int_eq(atomic_file_write(af, "x", 1, NULL), 0);
    ck_assert_int_eq(atomic_file_commit(af, NULL), 0);
    atomic_file_free(af);
    ck_assert_str_eq(file_text("made"), "x");
}
END_TEST

/* Abort, explicit or by free, leaves the old file and no temporary. */
START_TEST(test_abort)
{
    ATOMIC_FILE *af;

    put_file("final", "old");
    af = atomic_file_open("final", 0644, NULL);
    ck_assert_int_eq(atomic_file_write(af, "partial", 7, NULL), 0);
    ck_assert_int_eq(atomic_file_abort(af), 0);
    ck_assert_int_eq(atomic_file_abort(af), 0);
    ck_assert_ptr_null(atomic_file_free(af));
    ck_assert_str_eq(file_text("final"), "old");
    ck_assert_int_eq(temp_files(), 0);
    af = atomic_file_open("final", 0644, NULL);
    ck_assert_int_eq(atomic_file_write(af, "partial", 7, NULL), 0);
    ck_assert_ptr_null(atomic_file_free(af));
    ck_assert_str_eq(file_text("final"), "old");
    ck_assert_int_eq(temp_files(), 0);
    ck_assert_ptr_null(atomic_file_free(NULL));
}
END_TEST

START_TEST(test_open_fails)
{
    STRBUF *why = strbuf_create(0);

    ck_assert_ptr_null(atomic_file_open("nodir/final", 0644, why));
    ck_assert_int_eq(errno, ENOENT);
    ck_assert_ptr_nonnull(strstr(STR(why), ": create: No such file"));
    ck_assert_int_eq(strncmp(STR(why), "nodir/final.tmp.", 16), 0);
    strbuf_free(why);
}
END_TEST

/* counter_of - the N of a temporary name FINAL.tmp.PID.N */
static unsigned long
counter_of(const ATOMIC_FILE *af)
{
    return strtoul(strrchr(af->temp_path, '.') + 1, NULL, 10);
}

/* Names taken by others are skipped, a bounded number of them. */
START_TEST(test_name_taken)
{
    STRBUF *why = strbuf_create(0);
    char name[128];
    unsigned long next;
    ATOMIC_FILE *af;
    int i;

    af = atomic_file_open("final", 0644, why);
    next = counter_of(af) + 1;
    atomic_file_free(af);
    for (i = 0; i < ATOMIC_FILE_TRIES + 3; i++) {
        snprintf(name, sizeof(name), "final.tmp.%ld.%lu", (long) getpid(),
                 next + i);
        put_file(name, "");
    }
    ck_assert_ptr_null(atomic_file_open("final", 0644, why));
    ck_assert_int_eq(errno, EEXIST);
    af = atomic_file_open("final", 0644, why);
    ck_assert_ptr_nonnull(af);
    ck_assert_uint_eq(counter_of(af), next + ATOMIC_FILE_TRIES + 3);
    atomic_file_free(af);
    strbuf_free(why);
}
END_TEST

/* A failed rename leaves the old entry and no temporary file. */
START_TEST(test_rename_fails)
{
    STRBUF *why = strbuf_create(0);
    ATOMIC_FILE *af;

    ck_assert_int_eq(mkdir("final", 0755), 0);
    put_file("final/keep", "kept");
    af = atomic_file_open("final", 0644, why);
    ck_assert_int_eq(atomic_file_write(af, "new", 3, why), 0);
    ck_assert_int_eq(atomic_file_commit(af, why), -1);
    ck_assert_int_eq(errno, EISDIR);
    ck_assert_ptr_nonnull(strstr(STR(why), ": rename: Is a directory"));
    ck_assert_int_eq(temp_files(), 0);
    ck_assert_str_eq(file_text("final/keep"), "kept");
    ck_assert_int_eq(atomic_file_abort(af), 0);
    atomic_file_free(af);
    strbuf_free(why);
}
END_TEST

/* A write that the file size limit cuts short, then refuses. */
START_TEST(test_write_fails)
{
    STRBUF *why = strbuf_create(0);
    struct rlimit old;
    struct rlimit small = {10, 10};
    char buf[100];
    ATOMIC_FILE *af;
    int ret;

    memset(buf, 'x', sizeof(buf));
    af = atomic_file_open("final", 0644, why);
    signal(SIGXFSZ, SIG_IGN);
    ck_assert_int_eq(getrlimit(RLIMIT_FSIZE, &old), 0);
    small.rlim_max = old.rlim_max;
    ck_assert_int_eq(setrlimit(RLIMIT_FSIZE, &small), 0);
    ret = atomic_file_write(af, buf, sizeof(buf), why);
    ck_assert_int_eq(setrlimit(RLIMIT_FSIZE, &old), 0);
    ck_assert_int_eq(ret, -1);
    ck_assert_int_eq(errno, EFBIG);
    ck_assert_ptr_nonnull(strstr(STR(why), ": write: File too large"));
    atomic_file_free(af);
    ck_assert_int_eq(temp_files(), 0);
    strbuf_free(why);
}
END_TEST

START_TEST(test_commit_twice_panics)
{
    ATOMIC_FILE *af = atomic_file_open("final", 0644, NULL);

    ck_assert_int_eq(atomic_file_commit(af, NULL), 0);
    (void) atomic_file_commit(af, NULL);
}
END_TEST

/* reader_run - the child: read the file until told to stop; 1 if torn */
static void
reader_run(int ready, int stop)
{
    static char buf[BIG_SIZE + 1];
    struct pollfd pfd = {stop, POLLIN, 0};
    ssize_t got;
    ssize_t n;
    int reads;
    int fd;

    alarm(5);
    for (reads = 0; reads < READER_LIMIT && poll(&pfd, 1, 0) == 0; reads++) {
        if ((fd = open("final", O_RDONLY)) < 0)
            _exit(2);
        for (got = 0; (n = read(fd, buf + got, sizeof(buf) - got)) > 0;)
            got += n;
        close(fd);
        if (got != BIG_SIZE || (buf[0] != 'A' && buf[0] != 'B') ||
            memchr(buf, buf[0] == 'A' ? 'B' : 'A', got) != NULL)
            _exit(1);
        if (reads == 0 && write(ready, "x", 1) != 1)
            _exit(3);
    }
    _exit(0);
}

/* big_commit - replace the file with BIG_SIZE copies of ch, in pieces */
static void
big_commit(int ch)
{
    static char chunk[4096];
    ATOMIC_FILE *af = atomic_file_open("final", 0644, NULL);
    int i;

    ck_assert_ptr_nonnull(af);
    memset(chunk, ch, sizeof(chunk));
    for (i = 0; i < BIG_SIZE / (int) sizeof(chunk); i++)
        ck_assert_int_eq(atomic_file_write(af, chunk, sizeof(chunk), NULL), 0);
    ck_assert_int_eq(atomic_file_commit(af, NULL), 0);
    atomic_file_free(af);
}

/* A reader running alongside sees all A or all B, never a mix or less. */
START_TEST(test_reader_never_sees_partial)
{
    int ready[2];
    int stop[2];
    int status;
    pid_t pid;
    char ch;
    int i;

    big_commit('A');
    ck_assert_int_eq(pipe(ready), 0);
    ck_assert_int_eq(pipe(stop), 0);
    pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        close(stop[1]);
        reader_run(ready[1], stop[0]);
    }
    close(stop[0]);
    close(ready[1]);
    /* Start replacing once the reader is reading. */
    ck_assert_int_eq(read(ready[0], &ch, 1), 1);
    for (i = 0; i < BIG_ROUNDS; i++)
        big_commit(i % 2 ? 'A' : 'B');
    close(stop[1]);
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
                  "reader status 0x%x", status);
}
END_TEST

static Suite *
atomic_file_suite(void)
{
    Suite *s = suite_create("atomic_file");
    TCase *tc = tcase_create("core");

    TMPDIR_FIXTURES(tc);
    tcase_add_test(tc, test_commit_replaces);
    tcase_add_test(tc, test_commit_creates);
    tcase_add_test(tc, test_abort);
    tcase_add_test(tc, test_open_fails);
    tcase_add_test(tc, test_name_taken);
    tcase_add_test(tc, test_rename_fails);
    tcase_add_test(tc, test_write_fails);
    tcase_add_test_raise_signal(tc, test_commit_twice_panics, SIGABRT);
    tcase_add_test(tc, test_reader_never_sees_partial);
    suite_add_tcase(s, tc);
    return s;
}

TEST_MAIN(atomic_file_suite)

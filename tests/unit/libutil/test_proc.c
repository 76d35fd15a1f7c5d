/* test_proc - Check suite for the process helpers. */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "proc.h"
#include "test_main.h"

/* now_ms - monotonic milliseconds */
static long long
now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* exit_code - wait status of a normal exit with code, or -1 */
static int
exit_code(int status)
{
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* in_helper - run fn in a child of ours (it may close any descriptor) */
static int
in_helper(int (*fn)(int), int arg)
{
    int status;
    pid_t pid;

    if ((pid = fork()) == 0)
        exit(fn(arg)); /* exit(), not _exit(): coverage data is written */
    ck_assert_int_gt(pid, 0);
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    return exit_code(status);
}

/* is_open - is fd an open descriptor? */
static int
is_open(int fd)
{
    return fcntl(fd, F_GETFD) >= 0;
}

/* close_check - fds 10 and 20..22 open, close >= 15: 0 if right */
static int
close_check(int method)
{
    int fd = open("/dev/null", O_RDONLY);
    int got;

    if (fd < 0 || dup2(fd, 10) < 0 || dup2(fd, 20) < 0 || dup2(fd, 21) < 0 ||
        dup2(fd, 22) < 0)
        return 1;
    got = proc_close_with(15, method);
    if (method == PROC_CLOSE_AUTO ? got <= 0 : got != method)
        return 2;
    if (!is_open(10) || is_open(20) || is_open(21) || is_open(22))
        return 3;
    proc_close_inherited(10);
    return is_open(10) ? 4 : 0;
}

START_TEST(test_close_inherited)
{
    ck_assert_int_eq(in_helper(close_check, _i), 0);
}
END_TEST

/* A command run to completion. */
static const struct {
    const char *name;
    char *argv[6];
    const char *input;
    int merge_stderr;
    size_t output_max;
    const char *want;
    int want_exit;
    int want_truncated;
} command_cases[] = {
    {"echo",
     {"/bin/echo", "hello", "world"},
     NULL,
     0,
     100,
     "hello world\n",
     0,
     0},
    {"cat", {"/bin/cat"}, "line 1\nline 2\n", 0, 100, "line 1\nline 2\n", 0, 0},
    {"truncated", {"/bin/echo", "0123456789"}, NULL, 0, 4, "0123", 0, 1},
    {"stderr dropped",
     {"/bin/sh", "-c", "echo out; echo err >&2; exit 3"},
     NULL,
     0,
     100,
     "out\n",
     3,
     0},
    {"stderr merged",
     {"/bin/sh", "-c", "echo out; echo err >&2"},
     NULL,
     1,
     100,
     "out\nerr\n",
     0,
     0},
    {"input unread", {"/bin/true"}, "ignored", 0, 100, "", 0, 0},
};

START_TEST(test_command)
{
    STRBUF *out = strbuf_create(0);
    PROC_COMMAND cmd = {0};

    cmd.path = command_cases[_i].argv[0];
    cmd.argv = command_cases[_i].argv;
    cmd.input = command_cases[_i].input;
    cmd.input_len = cmd.input ? strlen(cmd.input) : 0;
    cmd.merge_stderr = command_cases[_i].merge_stderr;
    cmd.output_max = command_cases[_i].output_max;
    cmd.timeout_ms = 2000;
    ck_assert_int_eq(proc_command(&cmd, out), 0);
    ck_assert_msg(strcmp(STR(out), command_cases[_i].want) == 0,
                  "%s: got \"%s\"", command_cases[_i].name, STR(out));
    ck_assert_int_eq(exit_code(cmd.status), command_cases[_i].want_exit);
    ck_assert_int_eq(cmd.truncated, command_cases[_i].want_truncated);
    strbuf_free(out);
}
END_TEST

/* Much input, little output kept: partial sends, reads past the limit. */
START_TEST(test_command_big)
{
    static char *argv[] = {"/bin/cat", NULL};
    size_t len = 512 * 1024;
    char *data = malloc(len);
    STRBUF *out = strbuf_create(0);
    PROC_COMMAND cmd = {0};

    memset(data, 'x', len);
    cmd.path = argv[0];
    cmd.argv = argv;
    cmd.input = data;
    cmd.input_len = len;
    cmd.output_max = 1000;
    cmd.timeout_ms = -1;
    ck_assert_int_eq(proc_command(&cmd, out), 0);
    ck_assert_uint_eq(LEN(out), 1000);
    ck_assert_int_eq(cmd.truncated, 1);
    ck_assert_int_eq(exit_code(cmd.status), 0);
    /* The caller's own limit on the buffer counts as truncation too. */
    strbuf_set_limit(out, 10);
    cmd.output_max = 100;
    ck_assert_int_eq(proc_command(&cmd, out), 0);
    ck_assert_int_eq(cmd.truncated, 1);
    strbuf_free(out);
    free(data);
}
END_TEST

START_TEST(test_command_timeout)
{
    static char *argv[] = {"/bin/sleep", "5", NULL};
    STRBUF *out = strbuf_create(0);
    PROC_COMMAND cmd = {0};
    long long start = now_ms();

    cmd.path = argv[0];
    cmd.argv = argv;
    cmd.timeout_ms = 100;
    ck_assert_int_eq(proc_command(&cmd, out), -1);
    ck_assert_int_eq(errno, ETIMEDOUT);
    ck_assert_int_lt(now_ms() - start, 500);
    ck_assert(WIFSIGNALED(cmd.status));
    ck_assert_int_eq(WTERMSIG(cmd.status), SIGKILL);
    strbuf_free(out);
}
END_TEST

/* Output closed early, input unread, the process lingers: timeout. */
START_TEST(test_command_wait_timeout)
{
    static char *argv[] = {"/bin/sh", "-c", "exec >&-; exec sleep 5", NULL};
    static char input[1024 * 1024];
    STRBUF *out = strbuf_create(0);
    PROC_COMMAND cmd = {0};

    cmd.path = argv[0];
    cmd.argv = argv;
    cmd.input = input;
    cmd.input_len = sizeof(input);
    cmd.timeout_ms = 100;
    ck_assert_int_eq(proc_command(&cmd, out), -1);
    ck_assert_int_eq(errno, ETIMEDOUT);
    ck_assert_int_eq(WTERMSIG(cmd.status), SIGKILL);
    strbuf_free(out);
}
END_TEST

START_TEST(test_command_exec_fails)
{
    static char *argv[] = {"/nonexistent/program", NULL};
    STRBUF *out = strbuf_create(0);
    PROC_COMMAND cmd = {0};

    cmd.path = argv[0];
    cmd.argv = argv;
    cmd.timeout_ms = 100;
    ck_assert_int_eq(proc_command(&cmd, out), -1);
    ck_assert_int_eq(errno, ENOENT);
    strbuf_free(out);
}
END_TEST

/* emfile_check - out of descriptors: every entry fails with EMFILE */
static int
emfile_check(int unused)
{
    static char *argv[] = {"/bin/true", NULL};
    struct rlimit rl, saved;
    STRBUF *out = strbuf_create(0);
    PROC_COMMAND cmd = {0};
    int fds[2], fd, ret = 0;

    (void) unused;
    cmd.path = argv[0];
    cmd.argv = argv;
    cmd.timeout_ms = 100;
    /* Room for exactly one more descriptor. */
    if ((fd = open("/dev/null", O_RDONLY)) < 0 || close(fd) < 0 ||
        getrlimit(RLIMIT_NOFILE, &saved) < 0)
        return 1;
    rl = saved;
    rl.rlim_cur = (rlim_t) fd + 1;
    if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
        return 1;
    if (proc_spawn(argv[0], argv, NULL, NULL) != -1 || errno != EMFILE)
        ret = 2;
    else if (proc_command(&cmd, out) != -1 || errno != EMFILE)
        ret = 3;
    /* Room for the stdin pair, not the stdout pipe. */
    else if (close(0) < 0 || close(1) < 0 || proc_command(&cmd, out) != -1 ||
             errno != EMFILE)
        ret = 4;
    /* None left for opendir(). */
    else if (pipe(fds) < 0 || dup(0) < 0 ||
             proc_close_with(3, PROC_CLOSE_PROC) != -1)
        ret = 5;
    strbuf_free(out);
    /* Room again for writing coverage data at exit. */
    if (setrlimit(RLIMIT_NOFILE, &saved) < 0)
        ret = 6;
    return ret;
}

START_TEST(test_out_of_fds)
{
    ck_assert_int_eq(in_helper(emfile_check, 0), 0);
}
END_TEST

/* proc_spawn() failures come back as the child's errno. */
static const struct {
    const char *name;
    const char *path;
    const char *cwd;
    int want_errno;
} spawn_fail_cases[] = {
    {"no program", "/nonexistent/program", NULL, ENOENT},
    {"not executable", "/dev/null", NULL, EACCES},
    {"no directory", "/bin/true", "/nonexistent", ENOENT},
};

START_TEST(test_spawn_fails)
{
    char *argv[] = {"x", NULL};
    PROC_OPTS opts;

    proc_opts_init(&opts);
    opts.cwd = spawn_fail_cases[_i].cwd;
    errno = 0;
    ck_assert_int_eq(proc_spawn(spawn_fail_cases[_i].path, argv, NULL, &opts),
                     -1);
    ck_assert_msg(errno == spawn_fail_cases[_i].want_errno, "%s: errno %d",
                  spawn_fail_cases[_i].name, errno);
}
END_TEST

/* read_all - read fd to end of file into a string */
static void
read_all(int fd, char *buf, size_t size)
{
    size_t len = 0;
    ssize_t n;

    while (len < size - 1 && (n = read(fd, buf + len, size - 1 - len)) > 0)
        len += (size_t) n;
    buf[len] = 0;
}

/* Working directory, inherited descriptor, default environment. */
START_TEST(test_spawn_opts)
{
    char *argv[] = {"sh", "-c", "pwd; echo $PATH; echo >&7 && echo 7", NULL};
    PROC_OPTS opts;
    char buf[200];
    int fds[2], status;
    pid_t pid;

    ck_assert_int_eq(pipe(fds), 0);
    ck_assert_int_eq(dup2(fds[1], 7), 7);
    proc_opts_init(&opts);
    opts.stdout_fd = fds[1];
    opts.cwd = "/tmp";
    pid = proc_spawn("/bin/sh", argv, NULL, &opts);
    ck_assert_int_gt(pid, 0);
    close(fds[1]);
    close(7);
    read_all(fds[0], buf, sizeof(buf));
    ck_assert_str_eq(buf, "/tmp\n/usr/bin:/bin\n");
    ck_assert_int_eq(proc_wait(pid, &status, 1000), 0);
    ck_assert_int_ne(exit_code(status), 0);
    close(fds[0]);
}
END_TEST

/* keep_fds: the child sees our descriptor 7. */
START_TEST(test_spawn_keep_fds)
{
    char *argv[] = {"sh", "-c", "echo kept >&7", NULL};
    PROC_OPTS opts;
    char buf[200];
    int fds[2], status;
    pid_t pid;

    ck_assert_int_eq(pipe(fds), 0);
    ck_assert_int_eq(dup2(fds[1], 7), 7);
    close(fds[1]);
    proc_opts_init(&opts);
    opts.keep_fds = 1;
    pid = proc_spawn("/bin/sh", argv, NULL, &opts);
    ck_assert_int_gt(pid, 0);
    close(7);
    read_all(fds[0], buf, sizeof(buf));
    ck_assert_str_eq(buf, "kept\n");
    ck_assert_int_eq(proc_wait(pid, &status, -1), 0);
    ck_assert_int_eq(exit_code(status), 0);
    close(fds[0]);
}
END_TEST

/* swap_check - stdin source at fd 1, stdout target at fd 0: 0 if right */
static int
swap_check(int unused)
{
    char *argv[] = {"cat", NULL};
    PROC_OPTS opts;
    char buf[100];
    int in[2], out[2], status;
    pid_t pid;

    (void) unused;
    if (pipe(in) < 0 || pipe(out) < 0 || dup2(in[0], 1) < 0 ||
        dup2(out[1], 0) < 0)
        return 1;
    close(in[0]);
    close(out[1]);
    if (write(in[1], "swapped", 7) != 7)
        return 2;
    close(in[1]);
    proc_opts_init(&opts);
    opts.stdin_fd = 1;
    opts.stdout_fd = 0;
    opts.stderr_fd = 2;
    if ((pid = proc_spawn("/bin/cat", argv, NULL, &opts)) < 0)
        return 3;
    close(0);
    close(1);
    read_all(out[0], buf, sizeof(buf));
    if (proc_wait(pid, &status, 1000) < 0 || exit_code(status) != 0)
        return 4;
    return strcmp(buf, "swapped") == 0 ? 0 : 5;
}

START_TEST(test_spawn_stdio_swapped)
{
    ck_assert_int_eq(in_helper(swap_check, 0), 0);
}
END_TEST

/* As root: become nobody, supplementary groups too; otherwise refused. */
START_TEST(test_spawn_identity)
{
    static char *ids_argv[] = {"sh", "-c", "id -u; id -g; id -G", NULL};
    static char *uid_argv[] = {"id", "-u", NULL};
    STRBUF *out = strbuf_create(0);
    PROC_OPTS opts;
    PROC_COMMAND cmd = {0};

    proc_opts_init(&opts);
    opts.uid = 65534;
    opts.gid = 65534;
    cmd.path = "/bin/sh";
    cmd.argv = ids_argv;
    cmd.opts = &opts;
    cmd.output_max = 100;
    cmd.timeout_ms = 1000;
    if (geteuid() == 0) {
        ck_assert_int_eq(proc_command(&cmd, out), 0);
        ck_assert_str_eq(STR(out), "65534\n65534\n65534\n");
    } else {
        ck_assert_int_eq(proc_command(&cmd, out), -1);
        ck_assert_int_eq(errno, EPERM);
    }
    /* Who we are already is fine for anyone. */
    opts.uid = geteuid();
    opts.gid = getegid();
    cmd.path = "/usr/bin/id";
    cmd.argv = uid_argv;
    ck_assert_int_eq(proc_command(&cmd, out), 0);
    ck_assert_int_eq(atoi(STR(out)), (int) geteuid());
    strbuf_free(out);
}
END_TEST

/* nobody_check - not root: only who we are already; 0 if right */
static int
nobody_check(int unused)
{
    static char *argv[] = {"/bin/true", NULL};
    gid_t gid = 65534;
    PROC_OPTS opts;
    int status;
    pid_t pid;

    (void) unused;
    if (setgroups(1, &gid) < 0 || setgid(gid) < 0 || setuid(65534) < 0)
        return 1;
    proc_opts_init(&opts);
    opts.uid = 65534;
    opts.gid = 65534;
    if ((pid = proc_spawn(argv[0], argv, NULL, &opts)) < 0 ||
        proc_wait(pid, &status, 1000) < 0 || exit_code(status) != 0)
        return 2;
    opts.uid = 0;
    if (proc_spawn(argv[0], argv, NULL, &opts) != -1 || errno != EPERM)
        return 3;
    opts.uid = 65534;
    opts.gid = 0;
    if (proc_spawn(argv[0], argv, NULL, &opts) != -1 || errno != EPERM)
        return 4;
    return 0;
}

START_TEST(test_spawn_not_root)
{
    if (geteuid() == 0)
        ck_assert_int_eq(in_helper(nobody_check, 0), 0);
}
END_TEST

START_TEST(test_wait_timeout_then_kill)
{
    char *argv[] = {"sleep", "5", NULL};
    long long start = now_ms();
    int status;
    pid_t pid;

    pid = proc_spawn("/bin/sleep", argv, NULL, NULL);
    ck_assert_int_gt(pid, 0);
    ck_assert_int_eq(proc_wait(pid, &status, 100), -1);
    ck_assert_int_eq(errno, ETIMEDOUT);
    ck_assert_int_ge(now_ms() - start, 99);
    ck_assert_int_eq(kill(pid, SIGKILL), 0);
    ck_assert_int_eq(proc_wait(pid, &status, 500), 0);
    ck_assert(WIFSIGNALED(status));
    ck_assert_int_eq(WTERMSIG(status), SIGKILL);
    ck_assert_int_lt(now_ms() - start, 500);
    /* Not our child. */
    ck_assert_int_eq(proc_wait(1, &status, 0), -1);
    ck_assert_int_eq(errno, ECHILD);
}
END_TEST

/* SIGTERM ends sleep; a program ignoring it gets SIGKILL. */
static const struct {
    const char *name;
    const char *script; /* says "ready" when set up */
    int want_signal;
} kill_cases[] = {
    {"polite", "echo ready; exec sleep 5", SIGTERM},
    {"stubborn", "trap '' TERM; echo ready; exec sleep 5", SIGKILL},
};

START_TEST(test_kill_wait)
{
    char *argv[] = {"sh", "-c", (char *) kill_cases[_i].script, NULL};
    long long start = now_ms();
    PROC_OPTS opts;
    char buf[10];
    int fds[2], status;
    pid_t pid;

    ck_assert_int_eq(pipe(fds), 0);
    proc_opts_init(&opts);
    opts.stdout_fd = fds[1];
    pid = proc_spawn("/bin/sh", argv, NULL, &opts);
    ck_assert_int_gt(pid, 0);
    close(fds[1]);
    ck_assert_int_eq(read(fds[0], buf, 6), 6);
    ck_assert_int_eq(proc_kill_wait(pid, &status, 100), 0);
    ck_assert(WIFSIGNALED(status));
    ck_assert_msg(WTERMSIG(status) == kill_cases[_i].want_signal, "%s: %d",
                  kill_cases[_i].name, WTERMSIG(status));
    ck_assert_int_lt(now_ms() - start, 500);
    close(fds[0]);
}
END_TEST

/* Only kept variables, plus a PATH. */
static const struct {
    const char *name;
    const char *keep;
    const char *want; /* env lines joined with ' ' */
} env_cases[] = {
    {"nothing", "", "PATH=/usr/bin:/bin"},
    {"some", "TZ LANG_UNSET_HERE", "TZ=UTC PATH=/usr/bin:/bin"},
    {"listed twice", "TZ,TZ MAIL_CONFIG",
     "TZ=UTC MAIL_CONFIG=/etc/pm "
     "PATH=/usr/bin:/bin"},
    {"own path", "PATH TZ", "PATH=/opt/x:/bin TZ=UTC"},
    {"bad name", "TZ= =", "PATH=/usr/bin:/bin"},
};

START_TEST(test_clean_env)
{
    ARGV *env = argv_alloc(0);
    char *got;

    setenv("TZ", "UTC", 1);
    setenv("MAIL_CONFIG", "/etc/pm", 1);
    setenv("SECRET", "leak", 1);
    setenv("PATH", "/opt/x:/bin", 1);
    unsetenv("LANG_UNSET_HERE");
    ck_assert_ptr_eq(proc_clean_env(env, env_cases[_i].keep), env);
    got = argv_join(env, " ");
    ck_assert_msg(strcmp(got, env_cases[_i].want) == 0, "%s: got %s",
                  env_cases[_i].name, got);
    free(got);
    argv_free(env);
}
END_TEST

/* The child's whole environment is what we built. */
START_TEST(test_clean_env_child)
{
    static char *argv[] = {"env", NULL};
    ARGV *env = argv_alloc(0);
    STRBUF *out = strbuf_create(0);
    PROC_COMMAND cmd = {0};

    setenv("TZ", "UTC", 1);
    setenv("SECRET", "leak", 1);
    proc_clean_env(env, "TZ");
    cmd.path = "/usr/bin/env";
    cmd.argv = argv;
    cmd.envp = env->argv;
    cmd.output_max = 1000;
    cmd.timeout_ms = 1000;
    ck_assert_int_eq(proc_command(&cmd, out), 0);
    ck_assert_str_eq(STR(out), "TZ=UTC\nPATH=/usr/bin:/bin\n");
    strbuf_free(out);
    argv_free(env);
}
END_TEST

/* Titles go into the argv area handed to proc_title_init(). */
START_TEST(test_title)
{
    static char area[80] = "prog\0"
                           "an argument long enough for the title";
    /* Static, as main's are: libbsd keeps copies reachable from argv. */
    static char *argv[] = {area, area + 5, NULL};
    size_t i;

    proc_title_init(2, argv);
    proc_set_title("%s %d", "title", 42);
    for (i = 0; i < sizeof(area) - 1; i++)
        if (area[i] == 0)
            area[i] = ' ';
    ck_assert_ptr_nonnull(strstr(area, "title 42"));
    proc_set_title("x");
}
END_TEST

/* Misuse panics. */
START_TEST(test_misuse_panics)
{
    char *argv[] = {"true", NULL};
    PROC_OPTS opts;
    int status;

    proc_opts_init(&opts);
    switch (_i) {
        case 0:
            proc_wait(0, &status, 0);
            break;
        case 1:
            proc_kill_wait(-1, &status, 0);
            break;
        case 2:
            opts.uid = 65534;
            proc_spawn("/bin/true", argv, NULL, &opts);
            break;
        case 3:
            proc_close_with(-1, PROC_CLOSE_AUTO);
            break;
        case 4:
            proc_close_with(3, 99);
            break;
    }
}
END_TEST

static Suite *
proc_suite(void)
{
    Suite *s = suite_create("proc");
    TCase *tc = tcase_create("core");

    tcase_add_loop_test(tc, test_close_inherited, PROC_CLOSE_AUTO,
                        PROC_CLOSE_LOOP + 1);
    tcase_add_loop_test(tc, test_command, 0, NITEMS(command_cases));
    tcase_add_test(tc, test_command_big);
    tcase_add_test(tc, test_command_timeout);
    tcase_add_test(tc, test_command_wait_timeout);
    tcase_add_test(tc, test_command_exec_fails);
    tcase_add_test(tc, test_out_of_fds);
    tcase_add_loop_test(tc, test_spawn_fails, 0, NITEMS(spawn_fail_cases));
    tcase_add_test(tc, test_spawn_opts);
    tcase_add_test(tc, test_spawn_keep_fds);
    tcase_add_test(tc, test_spawn_stdio_swapped);
    tcase_add_test(tc, test_spawn_identity);
    tcase_add_test(tc, test_spawn_not_root);
    tcase_add_test(tc, test_wait_timeout_then_kill);
    tcase_add_loop_test(tc, test_kill_wait, 0, NITEMS(kill_cases));
    tcase_add_loop_test(tc, test_clean_env, 0, NITEMS(env_cases));
    tcase_add_test(tc, test_clean_env_child);
    tcase_add_test(tc, test_title);
    tcase_add_loop_test_raise_signal(tc, test_misuse_panics, SIGABRT, 0, 5);
    suite_add_tcase(s, tc);
    return s;
}

TEST_MAIN(proc_suite)

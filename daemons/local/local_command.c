/*
 * local_command - deliver to a shell command.
 *
 * local_command(state, command, privs) writes the message (From_ line,
 * Return-Path:, X-Original-To:, Delivered-To:, no quoting) to an unnamed
 * temporary file, then runs local_command_shell (default /bin/sh -c)
 * with COMMAND as privs in a new session: user and group IDs set for
 * good, the home folder as working folder, a fresh environment (HOME,
 * USER, LOGNAME, SHELL, PATH, SENDER, RECIPIENT, LOCAL, DOMAIN,
 * EXTENSION), the file as standard input, and standard output and error
 * into a pipe of which the first LOCAL_OUTPUT_MAX bytes are kept for the
 * reason.  After command_time_limit the whole session is killed.
 * Outcome: exit 0 delivered; exit 75 (EX_TEMPFAIL, sysexits.h) or
 * killed by a signal or the time limit deferred (4.3.0); any other exit
 * status bounced (5.3.0) with the command's output.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "local.h"
#include "msg.h"
#include "set_eugid.h"
#include "stringops.h"

#define LOCAL_EX_TEMPFAIL 75 /* sysexits.h EX_TEMPFAIL */

/* local_command_input - the message in an unnamed file; fd or -1 */
static int
local_command_input(LOCAL_STATE *state, STRBUF *why, const char **status)
{
    int fd = open("/tmp", O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
    STREAM *st;

    if (fd < 0) {
        strbuf_fail(why, errno, "temporary file: %s", strerror(errno));
        *status = "4.3.0";
        return -1;
    }
    st = stream_fdopen(fd, O_WRONLY);
    *status = mail_copy(state->src, st,
                        MAIL_COPY_FROM | MAIL_COPY_RETURN_PATH |
                            MAIL_COPY_ORIG_RCPT | MAIL_COPY_DELIVERED,
                        -1, why);
    stream_free(st);
    if (*status == NULL && lseek(fd, 0, SEEK_SET) < 0) {
        strbuf_fail(why, errno, "lseek: %s", strerror(errno));
        *status = "4.3.0";
    }
    if (*status != NULL) {
        close(fd);
        return -1;
    }
    return fd;
}

/* local_command_env - the child's environment */
static void
local_command_env(LOCAL_STATE *state, const LOCAL_PRIVS *privs)
{
    const char *at = strrchr(state->rcpt, '@');
    char *local = strdup(state->rcpt);

    if (local != NULL && at != NULL)
        local[at - state->rcpt] = 0;
    clearenv();
    setenv("HOME", privs->home, 1);
    setenv("USER", privs->user, 1);
    setenv("LOGNAME", privs->user, 1);
    setenv("SHELL", privs->shell, 1);
    setenv("PATH", "/usr/bin:/bin", 1);
    setenv("SENDER", state->src->sender ? state->src->sender : "", 1);
    setenv("RECIPIENT", state->rcpt, 1);
    setenv("LOCAL", local ? local : "", 1);
    setenv("DOMAIN", at ? at + 1 : "", 1);
    setenv("EXTENSION", state->extension, 1);
}

/* local_command_child - become privs and run the command; never returns */
static void
local_command_child(LOCAL_STATE *state, const char *command,
                    const LOCAL_PRIVS *privs, int in, int out)
{
    const char *shell = *state->p->shell ? state->p->shell : "/bin/sh";

    (void) setsid();
    if (dup2(in, 0) < 0 || dup2(out, 1) < 0 || dup2(out, 2) < 0)
        _exit(LOCAL_EX_TEMPFAIL);
    if (set_eugid_privileged()) {
        /* For good: real, effective and saved IDs. */
        set_eugid_restore();
        if (setgid(privs->gid) < 0 || setgroups(1, &privs->gid) < 0 ||
            setuid(privs->uid) < 0)
            _exit(LOCAL_EX_TEMPFAIL);
    }
    if (chdir(privs->home) < 0 && chdir("/") < 0)
        _exit(LOCAL_EX_TEMPFAIL);
    local_command_env(state, privs);
    signal(SIGPIPE, SIG_DFL);
    execl(shell, shell, "-c", command, (char *) 0);
    _exit(LOCAL_EX_TEMPFAIL);
}

/* local_command_wait - collect output until exit or the time limit */
static int
local_command_wait(pid_t pid, int out, int timeout, STRBUF *output,
                   int *timed_out)
{
    time_t deadline = time(NULL) + timeout;
    struct pollfd pfd = {out, POLLIN, 0};
    char buf[1024];
    ssize_t n = 1;
    int status = 0;

    *timed_out = 0;
    while (n > 0) {
        if (time(NULL) >= deadline) {
            *timed_out = 1;
            kill(-pid, SIGKILL);
            break;
        }
        if (poll(&pfd, 1, 1000) <= 0)
            continue;
        if ((n = read(out, buf, sizeof(buf))) > 0 &&
            LEN(output) < LOCAL_OUTPUT_MAX)
            strbuf_memcat(output, buf,
                          (size_t) n < LOCAL_OUTPUT_MAX - LEN(output)
                              ? (size_t) n
                              : LOCAL_OUTPUT_MAX - LEN(output));
        if (n < 0 && errno == EINTR)
            n = 1;
    }
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        /* void */;
    return status;
}

/* local_command_outcome - what the exit status means */
static void
local_command_outcome(LOCAL_STATE *state, const char *command, int status,
                      int timed_out, STRBUF *output)
{
    STRBUF *text = strbuf_create(100);

    printable(text, STR(output), LEN(output), LOCAL_OUTPUT_MAX, '?');
    if (timed_out)
        local_outcome(state, "4.3.0", "Command time limit exceeded: \"%s\"",
                      command);
    else if (WIFSIGNALED(status))
        local_outcome(state, "4.3.0", "Command died with signal %d: \"%s\"",
                      WTERMSIG(status), command);
    else if (WEXITSTATUS(status) == 0)
        local_outcome(state, "2.0.0", "delivered to command: %s", command);
    else
        local_outcome(
            state, WEXITSTATUS(status) == LOCAL_EX_TEMPFAIL ? "4.3.0" : "5.3.0",
            "Command died with status %d: \"%s\"%s%s", WEXITSTATUS(status),
            command, LEN(text) ? ". Command output: " : "", STR(text));
    strbuf_free(text);
}

/* local_command - run command with the message on its input */
void
local_command(LOCAL_STATE *state, const char *command, const LOCAL_PRIVS *privs)
{
    STRBUF *why = strbuf_create(100);
    STRBUF *output = strbuf_create(100);
    const char *status = NULL;
    int in, pipefd[2], timed_out, wstatus;
    pid_t pid;

    if ((in = local_command_input(state, why, &status)) < 0) {
        local_outcome(state, status, "cannot run command: %s", STR(why));
    } else if (pipe2(pipefd, O_CLOEXEC) < 0) {
        local_outcome(state, "4.3.0", "cannot run command: pipe: %s",
                      strerror(errno));
        close(in);
    } else if ((pid = fork()) < 0) {
        local_outcome(state, "4.3.0", "cannot run command: fork: %s",
                      strerror(errno));
        close(in);
        close(pipefd[0]);
        close(pipefd[1]);
    } else {
        if (pid == 0)
            local_command_child(state, command, privs, in, pipefd[1]);
        close(pipefd[1]);
        close(in);
        wstatus = local_command_wait(pid, pipefd[0],
                                     state->p->command_timeout, output,
                                     &timed_out);
        close(pipefd[0]);
        local_command_outcome(state, command, wstatus, timed_out, output);
    }
    strbuf_free(why);
    strbuf_free(output);
}

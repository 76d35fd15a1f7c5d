#ifndef PROC_H
#define PROC_H

/*
 * proc - process helpers: descriptors, titles, spawning and reaping.
 *
 * proc_spawn() starts a program with a chosen stdin/stdout/stderr, working
 * directory, identity and environment, and returns its pid, or -1 with
 * errno set, also when the child failed before or in execve() (the
 * child's errno comes back over a close-on-exec pipe).  proc_wait() reaps
 * with a time limit (-1 and ETIMEDOUT when it runs out, the child left
 * alone); proc_command() runs a program to completion with input,
 * captured output and a time limit, past which it kills that child by pid
 * and reaps it.  The caller owns every string and vector it passes;
 * proc_clean_env() appends to a vector the caller owns.  Misuse (a pid
 * <= 0, a uid without a gid) panics.
 */
#include <stddef.h>
#include <sys/types.h>

#include "argv.h"
#include "strbuf.h"

/* The environment a child gets when the caller passes none. */
#define PROC_DEF_PATH "PATH=/usr/bin:/bin"

/*
 * How proc_close_with() closes descriptors.  It returns the way used, or
 * -1 when the one asked for is not available.
 */
#define PROC_CLOSE_AUTO  0 /* the first that works of the below */
#define PROC_CLOSE_RANGE 1 /* close_range(2) */
#define PROC_CLOSE_PROC  2 /* walk /proc/self/fd */
#define PROC_CLOSE_LOOP  3 /* every number up to the descriptor limit */

/* What proc_spawn() sets up; proc_opts_init() fills in the defaults. */
typedef struct PROC_OPTS {
    int stdin_fd;    /* made the child's fd 0; -1: /dev/null */
    int stdout_fd;   /* made the child's fd 1; -1: /dev/null */
    int stderr_fd;   /* made the child's fd 2; -1: /dev/null */
    const char *cwd; /* chdir() here after switching identity; NULL: stay */
    uid_t uid;       /* become this user (needs gid); -1: stay */
    gid_t gid;       /* become this group, the only one; -1: stay */
    int keep_fds;    /* 0: close every other descriptor (default) */
} PROC_OPTS;

/* One run of proc_command(): what to run and feed, where results go. */
typedef struct PROC_COMMAND {
    const char *path;      /* program, not searched in PATH */
    char *const *argv;     /* its arguments, argv[0] included */
    char *const *envp;     /* its environment; NULL: PROC_DEF_PATH alone */
    const PROC_OPTS *opts; /* NULL: defaults; stdin and stdout replaced */
    const char *input;     /* written to its stdin, may be NULL */
    size_t input_len;      /* bytes of input */
    int merge_stderr;      /* stderr goes to output too */
    size_t output_max;     /* output bytes kept; the rest is dropped */
    int timeout_ms;        /* limit on the whole run; < 0: none */
    int status;            /* result: wait status */
    int truncated;         /* result: output passed output_max */
} PROC_COMMAND;

extern void proc_close_inherited(int lowfd);
extern int proc_close_with(int lowfd, int method);

extern void proc_title_init(int argc, char **argv);
extern void proc_set_title(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));

extern void proc_opts_init(PROC_OPTS *opts);
extern pid_t proc_spawn(const char *path, char *const argv[],
                        char *const envp[], const PROC_OPTS *opts);
extern int proc_wait(pid_t pid, int *status, int timeout_ms);
extern int proc_kill_wait(pid_t pid, int *status, int grace_ms);
extern int proc_command(PROC_COMMAND *cmd, STRBUF *output);
extern ARGV *proc_clean_env(ARGV *env, const char *keep_list);

#endif

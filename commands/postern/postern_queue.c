/*
 * postern_queue - `postern queue ARGS`: run postqueue(1) with ARGS.
 *
 * postqueue is the setgid program that unprivileged users run; this
 * subcommand only finds it and replaces itself with it, passing -c DIR
 * on as MAIL_CONFIG (postqueue decides whether to trust it).  The
 * program is command_directory/postqueue; when that is missing (a
 * development tree, where command_directory holds only postern), the
 * one built beside this postern (../postqueue/postqueue).  Exit status:
 * postqueue's; 1 when it cannot be run.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mail_conf.h"
#include "msg.h"
#include "mymalloc.h"
#include "postern.h"
#include "strbuf.h"

/* queue_program - the postqueue to run, in path */
static int
queue_program(STRBUF *path)
{
    char self[PATH_MAX], *slash;
    char *dir;
    ssize_t n;

    postern_conf_load_optional();
    dir = mail_conf_str("command_directory");
    strbuf_sprintf(path, "%s/postqueue", dir);
    free(dir);
    if (access(STR(path), X_OK) == 0)
        return 0;
    n = readlink("/proc/self/exe", self, sizeof(self) - 1);
    if (n <= 0)
        return -1;
    self[n] = 0;
    if ((slash = strrchr(self, '/')) == NULL)
        return -1;
    *slash = 0;
    strbuf_sprintf(path, "%s/../postqueue/postqueue", self);
    return access(STR(path), X_OK);
}

/* queue_main - exec postqueue with our arguments */
int
queue_main(int argc, char **argv)
{
    STRBUF *path = strbuf_create(100);
    char **args = mycalloc((size_t) argc + 1, sizeof(char *));
    int i;

    if (argc > 1 && strcmp(argv[1], "--help") == 0) {
        printf("usage: postern queue [-c DIR] [-v] -p | -j | -f | "
               "-i QUEUE_ID | -s SITE\n");
        return 0;
    }
    if (queue_program(path) < 0) {
        msg_warn("cannot find postqueue (command_directory): %s", STR(path));
        return 1;
    }
    args[0] = "postqueue";
    for (i = 1; i < argc; i++)
        args[i] = argv[i];
    if (setenv("MAIL_CONFIG", postern_config_dir, 1) < 0)
        msg_fatal("setenv: %m");
    execv(STR(path), args);
    msg_warn("run %s: %m", STR(path));
    return 1;
}

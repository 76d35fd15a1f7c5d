/*
 * postern - the control command: `postern [-c DIR] COMMAND [ARGS]`.
 *
 * Dispatches to the subcommands listed below; each has --help and a man
 * page.  The configuration folder comes from -c (before or after the
 * subcommand), else MAIL_CONFIG, else the build default.  Exit status: the
 * subcommand's, 1 on a usage error.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mail_conf.h"
#include "mail_dict.h"
#include "mail_params.h"
#include "mail_version.h"
#include "msg.h"
#include "postern.h"
#include "strbuf.h"

const char *postern_config_dir;

static const struct {
    const char *name;
    int (*main_fn)(int, char **);
    const char *summary;
} commands[] = {
    {"conf", conf_main, "print or edit main.cf and master.cf (like postconf)"},
    {"map", map_main, "build and query lookup tables (like postmap)"},
    {"alias", alias_main, "build and query alias databases (like postalias)"},
    {"start", start_main, "check the instance, then start master"},
    {"stop", stop_main, "stop master and wait until every process is gone"},
    {"abort", abort_main, "stop master and its children at once"},
    {"reload", reload_main, "re-read main.cf and master.cf (SIGHUP)"},
    {"status", status_main, "exit 0 only when the instance runs"},
    {"check", check_main, "check and create the queue tree; report problems"},
    {"flush", flush_main, "ask qmgr to deliver deferred mail now"},
    {"set-permissions", set_permissions_main,
     "fix owners and modes of the queue tree"},
    {"log", log_main, "write a line to the mail log (like postlog)"},
    {"queue", queue_main, "list or flush the queue (like postqueue)"},
    {"super", super_main, "delete, hold, release, requeue (like postsuper)"},
    {"cat", cat_main, "print a queue file (like postcat)"},
    {"drop", drop_main, "store a message in maildrop/ (like postdrop)"},
};

#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

/* usage - list the subcommands */
static int
usage(FILE *fp, int status)
{
    size_t i;

    fprintf(fp, "usage: postern [-c CONFIG_DIR] COMMAND [ARGS]\n\n"
                "commands:\n");
    for (i = 0; i < NCOMMANDS; i++)
        fprintf(fp, "  %-16s %s\n", commands[i].name, commands[i].summary);
    fprintf(fp, "  %-16s %s\n  %-16s %s\n", "help", "this list", "version",
            "print the release");
    fprintf(fp, "\nEach command takes --help; see also postern(1).\n");
    return status;
}

/* postern_set_config_dir - record the configuration folder */
void
postern_set_config_dir(const char *dir)
{
    if (dir[0] != '/')
        msg_fatal("-c %s: the configuration folder must be an absolute path",
                  dir);
    postern_config_dir = dir;
}

/* postern_conf_load_optional - main.cf of postern_config_dir, if any */
void
postern_conf_load_optional(void)
{
    STRBUF *err = strbuf_create(100);
    STRBUF *path = strbuf_create(100);

    /* Without main.cf the defaults hold; a broken one is fatal. */
    strbuf_sprintf(path, "%s/main.cf", postern_config_dir);
    if (access(STR(path), F_OK) == 0 &&
        mail_conf_load(postern_config_dir, NULL, err) < 0)
        msg_fatal("%s", STR(err));
    strbuf_free(path);
    strbuf_free(err);
}

/* plain_usage - the usage line of a subcommand without options of its own */
static int
plain_usage(const char *cmd, int status)
{
    fprintf(status ? stderr : stdout, "usage: postern %s [-c DIR] [-v]\n", cmd);
    return status;
}

/* postern_plain_args - -c, -v, --help; 0 to go on, else exit status + 1 */
int
postern_plain_args(int argc, char **argv)
{
    int ch;

    if (argc > 1 && strcmp(argv[1], "--help") == 0)
        return plain_usage(argv[0], 0) + 1;
    optind = 1;
    while ((ch = getopt(argc, argv, "c:v")) > 0) {
        if (ch == 'c')
            postern_set_config_dir(optarg);
        else if (ch == 'v')
            msg_verbose++;
        else
            return plain_usage(argv[0], 1) + 1;
    }
    if (optind != argc)
        return plain_usage(argv[0], 1) + 1;
    return 0;
}

int
main(int argc, char **argv)
{
    const char *env;
    size_t i;

    msg_set_progname("postern");
    mail_dict_init();
    if ((env = getenv("MAIL_CONFIG")) != NULL && *env)
        postern_set_config_dir(env);
    else
        postern_config_dir = DEF_CONFIG_DIR;
    while (argc > 2 && strcmp(argv[1], "-c") == 0) {
        postern_set_config_dir(argv[2]);
        argc -= 2;
        argv += 2;
    }
    if (argc < 2)
        return usage(stderr, 1);
    if (strcmp(argv[1], "help") == 0 || strcmp(argv[1], "--help") == 0)
        return usage(stdout, 0);
    if (strcmp(argv[1], "version") == 0 || strcmp(argv[1], "--version") == 0) {
        printf("%s\n", mail_version_string());
        return 0;
    }
    for (i = 0; i < NCOMMANDS; i++)
        if (strcmp(argv[1], commands[i].name) == 0)
            return commands[i].main_fn(argc - 1, argv + 1);
    msg_warn("unknown command: %s", argv[1]);
    return usage(stderr, 1);
}

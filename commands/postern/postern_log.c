/*
 * postern_log - `postern log`: write lines to the mail log, like
 * Postfix's postlog(1).
 *
 *   postern log [-c DIR] [-i] [-p PRIORITY] [-t TAG] [-v] [TEXT ...]
 *
 * The arguments, joined by spaces, make one line; without any, each
 * line of standard input is one (empty lines are skipped, a line longer
 * than msg.h's MSG_LINE_MAX is cut).  Lines go where main.cf sends every
 * process's lines (maillog_client): syslog, or the postlog service; run
 * by root while the service is absent, the file itself.  PRIORITY is
 * info (default), warn, error, fatal or panic: the word put before the
 * text, nothing more (postern log never exits early).  TAG names the
 * lines postern/TAG (default postern/postlog).  -i is accepted for
 * compatibility: every line carries the pid.  -v copies lines to stderr.
 * Exit status: 0; 1 on a usage error or when a line was dropped.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "mail_conf.h"
#include "maillog_client.h"
#include "msg.h"
#include "postern.h"
#include "strbuf.h"

/* How long a line may wait for room in the postlog socket. */
#define LOG_WAIT_MS 2000

/* Priorities -p accepts. */
static const struct {
    const char *name;
    int level;
} priorities[] = {
    {"info", MSG_INFO},    {"notice", MSG_INFO}, {"warn", MSG_WARN},
    {"warning", MSG_WARN}, {"error", MSG_ERROR}, {"err", MSG_ERROR},
    {"fatal", MSG_FATAL},  {"crit", MSG_FATAL},  {"panic", MSG_PANIC},
};

/* log_usage - how to call it */
static int
log_usage(int status)
{
    fprintf(status ? stderr : stdout,
            "usage: postern log [-c DIR] [-i] [-p PRIORITY] [-t TAG] [-v] "
            "[TEXT ...]\n"
            "  PRIORITY: info, warn, error, fatal or panic; without TEXT, "
            "each line of\n  standard input is logged\n");
    return status;
}

/* priority_level - -p's argument as a msg level, -1 when unknown */
static int
priority_level(const char *name)
{
    size_t i;

    for (i = 0; i < sizeof(priorities) / sizeof(priorities[0]); i++)
        if (strcasecmp(name, priorities[i].name) == 0)
            return priorities[i].level;
    return -1;
}

/* log_text - one line at the level given (msg_fatal would exit) */
static void MSG_ATTR(2, 3) log_text(int level, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    msg_vprintf(level, fmt, ap);
    va_end(ap);
}

/* log_args - the arguments, joined, as one line */
static void
log_args(int level, int argc, char **argv)
{
    STRBUF *text = strbuf_create(100);
    int i;

    for (i = 0; i < argc; i++)
        strbuf_sprintf_cat(text, i ? " %s" : "%s", argv[i]);
    log_text(level, "%s", STR(text));
    strbuf_free(text);
}

/* log_stdin - each line of standard input as one line */
static void
log_stdin(int level)
{
    char line[MSG_LINE_MAX + 2];
    int ch;
    size_t n;

    while (fgets(line, sizeof(line), stdin) != NULL) {
        n = strcspn(line, "\n");
        /* A line too long for one log line: cut, and skip the rest. */
        if (line[n] != '\n')
            while ((ch = getchar()) != EOF && ch != '\n')
                /* void */;
        line[n] = 0;
        if (n > 0)
            log_text(level, "%s", line);
    }
}

/* log_init - main.cf, if there is one, then this command's channel */
static void
log_init(const char *tag, int flags)
{
    postern_conf_load_optional();
    /* Root may write the file itself while the postlog service is down. */
    if (getuid() == 0)
        flags |= MAILLOG_CLIENT_DIRECT;
    maillog_client_init(tag, flags);
    msg_dgram_wait(LOG_WAIT_MS);
}

/* log_main - postern log */
int
log_main(int argc, char **argv)
{
    const char *tag = "postlog";
    int level = MSG_INFO, flags = 0, ch;

    if (argc > 1 && strcmp(argv[1], "--help") == 0)
        return log_usage(0);
    optind = 1;
    while ((ch = getopt(argc, argv, "+c:ip:t:v")) > 0) {
        switch (ch) {
            case 'c':
                postern_set_config_dir(optarg);
                break;
            case 'i':
                break;
            case 'p':
                if ((level = priority_level(optarg)) < 0)
                    return log_usage(1);
                break;
            case 't':
                if (*(tag = optarg) == 0 || strchr(tag, '/') != NULL)
                    return log_usage(1);
                break;
            case 'v':
                flags |= MAILLOG_CLIENT_STDERR;
                break;
            default:
                return log_usage(1);
        }
    }
    log_init(tag, flags);
    if (optind < argc)
        log_args(level, argc - optind, argv + optind);
    else
        log_stdin(level);
    return msg_dgram_drops() > 0;
}

/*
 * postdrop - store a locally submitted message in maildrop/; installed
 * setgid setgid_group (never setuid), like Postfix's postdrop(1).
 *
 *   postdrop [-c CONFIG_DIR] [-r] [-v]
 *
 * Standard input is a maildrop record stream (docs/queue-format.md,
 * "Maildrop files", written by sendmail through maildrop.h).  It is
 * validated while it is copied to a new maildrop/ID (mail_queue_enter),
 * with content bounded by message_size_limit; then the file is made
 * complete (flush, fsync, mode 0744 with the owner execute bit as the
 * mark, fsync, fsync of maildrop/) and pickup is woken (a lost wakeup
 * costs one pickup poll).  Exit 0 only once the file is durable; -r then
 * prints the queue ID on standard output.  Errors go to standard error:
 * EX_USAGE (64), EX_DATAERR (65) for malformed input or too large
 * content, EX_NOPERM (77) for a configuration folder we may not use,
 * EX_TEMPFAIL (75) when the queue cannot be written.  Any failure and
 * SIGHUP, SIGINT, SIGTERM remove the partial file.
 *
 * Privilege: the environment is cleared first; a configuration folder
 * other than the default (-c or MAIL_CONFIG) is honoured only for root or
 * when the default main.cf lists it in alternate_config_directories.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

#include "argv.h"
#include "fsync_dir.h"
#include "mail_conf.h"
#include "mail_proto.h"
#include "mail_queue.h"
#include "maildrop.h"
#include "msg.h"
#include "mymalloc.h"
#include "stringops.h"

/* The complete mark of a maildrop file: owner execute; readable by pickup
 * (mail_owner owns maildrop/, mode 0730, so no one else gets in). */
#define POSTDROP_MODE_COMPLETE 0744

/* How long the pickup wakeup may take. */
#define POSTDROP_TRIGGER_MS 1000

/* The partial file, for the signal handler: a fixed array, set once. */
static char postdrop_path[4096];

/* postdrop_sig - remove the partial file and leave */
static void
postdrop_sig(int sig)
{
    /* unlink and _exit are async-signal-safe; nothing else runs here. */
    (void) sig;
    if (postdrop_path[0])
        (void) unlink(postdrop_path);
    _exit(EX_TEMPFAIL);
}

/* die - a message on stderr, the partial file removed, exit status */
static void MSG_ATTR(2, 3) die(int status, const char *fmt, ...)
{
    va_list ap;

    if (postdrop_path[0])
        (void) unlink(postdrop_path);
    va_start(ap, fmt);
    fprintf(stderr, "postdrop: ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n");
    va_end(ap);
    exit(status);
}

/* sanitize - the standard descriptors open, a clean environment */
static void
sanitize(void)
{
    int fd;

    /* A closed 0, 1 or 2 would make our new file one of them. */
    for (fd = 0; fd < 3; fd++)
        if (fcntl(fd, F_GETFD) < 0 && open("/dev/null", O_RDWR) != fd)
            _exit(EX_OSERR);
    umask(077);
    if (clearenv() != 0)
        _exit(EX_OSERR);
    setenv("PATH", "/usr/bin:/bin", 1);
    setenv("LANG", "C", 1);
}

/* listed - whether dir is in the default main.cf's alternate list */
static int
listed(const char *dir)
{
    STRBUF *err = strbuf_create(100);
    ARGV *alt;
    int found = 0;
    size_t i;

    if (mail_conf_load(DEF_CONFIG_DIR, NULL, err) == 0) {
        alt = argv_split(mail_conf_str("alternate_config_directories"),
                         ", \t\r\n");
        for (i = 0; i < alt->argc && !found; i++)
            found = strcmp(alt->argv[i], dir) == 0;
        argv_free(alt);
    } else {
        fprintf(stderr, "postdrop: %s\n", STR(err));
    }
    mail_conf_reset();
    strbuf_free(err);
    return found;
}

/* config_dir - the folder to load, refusing one we may not use */
static const char *
config_dir(const char *asked)
{
    if (asked == NULL || *asked == 0 || strcmp(asked, DEF_CONFIG_DIR) == 0)
        return DEF_CONFIG_DIR;
    if (asked[0] != '/')
        die(EX_USAGE,
            "%s: the configuration folder must be an absolute "
            "path",
            asked);
    if (getuid() != 0 && !listed(asked))
        die(EX_NOPERM,
            "%s: permission denied: not the default "
            "configuration folder, and not listed in "
            "alternate_config_directories of %s/main.cf",
            asked, DEF_CONFIG_DIR);
    return asked;
}

/* catch_signals - remove the partial file on HUP, INT, TERM */
static void
catch_signals(void)
{
    struct sigaction sa;

    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = postdrop_sig;
    sigfillset(&sa.sa_mask);
    sigaction(SIGHUP, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
}

/* block_signals - no interruption between the complete mark and exit */
static void
block_signals(void)
{
    sigset_t set;

    sigemptyset(&set);
    sigaddset(&set, SIGHUP);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    sigprocmask(SIG_BLOCK, &set, NULL);
}

/* create_file - a new maildrop file; its stream and ID */
static STREAM *
create_file(MAIL_QUEUE *mq, STRBUF *id)
{
    STRBUF *why = strbuf_create(100);
    STRBUF *path = strbuf_create(100);
    int fd;

    if ((fd = mail_queue_enter(mq, MAIL_QUEUE_MAILDROP, id, why)) < 0)
        die(EX_TEMPFAIL, "cannot create a file in the maildrop queue: %s",
            STR(why));
    if (mail_queue_path(mq, path, MAIL_QUEUE_MAILDROP, STR(id), why) < 0 ||
        LEN(path) >= sizeof(postdrop_path))
        die(EX_TEMPFAIL, "maildrop file path: %s", STR(why));
    memcpy(postdrop_path, STR(path), LEN(path) + 1);
    strbuf_free(why);
    strbuf_free(path);
    return stream_fdopen(fd, O_WRONLY);
}

/* copy_input - validate stdin while copying it to the file */
static void
copy_input(STREAM *dst)
{
    STREAM *in = stream_fdopen(0, O_RDONLY);
    STRBUF *why = strbuf_create(100);
    MAILDROP_LIMITS lim;
    MAILDROP *md;
    int ret;

    maildrop_limits_init(&lim);
    lim.max_content = mail_conf_long("message_size_limit");
    ret = maildrop_read(in, &lim, dst, &md, why);
    if (ret == MAILDROP_BAD)
        die(EX_DATAERR, "malformed input: %s", STR(why));
    if (ret == MAILDROP_TOOBIG)
        die(EX_DATAERR, "message too large: %s (message_size_limit)", STR(why));
    if (ret != MAILDROP_OK)
        die(stream_error(dst) ? EX_TEMPFAIL : EX_IOERR,
            "cannot copy the message: %s", STR(why));
    maildrop_free(md);
    strbuf_free(why);
    stream_free(in);
}

/* commit - the completion rule of docs/queue-format.md */
static void
commit(STREAM *dst, const MAIL_QUEUE *mq)
{
    int fd = stream_fd(dst);
    STRBUF *dir = strbuf_create(100);

    block_signals();
    if (stream_flush(dst) < 0 || stream_error(dst) || fsync(fd) < 0 ||
        fchmod(fd, POSTDROP_MODE_COMPLETE) < 0 || fsync(fd) < 0)
        die(EX_TEMPFAIL, "%s: write: %s", postdrop_path, strerror(errno));
    if (stream_close(dst) < 0)
        die(EX_TEMPFAIL, "%s: close: %s", postdrop_path, strerror(errno));
    strbuf_sprintf(dir, "%s/%s", mail_queue_top(mq), MAIL_QUEUE_MAILDROP);
    if (fsync_dir(STR(dir)) < 0)
        die(EX_TEMPFAIL, "%s: fsync: %s", STR(dir), strerror(errno));
    strbuf_free(dir);
}

/* usage - how to call it */
static void
usage(void)
{
    die(EX_USAGE, "usage: postdrop [-c CONFIG_DIR] [-r] [-v]");
}

int
main(int argc, char **argv)
{
    const char *asked = getenv("MAIL_CONFIG");
    STRBUF *err = strbuf_create(100);
    STRBUF *id = strbuf_create(40);
    int report = 0;
    MAIL_QUEUE *mq;
    STREAM *dst;
    int ch;

    asked = asked ? mystrdup(asked) : NULL;
    sanitize();
    msg_set_progname("postdrop");
    while ((ch = getopt(argc, argv, "c:rv")) > 0) {
        if (ch == 'c')
            asked = optarg;
        else if (ch == 'r')
            report = 1;
        else if (ch == 'v')
            msg_verbose++;
        else
            usage();
    }
    if (optind != argc)
        usage();
    asked = config_dir(asked);
    if (access(asked, F_OK) == 0 && mail_conf_load(asked, NULL, err) < 0)
        die(EX_TEMPFAIL, "%s", STR(err));
    mq = mail_queue_create(mail_conf_str("queue_directory"),
                           mail_conf_str("hash_queue_names"),
                           (int) mail_conf_long("hash_queue_depth"));
    catch_signals();
    dst = create_file(mq, id);
    copy_input(dst);
    commit(dst, mq);
    (void) mail_trigger(mail_queue_top(mq), MAIL_CLASS_PUBLIC, "pickup",
                        (char[]){TRIGGER_REQ_WAKEUP}, 1, POSTDROP_TRIGGER_MS);
    if (report && printf("%s\n", STR(id)) < 0)
        return EX_IOERR;
    return 0;
}

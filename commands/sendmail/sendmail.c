/*
 * sendmail - the sendmail-compatible submission command (also run as
 * mailq and newaliases), like Postfix's sendmail(1).
 *
 * It never touches the queue: a message (-bm, the default) becomes a
 * maildrop record stream (docs/queue-format.md, "Maildrop files") piped
 * to command_directory/postdrop, and the exit status is postdrop's, so 0
 * means the file is durable.  -bs speaks SMTP on stdin/stdout with one
 * postdrop run per message (sendmail_smtp.c).  -bp, -q, -qR, -bi and -bd
 * execute postqueue, newaliases or `postern start`.
 *
 * Exit codes are sysexits(3): EX_USAGE for a bad command line or no
 * recipients, EX_DATAERR for a message over message_size_limit,
 * EX_TEMPFAIL when the mail system is down (no queue folder, postdrop
 * missing, postdrop killed); otherwise postdrop's own exit status.
 */
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "argv.h"
#include "mail_conf.h"
#include "mail_params.h"
#include "msg.h"
#include "mymalloc.h"
#include "qfile.h"
#include "rec_type.h"
#include "record.h"
#include "sendmail.h"

#define SM_USAGE                                                               \
    "usage: sendmail [-bm|-bs|-bp|-bi|-bd|-q] [-t] [-i] [-f sender] "          \
    "[-F name] [-N dsn] [-R ret] [-V envid] [-B body] [-C config] [-v] "       \
    "[recipient...]"

/* fatal_down - the mail system cannot take the message now */
static void __attribute__((noreturn)) fatal_down(const char *reason)
{
    msg_fatal_status(SM_EX_TEMPFAIL, "mail system is down or misconfigured: %s",
                     reason);
}

/* load_config - -C (a file means its folder), MAIL_CONFIG, the default */
static void
load_config(const char *arg)
{
    STRBUF *dir = strbuf_create(100);
    STRBUF *err = strbuf_create(100);
    const char *slash;
    struct stat sb;

    if (arg == NULL && (arg = getenv("MAIL_CONFIG")) == NULL)
        arg = DEF_CONFIG_DIR;
    strbuf_strcpy(dir, arg);
    if (stat(arg, &sb) == 0 && S_ISREG(sb.st_mode)) {
        slash = strrchr(arg, '/');
        strbuf_memcpy(dir, slash ? arg : ".",
                      slash ? (size_t) (slash - arg) + (slash == arg) : 1);
    }
    if (mail_conf_load(STR(dir), NULL, err) < 0)
        fatal_down(STR(err));
    strbuf_free(dir);
    strbuf_free(err);
}

/* exec_command - run command_directory/name with args; never returns */
static void __attribute__((noreturn)) exec_command(const char *name, ARGV *args)
{
    char *cmd_dir = mail_conf_str("command_directory");
    STRBUF *path = strbuf_create(100);

    strbuf_sprintf(path, "%s/%s", cmd_dir, name);
    argv_insert(args, 0, name);
    if (setenv("MAIL_CONFIG", mail_conf_config_dir(), 1) < 0)
        msg_fatal("setenv: %s", strerror(errno));
    if (msg_verbose)
        msg_info("execute %s", STR(path));
    execv(STR(path), args->argv);
    strbuf_sprintf(path, "execute %s/%s: %s", cmd_dir, name, strerror(errno));
    fatal_down(STR(path));
}

/* add_verbose - one -v per -v we got */
static ARGV *
add_verbose(ARGV *args, int verbose)
{
    int i;

    for (i = 0; i < verbose && i < 5; i++)
        argv_add(args, "-v");
    return args;
}

/* run_other - the modes that execute another program */
static void __attribute__((noreturn)) run_other(const SENDMAIL_OPTS *opts)
{
    ARGV *args = add_verbose(argv_alloc(6), opts->verbose);

    switch (opts->mode) {
        case SM_MODE_LISTQ:
            argv_add(args, "-p");
            exec_command("postqueue", args);
        case SM_MODE_FLUSH:
            argv_add(args, "-f");
            exec_command("postqueue", args);
        case SM_MODE_FLUSH_TO:
            argv_add(args, "-s");
            argv_add(args, opts->site);
            exec_command("postqueue", args);
        case SM_MODE_NEWALIAS:
            argv_add(args, "-C");
            argv_add(args, mail_conf_config_dir());
            if (opts->alias_file != NULL) {
                argv_add(args, "-oA");
                argv_add(args, opts->alias_file);
            }
            exec_command("newaliases", args);
        default:
            argv_truncate(args, 0);
            argv_add(args, "start");
            exec_command("postern", args);
    }
}

/* printable_name - control characters of a full name become spaces */
static char *
printable_name(char *name)
{
    char *p;

    for (p = name; *p; p++)
        if ((unsigned char) *p < 0x20 || *p == 0x7f)
            *p = ' ';
    return name;
}

/* env_sender - -f or the login name of the real uid, and the full name */
static void
env_sender(SENDMAIL_ENV *env, const SENDMAIL_OPTS *opts, STRBUF *buf)
{
    struct passwd *pw = getpwuid(getuid());
    const char *name;

    if (opts->sender != NULL) {
        sendmail_strip_addr(buf, opts->sender, strlen(opts->sender));
        sendmail_env_set(&env->sender, STR(buf));
    } else if (pw != NULL) {
        sendmail_env_set(&env->sender, pw->pw_name);
    } else {
        msg_fatal_status(SM_EX_TEMPFAIL, "no login name for user ID %ld",
                         (long) getuid());
    }
    if ((name = opts->full_name) == NULL && (name = getenv("NAME")) == NULL &&
        pw != NULL && pw->pw_gecos != NULL)
        name = STR(sendmail_gecos_name(buf, pw->pw_gecos));
    if (name != NULL && *name != 0) {
        sendmail_env_set(&env->full_name, name);
        printable_name(env->full_name);
    }
}

/* build_env - the envelope of the command line */
static SENDMAIL_ENV *
build_env(const SENDMAIL_OPTS *opts, int argc, char **argv)
{
    SENDMAIL_ENV *env = sendmail_env_create();
    STRBUF *buf = strbuf_create(100);
    int i;

    env_sender(env, opts, buf);
    sendmail_env_set(&env->envid, opts->envid);
    sendmail_env_set(&env->ret, opts->ret);
    sendmail_env_set(&env->encoding, opts->encoding);
    env->extract = opts->extract;
    if (argc - opts->first_rcpt > QFILE_DEF_MAX_RCPT)
        msg_fatal_status(SM_EX_USAGE, "too many recipients (at most %d)",
                         QFILE_DEF_MAX_RCPT);
    for (i = opts->first_rcpt; i < argc; i++) {
        sendmail_strip_addr(buf, argv[i], strlen(argv[i]));
        if (LEN(buf) == 0)
            msg_fatal_status(SM_EX_USAGE, "empty recipient address");
        sendmail_env_add_rcpt(env, STR(buf), opts->dsn_notify, NULL);
    }
    strbuf_free(buf);
    return env;
}

/* copy_limits - line_length_limit and message_size_limit */
static void
copy_limits(SENDMAIL_COPY *cp)
{
    long line = mail_conf_long("line_length_limit");

    memset(cp, 0, sizeof(*cp));
    cp->line_limit = line < 1                      ? 1
                     : line > QFILE_DEF_MAX_RECORD ? QFILE_DEF_MAX_RECORD
                                                   : (size_t) line;
    cp->size_limit = mail_conf_long("message_size_limit");
}

/* deliver_finish - end the postdrop run after a copy result; exit status */
static int
deliver_finish(SENDMAIL_DROP *drop, int rc, SENDMAIL_ENV *env, STREAM *in,
               STRBUF *why)
{
    int status =
        sendmail_drop_close(drop, rc == SM_COPY_OK || rc == SM_COPY_WRITE);

    sendmail_env_free(env);
    stream_free(in);
    strbuf_free(why);
    if (rc == SM_COPY_TOOBIG)
        msg_fatal_status(SM_EX_DATAERR, "message file too big");
    if (rc == SM_COPY_READ)
        msg_fatal_status(SM_EX_TEMPFAIL, "error reading input: %s",
                         strerror(errno));
    if (rc == SM_COPY_WRITE && status == 0)
        status = SM_EX_TEMPFAIL;
    if (status != 0 && msg_verbose)
        msg_info("postdrop exited with status %d", status);
    return status;
}

/* deliver - stdin to postdrop; the exit status */
static int
deliver(const SENDMAIL_OPTS *opts, int argc, char **argv)
{
    SENDMAIL_ENV *env = build_env(opts, argc, argv);
    STREAM *in = stream_fdopen(0, O_RDONLY);
    STRBUF *why = strbuf_create(100);
    SENDMAIL_DROP *drop;
    SENDMAIL_COPY cp;
    STREAM *out;
    int rc;

    if (env->rcpt_count == 0 && !opts->extract)
        msg_fatal_status(SM_EX_USAGE, "no recipients specified");
    if ((drop = sendmail_drop_open(opts->verbose, why)) == NULL)
        fatal_down(STR(why));
    out = sendmail_drop_stream(drop);
    copy_limits(&cp);
    cp.flags = SM_COPY_SKIP_FROM | (opts->ignore_dot ? 0 : SM_COPY_DOT);
    if (sendmail_env_put(out, env) < 0)
        rc = SM_COPY_WRITE;
    else
        rc = sendmail_copy(in, out, &cp);
    if (rc == SM_COPY_OK && (rec_put(out, REC_TYPE_XTRA, "", 0) < 0 ||
                             rec_put(out, REC_TYPE_END, "", 0) < 0))
        rc = SM_COPY_WRITE;
    return deliver_finish(drop, rc, env, in, why);
}

/* smtp - -bs */
static int
smtp(const SENDMAIL_OPTS *opts)
{
    STREAM *in = stream_fdopen(0, O_RDONLY);
    STREAM *out = stream_fdopen(1, O_WRONLY);
    int rc = sendmail_smtp(in, out, opts->verbose);

    stream_free(in);
    stream_free(out);
    return rc;
}

int
main(int argc, char **argv)
{
    SENDMAIL_OPTS opts;
    STRBUF *why = strbuf_create(100);

    /* A dead postdrop must show as a write error, not kill us. */
    signal(SIGPIPE, SIG_IGN);
    msg_set_progname("sendmail");
    sendmail_opts_init(&opts, argv[0]);
    if (sendmail_opts_parse(argc, argv, &opts, why) < 0) {
        msg_error("%s", STR(why));
        msg_fatal_status(SM_EX_USAGE, "%s", SM_USAGE);
    }
    strbuf_free(why);
    msg_verbose = opts.verbose;
    if (opts.log_name != NULL)
        msg_set_syslog_name(opts.log_name);
    if (opts.log_file != NULL)
        msg_warn("-X option ignored");
    if (opts.mode == SM_MODE_IGNORE)
        return 0;
    load_config(opts.config_dir);
    if (opts.mode == SM_MODE_SMTP)
        return smtp(&opts);
    if (opts.mode != SM_MODE_DELIVER)
        run_other(&opts);
    return deliver(&opts, argc, argv);
}

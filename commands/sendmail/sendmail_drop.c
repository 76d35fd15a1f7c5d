/*
 * sendmail_drop - the maildrop envelope, and one run of postdrop.
 *
 * SENDMAIL_ENV holds what goes before the content: attributes, sender,
 * recipients with their DSN settings.  sendmail_env_create() returns one
 * the caller frees with sendmail_env_free(); it owns copies of all its
 * strings.  sendmail_env_put() writes, in the order of
 * docs/queue-format.md "Maildrop files", the A records, S, each
 * recipient's n and o records then R, and M; it returns 0, or -1 when
 * the stream failed.
 *
 * sendmail_drop_open() starts command_directory/postdrop with a pipe on
 * its standard input, the configuration folder in MAIL_CONFIG and the
 * variables import_environment names; its output goes to our standard
 * error.  It returns NULL with a reason when the queue folder or
 * postdrop is missing or the program cannot be started: the mail system
 * is down.  sendmail_drop_close() ends the input (finish: flush first;
 * 0: leave it unfinished so postdrop refuses it), waits for postdrop and
 * returns its exit status, or SM_EX_TEMPFAIL when it died of a signal or
 * exited 0 after a write failure.  SIGPIPE must be ignored by the caller.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "argv.h"
#include "mail_conf.h"
#include "msg.h"
#include "mymalloc.h"
#include "proc.h"
#include "rec_type.h"
#include "record.h"
#include "sendmail.h"

struct SENDMAIL_DROP {
    pid_t pid;   /* postdrop */
    STREAM *out; /* its standard input */
};

/* sendmail_env_create - an empty envelope */
SENDMAIL_ENV *
sendmail_env_create(void)
{
    return mycalloc(1, sizeof(SENDMAIL_ENV));
}

/* sendmail_env_set - replace one string field with a copy (NULL: clear) */
void
sendmail_env_set(char **field, const char *value)
{
    if (*field != NULL)
        myfree(*field);
    *field = value ? mystrdup(value) : NULL;
}

/* sendmail_env_reset - forget everything, keep the recipient array */
void
sendmail_env_reset(SENDMAIL_ENV *env)
{
    size_t i;

    sendmail_env_set(&env->sender, NULL);
    sendmail_env_set(&env->full_name, NULL);
    sendmail_env_set(&env->envid, NULL);
    sendmail_env_set(&env->ret, NULL);
    sendmail_env_set(&env->encoding, NULL);
    env->extract = 0;
    for (i = 0; i < env->rcpt_count; i++) {
        myfree(env->rcpt[i].address);
        sendmail_env_set(&env->rcpt[i].orcpt, NULL);
    }
    env->rcpt_count = 0;
}

/* sendmail_env_free - release; returns NULL */
SENDMAIL_ENV *
sendmail_env_free(SENDMAIL_ENV *env)
{
    sendmail_env_reset(env);
    if (env->rcpt != NULL)
        myfree(env->rcpt);
    myfree(env);
    return NULL;
}

/* sendmail_env_add_rcpt - append a recipient (copies) */
void
sendmail_env_add_rcpt(SENDMAIL_ENV *env, const char *addr, int notify,
                      const char *orcpt)
{
    SENDMAIL_RCPT *r;

    if (env->rcpt_count == env->rcpt_alloc) {
        env->rcpt_alloc = env->rcpt_alloc ? env->rcpt_alloc * 2 : 8;
        env->rcpt = myreallocarray(env->rcpt, env->rcpt_alloc, sizeof(*r));
    }
    r = env->rcpt + env->rcpt_count++;
    r->address = mystrdup(addr);
    r->orcpt = orcpt ? mystrdup(orcpt) : NULL;
    r->notify = notify;
}

/* env_put_attr - one A record when the value is set */
static int
env_put_attr(STREAM *st, const char *name, const char *value)
{
    if (value == NULL)
        return 0;
    return rec_printf(st, REC_TYPE_ATTR, "%s=%s", name, value) < 0 ? -1 : 0;
}

/* env_put_rcpt - [n] [o] R */
static int
env_put_rcpt(STREAM *st, const SENDMAIL_RCPT *r)
{
    if (r->notify != 0 &&
        rec_printf(st, REC_TYPE_DSN_NOTIFY, "%d", r->notify) < 0)
        return -1;
    if (r->orcpt != NULL && rec_puts(st, REC_TYPE_DSN_ORCPT, r->orcpt) < 0)
        return -1;
    return rec_puts(st, REC_TYPE_RCPT, r->address) < 0 ? -1 : 0;
}

/* sendmail_env_put - { A }... S { [n] [o] R }... M */
int
sendmail_env_put(STREAM *st, const SENDMAIL_ENV *env)
{
    size_t i;

    if (env_put_attr(st, "full_name", env->full_name) < 0 ||
        env_put_attr(st, "envid", env->envid) < 0 ||
        env_put_attr(st, "ret", env->ret) < 0 ||
        env_put_attr(st, "encoding", env->encoding) < 0 ||
        env_put_attr(st, "extract", env->extract ? "yes" : NULL) < 0)
        return -1;
    if (rec_puts(st, REC_TYPE_FROM, env->sender ? env->sender : "") < 0)
        return -1;
    for (i = 0; i < env->rcpt_count; i++)
        if (env_put_rcpt(st, env->rcpt + i) < 0)
            return -1;
    return rec_put(st, REC_TYPE_MESG, "", 0) < 0 ? -1 : 0;
}

/* drop_env - MAIL_CONFIG and the imported variables; caller frees */
static ARGV *
drop_env(void)
{
    ARGV *env = argv_alloc(8);
    STRBUF *var = strbuf_create(100);
    char *keep = mail_conf_str("import_environment");

    strbuf_sprintf(var, "MAIL_CONFIG=%s", mail_conf_config_dir());
    argv_add(env, STR(var));
    proc_clean_env(env, keep);
    myfree(keep);
    strbuf_free(var);
    return env;
}

/* drop_spawn - start postdrop on fd; pid or -1 with a reason */
static pid_t
drop_spawn(const char *path, int fd, int verbose, STRBUF *why)
{
    ARGV *args = argv_alloc(4);
    ARGV *env = drop_env();
    PROC_OPTS opts;
    pid_t pid;
    int i;

    argv_add(args, "postdrop");
    for (i = 0; i < verbose && i < 5; i++)
        argv_add(args, "-v");
    proc_opts_init(&opts);
    opts.stdin_fd = fd;
    opts.stdout_fd = 2;
    opts.stderr_fd = 2;
    if ((pid = proc_spawn(path, args->argv, env->argv, &opts)) < 0)
        strbuf_fail(why, errno, "execute %s: %s", path, strerror(errno));
    argv_free(args);
    argv_free(env);
    return pid;
}

/* sendmail_drop_open - postdrop with a pipe to it, or NULL and a reason */
SENDMAIL_DROP *
sendmail_drop_open(int verbose, STRBUF *why)
{
    char *queue = mail_conf_str("queue_directory");
    char *cmd_dir = mail_conf_str("command_directory");
    STRBUF *path = strbuf_create(100);
    SENDMAIL_DROP *drop = NULL;
    struct stat sb;
    int fds[2] = {-1, -1};
    pid_t pid;

    strbuf_sprintf(path, "%s/postdrop", cmd_dir);
    if (stat(queue, &sb) < 0)
        strbuf_fail(why, errno, "queue directory %s: %s", queue,
                    strerror(errno));
    else if (!S_ISDIR(sb.st_mode))
        strbuf_fail(why, ENOTDIR, "queue directory %s: not a folder", queue);
    else if (pipe2(fds, O_CLOEXEC) < 0)
        strbuf_fail(why, errno, "pipe: %s", strerror(errno));
    else if ((pid = drop_spawn(STR(path), fds[0], verbose, why)) < 0)
        (void) close(fds[1]);
    else {
        drop = mymalloc(sizeof(*drop));
        drop->pid = pid;
        drop->out = stream_fdopen(fds[1], O_WRONLY);
    }
    if (fds[0] >= 0)
        (void) close(fds[0]);
    myfree(queue);
    myfree(cmd_dir);
    strbuf_free(path);
    return drop;
}

/* sendmail_drop_stream - the stream to postdrop */
STREAM *
sendmail_drop_stream(SENDMAIL_DROP *drop)
{
    return drop->out;
}

/* sendmail_drop_close - end input, reap postdrop; its exit status */
int
sendmail_drop_close(SENDMAIL_DROP *drop, int finish)
{
    int failed = 0;
    int status;

    if (finish)
        failed = stream_flush(drop->out) < 0 || stream_error(drop->out);
    else
        failed = 1;
    (void) close(stream_fd(drop->out));
    stream_free(drop->out);
    if (proc_wait(drop->pid, &status, -1) < 0) {
        msg_warn("wait for postdrop: %s", strerror(errno));
        status = SM_EX_TEMPFAIL << 8;
    }
    myfree(drop);
    if (!WIFEXITED(status))
        return SM_EX_TEMPFAIL;
    if (WEXITSTATUS(status) == 0 && failed)
        return SM_EX_TEMPFAIL;
    return WEXITSTATUS(status);
}

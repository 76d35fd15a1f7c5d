/*
 * master_sig - signals: the handlers only set a flag and write a byte to
 * a self-pipe; the event loop reads the pipe and acts.
 *
 * master_sig_init() makes the pipe, installs the handlers (SIGHUP:
 * reload; SIGTERM and SIGINT: stop; SIGCHLD: reap) and ignores SIGPIPE.
 * In the loop, SIGCHLD runs master_reap(), SIGHUP master_reload(), and
 * SIGTERM or SIGINT sets master->stopping to the signal's number, which
 * ends main()'s loop.  master_reload() re-reads main.cf and master.cf and
 * hands them to master_services_reload(), then sets up logging again; a
 * configuration with errors is refused with a warning and the running
 * one stays.
 * master_stop_children() sends SIGTERM to every child and waits up to
 * wait_s seconds for them, then sends SIGKILL to the rest; the children
 * of unix-dgram services (postlogd) go last, once the socket is drained,
 * so that the last lines of the others reach the log.  A failed
 * pipe or sigaction() is fatal.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "mail_conf.h"
#include "mail_version.h"
#include "maillog_client.h"
#include "master.h"
#include "msg.h"
#include "mymalloc.h"

/* Polling step while children stop, milliseconds. */
#define MASTER_STOP_STEP_MS 50

/* How long postlogd may take to write the last line it read, ms. */
#define MASTER_LOG_GRACE_MS 200

/* How long to wait for children after SIGKILL, seconds. */
#define MASTER_KILL_WAIT 2

static volatile sig_atomic_t master_got_hup;
static volatile sig_atomic_t master_got_chld;
static volatile sig_atomic_t master_got_term;
static int master_sig_wfd = -1;

/* master_sig_handler - note the signal, wake the loop */
static void
master_sig_handler(int sig)
{
    int saved = errno;

    if (sig == SIGHUP)
        master_got_hup = 1;
    else if (sig == SIGCHLD)
        master_got_chld = 1;
    else
        master_got_term = sig;
    if (write(master_sig_wfd, "", 1) < 0) {
        /* A full pipe already wakes the loop. */
    }
    errno = saved;
}

/* master_sig_event - the loop's side of the self-pipe */
static void
master_sig_event(EVENT_LOOP *loop, int event, int fd, void *context)
{
    MASTER *m = context;
    char buf[64];

    (void) loop;
    (void) event;
    while (read(fd, buf, sizeof(buf)) > 0)
        /* drain */;
    if (master_got_chld) {
        master_got_chld = 0;
        master_reap(m);
    }
    if (master_got_term) {
        m->stopping = master_got_term;
        return;
    }
    if (master_got_hup) {
        master_got_hup = 0;
        master_reload(m);
    }
}

/* master_sig_init - self-pipe and handlers */
void
master_sig_init(MASTER *m)
{
    static const int sigs[] = {SIGHUP, SIGTERM, SIGINT, SIGCHLD};
    struct sigaction sa;
    size_t i;

    if (pipe2(m->sig_pipe, O_CLOEXEC | O_NONBLOCK) < 0)
        msg_fatal("pipe: %m");
    master_sig_wfd = m->sig_pipe[1];
    memset(&sa, 0, sizeof(sa));
    sigemptyset(&sa.sa_mask);
    sa.sa_handler = master_sig_handler;
    sa.sa_flags = SA_RESTART | SA_NOCLDSTOP;
    for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
        if (sigaction(sigs[i], &sa, NULL) < 0)
            msg_fatal("sigaction: %m");
    sa.sa_handler = SIG_IGN;
    if (sigaction(SIGPIPE, &sa, NULL) < 0)
        msg_fatal("sigaction: %m");
    event_enable_read(m->loop, m->sig_pipe[0], master_sig_event, m);
}

/* master_reload_conf - main.cf and master.cf, checked; -1 and why */
static int
master_reload_conf(MASTER *m, MASTER_CF **cf, MASTER_PARAMS **p, STRBUF *why)
{
    STRBUF *report;
    int errors;

    *cf = NULL;
    *p = NULL;
    if (mail_conf_load(m->config_dir, NULL, why) < 0)
        return -1;
    report = strbuf_create(100);
    if ((errors = mail_conf_validate(report)) > 0)
        strbuf_sprintf(why, "main.cf: %d bad values: %s", errors, STR(report));
    strbuf_free(report);
    if (errors > 0)
        return -1;
    if ((*cf = master_cf_load(m->config_dir, why)) == NULL)
        return -1;
    if ((*p = master_params_load(m->is_root, why)) == NULL) {
        *cf = master_cf_free(*cf);
        return -1;
    }
    return 0;
}

/* master_reload - SIGHUP: apply the configuration as it is now */
void
master_reload(MASTER *m)
{
    STRBUF *why = strbuf_create(100);
    STRBUF *path = strbuf_create(100);
    MASTER_CF *cf;
    MASTER_PARAMS *p;
    char *text;
    int changed;

    msg_info("reload -- version %s, configuration %s", MAIL_VERSION,
             m->config_dir);
    if (master_reload_conf(m, &cf, &p, why) < 0) {
        msg_warn("reload: %s -- keeping the running configuration", STR(why));
    } else {
        strbuf_sprintf(path, "%s/main.cf", m->config_dir);
        text = master_file_text(STR(path));
        changed = strcmp(text, m->main_cf_text) != 0;
        myfree(m->main_cf_text);
        m->main_cf_text = text;
        master_services_reload(m, cf, p, changed);
        /* maillog_file or the postlog socket may have changed. */
        (void) maillog_client_init("master", 0);
    }
    strbuf_free(why);
    strbuf_free(path);
}

/* master_is_logger - a child of a unix-dgram (postlog) service? */
static int
master_is_logger(const MASTER_PROC *proc)
{
    return proc->serv->cf != NULL &&
           proc->serv->cf->type == MASTER_CF_UNIX_DGRAM;
}

/* master_signal_procs - send sig to the loggers or the others; count */
static int
master_signal_procs(MASTER *m, int sig, int loggers, int dry_run)
{
    HTABLE_INFO **list = htable_list(m->procs);
    HTABLE_INFO **ht;
    MASTER_PROC *proc;
    int count = 0;

    for (ht = list; *ht != NULL; ht++) {
        proc = (*ht)->value;
        if (loggers != master_is_logger(proc))
            continue;
        count++;
        if (!dry_run && kill(proc->pid, sig) < 0 && errno != ESRCH)
            msg_warn("kill %ld: %m", (long) proc->pid);
    }
    myfree(list);
    return count;
}

/* master_wait_procs - reap until no logger (or other) is left, or time */
static void
master_wait_procs(MASTER *m, int loggers, long deadline)
{
    for (;;) {
        master_reap(m);
        if (master_signal_procs(m, 0, loggers, 1) == 0 ||
            master_now() >= deadline)
            return;
        (void) poll(NULL, 0, MASTER_STOP_STEP_MS);
    }
}

/* master_drain_log - wait until the postlog sockets hold no more lines */
static void
master_drain_log(MASTER *m, long deadline)
{
    MASTER_SERV *serv;
    int i;
    int queued;

    for (serv = m->services; serv != NULL; serv = serv->next) {
        if (serv->cf->type != MASTER_CF_UNIX_DGRAM || serv->procs == 0)
            continue;
        for (i = 0; i < serv->listen_count; i++)
            while (ioctl(serv->listen_fd[i], FIONREAD, &queued) == 0 &&
                   queued > 0 && master_now() < deadline)
                (void) poll(NULL, 0, MASTER_STOP_STEP_MS);
        /* Read is not written yet: a moment for the last lines. */
        (void) poll(NULL, 0, MASTER_LOG_GRACE_MS);
    }
}

/*
 * master_stop_children - SIGTERM, wait, SIGKILL.  The postlog children go
 * last, after the log lines of the others (and ours) have been read.
 */
void
master_stop_children(MASTER *m, int wait_s)
{
    long deadline = master_now() + wait_s;
    int left;

    (void) master_signal_procs(m, SIGTERM, 0, 0);
    master_wait_procs(m, 0, deadline);
    master_drain_log(m, master_now() + MASTER_KILL_WAIT);
    (void) master_signal_procs(m, SIGTERM, 1, 0);
    master_wait_procs(m, 1,
                      deadline > master_now() ? deadline : master_now() + 1);
    if ((left = (int) m->procs->used) == 0)
        return;
    msg_warn("%d processes did not stop within %d seconds: killing them", left,
             wait_s);
    (void) master_signal_procs(m, SIGKILL, 0, 0);
    (void) master_signal_procs(m, SIGKILL, 1, 0);
    master_wait_procs(m, 0, master_now() + MASTER_KILL_WAIT);
    master_wait_procs(m, 1, master_now() + MASTER_KILL_WAIT);
}

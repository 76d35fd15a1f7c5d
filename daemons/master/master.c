/*
 * master - the resident process: listeners, process pools, wakeups,
 * respawn with back-off, reload on SIGHUP, stop on SIGTERM.
 *
 * Usage: master [-c CONFIG_DIR] [-d] [-t] [-v]
 *   -c  the configuration folder (else MAIL_CONFIG, else the default)
 *   -d  stay in the foreground
 *   -t  exit 0 when no master runs for this queue, 1 when one does
 *   -v  more logging, also passed on to every child
 *
 * main() is the start-up recipe; the work is in master_*.c (master.h).
 * Order matters: the pid lock before any listener; the postlog socket
 * before logging (master logs through it); logging before the other
 * services (their warnings belong in the log); the parent of a daemon
 * exits only when all that is done.  Any failure up to then is fatal.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mail_conf.h"
#include "mail_params.h"
#include "mail_version.h"
#include "maillog_client.h"
#include "master.h"
#include "msg.h"
#include "mymalloc.h"

/* usage - complain about the command line */
static void
usage(void)
{
    msg_fatal("usage: master [-c CONFIG_DIR] [-d (stay in the foreground)] "
              "[-t (test: exit 0 if no master runs)] [-v]");
}

/* master_create - the process's master state, configuration loaded */
static MASTER *
master_create(const char *config_dir, int verbose)
{
    MASTER *m = mymalloc(sizeof(*m));
    STRBUF *why = strbuf_create(100);

    memset(m, 0, sizeof(*m));
    m->config_dir = mystrdup(config_dir);
    m->verbose = verbose;
    m->is_root = geteuid() == 0;
    m->pid_fd = -1;
    if ((m->params = master_params_load(m->is_root, why)) == NULL)
        msg_fatal("%s", STR(why));
    if ((m->cf = master_cf_load(config_dir, why)) == NULL)
        msg_fatal("%s", STR(why));
    strbuf_sprintf(why, "%s/main.cf", config_dir);
    m->main_cf_text = master_file_text(STR(why));
    m->loop = event_loop_create();
    m->procs = htable_create(64);
    strbuf_free(why);
    return m;
}

/* master_shutdown - SIGTERM or SIGINT: stop everything, exit 0 */
static void
master_shutdown(MASTER *m)
{
    msg_info("terminating on signal %d", m->stopping);
    master_services_stop(m);
    master_stop_children(m, MASTER_STOP_WAIT);
    master_lock_release(m);
    exit(0);
}

/* The command line. */
typedef struct MASTER_OPTS {
    const char *config_dir; /* -c, MAIL_CONFIG or the default */
    int fg;                 /* -d */
    int test;               /* -t */
    int verbose;            /* -v count */
} MASTER_OPTS;

/* master_options - parse the command line, or exit */
static void
master_options(int argc, char **argv, MASTER_OPTS *o)
{
    int ch;

    memset(o, 0, sizeof(*o));
    o->config_dir = getenv("MAIL_CONFIG");
    if (o->config_dir == NULL || *o->config_dir == 0)
        o->config_dir = DEF_CONFIG_DIR;
    while ((ch = getopt(argc, argv, "c:dtv")) != -1) {
        if (ch == 'c')
            o->config_dir = optarg;
        else if (ch == 'd')
            o->fg = 1;
        else if (ch == 't')
            o->test = 1;
        else if (ch == 'v')
            msg_verbose = ++o->verbose;
        else
            usage();
    }
    if (optind != argc)
        usage();
    if (o->config_dir[0] != '/')
        msg_fatal("-c %s: the configuration folder must be an absolute path",
                  o->config_dir);
}

int
main(int argc, char **argv)
{
    STRBUF *why = strbuf_create(100);
    MASTER_OPTS o;
    int ready_fd = -1;
    MASTER *m;

    master_fds_init();
    msg_set_progname("master");
    umask(022);
    master_options(argc, argv, &o);
    if (mail_conf_load(o.config_dir, NULL, why) < 0)
        msg_fatal("%s", STR(why));
    if (o.test)
        exit(master_lock_test(mail_conf_str("queue_directory")));

    m = master_create(o.config_dir, o.verbose);
    if (!o.fg)
        ready_fd = master_daemonize();
    master_dirs_init(m->params, m->is_root);
    master_lock_take(m);
    master_sig_init(m);
    (void) master_services_start(m, 1, 1);
    (void) maillog_client_init("master", o.fg ? 0 : MAILLOG_CLIENT_STDERR);
    msg_info("daemon started -- version %s, configuration %s", MAIL_VERSION,
             m->config_dir);
    if (!m->is_root)
        msg_info("not running as root: every service runs as uid %ld",
                 (long) geteuid());
    (void) master_services_start(m, 1, 0);
    master_daemon_ready(ready_fd);
    strbuf_free(why);

    while (!m->stopping)
        (void) event_loop_run_once(m->loop, -1);
    master_shutdown(m);
}

/*
 * mail_server - the part the daemon skeletons share: the command line,
 * main.cf, logging, the privilege recipe, signals, status reports, the
 * exit tests, and the event loop of the event-driven skeletons.
 *
 * mail_server_init() runs steps 1-7 of the recipe in mail_server.h, in
 * that order, and returns the process's one MAIL_SERVER (a process
 * singleton, owned here and never freed: the process exits instead).
 * The descriptors master hands over are looked at before anything else
 * opens a file, so that a descriptor opened here (main.cf, the log
 * socket) is never mistaken for MASTER_GEN_FD or MASTER_STATUS_FD when a
 * daemon runs by hand without them; those two are then left alone.
 *
 * Errors: a bad command line, configuration, descriptor or identity is
 * fatal (master restarts with back-off); an unknown option in the
 * skeleton's option list is our bug and panics.  Failed accepts are
 * counted with msg_error().  Orderly exits run the EXIT callback, log
 * only at msg_verbose and exit 0.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "clock_ms.h"
#include "mail_conf.h"
#include "mail_dict.h"
#include "mail_params.h"
#include "mail_server_int.h"
#include "maillog_client.h"
#include "master_cf.h"
#include "master_proto.h"
#include "msg.h"
#include "mymalloc.h"
#include "proc.h"
#include "sock.h"
#include "stringops.h"

/* The process's skeleton, and the flag its SIGTERM handler raises. */
static MAIL_SERVER server;
static volatile sig_atomic_t stop_flag;

#define USAGE                                                                  \
    "-n service [-c config_dir] [-t type] [-s count] [-o name=value] "         \
    "[-r] [-u] [-v] [-w seconds] [argument ...]"

/* usage - a bad command line is fatal */
static MSG_NORETURN void
usage(const MAIL_SERVER *ms, const char *why)
{
    msg_fatal("%s; usage: %s " USAGE, why, ms->progname);
}

/* set_string - replace a command-line value */
static void
set_string(char **where, const char *value)
{
    myfree(*where);
    *where = mystrdup(value);
}

/* listen_count - the -s value: 1 to MAIL_SERVER_LISTEN_MAX */
static int
listen_count(const MAIL_SERVER *ms, const char *value)
{
    STRBUF *why;
    char *end;
    long n;

    errno = 0;
    n = strtol(value, &end, 10);
    if (errno != 0 || end == value || *end != 0 || n < 1 ||
        n > MAIL_SERVER_LISTEN_MAX) {
        why = strbuf_create(40);
        strbuf_sprintf(why, "-s wants a count from 1 to %d",
                       MAIL_SERVER_LISTEN_MAX);
        usage(ms, STR(why));
    }
    return (int) n;
}

/* parse_flag - one command-line option */
static void
parse_flag(MAIL_SERVER *ms, int flag, const char *value)
{
    STRBUF *why;

    switch (flag) {
        case 'c':
            set_string(&ms->config_dir, value);
            break;
        case 'n':
            set_string(&ms->service, value);
            break;
        case 't':
            set_string(&ms->type, value);
            break;
        case 's':
            ms->listen_count = listen_count(ms, value);
            break;
        case 'r':
            ms->chroot = 1;
            break;
        case 'u':
            ms->unpriv = 1;
            break;
        case 'o':
            argv_add(ms->overrides, value);
            break;
        case 'v':
            msg_verbose++;
            break;
        case 'w':
            break; /* master's wakeup interval: informational */
        default:
            why = strbuf_create(40);
            strbuf_sprintf(why,
                           flag == ':' ? "option -%c needs a value"
                                       : "unknown option -%c",
                           optopt);
            usage(ms, STR(why));
    }
}

/*
 * set_read_only_names - service_name and process_name, as Postfix has
 * them: first among the overrides, so that -o syslog_name=x/$service_name
 * in master.cf expands to the service's own name.
 */
static void
set_read_only_names(MAIL_SERVER *ms)
{
    STRBUF *buf = strbuf_create(64);

    strbuf_sprintf(buf, "service_name=%s", ms->service);
    argv_insert(ms->overrides, 0, STR(buf));
    strbuf_sprintf(buf, "process_name=%s", ms->progname);
    argv_insert(ms->overrides, 1, STR(buf));
    strbuf_free(buf);
}

/* parse_command_line - the master_proto.h options, then the arguments */
static void
parse_command_line(MAIL_SERVER *ms, int argc, char **argv)
{
    const char *slash;
    int flag;

    slash = argc > 0 ? strrchr(argv[0], '/') : NULL;
    ms->progname = mystrdup(slash ? slash + 1 : argc > 0 ? argv[0] : "?");
    msg_set_progname(ms->progname);
    ms->listen_count = 1;
    ms->overrides = argv_alloc(4);
    ms->args = argv_alloc(4);
    optind = 1;
    opterr = 0;
    /* "+": the service's own arguments start at the first non-option. */
    while ((flag = getopt(argc, argv, "+:c:n:t:s:ruo:vw:")) != -1)
        parse_flag(ms, flag, optarg);
    if (ms->service == NULL)
        usage(ms, "missing -n service");
    set_read_only_names(ms);
    for (; optind < argc; optind++)
        argv_add(ms->args, argv[optind]);
    if (ms->config_dir == NULL)
        set_string(&ms->config_dir, getenv("MAIL_CONFIG")
                                        ? getenv("MAIL_CONFIG")
                                        : DEF_CONFIG_DIR);
    if (ms->type == NULL)
        set_string(&ms->type, ms->kind->def_type);
}

/* check_type - the skeleton must serve the -t type */
static void
check_type(const MAIL_SERVER *ms)
{
    ARGV *types = argv_split(ms->kind->types, " ");
    size_t i;

    for (i = 0; i < types->argc; i++)
        if (strcmp(types->argv[i], ms->type) == 0)
            break;
    if (i == types->argc)
        msg_fatal("service %s: type %s: %s serves only %s", ms->service,
                  ms->type, ms->kind->name, ms->kind->types);
    argv_free(types);
}

/* parse_option_list - the skeleton options, ended by 0 */
static void
parse_option_list(MAIL_SERVER *ms, va_list ap)
{
    int key;

    while ((key = va_arg(ap, int)) != 0) {
        if (key == MAIL_SERVER_PRE_INIT)
            ms->pre_init = va_arg(ap, MAIL_SERVER_INIT_FN);
        else if (key == MAIL_SERVER_POST_INIT)
            ms->post_init = va_arg(ap, MAIL_SERVER_INIT_FN);
        else if (key == MAIL_SERVER_EXIT)
            ms->exit_fn = va_arg(ap, MAIL_SERVER_EXIT_FN);
        else if (key == MAIL_SERVER_PRE_ACCEPT)
            ms->pre_accept = va_arg(ap, MAIL_SERVER_EXIT_FN);
        else if (key == MAIL_SERVER_WAIT_LIMIT)
            ms->wait_limit = va_arg(ap, MAIL_SERVER_WAIT_FN);
        else if (key == MAIL_SERVER_BATCH_END)
            ms->batch_end = va_arg(ap, MAIL_SERVER_EXIT_FN);
        else if (key == MAIL_SERVER_DISCONNECT)
            ms->disconnect = va_arg(ap, MULTI_SERVER_DISCONNECT_FN);
        else if (key == MAIL_SERVER_SOLITARY)
            ms->solitary = va_arg(ap, int);
        else if (key == MAIL_SERVER_UNLIMITED)
            ms->unlimited = va_arg(ap, int);
        else
            msg_panic("%s: unknown option %d", ms->kind->name, key);
    }
}

/* pipe_is_open - fd is open and a pipe or socket (master's, presumably) */
static int
pipe_is_open(int fd)
{
    struct stat st;

    return fstat(fd, &st) == 0 &&
           (S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode));
}

/* check_descriptors - what master handed over; before any file is opened */
static void
check_descriptors(MAIL_SERVER *ms)
{
    int fd;

    ms->gen_open = pipe_is_open(MASTER_GEN_FD);
    ms->status_open = pipe_is_open(MASTER_STATUS_FD);
    if (ms->gen_open && (sock_set_cloexec(MASTER_GEN_FD, 1) < 0 ||
                         sock_set_nonblock(MASTER_GEN_FD, 1) < 0))
        msg_fatal("generation pipe: descriptor %d: %m", MASTER_GEN_FD);
    if (ms->status_open && sock_set_cloexec(MASTER_STATUS_FD, 1) < 0)
        msg_fatal("status pipe: descriptor %d: %m", MASTER_STATUS_FD);
    for (fd = MASTER_LISTEN_FD; fd < MASTER_LISTEN_FD + ms->listen_count;
         fd++) {
        if (fcntl(fd, F_GETFD) < 0)
            msg_fatal("service %s: listening descriptor %d is not open "
                      "(%s runs under master)",
                      ms->service, fd, ms->progname);
        if (sock_set_cloexec(fd, 1) < 0 || sock_set_nonblock(fd, 1) < 0)
            msg_fatal("service %s: listening descriptor %d: %m", ms->service,
                      fd);
        /* Read-write, so that the FIFO never reports end of file. */
        if (strcmp(ms->type, "fifo") == 0 &&
            (fcntl(fd, F_GETFL) & O_ACCMODE) != O_RDWR)
            msg_fatal("service %s: FIFO descriptor %d is not open "
                      "read-write",
                      ms->service, fd);
    }
}

/* load_config - main.cf with the -o overrides; report what is wrong */
static void
load_config(MAIL_SERVER *ms, STRBUF *report)
{
    STRBUF *err = strbuf_create(100);
    long timeout;

    if (mail_conf_load(ms->config_dir, ms->overrides, err) < 0)
        msg_fatal("%s", STR(err));
    strbuf_free(err);
    (void) mail_conf_validate(report);
    ms->max_use = ms->unlimited ? 0 : mail_conf_long("max_use");
    ms->max_idle = ms->unlimited ? 0 : mail_conf_time("max_idle");
    if (ms->max_use < 0 || ms->max_idle < 0)
        msg_fatal("max_use and max_idle must not be negative");
    timeout = mail_conf_time("daemon_timeout");
    ms->timeout_ms = timeout > INT_MAX / 1000 ? INT_MAX
                     : timeout > 0            ? (int) timeout * 1000
                                              : 0;
}

/* report_config - each line of mail_conf_validate()'s report, once */
static void
report_config(const STRBUF *report)
{
    char *copy = mystrdup(STR(report));
    char *cp = copy;
    char *line;

    while ((line = mystrtok(&cp, "\n")) != NULL) {
        if (strncmp(line, "warning: ", 9) == 0)
            line += 9;
        else if (strncmp(line, "error: ", 7) == 0)
            line += 7;
        msg_warn("%s", line);
    }
    myfree(copy);
}

/* on_sigterm - only raise the flag; the loops and stream I/O look at it */
static void
on_sigterm(int sig)
{
    (void) sig;
    stop_flag = 1;
}

/* setup_signals - SIGTERM stops us, SIGPIPE and SIGHUP do nothing */
static void
setup_signals(void)
{
    struct sigaction sa;
    sigset_t term;

    memset(&sa, 0, sizeof(sa));
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = 0; /* no SA_RESTART: blocked I/O returns EINTR */
    sa.sa_handler = on_sigterm;
    if (sigaction(SIGTERM, &sa, NULL) < 0)
        msg_fatal("sigaction SIGTERM: %m");
    sa.sa_handler = SIG_IGN;
    if (sigaction(SIGPIPE, &sa, NULL) < 0 || sigaction(SIGHUP, &sa, NULL) < 0)
        msg_fatal("sigaction: %m");
    sigemptyset(&term);
    sigaddset(&term, SIGTERM);
    if (sigprocmask(SIG_UNBLOCK, &term, NULL) < 0)
        msg_fatal("sigprocmask: %m");
    stream_set_stop_flag(&stop_flag);
}

/* check_solitary - a SOLITARY service must have maxproc 1 in master.cf */
static void
check_solitary(const MAIL_SERVER *ms)
{
    MASTER_CF *mc = master_cf_create();
    STRBUF *path = strbuf_create(100);
    STRBUF *err = strbuf_create(100);
    const MASTER_CF_SERVICE *sv;
    long maxproc;

    strbuf_sprintf(path, "%s/master.cf", ms->config_dir);
    if (master_cf_read(mc, STR(path), err) < 0) {
        if (msg_verbose)
            msg_info("cannot check the process limit: %s", STR(err));
    } else if ((sv = master_cf_find(mc, ms->service,
                                    master_cf_type(ms->type))) != NULL) {
        maxproc = sv->maxproc >= 0 ? sv->maxproc
                                   : mail_conf_long("default_process_limit");
        if (maxproc != 1)
            msg_fatal("%s, line %d: service %s: %s needs a process limit "
                      "(maxproc) of 1, not %ld",
                      sv->source, sv->line, ms->service, ms->progname, maxproc);
    }
    strbuf_free(err);
    strbuf_free(path);
    master_cf_free(mc);
}

/* lookup_owner - mail_owner's ids, while /etc/passwd is in reach */
static void
lookup_owner(const char *owner, uid_t *uid, gid_t *gid)
{
    struct passwd *pw;

    errno = 0;
    if ((pw = getpwnam(owner)) == NULL)
        msg_fatal("mail_owner %s: %s", owner,
                  errno ? strerror(errno) : "no such user");
    if (pw->pw_uid == 0 || pw->pw_gid == 0)
        msg_fatal("mail_owner %s: must not have user or group ID 0", owner);
    *uid = pw->pw_uid;
    *gid = pw->pw_gid;
}

/* drop_privileges - become mail_owner for good, and check it */
static void
drop_privileges(const char *owner, uid_t uid, gid_t gid)
{
    if (setgroups(0, NULL) < 0)
        msg_fatal("setgroups: %m");
    if (setgid(gid) < 0)
        msg_fatal("setgid %ld (mail_owner %s): %m", (long) gid, owner);
    if (setuid(uid) < 0)
        msg_fatal("setuid %ld (mail_owner %s): %m", (long) uid, owner);
    if (getuid() != uid || geteuid() != uid || getgid() != gid ||
        getegid() != gid || getgroups(0, NULL) != 0)
        msg_fatal("mail_owner %s: identity change did not take", owner);
    if (setuid(0) == 0)
        msg_fatal("mail_owner %s: root privileges could be regained", owner);
}

/* invoking_user - log once that there is no privilege separation */
static void
invoking_user(void)
{
    struct passwd *pw = getpwuid(getuid());

    if (pw != NULL)
        msg_info("running as the invoking user %s (not root): no privilege "
                 "separation",
                 pw->pw_name);
    else
        msg_info("running as the invoking user ID %ld (not root): no "
                 "privilege separation",
                 (long) getuid());
}

/* enter_chroot - chroot to the queue (-r), which needs root */
static void
enter_chroot(const MAIL_SERVER *ms, const char *queue_dir, int root)
{
    if (!root) {
        msg_warn("service %s: chroot to %s needs root; not chrooted",
                 ms->service, queue_dir);
        return;
    }
    if (chroot(queue_dir) < 0)
        msg_fatal("chroot %s: %m", queue_dir);
    if (chdir("/") < 0)
        msg_fatal("chdir / in chroot %s: %m", queue_dir);
}

/* privilege_recipe - steps 5 and 6: the queue, chroot, mail_owner */
static void
privilege_recipe(const MAIL_SERVER *ms)
{
    char *queue_dir = mail_conf_str("queue_directory");
    char *owner = mail_conf_str("mail_owner");
    int root = geteuid() == 0;
    uid_t uid = 0;
    gid_t gid = 0;

    if (root && ms->unpriv)
        lookup_owner(owner, &uid, &gid);
    else if (!root)
        invoking_user();
    if (chdir(queue_dir) < 0)
        msg_fatal("chdir %s: %m", queue_dir);
    if (ms->chroot)
        enter_chroot(ms, queue_dir, root);
    if (root && ms->unpriv)
        drop_privileges(owner, uid, gid);
    myfree(owner);
    myfree(queue_dir);
}

/* mail_server_init - steps 1-7 of the recipe; returns the skeleton */
MAIL_SERVER *
mail_server_init(const MAIL_SERVER_KIND *kind, int argc, char **argv,
                 va_list ap)
{
    MAIL_SERVER *ms = &server;
    STRBUF *report = strbuf_create(100);

    ms->kind = kind;
    parse_command_line(ms, argc, argv);
    parse_option_list(ms, ap);
    check_type(ms);
    check_descriptors(ms);
    /* Titles reuse the argv area: every argument was copied above. */
    proc_title_init(argc, argv);
    load_config(ms, report);
    setup_signals();
    (void) maillog_client_init(ms->progname, 0);
    report_config(report);
    strbuf_free(report);
    mail_dict_init();
    proc_set_title("service %s (%s)", ms->service, ms->type);
    if (ms->solitary)
        check_solitary(ms);
    if (kind->event_driven)
        ms->loop = event_loop_create();
    if (ms->pre_init)
        ms->pre_init(ms->service, ms->args->argv);
    privilege_recipe(ms);
    if (ms->post_init)
        ms->post_init(ms->service, ms->args->argv);
    ms->idle_since = mail_server_now();
    return ms;
}

/* mail_server_service - the -n service name */
const char *
mail_server_service(void)
{
    return server.service;
}

/* mail_server_type - the -t service type */
const char *
mail_server_type(void)
{
    return server.type;
}

/* mail_server_loop - the event loop of the multi, trigger, dgram servers */
EVENT_LOOP *
mail_server_loop(void)
{
    if (server.loop == NULL)
        msg_panic("mail_server_loop: no event loop in this skeleton");
    return server.loop;
}

/* mail_server_stopping - did SIGTERM arrive? */
int
mail_server_stopping(void)
{
    return stop_flag != 0;
}

/* mail_server_now - monotonic milliseconds (clock_ms) */
int64_t
mail_server_now(void)
{
    return clock_ms();
}

/* mail_server_idle_wait - ms until the idle exit; -1: none, 0: due */
int
mail_server_idle_wait(const MAIL_SERVER *ms, int64_t now)
{
    int64_t left;

    if (ms->max_idle <= 0)
        return -1;
    left = ms->idle_since + (int64_t) ms->max_idle * 1000 - now;
    return left <= 0 ? 0 : left > INT_MAX ? INT_MAX : (int) left;
}

/*
 * mail_server_wait - ms a waiting process may sleep: until the idle exit
 * or the daemon's WAIT_LIMIT, whichever comes first; -1: no limit
 */
int
mail_server_wait(const MAIL_SERVER *ms, int64_t now)
{
    int idle = mail_server_idle_wait(ms, now);
    int own = ms->wait_limit ? ms->wait_limit() : -1;

    if (own < 0)
        return idle;
    return idle < 0 || own < idle ? own : idle;
}

/* mail_server_used_up - has max_use been reached? */
int
mail_server_used_up(const MAIL_SERVER *ms)
{
    return ms->max_use > 0 && ms->use_count >= ms->max_use;
}

/* mail_server_gen_check - read the generation pipe; EOF retires us */
void
mail_server_gen_check(MAIL_SERVER *ms)
{
    char buf[64];
    ssize_t n;

    if (!ms->gen_open)
        return;
    /* Master never writes; anything it does is drained and ignored. */
    n = read(MASTER_GEN_FD, buf, sizeof(buf));
    if (n > 0 || (n < 0 && (errno == EAGAIN || errno == EINTR)))
        return;
    if (n < 0)
        msg_warn("generation pipe: %m");
    if (msg_verbose)
        msg_info("service %s: retired by master", ms->service);
    if (ms->loop != NULL)
        event_disable_readwrite(ms->loop, MASTER_GEN_FD);
    ms->gen_open = 0;
    ms->retired = 1;
}

/* mail_server_notify - tell master TAKEN or AVAIL, if it listens */
void
mail_server_notify(MAIL_SERVER *ms, int status)
{
    if (!ms->status_open || master_notify(status) == 0)
        return;
    if (errno != EPIPE)
        msg_warn("status pipe: %m");
    else if (msg_verbose)
        msg_info("service %s: master is gone", ms->service);
    ms->status_open = 0;
    ms->retired = 1;
}

/* mail_server_quiet_event - report AVAIL once the service has been quiet */
static void
mail_server_quiet_event(EVENT_LOOP *loop, int event, int id, void *ctx)
{
    MAIL_SERVER *ms = ctx;
    int64_t quiet = mail_server_now() - ms->busy_last;

    (void) event;
    (void) id;
    if (quiet < MAIL_SERVER_QUIET_MS) {
        (void) event_request_timer(loop, mail_server_quiet_event, ms,
                                   (int) (MAIL_SERVER_QUIET_MS - quiet), 0);
        return;
    }
    ms->busy = 0;
    mail_server_notify(ms, MASTER_STAT_AVAIL);
}

/* mail_server_busy - a request arrived: TAKEN at the start of a spell */
void
mail_server_busy(MAIL_SERVER *ms)
{
    if (ms->busy)
        return;
    ms->busy = 1;
    ms->busy_last = mail_server_now();
    mail_server_notify(ms, MASTER_STAT_TAKEN);
    (void) event_request_timer(ms->loop, mail_server_quiet_event, ms,
                               MAIL_SERVER_QUIET_MS, 0);
}

/* mail_server_served - a request is done: counted, the quiet time restarts */
void
mail_server_served(MAIL_SERVER *ms)
{
    ms->use_count++;
    ms->idle_since = ms->busy_last = mail_server_now();
}

/* mail_server_accept_error - a failed accept: normal, or counted */
void
mail_server_accept_error(MAIL_SERVER *ms, int fd)
{
    /* EAGAIN after a wakeup: another process took the connection. */
    if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR ||
        errno == ECONNABORTED || errno == EPROTO)
        return;
    msg_error("service %s: accept on descriptor %d: %m", ms->service, fd);
}

/* mail_server_exit - the orderly exit: EXIT callback, status 0 */
void
mail_server_exit(MAIL_SERVER *ms, const char *why)
{
    if (msg_verbose)
        msg_info("service %s: %s; exiting", ms->service, why);
    if (ms->exit_fn)
        ms->exit_fn();
    exit(0);
}

/* mail_server_exit_check - exit when a signal, master or a limit says */
void
mail_server_exit_check(MAIL_SERVER *ms, int clients, int64_t now)
{
    if (mail_server_stopping())
        mail_server_exit(ms, "stop signal");
    if (clients > 0)
        return;
    if (ms->retired)
        mail_server_exit(ms, "retired");
    if (mail_server_used_up(ms))
        mail_server_exit(ms, "max_use reached");
    if (mail_server_idle_wait(ms, now) == 0)
        mail_server_exit(ms, "max_idle reached");
}

/* gen_event - the generation pipe is readable */
static void
gen_event(EVENT_LOOP *loop, int event, int fd, void *context)
{
    (void) loop;
    (void) event;
    (void) fd;
    mail_server_gen_check(context);
}

/* mail_server_listen - call fn when a listening descriptor is ready */
void
mail_server_listen(MAIL_SERVER *ms, EVENT_FN fn)
{
    int fd;

    ms->listen_fn = fn;
    for (fd = MASTER_LISTEN_FD; fd < MASTER_LISTEN_FD + ms->listen_count; fd++)
        event_enable_read(ms->loop, fd, fn, ms);
    ms->listening = 1;
}

/* mail_server_unlisten - stop accepting (retired, max_use reached) */
void
mail_server_unlisten(MAIL_SERVER *ms)
{
    int fd;

    if (!ms->listening)
        return;
    for (fd = MASTER_LISTEN_FD; fd < MASTER_LISTEN_FD + ms->listen_count; fd++)
        event_disable_read(ms->loop, fd);
    ms->listening = 0;
}

/* mail_server_run - the event loop of the multi, trigger, dgram servers */
void
mail_server_run(MAIL_SERVER *ms)
{
    int clients;
    int wait;
    int64_t now;

    if (ms->gen_open)
        event_enable_read(ms->loop, MASTER_GEN_FD, gen_event, ms);
    for (;;) {
        clients = ms->kind->clients ? ms->kind->clients() : 0;
        now = mail_server_now();
        mail_server_exit_check(ms, clients, now);
        if (ms->retired || mail_server_used_up(ms))
            mail_server_unlisten(ms);
        if (ms->kind->sweep)
            ms->kind->sweep(now);
        if (ms->pre_accept)
            ms->pre_accept();
        /*
         * A SIGTERM between the flag test and the wait is seen at the
         * latest MAIL_SERVER_WAIT_MAX later.
         */
        wait = clients > 0 ? -1 : mail_server_wait(ms, now);
        if (wait < 0 || wait > MAIL_SERVER_WAIT_MAX)
            wait = MAIL_SERVER_WAIT_MAX;
        (void) event_loop_run_once(ms->loop, wait);
    }
}

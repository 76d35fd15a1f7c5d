/*
 * master_service - the services master runs, from master.cf.
 *
 * master_services_start() starts the eligible services of master->cf
 * that do not run yet; master calls it for the unix-dgram services (the
 * postlog socket it logs to) before it sets up logging, then for all.
 * A service is eligible when master_service_disable does not turn it off
 * and its program, daemon_directory/COMMAND, is an executable file;
 * otherwise master_service_eligible() warns once, naming master.cf's file
 * and line, and the service is skipped.  A listener that cannot be opened
 * is fatal at start and a warning on reload.
 *
 * master_diff() compares two master.cf lists by name and type and calls
 * back for each service: removed ones first (so a socket file another
 * service takes over is not removed after it was made), then, in the new
 * file's order, added, changed or the same.  master_service_same() is the
 * comparison: effective columns, command, -o settings and arguments.
 * master_services_reload() applies a new master.cf and main.cf to the
 * running services: the same service keeps its listeners and children; a
 * changed one (or every one, when main.cf changed) keeps its listeners
 * but gets a new generation, so its children finish their client and
 * exit; a removed or disabled one closes its listeners and generation
 * pipe and waits in the retired list until its children are gone; a new
 * one is started.  master_services_stop() closes every listener and
 * generation pipe (shutdown); master_services_free() releases every
 * service (their children are forgotten, not stopped).
 *
 * master_child_argv() and master_child_env() build a child's command
 * line (master_proto.h) and environment, in ARGVs the caller frees.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mail_conf.h"
#include "mail_version.h"
#include "master.h"
#include "master_proto.h"
#include "msg.h"
#include "mymalloc.h"
#include "proc.h"

/* master_argv_same - the same strings in the same order? */
static int
master_argv_same(const ARGV *a, const ARGV *b)
{
    size_t i;

    if (a->argc != b->argc)
        return 0;
    for (i = 0; i < a->argc; i++)
        if (strcmp(a->argv[i], b->argv[i]) != 0)
            return 0;
    return 1;
}

/* master_service_same - would both definitions run the same service? */
int
master_service_same(const MASTER_CF_SERVICE *a, const MASTER_CF_SERVICE *b)
{
    return a->type == b->type && strcmp(a->name, b->name) == 0 &&
           master_cf_private(a) == master_cf_private(b) &&
           master_cf_unpriv(a) == master_cf_unpriv(b) &&
           master_cf_chroot(a, 0) == master_cf_chroot(b, 0) &&
           a->wakeup == b->wakeup && a->wakeup_if_used == b->wakeup_if_used &&
           a->maxproc == b->maxproc && strcmp(a->command, b->command) == 0 &&
           master_argv_same(a->overrides, b->overrides) &&
           master_argv_same(a->args, b->args);
}

/* master_diff - call fn for each service removed, added, changed, same */
void
master_diff(const MASTER_CF *old_cf, const MASTER_CF *new_cf, MASTER_DIFF_FN fn,
            void *ctx)
{
    const MASTER_CF_SERVICE *o;
    const MASTER_CF_SERVICE *n;
    size_t i;

    for (i = 0; old_cf != NULL && i < old_cf->count; i++) {
        o = old_cf->services[i];
        if (master_cf_find(new_cf, o->name, o->type) == NULL)
            fn(MASTER_DIFF_REMOVED, o, NULL, ctx);
    }
    for (i = 0; i < new_cf->count; i++) {
        n = new_cf->services[i];
        o = old_cf ? master_cf_find(old_cf, n->name, n->type) : NULL;
        if (o == NULL)
            fn(MASTER_DIFF_ADDED, NULL, n, ctx);
        else
            fn(master_service_same(o, n) ? MASTER_DIFF_SAME
                                         : MASTER_DIFF_CHANGED,
               o, n, ctx);
    }
}

/* master_child_argv - a child's command line (master_proto.h) */
ARGV *
master_child_argv(const MASTER_CF_SERVICE *sv, const char *config_dir,
                  int listen_count, int verbose)
{
    ARGV *av = argv_alloc(16);
    STRBUF *buf = strbuf_create(16);
    size_t i;

    argv_add(av, sv->command);
    argv_add(av, "-c");
    argv_add(av, config_dir);
    argv_add(av, "-n");
    argv_add(av, sv->name);
    argv_add(av, "-t");
    argv_add(av, master_cf_type_name(sv->type));
    strbuf_sprintf(buf, "%d", listen_count);
    argv_add(av, "-s");
    argv_add(av, STR(buf));
    if (master_cf_chroot(sv, 0))
        argv_add(av, "-r");
    if (master_cf_unpriv(sv))
        argv_add(av, "-u");
    if (sv->wakeup > 0) {
        strbuf_sprintf(buf, "%d", sv->wakeup);
        argv_add(av, "-w");
        argv_add(av, STR(buf));
    }
    for (i = 0; i < sv->overrides->argc; i++) {
        argv_add(av, "-o");
        argv_add(av, sv->overrides->argv[i]);
    }
    while (verbose-- > 0)
        argv_add(av, "-v");
    for (i = 0; i < sv->args->argc; i++)
        argv_add(av, sv->args->argv[i]);
    strbuf_free(buf);
    return av;
}

/* master_child_env - MAIL_CONFIG, then what import_environment names */
ARGV *
master_child_env(const char *config_dir, const char *import)
{
    ARGV *env = argv_alloc(8);
    ARGV *words = argv_split(import, " \t\r\n,");
    STRBUF *buf = strbuf_create(64);
    size_t i;

    strbuf_sprintf(buf, "MAIL_CONFIG=%s", config_dir);
    argv_add(env, STR(buf));
    /* NAME=VALUE sets a value; a bare NAME keeps master's own. */
    for (i = 0; i < words->argc; i++)
        if (strchr(words->argv[i], '=') != NULL &&
            strncmp(words->argv[i], "MAIL_CONFIG=", 12) != 0)
            argv_add(env, words->argv[i]);
    (void) proc_clean_env(env, import);
    argv_free(words);
    strbuf_free(buf);
    return env;
}

/* master_program_ok - an executable regular file?  -1 and why */
static int
master_program_ok(const char *path, STRBUF *why)
{
    struct stat sb;

    if (stat(path, &sb) < 0)
        strbuf_sprintf(why, "%m");
    else if (!S_ISREG(sb.st_mode))
        strbuf_strcpy(why, "not a regular file");
    else if (access(path, X_OK) < 0)
        strbuf_sprintf(why, "%m");
    else
        return 0;
    return -1;
}

/* master_service_eligible - enabled, with a program to run? */
int
master_service_eligible(const MASTER_CF_SERVICE *sv, const MASTER_PARAMS *p,
                        int warn)
{
    STRBUF *path = strbuf_create(100);
    STRBUF *why = strbuf_create(100);
    const char *type = master_cf_type_name(sv->type);
    int ok = 0;

    strbuf_sprintf(path, "%s/%s", p->daemon_dir, sv->command);
    if (master_disabled(p->disable, sv->name, type)) {
        if (warn)
            msg_info("%s/%s service: disabled by master_service_disable",
                     sv->name, type);
    } else if (master_program_ok(STR(path), why) < 0) {
        if (warn)
            msg_warn("%s, line %d: %s/%s service: program %s: %s -- "
                     "service skipped",
                     sv->source, sv->line, sv->name, type, STR(path), STR(why));
    } else {
        ok = 1;
    }
    strbuf_free(path);
    strbuf_free(why);
    return ok;
}

/* master_serv_find - the running service with this name and type */
MASTER_SERV *
master_serv_find(MASTER_SERV *list, const char *name, int type)
{
    for (; list != NULL; list = list->next)
        if (list->cf != NULL && list->cf->type == type &&
            strcmp(list->cf->name, name) == 0)
            return list;
    return NULL;
}

/* master_serv_config - what follows from the definition and main.cf */
static void
master_serv_config(MASTER_SERV *serv, const MASTER_CF_SERVICE *sv)
{
    MASTER *m = serv->master;
    STRBUF *buf = strbuf_create(64);

    serv->cf = sv;
    myfree(serv->key);
    strbuf_sprintf(buf, "%s/%s", sv->name, master_cf_type_name(sv->type));
    serv->key = mystrdup(STR(buf));
    myfree(serv->path);
    strbuf_sprintf(buf, "%s/%s", m->params->daemon_dir, sv->command);
    serv->path = strbuf_export(buf);
    serv->maxproc = sv->maxproc < 0 ? m->params->proc_limit : sv->maxproc;
    argv_free(serv->argv);
    serv->argv =
        master_child_argv(sv, m->config_dir, serv->listen_count, m->verbose);
    argv_free(serv->envp);
    serv->envp = master_child_env(m->config_dir, m->params->import_env);
}

/* master_serv_create - a service, its pipes, no listeners yet */
static MASTER_SERV *
master_serv_create(MASTER *m, const MASTER_CF_SERVICE *sv, const char *endp)
{
    MASTER_SERV *serv = mymalloc(sizeof(*serv));

    memset(serv, 0, sizeof(*serv));
    serv->master = m;
    serv->endpoint = mystrdup(endp);
    serv->backoff = 1;
    serv->gen_fd[0] = serv->gen_fd[1] = -1;
    serv->status_fd[0] = serv->status_fd[1] = -1;
    master_serv_config(serv, sv);
    master_spawn_init(serv);
    return serv;
}

/* master_serv_free - release a service whose children are all gone */
static void
master_serv_free(MASTER_SERV *serv)
{
    int i;

    master_listen_close(serv, 0);
    master_wakeup_stop(serv);
    if (serv->throttle_timer)
        (void) event_cancel_timer(serv->master->loop, serv->throttle_timer);
    if (serv->status_fd[0] >= 0)
        event_disable_readwrite(serv->master->loop, serv->status_fd[0]);
    for (i = 0; i < 2; i++) {
        if (serv->status_fd[i] >= 0)
            (void) close(serv->status_fd[i]);
        if (serv->gen_fd[i] >= 0)
            (void) close(serv->gen_fd[i]);
    }
    myfree(serv->key);
    myfree(serv->path);
    myfree(serv->endpoint);
    argv_free(serv->argv);
    argv_free(serv->envp);
    myfree(serv);
}

/* master_serv_unlink - take serv out of a list */
static void
master_serv_unlink(MASTER_SERV **list, MASTER_SERV *serv)
{
    for (; *list != NULL; list = &(*list)->next) {
        if (*list == serv) {
            *list = serv->next;
            serv->next = NULL;
            return;
        }
    }
}

/* master_serv_retire - stop a service; free it once its children are gone */
static void
master_serv_retire(MASTER_SERV *serv, int unlink_path)
{
    MASTER *m = serv->master;
    int i;

    master_serv_unlink(&m->services, serv);
    master_listen_close(serv, unlink_path);
    master_wakeup_stop(serv);
    for (i = 0; i < 2; i++) {
        if (serv->gen_fd[i] >= 0)
            (void) close(serv->gen_fd[i]);
        serv->gen_fd[i] = -1;
    }
    serv->removed = 1;
    serv->cf = NULL;
    if (serv->procs == 0) {
        master_serv_free(serv);
    } else {
        serv->next = m->retired;
        m->retired = serv;
    }
}

/* master_serv_retire_done - the last child of a retired service went */
void
master_serv_retire_done(MASTER_SERV *serv)
{
    if (serv->cf != NULL || serv->procs > 0)
        return;
    master_serv_unlink(&serv->master->retired, serv);
    master_serv_free(serv);
}

/* master_serv_start - a new service: listeners, timers; NULL and why */
static MASTER_SERV *
master_serv_start(MASTER *m, const MASTER_CF_SERVICE *sv, STRBUF *why)
{
    STRBUF *endp = strbuf_create(64);
    MASTER_SERV *serv = NULL;
    MASTER_SERV **tail;

    if (master_endpoint(endp, sv, m->params, why) == 0) {
        serv = master_serv_create(m, sv, STR(endp));
        if (master_listen_open(serv, why) < 0) {
            master_serv_free(serv);
            serv = NULL;
        }
    }
    strbuf_free(endp);
    if (serv == NULL)
        return NULL;
    master_serv_config(serv, sv);
    for (tail = &m->services; *tail != NULL; tail = &(*tail)->next)
        /* void */;
    *tail = serv;
    master_wakeup_start(serv);
    master_listen_update(serv);
    if (msg_verbose)
        msg_info("%s: listening on %s (%d)", serv->key, serv->endpoint,
                 serv->listen_count);
    return serv;
}

/* master_start_one - start a service or complain; 0 or -1 */
static int
master_start_one(MASTER *m, const MASTER_CF_SERVICE *sv, int fatal)
{
    STRBUF *why = strbuf_create(100);
    int ret = 0;

    if (master_serv_start(m, sv, why) == NULL) {
        if (fatal)
            msg_fatal("%s, line %d: %s/%s service: %s", sv->source, sv->line,
                      sv->name, master_cf_type_name(sv->type), STR(why));
        msg_warn("%s, line %d: %s/%s service: %s -- service not started",
                 sv->source, sv->line, sv->name, master_cf_type_name(sv->type),
                 STR(why));
        ret = -1;
    }
    strbuf_free(why);
    return ret;
}

/* master_services_start - start eligible services not running yet */
int
master_services_start(MASTER *m, int fatal, int dgram_only)
{
    const MASTER_CF_SERVICE *sv;
    int count = 0;
    size_t i;

    /*
     * Master logs through the postlog service's datagram socket, so that
     * one opens before logging is set up, quietly; the second call, with
     * logging in place, reports what was skipped.
     */
    for (i = 0; i < m->cf->count; i++) {
        sv = m->cf->services[i];
        if ((dgram_only && sv->type != MASTER_CF_UNIX_DGRAM) ||
            master_serv_find(m->services, sv->name, sv->type) != NULL ||
            !master_service_eligible(sv, m->params, !dgram_only))
            continue;
        if (master_start_one(m, sv, fatal) == 0)
            count++;
    }
    return count;
}

/* master_serv_update - adopt a new definition; -1: listeners lost */
static int
master_serv_update(MASTER_SERV *serv, const MASTER_CF_SERVICE *sv, int renew)
{
    STRBUF *endp = strbuf_create(64);
    STRBUF *why = strbuf_create(64);
    int wake = renew || sv->wakeup != serv->cf->wakeup ||
               sv->wakeup_if_used != serv->cf->wakeup_if_used;
    int ret = 0;

    if (renew)
        master_spawn_new_gen(serv);
    if (master_endpoint(endp, sv, serv->master->params, why) < 0) {
        ret = -1;
    } else if (strcmp(STR(endp), serv->endpoint) != 0) {
        /* Same service, other address or folder: move the listeners. */
        master_listen_close(serv, 1);
        myfree(serv->endpoint);
        serv->endpoint = mystrdup(STR(endp));
        serv->cf = sv;
        ret = master_listen_open(serv, why);
    }
    if (ret < 0)
        msg_warn("%s, line %d: %s service: %s -- service stopped", sv->source,
                 sv->line, serv->key, STR(why));
    master_serv_config(serv, sv);
    if (wake) {
        master_wakeup_stop(serv);
        master_wakeup_start(serv);
    }
    master_listen_update(serv);
    strbuf_free(endp);
    strbuf_free(why);
    return ret;
}

/* What a reload's diff callback needs. */
typedef struct MASTER_RELOAD {
    MASTER *m;
    int main_cf_changed;
    int started, renewed, stopped;
} MASTER_RELOAD;

/* master_reload_one - apply one service of the diff */
static void
master_reload_one(int kind, const MASTER_CF_SERVICE *old_sv,
                  const MASTER_CF_SERVICE *new_sv, void *ctx)
{
    MASTER_RELOAD *r = ctx;
    MASTER *m = r->m;
    MASTER_SERV *serv =
        old_sv ? master_serv_find(m->services, old_sv->name, old_sv->type)
               : NULL;
    int eligible = new_sv && master_service_eligible(new_sv, m->params, 1);
    int renew = kind == MASTER_DIFF_CHANGED || r->main_cf_changed;

    if (serv != NULL &&
        (!eligible || master_serv_update(serv, new_sv, renew) < 0)) {
        master_serv_retire(serv, !eligible);
        r->stopped++;
    } else if (serv != NULL) {
        r->renewed += renew;
    } else if (eligible && master_start_one(m, new_sv, 0) == 0) {
        r->started++;
    }
}

/* master_services_reload - apply a new master.cf and main.cf */
void
master_services_reload(MASTER *m, MASTER_CF *new_cf, MASTER_PARAMS *new_p,
                       int main_cf_changed)
{
    MASTER_RELOAD r = {m, main_cf_changed, 0, 0, 0};
    MASTER_CF *old_cf = m->cf;

    if (strcmp(new_p->queue_dir, m->params->queue_dir) != 0) {
        msg_warn("queue_directory changed from %s to %s: stop and start "
                 "the mail system for this to take effect",
                 m->params->queue_dir, new_p->queue_dir);
        myfree(new_p->queue_dir);
        new_p->queue_dir = mystrdup(m->params->queue_dir);
    }
    master_params_free(m->params);
    m->params = new_p;
    master_unthrottle_all(m);
    master_diff(old_cf, new_cf, master_reload_one, &r);
    m->cf = new_cf;
    master_cf_free(old_cf);
    msg_info("reload: %d services started, %d restarting, %d stopped%s",
             r.started, r.renewed, r.stopped,
             main_cf_changed ? " (main.cf changed)" : "");
}

/* master_services_stop - close listeners and generation pipes (stop) */
void
master_services_stop(MASTER *m)
{
    MASTER_SERV *serv;
    int i;

    for (serv = m->services; serv != NULL; serv = serv->next) {
        serv->removed = 1;
        /* The postlog socket stays open: its lines are drained later. */
        if (serv->cf->type == MASTER_CF_UNIX_DGRAM)
            master_listen_update(serv);
        else
            master_listen_close(serv, 0);
        master_wakeup_stop(serv);
        for (i = 0; i < 2; i++) {
            if (serv->gen_fd[i] >= 0)
                (void) close(serv->gen_fd[i]);
            serv->gen_fd[i] = -1;
        }
    }
}

/* master_services_free - release every service, running or retired */
void
master_services_free(MASTER *m)
{
    MASTER_SERV *serv;

    while ((serv = m->services) != NULL) {
        m->services = serv->next;
        master_serv_free(serv);
    }
    while ((serv = m->retired) != NULL) {
        m->retired = serv->next;
        master_serv_free(serv);
    }
}

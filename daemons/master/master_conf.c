/*
 * master_conf - what master reads from main.cf and master.cf.
 *
 * master_params_load() copies the main.cf values master uses out of the
 * loaded configuration (mail_conf_load() first) into a MASTER_PARAMS the
 * caller frees with master_params_free(); it returns NULL with a reason
 * when mail_owner or setgid_group do not exist (root only).  A bad value
 * is fatal (mail_conf's typed getters), so a reload validates first.
 *
 * master_batch_scheduled() says whether the program at path (its last
 * name) is one of batch_scheduled_services, whose processes master
 * starts under Linux's SCHED_BATCH: a woken SCHED_BATCH process does not
 * preempt the running one.  The default lists mail intake (smtpd,
 * cleanup, pickup) and postlogd: on a busy host a hand-off to one of them
 * (smtpd to cleanup, any daemon to postlogd) then costs one context
 * switch instead of two, and what was accepted is delivered before more
 * is taken in, since qmgr and the delivery agents still preempt intake
 * (the scheduler's counterpart of Postfix's in_flow_delay).  An idle CPU
 * runs a woken process at once whatever its policy.
 *
 * master_disabled() applies master_service_disable: a list of patterns,
 * each "type" (every service of that type), "name/type", "name.type"
 * (Postfix 2.6 to 2.10) or a bare "name" (any type), "!" in front
 * excluding; the first match decides.  master_cf_load() reads
 * CONFIG_DIR/master.cf into a list the caller owns, NULL and a reason on
 * error.  master_file_text() returns a file's text to myfree(), "" when
 * it cannot be read.  master_backlog() is the listen() backlog of a
 * service.
 */
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>

#include "mail_conf.h"
#include "master.h"
#include "master_cf.h"
#include "msg.h"
#include "mymalloc.h"

/* master_params_free - release parameters; returns NULL */
MASTER_PARAMS *
master_params_free(MASTER_PARAMS *p)
{
    if (p == NULL)
        return NULL;
    myfree(p->queue_dir);
    myfree(p->daemon_dir);
    myfree(p->mail_owner);
    myfree(p->setgid_group);
    myfree(p->inet_interfaces);
    myfree(p->inet_protocols);
    myfree(p->import_env);
    argv_free(p->disable);
    argv_free(p->batch);
    myfree(p);
    return NULL;
}

/* master_params_ids - look up mail_owner and setgid_group; -1 and why */
static int
master_params_ids(MASTER_PARAMS *p, STRBUF *why)
{
    struct passwd *pw;
    struct group *gr;

    if ((pw = getpwnam(p->mail_owner)) == NULL)
        strbuf_sprintf(why, "mail_owner %s: no such user", p->mail_owner);
    else if (pw->pw_uid == 0)
        strbuf_sprintf(why, "mail_owner %s: must not be root", p->mail_owner);
    else if ((gr = getgrnam(p->setgid_group)) == NULL)
        strbuf_sprintf(why, "setgid_group %s: no such group", p->setgid_group);
    else {
        p->owner_uid = pw->pw_uid;
        p->owner_gid = pw->pw_gid;
        p->setgid_gid = gr->gr_gid;
        return 0;
    }
    return -1;
}

/* master_batch_scheduled - is the program at path a batch-scheduled one? */
int
master_batch_scheduled(const MASTER_PARAMS *p, const char *path)
{
    const char *name = strrchr(path, '/');
    size_t i;

    name = name ? name + 1 : path;
    for (i = 0; i < p->batch->argc; i++)
        if (strcmp(p->batch->argv[i], name) == 0)
            return 1;
    return 0;
}

/* master_params_load - the values master uses; NULL and why on error */
MASTER_PARAMS *
master_params_load(int is_root, STRBUF *why)
{
    MASTER_PARAMS *p = mymalloc(sizeof(*p));
    char *disable = mail_conf_str("master_service_disable");
    char *batch = mail_conf_str("batch_scheduled_services");

    p->queue_dir = mail_conf_str("queue_directory");
    p->daemon_dir = mail_conf_str("daemon_directory");
    p->mail_owner = mail_conf_str("mail_owner");
    p->setgid_group = mail_conf_str("setgid_group");
    p->proc_limit = (int) mail_conf_long("default_process_limit");
    p->throttle_time = (int) mail_conf_time("service_throttle_time");
    p->inet_interfaces = mail_conf_str("inet_interfaces");
    p->inet_protocols = mail_conf_str("inet_protocols");
    p->import_env = mail_conf_str("import_environment");
    p->disable = argv_split(disable, " \t\r\n,");
    myfree(disable);
    p->batch = argv_split(batch, " \t\r\n,");
    myfree(batch);
    p->owner_uid = (uid_t) -1;
    p->owner_gid = p->setgid_gid = (gid_t) -1;
    if (p->proc_limit < 1)
        p->proc_limit = 1;
    if (is_root && master_params_ids(p, why) < 0)
        return master_params_free(p);
    return p;
}

/* master_is_type - is str[0..len) a service type name? */
static int
master_is_type(const char *str, size_t len)
{
    static const char *types[] = {"inet", "unix", "unix-dgram", "fifo", "pass"};
    size_t i;

    for (i = 0; i < sizeof(types) / sizeof(types[0]); i++)
        if (strlen(types[i]) == len && strncmp(types[i], str, len) == 0)
            return 1;
    return 0;
}

/* master_pattern_match - does one pattern (without "!") match? */
static int
master_pattern_match(const char *pat, const char *name, const char *type)
{
    const char *sep = strrchr(pat, '/');
    size_t nlen;

    if (sep == NULL && (sep = strrchr(pat, '.')) != NULL &&
        !master_is_type(sep + 1, strlen(sep + 1)))
        sep = NULL;
    if (sep == NULL)
        return master_is_type(pat, strlen(pat)) ? strcmp(pat, type) == 0
                                                : strcmp(pat, name) == 0;
    nlen = (size_t) (sep - pat);
    return strcmp(sep + 1, type) == 0 && strlen(name) == nlen &&
           strncmp(pat, name, nlen) == 0;
}

/* master_disabled - does master_service_disable turn this service off? */
int
master_disabled(const ARGV *disable, const char *name, const char *type)
{
    size_t i;
    const char *pat;
    int negate;

    for (i = 0; disable != NULL && i < disable->argc; i++) {
        pat = disable->argv[i];
        if ((negate = (*pat == '!')) != 0)
            pat++;
        if (*pat != 0 && master_pattern_match(pat, name, type))
            return !negate;
    }
    return 0;
}

/* master_cf_load - read CONFIG_DIR/master.cf; NULL and err on error */
MASTER_CF *
master_cf_load(const char *config_dir, STRBUF *err)
{
    MASTER_CF *mc = master_cf_create();
    STRBUF *path = strbuf_create(100);

    strbuf_sprintf(path, "%s/master.cf", config_dir);
    if (master_cf_read(mc, STR(path), err) < 0)
        mc = master_cf_free(mc);
    strbuf_free(path);
    return mc;
}

/* master_file_text - a file's text to myfree(); "" when unreadable */
char *
master_file_text(const char *path)
{
    STRBUF *text = strbuf_create(1024);
    char buf[4096];
    FILE *fp;
    size_t n;

    if ((fp = fopen(path, "re")) != NULL) {
        while (LEN(text) < MASTER_CF_MAX_FILE &&
               (n = fread(buf, 1, sizeof(buf), fp)) > 0)
            strbuf_memcat(text, buf, n);
        (void) fclose(fp);
    }
    return strbuf_export(text);
}

/* master_backlog - listen() backlog: the larger of maxproc and the limit */
int
master_backlog(const MASTER_PARAMS *p, int maxproc)
{
    int backlog = maxproc > p->proc_limit ? maxproc : p->proc_limit;

    return backlog < MASTER_MIN_BACKLOG ? MASTER_MIN_BACKLOG : backlog;
}

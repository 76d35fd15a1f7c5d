/*
 * maillog_client - point this process's log lines where main.cf says.
 *
 * maillog_client_init(progname, flags) names the lines SYSLOG_NAME/PROG
 * (syslog_name, "postern" by default, so "postern/smtpd") on behalf of
 * myhostname, then picks one channel:
 *   - maillog_file empty: syslog, facility syslog_facility;
 *   - maillog_file set: the postlog service, a datagram socket at
 *     queue_directory/public/postlog_service_name, connected now (before
 *     any chroot) so that a chrooted daemon keeps it; postlogd writes the
 *     file.  Without the socket, MAILLOG_CLIENT_DIRECT opens the file
 *     itself (a command before master runs); otherwise stderr.
 * MAILLOG_CLIENT_STDERR adds standard error.  Earlier channels are
 * closed first, so calling it again (after a reload) is safe.
 *
 * An unknown syslog_facility is fatal (a broken configuration); a
 * channel that cannot be opened is returned as -1 after a warning on
 * stderr.  Nothing here keeps memory.
 */
#include <errno.h>
#include <string.h>
#include <syslog.h>

#include "mail_conf.h"
#include "maillog_client.h"
#include "msg.h"
#include "mymalloc.h"
#include "strbuf.h"

/* Facilities syslog_facility may name. */
static const struct {
    const char *name;
    int value;
} facilities[] = {
    {"mail", LOG_MAIL},     {"user", LOG_USER},         {"daemon", LOG_DAEMON},
    {"auth", LOG_AUTH},     {"authpriv", LOG_AUTHPRIV}, {"local0", LOG_LOCAL0},
    {"local1", LOG_LOCAL1}, {"local2", LOG_LOCAL2},     {"local3", LOG_LOCAL3},
    {"local4", LOG_LOCAL4}, {"local5", LOG_LOCAL5},     {"local6", LOG_LOCAL6},
    {"local7", LOG_LOCAL7},
};

/* facility_value - syslog_facility as a number; fatal when unknown */
static int
facility_value(const char *name)
{
    size_t i;

    for (i = 0; i < sizeof(facilities) / sizeof(facilities[0]); i++)
        if (strcasecmp(name, facilities[i].name) == 0)
            return facilities[i].value;
    msg_fatal("syslog_facility = %s: unknown facility", name);
}

/* use_syslog - the default channel */
static int
use_syslog(void)
{
    char *facility = mail_conf_str("syslog_facility");

    msg_syslog_init(facility_value(facility));
    myfree(facility);
    return 0;
}

/* use_postlog - the postlog socket, else the file itself, else stderr */
static int
use_postlog(const char *file, int flags)
{
    char *qdir = mail_conf_str("queue_directory");
    char *service = mail_conf_str("postlog_service_name");
    STRBUF *path = strbuf_create(100);
    int ret = 0, saved;

    strbuf_sprintf(path, "%s/public/%s", qdir, service);
    /* The kernel queues few datagrams (net.unix.max_dgram_qlen, often
     * 10): a burst while postlogd waits for a CPU must not lose lines. */
    msg_dgram_wait(MAILLOG_CLIENT_WAIT_MS);
    if (msg_dgram_init(STR(path)) < 0) {
        saved = errno;
        if ((flags & MAILLOG_CLIENT_DIRECT) == 0 || msg_file_init(file) < 0) {
            msg_stderr_init();
            msg_warn("maillog_file %s: postlog service %s: %s; logging to "
                     "stderr",
                     file, STR(path), strerror(saved));
            if (flags & MAILLOG_CLIENT_DIRECT)
                msg_warn("maillog_file %s: cannot open: %m", file);
            ret = -1;
        }
    }
    strbuf_free(path);
    myfree(service);
    myfree(qdir);
    return ret;
}

/* maillog_client_init - set up this process's logging per main.cf */
int
maillog_client_init(const char *progname, int flags)
{
    char *name = mail_conf_str("syslog_name");
    char *host = mail_conf_str("myhostname");
    char *file = mail_conf_str("maillog_file");
    int ret;

    msg_outputs_reset();
    msg_set_syslog_name(name);
    msg_set_progname(progname);
    msg_set_hostname(host);
    ret = *file ? use_postlog(file, flags) : use_syslog();
    if (flags & MAILLOG_CLIENT_STDERR)
        msg_stderr_init();
    myfree(file);
    myfree(host);
    myfree(name);
    return ret;
}

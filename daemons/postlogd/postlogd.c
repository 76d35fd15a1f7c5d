/*
 * postlogd - the postlog service: appends each datagram sent to the
 * public/postlog socket (one formatted log line, see msg.c) to
 * maillog_file, so that chrooted and unprivileged processes log to one
 * file.  master.cf: "postlog unix-dgram n - n - 1 postlogd".
 *
 * The file is opened in PRE_INIT, as root, before the skeleton drops to
 * mail_owner; the descriptor is kept for the process's life (no
 * rotation).  The lines of datagrams that were waiting together (at
 * most 100, see dgram_server) go out in one write() at the end of the
 * batch, and before any exit.  A path outside maillog_file_prefixes, or
 * one that cannot be opened, is fatal (said to syslog and stderr, as
 * there is no file).  postlogd's own messages go straight into the file,
 * never through its own socket, so a write problem cannot feed itself.
 * With maillog_file empty it warns and discards what it receives.
 */
#include <syslog.h>

#include "mail_conf.h"
#include "mail_server.h"
#include "msg.h"
#include "mymalloc.h"
#include "postlogd_write.h"
#include "strbuf.h"

static int log_fd = -1;  /* maillog_file, opened as root */
static STRBUF *line;     /* the datagram being formatted */
static STRBUF *pending;  /* lines of this batch, not yet written */
static int write_failed; /* the last append failed (warn once per run) */

/* Written at once when the batch grows this long. */
#define POSTLOGD_PENDING_MAX (64 * 1024)

/* postlogd_flush - write the pending lines, in one write() if it can */
static void
postlogd_flush(void)
{
    if (log_fd < 0 || LEN(pending) == 0)
        return;
    if (postlogd_append(log_fd, pending) == 0) {
        write_failed = 0;
    } else if (write_failed++ == 0) {
        msg_warn("write maillog_file: %m; dropping log lines");
    }
    strbuf_reset(pending);
}

/* postlogd_service - one datagram as a line, written with its batch */
static void
postlogd_service(const char *buf, size_t len, const char *service, char **argv)
{
    (void) service;
    (void) argv;
    if (log_fd < 0)
        return;
    postlogd_line(line, buf, len, MAIL_SERVER_DGRAM_MAX);
    if (LEN(line) == 0)
        return;
    strbuf_memcat(pending, STR(line), LEN(line));
    if (LEN(pending) >= POSTLOGD_PENDING_MAX)
        postlogd_flush();
}

/* log_direct - our own lines go into the file, not through our socket */
static void
log_direct(const char *file)
{
    msg_outputs_reset();
    if (msg_file_init(file) < 0)
        msg_stderr_init();
}

/* fatal_elsewhere - no file to say it in: tell syslog and stderr, exit */
static void
fatal_elsewhere(const char *why)
{
    msg_outputs_reset();
    msg_syslog_init(LOG_MAIL);
    msg_stderr_init();
    msg_fatal("%s", why);
}

/* postlogd_pre_init - as root: check and open maillog_file */
static void
postlogd_pre_init(const char *service, char **argv)
{
    char *file = mail_conf_str("maillog_file");
    char *prefixes = mail_conf_str("maillog_file_prefixes");
    STRBUF *why = strbuf_create(100);

    (void) argv;
    line = strbuf_create(1024);
    pending = strbuf_create(4096);
    if (*file == 0) {
        msg_warn("service %s: maillog_file is empty; discarding log lines",
                 service);
    } else {
        if (postlogd_path_ok(file, prefixes, why) < 0 ||
            (log_fd = postlogd_open(file, why)) < 0)
            fatal_elsewhere(STR(why));
        log_direct(file);
    }
    strbuf_free(why);
    myfree(prefixes);
    myfree(file);
}

int
main(int argc, char **argv)
{
    dgram_server_main(argc, argv, postlogd_service, MAIL_SERVER_PRE_INIT,
                      postlogd_pre_init, MAIL_SERVER_BATCH_END, postlogd_flush,
                      MAIL_SERVER_EXIT, postlogd_flush, MAIL_SERVER_UNLIMITED,
                      1, 0);
}

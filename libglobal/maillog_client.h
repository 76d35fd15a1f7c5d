#ifndef MAILLOG_CLIENT_H
#define MAILLOG_CLIENT_H

/*
 * maillog_client - where this process's log lines go, per main.cf.
 *
 * With maillog_file empty: syslog, facility syslog_facility, ident
 * syslog_name/PROGRAM (postern/smtpd).  With maillog_file set: each line
 * is sent as one datagram to the postlog service
 * (queue_directory/public/postlog, a unix-dgram socket served by
 * postlogd, which writes the file), so that chrooted daemons log too;
 * the socket is connected before chroot.  A command run by root with
 * MAILLOG_CLIENT_DIRECT may write the file itself when the postlog
 * socket is absent (postern start before master runs).  Stderr is added
 * with MAILLOG_CLIENT_STDERR.  A line may wait up to
 * MAILLOG_CLIENT_WAIT_MS for room in the socket's queue, which the kernel
 * keeps short, before it is dropped and counted: a busy postlogd slows a
 * burst of lines a little rather than losing them.
 *
 * maillog_client_init() needs mail_conf_load() first.  It returns 0, or
 * -1 after logging to stderr why the chosen channel could not be set up
 * (the process then logs to stderr only).
 */

#define MAILLOG_CLIENT_STDERR (1 << 0) /* also to standard error */
#define MAILLOG_CLIENT_WAIT_MS 200     /* per line, for room in the queue */
#define MAILLOG_CLIENT_DIRECT (1 << 1) /* may write maillog_file itself */

extern int maillog_client_init(const char *progname, int flags);

#endif

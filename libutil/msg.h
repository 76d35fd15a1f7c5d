#ifndef MSG_H
#define MSG_H

/*
 * msg - diagnostics: one line per event, in Postfix's shape
 * ("postern/smtpd[123]: warning: text").
 *
 * Levels: msg_info (normal events), msg_warn (wrong, we continue),
 * msg_error (recoverable, counted; fatal past msg_error_limit),
 * msg_fatal (environment broken: exit 1), msg_panic (our bug: abort).
 * Output goes to every channel enabled: stderr, syslog (facility mail), a
 * file, or a datagram socket (the postlog service, which writes the file
 * for processes that cannot, chrooted ones say).  With none enabled,
 * stderr is used.
 */
#include <stdarg.h>

#define MSG_ATTR(f, a) __attribute__((format(printf, f, a)))
#define MSG_NORETURN __attribute__((noreturn))

/* Severity levels, passed to output channels. */
#define MSG_INFO  0
#define MSG_WARN  1
#define MSG_ERROR 2
#define MSG_FATAL 3
#define MSG_PANIC 4

/* Longest log line text; longer text is cut and marked with "...". */
#define MSG_LINE_MAX 2000

extern int msg_verbose;
extern int msg_error_limit;

extern void msg_info(const char *fmt, ...) MSG_ATTR(1, 2);
extern void msg_warn(const char *fmt, ...) MSG_ATTR(1, 2);
extern void msg_error(const char *fmt, ...) MSG_ATTR(1, 2);
extern void msg_fatal(const char *fmt, ...) MSG_ATTR(1, 2) MSG_NORETURN;
extern void msg_fatal_status(int status, const char *fmt, ...) MSG_ATTR(2, 3)
    MSG_NORETURN;
extern void msg_panic(const char *fmt, ...) MSG_ATTR(1, 2) MSG_NORETURN;
extern void msg_vprintf(int level, const char *fmt, va_list ap) MSG_ATTR(2, 0);

/* Set the program name used in every line: "postern/NAME". */
extern void msg_set_progname(const char *name);
extern const char *msg_progname(void);

/* The prefix of that name (syslog_name; "postern" unless set). */
extern void msg_set_syslog_name(const char *name);

/* The host named in file and datagram lines (else gethostname()). */
extern void msg_set_hostname(const char *name);

/* Output channels; each may be enabled once. */
extern void msg_stderr_init(void);
extern void msg_syslog_init(int facility);
extern int msg_file_init(const char *path);
extern int msg_dgram_init(const char *path);
extern void msg_outputs_reset(void);

/*
 * The datagram channel never blocks: a line the socket cannot take now is
 * dropped and counted, unless a wait was set (commands that may block).
 */
extern void msg_dgram_wait(int millis);
extern long msg_dgram_drops(void);

/* A function run once before a fatal exit (remove a lock, say). */
typedef void (*MSG_CLEANUP_FN)(void);
extern MSG_CLEANUP_FN msg_cleanup(MSG_CLEANUP_FN fn);

extern int msg_error_count(void);
extern const char *msg_level_name(int level);

/* Format the file channel's timestamp prefix (for tests and postlogd). */
extern void msg_format_line(char *buf, int len, long when, const char *host,
                            const char *progname, int pid, const char *text);

#endif

#ifndef MAIL_SERVER_H
#define MAIL_SERVER_H

/*
 * mail_server - the three daemon skeletons: single_server_main(),
 * multi_server_main() and trigger_server_main().
 *
 * A daemon's main() calls one of them with its service callback and a
 * list of typed options ended by 0, for example
 *
 *   single_server_main(argc, argv, smtpd_service,
 *                      MAIL_SERVER_PRE_INIT, smtpd_pre_init,
 *                      MAIL_SERVER_POST_INIT, smtpd_post_init, 0);
 *
 * The skeleton then, in this order (the privilege recipe):
 *   1. parses the master_proto.h command line (-c -n -t -s -r -u -o -v);
 *   2. loads main.cf with the -o overrides (mail_conf_load) and warns once
 *      about unknown parameters (mail_conf_validate);
 *   3. sets up logging (maillog_client_init) and the process title;
 *   4. runs PRE_INIT as root (open tables, keys, sockets);
 *   5. chdir()s to queue_directory; with -r, chroot()s there;
 *   6. with -u (and when running as root), drops to mail_owner's uid and
 *      gid (setgroups, setgid, setuid; checked); not root: logs once that
 *      it runs as the invoking user;
 *   7. runs POST_INIT, unprivileged;
 *   8. serves: waits on the listening descriptors and MASTER_GEN_FD,
 *      reports MASTER_STAT_TAKEN/AVAIL, calls the service callback,
 *      exits after max_use clients (0: no limit) or max_idle seconds
 *      without one, when MASTER_GEN_FD reports EOF (after the current
 *      client), or on SIGTERM (whose handler only sets a flag; stream I/O
 *      in progress fails at once through stream_set_stop_flag()).
 * EXIT runs before every orderly exit.  Nothing returns to main().
 *
 * Single-server: one client at a time; the callback gets the connected
 * stream with a deadline of daemon_timeout and may read and write as it
 * pleases; the skeleton closes the stream afterwards.  Multi-server: an
 * event loop over many clients; the callback is called each time a
 * client has input (also when input is already buffered) and should
 * handle one request; multi_server_disconnect() ends a client.
 * Trigger-server: the callback gets the bytes read from the FIFO or UNIX
 * socket (at most MAIL_SERVER_TRIGGER_MAX at a time), including master's
 * TRIGGER_REQ_WAKEUP.  A unix-dgram service (postlog) is served by
 * dgram_server_main(): the callback gets each datagram, and BATCH_END
 * runs after each run of datagrams that were waiting together.
 */
#include <stddef.h>

#include "events.h"
#include "stream.h"

/* Options, each followed by its value. */
#define MAIL_SERVER_PRE_INIT   1 /* MAIL_SERVER_INIT_FN, as root */
#define MAIL_SERVER_POST_INIT  2 /* MAIL_SERVER_INIT_FN, unprivileged */
#define MAIL_SERVER_EXIT       3 /* MAIL_SERVER_EXIT_FN */
#define MAIL_SERVER_DISCONNECT 4 /* MULTI_SERVER_DISCONNECT_FN (multi) */
#define MAIL_SERVER_PRE_ACCEPT 5 /* MAIL_SERVER_EXIT_FN-shaped, before a wait */
#define MAIL_SERVER_SOLITARY   6 /* int: maxproc must be 1 (qmgr, pickup) */
#define MAIL_SERVER_UNLIMITED  7 /* int: ignore max_use and max_idle */
#define MAIL_SERVER_WAIT_LIMIT 8 /* MAIL_SERVER_WAIT_FN: wake by then */
#define MAIL_SERVER_BATCH_END  9 /* MAIL_SERVER_EXIT_FN, after each batch */

/* Most bytes a trigger-server reads at once; datagrams are bounded too. */
#define MAIL_SERVER_TRIGGER_MAX 1024
#define MAIL_SERVER_DGRAM_MAX   (64 * 1024)

typedef void (*MAIL_SERVER_INIT_FN)(const char *service, char **argv);
typedef void (*MAIL_SERVER_EXIT_FN)(void);
/* Milliseconds the process may wait for a client before PRE_ACCEPT has
 * work again; -1: no limit. */
typedef int (*MAIL_SERVER_WAIT_FN)(void);
typedef void (*SINGLE_SERVER_FN)(STREAM *client, const char *service,
                                 char **argv);
typedef void (*MULTI_SERVER_FN)(STREAM *client, const char *service,
                                char **argv);
typedef void (*MULTI_SERVER_DISCONNECT_FN)(STREAM *client);
typedef void (*TRIGGER_SERVER_FN)(const char *buf, size_t len,
                                  const char *service, char **argv);
typedef void (*DGRAM_SERVER_FN)(const char *buf, size_t len,
                                const char *service, char **argv);

extern void single_server_main(int argc, char **argv, SINGLE_SERVER_FN fn,
                               ...) __attribute__((noreturn));
extern void multi_server_main(int argc, char **argv, MULTI_SERVER_FN fn, ...)
    __attribute__((noreturn));
extern void trigger_server_main(int argc, char **argv, TRIGGER_SERVER_FN fn,
                                ...) __attribute__((noreturn));
extern void dgram_server_main(int argc, char **argv, DGRAM_SERVER_FN fn, ...)
    __attribute__((noreturn));

/* single_server_request_done - after each request of a client that sends
 * several; 0: serve this client no more (stop, max_use, retired) */
extern int single_server_request_done(void);

/* multi_server_disconnect - end a client (from inside the callback too) */
extern void multi_server_disconnect(STREAM *client);

/* mail_server_loop - the multi/trigger server's event loop (for timers) */
extern EVENT_LOOP *mail_server_loop(void);

/* What the skeleton learnt from its command line. */
extern const char *mail_server_service(void); /* -n */
extern const char *mail_server_type(void);    /* -t */

#endif

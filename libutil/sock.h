#ifndef SOCK_H
#define SOCK_H

/*
 * sock - listening and connecting sockets, UNIX-domain and TCP.
 *
 * Every descriptor returned is close-on-exec and owned by the caller.
 * Hosts and ports are numeric: nothing here consults DNS.  Failures return
 * -1 with errno set; none is fatal.  Address text goes into result
 * strings the caller owns.
 */
#include "strbuf.h"

/* Flags of sock_unix_listen() and sock_inet_listen(). */
#define SOCK_FLAG_NONBLOCK (1 << 0) /* the listening socket is non-blocking */

struct sockaddr_un;

/* sock_unix_addr - fill in a UNIX-domain address; -1+errno: path bad */
extern int sock_unix_addr(struct sockaddr_un *sun, const char *path);
extern int sock_unix_listen(const char *path, int backlog, int flags);
extern int sock_unix_connect(const char *path, int timeout_ms);
extern int sock_inet_listen(const char *addr, int backlog, int flags);
extern int sock_inet_connect(const char *host, const char *port,
                             int timeout_ms);
extern int sock_accept(int listen_fd);
extern int sock_set_nonblock(int fd, int on);
extern int sock_set_cloexec(int fd, int on);
extern int sock_peer_addr(int fd, STRBUF *addr, STRBUF *port);
extern int sock_local_addr(int fd, STRBUF *addr, STRBUF *port);
extern int sock_parse_hostport(const char *str, STRBUF *host, STRBUF *port,
                               STRBUF *why);

#endif

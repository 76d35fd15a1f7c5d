/*
 * sock - listening and connecting sockets, UNIX-domain and TCP.
 *
 * sock_unix_listen() replaces a stale socket file (never a file of any
 * other type) and listens on path.  sock_inet_listen() listens on
 * "host:port", "[ipv6-host]:port" or "port" (all IPv4 addresses, as does
 * host "*"); an IPv6 listener is IPV6_V6ONLY, so a dual-stack server opens
 * one per family.  sock_unix_connect() and sock_inet_connect() give up
 * after timeout_ms (0: no limit) with ETIMEDOUT and return a blocking
 * descriptor.  sock_accept() returns a connection.
 *
 * sock_peer_addr() and sock_local_addr() write the address and port as
 * text into result strings the caller owns (either may be NULL): IPv4 as
 * "127.0.0.1", IPv6 as "::1", an IPv4-mapped IPv6 address as IPv4, and a
 * UNIX-domain socket as its path (empty when unnamed) with an empty port.
 * sock_parse_hostport() checks the syntax of an address and says what is
 * wrong in why.
 *
 * Hosts and ports are numeric (AI_NUMERICHOST | AI_NUMERICSERV), so
 * nothing here asks DNS or /etc/services.  Every descriptor made here is
 * close-on-exec and owned by the caller.  Failures return -1 with errno
 * set (EINVAL for an address that does not parse); none is fatal.  A bad
 * flag or timeout is our bug and panics.
 */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "clock_ms.h"
#include "msg.h"
#include "sock.h"

#define SOCK_PORT_MAX 65535

/* sock_set_flag - set or clear one fcntl flag */
static int
sock_set_flag(int fd, int get, int set, int flag, int on)
{
    int old = fcntl(fd, get);
    int new;

    if (old < 0)
        return -1;
    new = on ? old | flag : old & ~flag;
    if (new != old && fcntl(fd, set, new) < 0)
        return -1;
    return 0;
}

/* sock_set_nonblock - turn O_NONBLOCK on or off */
int
sock_set_nonblock(int fd, int on)
{
    return sock_set_flag(fd, F_GETFL, F_SETFL, O_NONBLOCK, on);
}

/* sock_set_cloexec - turn FD_CLOEXEC on or off */
int
sock_set_cloexec(int fd, int on)
{
    return sock_set_flag(fd, F_GETFD, F_SETFD, FD_CLOEXEC, on);
}

/* sock_close_fail - close fd after a failure, keeping its errno */
static int
sock_close_fail(int fd)
{
    int err = errno;

    (void) close(fd);
    errno = err;
    return -1;
}

/* sock_check_port - accept a decimal port 0..65535 */
static int
sock_check_port(const char *port, STRBUF *why)
{
    const char *cp;
    long val = 0;

    if (*port == 0)
        return strbuf_fail(why, EINVAL, "missing port");
    for (cp = port; *cp != 0; cp++) {
        if (*cp < '0' || *cp > '9')
            return strbuf_fail(why, EINVAL, "bad port \"%.40s\"", port);
        if ((val = val * 10 + (*cp - '0')) > SOCK_PORT_MAX)
            return strbuf_fail(why, EINVAL, "port %.40s out of range 0-%d",
                               port, SOCK_PORT_MAX);
    }
    return 0;
}

/* sock_check_host - refuse an empty host or one with blanks or controls */
static int
sock_check_host(const char *host, size_t len, STRBUF *why)
{
    size_t i;

    if (len == 0)
        return strbuf_fail(why, EINVAL, "empty host");
    for (i = 0; i < len; i++)
        if ((unsigned char) host[i] <= ' ' || host[i] == 0x7f)
            return strbuf_fail(why, EINVAL, "bad character in host");
    return 0;
}

/* sock_parse_bracketed - split "[host]:port" */
static int
sock_parse_bracketed(const char *str, STRBUF *host, STRBUF *port, STRBUF *why)
{
    const char *end = strchr(str, ']');
    size_t len;

    if (end == NULL)
        return strbuf_fail(why, EINVAL, "\"%.60s\": missing ']'", str);
    len = (size_t) (end - str - 1);
    if (memchr(str + 1, '[', len) != NULL)
        return strbuf_fail(why, EINVAL, "\"%.60s\": unexpected '['", str);
    if (end[1] != ':')
        return strbuf_fail(why, EINVAL, "\"%.60s\": %s", str,
                           end[1] ? "text after ']'" : "missing port");
    if (sock_check_host(str + 1, len, why) < 0 ||
        sock_check_port(end + 2, why) < 0)
        return -1;
    (void) strbuf_memcpy(host, str + 1, len);
    (void) strbuf_strcpy(port, end + 2);
    return 0;
}

/* sock_parse_hostport - split "host:port", "[host]:port" or "port" */
int
sock_parse_hostport(const char *str, STRBUF *host, STRBUF *port, STRBUF *why)
{
    const char *colon = strrchr(str, ':');

    strbuf_reset(host);
    strbuf_reset(port);
    if (*str == 0)
        return strbuf_fail(why, EINVAL, "empty address");
    if (*str == '[')
        return sock_parse_bracketed(str, host, port, why);
    /* Only a port: the caller picks the wildcard address. */
    if (colon == NULL) {
        if (sock_check_port(str, why) < 0)
            return -1;
        (void) strbuf_strcpy(port, str);
        return 0;
    }
    if (strchr(str, ':') != colon)
        return strbuf_fail(why, EINVAL,
                           "\"%.60s\": IPv6 address needs [brackets]", str);
    if (sock_check_host(str, (size_t) (colon - str), why) < 0 ||
        sock_check_port(colon + 1, why) < 0)
        return -1;
    (void) strbuf_memcpy(host, str, (size_t) (colon - str));
    (void) strbuf_strcpy(port, colon + 1);
    return 0;
}

/* sock_resolve - numeric host and port to one address; NULL and EINVAL */
static struct addrinfo *
sock_resolve(const char *host, const char *port, int flags)
{
    struct addrinfo hints;
    struct addrinfo *res;

    if (sock_check_port(port, NULL) < 0)
        return NULL;
    memset(&hints, 0, sizeof(hints));
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV | flags;
    if (getaddrinfo(host, port, &hints, &res) != 0) {
        errno = EINVAL;
        return NULL;
    }
    return res;
}

/* sock_listen_opts - the options a listener needs before bind() */
static int
sock_listen_opts(int fd, int family)
{
    int on = 1;

    if (family != AF_UNIX &&
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) < 0)
        return -1;
    if (family == AF_INET6 &&
        setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof(on)) < 0)
        return -1;
    return 0;
}

/* sock_listen_at - a socket bound to sa and listening */
static int
sock_listen_at(const struct sockaddr *sa, socklen_t len, int backlog, int flags)
{
    int type = SOCK_STREAM | SOCK_CLOEXEC;
    int fd;

    if ((flags & ~SOCK_FLAG_NONBLOCK) != 0)
        msg_panic("sock_listen: bad flags 0x%x", (unsigned) flags);
    if (flags & SOCK_FLAG_NONBLOCK)
        type |= SOCK_NONBLOCK;
    if ((fd = socket(sa->sa_family, type, 0)) < 0)
        return -1;
    if (sock_listen_opts(fd, sa->sa_family) < 0 || bind(fd, sa, len) < 0 ||
        listen(fd, backlog) < 0)
        return sock_close_fail(fd);
    return fd;
}

/* sock_unix_addr - a UNIX-domain address; -1 when path does not fit */
int
sock_unix_addr(struct sockaddr_un *sun, const char *path)
{
    size_t len = strlen(path);

    memset(sun, 0, sizeof(*sun));
    if (len == 0 || len >= sizeof(sun->sun_path)) {
        errno = len == 0 ? EINVAL : ENAMETOOLONG;
        return -1;
    }
    sun->sun_family = AF_UNIX;
    memcpy(sun->sun_path, path, len + 1);
    return 0;
}

/* sock_unix_listen - listen on a UNIX-domain socket, replacing a stale one */
int
sock_unix_listen(const char *path, int backlog, int flags)
{
    struct sockaddr_un sun;
    struct stat sb;

    if (sock_unix_addr(&sun, path) < 0)
        return -1;
    /* Only a socket is ours to replace; any other file makes bind() fail. */
    if (lstat(path, &sb) == 0 && S_ISSOCK(sb.st_mode) && unlink(path) < 0 &&
        errno != ENOENT)
        return -1;
    return sock_listen_at((struct sockaddr *) &sun, sizeof(sun), backlog,
                          flags);
}

/* sock_set_sndtimeo - set the send timeout, which also bounds connect() */
static int
sock_set_sndtimeo(int fd, int timeout_ms)
{
    struct timeval tv;

    tv.tv_sec = timeout_ms / 1000;
    tv.tv_usec = (timeout_ms % 1000) * 1000;
    return setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

/* sock_unix_connect - connect to a UNIX-domain socket within timeout_ms */
int
sock_unix_connect(const char *path, int timeout_ms)
{
    struct sockaddr_un sun;
    int fd;
    int ret;

    if (timeout_ms < 0)
        msg_panic("sock_unix_connect: bad timeout %d", timeout_ms);
    if (sock_unix_addr(&sun, path) < 0)
        return -1;
    if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
        return -1;
    /*
     * This connect() waits for room in the listener's backlog, not for a
     * handshake, so poll() cannot time it.  Linux bounds the wait with the
     * send timeout and reports EAGAIN when it runs out.
     */
    if (sock_set_sndtimeo(fd, timeout_ms) < 0)
        return sock_close_fail(fd);
    while ((ret = connect(fd, (struct sockaddr *) &sun, sizeof(sun))) < 0 &&
           errno == EINTR)
        /* void */;
    if (ret < 0 && errno == EAGAIN)
        errno = ETIMEDOUT;
    if (ret < 0 || sock_set_sndtimeo(fd, 0) < 0)
        return sock_close_fail(fd);
    return fd;
}

/* sock_wait_connected - wait for a connect in progress, then its result */
static int
sock_wait_connected(int fd, int timeout_ms)
{
    long long deadline = clock_ms() + timeout_ms;
    struct pollfd pfd = {fd, POLLOUT, 0};
    socklen_t len = sizeof(int);
    int wait = timeout_ms > 0 ? timeout_ms : -1;
    int err;
    int n;

    while ((n = poll(&pfd, 1, wait)) < 0 && errno == EINTR)
        if (timeout_ms > 0 && (wait = (int) (deadline - clock_ms())) < 0)
            wait = 0;
    if (n <= 0) {
        if (n == 0)
            errno = ETIMEDOUT;
        return -1;
    }
    if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
        return -1;
    errno = err;
    return err == 0 ? 0 : -1;
}

/* sock_connect_by - connect a non-blocking socket within timeout_ms */
static int
sock_connect_by(int fd, const struct sockaddr *sa, socklen_t len,
                int timeout_ms)
{
    if (connect(fd, sa, len) == 0)
        return 0;
    /* After EINTR the connect goes on in the background, as if EINPROGRESS. */
    if (errno != EINPROGRESS && errno != EINTR)
        return -1;
    return sock_wait_connected(fd, timeout_ms);
}

/* sock_inet_connect - TCP connect to numeric host and port by timeout_ms */
int
sock_inet_connect(const char *host, const char *port, int timeout_ms)
{
    struct addrinfo *res;
    int fd;

    if (timeout_ms < 0)
        msg_panic("sock_inet_connect: bad timeout %d", timeout_ms);
    if ((res = sock_resolve(host, port, 0)) == NULL)
        return -1;
    fd = socket(res->ai_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd >= 0 &&
        (sock_connect_by(fd, res->ai_addr, res->ai_addrlen, timeout_ms) < 0 ||
         sock_set_nonblock(fd, 0) < 0))
        fd = sock_close_fail(fd);
    freeaddrinfo(res);
    return fd;
}

/* sock_inet_listen - listen on TCP "host:port", "[host]:port" or "port" */
int
sock_inet_listen(const char *addr, int backlog, int flags)
{
    STRBUF *host = strbuf_create(64);
    STRBUF *port = strbuf_create(8);
    struct addrinfo *res = NULL;
    int fd = -1;

    if (sock_parse_hostport(addr, host, port, NULL) == 0) {
        if (LEN(host) == 0 || strcmp(STR(host), "*") == 0)
            strbuf_strcpy(host, "0.0.0.0");
        res = sock_resolve(STR(host), STR(port), AI_PASSIVE);
    }
    if (res != NULL) {
        fd = sock_listen_at(res->ai_addr, res->ai_addrlen, backlog, flags);
        freeaddrinfo(res);
    }
    strbuf_free(host);
    strbuf_free(port);
    return fd;
}

/* sock_accept - accept a connection; the descriptor is close-on-exec */
int
sock_accept(int listen_fd)
{
    int fd;

    while ((fd = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC)) < 0 &&
           errno == EINTR)
        /* void */;
    return fd;
}

/* sock_unix_text - a UNIX-domain address as its path and an empty port */
static int
sock_unix_text(const struct sockaddr_un *sun, socklen_t len, STRBUF *addr,
               STRBUF *port)
{
    size_t off = offsetof(struct sockaddr_un, sun_path);
    size_t max = len > off ? len - off : 0;

    if (addr != NULL)
        (void) strbuf_memcpy(addr, sun->sun_path, strnlen(sun->sun_path, max));
    if (port != NULL)
        strbuf_reset(port);
    return 0;
}

/* sock_unmap - an IPv4-mapped IPv6 address as the IPv4 address */
static void
sock_unmap(const struct sockaddr_in6 *sin6, struct sockaddr_in *sin)
{
    memset(sin, 0, sizeof(*sin));
    sin->sin_family = AF_INET;
    sin->sin_port = sin6->sin6_port;
    memcpy(&sin->sin_addr, sin6->sin6_addr.s6_addr + 12, 4);
}

/* sock_addr_text - an address and port as numeric text */
static int
sock_addr_text(const struct sockaddr_storage *ss, socklen_t len, STRBUF *addr,
               STRBUF *port)
{
    const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *) ss;
    const struct sockaddr *sa = (const struct sockaddr *) ss;
    struct sockaddr_in sin;
    char host[NI_MAXHOST];
    char serv[NI_MAXSERV];

    if (ss->ss_family == AF_UNIX)
        return sock_unix_text((const struct sockaddr_un *) ss, len, addr, port);
    if (ss->ss_family == AF_INET6 && IN6_IS_ADDR_V4MAPPED(&sin6->sin6_addr)) {
        sock_unmap(sin6, &sin);
        sa = (const struct sockaddr *) &sin;
        len = sizeof(sin);
    }
    if (getnameinfo(sa, len, host, sizeof(host), serv, sizeof(serv),
                    NI_NUMERICHOST | NI_NUMERICSERV) != 0) {
        errno = EAFNOSUPPORT;
        return -1;
    }
    if (addr != NULL)
        (void) strbuf_strcpy(addr, host);
    if (port != NULL)
        (void) strbuf_strcpy(port, serv);
    return 0;
}

/* sock_peer_addr - the peer's address and port as text */
int
sock_peer_addr(int fd, STRBUF *addr, STRBUF *port)
{
    struct sockaddr_storage ss;
    socklen_t len = sizeof(ss);

    if (getpeername(fd, (struct sockaddr *) &ss, &len) < 0)
        return -1;
    return sock_addr_text(&ss, len, addr, port);
}

/* sock_local_addr - our own address and port as text */
int
sock_local_addr(int fd, STRBUF *addr, STRBUF *port)
{
    struct sockaddr_storage ss;
    socklen_t len = sizeof(ss);

    if (getsockname(fd, (struct sockaddr *) &ss, &len) < 0)
        return -1;
    return sock_addr_text(&ss, len, addr, port);
}

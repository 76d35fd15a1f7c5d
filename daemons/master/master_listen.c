/*
 * master_listen - a service's listening descriptors.
 *
 * master_inet_addrs() turns an inet service's host and port into the
 * addresses to listen on, "a.b.c.d:port" or "[v6]:port", in an ARGV the
 * caller frees: the host alone when master.cf names one, else one per
 * inet_interfaces entry ("all": 0.0.0.0 and [::]; "loopback-only":
 * 127.0.0.1 and [::1]), limited to the IP versions of inet_protocols.  A
 * port name is looked up in the services database (tcp).  NULL and a
 * reason on error.  master_endpoint() writes where a service listens: the
 * socket or FIFO path relative to queue_directory (private/NAME,
 * public/NAME) or the inet addresses separated by spaces; -1 and a
 * reason when the name cannot be used.
 *
 * master_listen_open() opens the descriptors of serv->endpoint, all
 * non-blocking and close-on-exec: TCP (an IPv6 address the kernel does
 * not support is skipped with a warning), UNIX stream (also "pass"),
 * UNIX datagram (mode 0666), FIFO (mode 0622, opened read-write).  A
 * stale socket or FIFO is replaced; as root the file goes to mail_owner.
 * It returns -1 and a reason when one cannot be opened, closing the
 * others.  master_listen_close() stops watching and closes them, and can
 * remove the file.  master_listen_update() watches the listeners only
 * while the service needs another child: none available, the pool not
 * full, not throttled.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "mail_proto.h"
#include "master.h"
#include "msg.h"
#include "mymalloc.h"
#include "sock.h"
#include "stringops.h"

/* Which IP versions inet_protocols allows. */
#define MASTER_IPV4 (1 << 0)
#define MASTER_IPV6 (1 << 1)

/* master_protocols - inet_protocols as MASTER_IPV* bits; 0 on error */
static int
master_protocols(const char *protocols, STRBUF *why)
{
    ARGV *words = argv_split(protocols, " \t\r\n,");
    int bits = 0;
    size_t i;

    for (i = 0; i < words->argc; i++) {
        if (strcmp(words->argv[i], "all") == 0)
            bits |= MASTER_IPV4 | MASTER_IPV6;
        else if (strcmp(words->argv[i], "ipv4") == 0)
            bits |= MASTER_IPV4;
        else if (strcmp(words->argv[i], "ipv6") == 0)
            bits |= MASTER_IPV6;
        else {
            strbuf_sprintf(why, "inet_protocols: unknown protocol \"%s\"",
                           words->argv[i]);
            bits = 0;
            break;
        }
    }
    if (bits == 0 && LEN(why) == 0)
        strbuf_strcpy(why, "inet_protocols: no protocol");
    argv_free(words);
    return bits;
}

/* master_port - a numeric port, looking up a service name */
static int
master_port(STRBUF *out, const char *port, STRBUF *why)
{
    struct servent *se;

    if (alldig(port)) {
        strbuf_strcpy(out, port);
        return 0;
    }
    if ((se = getservbyname(port, "tcp")) == NULL) {
        strbuf_sprintf(why, "unknown TCP service \"%s\"", port);
        return -1;
    }
    strbuf_sprintf(out, "%d", ntohs((unsigned short) se->s_port));
    return 0;
}

/* master_add_addr - append "host:port" or "[host]:port" */
static void
master_add_addr(ARGV *addrs, const char *host, const char *port)
{
    STRBUF *buf = strbuf_create(64);
    size_t len = strlen(host);

    /* Accept an interface written [v6] as well. */
    if (len > 1 && host[0] == '[' && host[len - 1] == ']') {
        host++;
        len -= 2;
    }
    if (memchr(host, ':', len) != NULL)
        strbuf_sprintf(buf, "[%.*s]:%s", (int) len, host, port);
    else
        strbuf_sprintf(buf, "%.*s:%s", (int) len, host, port);
    argv_add(addrs, STR(buf));
    strbuf_free(buf);
}

/* master_add_interface - the addresses of one inet_interfaces entry */
static void
master_add_interface(ARGV *addrs, const char *iface, const char *port, int bits)
{
    if (strcmp(iface, "all") == 0 || strcmp(iface, "loopback-only") == 0) {
        int all = iface[0] == 'a';

        if (bits & MASTER_IPV4)
            master_add_addr(addrs, all ? "0.0.0.0" : "127.0.0.1", port);
        if (bits & MASTER_IPV6)
            master_add_addr(addrs, all ? "::" : "::1", port);
    } else if (strchr(iface, ':') != NULL ? (bits & MASTER_IPV6) != 0
                                          : (bits & MASTER_IPV4) != 0) {
        master_add_addr(addrs, iface, port);
    }
}

/* master_inet_addrs - the addresses of an inet service; NULL and why */
ARGV *
master_inet_addrs(const char *host, const char *port, const char *interfaces,
                  const char *protocols, STRBUF *why)
{
    STRBUF *num = strbuf_create(8);
    ARGV *addrs = NULL;
    ARGV *ifaces;
    int bits;
    size_t i;

    strbuf_reset(why);
    if (master_port(num, port, why) < 0 ||
        (bits = master_protocols(protocols, why)) == 0) {
        strbuf_free(num);
        return NULL;
    }
    addrs = argv_alloc(2);
    if (host != NULL && *host != 0 && strcmp(host, "*") != 0) {
        master_add_addr(addrs, host, STR(num));
    } else {
        ifaces = argv_split(interfaces, " \t\r\n,");
        for (i = 0; i < ifaces->argc; i++)
            master_add_interface(addrs, ifaces->argv[i], STR(num), bits);
        argv_free(ifaces);
    }
    if (addrs->argc == 0) {
        strbuf_sprintf(why,
                       "no address to listen on (inet_interfaces = %s, "
                       "inet_protocols = %s)",
                       interfaces, protocols);
        addrs = argv_free(addrs);
    }
    strbuf_free(num);
    return addrs;
}

/* master_endpoint - where a service listens; -1 and why when it can't */
int
master_endpoint(STRBUF *out, const MASTER_CF_SERVICE *sv,
                const MASTER_PARAMS *p, STRBUF *why)
{
    ARGV *addrs;
    char *joined;

    if (sv->type == MASTER_CF_INET) {
        addrs = master_inet_addrs(sv->host, sv->port, p->inet_interfaces,
                                  p->inet_protocols, why);
        if (addrs == NULL)
            return -1;
        joined = argv_join(addrs, " ");
        strbuf_strcpy(out, joined);
        myfree(joined);
        argv_free(addrs);
        return 0;
    }
    /* The name becomes a file name: it must stay inside its folder. */
    if (strchr(sv->name, '/') != NULL || strcmp(sv->name, ".") == 0 ||
        strcmp(sv->name, "..") == 0) {
        strbuf_sprintf(why, "service name \"%s\" is not a file name", sv->name);
        return -1;
    }
    strbuf_sprintf(out, "%s/%s",
                   master_cf_private(sv) ? MAIL_CLASS_PRIVATE
                                         : MAIL_CLASS_PUBLIC,
                   sv->name);
    return 0;
}

/* master_unlink_stale - remove an old socket or FIFO at path */
static int
master_unlink_stale(const char *path)
{
    struct stat sb;

    if (lstat(path, &sb) == 0 &&
        (S_ISSOCK(sb.st_mode) || S_ISFIFO(sb.st_mode)) && unlink(path) < 0 &&
        errno != ENOENT)
        return -1;
    return 0;
}

/* master_dgram_listen - a bound, non-blocking UNIX datagram socket */
static int
master_dgram_listen(const char *path)
{
    struct sockaddr_un sun;
    int fd;
    int err;

    if (sock_unix_addr(&sun, path) < 0)
        return -1;
    if (master_unlink_stale(path) < 0)
        return -1;
    fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd >= 0 && bind(fd, (struct sockaddr *) &sun, sizeof(sun)) < 0) {
        err = errno;
        (void) close(fd);
        errno = err;
        fd = -1;
    }
    return fd;
}

/* master_fifo_listen - a FIFO opened read-write and non-blocking */
static int
master_fifo_listen(const char *path)
{
    if (master_unlink_stale(path) < 0 || mkfifo(path, 0622) < 0)
        return -1;
    return open(path, O_RDWR | O_NONBLOCK | O_CLOEXEC | O_NOFOLLOW);
}

/* master_file_perms - owner and mode of a socket or FIFO */
static int
master_file_perms(const MASTER_SERV *serv, mode_t mode)
{
    const MASTER_PARAMS *p = serv->master->params;

    if (serv->master->is_root &&
        chown(serv->endpoint, p->owner_uid, p->owner_gid) < 0)
        return -1;
    return chmod(serv->endpoint, mode);
}

/* master_listen_local - the one descriptor of a unix, dgram, fifo service */
static int
master_listen_local(MASTER_SERV *serv, int backlog)
{
    int fd;
    int err;
    mode_t mode = 0666;

    switch (serv->cf->type) {
        case MASTER_CF_UNIX_DGRAM:
            fd = master_dgram_listen(serv->endpoint);
            break;
        case MASTER_CF_FIFO:
            fd = master_fifo_listen(serv->endpoint);
            mode = 0622;
            break;
        default:
            fd = sock_unix_listen(serv->endpoint, backlog, SOCK_FLAG_NONBLOCK);
            break;
    }
    if (fd >= 0 && master_file_perms(serv, mode) < 0) {
        err = errno;
        (void) close(fd);
        errno = err;
        fd = -1;
    }
    return fd;
}

/* master_listen_add - record one more listening descriptor */
static void
master_listen_add(MASTER_SERV *serv, int fd)
{
    serv->listen_fd = myreallocarray(
        serv->listen_fd, (size_t) serv->listen_count + 1, sizeof(int));
    serv->listen_fd[serv->listen_count++] = fd;
}

/* master_listen_inet - one TCP listener per address */
static int
master_listen_inet(MASTER_SERV *serv, int backlog, STRBUF *why)
{
    ARGV *addrs = argv_split(serv->endpoint, " ");
    size_t i;
    int fd;

    for (i = 0; i < addrs->argc; i++) {
        if ((fd = sock_inet_listen(addrs->argv[i], backlog,
                                   SOCK_FLAG_NONBLOCK)) >= 0) {
            master_listen_add(serv, fd);
        } else if (errno == EAFNOSUPPORT) {
            msg_warn("%s: listen on %s: %m (skipped)", serv->key,
                     addrs->argv[i]);
        } else {
            strbuf_sprintf(why, "listen on %s: %m", addrs->argv[i]);
            break;
        }
    }
    if (i == addrs->argc && serv->listen_count == 0)
        strbuf_sprintf(why, "listen on %s: no address family supported",
                       serv->endpoint);
    argv_free(addrs);
    return LEN(why) > 0 ? -1 : 0;
}

/* master_listen_open - open a service's listeners; -1 and why */
int
master_listen_open(MASTER_SERV *serv, STRBUF *why)
{
    int backlog = master_backlog(serv->master->params, serv->maxproc);
    int fd;

    strbuf_reset(why);
    if (serv->cf->type == MASTER_CF_INET) {
        if (master_listen_inet(serv, backlog, why) < 0) {
            master_listen_close(serv, 0);
            return -1;
        }
        return 0;
    }
    if ((fd = master_listen_local(serv, backlog)) < 0) {
        strbuf_sprintf(why, "listen on %s: %m", serv->endpoint);
        return -1;
    }
    master_listen_add(serv, fd);
    return 0;
}

/* master_listen_close - stop watching, close, maybe remove the file */
void
master_listen_close(MASTER_SERV *serv, int unlink_path)
{
    int i;

    for (i = 0; i < serv->listen_count; i++) {
        if (serv->listening)
            event_disable_readwrite(serv->master->loop, serv->listen_fd[i]);
        (void) close(serv->listen_fd[i]);
    }
    serv->listening = 0;
    serv->listen_count = 0;
    myfree(serv->listen_fd);
    serv->listen_fd = NULL;
    if (unlink_path && serv->cf->type != MASTER_CF_INET &&
        master_unlink_stale(serv->endpoint) < 0)
        msg_warn("remove %s: %m", serv->endpoint);
}

/* master_listen_update - watch the listeners only when a child is needed */
void
master_listen_update(MASTER_SERV *serv)
{
    int want = !serv->removed && !serv->throttled && serv->avail == 0 &&
               (serv->maxproc == 0 || serv->total < serv->maxproc);
    int i;

    if (want == serv->listening)
        return;
    for (i = 0; i < serv->listen_count; i++) {
        if (want)
            event_enable_read(serv->master->loop, serv->listen_fd[i],
                              master_spawn_demand, serv);
        else
            event_disable_read(serv->master->loop, serv->listen_fd[i]);
    }
    serv->listening = want;
}

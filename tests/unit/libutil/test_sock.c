/* test_sock - Check suite for UNIX-domain and TCP sockets (loopback only). */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "sock.h"
#include "stream.h"
#include "test_main.h"

/* sock_parse_hostport() cases: want_ret 0 with host and port, or -1. */
struct parse_case {
    const char *input;
    int want_ret;
    const char *want_host; /* or the expected text in why */
    const char *want_port;
};

static const struct parse_case parse_cases[] = {
    {"127.0.0.1:25", 0, "127.0.0.1", "25"},
    {"[::1]:587", 0, "::1", "587"},
    {"[fe80::1%lo]:0", 0, "fe80::1%lo", "0"},
    {"mail.example:65535", 0, "mail.example", "65535"},
    {"*:10025", 0, "*", "10025"},
    {"2525", 0, "", "2525"},
    {"", -1, "empty address", 0},
    {"[::1", -1, "missing ']'", 0},
    {"[::1]", -1, "missing port", 0},
    {"[::1]x", -1, "text after ']'", 0},
    {"[::1]:", -1, "missing port", 0},
    {"[[::1]:25", -1, "unexpected '['", 0},
    {"[]:25", -1, "empty host", 0},
    {"::1:25", -1, "needs [brackets]", 0},
    {":25", -1, "empty host", 0},
    {"host:", -1, "missing port", 0},
    {"host:25x", -1, "bad port \"25x\"", 0},
    {"host:-1", -1, "bad port", 0},
    {"host:65536", -1, "out of range", 0},
    {"host:99999999999999999999", -1, "out of range", 0},
    {"localhost", -1, "bad port \"localhost\"", 0},
    {"a b:25", -1, "bad character in host", 0},
    {"[a\tb]:25", -1, "bad character in host", 0},
};

START_TEST(test_parse_hostport)
{
    const struct parse_case *tc = &parse_cases[_i];
    STRBUF *host = strbuf_create(0);
    STRBUF *port = strbuf_create(0);
    STRBUF *why = strbuf_create(0);
    int ret = sock_parse_hostport(tc->input, host, port, why);

    ck_assert_msg(ret == tc->want_ret, "\"%s\": got %d (%s)", tc->input, ret,
                  STR(why));
    if (ret == 0) {
        ck_assert_str_eq(STR(host), tc->want_host);
        ck_assert_str_eq(STR(port), tc->want_port);
    } else {
        ck_assert_int_eq(errno, EINVAL);
        ck_assert_msg(strstr(STR(why), tc->want_host) != NULL,
                      "\"%s\": why \"%s\"", tc->input, STR(why));
        ck_assert_uint_eq(LEN(host), 0);
    }
    strbuf_free(host);
    strbuf_free(port);
    strbuf_free(why);
}
END_TEST

/* is_cloexec - is FD_CLOEXEC set on fd? */
static int
is_cloexec(int fd)
{
    int flags = fcntl(fd, F_GETFD);

    ck_assert_int_ge(flags, 0);
    return (flags & FD_CLOEXEC) != 0;
}

/* socket_path - a socket name in a fresh private directory */
static void
socket_path(char *dir, size_t dirlen, STRBUF *path)
{
    snprintf(dir, dirlen, "/tmp/test_sock.XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(dir));
    strbuf_sprintf(path, "%s/sock", dir);
}

/* talk - one line each way between a client and the accepted server */
static void
talk(int client, int server)
{
    STREAM *c = stream_fdopen(client, O_RDWR);
    STREAM *s = stream_fdopen(server, O_RDWR);
    STRBUF *line = strbuf_create(0);

    stream_set_timeout(c, 1000);
    stream_set_timeout(s, 1000);
    ck_assert_int_eq(stream_puts(s, "220 ready\r\n"), 0);
    ck_assert_int_eq(stream_flush(s), 0);
    ck_assert_int_eq(stream_get_line(c, line, 512), STREAM_LINE_OK);
    ck_assert_str_eq(STR(line), "220 ready\r");
    ck_assert_int_eq(stream_printf(c, "HELO %s\r\n", "client"), 0);
    ck_assert_int_eq(stream_flush(c), 0);
    ck_assert_int_eq(stream_get_line(s, line, 512), STREAM_LINE_OK);
    ck_assert_str_eq(STR(line), "HELO client\r");
    ck_assert_int_eq(stream_close(c), 0);
    ck_assert_int_eq(stream_get_line(s, line, 512), STREAM_EOF);
    ck_assert_int_eq(stream_close(s), 0);
    strbuf_free(line);
}

START_TEST(test_unix)
{
    STRBUF *path = strbuf_create(0);
    STRBUF *addr = strbuf_create(0);
    STRBUF *port = strbuf_create(0);
    char dir[64];
    int lfd, cfd, sfd;

    socket_path(dir, sizeof(dir), path);
    ck_assert_int_ge(lfd = sock_unix_listen(STR(path), 5, 0), 0);
    ck_assert(is_cloexec(lfd));
    ck_assert_int_ge(cfd = sock_unix_connect(STR(path), 1000), 0);
    ck_assert(is_cloexec(cfd));
    ck_assert_int_ge(sfd = sock_accept(lfd), 0);
    ck_assert(is_cloexec(sfd));
    ck_assert_int_eq(sock_local_addr(lfd, addr, port), 0);
    ck_assert_str_eq(STR(addr), STR(path));
    ck_assert_str_eq(STR(port), "");
    ck_assert_int_eq(sock_peer_addr(sfd, addr, port), 0);
    ck_assert_str_eq(STR(addr), "");
    ck_assert_int_eq(sock_peer_addr(cfd, addr, NULL), 0);
    ck_assert_str_eq(STR(addr), STR(path));
    talk(cfd, sfd);
    close(lfd);
    unlink(STR(path));
    rmdir(dir);
    strbuf_free(path);
    strbuf_free(addr);
    strbuf_free(port);
}
END_TEST

/* A stale socket is replaced; any other file at the path is kept. */
START_TEST(test_unix_stale)
{
    STRBUF *path = strbuf_create(0);
    struct stat sb;
    char dir[64];
    int fd;

    socket_path(dir, sizeof(dir), path);
    ck_assert_int_ge(fd = sock_unix_listen(STR(path), 5, 0), 0);
    close(fd);
    ck_assert_int_eq(sock_unix_connect(STR(path), 1000), -1);
    ck_assert_int_eq(errno, ECONNREFUSED);
    ck_assert_int_ge(fd = sock_unix_listen(STR(path), 5, 0), 0);
    close(fd);
    unlink(STR(path));
    ck_assert_int_eq(sock_unix_connect(STR(path), 1000), -1);
    ck_assert_int_eq(errno, ENOENT);
    ck_assert_int_ge(fd = open(STR(path), O_CREAT | O_WRONLY, 0600), 0);
    close(fd);
    ck_assert_int_eq(sock_unix_listen(STR(path), 5, 0), -1);
    ck_assert_int_eq(errno, EADDRINUSE);
    ck_assert_int_eq(stat(STR(path), &sb), 0);
    ck_assert(S_ISREG(sb.st_mode));
    unlink(STR(path));
    rmdir(dir);
    strbuf_free(path);
}
END_TEST

START_TEST(test_unix_bad_path)
{
    char longpath[200];

    memset(longpath, 'a', sizeof(longpath) - 1);
    longpath[sizeof(longpath) - 1] = 0;
    ck_assert_int_eq(sock_unix_listen(longpath, 5, 0), -1);
    ck_assert_int_eq(errno, ENAMETOOLONG);
    ck_assert_int_eq(sock_unix_connect(longpath, 0), -1);
    ck_assert_int_eq(errno, ENAMETOOLONG);
    ck_assert_int_eq(sock_unix_listen("", 5, 0), -1);
    ck_assert_int_eq(errno, EINVAL);
}
END_TEST

/* elapsed_ms - milliseconds since start */
static long
elapsed_ms(const struct timespec *start)
{
    struct timespec now;

    clock_gettime(CLOCK_MONOTONIC, &now);
    return (now.tv_sec - start->tv_sec) * 1000 +
           (now.tv_nsec - start->tv_nsec) / 1000000;
}

/* A full backlog: some connect must give up after its timeout. */
START_TEST(test_unix_connect_timeout)
{
    STRBUF *path = strbuf_create(0);
    struct timespec start;
    char dir[64];
    int lfd, fd[4], i, n;

    socket_path(dir, sizeof(dir), path);
    ck_assert_int_ge(lfd = sock_unix_listen(STR(path), 0, 0), 0);
    clock_gettime(CLOCK_MONOTONIC, &start);
    for (n = 0; n < 4 && (fd[n] = sock_unix_connect(STR(path), 150)) >= 0;)
        n++;
    ck_assert_int_lt(n, 4);
    ck_assert_int_eq(errno, ETIMEDOUT);
    ck_assert_int_ge(elapsed_ms(&start), 140);
    ck_assert_int_lt(elapsed_ms(&start), 2000);
    for (i = 0; i < n; i++)
        close(fd[i]);
    close(lfd);
    unlink(STR(path));
    rmdir(dir);
    strbuf_free(path);
}
END_TEST

/* Listen, connect, accept and both addresses over one TCP family. */
static void
tcp_round_trip(const char *listen_addr, const char *host, const char *want)
{
    STRBUF *addr = strbuf_create(0);
    STRBUF *lport = strbuf_create(0);
    STRBUF *cport = strbuf_create(0);
    int lfd, cfd, sfd;

    ck_assert_int_ge(lfd = sock_inet_listen(listen_addr, 5, 0), 0);
    ck_assert(is_cloexec(lfd));
    ck_assert_int_eq(sock_local_addr(lfd, addr, lport), 0);
    ck_assert_str_eq(STR(addr), want);
    ck_assert_str_ne(STR(lport), "0");
    ck_assert_int_ge(cfd = sock_inet_connect(host, STR(lport), 1000), 0);
    ck_assert(is_cloexec(cfd));
    ck_assert_int_eq(fcntl(cfd, F_GETFL) & O_NONBLOCK, 0);
    ck_assert_int_ge(sfd = sock_accept(lfd), 0);
    ck_assert(is_cloexec(sfd));
    ck_assert_int_eq(sock_local_addr(cfd, NULL, cport), 0);
    ck_assert_int_eq(sock_peer_addr(sfd, addr, lport), 0);
    ck_assert_str_eq(STR(addr), want);
    ck_assert_str_eq(STR(lport), STR(cport));
    talk(cfd, sfd);
    close(lfd);
    strbuf_free(addr);
    strbuf_free(lport);
    strbuf_free(cport);
}

START_TEST(test_tcp_v4)
{
    tcp_round_trip("127.0.0.1:0", "127.0.0.1", "127.0.0.1");
}
END_TEST

/* have_ipv6 - can this kernel bind ::1? (tests skip when it cannot) */
static int
have_ipv6(void)
{
    struct sockaddr_in6 sin6;
    int fd = socket(AF_INET6, SOCK_STREAM, 0);
    int ok;

    if (fd < 0)
        return 0;
    memset(&sin6, 0, sizeof(sin6));
    sin6.sin6_family = AF_INET6;
    sin6.sin6_addr = in6addr_loopback;
    ok = bind(fd, (struct sockaddr *) &sin6, sizeof(sin6)) == 0;
    close(fd);
    if (!ok)
        fprintf(stderr, "test_sock: no IPv6 loopback, IPv6 test skipped\n");
    return ok;
}

START_TEST(test_tcp_v6)
{
    int fd, on = 0;
    socklen_t len = sizeof(on);

    if (!have_ipv6())
        return;
    tcp_round_trip("[::1]:0", "::1", "::1");
    ck_assert_int_ge(fd = sock_inet_listen("[::]:0", 5, 0), 0);
    ck_assert_int_eq(getsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, &len), 0);
    ck_assert_int_eq(on, 1);
    close(fd);
}
END_TEST

/* An IPv4 client of a dual-stack listener shows as plain IPv4. */
START_TEST(test_v4_mapped)
{
    struct sockaddr_in6 sin6;
    socklen_t len = sizeof(sin6);
    STRBUF *addr = strbuf_create(0);
    char port[8];
    int lfd, cfd, sfd, off = 0;

    if (!have_ipv6())
        return;
    ck_assert_int_ge(lfd = socket(AF_INET6, SOCK_STREAM, 0), 0);
    setsockopt(lfd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof(off));
    memset(&sin6, 0, sizeof(sin6));
    sin6.sin6_family = AF_INET6;
    ck_assert_int_eq(bind(lfd, (struct sockaddr *) &sin6, sizeof(sin6)), 0);
    ck_assert_int_eq(listen(lfd, 5), 0);
    ck_assert_int_eq(getsockname(lfd, (struct sockaddr *) &sin6, &len), 0);
    snprintf(port, sizeof(port), "%d", ntohs(sin6.sin6_port));
    ck_assert_int_ge(cfd = sock_inet_connect("127.0.0.1", port, 1000), 0);
    ck_assert_int_ge(sfd = sock_accept(lfd), 0);
    ck_assert_int_eq(sock_peer_addr(sfd, addr, NULL), 0);
    ck_assert_str_eq(STR(addr), "127.0.0.1");
    ck_assert_int_eq(sock_local_addr(sfd, addr, NULL), 0);
    ck_assert_str_eq(STR(addr), "127.0.0.1");
    close(cfd);
    close(sfd);
    close(lfd);
    strbuf_free(addr);
}
END_TEST

/* A port-only or "*" address listens on every IPv4 address. */
START_TEST(test_tcp_wildcard)
{
    const char *addrs[] = {"0", "*:0"};
    STRBUF *addr = strbuf_create(0);
    size_t i;
    int fd;

    for (i = 0; i < NITEMS(addrs); i++) {
        ck_assert_int_ge(fd = sock_inet_listen(addrs[i], 5, 0), 0);
        ck_assert_int_eq(sock_local_addr(fd, addr, NULL), 0);
        ck_assert_str_eq(STR(addr), "0.0.0.0");
        close(fd);
    }
    strbuf_free(addr);
}
END_TEST

/* A closed loopback port refuses at once. */
START_TEST(test_tcp_refused)
{
    STRBUF *port = strbuf_create(0);
    int fd;

    ck_assert_int_ge(fd = sock_inet_listen("127.0.0.1:0", 5, 0), 0);
    ck_assert_int_eq(sock_local_addr(fd, NULL, port), 0);
    close(fd);
    ck_assert_int_eq(sock_inet_connect("127.0.0.1", STR(port), 1000), -1);
    ck_assert_int_eq(errno, ECONNREFUSED);
    ck_assert_int_eq(sock_inet_connect("127.0.0.1", STR(port), 0), -1);
    ck_assert_int_eq(errno, ECONNREFUSED);
    strbuf_free(port);
}
END_TEST

/* A listener with a full backlog drops SYNs: the connect times out. */
START_TEST(test_tcp_connect_timeout)
{
    STRBUF *port = strbuf_create(0);
    struct timespec start;
    int lfd, fd[4], i, n;

    ck_assert_int_ge(lfd = sock_inet_listen("127.0.0.1:0", 0, 0), 0);
    ck_assert_int_eq(sock_local_addr(lfd, NULL, port), 0);
    clock_gettime(CLOCK_MONOTONIC, &start);
    for (n = 0; n < 4; n++)
        if ((fd[n] = sock_inet_connect("127.0.0.1", STR(port), 150)) < 0)
            break;
    ck_assert_int_lt(n, 4);
    ck_assert_int_eq(errno, ETIMEDOUT);
    ck_assert_int_ge(elapsed_ms(&start), 140);
    ck_assert_int_lt(elapsed_ms(&start), 2000);
    for (i = 0; i < n; i++)
        close(fd[i]);
    close(lfd);
    strbuf_free(port);
}
END_TEST

/* Addresses that are not numeric fail with EINVAL, without any DNS. */
START_TEST(test_inet_bad_address)
{
    static const char *listen_bad[] = {
        "",
        "[::1",
        "localhost:25",
        "1.2.3.4.5:25",
        "127.0.0.1:70000",
        "[127.0.0.1]:x",
    };
    size_t i;

    for (i = 0; i < NITEMS(listen_bad); i++) {
        ck_assert_int_eq(sock_inet_listen(listen_bad[i], 5, 0), -1);
        ck_assert_int_eq(errno, EINVAL);
    }
    ck_assert_int_eq(sock_inet_connect("localhost", "25", 100), -1);
    ck_assert_int_eq(errno, EINVAL);
    ck_assert_int_eq(sock_inet_connect("127.0.0.1", "99999", 100), -1);
    ck_assert_int_eq(errno, EINVAL);
    ck_assert_int_eq(sock_inet_connect("127.0.0.1", "smtp", 100), -1);
    ck_assert_int_eq(errno, EINVAL);
}
END_TEST

/* A non-blocking listener; the flag helpers switch both ways. */
START_TEST(test_flags)
{
    int fds[2];
    int fd;

    fd = sock_inet_listen("127.0.0.1:0", 5, SOCK_FLAG_NONBLOCK);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_ne(fcntl(fd, F_GETFL) & O_NONBLOCK, 0);
    ck_assert_int_eq(sock_accept(fd), -1);
    ck_assert(errno == EAGAIN || errno == EWOULDBLOCK);
    close(fd);
    ck_assert_int_eq(pipe(fds), 0);
    ck_assert_int_eq(sock_set_nonblock(fds[0], 1), 0);
    ck_assert_int_ne(fcntl(fds[0], F_GETFL) & O_NONBLOCK, 0);
    ck_assert_int_eq(sock_set_nonblock(fds[0], 1), 0);
    ck_assert_int_eq(sock_set_nonblock(fds[0], 0), 0);
    ck_assert_int_eq(fcntl(fds[0], F_GETFL) & O_NONBLOCK, 0);
    ck_assert_int_eq(sock_set_cloexec(fds[0], 1), 0);
    ck_assert(is_cloexec(fds[0]));
    ck_assert_int_eq(sock_set_cloexec(fds[0], 0), 0);
    ck_assert(!is_cloexec(fds[0]));
    close(fds[0]);
    close(fds[1]);
    ck_assert_int_eq(sock_set_nonblock(fds[0], 1), -1);
    ck_assert_int_eq(errno, EBADF);
}
END_TEST

/* Address lookups on what has no such address fail with errno set. */
START_TEST(test_addr_errors)
{
    STRBUF *addr = strbuf_create(0);
    int fds[2];
    int fd;

    ck_assert_int_eq(pipe(fds), 0);
    ck_assert_int_eq(sock_peer_addr(fds[0], addr, NULL), -1);
    ck_assert_int_eq(errno, ENOTSOCK);
    ck_assert_int_eq(sock_local_addr(fds[0], addr, NULL), -1);
    ck_assert_int_eq(errno, ENOTSOCK);
    ck_assert_int_ge(fd = socket(AF_INET, SOCK_STREAM, 0), 0);
    ck_assert_int_eq(sock_peer_addr(fd, addr, NULL), -1);
    ck_assert_int_eq(errno, ENOTCONN);
    close(fd);
    /* A family with no numeric text form, where the kernel allows one. */
    if ((fd = socket(AF_NETLINK, SOCK_RAW, 0)) >= 0) {
        ck_assert_int_eq(sock_local_addr(fd, addr, NULL), -1);
        ck_assert_int_eq(errno, EAFNOSUPPORT);
        close(fd);
    }
    close(fds[0]);
    close(fds[1]);
    strbuf_free(addr);
}
END_TEST

/* Our own bugs: each panics. */
START_TEST(test_panics)
{
    switch (_i) {
        case 0:
            sock_inet_listen("127.0.0.1:0", 5, 1 << 5);
            break;
        case 1:
            sock_inet_connect("127.0.0.1", "25", -1);
            break;
        case 2:
            sock_unix_connect("/nonexistent", -1);
            break;
    }
}
END_TEST

static Suite *
sock_suite(void)
{
    Suite *s = suite_create("sock");
    TCase *tc = tcase_create("core");

    tcase_add_loop_test(tc, test_parse_hostport, 0, NITEMS(parse_cases));
    tcase_add_test(tc, test_unix);
    tcase_add_test(tc, test_unix_stale);
    tcase_add_test(tc, test_unix_bad_path);
    tcase_add_test(tc, test_unix_connect_timeout);
    tcase_add_test(tc, test_tcp_v4);
    tcase_add_test(tc, test_tcp_v6);
    tcase_add_test(tc, test_v4_mapped);
    tcase_add_test(tc, test_tcp_wildcard);
    tcase_add_test(tc, test_tcp_refused);
    tcase_add_test(tc, test_tcp_connect_timeout);
    tcase_add_test(tc, test_inet_bad_address);
    tcase_add_test(tc, test_flags);
    tcase_add_test(tc, test_addr_errors);
    tcase_add_loop_test_raise_signal(tc, test_panics, SIGABRT, 0, 3);
    suite_add_tcase(s, tc);
    return s;
}

TEST_MAIN(sock_suite)

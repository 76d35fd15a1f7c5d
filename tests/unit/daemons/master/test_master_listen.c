/* test_master_listen - Check suite for master's listening descriptors. */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "master.h"
#include "mymalloc.h"
#include "test_main.h"
#include "test_master_fixture.h"
#include "test_tmpdir.h"

static const struct {
    const char *name;
    const char *host;
    const char *port;
    const char *interfaces;
    const char *protocols;
    const char *want; /* addresses, or "error: reason" */
} addr_cases[] = {
    {"all, both versions", NULL, "25", "all", "all", "0.0.0.0:25 [::]:25"},
    {"all, IPv4 only", NULL, "25", "all", "ipv4", "0.0.0.0:25"},
    {"all, IPv6 only", NULL, "25", "all", "ipv6", "[::]:25"},
    {"protocol list", NULL, "25", "all", "ipv4, ipv6", "0.0.0.0:25 [::]:25"},
    {"loopback-only", NULL, "25", "loopback-only", "all",
     "127.0.0.1:25 [::1]:25"},
    {"interface list", NULL, "2525", "127.0.0.1, 192.0.2.1 ::1", "all",
     "127.0.0.1:2525 192.0.2.1:2525 [::1]:2525"},
    {"IPv6 interface left out", NULL, "25", "127.0.0.1 ::1", "ipv4",
     "127.0.0.1:25"},
    {"bracketed interface", NULL, "25", "[::1]", "ipv6", "[::1]:25"},
    {"host *", "*", "25", "127.0.0.1", "all", "127.0.0.1:25"},
    {"empty host", "", "25", "127.0.0.1", "all", "127.0.0.1:25"},
    {"host given", "127.0.0.2", "10025", "all", "all", "127.0.0.2:10025"},
    {"IPv6 host given", "::1", "10025", "all", "all", "[::1]:10025"},
    {"port name", NULL, "smtp", "127.0.0.1", "all", "127.0.0.1:25"},
    {"unknown port name", NULL, "no-such-port-name", "all", "all",
     "error: unknown TCP service \"no-such-port-name\""},
    {"unknown protocol", NULL, "25", "all", "ipv5",
     "error: inet_protocols: unknown protocol \"ipv5\""},
    {"no protocol", NULL, "25", "all", "",
     "error: inet_protocols: no protocol"},
    {"nothing left", NULL, "25", "::1", "ipv4",
     "error: no address to listen on (inet_interfaces = ::1, "
     "inet_protocols = ipv4)"},
};

START_TEST(test_inet_addrs)
{
    STRBUF *why = strbuf_create(100);
    STRBUF *got = strbuf_create(100);
    ARGV *addrs = master_inet_addrs(addr_cases[_i].host, addr_cases[_i].port,
                                    addr_cases[_i].interfaces,
                                    addr_cases[_i].protocols, why);
    char *joined;

    if (addrs == NULL) {
        strbuf_sprintf(got, "error: %s", STR(why));
    } else {
        joined = argv_join(addrs, " ");
        strbuf_strcpy(got, joined);
        myfree(joined);
        argv_free(addrs);
    }
    ck_assert_msg(strcmp(STR(got), addr_cases[_i].want) == 0, "%s: got \"%s\"",
                  addr_cases[_i].name, STR(got));
    strbuf_free(why);
    strbuf_free(got);
}
END_TEST

static const struct {
    const char *line;
    const char *want; /* endpoint, or "error: reason" */
} endpoint_cases[] = {
    {"cleanup unix n - n - 0 cleanup", "public/cleanup"},
    {"rewrite unix - - n - - trivial-rewrite", "private/rewrite"},
    {"pickup fifo n - n 60 1 pickup", "public/pickup"},
    {"postlog unix-dgram n - n - 1 postlogd", "public/postlog"},
    {"x pass - - n - - smtpd", "private/x"},
    {"127.0.0.1:2525 inet n - n - - smtpd", "127.0.0.1:2525"},
    {"2525 inet n - n - - smtpd", "127.0.0.1:2525"},
    {".. unix - - n - - x", "error: service name \"..\" is not a file name"},
};

START_TEST(test_endpoint)
{
    MASTER_PARAMS *p = fixture_params();
    STRBUF *err = strbuf_create(100);
    STRBUF *out = strbuf_create(100);
    MASTER_CF_SERVICE *sv =
        master_cf_parse_service("t", 1, endpoint_cases[_i].line, err);

    ck_assert_msg(sv != NULL, "%s", STR(err));
    if (master_endpoint(out, sv, p, err) < 0)
        strbuf_sprintf(out, "error: %s", STR(err));
    ck_assert_str_eq(STR(out), endpoint_cases[_i].want);
    master_cf_service_free(sv);
    strbuf_free(err);
    strbuf_free(out);
    master_params_free(p);
}
END_TEST

/* open_one - start the fixture's only service; return it */
static MASTER_SERV *
open_one(MASTER *m)
{
    fixture_script("prog", "exit 0");
    ck_assert_int_eq(master_services_start(m, 0, 0), 1);
    return m->services;
}

/* check_fd - non-blocking, close-on-exec, of the wanted socket type */
static void
check_fd(int fd, int sock_type)
{
    int type = -1;
    socklen_t len = sizeof(type);

    ck_assert(fcntl(fd, F_GETFL) & O_NONBLOCK);
    ck_assert(fcntl(fd, F_GETFD) & FD_CLOEXEC);
    if (sock_type != 0) {
        ck_assert_int_eq(getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len), 0);
        ck_assert_int_eq(type, sock_type);
    }
}

/* file_mode - the permission bits and type of path */
static mode_t
file_mode(const char *path)
{
    struct stat sb;

    ck_assert_int_eq(lstat(path, &sb), 0);
    return sb.st_mode;
}

START_TEST(test_open_unix)
{
    MASTER *m = fixture_master("s unix - - n - - prog\n");
    MASTER_SERV *serv;
    int fd;

    /* A stale socket file from an earlier run is replaced. */
    ck_assert_int_eq(mknod("private/s", S_IFSOCK | 0600, 0), 0);
    serv = open_one(m);
    ck_assert_int_eq(serv->listen_count, 1);
    check_fd(serv->listen_fd[0], SOCK_STREAM);
    ck_assert(S_ISSOCK(file_mode("private/s")));
    ck_assert_int_eq(file_mode("private/s") & 07777, 0666);
    /* It listens: a client connects. */
    fd = socket(AF_UNIX, SOCK_STREAM, 0);
    {
        struct sockaddr_un sun = {.sun_family = AF_UNIX};

        strcpy(sun.sun_path, "private/s");
        ck_assert_int_eq(connect(fd, (struct sockaddr *) &sun, sizeof(sun)), 0);
    }
    close(fd);
    fixture_free(m);
}
END_TEST

START_TEST(test_open_fifo)
{
    MASTER *m = fixture_master("f fifo n - n - 1 prog\n");
    MASTER_SERV *serv = open_one(m);

    check_fd(serv->listen_fd[0], 0);
    ck_assert_int_eq(fcntl(serv->listen_fd[0], F_GETFL) & O_ACCMODE, O_RDWR);
    ck_assert(S_ISFIFO(file_mode("public/f")));
    ck_assert_int_eq(file_mode("public/f") & 07777, 0622);
    fixture_free(m);
}
END_TEST

START_TEST(test_open_dgram)
{
    MASTER *m = fixture_master("postlog unix-dgram n - n - 1 prog\n");
    MASTER_SERV *serv = open_one(m);

    check_fd(serv->listen_fd[0], SOCK_DGRAM);
    ck_assert(S_ISSOCK(file_mode("public/postlog")));
    ck_assert_int_eq(file_mode("public/postlog") & 07777, 0666);
    fixture_free(m);
}
END_TEST

START_TEST(test_open_inet)
{
    MASTER *m = fixture_master("127.0.0.1:0 inet n - n - - prog\n");
    MASTER_SERV *serv = open_one(m);

    ck_assert_int_eq(serv->listen_count, 1);
    check_fd(serv->listen_fd[0], SOCK_STREAM);
    fixture_free(m);
}
END_TEST

/* Not a socket at the path: the service does not start, the file stays. */
START_TEST(test_open_refuses_file)
{
    MASTER *m = fixture_master("s unix - - n - - prog\n");
    FILE *fp = fopen("private/s", "w");

    fclose(fp);
    fixture_script("prog", "exit 0");
    ck_assert_int_eq(master_services_start(m, 0, 0), 0);
    ck_assert_ptr_null(m->services);
    ck_assert(S_ISREG(file_mode("private/s")));
    fixture_free(m);
}
END_TEST

START_TEST(test_close_unlinks)
{
    MASTER *m = fixture_master("s unix - - n - - prog\n");
    MASTER_SERV *serv = open_one(m);
    struct stat sb;

    master_listen_close(serv, 1);
    ck_assert_int_eq(serv->listen_count, 0);
    ck_assert_int_eq(serv->listening, 0);
    ck_assert_int_eq(lstat("private/s", &sb), -1);
    fixture_free(m);
}
END_TEST

/* When master watches a listener: only while a child is needed. */
static const struct {
    const char *name;
    int avail, total, maxproc, throttled, removed;
    int want;
} update_cases[] = {
    {"idle service", 0, 0, 2, 0, 0, 1},
    {"a child is available", 1, 1, 2, 0, 0, 0},
    {"all busy, room left", 0, 1, 2, 0, 0, 1},
    {"pool full", 0, 2, 2, 0, 0, 0},
    {"no limit", 0, 500, 0, 0, 0, 1},
    {"throttled", 0, 0, 2, 1, 0, 0},
    {"removed", 0, 0, 2, 0, 1, 0},
};

START_TEST(test_update)
{
    MASTER *m = fixture_master("s unix - - n - - prog\n");
    MASTER_SERV *serv = open_one(m);

    ck_assert_int_eq(serv->listening, 1);
    serv->avail = update_cases[_i].avail;
    serv->total = update_cases[_i].total;
    serv->maxproc = update_cases[_i].maxproc;
    serv->throttled = update_cases[_i].throttled;
    serv->removed = update_cases[_i].removed;
    master_listen_update(serv);
    ck_assert_msg(serv->listening == update_cases[_i].want, "%s",
                  update_cases[_i].name);
    /* And back: an idle, healthy service is watched again. */
    serv->avail = serv->total = serv->throttled = serv->removed = 0;
    master_listen_update(serv);
    ck_assert_int_eq(serv->listening, 1);
    fixture_free(m);
}
END_TEST

static Suite *
master_listen_suite(void)
{
    Suite *s = suite_create("master_listen");
    TCase *tc = tcase_create("core");

    TMPDIR_FIXTURES(tc);
    tcase_add_loop_test(tc, test_inet_addrs, 0, NITEMS(addr_cases));
    tcase_add_loop_test(tc, test_endpoint, 0, NITEMS(endpoint_cases));
    tcase_add_test(tc, test_open_unix);
    tcase_add_test(tc, test_open_fifo);
    tcase_add_test(tc, test_open_dgram);
    tcase_add_test(tc, test_open_inet);
    tcase_add_test(tc, test_open_refuses_file);
    tcase_add_test(tc, test_close_unlinks);
    tcase_add_loop_test(tc, test_update, 0, NITEMS(update_cases));
    suite_add_tcase(s, tc);
    return s;
}

TEST_MAIN(master_listen_suite)

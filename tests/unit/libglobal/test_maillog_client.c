/* test_maillog_client - Check suite for choosing the log channel. */
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "mail_conf.h"
#include "maillog_client.h"
#include "msg.h"
#include "strbuf.h"
#include "test_main.h"
#include "test_tmpdir.h"

/* More lines than net.unix.max_dgram_qlen (10 by default) queues. */
#define BURST_LINES 60

/* load_conf - main.cf in the test folder: queue there, plus extra */
static void
load_conf(const char *extra)
{
    STRBUF *err = strbuf_create(100);
    FILE *fp = fopen("main.cf", "w");

    ck_assert_ptr_nonnull(fp);
    fprintf(fp, "queue_directory = %s/queue\nmyhostname = mx.test\n%s\n",
            tmpdir_here, extra);
    fclose(fp);
    ck_assert_int_eq(mkdir("queue", 0755), 0);
    ck_assert_int_eq(mkdir("queue/public", 0755), 0);
    ck_assert_msg(mail_conf_load(tmpdir_here, NULL, err) == 0, "%s", STR(err));
    strbuf_free(err);
}

/* postlog_socket - a datagram socket at queue/public/NAME */
static int
postlog_socket(const char *name)
{
    struct sockaddr_un sun = {.sun_family = AF_UNIX};
    struct timeval tv = {5, 0};
    int fd = socket(AF_UNIX, SOCK_DGRAM, 0);

    ck_assert_int_ge(fd, 0);
    snprintf(sun.sun_path, sizeof(sun.sun_path), "queue/public/%s", name);
    ck_assert_int_eq(bind(fd, (struct sockaddr *) &sun, sizeof(sun)), 0);
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    return fd;
}

/* capture_stderr - send fd 2 to a file, to read back with read_file */
static void
capture_stderr(void)
{
    int fd = open("stderr.out", O_WRONLY | O_CREAT | O_TRUNC, 0600);

    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(dup2(fd, 2), 2);
    close(fd);
}

/* read_file - a small file's text ("" when missing) */
static const char *
read_file(const char *path, char *buf, size_t len)
{
    FILE *fp = fopen(path, "r");
    size_t n = 0;

    if (fp != NULL) {
        n = fread(buf, 1, len - 1, fp);
        fclose(fp);
    }
    buf[n] = 0;
    return buf;
}

/* want_line - " host prog[pid]: text\n" as this process would log it */
static const char *
want_line(char *buf, size_t len, const char *prog, const char *text)
{
    snprintf(buf, len, " mx.test %s[%d]: %s\n", prog, (int) getpid(), text);
    return buf;
}

static const struct {
    const char *name;
    const char *conf;    /* besides queue_directory and myhostname */
    const char *service; /* socket to create under public/ */
    const char *prog;    /* the name lines carry */
} postlog_cases[] = {
    {"defaults", "maillog_file = /var/log/x", "postlog", "postern/smtpd"},
    {"service name", "maillog_file = /var/log/x\npostlog_service_name = pl",
     "pl", "postern/smtpd"},
    {"syslog_name", "maillog_file = /var/log/x\nsyslog_name = postern-out",
     "postlog", "postern-out/smtpd"},
    {"multi_instance_name",
     "maillog_file = /var/log/x\nmulti_instance_name = postern-in", "postlog",
     "postern-in/smtpd"},
};

/* With maillog_file set, lines go to the postlog socket, not stderr. */
START_TEST(test_postlog_socket)
{
    char buf[1024], want[256], err[256];
    ssize_t n;
    int fd;

    load_conf(postlog_cases[_i].conf);
    fd = postlog_socket(postlog_cases[_i].service);
    capture_stderr();
    ck_assert_int_eq(maillog_client_init("smtpd", 0), 0);
    msg_info("to the log");
    ck_assert_int_gt(n = recv(fd, buf, sizeof(buf) - 1, 0), 0);
    buf[n] = 0;
    want_line(want, sizeof(want), postlog_cases[_i].prog, "to the log");
    ck_assert_ptr_nonnull(strstr(buf, want));
    ck_assert_str_eq(read_file("stderr.out", err, sizeof(err)), "");
    close(fd);
}
END_TEST

/* late_reader - start reading after a pause, count the lines received */
static void *
late_reader(void *arg)
{
    int *fd_count = arg;
    char buf[1024];
    int got = 0;

    usleep(100 * 1000);
    while (got < BURST_LINES && recv(fd_count[0], buf, sizeof(buf), 0) > 0)
        got++;
    fd_count[1] = got;
    return NULL;
}

/* A burst longer than the kernel's datagram queue waits, never drops. */
START_TEST(test_burst_waits)
{
    pthread_t tid;
    int fd_count[2];
    int i;

    load_conf("maillog_file = /var/log/x");
    fd_count[0] = postlog_socket("postlog");
    fd_count[1] = -1;
    ck_assert_int_eq(maillog_client_init("smtpd", 0), 0);
    ck_assert_int_eq(pthread_create(&tid, NULL, late_reader, fd_count), 0);
    for (i = 0; i < BURST_LINES; i++)
        msg_info("burst line %d", i);
    ck_assert_int_eq(pthread_join(tid, NULL), 0);
    ck_assert_int_eq(fd_count[1], BURST_LINES);
    ck_assert_int_eq(msg_dgram_drops(), 0);
    close(fd_count[0]);
}
END_TEST

/* No postlog socket: DIRECT writes the file itself. */
START_TEST(test_direct_file)
{
    char buf[1024], want[256];

    load_conf("maillog_file = $queue_directory/../maillog");
    ck_assert_int_eq(maillog_client_init("postern", MAILLOG_CLIENT_DIRECT), 0);
    msg_warn("direct");
    want_line(want, sizeof(want), "postern", "warning: direct");
    ck_assert_ptr_nonnull(strstr(read_file("maillog", buf, sizeof(buf)), want));
}
END_TEST

/* No postlog socket and no DIRECT: stderr, with a warning saying why. */
START_TEST(test_no_socket_stderr)
{
    char buf[1024];

    load_conf("maillog_file = $queue_directory/../maillog");
    capture_stderr();
    ck_assert_int_eq(maillog_client_init("pickup", 0), -1);
    msg_info("still seen");
    read_file("stderr.out", buf, sizeof(buf));
    ck_assert_ptr_nonnull(strstr(buf, "postern/pickup: warning: maillog_file"));
    ck_assert_ptr_nonnull(strstr(buf, "/public/postlog: No such file"));
    ck_assert_ptr_nonnull(strstr(buf, "postern/pickup: still seen\n"));
    ck_assert_int_eq(access("maillog", F_OK), -1);
}
END_TEST

/* DIRECT, but the file cannot be opened either: stderr, two warnings. */
START_TEST(test_direct_fails)
{
    char buf[1024];

    load_conf("maillog_file = /nonexistent-dir/maillog");
    capture_stderr();
    ck_assert_int_eq(maillog_client_init("postern", MAILLOG_CLIENT_DIRECT), -1);
    read_file("stderr.out", buf, sizeof(buf));
    ck_assert_ptr_nonnull(strstr(buf, "/nonexistent-dir/maillog: cannot open"));
}
END_TEST

/*
 * maillog_file empty: syslog.  What syslog receives cannot be read back
 * here; the test checks that syslog, not stderr, took the line.
 */
START_TEST(test_syslog)
{
    char buf[256];

    load_conf("syslog_facility = local3");
    capture_stderr();
    ck_assert_int_eq(maillog_client_init("smtpd", 0), 0);
    ck_assert_str_eq(msg_progname(), "postern/smtpd");
    msg_info("to syslog");
    ck_assert_str_eq(read_file("stderr.out", buf, sizeof(buf)), "");
}
END_TEST

/* MAILLOG_CLIENT_STDERR adds stderr to the chosen channel. */
START_TEST(test_stderr_flag)
{
    char buf[1024];
    int fd;

    load_conf("maillog_file = /var/log/x");
    fd = postlog_socket("postlog");
    capture_stderr();
    ck_assert_int_eq(maillog_client_init("log", MAILLOG_CLIENT_STDERR), 0);
    msg_info("both");
    ck_assert_str_eq(read_file("stderr.out", buf, sizeof(buf)),
                     "postern/log: both\n");
    ck_assert_int_gt(recv(fd, buf, sizeof(buf), 0), 0);
    close(fd);
}
END_TEST

START_TEST(test_bad_facility)
{
    load_conf("syslog_facility = nosuch");
    maillog_client_init("smtpd", 0);
}
END_TEST

static Suite *
maillog_client_suite(void)
{
    Suite *s = suite_create("maillog_client");
    TCase *tc = tcase_create("core");

    TMPDIR_FIXTURES(tc);
    tcase_add_test(tc, test_burst_waits);
    tcase_add_loop_test(tc, test_postlog_socket, 0, NITEMS(postlog_cases));
    tcase_add_test(tc, test_direct_file);
    tcase_add_test(tc, test_no_socket_stderr);
    tcase_add_test(tc, test_direct_fails);
    tcase_add_test(tc, test_syslog);
    tcase_add_test(tc, test_stderr_flag);
    tcase_add_exit_test(tc, test_bad_facility, 1);
    suite_add_tcase(s, tc);
    return s;
}

TEST_MAIN(maillog_client_suite)

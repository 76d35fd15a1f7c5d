/* test_master_wakeup - Check suite for wakeup triggers and timers. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "mail_proto.h"
#include "master.h"
#include "test_main.h"
#include "test_master_fixture.h"
#include "test_tmpdir.h"

/* unix_listener - a UNIX socket at path with this backlog */
static int
unix_listener(int type, const char *path, int backlog)
{
    struct sockaddr_un sun = {.sun_family = AF_UNIX};
    int fd = socket(AF_UNIX, type | SOCK_NONBLOCK, 0);

    strcpy(sun.sun_path, path);
    ck_assert_int_eq(bind(fd, (struct sockaddr *) &sun, sizeof(sun)), 0);
    if (type == SOCK_STREAM)
        ck_assert_int_eq(listen(fd, backlog), 0);
    return fd;
}

/* read_byte - the one byte waiting on fd, or -1 */
static int
read_byte(int fd)
{
    unsigned char ch;

    return read(fd, &ch, 1) == 1 ? ch : -1;
}

START_TEST(test_trigger_unix)
{
    int lfd = unix_listener(SOCK_STREAM, "s", 5);
    int cfd;

    ck_assert_int_eq(master_trigger(MASTER_CF_UNIX, "s", 'W'), 0);
    ck_assert_int_ge(cfd = accept(lfd, NULL, NULL), 0);
    ck_assert_int_eq(read_byte(cfd), 'W');
    /* Master closed its end: the service sees EOF after the byte. */
    ck_assert_int_eq(read_byte(cfd), -1);
    close(cfd);
    close(lfd);
}
END_TEST

START_TEST(test_trigger_dgram)
{
    int fd = unix_listener(SOCK_DGRAM, "d", 0);

    ck_assert_int_eq(master_trigger(MASTER_CF_UNIX_DGRAM, "d", 'W'), 0);
    ck_assert_int_eq(read_byte(fd), 'W');
    close(fd);
}
END_TEST

START_TEST(test_trigger_fifo)
{
    int fd;

    ck_assert_int_eq(mkfifo("f", 0622), 0);
    fd = open("f", O_RDWR | O_NONBLOCK);
    ck_assert_int_eq(master_trigger(MASTER_CF_FIFO, "f", 'W'), 0);
    ck_assert_int_eq(read_byte(fd), 'W');
    close(fd);
}
END_TEST

START_TEST(test_trigger_missing)
{
    ck_assert_int_eq(master_trigger(MASTER_CF_UNIX, "nothing", 'W'), -1);
    ck_assert_int_eq(errno, ENOENT);
    ck_assert_int_eq(master_trigger(MASTER_CF_FIFO, "nothing", 'W'), -1);
    ck_assert_int_eq(errno, ENOENT);
    ck_assert_int_eq(master_trigger(MASTER_CF_INET, "x", 'W'), -1);
}
END_TEST

/* A service that does not accept: the trigger fails at once, never waits. */
START_TEST(test_trigger_busy)
{
    int lfd = unix_listener(SOCK_STREAM, "s", 1);
    int i;
    int ret = 0;
    long start;

    /* Fill the backlog (Linux admits backlog + 1). */
    for (i = 0; i < 100 && ret == 0; i++)
        ret = master_trigger(MASTER_CF_UNIX, "s", 'W');
    ck_assert_int_eq(ret, -1);
    ck_assert_int_eq(errno, EAGAIN);
    start = fixture_ms();
    ck_assert_int_eq(master_trigger(MASTER_CF_UNIX, "s", 'W'), -1);
    ck_assert_int_eq(errno, EAGAIN);
    ck_assert_int_lt(fixture_ms() - start, 100);
    close(lfd);
}
END_TEST

/* fifo_bytes - how many bytes wait in the service's FIFO */
static int
fifo_bytes(MASTER_SERV *serv)
{
    char buf[64];
    int n = 0;
    ssize_t got;

    while ((got = read(serv->listen_fd[0], buf, sizeof(buf))) > 0)
        n += (int) got;
    return n;
}

/* have_bytes - condition for fixture_run(): a wakeup arrived */
static int
have_bytes(void *arg)
{
    int *count = arg;

    return *count > 0;
}

/* count_event - the FIFO listener is readable: count the bytes */
static void
count_event(EVENT_LOOP *loop, int event, int fd, void *context)
{
    int *count = context;
    char buf[64];
    ssize_t got;

    (void) loop;
    (void) event;
    while ((got = read(fd, buf, sizeof(buf))) > 0)
        *count += (int) got;
}

/* A service with "wakeup 1": one trigger at once, then one a second. */
START_TEST(test_wakeup_timer)
{
    MASTER *m = fixture_master("w fifo n - n 1 1 prog\n");
    MASTER_SERV *serv;
    int count = 0;

    fixture_script("prog", "exit 0");
    ck_assert_int_eq(master_services_start(m, 0, 0), 1);
    serv = m->services;
    ck_assert_int_ne(serv->wakeup_timer, 0);
    ck_assert_int_eq(fifo_bytes(serv), 1);
    /* Watch the FIFO ourselves instead of spawning children. */
    serv->throttled = 1;
    master_listen_update(serv);
    event_enable_read(m->loop, serv->listen_fd[0], count_event, &count);
    ck_assert_int_eq(fixture_run(m, have_bytes, &count, 3000), 1);
    ck_assert_int_eq(count, 1);
    event_disable_readwrite(m->loop, serv->listen_fd[0]);
    master_wakeup_stop(serv);
    ck_assert_int_eq(serv->wakeup_timer, 0);
    fixture_free(m);
}
END_TEST

/* "1?": nothing until the first use, then wakeups as usual. */
START_TEST(test_wakeup_if_used)
{
    MASTER *m = fixture_master("w fifo n - n 1? 1 prog\n");
    MASTER_SERV *serv;

    fixture_script("prog", "exit 0");
    ck_assert_int_eq(master_services_start(m, 0, 0), 1);
    serv = m->services;
    ck_assert_int_eq(serv->wakeup_timer, 0);
    ck_assert_int_eq(fifo_bytes(serv), 0);
    serv->used = 1;
    master_wakeup_used(serv);
    ck_assert_int_ne(serv->wakeup_timer, 0);
    ck_assert_int_eq(fifo_bytes(serv), 1);
    fixture_free(m);
}
END_TEST

/* No wakeup column, or a type that cannot take one: no timer. */
START_TEST(test_wakeup_none)
{
    MASTER *m = fixture_master("a unix - - n - - prog\n"
                               "127.0.0.1:0 inet n - n 10 - prog\n");

    fixture_script("prog", "exit 0");
    ck_assert_int_eq(master_services_start(m, 0, 0), 2);
    ck_assert_int_eq(m->services->wakeup_timer, 0);
    ck_assert_int_eq(m->services->next->wakeup_timer, 0);
    fixture_free(m);
}
END_TEST

/* A unix service gets its wakeup through its own socket. */
START_TEST(test_wakeup_unix)
{
    MASTER *m = fixture_master("q unix n - n 300 1 prog\n");
    int cfd;

    fixture_script("prog", "exit 0");
    ck_assert_int_eq(master_services_start(m, 0, 0), 1);
    ck_assert_int_ge(cfd = accept(m->services->listen_fd[0], NULL, NULL), 0);
    ck_assert_int_eq(read_byte(cfd), TRIGGER_REQ_WAKEUP);
    close(cfd);
    fixture_free(m);
}
END_TEST

static Suite *
master_wakeup_suite(void)
{
    Suite *s = suite_create("master_wakeup");
    TCase *tc = tcase_create("core");

    TMPDIR_FIXTURES(tc);
    tcase_set_timeout(tc, 10);
    tcase_add_test(tc, test_trigger_unix);
    tcase_add_test(tc, test_trigger_dgram);
    tcase_add_test(tc, test_trigger_fifo);
    tcase_add_test(tc, test_trigger_missing);
    tcase_add_test(tc, test_trigger_busy);
    tcase_add_test(tc, test_wakeup_timer);
    tcase_add_test(tc, test_wakeup_if_used);
    tcase_add_test(tc, test_wakeup_none);
    tcase_add_test(tc, test_wakeup_unix);
    suite_add_tcase(s, tc);
    return s;
}

TEST_MAIN(master_wakeup_suite)

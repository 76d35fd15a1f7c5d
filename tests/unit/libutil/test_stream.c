/* test_stream - Check suite for buffered streams with deadlines. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "stream.h"
#include "test_main.h"

/* Transports the line cases run over. */
enum { VIA_SOCKETPAIR, VIA_PIPE, VIA_FILE, VIA_COUNT };

/* Each get_line result in the want strings: "code[text]", \r and \0 escaped. */
struct line_case {
    const char *name;
    const char *input;
    size_t len; /* 0: strlen(input) */
    size_t maxlen;
    const char *want;
};

static const struct line_case line_cases[] = {
    {"plain", "a\nbc\n", 0, 10, "ok[a]ok[bc]eof[]"},
    {"crlf kept", "a\r\nb\n", 0, 10, "ok[a\\r]ok[b]eof[]"},
    {"bare cr", "a\rb\n", 0, 10, "ok[a\\rb]eof[]"},
    {"empty lines", "\n\n", 0, 10, "ok[]ok[]eof[]"},
    {"no input", "", 0, 10, "eof[]"},
    {"partial at eof", "abc\ndef", 0, 10, "ok[abc]part[def]eof[]"},
    {"nul byte", "a\0b\n", 4, 10, "ok[a\\0b]eof[]"},
    {"exactly maxlen", "abcd\n", 0, 4, "ok[abcd]eof[]"},
    {"one over", "abcde\n", 0, 4, "long[abcd]last[e]eof[]"},
    {"two pieces", "abcdefghij\nk\n", 0, 4,
     "long[abcd]long[efgh]last[ij]ok[k]eof[]"},
    {"multiple of maxlen", "abcdefgh\n", 0, 4, "long[abcd]last[efgh]eof[]"},
    {"cr past maxlen", "abcd\r\n", 0, 4, "long[abcd]last[\\r]eof[]"},
    {"long then eof", "abcdefg", 0, 4, "long[abcd]part[efg]eof[]"},
    {"maxlen then eof", "abcd", 0, 4, "part[abcd]eof[]"},
};

/* status_code - short name of a status in the want strings */
static const char *
status_code(STREAM_STATUS status)
{
    switch (status) {
        case STREAM_LINE_OK:
            return "ok";
        case STREAM_LINE_TOOLONG:
            return "long";
        case STREAM_LINE_LAST:
            return "last";
        case STREAM_LINE_PARTIAL:
            return "part";
        case STREAM_EOF:
            return "eof";
        case STREAM_TIMEOUT:
            return "timeout";
        default:
            return "error";
    }
}

/* append_result - "code[text]" with CR and NUL made visible */
static void
append_result(STRBUF *got, STREAM_STATUS status, const STRBUF *line)
{
    size_t i;

    strbuf_sprintf_cat(got, "%s[", status_code(status));
    for (i = 0; i < LEN(line); i++) {
        if (STR(line)[i] == '\r')
            strbuf_strcat(got, "\\r");
        else if (STR(line)[i] == 0)
            strbuf_strcat(got, "\\0");
        else
            strbuf_addch(got, STR(line)[i]);
    }
    strbuf_addch(got, ']');
}

/* write_all - write everything to fd, as a test peer */
static void
write_all(int fd, const void *data, size_t len)
{
    const char *cp = data;
    ssize_t n;

    while (len > 0) {
        n = write(fd, cp, len);
        ck_assert_int_gt(n, 0);
        cp += n;
        len -= (size_t) n;
    }
}

/* open_with_input - a read stream whose input is data, then end of input */
static STREAM *
open_with_input(int via, const char *data, size_t len)
{
    char path[] = "/tmp/test_stream.XXXXXX";
    int fds[2];

    if (via == VIA_FILE) {
        ck_assert_int_ge(fds[0] = mkstemp(path), 0);
        unlink(path);
        write_all(fds[0], data, len);
        ck_assert_int_eq(lseek(fds[0], 0, SEEK_SET), 0);
        return stream_fdopen(fds[0], O_RDONLY);
    }
    if (via == VIA_PIPE)
        ck_assert_int_eq(pipe(fds), 0);
    else
        ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, fds), 0);
    write_all(fds[1], data, len);
    close(fds[1]);
    return stream_fdopen(fds[0], O_RDONLY);
}

/* Every line case over every transport: loop index = case * VIA_COUNT. */
START_TEST(test_lines)
{
    const struct line_case *tc = &line_cases[_i / VIA_COUNT];
    size_t len = tc->len ? tc->len : strlen(tc->input);
    STREAM *st = open_with_input(_i % VIA_COUNT, tc->input, len);
    STRBUF *line = strbuf_create(0);
    STRBUF *got = strbuf_create(0);
    STREAM_STATUS status;
    int calls;

    stream_set_timeout(st, 1000);
    for (calls = 0; calls < 20; calls++) {
        status = stream_get_line(st, line, tc->maxlen);
        append_result(got, status, line);
        if (status < 0)
            break;
    }
    ck_assert_msg(strcmp(STR(got), tc->want) == 0, "%s via %d: got %s",
                  tc->name, _i % VIA_COUNT, STR(got));
    ck_assert(stream_eof(st));
    ck_assert(!stream_error(st) && !stream_timedout(st));
    ck_assert_int_eq(stream_close(st), 0);
    strbuf_free(line);
    strbuf_free(got);
}
END_TEST

/* A socketpair stream for both directions; *peer gets the other end. */
static STREAM *
open_pair(int *peer, int timeout)
{
    int fds[2];
    STREAM *st;

    ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, fds), 0);
    *peer = fds[1];
    st = stream_fdopen(fds[0], O_RDWR);
    stream_set_timeout(st, timeout);
    return st;
}

/* Lines longer than the read buffer, across several refills. */
START_TEST(test_long_line_refills)
{
    size_t big = 3 * STREAM_BUFSIZE;
    char *data = malloc(big + 3);
    STRBUF *line = strbuf_create(0);
    int peer;
    STREAM *st = open_pair(&peer, 1000);

    memset(data, 'x', big);
    memcpy(data + big, "\ny\n", 3);
    write_all(peer, data, big + 3);
    close(peer);
    ck_assert_int_eq(stream_get_line(st, line, 10000), STREAM_LINE_TOOLONG);
    ck_assert_uint_eq(LEN(line), 10000);
    ck_assert_int_eq(stream_get_line(st, line, 10000), STREAM_LINE_TOOLONG);
    ck_assert_int_eq(stream_get_line(st, line, 10000), STREAM_LINE_LAST);
    ck_assert_uint_eq(LEN(line), big - 20000);
    ck_assert_int_eq(stream_get_line(st, line, 10000), STREAM_LINE_OK);
    ck_assert_str_eq(STR(line), "y");
    ck_assert_int_eq(stream_get_line(st, line, 10000), STREAM_EOF);
    stream_close(st);
    strbuf_free(line);
    free(data);
}
END_TEST

/* stream_skip_line() drops the rest of a long line, or a whole line. */
START_TEST(test_skip_line)
{
    const char *input = "abcdefgh\nnext\nwhole line\nafter\ntail-no-lf";
    STREAM *st = open_with_input(VIA_SOCKETPAIR, input, strlen(input));
    STRBUF *line = strbuf_create(0);

    ck_assert_int_eq(stream_get_line(st, line, 4), STREAM_LINE_TOOLONG);
    ck_assert_str_eq(STR(line), "abcd");
    ck_assert_int_eq(stream_skip_line(st), STREAM_LINE_OK);
    ck_assert_int_eq(stream_get_line(st, line, 4), STREAM_LINE_OK);
    ck_assert_str_eq(STR(line), "next");
    ck_assert_int_eq(stream_skip_line(st), STREAM_LINE_OK);
    ck_assert_int_eq(stream_get_line(st, line, 40), STREAM_LINE_OK);
    ck_assert_str_eq(STR(line), "after");
    ck_assert_int_eq(stream_get_line(st, line, 4), STREAM_LINE_TOOLONG);
    ck_assert_int_eq(stream_skip_line(st), STREAM_EOF);
    ck_assert_int_eq(stream_get_line(st, line, 4), STREAM_EOF);
    ck_assert_uint_eq(LEN(line), 0);
    stream_close(st);
    strbuf_free(line);
}
END_TEST

/* Binary reads across refills, after a line, and short at the end. */
START_TEST(test_read_exact)
{
    size_t big = 2 * STREAM_BUFSIZE + 100;
    char *data = malloc(big);
    char *back = malloc(big);
    STRBUF *line = strbuf_create(0);
    size_t i;
    STREAM *st;

    for (i = 0; i < big; i++)
        data[i] = (char) (i * 7);
    memcpy(data, "SIZE\r\n", 6);
    st = open_with_input(VIA_PIPE, data, big);
    ck_assert_int_eq(stream_get_line(st, line, 100), STREAM_LINE_OK);
    ck_assert_str_eq(STR(line), "SIZE\r");
    ck_assert_uint_eq(stream_buffered(st), STREAM_BUFSIZE - 6);
    ck_assert_int_eq(stream_read_exact(st, back, 5000), 0);
    ck_assert_int_eq(stream_read_exact(st, back + 5000, big - 6 - 5000), 0);
    ck_assert_int_eq(memcmp(back, data + 6, big - 6), 0);
    ck_assert_int_eq(stream_read_exact(st, back, 0), 0);
    ck_assert_int_eq(stream_read_exact(st, back, 1), -1);
    ck_assert(stream_eof(st));
    stream_close(st);
    free(data);
    free(back);
    strbuf_free(line);
}
END_TEST

START_TEST(test_read_some)
{
    char buf[4];
    STREAM *st = open_with_input(VIA_FILE, "abcdef", 6);

    ck_assert_int_eq(stream_read_some(st, buf, sizeof(buf)), 4);
    ck_assert_int_eq(memcmp(buf, "abcd", 4), 0);
    ck_assert_int_eq(stream_read_some(st, buf, sizeof(buf)), 2);
    ck_assert_int_eq(memcmp(buf, "ef", 2), 0);
    ck_assert_int_eq(stream_read_some(st, buf, sizeof(buf)), 0);
    ck_assert(stream_eof(st));
    stream_close(st);
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

/* A read with no data times out, stays timed out, and writes go on. */
START_TEST(test_read_timeout_socket)
{
    STRBUF *line = strbuf_create(0);
    struct timespec start;
    char buf[8];
    int peer;
    STREAM *st = open_pair(&peer, 150);

    write_all(peer, "par", 3);
    clock_gettime(CLOCK_MONOTONIC, &start);
    ck_assert_int_eq(stream_get_line(st, line, 100), STREAM_TIMEOUT);
    ck_assert_int_ge(elapsed_ms(&start), 140);
    ck_assert_int_lt(elapsed_ms(&start), 1000);
    ck_assert_str_eq(STR(line), "par");
    ck_assert(stream_timedout(st) && !stream_error(st) && !stream_eof(st));
    ck_assert_int_eq(errno, ETIMEDOUT);
    ck_assert_int_eq(stream_get_line(st, line, 100), STREAM_TIMEOUT);
    ck_assert_int_eq(stream_skip_line(st), STREAM_TIMEOUT);
    ck_assert_int_eq(stream_read_some(st, buf, 1), -1);
    ck_assert_int_eq(stream_puts(st, "421 timeout\r\n"), 0);
    ck_assert_int_eq(stream_flush(st), 0);
    ck_assert_int_eq(read(peer, buf, 8), 8);
    stream_clearerr(st);
    ck_assert(!stream_timedout(st));
    write_all(peer, "again\n", 6);
    ck_assert_int_eq(stream_get_line(st, line, 100), STREAM_LINE_OK);
    ck_assert_str_eq(STR(line), "again");
    close(peer);
    stream_close(st);
    strbuf_free(line);
}
END_TEST

/* The poll-first path of pipes, blocking and non-blocking. */
START_TEST(test_read_timeout_pipe)
{
    char buf[4];
    int fds[2];
    STREAM *st;
    int nonblock;

    for (nonblock = 0; nonblock < 2; nonblock++) {
        ck_assert_int_eq(pipe2(fds, nonblock ? O_NONBLOCK : 0), 0);
        st = stream_fdopen(fds[0], O_RDONLY);
        stream_set_timeout(st, 100);
        ck_assert_int_eq(stream_read_exact(st, buf, 1), -1);
        ck_assert(stream_timedout(st));
        ck_assert_int_eq(stream_close(st), 0);
        close(fds[1]);
    }
}
END_TEST

static volatile sig_atomic_t stop_raised;

static void
raise_stop(int sig)
{
    (void) sig;
    stop_raised = 1;
}

/* A raised stop flag ends a read that a signal interrupts; unraised, the
 * read resumes and runs into its deadline. */
START_TEST(test_stop_flag)
{
    struct sigaction sa;
    struct timespec t0, t1;
    char buf[4];
    int fds[2], sock;
    STREAM *st;
    long ms;

    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = raise_stop;
    ck_assert_int_eq(sigaction(SIGALRM, &sa, NULL), 0);
    stream_set_stop_flag(&stop_raised);
    for (sock = 0; sock < 2; sock++) {
        if (sock)
            ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, fds), 0);
        else
            ck_assert_int_eq(pipe(fds), 0);
        st = stream_fdopen(fds[0], O_RDONLY);
        stream_set_timeout(st, 5000);
        stop_raised = 0;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        ualarm(100000, 0);
        ck_assert_int_eq(stream_read_exact(st, buf, 1), -1);
        clock_gettime(CLOCK_MONOTONIC, &t1);
        ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
        ck_assert_int_eq(stop_raised, 1);
        ck_assert(!stream_timedout(st));
        ck_assert(stream_error(st));
        ck_assert_int_lt(ms, 4000);
        /* Raised before the call: no wait for a signal at all. */
        stream_clearerr(st);
        stop_raised = 1;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        ck_assert_int_eq(stream_read_exact(st, buf, 1), -1);
        clock_gettime(CLOCK_MONOTONIC, &t1);
        ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
        ck_assert_int_lt(ms, 1000);
        stream_close(st);
        close(fds[1]);
    }
    stream_set_stop_flag(NULL);
}
END_TEST

/* Without a deadline a non-blocking socket still waits for its data. */
START_TEST(test_nonblocking_no_deadline)
{
    STRBUF *line = strbuf_create(0);
    int peer;
    STREAM *st = open_pair(&peer, 0);
    pid_t pid;
    int status;

    ck_assert_int_eq(fcntl(stream_fd(st), F_SETFL, O_NONBLOCK), 0);
    if ((pid = fork()) == 0) {
        usleep(50000);
        _exit(write(peer, "late\n", 5) == 5 ? 0 : 1);
    }
    ck_assert_int_eq(stream_get_line(st, line, 100), STREAM_LINE_OK);
    ck_assert_str_eq(STR(line), "late");
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    ck_assert_int_eq(status, 0);
    close(peer);
    stream_close(st);
    strbuf_free(line);
}
END_TEST

/* A peer that never reads: writes fail by the deadline, not block. */
START_TEST(test_write_timeout)
{
    size_t chunk = 1 << 20;
    char *data = calloc(1, chunk);
    int fds[2];
    STREAM *st;
    int via, i;

    for (via = 0; via < 2; via++) {
        if (via == VIA_PIPE)
            ck_assert_int_eq(pipe(fds), 0);
        else
            ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, fds), 0);
        st = stream_fdopen(via == VIA_PIPE ? fds[1] : fds[0], O_WRONLY);
        stream_set_timeout(st, 100);
        for (i = 0; i < 64 && stream_write(st, data, chunk) == 0; i++)
            /* void */;
        ck_assert_int_lt(i, 64);
        ck_assert(stream_timedout(st));
        ck_assert_int_eq(errno, ETIMEDOUT);
        ck_assert_int_eq(stream_puts(st, "x"), -1);
        ck_assert_int_eq(stream_printf(st, "%d", 1), -1);
        ck_assert_int_eq(stream_flush(st), -1);
        ck_assert_int_eq(stream_close(st), -1);
        close(via == VIA_PIPE ? fds[0] : fds[1]);
    }
    free(data);
}
END_TEST

/* Writes to a closed peer fail with EPIPE; no SIGPIPE kills us. */
START_TEST(test_write_closed_peer)
{
    int fds[2];
    STREAM *st;
    int via;

    signal(SIGPIPE, SIG_IGN);
    for (via = 0; via < 2; via++) {
        if (via == VIA_PIPE)
            ck_assert_int_eq(pipe(fds), 0);
        else
            ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, fds), 0);
        close(fds[0]);
        st = stream_fdopen(fds[1], O_WRONLY);
        ck_assert_int_eq(stream_puts(st, "hello\r\n"), 0);
        ck_assert_int_eq(stream_flush(st), -1);
        ck_assert_int_eq(errno, EPIPE);
        ck_assert(stream_error(st) && !stream_timedout(st));
        ck_assert_int_eq(stream_close(st), -1);
        ck_assert_int_eq(errno, EPIPE);
    }
}
END_TEST

/* The same without SIG_IGN: a socket stream must not raise SIGPIPE. */
START_TEST(test_no_sigpipe_socket)
{
    char big[STREAM_BUFSIZE];
    int peer;
    STREAM *st = open_pair(&peer, 0);

    memset(big, 'x', sizeof(big));
    close(peer);
    ck_assert_int_eq(stream_puts(st, "x"), 0);
    ck_assert_int_eq(stream_write(st, big, sizeof(big)), -1);
    ck_assert(stream_error(st));
    ck_assert_int_eq(stream_flush(st), -1);
    stream_close(st);
}
END_TEST

/* read_back - the whole content of a file stream's descriptor */
static char *
read_back(int fd, size_t *len)
{
    char *buf = malloc(1 << 20);
    ssize_t n;

    ck_assert_int_eq(lseek(fd, 0, SEEK_SET), 0);
    n = read(fd, buf, 1 << 20);
    ck_assert_int_ge(n, 0);
    *len = (size_t) n;
    return buf;
}

/* Big and small writes and printf, in order, across the buffer size. */
START_TEST(test_write_order)
{
    char path[] = "/tmp/test_stream.XXXXXX";
    size_t big = 3 * STREAM_BUFSIZE + 7;
    char *data = malloc(big);
    STRBUF *want = strbuf_create(0);
    char *got;
    size_t len, i;
    int fd = mkstemp(path);
    STREAM *st = stream_fdopen(fd, O_RDWR);

    unlink(path);
    for (i = 0; i < big; i++)
        data[i] = (char) ('a' + i % 26);
    for (i = 0; i < 3; i++) {
        ck_assert_int_eq(stream_printf(st, "%zu:%s|", i, "x"), 0);
        ck_assert_int_eq(stream_write(st, data, STREAM_BUFSIZE - 1), 0);
        ck_assert_int_eq(stream_write(st, data, big), 0);
        ck_assert_int_eq(stream_printf(st, "<%.*s>", 9000, data), 0);
        ck_assert_int_eq(stream_write(st, "", 0), 0);
        strbuf_sprintf_cat(want, "%zu:%s|", i, "x");
        strbuf_memcat(want, data, STREAM_BUFSIZE - 1);
        strbuf_memcat(want, data, big);
        strbuf_sprintf_cat(want, "<%.*s>", 9000, data);
    }
    ck_assert_int_eq(stream_flush(st), 0);
    ck_assert_int_eq(stream_flush(st), 0);
    got = read_back(fd, &len);
    ck_assert_uint_eq(len, LEN(want));
    ck_assert_int_eq(memcmp(got, STR(want), len), 0);
    ck_assert_int_eq(stream_close(st), 0);
    free(got);
    free(data);
    strbuf_free(want);
}
END_TEST

/* Output goes out on close; stream_free() leaves the descriptor open. */
START_TEST(test_close_and_free)
{
    char buf[16];
    int peer;
    STREAM *st = open_pair(&peer, 1000);
    int fd;

    ck_assert_int_eq(stream_printf(st, "%s %d\n", "bye", 221), 0);
    ck_assert_int_eq(stream_close(st), 0);
    ck_assert_int_eq(read(peer, buf, sizeof(buf)), 8);
    ck_assert_int_eq(memcmp(buf, "bye 221\n", 8), 0);
    ck_assert_int_eq(read(peer, buf, sizeof(buf)), 0);
    close(peer);

    st = open_pair(&peer, 0);
    fd = stream_fd(st);
    st = stream_free(st);
    ck_assert_ptr_null(st);
    ck_assert_int_ge(fcntl(fd, F_GETFD), 0);
    close(fd);
    close(peer);
    ck_assert_ptr_null(stream_free(NULL));
}
END_TEST

/* stream_close() reports a failing close(). */
START_TEST(test_close_error)
{
    int fds[2];
    STREAM *st;

    ck_assert_int_eq(pipe(fds), 0);
    st = stream_fdopen(fds[0], O_RDONLY);
    close(fds[0]);
    ck_assert_int_eq(stream_close(st), -1);
    ck_assert_int_eq(errno, EBADF);
    close(fds[1]);
}
END_TEST

/* A descriptor that fails reads: error state, not end of input. */
START_TEST(test_read_error)
{
    STRBUF *line = strbuf_create(0);
    char buf[1];
    int fds[2];
    STREAM *st;

    ck_assert_int_eq(pipe(fds), 0);
    st = stream_fdopen(fds[1], O_RDONLY);
    ck_assert_int_eq(stream_get_line(st, line, 10), STREAM_ERROR);
    ck_assert_int_eq(errno, EBADF);
    ck_assert(stream_error(st) && !stream_eof(st));
    ck_assert_int_eq(stream_read_some(st, buf, 1), -1);
    ck_assert_int_eq(stream_skip_line(st), STREAM_ERROR);
    stream_close(st);
    close(fds[0]);
    strbuf_free(line);
}
END_TEST

START_TEST(test_status_names)
{
    ck_assert_str_eq(stream_status_name(STREAM_LINE_OK), "line");
    ck_assert_str_eq(stream_status_name(STREAM_LINE_TOOLONG), "line too long");
    ck_assert_str_eq(stream_status_name(STREAM_ERROR), "read error");
    ck_assert_str_eq(stream_status_name(STREAM_LINE_PARTIAL), "partial line");
    ck_assert_str_eq(stream_status_name((STREAM_STATUS) 42), "unknown status");
    ck_assert_str_eq(stream_status_name((STREAM_STATUS) -4), "unknown status");
}
END_TEST

/* Our own bugs: each panics. */
START_TEST(test_panics)
{
    STRBUF *line = strbuf_create(0);
    char buf[1];
    int fds[2];
    STREAM *rd, *wr;

    ck_assert_int_eq(pipe(fds), 0);
    rd = stream_fdopen(fds[0], O_RDONLY);
    wr = stream_fdopen(fds[1], O_WRONLY);
    switch (_i) {
        case 0:
            stream_get_line(wr, line, 10);
            break;
        case 1:
            stream_get_line(rd, line, 0);
            break;
        case 2:
            stream_puts(rd, "x");
            break;
        case 3:
            stream_fdopen(fds[0], O_RDWR | O_CREAT);
            break;
        case 4:
            stream_fdopen(-1, O_RDONLY);
            break;
        case 5:
            stream_set_timeout(rd, -1);
            break;
        case 6:
            stream_read_some(rd, buf, 0);
            break;
        case 7:
            strbuf_set_limit(line, 2);
            write_all(fds[1], "abcdef\n", 7);
            stream_get_line(rd, line, 5);
            break;
    }
}
END_TEST

/* A layered transport for the STREAM_IO tests: bytes go out plus one and
 * come in minus one, and every other attempt asks for a poll first. */
struct shift_io {
    int fd;
    int calls;
    int polls_asked;
};

static ssize_t
shift_read(void *ctx, void *buf, size_t len, short *want)
{
    struct shift_io *io = ctx;
    unsigned char *cp = buf;
    ssize_t n, i;

    if (io->calls++ % 2 == 0) {
        io->polls_asked++;
        *want = POLLOUT; /* as TLS may during a renegotiation */
        errno = EAGAIN;
        return -1;
    }
    if ((n = recv(io->fd, buf, len, MSG_DONTWAIT)) < 0) {
        *want = POLLIN;
        return -1;
    }
    for (i = 0; i < n; i++)
        cp[i] -= 1;
    return n;
}

static ssize_t
shift_write(void *ctx, const void *buf, size_t len, short *want)
{
    struct shift_io *io = ctx;
    unsigned char tmp[64];
    size_t i;

    if (io->calls++ % 2 == 0) {
        io->polls_asked++;
        *want = POLLOUT;
        errno = EAGAIN;
        return -1;
    }
    if (len > sizeof(tmp))
        len = sizeof(tmp);
    for (i = 0; i < len; i++)
        tmp[i] = ((const unsigned char *) buf)[i] + 1;
    return send(io->fd, tmp, len, MSG_NOSIGNAL);
}

static const STREAM_IO shift_ops = {shift_read, shift_write};

/* Lines go through the layer both ways, polls included. */
START_TEST(test_layered_io)
{
    struct shift_io io = {0};
    STRBUF *line = strbuf_create(0);
    char raw[200];
    int peer;
    STREAM *st = open_pair(&peer, 2000);
    size_t got;
    ssize_t n;

    io.fd = stream_fd(st);
    ck_assert_int_eq(fcntl(io.fd, F_SETFL, O_NONBLOCK), 0);
    stream_set_io(st, &shift_ops, &io);
    ck_assert_int_eq(stream_puts(st, "HELLO over a layer, longer than 64 "
                                     "bytes so that writes come in pieces\n"),
                     0);
    ck_assert_int_eq(stream_flush(st), 0);
    for (got = 0; got < 71 && (n = read(peer, raw + got, 71 - got)) > 0;)
        got += (size_t) n;
    ck_assert_uint_eq(got, 71);
    ck_assert_int_eq(raw[0], 'H' + 1);
    write_all(peer, "bcd\x0b", 4); /* "abc\n" shifted */
    ck_assert_int_eq(stream_get_line(st, line, 100), STREAM_LINE_OK);
    ck_assert_str_eq(STR(line), "abc");
    ck_assert_int_gt(io.polls_asked, 2);
    /* Nothing arrives: the layer's EAGAIN waits out the deadline. */
    stream_set_timeout(st, 100);
    ck_assert_int_eq(stream_get_line(st, line, 100), STREAM_TIMEOUT);
    /* Back to plain I/O. */
    stream_clearerr(st);
    stream_set_io(st, NULL, NULL);
    write_all(peer, "plain\n", 6);
    ck_assert_int_eq(stream_get_line(st, line, 100), STREAM_LINE_OK);
    ck_assert_str_eq(STR(line), "plain");
    stream_close(st);
    close(peer);
    strbuf_free(line);
}
END_TEST

/* Buffered plaintext is dropped, never read after the switch. */
START_TEST(test_discard_input)
{
    STRBUF *line = strbuf_create(0);
    int peer;
    STREAM *st = open_pair(&peer, 2000);

    write_all(peer, "STARTTLS\r\nMAIL FROM:<evil>\r\n", 28);
    ck_assert_int_eq(stream_get_line(st, line, 100), STREAM_LINE_OK);
    ck_assert_str_eq(STR(line), "STARTTLS\r");
    ck_assert_int_eq(stream_buffered(st), 18);
    ck_assert_int_eq(stream_discard_input(st), 18);
    ck_assert_int_eq(stream_buffered(st), 0);
    ck_assert_int_eq(stream_discard_input(st), 0);
    write_all(peer, "next\n", 5);
    ck_assert_int_eq(stream_get_line(st, line, 100), STREAM_LINE_OK);
    ck_assert_str_eq(STR(line), "next");
    stream_close(st);
    close(peer);
    strbuf_free(line);
}
END_TEST

static Suite *
stream_suite(void)
{
    Suite *s = suite_create("stream");
    TCase *tc = tcase_create("core");

    tcase_add_loop_test(tc, test_lines, 0, NITEMS(line_cases) * VIA_COUNT);
    tcase_add_test(tc, test_long_line_refills);
    tcase_add_test(tc, test_skip_line);
    tcase_add_test(tc, test_read_exact);
    tcase_add_test(tc, test_read_some);
    tcase_add_test(tc, test_read_timeout_socket);
    tcase_add_test(tc, test_read_timeout_pipe);
    tcase_add_test(tc, test_nonblocking_no_deadline);
    tcase_add_test(tc, test_stop_flag);
    tcase_add_test(tc, test_write_timeout);
    tcase_add_test(tc, test_write_closed_peer);
    tcase_add_test(tc, test_no_sigpipe_socket);
    tcase_add_test(tc, test_write_order);
    tcase_add_test(tc, test_close_and_free);
    tcase_add_test(tc, test_close_error);
    tcase_add_test(tc, test_read_error);
    tcase_add_test(tc, test_status_names);
    tcase_add_test(tc, test_layered_io);
    tcase_add_test(tc, test_discard_input);
    tcase_add_loop_test_raise_signal(tc, test_panics, SIGABRT, 0, 8);
    suite_add_tcase(s, tc);
    return s;
}

TEST_MAIN(stream_suite)

/* test_record - Check suite for queue-file records. */
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "mymalloc.h"
#include "record.h"
#include "test_main.h"
#include "test_tmpdir.h"

/* mem_stream - a read stream over len bytes of data (a temporary file) */
static STREAM *
mem_stream(const void *data, size_t len)
{
    int fd = open("f", O_RDWR | O_CREAT | O_TRUNC, 0600);

    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(write(fd, data, len), (ssize_t) len);
    ck_assert_int_eq(lseek(fd, 0, SEEK_SET), 0);
    return stream_fdopen(fd, O_RDONLY);
}

/* encode - records written by rec_put into out */
static void
encode(STRBUF *out, int type, const char *data, size_t len)
{
    int fd = open("w", O_RDWR | O_CREAT | O_TRUNC, 0600);
    STREAM *st = stream_fdopen(fd, O_WRONLY);
    char buf[8192];
    ssize_t n;

    ck_assert_int_eq(rec_put(st, type, data, len), (ssize_t) rec_size(len));
    ck_assert_int_eq(stream_flush(st), 0);
    ck_assert_int_eq(lseek(fd, 0, SEEK_SET), 0);
    strbuf_reset(out);
    while ((n = read(fd, buf, sizeof(buf))) > 0)
        strbuf_memcat(out, buf, (size_t) n);
    stream_close(st);
}

static const struct {
    const char *name;
    int type;
    size_t len;
} trips[] = {
    {"empty", REC_TYPE_MESG, 0},       {"one byte", REC_TYPE_NORM, 1},
    {"127 bytes", REC_TYPE_NORM, 127}, {"128 bytes", REC_TYPE_CONT, 128},
    {"16383", REC_TYPE_RCPT, 16383},   {"16384", REC_TYPE_FROM, 16384},
    {"70000", REC_TYPE_ATTR, 70000},
};

START_TEST(test_round_trip)
{
    STRBUF *enc = strbuf_create(0);
    STRBUF *got = strbuf_create(0);
    char *data = mymalloc(trips[_i].len + 1);
    off_t pos = 0;
    STREAM *st;
    size_t i;

    for (i = 0; i < trips[_i].len; i++)
        data[i] = (char) (i * 7);
    encode(enc, trips[_i].type, data, trips[_i].len);
    st = mem_stream(STR(enc), LEN(enc));
    ck_assert_int_eq(rec_get_at(st, got, 100000, &pos), trips[_i].type);
    ck_assert_uint_eq(LEN(got), trips[_i].len);
    ck_assert(memcmp(STR(got), data, trips[_i].len) == 0);
    ck_assert_int_eq(pos, (off_t) LEN(enc));
    ck_assert_int_eq(rec_get(st, got, 100000), REC_TYPE_EOF);
    stream_close(st);
    /* Every cut short of the whole record is an error, not EOF. */
    for (i = 1; i<LEN(enc); i += LEN(enc)> 300 ? 97 : 1) {
        st = mem_stream(STR(enc), i);
        ck_assert_msg(rec_get(st, got, 100000) == REC_TYPE_ERROR,
                      "%s: cut at %zu", trips[_i].name, i);
        stream_close(st);
    }
    myfree(data);
    strbuf_free(enc);
    strbuf_free(got);
}
END_TEST

/* Malformed input, byte for byte. */
static const struct {
    const char *name;
    const char *data;
    size_t len;
    size_t max;
    int want;
} bads[] = {
    {"bad type", "Z\001x", 3, 100, REC_TYPE_ERROR},
    {"NUL type", "\000\001x", 3, 100, REC_TYPE_ERROR},
    {"over max_len", "N\005hello", 7, 4, REC_TYPE_ERROR},
    {"at max_len", "N\005hello", 7, 5, 'N'},
    {"not shortest", "N\200\000", 3, 100, REC_TYPE_ERROR},
    {"six length bytes", "N\377\377\377\377\377\001", 7, 100, REC_TYPE_ERROR},
    {"over REC_MAX_LEN", "N\200\200\200\200\001", 6, (size_t) -1,
     REC_TYPE_ERROR},
    {"huge length, short data", "N\377\377\377\007ab", 7, (size_t) -1,
     REC_TYPE_ERROR},
    {"empty input", "", 0, 100, REC_TYPE_EOF},
};

START_TEST(test_bad)
{
    STRBUF *got = strbuf_create(0);
    STREAM *st = mem_stream(bads[_i].data, bads[_i].len);

    ck_assert_msg(rec_get(st, got, bads[_i].max) == bads[_i].want, "%s",
                  bads[_i].name);
    stream_close(st);
    strbuf_free(got);
}
END_TEST

/* Long lines become CONT pieces and a final NORM. */
static const struct {
    const char *name;
    size_t len;
    size_t limit;
    int pieces;
} lines[] = {
    {"empty", 0, 10, 1},     {"short", 5, 10, 1},  {"exact", 10, 10, 1},
    {"one over", 11, 10, 2}, {"three", 30, 10, 3}, {"long", 1000, 7, 143},
};

START_TEST(test_line)
{
    int fd = open("w", O_RDWR | O_CREAT | O_TRUNC, 0600);
    STREAM *st = stream_fdopen(fd, O_WRONLY);
    STRBUF *got = strbuf_create(0);
    STRBUF *line = strbuf_create(0);
    char *data = mymalloc(lines[_i].len + 1);
    int type;
    int n = 0;

    memset(data, 'a', lines[_i].len);
    ck_assert_int_gt(rec_put_line(st, data, lines[_i].len, lines[_i].limit), 0);
    ck_assert_int_eq(stream_flush(st), 0);
    ck_assert_int_eq(lseek(fd, 0, SEEK_SET), 0);
    stream_free(st);
    st = stream_fdopen(fd, O_RDONLY);
    while ((type = rec_get(st, got, lines[_i].limit)) > 0) {
        n++;
        strbuf_memcat(line, STR(got), LEN(got));
        if (type == REC_TYPE_NORM)
            break;
        ck_assert_int_eq(type, REC_TYPE_CONT);
    }
    ck_assert_int_eq(type, REC_TYPE_NORM);
    ck_assert_int_eq(n, lines[_i].pieces);
    ck_assert_uint_eq(LEN(line), lines[_i].len);
    ck_assert_int_eq(rec_get(st, got, 10), REC_TYPE_EOF);
    stream_close(st);
    myfree(data);
    strbuf_free(got);
    strbuf_free(line);
}
END_TEST

START_TEST(test_types)
{
    const char *cp;

    for (cp = REC_TYPE_ALL; *cp; cp++) {
        ck_assert(rec_type_ok(*cp));
        ck_assert_str_ne(rec_type_name(*cp), "unknown");
    }
    ck_assert(!rec_type_ok('Z'));
    ck_assert(!rec_type_ok(0));
    ck_assert(!rec_type_ok(REC_TYPE_EOF));
}
END_TEST

static Suite *
record_suite(void)
{
    Suite *s = suite_create("record");
    TCase *tc = tcase_create("record");

    TMPDIR_FIXTURES(tc);
    tcase_add_loop_test(tc, test_round_trip, 0, NITEMS(trips));
    tcase_add_loop_test(tc, test_bad, 0, NITEMS(bads));
    tcase_add_loop_test(tc, test_line, 0, NITEMS(lines));
    tcase_add_test(tc, test_types);
    suite_add_tcase(s, tc);
    return s;
}

TEST_MAIN(record_suite)

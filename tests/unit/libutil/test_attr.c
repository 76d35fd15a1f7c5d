/* test_attr - Check suite for attribute lists and their wire codec. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "attr.h"
#include "mymalloc.h"
#include "test_main.h"

/* One attribute of a test list. */
struct spec {
    int type; /* ATTR_TYPE_END ends a list */
    const char *name;
    const char *str; /* string or data value */
    size_t len;      /* data length */
    uint32_t num;
    int64_t lnum;
};

#define MAX_SPECS 8

struct rt_case {
    const char *name;
    struct spec attrs[MAX_SPECS];
    const char *want_hex; /* the exact frame, or NULL: round trip only */
};

static const char name64[] =
    "abcdefghijklmnopqrstuvwxyz_0123456789abcdefghijklmnopqrstuvwxyz_";

static const struct rt_case rt_cases[] = {
    {"empty list", {{0}}, "00000002 0000"},
    {"one string",
     {{ATTR_TYPE_STR, "a", "b", 0, 0, 0}},
     "0000000a 0001 01 01 61 00000001 62"},
    {"empty string",
     {{ATTR_TYPE_STR, "s", "", 0, 0, 0}},
     "00000009 0001 01 01 73 00000000"},
    {"number",
     {{ATTR_TYPE_INT, "n", NULL, 0, 0x01020304u, 0}},
     "0000000d 0001 02 01 6e 00000004 01020304"},
    {"number max",
     {{ATTR_TYPE_INT, "n", NULL, 0, 0xffffffffu, 0}},
     "0000000d 0001 02 01 6e 00000004 ffffffff"},
    {"long minus one",
     {{ATTR_TYPE_LONG, "l", NULL, 0, 0, -1}},
     "00000011 0001 03 01 6c 00000008 ffffffffffffffff"},
    {"long min",
     {{ATTR_TYPE_LONG, "l", NULL, 0, 0, INT64_MIN}},
     "00000011 0001 03 01 6c 00000008 8000000000000000"},
    {"long max",
     {{ATTR_TYPE_LONG, "l", NULL, 0, 0, INT64_MAX}},
     "00000011 0001 03 01 6c 00000008 7fffffffffffffff"},
    {"data with nul",
     {{ATTR_TYPE_DATA, "d", "\0x\0", 3, 0, 0}},
     "0000000c 0001 04 01 64 00000003 007800"},
    {"empty data",
     {{ATTR_TYPE_DATA, "d", "", 0, 0, 0}},
     "00000009 0001 04 01 64 00000000"},
    {"two in order",
     {{ATTR_TYPE_STR, "request", "lookup", 0, 0, 0},
      {ATTR_TYPE_INT, "status", NULL, 0, 3, 0}},
     "00000025 0002 01 07 72657175657374 00000006 6c6f6f6b7570"
     " 02 06 737461747573 00000004 00000003"},
    /* The two examples of docs/ipc.md, byte for byte. */
    {"doc: anvil connect",
     {{ATTR_TYPE_STR, "request", "connect", 0, 0, 0},
      {ATTR_TYPE_STR, "ident", "smtp:192.0.2.1", 0, 0, 0}},
     "00 00 00 2f 00 02 01 07 72 65 71 75 65 73 74 00"
     "00 00 07 63 6f 6e 6e 65 63 74 01 05 69 64 65 6e"
     "74 00 00 00 0e 73 6d 74 70 3a 31 39 32 2e 30 2e"
     "32 2e 31"},
    {"doc: anvil reply",
     {{ATTR_TYPE_INT, "status", NULL, 0, 0, 0},
      {ATTR_TYPE_INT, "count", NULL, 0, 1, 0},
      {ATTR_TYPE_INT, "rate", NULL, 0, 1, 0}},
     "00 00 00 2f 00 03 02 06 73 74 61 74 75 73 00 00"
     "00 04 00 00 00 00 02 05 63 6f 75 6e 74 00 00 00"
     "04 00 00 00 01 02 04 72 61 74 65 00 00 00 04 00"
     "00 00 01"},
    {"all types, long name",
     {{ATTR_TYPE_STR, name64, "text value", 0, 0, 0},
      {ATTR_TYPE_INT, "count_1", NULL, 0, 7, 0},
      {ATTR_TYPE_LONG, "size", NULL, 0, 0, 123456789012345LL},
      {ATTR_TYPE_DATA, "blob", "\377\0\1", 3, 0, 0},
      {ATTR_TYPE_STR, "z", "\t\r\n\377", 0, 0, 0}},
     NULL},
};

/* hex_decode - "0a 0b" (spaces ignored) into bytes */
static STRBUF *
hex_decode(const char *hex, STRBUF *out)
{
    char pair[3] = {0, 0, 0};

    strbuf_reset(out);
    for (; *hex; hex++) {
        if (*hex == ' ')
            continue;
        pair[0] = hex[0];
        pair[1] = hex[1];
        ck_assert_msg(hex[1] != 0, "odd hex string");
        strbuf_addch(out, (int) strtoul(pair, NULL, 16));
        hex++;
    }
    return out;
}

/* build_list - a list from specs */
static ATTR_LIST *
build_list(const struct spec *sp)
{
    ATTR_LIST *list = attr_list_create();

    for (; sp->type != ATTR_TYPE_END; sp++) {
        if (sp->type == ATTR_TYPE_STR)
            attr_put_str(list, sp->name, sp->str);
        else if (sp->type == ATTR_TYPE_INT)
            attr_put_int(list, sp->name, sp->num);
        else if (sp->type == ATTR_TYPE_LONG)
            attr_put_long(list, sp->name, sp->lnum);
        else
            attr_put_data(list, sp->name, sp->str, sp->len);
    }
    return list;
}

/* check_list - list holds exactly specs, by the getters */
static void
check_list(const ATTR_LIST *list, const struct spec *sp, const char *label)
{
    const void *data;
    size_t n = 0, len;
    uint32_t num;
    int64_t lnum;

    for (; sp->type != ATTR_TYPE_END; sp++, n++) {
        if (sp->type == ATTR_TYPE_STR) {
            ck_assert_msg(attr_get_str(list, sp->name) != NULL, "%s", label);
            ck_assert_str_eq(attr_get_str(list, sp->name), sp->str);
        } else if (sp->type == ATTR_TYPE_INT) {
            ck_assert_int_eq(attr_get_int(list, sp->name, &num), 0);
            ck_assert_uint_eq(num, sp->num);
        } else if (sp->type == ATTR_TYPE_LONG) {
            ck_assert_int_eq(attr_get_long(list, sp->name, &lnum), 0);
            ck_assert(lnum == sp->lnum);
        } else {
            ck_assert_int_eq(attr_get_data(list, sp->name, &data, &len), 0);
            ck_assert_uint_eq(len, sp->len);
            ck_assert(memcmp(data, sp->str, len) == 0);
        }
    }
    ck_assert_msg(attr_list_count(list) == n, "%s: count %zu, want %zu", label,
                  attr_list_count(list), n);
}

/* Round trips: exact bytes where known, decode, re-encode identically. */
START_TEST(test_round_trip)
{
    const struct rt_case *tc = &rt_cases[_i];
    ATTR_LIST *list = build_list(tc->attrs);
    ATTR_LIST *back = attr_list_create();
    STRBUF *frame = attr_encode(list, strbuf_create(0));
    STRBUF *again = strbuf_create(0);
    STRBUF *want = strbuf_create(0);
    STRBUF *why = strbuf_create(0);

    if (tc->want_hex != NULL) {
        hex_decode(tc->want_hex, want);
        ck_assert_msg(LEN(frame) == LEN(want) &&
                          memcmp(STR(frame), STR(want), LEN(want)) == 0,
                      "%s: encoding differs", tc->name);
    }
    ck_assert_msg(attr_decode(STR(frame), LEN(frame), NULL, back, why) == 0,
                  "%s: %s", tc->name, STR(why));
    check_list(back, tc->attrs, tc->name);
    attr_encode(back, again);
    ck_assert(LEN(again) == LEN(frame));
    ck_assert(memcmp(STR(again), STR(frame), LEN(frame)) == 0);
    attr_list_free(list);
    attr_list_free(back);
    strbuf_free(frame);
    strbuf_free(again);
    strbuf_free(want);
    strbuf_free(why);
}
END_TEST

/* A big string value (more than one stream buffer) survives. */
START_TEST(test_round_trip_big)
{
    size_t len = 3 * STREAM_BUFSIZE + 5;
    char *big = mymalloc(len + 1);
    ATTR_LIST *list = attr_list_create();
    STRBUF *frame = strbuf_create(0);
    STRBUF *why = strbuf_create(0);

    memset(big, 'x', len);
    big[len] = 0;
    attr_put_str(list, "big", big);
    attr_encode(list, frame);
    ck_assert_int_eq(attr_decode(STR(frame), LEN(frame), NULL, list, why), 0);
    ck_assert_str_eq(attr_get_str(list, "big"), big);
    attr_list_free(list);
    strbuf_free(frame);
    strbuf_free(why);
    myfree(big);
}
END_TEST

/* Malformed frames: each refused with a reason, the list left empty. */
struct bad_case {
    const char *name;
    const char *hex;
    size_t max_payload, max_count, max_value; /* 0: default */
    const char *want_why;                     /* substring */
};

static const struct bad_case bad_cases[] = {
    {"empty input", "", 0, 0, 0, "truncated frame"},
    {"short prefix", "000000", 0, 0, 0, "truncated frame"},
    {"no count", "00000000", 0, 0, 0, "no attribute count"},
    {"half count", "00000001 00", 0, 0, 0, "no attribute count"},
    {"payload short", "00000005 0001", 0, 0, 0, "truncated frame"},
    {"prefix over default", "00100001", 0, 0, 0, "exceeds the limit"},
    {"prefix huge", "ffffffff 0000", 0, 0, 0, "exceeds the limit"},
    {"prefix over reader limit", "0000000a 0001 01 01 61 00000001 62", 9, 0, 0,
     "exceeds the limit of 9"},
    {"trailing garbage", "00000002 0000 00", 0, 0, 0, "after the frame"},
    {"count over default", "00000002 0401", 0, 0, 0, "exceed the limit"},
    {"count over reader limit",
     "00000012 0002 01 01 61 00000001 62 01 01 63 00000001 64", 0, 1, 0,
     "exceed the limit of 1"},
    {"count above content", "00000002 0001", 0, 0, 0, "truncated"},
    {"count above content 2", "0000000a 0002 01 01 61 00000001 62", 0, 0, 0,
     "attribute 2: truncated"},
    {"count below content", "0000000a 0000 01 01 61 00000001 62", 0, 0, 0,
     "bytes left after 0 attributes"},
    {"type zero", "0000000a 0001 00 01 61 00000001 62", 0, 0, 0,
     "unknown type 0"},
    {"type five", "0000000a 0001 05 01 61 00000001 62", 0, 0, 0,
     "unknown type 5"},
    {"type ff", "0000000a 0001 ff 01 61 00000001 62", 0, 0, 0,
     "unknown type 255"},
    {"empty name", "00000009 0001 01 00 00000001 62", 0, 0, 0, "bad name"},
    {"upper case name", "0000000a 0001 01 01 41 00000001 62", 0, 0, 0,
     "bad name"},
    {"dash in name", "0000000b 0001 01 02 612d 00000001 62", 0, 0, 0,
     "bad name"},
    {"nul in name", "0000000b 0001 01 02 6100 00000001 62", 0, 0, 0,
     "bad name"},
    {"name too long",
     "0000004a 0001 01 41 "
     "616161616161616161616161616161616161616161616161616161616161616161"
     "6161616161616161616161616161616161616161616161616161616161616161 "
     "00000001 62",
     0, 0, 0, "bad name"},
    {"duplicate name", "00000011 0002 01 01 61 00000001 62 02 01 61 00000000",
     0, 0, 0, "duplicate attribute \"a\""},
    {"number of 3 bytes", "0000000c 0001 02 01 6e 00000003 010203", 0, 0, 0,
     "needs 4 bytes, got 3"},
    {"number of 5 bytes", "0000000e 0001 02 01 6e 00000005 0102030405", 0, 0, 0,
     "needs 4 bytes, got 5"},
    {"number of 0 bytes", "00000009 0001 02 01 6e 00000000", 0, 0, 0,
     "needs 4 bytes, got 0"},
    {"long of 4 bytes", "0000000d 0001 03 01 6c 00000004 01020304", 0, 0, 0,
     "needs 8 bytes, got 4"},
    {"nul in string", "0000000b 0001 01 01 73 00000002 6100", 0, 0, 0,
     "NUL byte in a string"},
    {"value over reader limit", "0000000d 0001 01 01 73 00000004 61626364", 0,
     0, 3, "exceeds the limit of 3"},
    {"value length huge", "0000000d 0001 04 01 64 ffffffff 61626364", 0, 0, 0,
     "exceeds the limit"},
    {"value past payload", "0000000d 0001 04 01 64 00000005 61626364", 0, 0, 0,
     "truncated value"},
    {"no value length", "00000007 0001 04 01 64 0000", 0, 0, 0,
     "\"d\": truncated"},
    {"name past payload", "00000006 0001 04 05 6464", 0, 0, 0,
     "attribute 1: truncated"},
};

/* limits_of - a case's limits, defaults where it says 0 */
static ATTR_LIMITS
limits_of(size_t payload, size_t count, size_t value)
{
    ATTR_LIMITS lim;

    attr_limits_init(&lim);
    if (payload)
        lim.max_payload = payload;
    if (count)
        lim.max_count = count;
    if (value)
        lim.max_value = value;
    return lim;
}

START_TEST(test_malformed)
{
    const struct bad_case *tc = &bad_cases[_i];
    ATTR_LIMITS lim = limits_of(tc->max_payload, tc->max_count, tc->max_value);
    ATTR_LIST *list = attr_list_create();
    STRBUF *frame = hex_decode(tc->hex, strbuf_create(0));
    STRBUF *why = strbuf_create(0);

    attr_put_str(list, "stale", "value");
    ck_assert_msg(attr_decode(STR(frame), LEN(frame), &lim, list, why) == -1,
                  "%s: accepted", tc->name);
    ck_assert_msg(strstr(STR(why), tc->want_why) != NULL,
                  "%s: why \"%s\", want \"%s\"", tc->name, STR(why),
                  tc->want_why);
    ck_assert_uint_eq(attr_list_count(list), 0);
    attr_list_free(list);
    strbuf_free(frame);
    strbuf_free(why);
}
END_TEST

/* Limits exactly at the value are accepted (the bound is inclusive). */
START_TEST(test_limits_inclusive)
{
    ATTR_LIMITS lim = limits_of(13, 1, 4);
    ATTR_LIST *list = attr_list_create();
    STRBUF *frame = hex_decode("0000000d 0001 01 01 73 00000004 61626364",
                               strbuf_create(0));
    STRBUF *why = strbuf_create(0);

    ck_assert_int_eq(attr_decode(STR(frame), LEN(frame), &lim, list, why), 0);
    ck_assert_str_eq(attr_get_str(list, "s"), "abcd");
    attr_list_free(list);
    strbuf_free(frame);
    strbuf_free(why);
}
END_TEST

/* Every truncation of a valid frame fails, with or without a fixed prefix. */
START_TEST(test_truncated_everywhere)
{
    ATTR_LIST *list = build_list(rt_cases[NITEMS(rt_cases) - 1].attrs);
    ATTR_LIST *out = attr_list_create();
    STRBUF *frame = attr_encode(list, strbuf_create(0));
    STRBUF *cut = strbuf_create(0);
    STRBUF *why = strbuf_create(0);
    size_t n;
    int tries = 0;

    for (n = 0; n < LEN(frame); n++) {
        ck_assert_msg(attr_decode(STR(frame), n, NULL, out, why) == -1,
                      "cut at %zu accepted", n);
        ck_assert_uint_eq(attr_list_count(out), 0);
        if (n < 4)
            continue;
        /* The same bytes with a prefix that agrees with them. */
        strbuf_memcpy(cut, STR(frame), n);
        STR(cut)[0] = (char) ((n - 4) >> 24);
        STR(cut)[1] = (char) ((n - 4) >> 16);
        STR(cut)[2] = (char) ((n - 4) >> 8);
        STR(cut)[3] = (char) (n - 4);
        ck_assert_msg(attr_decode(STR(cut), n, NULL, out, why) == -1,
                      "fixed cut at %zu accepted", n);
        tries++;
    }
    ck_assert_int_gt(tries, 100);
    ck_assert_int_eq(attr_decode(STR(frame), LEN(frame), NULL, out, why), 0);
    attr_list_free(list);
    attr_list_free(out);
    strbuf_free(frame);
    strbuf_free(cut);
    strbuf_free(why);
}
END_TEST

/* Getters: missing and mistyped attributes. */
START_TEST(test_getters)
{
    ATTR_LIST *list = attr_list_create();
    const void *data;
    size_t len;
    uint32_t num = 99;
    int64_t lnum = 99;

    attr_put_str(list, "s", "x");
    attr_put_int(list, "n", 5);
    ck_assert_ptr_null(attr_get_str(list, "n"));
    ck_assert_ptr_null(attr_get_str(list, "missing"));
    ck_assert_int_eq(attr_get_int(list, "s", &num), -1);
    ck_assert_uint_eq(num, 99);
    ck_assert_int_eq(attr_get_long(list, "n", &lnum), -1);
    ck_assert_int_eq(attr_get_data(list, "s", &data, &len), -1);
    ck_assert_uint_eq(attr_list_count(list), 2);
    attr_list_reset(list);
    ck_assert_uint_eq(attr_list_count(list), 0);
    ck_assert_ptr_null(attr_get_str(list, "s"));
    attr_put_str(list, "s", "again");
    ck_assert_str_eq(attr_get_str(list, "s"), "again");
    ck_assert_str_eq(attr_type_name(ATTR_TYPE_STR), "string");
    ck_assert_str_eq(attr_type_name(ATTR_TYPE_INT), "number");
    ck_assert_str_eq(attr_type_name(ATTR_TYPE_LONG), "long");
    ck_assert_str_eq(attr_type_name(ATTR_TYPE_DATA), "data");
    ck_assert_ptr_null(attr_list_free(list));
}
END_TEST

/* scan_list - the list attr_scan tests work on */
static ATTR_LIST *
scan_list(void)
{
    ATTR_LIST *list = attr_list_create();

    attr_put_str(list, "request", "lookup");
    attr_put_int(list, "flags", 42);
    attr_put_long(list, "size", -7);
    attr_put_data(list, "blob", "a\0b", 3);
    return list;
}

START_TEST(test_scan_all)
{
    ATTR_LIST *list = scan_list();
    STRBUF *req = strbuf_create(0);
    STRBUF *blob = strbuf_create(0);
    STRBUF *why = strbuf_create(0);
    uint32_t flags = 0;
    int64_t size = 0;

    ck_assert_int_eq(attr_scan(list, ATTR_FLAG_STRICT, why, ATTR_TYPE_STR,
                               "request", req, ATTR_TYPE_INT, "flags", &flags,
                               ATTR_TYPE_LONG, "size", &size, ATTR_TYPE_DATA,
                               "blob", blob, ATTR_TYPE_END),
                     4);
    ck_assert_str_eq(STR(req), "lookup");
    ck_assert_uint_eq(flags, 42);
    ck_assert(size == -7);
    ck_assert_uint_eq(LEN(blob), 3);
    ck_assert(memcmp(STR(blob), "a\0b", 3) == 0);
    attr_list_free(list);
    strbuf_free(req);
    strbuf_free(blob);
    strbuf_free(why);
}
END_TEST

/* Strict mode refuses what was not asked for; lax mode ignores it. */
START_TEST(test_scan_extra)
{
    ATTR_LIST *list = scan_list();
    STRBUF *req = strbuf_create(0);
    STRBUF *why = strbuf_create(0);

    strbuf_strcpy(req, "keep");
    ck_assert_int_eq(attr_scan(list, ATTR_FLAG_STRICT, why, ATTR_TYPE_STR,
                               "request", req, ATTR_TYPE_END),
                     -1);
    ck_assert_str_eq(STR(why), "unexpected attribute \"flags\"");
    ck_assert_str_eq(STR(req), "keep");
    ck_assert_int_eq(
        attr_scan(list, 0, why, ATTR_TYPE_STR, "request", req, ATTR_TYPE_END),
        1);
    ck_assert_str_eq(STR(req), "lookup");
    attr_list_free(list);
    strbuf_free(req);
    strbuf_free(why);
}
END_TEST

/* Missing: an error unless optional, and then the destination is kept. */
START_TEST(test_scan_missing)
{
    ATTR_LIST *list = scan_list();
    STRBUF *req = strbuf_create(0);
    STRBUF *key = strbuf_create(0);
    STRBUF *why = strbuf_create(0);

    strbuf_strcpy(key, "default");
    ck_assert_int_eq(attr_scan(list, 0, why, ATTR_TYPE_STR, "request", req,
                               ATTR_TYPE_STR, "key", key, ATTR_TYPE_END),
                     -1);
    ck_assert_str_eq(STR(why), "missing attribute \"key\"");
    ck_assert_uint_eq(LEN(req), 0);
    ck_assert_int_eq(attr_scan(list, ATTR_FLAG_OPTIONAL, why, ATTR_TYPE_STR,
                               "request", req, ATTR_TYPE_STR, "key", key,
                               ATTR_TYPE_END),
                     1);
    ck_assert_str_eq(STR(req), "lookup");
    ck_assert_str_eq(STR(key), "default");
    /* Optional and strict together: extras still refused. */
    ck_assert_int_eq(attr_scan(list, ATTR_FLAG_OPTIONAL | ATTR_FLAG_STRICT, why,
                               ATTR_TYPE_STR, "key", key, ATTR_TYPE_END),
                     -1);
    ck_assert_str_eq(STR(why), "unexpected attribute \"request\"");
    attr_list_free(list);
    strbuf_free(req);
    strbuf_free(key);
    strbuf_free(why);
}
END_TEST

/* Mistyped, and too long for the destination's limit. */
START_TEST(test_scan_mistyped)
{
    ATTR_LIST *list = scan_list();
    STRBUF *sb = strbuf_create(0);
    STRBUF *why = strbuf_create(0);
    uint32_t num = 1;
    int64_t lnum = 1;

    ck_assert_int_eq(
        attr_scan(list, 0, why, ATTR_TYPE_INT, "request", &num, ATTR_TYPE_END),
        -1);
    ck_assert_str_eq(STR(why),
                     "attribute \"request\": expected number, got string");
    ck_assert_uint_eq(num, 1);
    ck_assert_int_eq(attr_scan(list, ATTR_FLAG_OPTIONAL, why, ATTR_TYPE_LONG,
                               "flags", &lnum, ATTR_TYPE_END),
                     -1);
    ck_assert_str_eq(STR(why),
                     "attribute \"flags\": expected long, got number");
    ck_assert_int_eq(
        attr_scan(list, 0, why, ATTR_TYPE_STR, "blob", sb, ATTR_TYPE_END), -1);
    ck_assert_str_eq(STR(why), "attribute \"blob\": expected string, got data");
    strbuf_set_limit(sb, 5);
    ck_assert_int_eq(
        attr_scan(list, 0, why, ATTR_TYPE_STR, "request", sb, ATTR_TYPE_END),
        -1);
    ck_assert_ptr_nonnull(strstr(STR(why), "too long"));
    ck_assert_int_eq(
        attr_scan(list, 0, NULL, ATTR_TYPE_STR, "missing", sb, ATTR_TYPE_END),
        -1);
    attr_list_free(list);
    strbuf_free(sb);
    strbuf_free(why);
}
END_TEST

/* Our own bugs panic: bad names, duplicates, bad scan arguments. */
static const char *const bad_names[] = {
    "",
    "Upper",
    "with-dash",
    "with space",
    "a.b",
    "abcdefghijklmnopqrstuvwxyz_0123456789abcdefghijklmnopqrstuvwxyz_x",
};

START_TEST(test_panic_put_name)
{
    ATTR_LIST *list = attr_list_create();

    attr_put_str(list, bad_names[_i], "x");
}
END_TEST

START_TEST(test_panic_put_int_name)
{
    attr_put_int(attr_list_create(), bad_names[_i], 1);
}
END_TEST

START_TEST(test_panic_get_name)
{
    (void) attr_get_str(attr_list_create(), bad_names[_i]);
}
END_TEST

START_TEST(test_panic_null_name)
{
    attr_put_long(attr_list_create(), NULL, 1);
}
END_TEST

START_TEST(test_panic_duplicate)
{
    ATTR_LIST *list = attr_list_create();

    attr_put_str(list, "a", "x");
    attr_put_data(list, "a", "y", 1);
}
END_TEST

START_TEST(test_panic_scan_name)
{
    STRBUF *sb = strbuf_create(0);

    (void) attr_scan(scan_list(), 0, NULL, ATTR_TYPE_STR, "Bad", sb,
                     ATTR_TYPE_END);
}
END_TEST

START_TEST(test_panic_scan_type)
{
    STRBUF *sb = strbuf_create(0);

    (void) attr_scan(scan_list(), 0, NULL, 9, "request", sb, ATTR_TYPE_END);
}
END_TEST

START_TEST(test_panic_scan_twice)
{
    STRBUF *a = strbuf_create(0);
    STRBUF *b = strbuf_create(0);

    (void) attr_scan(scan_list(), 0, NULL, ATTR_TYPE_STR, "request", a,
                     ATTR_TYPE_STR, "request", b, ATTR_TYPE_END);
}
END_TEST

/* big_list - a list whose payload is over ATTR_FRAME_MAX */
static ATTR_LIST *
big_list(void)
{
    ATTR_LIST *list = attr_list_create();
    char *buf = mycalloc(ATTR_FRAME_MAX, 1);

    attr_put_data(list, "big", buf, ATTR_FRAME_MAX);
    attr_put_int(list, "n", 1);
    myfree(buf);
    return list;
}

START_TEST(test_panic_encode_big)
{
    (void) attr_encode(big_list(), strbuf_create(0));
}
END_TEST

/* attr_write refuses an oversized list instead of panicking. */
START_TEST(test_write_too_big)
{
    ATTR_LIST *list = big_list();
    int fds[2];
    STREAM *st;

    ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, fds), 0);
    st = stream_fdopen(fds[0], O_RDWR);
    errno = 0;
    ck_assert_int_eq(attr_write(st, list), -1);
    ck_assert_int_eq(errno, EMSGSIZE);
    attr_list_free(list);
    stream_close(st);
    close(fds[1]);
}
END_TEST

/* Stream tests: fds[0] is ours, a read stream; the test writes fds[1]. */
struct pair {
    int fds[2];
    STREAM *st;
    ATTR_LIST *list;
    STRBUF *why;
};

/* pair_open - a socketpair with a read stream and a short deadline */
static void
pair_open(struct pair *p, int timeout_ms)
{
    ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, p->fds), 0);
    p->st = stream_fdopen(p->fds[0], O_RDWR);
    stream_set_timeout(p->st, timeout_ms);
    p->list = attr_list_create();
    p->why = strbuf_create(0);
}

/* pair_send - write raw bytes from the other end */
static void
pair_send(struct pair *p, const char *hex)
{
    STRBUF *raw = hex_decode(hex, strbuf_create(0));

    ck_assert_int_eq(write(p->fds[1], STR(raw), LEN(raw)), (int) LEN(raw));
    strbuf_free(raw);
}

/* pair_close - release everything */
static void
pair_close(struct pair *p)
{
    stream_close(p->st);
    if (p->fds[1] >= 0)
        close(p->fds[1]);
    attr_list_free(p->list);
    strbuf_free(p->why);
}

/* Two frames back to back, then clean EOF. */
START_TEST(test_read_frames_then_eof)
{
    struct pair p;

    pair_open(&p, 2000);
    pair_send(&p, "0000000a 0001 01 01 61 00000001 62"
                  "0000000d 0001 02 01 6e 00000004 00000007");
    close(p.fds[1]);
    p.fds[1] = -1;
    ck_assert_int_eq(attr_read(p.st, NULL, p.list, p.why), ATTR_READ_OK);
    ck_assert_str_eq(attr_get_str(p.list, "a"), "b");
    ck_assert_int_eq(attr_read(p.st, NULL, p.list, p.why), ATTR_READ_OK);
    ck_assert_ptr_null(attr_get_str(p.list, "a"));
    ck_assert_uint_eq(attr_list_count(p.list), 1);
    ck_assert_int_eq(attr_read(p.st, NULL, p.list, p.why), ATTR_READ_EOF);
    ck_assert_uint_eq(attr_list_count(p.list), 0);
    pair_close(&p);
}
END_TEST

/* attr_write on one end, attr_read on the other. */
START_TEST(test_write_read)
{
    struct pair p;
    ATTR_LIST *list = build_list(rt_cases[NITEMS(rt_cases) - 1].attrs);
    STREAM *wst;

    pair_open(&p, 2000);
    wst = stream_fdopen(p.fds[1], O_RDWR);
    stream_set_timeout(wst, 2000);
    ck_assert_int_eq(attr_write(wst, list), 0);
    ck_assert_int_eq(attr_read(p.st, NULL, p.list, p.why), ATTR_READ_OK);
    check_list(p.list, rt_cases[NITEMS(rt_cases) - 1].attrs, "write/read");
    stream_close(wst);
    p.fds[1] = -1;
    ck_assert_int_eq(attr_read(p.st, NULL, p.list, p.why), ATTR_READ_EOF);
    attr_list_free(list);
    pair_close(&p);
}
END_TEST

/* Input that ends inside a frame is an error, not EOF. */
struct read_case {
    const char *name;
    const char *hex; /* sent, then the writer closes or stalls */
    int stall;       /* 1: keep the writer open (timeout) */
    int want_errno;
    const char *want_why;
};

static const struct read_case read_cases[] = {
    {"eof in prefix", "0000", 0, EPROTO, "end of input in the frame length"},
    {"eof in payload", "0000000a 0001 01 01", 0, EPROTO,
     "end of input in the frame payload"},
    {"eof after prefix", "0000000a", 0, EPROTO, "end of input in the frame"},
    {"stall before frame", "", 1, ETIMEDOUT, "timeout"},
    {"stall in prefix", "00", 1, ETIMEDOUT, "timeout"},
    {"stall in payload", "0000000a 0001", 1, ETIMEDOUT, "timeout"},
    {"oversized prefix", "00100001", 1, EPROTO, "exceeds the limit"},
    {"malformed payload", "00000003 000100", 1, EPROTO, "truncated"},
};

START_TEST(test_read_errors)
{
    const struct read_case *tc = &read_cases[_i];
    struct pair p;

    pair_open(&p, 200);
    pair_send(&p, tc->hex);
    if (!tc->stall) {
        close(p.fds[1]);
        p.fds[1] = -1;
    }
    ck_assert_msg(attr_read(p.st, NULL, p.list, p.why) == ATTR_READ_ERROR,
                  "%s: not an error", tc->name);
    ck_assert_msg(errno == tc->want_errno, "%s: errno %d", tc->name, errno);
    ck_assert_msg(strstr(STR(p.why), tc->want_why) != NULL, "%s: why \"%s\"",
                  tc->name, STR(p.why));
    ck_assert_uint_eq(attr_list_count(p.list), 0);
    pair_close(&p);
}
END_TEST

/* A reader's payload limit applies before the payload is read. */
START_TEST(test_read_limit)
{
    ATTR_LIMITS lim = limits_of(9, 0, 0);
    struct pair p;

    pair_open(&p, 5000);
    pair_send(&p, "0000000a");
    ck_assert_int_eq(attr_read(p.st, &lim, p.list, p.why), ATTR_READ_ERROR);
    ck_assert_int_eq(errno, EPROTO);
    ck_assert_str_eq(STR(p.why),
                     "frame payload of 10 bytes exceeds the limit of 9");
    pair_close(&p);
}
END_TEST

/* An I/O error before the first byte keeps its errno (retry is safe). */
START_TEST(test_read_error_first_byte)
{
    struct pair p;

    pair_open(&p, 200);
    /* A peer that closes with our data unread resets the connection. */
    ck_assert_int_eq(write(p.fds[0], "x", 1), 1);
    close(p.fds[1]);
    p.fds[1] = -1;
    ck_assert_int_eq(attr_read(p.st, NULL, p.list, p.why), ATTR_READ_ERROR);
    ck_assert_int_eq(errno, ECONNRESET);
    ck_assert_ptr_nonnull(strstr(STR(p.why), "read error"));
    pair_close(&p);
}
END_TEST

static Suite *
attr_suite(void)
{
    Suite *s = suite_create("attr");
    TCase *tc = tcase_create("codec");
    TCase *tp = tcase_create("panic");
    TCase *ts = tcase_create("stream");

    tcase_add_loop_test(tc, test_round_trip, 0, NITEMS(rt_cases));
    tcase_add_test(tc, test_round_trip_big);
    tcase_add_loop_test(tc, test_malformed, 0, NITEMS(bad_cases));
    tcase_add_test(tc, test_limits_inclusive);
    tcase_add_test(tc, test_truncated_everywhere);
    tcase_add_test(tc, test_getters);
    tcase_add_test(tc, test_scan_all);
    tcase_add_test(tc, test_scan_extra);
    tcase_add_test(tc, test_scan_missing);
    tcase_add_test(tc, test_scan_mistyped);
    suite_add_tcase(s, tc);

    tcase_set_timeout(tp, 30);
    tcase_add_loop_test_raise_signal(tp, test_panic_put_name, SIGABRT, 0,
                                     NITEMS(bad_names));
    tcase_add_loop_test_raise_signal(tp, test_panic_put_int_name, SIGABRT, 0,
                                     NITEMS(bad_names));
    tcase_add_loop_test_raise_signal(tp, test_panic_get_name, SIGABRT, 0,
                                     NITEMS(bad_names));
    tcase_add_test_raise_signal(tp, test_panic_null_name, SIGABRT);
    tcase_add_test_raise_signal(tp, test_panic_duplicate, SIGABRT);
    tcase_add_test_raise_signal(tp, test_panic_scan_name, SIGABRT);
    tcase_add_test_raise_signal(tp, test_panic_scan_type, SIGABRT);
    tcase_add_test_raise_signal(tp, test_panic_scan_twice, SIGABRT);
    tcase_add_test_raise_signal(tp, test_panic_encode_big, SIGABRT);
    tcase_add_test(tp, test_write_too_big);
    suite_add_tcase(s, tp);

    tcase_add_test(ts, test_read_frames_then_eof);
    tcase_add_test(ts, test_write_read);
    tcase_add_loop_test(ts, test_read_errors, 0, NITEMS(read_cases));
    tcase_add_test(ts, test_read_limit);
    tcase_add_test(ts, test_read_error_first_byte);
    suite_add_tcase(s, ts);
    return s;
}

TEST_MAIN(attr_suite)

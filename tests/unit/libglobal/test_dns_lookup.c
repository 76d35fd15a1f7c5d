/*
 * test_dns_lookup - the DNS reply parsers on canned packets (MX with
 * compression, null MX, reply codes, malformed and truncated replies,
 * A/AAAA) and the MX ordering (preference, then shuffled ties).
 */
#include <arpa/nameser.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

#include "dns_lookup.h"
#include "test_main.h"

/* A reply builder: header, the question example.com, answer records. */
typedef struct PKT {
    unsigned char buf[1024];
    size_t len;
} PKT;

static void
put16(PKT *p, unsigned v)
{
    p->buf[p->len++] = (unsigned char) (v >> 8);
    p->buf[p->len++] = (unsigned char) v;
}

static void
put_name(PKT *p, const char *name)
{
    const char *dot;
    size_t n;

    while (*name) {
        dot = strchr(name, '.');
        n = dot ? (size_t) (dot - name) : strlen(name);
        p->buf[p->len++] = (unsigned char) n;
        memcpy(p->buf + p->len, name, n);
        p->len += n;
        name += n + (dot != NULL);
    }
    p->buf[p->len++] = 0;
}

static void
start(PKT *p, int rcode, unsigned an, unsigned qtype)
{
    p->len = 0;
    put16(p, 0x1234);
    put16(p, 0x8180 | (unsigned) rcode);
    put16(p, 1);
    put16(p, an);
    put16(p, 0);
    put16(p, 0);
    put_name(p, "example.com"); /* at offset 12 */
    put16(p, qtype);
    put16(p, ns_c_in);
}

/* rr_head - an answer record named by a pointer to the question */
static void
rr_head(PKT *p, unsigned type, unsigned rdlen)
{
    put16(p, 0xc00c);
    put16(p, type);
    put16(p, ns_c_in);
    put16(p, 0);
    put16(p, 300);
    put16(p, rdlen);
}

static void
add_mx(PKT *p, unsigned pref, const char *host)
{
    PKT name = {.len = 0};

    put_name(&name, host);
    rr_head(p, ns_t_mx, (unsigned) name.len + 2);
    put16(p, pref);
    memcpy(p->buf + p->len, name.buf, name.len);
    p->len += name.len;
}

/* add_mx_ptr - an MX whose exchange is "mx" + a pointer to example.com */
static void
add_mx_ptr(PKT *p, unsigned pref)
{
    rr_head(p, ns_t_mx, 2 + 3 + 2);
    put16(p, pref);
    p->buf[p->len++] = 2;
    p->buf[p->len++] = 'm';
    p->buf[p->len++] = 'x';
    put16(p, 0xc00c);
}

static void
add_raw(PKT *p, unsigned type, const void *data, unsigned len)
{
    rr_head(p, type, len);
    memcpy(p->buf + p->len, data, len);
    p->len += len;
}

START_TEST(test_mx_two)
{
    PKT p;
    DNS_MX *mx;
    size_t n;
    STRBUF *why = strbuf_create(10);

    start(&p, 0, 3, ns_t_mx);
    add_raw(&p, ns_t_cname, "\0", 1); /* skipped */
    add_mx(&p, 20, "b.example.net.x");
    add_mx_ptr(&p, 10);
    ck_assert_int_eq(dns_parse_mx(p.buf, p.len, &mx, &n, why), DNS_OK);
    ck_assert_uint_eq(n, 2);
    ck_assert_uint_eq(mx[0].pref, 20);
    ck_assert_str_eq(mx[0].host, "b.example.net.x");
    ck_assert_uint_eq(mx[1].pref, 10);
    ck_assert_str_eq(mx[1].host, "mx.example.com");
    ck_assert(!dns_mx_is_null(mx, n));
    dns_mx_free(mx, n);
    strbuf_free(why);
}
END_TEST

START_TEST(test_mx_null)
{
    PKT p;
    DNS_MX *mx;
    size_t n;
    STRBUF *why = strbuf_create(10);

    start(&p, 0, 1, ns_t_mx);
    add_raw(&p, ns_t_mx, "\0\0\0", 3);
    ck_assert_int_eq(dns_parse_mx(p.buf, p.len, &mx, &n, why), DNS_OK);
    ck_assert_uint_eq(n, 1);
    ck_assert_str_eq(mx[0].host, "");
    ck_assert(dns_mx_is_null(mx, n));
    dns_mx_free(mx, n);
    strbuf_free(why);
}
END_TEST

/* Replies that do not yield records, and what they mean. */
static const struct {
    const char *name;
    int rcode;
    int build; /* 0 no answer, 1 short MX rdata, 2 bad pointer, 3 cut */
    int want;
} bad_cases[] = {
    {"nxdomain", ns_r_nxdomain, 0, DNS_NOTFOUND},
    {"servfail", ns_r_servfail, 0, DNS_RETRY},
    {"refused", ns_r_refused, 0, DNS_FAIL},
    {"no data", 0, 0, DNS_NOTFOUND},
    {"short rdata", 0, 1, DNS_FAIL},
    {"pointer out of bounds", 0, 2, DNS_FAIL},
    {"truncated", 0, 3, DNS_FAIL},
};

START_TEST(test_mx_bad)
{
    PKT p;
    DNS_MX *mx;
    size_t n;
    STRBUF *why = strbuf_create(10);
    int b = bad_cases[_i].build;

    start(&p, bad_cases[_i].rcode, b ? 1 : 0, ns_t_mx);
    if (b == 1)
        add_raw(&p, ns_t_mx, "\0\1", 2);
    if (b == 2)
        add_raw(&p, ns_t_mx, "\0\1\xc3\xff", 4);
    if (b == 3) {
        add_mx(&p, 1, "mx.example.com");
        p.len -= 4;
    }
    ck_assert_int_eq(dns_parse_mx(p.buf, p.len, &mx, &n, why),
                     bad_cases[_i].want);
    ck_assert_ptr_null(mx);
    ck_assert_uint_eq(n, 0);
    ck_assert_uint_gt(LEN(why), 0);
    strbuf_free(why);
}
END_TEST

START_TEST(test_addr)
{
    PKT p;
    ARGV *av = argv_alloc(2);
    STRBUF *why = strbuf_create(10);
    static const unsigned char v6[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 1};

    start(&p, 0, 3, ns_t_a);
    add_raw(&p, ns_t_a, "\x7f\0\0\x01", 4);
    add_raw(&p, ns_t_aaaa, v6, 16); /* not asked: skipped */
    add_raw(&p, ns_t_a, "\xc0\0\x02\x05", 4);
    ck_assert_int_eq(dns_parse_addr(p.buf, p.len, AF_INET, av, why), DNS_OK);
    ck_assert_uint_eq(av->argc, 2);
    ck_assert_str_eq(av->argv[0], "127.0.0.1");
    ck_assert_str_eq(av->argv[1], "192.0.2.5");
    ck_assert_int_eq(dns_parse_addr(p.buf, p.len, AF_INET6, av, why), DNS_OK);
    ck_assert_uint_eq(av->argc, 3);
    ck_assert_str_eq(av->argv[2], "2001:db8::1");
    start(&p, 0, 1, ns_t_a);
    add_raw(&p, ns_t_a, "\x7f\0\0", 3); /* wrong length */
    ck_assert_int_eq(dns_parse_addr(p.buf, p.len, AF_INET, av, why), DNS_FAIL);
    ck_assert_uint_eq(av->argc, 3);
    argv_free(av);
    strbuf_free(why);
}
END_TEST

/* rnd_first - a "random" choice that always picks the first candidate */
static size_t
rnd_first(size_t n)
{
    (void) n;
    return 0;
}

START_TEST(test_mx_sort)
{
    DNS_MX mx[] = {{20, "c"}, {10, "a"}, {20, "d"}, {5, "z"}, {10, "b"}};
    const char *plain[] = {"z", "a", "b", "c", "d"};
    size_t i;

    dns_mx_sort(mx, NITEMS(mx), NULL);
    for (i = 0; i < NITEMS(mx); i++)
        ck_assert_str_eq(mx[i].host, plain[i]);
    dns_mx_sort(mx, NITEMS(mx), rnd_first);
    ck_assert_str_eq(mx[0].host, "z");
    ck_assert_uint_eq(mx[1].pref, 10);
    ck_assert_uint_eq(mx[3].pref, 20);
    ck_assert_str_ne(mx[1].host, "a"); /* the tie was shuffled */
    ck_assert_str_ne(mx[3].host, "c");
}
END_TEST

static Suite *
dns_lookup_suite(void)
{
    Suite *s = suite_create("dns_lookup");
    TCase *tc = tcase_create("parse");

    tcase_add_test(tc, test_mx_two);
    tcase_add_test(tc, test_mx_null);
    tcase_add_loop_test(tc, test_mx_bad, 0, NITEMS(bad_cases));
    tcase_add_test(tc, test_addr);
    tcase_add_test(tc, test_mx_sort);
    suite_add_tcase(s, tc);
    return s;
}

TEST_MAIN(dns_lookup_suite)

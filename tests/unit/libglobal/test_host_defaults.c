/* test_host_defaults - Check suite for host-computed defaults. */
#include <arpa/inet.h>
#include <string.h>
#include <unistd.h>

#include "host_defaults.h"
#include "test_main.h"

static const struct {
    const char *name;
    int family;
    const char *addr;
    const char *mask;
    const char *style;
    const char *want;
} net_cases[] = {
    {"v4 subnet", AF_INET, "192.0.2.77", "255.255.255.0", "subnet",
     "192.0.2.0/24"},
    {"v4 odd mask", AF_INET, "10.1.2.3", "255.255.240.0", "subnet",
     "10.1.0.0/20"},
    {"v4 host", AF_INET, "192.0.2.77", "255.255.255.0", "host",
     "192.0.2.77/32"},
    {"v4 class A", AF_INET, "10.9.8.7", "255.255.255.0", "class", "10.0.0.0/8"},
    {"v4 class B", AF_INET, "172.16.5.4", "255.255.255.0", "class",
     "172.16.0.0/16"},
    {"v4 class C", AF_INET, "192.0.2.9", "255.255.255.128", "class",
     "192.0.2.0/24"},
    {"v4 class D", AF_INET, "224.0.0.1", "255.0.0.0", "class", "224.0.0.1/32"},
    {"v6 subnet", AF_INET6, "fd00::2", "ffff:ffff:ffff:ffff::", "subnet",
     "[fd00::]/64"},
    {"v6 host", AF_INET6, "fe80::fc:ff:fe00:1", "ffff:ffff:ffff:ffff::", "host",
     "[fe80::fc:ff:fe00:1]/128"},
    {"v6 class is subnet", AF_INET6, "::1",
     "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "class", "[::1]/128"},
};

START_TEST(test_network_text)
{
    unsigned char addr[16], mask[16];
    STRBUF *out = strbuf_create(0);

    ck_assert_int_eq(inet_pton(net_cases[_i].family, net_cases[_i].addr, addr),
                     1);
    ck_assert_int_eq(inet_pton(net_cases[_i].family, net_cases[_i].mask, mask),
                     1);
    ck_assert_int_eq(host_network_text(out, net_cases[_i].family, addr, mask,
                                       net_cases[_i].style),
                     0);
    ck_assert_msg(strcmp(STR(out), net_cases[_i].want) == 0, "%s: got %s",
                  net_cases[_i].name, STR(out));
    strbuf_free(out);
}
END_TEST

/* The loopback networks are there, once, v4 first; bad styles fail. */
START_TEST(test_mynetworks)
{
    STRBUF *out = strbuf_create(0);
    STRBUF *err = strbuf_create(0);
    char *v4, *v6;

    ck_assert_int_eq(host_mynetworks(out, "subnet", "all", err), 0);
    v4 = strstr(STR(out), "127.0.0.0/8");
    ck_assert_ptr_nonnull(v4);
    ck_assert_ptr_null(strstr(v4 + 1, "127.0.0.0/8"));
    if ((v6 = strstr(STR(out), "[::1]/128")) != NULL)
        ck_assert(v4 < v6);
    ck_assert(STR(out)[0] != ' ' && STR(out)[LEN(out) - 1] != ' ');
    ck_assert_int_eq(host_mynetworks(out, "host", "ipv4", err), 0);
    ck_assert_ptr_nonnull(strstr(STR(out), "127.0.0.1/32"));
    ck_assert_ptr_null(strstr(STR(out), "["));
    ck_assert_int_eq(host_mynetworks(out, "host", "ipv6", err), 0);
    ck_assert_ptr_null(strstr(STR(out), "127.0.0.1"));
    ck_assert_int_eq(host_mynetworks(out, "bogus", "all", err), -1);
    ck_assert_str_eq(STR(err), "bad mynetworks_style value: \"bogus\"");
    ck_assert_int_eq(host_network_text(out, AF_INET, "\1\2\3\4", NULL, "x"),
                     -1);
    strbuf_free(out);
    strbuf_free(err);
}
END_TEST

START_TEST(test_names)
{
    STRBUF *h = host_myhostname(strbuf_create(0));
    STRBUF *d = strbuf_create(0);

    ck_assert_ptr_nonnull(strchr(STR(h), '.'));
    ck_assert_str_eq(STR(host_mydomain(d, "mx.example.com")), "example.com");
    ck_assert_str_eq(STR(host_mydomain(d, "vm.localdomain")), "localdomain");
    ck_assert_str_eq(STR(host_mydomain(d, "vm")), "localdomain");
    ck_assert_str_eq(STR(host_mydomain(d, "vm.")), "localdomain");
    strbuf_free(h);
    strbuf_free(d);
}
END_TEST

static Suite *
host_defaults_suite(void)
{
    Suite *s = suite_create("host_defaults");
    TCase *tc = tcase_create("core");

    tcase_add_loop_test(tc, test_network_text, 0, NITEMS(net_cases));
    tcase_add_test(tc, test_mynetworks);
    tcase_add_test(tc, test_names);
    suite_add_tcase(s, tc);
    return s;
}

TEST_MAIN(host_defaults_suite)

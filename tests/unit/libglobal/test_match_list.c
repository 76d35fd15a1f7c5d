/* test_match_list - Check suite for match_list: domain and address lists. */
#include <stdio.h>
#include <string.h>

#include "argv.h"
#include "mail_conf.h"
#include "match_list.h"
#include "mymalloc.h"
#include "test_main.h"
#include "test_tmpdir.h"

/* write_file - a file in the test's directory */
static void
write_file(const char *path, const char *text)
{
    FILE *fp = fopen(path, "w");

    ck_assert_ptr_nonnull(fp);
    fputs(text, fp);
    ck_assert_int_eq(fclose(fp), 0);
}

/* with_dir - patterns with %D replaced by the test's directory */
static char *
with_dir(const char *patterns)
{
    STRBUF *buf = strbuf_create(100);
    const char *cp;

    for (cp = patterns; *cp; cp++) {
        if (cp[0] == '%' && cp[1] == 'D') {
            strbuf_strcat(buf, tmpdir_here);
            cp++;
        } else
            strbuf_addch(buf, *cp);
    }
    return strbuf_export(buf);
}

/* load_conf - an empty main.cf with one override (NULL: none) */
static void
load_conf(const char *setting)
{
    STRBUF *err = strbuf_create(100);
    ARGV *over = argv_alloc(2);

    write_file("main.cf", "");
    if (setting != NULL)
        argv_add(over, setting);
    ck_assert_msg(mail_conf_load(tmpdir_here, over, err) == 0, "%s", STR(err));
    argv_free(over);
    strbuf_free(err);
}

/* relay_domains has parent matching by default, mydestination has not. */
static const struct {
    const char *name;
    const char *title;
    int kind;
    const char *patterns;
    const char *key_name;
    const char *key_addr;
    int want;
} match_cases[] = {
    {"exact", "mydestination", MATCH_DOMAIN, "example.com", "example.com", NULL,
     1},
    {"exact, case", "mydestination", MATCH_DOMAIN, "Example.COM", "EXAMPLE.com",
     NULL, 1},
    {"trailing dots", "mydestination", MATCH_DOMAIN, "example.com.",
     "example.com.", NULL, 1},
    {"other domain", "mydestination", MATCH_DOMAIN, "example.com",
     "example.org", NULL, 0},
    {"suffix is not parent", "relay_domains", MATCH_DOMAIN, "example.com",
     "badexample.com", NULL, 0},
    {"parent off by title", "mydestination", MATCH_DOMAIN, "example.com",
     "a.example.com", NULL, 0},
    {"parent on by title", "relay_domains", MATCH_DOMAIN, "example.com",
     "a.b.example.com", NULL, 1},
    {"dot: subdomain", "mydestination", MATCH_DOMAIN, ".example.com",
     "a.example.com", NULL, 1},
    {"dot: not itself", "relay_domains", MATCH_DOMAIN, ".example.com",
     "example.com", NULL, 0},
    {"second pattern", "mydestination", MATCH_DOMAIN, "a.org, b.org\tc.org",
     "c.org", NULL, 1},
    {"empty list", "mydestination", MATCH_DOMAIN, "", "a.org", NULL, 0},
    {"empty name", "mydestination", MATCH_DOMAIN, "a.org", "", NULL, 0},
    {"negation first wins", "relay_domains", MATCH_DOMAIN,
     "!a.example.com example.com", "a.example.com", NULL, 0},
    {"negation later loses", "relay_domains", MATCH_DOMAIN,
     "example.com !a.example.com", "a.example.com", NULL, 1},
    {"negation no match", "relay_domains", MATCH_DOMAIN,
     "!a.example.com example.com", "b.example.com", NULL, 1},
    {"double negation", "mydestination", MATCH_DOMAIN, "!!a.org", "a.org", NULL,
     1},
    {"file", "mydestination", MATCH_DOMAIN, "x.org %D/list y.org", "f2.org",
     NULL, 1},
    {"file negated", "mydestination", MATCH_DOMAIN, "!%D/list f1.org", "f1.org",
     NULL, 0},
    {"file comment", "mydestination", MATCH_DOMAIN, "%D/list", "comment.org",
     NULL, 0},
    {"inline table", "mydestination", MATCH_DOMAIN,
     "inline:{ t.org=x, u.org=y }", "u.org", NULL, 1},
    {"inline, parent off", "mydestination", MATCH_DOMAIN, "inline:{ t.org=x }",
     "a.t.org", NULL, 0},
    {"inline, dot key", "mydestination", MATCH_DOMAIN, "inline:{ .t.org=x }",
     "a.b.t.org", NULL, 1},
    {"inline, parent on", "relay_domains", MATCH_DOMAIN, "inline:{ t.org=x }",
     "a.b.t.org", NULL, 1},
    {"inline, folded key", "mydestination", MATCH_DOMAIN, "inline:{ t.org=x }",
     "T.ORG.", NULL, 1},
    {"texthash", "mydestination", MATCH_DOMAIN, "texthash:th", "h.org", NULL,
     1},
    {"texthash miss", "mydestination", MATCH_DOMAIN, "texthash:th", "i.org",
     NULL, 0},
    {"negated table", "mydestination", MATCH_DOMAIN,
     "!inline:{ t.org=x } t.org", "t.org", NULL, 0},
    {"table fails", "mydestination", MATCH_DOMAIN, "fail:down", "t.org", NULL,
     -1},
    {"table cannot open", "mydestination", MATCH_DOMAIN, "texthash:nosuch",
     "t.org", NULL, -1},
    {"match before failure", "mydestination", MATCH_DOMAIN, "t.org fail:down",
     "t.org", NULL, 1},
    {"ipv4", "mynetworks", MATCH_ADDR, "192.0.2.1", NULL, "192.0.2.1", 1},
    {"ipv4 other", "mynetworks", MATCH_ADDR, "192.0.2.1", NULL, "192.0.2.2", 0},
    {"ipv4 cidr", "mynetworks", MATCH_ADDR, "10.0.0.0/8 192.0.2.0/24", NULL,
     "192.0.2.77", 1},
    {"ipv4 cidr out", "mynetworks", MATCH_ADDR, "192.0.2.0/25", NULL,
     "192.0.2.200", 0},
    {"ipv6 bare", "mynetworks", MATCH_ADDR, "2001:db8::/32", NULL,
     "2001:DB8:0::5", 1},
    {"ipv6 bracket len", "mynetworks", MATCH_ADDR, "[2001:db8::]/32", NULL,
     "2001:db8:1::1", 1},
    {"ipv6 bracket, other", "mynetworks", MATCH_ADDR, "[::1]/128", NULL, "::2",
     0},
    {"ipv6 key bracketed", "mynetworks", MATCH_ADDR, "[::1]", NULL, "[::1]", 1},
    {"family differs", "mynetworks", MATCH_ADDR, "0.0.0.0/0", NULL, "::1", 0},
    {"negated net", "mynetworks", MATCH_ADDR, "!10.1.0.0/16 10.0.0.0/8", NULL,
     "10.1.2.3", 0},
    {"addr in name", "mynetworks", MATCH_ADDR, "127.0.0.0/8", "127.0.0.1", NULL,
     1},
    {"addr not an address", "mynetworks", MATCH_ADDR, "0.0.0.0/0", NULL, "host",
     0},
    {"addr table", "mynetworks", MATCH_ADDR, "inline:{ 192.0.2.9=ok }", NULL,
     "192.0.2.9", 1},
    {"addr cidr table", "mynetworks", MATCH_ADDR, "cidr:nets", NULL,
     "198.51.100.7", 1},
    {"namadr name", "smtpd_client", MATCH_NAMADR, "mail.example.com 10.0.0.1",
     "mail.example.com", "192.0.2.1", 1},
    {"namadr addr", "smtpd_client", MATCH_NAMADR, "mail.example.com 10.0.0.0/8",
     "other.example.com", "10.9.9.9", 1},
    {"namadr neither", "smtpd_client", MATCH_NAMADR, "mail.example.com ::1",
     "x.example.com", "10.9.9.9", 0},
    {"namadr table both", "smtpd_client", MATCH_NAMADR, "inline:{ 10.9.9.9=x }",
     "x.example.com", "10.9.9.9", 1},
};

START_TEST(test_match)
{
    STRBUF *why = strbuf_create(0);
    MATCH_LIST *list;
    char *patterns;
    int got;

    load_conf(NULL);
    write_file("list", "# comment.org\nf1.org f2.org\n\nf3.org, f4.org\n");
    write_file("th", "h.org whatever\n");
    write_file("nets", "198.51.100.0/24 ok\n");
    patterns = with_dir(match_cases[_i].patterns);
    list = match_list_create(match_cases[_i].title, match_cases[_i].kind,
                             patterns, why);
    myfree(patterns);
    ck_assert_msg(list != NULL, "%s: %s", match_cases[_i].name, STR(why));
    got = match_list_match(list, match_cases[_i].key_name,
                           match_cases[_i].key_addr);
    ck_assert_msg(got == match_cases[_i].want, "%s: got %d, want %d",
                  match_cases[_i].name, got, match_cases[_i].want);
    ck_assert_ptr_null(match_list_free(list));
    strbuf_free(why);
}
END_TEST

static const struct {
    const char *name;
    int kind;
    const char *patterns;
    const char *want; /* in the reason, after "test_list: " */
} bad_cases[] = {
    {"unknown table", MATCH_DOMAIN, "a.org nosuch:x",
     "unsupported table type in \"nosuch:x\""},
    {"bad characters", MATCH_DOMAIN, "a@b.org", "bad domain pattern"},
    {"bare dot", MATCH_DOMAIN, ".", "bad domain pattern \".\""},
    {"bare bang", MATCH_DOMAIN, "a.org !", "empty pattern after '!'"},
    {"missing file", MATCH_DOMAIN, "/nonexistent/list", "/nonexistent/list"},
    {"file in file", MATCH_DOMAIN, "%D/nested", "a file may not name a file"},
    {"bad pattern in file", MATCH_DOMAIN, "%D/badlist", "bad domain pattern"},
    {"unbalanced brace", MATCH_DOMAIN, "inline:{ a=b", "'}'"},
    {"addr: a name", MATCH_ADDR, "localhost", "bad address pattern"},
    {"addr: prefix", MATCH_ADDR, "10.0.0.0/33", "bad prefix length"},
    {"addr: host bits", MATCH_ADDR, "10.1.0.0/8", "non-zero host bits"},
    {"addr: bracket", MATCH_ADDR, "[::1/128", "missing ']'"},
    {"namadr: bad net", MATCH_NAMADR, "10.0.0.0/99", "bad prefix length"},
    {"bad kind", 9, "a.org", "bad list kind"},
};

START_TEST(test_bad)
{
    STRBUF *why = strbuf_create(0);
    char *patterns;

    load_conf(NULL);
    write_file("nested", "a.org /etc/hosts\n");
    write_file("badlist", "ok.org\nbad!x\n");
    patterns = with_dir(bad_cases[_i].patterns);
    ck_assert_ptr_null(
        match_list_create("test_list", bad_cases[_i].kind, patterns, why));
    myfree(patterns);
    ck_assert_msg(strncmp(STR(why), "test_list: ", 11) == 0 &&
                      strstr(STR(why), bad_cases[_i].want) != NULL,
                  "%s: got \"%s\"", bad_cases[_i].name, STR(why));
    strbuf_free(why);
}
END_TEST

/* The parameter decides per title, not the table above's defaults. */
START_TEST(test_parent_param)
{
    STRBUF *why = strbuf_create(0);
    MATCH_LIST *dest, *relay;

    load_conf("parent_domain_matches_subdomains=debug_peer_list mydestination");
    dest = match_list_create("mydestination", MATCH_DOMAIN, "example.com", why);
    relay =
        match_list_create("relay_domains", MATCH_DOMAIN, "example.com", why);
    ck_assert_ptr_nonnull(dest);
    ck_assert_ptr_nonnull(relay);
    ck_assert_int_eq(match_list_match(dest, "a.example.com", NULL), 1);
    ck_assert_int_eq(match_list_match(relay, "a.example.com", NULL), 0);
    ck_assert_int_eq(match_list_match(relay, "example.com", NULL), 1);
    match_list_free(dest);
    match_list_free(relay);
    ck_assert_ptr_null(match_list_free(NULL));
    strbuf_free(why);
}
END_TEST

/* match_list_param reads the parameter; a bad list is fatal. */
START_TEST(test_param)
{
    MATCH_LIST *list;

    load_conf("relay_domains=!bad.example.com, example.com");
    list = match_list_param("relay_domains", MATCH_DOMAIN);
    ck_assert_int_eq(match_list_match(list, "example.com", NULL), 1);
    ck_assert_int_eq(match_list_match(list, "bad.example.com", NULL), 0);
    match_list_free(list);
}
END_TEST

START_TEST(test_param_bad)
{
    load_conf("mynetworks=10.0.0.0/99");
    (void) match_list_param("mynetworks", MATCH_ADDR);
}
END_TEST

static Suite *
match_list_suite(void)
{
    Suite *s = suite_create("match_list");
    TCase *tc = tcase_create("core");

    TMPDIR_FIXTURES(tc);
    tcase_add_loop_test(tc, test_match, 0, NITEMS(match_cases));
    tcase_add_loop_test(tc, test_bad, 0, NITEMS(bad_cases));
    tcase_add_test(tc, test_parent_param);
    tcase_add_test(tc, test_param);
    tcase_add_exit_test(tc, test_param_bad, 1);
    suite_add_tcase(s, tc);
    return s;
}

TEST_MAIN(match_list_suite)

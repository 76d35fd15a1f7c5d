/*
 * test_rewrite_addr - Check suite for rewriting to standard form: each
 * rule on and off, in both contexts.
 */
#include <string.h>

#include "rewrite_addr.h"
#include "test_main.h"

/* Which rules are on: bits of a case's flags. */
#define BANG          (1 << 0)
#define PCT           (1 << 1)
#define ORIGIN        (1 << 2)
#define DOT           (1 << 3)
#define ALL           (BANG | PCT | ORIGIN | DOT)
#define REMOTE_DOMAIN (1 << 4) /* remote_header_rewrite_domain is set */

struct rw_case {
    const char *name;
    int flags;
    REWRITE_CONTEXT ctx;
    const char *addr;
    const char *want;
};

static const struct rw_case rw_cases[] = {
    /* The null address and "@". */
    {"empty", ALL, REWRITE_LOCAL, "", ""},
    {"empty remote", ALL | REMOTE_DOMAIN, REWRITE_REMOTE, "", ""},
    {"lone at", ALL, REWRITE_LOCAL, "@", ""},
    /* append_at_myorigin */
    {"origin on", ORIGIN, REWRITE_LOCAL, "user", "user@origin.example"},
    {"origin off", 0, REWRITE_LOCAL, "user", "user"},
    {"origin, qualified", ORIGIN, REWRITE_LOCAL, "u@h.example", "u@h.example"},
    /* append_dot_mydomain */
    {"dot on", DOT, REWRITE_LOCAL, "u@host", "u@host.domain.example"},
    {"dot off", 0, REWRITE_LOCAL, "u@host", "u@host"},
    {"dot, has dot", DOT, REWRITE_LOCAL, "u@h.x", "u@h.x"},
    {"dot, local part dot", DOT, REWRITE_LOCAL, "a.b@host",
     "a.b@host.domain.example"},
    {"dot, literal", DOT, REWRITE_LOCAL, "u@[192.0.2.1]", "u@[192.0.2.1]"},
    {"dot, ends in at", DOT, REWRITE_LOCAL, "u@", "u@"},
    {"both", ORIGIN | DOT, REWRITE_LOCAL, "user", "user@origin.example"},
    {"origin without dot", ORIGIN | DOT, REWRITE_LOCAL, "user",
     "user@origin.example"},
    /* swap_bangpath */
    {"bang on", BANG, REWRITE_LOCAL, "site!user", "user@site"},
    {"bang off", 0, REWRITE_LOCAL, "site!user", "site!user"},
    {"bang off, origin", ORIGIN, REWRITE_LOCAL, "site!user",
     "site!user@origin.example"},
    {"bang path", BANG, REWRITE_LOCAL, "a!b!user", "b!user@a"},
    {"bang then dot", BANG | DOT, REWRITE_LOCAL, "site!user",
     "user@site.domain.example"},
    {"bang with at", BANG, REWRITE_LOCAL, "site!user@x", "site!user@x"},
    {"bang first", BANG, REWRITE_LOCAL, "!user", "!user"},
    {"bang last", BANG, REWRITE_LOCAL, "site!", "site!"},
    {"bang not percent", BANG | PCT, REWRITE_LOCAL, "a!u%b", "u%b@a"},
    /* allow_percent_hack */
    {"percent on", PCT, REWRITE_LOCAL, "user%dom.example", "user@dom.example"},
    {"percent off", 0, REWRITE_LOCAL, "user%dom.example", "user%dom.example"},
    {"percent off, origin", ORIGIN, REWRITE_LOCAL, "u%d", "u%d@origin.example"},
    {"percent last", PCT, REWRITE_LOCAL, "u%a%b.example", "u%a@b.example"},
    {"percent with at", PCT, REWRITE_LOCAL, "u%a@b.example", "u%a@b.example"},
    /* source routes, always */
    {"route", 0, REWRITE_LOCAL, "@a,@b:user@site", "user@site"},
    {"route to nothing", 0, REWRITE_LOCAL, "@a:", "@a:"},
    {"at-domain", ALL, REWRITE_LOCAL, "@example.com", "@example.com"},
    /* trailing dots */
    {"trailing dot", 0, REWRITE_LOCAL, "u@host.example.", "u@host.example"},
    {"trailing dots", 0, REWRITE_LOCAL, "u@host..", "u@host.."},
    {"at dot", 0, REWRITE_LOCAL, "u@.", "u@."},
    {"trailing dot, no dot append", DOT, REWRITE_LOCAL, "u@host.", "u@host"},
    /* the remote context */
    {"remote, no domain", ALL, REWRITE_REMOTE, "user", "user"},
    {"remote, no domain, host", ALL, REWRITE_REMOTE, "u@host", "u@host"},
    {"remote, domain", ALL | REMOTE_DOMAIN, REWRITE_REMOTE, "user",
     "user@remote.example"},
    {"remote, domain, host", ALL | REMOTE_DOMAIN, REWRITE_REMOTE, "u@host",
     "u@host.remote.example"},
    {"remote, domain, dot off", ORIGIN | REMOTE_DOMAIN, REWRITE_REMOTE,
     "u@host", "u@host"},
    {"remote, origin off", DOT | REMOTE_DOMAIN, REWRITE_REMOTE, "user", "user"},
    {"remote, bang", BANG, REWRITE_REMOTE, "site!user", "user@site"},
    {"remote, percent", PCT, REWRITE_REMOTE, "u%d.example", "u@d.example"},
    {"remote, trailing dot", 0, REWRITE_REMOTE, "u@h.x.", "u@h.x"},
    {"local ignores remote domain", ALL | REMOTE_DOMAIN, REWRITE_LOCAL, "u",
     "u@origin.example"},
};

START_TEST(test_rewrite)
{
    const struct rw_case *rc = rw_cases + _i;
    REWRITE_PARAMS p = {
        .swap_bangpath = !!(rc->flags & BANG),
        .allow_percent_hack = !!(rc->flags & PCT),
        .append_at_myorigin = !!(rc->flags & ORIGIN),
        .append_dot_mydomain = !!(rc->flags & DOT),
        .myorigin = "origin.example",
        .mydomain = "domain.example",
        .remote_domain = rc->flags & REMOTE_DOMAIN ? "remote.example" : "",
    };
    STRBUF *out = strbuf_create(1);

    ck_assert_ptr_eq(rewrite_addr(&p, rc->ctx, rc->addr, out), out);
    ck_assert_msg(strcmp(STR(out), rc->want) == 0,
                  "%s: \"%s\" -> \"%s\", want \"%s\"", rc->name, rc->addr,
                  STR(out), rc->want);
    ck_assert_uint_eq(LEN(out), strlen(STR(out)));
    strbuf_free(out);
}
END_TEST

/* Empty parameters append nothing, whatever the switches say. */
START_TEST(test_empty_params)
{
    REWRITE_PARAMS p = {1, 1, 1, 1, "", "", ""};
    STRBUF *out = strbuf_create(1);

    ck_assert_str_eq(STR(rewrite_addr(&p, REWRITE_LOCAL, "u", out)), "u");
    ck_assert_str_eq(STR(rewrite_addr(&p, REWRITE_LOCAL, "u@h", out)), "u@h");
    p.myorigin = p.mydomain = p.remote_domain = NULL;
    ck_assert_str_eq(STR(rewrite_addr(&p, REWRITE_REMOTE, "u@h", out)), "u@h");
    ck_assert_str_eq(STR(rewrite_addr(&p, REWRITE_LOCAL, "u", out)), "u");
    strbuf_free(out);
}
END_TEST

START_TEST(test_context_names)
{
    ck_assert_int_eq(rewrite_addr_context("local"), REWRITE_LOCAL);
    ck_assert_int_eq(rewrite_addr_context("remote"), REWRITE_REMOTE);
    ck_assert_int_eq(rewrite_addr_context("Local"), -1);
    ck_assert_int_eq(rewrite_addr_context(""), -1);
}
END_TEST

static Suite *
rewrite_addr_suite(void)
{
    Suite *s = suite_create("rewrite_addr");
    TCase *tc = tcase_create("core");

    tcase_add_loop_test(tc, test_rewrite, 0, NITEMS(rw_cases));
    tcase_add_test(tc, test_empty_params);
    tcase_add_test(tc, test_context_names);
    suite_add_tcase(s, tc);
    return s;
}

TEST_MAIN(rewrite_addr_suite)

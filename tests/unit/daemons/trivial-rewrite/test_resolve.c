/* test_resolve - Check suite for resolve: address classes and transports. */
#include <stdio.h>
#include <string.h>

#include "mail_conf.h"
#include "mymalloc.h"
#include "resolve.h"
#include "test_main.h"
#include "test_tmpdir.h"

#define LOCAL   RESOLVE_FLAG_LOCAL
#define ALIAS   RESOLVE_FLAG_ALIAS
#define VIRTUAL RESOLVE_FLAG_VIRTUAL
#define RELAY   RESOLVE_FLAG_RELAY
#define DEFAULT RESOLVE_FLAG_DEFAULT
#define ERROR   RESOLVE_FLAG_ERROR
#define FAIL    RESOLVE_FLAG_FAIL
#define ROUTED  RESOLVE_FLAG_ROUTED
#define LITERAL RESOLVE_FLAG_DOMAIN_LITERAL

static const struct {
    const char *name;
    const char *relayhost;
    const char *transport_maps; /* "" none */
    int parent;                 /* transport_maps in parent_domain_... */
    const char *sender_maps;    /* "" none */
    const char *sender;         /* NULL: not given */
    const char *addr;
    const char *transport;
    const char *nexthop;
    const char *rcpt;
    int flags;
} cases[] = {
    /* Address classes with their defaults. */
    {"local", "", "", 0, "", NULL, "u@mx.example.net", "local",
     "mx.example.net", "u@mx.example.net", LOCAL},
    {"local, case", "", "", 0, "", NULL, "u@LocalHost", "local",
     "mx.example.net", "u@LocalHost", LOCAL},
    {"local, unqualified", "", "", 0, "", NULL, "u", "local", "mx.example.net",
     "u@example.net", LOCAL},
    {"local, trailing dot", "", "", 0, "", NULL, "u@example.net.", "local",
     "mx.example.net", "u@example.net", LOCAL},
    {"local, not a subdomain", "", "", 0, "", NULL, "u@a.example.net", "smtp",
     "a.example.net", "u@a.example.net", DEFAULT},
    {"local, empty address", "", "", 0, "", NULL, "", "local", "mx.example.net",
     "", LOCAL},
    {"alias domain", "", "", 0, "", NULL, "u@alias.test", "error",
     "5.1.1 User unknown in virtual alias table", "u@alias.test",
     ALIAS | ERROR},
    {"mailbox domain", "", "", 0, "", NULL, "u@mbox.test", "virtual",
     "mbox.test", "u@mbox.test", VIRTUAL},
    {"relay domain", "", "", 0, "", NULL, "u@relay.test", "relay", "relay.test",
     "u@relay.test", RELAY},
    {"relay subdomain", "", "", 0, "", NULL, "u@a.relay.test", "relay",
     "a.relay.test", "u@a.relay.test", RELAY},
    {"default", "", "", 0, "", NULL, "u@example.org", "smtp", "example.org",
     "u@example.org", DEFAULT},
    {"routed", "", "", 0, "", NULL, "u%v@example.org", "smtp", "example.org",
     "u%v@example.org", DEFAULT | ROUTED},
    /* Address literals. */
    {"literal, ours", "", "", 0, "", NULL, "u@[192.0.2.10]", "local",
     "mx.example.net", "u@[192.0.2.10]", LOCAL | LITERAL},
    {"literal v6, ours", "", "", 0, "", NULL, "u@[IPv6:2001:db8::10]", "local",
     "mx.example.net", "u@[IPv6:2001:db8::10]", LOCAL | LITERAL},
    {"literal, not ours", "", "", 0, "", NULL, "u@[192.0.2.99]", "smtp",
     "[192.0.2.99]", "u@[192.0.2.99]", DEFAULT | LITERAL},
    {"numeric domain refused", "", "", 0, "", NULL, "u@192.0.2.10", "error",
     "5.1.3 bad address syntax", "u@192.0.2.10", DEFAULT | ERROR},
    /* relayhost forms and the sender's relayhost. */
    {"relayhost", "[gw.example.net]", "", 0, "", NULL, "u@example.org", "smtp",
     "[gw.example.net]", "u@example.org", DEFAULT},
    {"relayhost port", "[gw.example.net]:587", "", 0, "", NULL, "u@example.org",
     "smtp", "[gw.example.net]:587", "u@example.org", DEFAULT},
    {"relayhost, relay class", "gw.example.net", "", 0, "", NULL,
     "u@relay.test", "relay", "gw.example.net", "u@relay.test", RELAY},
    {"relayhost, not local", "gw.example.net", "", 0, "", NULL, "u@example.net",
     "local", "mx.example.net", "u@example.net", LOCAL},
    {"sender relayhost", "[gw]", "", 0,
     "inline:{ s@a.test=[s-gw]:25, @b.test=[b-gw] }", "S@A.test",
     "u@example.org", "smtp", "[s-gw]:25", "u@example.org", DEFAULT},
    {"sender domain relayhost", "[gw]", "", 0,
     "inline:{ s@a.test=[s-gw]:25, @b.test=[b-gw] }", "x@b.test",
     "u@example.org", "smtp", "[b-gw]", "u@example.org", DEFAULT},
    {"sender unlisted", "[gw]", "", 0, "inline:{ @b.test=[b-gw] }", "x@c.test",
     "u@example.org", "smtp", "[gw]", "u@example.org", DEFAULT},
    {"null sender key", "[gw]", "", 0, "inline:{ <>=[bounce-gw] }", "",
     "u@example.org", "smtp", "[bounce-gw]", "u@example.org", DEFAULT},
    {"no sender given", "[gw]", "", 0, "inline:{ <>=[bounce-gw] }", NULL,
     "u@example.org", "smtp", "[gw]", "u@example.org", DEFAULT},
    {"sender maps fail", "[gw]", "", 0, "fail:down", "x@b.test",
     "u@example.org", "", "", "u@example.org", DEFAULT | FAIL},
    /* transport_maps forms. */
    {"tm transport:nexthop", "", "inline:{ example.org=smtp:[mx1]:2525 }", 0,
     "", NULL, "u@example.org", "smtp", "[mx1]:2525", "u@example.org", DEFAULT},
    {"tm transport:", "[gw]", "inline:{ example.org=lmtp: }", 0, "", NULL,
     "u@example.org", "lmtp", "example.org", "u@example.org", DEFAULT},
    {"tm :nexthop", "", "inline:{ mbox.test=:store1 }", 0, "", NULL,
     "u@mbox.test", "virtual", "store1", "u@mbox.test", VIRTUAL},
    {"tm [host]:port", "", "inline:{ example.org=[h]:26 }", 0, "", NULL,
     "u@example.org", "smtp", "[h]:26", "u@example.org", DEFAULT},
    {"tm error:text", "", "inline:{ {example.org=error:5.7.1 go away} }", 0, "",
     NULL, "u@example.org", "error", "5.7.1 go away", "u@example.org",
     DEFAULT | ERROR},
    {"tm discard:", "", "inline:{ example.org=discard: }", 0, "", NULL,
     "u@example.org", "discard", "example.org", "u@example.org", DEFAULT},
    {"tm retry:text", "", "inline:{ {example.org=retry:4.3.2 later} }", 0, "",
     NULL, "u@example.org", "retry", "4.3.2 later", "u@example.org", DEFAULT},
    {"tm empty keeps", "[gw]", "inline:{ example.org=: }", 0, "", NULL,
     "u@example.org", "smtp", "[gw]", "u@example.org", DEFAULT},
    {"tm address first", "", "inline:{ u@example.org=a:x, example.org=d:y }", 0,
     "", NULL, "U@example.org", "a", "x", "U@example.org", DEFAULT},
    {"tm domain", "", "inline:{ u@example.org=a:x, example.org=d:y }", 0, "",
     NULL, "v@example.org", "d", "y", "v@example.org", DEFAULT},
    {"tm local domain", "", "inline:{ example.net=smtp:[hub] }", 0, "", NULL,
     "u@example.net", "smtp", "[hub]", "u@example.net", LOCAL},
    {"tm not for alias", "", "inline:{ alias.test=smtp:[hub] }", 0, "", NULL,
     "u@alias.test", "error", "5.1.1 User unknown in virtual alias table",
     "u@alias.test", ALIAS | ERROR},
    {"tm .parent", "", "inline:{ .example.org=p:z }", 0, "", NULL,
     "u@a.b.example.org", "p", "z", "u@a.b.example.org", DEFAULT},
    {"tm parent off", "", "inline:{ example.org=p:z }", 0, "", NULL,
     "u@a.example.org", "smtp", "a.example.org", "u@a.example.org", DEFAULT},
    {"tm parent on", "", "inline:{ example.org=p:z }", 1, "", NULL,
     "u@a.example.org", "p", "z", "u@a.example.org", DEFAULT},
    {"tm dot not itself", "", "inline:{ .example.org=p:z }", 0, "", NULL,
     "u@example.org", "smtp", "example.org", "u@example.org", DEFAULT},
    {"tm wildcard", "", "inline:{ *=w:[all], x.test=x: }", 0, "", NULL,
     "u@example.org", "w", "[all]", "u@example.org", DEFAULT},
    {"tm fails", "", "fail:down", 0, "", NULL, "u@example.org", "", "",
     "u@example.org", DEFAULT | FAIL},
};

static RESOLVE_PARAMS params;

/* make_list - a domain or address list, or a failed test */
static MATCH_LIST *
make_list(const char *title, int kind, const char *patterns)
{
    STRBUF *why = strbuf_create(0);
    MATCH_LIST *list = match_list_create(title, kind, patterns, why);

    ck_assert_msg(list != NULL, "%s", STR(why));
    strbuf_free(why);
    return list;
}

/* make_maps - a table list, NULL for "" */
static MAPS *
make_maps(const char *title, const char *tables)
{
    STRBUF *why = strbuf_create(0);
    MAPS *maps = *tables ? maps_create(title, tables, 0, why) : NULL;

    ck_assert_msg(*tables == 0 || maps != NULL, "%s", STR(why));
    strbuf_free(why);
    return maps;
}

/* setup - the configuration every case shares */
static void
setup(void)
{
    STRBUF *err = strbuf_create(0);
    FILE *fp = fopen("main.cf", "w");

    ck_assert_ptr_nonnull(fp);
    ck_assert_int_eq(fclose(fp), 0);
    ck_assert_msg(mail_conf_load(tmpdir_here, NULL, err) == 0, "%s", STR(err));
    strbuf_free(err);
    memset(&params, 0, sizeof(params));
    params.rewrite.append_at_myorigin = 1;
    params.rewrite.append_dot_mydomain = 0;
    params.rewrite.myorigin = "example.net";
    params.rewrite.mydomain = "example.net";
    params.rewrite.remote_domain = "";
    params.myhostname = "mx.example.net";
    params.local_transport = "local:mx.example.net";
    params.virtual_transport = "virtual";
    params.relay_transport = "relay";
    params.default_transport = "smtp";
    params.empty_sender_key = "<>";
    params.show_table_name = 1;
    params.mydestination = make_list("mydestination", MATCH_DOMAIN,
                                     "mx.example.net example.net localhost");
    params.virtual_alias_domains =
        make_list("virtual_alias_domains", MATCH_DOMAIN, "alias.test");
    params.virtual_mailbox_domains =
        make_list("virtual_mailbox_domains", MATCH_DOMAIN, "mbox.test");
    params.relay_domains =
        make_list("relay_domains", MATCH_DOMAIN, "relay.test");
    params.local_addrs =
        make_list("inet_interfaces", MATCH_ADDR, "192.0.2.10 2001:db8::10");
}

/* teardown - the lists setup made */
static void
teardown(void)
{
    match_list_free(params.mydestination);
    match_list_free(params.virtual_alias_domains);
    match_list_free(params.virtual_mailbox_domains);
    match_list_free(params.relay_domains);
    match_list_free(params.local_addrs);
}

START_TEST(test_resolve)
{
    RESOLVE_REPLY reply;

    setup();
    params.relayhost = cases[_i].relayhost;
    params.transport_maps =
        make_maps("transport_maps", cases[_i].transport_maps);
    params.transport_parent = cases[_i].parent;
    params.sender_relayhost_maps =
        make_maps("sender_dependent_relayhost_maps", cases[_i].sender_maps);
    resolve_reply_init(&reply);
    resolve_addr(&params, cases[_i].sender, cases[_i].addr, &reply);
    ck_assert_msg(strcmp(STR(reply.transport), cases[_i].transport) == 0 &&
                      strcmp(STR(reply.nexthop), cases[_i].nexthop) == 0 &&
                      strcmp(STR(reply.recipient), cases[_i].rcpt) == 0 &&
                      reply.flags == cases[_i].flags,
                  "%s: got %s:%s <%s> flags %#x", cases[_i].name,
                  STR(reply.transport), STR(reply.nexthop),
                  STR(reply.recipient), reply.flags);
    resolve_reply_free(&reply);
    maps_free(params.transport_maps);
    maps_free(params.sender_relayhost_maps);
    teardown();
}
END_TEST

/* Other parameters: numeric and null domains, the table name. */
START_TEST(test_options)
{
    RESOLVE_REPLY reply;

    setup();
    params.relayhost = "";
    resolve_reply_init(&reply);
    params.resolve_numeric_domain = 1;
    resolve_addr(&params, NULL, "u@192.0.2.10", &reply);
    ck_assert_str_eq(STR(reply.recipient), "u@[192.0.2.10]");
    ck_assert_int_eq(reply.flags, LOCAL | LITERAL);
    resolve_addr(&params, NULL, "u@", &reply);
    ck_assert_int_eq(reply.flags, DEFAULT | ERROR);
    params.resolve_null_domain = 1;
    resolve_addr(&params, NULL, "u@", &reply);
    ck_assert_str_eq(STR(reply.transport), "local");
    ck_assert_str_eq(STR(reply.recipient), "u");
    params.show_table_name = 0;
    resolve_addr(&params, NULL, "u@alias.test", &reply);
    ck_assert_str_eq(STR(reply.nexthop), "5.1.1 User unknown");
    /* A domain listed twice: the first class wins (and is logged). */
    match_list_free(params.virtual_alias_domains);
    params.virtual_alias_domains =
        make_list("virtual_alias_domains", MATCH_DOMAIN, "example.net");
    resolve_addr(&params, NULL, "u@example.net", &reply);
    ck_assert_int_eq(reply.flags, LOCAL);
    /* A failing class list defers. */
    match_list_free(params.relay_domains);
    params.relay_domains = make_list("relay_domains", MATCH_DOMAIN, "fail:x");
    resolve_addr(&params, NULL, "u@example.org", &reply);
    ck_assert_int_eq(reply.flags, FAIL);
    ck_assert_str_eq(STR(reply.transport), "");
    resolve_reply_free(&reply);
    teardown();
}
END_TEST

START_TEST(test_local_addrs)
{
    char *text = resolve_local_addrs("loopback-only", "198.51.100.1 name", 8);
    char *all = resolve_local_addrs("all", "", 256);

    ck_assert_str_eq(text, " 127.0.0.1 ::1 198.51.100.1");
    ck_assert_ptr_nonnull(strstr(all, " 127.0.0.1"));
    myfree(text);
    myfree(all);
}
END_TEST

static Suite *
resolve_suite(void)
{
    Suite *s = suite_create("resolve");
    TCase *tc = tcase_create("core");

    TMPDIR_FIXTURES(tc);
    tcase_add_loop_test(tc, test_resolve, 0, NITEMS(cases));
    tcase_add_test(tc, test_options);
    tcase_add_test(tc, test_local_addrs);
    suite_add_tcase(s, tc);
    return s;
}

TEST_MAIN(resolve_suite)

/*
 * test_cleanup_map - Check suite for cleanup(8)'s canonical mapping,
 * masquerading and virtual aliasing.  Each case writes main.cf (and the
 * texthash table t.tab) to its own folder and loads it with mail_conf.
 */
#include <stdio.h>
#include <string.h>

#include "cleanup_map.h"
#include "mail_conf.h"
#include "mymalloc.h"
#include "test_main.h"
#include "test_tmpdir.h"

#define ES CLEANUP_MAP_ENV_SENDER
#define ER CLEANUP_MAP_ENV_RCPT
#define HS CLEANUP_MAP_HDR_SENDER
#define HR CLEANUP_MAP_HDR_RCPT

/* Settings every case starts from. */
#define BASE "mydestination = x.com\nrecipient_delimiter = +\n"

/* write_file - a file in the test's folder */
static void
write_file(const char *path, const char *text)
{
    FILE *fp = fopen(path, "w");

    ck_assert_ptr_nonnull(fp);
    fputs(text, fp);
    ck_assert_int_eq(fclose(fp), 0);
}

/* make_map - main.cf BASE + conf and t.tab, loaded; the mapping state */
static CLEANUP_MAP *
make_map(const char *conf, const char *table)
{
    STRBUF *err = strbuf_create(100);
    STRBUF *text = strbuf_create(100);

    strbuf_sprintf(text, "%s%s", BASE, conf);
    write_file("main.cf", STR(text));
    write_file("t.tab", table ? table : "");
    ck_assert_msg(mail_conf_load(tmpdir_here, NULL, err) == 0, "%s", STR(err));
    strbuf_free(err);
    strbuf_free(text);
    return cleanup_map_create();
}

static const struct {
    const char *name;
    const char *conf;
    int class;
    const char *addr;
    const char *want;
} canon_cases[] = {
    {"common map, envelope sender", "canonical_maps = inline:{a@x.com=b@y.com}",
     ES, "a@x.com", "b@y.com"},
    {"common map, header recipient",
     "canonical_maps = inline:{a@x.com=b@y.com}", HR, "a@x.com", "b@y.com"},
    {"class off: envelope sender",
     "canonical_maps = inline:{a@x.com=b@y.com}\n"
     "canonical_classes = envelope_recipient",
     ES, "a@x.com", "a@x.com"},
    {"class on: envelope recipient",
     "canonical_maps = inline:{a@x.com=b@y.com}\n"
     "canonical_classes = envelope_recipient",
     ER, "a@x.com", "b@y.com"},
    {"class off: header sender",
     "canonical_maps = inline:{a@x.com=b@y.com}\n"
     "canonical_classes = envelope_recipient",
     HS, "a@x.com", "a@x.com"},
    {"class off: header recipient",
     "canonical_maps = inline:{a@x.com=b@y.com}\n"
     "canonical_classes = envelope_sender, header_sender",
     HR, "a@x.com", "a@x.com"},
    {"class on: header sender",
     "canonical_maps = inline:{a@x.com=b@y.com}\n"
     "canonical_classes = envelope_sender, header_sender",
     HS, "a@x.com", "b@y.com"},
    {"sender map, then common map on its result",
     "sender_canonical_maps = inline:{a@x.com=s@x.com}\n"
     "canonical_maps = inline:{s@x.com=c@y.com, a@x.com=z@y.com}",
     ES, "a@x.com", "c@y.com"},
    {"recipient map is not for senders",
     "recipient_canonical_maps = inline:{a@x.com=r@y.com}", ES, "a@x.com",
     "a@x.com"},
    {"recipient map for recipients",
     "recipient_canonical_maps = inline:{a@x.com=r@y.com}\n"
     "canonical_maps = inline:{a@x.com=c@y.com}",
     ER, "a@x.com", "r@y.com"},
    {"sender map is not for recipients",
     "sender_canonical_maps = inline:{a@x.com=s@y.com}", HR, "a@x.com",
     "a@x.com"},
    {"sender_canonical_classes off",
     "sender_canonical_maps = inline:{a@x.com=s@y.com}\n"
     "sender_canonical_classes = header_sender",
     ES, "a@x.com", "a@x.com"},
    {"sender_canonical_classes on",
     "sender_canonical_maps = inline:{a@x.com=s@y.com}\n"
     "sender_canonical_classes = header_sender",
     HS, "a@x.com", "s@y.com"},
    {"recipient_canonical_classes off",
     "recipient_canonical_maps = inline:{a@x.com=r@y.com}\n"
     "recipient_canonical_classes = envelope_recipient",
     HR, "a@x.com", "a@x.com"},
    {"extension propagated", "canonical_maps = inline:{a@x.com=b@y.com}", ES,
     "a+foo@x.com", "b+foo@y.com"},
    {"extension not propagated",
     "canonical_maps = inline:{a@x.com=b@y.com}\n"
     "propagate_unmatched_extensions = virtual",
     ES, "a+foo@x.com", "b@y.com"},
    {"full key matched: nothing to propagate",
     "canonical_maps = inline:{a+foo@x.com=b@y.com}", ES, "a+foo@x.com",
     "b@y.com"},
    {"@domain to @domain", "canonical_maps = inline:{@old.com=@new.com}", ES,
     "u+e@old.com", "u+e@new.com"},
    {"@domain to an address", "canonical_maps = inline:{@old.com=c@new.com}",
     ES, "u@old.com", "c@new.com"},
    {"localpart key, local domain", "canonical_maps = inline:{a=b@y.com}", ES,
     "a@x.com", "b@y.com"},
    {"localpart key, remote domain", "canonical_maps = inline:{a=b@y.com}", ES,
     "a@z.com", "a@z.com"},
    {"quoted result unquoted", "canonical_maps = texthash:t.tab", ES, "a@x.com",
     "john doe@y.com"},
    {"not recursive",
     "canonical_maps = inline:{a@x.com=b@x.com, b@x.com=c@x.com}", ES,
     "a@x.com", "b@x.com"},
    {"null sender untouched", "canonical_maps = inline:{@x.com=c@y.com}", ES,
     "", ""},
    {"no tables", "", ER, "a@x.com", "a@x.com"},
};

START_TEST(test_canon)
{
    CLEANUP_MAP *map =
        make_map(canon_cases[_i].conf, "a@x.com \"john doe\"@y.com\n");
    STRBUF *result = strbuf_create(0);
    STRBUF *why = strbuf_create(0);

    ck_assert_int_eq(cleanup_map_canon(map, canon_cases[_i].class,
                                       canon_cases[_i].addr, result, why),
                     CLEANUP_MAP_OK);
    ck_assert_msg(strcmp(STR(result), canon_cases[_i].want) == 0,
                  "%s: got \"%s\"", canon_cases[_i].name, STR(result));
    cleanup_map_free(map);
    strbuf_free(result);
    strbuf_free(why);
}
END_TEST

#define MASQ "masquerade_domains = !sub.x.com, x.com\n"

static const struct {
    const char *name;
    const char *conf;
    int class;
    const char *addr;
    const char *want;
} masq_cases[] = {
    {"subdomain stripped", MASQ, ES, "u@host.x.com", "u@x.com"},
    {"deep subdomain stripped", MASQ, HS, "u@a.b.x.com", "u@x.com"},
    {"header recipient by default", MASQ, HR, "u@host.x.com", "u@x.com"},
    {"not envelope recipient by default", MASQ, ER, "u@host.x.com",
     "u@host.x.com"},
    {"domain itself kept", MASQ, ES, "u@x.com", "u@x.com"},
    {"! exception", MASQ, ES, "u@host.sub.x.com", "u@host.sub.x.com"},
    {"! exception, the domain itself", MASQ, ES, "u@sub.x.com", "u@sub.x.com"},
    {"label boundary", MASQ, ES, "u@notx.com", "u@notx.com"},
    {"other domain", MASQ, ES, "u@y.com", "u@y.com"},
    {"no domain", MASQ, ES, "u", "u"},
    {"case", MASQ, ES, "U@Host.X.COM", "U@x.com"},
    {"first match wins", "masquerade_domains = x.com, sub.x.com", ES,
     "u@h.sub.x.com", "u@x.com"},
    {"first match wins, other order", "masquerade_domains = sub.x.com, x.com",
     ES, "u@h.sub.x.com", "u@sub.x.com"},
    {"exception user", MASQ "masquerade_exceptions = root, admin", ES,
     "Root@host.x.com", "Root@host.x.com"},
    {"other user", MASQ "masquerade_exceptions = root", ES, "rooty@host.x.com",
     "rooty@x.com"},
    {"masquerade_classes on", MASQ "masquerade_classes = envelope_recipient",
     ER, "u@h.x.com", "u@x.com"},
    {"masquerade_classes off", MASQ "masquerade_classes = envelope_recipient",
     ES, "u@h.x.com", "u@h.x.com"},
    {"nothing to masquerade", "", ES, "u@h.x.com", "u@h.x.com"},
};

START_TEST(test_masq)
{
    CLEANUP_MAP *map = make_map(masq_cases[_i].conf, NULL);
    STRBUF *result = strbuf_create(0);
    STRBUF *why = strbuf_create(0);

    ck_assert_int_eq(cleanup_map_masq(map, masq_cases[_i].class,
                                      masq_cases[_i].addr, result, why),
                     CLEANUP_MAP_OK);
    ck_assert_msg(strcmp(STR(result), masq_cases[_i].want) == 0,
                  "%s: got \"%s\"", masq_cases[_i].name, STR(result));
    cleanup_map_free(map);
    strbuf_free(result);
    strbuf_free(why);
}
END_TEST

#define VT "virtual_alias_maps = texthash:t.tab\n"

static const struct {
    const char *name;
    const char *conf;
    const char *table;
    const char *addr;
    const char *want;     /* recipients joined by ",", or NULL: deferred */
    const char *want_why; /* in why when deferred */
} virt_cases[] = {
    {"one level", VT, "a@x.com b@y.com\n", "a@x.com", "b@y.com", NULL},
    {"not found", VT, "a@x.com b@y.com\n", "z@x.com", "z@x.com", NULL},
    {"list", VT, "a@x.com b@y.com, c@y.com d@y.com\n", "a@x.com",
     "b@y.com,c@y.com,d@y.com", NULL},
    {"recursion", VT, "a@x.com b@x.com\nb@x.com c@y.com\n", "a@x.com",
     "c@y.com", NULL},
    {"self-reference", VT, "a@x.com a@x.com, b@x.com\nb@x.com c@y.com\n",
     "a@x.com", "a@x.com,c@y.com", NULL},
    {"self-reference, other case", VT, "a@x.com A@X.com, c@y.com\n", "a@x.com",
     "A@X.com,c@y.com", NULL},
    {"loop", VT, "a@x.com b@x.com\nb@x.com a@x.com\n", "a@x.com", NULL,
     "loop: a@x.com -> b@x.com -> a@x.com"},
    {"longer loop", VT, "a@x.com b@x.com\nb@x.com c@x.com\nc@x.com b@x.com\n",
     "a@x.com", NULL, "loop: a@x.com -> b@x.com -> c@x.com -> b@x.com"},
    {"duplicates", VT, "a@x.com b@y.com, c@x.com, b@y.com\nc@x.com b@y.com\n",
     "a@x.com", "b@y.com", NULL},
    {"diamond", VT,
     "a@x.com b@x.com c@x.com\nb@x.com d@y.com\nc@x.com d@y.com\n", "a@x.com",
     "d@y.com", NULL},
    {"expansion limit reached", VT "virtual_alias_expansion_limit = 2\n",
     "a@x.com b@y.com, c@y.com\n", "a@x.com", "b@y.com,c@y.com", NULL},
    {"expansion limit passed", VT "virtual_alias_expansion_limit = 2\n",
     "a@x.com b@y.com, c@y.com, d@y.com\n", "a@x.com", NULL,
     "virtual_alias_expansion_limit"},
    {"expansion limit over levels", VT "virtual_alias_expansion_limit = 2\n",
     "a@x.com b@x.com, c@y.com\nb@x.com d@y.com, e@y.com\n", "a@x.com", NULL,
     "virtual_alias_expansion_limit"},
    {"recursion limit reached", VT "virtual_alias_recursion_limit = 2\n",
     "a@x.com b@x.com\nb@x.com c@x.com\n", "a@x.com", "c@x.com", NULL},
    {"recursion limit passed", VT "virtual_alias_recursion_limit = 2\n",
     "a@x.com b@x.com\nb@x.com c@x.com\nc@x.com d@x.com\n", "a@x.com", NULL,
     "virtual_alias_recursion_limit"},
    {"length limit reached", VT "virtual_alias_address_length_limit = 10\n",
     "a@x.com 1234@y.com\n", "a@x.com", "1234@y.com", NULL},
    {"length limit passed", VT "virtual_alias_address_length_limit = 10\n",
     "a@x.com 12345@y.com\n", "a@x.com", NULL,
     "virtual_alias_address_length_limit"},
    {"extension propagated", VT, "a@x.com b@y.com, c@y.com\n", "a+e@x.com",
     "b+e@y.com,c+e@y.com", NULL},
    {"extension not propagated",
     VT "propagate_unmatched_extensions = canonical", "a@x.com b@y.com\n",
     "a+e@x.com", "b@y.com", NULL},
    {"quoted localpart", VT, "a@x.com \"j doe\"@y.com, \"q\\\"x\"@y.com\n",
     "a@x.com", "j doe@y.com,q\"x@y.com", NULL},
    {"angle brackets and comments", VT,
     "a@x.com <b@y.com> (c@z.com, x), \"q, r\"@y.com\tc@y.com\n", "a@x.com",
     "b@y.com,q, r@y.com,c@y.com", NULL},
    {"@domain", VT, "@old.com @new.com\n", "u@old.com", "u@new.com", NULL},
    {"localpart key, local domain", VT, "a b@y.com\n", "a@x.com", "b@y.com",
     NULL},
    {"localpart key, remote domain", VT, "a b@y.com\n", "a@z.com", "a@z.com",
     NULL},
    {"lookup failure", "virtual_alias_maps = fail:x\n", "", "a@x.com", NULL,
     "virtual_alias_maps"},
    {"failure during recursion",
     "virtual_alias_maps = inline:{a@x.com=b@x.com} fail:x\n", "", "a@x.com",
     NULL, "virtual_alias_maps"},
    {"missing table", "virtual_alias_maps = texthash:none.tab\n", "", "a@x.com",
     NULL, "virtual_alias_maps"},
    {"no tables", "", "", "a@x.com", "a@x.com", NULL},
};

START_TEST(test_virtual)
{
    CLEANUP_MAP *map = make_map(virt_cases[_i].conf, virt_cases[_i].table);
    ARGV *rcpts = argv_alloc(1);
    STRBUF *why = strbuf_create(0);
    char *got;
    int ret;

    argv_add(rcpts, "stale");
    ret = cleanup_map_virtual(map, virt_cases[_i].addr, rcpts, why);
    got = argv_join(rcpts, ",");
    if (virt_cases[_i].want != NULL) {
        ck_assert_msg(ret == CLEANUP_MAP_OK, "%s: %s", virt_cases[_i].name,
                      STR(why));
        ck_assert_msg(strcmp(got, virt_cases[_i].want) == 0, "%s: got \"%s\"",
                      virt_cases[_i].name, got);
    } else {
        ck_assert_msg(ret == CLEANUP_MAP_DEFER, "%s: got \"%s\"",
                      virt_cases[_i].name, got);
        ck_assert_msg(strstr(STR(why), virt_cases[_i].want_why) != NULL,
                      "%s: why \"%s\"", virt_cases[_i].name, STR(why));
        ck_assert_msg(strstr(STR(why), virt_cases[_i].addr) != NULL,
                      "%s: why \"%s\"", virt_cases[_i].name, STR(why));
    }
    myfree(got);
    cleanup_map_free(map);
    argv_free(rcpts);
    strbuf_free(why);
}
END_TEST

START_TEST(test_canon_defer)
{
    CLEANUP_MAP *map = make_map("sender_canonical_maps = fail:x\n", NULL);
    STRBUF *result = strbuf_create(0);
    STRBUF *why = strbuf_create(0);

    ck_assert_int_eq(cleanup_map_canon(map, ES, "a@x.com", result, why),
                     CLEANUP_MAP_DEFER);
    ck_assert_msg(strstr(STR(why), "sender_canonical_maps") != NULL, "%s",
                  STR(why));
    /* Recipients do not ask that table. */
    ck_assert_int_eq(cleanup_map_canon(map, ER, "a@x.com", result, why),
                     CLEANUP_MAP_OK);
    ck_assert_str_eq(STR(result), "a@x.com");
    cleanup_map_free(map);
    strbuf_free(result);
    strbuf_free(why);
}
END_TEST

/* One call many times: state must not leak between calls. */
START_TEST(test_virtual_reuse)
{
    CLEANUP_MAP *map = make_map(VT, "a@x.com b@x.com\nb@x.com a@x.com\n"
                                    "c@x.com d@y.com\n");
    ARGV *rcpts = argv_alloc(1);
    STRBUF *why = strbuf_create(0);
    int i;

    for (i = 0; i < 3; i++) {
        ck_assert_int_eq(cleanup_map_virtual(map, "a@x.com", rcpts, why),
                         CLEANUP_MAP_DEFER);
        ck_assert_uint_eq(rcpts->argc, 0);
        ck_assert_int_eq(cleanup_map_virtual(map, "c@x.com", rcpts, why),
                         CLEANUP_MAP_OK);
        ck_assert_uint_eq(rcpts->argc, 1);
        ck_assert_str_eq(rcpts->argv[0], "d@y.com");
    }
    ck_assert_ptr_null(cleanup_map_free(map));
    argv_free(rcpts);
    strbuf_free(why);
}
END_TEST

static const struct {
    const char *name;
    const char *conf;
} fatal_cases[] = {
    {"table not type:name", "virtual_alias_maps = nosuchtable\n"},
    {"bad class", "canonical_classes = envelope_sender, bogus\n"},
    {"recipient class for sender map",
     "sender_canonical_classes = envelope_recipient\n"},
    {"bad extension class", "propagate_unmatched_extensions = nope\n"},
    {"zero limit", "virtual_alias_expansion_limit = 0\n"},
};

START_TEST(test_fatal)
{
    make_map(fatal_cases[_i].conf, NULL);
    ck_abort_msg("%s: not fatal", fatal_cases[_i].name);
}
END_TEST

static Suite *
cleanup_map_suite(void)
{
    Suite *s = suite_create("cleanup_map");
    TCase *tc = tcase_create("core");

    TMPDIR_FIXTURES(tc);
    tcase_add_loop_test(tc, test_canon, 0, NITEMS(canon_cases));
    tcase_add_loop_test(tc, test_masq, 0, NITEMS(masq_cases));
    tcase_add_loop_test(tc, test_virtual, 0, NITEMS(virt_cases));
    tcase_add_test(tc, test_canon_defer);
    tcase_add_test(tc, test_virtual_reuse);
    tcase_add_loop_exit_test(tc, test_fatal, 1, 0, NITEMS(fatal_cases));
    suite_add_tcase(s, tc);
    return s;
}

TEST_MAIN(cleanup_map_suite)

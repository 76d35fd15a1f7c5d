/*
 * test_smtp_tls_policy - the smtp client's TLS policy: level names, the
 * smtp_tls_policy_maps value parser and the lookup keys.
 */
#include <string.h>

#include "mymalloc.h"
#include "smtp.h"
#include "test_main.h"

static const struct {
    const char *name;
    const char *input;
    int rc;
    TLS_LEVEL level;
    const char *matches, *protocols, *ciphers, *exclude;
} values[] = {
    {"level only", "encrypt", 0, TLS_LEV_ENCRYPT, "", "", "", ""},
    {"case and blanks", "  Secure\t", 0, TLS_LEV_SECURE, "", "", "", ""},
    {"all attributes",
     "verify match=hostname:nexthop protocols=!SSLv3:!TLSv1 ciphers=high "
     "exclude=aNULL:MD5",
     0, TLS_LEV_VERIFY, "hostname, nexthop", "!SSLv3, !TLSv1", "high",
     "aNULL, MD5"},
    {"range", "may protocols=>=TLSv1.2", 0, TLS_LEV_MAY, "", ">=TLSv1.2", "",
     ""},
    {"dane is may", "dane", 0, TLS_LEV_MAY, "", "", "", ""},
    {"none", "none", 0, TLS_LEV_NONE, "", "", "", ""},
    {"empty", "", -1, 0, NULL, NULL, NULL, NULL},
    {"blank", "   ", -1, 0, NULL, NULL, NULL, NULL},
    {"unknown level", "fingerprint", -1, 0, NULL, NULL, NULL, NULL},
    {"dane-only", "dane-only", -1, 0, NULL, NULL, NULL, NULL},
    {"unknown attribute", "secure tafile=/x", -1, 0, NULL, NULL, NULL, NULL},
    {"no value", "secure match=", -1, 0, NULL, NULL, NULL, NULL},
    {"no equals", "secure match", -1, 0, NULL, NULL, NULL, NULL},
    {"too many",
     "may ciphers=a ciphers=a ciphers=a ciphers=a ciphers=a "
     "ciphers=a ciphers=a ciphers=a ciphers=a ciphers=a "
     "ciphers=a ciphers=a ciphers=a ciphers=a ciphers=a "
     "ciphers=a ciphers=a",
     -1, 0, NULL, NULL, NULL, NULL},
};

START_TEST(test_parse)
{
    SMTP_TLS_POLICY *pol = smtp_tls_policy_create();
    STRBUF *why = strbuf_create(10);
    int rc = smtp_tls_policy_parse(values[_i].input, strlen(values[_i].input),
                                   pol, why);

    ck_assert_msg(rc == values[_i].rc, "%s: rc %d (%s)", values[_i].name, rc,
                  STR(why));
    if (rc == 0) {
        ck_assert_int_eq(pol->level, values[_i].level);
        ck_assert_str_eq(STR(pol->matches), values[_i].matches);
        ck_assert_str_eq(STR(pol->protocols), values[_i].protocols);
        ck_assert_str_eq(STR(pol->ciphers), values[_i].ciphers);
        ck_assert_str_eq(STR(pol->exclude), values[_i].exclude);
    } else {
        ck_assert_uint_gt(LEN(why), 0);
    }
    smtp_tls_policy_free(pol);
    strbuf_free(why);
}
END_TEST

/* A value past the length bound is refused, not truncated. */
START_TEST(test_parse_long)
{
    SMTP_TLS_POLICY *pol = smtp_tls_policy_create();
    STRBUF *why = strbuf_create(10), *in = strbuf_create(10);

    strbuf_strcpy(in, "may match=");
    while (LEN(in) <= SMTP_TLS_POLICY_MAX)
        strbuf_strcat(in, "a:");
    ck_assert_int_eq(smtp_tls_policy_parse(STR(in), LEN(in), pol, why), -1);
    ck_assert_ptr_nonnull(strstr(STR(why), "longer"));
    smtp_tls_policy_free(pol);
    strbuf_free(why);
    strbuf_free(in);
}
END_TEST

/* Next hop, then the keys looked up after it, joined by spaces. */
static const struct {
    const char *nexthop;
    const char *want;
} keys[] = {
    {"example.com", "example.com .com"},
    {"mx.sub.example.com", "mx.sub.example.com .sub.example.com .example.com "
                           ".com"},
    {"example.com:2525", "example.com:2525 example.com .com"},
    {"[mx.example.com]:587", "[mx.example.com]:587"},
    {"[192.0.2.1]", "[192.0.2.1]"},
    {"localhost", "localhost"},
    {"", ""},
};

START_TEST(test_keys)
{
    ARGV *av = argv_alloc(4);
    char *got;

    smtp_tls_policy_keys(keys[_i].nexthop, av);
    got = argv_join(av, " ");
    ck_assert_msg(strcmp(got, keys[_i].want) == 0, "%s: %s", keys[_i].nexthop,
                  got);
    myfree(got);
    argv_free(av);
}
END_TEST

/* The lookup: the first key with an entry wins; bad entries fail. */
static const struct {
    const char *name;
    const char *table;
    const char *nexthop;
    int rc;
    TLS_LEVEL level;
} finds[] = {
    {"exact", "inline:{example.com=secure, .com=may}", "example.com", 1,
     TLS_LEV_SECURE},
    {"parent", "inline:{.example.com=encrypt}", "mx.example.com", 1,
     TLS_LEV_ENCRYPT},
    {"parent form only", "inline:{example.com=encrypt}", "mx.example.com", 0,
     TLS_LEV_MAY},
    {"default", "inline:{other.example=secure}", "example.com", 0, TLS_LEV_MAY},
    {"bad entry", "inline:{example.com=bogus}", "example.com", -1, 0},
    {"table fails", "fail:x", "example.com", -1, 0},
};

START_TEST(test_find)
{
    SMTP_TLS_POLICY *pol = smtp_tls_policy_create();
    STRBUF *why = strbuf_create(10);
    MAPS *maps = maps_create("smtp_tls_policy_maps", finds[_i].table, 0, why);
    int rc;

    smtp_conf.tls_level = TLS_LEV_MAY;
    ck_assert_ptr_nonnull(maps);
    rc = smtp_tls_policy_find(maps, finds[_i].nexthop, pol, why);
    ck_assert_msg(rc == finds[_i].rc, "%s: rc %d", finds[_i].name, rc);
    if (rc >= 0)
        ck_assert_int_eq(pol->level, finds[_i].level);
    else
        ck_assert_ptr_nonnull(strstr(STR(why), "smtp_tls_policy_maps"));
    maps_free(maps);
    smtp_tls_policy_free(pol);
    strbuf_free(why);
}
END_TEST

static Suite *
smtp_tls_policy_suite(void)
{
    Suite *s = suite_create("smtp_tls_policy");
    TCase *tc = tcase_create("pure");

    tcase_add_loop_test(tc, test_parse, 0, NITEMS(values));
    tcase_add_test(tc, test_parse_long);
    tcase_add_loop_test(tc, test_keys, 0, NITEMS(keys));
    tcase_add_loop_test(tc, test_find, 0, NITEMS(finds));
    suite_add_tcase(s, tc);
    return s;
}

TEST_MAIN(smtp_tls_policy_suite)

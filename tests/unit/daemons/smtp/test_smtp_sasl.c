/*
 * test_smtp_sasl - the smtp client's SASL choices: security options,
 * the EHLO AUTH line, the mechanism choice, and the credentials lookup
 * order (server host name, then the next hop as written).
 */
#include <string.h>

#include "smtp.h"
#include "test_main.h"

static const struct {
    const char *name;
    const char *input;
    int rc;
    int flags;
} secopts[] = {
    {"default", "noplaintext, noanonymous", 0,
     SMTP_SASL_SEC_NOPLAINTEXT | SMTP_SASL_SEC_NOANON},
    {"empty", "", 0, 0},
    {"all", "noplaintext noactive nodictionary noanonymous mutual_auth", 0,
     SMTP_SASL_SEC_NOPLAINTEXT | SMTP_SASL_SEC_NOACTIVE | SMTP_SASL_SEC_NODICT |
         SMTP_SASL_SEC_NOANON | SMTP_SASL_SEC_MUTUAL},
    {"case", "NoAnonymous", 0, SMTP_SASL_SEC_NOANON},
    {"unknown", "noanonymous, forward_secrecy", -1, 0},
};

START_TEST(test_secopts)
{
    STRBUF *why = strbuf_create(10);
    int flags = -1, rc;

    rc = smtp_sasl_secopts_parse(secopts[_i].input, &flags, why);
    ck_assert_msg(rc == secopts[_i].rc, "%s: rc %d", secopts[_i].name, rc);
    if (rc == 0)
        ck_assert_int_eq(flags, secopts[_i].flags);
    else
        ck_assert_ptr_nonnull(strstr(STR(why), "forward_secrecy"));
    strbuf_free(why);
}
END_TEST

static const struct {
    const char *name;
    const char *input;
    int rc;
    const char *want;
} ehlo[] = {
    {"modern", "AUTH PLAIN LOGIN", 1, "PLAIN LOGIN"},
    {"old form", "AUTH=LOGIN PLAIN", 1, "LOGIN PLAIN"},
    {"extra spaces", "AUTH  CRAM-MD5   PLAIN ", 1, "CRAM-MD5 PLAIN"},
    {"lower case", "auth plain", 1, "plain"},
    {"no mechanisms", "AUTH ", 1, ""},
    {"bare", "AUTH", 0, ""},
    {"other keyword", "AUTHX PLAIN", 0, ""},
    {"pipelining", "PIPELINING", 0, ""},
};

START_TEST(test_ehlo_mechs)
{
    STRBUF *mechs = strbuf_create(10);
    int rc =
        smtp_sasl_ehlo_mechs(ehlo[_i].input, strlen(ehlo[_i].input), mechs);

    ck_assert_msg(rc == ehlo[_i].rc, "%s: rc %d", ehlo[_i].name, rc);
    ck_assert_str_eq(STR(mechs), ehlo[_i].want);
    strbuf_free(mechs);
}
END_TEST

/* The EHLO list is bounded: a huge AUTH line keeps what fits. */
START_TEST(test_ehlo_mechs_bounded)
{
    STRBUF *line = strbuf_create(100), *mechs = strbuf_create(10);
    int i;

    strbuf_strcpy(line, "AUTH");
    for (i = 0; i < 1000; i++)
        strbuf_strcat(line, " MECHANISM");
    ck_assert_int_eq(smtp_sasl_ehlo_mechs(STR(line), LEN(line), mechs), 1);
    ck_assert_uint_le(LEN(mechs), SMTP_SASL_MECHS_MAX);
    ck_assert_uint_gt(LEN(mechs), SMTP_SASL_MECHS_MAX - 20);
    strbuf_free(line);
    strbuf_free(mechs);
}
END_TEST

static const struct {
    const char *name;
    const char *offered;
    const char *filter; /* comma separated, NULL: none */
    int secopts;
    const char *want; /* NULL: none usable */
} choose[] = {
    {"plain first", "LOGIN PLAIN", NULL, 0, "PLAIN"},
    {"login only", "CRAM-MD5 LOGIN", NULL, SMTP_SASL_SEC_NOANON, "LOGIN"},
    {"case", "plain", NULL, 0, "PLAIN"},
    {"noplaintext", "PLAIN LOGIN", NULL,
     SMTP_SASL_SEC_NOPLAINTEXT | SMTP_SASL_SEC_NOANON, NULL},
    {"nodictionary", "PLAIN", NULL, SMTP_SASL_SEC_NODICT, NULL},
    {"noactive", "PLAIN", NULL, SMTP_SASL_SEC_NOACTIVE, NULL},
    {"unsupported only", "CRAM-MD5 GSSAPI XOAUTH2", NULL, 0, NULL},
    {"filter keeps login", "PLAIN LOGIN", "login", 0, "LOGIN"},
    {"filter keeps none", "PLAIN LOGIN", "cram-md5", 0, NULL},
    {"prefix is not a match", "PLAINX LOGINX", NULL, 0, NULL},
    {"nothing offered", "", NULL, 0, NULL},
};

START_TEST(test_choose)
{
    ARGV *filter =
        choose[_i].filter ? argv_split(choose[_i].filter, ",") : NULL;
    const char *got =
        smtp_sasl_choose(choose[_i].offered, filter, choose[_i].secopts);

    if (choose[_i].want == NULL)
        ck_assert_msg(got == NULL, "%s: got %s", choose[_i].name, got);
    else
        ck_assert_msg(got && strcmp(got, choose[_i].want) == 0, "%s: got %s",
                      choose[_i].name, got ? got : "(none)");
    if (filter)
        argv_free(filter);
}
END_TEST

/* Lookup order: each case's table, host and next hop, want user:pass. */
static const struct {
    const char *name;
    const char *table;
    const char *host;
    const char *nexthop;
    int rc;
    const char *want;
} lookup[] = {
    {"host first", "inline:{mx.example.com=h:1, example.com=n:2}",
     "mx.example.com", "example.com", 1, "h:1"},
    {"next hop domain", "inline:{example.com=n:2}", "mx.example.com",
     "example.com", 1, "n:2"},
    {"bracketed with port", "inline:{[relay.example.com]:587=r:3}",
     "relay.example.com", "[relay.example.com]:587", 1, "r:3"},
    {"bracket form must match", "inline:{[relay.example.com]=r:3}",
     "relay.example.com", "[relay.example.com]:587", 0, NULL},
    {"host key without brackets", "inline:{relay.example.com=r:4}",
     "relay.example.com", "[relay.example.com]:587", 1, "r:4"},
    {"password with colons", "inline:{example.com=u:p:w}", "mx", "example.com",
     1, "u:p:w"},
    {"no password", "inline:{example.com=user}", "mx", "example.com", 1,
     "user:"},
    {"none", "inline:{other.example=x:y}", "mx", "example.com", 0, NULL},
    {"table fails", "fail:broken", "mx", "example.com", -1, NULL},
};

START_TEST(test_lookup)
{
    STRBUF *err = strbuf_create(10), *user = strbuf_create(10),
           *pass = strbuf_create(10);
    MAPS *maps =
        maps_create("smtp_sasl_password_maps", lookup[_i].table, 0, err);
    int rc;

    ck_assert_msg(maps != NULL, "%s: %s", lookup[_i].name, STR(err));
    rc = smtp_sasl_passwd_find(maps, lookup[_i].host, lookup[_i].nexthop, user,
                               pass);
    ck_assert_msg(rc == lookup[_i].rc, "%s: rc %d", lookup[_i].name, rc);
    if (rc > 0) {
        strbuf_addch(user, ':');
        strbuf_strcat(user, STR(pass));
        ck_assert_str_eq(STR(user), lookup[_i].want);
    }
    maps_free(maps);
    strbuf_free(err);
    strbuf_free(user);
    strbuf_free(pass);
}
END_TEST

/* The keys themselves: a host equal to the next hop is asked once. */
START_TEST(test_keys)
{
    ARGV *keys = argv_alloc(2);

    smtp_sasl_passwd_keys("mx.example.com", "example.com", keys);
    ck_assert_uint_eq(keys->argc, 2);
    ck_assert_str_eq(keys->argv[0], "mx.example.com");
    ck_assert_str_eq(keys->argv[1], "example.com");
    argv_truncate(keys, 0);
    smtp_sasl_passwd_keys("Relay.example", "relay.example", keys);
    ck_assert_uint_eq(keys->argc, 1);
    argv_free(keys);
}
END_TEST

static Suite *
smtp_sasl_suite(void)
{
    Suite *s = suite_create("smtp_sasl");
    TCase *tc = tcase_create("pure");

    tcase_add_loop_test(tc, test_secopts, 0, NITEMS(secopts));
    tcase_add_loop_test(tc, test_ehlo_mechs, 0, NITEMS(ehlo));
    tcase_add_test(tc, test_ehlo_mechs_bounded);
    tcase_add_loop_test(tc, test_choose, 0, NITEMS(choose));
    tcase_add_loop_test(tc, test_lookup, 0, NITEMS(lookup));
    tcase_add_test(tc, test_keys);
    suite_add_tcase(s, tc);
    return s;
}

TEST_MAIN(smtp_sasl_suite)

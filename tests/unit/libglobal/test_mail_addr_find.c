/*
 * test_mail_addr_find - Check suite for address lookups in Postfix's order.
 * The recording double rec: shows every key asked, in order.
 */
#include <fcntl.h>
#include <string.h>

#include "dict_regexp.h"
#include "test_tmpdir.h"
#include "mail_addr_find.h"
#include "mymalloc.h"
#include "test_main.h"
#include "test_rec_dict.h"

/* Links the regexp: driver, which dict_builtin names only weakly. */
static DICT_OPEN_FN volatile keep_regexp = dict_regexp_open;

#define FULL "user+ext@example.com"

/* write_re - the regexp: table t.re, answering two full addresses */
static void
write_re(void)
{
    FILE *fp = fopen("t.re", "w");

    ck_assert_ptr_nonnull(fp);
    fputs("/^user@example\\.com$/ R\n/^u\\+x@example\\.com$/ R\n", fp);
    ck_assert_int_eq(fclose(fp), 0);
}

static const struct {
    const char *name;
    const char *tables;
    const char *address;
    const char *delims;
    int local; /* what is_local() says: 1, 0, -1 */
    const char *want;
    const char *want_ext;
    int want_error;
    const char *want_log;
} cases[] = {
    {"full address wins", "rec:T/" FULL "=F;user@example.com=U", FULL, "+", 1,
     "F", "", DICT_ERR_NONE, "T:" FULL "|"},
    {"user@domain", "rec:T/user@example.com=U;user=L", FULL, "+", 1, "U",
     "+ext", DICT_ERR_NONE, "T:" FULL "|T:user@example.com|"},
    {"user+ext, local", "rec:T/user+ext=L;user=B", FULL, "+", 1, "L", "",
     DICT_ERR_NONE, "T:" FULL "|T:user@example.com|T:user+ext|"},
    {"user, local", "rec:T/user=B;@example.com=D", FULL, "+", 1, "B", "+ext",
     DICT_ERR_NONE, "T:" FULL "|T:user@example.com|T:user+ext|T:user|"},
    {"@domain last", "rec:T/@example.com=D", FULL, "+", 1, "D", "+ext",
     DICT_ERR_NONE,
     "T:" FULL "|T:user@example.com|T:user+ext|T:user|T:@example.com|"},
    {"remote: no localpart keys", "rec:T/user=B", FULL, "+", 0, NULL, "",
     DICT_ERR_NONE, "T:" FULL "|T:user@example.com|T:@example.com|"},
    {"no extension", "rec:T/@example.com=D", "user@example.com", "+", 1, "D",
     "", DICT_ERR_NONE, "T:user@example.com|T:user|T:@example.com|"},
    {"no delimiter set", "rec:T/user@example.com=U", FULL, "", 1, NULL, "",
     DICT_ERR_NONE, "T:" FULL "|T:user+ext|T:@example.com|"},
    {"two delimiters, first wins", "rec:T/user@example.com=U",
     "user-a+b@example.com", "+-", 1, "U", "-a+b", DICT_ERR_NONE,
     "T:user-a+b@example.com|T:user@example.com|"},
    {"case folded, extension kept", "rec:T/user@example.com=U",
     "USER+Ext@Example.COM", "+", 1, "U", "+Ext", DICT_ERR_NONE,
     "T:" FULL "|T:user@example.com|"},
    {"no domain", "rec:T/user=U", "user+ext", "+", 0, "U", "+ext",
     DICT_ERR_NONE, "T:user+ext|T:user|"},
    {"no domain, no ext", "rec:T/x=U", "user", "+", 1, NULL, "", DICT_ERR_NONE,
     "T:user|"},
    {"leading delimiter", "rec:T/x=1", "+foo@example.com", "+", 0, NULL, "",
     DICT_ERR_NONE, "T:+foo@example.com|T:@example.com|"},
    {"owner- not split", "rec:T/x=1", "owner-list@example.com", "-", 0, NULL,
     "", DICT_ERR_NONE, "T:owner-list@example.com|T:@example.com|"},
    {"-request not split", "rec:T/x=1", "list-request@example.com", "+-", 0,
     NULL, "", DICT_ERR_NONE, "T:list-request@example.com|T:@example.com|"},
    {"postmaster-x splits", "rec:T/x=1", "Postmaster-x@example.com", "-", 0,
     NULL, "", DICT_ERR_NONE,
     "T:postmaster-x@example.com|T:postmaster@example.com|T:@example.com|"},
    {"is_local fails", "rec:T/user=B", FULL, "+", -1, NULL, "", DICT_ERR_RETRY,
     "T:" FULL "|T:user@example.com|"},
    {"table fails", "fail:f rec:T/user=B", FULL, "+", 1, NULL, "",
     DICT_ERR_RETRY, ""},
    {"table fails later", "rec:T/x=1 fail:f", FULL, "+", 1, NULL, "",
     DICT_ERR_RETRY, "T:" FULL "|"},
    {"key by key over tables", "rec:A/@example.com=D rec:B/user@example.com=U",
     FULL, "+", 1, "U", "+ext", DICT_ERR_NONE,
     "A:" FULL "|B:" FULL "|A:user@example.com|B:user@example.com|"},
    {"pattern: full address only", "rec:T/x=1 regexp:t.re", FULL, "+", 1, NULL,
     "", DICT_ERR_NONE,
     "T:" FULL "|T:user@example.com|T:user+ext|T:user|T:@example.com|"},
    {"pattern answers full", "regexp:t.re", "u+x@example.com", "+", 1, "R", "",
     DICT_ERR_NONE, ""},
    {"@domain alone", "rec:T/x=1", "@example.com", "+", 1, NULL, "",
     DICT_ERR_NONE, "T:@example.com|"},
    {"empty address", "rec:T/x=1", "", "+", 1, NULL, "", DICT_ERR_NONE, ""},
};

/* test_local - is_local() of the case under test */
static int
test_local(const char *domain, void *context)
{
    ck_assert_str_eq(domain, strrchr(cases[*(int *) context].address, '@') + 1);
    return cases[*(int *) context].local;
}

START_TEST(test_find)
{
    MAIL_ADDR_FIND_OPTS opts = {cases[_i].delims, 1, test_local, NULL};
    STRBUF *err = strbuf_create(0);
    STRBUF *ext = strbuf_create(0);
    const char *got;
    MAPS *maps;
    int i = _i;

    rec_register();
    write_re();
    opts.context = &i;
    maps = maps_create("test", cases[_i].tables, 0, err);
    ck_assert_msg(maps != NULL, "%s: %s", cases[_i].name, STR(err));
    strbuf_strcpy(ext, "stale");
    got = mail_addr_find(maps, cases[_i].address, &opts, ext);
    if (cases[_i].want == NULL)
        ck_assert_msg(got == NULL, "%s: got \"%s\"", cases[_i].name, got);
    else
        ck_assert_msg(got != NULL && strcmp(got, cases[_i].want) == 0,
                      "%s: got \"%s\"", cases[_i].name, got ? got : "(none)");
    ck_assert_str_eq(STR(ext), cases[_i].want_ext);
    ck_assert_int_eq(maps->error, cases[_i].want_error);
    ck_assert_msg(strcmp(STR(rec_log), cases[_i].want_log) == 0,
                  "%s: asked \"%s\"", cases[_i].name, STR(rec_log));
    maps_free(maps);
    strbuf_free(err);
    strbuf_free(ext);
}
END_TEST

START_TEST(test_no_is_local)
{
    MAIL_ADDR_FIND_OPTS opts = {"+", 0, NULL, NULL};
    STRBUF *err = strbuf_create(0);
    MAPS *maps;

    rec_register();
    maps = maps_create("test", "rec:T/user=B", 0, err);
    /* No is_local: no domain is local; no extension wanted back. */
    ck_assert_ptr_null(mail_addr_find(maps, FULL, &opts, NULL));
    ck_assert_str_eq(STR(rec_log),
                     "T:" FULL "|T:user@example.com|T:@example.com|");
    ck_assert_str_eq(mail_addr_find(maps, "user+x", &opts, NULL), "B");
    maps_free(maps);
    strbuf_free(err);
}
END_TEST

static const struct {
    const char *local;
    const char *delims;
    int owner_request_special;
    size_t want;
} split_cases[] = {
    {"user+ext", "+", 1, 4},
    {"user-ext", "+-", 1, 4},
    {"user+a-b", "+-", 1, 4},
    {"a+", "+", 1, 1},
    {"+user", "+", 1, 0},
    {"user", "+", 1, 0},
    {"", "+", 1, 0},
    {"user+ext", "", 1, 0},
    {"user+ext", NULL, 1, 0},
    {"MAILER-DAEMON", "-", 1, 0},
    {"double-bounce", "-", 0, 0},
    {"postmaster", "+", 1, 0},
    {"owner-list", "-", 1, 0},
    {"owner-list", "-", 0, 5},
    {"owner+list", "+-", 1, 5},
    {"list-request", "-", 1, 0},
    {"list-request", "-", 0, 4},
    {"-request", "-", 1, 0},
    {"list-request", "+", 1, 0},
};

START_TEST(test_split)
{
    const char *local = split_cases[_i].local;

    ck_assert_uint_eq(
        mail_addr_find_split(local, strlen(local), split_cases[_i].delims,
                             split_cases[_i].owner_request_special),
        split_cases[_i].want);
}
END_TEST

static Suite *
mail_addr_find_suite(void)
{
    Suite *s = suite_create("mail_addr_find");
    TCase *tc = tcase_create("core");

    (void) keep_regexp;
    TMPDIR_FIXTURES(tc);
    tcase_add_loop_test(tc, test_find, 0, NITEMS(cases));
    tcase_add_test(tc, test_no_is_local);
    tcase_add_loop_test(tc, test_split, 0, NITEMS(split_cases));
    suite_add_tcase(s, tc);
    return s;
}

TEST_MAIN(mail_addr_find_suite)

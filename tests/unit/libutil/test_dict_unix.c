/* test_dict_unix - Check suite for unix:passwd.byname and group.byname. */
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <string.h>

#include "dict_unix.h"
#include "test_main.h"

/* want_passwd - the line Postfix's postmap prints for a user */
static void
want_passwd(STRBUF *out, const struct passwd *pw)
{
    strbuf_sprintf(out, "%s:%s:%ld:%ld:%s:%s:%s", pw->pw_name, pw->pw_passwd,
                   (long) pw->pw_uid, (long) pw->pw_gid, pw->pw_gecos,
                   pw->pw_dir, pw->pw_shell);
}

/* want_group - the line Postfix's postmap prints for a group */
static void
want_group(STRBUF *out, const struct group *gr)
{
    char **mem;

    strbuf_sprintf(out, "%s:%s:%ld:", gr->gr_name, gr->gr_passwd,
                   (long) gr->gr_gid);
    for (mem = gr->gr_mem; *mem; mem++)
        strbuf_sprintf_cat(out, "%s%s", mem == gr->gr_mem ? "" : ",", *mem);
}

START_TEST(test_passwd)
{
    STRBUF *err = strbuf_create(0);
    STRBUF *want = strbuf_create(0);
    DICT *d = dict_unix_open("passwd.byname", O_RDONLY, 0, err);
    struct passwd *pw;

    ck_assert_ptr_nonnull(d);
    ck_assert_int_ne(d->flags & DICT_FLAG_FIXED, 0);
    /* Every user of this host, as postmap -q prints it. */
    setpwent();
    while ((pw = getpwent()) != NULL) {
        want_passwd(want, pw);
        ck_assert_str_eq(dict_get(d, pw->pw_name), STR(want));
    }
    endpwent();
    want_passwd(want, getpwnam("root"));
    ck_assert_str_eq(dict_get(d, "root"), STR(want));
    ck_assert_ptr_null(dict_get(d, "ROOT"));
    ck_assert_int_eq(d->error, DICT_ERR_NONE);
    ck_assert_ptr_null(dict_get(d, "no-such-user-here"));
    ck_assert_int_eq(d->error, DICT_ERR_NONE);
    ck_assert_ptr_null(dict_get(d, ""));
    dict_close(d);
    strbuf_free(err);
    strbuf_free(want);
}
END_TEST

START_TEST(test_group)
{
    STRBUF *err = strbuf_create(0);
    STRBUF *want = strbuf_create(0);
    DICT *d = dict_open("unix:group.byname", O_RDONLY, DICT_FLAG_FOLD_FIX, err);
    struct group *gr;

    ck_assert_ptr_nonnull(d);
    setgrent();
    while ((gr = getgrent()) != NULL) {
        want_group(want, gr);
        ck_assert_str_eq(dict_get(d, gr->gr_name), STR(want));
    }
    endgrent();
    want_group(want, getgrnam("root"));
    ck_assert_str_eq(dict_get(d, "ROOT"), STR(want));
    ck_assert_ptr_null(dict_get(d, "no-such-group-here"));
    ck_assert_int_eq(d->error, DICT_ERR_NONE);
    dict_close(d);
    strbuf_free(err);
    strbuf_free(want);
}
END_TEST

START_TEST(test_fold)
{
    STRBUF *err = strbuf_create(0);
    STRBUF *want = strbuf_create(0);
    DICT *d =
        dict_open("unix:passwd.byname", O_RDONLY, DICT_FLAG_FOLD_FIX, err);

    want_passwd(want, getpwnam("root"));
    ck_assert_str_eq(dict_get(d, "RooT"), STR(want));
    dict_close(d);
    strbuf_free(err);
    strbuf_free(want);
}
END_TEST

static const struct {
    const char *name;
    const char *table;
    int open_flags;
    const char *want_err;
} open_cases[] = {
    {"unknown", "unix:group.bygid", O_RDONLY,
     "unix:group.bygid: unknown table: use passwd.byname or group.byname"},
    {"empty", "unix:", O_RDONLY,
     "unix:: unknown table: use passwd.byname or group.byname"},
    {"writable", "unix:passwd.byname", O_RDWR,
     "unix:passwd.byname: table is read-only"},
};

START_TEST(test_open_errors)
{
    STRBUF *err = strbuf_create(0);

    ck_assert_ptr_null(
        dict_open(open_cases[_i].table, open_cases[_i].open_flags, 0, err));
    ck_assert_str_eq(STR(err), open_cases[_i].want_err);
    strbuf_free(err);
}
END_TEST

START_TEST(test_readonly)
{
    STRBUF *err = strbuf_create(0);
    DICT *d = dict_open("unix:passwd.byname", O_RDONLY, 0, err);
    const char *k, *v;

    ck_assert_int_eq(dict_put(d, "x", "y"), -1);
    ck_assert_int_eq(d->error, DICT_ERR_CONFIG);
    ck_assert_int_eq(dict_del(d, "x"), -1);
    ck_assert_int_eq(d->error, DICT_ERR_CONFIG);
    ck_assert_int_eq(dict_seq(d, DICT_SEQ_FIRST, &k, &v), -1);
    ck_assert_int_eq(d->error, DICT_ERR_CONFIG);
    dict_close(d);
    strbuf_free(err);
}
END_TEST

static Suite *
dict_unix_suite(void)
{
    Suite *s = suite_create("dict_unix");
    TCase *tc = tcase_create("core");

    tcase_add_test(tc, test_passwd);
    tcase_add_test(tc, test_group);
    tcase_add_test(tc, test_fold);
    tcase_add_loop_test(tc, test_open_errors, 0, NITEMS(open_cases));
    tcase_add_test(tc, test_readonly);
    suite_add_tcase(s, tc);
    return s;
}

TEST_MAIN(dict_unix_suite)

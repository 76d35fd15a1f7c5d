/* test_maps - Check suite for maps: table lists searched in order. */
#include <fcntl.h>
#include <string.h>

#include "dict_regexp.h"
#include "test_tmpdir.h"
#include "argv.h"
#include "mail_conf.h"
#include "maps.h"
#include "mymalloc.h"
#include "test_main.h"
#include "test_rec_dict.h"

/* Links the regexp: driver, which dict_builtin names only weakly. */
static DICT_OPEN_FN volatile keep_regexp = dict_regexp_open;

/* write_regexp - the regexp: table t.re */
static void
write_regexp(const char *text)
{
    FILE *fp = fopen("t.re", "w");

    ck_assert_ptr_nonnull(fp);
    fputs(text, fp);
    ck_assert_int_eq(fclose(fp), 0);
}

static const struct {
    const char *name;
    const char *tables;
    const char *key;
    int flags;
    const char *want;     /* NULL: none */
    int want_error;       /* maps->error */
    const char *want_log; /* the rec: lookups */
} find_cases[] = {
    {"first table", "rec:A/x=1;s=from-a, rec:B/s=from-b;y=2", "x", 0, "1",
     DICT_ERR_NONE, "A:x|"},
    {"first answer wins", "rec:A/x=1;s=from-a rec:B/s=from-b;y=2", "s", 0,
     "from-a", DICT_ERR_NONE, "A:s|"},
    {"second table", "rec:A/x=1, rec:B/y=2", "y", 0, "2", DICT_ERR_NONE,
     "A:y|B:y|"},
    {"nowhere", "rec:A/x=1,,rec:B/y=2", "z", 0, NULL, DICT_ERR_NONE,
     "A:z|B:z|"},
    {"fixed keys folded", "rec:A/x=1", "X", 0, "1", DICT_ERR_NONE, "A:x|"},
    {"empty key", "rec:A/=1", "", 0, NULL, DICT_ERR_NONE, ""},
    {"error stops the search", "rec:A/x=1 fail:oops rec:B/y=2", "y", 0, NULL,
     DICT_ERR_RETRY, "A:y|"},
    {"answer before the error", "rec:A/x=1 fail:oops", "x", 0, "1",
     DICT_ERR_NONE, "A:x|"},
    {"pattern table", "rec:A/x=1 regexp:t.re", "User@Example", 0, "re-User",
     DICT_ERR_NONE, "A:user@example|"},
    {"pattern table skipped", "regexp:t.re rec:A/x=1", "User@Example",
     DICT_FLAG_FIXED, NULL, DICT_ERR_NONE, "A:user@example|"},
    {"fixed table skipped", "rec:A/x=1 regexp:t.re", "x", DICT_FLAG_PATTERN,
     "re-x", DICT_ERR_NONE, ""},
    {"open failure defers", "rec:A/x=1 regexp:nosuch rec:B/y=2", "y", 0, NULL,
     DICT_ERR_CONFIG, "A:y|"},
    {"open failure, fixed search", "rec:A/x=1 regexp:nosuch rec:B/y=2", "y",
     DICT_FLAG_FIXED, NULL, DICT_ERR_CONFIG, "A:y|"},
    {"braces stay one table", "static:{ a b }", "k", 0, "a b", DICT_ERR_NONE,
     ""},
    {"no tables", "", "k", 0, NULL, DICT_ERR_NONE, ""},
};

START_TEST(test_find)
{
    STRBUF *err = strbuf_create(0);
    const char *got;
    MAPS *maps;

    rec_register();
    write_regexp("/^(.*)@/i re-$1\n/^x$/ re-x\n");
    maps = maps_create("test_maps", find_cases[_i].tables, 0, err);
    ck_assert_msg(maps != NULL, "%s: %s", find_cases[_i].name, STR(err));
    got = maps_find(maps, find_cases[_i].key, find_cases[_i].flags);
    if (find_cases[_i].want == NULL)
        ck_assert_msg(got == NULL, "%s: got \"%s\"", find_cases[_i].name, got);
    else
        ck_assert_msg(got != NULL && strcmp(got, find_cases[_i].want) == 0,
                      "%s: got \"%s\"", find_cases[_i].name,
                      got ? got : "(none)");
    ck_assert_int_eq(maps->error, find_cases[_i].want_error);
    ck_assert_str_eq(STR(rec_log), find_cases[_i].want_log);
    ck_assert_ptr_null(maps_free(maps));
    strbuf_free(err);
}
END_TEST

static const struct {
    const char *tables;
    const char *want_err;
} bad_cases[] = {
    {"rec:A/x=1, {oops", "missing '}'"},
    {"rec:A/x=1 justaword",
     "test_maps: need a table as type:name, got \"justaword\""},
    {":x", "need a table as type:name, got \":x\""},
};

START_TEST(test_bad_list)
{
    STRBUF *err = strbuf_create(0);

    ck_assert_ptr_null(maps_create("test_maps", bad_cases[_i].tables, 0, err));
    ck_assert_msg(strstr(STR(err), bad_cases[_i].want_err) != NULL,
                  "got \"%s\"", STR(err));
    strbuf_free(err);
}
END_TEST

START_TEST(test_shared_and_state)
{
    STRBUF *err = strbuf_create(0);
    MAPS *a, *b;

    rec_register();
    a = maps_create("a_maps", "rec:A/x=1 fail:f", 0, err);
    b = maps_create("b_maps", "rec:A/x=1", 0, err);
    ck_assert_uint_eq(a->count, 2);
    ck_assert_str_eq(a->title, "a_maps");
    /* One handle per table, shared by both lists. */
    ck_assert_ptr_eq(a->dicts[0], b->dicts[0]);
    ck_assert_int_eq(a->dicts[0]->refcount, 2);
    ck_assert_int_ne(a->dicts[0]->flags & DICT_FLAG_FOLD_FIX, 0);
    /* The error of one search does not stick to the next. */
    ck_assert_ptr_null(maps_find(a, "y", 0));
    ck_assert_int_eq(a->error, DICT_ERR_RETRY);
    ck_assert_str_eq(maps_find(a, "x", 0), "1");
    ck_assert_int_eq(a->error, DICT_ERR_NONE);
    a = maps_free(a);
    ck_assert_int_eq(b->dicts[0]->refcount, 1);
    ck_assert_str_eq(maps_find(b, "x", 0), "1");
    maps_free(b);
    ck_assert_ptr_null(maps_free(NULL));
    strbuf_free(err);
}
END_TEST

/* load_param - main.cf with one setting */
static void
load_param(const char *setting)
{
    STRBUF *err = strbuf_create(100);
    ARGV *over = argv_alloc(2);
    FILE *fp = fopen("main.cf", "w");

    ck_assert_ptr_nonnull(fp);
    fclose(fp);
    argv_add(over, setting);
    ck_assert_msg(mail_conf_load(tmpdir_here, over, err) == 0, "%s", STR(err));
    argv_free(over);
    strbuf_free(err);
}

/* maps_param: NULL for an empty list, the tables otherwise. */
START_TEST(test_param)
{
    MAPS *maps;

    load_param("canonical_maps= , ");
    ck_assert_ptr_null(maps_param("canonical_maps", 0));
    load_param("canonical_maps=inline:{a=b}");
    maps = maps_param("canonical_maps", 0);
    ck_assert_ptr_nonnull(maps);
    ck_assert_str_eq(maps_find(maps, "a", 0), "b");
    maps_free(maps);
}
END_TEST

/* A malformed table name is fatal, not a silent failing lookup. */
START_TEST(test_param_bad)
{
    load_param("canonical_maps=nosuchtype");
    (void) maps_param("canonical_maps", 0);
}
END_TEST

static Suite *
maps_suite(void)
{
    Suite *s = suite_create("maps");
    TCase *tc = tcase_create("core");

    (void) keep_regexp;
    TMPDIR_FIXTURES(tc);
    tcase_add_loop_test(tc, test_find, 0, NITEMS(find_cases));
    tcase_add_loop_test(tc, test_bad_list, 0, NITEMS(bad_cases));
    tcase_add_test(tc, test_shared_and_state);
    tcase_add_test(tc, test_param);
    tcase_add_exit_test(tc, test_param_bad, 1);
    suite_add_tcase(s, tc);
    return s;
}

TEST_MAIN(maps_suite)

/*
 * test_dict_rules - Check suite for the rule-file engine: delimiters, $n
 * substitution, and the rule walk with a literal test driver ("lit": a
 * pattern is a word that must equal the key; "?" judges no key, like a
 * cidr: rule of the other family; result "FAIL" fails the lookup).
 */
#include <fcntl.h>
#include <string.h>

#include "dict_rules.h"
#include "mymalloc.h"
#include "test_dict_ref.h"
#include "test_main.h"
#include "test_tmpdir.h"

static const struct {
    const char *text;
    const char *want_pattern; /* NULL: error */
    const char *want_rest;    /* or the error */
} delim_cases[] = {
    {"/abc/i x", "abc", "i x"},
    {"|a/b| x", "a/b", " x"},
    {"/a\\/b/", "a\\/b", ""},
    {"/a\\\\/ x", "a\\\\", " x"},
    {"//", "", ""},
    {"/abc", NULL, "no closing pattern delimiter \"/\""},
    {"/abc\\", NULL, "no closing pattern delimiter"},
    {"abc", NULL, "expected a pattern between delimiters"},
    {"\\a\\", NULL, "expected a pattern between delimiters"},
    {"", NULL, "expected a pattern between delimiters"},
};

START_TEST(test_delimited)
{
    STRBUF *pattern = strbuf_create(0);
    STRBUF *err = strbuf_create(0);
    const char *rest = dict_rules_delimited(delim_cases[_i].text, pattern, err);

    if (delim_cases[_i].want_pattern == NULL) {
        ck_assert_ptr_null(rest);
        ck_assert_ptr_nonnull(strstr(STR(err), delim_cases[_i].want_rest));
    } else {
        ck_assert_ptr_nonnull(rest);
        ck_assert_str_eq(STR(pattern), delim_cases[_i].want_pattern);
        ck_assert_str_eq(rest, delim_cases[_i].want_rest);
    }
    strbuf_free(pattern);
    strbuf_free(err);
}
END_TEST

/* Key "abcd", groups: $1 = "b", $2 = unset, $3 = "cd"; $0 is "abcd". */
static const DICT_RULES_SPAN spans[] = {
    {0, 4}, {1, 2}, {DICT_RULES_UNSET, DICT_RULES_UNSET}, {2, 4}};

static const struct {
    const char *result;
    int negate;
    const char *want; /* expansion, or the check error */
    int ok;
} subst_cases[] = {
    {"plain", 0, "plain", 1},
    {"$1-${3}-$(1)-[$2]", 0, "b-cd-b-[]", 1},
    {"$$1 $$", 0, "$1 $", 1},
    {"$003", 0, "cd", 1},
    {"x$$", 1, "x$", 1},
    {"$1", 1, "$number in the result of a negated pattern", 0},
    {"$4", 0, "\"$4\" is out of range: the pattern has 3 subexpressions", 0},
    {"${0}", 0, "\"${0}\" is out of range", 0},
    {"$(1}", 0, "missing ')' after \"$(1}\"", 0},
    {"${1)", 0, "missing '}' after \"${1)\"", 0},
    {"${a}", 0, "bad $ reference \"${a}\"", 0},
    {"${-1}", 0, "bad $ reference \"${-1}\"", 0},
    {"$1_", 0, "bad $ reference \"$1_\"", 0},
    {"$.", 0, "bad $ reference \"$\"", 0},
};

START_TEST(test_subst)
{
    STRBUF *out = strbuf_create(0);
    int rc = dict_rules_subst_check(subst_cases[_i].result, 3,
                                    subst_cases[_i].negate, 0, out);

    if (!subst_cases[_i].ok) {
        ck_assert_int_eq(rc, -1);
        ck_assert_msg(strstr(STR(out), subst_cases[_i].want) != NULL,
                      "%s: got \"%s\"", subst_cases[_i].result, STR(out));
    } else {
        ck_assert_int_eq(rc, 0);
        ck_assert_int_eq(dict_rules_subst(out, subst_cases[_i].result, "abcd",
                                          spans, NITEMS(spans)),
                         0);
        ck_assert_str_eq(STR(out), subst_cases[_i].want);
    }
    strbuf_free(out);
}
END_TEST

START_TEST(test_subst_limits)
{
    STRBUF *out = strbuf_create(0);

    ck_assert_int_eq(dict_rules_subst_check("$1", 3, 0, 1, out), -1);
    ck_assert_str_eq(STR(out), "$number substitution is not allowed in this "
                               "table");
    /* Groups past the spans given expand to nothing. */
    ck_assert_int_eq(dict_rules_subst(out, "<$3>", "abcd", spans, 2), 0);
    ck_assert_str_eq(STR(out), "<>");
    strbuf_set_limit(out, 5);
    ck_assert_int_eq(dict_rules_subst(out, "$3$3$3", "abcd", spans, 4), -1);
    strbuf_free(out);
}
END_TEST

START_TEST(test_subst_unchecked_panics)
{
    STRBUF *out = strbuf_create(0);

    (void) dict_rules_subst(out, "$x", "abcd", spans, 4);
}
END_TEST

/* The literal test driver. */
static void *
lit_compile(DICT_RULES *dr, const char *text, size_t *used, STRBUF *err)
{
    (void) dr;
    *used = strcspn(text, " \t");
    if (strncmp(text, "BAD", 3) == 0) {
        strbuf_sprintf(err, "bad literal");
        return NULL;
    }
    return mystrndup(text, *used);
}

static int
lit_match(DICT_RULES *dr, void *pattern, const char *key)
{
    (void) dr;
    if (strcmp(pattern, "?") == 0)
        return -1;
    return strcmp(pattern, key) == 0;
}

static const char *
lit_result(DICT_RULES *dr, const DICT_RULE *rule, const char *key)
{
    (void) key;
    if (strcmp(rule->result, "FAIL") == 0) {
        dr->dict.error = DICT_ERR_RETRY;
        return NULL;
    }
    return rule->result;
}

static const DICT_RULES_OPS lit_ops = {
    lit_compile, NULL, lit_match, lit_result, myfree, NULL,
};

/* A table in the rules test language, and its answers. */
static const char lit_table[] = "a first\n"
                                "a second\n"
                                "if c\n"
                                "IF ! d\n"
                                "c c-in-block\n"
                                "endif\n"
                                "endif\n"
                                "? unknown\n"
                                "! ? unknown-negated\n"
                                "if ?\n"
                                "b never\n"
                                "endif\n"
                                "if !?\n"
                                "b never\n"
                                "ENDIF\n"
                                "e FAIL\n"
                                "!b not-b\n"
                                "  continued\n"
                                "b b-last\n";

static const struct {
    const char *key;
    const char *want; /* NULL: DICT_ERR_RETRY */
} walk_cases[] = {
    {"a", "first"},  {"c", "c-in-block"},
    {"b", "b-last"}, {"x", "not-b  continued"},
    {"e", NULL},
};

START_TEST(test_walk)
{
    STRBUF *err = strbuf_create(0);
    const char *got;
    DICT *d;

    dict_test_write("t.table", lit_table, sizeof(lit_table) - 1);
    d = dict_rules_open("lit", "t.table", sizeof(DICT_RULES), &lit_ops,
                        O_RDONLY, 0, err);
    ck_assert_msg(d != NULL, "%s", STR(err));
    ck_assert_uint_eq(((DICT_RULES *) d)->count, 18);
    got = dict_get(d, walk_cases[_i].key);
    if (walk_cases[_i].want == NULL) {
        ck_assert_ptr_null(got);
        ck_assert_int_eq(d->error, DICT_ERR_RETRY);
    } else {
        ck_assert_int_eq(d->error, DICT_ERR_NONE);
        ck_assert_msg(got != NULL && strcmp(got, walk_cases[_i].want) == 0,
                      "%s: got \"%s\"", walk_cases[_i].key,
                      got ? got : "(none)");
    }
    dict_close(d);
    strbuf_free(err);
}
END_TEST

START_TEST(test_walk_edges)
{
    static const char text[] = "if x\nc c-in-x\nendif\nf FAIL\n";
    STRBUF *err = strbuf_create(0);
    DICT *d;

    dict_test_write("t.table", text, sizeof(text) - 1);
    d = dict_rules_open("lit", "t.table", sizeof(DICT_RULES), &lit_ops,
                        O_RDONLY, DICT_FLAG_FOLD_MUL, err);
    ck_assert_ptr_nonnull(d);
    ck_assert_int_eq(d->flags, DICT_FLAG_FOLD_MUL | DICT_FLAG_PATTERN);
    ck_assert_ptr_null(dict_get(d, "c"));
    ck_assert_int_eq(d->error, DICT_ERR_NONE);
    ck_assert_ptr_null(dict_get(d, "F"));
    ck_assert_int_eq(d->error, DICT_ERR_RETRY);
    dict_close(d);
    ck_assert_ptr_null(dict_rules_open("lit", "t.table", sizeof(DICT_RULES),
                                       &lit_ops, O_WRONLY, 0, err));
    ck_assert_str_eq(STR(err), "lit:t.table: table is read-only");
    strbuf_free(err);
}
END_TEST

START_TEST(test_compile_error)
{
    static const char text[] = "a x\nif a\nBAD x\nendif\n";
    STRBUF *err = strbuf_create(0);

    /* The rules parsed so far are released (checked by the sanitizers). */
    dict_test_write("t.table", text, sizeof(text) - 1);
    ck_assert_ptr_null(dict_rules_open("lit", "t.table", sizeof(DICT_RULES),
                                       &lit_ops, O_RDONLY, 0, err));
    ck_assert_str_eq(STR(err), "lit:t.table, line 3: bad literal");
    strbuf_free(err);
}
END_TEST

START_TEST(test_read_error)
{
    STRBUF *err = strbuf_create(0);

    /* A directory opens, then fails to read. */
    ck_assert_int_eq(mkdir("dir", 0700), 0);
    ck_assert_ptr_null(dict_rules_open("lit", "dir", sizeof(DICT_RULES),
                                       &lit_ops, O_RDONLY, 0, err));
    ck_assert_str_eq(STR(err), "lit:dir, line 1: read error: Is a directory");
    strbuf_free(err);
}
END_TEST

static Suite *
dict_rules_suite(void)
{
    Suite *s = suite_create("dict_rules");
    TCase *pure = tcase_create("pure");
    TCase *files = tcase_create("files");

    tcase_add_loop_test(pure, test_delimited, 0, NITEMS(delim_cases));
    tcase_add_loop_test(pure, test_subst, 0, NITEMS(subst_cases));
    tcase_add_test(pure, test_subst_limits);
    tcase_add_test_raise_signal(pure, test_subst_unchecked_panics, SIGABRT);
    suite_add_tcase(s, pure);
    TMPDIR_FIXTURES(files);
    tcase_add_loop_test(files, test_walk, 0, NITEMS(walk_cases));
    tcase_add_test(files, test_walk_edges);
    tcase_add_test(files, test_compile_error);
    tcase_add_test(files, test_read_error);
    suite_add_tcase(s, files);
    return s;
}

TEST_MAIN(dict_rules_suite)

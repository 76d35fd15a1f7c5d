/* test_dict_cidr - Check suite for cidr: tables. */
#include <fcntl.h>
#include <string.h>

#include "dict_cidr.h"
#include "mymalloc.h"
#include "test_dict_ref.h"
#include "test_main.h"
#include "test_tmpdir.h"

/* Malformed tables: each must fail to open with this text in the error. */
static const struct {
    const char *name;
    const char *text;
    const char *want;
} bad_cases[] = {
    {"short v4", "1.2.3 x\n", "line 1: bad address pattern \"1.2.3\""},
    {"octal v4", "010.0.0.1 x\n", "bad address pattern \"010.0.0.1\""},
    {"name", "localhost x\n", "bad address pattern \"localhost\""},
    {"zone", "fe80::1%eth0 x\n", "bad address pattern \"fe80::1%eth0\""},
    {"bad v6", "2001:db8:::1 x\n", "bad address pattern"},
    {"prefix 33", "1.2.3.4/33 x\n",
     "line 1: bad prefix length in \"1.2.3.4/33\""},
    {"prefix 129", "2001:db8::/129 x\n", "bad prefix length"},
    {"empty prefix", "1.2.3.0/ x\n", "bad prefix length in \"1.2.3.0/\""},
    {"negative prefix", "1.2.3.0/-1 x\n", "bad prefix length"},
    {"prefix junk", "1.2.3.0/24x x\n", "bad prefix length"},
    {"host bits v4", "10.1.2.3/8 x\n",
     "line 1: non-zero host bits in \"10.1.2.3/8\": perhaps you meant "
     "\"10.0.0.0/8\""},
    {"host bits /0", "2.2.2.2/0 x\n", "perhaps you meant \"0.0.0.0/0\""},
    {"host bits v6", "2001:db8::1/32 x\n",
     "non-zero host bits in \"2001:db8::1/32\": perhaps you meant "
     "\"2001:db8::/32\""},
    {"host bits odd", "192.168.1.128/24 x\n", "\"192.168.1.0/24\""},
    {"missing bracket", "[1.2.3.4 x\n", "line 1: missing ']' in \"[1.2.3.4\""},
    {"stray bracket", "1.2.3.4] x\n", "bad address pattern \"1.2.3.4]\""},
    {"junk after bracket", "[1.2.3.4]x y\n", "bad address pattern"},
    {"missing result", "1.2.3.4\n", "line 1: missing result"},
    {"endif without if", "1.2.3.4 x\nENDIF\n",
     "line 2: endif without matching if"},
    {"if without endif", "if 1.2.3.0/24\n1.2.3.4 x\n",
     "line 1: if without matching endif"},
    {"text after if", "if 12.0.0.0/8 junk\nendif\n",
     "line 1: text after if pattern"},
    {"if alone", "if\nendif\n", "line 1: missing pattern"},
    {"endif2", "endif2 x\n", "bad address pattern \"endif2\""},
    {"white first", " 1.2.3.4 x\n", "must not start with white space"},
};

START_TEST(test_bad)
{
    char *err = dict_test_open_err("cidr", bad_cases[_i].text, 0);

    ck_assert_msg(strncmp(err, "cidr:t.table, line ", 19) == 0 &&
                      strstr(err, bad_cases[_i].want) != NULL,
                  "%s: got \"%s\"", bad_cases[_i].name, err);
    myfree(err);
}
END_TEST

/* Lookups beyond the reference file; Postfix 3.7's postmap -q agrees. */
static const struct {
    const char *name;
    const char *text;
    const char *key;
    const char *want; /* NULL: not found */
} lookup_cases[] = {
    {"if without space", "if!10.0.0.0/8\n1.1.1.1 a\nendif\n", "1.1.1.1", "a"},
    {"space after !", "! 2.2.2.2 b\n", "4.4.4.4", "b"},
    {"negation skips v6", "!10.0.0.0/8 v4\n::/0 v6\n", "::1", "v6"},
    {"negated if skips v6", "if !10.0.0.0/8\n::/0 in\nendif\n::/0 out\n", "::1",
     "out"},
    {"negation skips non-address", "!10.0.0.0/8 x\n", "foo", NULL},
    {"dollar is literal", "9.9.9.9/32\td  $1 x\n", "9.9.9.9", "d  $1 x"},
    {"bracketed /32", "[1.2.3.4]/32 b\n", "1.2.3.4", "b"},
    {"v4 key, v6 rule", "::ffff:1.2.3.4 x\n", "1.2.3.4", NULL},
    {"prefix /1", "128.0.0.0/1 hi\n", "200.1.1.1", "hi"},
    {"prefix /127", "2001:db8::/127 pair\n", "2001:db8::1", "pair"},
    {"prefix /127 outside", "2001:db8::/127 pair\n", "2001:db8::2", NULL},
    {"empty key", "0.0.0.0/0 any\n", "", NULL},
};

START_TEST(test_lookup)
{
    STRBUF *err = strbuf_create(0);
    const char *got;
    DICT *d;

    dict_test_write("t.table", lookup_cases[_i].text,
                    strlen(lookup_cases[_i].text));
    d = dict_open("cidr:t.table", O_RDONLY, 0, err);
    ck_assert_msg(d != NULL, "%s: %s", lookup_cases[_i].name, STR(err));
    got = dict_get(d, lookup_cases[_i].key);
    ck_assert_int_eq(d->error, DICT_ERR_NONE);
    if (lookup_cases[_i].want == NULL)
        ck_assert_msg(got == NULL, "%s: got \"%s\"", lookup_cases[_i].name,
                      got);
    else
        ck_assert_msg(got != NULL && strcmp(got, lookup_cases[_i].want) == 0,
                      "%s: got \"%s\"", lookup_cases[_i].name,
                      got ? got : "(none)");
    dict_close(d);
    strbuf_free(err);
}
END_TEST

START_TEST(test_key_cache)
{
    static const char text[] = "10.0.0.0/8 ten\n::/0 six\n";
    STRBUF *err = strbuf_create(0);
    DICT *d;

    dict_test_write("t.table", text, sizeof(text) - 1);
    d = dict_cidr_open("t.table", O_RDONLY, 0, err);
    ck_assert_ptr_nonnull(d);
    ck_assert_int_ne(d->flags & DICT_FLAG_PATTERN, 0);
    ck_assert_str_eq(dict_get(d, "10.1.1.1"), "ten");
    ck_assert_str_eq(dict_get(d, "10.1.1.1"), "ten");
    ck_assert_str_eq(dict_get(d, "::2"), "six");
    ck_assert_ptr_null(dict_get(d, "11.1.1.1"));
    ck_assert_str_eq(dict_get(d, "10.2.2.2"), "ten");
    ck_assert_int_eq(dict_put(d, "a", "b"), -1);
    dict_close(d);
    ck_assert_ptr_null(dict_cidr_open("t.table", O_RDWR, 0, err));
    ck_assert_ptr_null(dict_cidr_open("nosuch", O_RDONLY, 0, err));
    ck_assert_str_eq(STR(err), "cidr:nosuch: open nosuch: No such file or "
                               "directory");
    strbuf_free(err);
}
END_TEST

START_TEST(test_reference)
{
    dict_ref_check("cidr", "tests/data/maps/cidr");
}
END_TEST

static Suite *
dict_cidr_suite(void)
{
    Suite *s = suite_create("dict_cidr");
    TCase *tc = tcase_create("files");
    TCase *ref = tcase_create("reference");

    TMPDIR_FIXTURES(tc);
    tcase_add_loop_test(tc, test_bad, 0, NITEMS(bad_cases));
    tcase_add_loop_test(tc, test_lookup, 0, NITEMS(lookup_cases));
    tcase_add_test(tc, test_key_cache);
    suite_add_tcase(s, tc);
    tcase_add_test(ref, test_reference);
    suite_add_tcase(s, ref);
    return s;
}

TEST_MAIN(dict_cidr_suite)

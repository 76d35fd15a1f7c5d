/* test_main_cf - Check suite for reading main.cf. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "argv.h"
#include "mac_expand.h"
#include "main_cf.h"
#include "mymalloc.h"
#include "strbuf.h"
#include "test_main.h"

#define SOURCE "/x/main.cf"

static const struct {
    const char *name;
    const char *input;
    const char *want;   /* "name=value@line;" each, or the error */
    size_t max_line;    /* 0: default */
    size_t max_entries; /* 0: default */
} parse_cases[] = {
    {"one setting", "a = b\n", "a=b@1;", 0, 0},
    {"no blanks, no newline", "a=b", "a=b@1;", 0, 0},
    {"trailing white space", "a = b  \t\n", "a=b@1;", 0, 0},
    {"blanks around =", "a\t=\t b", "a=b@1;", 0, 0},
    {"comments and blank lines", "# c\n\n   \n  # indented\na = 1\n", "a=1@5;",
     0, 0},
    {"continuation lines", "a = x,\n    y,\n\ty\n", "a=x, y, y@1;", 0, 0},
    {"comment inside continuation", "a = x,\n# gone\n    y\nb = 2\n",
     "a=x, y@1;b=2@4;", 0, 0},
    {"blank line inside continuation", "a = x,\n\n    y\n", "a=x, y@1;", 0, 0},
    {"value on the next line", "a =\n    y\n", "a=y@1;", 0, 0},
    {"empty value", "a =\n", "a=@1;", 0, 0},
    {"last definition wins", "a = 1\nb = 2\na = 3\n", "a=3@3;b=2@2;", 0, 0},
    {"# inside a value", "a = b # not a comment", "a=b # not a comment@1;", 0,
     0},
    {"= inside a value", "a = b=c", "a=b=c@1;", 0, 0},
    {"CRLF", "a = b\r\nc = d\r\n", "a=b@1;c=d@2;", 0, 0},
    {"$ kept unexpanded", "a = $b ${c?{d}}", "a=$b ${c?{d}}@1;", 0, 0},
    {"names with - and _", "smtp-amavis_x = 2\nX_9 = 1",
     "smtp-amavis_x=2@1;X_9=1@2;", 0, 0},
    {"empty file", "", "", 0, 0},
    {"only comments", "# a = 1\n", "", 0, 0},
    {"missing =", "a = 1\n\n\nfoo bar\n",
     SOURCE ", line 4: missing '=' after parameter name", 0, 0},
    {"bad name", "a b = c", SOURCE ", line 1: bad parameter name \"a b\"", 0,
     0},
    {"bad name -", "-a = c", SOURCE ", line 1: bad parameter name \"-a\"", 0,
     0},
    {"bad name $", "$a = c", SOURCE ", line 1: bad parameter name \"$a\"", 0,
     0},
    {"= on a continuation line", "a = 1\n = c", "a=1 = c@1;", 0, 0},
    {"only =", "= c", SOURCE ", line 1: missing parameter name before '='", 0,
     0},
    {"starts with white space", "  a = b",
     SOURCE ", line 1: line starts with white space, but there is no "
            "logical line to continue",
     0, 0},
    {"error line is the logical line's first", "a = 1,\n  2\nb\n  c\n",
     SOURCE ", line 3: missing '=' after parameter name", 0, 0},
    {"line too long", "a = 123456789\n",
     SOURCE ", line 1: logical line longer than 10 bytes", 10, 0},
    {"continuation too long", "a = 1234\n  56789\n",
     SOURCE ", line 1: logical line longer than 10 bytes", 10, 0},
    {"line at the limit", "a = 123456", "a=123456@1;", 10, 0},
    {"too many parameters", "a=1\nb=2\nc=3",
     SOURCE ", line 3: too many parameters (limit 2)", 0, 2},
    {"redefinition is no new entry", "a=1\nb=2\na=3", "a=3@3;b=2@2;", 0, 2},
};

/* dump - the table as "name=value@line;" in order of first definition */
static char *
dump(const MAIN_CF *cf)
{
    STRBUF *out = strbuf_create(0);
    const MAIN_CF_ENTRY *ent;
    size_t i;

    for (i = 0; i < cf->names->argc; i++) {
        ent = main_cf_find(cf, cf->names->argv[i]);
        strbuf_sprintf_cat(out, "%s=%s@%d;", ent->name, ent->value, ent->line);
    }
    return strbuf_export(out);
}

START_TEST(test_parse)
{
    MAIN_CF *cf = main_cf_create();
    STRBUF *err = strbuf_create(0);
    const char *input = parse_cases[_i].input;
    char *got;
    int ret;

    if (parse_cases[_i].max_line)
        cf->max_line = parse_cases[_i].max_line;
    if (parse_cases[_i].max_entries)
        cf->max_entries = parse_cases[_i].max_entries;
    ret = main_cf_parse(cf, SOURCE, input, strlen(input), err);
    got = ret == 0 ? dump(cf) : mystrdup(STR(err));
    ck_assert_msg(strcmp(got, parse_cases[_i].want) == 0, "%s: got %s",
                  parse_cases[_i].name, got);
    ck_assert_int_eq(ret, strncmp(got, SOURCE, strlen(SOURCE)) == 0 ? -1 : 0);
    myfree(got);
    strbuf_free(err);
    main_cf_free(cf);
}
END_TEST

START_TEST(test_nul_byte)
{
    MAIN_CF *cf = main_cf_create();
    STRBUF *err = strbuf_create(0);
    static const char text[] = "a = 1\nb = x\0y\n";

    ck_assert_int_eq(main_cf_parse(cf, SOURCE, text, sizeof(text) - 1, err),
                     -1);
    ck_assert_str_eq(STR(err), SOURCE ", line 2: NUL byte in line");
    strbuf_free(err);
    main_cf_free(cf);
}
END_TEST

static const struct {
    const char *name;
    const char *input; /* settings separated by '|' */
    const char *want;  /* dump, or the error */
} override_cases[] = {
    {"replaces", "a=over", "a=over@0;b=2@2;"},
    {"adds", "c=new", "a=1@1;b=2@2;c=new@0;"},
    {"in order", "a=x|a=y", "a=y@0;b=2@2;"},
    {"blanks trimmed", " c = some value ", "a=1@1;b=2@2;c=some value@0;"},
    {"empty value", "a=", "a=@0;b=2@2;"},
    {"bad name", "a b=c", "-o \"a b=c\": bad parameter name \"a b\""},
    {"missing =", "novalue",
     "-o \"novalue\": missing '=' after parameter "
     "name"},
};

START_TEST(test_override)
{
    MAIN_CF *cf = main_cf_create();
    STRBUF *err = strbuf_create(0);
    ARGV *settings = argv_split(override_cases[_i].input, "|");
    const char *text = "a = 1\nb = 2\n";
    const MAIN_CF_ENTRY *ent;
    char *got;
    int ret;

    ck_assert_int_eq(main_cf_parse(cf, SOURCE, text, strlen(text), err), 0);
    ret = main_cf_overrides(cf, settings, err);
    got = ret == 0 ? dump(cf) : mystrdup(STR(err));
    ck_assert_msg(strcmp(got, override_cases[_i].want) == 0, "%s: got %s",
                  override_cases[_i].name, got);
    if (ret == 0 && (ent = main_cf_find(cf, "b")) != NULL)
        ck_assert_str_eq(ent->source, SOURCE);
    if (ret == 0 && (ent = main_cf_find(cf, "a"))->line == 0)
        ck_assert_str_eq(ent->source, MAIN_CF_SOURCE_OVERRIDE);
    myfree(got);
    argv_free(settings);
    strbuf_free(err);
    main_cf_free(cf);
}
END_TEST

START_TEST(test_set)
{
    MAIN_CF *cf = main_cf_create();
    STRBUF *err = strbuf_create(0);

    ck_assert_int_eq(main_cf_set(cf, "a", "1", "here", 3, err), 0);
    ck_assert_int_eq(main_cf_set(cf, "a b", "1", "here", 4, err), -1);
    ck_assert_str_eq(STR(err), "here, line 4: bad parameter name \"a b\"");
    ck_assert_int_eq(main_cf_set(cf, "", "1", "elsewhere", 0, err), -1);
    ck_assert_str_eq(STR(err), "elsewhere: bad parameter name \"\"");
    ck_assert_ptr_null(main_cf_find(cf, "b"));
    ck_assert_ptr_null(main_cf_lookup("b", cf));
    ck_assert_str_eq(main_cf_lookup("a", cf), "1");
    strbuf_free(err);
    main_cf_free(cf);
    ck_assert_ptr_null(main_cf_free(NULL));
}
END_TEST

static const struct {
    const char *name;
    const char *input; /* main.cf */
    const char *want;  /* expansion of $a, or the error */
} expand_cases[] = {
    {"chain", "a = $b\nb = ${c}x\nc = y", "yx"},
    {"override seen", "a = $b\nb = 1", "over"},
    {"loop", "a = $b\nb = $a\n",
     "parameter a: recursion loop or depth limit 100 exceeded (a -> b -> a)"},
    {"error in another parameter", "a = $b\nb = ${c",
     "parameter b: unbalanced '{' in \"${c\""},
};

START_TEST(test_expand)
{
    MAIN_CF *cf = main_cf_create();
    STRBUF *err = strbuf_create(0);
    STRBUF *out = strbuf_create(0);
    const char *input = expand_cases[_i].input;

    ck_assert_int_eq(main_cf_parse(cf, SOURCE, input, strlen(input), err), 0);
    if (strstr(expand_cases[_i].name, "override") != NULL)
        ck_assert_int_eq(main_cf_override(cf, "b=over", err), 0);
    if (mac_expand(out, "$a", main_cf_lookup, NULL, cf, 0, err) < 0)
        strbuf_strcpy(out, STR(err));
    ck_assert_msg(strcmp(STR(out), expand_cases[_i].want) == 0, "%s: got %s",
                  expand_cases[_i].name, STR(out));
    strbuf_free(out);
    strbuf_free(err);
    main_cf_free(cf);
}
END_TEST

/* write_file - create path with the given text */
static void
write_file(const char *path, const char *text)
{
    FILE *fp = fopen(path, "w");

    ck_assert_ptr_nonnull(fp);
    ck_assert_int_eq(fputs(text, fp) >= 0, 1);
    ck_assert_int_eq(fclose(fp), 0);
}

START_TEST(test_read)
{
    char dir[] = "/tmp/test_main_cf.XXXXXX";
    MAIN_CF *cf = main_cf_create();
    STRBUF *err = strbuf_create(0);
    STRBUF *path = strbuf_create(0);
    STRBUF *want = strbuf_create(0);
    const MAIN_CF_ENTRY *ent;

    ck_assert_ptr_nonnull(mkdtemp(dir));
    strbuf_sprintf(path, "%s/main.cf", dir);
    write_file(STR(path), "# test\nmyhostname = mx\nmydestination =\n"
                          "    $myhostname,\n    localhost\n");
    ck_assert_int_eq(main_cf_read(cf, STR(path), err), 0);
    ent = main_cf_find(cf, "mydestination");
    ck_assert_str_eq(ent->value, "$myhostname, localhost");
    ck_assert_str_eq(ent->source, STR(path));
    ck_assert_int_eq(ent->line, 3);
    write_file(STR(path), "a = 1\nbroken\n");
    ck_assert_int_eq(main_cf_read(cf, STR(path), err), -1);
    strbuf_sprintf(want, "%s, line 2: missing '=' after parameter name",
                   STR(path));
    ck_assert_str_eq(STR(err), STR(want));
    ck_assert_int_eq(unlink(STR(path)), 0);
    ck_assert_int_eq(main_cf_read(cf, STR(path), err), -1);
    strbuf_sprintf(want, "open %s: No such file or directory", STR(path));
    ck_assert_str_eq(STR(err), STR(want));
    ck_assert_int_eq(main_cf_read(cf, dir, err), -1);
    strbuf_sprintf(want, "%s: not a regular file", dir);
    ck_assert_str_eq(STR(err), STR(want));
    ck_assert_int_eq(rmdir(dir), 0);
    strbuf_free(err);
    strbuf_free(path);
    strbuf_free(want);
    main_cf_free(cf);
}
END_TEST

static const struct {
    const char *name;
    const char *input;
    int want;
} name_cases[] = {
    {"plain", "myhostname", 1}, {"digits", "x509", 1},
    {"dash", "smtp-amavis", 1}, {"leading underscore", "_x", 1},
    {"empty", "", 0},           {"leading dash", "-x", 0},
    {"blank", "a b", 0},        {"dollar", "$a", 0},
    {"dot", "a.b", 0},          {"colon", "a:b", 0},
};

START_TEST(test_name)
{
    const char *name = name_cases[_i].input;

    ck_assert_msg(main_cf_name_ok(name, strlen(name)) == name_cases[_i].want,
                  "%s", name_cases[_i].name);
}
END_TEST

static Suite *
main_cf_suite(void)
{
    Suite *s = suite_create("main_cf");
    TCase *tc = tcase_create("core");

    tcase_add_loop_test(tc, test_parse, 0, NITEMS(parse_cases));
    tcase_add_loop_test(tc, test_override, 0, NITEMS(override_cases));
    tcase_add_loop_test(tc, test_expand, 0, NITEMS(expand_cases));
    tcase_add_loop_test(tc, test_name, 0, NITEMS(name_cases));
    tcase_add_test(tc, test_nul_byte);
    tcase_add_test(tc, test_set);
    tcase_add_test(tc, test_read);
    suite_add_tcase(s, tc);
    return s;
}

TEST_MAIN(main_cf_suite)

#ifndef TEST_DICT_REF_H
#define TEST_DICT_REF_H

/*
 * test_dict_ref - helpers shared by the rule-table suites (regexp, pcre,
 * cidr).
 *
 * dict_ref_check("regexp", "tests/data/maps/regexp") opens
 * type:PREFIX.src as postmap does (DICT_FLAG_FOLD_FIX) and asserts that
 * every "key<TAB>answer" line of PREFIX.ref (answer NOTFOUND: not found)
 * gets that answer; the .ref files were made by Postfix's postmap with
 * tests/data/maps/rules-ref.sh.  Paths are relative to the source tree, the
 * directory the suites run in.  dict_test_write() writes a file of len
 * bytes; dict_test_open_err() writes text to "t.table" (in the test's
 * temporary directory) and returns the open error, or "" when it opened.
 */
#include <check.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dict.h"
#include "mymalloc.h"

/* Not every suite uses every helper. */
#define DICT_TEST_HELPER static __attribute__((unused))

/* dict_ref_check - our answers must be postmap's */
DICT_TEST_HELPER void
dict_ref_check(const char *type, const char *prefix)
{
    STRBUF *err = strbuf_create(0);
    STRBUF *table = strbuf_create(0);
    STRBUF *ref = strbuf_create(0);
    char *line = NULL, *tab;
    size_t size = 0;
    int count = 0;
    const char *got;
    ssize_t len;
    FILE *fp;
    DICT *d;

    strbuf_sprintf(table, "%s:%s.src", type, prefix);
    strbuf_sprintf(ref, "%s.ref", prefix);
    d = dict_open(STR(table), O_RDONLY, DICT_FLAG_FOLD_FIX, err);
    ck_assert_msg(d != NULL, "%s: %s", STR(table), STR(err));
    ck_assert_msg((fp = fopen(STR(ref), "r")) != NULL, "open %s", STR(ref));
    while ((len = getline(&line, &size, fp)) > 0) {
        if (line[len - 1] == '\n')
            line[len - 1] = 0;
        ck_assert_msg((tab = strchr(line, '\t')) != NULL, "bad line %s", line);
        *tab++ = 0;
        got = dict_get(d, line);
        ck_assert_int_eq(d->error, DICT_ERR_NONE);
        if (strcmp(tab, "NOTFOUND") == 0)
            ck_assert_msg(got == NULL, "key \"%s\": got \"%s\", want none",
                          line, got);
        else
            ck_assert_msg(got != NULL && strcmp(got, tab) == 0,
                          "key \"%s\": got \"%s\", want \"%s\"", line,
                          got ? got : "(none)", tab);
        count++;
    }
    ck_assert_int_gt(count, 10);
    free(line);
    fclose(fp);
    dict_close(d);
    strbuf_free(err);
    strbuf_free(table);
    strbuf_free(ref);
}

/* dict_test_write - a file of len bytes */
DICT_TEST_HELPER void
dict_test_write(const char *path, const char *text, size_t len)
{
    FILE *fp = fopen(path, "w");

    ck_assert_ptr_nonnull(fp);
    ck_assert_int_eq(fwrite(text, 1, len, fp), len);
    ck_assert_int_eq(fclose(fp), 0);
}

/* dict_test_open_err - the open error of type:t.table holding text */
DICT_TEST_HELPER char *
dict_test_open_err(const char *type, const char *text, int dict_flags)
{
    STRBUF *err = strbuf_create(0);
    STRBUF *table = strbuf_create(0);
    DICT *d;

    dict_test_write("t.table", text, strlen(text));
    strbuf_sprintf(table, "%s:t.table", type);
    if ((d = dict_open(STR(table), O_RDONLY, dict_flags, err)) != NULL) {
        dict_close(d);
        strbuf_reset(err);
    }
    strbuf_free(table);
    return strbuf_export(err);
}

#endif

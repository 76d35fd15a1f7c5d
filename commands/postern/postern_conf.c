/*
 * postern_conf - `postern conf`: print or edit the configuration, like
 * Postfix's postconf.
 *
 *   postern conf [-c DIR] [-d | -n] [-h] [-x] [NAME ...]
 *   postern conf [-c DIR] -e NAME=VALUE ...   edit main.cf in place
 *   postern conf [-c DIR] -X NAME ...         remove from main.cf
 *   postern conf [-c DIR] -M [SERVICE[/TYPE] ...]  print master.cf
 *   postern conf -m                           list lookup table types
 *   postern conf -T                           the parameter table (TSV)
 *
 * Without NAME: every supported parameter (-n: those main.cf sets).  -d
 * prints defaults, -h values only, -x expanded values.  Problems with
 * main.cf (bad values, unknown parameters, Postfix parameters Postern does
 * not implement yet) are reported on stderr.  Exit status: 0, or 1 when a
 * named parameter is unknown, a value is bad or an edit failed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dict.h"
#include "mail_conf.h"
#include "mail_params.h"
#include "main_cf_edit.h"
#include "master_cf.h"
#include "msg.h"
#include "mymalloc.h"
#include "postern.h"
#include "stringops.h"

#define CONF_DEFAULTS (1 << 0) /* -d */
#define CONF_NONDEF   (1 << 1) /* -n */
#define CONF_VALUES   (1 << 2) /* -h */
#define CONF_EXPAND   (1 << 3) /* -x */

/* conf_usage - how to call it */
static int
conf_usage(FILE *fp, int status)
{
    fprintf(fp, "usage: postern conf [-c DIR] [-d|-n] [-h] [-x] [NAME ...]\n"
                "       postern conf [-c DIR] -e NAME=VALUE ...\n"
                "       postern conf [-c DIR] -X NAME ...\n"
                "       postern conf [-c DIR] -M [SERVICE[/TYPE] ...]\n"
                "       postern conf -m | -T\n");
    return status;
}

/* print_param - one "name = value" line per the flags */
static int
print_param(const char *name, int flags)
{
    const char *raw =
        (flags & CONF_DEFAULTS) ? mail_conf_default(name) : mail_conf_raw(name);
    STRBUF *value = strbuf_create(64);
    STRBUF *err = strbuf_create(64);
    int ret = 0;

    if (raw == NULL) {
        msg_warn("%s: unknown parameter", name);
        ret = 1;
    } else if ((flags & CONF_EXPAND) && mail_conf_expand(raw, value, err) < 0) {
        msg_warn("%s", STR(err));
        ret = 1;
    } else {
        if (!(flags & CONF_EXPAND))
            strbuf_strcpy(value, raw);
        if (flags & CONF_VALUES)
            printf("%s\n", STR(value));
        else
            printf("%s =%s%s\n", name, LEN(value) ? " " : "", STR(value));
    }
    strbuf_free(value);
    strbuf_free(err);
    return ret;
}

/* by_string - qsort order of names */
static int
by_string(const void *a, const void *b)
{
    return strcmp(*(char *const *) a, *(char *const *) b);
}

/* print_all - every supported parameter, or (-n) every main.cf setting */
static int
print_all(int flags)
{
    const MAIN_CF *cf = mail_conf_table();
    size_t i, count;
    const PARAM_DEF *tab;
    ARGV *names = argv_alloc(200);
    int ret = 0;

    if (flags & CONF_NONDEF) {
        for (i = 0; i < cf->names->argc; i++)
            argv_add(names, cf->names->argv[i]);
    } else {
        tab = mail_param_table(&count);
        for (i = 0; i < count; i++)
            argv_add(names, tab[i].name);
    }
    qsort(names->argv, names->argc, sizeof(char *), by_string);
    for (i = 0; i < names->argc; i++)
        ret |= print_param(names->argv[i], flags);
    argv_free(names);
    return ret;
}

/* report_problems - log what is wrong with main.cf; 1 if errors */
static int
report_problems(void)
{
    STRBUF *report = strbuf_create(0);
    int errors = mail_conf_validate(report);
    char *cp = STR(report), *line;

    /* Lines read "warning: text" or "error: text". */
    while ((line = mystrtok(&cp, "\n")) != NULL) {
        if (strncmp(line, "warning: ", 9) == 0)
            msg_warn("%s", line + 9);
        else
            msg_warn("%s", strncmp(line, "error: ", 7) ? line : line + 7);
    }
    strbuf_free(report);
    return errors > 0;
}

/* edit_main_cf - -e and -X: change main.cf in place */
static int
edit_main_cf(int argc, char **argv, int mode)
{
    STRBUF *path = strbuf_create(100);
    STRBUF *err = strbuf_create(100);
    ARGV *edits = argv_alloc(argc + 1);
    int i, ret;

    for (i = 0; i < argc; i++)
        argv_add(edits, argv[i]);
    strbuf_sprintf(path, "%s/main.cf", postern_config_dir);
    if ((ret = main_cf_edit(STR(path), edits, mode, err)) < 0)
        msg_warn("%s", STR(err));
    argv_free(edits);
    strbuf_free(path);
    strbuf_free(err);
    return ret < 0;
}

/* print_matching - services named name (of type, when given); count */
static int
print_matching(const MASTER_CF *mc, const char *name, const char *type,
               STRBUF *out)
{
    size_t i;
    int found = 0;

    for (i = 0; i < mc->count; i++) {
        if (strcmp(mc->services[i]->name, name) != 0 ||
            (type && mc->services[i]->type != master_cf_type(type)))
            continue;
        printf("%s\n", STR(master_cf_print(out, mc->services[i], 0)));
        found++;
    }
    return found;
}

/* print_master - -M: master.cf services, all or those named */
static int
print_master(int argc, char **argv)
{
    STRBUF *path = strbuf_create(100);
    STRBUF *err = strbuf_create(100);
    STRBUF *out = strbuf_create(200);
    MASTER_CF *mc = master_cf_create();
    char *name, *type;
    size_t i;
    int j, ret = 0;

    strbuf_sprintf(path, "%s/master.cf", postern_config_dir);
    if (master_cf_read(mc, STR(path), err) < 0) {
        msg_warn("%s", STR(err));
        ret = 1;
    } else if (argc == 0) {
        for (i = 0; i < mc->count; i++)
            printf("%s\n", STR(master_cf_print(out, mc->services[i], 0)));
    }
    for (j = 0; ret == 0 && j < argc; j++) {
        name = mystrdup(argv[j]);
        if ((type = strchr(name, '/')) != NULL)
            *type++ = 0;
        if (print_matching(mc, name, type, out) == 0) {
            msg_warn("%s: no such master.cf service", argv[j]);
            ret = 1;
        }
        myfree(name);
    }
    master_cf_free(mc);
    strbuf_free(path);
    strbuf_free(err);
    strbuf_free(out);
    return ret;
}

/* print_types - -m: the lookup table types of this build */
static int
print_types(void)
{
    STRBUF *out = strbuf_create(100);

    dict_type_list(out);
    fputs(STR(out), stdout);
    strbuf_free(out);
    return 0;
}

/* print_table - -T: name, type, default, flags, description (TSV) */
static int
print_table(void)
{
    size_t count, i;
    const PARAM_DEF *tab = mail_param_table(&count);

    for (i = 0; i < count; i++)
        printf("%s\t%s\t%s\t%s\t%s\n", tab[i].name,
               mail_param_type_name(tab[i].type), tab[i].def,
               (tab[i].flags & PARAM_F_PATH)       ? "path"
               : (tab[i].flags & PARAM_F_OURS)     ? "postern"
               : (tab[i].flags & PARAM_F_COMPUTED) ? "computed"
                                                   : "postfix",
               tab[i].descr);
    return 0;
}

/* conf_main - postern conf */
int
conf_main(int argc, char **argv)
{
    STRBUF *err = strbuf_create(100);
    int flags = 0, edit = 0, master = 0, ch, i, ret = 0;

    optind = 1;
    while ((ch = getopt(argc, argv, "c:dnhxeXMmT")) > 0) {
        switch (ch) {
            case 'c':
                postern_set_config_dir(optarg);
                break;
            case 'd':
                flags |= CONF_DEFAULTS;
                break;
            case 'n':
                flags |= CONF_NONDEF;
                break;
            case 'h':
                flags |= CONF_VALUES;
                break;
            case 'x':
                flags |= CONF_EXPAND;
                break;
            case 'e':
                edit = MAIN_CF_EDIT_SET;
                break;
            case 'X':
                edit = MAIN_CF_EDIT_REMOVE;
                break;
            case 'M':
                master = 1;
                break;
            case 'm':
                return print_types();
            case 'T':
                return print_table();
            default:
                return conf_usage(stderr, 1);
        }
    }
    argc -= optind;
    argv += optind;
    if ((flags & CONF_DEFAULTS) && (flags & CONF_NONDEF))
        return conf_usage(stderr, 1);
    if (edit)
        return argc > 0 ? edit_main_cf(argc, argv, edit)
                        : conf_usage(stderr, 1);
    if (master)
        return print_master(argc, argv);
    if (mail_conf_load(postern_config_dir, NULL, err) < 0)
        msg_fatal("%s", STR(err));
    strbuf_free(err);
    if (!(flags & CONF_DEFAULTS))
        ret |= report_problems();
    if (argc == 0)
        return print_all(flags) | ret;
    for (i = 0; i < argc; i++) {
        if (mail_param_find(argv[i]) == NULL && postfix_param_known(argv[i]) &&
            (flags & CONF_DEFAULTS))
            msg_warn("%s: a Postfix parameter that Postern does not "
                     "implement (yet)",
                     argv[i]);
        ret |= print_param(argv[i], flags);
    }
    return ret;
}

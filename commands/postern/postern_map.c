/*
 * postern_map - `postern map` and `postern alias`: build and query lookup
 * tables, like Postfix's postmap and postalias.
 *
 *   postern map [-c DIR] [-f] [-r] [type:]file ...    build from file
 *   postern map [-c DIR] [-f] -q KEY [type:]file ...  query (first hit)
 *   postern map [-c DIR] [-f] -q - [type:]file ...    keys on stdin
 *   postern map [-c DIR] [-f] [-r] -i [type:]file     add from stdin
 *   postern map [-c DIR] [-f] -d KEY|- [type:]file    delete
 *   postern map [-c DIR] -s [type:]file ...           dump
 *
 * `postern alias` takes the same options; it builds from aliases(5)
 * files.  Without type, default_database_type (hash).  Keys are folded
 * to lower case unless -f.  Exit status: 0; 1 when a queried or deleted
 * key is not found or a build failed; 2 on a table error.
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "alias_source.h"
#include "dict.h"
#include "mail_conf.h"
#include "mkmap.h"
#include "msg.h"
#include "mymalloc.h"
#include "postern.h"
#include "stringops.h"

/* What the command was asked to do. */
typedef struct MAP_REQ {
    int alias;       /* postern alias: aliases(5) format */
    int dict_flags;  /* folding, duplicates */
    const char *key; /* -q or -d */
    int action;      /* 'b'uild, 'q'uery, 'd'elete, 'i'ncremental, 's'how */
    char *def_type;  /* default_database_type */
} MAP_REQ;

/* map_usage - how to call it */
static int
map_usage(const char *cmd, int status)
{
    fprintf(stderr,
            "usage: postern %s [-c DIR] [-f] [-r] [type:]file ...\n"
            "       postern %s [-c DIR] [-f] -q KEY|- [type:]file ...\n"
            "       postern %s [-c DIR] [-f] [-r] -i [type:]file\n"
            "       postern %s [-c DIR] [-f] -d KEY|- [type:]file\n"
            "       postern %s [-c DIR] -s [type:]file ...\n",
            cmd, cmd, cmd, cmd, cmd);
    return status;
}

/* split_table - "type:name" or "name" into its parts */
static char *
split_table(const char *table, const char *def_type, const char **name)
{
    const char *colon = strchr(table, ':');
    const char *slash = strchr(table, '/');

    /* "/path/with:colon" is a file name; "type:/path" names a type. */
    if (colon == NULL || (slash != NULL && slash < colon)) {
        *name = table;
        return mystrdup(def_type);
    }
    *name = colon + 1;
    return mystrndup(table, colon - table);
}

/* open_table - open one table for reading or writing, or die */
static DICT *
open_table(const char *table, const MAP_REQ *req, int open_flags)
{
    STRBUF *err = strbuf_create(100);
    const char *name;
    char *type = split_table(table, req->def_type, &name);
    DICT *d = dict_open3(type, name, open_flags, req->dict_flags, err);

    if (d == NULL)
        msg_fatal("%s", STR(err));
    myfree(type);
    strbuf_free(err);
    return d;
}

/* query_one - the first table that has key; 0 found, 1 not, 2 error */
static int
query_one(const char *key, DICT **dicts, int ndicts, int with_key)
{
    const char *value;
    int i;

    for (i = 0; i < ndicts; i++) {
        if ((value = dict_get(dicts[i], key)) != NULL) {
            printf(with_key ? "%s\t%s\n" : "%.0s%s\n", key, value);
            return 0;
        }
        if (dicts[i]->error != DICT_ERR_NONE) {
            msg_warn("%s:%s: table lookup problem", dicts[i]->type,
                     dicts[i]->name);
            return 2;
        }
    }
    return 1;
}

/* query_stdin - -q -: each stdin line is a key; found ones print */
static int
query_stdin(DICT **dicts, int ndicts)
{
    char line[DICT_KEY_MAX + 2];
    int ret = 1, r;

    while (fgets(line, sizeof(line), stdin) != NULL) {
        if (strchr(line, '\n') == NULL && !feof(stdin))
            msg_fatal("-q -: key longer than %d bytes", DICT_KEY_MAX);
        line[strcspn(line, "\n")] = 0;
        if ((r = query_one(line, dicts, ndicts, 1)) == 2)
            return 2;
        if (r == 0)
            ret = 0;
    }
    return ret;
}

/* query_tables - -q: open every table once, then look up */
static int
query_tables(const MAP_REQ *req, char **tables, int ntables)
{
    DICT **dicts = mycalloc(ntables, sizeof(*dicts));
    int i, ret;

    for (i = 0; i < ntables; i++)
        dicts[i] = open_table(tables[i], req, O_RDONLY);
    if (strcmp(req->key, "-") == 0)
        ret = query_stdin(dicts, ntables);
    else
        ret = query_one(req->key, dicts, ntables, 0);
    for (i = 0; i < ntables; i++)
        dict_close(dicts[i]);
    myfree(dicts);
    return ret;
}

/* show_table - -s: every entry */
static int
show_table(const char *table, const MAP_REQ *req)
{
    DICT *d = open_table(table, req, O_RDONLY);
    const char *key, *value;
    int func, ret;

    for (func = DICT_SEQ_FIRST; (ret = dict_seq(d, func, &key, &value)) == 0;
         func = DICT_SEQ_NEXT)
        printf("%s\t%s\n", key, value);
    dict_close(d);
    return ret < 0 ? 2 : 0;
}

/* change_table - -i (add from stdin) or -d (delete keys) in place */
static int
change_table(const char *table, const MAP_REQ *req)
{
    STRBUF *err = strbuf_create(100);
    const char *name;
    char *type = split_table(table, req->def_type, &name);
    MKMAP *m = mkmap_open(type, name, MKMAP_UPDATE, req->dict_flags, err);
    char line[DICT_KEY_MAX + 2];
    DICT_SOURCE *src;
    int ret = 0;

    if (m == NULL)
        msg_fatal("%s", STR(err));
    if (req->action == 'i') {
        src = dict_source_fopen(stdin, "stdin");
        ret = mkmap_load(m, src, err) < 0 ? 1 : 0;
        dict_source_close(src);
    } else if (strcmp(req->key, "-") != 0) {
        ret = mkmap_delete(m, req->key, err) < 0 ? 1 : 0;
    } else {
        while (ret == 0 && fgets(line, sizeof(line), stdin) != NULL) {
            line[strcspn(line, "\n")] = 0;
            ret = mkmap_delete(m, line, err) < 0 ? 1 : 0;
        }
    }
    if (ret == 0 && mkmap_commit(m, err) < 0)
        ret = 1;
    if (ret != 0 && LEN(err) > 0)
        msg_warn("%s", STR(err));
    if (ret == 0 && req->action == 'd' && m->deleted == 0)
        ret = 1;
    mkmap_free(m);
    myfree(type);
    strbuf_free(err);
    return ret;
}

/* build_table - rebuild one table from its source file */
static int
build_table(const char *table, const MAP_REQ *req)
{
    STRBUF *err = strbuf_create(100);
    const char *name;
    char *type = split_table(table, req->def_type, &name);
    int ret;

    if (req->alias)
        ret = alias_source_build(type, name, req->dict_flags, err);
    else
        ret = mkmap_build(type, name, req->dict_flags, err);
    if (ret < 0)
        msg_warn("%s", STR(err));
    myfree(type);
    strbuf_free(err);
    return ret < 0;
}

/* load_defaults - default_database_type from main.cf, if there is one */
static void
load_defaults(MAP_REQ *req)
{
    postern_conf_load_optional();
    req->def_type = mail_conf_str("default_database_type");
}

/* run_request - carry out the action on the tables named */
static int
run_request(MAP_REQ *req, int ntables, char **tables)
{
    int i, ret = 0;

    if (req->action == 'q')
        return query_tables(req, tables, ntables);
    for (i = 0; i < ntables; i++) {
        if (req->action == 's')
            ret |= show_table(tables[i], req);
        else if (req->action == 'd' || req->action == 'i')
            ret |= change_table(tables[i], req);
        else
            ret |= build_table(tables[i], req);
    }
    return ret;
}

/* map_command - the shared body of postern map and postern alias */
static int
map_command(int argc, char **argv, int alias)
{
    MAP_REQ req = {alias, DICT_FLAG_FOLD_FIX | DICT_FLAG_DUP_WARN, NULL, 'b',
                   NULL};
    const char *cmd = alias ? "alias" : "map";
    int ch, ret;

    optind = 1;
    while ((ch = getopt(argc, argv, "c:fiq:d:rs")) > 0) {
        switch (ch) {
            case 'c':
                postern_set_config_dir(optarg);
                break;
            case 'f':
                req.dict_flags &= ~DICT_FLAG_FOLD_ANY;
                break;
            case 'r':
                req.dict_flags &= ~DICT_FLAG_DUP_WARN;
                req.dict_flags |= DICT_FLAG_DUP_REPLACE;
                break;
            case 'q':
            case 'd':
                req.key = optarg;
                /* FALLTHROUGH */
            case 'i':
            case 's':
                if (req.action != 'b')
                    return map_usage(cmd, 1);
                req.action = ch;
                break;
            default:
                return map_usage(cmd, 1);
        }
    }
    if (optind >= argc)
        return map_usage(cmd, 1);
    load_defaults(&req);
    ret = run_request(&req, argc - optind, argv + optind);
    myfree(req.def_type);
    return ret;
}

/* map_main - postern map */
int
map_main(int argc, char **argv)
{
    return map_command(argc, argv, 0);
}

/* alias_main - postern alias */
int
alias_main(int argc, char **argv)
{
    return map_command(argc, argv, 1);
}

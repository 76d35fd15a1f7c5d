/*
 * newaliases - rebuild the alias databases named by alias_database, like
 * sendmail's and Postfix's newaliases.
 *
 *   newaliases [-C CONFIG_DIR] [-oAfile] [-v]
 *
 * The configuration folder is -C, else MAIL_CONFIG, else the build
 * default.  -oA names one aliases file instead of alias_database (as
 * type:file or file).  Each table is rebuilt atomically under a lock; a
 * malformed line fails that table with file and line and leaves its old
 * database in place.  Exit status: 0 when every table was rebuilt, 1
 * otherwise (sendmail's EX_* codes are not used by Postfix here either).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "alias_source.h"
#include "argv.h"
#include "dict.h"
#include "mail_conf.h"
#include "mail_params.h"
#include "msg.h"
#include "mymalloc.h"
#include "strlist.h"

/* rebuild - one type:file or file; 0 or 1 */
static int
rebuild(const char *table, const char *def_type)
{
    STRBUF *err = strbuf_create(100);
    const char *colon = strchr(table, ':');
    char *type;
    int ret;

    if (colon == NULL || (strchr(table, '/') && strchr(table, '/') < colon)) {
        type = mystrdup(def_type);
        colon = table - 1;
    } else {
        type = mystrndup(table, colon - table);
    }
    if ((ret = alias_source_build(type, colon + 1, DICT_FLAG_FOLD_FIX, err)) <
        0)
        msg_warn("%s", STR(err));
    else if (msg_verbose)
        msg_info("rebuilt %s:%s", type, colon + 1);
    myfree(type);
    strbuf_free(err);
    return ret < 0;
}

int
main(int argc, char **argv)
{
    const char *config_dir = getenv("MAIL_CONFIG");
    const char *alt = NULL;
    STRBUF *err = strbuf_create(100);
    char *list, *def_type;
    ARGV *tables = argv_alloc(4);
    size_t i;
    int ch, ret = 0;

    msg_set_progname("newaliases");
    while ((ch = getopt(argc, argv, "C:o:v")) > 0) {
        if (ch == 'C')
            config_dir = optarg;
        else if (ch == 'o' && optarg[0] == 'A')
            alt = optarg + 1;
        else if (ch == 'v')
            msg_verbose++;
        else if (ch != 'o')
            msg_fatal("usage: newaliases [-C CONFIG_DIR] [-oAfile] [-v]");
    }
    if (config_dir == NULL || *config_dir == 0)
        config_dir = DEF_CONFIG_DIR;
    if (mail_conf_load(config_dir, NULL, err) < 0)
        msg_fatal("%s", STR(err));
    def_type = mail_conf_str("default_database_type");
    list = alt ? mystrdup(alt) : mail_conf_str("alias_database");
    if (strlist_split(list, ", \t\r\n", 0, tables, err) < 0)
        msg_fatal("alias_database: %s", STR(err));
    for (i = 0; i < tables->argc; i++)
        ret |= rebuild(tables->argv[i], def_type);
    argv_free(tables);
    myfree(list);
    myfree(def_type);
    strbuf_free(err);
    return ret;
}

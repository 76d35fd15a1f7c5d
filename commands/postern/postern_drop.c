/*
 * postern_drop - `postern drop [-c DIR] [-r] [-v]`: run postdrop(1), the
 * small setgid program that stores a message in maildrop/.
 *
 * postern itself is never setgid; this only execs command_directory/
 * postdrop, or, when that is missing (a development tree), the postdrop
 * built next to this binary (commands/postdrop/postdrop).  Standard input
 * and the options pass through unchanged.  Returns only when exec fails:
 * EX_TEMPFAIL (75), as sendmail expects for "try later".
 */
#include <limits.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "mail_conf.h"
#include "msg.h"
#include "postern.h"
#include "strbuf.h"

/* drop_dev_path - commands/postdrop/postdrop beside this commands/postern */
static void
drop_dev_path(STRBUF *out)
{
    char self[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
    char *slash;

    strbuf_reset(out);
    if (n <= 0)
        return;
    self[n] = 0;
    if ((slash = strrchr(self, '/')) == NULL)
        return;
    *slash = 0;
    strbuf_sprintf(out, "%s/../postdrop/postdrop", self);
}

/* drop_main - exec postdrop with our options */
int
drop_main(int argc, char **argv)
{
    STRBUF *path = strbuf_create(100);
    int i;

    for (i = 1; i < argc; i++)
        if (strcmp(argv[i], "--help") == 0) {
            printf(
                "usage: postern drop [-c DIR] [-r] [-v] < MAILDROP-STREAM\n");
            return 0;
        }
    postern_conf_load_optional();
    strbuf_sprintf(path, "%s/postdrop", mail_conf_str("command_directory"));
    if (access(STR(path), X_OK) != 0)
        drop_dev_path(path);
    argv[0] = "postdrop";
    /* Our -c (before the subcommand) reaches postdrop through MAIL_CONFIG. */
    setenv("MAIL_CONFIG", postern_config_dir, 1);
    execv(STR(path), argv);
    msg_warn("drop: exec %s: %s", STR(path), strerror(errno));
    return EX_TEMPFAIL;
}

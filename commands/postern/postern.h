#ifndef POSTERN_H
#define POSTERN_H

/*
 * postern.h - the control command's subcommands.
 *
 * Each subcommand is int NAME_main(int argc, char **argv) with argv[0] the
 * subcommand's name; it parses its own options (-c DIR included, so that
 * `postern -c DIR conf` and `postern conf -c DIR` mean the same) and
 * returns the exit status.
 */

/* The configuration folder: -c, else MAIL_CONFIG, else the build default. */
extern const char *postern_config_dir;

extern int conf_main(int argc, char **argv);
extern int map_main(int argc, char **argv);
extern int alias_main(int argc, char **argv);

/* postern_ctl.c: the instance's life cycle (like postfix(1)). */
extern int start_main(int argc, char **argv);
extern int stop_main(int argc, char **argv);
extern int abort_main(int argc, char **argv);
extern int reload_main(int argc, char **argv);
extern int status_main(int argc, char **argv);
extern int flush_main(int argc, char **argv);

/* postern_check.c: the queue tree's owners and modes. */
extern int check_main(int argc, char **argv);
extern int set_permissions_main(int argc, char **argv);

/* postern_log.c: a line to the mail log (like postlog(1)). */
extern int log_main(int argc, char **argv);

/* postern_queue.c, postern_super.c, postern_cat.c: the queue tools. */
extern int queue_main(int argc, char **argv);
extern int super_main(int argc, char **argv);
extern int cat_main(int argc, char **argv);
/* postern_drop.c: exec the setgid postdrop(1). */
extern int drop_main(int argc, char **argv);

/*
 * postern_plain_args - parse the options of a subcommand that has none of
 * its own (-c DIR, -v, --help): 0 to go on, else its exit status + 1.
 */
extern int postern_plain_args(int argc, char **argv);

/* postern_conf_load_optional - load main.cf when it exists (fatal if bad) */
extern void postern_conf_load_optional(void);

/* postern_set_config_dir - record -c DIR (validated: an absolute path) */
extern void postern_set_config_dir(const char *dir);

#endif

#ifndef MAIL_CONF_H
#define MAIL_CONF_H

/*
 * mail_conf - the process's configuration: main.cf, -o overrides on top,
 * and the defaults of the parameter table underneath.
 *
 * Values are kept raw and expanded at use (mail_conf_eval), so the order
 * of definitions in main.cf never matters.  The typed getters are for
 * daemons: a bad value is fatal and names file, line and parameter.
 * Commands use mail_conf_validate() to report every problem at once.
 */
#include "argv.h"
#include "main_cf.h"
#include "strbuf.h"

extern int mail_conf_load(const char *config_dir, const ARGV *overrides,
                          STRBUF *err);
extern void mail_conf_reset(void);
extern const MAIN_CF *mail_conf_table(void);
extern const char *mail_conf_config_dir(void);

extern const char *mail_conf_raw(const char *name);
extern const char *mail_conf_default(const char *name);
extern int mail_conf_eval(const char *name, STRBUF *out, STRBUF *err);
extern int mail_conf_expand(const char *text, STRBUF *out, STRBUF *err);
extern int mail_conf_where(const char *name, STRBUF *out);

extern int mail_conf_validate(STRBUF *report);

/* Typed getters for daemons: a bad value is fatal. */
extern char *mail_conf_str(const char *name);
extern long mail_conf_long(const char *name);
extern int mail_conf_bool(const char *name);
extern long mail_conf_time(const char *name);

#endif

#ifndef MAIL_PARAMS_H
#define MAIL_PARAMS_H

/*
 * mail_params - every main.cf parameter Postern supports, declared once.
 *
 * Each PARAM_DEF names a parameter, its type, its default (Postfix's
 * default for a parameter of the same meaning, as raw text that may refer
 * to other parameters) and a one-line description.  The table drives
 * `postern conf -d`, validation, the unknown-parameter warning and
 * docs/parameters.md.  Postfix 3.7 parameters that Postern does not
 * implement yet are listed by postfix_param_known() so that a Postfix
 * main.cf loads as it is.  Lookups return pointers into static tables.
 */
#include "strbuf.h"

#ifndef DEF_CONFIG_DIR
#define DEF_CONFIG_DIR "/etc/postern"
#endif
#ifndef DEF_QUEUE_DIR
#define DEF_QUEUE_DIR "/var/spool/postern"
#endif
#ifndef DEF_COMMAND_DIR
#define DEF_COMMAND_DIR "/usr/sbin"
#endif
#ifndef DEF_DAEMON_DIR
#define DEF_DAEMON_DIR "/usr/libexec/postern"
#endif
#ifndef DEF_DATA_DIR
#define DEF_DATA_DIR "/var/lib/postern"
#endif
#ifndef DEF_MANPAGE_DIR
#define DEF_MANPAGE_DIR "/usr/share/man"
#endif

/* Parameter types. */
#define PARAM_STR  1 /* text */
#define PARAM_BOOL 2 /* yes or no */
#define PARAM_INT  3 /* integer */
#define PARAM_TIME 4 /* number with unit s, m, h, d, w; seconds */
#define PARAM_SIZE 5 /* bytes */
#define PARAM_LIST 6 /* items separated by commas and white space */

/* Why a default differs from Postfix's. */
#define PARAM_F_PATH     (1 << 0) /* an installation path */
#define PARAM_F_OURS     (1 << 1) /* names our product, not Postfix */
#define PARAM_F_COMPUTED (1 << 2) /* computed from the host at run time */
#define PARAM_F_EXT      (1 << 3) /* a Postern extension: not Postfix's */

typedef struct PARAM_DEF {
    const char *name;
    int type;
    const char *def;   /* raw default text; "" for computed ones */
    const char *descr; /* one line */
    int flags;         /* PARAM_F_* */
} PARAM_DEF;

extern const PARAM_DEF *mail_param_find(const char *name);
extern const PARAM_DEF *mail_param_table(size_t *count);
extern const char *mail_param_type_name(int type);
extern int postfix_param_known(const char *name);

/* Typed conversion of an expanded value; -1 and a reason on bad input. */
extern int mail_param_parse_bool(const char *value, int *result);
extern int mail_param_parse_time(const char *value, const char *def,
                                 long *seconds, STRBUF *why);
extern int mail_param_parse_long(const char *value, long *result, STRBUF *why);
extern int mail_param_check(const PARAM_DEF *p, const char *value, STRBUF *why);

#endif

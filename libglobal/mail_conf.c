/*
 * mail_conf - main.cf plus overrides plus defaults, expanded at use.
 *
 * mail_conf_load() reads CONFIG_DIR/main.cf into the process's one table
 * (parameters are the process's own singleton) and applies -o overrides;
 * config_directory defaults to CONFIG_DIR, as in Postfix.  Lookups fall
 * back to the parameter table's defaults; myhostname, mydomain and
 * mynetworks are computed from the host when not set.
 *
 * mail_conf_raw() and mail_conf_default() return text owned by this
 * module, valid until the next load.  mail_conf_eval() expands into a
 * caller-owned STRBUF.  mail_conf_validate() appends one line per problem
 * (bad values with file, line and parameter; unknown parameters; Postfix
 * parameters Postern does not implement yet) and returns the number of
 * errors (warnings are not counted).  TRANSPORT_destination_* names
 * (any transport: master.cf is not read here) are qmgr's per-transport
 * limits, known though not in the table; Postfix's other per-transport
 * names count as Postfix parameters.  The typed getters are fatal on a bad
 * value; load errors are returned.
 */
#include <stdio.h>
#include <string.h>

#include "host_defaults.h"
#include "htable.h"
#include "mac_expand.h"
#include "mail_conf.h"
#include "mail_params.h"
#include "msg.h"
#include "mymalloc.h"

static MAIN_CF *conf;
static char *config_dir;
static HTABLE *computed; /* name -> computed default text */

/* mail_conf_reset - forget the loaded configuration */
void
mail_conf_reset(void)
{
    conf = main_cf_free(conf);
    myfree(config_dir);
    config_dir = NULL;
    computed = htable_free(computed, myfree);
}

/* mail_conf_load - read main.cf and apply overrides; -1 and why on error */
int
mail_conf_load(const char *dir, const ARGV *overrides, STRBUF *err)
{
    STRBUF *path = strbuf_create(100);
    int ret;

    mail_conf_reset();
    conf = main_cf_create();
    config_dir = mystrdup(dir);
    computed = htable_create(7);
    strbuf_sprintf(path, "%s/main.cf", dir);
    ret = main_cf_read(conf, STR(path), err);
    if (ret == 0 && overrides != NULL)
        ret = main_cf_overrides(conf, overrides, err);
    strbuf_free(path);
    return ret;
}

/* mail_conf_table - the main.cf entries (for postern conf -n) */
const MAIN_CF *
mail_conf_table(void)
{
    if (conf == NULL)
        msg_panic("mail_conf_table: no configuration loaded");
    return conf;
}

/* mail_conf_config_dir - the folder main.cf was read from */
const char *
mail_conf_config_dir(void)
{
    return config_dir ? config_dir : DEF_CONFIG_DIR;
}

/* compute_default - myhostname, mydomain, mynetworks from the host */
static char *
compute_default(const char *name)
{
    STRBUF *out = strbuf_create(64);
    STRBUF *tmp = strbuf_create(64);
    STRBUF *proto = strbuf_create(16);

    if (strcmp(name, "myhostname") == 0) {
        host_myhostname(out);
    } else if (strcmp(name, "mydomain") == 0) {
        if (mail_conf_eval("myhostname", tmp, NULL) == 0)
            host_mydomain(out, STR(tmp));
    } else if (strcmp(name, "mynetworks") == 0) {
        if (mail_conf_eval("mynetworks_style", tmp, NULL) == 0 &&
            mail_conf_eval("inet_protocols", proto, NULL) == 0 &&
            host_mynetworks(out, STR(tmp), STR(proto), tmp) < 0)
            strbuf_reset(out);
    }
    strbuf_free(tmp);
    strbuf_free(proto);
    return strbuf_export(out);
}

/* mail_conf_default - a parameter's default text, or NULL if unknown */
const char *
mail_conf_default(const char *name)
{
    const PARAM_DEF *p = mail_param_find(name);
    char *value;

    if (p == NULL)
        return NULL;
    if (!(p->flags & PARAM_F_COMPUTED))
        return p->def;
    if (computed == NULL)
        computed = htable_create(7);
    if ((value = htable_find(computed, name)) == NULL) {
        value = compute_default(name);
        htable_enter(computed, name, value);
    }
    return value;
}

/* mail_conf_raw - the unexpanded value: main.cf/-o, else the default */
const char *
mail_conf_raw(const char *name)
{
    const MAIN_CF_ENTRY *e = conf ? main_cf_find(conf, name) : NULL;

    if (e != NULL)
        return e->value;
    /* The folder main.cf came from, unless main.cf itself says. */
    if (config_dir != NULL && strcmp(name, "config_directory") == 0)
        return config_dir;
    return mail_conf_default(name);
}

/* lookup_raw - mac_expand's view of the configuration */
static const char *
lookup_raw(const char *name, void *ctx)
{
    (void) ctx;
    return mail_conf_raw(name);
}

/* mail_conf_expand - expand text against the configuration */
int
mail_conf_expand(const char *text, STRBUF *out, STRBUF *err)
{
    return mac_expand(out, text, lookup_raw, NULL, NULL, 0, err);
}

/* mail_conf_eval - the expanded value of a parameter (empty if unknown) */
int
mail_conf_eval(const char *name, STRBUF *out, STRBUF *err)
{
    const char *raw = mail_conf_raw(name);
    int ret;

    if (raw == NULL) {
        strbuf_reset(out);
        return 0;
    }
    ret = mail_conf_expand(raw, out, err);
    if (ret < 0 && err != NULL && strstr(STR(err), name) == NULL) {
        STRBUF *msg = strbuf_create(LEN(err) + 40);

        strbuf_sprintf(msg, "parameter %s: %s", name, STR(err));
        strbuf_strcpy(err, STR(msg));
        strbuf_free(msg);
    }
    return ret;
}

/* mail_conf_where - "FILE, line N: " for a main.cf setting, "" otherwise */
int
mail_conf_where(const char *name, STRBUF *out)
{
    const MAIN_CF_ENTRY *e = conf ? main_cf_find(conf, name) : NULL;

    strbuf_reset(out);
    if (e == NULL)
        return 0;
    if (e->line > 0)
        strbuf_sprintf(out, "%s, line %d: ", e->source, e->line);
    else
        strbuf_sprintf(out, "%s %s: ", e->source, name);
    return 1;
}

/* referenced_names - every name some main.cf value uses as $name */
static HTABLE *
referenced_names(void)
{
    HTABLE *names = htable_create(64);
    ARGV *refs = argv_alloc(8);
    size_t i, j;

    for (i = 0; conf && i < conf->names->argc; i++) {
        argv_truncate(refs, 0);
        (void) mac_expand_refs(main_cf_find(conf, conf->names->argv[i])->value,
                               refs);
        for (j = 0; j < refs->argc; j++)
            if (htable_locate(names, refs->argv[j]) == NULL)
                htable_enter(names, refs->argv[j], NULL);
    }
    argv_free(refs);
    return names;
}

#define NITEMS(x) (sizeof(x) / sizeof((x)[0]))

/* Per-transport suffixes: qmgr reads the first ones (docs/qmgr.md). */
static const char *const transport_read[] = {
    "_destination_concurrency_limit",
    "_destination_recipient_limit",
    "_destination_concurrency_failed_cohort_limit",
};
static const char *const transport_postfix[] = {
    "_delivery_slot_cost",
    "_delivery_slot_discount",
    "_delivery_slot_loan",
    "_destination_concurrency_negative_feedback",
    "_destination_concurrency_positive_feedback",
    "_destination_rate_delay",
    "_extra_recipient_limit",
    "_initial_destination_concurrency",
    "_minimum_delivery_slots",
    "_recipient_limit",
    "_recipient_refill_delay",
    "_recipient_refill_limit",
    "_transport_rate_delay",
};

/* transport_suffix - 1 when name is a non-empty prefix + one of list */
static int
transport_suffix(const char *name, const char *const *list, size_t n)
{
    size_t len = strlen(name);
    size_t i;
    size_t slen;

    for (i = 0; i < n; i++) {
        slen = strlen(list[i]);
        if (len > slen && strcmp(name + len - slen, list[i]) == 0)
            return 1;
    }
    return 0;
}

/* validate_one - report what is wrong with one main.cf setting */
static int
validate_one(const MAIN_CF_ENTRY *e, const HTABLE *used, STRBUF *report,
             STRBUF *where, STRBUF *value, STRBUF *why)
{
    const PARAM_DEF *p = mail_param_find(e->name);

    mail_conf_where(e->name, where);
    if (p == NULL) {
        if (transport_suffix(e->name, transport_read, NITEMS(transport_read)))
            return 0;
        if (postfix_param_known(e->name) ||
            transport_suffix(e->name, transport_postfix,
                             NITEMS(transport_postfix)))
            strbuf_sprintf_cat(report,
                               "warning: %sparameter %s: a Postfix parameter "
                               "that Postern does not implement (yet); "
                               "ignored\n",
                               STR(where), e->name);
        else if (htable_locate(used, e->name) == NULL)
            strbuf_sprintf_cat(report, "warning: %sunknown parameter: %s\n",
                               STR(where), e->name);
        return 0;
    }
    if (mail_conf_eval(e->name, value, why) < 0 ||
        mail_param_check(p, STR(value), why) < 0) {
        strbuf_sprintf_cat(report, "error: %sparameter %s: %s\n", STR(where),
                           e->name, STR(why));
        return 1;
    }
    return 0;
}

/* mail_conf_validate - report every problem; returns the error count */
int
mail_conf_validate(STRBUF *report)
{
    STRBUF *where = strbuf_create(100);
    STRBUF *value = strbuf_create(100);
    STRBUF *why = strbuf_create(100);
    HTABLE *used = referenced_names();
    size_t i;
    int errors = 0;

    for (i = 0; conf && i < conf->names->argc; i++)
        errors += validate_one(main_cf_find(conf, conf->names->argv[i]), used,
                               report, where, value, why);
    htable_free(used, NULL);
    strbuf_free(where);
    strbuf_free(value);
    strbuf_free(why);
    return errors;
}

/* eval_or_die - the expanded value, or a fatal error naming the place */
static STRBUF *
eval_or_die(const char *name, STRBUF *value)
{
    STRBUF *why = strbuf_create(100);
    STRBUF *where = strbuf_create(100);
    const PARAM_DEF *p = mail_param_find(name);

    if (mail_conf_eval(name, value, why) < 0 ||
        (p != NULL && mail_param_check(p, STR(value), why) < 0)) {
        mail_conf_where(name, where);
        msg_fatal("%sparameter %s: %s", STR(where), name, STR(why));
    }
    strbuf_free(why);
    strbuf_free(where);
    return value;
}

/* mail_conf_str - a parameter's expanded value, to myfree() */
char *
mail_conf_str(const char *name)
{
    return strbuf_export(eval_or_die(name, strbuf_create(64)));
}

/* mail_conf_long - an integer or size parameter */
long
mail_conf_long(const char *name)
{
    STRBUF *value = eval_or_die(name, strbuf_create(32));
    long n = 0;

    (void) mail_param_parse_long(STR(value), &n, value);
    strbuf_free(value);
    return n;
}

/* mail_conf_bool - a yes/no parameter */
int
mail_conf_bool(const char *name)
{
    STRBUF *value = eval_or_die(name, strbuf_create(8));
    int b = 0;

    (void) mail_param_parse_bool(STR(value), &b);
    strbuf_free(value);
    return b;
}

/* mail_conf_time - a time parameter, in seconds */
long
mail_conf_time(const char *name)
{
    STRBUF *value = eval_or_die(name, strbuf_create(16));
    const PARAM_DEF *p = mail_param_find(name);
    long n = 0;

    (void) mail_param_parse_time(STR(value), p ? p->def : NULL, &n, value);
    strbuf_free(value);
    return n;
}

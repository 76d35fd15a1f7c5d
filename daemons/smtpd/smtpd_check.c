/*
 * smtpd_check - smtpd(8)'s restriction machinery, after Postfix's
 * smtpd_*_restrictions: the one place that decides whether a client,
 * HELO name, sender, recipient, DATA or the end of a message is
 * acceptable, and what becomes of the message (HOLD, DISCARD, FILTER,
 * REDIRECT, PREPEND).
 *
 * smtpd_check_init() reads the parameters and opens every table the
 * lists name (before chroot); a list or table that cannot be opened is
 * fatal, as for any daemon with a broken configuration.  Each
 * smtpd_check_X() evaluates its lists in order (with smtpd_delay_reject
 * the client, HELO and sender lists run again at each RCPT, as Postfix
 * does): a permit ends one list, a reject or defer ends the command with
 * the reply in the caller's STRBUF and returns -1; 0 means go on.  A
 * table lookup that fails at run time is "451 4.3.0 ... Temporary lookup
 * failure"; an unknown restriction "451 4.3.5 Server configuration
 * error" and a warning.  Safety (DESIGN.md section 6): when neither
 * smtpd_relay_restrictions nor smtpd_recipient_restrictions limits
 * relaying, "permit_mynetworks, reject_unauth_destination" is used and a
 * warning logged.  Fates and info lines go to the state (smtpd.h).
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/statvfs.h>

#include "argv.h"
#include "mail_addr_find.h"
#include "mail_conf.h"
#include "maps.h"
#include "match_list.h"
#include "msg.h"
#include "mymalloc.h"
#include "smtpd.h"
#include "smtpd_check.h"

#define CHK_DUNNO  0
#define CHK_OK     1
#define CHK_REJECT (-1)
#define CHK_DEPTH  10 /* nested classes and table values */

/* One list: the parameter name and its words. */
typedef struct CHECK_LIST {
    const char *param;
    ARGV *words;
} CHECK_LIST;

/* A named table, opened once. */
typedef struct CHECK_TABLE {
    char *name;
    MAPS *maps;
} CHECK_TABLE;

static CHECK_LIST lists[] = {
    {"smtpd_client_restrictions", 0},      {"smtpd_helo_restrictions", 0},
    {"smtpd_sender_restrictions", 0},      {"smtpd_relay_restrictions", 0},
    {"smtpd_recipient_restrictions", 0},   {"smtpd_data_restrictions", 0},
    {"smtpd_end_of_data_restrictions", 0},
};
enum { L_CLIENT, L_HELO, L_SENDER, L_RELAY, L_RCPT, L_DATA, L_EOD };

static CHECK_LIST *classes; /* smtpd_restriction_classes */
static size_t nclasses;
static CHECK_TABLE *tables;
static size_t ntables;

static MATCH_LIST *mynetworks, *mydestination, *relay_domains;
static MATCH_LIST *valias_domains, *vmbox_domains;
static MAPS *local_rcpt_maps, *valias_maps, *vmbox_maps, *relay_rcpt_maps;
static MAPS *sender_login_maps; /* smtpd_sender_login_maps */
static MAPS *relay_clientcerts; /* fingerprints for permit_tls_clientcerts */

static struct {
    int delay_reject;
    int unlisted_rcpt, unlisted_sender;
    int parent_style; /* parent domains match as "example.com" */
    long reject_code, defer_code, relay_code, access_reject, access_defer;
    long non_fqdn_code, invalid_code, unk_local, unk_virtual, unk_relay;
    char *null_key, *delims, *policy_default;
} cf;

/* The evaluation of one command. */
typedef struct CHECK {
    SMTPD_STATE *state;
    const char *cmd;    /* "RCPT", ... for log lines */
    const char *rcpt;   /* the recipient at RCPT, else NULL */
    const char *helo;   /* the HELO name, or NULL */
    const char *sender; /* the sender once known, or NULL */
    const char *subj;   /* what a reject names: "<addr>" */
    const char *what;   /* "Recipient address", ... */
    STRBUF *reply;
    int depth;
    int warn;             /* warn_if_reject is pending */
    STRBUF *defer_permit; /* DEFER_IF_PERMIT's reply, or empty */
    STRBUF *defer_reject; /* DEFER_IF_REJECT's reply, or empty */
} CHECK;

static int check_words(CHECK *ch, ARGV *words, size_t first);

/* check_table - the MAPS of "type:table", opened on first use */
static MAPS *
check_table(const char *name)
{
    STRBUF *why;
    MAPS *maps;
    size_t i;

    for (i = 0; i < ntables; i++)
        if (strcmp(tables[i].name, name) == 0)
            return tables[i].maps;
    why = strbuf_create(0);
    if ((maps = maps_create(name, name, DICT_FLAG_FOLD_FIX, why)) == NULL)
        msg_warn("%s", STR(why));
    strbuf_free(why);
    tables = myrealloc(tables, (ntables + 1) * sizeof(*tables));
    tables[ntables].name = mystrdup(name);
    tables[ntables++].maps = maps;
    return maps;
}

/* check_open_tables - open the tables a list names, before chroot */
static void
check_open_tables(const CHECK_LIST *list)
{
    size_t i;

    for (i = 0; i + 1 < list->words->argc; i++) {
        const char *w = list->words->argv[i];

        if (strncmp(w, "check_", 6) == 0 && strstr(w, "_access") &&
            check_table(list->words->argv[i + 1]) == NULL)
            msg_fatal("%s: cannot open %s", list->param,
                      list->words->argv[i + 1]);
    }
}

/* check_split - a parameter's restrictions as words */
static ARGV *
check_split(const char *param)
{
    char *value = mail_conf_str(param);
    ARGV *words = argv_split(value, ", \t\r\n");

    myfree(value);
    return words;
}

/* check_has_relay_limit - does a list hold a relay-limiting restriction? */
static int
check_has_relay_limit(const ARGV *words)
{
    static const char *const limits[] = {"reject_unauth_destination",
                                         "defer_unauth_destination", "reject",
                                         "defer", "defer_if_permit"};
    size_t i, j;

    for (i = 0; i < words->argc; i++)
        for (j = 0; j < sizeof(limits) / sizeof(limits[0]); j++)
            if (strcasecmp(words->argv[i], limits[j]) == 0)
                return 1;
    return 0;
}

/* check_init_classes - smtpd_restriction_classes: name = restrictions */
static void
check_init_classes(void)
{
    ARGV *names = check_split("smtpd_restriction_classes");
    size_t i;

    classes = mymalloc((names->argc + 1) * sizeof(*classes));
    for (i = 0; i < names->argc; i++) {
        classes[i].param = mystrdup(names->argv[i]);
        if (mail_conf_raw(names->argv[i]) == NULL)
            msg_fatal("smtpd_restriction_classes: class %s has no value",
                      names->argv[i]);
        classes[i].words = check_split(names->argv[i]);
        check_open_tables(classes + i);
    }
    nclasses = names->argc;
    argv_free(names);
}

/* check_init_codes - reply codes and flags */
static void
check_init_codes(void)
{
    char *pdms = mail_conf_str("parent_domain_matches_subdomains");

    cf.parent_style = strstr(pdms, "smtpd_access_maps") != NULL;
    myfree(pdms);
    cf.delay_reject = mail_conf_bool("smtpd_delay_reject");
    cf.unlisted_rcpt = mail_conf_bool("smtpd_reject_unlisted_recipient");
    cf.unlisted_sender = mail_conf_bool("smtpd_reject_unlisted_sender");
    cf.reject_code = mail_conf_long("reject_code");
    cf.defer_code = mail_conf_long("defer_code");
    cf.relay_code = mail_conf_long("relay_domains_reject_code");
    cf.access_reject = mail_conf_long("access_map_reject_code");
    cf.access_defer = mail_conf_long("access_map_defer_code");
    cf.non_fqdn_code = mail_conf_long("non_fqdn_reject_code");
    cf.invalid_code = mail_conf_long("invalid_hostname_reject_code");
    cf.unk_local = mail_conf_long("unknown_local_recipient_reject_code");
    cf.unk_virtual = mail_conf_long("unknown_virtual_alias_reject_code");
    cf.unk_relay = mail_conf_long("unknown_relay_recipient_reject_code");
    cf.null_key = mail_conf_str("smtpd_null_access_lookup_key");
    cf.delims = mail_conf_str("recipient_delimiter");
    cf.policy_default = mail_conf_str("smtpd_policy_service_default_action");
}

/* smtpd_check_init - read the parameters, open lists and tables */
void
smtpd_check_init(void)
{
    size_t i;

    check_init_codes();
    mynetworks = match_list_param("mynetworks", MATCH_ADDR);
    mydestination = match_list_param("mydestination", MATCH_DOMAIN);
    relay_domains = match_list_param("relay_domains", MATCH_DOMAIN);
    valias_domains = match_list_param("virtual_alias_domains", MATCH_DOMAIN);
    vmbox_domains = match_list_param("virtual_mailbox_domains", MATCH_DOMAIN);
    local_rcpt_maps = maps_param("local_recipient_maps", DICT_FLAG_FOLD_FIX);
    valias_maps = maps_param("virtual_alias_maps", DICT_FLAG_FOLD_FIX);
    vmbox_maps = maps_param("virtual_mailbox_maps", DICT_FLAG_FOLD_FIX);
    relay_rcpt_maps = maps_param("relay_recipient_maps", DICT_FLAG_FOLD_FIX);
    sender_login_maps =
        maps_param("smtpd_sender_login_maps", DICT_FLAG_FOLD_FIX);
    relay_clientcerts = maps_param("relay_clientcerts", DICT_FLAG_FOLD_FIX);
    for (i = 0; i < sizeof(lists) / sizeof(lists[0]); i++) {
        lists[i].words = check_split(lists[i].param);
        check_open_tables(lists + i);
    }
    check_init_classes();
    if (!check_has_relay_limit(lists[L_RELAY].words) &&
        !check_has_relay_limit(lists[L_RCPT].words)) {
        msg_warn("neither smtpd_relay_restrictions nor "
                 "smtpd_recipient_restrictions limits relaying: using "
                 "\"permit_mynetworks, reject_unauth_destination\"");
        argv_free(lists[L_RELAY].words);
        lists[L_RELAY].words =
            argv_split("permit_mynetworks reject_unauth_destination", " ");
    }
    smtpd_policy_init();
    smtpd_anvil_init();
}

/* smtpd_check_mynetworks - is the client trusted? */
int
smtpd_check_mynetworks(const char *addr)
{
    return match_list_match(mynetworks, addr, addr) == 1;
}

/* check_log - an info line in Postfix's form: "QID: hold: RCPT from ..." */
static void
check_log(CHECK *ch, const char *action, const char *text)
{
    SMTPD_STATE *s = ch->state;

    msg_info("%s: %s: %s from %s: %s; from=<%s>%s%s%s proto=%s helo=<%s>",
             s->queue_id ? s->queue_id : "NOQUEUE", action, ch->cmd, s->namaddr,
             text, STR(s->sender), ch->rcpt ? " to=<" : "",
             ch->rcpt ? ch->rcpt : "", ch->rcpt ? ">" : "", smtpd_proto_name(s),
             ch->helo ? ch->helo : "");
}

/* check_reply - a reject or defer; warn_if_reject makes it a log line */
static int check_reply(CHECK *ch, long code, const char *dsn, const char *fmt,
                       ...) __attribute__((format(printf, 4, 5)));

static int
check_reply(CHECK *ch, long code, const char *dsn, const char *fmt, ...)
{
    va_list ap;

    if (dsn == NULL || *dsn == 0)
        dsn = code < 500 ? "4.7.1" : "5.7.1";
    strbuf_sprintf(ch->reply, "%ld %s ", code, dsn);
    va_start(ap, fmt);
    strbuf_vsprintf_cat(ch->reply, fmt, ap);
    va_end(ap);
    if (ch->warn) {
        ch->warn = 0;
        check_log(ch, "reject_warning", STR(ch->reply));
        return CHK_DUNNO;
    }
    if (code >= 500 && LEN(ch->defer_reject) > 0)
        strbuf_strcpy(ch->reply, STR(ch->defer_reject));
    return CHK_REJECT;
}

/* check_tempfail - a table or service could not answer */
static int
check_tempfail(CHECK *ch, const char *what)
{
    ch->warn = 0;
    return check_reply(ch, 451, "4.3.0", "%s: Temporary lookup failure", what);
}

/* check_config_error - a restriction we cannot carry out */
static int
check_config_error(CHECK *ch, const char *why, const char *name)
{
    msg_warn("%s: \"%s\"", why, name);
    ch->warn = 0;
    return check_reply(ch, 451, "4.3.5", "Server configuration error");
}

/* Where a recipient domain goes. */
enum { DOM_LOCAL, DOM_VALIAS, DOM_VMBOX, DOM_RELAY, DOM_REMOTE, DOM_FAIL };

/* check_our_literal - [addr] that names the address the client reached */
static int
check_our_literal(SMTPD_STATE *state, const char *domain)
{
    size_t len = strlen(domain);
    unsigned char a[16], b[16];
    char buf[64];
    const char *p = domain + 1;
    int fam;

    if (len < 3 || len - 2 >= sizeof(buf) || domain[len - 1] != ']')
        return 0;
    if (strncasecmp(p, "IPv6:", 5) == 0)
        p += 5;
    memcpy(buf, p, (size_t) (domain + len - 1 - p));
    buf[domain + len - 1 - p] = 0;
    fam = strchr(buf, ':') ? AF_INET6 : AF_INET;
    return state->server_addr && inet_pton(fam, buf, a) == 1 &&
           inet_pton(fam, state->server_addr, b) == 1 &&
           memcmp(a, b, fam == AF_INET ? 4 : 16) == 0;
}

/* check_domain_class - DOM_* of a recipient address */
static int
check_domain_class(SMTPD_STATE *state, const char *addr)
{
    const char *at = strrchr(addr, '@');
    const char *dom;
    MATCH_LIST *const order[] = {mydestination, valias_domains, vmbox_domains,
                                 relay_domains};
    int i, m;

    if (at == NULL)
        return DOM_LOCAL;
    /* Routing operators in the local part would relay via our domain. */
    if (strcspn(addr, "@%!") < (size_t) (at - addr))
        return DOM_REMOTE;
    dom = at + 1;
    if (*dom == '[')
        return check_our_literal(state, dom) ? DOM_LOCAL : DOM_REMOTE;
    for (i = 0; i < 4; i++) {
        if ((m = match_list_match(order[i], dom, NULL)) < 0)
            return DOM_FAIL;
        if (m > 0)
            return i; /* DOM_LOCAL .. DOM_RELAY */
    }
    return DOM_REMOTE;
}

/* check_unauth - reject/defer_unauth_destination */
static int
check_unauth(CHECK *ch, long code)
{
    int cls;

    if (ch->rcpt == NULL)
        return CHK_DUNNO;
    if ((cls = check_domain_class(ch->state, ch->rcpt)) == DOM_FAIL)
        return check_tempfail(ch, ch->subj);
    if (cls != DOM_REMOTE)
        return CHK_DUNNO;
    return check_reply(ch, code, code < 500 ? "4.7.1" : "5.7.1",
                       "<%s>: Relay access denied", ch->rcpt);
}

/* check_permit_auth - permit_auth_destination */
static int
check_permit_auth(CHECK *ch)
{
    int cls;

    if (ch->rcpt == NULL)
        return CHK_DUNNO;
    cls = check_domain_class(ch->state, ch->rcpt);
    if (cls == DOM_FAIL)
        return check_tempfail(ch, ch->subj);
    return cls == DOM_REMOTE ? CHK_DUNNO : CHK_OK;
}

/* check_is_local - mail_addr_find's callback: a domain of ours? */
static int
check_is_local(const char *domain, void *context)
{
    (void) context;
    return match_list_match(mydestination, domain, NULL);
}

/* check_find - 1 found, 0 not, -1 failed; no table means found */
static int
check_find(MAPS *maps, const char *addr, int local)
{
    MAIL_ADDR_FIND_OPTS opts = {cf.delims, 1, 0, 0};

    if (maps == NULL)
        return 1;
    if (local)
        opts.is_local = check_is_local;
    if (mail_addr_find(maps, addr, &opts, NULL) != NULL)
        return 1;
    return maps->error ? -1 : 0;
}

/* check_listed - is an address known here?  1, 0, -1 failed */
static int
check_listed(SMTPD_STATE *state, const char *addr, long *code,
             const char **table)
{
    int r;

    switch (check_domain_class(state, addr)) {
        case DOM_LOCAL:
            *code = cf.unk_local;
            *table = "local recipient table";
            return smtpd_addr_is_postmaster(addr) ||
                           strncasecmp(addr, "postmaster@", 11) == 0
                       ? 1
                       : check_find(local_rcpt_maps, addr, 1);
        case DOM_VALIAS:
            *code = cf.unk_virtual;
            *table = "virtual alias table";
            return valias_maps ? check_find(valias_maps, addr, 0) : 0;
        case DOM_VMBOX:
            *code = cf.unk_virtual;
            *table = "virtual mailbox table";
            r = vmbox_maps ? check_find(vmbox_maps, addr, 0) : 0;
            return r != 0 || valias_maps == NULL
                       ? r
                       : check_find(valias_maps, addr, 0);
        case DOM_RELAY:
            *code = cf.unk_relay;
            *table = "relay recipient table";
            return check_find(relay_rcpt_maps, addr, 0);
        case DOM_FAIL:
            return -1;
        default:
            return 1;
    }
}

/* check_unlisted - reject_unlisted_recipient / reject_unlisted_sender */
static int
check_unlisted(CHECK *ch, const char *addr, const char *what)
{
    const char *table = "";
    long code = 550;
    int r;

    if (addr == NULL || *addr == 0)
        return CHK_DUNNO;
    if ((r = check_listed(ch->state, addr, &code, &table)) < 0)
        return check_tempfail(ch, ch->subj);
    if (r > 0)
        return CHK_DUNNO;
    return check_reply(ch, code, code < 500 ? "4.1.1" : "5.1.1",
                       "<%s>: %s rejected: User unknown in %s", addr, what,
                       table);
}

/* smtpd_check_hostname - 1 when name is a valid host name (RFC 1123) */
int
smtpd_check_hostname(const char *name, int need_dot)
{
    size_t len = strlen(name), label = 0, i;
    int dots = 0, alpha = 0;

    if (len > 1 && name[len - 1] == '.')
        len--;
    if (len == 0 || len > 255)
        return 0;
    for (i = 0; i < len; i++) {
        unsigned char c = (unsigned char) name[i];

        if (c == '.') {
            if (label == 0 || name[i - 1] == '-')
                return 0;
            label = 0;
            dots++;
            alpha = 0;
        } else if (isalnum(c) || c == '-' || c == '_') {
            if ((c == '-' && label == 0) || ++label > 63)
                return 0;
            alpha |= !isdigit(c);
        } else {
            return 0;
        }
    }
    /* The last label may not be numeric: "1.2.3.4" is not a name. */
    return label > 0 && name[len - 1] != '-' && alpha && (!need_dot || dots);
}

/* check_literal - "[1.2.3.4]" or "[IPv6:...]" */
static int
check_literal(const char *name)
{
    size_t len = strlen(name);
    unsigned char a[16];
    char buf[64];

    if (len < 3 || name[0] != '[' || name[len - 1] != ']' ||
        len - 2 >= sizeof(buf))
        return 0;
    memcpy(buf, name + 1, len - 2);
    buf[len - 2] = 0;
    if (strncasecmp(buf, "IPv6:", 5) == 0)
        return inet_pton(AF_INET6, buf + 5, a) == 1;
    return inet_pton(AF_INET, buf, a) == 1;
}

/* check_helo_name - reject_invalid/non_fqdn_helo_hostname */
static int
check_helo_name(CHECK *ch, const char *helo, int need_dot)
{
    if (helo == NULL || *helo == 0 || check_literal(helo))
        return CHK_DUNNO;
    if (smtpd_check_hostname(helo, need_dot))
        return CHK_DUNNO;
    if (need_dot && smtpd_check_hostname(helo, 0) == 0)
        return CHK_DUNNO; /* invalid, not our business here */
    if (need_dot)
        return check_reply(ch, cf.non_fqdn_code, "5.5.2",
                           "<%s>: Helo command rejected: need "
                           "fully-qualified hostname",
                           helo);
    return check_reply(ch, cf.invalid_code, "5.5.2",
                       "<%s>: Helo command rejected: Invalid name", helo);
}

/* check_fqdn_addr - reject_non_fqdn_sender/recipient */
static int
check_fqdn_addr(CHECK *ch, const char *addr, const char *what)
{
    const char *at;

    if (addr == NULL || *addr == 0)
        return CHK_DUNNO;
    at = strrchr(addr, '@');
    if (at && (check_literal(at + 1) || smtpd_check_hostname(at + 1, 1)))
        return CHK_DUNNO;
    return check_reply(ch, cf.non_fqdn_code, what[0] == 'S' ? "5.5.2" : "5.5.2",
                       "<%s>: %s rejected: need fully-qualified address", addr,
                       what);
}

/* check_fate - HOLD, DISCARD, FILTER, REDIRECT, PREPEND, WARN, INFO */
static int
check_fate(CHECK *ch, const SMTPD_ACCESS *acc, const char *subj,
           const char *what)
{
    static const char *const names[] = {
        [SMTPD_ACC_HOLD] = "hold",      [SMTPD_ACC_DISCARD] = "discard",
        [SMTPD_ACC_FILTER] = "filter",  [SMTPD_ACC_REDIRECT] = "redirect",
        [SMTPD_ACC_WARN] = "warn",      [SMTPD_ACC_INFO] = "info",
        [SMTPD_ACC_PREPEND] = "prepend"};
    SMTPD_STATE *s = ch->state;
    STRBUF *text = strbuf_create(0);

    if (acc->action == SMTPD_ACC_HOLD || acc->action == SMTPD_ACC_DISCARD ||
        acc->action == SMTPD_ACC_FILTER || acc->action == SMTPD_ACC_REDIRECT)
        strbuf_sprintf(
            text, "%s: %s %s", subj, what,
            *acc->text && acc->action <= SMTPD_ACC_DISCARD ? acc->text : "");
    if (acc->action == SMTPD_ACC_HOLD || acc->action == SMTPD_ACC_DISCARD) {
        if (*acc->text == 0)
            strbuf_sprintf_cat(text, "triggers %s action",
                               acc->action == SMTPD_ACC_HOLD ? "HOLD"
                                                             : "DISCARD");
    } else if (acc->action == SMTPD_ACC_FILTER ||
               acc->action == SMTPD_ACC_REDIRECT) {
        strbuf_sprintf_cat(
            text, "triggers %s %s",
            acc->action == SMTPD_ACC_FILTER ? "FILTER" : "REDIRECT", acc->text);
    } else {
        strbuf_sprintf(text, "%s: %s %s", subj, what, acc->text);
    }
    if (acc->action == SMTPD_ACC_PREPEND &&
        strcmp(ch->cmd, "END-OF-MESSAGE") == 0) {
        /* As Postfix: the headers have gone to cleanup by now. */
        msg_warn("%s: with smtpd_end_of_data_restrictions, action PREPEND "
                 "is unavailable: %s",
                 subj, acc->text);
        strbuf_free(text);
        return CHK_DUNNO;
    }
    if (acc->action != SMTPD_ACC_PREPEND)
        check_log(ch, names[acc->action], STR(text));
    smtpd_fate(s, acc->action, acc->text);
    strbuf_free(text);
    return acc->action == SMTPD_ACC_DISCARD ? CHK_OK : CHK_DUNNO;
}

/* check_action - carry out an access table or policy server value */
static int
check_action(CHECK *ch, const char *value, const char *subj, const char *what,
             const char *from)
{
    SMTPD_ACCESS acc;
    const char *text;
    ARGV *words;
    int ret;

    smtpd_access_parse(value, &acc);
    text = *acc.text ? acc.text : "Access denied";
    switch (acc.action) {
        case SMTPD_ACC_OK:
            return CHK_OK;
        case SMTPD_ACC_DUNNO:
            return CHK_DUNNO;
        case SMTPD_ACC_REJECT:
            return check_reply(ch, cf.access_reject, NULL,
                               "%s: %s rejected: %s", subj, what, text);
        case SMTPD_ACC_DEFER:
            return check_reply(ch, cf.access_defer, NULL, "%s: %s rejected: %s",
                               subj, what, text);
        case SMTPD_ACC_CODE:
            return check_reply(ch, acc.code, acc.dsn, "%s: %s rejected: %s",
                               subj, what, text);
        case SMTPD_ACC_DEFER_PERMIT:
        case SMTPD_ACC_DEFER_REJECT:
            strbuf_sprintf(acc.action == SMTPD_ACC_DEFER_PERMIT
                               ? ch->defer_permit
                               : ch->defer_reject,
                           "%ld 4.7.1 %s: %s rejected: %s", cf.defer_code, subj,
                           what, text);
            return CHK_DUNNO;
        case SMTPD_ACC_RESTRICT:
            if (ch->depth >= CHK_DEPTH)
                return check_config_error(ch, "restrictions nested too deep",
                                          from);
            words = argv_split(acc.text, ", \t\r\n");
            ch->depth++;
            ret = check_words(ch, words, 0);
            ch->depth--;
            argv_free(words);
            return ret;
        case SMTPD_ACC_BAD:
            return check_config_error(ch, "bad access action", value);
        default:
            return check_fate(ch, &acc, subj, what);
    }
}

/* check_access - check_X_access type:table */
static int
check_access(CHECK *ch, const char *table, int kind, const char *name,
             const char *addr, const char *subj, const char *what)
{
    MAPS *maps = check_table(table);
    ARGV *keys;
    const char *value = NULL;
    char *copy;
    size_t i;
    int ret = CHK_DUNNO;

    if (maps == NULL)
        return check_tempfail(ch, subj);
    if (name == NULL || (*name == 0 && kind != SMTPD_KEY_ADDRESS))
        return CHK_DUNNO;
    keys = argv_alloc(8);
    if (kind == SMTPD_KEY_ADDRESS && *name == 0)
        argv_add(keys, cf.null_key);
    else
        smtpd_access_keys(kind, name, addr, cf.parent_style, keys);
    for (i = 0; i < keys->argc && value == NULL; i++) {
        value = maps_find(maps, keys->argv[i], 0);
        if (value == NULL && maps->error) {
            ret = check_tempfail(ch, subj);
            break;
        }
    }
    if (value) {
        /* The value may change with the next lookup (nested lists). */
        copy = mystrdup(value);
        ret = check_action(ch, copy, subj, what, table);
        myfree(copy);
    }
    argv_free(keys);
    return ret;
}

/*
 * check_ccert_find - the value a table gives the client certificate:
 * its fingerprint first, then its public key's (Postfix's search order).
 * NULL when there is no certificate or no entry; *error on a lookup error.
 */
static const char *
check_ccert_find(SMTPD_STATE *state, MAPS *maps, int *error)
{
    const char *fp, *value = NULL;

    *error = 0;
    for (int pkey = 0; pkey < 2 && value == NULL && !*error; pkey++) {
        if ((fp = smtpd_tls_fprint(state, pkey)) == NULL)
            break;
        value = maps_find(maps, fp, 0);
        *error = value == NULL && maps->error;
    }
    return value;
}

/* check_ccert_permit - permit_tls_clientcerts and _all_clientcerts */
static int
check_ccert_permit(CHECK *ch, int all)
{
    const TLS_INFO *info = smtpd_tls_info(ch->state);
    int error;

    if (info == NULL || !info->peer_cert)
        return CHK_DUNNO;
    if (all) /* any certificate that smtpd_tls_CAfile/CApath trusts */
        return info->trusted ? CHK_OK : CHK_DUNNO;
    if (relay_clientcerts == NULL)
        return CHK_DUNNO;
    if (check_ccert_find(ch->state, relay_clientcerts, &error) != NULL) {
        msg_info("%s: relay allowed by client certificate, subject_CN=%s",
                 ch->state->namaddr, info->peer_CN);
        return CHK_OK;
    }
    return error ? check_tempfail(ch, ch->subj) : CHK_DUNNO;
}

/* check_ccert_access - check_ccert_access type:table */
static int
check_ccert_access(CHECK *ch, const char *table)
{
    MAPS *maps = check_table(table);
    const char *value;
    char *copy;
    int error, ret;

    if (maps == NULL)
        return check_tempfail(ch, ch->subj);
    value = check_ccert_find(ch->state, maps, &error);
    if (value == NULL)
        return error ? check_tempfail(ch, ch->subj) : CHK_DUNNO;
    copy = mystrdup(value);
    ret = check_action(ch, copy, ch->subj, ch->what, table);
    myfree(copy);
    return ret;
}

/* check_policy_attrs - the request of the policy delegation protocol */
static ARGV *
check_policy_attrs(CHECK *ch, const char *service)
{
    SMTPD_STATE *s = ch->state;
    const TLS_INFO *tls = smtpd_tls_info(s);
    ARGV *a = argv_alloc(24);
    STRBUF *b = strbuf_create(0);

#define POLICY_ATTR(fmt, ...)                                                  \
    do {                                                                       \
        strbuf_sprintf(b, fmt, __VA_ARGS__);                                   \
        argv_add(a, STR(b));                                                   \
    } while (0)
    POLICY_ATTR("request=%s", "smtpd_access_policy");
    POLICY_ATTR("protocol_state=%s", ch->cmd);
    POLICY_ATTR("protocol_name=%s", smtpd_proto_name(s));
    POLICY_ATTR("helo_name=%s", ch->helo ? ch->helo : STR(s->helo));
    POLICY_ATTR("queue_id=%s", s->queue_id ? s->queue_id : "");
    POLICY_ATTR("sender=%s", STR(s->sender));
    POLICY_ATTR("recipient=%s", ch->rcpt ? ch->rcpt : "");
    POLICY_ATTR("recipient_count=%ld", s->rcpt_count);
    POLICY_ATTR("client_address=%s", s->addr);
    POLICY_ATTR("client_name=%s", s->name);
    POLICY_ATTR("client_port=%s", s->port);
    POLICY_ATTR("reverse_client_name=%s", s->name);
    POLICY_ATTR("server_address=%s", s->server_addr ? s->server_addr : "");
    POLICY_ATTR("instance=%lx.%lx", (unsigned long) getpid(), s->instance);
    POLICY_ATTR("sasl_method=%s", s->sasl_method ? s->sasl_method : "");
    POLICY_ATTR("sasl_username=%s", s->sasl_username ? s->sasl_username : "");
    POLICY_ATTR("sasl_sender=%s", s->sasl_sender ? s->sasl_sender : "");
    POLICY_ATTR("size=%ld",
                s->mail_args.size > 0 ? s->mail_args.size : s->msg_size);
    POLICY_ATTR("ccert_subject=%s", tls ? tls->peer_CN : "");
    POLICY_ATTR("ccert_issuer=%s", tls ? tls->issuer_CN : "");
    POLICY_ATTR("ccert_fingerprint=%s",
                smtpd_tls_fprint(s, 0) ? smtpd_tls_fprint(s, 0) : "");
    POLICY_ATTR("ccert_pubkey_fingerprint=%s",
                smtpd_tls_fprint(s, 1) ? smtpd_tls_fprint(s, 1) : "");
    POLICY_ATTR("encryption_protocol=%s", tls ? tls->protocol : "");
    POLICY_ATTR("encryption_cipher=%s", tls ? tls->cipher : "");
    POLICY_ATTR("encryption_keysize=%d", tls ? tls->cipher_usebits : 0);
    POLICY_ATTR("etrn_domain=%s", "");
    POLICY_ATTR("stress=%s", "");
    POLICY_ATTR("policy_context=%s", "");
    POLICY_ATTR("compatibility_level=%s", "major");
    POLICY_ATTR("mail_version=%s", "3.7");
#undef POLICY_ATTR
    (void) service;
    strbuf_free(b);
    return a;
}

/* check_policy - check_policy_service endpoint */
static int
check_policy(CHECK *ch, const char *endpoint)
{
    ARGV *attrs = check_policy_attrs(ch, endpoint);
    STRBUF *action = strbuf_create(0);
    int ret;

    if (smtpd_policy_query(endpoint, attrs, action) < 0)
        strbuf_strcpy(action, cf.policy_default);
    ret = check_action(ch, STR(action), ch->subj, ch->what, endpoint);
    argv_free(attrs);
    strbuf_free(action);
    return ret;
}

/* check_arg - the argument of a restriction that takes one */
static const char *
check_arg(const ARGV *words, size_t *i)
{
    if (*i + 1 >= words->argc)
        return NULL;
    return words->argv[++*i];
}

/* check_with_arg - check_X_access and check_policy_service */
static int
check_with_arg(CHECK *ch, const char *name, const char *arg)
{
    SMTPD_STATE *s = ch->state;
    STRBUF *subj = strbuf_create(0);
    int ret;

    if (strcasecmp(name, "check_client_access") == 0) {
        strbuf_sprintf(subj, "<%s>", s->namaddr);
        ret = check_access(ch, arg, SMTPD_KEY_CLIENT, s->name, s->addr,
                           STR(subj), "Client host");
    } else if (strcasecmp(name, "check_helo_access") == 0) {
        strbuf_sprintf(subj, "<%s>", ch->helo);
        ret = check_access(ch, arg, SMTPD_KEY_DOMAIN, ch->helo, NULL, STR(subj),
                           "Helo command");
    } else if (strcasecmp(name, "check_sender_access") == 0) {
        strbuf_sprintf(subj, "<%s>", ch->sender ? ch->sender : "");
        ret = ch->sender ? check_access(ch, arg, SMTPD_KEY_ADDRESS, ch->sender,
                                        cf.delims, STR(subj), "Sender address")
                         : CHK_DUNNO;
    } else if (strcasecmp(name, "check_recipient_access") == 0) {
        strbuf_sprintf(subj, "<%s>", ch->rcpt ? ch->rcpt : "");
        ret = ch->rcpt ? check_access(ch, arg, SMTPD_KEY_ADDRESS, ch->rcpt,
                                      cf.delims, STR(subj), "Recipient address")
                       : CHK_DUNNO;
    } else if (strcasecmp(name, "check_ccert_access") == 0) {
        ret = check_ccert_access(ch, arg);
    } else if (strcasecmp(name, "check_policy_service") == 0) {
        ret = check_policy(ch, arg);
    } else {
        ret = check_config_error(ch, "unknown smtpd restriction", name);
    }
    strbuf_free(subj);
    return ret;
}

/* check_class - a smtpd_restriction_classes name; NULL when not one */
static CHECK_LIST *
check_class(const char *name)
{
    size_t i;

    for (i = 0; i < nclasses; i++)
        if (strcmp(classes[i].param, name) == 0)
            return classes + i;
    return NULL;
}

/* check_login_owns - is login among the owners a table lists? */
static int
check_login_owns(const char *owners, const char *login)
{
    ARGV *names = argv_split(owners, ", \t\r\n");
    size_t i;
    int found = 0;

    for (i = 0; i < names->argc && !found; i++)
        found = strcasecmp(names->argv[i], login) == 0;
    argv_free(names);
    return found;
}

/*
 * check_sender_login - the reject_*_sender_login_mismatch family, with
 * Postfix's meanings: "authenticated" rejects a logged-in client whose
 * login does not own the sender in smtpd_sender_login_maps (an unlisted
 * sender counts as not owned, except for "known"); "unauthenticated"
 * rejects a client that did not log in when the sender has an owner.
 */
static int
check_sender_login(CHECK *ch, const char *name)
{
    const char *login = ch->state->sasl_username, *owners;
    MAIL_ADDR_FIND_OPTS opts = {cf.delims, 1, 0, 0};
    int known = strcasecmp(name, "reject_known_sender_login_mismatch") == 0;
    int want_auth = strncasecmp(name, "reject_unauth", 13) != 0;
    int want_unauth = strncasecmp(name, "reject_auth", 11) != 0;

    if (sender_login_maps == NULL || ch->sender == NULL || *ch->sender == 0)
        return CHK_DUNNO;
    owners = mail_addr_find(sender_login_maps, ch->sender, &opts, NULL);
    if (owners == NULL && sender_login_maps->error)
        return check_tempfail(ch, ch->subj);
    if (login && want_auth) {
        if ((owners == NULL && !known) ||
            (owners != NULL && !check_login_owns(owners, login)))
            return check_reply(ch, 553, "5.7.1",
                               "<%s>: Sender address rejected: not owned by "
                               "user %s",
                               ch->sender, login);
    } else if (login == NULL && want_unauth && owners != NULL) {
        return check_reply(ch, 553, "5.7.1",
                           "<%s>: Sender address rejected: not logged in",
                           ch->sender);
    }
    return CHK_DUNNO;
}

/* check_simple - a restriction without an argument */
static int
check_simple(CHECK *ch, const char *name)
{
    SMTPD_STATE *s = ch->state;

    if (!strcasecmp(name, "permit") || !strcasecmp(name, "ok"))
        return CHK_OK;
    if (!strcasecmp(name, "dunno"))
        return CHK_DUNNO;
    if (!strcasecmp(name, "reject"))
        return check_reply(ch, cf.reject_code, NULL, "%s: %s rejected: %s",
                           ch->subj, ch->what, "Access denied");
    if (!strcasecmp(name, "defer"))
        return check_reply(ch, cf.defer_code, NULL, "%s: %s rejected: %s",
                           ch->subj, ch->what, "Access denied");
    if (!strcasecmp(name, "permit_mynetworks"))
        return s->trusted ? CHK_OK : CHK_DUNNO;
    if (!strcasecmp(name, "reject_unauth_destination"))
        return check_unauth(ch, cf.relay_code);
    if (!strcasecmp(name, "defer_unauth_destination"))
        return check_unauth(ch, cf.defer_code);
    if (!strcasecmp(name, "permit_auth_destination"))
        return check_permit_auth(ch);
    if (!strcasecmp(name, "reject_unlisted_recipient"))
        return check_unlisted(ch, ch->rcpt, "Recipient address");
    if (!strcasecmp(name, "reject_unlisted_sender"))
        return check_unlisted(ch, ch->sender, "Sender address");
    if (!strcasecmp(name, "reject_non_fqdn_helo_hostname"))
        return check_helo_name(ch, ch->helo, 1);
    if (!strcasecmp(name, "reject_invalid_helo_hostname"))
        return check_helo_name(ch, ch->helo, 0);
    if (!strcasecmp(name, "reject_non_fqdn_sender"))
        return check_fqdn_addr(ch, ch->sender, "Sender address");
    if (!strcasecmp(name, "reject_non_fqdn_recipient"))
        return check_fqdn_addr(ch, ch->rcpt, "Recipient address");
    if (!strcasecmp(name, "permit_tls_clientcerts"))
        return check_ccert_permit(ch, 0);
    if (!strcasecmp(name, "permit_tls_all_clientcerts"))
        return check_ccert_permit(ch, 1);
    if (!strcasecmp(name, "permit_sasl_authenticated"))
        return s->sasl_username ? CHK_OK : CHK_DUNNO;
    if (strcasecmp(name, "reject_sender_login_mismatch") == 0 ||
        strcasecmp(name, "reject_authenticated_sender_login_mismatch") == 0 ||
        strcasecmp(name, "reject_known_sender_login_mismatch") == 0 ||
        strcasecmp(name, "reject_unauthenticated_sender_login_mismatch") == 0)
        return check_sender_login(ch, name);
    return check_config_error(ch, "unknown smtpd restriction", name);
}

/* check_words - evaluate restrictions from words[first] on */
static int
check_words(CHECK *ch, ARGV *words, size_t first)
{
    const CHECK_LIST *cls;
    const char *name, *arg;
    size_t i;
    int ret = CHK_DUNNO, warn;

    for (i = first; i < words->argc && ret == CHK_DUNNO; i++) {
        name = words->argv[i];
        warn = ch->warn;
        if (strcasecmp(name, "warn_if_reject") == 0) {
            ch->warn = 1;
            continue;
        }
        if ((cls = check_class(name)) != NULL) {
            if (ch->depth >= CHK_DEPTH)
                return check_config_error(ch, "classes nested too deep", name);
            ch->depth++;
            ret = check_words(ch, cls->words, 0);
            ch->depth--;
        } else if (strncasecmp(name, "check_", 6) == 0) {
            if ((arg = check_arg(words, &i)) == NULL)
                return check_config_error(ch, "missing table", name);
            ret = check_with_arg(ch, name, arg);
        } else {
            ret = check_simple(ch, name);
        }
        if (warn)
            ch->warn = 0; /* warn_if_reject covers one restriction */
    }
    return ret;
}

/* check_list - one restriction list, with the subject of its rejects */
static int
check_list(CHECK *ch, int which)
{
    SMTPD_STATE *s = ch->state;
    STRBUF *subj = strbuf_create(0);
    static const char *const what[] = {"Client host",       "Helo command",
                                       "Sender address",    "Recipient address",
                                       "Recipient address", "Data command",
                                       "End-of-data"};
    int ret;

    if (which == L_CLIENT)
        strbuf_sprintf(subj, "<%s>", s->namaddr);
    else if (which == L_HELO)
        strbuf_sprintf(subj, "<%s>", ch->helo ? ch->helo : "");
    else if (which == L_SENDER)
        strbuf_sprintf(subj, "<%s>", ch->sender ? ch->sender : "");
    else if (which == L_RELAY || which == L_RCPT)
        strbuf_sprintf(subj, "<%s>", ch->rcpt ? ch->rcpt : "");
    else
        strbuf_sprintf(subj, "<%s>",
                       which == L_DATA ? "DATA" : "END-OF-MESSAGE");
    ch->subj = STR(subj);
    ch->what = what[which];
    ch->warn = 0;
    ret = check_words(ch, lists[which].words, 0);
    ch->subj = NULL;
    strbuf_free(subj);
    return ret;
}

/* check_begin - set up one command's evaluation */
static void
check_begin(CHECK *ch, SMTPD_STATE *state, const char *cmd, STRBUF *reply)
{
    memset(ch, 0, sizeof(*ch));
    ch->state = state;
    ch->cmd = cmd;
    ch->reply = reply;
    ch->helo = LEN(state->helo) ? STR(state->helo) : NULL;
    ch->sender = state->in_mail ? STR(state->sender) : NULL;
    ch->defer_permit = strbuf_create(0);
    ch->defer_reject = strbuf_create(0);
}

/* check_end - DEFER_IF_PERMIT applies when all else permits */
static int
check_end(CHECK *ch, int ret)
{
    if (ret != CHK_REJECT && LEN(ch->defer_permit) > 0) {
        strbuf_strcpy(ch->reply, STR(ch->defer_permit));
        ret = CHK_REJECT;
    }
    strbuf_free(ch->defer_permit);
    strbuf_free(ch->defer_reject);
    return ret == CHK_REJECT ? -1 : 0;
}

/* check_early - client, HELO and sender lists, as far as known */
static int
check_early(CHECK *ch, int upto)
{
    if (check_list(ch, L_CLIENT) == CHK_REJECT)
        return CHK_REJECT;
    if (upto >= L_HELO && ch->helo && check_list(ch, L_HELO) == CHK_REJECT)
        return CHK_REJECT;
    if (upto >= L_SENDER && ch->sender &&
        check_list(ch, L_SENDER) == CHK_REJECT)
        return CHK_REJECT;
    return CHK_DUNNO;
}

/* smtpd_check_client - at connect, unless smtpd_delay_reject */
int
smtpd_check_client(SMTPD_STATE *state, STRBUF *reply)
{
    CHECK ch;

    if (cf.delay_reject)
        return 0;
    check_begin(&ch, state, "CONNECT", reply);
    return check_end(&ch, check_list(&ch, L_CLIENT));
}

/* smtpd_check_helo - at HELO/EHLO, unless smtpd_delay_reject */
int
smtpd_check_helo(SMTPD_STATE *state, const char *helo, STRBUF *reply)
{
    CHECK ch;

    if (cf.delay_reject)
        return 0;
    check_begin(&ch, state, "HELO", reply);
    ch.helo = helo;
    return check_end(&ch, check_list(&ch, L_HELO));
}

/* smtpd_check_mail - at MAIL: the sender list unless delayed */
int
smtpd_check_mail(SMTPD_STATE *state, const char *sender, STRBUF *reply)
{
    CHECK ch;
    int ret = CHK_DUNNO;

    check_begin(&ch, state, "MAIL", reply);
    ch.sender = sender;
    if (!cf.delay_reject)
        ret = check_list(&ch, L_SENDER);
    if (ret != CHK_REJECT && cf.unlisted_sender)
        ret = check_unlisted(&ch, sender, "Sender address");
    if (check_end(&ch, ret) < 0)
        return -1;
    return smtpd_anvil_message(state, reply);
}

/* smtpd_check_rcpt - at RCPT: (delayed lists), relay, recipient */
int
smtpd_check_rcpt(SMTPD_STATE *state, const char *rcpt, STRBUF *reply)
{
    CHECK ch;
    int ret = CHK_DUNNO;

    check_begin(&ch, state, "RCPT", reply);
    ch.rcpt = rcpt;
    if (cf.delay_reject)
        ret = check_early(&ch, L_SENDER);
    if (ret != CHK_REJECT)
        ret = check_list(&ch, L_RELAY);
    if (ret != CHK_REJECT)
        ret = check_list(&ch, L_RCPT);
    if (ret != CHK_REJECT && cf.unlisted_rcpt) {
        ch.subj = rcpt;
        ret = check_unlisted(&ch, rcpt, "Recipient address");
    }
    if (check_end(&ch, ret) < 0)
        return -1;
    return smtpd_anvil_rcpt(state, reply);
}

/* smtpd_check_data - at DATA (or the first BDAT) */
int
smtpd_check_data(SMTPD_STATE *state, STRBUF *reply)
{
    CHECK ch;

    check_begin(&ch, state, "DATA", reply);
    return check_end(&ch, check_list(&ch, L_DATA));
}

/* smtpd_check_eod - at the end of the message, before it is committed */
int
smtpd_check_eod(SMTPD_STATE *state, STRBUF *reply)
{
    CHECK ch;

    check_begin(&ch, state, "END-OF-MESSAGE", reply);
    return check_end(&ch, check_list(&ch, L_EOD));
}

/* smtpd_fate - remember what an access action asks of the message */
void
smtpd_fate(SMTPD_STATE *state, int action, const char *text)
{
    switch (action) {
        case SMTPD_ACC_HOLD:
            state->hold = 1;
            break;
        case SMTPD_ACC_DISCARD:
            state->discard = 1;
            break;
        case SMTPD_ACC_FILTER:
            if (state->filter)
                myfree(state->filter);
            state->filter = mystrdup(text);
            break;
        case SMTPD_ACC_REDIRECT:
            if (state->redirect)
                myfree(state->redirect);
            state->redirect = mystrdup(text);
            break;
        case SMTPD_ACC_PREPEND:
            if (state->prepend == NULL)
                state->prepend = argv_alloc(2);
            if (state->prepend->argc < 100)
                argv_add(state->prepend, text);
            break;
    }
}

/* smtpd_check_queue - enough room in queue_directory (our cwd)? */
int
smtpd_check_queue(SMTPD_STATE *state, STRBUF *reply)
{
    struct statvfs fs;
    double need, have;

    if (statvfs(".", &fs) < 0) {
        msg_warn("statvfs queue_directory: %s", strerror(errno));
        return 0;
    }
    have = (double) fs.f_bavail * (double) fs.f_frsize;
    /* Room for the declared size one and a half times, like Postfix. */
    need = (double) smtpd_params.queue_minfree +
           (state->mail_args.size > 0 ? 1.5 * state->mail_args.size : 0);
    if (have >= need)
        return 0;
    strbuf_strcpy(reply, "452 4.3.1 Insufficient system storage");
    return -1;
}

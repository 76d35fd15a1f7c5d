/*
 * smtpd_check - smtpd(8)'s policy hook: the one place that decides
 * whether a client, HELO name, sender or recipient is acceptable.
 *
 * For now it implements only the safe default of DESIGN.md section 6
 * (not an open relay): a client in mynetworks may send to any
 * recipient; any other client only to our own domains (mydestination,
 * $myhostname, localhost, [the address it connected to]) and to
 * virtual_alias_domains, virtual_mailbox_domains and relay_domains.
 * Anything else is "554 5.7.1 <addr>: Relay access denied".  The
 * restriction lists of issue 6 item 3 replace smtpd_check_rcpt()'s body.
 *
 * smtpd_check_init() reads the parameters and opens the tables they
 * name (before chroot); a table that cannot be opened is fatal, as for
 * any daemon with a broken configuration.  A table lookup that fails at
 * run time is a temporary "451 4.3.0" reply.  smtpd_check_cidr() and
 * smtpd_check_domain_in() are pure, for tests.  Replies go to the
 * caller's STRBUF.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/statvfs.h>

#include "argv.h"
#include "mail_conf.h"
#include "maps.h"
#include "msg.h"
#include "mymalloc.h"
#include "smtpd.h"

/* A list of domains: names, and the tables among its items. */
typedef struct CHECK_DOMAINS {
    ARGV *names;
    MAPS *maps;
} CHECK_DOMAINS;

static CHECK_DOMAINS local_domains; /* mydestination, localhost */
static CHECK_DOMAINS other_domains; /* virtual_*_domains, relay_domains */
static ARGV *mynetworks;

/* check_domains_add - split a parameter into names and tables */
static void
check_domains_add(CHECK_DOMAINS *cd, const char *param)
{
    char *value = mail_conf_str(param);
    ARGV *items = argv_split(value, ", \t\r\n");
    STRBUF *tables = strbuf_create(0), *err = strbuf_create(0);
    size_t i;

    for (i = 0; i < items->argc; i++) {
        if (strchr(items->argv[i], ':') != NULL) {
            strbuf_sprintf_cat(tables, "%s%s", LEN(tables) ? ", " : "",
                               items->argv[i]);
        } else if (items->argv[i][0] == '/') {
            msg_warn("%s: file %s is not supported here; use a table", param,
                     items->argv[i]);
        } else {
            argv_add(cd->names, items->argv[i]);
        }
    }
    if (LEN(tables) > 0 && cd->maps == NULL) {
        cd->maps = maps_create(param, STR(tables), DICT_FLAG_FOLD_FIX, err);
        if (cd->maps == NULL)
            msg_fatal("%s: %s", param, STR(err));
    }
    argv_free(items);
    strbuf_free(tables);
    strbuf_free(err);
    myfree(value);
}

/* smtpd_check_init - read the parameters the default policy needs */
void
smtpd_check_init(void)
{
    char *nets = mail_conf_str("mynetworks");

    local_domains.names = argv_alloc(4);
    other_domains.names = argv_alloc(4);
    check_domains_add(&local_domains, "mydestination");
    argv_add(local_domains.names, smtpd_params.myhostname);
    argv_add(local_domains.names, "localhost");
    check_domains_add(&other_domains, "virtual_alias_domains");
    check_domains_add(&other_domains, "virtual_mailbox_domains");
    check_domains_add(&other_domains, "relay_domains");
    mynetworks = argv_split(nets, ", \t\r\n");
    myfree(nets);
}

/* check_addr_bytes - parse an address (brackets allowed) into bytes */
static int
check_addr_bytes(const char *text, size_t len, unsigned char *out)
{
    char buf[64];

    if (len > 0 && text[0] == '[' && text[len - 1] == ']') {
        text++;
        len -= 2;
    }
    if (len == 0 || len >= sizeof(buf))
        return 0;
    memcpy(buf, text, len);
    buf[len] = 0;
    if (inet_pton(AF_INET, buf, out) == 1)
        return AF_INET;
    if (inet_pton(AF_INET6, buf, out) == 1)
        return AF_INET6;
    return 0;
}

/* smtpd_check_cidr - 1 when addr lies in pattern (addr or net/bits) */
int
smtpd_check_cidr(const char *pattern, const char *addr)
{
    unsigned char net[16], key[16];
    const char *slash = strchr(pattern, '/');
    size_t plen = slash ? (size_t) (slash - pattern) : strlen(pattern);
    int fam = check_addr_bytes(pattern, plen, net);
    long bits, i;
    char *end;

    if (fam == 0 || check_addr_bytes(addr, strlen(addr), key) != fam)
        return 0;
    bits = fam == AF_INET ? 32 : 128;
    if (slash) {
        errno = 0;
        bits = strtol(slash + 1, &end, 10);
        if (errno || *end || end == slash + 1 || bits < 0 ||
            bits > (fam == AF_INET ? 32 : 128))
            return 0;
    }
    for (i = 0; i < bits / 8; i++)
        if (net[i] != key[i])
            return 0;
    if (bits % 8) {
        unsigned char mask = (unsigned char) (0xff << (8 - bits % 8));

        return (net[i] & mask) == (key[i] & mask);
    }
    return 1;
}

/* smtpd_check_mynetworks - is the client trusted? */
int
smtpd_check_mynetworks(const char *addr)
{
    size_t i;

    for (i = 0; mynetworks && i < mynetworks->argc; i++)
        if (smtpd_check_cidr(mynetworks->argv[i], addr))
            return 1;
    return 0;
}

/* smtpd_check_domain_in - case-insensitive match, one trailing dot */
int
smtpd_check_domain_in(const char *domain, const ARGV *list)
{
    size_t len = strlen(domain), i;

    if (len > 1 && domain[len - 1] == '.')
        len--;
    for (i = 0; list && i < list->argc; i++)
        if (strlen(list->argv[i]) == len &&
            strncasecmp(list->argv[i], domain, len) == 0)
            return 1;
    return 0;
}

/* check_domain_listed - 1 listed, 0 not, -1 table failure */
static int
check_domain_listed(const CHECK_DOMAINS *cd, const char *domain)
{
    STRBUF *key;
    int found;

    if (smtpd_check_domain_in(domain, cd->names))
        return 1;
    if (cd->maps == NULL)
        return 0;
    key = strbuf_create(0);
    strbuf_strcpy(key, domain);
    if (LEN(key) > 1 && STR(key)[LEN(key) - 1] == '.')
        strbuf_truncate(key, LEN(key) - 1);
    found = maps_find(cd->maps, STR(key), 0) != NULL;
    strbuf_free(key);
    if (!found && cd->maps->error)
        return -1;
    return found;
}

/* check_our_literal - [addr] that names the address the client reached */
static int
check_our_literal(SMTPD_STATE *state, const char *domain)
{
    unsigned char a[16], b[16];
    size_t len = strlen(domain);
    int fam;

    if (domain[0] != '[' || domain[len - 1] != ']')
        return 0;
    if (len > 7 && strncasecmp(domain, "[IPv6:", 6) == 0) {
        fam = check_addr_bytes(domain + 6, len - 7, a);
    } else {
        fam = check_addr_bytes(domain, len, a);
    }
    return fam && state->server_addr &&
           check_addr_bytes(state->server_addr, strlen(state->server_addr),
                            b) == fam &&
           memcmp(a, b, fam == AF_INET ? 4 : 16) == 0;
}

/* check_rcpt_domain - 1 ours or hosted, 0 not, -1 table failure */
static int
check_rcpt_domain(SMTPD_STATE *state, const char *domain)
{
    int ret;

    if (domain[0] == '[')
        return check_our_literal(state, domain);
    if ((ret = check_domain_listed(&local_domains, domain)) != 0)
        return ret;
    return check_domain_listed(&other_domains, domain);
}

/* smtpd_check_rcpt - the default recipient policy: no open relay */
int
smtpd_check_rcpt(SMTPD_STATE *state, const char *rcpt, STRBUF *reply)
{
    const char *at = strrchr(rcpt, '@');
    int ours;

    /* RFC 5321 section 4.5.1: postmaster is always accepted. */
    if (smtpd_addr_is_postmaster(rcpt) || state->trusted)
        return 0;
    ours = at ? check_rcpt_domain(state, at + 1) : 1;
    if (ours < 0) {
        strbuf_sprintf(reply, "451 4.3.0 <%s>: Temporary lookup failure", rcpt);
        return -1;
    }
    /* Routing operators in the local part would relay via our domain. */
    if (ours && at && strcspn(rcpt, "@%!") < (size_t) (at - rcpt))
        ours = 0;
    if (ours)
        return 0;
    strbuf_sprintf(reply, "554 5.7.1 <%s>: Relay access denied", rcpt);
    return -1;
}

/* smtpd_check_client - no client restrictions yet */
int
smtpd_check_client(SMTPD_STATE *state, STRBUF *reply)
{
    (void) state;
    (void) reply;
    return 0;
}

/* smtpd_check_helo - no HELO restrictions yet */
int
smtpd_check_helo(SMTPD_STATE *state, const char *helo, STRBUF *reply)
{
    (void) state;
    (void) helo;
    (void) reply;
    return 0;
}

/* smtpd_check_mail - no sender restrictions yet */
int
smtpd_check_mail(SMTPD_STATE *state, const char *sender, STRBUF *reply)
{
    (void) state;
    (void) sender;
    (void) reply;
    return 0;
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

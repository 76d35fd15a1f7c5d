/*
 * sendmail_opts - the command line of sendmail, mailq and newaliases, and
 * the small value syntaxes it carries.
 *
 * sendmail_opts_init() sets the defaults for the name the program was run
 * as (mailq: -bp, newaliases: -bi).  sendmail_opts_parse() reads options
 * the way getopt(3) does (clustered flags, "-fADDR" or "-f ADDR", "--"
 * ends them, the first non-option begins the recipients) and stores
 * pointers into argv; it returns 0, or -1 with a reason in why for a
 * usage error.  It never exits, logs or changes argv.
 *
 * sendmail_parse_notify() reads a DSN NOTIFY list (RFC 3461 4.1);
 * sendmail_envid_ok() checks an
 * ENVID (RFC 3461 4, 4.4); sendmail_strip_addr() removes one pair of
 * surrounding angle brackets; sendmail_gecos_name() takes a passwd GECOS
 * field up to its first comma.  The STRBUF results belong to the caller.
 */
#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "rec_type.h"
#include "sendmail.h"
#include "xtext.h"

/* Options that take a value (attached or the next word). */
#define SM_OPT_WITH_ARG "BCFLNORVXbfor"

/* Options without a value; 'q' takes an optional attached one. */
#define SM_OPT_FLAGS "GIUimntvq"

/* sendmail_opts_init - defaults, and the mode the program name implies */
void
sendmail_opts_init(SENDMAIL_OPTS *opts, const char *argv0)
{
    const char *base = argv0 ? strrchr(argv0, '/') : NULL;

    memset(opts, 0, sizeof(*opts));
    base = base ? base + 1 : (argv0 ? argv0 : "sendmail");
    if (strcmp(base, "mailq") == 0)
        opts->mode = SM_MODE_LISTQ;
    else if (strcmp(base, "newaliases") == 0)
        opts->mode = SM_MODE_NEWALIAS;
    else
        opts->mode = SM_MODE_DELIVER;
}

/* opt_mode - -bX */
static int
opt_mode(SENDMAIL_OPTS *opts, const char *arg, STRBUF *why)
{
    static const struct {
        const char *name;
        int mode;
    } modes[] = {
        {"m", SM_MODE_DELIVER},  {"s", SM_MODE_SMTP},   {"p", SM_MODE_LISTQ},
        {"i", SM_MODE_NEWALIAS}, {"d", SM_MODE_DAEMON}, {"D", SM_MODE_DAEMON},
    };
    size_t i;

    for (i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
        if (strcmp(arg, modes[i].name) == 0) {
            opts->mode = modes[i].mode;
            return 0;
        }
    }
    return strbuf_fail(why, 0, "unsupported mode -b%s", arg);
}

/* opt_queue - -q, -qINTERVAL, -qRsite, -qSsite (site may be the next word) */
static int
opt_queue(SENDMAIL_OPTS *opts, const char *arg, STRBUF *why)
{
    if (*arg == 0) {
        opts->mode = SM_MODE_FLUSH;
    } else if (*arg == 'R' || *arg == 'S') {
        if (arg[1] == 0)
            return strbuf_fail(why, 0, "-q%c needs a site", *arg);
        opts->mode = SM_MODE_FLUSH_TO;
        opts->site = arg + 1;
    } else if (isdigit((unsigned char) *arg)) {
        opts->queue_interval = 1;
    } else {
        return strbuf_fail(why, 0, "unsupported option -q%s", arg);
    }
    return 0;
}

/* opt_keyword - -R and -B: one of two words, any case; stores ours */
static int
opt_keyword(const char **dst, const char *arg, const char *const words[2],
            int ch, STRBUF *why)
{
    if (strcasecmp(arg, words[0]) == 0)
        *dst = words[0];
    else if (strcasecmp(arg, words[1]) == 0)
        *dst = words[1];
    else
        return strbuf_fail(why, 0, "-%c: expected %s or %s, not \"%s\"", ch,
                           words[0], words[1], arg);
    return 0;
}

/* opt_o - -oX: only -oi and -oAfile mean something */
static int
opt_o(SENDMAIL_OPTS *opts, const char *arg, STRBUF *why)
{
    if (strcmp(arg, "i") == 0) {
        opts->ignore_dot = 1;
    } else if (arg[0] == 'A') {
        if (arg[1] == 0)
            return strbuf_fail(why, 0, "-oA needs a file name");
        opts->alias_file = arg + 1;
    }
    return 0;
}

/* opt_value - one option that takes a value */
static int
opt_value(SENDMAIL_OPTS *opts, int ch, const char *arg, STRBUF *why)
{
    static const char *const ret_words[2] = {"full", "hdrs"};
    static const char *const enc_words[2] = {"7bit", "8bitmime"};

    switch (ch) {
        case 'B':
            return opt_keyword(&opts->encoding, arg, enc_words, ch, why);
        case 'C':
            opts->config_dir = arg;
            return 0;
        case 'F':
            opts->full_name = arg;
            return 0;
        case 'L':
            opts->log_name = arg;
            return 0;
        case 'N':
            if (sendmail_parse_notify(arg, strlen(arg), &opts->dsn_notify) < 0)
                return strbuf_fail(why, 0, "-N: bad notify list \"%s\"", arg);
            return 0;
        case 'R':
            return opt_keyword(&opts->ret, arg, ret_words, ch, why);
        case 'V':
            if (!sendmail_envid_ok(arg, strlen(arg)))
                return strbuf_fail(why, 0, "-V: bad envelope id");
            opts->envid = arg;
            return 0;
        case 'b':
            return opt_mode(opts, arg, why);
        case 'f':
        case 'r':
            opts->sender = arg;
            return 0;
        case 'o':
            return opt_o(opts, arg, why);
        case 'X':
            opts->log_file = arg;
            return 0;
        default: /* -O option=value: ignored */
            return 0;
    }
}

/* opt_flag - one option without a value */
static void
opt_flag(SENDMAIL_OPTS *opts, int ch)
{
    switch (ch) {
        case 't':
            opts->extract = 1;
            break;
        case 'i':
            opts->ignore_dot = 1;
            break;
        case 'v':
            opts->verbose++;
            break;
        case 'I':
            opts->mode = SM_MODE_NEWALIAS;
            break;
        default: /* -G, -U, -m, -n: ignored as Postfix does */
            break;
    }
}

/* opt_queue_word - -q as the rest of a word; "-qR site" takes the next */
static int
opt_queue_word(SENDMAIL_OPTS *opts, int argc, char **argv, int *next,
               const char *arg, STRBUF *why)
{
    if ((arg[0] == 'R' || arg[0] == 'S') && arg[1] == 0 && *next + 1 < argc) {
        *next += 1;
        opts->mode = SM_MODE_FLUSH_TO;
        opts->site = argv[*next];
        return 0;
    }
    return opt_queue(opts, arg, why);
}

/* opt_word - the options of one argv word; *next moves past a value */
static int
opt_word(SENDMAIL_OPTS *opts, int argc, char **argv, int *next, STRBUF *why)
{
    const char *p = argv[*next] + 1;

    for (; *p; p++) {
        if (*p == 'q')
            return opt_queue_word(opts, argc, argv, next, p + 1, why);
        if (strchr(SM_OPT_WITH_ARG, *p) != NULL) {
            if (p[1] != 0)
                return opt_value(opts, *p, p + 1, why);
            if (*next + 1 >= argc)
                return strbuf_fail(why, 0, "option -%c needs a value", *p);
            *next += 1;
            return opt_value(opts, *p, argv[*next], why);
        }
        if (strchr(SM_OPT_FLAGS, *p) == NULL)
            return strbuf_fail(why, 0, "unknown option -%c", *p);
        opt_flag(opts, *p);
    }
    return 0;
}

/* sendmail_opts_parse - options, then recipients from opts->first_rcpt */
int
sendmail_opts_parse(int argc, char **argv, SENDMAIL_OPTS *opts, STRBUF *why)
{
    int i;

    for (i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--") == 0) {
            i++;
            break;
        }
        if (argv[i][0] != '-' || argv[i][1] == 0)
            break;
        if (opt_word(opts, argc, argv, &i, why) < 0)
            return -1;
    }
    opts->first_rcpt = i;
    /* A queue run interval means "run as a daemon" there: nothing here. */
    if (opts->queue_interval && opts->mode == SM_MODE_DELIVER)
        opts->mode = SM_MODE_IGNORE;
    return 0;
}

/* notify_word - one NOTIFY keyword (any case, RFC 3461 4.1), or 0 */
static int
notify_word(const char *str, size_t len)
{
    static const struct {
        const char *word;
        int flag;
    } words[] = {
        {"never", DSN_NOTIFY_NEVER},
        {"success", DSN_NOTIFY_SUCCESS},
        {"failure", DSN_NOTIFY_FAILURE},
        {"delay", DSN_NOTIFY_DELAY},
    };
    size_t i;

    for (i = 0; i < sizeof(words) / sizeof(words[0]); i++)
        if (len == strlen(words[i].word) &&
            strncasecmp(str, words[i].word, len) == 0)
            return words[i].flag;
    return 0;
}

/* sendmail_parse_notify - "never" or a comma list of the others; 0 or -1 */
int
sendmail_parse_notify(const char *str, size_t len, int *flags)
{
    const char *end = str + len;
    const char *comma;
    int result = 0;
    int flag;

    if (len == 0)
        return -1;
    for (;;) {
        comma = memchr(str, ',', (size_t) (end - str));
        if ((flag = notify_word(str, (comma ? comma : end) - str)) == 0)
            return -1;
        result |= flag;
        if (comma == NULL)
            break;
        str = comma + 1;
    }
    /* RFC 3461 4.1: NEVER must not be combined with the others. */
    if ((result & DSN_NOTIFY_NEVER) && result != DSN_NOTIFY_NEVER)
        return -1;
    *flags = result;
    return 0;
}

/* sendmail_envid_ok - 1..SM_ENVID_MAX printable ASCII characters */
int
sendmail_envid_ok(const char *str, size_t len)
{
    size_t i;

    if (len == 0 || len > SM_ENVID_MAX)
        return 0;
    for (i = 0; i < len; i++)
        if ((unsigned char) str[i] < 0x21 || (unsigned char) str[i] > 0x7e)
            return 0;
    return 1;
}

/* sendmail_strip_addr - addr without one pair of surrounding <> */
STRBUF *
sendmail_strip_addr(STRBUF *out, const char *addr, size_t len)
{
    if (len >= 2 && addr[0] == '<' && addr[len - 1] == '>') {
        addr++;
        len -= 2;
    }
    strbuf_memcpy(out, addr, len);
    return out;
}

/* sendmail_gecos_name - the GECOS field up to its first comma */
STRBUF *
sendmail_gecos_name(STRBUF *out, const char *gecos)
{
    const char *comma = strchr(gecos, ',');

    strbuf_memcpy(out, gecos, comma ? (size_t) (comma - gecos) : strlen(gecos));
    return out;
}

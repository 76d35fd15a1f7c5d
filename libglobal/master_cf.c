/*
 * master_cf - read master.cf into a list of services.
 *
 * The syntax is Postfix's (master(5)): logical lines (see lline), each
 * "service type private unpriv chroot wakeup maxproc command args...".
 * "-" asks for the default: private y (an inet service is never private),
 * unpriv y, chroot y below compatibility level 1 and n from level 1 on
 * (Postfix 3.0; master_cf_chroot() takes the caller's verdict), wakeup 0
 * (none; "N?" waits for the first use), maxproc $default_process_limit
 * (-1 here: the caller knows the parameter).  An argument that starts
 * with '{' runs to the matching '}' and is one argument, trimmed inside.
 * "-o name=value" and "-o { name = value }" among the leading options go
 * to the override list as "name=value"; other arguments stay, in order.
 * An inet service name is [host:]port, host possibly in "[]" (IPv6).
 *
 * master_cf_read() and master_cf_parse() add to a list and return 0, or
 * -1 with err set ("/x/master.cf, line 7: bad service type \"tcp\"");
 * services read before the error stay.  A service defined again (same
 * name and type) is a warning, and the last definition wins.
 * master_cf_parse_service() parses one logical line into a service the
 * caller frees with master_cf_service_free().  master_cf_find() returns a
 * service the list owns, or NULL.  master_cf_print() writes a service
 * back in master.cf's column layout into the caller's STRBUF.  Nothing
 * here is fatal except memory exhaustion.
 */
#include <limits.h>
#include <stdarg.h>
#include <string.h>

#include "argv.h"
#include "lline.h"
#include "main_cf.h"
#include "master_cf.h"
#include "msg.h"
#include "mymalloc.h"
#include "strbuf.h"

/* Where a line came from, for messages. */
typedef struct MCF_CTX {
    const char *source;
    int line;
    STRBUF *err;
} MCF_CTX;

/* A word, or the trimmed inside of a { group }. */
typedef struct MCF_TOKEN {
    const char *ptr;
    size_t len;
    int braced;
} MCF_TOKEN;

/* The names of the fields, for messages. */
static const char *mcf_fields[] = {"service", "type",   "private", "unpriv",
                                   "chroot",  "wakeup", "maxproc", "command"};

static const struct {
    const char *name;
    int type;
} mcf_types[] = {
    {"inet", MASTER_CF_INET},
    {"unix", MASTER_CF_UNIX},
    {"unix-dgram", MASTER_CF_UNIX_DGRAM},
    {"fifo", MASTER_CF_FIFO},
    {"pass", MASTER_CF_PASS},
};

#define MCF_NTYPES (sizeof(mcf_types) / sizeof(mcf_types[0]))

/* Quote at most this much of a line in a message: "%.*s%s". */
#define EXCERPT_MAX 40
#define EXCERPT(p, l)                                                          \
    (int) ((l) > EXCERPT_MAX ? EXCERPT_MAX : (l)), (p),                        \
        ((l) > EXCERPT_MAX ? "..." : "")

/* Folded output wraps arguments at this column. */
#define MCF_PRINT_WIDTH 80

/* is_blank - white space between fields */
static int
is_blank(int ch)
{
    return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n' || ch == '\f' ||
           ch == '\v';
}

/* mcf_error - "source, line N: text"; returns -1 */
static int mcf_error(MCF_CTX *ctx, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int
mcf_error(MCF_CTX *ctx, const char *fmt, ...)
{
    va_list ap;

    strbuf_sprintf(ctx->err, "%s, line %d: ", ctx->source, ctx->line);
    va_start(ap, fmt);
    strbuf_vsprintf_cat(ctx->err, fmt, ap);
    va_end(ap);
    return -1;
}

/* master_cf_type - the type code for a type name, or 0 */
int
master_cf_type(const char *name)
{
    size_t i;

    for (i = 0; i < MCF_NTYPES; i++)
        if (strcmp(mcf_types[i].name, name) == 0)
            return mcf_types[i].type;
    return 0;
}

/* master_cf_type_name - the name of a type code */
const char *
master_cf_type_name(int type)
{
    size_t i;

    for (i = 0; i < MCF_NTYPES; i++)
        if (mcf_types[i].type == type)
            return mcf_types[i].name;
    msg_panic("master_cf_type_name: bad type %d", type);
}

/* mcf_match - the '}' that closes the '{' at cp, or NULL */
static const char *
mcf_match(const char *cp)
{
    size_t depth = 0;

    for (; *cp != 0; cp++) {
        if (*cp == '{')
            depth++;
        else if (*cp == '}' && --depth == 0)
            return cp;
    }
    return NULL;
}

/* mcf_token - the next word or { group } at *cpp: 1, 0 at the end, -1 */
static int
mcf_token(MCF_CTX *ctx, const char **cpp, MCF_TOKEN *tok)
{
    const char *cp = *cpp, *close, *end;

    while (is_blank(*cp))
        cp++;
    if (*cp == 0)
        return 0;
    if (*cp != '{') {
        for (tok->ptr = cp; *cp != 0 && !is_blank(*cp); cp++)
            /* void */;
        tok->len = (size_t) (cp - tok->ptr);
        tok->braced = 0;
        *cpp = cp;
        return 1;
    }
    if ((close = mcf_match(cp)) == NULL)
        return mcf_error(ctx, "unbalanced '{' in \"%.*s%s\"",
                         EXCERPT(cp, strlen(cp)));
    if (close[1] != 0 && !is_blank(close[1]))
        return mcf_error(ctx, "text after '}' in \"%.*s%s\"",
                         EXCERPT(cp, strlen(cp)));
    for (cp++; cp < close && is_blank(*cp); cp++)
        /* void */;
    for (end = close; end > cp && is_blank(end[-1]); end--)
        /* void */;
    tok->ptr = cp;
    tok->len = (size_t) (end - cp);
    tok->braced = 1;
    *cpp = close + 1;
    return 1;
}

/* mcf_is - is the token the given word? */
static int
mcf_is(const MCF_TOKEN *tok, const char *word)
{
    return !tok->braced && tok->len == strlen(word) &&
           memcmp(tok->ptr, word, tok->len) == 0;
}

/* mcf_service_alloc - an empty service */
static MASTER_CF_SERVICE *
mcf_service_alloc(const char *source, int line)
{
    MASTER_CF_SERVICE *sv = mycalloc(1, sizeof(*sv));

    sv->args = argv_alloc(4);
    sv->overrides = argv_alloc(4);
    sv->source = mystrdup(source);
    sv->line = line;
    sv->maxproc = -1;
    return sv;
}

/* master_cf_service_free - release a service; returns NULL */
MASTER_CF_SERVICE *
master_cf_service_free(MASTER_CF_SERVICE *sv)
{
    int i;

    if (sv == NULL)
        return NULL;
    for (i = 0; i < MASTER_CF_NCOLUMNS; i++)
        myfree(sv->column[i]);
    myfree(sv->name);
    myfree(sv->host);
    myfree(sv->port);
    myfree(sv->command);
    argv_free(sv->args);
    argv_free(sv->overrides);
    myfree(sv->source);
    myfree(sv);
    return NULL;
}

/* mcf_columns - the seven columns and the command, as written */
static int
mcf_columns(MCF_CTX *ctx, MASTER_CF_SERVICE *sv, const char **cpp)
{
    MCF_TOKEN tok;
    int i, ret;

    for (i = 0; i <= MASTER_CF_NCOLUMNS; i++) {
        if ((ret = mcf_token(ctx, cpp, &tok)) < 0)
            return -1;
        if (ret == 0)
            return mcf_error(ctx, "missing \"%s\" field", mcf_fields[i]);
        if (tok.braced)
            return mcf_error(ctx, "unexpected '{' in \"%s\" field",
                             mcf_fields[i]);
        if (i < MASTER_CF_NCOLUMNS)
            sv->column[i] = mystrndup(tok.ptr, tok.len);
        else
            sv->command = mystrndup(tok.ptr, tok.len);
    }
    return 0;
}

/* mcf_number - a decimal number of len bytes, 0..INT_MAX */
static int
mcf_number(const char *str, size_t len, int *val)
{
    long n = 0;
    size_t i;

    if (len == 0)
        return -1;
    for (i = 0; i < len; i++) {
        if (str[i] < '0' || str[i] > '9')
            return -1;
        if ((n = n * 10 + (str[i] - '0')) > INT_MAX)
            return -1;
    }
    *val = (int) n;
    return 0;
}

/* mcf_bool - a y, n or - column */
static int
mcf_bool(MCF_CTX *ctx, const char *str, const char *field, int *val)
{
    if (strcmp(str, "-") == 0)
        *val = MASTER_CF_DEFAULT;
    else if (strcmp(str, "y") == 0)
        *val = 1;
    else if (strcmp(str, "n") == 0)
        *val = 0;
    else
        return mcf_error(ctx, "bad \"%s\" field \"%s\" (want y, n or -)", field,
                         str);
    return 0;
}

/* mcf_wakeup - the wakeup column: seconds, seconds followed by ?, or - */
static int
mcf_wakeup(MCF_CTX *ctx, MASTER_CF_SERVICE *sv)
{
    const char *str = sv->column[5];
    size_t len = strlen(str);

    sv->wakeup = 0;
    if (strcmp(str, "-") == 0)
        return 0;
    if (len > 1 && str[len - 1] == '?') {
        sv->wakeup_if_used = 1;
        len--;
    }
    if (mcf_number(str, len, &sv->wakeup) < 0)
        return mcf_error(ctx,
                         "bad \"wakeup\" field \"%s\" (want seconds, "
                         "seconds? or -)",
                         str);
    return 0;
}

/* mcf_maxproc - the maxproc column: a number, or - */
static int
mcf_maxproc(MCF_CTX *ctx, MASTER_CF_SERVICE *sv)
{
    const char *str = sv->column[6];

    sv->maxproc = -1;
    if (strcmp(str, "-") == 0)
        return 0;
    if (mcf_number(str, strlen(str), &sv->maxproc) < 0)
        return mcf_error(ctx,
                         "bad \"maxproc\" field \"%s\" (want a number "
                         "or -)",
                         str);
    return 0;
}

/* mcf_port_ok - a port number or service name */
static int
mcf_port_ok(const char *port)
{
    return *port != 0 &&
           port[strspn(port, "abcdefghijklmnopqrstuvwxyz"
                             "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-")] == 0;
}

/* mcf_bad_inet - the error for an inet service name */
static int
mcf_bad_inet(MCF_CTX *ctx, const MASTER_CF_SERVICE *sv)
{
    return mcf_error(ctx, "bad inet service name \"%s\" (want [host:]port)",
                     sv->name);
}

/* mcf_inet_name - split an inet service name into host and port */
static int
mcf_inet_name(MCF_CTX *ctx, MASTER_CF_SERVICE *sv)
{
    const char *name = sv->name;
    const char *port = name;
    const char *cp;

    if (name[0] == '[') {
        cp = strchr(name, ']');
        if (cp == NULL || cp == name + 1 || cp[1] != ':')
            return mcf_bad_inet(ctx, sv);
        sv->host = mystrndup(name + 1, (size_t) (cp - name - 1));
        port = cp + 2;
    } else if ((cp = strrchr(name, ':')) != NULL) {
        if (cp == name)
            return mcf_bad_inet(ctx, sv);
        sv->host = mystrndup(name, (size_t) (cp - name));
        port = cp + 1;
    }
    if (!mcf_port_ok(port))
        return mcf_bad_inet(ctx, sv);
    sv->port = mystrdup(port);
    return 0;
}

/* mcf_interpret - check and convert the columns */
static int
mcf_interpret(MCF_CTX *ctx, MASTER_CF_SERVICE *sv)
{
    sv->name = mystrdup(sv->column[0]);
    if ((sv->type = master_cf_type(sv->column[1])) == 0)
        return mcf_error(ctx,
                         "bad service type \"%s\" (want inet, unix, "
                         "unix-dgram, fifo or pass)",
                         sv->column[1]);
    if (mcf_bool(ctx, sv->column[2], "private", &sv->private) < 0 ||
        mcf_bool(ctx, sv->column[3], "unpriv", &sv->unpriv) < 0 ||
        mcf_bool(ctx, sv->column[4], "chroot", &sv->chroot) < 0 ||
        mcf_wakeup(ctx, sv) < 0 || mcf_maxproc(ctx, sv) < 0)
        return -1;
    if (sv->type == MASTER_CF_INET)
        return mcf_inet_name(ctx, sv);
    return 0;
}

/* mcf_override - one -o setting, kept as "name=value" */
static int
mcf_override(MCF_CTX *ctx, MASTER_CF_SERVICE *sv, const MCF_TOKEN *tok)
{
    char *setting = mystrndup(tok->ptr, tok->len);
    STRBUF *name = strbuf_create(64);
    STRBUF *value = strbuf_create(64);
    char *why;
    int ret;

    if ((ret = main_cf_split(setting, name, value, ctx->err)) < 0) {
        why = mystrdup(STR(ctx->err));
        mcf_error(ctx, "bad -o setting \"%s\": %s", setting, why);
        myfree(why);
    } else {
        strbuf_addch(name, '=');
        strbuf_strcat(name, STR(value));
        argv_add(sv->overrides, STR(name));
    }
    myfree(setting);
    strbuf_free(name);
    strbuf_free(value);
    return ret;
}

/* mcf_arguments - the arguments after the command, -o settings apart */
static int
mcf_arguments(MCF_CTX *ctx, MASTER_CF_SERVICE *sv, const char *cp)
{
    MCF_TOKEN tok;
    int ret, options = 1;

    while ((ret = mcf_token(ctx, &cp, &tok)) > 0) {
        if (options && mcf_is(&tok, "-o")) {
            if ((ret = mcf_token(ctx, &cp, &tok)) == 0)
                return mcf_error(ctx, "\"-o\" without a parameter setting");
            if (ret < 0 || mcf_override(ctx, sv, &tok) < 0)
                return -1;
            continue;
        }
        /* Like getopt, options end at "--" or at the first other word. */
        if (tok.braced || tok.ptr[0] != '-' || mcf_is(&tok, "--"))
            options = 0;
        argv_addn(sv->args, tok.ptr, tok.len);
    }
    return ret;
}

/* master_cf_parse_service - one logical line; NULL with err set */
MASTER_CF_SERVICE *
master_cf_parse_service(const char *source, int line, const char *text,
                        STRBUF *err)
{
    MASTER_CF_SERVICE *sv = mcf_service_alloc(source, line);
    MCF_CTX ctx;

    ctx.source = source;
    ctx.line = line;
    ctx.err = err;
    if (mcf_columns(&ctx, sv, &text) < 0 || mcf_interpret(&ctx, sv) < 0 ||
        mcf_arguments(&ctx, sv, text) < 0)
        return master_cf_service_free(sv);
    return sv;
}

/* master_cf_create - an empty list with the default limits */
MASTER_CF *
master_cf_create(void)
{
    MASTER_CF *mc = mymalloc(sizeof(*mc));

    mc->size = 32;
    mc->count = 0;
    mc->services = mycalloc(mc->size, sizeof(*mc->services));
    mc->max_line = MASTER_CF_MAX_LINE;
    mc->max_services = MASTER_CF_MAX_SERVICES;
    return mc;
}

/* master_cf_free - release the list and its services; returns NULL */
MASTER_CF *
master_cf_free(MASTER_CF *mc)
{
    size_t i;

    if (mc == NULL)
        return NULL;
    for (i = 0; i < mc->count; i++)
        master_cf_service_free(mc->services[i]);
    myfree(mc->services);
    myfree(mc);
    return NULL;
}

/* mcf_forget - drop an earlier definition of the service, with a warning */
static void
mcf_forget(MASTER_CF *mc, const MASTER_CF_SERVICE *sv)
{
    MASTER_CF_SERVICE *old;
    size_t i;

    for (i = 0; i < mc->count; i++) {
        old = mc->services[i];
        if (old->type == sv->type && strcmp(old->name, sv->name) == 0) {
            msg_warn("%s, line %d: service %s/%s was defined before (%s, "
                     "line %d): the last definition wins",
                     sv->source, sv->line, sv->name,
                     master_cf_type_name(sv->type), old->source, old->line);
            master_cf_service_free(old);
            memmove(mc->services + i, mc->services + i + 1,
                    (mc->count - i - 1) * sizeof(*mc->services));
            mc->count--;
            return;
        }
    }
}

/* mcf_add - append a service, which the list then owns */
static int
mcf_add(MASTER_CF *mc, MASTER_CF_SERVICE *sv, STRBUF *err)
{
    mcf_forget(mc, sv);
    if (mc->count >= mc->max_services) {
        strbuf_sprintf(err, "%s, line %d: too many services (limit %zu)",
                       sv->source, sv->line, mc->max_services);
        master_cf_service_free(sv);
        return -1;
    }
    if (mc->count >= mc->size) {
        mc->size *= 2;
        mc->services =
            myreallocarray(mc->services, mc->size, sizeof(*mc->services));
    }
    mc->services[mc->count++] = sv;
    return 0;
}

/* master_cf_parse - add the services in len bytes of text from source */
int
master_cf_parse(MASTER_CF *mc, const char *source, const char *data, size_t len,
                STRBUF *err)
{
    LLINE *lp = lline_create(source, data, len, mc->max_line);
    STRBUF *line = strbuf_create(256);
    MASTER_CF_SERVICE *sv;
    int lineno, ret;

    while ((ret = lline_next(lp, line, &lineno, err)) > 0) {
        sv = master_cf_parse_service(source, lineno, STR(line), err);
        if (sv == NULL || mcf_add(mc, sv, err) < 0) {
            ret = -1;
            break;
        }
    }
    lline_free(lp);
    strbuf_free(line);
    return ret;
}

/* master_cf_read - add the services in a master.cf file */
int
master_cf_read(MASTER_CF *mc, const char *path, STRBUF *err)
{
    STRBUF *data = strbuf_create(8192);
    int ret;

    ret = lline_load(path, MASTER_CF_MAX_FILE, data, err);
    if (ret == 0)
        ret = master_cf_parse(mc, path, STR(data), LEN(data), err);
    strbuf_free(data);
    return ret;
}

/* master_cf_find - the service with that name and type, or NULL */
const MASTER_CF_SERVICE *
master_cf_find(const MASTER_CF *mc, const char *name, int type)
{
    size_t i;

    for (i = 0; i < mc->count; i++)
        if (mc->services[i]->type == type &&
            strcmp(mc->services[i]->name, name) == 0)
            return mc->services[i];
    return NULL;
}

/* master_cf_private - may only the mail system connect? */
int
master_cf_private(const MASTER_CF_SERVICE *sv)
{
    /* master(5): Internet services can't be private. */
    return sv->type != MASTER_CF_INET && sv->private != 0;
}

/* master_cf_unpriv - does the service run as mail_owner? */
int
master_cf_unpriv(const MASTER_CF_SERVICE *sv)
{
    return sv->unpriv != 0;
}

/* master_cf_chroot - chrooted?  legacy: compatibility_level below 1 */
int
master_cf_chroot(const MASTER_CF_SERVICE *sv, int legacy)
{
    return sv->chroot == MASTER_CF_DEFAULT ? legacy != 0 : sv->chroot;
}

/* mcf_print_word - an argument, in { } when it needs them to read back */
static void
mcf_print_word(STRBUF *out, const char *word)
{
    if (*word == 0)
        strbuf_strcat(out, "{}");
    else if (*word == '{' || strpbrk(word, " \t\r\n\f\v") != NULL)
        strbuf_sprintf_cat(out, "{ %s }", word);
    else
        strbuf_strcat(out, word);
}

/* mcf_print_override - "-o name=value", or "-o { name = value }" */
static void
mcf_print_override(STRBUF *out, const char *setting)
{
    const char *eq = strchr(setting, '=');

    if (eq != NULL && strpbrk(eq, " \t\r\n\f\v") != NULL)
        strbuf_sprintf_cat(out, "-o { %.*s = %s }", (int) (eq - setting),
                           setting, eq + 1);
    else
        strbuf_sprintf_cat(out, "-o %s", setting);
}

/* mcf_print_item - a separator, then text; FOLD: a new line if asked */
static void
mcf_print_item(STRBUF *out, int flags, int new_line, const STRBUF *text)
{
    const char *nl = strrchr(STR(out), '\n');
    size_t col =
        nl != NULL ? LEN(out) - (size_t) (nl + 1 - STR(out)) : LEN(out);

    if ((flags & MASTER_CF_PRINT_FOLD) &&
        (new_line || col + 1 + LEN(text) > MCF_PRINT_WIDTH))
        strbuf_strcat(out, "\n  ");
    else
        strbuf_addch(out, ' ');
    strbuf_memcat(out, STR(text), LEN(text));
}

/* master_cf_print - the service in master.cf's layout, into out */
STRBUF *
master_cf_print(STRBUF *out, const MASTER_CF_SERVICE *sv, int flags)
{
    STRBUF *word = strbuf_create(64);
    size_t i;

    strbuf_sprintf(out, "%-9s %-5s %-7s %-7s %-7s %-7s %-7s %s", sv->column[0],
                   sv->column[1], sv->column[2], sv->column[3], sv->column[4],
                   sv->column[5], sv->column[6], sv->command);
    for (i = 0; i < sv->overrides->argc; i++) {
        strbuf_reset(word);
        mcf_print_override(word, sv->overrides->argv[i]);
        mcf_print_item(out, flags, 1, word);
    }
    for (i = 0; i < sv->args->argc; i++) {
        strbuf_reset(word);
        mcf_print_word(word, sv->args->argv[i]);
        mcf_print_item(out, flags, i == 0, word);
    }
    strbuf_free(word);
    return out;
}

/*
 * xsasl_dovecot - the SASL back-end smtpd_sasl_type = dovecot: a client
 * of Dovecot's authentication protocol (major version 1) over the UNIX
 * socket smtpd_sasl_path (relative to queue_directory, smtpd's working
 * folder, or absolute).
 *
 * The exchange: we send "VERSION 1 1" and "CPID pid"; the server answers
 * VERSION, SPID, CUID, COOKIE, one MECH line per mechanism and DONE.  Per
 * authentication we send "AUTH id mech service=smtp nologin [secured]
 * lip= rip= [resp=base64]" and then "CONT id base64" for each response;
 * the server answers "CONT id base64", "OK id user=..." or "FAIL id
 * [reason=...] [temp]".  Fields are TAB-separated; values use Dovecot's
 * \001 escapes.  Every line from the server is bounded
 * (XSASL_DC_LINE_MAX) and so is the handshake (XSASL_DC_HANDSHAKE_MAX
 * lines).
 *
 * xsasl_dovecot_parse() parses one server line without side effects
 * (unit tests and a fuzz target use it).  xsasl_dovecot_init() returns
 * the back-end (never fails: the socket is tried per connection).  A
 * connection that cannot be made is a NULL create with why; one that
 * breaks later is XSASL_TEMP "Connection lost to authentication server".
 * Nothing here is fatal.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "msg.h"
#include "mymalloc.h"
#include "sock.h"
#include "stream.h"
#include "xsasl_dovecot.h"

#define DC_TIMEOUT_MS (30 * 1000)
#define DC_LOST       "Connection lost to authentication server"

typedef struct DC_IMPL {
    XSASL_SERVER_IMPL impl;
    char *path;
} DC_IMPL;

typedef struct DC_SERVER {
    XSASL_SERVER server;
    STREAM *stream;
    unsigned long id;       /* of the current request */
    XSASL_SERVER_ARGS args; /* service points to our copy */
    char *service;
    STRBUF *line;
    XSASL_DC_REPLY reply;
} DC_SERVER;

/* dc_unescape - Dovecot's \001 escapes into out; -1 when truncated */
static int
dc_unescape(const char *in, size_t len, STRBUF *out)
{
    size_t i;

    strbuf_reset(out);
    for (i = 0; i < len; i++) {
        if (in[i] != '\001') {
            strbuf_addch(out, in[i]);
            continue;
        }
        if (++i == len)
            return -1;
        switch (in[i]) {
            case '0':
                strbuf_addch(out, 0);
                break;
            case '1':
                strbuf_addch(out, '\001');
                break;
            case 't':
                strbuf_addch(out, '\t');
                break;
            case 'r':
                strbuf_addch(out, '\r');
                break;
            case 'n':
            case 'l':
                strbuf_addch(out, '\n');
                break;
            default:
                strbuf_addch(out, in[i]);
                break;
        }
    }
    return 0;
}

/* dc_number - a decimal field of at most 10 digits */
static int
dc_number(const char *p, size_t len, unsigned long *num)
{
    size_t i;

    if (len == 0 || len > 10)
        return -1;
    *num = 0;
    for (i = 0; i < len; i++) {
        if (p[i] < '0' || p[i] > '9')
            return -1;
        *num = *num * 10 + (unsigned long) (p[i] - '0');
    }
    return 0;
}

/* dc_is_base64 - only base64 characters (the server's CONT data) */
static int
dc_is_base64(const char *p, size_t len)
{
    static const char b64[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=";
    size_t i;

    for (i = 0; i < len; i++)
        if (p[i] == 0 || strchr(b64, p[i]) == NULL)
            return 0;
    return 1;
}

/* dc_field_is - does a field equal name? */
static int
dc_field_is(const char *f, size_t len, const char *name)
{
    return strlen(name) == len && memcmp(f, name, len) == 0;
}

/* dc_mech_flag - a MECH parameter as XSASL_MECH_* (0 if unknown) */
static int
dc_mech_flag(const char *f, size_t len)
{
    static const struct {
        const char *name;
        int flag;
    } flags[] = {
        {"anonymous", XSASL_MECH_ANONYMOUS},
        {"plaintext", XSASL_MECH_PLAINTEXT},
        {"dictionary", XSASL_MECH_DICT},
        {"active", XSASL_MECH_ACTIVE},
        {"mutual-auth", XSASL_MECH_MUTUAL},
        {"private", XSASL_MECH_PRIVATE},
    };
    size_t i;

    for (i = 0; i < sizeof(flags) / sizeof(flags[0]); i++)
        if (dc_field_is(f, len, flags[i].name))
            return flags[i].flag;
    return 0;
}

/* dc_split - the line's TAB-separated fields; -1 when too many */
static int
dc_split(const char *line, size_t len, const char **f, size_t *flen, size_t *nf)
{
    const char *p = line, *end = line + len, *tab;

    *nf = 0;
    while (*nf < XSASL_DC_FIELDS_MAX) {
        tab = memchr(p, '\t', (size_t) (end - p));
        f[*nf] = p;
        flen[(*nf)++] = tab ? (size_t) (tab - p) : (size_t) (end - p);
        if (tab == NULL)
            return 0;
        p = tab + 1;
    }
    return -1;
}

/* dc_parse_result - OK, CONT and FAIL: the id, then data or parameters */
static int
dc_parse_result(const char **f, const size_t *flen, size_t nf,
                XSASL_DC_REPLY *r)
{
    size_t i;

    if (nf < 2 || dc_number(f[1], flen[1], &r->id) < 0)
        return -1;
    if (r->type == XSASL_DC_CONT) {
        if (nf != 3 || !dc_is_base64(f[2], flen[2]))
            return -1;
        strbuf_memcpy(r->text, f[2], flen[2]);
        return 0;
    }
    for (i = 2; i < nf; i++) {
        if (dc_field_is(f[i], flen[i], "temp")) {
            r->temp = 1;
        } else if (r->type == XSASL_DC_OK && flen[i] > 5 &&
                   memcmp(f[i], "user=", 5) == 0) {
            if (dc_unescape(f[i] + 5, flen[i] - 5, r->text) < 0)
                return -1;
        } else if (r->type == XSASL_DC_FAIL && flen[i] >= 7 &&
                   memcmp(f[i], "reason=", 7) == 0) {
            if (dc_unescape(f[i] + 7, flen[i] - 7, r->text) < 0)
                return -1;
        }
        /* other parameters are ignored, as the protocol asks */
    }
    return 0;
}

/* dc_parse_mech - "MECH name [flags...]" */
static int
dc_parse_mech(const char **f, const size_t *flen, size_t nf, XSASL_DC_REPLY *r)
{
    size_t i;

    if (nf < 2 || flen[1] == 0 || flen[1] > XSASL_MECH_MAX)
        return -1;
    for (i = 0; i < flen[1]; i++)
        if (!((f[1][i] >= 'A' && f[1][i] <= 'Z') ||
              (f[1][i] >= '0' && f[1][i] <= '9') || f[1][i] == '-' ||
              f[1][i] == '_'))
            return -1; /* RFC 4422 section 3.1 names */
    memcpy(r->mech, f[1], flen[1]);
    r->mech[flen[1]] = 0;
    for (i = 2; i < nf; i++)
        r->mech_flags |= dc_mech_flag(f[i], flen[i]);
    return 0;
}

/* xsasl_dovecot_parse - one line from the auth server (no LF) */
int
xsasl_dovecot_parse(const char *line, size_t len, XSASL_DC_REPLY *r)
{
    const char *f[XSASL_DC_FIELDS_MAX];
    size_t flen[XSASL_DC_FIELDS_MAX], nf;

    r->type = XSASL_DC_OTHER;
    r->id = r->major = 0;
    r->mech[0] = 0;
    r->mech_flags = r->temp = 0;
    strbuf_reset(r->text);
    if (len > XSASL_DC_LINE_MAX || memchr(line, 0, len) != NULL ||
        dc_split(line, len, f, flen, &nf) < 0)
        return -1;
    if (dc_field_is(f[0], flen[0], "VERSION")) {
        r->type = XSASL_DC_VERSION;
        return nf >= 3 && dc_number(f[1], flen[1], &r->major) == 0 ? 0 : -1;
    }
    if (dc_field_is(f[0], flen[0], "MECH")) {
        r->type = XSASL_DC_MECH;
        return dc_parse_mech(f, flen, nf, r);
    }
    if (dc_field_is(f[0], flen[0], "DONE")) {
        r->type = XSASL_DC_DONE;
        return 0;
    }
    if (dc_field_is(f[0], flen[0], "OK"))
        r->type = XSASL_DC_OK;
    else if (dc_field_is(f[0], flen[0], "CONT"))
        r->type = XSASL_DC_CONT;
    else if (dc_field_is(f[0], flen[0], "FAIL"))
        r->type = XSASL_DC_FAIL;
    else
        return 0; /* SPID, CUID, COOKIE and the unknown: ignored */
    return dc_parse_result(f, flen, nf, r);
}

/* dc_read - the next server line, parsed; -1 on I/O or syntax trouble */
static int
dc_read(DC_SERVER *dc)
{
    STREAM_STATUS st;

    st = stream_get_line(dc->stream, dc->line, XSASL_DC_LINE_MAX);
    if (st != STREAM_LINE_OK) {
        msg_warn("SASL: dovecot auth server: %s", st == STREAM_LINE_TOOLONG
                                                      ? "line too long"
                                                      : stream_status_name(st));
        return -1;
    }
    if (xsasl_dovecot_parse(STR(dc->line), LEN(dc->line), &dc->reply) < 0) {
        msg_warn("SASL: dovecot auth server: malformed reply");
        return -1;
    }
    return 0;
}

/* dc_handshake - versions, then the mechanisms we may offer */
static int
dc_handshake(DC_SERVER *dc, STRBUF *why)
{
    int n, version_ok = 0;

    stream_printf(dc->stream, "VERSION\t1\t1\nCPID\t%ld\n", (long) getpid());
    if (stream_flush(dc->stream) != 0) {
        strbuf_strcpy(why, "cannot send the handshake");
        return -1;
    }
    for (n = 0; n < XSASL_DC_HANDSHAKE_MAX; n++) {
        if (dc_read(dc) < 0)
            break;
        if (dc->reply.type == XSASL_DC_VERSION) {
            if (dc->reply.major != 1)
                break;
            version_ok = 1;
        } else if (dc->reply.type == XSASL_DC_MECH &&
                   xsasl_mech_allowed(dc->reply.mech_flags,
                                      dc->args.security)) {
            strbuf_sprintf_cat(dc->server.mechs, "%s%s",
                               LEN(dc->server.mechs) ? " " : "",
                               dc->reply.mech);
        } else if (dc->reply.type == XSASL_DC_DONE && version_ok) {
            return 0;
        }
    }
    strbuf_strcpy(why, "bad handshake from the authentication server");
    return -1;
}

/* dc_result - the server's answer to AUTH or CONT, as XSASL_* */
static int
dc_result(DC_SERVER *dc, STRBUF *result)
{
    if (stream_flush(dc->stream) != 0 || dc_read(dc) < 0 ||
        dc->reply.id != dc->id ||
        (dc->reply.type != XSASL_DC_OK && dc->reply.type != XSASL_DC_CONT &&
         dc->reply.type != XSASL_DC_FAIL)) {
        strbuf_strcpy(result, DC_LOST);
        return XSASL_TEMP;
    }
    strbuf_strcpy(result, STR(dc->reply.text));
    if (dc->reply.type == XSASL_DC_CONT)
        return XSASL_CONT;
    if (dc->reply.type == XSASL_DC_FAIL)
        return dc->reply.temp ? XSASL_TEMP : XSASL_FAIL;
    if (LEN(result) == 0 || LEN(result) > XSASL_USER_MAX) {
        strbuf_strcpy(result, "bad username from the authentication server");
        return XSASL_TEMP;
    }
    return XSASL_OK;
}

/* dc_start - send AUTH */
static int
dc_start(XSASL_SERVER *server, const char *mech, const char *init,
         STRBUF *result)
{
    DC_SERVER *dc = (DC_SERVER *) server;

    if (!xsasl_server_mech_known(server, mech) ||
        (init && !dc_is_base64(init, strlen(init)))) {
        strbuf_strcpy(result, "Invalid authentication mechanism");
        return XSASL_FAIL;
    }
    dc->id++;
    stream_printf(dc->stream, "AUTH\t%lu\t%s\tservice=%s\tnologin%s", dc->id,
                  mech, dc->args.service,
                  dc->args.tls_active ? "\tsecured" : "");
    if (dc->args.server_addr && *dc->args.server_addr)
        stream_printf(dc->stream, "\tlip=%s", dc->args.server_addr);
    if (dc->args.client_addr && *dc->args.client_addr)
        stream_printf(dc->stream, "\trip=%s", dc->args.client_addr);
    /* resp= must be the last parameter. */
    if (init)
        stream_printf(dc->stream, "\tresp=%s", init);
    stream_puts(dc->stream, "\n");
    return dc_result(dc, result);
}

/* dc_next - send CONT */
static int
dc_next(XSASL_SERVER *server, const char *resp, STRBUF *result)
{
    DC_SERVER *dc = (DC_SERVER *) server;

    if (!dc_is_base64(resp, strlen(resp))) {
        strbuf_strcpy(result, "Invalid base64 data in continued response");
        return XSASL_FAIL;
    }
    stream_printf(dc->stream, "CONT\t%lu\t%s\n", dc->id, resp);
    return dc_result(dc, result);
}

/* dc_free - close the connection */
static void
dc_free(XSASL_SERVER *server)
{
    DC_SERVER *dc = (DC_SERVER *) server;

    if (dc->stream)
        stream_close(dc->stream);
    strbuf_free(dc->line);
    strbuf_free(dc->reply.text);
    strbuf_free(server->mechs);
    myfree(dc->service);
    myfree(dc);
}

/* dc_create - connect and shake hands */
static XSASL_SERVER *
dc_create(XSASL_SERVER_IMPL *impl, const XSASL_SERVER_ARGS *args, STRBUF *why)
{
    const char *path = ((DC_IMPL *) impl)->path;
    DC_SERVER *dc = mymalloc(sizeof(*dc));
    int fd;

    memset(dc, 0, sizeof(*dc));
    dc->args = *args;
    dc->args.service = dc->service = mystrdup(args->service);
    dc->line = strbuf_create(0);
    dc->reply.text = strbuf_create(0);
    dc->server.mechs = strbuf_create(0);
    dc->server.start = dc_start;
    dc->server.next = dc_next;
    dc->server.free = dc_free;
    if ((fd = sock_unix_connect(path, DC_TIMEOUT_MS)) < 0) {
        strbuf_sprintf(why,
                       "cannot connect to the authentication server "
                       "%s: %s",
                       path, strerror(errno));
    } else {
        dc->stream = stream_fdopen(fd, O_RDWR);
        stream_set_timeout(dc->stream, DC_TIMEOUT_MS);
        if (dc_handshake(dc, why) == 0)
            return &dc->server;
    }
    dc_free(&dc->server);
    return NULL;
}

/* dc_done - release the back-end */
static void
dc_done(XSASL_SERVER_IMPL *impl)
{
    myfree(((DC_IMPL *) impl)->path);
    myfree(impl);
}

/* xsasl_dovecot_init - the back-end for the socket at path */
XSASL_SERVER_IMPL *
xsasl_dovecot_init(const char *path, STRBUF *why)
{
    DC_IMPL *di;

    if (path == NULL || *path == 0) {
        strbuf_strcpy(why, "smtpd_sasl_type = dovecot needs smtpd_sasl_path");
        return NULL;
    }
    di = mymalloc(sizeof(*di));
    di->path = mystrdup(path);
    di->impl.create = dc_create;
    di->impl.done = dc_done;
    return &di->impl;
}

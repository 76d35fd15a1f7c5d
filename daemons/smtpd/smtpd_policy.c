/*
 * smtpd_policy - the client side of Postfix's policy delegation protocol
 * (check_policy_service), so that postgrey, policyd-spf and friends work
 * unchanged.
 *
 * A request is "name=value" lines ending with an empty line; the reply
 * is the same, and must hold "action=..." (the value is an access(5)
 * result).  Endpoints: "inet:host:port", "host:port", "unix:/path" or
 * "unix:private/name" (relative to queue_directory, our cwd).
 * Connections are kept for reuse, up to smtpd_policy_service_max_idle
 * unused and smtpd_policy_service_max_ttl in all; each read and write
 * is bounded by smtpd_policy_service_timeout.  smtpd_policy_query()
 * tries smtpd_policy_service_try_limit times, with a fresh connection
 * after a failure; when all fail it logs a warning and returns -1 (the
 * caller uses smtpd_policy_service_default_action).
 * smtpd_policy_parse_reply() is pure, for tests.  Nothing is fatal.
 */
#include <fcntl.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "mail_conf.h"
#include "msg.h"
#include "mymalloc.h"
#include "smtpd_check.h"
#include "sock.h"
#include "stream.h"

#define POLICY_MAX_CONN  8    /* endpoints we keep connections to */
#define POLICY_MAX_LINES 100  /* reply lines we read */
#define POLICY_MAX_LINE  4096 /* longest reply line */

typedef struct POLICY_CONN {
    char *endpoint;
    STREAM *stream;
    time_t created;
    time_t used;
} POLICY_CONN;

static POLICY_CONN policy_conns[POLICY_MAX_CONN];
static long policy_timeout, policy_idle, policy_ttl, policy_tries;

/* smtpd_policy_init - read the parameters */
void
smtpd_policy_init(void)
{
    policy_timeout = mail_conf_time("smtpd_policy_service_timeout");
    policy_idle = mail_conf_time("smtpd_policy_service_max_idle");
    policy_ttl = mail_conf_time("smtpd_policy_service_max_ttl");
    policy_tries = mail_conf_long("smtpd_policy_service_try_limit");
    if (policy_tries < 1)
        policy_tries = 1;
    if (policy_timeout < 1)
        policy_timeout = 1;
}

/* policy_connect - open a stream to an endpoint; NULL on failure */
static STREAM *
policy_connect(const char *endpoint)
{
    STRBUF *host = strbuf_create(0), *port = strbuf_create(0);
    STRBUF *why = strbuf_create(0);
    int fd = -1, ms = (int) policy_timeout * 1000;
    STREAM *st = NULL;

    if (strncmp(endpoint, "unix:", 5) == 0) {
        fd = sock_unix_connect(endpoint + 5, ms);
    } else {
        if (strncmp(endpoint, "inet:", 5) == 0)
            endpoint += 5;
        if (sock_parse_hostport(endpoint, host, port, why) == 0)
            fd = sock_inet_connect(STR(host), STR(port), ms);
    }
    if (fd >= 0) {
        st = stream_fdopen(fd, O_RDWR);
        stream_set_timeout(st, ms);
    }
    strbuf_free(host);
    strbuf_free(port);
    strbuf_free(why);
    return st;
}

/* policy_drop - close a cached connection */
static void
policy_drop(POLICY_CONN *c)
{
    (void) stream_close(c->stream);
    c->stream = NULL;
}

/* policy_slot - the cached connection of an endpoint, fresh enough */
static POLICY_CONN *
policy_slot(const char *endpoint)
{
    POLICY_CONN *c, *spare = NULL;
    time_t now = time(NULL);
    size_t i;

    for (i = 0; i < POLICY_MAX_CONN; i++) {
        c = policy_conns + i;
        if (c->endpoint && strcmp(c->endpoint, endpoint) == 0) {
            if (c->stream &&
                (now - c->used > policy_idle || now - c->created > policy_ttl))
                policy_drop(c);
            return c;
        }
        if (c->endpoint == NULL && spare == NULL)
            spare = c;
    }
    if (spare == NULL) { /* all taken: reuse the first */
        spare = policy_conns;
        if (spare->stream)
            policy_drop(spare);
        myfree(spare->endpoint);
    }
    spare->endpoint = mystrdup(endpoint);
    return spare;
}

/* smtpd_policy_parse_reply - the action of a reply (without the blank) */
int
smtpd_policy_parse_reply(const char *text, size_t len, STRBUF *action)
{
    const char *end = text + len, *nl;
    int found = 0;

    while (text < end) {
        nl = memchr(text, '\n', (size_t) (end - text));
        if (nl == NULL)
            nl = end;
        if (nl - text > 7 && strncmp(text, "action=", 7) == 0) {
            strbuf_memcpy(action, text + 7, (size_t) (nl - text - 7));
            found = 1;
        }
        text = nl + 1;
    }
    return found && LEN(action) > 0 ? 0 : -1;
}

/* policy_exchange - one request and reply on an open stream */
static int
policy_exchange(STREAM *st, const ARGV *attrs, STRBUF *action)
{
    STRBUF *reply = strbuf_create(0), *line = strbuf_create(0);
    size_t i;
    int ret = -1, n;

    for (i = 0; i < attrs->argc; i++)
        stream_printf(st, "%s\n", attrs->argv[i]);
    stream_puts(st, "\n");
    if (stream_flush(st) < 0)
        goto out;
    for (n = 0; n < POLICY_MAX_LINES; n++) {
        if (stream_get_line(st, line, POLICY_MAX_LINE) != STREAM_LINE_OK)
            goto out;
        if (LEN(line) > 0 && STR(line)[LEN(line) - 1] == '\r')
            strbuf_truncate(line, LEN(line) - 1);
        if (LEN(line) == 0) {
            ret = smtpd_policy_parse_reply(STR(reply), LEN(reply), action);
            break;
        }
        strbuf_memcat(reply, STR(line), LEN(line));
        strbuf_addch(reply, '\n');
    }
out:
    strbuf_free(reply);
    strbuf_free(line);
    return ret;
}

/* smtpd_policy_query - ask the server at endpoint; 0 with its action */
int
smtpd_policy_query(const char *endpoint, const ARGV *attrs, STRBUF *action)
{
    POLICY_CONN *c = policy_slot(endpoint);
    long try;

    for (try = 0; try < policy_tries; try++) {
        if (c->stream == NULL) {
            if ((c->stream = policy_connect(endpoint)) == NULL) {
                msg_warn("connect to %s: cannot connect", endpoint);
                continue;
            }
            c->created = time(NULL);
        }
        if (policy_exchange(c->stream, attrs, action) == 0) {
            c->used = time(NULL);
            return 0;
        }
        msg_warn("problem talking to server %s", endpoint);
        policy_drop(c);
    }
    return -1;
}

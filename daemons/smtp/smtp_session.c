/*
 * smtp_session - one connection to a server: connect (with
 * smtp_bind_address and smtp_connect_timeout), read replies with the
 * stage's timeout, the greeting with EHLO/HELO or LHLO, RSET and QUIT;
 * and the connection cache of idle sessions (smtp_connection_cache_*).
 *
 * smtp_connect() returns a session the caller owns (smtp_session_free()
 * closes it) or NULL with the reason in why ("connect to H[A]:P: ...").
 * The cache owns what smtp_cache_store() is given; smtp_cache_find()
 * hands a session back to the caller.  Nothing here is fatal.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "msg.h"
#include "mymalloc.h"
#include "smtp.h"
#include "sock.h"

#define SMTP_CACHE_MAX 8

static SMTP_SESSION *smtp_cache[SMTP_CACHE_MAX];

/* smtp_bind - bind to smtp_bind_address(6) when set; -1 and errno */
static int
smtp_bind(int fd, int family)
{
    const char *addr =
        family == AF_INET6 ? smtp_conf.bind_address6 : smtp_conf.bind_address;
    struct addrinfo hints = {0}, *res;
    int rc;

    if (addr == NULL || *addr == 0)
        return 0;
    hints.ai_family = family;
    hints.ai_flags = AI_NUMERICHOST | AI_PASSIVE;
    if (getaddrinfo(addr, "0", &hints, &res) != 0) {
        errno = EADDRNOTAVAIL;
        return -1;
    }
    rc = bind(fd, res->ai_addr, res->ai_addrlen);
    freeaddrinfo(res);
    return rc;
}

/* smtp_connect_wait - finish a non-blocking connect within timeout */
static int
smtp_connect_wait(int fd, const struct sockaddr *sa, socklen_t len)
{
    struct pollfd pfd = {.fd = fd, .events = POLLOUT};
    int err = 0, n;
    socklen_t elen = sizeof(err);
    int ms = smtp_conf.connect_timeout > 0
                 ? (int) smtp_conf.connect_timeout * 1000
                 : -1;

    if (connect(fd, sa, len) == 0)
        return 0;
    if (errno != EINPROGRESS)
        return -1;
    while ((n = poll(&pfd, 1, ms)) < 0 && errno == EINTR)
        ;
    if (n == 0)
        errno = ETIMEDOUT;
    if (n <= 0)
        return -1;
    if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &elen) < 0)
        return -1;
    errno = err;
    return err ? -1 : 0;
}

/* smtp_connect_inet - a TCP connection to a numeric address and port */
static int
smtp_connect_inet(const SMTP_SERVER *server)
{
    struct addrinfo hints = {0}, *res;
    int fd;

    hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
    hints.ai_socktype = SOCK_STREAM;
    if (getaddrinfo(server->addr, server->port, &hints, &res) != 0) {
        errno = EINVAL;
        return -1;
    }
    fd = socket(res->ai_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd >= 0 && (smtp_bind(fd, res->ai_family) < 0 ||
                    smtp_connect_wait(fd, res->ai_addr, res->ai_addrlen) < 0 ||
                    sock_set_nonblock(fd, 0) < 0)) {
        int saved = errno;

        close(fd);
        errno = saved;
        fd = -1;
    }
    freeaddrinfo(res);
    return fd;
}

/* smtp_connect - a new session with a server */
SMTP_SESSION *
smtp_connect(const SMTP_SERVER *server, int unix_path, STRBUF *why)
{
    SMTP_SESSION *session;
    int fd;

    fd = unix_path ? sock_unix_connect(server->addr,
                                       (int) smtp_conf.connect_timeout * 1000)
                   : smtp_connect_inet(server);
    if (fd < 0) {
        if (unix_path)
            strbuf_sprintf(why, "connect to %s: %m", server->addr);
        else
            strbuf_sprintf(why, "connect to %s[%s]:%s: %m", server->name,
                           server->addr, server->port);
        return NULL;
    }
    session = mycalloc(1, sizeof(*session));
    session->stream = stream_fdopen(fd, O_RDWR);
    session->name = mystrdup(server->name);
    session->auth_mechs = strbuf_create(50);
    session->addr = mystrdup(server->addr);
    session->label = mymalloc(strlen(server->name) + strlen(server->addr) +
                              strlen(server->port) + 4);
    if (unix_path)
        strcpy(session->label, server->addr);
    else
        sprintf(session->label, "%s[%s]:%s", server->name, server->addr,
                server->port);
    session->created = session->last_used = time(NULL);
    return session;
}

/* smtp_session_free - close and release a session */
void
smtp_session_free(SMTP_SESSION *session)
{
    STREAM *st = session->stream;

    if (session->tls != NULL)
        tls_session_stop(session->tls, st,
                         stream_error(st) || stream_eof(st) ||
                             stream_timedout(st));
    stream_close(st);
    myfree(session->key);
    myfree(session->label);
    myfree(session->name);
    myfree(session->addr);
    strbuf_free(session->auth_mechs);
    myfree(session);
}

/*
 * smtp_read_reply - one whole reply within timeout seconds; 0, or -1 on
 * a timeout, a lost connection or a malformed reply (the reply's text
 * then says what happened, its code is 0).
 */
int
smtp_read_reply(SMTP_SESSION *session, SMTP_REPLY *reply, long timeout)
{
    STRBUF *line = strbuf_create(100);
    STREAM_STATUS st;
    int more = 1, lines = 0;

    smtp_reply_reset(reply);
    stream_set_timeout(session->stream, (int) timeout * 1000);
    while (more > 0 && lines++ < 10 * SMTP_REPLY_LINES_MAX) {
        st = stream_get_line(session->stream, line, SMTP_REPLY_LINE_MAX);
        if (st == STREAM_LINE_TOOLONG)
            (void) stream_skip_line(session->stream);
        else if (st != STREAM_LINE_OK)
            break;
        if (LEN(line) > 0 && STR(line)[LEN(line) - 1] == '\r')
            strbuf_truncate(line, LEN(line) - 1);
        more = smtp_reply_add(reply, STR(line), LEN(line));
    }
    strbuf_free(line);
    if (more != 0) {
        smtp_reply_reset(reply);
        strbuf_strcpy(reply->text, more < 0 ? "malformed reply"
                                   : stream_timedout(session->stream)
                                       ? "conversation timed out"
                                       : "lost connection");
        return -1;
    }
    return 0;
}

/* smtp_ehlo_features - the keywords of a successful EHLO/LHLO reply */
static void
smtp_ehlo_features(SMTP_SESSION *session, const SMTP_REPLY *reply)
{
    size_t i;

    session->features = SMTP_FEAT_ESMTP;
    session->size_limit = 0;
    strbuf_reset(session->auth_mechs);
    for (i = 1; i < reply->lines->argc; i++) {
        const char *line = reply->lines->argv[i];

        session->features |=
            smtp_ehlo_keyword(line, strlen(line), &session->size_limit);
        if (smtp_sasl_ehlo_mechs(line, strlen(line), session->auth_mechs))
            session->features |= SMTP_FEAT_AUTH;
    }
}

/*
 * smtp_ehlo - EHLO (LHLO) and the features it announces; 0, or -1 with
 * the reply (code 0: no reply at all).  Also used after STARTTLS.
 */
int
smtp_ehlo(SMTP_SESSION *session, SMTP_REPLY *reply)
{
    int lmtp = smtp_conf.proto == SMTP_PROTO_LMTP;

    session->features = 0;
    stream_printf(session->stream, "%s %s\r\n", lmtp ? "LHLO" : "EHLO",
                  smtp_conf.helo_name);
    if (stream_flush(session->stream) < 0 ||
        smtp_read_reply(session, reply, smtp_conf.helo_timeout) < 0 ||
        reply->code / 100 != 2)
        return -1;
    smtp_ehlo_features(session, reply);
    return 0;
}

/*
 * smtp_helo - the greeting, then EHLO (LHLO) with HELO fallback; 0, or
 * -1 with the failing reply in reply (code 0: no reply at all).
 */
int
smtp_helo(SMTP_SESSION *session, SMTP_REPLY *reply)
{
    int lmtp = smtp_conf.proto == SMTP_PROTO_LMTP;
    STREAM *st = session->stream;

    if (smtp_read_reply(session, reply, smtp_conf.helo_timeout) < 0 ||
        reply->code / 100 != 2)
        return -1;
    if (lmtp || !smtp_conf.never_send_ehlo) {
        if (smtp_ehlo(session, reply) == 0)
            return 0;
        if (lmtp || reply->code == 0)
            return -1;
    }
    stream_printf(st, "HELO %s\r\n", smtp_conf.helo_name);
    if (stream_flush(st) < 0 ||
        smtp_read_reply(session, reply, smtp_conf.helo_timeout) < 0)
        return -1;
    session->features = 0;
    return reply->code / 100 == 2 ? 0 : -1;
}

/* smtp_rset - RSET before a session is used again; 0 when accepted */
int
smtp_rset(SMTP_SESSION *session, SMTP_REPLY *reply)
{
    stream_puts(session->stream, "RSET\r\n");
    if (stream_flush(session->stream) < 0 ||
        smtp_read_reply(session, reply, smtp_conf.rset_timeout) < 0)
        return -1;
    return reply->code / 100 == 2 ? 0 : -1;
}

/* smtp_quit - QUIT, wait for its reply (smtp_quit_timeout), close */
void
smtp_quit(SMTP_SESSION *session)
{
    SMTP_REPLY *reply = smtp_reply_create();

    stream_puts(session->stream, "QUIT\r\n");
    if (stream_flush(session->stream) == 0)
        (void) smtp_read_reply(session, reply, smtp_conf.quit_timeout);
    smtp_reply_free(reply);
    smtp_session_free(session);
}

/* smtp_cache_store - keep an idle session for the next request */
void
smtp_cache_store(SMTP_SESSION *session)
{
    time_t now = time(NULL);
    size_t i;

    session->last_used = now;
    if (!smtp_conf.cache_on_demand ||
        now - session->created >= smtp_conf.reuse_time_limit) {
        smtp_quit(session);
        return;
    }
    for (i = 0; i < SMTP_CACHE_MAX; i++) {
        if (smtp_cache[i] == NULL) {
            smtp_cache[i] = session;
            return;
        }
    }
    smtp_quit(session); /* full */
}

/* smtp_cache_find - an idle session for key, taken out of the cache */
SMTP_SESSION *
smtp_cache_find(const char *key)
{
    SMTP_SESSION *session;
    size_t i;

    smtp_cache_expire(0);
    for (i = 0; i < SMTP_CACHE_MAX; i++) {
        if ((session = smtp_cache[i]) != NULL &&
            strcmp(session->key, key) == 0) {
            smtp_cache[i] = NULL;
            return session;
        }
    }
    return NULL;
}

/*
 * smtp_cache_wait - ms until the first cached session is due to be
 * closed (a second late at most, as times are whole seconds); -1: none
 */
int
smtp_cache_wait(void)
{
    time_t now = time(NULL);
    time_t due, first = 0;
    SMTP_SESSION *session;
    size_t i;

    for (i = 0; i < SMTP_CACHE_MAX; i++) {
        if ((session = smtp_cache[i]) == NULL)
            continue;
        due = session->last_used + smtp_conf.cache_time_limit + 1;
        if (session->created + smtp_conf.reuse_time_limit < due)
            due = session->created + smtp_conf.reuse_time_limit;
        if (first == 0 || due < first)
            first = due;
    }
    if (first == 0)
        return -1;
    if (first <= now)
        return 0;
    return first - now > 3600 ? 3600 * 1000 : (int) (first - now) * 1000;
}

/*
 * smtp_cache_expire - QUIT sessions idle for smtp_connection_cache_time_limit
 * or older than smtp_connection_reuse_time_limit (all: every session)
 */
void
smtp_cache_expire(int all)
{
    time_t now = time(NULL);
    SMTP_SESSION *session;
    size_t i;

    for (i = 0; i < SMTP_CACHE_MAX; i++) {
        if ((session = smtp_cache[i]) == NULL)
            continue;
        if (all || now - session->last_used > smtp_conf.cache_time_limit ||
            now - session->created >= smtp_conf.reuse_time_limit) {
            smtp_cache[i] = NULL;
            smtp_quit(session);
        }
    }
}

/*
 * multi_server - the skeleton of a daemon that serves many clients from
 * one event loop (qmgr's clients, trivial-rewrite, anvil, bounce,
 * proxymap): multi_server_main() and multi_server_disconnect().
 *
 * After mail_server_init() the listeners (inet, unix or pass) are
 * watched in the event loop that mail_server_loop() also hands to the
 * daemon for its timers.  An accepted client becomes a STREAM with a
 * deadline of daemon_timeout, owned by the skeleton.  The service
 * callback runs each time the client's descriptor is readable (a
 * request, or end of input) and again, from a zero-delay timer, while
 * input it left in the stream's buffer is shrinking, so pipelined
 * requests are served one call each without starving other clients.
 * multi_server_disconnect() runs DISCONNECT, closes the stream and frees
 * the client, also from inside the callback; the skeleton calls it for a
 * client whose stream saw end of input, an error or a timeout once the
 * callback returns, and for a client idle longer than daemon_timeout.
 * Clients are kept in a table indexed by descriptor.
 *
 * Status: TAKEN when the first client arrives, AVAIL when the last one
 * leaves.  max_use counts clients: once reached (or once the generation
 * pipe reports EOF) no more are accepted and the process exits when the
 * last one has gone; max_idle counts from when the last one left.
 * SIGTERM exits at once.  Misuse (disconnecting a stream that is not a
 * client) panics.
 */
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "mail_server_int.h"
#include "master_proto.h"
#include "msg.h"
#include "mymalloc.h"
#include "sock.h"

/* One connected client. */
typedef struct MULTI_CLIENT {
    STREAM *stream;
    int64_t last_active; /* monotonic ms of the last callback */
    int timer_id;        /* pending call for buffered input; 0: none */
} MULTI_CLIENT;

/* How often idle clients are looked for. */
#define MULTI_SWEEP_MS 1000

static MAIL_SERVER *server;
static MULTI_SERVER_FN service_fn;
static MULTI_CLIENT **clients; /* indexed by descriptor */
static int clients_size;
static int client_count;
static MULTI_CLIENT *current; /* in the service callback */
static int current_gone;      /* ...and disconnected there */

/* multi_clients - clients connected now */
static int
multi_clients(void)
{
    return client_count;
}

/* multi_close - close a client's stream; no flush once SIGTERM came */
static void
multi_close(STREAM *stream)
{
    if (mail_server_stopping()) {
        (void) close(stream_fd(stream));
        stream_free(stream);
    } else {
        (void) stream_close(stream);
    }
}

/* multi_server_disconnect - end a client (from inside the callback too) */
void
multi_server_disconnect(STREAM *stream)
{
    int fd = stream ? stream_fd(stream) : -1;
    MULTI_CLIENT *c = fd >= 0 && fd < clients_size ? clients[fd] : NULL;

    if (c == NULL || c->stream != stream)
        msg_panic("multi_server_disconnect: not a connected client");
    clients[fd] = NULL;
    event_disable_readwrite(server->loop, fd);
    if (c->timer_id != 0)
        (void) event_cancel_timer(server->loop, c->timer_id);
    if (c == current)
        current_gone = 1;
    if (server->disconnect)
        server->disconnect(stream);
    multi_close(stream);
    myfree(c);
    if (--client_count == 0) {
        mail_server_notify(server, MASTER_STAT_AVAIL);
        server->idle_since = mail_server_now();
    }
}

/* multi_buffered - call back again for input left in the buffer */
static void multi_buffered(EVENT_LOOP *loop, int event, int id, void *ctx);

/* multi_serve - one service call, then end or re-arm the client */
static void
multi_serve(MULTI_CLIENT *c)
{
    STREAM *stream = c->stream;
    size_t before = stream_buffered(stream);
    size_t after;

    c->last_active = mail_server_now();
    current = c;
    current_gone = 0;
    service_fn(stream, server->service, server->args->argv);
    current = NULL;
    if (current_gone)
        return;
    if (stream_eof(stream) || stream_error(stream) || stream_timedout(stream)) {
        multi_server_disconnect(stream);
        return;
    }
    /* A callback that took nothing would spin: wait for new input then. */
    after = stream_buffered(stream);
    if (after > 0 && (before == 0 || after < before) && c->timer_id == 0)
        c->timer_id =
            event_request_timer(server->loop, multi_buffered, c, 0, 0);
}

/* multi_buffered - the zero-delay timer for buffered input */
static void
multi_buffered(EVENT_LOOP *loop, int event, int id, void *ctx)
{
    MULTI_CLIENT *c = ctx;

    (void) loop;
    (void) event;
    (void) id;
    c->timer_id = 0;
    multi_serve(c);
}

/* multi_input - a client's descriptor is readable */
static void
multi_input(EVENT_LOOP *loop, int event, int fd, void *ctx)
{
    (void) loop;
    (void) event;
    (void) fd;
    multi_serve(ctx);
}

/* multi_add - register an accepted connection */
static void
multi_add(MAIL_SERVER *ms, int fd)
{
    MULTI_CLIENT *c;
    int old = clients_size;

    if (fd >= clients_size) {
        clients_size = fd + 1 > 2 * old ? fd + 1 : 2 * old;
        clients =
            myreallocarray(clients, (size_t) clients_size, sizeof(*clients));
        memset(clients + old, 0,
               (size_t) (clients_size - old) * sizeof(*clients));
    }
    c = mycalloc(1, sizeof(*c));
    c->stream = stream_fdopen(fd, O_RDWR);
    stream_set_timeout(c->stream, ms->timeout_ms);
    c->last_active = mail_server_now();
    clients[fd] = c;
    if (client_count++ == 0)
        mail_server_notify(ms, MASTER_STAT_TAKEN);
    ms->use_count++;
    event_enable_read(ms->loop, fd, multi_input, c);
}

/* multi_accept - a listener is readable */
static void
multi_accept(EVENT_LOOP *loop, int event, int listen_fd, void *ctx)
{
    MAIL_SERVER *ms = ctx;
    int fd;

    (void) loop;
    (void) event;
    if (!ms->listening)
        return;
    if ((fd = sock_accept(listen_fd)) < 0) {
        mail_server_accept_error(ms, listen_fd);
        return;
    }
    if (sock_set_nonblock(fd, 1) < 0)
        msg_fatal("service %s: client descriptor %d: %m", ms->service, fd);
    multi_add(ms, fd);
    if (mail_server_used_up(ms))
        mail_server_unlisten(ms);
}

/* multi_sweep - disconnect clients idle longer than daemon_timeout */
static void
multi_sweep(int64_t now)
{
    static int64_t next_sweep;
    int fd;

    if (server->timeout_ms <= 0 || now < next_sweep)
        return;
    next_sweep = now + MULTI_SWEEP_MS;
    for (fd = 0; fd < clients_size; fd++) {
        if (clients[fd] == NULL ||
            now - clients[fd]->last_active <= server->timeout_ms)
            continue;
        if (msg_verbose)
            msg_info("service %s: client on descriptor %d idle too long",
                     server->service, fd);
        multi_server_disconnect(clients[fd]->stream);
    }
}

/* multi_server_main - run a many-clients daemon; never returns */
void
multi_server_main(int argc, char **argv, MULTI_SERVER_FN fn, ...)
{
    static const MAIL_SERVER_KIND kind = {
        "multi_server", "inet unix pass", "unix", 1, multi_clients, multi_sweep,
    };
    va_list ap;

    if (fn == NULL)
        msg_panic("multi_server_main: no service function");
    service_fn = fn;
    va_start(ap, fn);
    server = mail_server_init(&kind, argc, argv, ap);
    va_end(ap);
    mail_server_listen(server, multi_accept);
    mail_server_run(server);
}

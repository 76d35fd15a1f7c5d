/*
 * smtpd - the SMTP server, smtpd(8): one client at a time per process
 * (single-server), run by master for "smtp inet n - n - - smtpd".
 *
 * main() hands the skeleton smtpd_pre_init(), which reads the
 * parameters and opens the tables of the policy hook (as root, before
 * chroot), and smtpd_service(), which serves one connection: it logs
 * "connect from NAME[ADDR]", notes a client that talks before the
 * greeting (RFC 2920 section 3.1 forbids it), sends the 220 greeting
 * (smtpd_banner), runs the command loop of smtpd_proto.c and logs
 * "disconnect from NAME[ADDR] ... commands=N".  In wrapper mode (SMTPS)
 * the TLS handshake of smtpd_tls.c comes first.  A bad parameter value
 * is fatal at start (mail_conf's getters); nothing a client does is.
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "cleanup_clnt.h"
#include "mail_conf.h"
#include "mail_server.h"
#include "msg.h"
#include "mymalloc.h"
#include "smtpd.h"
#include "sock.h"

/* smtpd_bare_lf_mode - smtpd_forbid_bare_newline's value, as a mode */
static int
smtpd_bare_lf_mode(const char *value)
{
    if (strcasecmp(value, "no") == 0)
        return SMTPD_BARE_LF_NO;
    if (strcasecmp(value, "normal") == 0 || strcasecmp(value, "yes") == 0)
        return SMTPD_BARE_LF_NORMAL;
    if (strcasecmp(value, "strict") == 0)
        return SMTPD_BARE_LF_STRICT;
    msg_fatal("smtpd_forbid_bare_newline: bad value \"%s\" "
              "(use no, normal or strict)",
              value);
}

/* smtpd_params_init - read every parameter smtpd uses */
void
smtpd_params_init(void)
{
    SMTPD_PARAMS *p = &smtpd_params;
    char *bare;

    p->myhostname = mail_conf_str("myhostname");
    p->mail_name = mail_conf_str("mail_name");
    p->banner = mail_conf_str("smtpd_banner");
    p->timeout = mail_conf_time("smtpd_timeout");
    p->rcpt_limit = mail_conf_long("smtpd_recipient_limit");
    p->hard_error_limit = mail_conf_long("smtpd_hard_error_limit");
    p->soft_error_limit = mail_conf_long("smtpd_soft_error_limit");
    p->error_sleep = mail_conf_time("smtpd_error_sleep_time");
    p->line_limit = mail_conf_long("line_length_limit");
    p->size_limit = mail_conf_long("message_size_limit");
    p->queue_minfree = mail_conf_long("queue_minfree");
    p->helo_required = mail_conf_bool("smtpd_helo_required");
    p->strict_rfc821 = mail_conf_bool("strict_rfc821_envelopes");
    p->disable_vrfy = mail_conf_bool("disable_vrfy_command");
    bare = mail_conf_str("smtpd_forbid_bare_newline");
    p->bare_lf = smtpd_bare_lf_mode(bare);
    myfree(bare);
    p->bare_lf_code = mail_conf_long("smtpd_forbid_bare_newline_reject_code");
    /* RFC 5321 section 4.5.3.1.4: a command line may be 512 octets. */
    if (p->line_limit < 512)
        p->line_limit = 512;
    if (p->timeout <= 0 || p->bare_lf_code < 400 || p->bare_lf_code > 599)
        msg_fatal("bad smtpd_timeout or smtpd_forbid_bare_newline_reject_code");
}

/* smtpd_pre_init - parameters and tables, before chroot */
static void
smtpd_pre_init(const char *service, char **argv)
{
    (void) service;
    (void) argv;
    smtpd_params_init();
    smtpd_check_init();
    smtpd_sasl_init();
    smtpd_tls_init();
}

/* Seconds an idle smtpd keeps its connection to cleanup. */
#define SMTPD_CLEANUP_KEEP 2

/* smtpd_post_init - what needs our own user: the TLS ticket key file */
static void
smtpd_post_init(const char *service, char **argv)
{
    (void) service;
    (void) argv;
    smtpd_tls_post_init();
    /* The next message of this process reuses its cleanup connection. */
    cleanup_clnt_keep(SMTPD_CLEANUP_KEEP);
}

/*
 * smtpd_early_talker - input before our greeting (RFC 2920 section 3.1).
 * A client that hung up without a word makes poll() say "readable" too:
 * only a byte that recv(MSG_PEEK) sees counts (ENOTSOCK: trust poll).
 */
static void
smtpd_early_talker(SMTPD_STATE *state)
{
    struct pollfd pfd;
    char c;
    ssize_t n;
    int early = stream_buffered(state->client) > 0;

    pfd.fd = stream_fd(state->client);
    pfd.events = POLLIN;
    if (!early && poll(&pfd, 1, 0) > 0) {
        n = recv(pfd.fd, &c, 1, MSG_PEEK | MSG_DONTWAIT);
        early = n > 0 || (n < 0 && errno == ENOTSOCK);
    }
    if (early)
        msg_info("improper command pipelining after CONNECT from %s",
                 state->namaddr);
}

/* smtpd_session - greet the client (or refuse it) and run the commands */
static void
smtpd_session(SMTPD_STATE *state, const char *service)
{
    /* After a wrapper-mode handshake the socket shows TLS records only. */
    if (!state->tls_active)
        smtpd_early_talker(state);
    if (smtpd_anvil_connect(state, service, state->buf) < 0) {
        smtpd_reply(state, "%s", STR(state->buf));
        return;
    }
    /*
     * smtpd_delay_reject = no: a client refused at connect gets the
     * refusal instead of the greeting, then 503 to every command but
     * QUIT, as Postfix's smtpd answers.
     */
    if (smtpd_check_client(state, state->buf) < 0) {
        state->access_denied = 1;
        state->error_count++;
        smtpd_reply(state, "%s", STR(state->buf));
    } else {
        smtpd_reply(state, "220 %s", smtpd_params.banner);
    }
    smtpd_proto(state);
}

/* smtpd_service - serve one SMTP client */
static void
smtpd_service(STREAM *client, const char *service, char **argv)
{
    STRBUF *addr = strbuf_create(0), *port = strbuf_create(0);
    STRBUF *local = strbuf_create(0), *lport = strbuf_create(0);
    SMTPD_STATE *state;

    (void) argv;
    if (sock_peer_addr(stream_fd(client), addr, port) < 0)
        strbuf_strcpy(addr, "unknown");
    if (sock_local_addr(stream_fd(client), local, lport) < 0)
        strbuf_reset(local);
    state = smtpd_state_create(client, STR(addr), STR(port), STR(local));
    state->trusted = smtpd_check_mynetworks(state->addr);
    stream_set_timeout(client, (int) smtpd_params.timeout * 1000);
    msg_info("connect from %s", state->namaddr);
    /* Wrapper mode (SMTPS): the handshake comes before the greeting. */
    if (smtpd_tls_wrapper(state) == 0)
        smtpd_session(state, service);
    stream_flush(client);
    smtpd_tls_stop(state);
    smtpd_anvil_disconnect(state);
    msg_info("disconnect from %s%s", state->namaddr, smtpd_counts(state, addr));
    smtpd_state_free(state);
    strbuf_free(addr);
    strbuf_free(port);
    strbuf_free(local);
    strbuf_free(lport);
}

/* smtpd_pre_accept - close the kept cleanup connection when it is due */
static void
smtpd_pre_accept(void)
{
    cleanup_clnt_expire(0);
}

/* smtpd_exit - close the kept cleanup connection */
static void
smtpd_exit(void)
{
    cleanup_clnt_expire(1);
}

/* main - the single-server skeleton does the rest */
int
main(int argc, char **argv)
{
    single_server_main(argc, argv, smtpd_service, MAIL_SERVER_PRE_INIT,
                       smtpd_pre_init, MAIL_SERVER_POST_INIT, smtpd_post_init,
                       MAIL_SERVER_PRE_ACCEPT, smtpd_pre_accept,
                       MAIL_SERVER_WAIT_LIMIT, cleanup_clnt_wait,
                       MAIL_SERVER_EXIT, smtpd_exit, 0);
}

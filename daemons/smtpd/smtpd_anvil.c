/*
 * smtpd_anvil - smtpd(8)'s client limits, counted by anvil(8):
 * smtpd_client_connection_count_limit, smtpd_client_connection_rate_limit,
 * smtpd_client_message_rate_limit, smtpd_client_recipient_rate_limit and
 * smtpd_client_auth_rate_limit
 * (0 = no limit), for every client except smtpd_client_event_limit_
 * exceptions (default $mynetworks).
 *
 * smtpd_anvil_init() reads the parameters (before chroot; a bad list is
 * fatal).  smtpd_anvil_connect() counts a connection and returns -1 with
 * Postfix's "421 4.7.0 HOST Error: too many connections from ADDR" in
 * reply when a limit is passed (the caller hangs up);
 * smtpd_anvil_disconnect() undoes the count.  smtpd_anvil_message() (at
 * MAIL), smtpd_anvil_rcpt() (at RCPT) and smtpd_anvil_auth() (at
 * AUTH) return -1 with a 450 4.7.1
 * reply.  Each over-limit event logs Postfix's warning.  When anvil
 * cannot be asked the client goes unlimited (anvil_clnt.c logs why).
 */
#include <stdlib.h>
#include <string.h>

#include "anvil_clnt.h"
#include "mail_conf.h"
#include "mail_proto.h"
#include "match_list.h"
#include "msg.h"
#include "mymalloc.h"
#include "smtpd.h"

static ANVIL_CLNT *anvil;
static MATCH_LIST *exceptions;
static long count_limit, conn_rate_limit, msg_rate_limit, rcpt_rate_limit;
static long auth_rate_limit;

/* smtpd_anvil_init - read the limits */
void
smtpd_anvil_init(void)
{
    count_limit = mail_conf_long("smtpd_client_connection_count_limit");
    conn_rate_limit = mail_conf_long("smtpd_client_connection_rate_limit");
    msg_rate_limit = mail_conf_long("smtpd_client_message_rate_limit");
    rcpt_rate_limit = mail_conf_long("smtpd_client_recipient_rate_limit");
    auth_rate_limit = mail_conf_long("smtpd_client_auth_rate_limit");
    exceptions = match_list_param("smtpd_client_event_limit_exceptions",
                                  MATCH_NAMADR);
    if (count_limit > 0 || conn_rate_limit > 0 || msg_rate_limit > 0 ||
        rcpt_rate_limit > 0 || auth_rate_limit > 0)
        anvil = anvil_clnt_create();
}

/* anvil_exempt - does this client escape the limits? */
static int
anvil_exempt(SMTPD_STATE *state)
{
    return anvil == NULL ||
           match_list_match(exceptions, state->name, state->addr) != 0;
}

/* smtpd_anvil_connect - count a connection; -1 when over a limit */
int
smtpd_anvil_connect(SMTPD_STATE *state, const char *service, STRBUF *reply)
{
    unsigned count = 0, rate = 0;

    state->service = mystrdup(service);
    if (anvil_exempt(state) ||
        anvil_clnt_connect(anvil, service, state->addr, &count, &rate) !=
            MAIL_STAT_OK)
        return 0;
    state->anvil_counted = 1;
    if (count_limit > 0 && count > (unsigned long) count_limit) {
        msg_warn("Connection concurrency limit exceeded: %u from %s for "
                 "service %s",
                 count, state->namaddr, service);
    } else if (conn_rate_limit > 0 && rate > (unsigned long) conn_rate_limit) {
        msg_warn("Connection rate limit exceeded: %u from %s for service %s",
                 rate, state->namaddr, service);
    } else {
        return 0;
    }
    strbuf_sprintf(reply, "421 4.7.0 %s Error: too many connections from %s",
                   smtpd_params.myhostname, state->addr);
    return -1;
}

/* smtpd_anvil_disconnect - the client went */
void
smtpd_anvil_disconnect(SMTPD_STATE *state)
{
    if (state->anvil_counted)
        (void) anvil_clnt_disconnect(anvil, state->service, state->addr);
    state->anvil_counted = 0;
}

/* The per-event rate checks: anvil's request, the limit, the words. */
typedef int (*ANVIL_EVENT_FN)(ANVIL_CLNT *, const char *, const char *,
                              unsigned *);

/* anvil_rate - count one event; -1 with Postfix's reply when over limit */
static int
anvil_rate(SMTPD_STATE *state, ANVIL_EVENT_FN event, long limit,
           const char *what, const char *too_much, STRBUF *reply)
{
    unsigned rate = 0;

    if (limit <= 0 || anvil_exempt(state) ||
        event(anvil, state->service, state->addr, &rate) != MAIL_STAT_OK ||
        rate <= (unsigned long) limit)
        return 0;
    msg_warn("%s rate limit exceeded: %u from %s for service %s", what, rate,
             state->namaddr, state->service);
    strbuf_sprintf(reply, "450 4.7.1 Error: %s from %s", too_much,
                   state->addr);
    return -1;
}

/* smtpd_anvil_message - one MAIL FROM; -1 when over the rate */
int
smtpd_anvil_message(SMTPD_STATE *state, STRBUF *reply)
{
    return anvil_rate(state, anvil_clnt_message, msg_rate_limit,
                      "Message delivery request", "too much mail", reply);
}

/* smtpd_anvil_rcpt - one RCPT TO; -1 when over the rate */
int
smtpd_anvil_rcpt(SMTPD_STATE *state, STRBUF *reply)
{
    return anvil_rate(state, anvil_clnt_recipient, rcpt_rate_limit,
                      "Recipient address", "too many recipients", reply);
}

/* smtpd_anvil_auth - one AUTH command; -1 when over the rate */
int
smtpd_anvil_auth(SMTPD_STATE *state, STRBUF *reply)
{
    return anvil_rate(state, anvil_clnt_auth, auth_rate_limit, "AUTH command",
                      "too many AUTH commands", reply);
}

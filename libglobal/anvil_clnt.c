/*
 * anvil_clnt - ask anvil(8) to count a client's connections and rates.
 *
 * A server that limits its clients keeps one ANVIL_CLNT for its life:
 * anvil_clnt_create() makes one that talks to private/anvil, relative to
 * the working folder (daemons run in queue_directory), over a MAIL_CLNT
 * with ipc_timeout, ipc_idle and ipc_ttl from main.cf; anvil_clnt_free()
 * releases it and returns NULL.  Each request names the client as the
 * service (master.cf's name) and the client's address; anvil counts them
 * as the ident "service:addr".
 *
 *   anvil_clnt_connect()    a client connected: its open connections
 *                           (count) and connections this time unit (rate)
 *   anvil_clnt_disconnect() that client went
 *   anvil_clnt_message(), _recipient(), _newtls(), _auth()
 *                           one MAIL FROM, RCPT TO, new TLS session or
 *                           AUTH: the rate of that event this time unit
 *   anvil_clnt_lookup()     all six values, counting nothing
 *
 * Each returns MAIL_STAT_OK with the values filled in, another MAIL_STAT_*
 * that anvil answered (MAIL_STAT_RETRY: its table is full), or
 * ANVIL_CLNT_FAIL when anvil could not be asked or answered malformed.
 * On anything but MAIL_STAT_OK the values are 0 and a warning is logged,
 * so that a caller may carry on unlimited, as Postfix's smtpd does.
 */
#include <stdint.h>
#include <string.h>

#include "anvil_clnt.h"
#include "attr.h"
#include "mail_conf.h"
#include "mail_proto.h"
#include "msg.h"
#include "mymalloc.h"
#include "stringops.h"

struct ANVIL_CLNT {
    MAIL_CLNT *mail;    /* the connection */
    ATTR_LIST *request; /* scratch: the request */
    ATTR_LIST *reply;   /* scratch: the reply */
    STRBUF *ident;      /* scratch: service:addr */
    STRBUF *why;        /* scratch: why a request failed */
};

/* anvil_clnt_create - a client of private/anvil */
ANVIL_CLNT *
anvil_clnt_create(void)
{
    ANVIL_CLNT *clnt = mymalloc(sizeof(*clnt));
    clnt->mail = mail_clnt_create_conf(NULL, MAIL_CLASS_PRIVATE, MAIL_SERVICE_ANVIL);
    clnt->request = attr_list_create();
    clnt->reply = attr_list_create();
    clnt->ident = strbuf_create(100);
    clnt->why = strbuf_create(100);
    return clnt;
}

/* anvil_clnt_free - close and release; returns NULL */
ANVIL_CLNT *
anvil_clnt_free(ANVIL_CLNT *clnt)
{
    mail_clnt_free(clnt->mail);
    attr_list_free(clnt->request);
    attr_list_free(clnt->reply);
    strbuf_free(clnt->ident);
    strbuf_free(clnt->why);
    myfree(clnt);
    return NULL;
}

/* anvil_clnt_warn - log why a request got no values */
static void
anvil_clnt_warn(ANVIL_CLNT *clnt, const char *name, const char *problem)
{
    STRBUF *safe = strbuf_create(100);

    printable(safe, STR(clnt->ident), LEN(clnt->ident), 100, '?');
    msg_warn("anvil_clnt: %s request for %s: %s", name, STR(safe), problem);
    strbuf_free(safe);
}

/* anvil_clnt_ask - send one request; the reply's status */
static int
anvil_clnt_ask(ANVIL_CLNT *clnt, const char *name, const char *service,
               const char *addr)
{
    const char *reason;
    int status;

    strbuf_sprintf(clnt->ident, "%s:%s", service, addr);
    attr_list_reset(clnt->request);
    attr_put_str(clnt->request, MAIL_ATTR_REQ, name);
    attr_put_str(clnt->request, ANVIL_ATTR_IDENT, STR(clnt->ident));
    status =
        mail_clnt_request(clnt->mail, clnt->request, clnt->reply, clnt->why);
    if (status < 0) {
        anvil_clnt_warn(clnt, name, STR(clnt->why));
        return ANVIL_CLNT_FAIL;
    }
    if (status != MAIL_STAT_OK) {
        reason = attr_get_str(clnt->reply, MAIL_ATTR_REASON);
        strbuf_sprintf(clnt->why, "status %d: %s", status,
                       reason ? reason : "no reason given");
        anvil_clnt_warn(clnt, name, STR(clnt->why));
    }
    return status;
}

/* anvil_clnt_scanned - the result of scanning a reply */
static int
anvil_clnt_scanned(ANVIL_CLNT *clnt, const char *name, int ret)
{
    if (ret < 0) {
        strbuf_sprintf_cat(clnt->why, " in the reply");
        anvil_clnt_warn(clnt, name, STR(clnt->why));
        return ANVIL_CLNT_FAIL;
    }
    return MAIL_STAT_OK;
}

/* anvil_clnt_connect - count a connection: count and rate */
int
anvil_clnt_connect(ANVIL_CLNT *clnt, const char *service, const char *addr,
                   unsigned *count, unsigned *rate)
{
    uint32_t status, c = 0, r = 0;
    int ret = anvil_clnt_ask(clnt, ANVIL_REQ_CONNECT, service, addr);

    if (ret == MAIL_STAT_OK)
        ret = anvil_clnt_scanned(
            clnt, ANVIL_REQ_CONNECT,
            attr_scan(clnt->reply, ATTR_FLAG_STRICT, clnt->why, ATTR_TYPE_INT,
                      MAIL_ATTR_STATUS, &status, ATTR_TYPE_INT,
                      ANVIL_ATTR_COUNT, &c, ATTR_TYPE_INT, ANVIL_ATTR_RATE, &r,
                      ATTR_TYPE_END));
    *count = ret == MAIL_STAT_OK ? c : 0;
    *rate = ret == MAIL_STAT_OK ? r : 0;
    return ret;
}

/* anvil_clnt_disconnect - a connection ended */
int
anvil_clnt_disconnect(ANVIL_CLNT *clnt, const char *service, const char *addr)
{
    uint32_t status;
    int ret = anvil_clnt_ask(clnt, ANVIL_REQ_DISCONNECT, service, addr);

    if (ret == MAIL_STAT_OK)
        ret = anvil_clnt_scanned(
            clnt, ANVIL_REQ_DISCONNECT,
            attr_scan(clnt->reply, ATTR_FLAG_STRICT, clnt->why, ATTR_TYPE_INT,
                      MAIL_ATTR_STATUS, &status, ATTR_TYPE_END));
    return ret;
}

/* anvil_clnt_rate - a request that counts one event: its rate */
static int
anvil_clnt_rate(ANVIL_CLNT *clnt, const char *name, const char *service,
                const char *addr, unsigned *rate)
{
    uint32_t status, r = 0;
    int ret = anvil_clnt_ask(clnt, name, service, addr);

    if (ret == MAIL_STAT_OK)
        ret = anvil_clnt_scanned(
            clnt, name,
            attr_scan(clnt->reply, ATTR_FLAG_STRICT, clnt->why, ATTR_TYPE_INT,
                      MAIL_ATTR_STATUS, &status, ATTR_TYPE_INT, ANVIL_ATTR_RATE,
                      &r, ATTR_TYPE_END));
    *rate = ret == MAIL_STAT_OK ? r : 0;
    return ret;
}

/* anvil_clnt_message - count a MAIL FROM: the message rate */
int
anvil_clnt_message(ANVIL_CLNT *clnt, const char *service, const char *addr,
                   unsigned *rate)
{
    return anvil_clnt_rate(clnt, ANVIL_REQ_MESSAGE, service, addr, rate);
}

/* anvil_clnt_recipient - count an RCPT TO: the recipient rate */
int
anvil_clnt_recipient(ANVIL_CLNT *clnt, const char *service, const char *addr,
                     unsigned *rate)
{
    return anvil_clnt_rate(clnt, ANVIL_REQ_RECIPIENT, service, addr, rate);
}

/* anvil_clnt_newtls - count a new TLS session: its rate */
int
anvil_clnt_newtls(ANVIL_CLNT *clnt, const char *service, const char *addr,
                  unsigned *rate)
{
    return anvil_clnt_rate(clnt, ANVIL_REQ_NEWTLS, service, addr, rate);
}

/* anvil_clnt_auth - count an AUTH command: its rate */
int
anvil_clnt_auth(ANVIL_CLNT *clnt, const char *service, const char *addr,
                unsigned *rate)
{
    return anvil_clnt_rate(clnt, ANVIL_REQ_NEWAUTH, service, addr, rate);
}

/* anvil_clnt_lookup - all six values of a client, counting nothing */
int
anvil_clnt_lookup(ANVIL_CLNT *clnt, const char *service, const char *addr,
                  unsigned *count, unsigned *rate, unsigned *msg,
                  unsigned *rcpt, unsigned *ntls, unsigned *auth)
{
    uint32_t status, v[6] = {0, 0, 0, 0, 0, 0};
    int ret = anvil_clnt_ask(clnt, ANVIL_REQ_LOOKUP, service, addr);

    if (ret == MAIL_STAT_OK)
        ret = anvil_clnt_scanned(
            clnt, ANVIL_REQ_LOOKUP,
            attr_scan(clnt->reply, ATTR_FLAG_STRICT, clnt->why, ATTR_TYPE_INT,
                      MAIL_ATTR_STATUS, &status, ATTR_TYPE_INT,
                      ANVIL_ATTR_COUNT, &v[0], ATTR_TYPE_INT, ANVIL_ATTR_RATE,
                      &v[1], ATTR_TYPE_INT, ANVIL_ATTR_MAIL, &v[2],
                      ATTR_TYPE_INT, ANVIL_ATTR_RCPT, &v[3], ATTR_TYPE_INT,
                      ANVIL_ATTR_NTLS, &v[4], ATTR_TYPE_INT, ANVIL_ATTR_AUTH,
                      &v[5], ATTR_TYPE_END));
    if (ret != MAIL_STAT_OK)
        memset(v, 0, sizeof(v));
    *count = v[0];
    *rate = v[1];
    *msg = v[2];
    *rcpt = v[3];
    *ntls = v[4];
    *auth = v[5];
    return ret;
}

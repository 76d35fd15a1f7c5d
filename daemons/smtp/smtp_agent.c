/*
 * smtp_agent - the SMTP/LMTP client's configuration and service loop.
 *
 * smtp_agent_main() loads the parameters of its protocol (smtp_* for
 * SMTP, lmtp_* for LMTP: Postfix's names) into smtp_conf, and serves
 * delivery requests (docs/ipc.md, "Delivery agents") one connection at a
 * time.  Idle cached sessions are closed when their time is up (checked
 * before the process waits for the next client and before each lookup)
 * and when the process exits.  Bad parameter values are fatal.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "mail_conf.h"
#include "mail_proto.h"
#include "mail_server.h"
#include "msg.h"
#include "mymalloc.h"
#include "smtp.h"
#include "strlist.h"

SMTP_CONF smtp_conf;

/* smtp_param - "<prefix>_<name>", or the LMTP name when it differs */
static const char *
smtp_param(const char *name)
{
    static char buf[100];
    int lmtp = smtp_conf.proto == SMTP_PROTO_LMTP;

    if (lmtp && strcmp(name, "helo_name") == 0)
        name = "lhlo_name";
    if (lmtp && strcmp(name, "helo_timeout") == 0)
        name = "lhlo_timeout";
    snprintf(buf, sizeof(buf), "%s_%s", smtp_conf.prefix, name);
    return buf;
}

/* smtp_conf_lists - smtp_host_lookup and inet_protocols */
static void
smtp_conf_lists(void)
{
    char *lookup = mail_conf_str(smtp_param("host_lookup"));
    char *protos = mail_conf_str("inet_protocols");

    smtp_conf.host_lookup_dns = strstr(lookup, "dns") != NULL;
    smtp_conf.host_lookup_native = strstr(lookup, "native") != NULL;
    if (!smtp_conf.host_lookup_dns && !smtp_conf.host_lookup_native)
        msg_fatal("bad %s value: %s", smtp_param("host_lookup"), lookup);
    smtp_conf.ipv4 = strstr(protos, "all") || strstr(protos, "ipv4");
    smtp_conf.ipv6 = strstr(protos, "all") || strstr(protos, "ipv6");
    if (!smtp_conf.ipv4 && !smtp_conf.ipv6)
        msg_fatal("bad inet_protocols value: %s", protos);
    myfree(lookup);
    myfree(protos);
}

/* smtp_conf_timeouts - the per-stage timeouts */
static void
smtp_conf_timeouts(void)
{
    smtp_conf.connect_timeout = mail_conf_time(smtp_param("connect_timeout"));
    smtp_conf.helo_timeout = mail_conf_time(smtp_param("helo_timeout"));
    smtp_conf.mail_timeout = mail_conf_time(smtp_param("mail_timeout"));
    smtp_conf.rcpt_timeout = mail_conf_time(smtp_param("rcpt_timeout"));
    smtp_conf.data_init_timeout =
        mail_conf_time(smtp_param("data_init_timeout"));
    smtp_conf.data_xfer_timeout =
        mail_conf_time(smtp_param("data_xfer_timeout"));
    smtp_conf.data_done_timeout =
        mail_conf_time(smtp_param("data_done_timeout"));
    smtp_conf.quit_timeout = mail_conf_time(smtp_param("quit_timeout"));
    smtp_conf.rset_timeout = mail_conf_time(smtp_param("rset_timeout"));
}

/* smtp_conf_sasl - smtp_sasl_*: credentials, options, filter */
static void
smtp_conf_sasl(void)
{
    STRBUF *why = strbuf_create(50);
    ARGV *filter;
    char *opts;

    smtp_conf.sasl_enable = mail_conf_bool(smtp_param("sasl_auth_enable"));
    if (smtp_conf.sasl_enable)
        smtp_conf.sasl_passwd = maps_param(smtp_param("sasl_password_maps"), 0);
    opts = mail_conf_str(smtp_param("sasl_security_options"));
    if (smtp_sasl_secopts_parse(opts, &smtp_conf.sasl_secopts, why) < 0)
        msg_fatal("%s: %s", smtp_param("sasl_security_options"), STR(why));
    myfree(opts);
    opts = mail_conf_str(smtp_param("sasl_tls_security_options"));
    if (smtp_sasl_secopts_parse(opts, &smtp_conf.sasl_tls_secopts, why) < 0)
        msg_fatal("%s: %s", smtp_param("sasl_tls_security_options"), STR(why));
    myfree(opts);
    /* After STARTTLS the session is no longer plaintext (Cyrus SASL's rule) */
    smtp_conf.sasl_tls_secopts &= ~SMTP_SASL_SEC_NOPLAINTEXT;
    opts = mail_conf_str(smtp_param("sasl_mechanism_filter"));
    filter = smtp_conf.sasl_mech_filter = argv_alloc(4);
    if (strlist_split(opts, STRLIST_SEP, 0, filter, why) < 0)
        msg_fatal("%s: %s", smtp_param("sasl_mechanism_filter"), STR(why));
    myfree(opts);
    strbuf_free(why);
}

/* smtp_conf_level - smtp_tls_security_level, else the legacy booleans */
static TLS_LEVEL
smtp_conf_level(void)
{
    char *name = mail_conf_str(smtp_param("tls_security_level"));
    TLS_LEVEL level = TLS_LEV_NONE;

    if (*name) {
        if (smtp_tls_level_parse(name, strlen(name), &level) < 0)
            msg_fatal("%s: unsupported TLS security level \"%s\"",
                      smtp_param("tls_security_level"), name);
    } else if (mail_conf_bool(smtp_param("enforce_tls"))) {
        level = mail_conf_bool(smtp_param("tls_enforce_peername"))
                    ? TLS_LEV_VERIFY
                    : TLS_LEV_ENCRYPT;
    } else if (mail_conf_bool(smtp_param("use_tls"))) {
        level = TLS_LEV_MAY;
    }
    myfree(name);
    return level;
}

/* smtp_conf_tls - smtp_tls_*: level, policy table, names, logging */
static void
smtp_conf_tls(void)
{
    smtp_conf.tls_level = smtp_conf_level();
    smtp_conf.tls_policy = maps_param(smtp_param("tls_policy_maps"), 0);
    smtp_conf.tls_servername = mail_conf_str(smtp_param("tls_servername"));
    smtp_conf.tls_verify_match =
        mail_conf_str(smtp_param("tls_verify_cert_match"));
    smtp_conf.tls_secure_match =
        mail_conf_str(smtp_param("tls_secure_cert_match"));
    smtp_conf.tls_loglevel = (int) mail_conf_long(smtp_param("tls_loglevel"));
    smtp_conf.tls_note_offer =
        mail_conf_bool(smtp_param("tls_note_starttls_offer"));
    smtp_conf.starttls_timeout =
        mail_conf_time(smtp_param("starttls_timeout"));
    smtp_tls_init();
}

/* smtp_pre_init - load the configuration */
static void
smtp_pre_init(const char *service, char **argv)
{
    (void) service;
    (void) argv;
    smtp_conf.myhostname = mail_conf_str("myhostname");
    smtp_conf.helo_name = mail_conf_str(smtp_param("helo_name"));
    smtp_conf.tcp_port = mail_conf_str(smtp_param("tcp_port"));
    smtp_conf.bind_address = mail_conf_str(smtp_param("bind_address"));
    smtp_conf.bind_address6 = mail_conf_str(smtp_param("bind_address6"));
    smtp_conf_lists();
    smtp_conf_timeouts();
    smtp_conf_sasl();
    smtp_conf_tls();
    smtp_conf.mx_address_limit = mail_conf_long(smtp_param("mx_address_limit"));
    smtp_conf.mx_session_limit = mail_conf_long(smtp_param("mx_session_limit"));
    smtp_conf.line_length_limit =
        mail_conf_long(smtp_param("line_length_limit"));
    smtp_conf.mime_conversion =
        !mail_conf_bool("disable_mime_output_conversion");
    smtp_conf.skip_5xx_greeting =
        mail_conf_bool(smtp_param("skip_5xx_greeting"));
    smtp_conf.never_send_ehlo = smtp_conf.proto == SMTP_PROTO_SMTP &&
                                mail_conf_bool("smtp_never_send_ehlo");
    smtp_conf.cache_on_demand =
        mail_conf_bool(smtp_param("connection_cache_on_demand"));
    smtp_conf.cache_time_limit =
        mail_conf_time(smtp_param("connection_cache_time_limit"));
    smtp_conf.reuse_time_limit =
        mail_conf_time(smtp_param("connection_reuse_time_limit"));
    srandom((unsigned) time(NULL) ^ (unsigned) getpid());
}

/* smtp_request - one delivery request */
static void
smtp_request(DELIVER_REQUEST *req, void *context)
{
    (void) context;
    smtp_deliver(req);
}

/* smtp_service - serve delivery requests on one qmgr connection */
static void
smtp_service(STREAM *client, const char *service, char **argv)
{
    (void) service;
    (void) argv;
    deliver_request_serve(client, smtp_request, NULL);
}

/* smtp_pre_accept - close cached sessions whose time is up */
static void
smtp_pre_accept(void)
{
    smtp_cache_expire(0);
}

/* smtp_exit - QUIT every cached session */
static void
smtp_exit(void)
{
    smtp_cache_expire(1);
}

/* smtp_agent_main - the smtp or lmtp program */
void
smtp_agent_main(int argc, char **argv, int proto)
{
    smtp_conf.proto = proto;
    smtp_conf.prefix = proto == SMTP_PROTO_LMTP ? "lmtp" : "smtp";
    single_server_main(argc, argv, smtp_service, MAIL_SERVER_PRE_INIT,
                       smtp_pre_init, MAIL_SERVER_PRE_ACCEPT, smtp_pre_accept,
                       MAIL_SERVER_WAIT_LIMIT, smtp_cache_wait,
                       MAIL_SERVER_EXIT, smtp_exit, 0);
}

/*
 * mail_params - the table of supported parameters and their types.
 *
 * mail_param_find() returns the declaration of a supported parameter, or
 * NULL; mail_param_table() the whole table, sorted by name.  Both return
 * static storage.  mail_param_check() validates an expanded value against
 * its type and says why it is bad; the parse helpers convert values.
 * Nothing here is fatal: callers decide, and name file and line.
 *
 * Defaults are Postfix 3.7's for parameters of the same meaning, except
 * installation paths, names of our own product (mail_owner = postern,
 * setgid_group = posterndrop, mail_name, syslog_name), alias_maps (no NIS
 * here) and defaults computed from the host (myhostname, mydomain,
 * mynetworks), as flagged in each row and listed in docs/parameters.md.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "mail_params.h"
#include "mail_version.h"
#include "mymalloc.h"

static const PARAM_DEF params[] = {
    {"compatibility_level", PARAM_STR, "0",
     "Backwards-compatibility level of the defaults", 0},
    {"config_directory", PARAM_STR, DEF_CONFIG_DIR,
     "Where main.cf and master.cf live", PARAM_F_PATH},
    {"queue_directory", PARAM_STR, DEF_QUEUE_DIR, "The queue's top folder",
     PARAM_F_PATH},
    {"command_directory", PARAM_STR, DEF_COMMAND_DIR,
     "Where the commands a person types are installed", PARAM_F_PATH},
    {"daemon_directory", PARAM_STR, DEF_DAEMON_DIR,
     "Where the daemon programs are installed", PARAM_F_PATH},
    {"data_directory", PARAM_STR, DEF_DATA_DIR,
     "Where daemons keep writable data (caches, the pid lock)", PARAM_F_PATH},
    {"alternate_config_directories", PARAM_LIST, "",
     "Other configuration folders that unprivileged commands accept", 0},
    {"meta_directory", PARAM_STR, DEF_CONFIG_DIR,
     "Where the installation's meta files live", PARAM_F_PATH},
    {"shlib_directory", PARAM_STR, "no", "Where shared libraries are installed",
     PARAM_F_PATH},
    {"sendmail_path", PARAM_STR, DEF_COMMAND_DIR "/sendmail",
     "Path of the sendmail-compatible command", PARAM_F_PATH},
    {"newaliases_path", PARAM_STR, DEF_COMMAND_DIR "/newaliases",
     "Path of the newaliases command", PARAM_F_PATH},
    {"mailq_path", PARAM_STR, DEF_COMMAND_DIR "/mailq",
     "Path of the mailq command", PARAM_F_PATH},
    {"manpage_directory", PARAM_STR, DEF_MANPAGE_DIR,
     "Where the man pages are installed", PARAM_F_PATH},
    {"sample_directory", PARAM_STR, DEF_CONFIG_DIR,
     "Where sample configuration files are installed", PARAM_F_PATH},
    {"readme_directory", PARAM_STR, "no",
     "Where the README files are installed", PARAM_F_PATH},
    {"html_directory", PARAM_STR, "no",
     "Where the HTML documentation is installed", PARAM_F_PATH},
    {"process_id_directory", PARAM_STR, "pid",
     "Folder, relative to queue_directory, of pid files", 0},
    {"mail_owner", PARAM_STR, "postern",
     "Unprivileged user that owns the queue and runs the daemons",
     PARAM_F_OURS},
    {"setgid_group", PARAM_STR, "posterndrop",
     "Group of the setgid submission command, public/ and maildrop/",
     PARAM_F_OURS},
    {"default_privs", PARAM_STR, "nobody",
     "User for deliveries to commands and files of aliases", 0},
    {"mail_name", PARAM_STR, MAIL_NAME,
     "The product name in banners and reports", PARAM_F_OURS},
    {"mail_version", PARAM_STR, MAIL_VERSION, "The release, read-only",
     PARAM_F_OURS},
    {"syslog_name", PARAM_STR,
     "${multi_instance_name?{$multi_instance_name}:{postern}}",
     "Program name prefix of log lines", PARAM_F_OURS},
    {"service_name", PARAM_STR, "",
     "The master.cf service name of the running daemon, read-only", 0},
    {"process_name", PARAM_STR, "",
     "The program name of the running daemon, read-only", PARAM_F_OURS},
    {"syslog_facility", PARAM_STR, "mail", "Syslog facility", 0},
    {"maillog_file", PARAM_STR, "",
     "Log file written through the postlog service (empty: syslog)", 0},
    {"maillog_file_prefixes", PARAM_LIST, "/var, /dev/stdout",
     "Allowed prefixes of maillog_file", 0},
    {"maillog_file_compressor", PARAM_STR, "gzip",
     "Program that compresses rotated log files", 0},
    {"maillog_file_rotate_suffix", PARAM_STR, "%Y%m%d-%H%M%S",
     "strftime format of a rotated log file's suffix", 0},
    {"postlog_service_name", PARAM_STR, "postlog",
     "Name of the postlog service in master.cf", 0},
    {"postlogd_watchdog_timeout", PARAM_TIME, "10s",
     "Watchdog limit of the postlog daemon", 0},
    {"import_environment", PARAM_LIST,
     "MAIL_CONFIG MAIL_DEBUG MAIL_LOGTAG TZ XAUTHORITY DISPLAY LANG=C "
     "POSTLOG_SERVICE POSTLOG_HOSTNAME",
     "Environment variables a daemon keeps from its parent", 0},
    {"export_environment", PARAM_LIST, "TZ MAIL_CONFIG LANG",
     "Environment variables passed to external commands", 0},
    {"multi_instance_name", PARAM_STR, "", "This instance's name", 0},
    {"myhostname", PARAM_STR, "", "This host's fully qualified name",
     PARAM_F_COMPUTED},
    {"mydomain", PARAM_STR, "", "This host's domain", PARAM_F_COMPUTED},
    {"myorigin", PARAM_STR, "$myhostname",
     "Domain appended to unqualified sender addresses", 0},
    {"mydestination", PARAM_LIST, "$myhostname, localhost.$mydomain, localhost",
     "Domains delivered locally", 0},
    {"mynetworks", PARAM_LIST, "", "Trusted client networks", PARAM_F_COMPUTED},
    {"mynetworks_style", PARAM_STR,
     "${{$compatibility_level} <level {2} ? {subnet} : {host}}",
     "How mynetworks is computed by default (host, subnet, class)", 0},
    {"inet_interfaces", PARAM_LIST, "all",
     "Addresses the SMTP server listens on", 0},
    {"inet_protocols", PARAM_LIST, "all", "IP versions used: ipv4, ipv6, all",
     0},
    {"proxy_interfaces", PARAM_LIST, "",
     "Addresses of a proxy or NAT in front of this host", 0},
    {"alias_maps", PARAM_LIST, "hash:/etc/aliases",
     "Alias tables used by local delivery", PARAM_F_OURS},
    {"alias_database", PARAM_LIST, "hash:/etc/aliases",
     "Alias tables that newaliases builds", 0},
    {"recipient_delimiter", PARAM_STR, "",
     "Characters that separate a user from an address extension", 0},
    {"relayhost", PARAM_STR, "", "Default next hop for remote mail", 0},
    {"relay_domains", PARAM_LIST,
     "${{$compatibility_level} <level {2} ? {$mydestination} : {}}",
     "Domains this host relays to", 0},
    {"relay_transport", PARAM_STR, "relay", "Transport for relay_domains", 0},
    {"fast_flush_domains", PARAM_LIST, "$relay_domains",
     "Destinations whose deferred mail ETRN and postqueue -s can flush", 0},
    {"fast_flush_purge_time", PARAM_TIME, "7d",
     "Age at which an empty fast flush list is removed", 0},
    {"fast_flush_refresh_time", PARAM_TIME, "12h",
     "Age at which a fast flush list is refreshed", 0},
    {"local_transport", PARAM_STR, "local:$myhostname",
     "Transport for mydestination", 0},
    {"default_transport", PARAM_STR, "smtp",
     "Transport for all other destinations", 0},
    {"virtual_transport", PARAM_STR, "virtual",
     "Transport for virtual_mailbox_domains", 0},
    {"transport_maps", PARAM_LIST, "",
     "Tables that map destinations to transport:nexthop", 0},
    {"parent_domain_matches_subdomains", PARAM_LIST,
     "debug_peer_list,fast_flush_domains,mynetworks,permit_mx_backup_networks,"
     "qmqpd_authorized_clients,relay_domains,smtpd_access_maps",
     "Features where a domain also matches its subdomains", 0},
    {"default_database_type", PARAM_STR, "hash",
     "Table type used when none is given", 0},
    {"canonical_maps", PARAM_LIST, "",
     "Address mapping for senders and recipients, envelope and headers", 0},
    {"sender_canonical_maps", PARAM_LIST, "", "Address mapping for senders", 0},
    {"recipient_canonical_maps", PARAM_LIST, "",
     "Address mapping for recipients", 0},
    {"canonical_classes", PARAM_LIST,
     "envelope_sender, envelope_recipient, header_sender, header_recipient",
     "Which addresses canonical_maps rewrites", 0},
    {"sender_canonical_classes", PARAM_LIST, "envelope_sender, header_sender",
     "Which addresses sender_canonical_maps rewrites", 0},
    {"recipient_canonical_classes", PARAM_LIST,
     "envelope_recipient, header_recipient",
     "Which addresses recipient_canonical_maps rewrites", 0},
    {"masquerade_domains", PARAM_LIST, "",
     "Domains whose subdomains are hidden", 0},
    {"masquerade_classes", PARAM_LIST,
     "envelope_sender, header_sender, header_recipient",
     "Which addresses are masqueraded", 0},
    {"masquerade_exceptions", PARAM_LIST, "", "Users never masqueraded", 0},
    {"propagate_unmatched_extensions", PARAM_LIST, "canonical, virtual",
     "Lookups whose unmatched address extension is kept in the result", 0},
    {"append_at_myorigin", PARAM_BOOL, "yes",
     "Append @$myorigin to unqualified local addresses", 0},
    {"append_dot_mydomain", PARAM_BOOL,
     "${{$compatibility_level} <level {1} ? {yes} : {no}}",
     "Append .$mydomain to addresses whose domain has no dot", 0},
    {"swap_bangpath", PARAM_BOOL, "yes", "Rewrite site!user into user@site", 0},
    {"allow_percent_hack", PARAM_BOOL, "yes",
     "Rewrite user%domain into user@domain", 0},
    {"remote_header_rewrite_domain", PARAM_STR, "",
     "Domain appended to incomplete header addresses from remote clients",
     0},
    {"empty_address_recipient", PARAM_STR, "MAILER-DAEMON",
     "Recipient of mail whose recipient is empty", 0},
    {"virtual_alias_maps", PARAM_LIST, "$virtual_maps",
     "Address aliases for all domains", 0},
    {"virtual_alias_domains", PARAM_LIST, "$virtual_alias_maps",
     "Domains whose addresses are all aliases", 0},
    {"virtual_alias_expansion_limit", PARAM_INT, "1000",
     "Most addresses one virtual alias expansion yields", 0},
    {"virtual_alias_recursion_limit", PARAM_INT, "1000",
     "Deepest virtual alias expansion", 0},
    {"virtual_alias_address_length_limit", PARAM_INT, "1000",
     "Longest address a virtual alias expansion yields", 0},
    {"virtual_mailbox_domains", PARAM_LIST, "$virtual_mailbox_maps",
     "Domains delivered by the virtual transport", 0},
    {"virtual_mailbox_maps", PARAM_LIST, "", "Tables of virtual mailboxes", 0},
    {"virtual_mailbox_base", PARAM_STR, "",
     "Folder virtual mailbox paths are relative to", 0},
    {"virtual_uid_maps", PARAM_LIST, "", "User IDs of virtual mailboxes", 0},
    {"virtual_gid_maps", PARAM_LIST, "", "Group IDs of virtual mailboxes", 0},
    {"virtual_minimum_uid", PARAM_INT, "100",
     "Lowest uid virtual delivery accepts", 0},
    {"virtual_mailbox_limit", PARAM_SIZE, "51200000",
     "Largest virtual mailbox, in bytes", 0},
    {"virtual_mailbox_lock", PARAM_LIST, "fcntl, dotlock",
     "Locks taken on virtual mbox files", 0},
    {"local_recipient_maps", PARAM_LIST, "proxy:unix:passwd.byname $alias_maps",
     "Tables of the local recipients the SMTP server accepts", 0},
    {"proxy_read_maps", PARAM_LIST,
     "$local_recipient_maps $mydestination $virtual_alias_maps "
     "$virtual_alias_domains $virtual_mailbox_maps $virtual_mailbox_domains "
     "$relay_recipient_maps $relay_domains $canonical_maps "
     "$sender_canonical_maps $recipient_canonical_maps $relocated_maps "
     "$transport_maps $mynetworks $smtpd_sender_login_maps $sender_bcc_maps "
     "$recipient_bcc_maps $smtp_generic_maps $lmtp_generic_maps $alias_maps "
     "$smtpd_client_restrictions $smtpd_helo_restrictions "
     "$smtpd_sender_restrictions $smtpd_relay_restrictions "
     "$smtpd_recipient_restrictions "
     "$address_verify_sender_dependent_default_transport_maps "
     "$address_verify_sender_dependent_relayhost_maps "
     "$address_verify_transport_maps $fallback_transport_maps "
     "$lmtp_discard_lhlo_keyword_address_maps $lmtp_pix_workaround_maps "
     "$lmtp_sasl_password_maps $lmtp_tls_policy_maps $mailbox_command_maps "
     "$mailbox_transport_maps $postscreen_discard_ehlo_keyword_address_maps "
     "$rbl_reply_maps $sender_dependent_default_transport_maps "
     "$sender_dependent_relayhost_maps $smtp_discard_ehlo_keyword_address_maps "
     "$smtp_pix_workaround_maps $smtp_sasl_password_maps $smtp_tls_policy_maps "
     "$smtpd_discard_ehlo_keyword_address_maps $smtpd_milter_maps "
     "$virtual_gid_maps $virtual_uid_maps $local_login_sender_maps "
     "$postscreen_reject_footer_maps $smtpd_reject_footer_maps "
     "$tls_server_sni_maps $tlsproxy_client_policy_maps "
     "$default_delivery_status_filter $lmtp_delivery_status_filter "
     "$lmtp_dns_reply_filter $lmtp_reply_filter $local_delivery_status_filter "
     "$pipe_delivery_status_filter $postscreen_command_filter "
     "$smtp_delivery_status_filter $smtp_dns_reply_filter $smtp_reply_filter "
     "$smtpd_command_filter $smtpd_dns_reply_filter "
     "$virtual_delivery_status_filter $body_checks $header_checks "
     "$lmtp_body_checks $lmtp_header_checks $lmtp_mime_header_checks "
     "$lmtp_nested_header_checks $milter_header_checks $mime_header_checks "
     "$nested_header_checks $smtp_body_checks $smtp_header_checks "
     "$smtp_mime_header_checks $smtp_nested_header_checks",
     "Tables that proxymap may read", 0},
    {"proxy_write_maps", PARAM_LIST,
     "$smtp_sasl_auth_cache_name $lmtp_sasl_auth_cache_name "
     "$address_verify_map $postscreen_cache_map",
     "Tables that proxymap may write", 0},
    {"message_size_limit", PARAM_SIZE, "10240000", "Largest message, in bytes",
     0},
    {"header_size_limit", PARAM_SIZE, "102400",
     "Largest message header, in bytes", 0},
    {"line_length_limit", PARAM_INT, "2048", "Longest line before it is split",
     0},
    {"header_checks", PARAM_LIST, "",
     "Tables of actions for each logical message header", 0},
    {"body_checks", PARAM_LIST, "", "Tables of actions for each body line", 0},
    {"mime_header_checks", PARAM_LIST, "$header_checks",
     "Tables of actions for each MIME header", 0},
    {"nested_header_checks", PARAM_LIST, "$header_checks",
     "Tables of actions for each header of an attached message", 0},
    {"body_checks_size_limit", PARAM_SIZE, "51200",
     "Bytes of each body part that body_checks inspect", 0},
    {"hopcount_limit", PARAM_INT, "50",
     "Most Received: headers a message may have", 0},
    {"header_address_token_limit", PARAM_INT, "10240",
     "Most tokens of an address header that are rewritten", 0},
    {"queue_minfree", PARAM_SIZE, "0",
     "Free space the queue needs before accepting mail", 0},
    {"hash_queue_names", PARAM_LIST, "deferred, defer",
     "Queue folders that are hashed into subfolders", 0},
    {"hash_queue_depth", PARAM_INT, "1",
     "Levels of subfolders in hashed queues", 0},
    {"batch_scheduled_services", PARAM_LIST, "smtpd, cleanup, pickup, postlogd",
     "Programs whose processes run under SCHED_BATCH: a woken one does not "
     "preempt a running process",
     PARAM_F_EXT},
    {"queue_file_reuse_limit", PARAM_INT, "1000",
     "Most finished queue files kept in spare/ for reuse (0: none)",
     PARAM_F_OURS | PARAM_F_EXT},
    {"enable_long_queue_ids", PARAM_BOOL, "no", "Long, time-ordered queue IDs",
     0},
    {"queue_run_delay", PARAM_TIME, "300s",
     "How often the deferred queue is scanned", 0},
    {"minimal_backoff_time", PARAM_TIME, "300s",
     "Shortest time between delivery attempts", 0},
    {"maximal_backoff_time", PARAM_TIME, "4000s",
     "Longest time between delivery attempts", 0},
    {"maximal_queue_lifetime", PARAM_TIME, "5d",
     "How long a message is retried before it bounces", 0},
    {"bounce_queue_lifetime", PARAM_TIME, "5d", "How long a bounce is retried",
     0},
    {"delay_warning_time", PARAM_TIME, "0h",
     "When to warn the sender of a delay (0: never)", 0},
    {"transport_retry_time", PARAM_TIME, "60s",
     "How long a failed transport is left alone", 0},
    {"qmgr_message_active_limit", PARAM_INT, "20000",
     "Most messages in qmgr's memory (the active queue)", 0},
    {"qmgr_message_recipient_limit", PARAM_INT, "20000",
     "Most recipients in qmgr's memory", 0},
    {"qmgr_message_recipient_minimum", PARAM_INT, "10",
     "Recipients qmgr takes of a message even when memory is full", 0},
    {"qmgr_ipc_timeout", PARAM_TIME, "60s",
     "Longest wait of qmgr for the bounce, defer and trace services", 0},
    {"qmgr_daemon_timeout", PARAM_TIME, "1000s",
     "Longest time qmgr spends on one request", 0},
    {"initial_destination_concurrency", PARAM_INT, "5",
     "Deliveries at once to a destination at first", 0},
    {"default_destination_concurrency_limit", PARAM_INT, "20",
     "Most deliveries at once to one destination of a transport", 0},
    {"default_destination_recipient_limit", PARAM_INT, "50",
     "Most recipients in one delivery request", 0},
    {"default_destination_concurrency_failed_cohort_limit", PARAM_INT, "1",
     "Failed cohorts in a row before a destination is suspended", 0},
    {"local_destination_concurrency_limit", PARAM_INT, "2",
     "Most deliveries at once to one local recipient", 0},
    {"local_destination_recipient_limit", PARAM_INT, "1",
     "Recipients in one local delivery request", 0},
    {"bounce_size_limit", PARAM_SIZE, "50000",
     "Most of the original message returned in a bounce", 0},
    {"notify_classes", PARAM_LIST, "resource, software",
     "Problems reported to postmaster", 0},
    {"soft_bounce", PARAM_BOOL, "no", "Defer instead of bouncing", 0},
    {"bounce_notice_recipient", PARAM_STR, "postmaster",
     "Who gets notify_classes bounce copies", 0},
    {"2bounce_notice_recipient", PARAM_STR, "postmaster",
     "Who gets undeliverable bounces (notify_classes 2bounce)", 0},
    {"delay_notice_recipient", PARAM_STR, "postmaster",
     "Who gets notify_classes delay copies", 0},
    {"double_bounce_sender", PARAM_STR, "double-bounce",
     "Sender of postmaster notices; mail from it is never reported", 0},
    {"default_process_limit", PARAM_INT, "100",
     "Default maxproc of master.cf services", 0},
    {"max_idle", PARAM_TIME, "100s",
     "How long an idle daemon waits for a client", 0},
    {"max_use", PARAM_INT, "100", "Clients a daemon serves before it exits", 0},
    {"daemon_timeout", PARAM_TIME, "18000s",
     "Longest time a daemon spends on one request", 0},
    {"ipc_timeout", PARAM_TIME, "3600s", "Longest IPC request", 0},
    {"ipc_idle", PARAM_TIME, "5s",
     "How long an idle IPC client keeps its connection", 0},
    {"ipc_ttl", PARAM_TIME, "1000s", "Longest life of an IPC connection", 0},
    {"fork_attempts", PARAM_INT, "5", "Attempts at fork() before giving up", 0},
    {"fork_delay", PARAM_TIME, "1s", "Delay between fork() attempts", 0},
    {"service_throttle_time", PARAM_TIME, "60s",
     "How long master waits before restarting a failing service", 0},
    {"master_service_disable", PARAM_LIST, "",
     "master.cf services (name.type) that master does not start", 0},
    {"anvil_rate_time_unit", PARAM_TIME, "60s",
     "Time unit over which anvil counts connection and message rates", 0},
    {"anvil_status_update_time", PARAM_TIME, "600s",
     "How often anvil logs its peak counters", 0},
    {"proxymap_service_name", PARAM_STR, "proxymap",
     "master.cf name of the read-only proxymap service", 0},
    {"proxywrite_service_name", PARAM_STR, "proxywrite",
     "master.cf name of the read-write proxymap service", 0},
    {"stale_lock_time", PARAM_TIME, "500s",
     "Age after which a dotlock file is stale", 0},
    {"in_flow_delay", PARAM_TIME, "1s",
     "Delay per message when mail arrives faster than it leaves", 0},
    {"duplicate_filter_limit", PARAM_INT, "1000",
     "Remembered addresses for duplicate removal", 0},
    {"berkeley_db_create_buffer_size", PARAM_SIZE, "16777216",
     "Berkeley DB cache when a table is built", 0},
    {"berkeley_db_read_buffer_size", PARAM_SIZE, "131072",
     "Berkeley DB cache when a table is read", 0},
    {"owner_request_special", PARAM_BOOL, "yes",
     "Treat owner-x and x-request specially", 0},
    {"expand_owner_alias", PARAM_BOOL, "no",
     "Use the owner alias itself as the envelope sender", 0},
    {"allow_mail_to_commands", PARAM_LIST, "alias, forward",
     "Where |command deliveries are allowed", 0},
    {"allow_mail_to_files", PARAM_LIST, "alias, forward",
     "Where /file deliveries are allowed", 0},
    {"forward_path", PARAM_LIST,
     "$home/.forward${recipient_delimiter}${extension}, $home/.forward",
     "Where .forward files are looked for", 0},
    {"home_mailbox", PARAM_STR, "",
     "Mailbox relative to the home folder (a trailing / means Maildir)", 0},
    {"mail_spool_directory", PARAM_STR, "/var/mail",
     "Folder of mbox spool files", 0},
    {"mailbox_command", PARAM_STR, "", "Command that delivers to the mailbox",
     0},
    {"mailbox_transport", PARAM_STR, "",
     "Transport that delivers to the mailbox", 0},
    {"mailbox_size_limit", PARAM_SIZE, "51200000", "Largest mailbox, in bytes",
     0},
    {"luser_relay", PARAM_STR, "", "Where mail for unknown local users goes",
     0},
    {"biff", PARAM_BOOL, "yes", "Notify the comsat service of new mail", 0},
    {"smtp_helo_name", PARAM_STR, "$myhostname",
     "SMTP: Host name sent in EHLO or HELO", 0},
    {"lmtp_lhlo_name", PARAM_STR, "$myhostname",
     "LMTP: Host name sent in EHLO or HELO", 0},
    {"smtp_tcp_port", PARAM_STR, "smtp",
     "SMTP: Default TCP port (number or service name)", 0},
    {"smtp_bind_address", PARAM_STR, "",
     "SMTP: Local IPv4 address of outgoing connections", 0},
    {"lmtp_bind_address", PARAM_STR, "",
     "LMTP: Local IPv4 address of outgoing connections", 0},
    {"smtp_bind_address6", PARAM_STR, "",
     "SMTP: Local IPv6 address of outgoing connections", 0},
    {"lmtp_bind_address6", PARAM_STR, "",
     "LMTP: Local IPv6 address of outgoing connections", 0},
    {"smtp_host_lookup", PARAM_LIST, "dns",
     "SMTP: How server addresses are found: dns, native", 0},
    {"lmtp_host_lookup", PARAM_LIST, "dns",
     "LMTP: How server addresses are found: dns, native", 0},
    {"smtp_connect_timeout", PARAM_TIME, "30s",
     "SMTP: Time limit to set up a connection", 0},
    {"lmtp_connect_timeout", PARAM_TIME, "0s",
     "LMTP: Time limit to set up a connection", 0},
    {"smtp_helo_timeout", PARAM_TIME, "300s",
     "SMTP: Time limit for the greeting and EHLO/HELO replies", 0},
    {"lmtp_lhlo_timeout", PARAM_TIME, "300s",
     "LMTP: Time limit for the greeting and EHLO/HELO replies", 0},
    {"smtp_mail_timeout", PARAM_TIME, "300s",
     "SMTP: Time limit for the MAIL FROM reply", 0},
    {"lmtp_mail_timeout", PARAM_TIME, "300s",
     "LMTP: Time limit for the MAIL FROM reply", 0},
    {"smtp_rcpt_timeout", PARAM_TIME, "300s",
     "SMTP: Time limit for each RCPT TO reply", 0},
    {"lmtp_rcpt_timeout", PARAM_TIME, "300s",
     "LMTP: Time limit for each RCPT TO reply", 0},
    {"smtp_data_init_timeout", PARAM_TIME, "120s",
     "SMTP: Time limit for the DATA reply", 0},
    {"lmtp_data_init_timeout", PARAM_TIME, "120s",
     "LMTP: Time limit for the DATA reply", 0},
    {"smtp_data_xfer_timeout", PARAM_TIME, "180s",
     "SMTP: Time limit for each write of message content", 0},
    {"lmtp_data_xfer_timeout", PARAM_TIME, "180s",
     "LMTP: Time limit for each write of message content", 0},
    {"smtp_data_done_timeout", PARAM_TIME, "600s",
     "SMTP: Time limit for the reply to the final dot", 0},
    {"lmtp_data_done_timeout", PARAM_TIME, "600s",
     "LMTP: Time limit for the reply to the final dot", 0},
    {"smtp_quit_timeout", PARAM_TIME, "300s",
     "SMTP: Time limit for the QUIT reply", 0},
    {"lmtp_quit_timeout", PARAM_TIME, "300s",
     "LMTP: Time limit for the QUIT reply", 0},
    {"smtp_rset_timeout", PARAM_TIME, "20s",
     "SMTP: Time limit for the RSET reply", 0},
    {"lmtp_rset_timeout", PARAM_TIME, "20s",
     "LMTP: Time limit for the RSET reply", 0},
    {"smtp_mx_address_limit", PARAM_INT, "5",
     "SMTP: Most server addresses tried per delivery", 0},
    {"lmtp_mx_address_limit", PARAM_INT, "5",
     "LMTP: Most server addresses tried per delivery", 0},
    {"smtp_mx_session_limit", PARAM_INT, "2",
     "SMTP: Most server sessions per delivery", 0},
    {"lmtp_mx_session_limit", PARAM_INT, "2",
     "LMTP: Most server sessions per delivery", 0},
    {"smtp_line_length_limit", PARAM_INT, "998",
     "SMTP: Longer content lines are broken with CRLF SPACE", 0},
    {"lmtp_line_length_limit", PARAM_INT, "998",
     "LMTP: Longer content lines are broken with CRLF SPACE", 0},
    {"smtp_skip_5xx_greeting", PARAM_BOOL, "yes",
     "SMTP: A 5xx greeting moves on to the next server", 0},
    {"lmtp_skip_5xx_greeting", PARAM_BOOL, "yes",
     "LMTP: A 5xx greeting moves on to the next server", 0},
    {"smtp_connection_cache_on_demand", PARAM_BOOL, "yes",
     "SMTP: Keep idle sessions for the next delivery", 0},
    {"lmtp_connection_cache_on_demand", PARAM_BOOL, "yes",
     "LMTP: Keep idle sessions for the next delivery", 0},
    {"smtp_connection_cache_time_limit", PARAM_TIME, "2s",
     "SMTP: How long an idle session is kept", 0},
    {"lmtp_connection_cache_time_limit", PARAM_TIME, "2s",
     "LMTP: How long an idle session is kept", 0},
    {"smtp_connection_reuse_time_limit", PARAM_TIME, "300s",
     "SMTP: How long one session may be reused", 0},
    {"lmtp_connection_reuse_time_limit", PARAM_TIME, "300s",
     "LMTP: How long one session may be reused", 0},
    {"smtp_never_send_ehlo", PARAM_BOOL, "no",
     "SMTP: send HELO, never EHLO", 0},
    {"smtp_sasl_auth_enable", PARAM_BOOL, "no",
     "SMTP: Authenticate to servers with SASL", 0},
    {"lmtp_sasl_auth_enable", PARAM_BOOL, "no",
     "LMTP: Authenticate to servers with SASL", 0},
    {"smtp_sasl_password_maps", PARAM_STR, "",
     "SMTP: Tables of user:password by server host name or next hop", 0},
    {"lmtp_sasl_password_maps", PARAM_STR, "",
     "LMTP: Tables of user:password by server host name or next hop", 0},
    {"smtp_sasl_security_options", PARAM_LIST, "noplaintext, noanonymous",
     "SMTP: SASL mechanism restrictions in plaintext sessions", 0},
    {"lmtp_sasl_security_options", PARAM_LIST, "noplaintext, noanonymous",
     "LMTP: SASL mechanism restrictions in plaintext sessions", 0},
    {"smtp_sasl_tls_security_options", PARAM_LIST, "$smtp_sasl_security_options",
     "SMTP: SASL mechanism restrictions in TLS sessions", 0},
    {"lmtp_sasl_tls_security_options", PARAM_LIST, "$lmtp_sasl_security_options",
     "LMTP: SASL mechanism restrictions in TLS sessions", 0},
    {"smtp_sasl_mechanism_filter", PARAM_LIST, "",
     "SMTP: SASL mechanisms to keep from the server's offer (empty: all)", 0},
    {"lmtp_sasl_mechanism_filter", PARAM_LIST, "",
     "LMTP: SASL mechanisms to keep from the server's offer (empty: all)", 0},
    {"smtp_tls_security_level", PARAM_STR, "",
     "SMTP: TLS level: none, may, encrypt, verify, secure (empty: from the legacy settings)", 0},
    {"lmtp_tls_security_level", PARAM_STR, "",
     "LMTP: TLS level: none, may, encrypt, verify, secure (empty: from the legacy settings)", 0},
    {"smtp_use_tls", PARAM_BOOL, "no",
     "SMTP: Legacy: TLS when offered (level may)", 0},
    {"lmtp_use_tls", PARAM_BOOL, "no",
     "LMTP: Legacy: TLS when offered (level may)", 0},
    {"smtp_enforce_tls", PARAM_BOOL, "no",
     "SMTP: Legacy: TLS required (level encrypt or verify)", 0},
    {"lmtp_enforce_tls", PARAM_BOOL, "no",
     "LMTP: Legacy: TLS required (level encrypt or verify)", 0},
    {"smtp_tls_enforce_peername", PARAM_BOOL, "yes",
     "SMTP: Legacy: with enforce_tls, check the server name (level verify)", 0},
    {"lmtp_tls_enforce_peername", PARAM_BOOL, "yes",
     "LMTP: Legacy: with enforce_tls, check the server name (level verify)", 0},
    {"smtp_tls_CAfile", PARAM_STR, "",
     "SMTP: File of trusted CA certificates", 0},
    {"lmtp_tls_CAfile", PARAM_STR, "",
     "LMTP: File of trusted CA certificates", 0},
    {"smtp_tls_CApath", PARAM_STR, "",
     "SMTP: Folder of trusted CA certificates", 0},
    {"lmtp_tls_CApath", PARAM_STR, "",
     "LMTP: Folder of trusted CA certificates", 0},
    {"smtp_tls_cert_file", PARAM_STR, "",
     "SMTP: Client certificate (optional)", 0},
    {"lmtp_tls_cert_file", PARAM_STR, "",
     "LMTP: Client certificate (optional)", 0},
    {"smtp_tls_key_file", PARAM_STR, "$smtp_tls_cert_file",
     "SMTP: Client certificate key", 0},
    {"lmtp_tls_key_file", PARAM_STR, "$lmtp_tls_cert_file",
     "LMTP: Client certificate key", 0},
    {"smtp_tls_protocols", PARAM_STR, ">=TLSv1",
     "SMTP: TLS protocols at level may", 0},
    {"lmtp_tls_protocols", PARAM_STR, ">=TLSv1",
     "LMTP: TLS protocols at level may", 0},
    {"smtp_tls_mandatory_protocols", PARAM_STR, ">=TLSv1",
     "SMTP: TLS protocols at level encrypt and above", 0},
    {"lmtp_tls_mandatory_protocols", PARAM_STR, ">=TLSv1",
     "LMTP: TLS protocols at level encrypt and above", 0},
    {"smtp_tls_ciphers", PARAM_STR, "medium",
     "SMTP: Cipher grade at level may", 0},
    {"lmtp_tls_ciphers", PARAM_STR, "medium",
     "LMTP: Cipher grade at level may", 0},
    {"smtp_tls_mandatory_ciphers", PARAM_STR, "medium",
     "SMTP: Cipher grade at level encrypt and above", 0},
    {"lmtp_tls_mandatory_ciphers", PARAM_STR, "medium",
     "LMTP: Cipher grade at level encrypt and above", 0},
    {"smtp_tls_exclude_ciphers", PARAM_STR, "",
     "SMTP: Ciphers left out at level may", 0},
    {"lmtp_tls_exclude_ciphers", PARAM_STR, "",
     "LMTP: Ciphers left out at level may", 0},
    {"smtp_tls_mandatory_exclude_ciphers", PARAM_STR, "",
     "SMTP: Ciphers left out at level encrypt and above", 0},
    {"lmtp_tls_mandatory_exclude_ciphers", PARAM_STR, "",
     "LMTP: Ciphers left out at level encrypt and above", 0},
    {"smtp_tls_policy_maps", PARAM_STR, "",
     "SMTP: TLS policy per next hop: level [match=..] [protocols=..] [ciphers=..]", 0},
    {"lmtp_tls_policy_maps", PARAM_STR, "",
     "LMTP: TLS policy per next hop: level [match=..] [protocols=..] [ciphers=..]", 0},
    {"smtp_tls_servername", PARAM_STR, "",
     "SMTP: SNI name: hostname, nexthop, or a literal name (empty: none)", 0},
    {"lmtp_tls_servername", PARAM_STR, "",
     "LMTP: SNI name: hostname, nexthop, or a literal name (empty: none)", 0},
    {"smtp_tls_verify_cert_match", PARAM_STR, "hostname",
     "SMTP: Certificate match rules at level verify", 0},
    {"lmtp_tls_verify_cert_match", PARAM_STR, "hostname",
     "LMTP: Certificate match rules at level verify", 0},
    {"smtp_tls_secure_cert_match", PARAM_STR, "nexthop, dot-nexthop",
     "SMTP: Certificate match rules at level secure", 0},
    {"lmtp_tls_secure_cert_match", PARAM_STR, "nexthop",
     "LMTP: Certificate match rules at level secure", 0},
    {"smtp_tls_loglevel", PARAM_INT, "0",
     "SMTP: TLS logging: 2 adds the certificate names", 0},
    {"lmtp_tls_loglevel", PARAM_INT, "0",
     "LMTP: TLS logging: 2 adds the certificate names", 0},
    {"smtp_tls_note_starttls_offer", PARAM_BOOL, "no",
     "SMTP: At level none, log servers that offer STARTTLS", 0},
    {"lmtp_tls_note_starttls_offer", PARAM_BOOL, "no",
     "LMTP: At level none, log servers that offer STARTTLS", 0},
    {"smtp_starttls_timeout", PARAM_TIME, "300s",
     "SMTP: Time limit for the TLS handshake", 0},
    {"lmtp_starttls_timeout", PARAM_TIME, "300s",
     "LMTP: Time limit for the TLS handshake", 0},
    {"deliver_lock_attempts", PARAM_INT, "20",
     "Attempts at a mailbox lock before the delivery is deferred", 0},
    {"deliver_lock_delay", PARAM_TIME, "1s",
     "Delay between two attempts at a mailbox lock", 0},
    {"mailbox_delivery_lock", PARAM_LIST, "fcntl, dotlock",
     "How the local agent locks an mbox (fcntl, dotlock, flock)", 0},
    {"command_time_limit", PARAM_TIME, "1000s",
     "Longest run of a command the local agent delivers to", 0},
    {"local_command_shell", PARAM_STR, "",
     "Shell for |command deliveries (empty: /bin/sh -c)", 0},
    {"prepend_delivered_header", PARAM_LIST, "command, file, forward",
     "Deliveries that get a Delivered-To: header besides mailboxes", 0},
    {"enable_original_recipient", PARAM_BOOL, "yes",
     "Keep the original recipient (X-Original-To:)", 0},
    {"require_home_directory", PARAM_BOOL, "no",
     "Defer local delivery when the user's home folder is missing", 0},
    {"smtpd_banner", PARAM_STR, "$myhostname ESMTP $mail_name",
     "Text after 220 in the SMTP greeting", 0},
    {"smtpd_recipient_limit", PARAM_INT, "1000",
     "Most recipients the SMTP server accepts per message", 0},
    {"smtpd_timeout", PARAM_TIME, "${stress?{10}:{300}}s",
     "How long the SMTP server waits for a client's command or data", 0},
    {"smtpd_hard_error_limit", PARAM_INT, "${stress?{1}:{20}}",
     "Errors after which the SMTP server hangs up", 0},
    {"smtpd_soft_error_limit", PARAM_INT, "10",
     "Errors after which the SMTP server slows down its replies", 0},
    {"smtpd_error_sleep_time", PARAM_TIME, "1s",
     "Delay before each reply once the soft error limit is passed", 0},
    {"smtpd_helo_required", PARAM_BOOL, "no",
     "Require HELO or EHLO before MAIL FROM", 0},
    {"strict_rfc821_envelopes", PARAM_BOOL, "no",
     "Require <> around MAIL FROM and RCPT TO addresses", 0},
    {"disable_vrfy_command", PARAM_BOOL, "no",
     "Answer VRFY with 502 instead of 252", 0},
    /* Postfix 3.9's safe default, not 3.7's "no" (SMTP smuggling). */
    {"smtpd_forbid_bare_newline", PARAM_STR, "normal",
     "Bare LF handling in SMTP (no, normal, strict); Postfix 3.9's default",
     PARAM_F_OURS},
    {"smtpd_forbid_bare_newline_reject_code", PARAM_INT, "550",
     "Reply code when smtpd_forbid_bare_newline = strict rejects", 0},
    {"smtpd_client_restrictions", PARAM_LIST, "",
     "Restrictions on the SMTP client's name and address", 0},
    {"smtpd_helo_restrictions", PARAM_LIST, "",
     "Restrictions on the HELO/EHLO name", 0},
    {"smtpd_sender_restrictions", PARAM_LIST, "",
     "Restrictions on the MAIL FROM address", 0},
    {"smtpd_relay_restrictions", PARAM_LIST,
     "${{$compatibility_level} <level {1} ? {} : {permit_mynetworks, "
     "permit_sasl_authenticated, defer_unauth_destination}}",
     "Relay control restrictions at RCPT TO", 0},
    {"smtpd_recipient_restrictions", PARAM_LIST, "",
     "Restrictions on the RCPT TO address", 0},
    {"smtpd_data_restrictions", PARAM_LIST, "",
     "Restrictions at the DATA command", 0},
    {"smtpd_end_of_data_restrictions", PARAM_LIST, "",
     "Restrictions at the end of the message", 0},
    {"smtpd_restriction_classes", PARAM_LIST, "",
     "Names of parameters that hold a restriction list", 0},
    {"smtpd_delay_reject", PARAM_BOOL, "yes",
     "Evaluate client, HELO and sender restrictions at RCPT TO", 0},
    {"smtpd_reject_unlisted_recipient", PARAM_BOOL, "yes",
     "Reject unknown recipients even without reject_unlisted_recipient", 0},
    {"smtpd_reject_unlisted_sender", PARAM_BOOL, "no",
     "Reject unknown senders even without reject_unlisted_sender", 0},
    {"smtpd_null_access_lookup_key", PARAM_STR, "<>",
     "Access table key of the null sender", 0},
    {"reject_code", PARAM_INT, "554", "Reply code of the reject restriction",
     0},
    {"defer_code", PARAM_INT, "450", "Reply code of the defer restriction",
     0},
    {"relay_domains_reject_code", PARAM_INT, "554",
     "Reply code of reject_unauth_destination", 0},
    {"access_map_reject_code", PARAM_INT, "554",
     "Reply code of an access table REJECT", 0},
    {"access_map_defer_code", PARAM_INT, "450",
     "Reply code of an access table DEFER", 0},
    {"non_fqdn_reject_code", PARAM_INT, "504",
     "Reply code of the reject_non_fqdn_* restrictions", 0},
    {"invalid_hostname_reject_code", PARAM_INT, "501",
     "Reply code of reject_invalid_helo_hostname", 0},
    {"unknown_local_recipient_reject_code", PARAM_INT, "550",
     "Reply code for a recipient not in local_recipient_maps", 0},
    {"unknown_virtual_alias_reject_code", PARAM_INT, "550",
     "Reply code for a recipient not in the virtual tables", 0},
    {"unknown_relay_recipient_reject_code", PARAM_INT, "550",
     "Reply code for a recipient not in relay_recipient_maps", 0},
    {"relay_recipient_maps", PARAM_LIST, "",
     "Valid recipients in relay_domains (empty: any)", 0},
    {"smtpd_policy_service_timeout", PARAM_TIME, "100s",
     "Time limit of one policy server request", 0},
    {"smtpd_policy_service_max_idle", PARAM_TIME, "300s",
     "How long an unused policy server connection is kept", 0},
    {"smtpd_policy_service_max_ttl", PARAM_TIME, "1000s",
     "How long a policy server connection is used at most", 0},
    {"smtpd_policy_service_try_limit", PARAM_INT, "2",
     "Attempts of one policy server request", 0},
    {"smtpd_policy_service_default_action", PARAM_STR,
     "451 4.3.5 Server configuration problem",
     "Action when the policy server does not answer", 0},
    {"smtpd_client_connection_count_limit", PARAM_INT, "50",
     "Simultaneous connections from one client (0: no limit)", 0},
    {"smtpd_client_connection_rate_limit", PARAM_INT, "0",
     "Connections per anvil_rate_time_unit from one client", 0},
    {"smtpd_client_message_rate_limit", PARAM_INT, "0",
     "MAIL FROM requests per anvil_rate_time_unit from one client", 0},
    {"smtpd_client_recipient_rate_limit", PARAM_INT, "0",
     "RCPT TO requests per anvil_rate_time_unit from one client", 0},
    {"smtpd_client_event_limit_exceptions", PARAM_LIST,
     "${smtpd_client_connection_limit_exceptions:$mynetworks}",
     "Clients exempt from the connection and rate limits", 0},
    {"smtpd_client_auth_rate_limit", PARAM_INT, "0",
     "AUTH commands per anvil_rate_time_unit from one client", 0},
    {"smtpd_sasl_auth_enable", PARAM_BOOL, "no",
     "Offer and accept SMTP AUTH (RFC 4954)", 0},
    {"smtpd_sasl_type", PARAM_STR, "cyrus",
     "SASL back-end: dovecot, or postern (built in); cyrus is not supported",
     0},
    {"smtpd_sasl_path", PARAM_STR, "smtpd",
     "Dovecot auth socket, relative to queue_directory or absolute", 0},
    {"smtpd_sasl_service", PARAM_STR, "smtp",
     "Service name given to the SASL back-end", 0},
    {"smtpd_sasl_security_options", PARAM_LIST, "noanonymous",
     "SASL mechanism restrictions without TLS (noplaintext, noanonymous, ...)",
     0},
    {"smtpd_sasl_tls_security_options", PARAM_LIST,
     "$smtpd_sasl_security_options",
     "SASL mechanism restrictions under TLS", 0},
    {"smtpd_sasl_response_limit", PARAM_INT, "12288",
     "Longest AUTH response line a client may send", 0},
    {"smtpd_sasl_authenticated_header", PARAM_BOOL, "no",
     "Name the SASL login in the Received: header", 0},
    {"smtpd_sasl_users_maps", PARAM_LIST, "",
     "Postern extension: user to crypt(3) hash tables for "
     "smtpd_sasl_type = postern",
     PARAM_F_OURS | PARAM_F_EXT},
    {"smtpd_tls_auth_only", PARAM_BOOL, "yes",
     "Offer AUTH only after STARTTLS; Postern's default, Postfix's is no",
     PARAM_F_OURS},
    {"broken_sasl_auth_clients", PARAM_BOOL, "no",
     "Also announce AUTH in the obsolete AUTH=mechanisms form", 0},
    {"smtpd_sender_login_maps", PARAM_LIST, "",
     "Tables: MAIL FROM address to the SASL logins that own it", 0},
    {"lmtp_tcp_port", PARAM_STR, "24", "Default LMTP port", 0},
    {"undisclosed_recipients_header", PARAM_STR, "",
     "Header added when there is no recipient header", 0},
    {"sender_dependent_relayhost_maps", PARAM_LIST, "",
     "Tables that map a sender to the relayhost for its mail", 0},
    {"empty_address_relayhost_maps_lookup_key", PARAM_STR, "<>",
     "sender_dependent_relayhost_maps key of the null sender", 0},
    {"resolve_null_domain", PARAM_BOOL, "no",
     "Resolve user@ (empty domain) as a local address", 0},
    {"resolve_numeric_domain", PARAM_BOOL, "no",
     "Resolve user@1.2.3.4 as user@[1.2.3.4]", 0},
    {"show_user_unknown_table_name", PARAM_BOOL, "yes",
     "Name the table in \"User unknown\" replies", 0},    {"disable_mime_output_conversion", PARAM_BOOL, "no",
     "Send 8-bit MIME unconverted to servers without 8BITMIME", 0},
    {"mime_nesting_limit", PARAM_INT, "100",
     "Deepest MIME nesting that is followed", 0},
    {"mime_boundary_length_limit", PARAM_INT, "2048",
     "Bytes of a MIME boundary that are compared", 0},
    {"mailbox_transport_maps", PARAM_LIST, "",
     "Per-user transports that deliver to the mailbox", 0},
    {"fallback_transport", PARAM_STR, "",
     "Transport for local users not in the password file", 0},
    {"fallback_transport_maps", PARAM_LIST, "",
     "Per-user transports for local users not in the password file", 0},
    {"smtpd_tls_security_level", PARAM_STR, "",
     "SMTP server TLS: none, may (offer STARTTLS) or encrypt (require it)",
     0},
    {"smtpd_use_tls", PARAM_BOOL, "no",
     "Legacy: offer STARTTLS (smtpd_tls_security_level = may)", 0},
    {"smtpd_enforce_tls", PARAM_BOOL, "no",
     "Legacy: require STARTTLS (smtpd_tls_security_level = encrypt)", 0},
    {"smtpd_tls_cert_file", PARAM_STR, "",
     "The SMTP server's RSA certificate (PEM, with its chain)", 0},
    {"smtpd_tls_key_file", PARAM_STR, "$smtpd_tls_cert_file",
     "The private key of smtpd_tls_cert_file", 0},
    {"smtpd_tls_eccert_file", PARAM_STR, "",
     "The SMTP server's ECDSA certificate (PEM, with its chain)", 0},
    {"smtpd_tls_eckey_file", PARAM_STR, "$smtpd_tls_eccert_file",
     "The private key of smtpd_tls_eccert_file", 0},
    {"smtpd_tls_chain_files", PARAM_LIST, "",
     "Files of a key then its certificate chain (RSA, ECDSA); preferred", 0},
    {"smtpd_tls_CAfile", PARAM_STR, "",
     "CA certificates trusted for client certificates (one file)", 0},
    {"smtpd_tls_CApath", PARAM_STR, "",
     "CA certificates trusted for client certificates (hashed folder)", 0},
    /* A modern floor, not Postfix 3.7's ">=TLSv1". */
    {"smtpd_tls_protocols", PARAM_LIST, ">=TLSv1.2",
     "TLS versions the SMTP server accepts at level may; not Postfix's "
     ">=TLSv1",
     PARAM_F_OURS},
    {"smtpd_tls_mandatory_protocols", PARAM_LIST, ">=TLSv1.2",
     "TLS versions the SMTP server accepts at level encrypt; not Postfix's "
     ">=TLSv1",
     PARAM_F_OURS},
    {"smtpd_tls_ciphers", PARAM_STR, "medium",
     "Cipher grade of the SMTP server at level may", 0},
    {"smtpd_tls_mandatory_ciphers", PARAM_STR, "medium",
     "Cipher grade of the SMTP server at level encrypt", 0},
    {"smtpd_tls_exclude_ciphers", PARAM_LIST, "",
     "Ciphers the SMTP server never uses", 0},
    {"smtpd_tls_mandatory_exclude_ciphers", PARAM_LIST, "",
     "Ciphers the SMTP server never uses at level encrypt", 0},
    {"smtpd_tls_loglevel", PARAM_INT, "0",
     "SMTP server TLS logging: 0 errors, 1 a summary per session", 0},
    {"smtpd_tls_received_header", PARAM_BOOL, "no",
     "Put the TLS protocol and cipher into the Received: header", 0},
    {"smtpd_tls_wrappermode", PARAM_BOOL, "no",
     "TLS from the first byte (SMTPS, port 465) instead of STARTTLS", 0},
    {"smtpd_tls_ask_ccert", PARAM_BOOL, "no",
     "Ask (not require) SMTP clients for a certificate", 0},
    {"smtpd_starttls_timeout", PARAM_TIME, "${stress?{10}:{300}}s",
     "Time limit of the SMTP server's TLS handshake", 0},
    {"smtpd_tls_session_cache_timeout", PARAM_TIME, "3600s",
     "How long a TLS session may be resumed (session tickets)", 0},
    {"tls_high_cipherlist", PARAM_STR, "aNULL:-aNULL:HIGH:@STRENGTH",
     "OpenSSL cipher list of the grade high", 0},
    {"tls_medium_cipherlist", PARAM_STR,
     "aNULL:-aNULL:HIGH:MEDIUM:+RC4:@STRENGTH",
     "OpenSSL cipher list of the grade medium", 0},
    {"tls_low_cipherlist", PARAM_STR,
     "aNULL:-aNULL:HIGH:MEDIUM:LOW:+RC4:@STRENGTH",
     "OpenSSL cipher list of the grade low", 0},
    {"tls_export_cipherlist", PARAM_STR,
     "aNULL:-aNULL:HIGH:MEDIUM:LOW:EXPORT:+RC4:@STRENGTH",
     "OpenSSL cipher list of the grade export", 0},
    {"tls_null_cipherlist", PARAM_STR, "eNULL:!aNULL",
     "OpenSSL cipher list of the grade null", 0},
    {"smtpd_tls_req_ccert", PARAM_BOOL, "no",
     "Require a trusted client certificate (level encrypt only)", 0},
    {"smtpd_tls_fingerprint_digest", PARAM_STR,
     "${{$compatibility_level} <level {3.6} ? {md5} : {sha256}}",
     "Digest of client certificate fingerprints (relay_clientcerts, "
     "check_ccert_access)",
     0},
    {"relay_clientcerts", PARAM_LIST, "",
     "Tables of client certificate fingerprints that permit_tls_clientcerts "
     "accepts",
     0},
    {"smtpd_sasl_local_domain", PARAM_STR, "",
     "SASL realm appended to login names without @ (postern back-end)", 0},
    {"smtpd_sasl_exceptions_networks", PARAM_LIST, "",
     "Clients that are not offered AUTH in the EHLO reply", 0},
};

#define NPARAMS (sizeof(params) / sizeof(params[0]))

static const PARAM_DEF *sorted[NPARAMS];
static int sorted_done;

/* by_name - qsort order of table rows */
static int
by_name(const void *a, const void *b)
{
    return strcmp((*(const PARAM_DEF *const *) a)->name,
                  (*(const PARAM_DEF *const *) b)->name);
}

/* sort_params - build the sorted index once */
static void
sort_params(void)
{
    size_t i;

    if (sorted_done)
        return;
    for (i = 0; i < NPARAMS; i++)
        sorted[i] = &params[i];
    qsort(sorted, NPARAMS, sizeof(sorted[0]), by_name);
    sorted_done = 1;
}

/* mail_param_find - the declaration of name, or NULL */
const PARAM_DEF *
mail_param_find(const char *name)
{
    size_t lo = 0, hi = NPARAMS, mid;
    int cmp;

    sort_params();
    while (lo < hi) {
        mid = (lo + hi) / 2;
        if ((cmp = strcmp(name, sorted[mid]->name)) == 0)
            return sorted[mid];
        if (cmp < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return NULL;
}

/* mail_param_table - every supported parameter, sorted by name */
const PARAM_DEF *
mail_param_table(size_t *count)
{
    static PARAM_DEF copy[NPARAMS];
    size_t i;

    sort_params();
    for (i = 0; i < NPARAMS; i++)
        copy[i] = *sorted[i];
    *count = NPARAMS;
    return copy;
}

/* mail_param_type_name - the word docs use for a type */
const char *
mail_param_type_name(int type)
{
    switch (type) {
        case PARAM_STR:
            return "string";
        case PARAM_BOOL:
            return "boolean";
        case PARAM_INT:
            return "integer";
        case PARAM_TIME:
            return "time";
        case PARAM_SIZE:
            return "size";
        case PARAM_LIST:
            return "list";
        default:
            return "unknown";
    }
}

/* mail_param_parse_bool - yes/no (any case); -1 on anything else */
int
mail_param_parse_bool(const char *value, int *result)
{
    if (strcasecmp(value, "yes") == 0)
        *result = 1;
    else if (strcasecmp(value, "no") == 0)
        *result = 0;
    else
        return -1;
    return 0;
}

/* mail_param_parse_long - a whole non-negative decimal number */
int
mail_param_parse_long(const char *value, long *result, STRBUF *why)
{
    char *end;
    long n;

    errno = 0;
    n = strtol(value, &end, 10);
    if (*value == 0 || !isdigit((unsigned char) *value) || *end != 0) {
        strbuf_sprintf(why, "bad numerical value: \"%s\"", value);
        return -1;
    }
    if (errno == ERANGE) {
        strbuf_sprintf(why, "number out of range: \"%s\"", value);
        return -1;
    }
    *result = n;
    return 0;
}

/* unit_seconds - seconds per time unit letter, 0 if unknown */
static long
unit_seconds(int unit)
{
    switch (unit) {
        case 's':
            return 1;
        case 'm':
            return 60;
        case 'h':
            return 3600;
        case 'd':
            return 86400;
        case 'w':
            return 604800;
        default:
            return 0;
    }
}

/* mail_param_parse_time - "90", "5m", "2d"; bare numbers use def's unit */
int
mail_param_parse_time(const char *value, const char *def, long *seconds,
                      STRBUF *why)
{
    size_t len = strlen(value);
    int unit = 's';
    long n, mult;
    char *digits;
    int ret;

    if (def != NULL && *def && isalpha((unsigned char) def[strlen(def) - 1]))
        unit = def[strlen(def) - 1];
    if (len > 0 && isalpha((unsigned char) value[len - 1]))
        unit = value[--len];
    if ((mult = unit_seconds(unit)) == 0) {
        strbuf_sprintf(why, "bad time unit: \"%s\"", value);
        return -1;
    }
    digits = mystrndup(value, len);
    ret = mail_param_parse_long(digits, &n, why);
    myfree(digits);
    if (ret < 0)
        return -1;
    if (n > LONG_MAX / mult) {
        strbuf_sprintf(why, "time out of range: \"%s\"", value);
        return -1;
    }
    *seconds = n * mult;
    return 0;
}

/* mail_param_check - does an expanded value fit the parameter's type? */
int
mail_param_check(const PARAM_DEF *p, const char *value, STRBUF *why)
{
    long n;
    int b;

    switch (p->type) {
        case PARAM_BOOL:
            if (mail_param_parse_bool(value, &b) < 0) {
                strbuf_sprintf(why, "bad boolean value: \"%s\" (use yes or no)",
                               value);
                return -1;
            }
            return 0;
        case PARAM_INT:
        case PARAM_SIZE:
            return mail_param_parse_long(value, &n, why);
        case PARAM_TIME:
            return mail_param_parse_time(value, p->def, &n, why);
        default:
            return 0;
    }
}

/*
 * bounce_report - the text of one delivery status notification
 * (RFC 3464) inside a multipart/report (RFC 6522, which obsoletes RFC
 * 3462): message headers, a human-readable part, the message/
 * delivery-status part, and the returned message or its headers.
 *
 * bounce_report() fills the caller's out; it never fails.  Values from
 * the logs and the queue file are cut to BOUNCE_FIELD_MAX bytes and
 * made 7-bit printable where they go into header fields, so that no
 * line passes the 998 characters of RFC 5322 section 2.1.1.
 */
#include <string.h>

#include "bounce.h"
#include "mail_date.h"
#include "mail_proto.h"
#include "xtext.h"

/* Longest value put in one header or delivery-status field. */
#define BOUNCE_FIELD_MAX 900

/* The texts of each kind. */
static const struct bounce_text {
    const char *subject;
    const char *intro;
    const char *part3; /* Content-Description of the returned message */
} bounce_texts[] = {
    [BOUNCE_KIND_FAILED] = {"Undelivered Mail Returned to Sender",
                            "Your message could not be delivered to one or "
                            "more of its\nrecipients. The problems are "
                            "listed below; the message,\nor its header, is "
                            "attached.\n",
                            "Undelivered Message"},
    [BOUNCE_KIND_DELAYED] = {"Delayed Mail (still being retried)",
                             "Your message has not been delivered yet to "
                             "the recipients below.\nThis is only a "
                             "warning: delivery is still being retried, and "
                             "you\nneed not send the message again.\n",
                             "Delayed Message"},
    [BOUNCE_KIND_SUCCESS] = {"Successful Mail Delivery Report",
                             "Your message was delivered to the recipients "
                             "below, as you asked\nto be told.\n",
                             "Delivered Message"},
};

/* clean - a value made 7-bit printable and cut, appended to out */
static void
clean(STRBUF *out, const char *value)
{
    size_t i;

    for (i = 0; value && value[i] && i < BOUNCE_FIELD_MAX; i++) {
        unsigned char ch = (unsigned char) value[i];
        strbuf_addch(out, ch < 0x20 || ch > 0x7e ? '?' : ch);
    }
}

/* field - "Name: value\n", the value cleaned */
static void
field(STRBUF *out, const char *name, const char *value)
{
    strbuf_sprintf_cat(out, "%s: ", name);
    clean(out, value);
    strbuf_addch(out, '\n');
}

/* field_date - "Name: RFC 5322 date\n" */
static void
field_date(STRBUF *out, const char *name, long long when)
{
    STRBUF *date = strbuf_create(64);

    mail_date(date, (time_t) when);
    strbuf_sprintf_cat(out, "%s: %s\n", name, STR(date));
    strbuf_free(date);
}

/* has_8bit - does the returned text hold a byte over 127? */
static int
has_8bit(const char *s, size_t len)
{
    size_t i;

    for (i = 0; i < len; i++)
        if ((unsigned char) s[i] > 0x7f)
            return 1;
    return 0;
}

/* make_boundary - a boundary that the returned text does not hold */
static void
make_boundary(STRBUF *out, const BOUNCE_REPORT *rep, const char *text,
              size_t len)
{
    int n = 0;

    /* RFC 2046 section 5.1.1: the boundary must not occur in the parts. */
    do {
        strbuf_sprintf(out, "%s.%lld/%s%s%.0d", rep->msg->queue_id, rep->now,
                       bounce_params.myhostname, n ? "." : "", n);
        n++;
    } while (memmem(text, len, STR(out), LEN(out)) != NULL && n < 100);
}

/* message_head - the report's own header */
static void
message_head(STRBUF *out, const BOUNCE_REPORT *rep, const char *boundary,
             int eight)
{
    STRBUF *tmp = strbuf_create(100);

    strbuf_sprintf_cat(out, "From: Mail Delivery System <MAILER-DAEMON@%s>\n",
                       bounce_params.myhostname);
    strbuf_sprintf_cat(out, "Subject: %s%s\n",
                       rep->copy ? "Postmaster Copy: " : "",
                       bounce_texts[rep->kind].subject);
    strbuf_strcat(out, "To: <");
    clean(out, rep->to);
    strbuf_strcat(out, ">\n");
    /* RFC 3834 section 5: a report is an automatic reply. */
    strbuf_strcat(out, "Auto-Submitted: auto-replied\n");
    strbuf_strcat(out, "MIME-Version: 1.0\n");
    /* RFC 6522 section 3: report-type is a required parameter. */
    strbuf_sprintf_cat(out,
                       "Content-Type: multipart/report; "
                       "report-type=delivery-status;\n\tboundary=\"%s\"\n",
                       boundary);
    strbuf_sprintf_cat(out, "Content-Transfer-Encoding: %s\n",
                       eight ? "8bit" : "7bit");
    mail_date_message_id(tmp, (time_t) rep->now, rep->new_id,
                         bounce_params.myhostname);
    strbuf_sprintf_cat(out, "Message-Id: %s\n", STR(tmp));
    field_date(out, "Date", rep->now);
    strbuf_strcat(out, "\nThis is a MIME-encapsulated message.\n\n");
    strbuf_free(tmp);
}

/* human_part - the first part: text for a person (RFC 6522 section 3) */
static void
human_part(STRBUF *out, const BOUNCE_REPORT *rep, const char *boundary)
{
    size_t i;
    const BOUNCE_LOG_ENTRY *e;

    strbuf_sprintf_cat(out, "--%s\n", boundary);
    strbuf_strcat(out, "Content-Description: Notification\n"
                       "Content-Type: text/plain; charset=us-ascii\n\n");
    strbuf_sprintf_cat(out, "This is the mail system at host %s.\n\n",
                       bounce_params.myhostname);
    strbuf_strcat(out, bounce_texts[rep->kind].intro);
    strbuf_strcat(out, "\nIf you need help, write to the postmaster and "
                       "include this report.\n\n");
    strbuf_strcat(out, "                   The mail system\n");
    for (i = 0; i < rep->rcpt_count; i++) {
        e = rep->rcpt[i];
        strbuf_strcat(out, "\n<");
        clean(out, e->recipient);
        strbuf_strcat(out, ">");
        if (e->orig_rcpt && strcasecmp(e->orig_rcpt, e->recipient) != 0) {
            strbuf_strcat(out, " (expanded from <");
            clean(out, e->orig_rcpt);
            strbuf_strcat(out, ">)");
        }
        strbuf_strcat(out, ": ");
        clean(out, e->reason);
        strbuf_addch(out, '\n');
    }
    strbuf_addch(out, '\n');
}

/* orig_rcpt_field - Original-Recipient from an ORCPT "type;xtext" */
static void
orig_rcpt_field(STRBUF *out, const char *orcpt)
{
    const char *semi = strchr(orcpt, ';');
    STRBUF *dec = strbuf_create(100);

    /* RFC 3461 section 6.3 (c): the ORCPT's address, xtext decoded. */
    if (semi && semi > orcpt &&
        xtext_decode(semi + 1, strlen(semi + 1), BOUNCE_FIELD_MAX, dec) == 0) {
        strbuf_strcat(out, "Original-Recipient: ");
        strbuf_memcat(out, orcpt, (size_t) (semi - orcpt));
        strbuf_strcat(out, ";");
        clean(out, STR(dec));
        strbuf_addch(out, '\n');
    }
    strbuf_free(dec);
}

/* rcpt_fields - one recipient's group (RFC 3464 section 2.3) */
static void
rcpt_fields(STRBUF *out, const BOUNCE_REPORT *rep, const BOUNCE_LOG_ENTRY *e)
{
    STRBUF *tmp = strbuf_create(100);

    strbuf_addch(out, '\n');
    if (e->dsn_orcpt)
        orig_rcpt_field(out, e->dsn_orcpt);
    /* Section 2.3.2, 2.3.3, 2.3.4: these three are required. */
    strbuf_sprintf(tmp, "rfc822; %s", e->recipient);
    field(out, "Final-Recipient", STR(tmp));
    field(out, "Action",
          rep->kind == BOUNCE_KIND_DELAYED  ? DSN_ACTION_DELAYED
          : rep->kind == BOUNCE_KIND_FAILED ? DSN_ACTION_FAILED
                                            : e->action);
    field(out, "Status", e->status);
    if (e->mta)
        field(out, "Remote-MTA", e->mta);
    if (e->diag) {
        field(out, "Diagnostic-Code", e->diag);
    } else {
        strbuf_sprintf(tmp, "X-Postern; %s", e->reason);
        field(out, "Diagnostic-Code", STR(tmp));
    }
    if (rep->kind != BOUNCE_KIND_SUCCESS)
        field_date(out, "Last-Attempt-Date", e->time);
    if (rep->kind == BOUNCE_KIND_DELAYED)
        field_date(out, "Will-Retry-Until",
                   rep->msg->env->arrival_sec + bounce_params.max_lifetime);
    strbuf_free(tmp);
}

/* status_part - the message/delivery-status part (RFC 3464 section 2) */
static void
status_part(STRBUF *out, const BOUNCE_REPORT *rep, const char *boundary)
{
    const BOUNCE_MSG *msg = rep->msg;
    STRBUF *tmp = strbuf_create(100);
    size_t i;

    strbuf_sprintf_cat(out, "--%s\n", boundary);
    strbuf_strcat(out, "Content-Description: Delivery report\n"
                       "Content-Type: message/delivery-status\n\n");
    /* Section 2.2.2: Reporting-MTA is required. */
    strbuf_sprintf(tmp, "dns; %s", bounce_params.myhostname);
    field(out, "Reporting-MTA", STR(tmp));
    field(out, "X-Postern-Queue-ID", msg->queue_id);
    strbuf_sprintf(tmp, "rfc822; %s", msg->env->sender);
    field(out, "X-Postern-Sender", STR(tmp));
    field_date(out, "Arrival-Date", msg->env->arrival_sec);
    /* RFC 3461 section 6.3 (a): the ENVID given, as Original-Envelope-Id. */
    if (*msg->envid)
        field(out, "Original-Envelope-Id", msg->envid);
    for (i = 0; i < rep->rcpt_count; i++)
        rcpt_fields(out, rep, rep->rcpt[i]);
    strbuf_addch(out, '\n');
    strbuf_free(tmp);
}

/* message_part - the returned message, or only its header */
static void
message_part(STRBUF *out, const BOUNCE_REPORT *rep, const char *boundary,
             size_t len, int eight)
{
    const BOUNCE_MSG *msg = rep->msg;

    strbuf_sprintf_cat(out, "--%s\n", boundary);
    strbuf_sprintf_cat(out, "Content-Description: %s%s\n",
                       bounce_texts[rep->kind].part3,
                       rep->full ? "" : " Headers");
    /* RFC 6522 section 3: the third part is the message or its headers. */
    strbuf_sprintf_cat(out, "Content-Type: %s\n",
                       rep->full ? "message/rfc822" : "text/rfc822-headers");
    if (eight)
        strbuf_strcat(out, "Content-Transfer-Encoding: 8bit\n");
    strbuf_addch(out, '\n');
    strbuf_memcat(out, STR(msg->content), len);
    if (len > 0 && STR(msg->content)[len - 1] != '\n')
        strbuf_addch(out, '\n');
    strbuf_sprintf_cat(out, "\n--%s--\n", boundary);
}

/* bounce_report - the whole text of one report */
void
bounce_report(STRBUF *out, const BOUNCE_REPORT *rep)
{
    const BOUNCE_MSG *msg = rep->msg;
    size_t len = rep->full ? LEN(msg->content) : msg->header_len;
    STRBUF *boundary = strbuf_create(100);
    int eight = has_8bit(STR(msg->content), len);

    strbuf_reset(out);
    make_boundary(boundary, rep, STR(msg->content), len);
    message_head(out, rep, STR(boundary), eight);
    human_part(out, rep, STR(boundary));
    status_part(out, rep, STR(boundary));
    message_part(out, rep, STR(boundary), len, eight);
    strbuf_free(boundary);
}

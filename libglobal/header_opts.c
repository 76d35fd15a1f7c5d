/*
 * header_opts - the message headers that cleanup treats specially.
 *
 * header_opts_find() looks up a header name (pointer + length, without the
 * colon) in ASCII case-insensitive fashion, as header names compare
 * (RFC 5322 section 1.2.2), and returns its row or NULL for a header
 * cleanup passes on untouched.  header_opts_table() returns the whole
 * table, sorted by name.  Both return static storage; nothing here
 * allocates, logs or fails.
 */
#include <stdlib.h>

#include "header_opts.h"

/* Sorted by name, ignoring case: header_opts_find() searches in halves. */
static const HEADER_OPTS header_opts[] = {
    {"Apparently-To", HDR_APPARENTLY_TO, HDR_OPT_RECIP},
    {"Bcc", HDR_BCC, HDR_OPT_RECIP | HDR_OPT_EXTRACT | HDR_OPT_DROP_T},
    {"Cc", HDR_CC, HDR_OPT_RECIP | HDR_OPT_EXTRACT},
    {"Content-Description", HDR_CONTENT_DESCRIPTION, HDR_OPT_MIME},
    {"Content-Disposition", HDR_CONTENT_DISPOSITION, HDR_OPT_MIME},
    {"Content-ID", HDR_CONTENT_ID, HDR_OPT_MIME},
    {"Content-Length", HDR_CONTENT_LENGTH, 0},
    {"Content-Transfer-Encoding", HDR_CONTENT_TRANSFER_ENCODING, HDR_OPT_MIME},
    {"Content-Type", HDR_CONTENT_TYPE, HDR_OPT_MIME},
    {"Date", HDR_DATE, 0},
    {"Delivered-To", HDR_DELIVERED_TO, 0},
    {"Disposition-Notification-To", HDR_DISP_NOTIFICATION_TO, HDR_OPT_SENDER},
    {"Errors-To", HDR_ERRORS_TO, HDR_OPT_SENDER},
    {"From", HDR_FROM, HDR_OPT_SENDER},
    {"Message-ID", HDR_MESSAGE_ID, 0},
    {"MIME-Version", HDR_MIME_VERSION, HDR_OPT_MIME},
    {"Received", HDR_RECEIVED, 0},
    {"Reply-To", HDR_REPLY_TO, HDR_OPT_SENDER},
    {"Resent-Bcc", HDR_RESENT_BCC,
     HDR_OPT_RECIP | HDR_OPT_RESENT | HDR_OPT_EXTRACT | HDR_OPT_DROP_T},
    {"Resent-Cc", HDR_RESENT_CC,
     HDR_OPT_RECIP | HDR_OPT_RESENT | HDR_OPT_EXTRACT},
    {"Resent-Date", HDR_RESENT_DATE, HDR_OPT_RESENT},
    {"Resent-From", HDR_RESENT_FROM, HDR_OPT_SENDER | HDR_OPT_RESENT},
    {"Resent-Message-ID", HDR_RESENT_MESSAGE_ID, HDR_OPT_RESENT},
    {"Resent-Reply-To", HDR_RESENT_REPLY_TO, HDR_OPT_SENDER | HDR_OPT_RESENT},
    {"Resent-Sender", HDR_RESENT_SENDER, HDR_OPT_SENDER | HDR_OPT_RESENT},
    {"Resent-To", HDR_RESENT_TO,
     HDR_OPT_RECIP | HDR_OPT_RESENT | HDR_OPT_EXTRACT},
    {"Return-Path", HDR_RETURN_PATH, HDR_OPT_SENDER | HDR_OPT_DROP},
    {"Return-Receipt-To", HDR_RETURN_RECEIPT_TO, HDR_OPT_SENDER},
    {"Sender", HDR_SENDER, HDR_OPT_SENDER},
    {"To", HDR_TO, HDR_OPT_RECIP | HDR_OPT_EXTRACT},
    {"X-Original-To", HDR_X_ORIGINAL_TO, HDR_OPT_RECIP},
};

#define HEADER_OPTS_COUNT (sizeof(header_opts) / sizeof(header_opts[0]))

/* header_opts_lower - ASCII lower case, whatever the locale */
static int
header_opts_lower(int ch)
{
    return (ch >= 'A' && ch <= 'Z') ? ch - 'A' + 'a' : ch;
}

/* header_opts_cmp - compare name[0..len) with a row's name, ignoring case */
static int
header_opts_cmp(const char *name, size_t len, const char *row)
{
    size_t i;
    int a, b;

    for (i = 0; i < len; i++) {
        if (row[i] == 0)
            return 1;
        a = header_opts_lower((unsigned char) name[i]);
        b = header_opts_lower((unsigned char) row[i]);
        if (a != b)
            return a - b;
    }
    return row[len] == 0 ? 0 : -1;
}

/* header_opts_find - the row of a header name, or NULL */
const HEADER_OPTS *
header_opts_find(const char *name, size_t len)
{
    size_t lo = 0;
    size_t hi = HEADER_OPTS_COUNT;
    size_t mid;
    int cmp;

    while (lo < hi) {
        mid = lo + (hi - lo) / 2;
        cmp = header_opts_cmp(name, len, header_opts[mid].name);
        if (cmp == 0)
            return header_opts + mid;
        if (cmp < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return NULL;
}

/* header_opts_table - every row, sorted by name */
const HEADER_OPTS *
header_opts_table(size_t *count)
{
    *count = HEADER_OPTS_COUNT;
    return header_opts;
}

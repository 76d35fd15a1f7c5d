#ifndef HEADER_OPTS_H
#define HEADER_OPTS_H

/*
 * header_opts - the message headers that cleanup treats specially, with
 * what it must do with each.  See header_opts.c.
 */
#include <stddef.h>

/* Which header, for a switch without string compares. */
enum {
    HDR_APPARENTLY_TO = 1,
    HDR_BCC,
    HDR_CC,
    HDR_CONTENT_DESCRIPTION,
    HDR_CONTENT_DISPOSITION,
    HDR_CONTENT_ID,
    HDR_CONTENT_LENGTH,
    HDR_CONTENT_TRANSFER_ENCODING,
    HDR_CONTENT_TYPE,
    HDR_DATE,
    HDR_DELIVERED_TO,
    HDR_DISP_NOTIFICATION_TO,
    HDR_ERRORS_TO,
    HDR_FROM,
    HDR_MESSAGE_ID,
    HDR_MIME_VERSION,
    HDR_RECEIVED,
    HDR_REPLY_TO,
    HDR_RESENT_BCC,
    HDR_RESENT_CC,
    HDR_RESENT_DATE,
    HDR_RESENT_FROM,
    HDR_RESENT_MESSAGE_ID,
    HDR_RESENT_REPLY_TO,
    HDR_RESENT_SENDER,
    HDR_RESENT_TO,
    HDR_RETURN_PATH,
    HDR_RETURN_RECEIPT_TO,
    HDR_SENDER,
    HDR_TO,
    HDR_X_ORIGINAL_TO,
};

/* What cleanup does with a header. */
#define HDR_OPT_SENDER  (1 << 0) /* addresses, rewritten as senders */
#define HDR_OPT_RECIP   (1 << 1) /* addresses, rewritten as recipients */
#define HDR_OPT_RESENT  (1 << 2) /* a Resent- header (RFC 5322 3.6.6) */
#define HDR_OPT_DROP    (1 << 3) /* always removed (Return-Path) */
#define HDR_OPT_DROP_T  (1 << 4) /* removed when recipients are extracted */
#define HDR_OPT_EXTRACT (1 << 5) /* recipients extracted by sendmail -t */
#define HDR_OPT_MIME    (1 << 6) /* a MIME header (RFC 2045) */
#define HDR_OPT_ADDR    (HDR_OPT_SENDER | HDR_OPT_RECIP)

typedef struct HEADER_OPTS {
    const char *name; /* as usually written: "Reply-To" */
    int type;         /* HDR_* */
    int flags;        /* HDR_OPT_* */
} HEADER_OPTS;

extern const HEADER_OPTS *header_opts_find(const char *name, size_t len);
extern const HEADER_OPTS *header_opts_table(size_t *count);

#endif

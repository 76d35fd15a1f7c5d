#ifndef MIME_QP_H
#define MIME_QP_H

/*
 * mime_qp - downgrade 8-bit MIME content to 7-bit for an SMTP server that
 * does not announce 8BITMIME (RFC 6152 section 3: the client converts the
 * message to 7 bits or returns it).  Postfix's smtp client does this when
 * disable_mime_output_conversion = no, the server lacks 8BITMIME and the
 * message is not known to be 7-bit; the caller makes that choice, this
 * module only converts.
 *
 * A streaming line filter.  The caller feeds the message content one
 * logical line at a time, as read from the queue file (the line end
 * removed, continuation records already joined): the headers, the empty
 * line, the body.  Output lines, also without line ends, go to the
 * caller's out function as soon as they are known.  Only one part's
 * header block is held at a time (at most header_size bytes); body lines
 * are never held.
 *
 * What is converted (Postfix's rule: content that claims to be 8-bit):
 *  - A leaf part, or the body of the message itself, whose
 *    Content-Transfer-Encoding is "8bit" or "binary" is re-encoded as
 *    quoted-printable (RFC 2045 section 6.7) and that header is replaced
 *    by "Content-Transfer-Encoding: quoted-printable".  This happens even
 *    when the body turns out to hold no 8-bit byte: the decision is made
 *    at the end of the part's headers, before its body is seen.
 *  - Content without that header is 7bit by default (RFC 2045 section
 *    6.1) and passes unchanged even if it holds 8-bit bytes, as in
 *    Postfix; so does content labelled 7bit, quoted-printable, base64 or
 *    anything unknown.  No MIME-Version or Content-Type is ever added.
 *  - multipart/<any> with a boundary parameter: the walker follows its
 *    parts, each with its own header block, to any depth within
 *    nesting_limit.  message/rfc822: the walker follows the embedded
 *    message's headers and body, since an encoding other than 7bit, 8bit
 *    or binary is not allowed for them (RFC 2045 section 6.4, RFC 2046
 *    section 5.2.1), their inner parts are converted instead.  Either kind
 *    labelled 8bit or binary is relabelled "7bit".  Either kind labelled
 *    with another encoding is opaque and passes unchanged.  A multipart
 *    without a usable boundary is treated as a leaf.
 *  - MIME-Version is not required: the Content-* headers are read wherever
 *    they are (as Postfix does).  The first Content-Type and the first
 *    Content-Transfer-Encoding of a header block count.  A Content-Type
 *    that does not parse means text/plain (RFC 2045 section 5.2); in a
 *    multipart/digest the default is message/rfc822 (RFC 2046 5.1.5).
 *  - Headers, preambles, epilogues and boundary lines pass byte for byte;
 *    8-bit bytes in headers are left alone (Postfix does not encode
 *    headers).  The only header change is the Content-Transfer-Encoding
 *    line above, which is then one unfolded line.
 *
 * Boundaries: a line that starts with "--" and a boundary of any open
 * multipart (innermost first) delimits a part; "--" right after the
 * boundary closes that multipart.  The rest of the line (transport
 * padding, RFC 2046 section 5.1.1) is not checked.  Deeper open levels
 * end there too.  Boundaries are compared on at most boundary_len bytes
 * (mime_boundary_length_limit); a longer one is cut to that.  A part
 * whose headers are interrupted by a boundary has no body.  So that no
 * converted line can be taken for a delimiter, a quoted-printable line
 * never starts with "--": the first "-" is written as "=2D".
 *
 * Quoted-printable output (RFC 2045 section 6.7): printable ASCII but
 * "=" stays as it is; "=", control characters, DEL and 8-bit bytes
 * become "=XX" (upper-case hex); SP and HT stay unless they end the line,
 * where they are encoded (rule 3); each input line ends with a hard line
 * break; lines are cut with a soft break "=" so that no output line is
 * longer than 76 characters (rule 5).  "From " and "." at the start of a
 * line are not touched (dot-stuffing is the SMTP client's job).
 *
 * Interface.  mime_qp_limits_init() fills Postfix's defaults.
 * mime_qp_create() returns a filter the caller owns; mime_qp_free()
 * releases it and returns NULL.  mime_qp_line() takes one line and
 * mime_qp_finish() ends the content (it emits a header block still held,
 * as is); both return 0, or -1 once the filter has failed, after which
 * every call returns -1 and nothing more is emitted.  mime_qp_status()
 * says why (MIME_QP_ERR_*), mime_qp_reason() in words (valid until the
 * filter is freed).  Output already emitted before a failure stays
 * emitted: the caller must abandon the transfer (Postfix cannot take back
 * a DATA in progress either).  MIME_QP_ERR_NESTING and MIME_QP_ERR_HEADER
 * are properties of the message (a retry fails the same way);
 * MIME_QP_ERR_OUTPUT means the out function returned -1.  Nothing here
 * logs or is fatal; out may be called with lines holding any byte,
 * including NUL, in the parts that pass unchanged, and of any length
 * there (line length limits and dot-stuffing are the caller's).
 *
 * Use, in the smtp client at DATA:
 *
 *     mime_qp_limits_init(&lim);    then mime_nesting_limit,
 *                                   mime_boundary_length_limit,
 *                                   header_size_limit from main.cf
 *     m = mime_qp_create(&lim, send_line, session);
 *     for each logical content line (queue records joined):
 *         if (mime_qp_line(m, line, len) < 0) break;
 *     if (status == OK) mime_qp_finish(m);
 *     if (mime_qp_status(m) != MIME_QP_OK) abandon the transfer and
 *         defer or bounce with mime_qp_reason(m);
 *     m = mime_qp_free(m);
 */
#include <stddef.h>

#include "strbuf.h"

/* Postfix's defaults for mime_nesting_limit, mime_boundary_length_limit
 * and header_size_limit. */
#define MIME_QP_NESTING_DEF  100
#define MIME_QP_BOUNDARY_DEF 2048
#define MIME_QP_HEADER_DEF   102400

/* The longest quoted-printable output line (RFC 2045 section 6.7 rule 5). */
#define MIME_QP_LINE_MAX 76

typedef struct MIME_QP_LIMITS {
    size_t nesting_limit; /* open multiparts plus embedded messages */
    size_t boundary_len;  /* bytes of a boundary compared (0: 1) */
    size_t header_size;   /* bytes of one part's header block (0: 1) */
} MIME_QP_LIMITS;

/* Why the filter stopped. */
#define MIME_QP_OK          0
#define MIME_QP_ERR_NESTING 1 /* deeper than nesting_limit */
#define MIME_QP_ERR_HEADER  2 /* a header block over header_size */
#define MIME_QP_ERR_OUTPUT  3 /* the out function failed */

/* Receives one output line (no line end); returns 0, or -1 to stop. */
typedef int (*MIME_QP_OUT_FN)(void *context, const char *line, size_t len);

typedef struct MIME_QP_FRAME MIME_QP_FRAME;

typedef struct MIME_QP {
    size_t parts;     /* entities seen: the message, parts, embedded ones */
    size_t converted; /* entities re-encoded as quoted-printable */
    /* Private. */
    MIME_QP_LIMITS lim;
    MIME_QP_OUT_FN out;
    void *context;
    int status;           /* MIME_QP_OK or MIME_QP_ERR_* */
    STRBUF *reason;       /* status in words */
    int in_head;          /* collecting a header block */
    int encode;           /* the current body is re-encoded */
    int digest;           /* default type of the part is message/rfc822 */
    MIME_QP_FRAME *stack; /* open multiparts and embedded messages */
    size_t depth;         /* frames in use */
    size_t stack_size;    /* frames allocated */
    STRBUF *head;         /* the header block, lines back to back */
    size_t *ends;         /* where each line of head ends */
    size_t nlines;        /* lines in head */
    size_t ends_size;     /* room in ends */
    STRBUF *value;        /* scratch: an unfolded header value */
    STRBUF *boundary;     /* scratch: a boundary parameter */
    STRBUF *line;         /* scratch: one quoted-printable line */
} MIME_QP;

extern void mime_qp_limits_init(MIME_QP_LIMITS *lim);
extern MIME_QP *mime_qp_create(const MIME_QP_LIMITS *lim, MIME_QP_OUT_FN out,
                               void *context);
extern int mime_qp_line(MIME_QP *m, const char *line, size_t len);
extern int mime_qp_finish(MIME_QP *m);
extern int mime_qp_status(const MIME_QP *m);
extern const char *mime_qp_reason(const MIME_QP *m);
extern MIME_QP *mime_qp_free(MIME_QP *m);

#endif

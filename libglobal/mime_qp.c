/*
 * mime_qp - a streaming MIME walker that re-encodes 8-bit leaf parts as
 * quoted-printable for an SMTP server without 8BITMIME.  See mime_qp.h
 * for what is converted and the interface.
 *
 * State: either a header block is being collected (in_head) or a body is
 * being passed on (encoded or not).  A stack holds one frame per open
 * multipart (with its boundary) and per embedded message/rfc822 (without
 * one); its depth is bounded by nesting_limit.  Every line is first
 * matched against the open boundaries, then handled by the state.
 *
 * Nothing here logs or is fatal (memory exhaustion aside, as everywhere).
 * Failures set the status and a reason and stop the filter.
 */
#include <stdint.h>
#include <string.h>
#include <strings.h>

#include "header_parse.h"
#include "mime_qp.h"
#include "mymalloc.h"

#define IS_WSP(c) ((c) == ' ' || (c) == '\t')

/* One open multipart (boundary set) or embedded message (boundary NULL). */
struct MIME_QP_FRAME {
    char *boundary; /* at most boundary_len bytes, not NUL-terminated */
    size_t blen;    /* bytes of boundary */
    int digest;     /* multipart/digest: parts default to message/rfc822 */
};

/* What a header block says. */
#define MIME_QP_LEAF    0 /* anything not walked into */
#define MIME_QP_MULTI   1 /* multipart with a boundary */
#define MIME_QP_MESSAGE 2 /* message/rfc822 */

#define MIME_QP_ENC_7BIT  0 /* 7bit, or no Content-Transfer-Encoding */
#define MIME_QP_ENC_8BIT  1 /* 8bit or binary */
#define MIME_QP_ENC_OTHER 2 /* quoted-printable, base64, unknown */

typedef struct MIME_QP_INFO {
    int kind;          /* MIME_QP_LEAF etc. */
    int digest;        /* multipart/digest */
    int have_boundary; /* m->boundary holds the boundary parameter */
    int have_ctype;    /* a Content-Type was seen */
    int enc;           /* MIME_QP_ENC_* */
    size_t cte_first;  /* lines of Content-Transfer-Encoding, or SIZE_MAX */
    size_t cte_end;
} MIME_QP_INFO;

#define CTE_QP   "Content-Transfer-Encoding: quoted-printable"
#define CTE_7BIT "Content-Transfer-Encoding: 7bit"

/* RFC 2045 section 5.1: tspecials, which end a token. */
#define MIME_QP_TSPECIALS "()<>@,;:\\\"/[]?="

/* mime_qp_limits_init - Postfix's defaults */
void
mime_qp_limits_init(MIME_QP_LIMITS *lim)
{
    lim->nesting_limit = MIME_QP_NESTING_DEF;
    lim->boundary_len = MIME_QP_BOUNDARY_DEF;
    lim->header_size = MIME_QP_HEADER_DEF;
}

/* mime_qp_create - a filter for one message */
MIME_QP *
mime_qp_create(const MIME_QP_LIMITS *lim, MIME_QP_OUT_FN out, void *context)
{
    MIME_QP *m = mycalloc(1, sizeof(*m));

    m->lim = *lim;
    /* A strbuf limit of 0 means none: keep every bound a bound. */
    if (m->lim.boundary_len == 0)
        m->lim.boundary_len = 1;
    if (m->lim.header_size == 0)
        m->lim.header_size = 1;
    m->out = out;
    m->context = context;
    m->reason = strbuf_create(64);
    m->head = strbuf_create(256);
    strbuf_set_limit(m->head, m->lim.header_size);
    m->value = strbuf_create(64);
    m->boundary = strbuf_create(64);
    strbuf_set_limit(m->boundary, m->lim.boundary_len);
    m->line = strbuf_create(MIME_QP_LINE_MAX + 1);
    m->in_head = 1;
    return m;
}

/* mime_qp_free - release a filter; returns NULL */
MIME_QP *
mime_qp_free(MIME_QP *m)
{
    if (m == NULL)
        return NULL;
    while (m->depth > 0)
        myfree(m->stack[--m->depth].boundary);
    myfree(m->stack);
    myfree(m->ends);
    strbuf_free(m->reason);
    strbuf_free(m->head);
    strbuf_free(m->value);
    strbuf_free(m->boundary);
    strbuf_free(m->line);
    myfree(m);
    return NULL;
}

/* mime_qp_status - MIME_QP_OK or why the filter stopped */
int
mime_qp_status(const MIME_QP *m)
{
    return m->status;
}

/* mime_qp_reason - the status in words */
const char *
mime_qp_reason(const MIME_QP *m)
{
    return m->status == MIME_QP_OK ? "ok" : STR(m->reason);
}

/* mime_qp_emit - one line to the caller; -1 when its function fails */
static int
mime_qp_emit(MIME_QP *m, const char *line, size_t len)
{
    if (m->out(m->context, line, len) < 0) {
        m->status = MIME_QP_ERR_OUTPUT;
        return strbuf_fail(m->reason, 0, "output failed");
    }
    return 0;
}

/*
 * Quoted-printable, RFC 2045 section 6.7.
 */

/* mime_qp_literal - may byte i of the line stand as itself */
static int
mime_qp_literal(const char *s, size_t len, size_t i, int at_start)
{
    int ch = (unsigned char) s[i];

    /* Rule 3: white space at the end of an encoded line is encoded. */
    if (IS_WSP(ch))
        return i + 1 < len;
    /* Rules 1 and 2: printable ASCII but "=" is literal. */
    if (ch < 33 || ch > 126 || ch == '=')
        return 0;
    /* Ours: no output line looks like a boundary delimiter. */
    return !(at_start && ch == '-' && i + 1 < len && s[i + 1] == '-');
}

/* mime_qp_add - append byte i, literal or as =XX */
static void
mime_qp_add(STRBUF *out, const char *s, size_t i, int literal)
{
    static const char hex[] = "0123456789ABCDEF";
    int ch = (unsigned char) s[i];

    if (literal) {
        strbuf_addch(out, ch);
    } else {
        strbuf_addch(out, '=');
        strbuf_addch(out, hex[ch >> 4]);
        strbuf_addch(out, hex[ch & 15]);
    }
}

/* mime_qp_encode - one body line as one or more encoded lines */
static int
mime_qp_encode(MIME_QP *m, const char *s, size_t len)
{
    size_t i, width;
    int lit;

    strbuf_reset(m->line);
    for (i = 0; i < len; i++) {
        lit = mime_qp_literal(s, len, i, LEN(m->line) == 0);
        width = lit ? 1 : 3;
        /* Rule 5: 76 characters at most, counting a soft break "=". */
        if (LEN(m->line) + width + (i + 1 < len) > MIME_QP_LINE_MAX) {
            strbuf_addch(m->line, '=');
            if (mime_qp_emit(m, STR(m->line), LEN(m->line)) < 0)
                return -1;
            strbuf_reset(m->line);
            lit = mime_qp_literal(s, len, i, 1);
        }
        mime_qp_add(m->line, s, i, lit);
    }
    return mime_qp_emit(m, STR(m->line), LEN(m->line));
}

/*
 * Header values, RFC 2045 section 5.1 (Content-Type) and 6.1
 * (Content-Transfer-Encoding), with RFC 5322 comments and white space.
 */

/* mime_qp_skip - past white space and (nested) comments */
static size_t
mime_qp_skip(const char *s, size_t len, size_t i)
{
    size_t level;

    for (;;) {
        while (i < len && (IS_WSP(s[i]) || s[i] == '\r' || s[i] == '\n'))
            i++;
        if (i >= len || s[i] != '(')
            return i;
        for (level = 0; i < len; i++) {
            if (s[i] == '\\' && i + 1 < len)
                i++;
            else if (s[i] == '(')
                level++;
            else if (s[i] == ')' && --level == 0) {
                i++;
                break;
            }
        }
    }
}

/* mime_qp_token - the end of the token at i (i itself if none) */
static size_t
mime_qp_token(const char *s, size_t len, size_t i)
{
    int ch;

    while (i < len) {
        ch = (unsigned char) s[i];
        if (ch <= 32 || ch >= 127 || strchr(MIME_QP_TSPECIALS, ch))
            break;
        i++;
    }
    return i;
}

/* mime_qp_is - does s[start..end) equal word, ignoring case */
static int
mime_qp_is(const char *s, size_t start, size_t end, const char *word)
{
    size_t n = strlen(word);

    return end - start == n && strncasecmp(s + start, word, n) == 0;
}

/* mime_qp_value - a token or quoted-string at i into out (if not NULL);
 * the end, or SIZE_MAX when there is none */
static size_t
mime_qp_value(const char *s, size_t len, size_t i, STRBUF *out)
{
    size_t end;

    if (i < len && s[i] == '"') {
        for (i++; i < len && s[i] != '"'; i++) {
            if (s[i] == '\\' && i + 1 < len)
                i++;
            /* Past boundary_len the value is cut (the append fails). */
            if (out != NULL)
                (void) strbuf_addch(out, s[i]);
        }
        return i < len ? i + 1 : SIZE_MAX;
    }
    end = mime_qp_token(s, len, i);
    if (end == i)
        return SIZE_MAX;
    if (out != NULL)
        (void) strbuf_memcat(out, s + i, end - i);
    return end;
}

/* mime_qp_params - find the boundary among the parameters from i */
static void
mime_qp_params(MIME_QP *m, const char *s, size_t len, size_t i,
               MIME_QP_INFO *info)
{
    size_t name, name_end;
    int want;

    strbuf_reset(m->boundary);
    for (;;) {
        i = mime_qp_skip(s, len, i);
        if (i >= len || s[i] != ';')
            return;
        name = i = mime_qp_skip(s, len, i + 1);
        name_end = mime_qp_token(s, len, i);
        i = mime_qp_skip(s, len, name_end);
        if (name_end == name || i >= len || s[i] != '=')
            return;
        want =
            !info->have_boundary && mime_qp_is(s, name, name_end, "boundary");
        i = mime_qp_value(s, len, mime_qp_skip(s, len, i + 1),
                          want ? m->boundary : NULL);
        if (i == SIZE_MAX) {
            strbuf_reset(m->boundary);
            return;
        }
        if (want)
            info->have_boundary = LEN(m->boundary) > 0;
    }
}

/* mime_qp_ctype - what a Content-Type value says */
static void
mime_qp_ctype(MIME_QP *m, const char *s, size_t len, MIME_QP_INFO *info)
{
    size_t type, type_end, sub, sub_end;

    /* RFC 2045 section 5.2: a value that does not parse is text/plain. */
    info->kind = MIME_QP_LEAF;
    info->digest = 0;
    type = mime_qp_skip(s, len, 0);
    type_end = mime_qp_token(s, len, type);
    sub = mime_qp_skip(s, len, type_end);
    if (type_end == type || sub >= len || s[sub] != '/')
        return;
    sub = mime_qp_skip(s, len, sub + 1);
    sub_end = mime_qp_token(s, len, sub);
    if (sub_end == sub)
        return;
    if (mime_qp_is(s, type, type_end, "multipart")) {
        mime_qp_params(m, s, len, sub_end, info);
        if (info->have_boundary) {
            info->kind = MIME_QP_MULTI;
            info->digest = mime_qp_is(s, sub, sub_end, "digest");
        }
    } else if (mime_qp_is(s, type, type_end, "message") &&
               mime_qp_is(s, sub, sub_end, "rfc822")) {
        info->kind = MIME_QP_MESSAGE;
    }
}

/* mime_qp_cte - what a Content-Transfer-Encoding value says */
static int
mime_qp_cte(const char *s, size_t len)
{
    size_t start = mime_qp_skip(s, len, 0);
    size_t end = mime_qp_token(s, len, start);

    if (end == start || mime_qp_is(s, start, end, "7bit"))
        return MIME_QP_ENC_7BIT;
    if (mime_qp_is(s, start, end, "8bit") ||
        mime_qp_is(s, start, end, "binary"))
        return MIME_QP_ENC_8BIT;
    return MIME_QP_ENC_OTHER;
}

/*
 * The header block of one entity.
 */

/* mime_qp_hline - line i of the held header block */
static const char *
mime_qp_hline(const MIME_QP *m, size_t i, size_t *len)
{
    size_t start = i ? m->ends[i - 1] : 0;

    *len = m->ends[i] - start;
    return STR(m->head) + start;
}

/* mime_qp_hold - keep one header line; -1 past header_size */
static int
mime_qp_hold(MIME_QP *m, const char *line, size_t len)
{
    if (strbuf_memcat(m->head, line, len) < 0) {
        m->status = MIME_QP_ERR_HEADER;
        return strbuf_fail(m->reason, 0, "MIME header block exceeds %zu bytes",
                           m->lim.header_size);
    }
    if (m->nlines == m->ends_size) {
        m->ends_size = m->ends_size ? 2 * m->ends_size : 16;
        m->ends = myreallocarray(m->ends, m->ends_size, sizeof(*m->ends));
    }
    m->ends[m->nlines++] = LEN(m->head);
    return 0;
}

/* mime_qp_unfold - the value of the header at lines [first, end) */
static void
mime_qp_unfold(MIME_QP *m, size_t first, size_t end)
{
    const char *line;
    size_t len, name_len, i;

    line = mime_qp_hline(m, first, &len);
    name_len = header_parse_name_len(line, len);
    for (i = name_len; i < len && line[i] != ':'; i++)
        /* white space before the colon */;
    strbuf_memcpy(m->value, line + i + 1, len - i - 1);
    for (i = first + 1; i < end; i++) {
        line = mime_qp_hline(m, i, &len);
        strbuf_memcat(m->value, line, len);
    }
}

/* mime_qp_scan - read Content-Type and Content-Transfer-Encoding */
static void
mime_qp_scan(MIME_QP *m, MIME_QP_INFO *info)
{
    const char *line;
    size_t i, end, len, name_len;

    memset(info, 0, sizeof(*info));
    info->kind = m->digest ? MIME_QP_MESSAGE : MIME_QP_LEAF;
    info->cte_first = SIZE_MAX;
    for (i = 0; i < m->nlines; i = end) {
        for (end = i + 1; end < m->nlines; end++) {
            line = mime_qp_hline(m, end, &len);
            if (!IS_WSP(line[0]))
                break;
        }
        line = mime_qp_hline(m, i, &len);
        name_len = header_parse_name_len(line, len);
        if (!info->have_ctype &&
            mime_qp_is(line, 0, name_len, "Content-Type")) {
            info->have_ctype = 1;
            mime_qp_unfold(m, i, end);
            mime_qp_ctype(m, STR(m->value), LEN(m->value), info);
        } else if (info->cte_first == SIZE_MAX &&
                   mime_qp_is(line, 0, name_len, "Content-Transfer-Encoding")) {
            info->cte_first = i;
            info->cte_end = end;
            mime_qp_unfold(m, i, end);
            info->enc = mime_qp_cte(STR(m->value), LEN(m->value));
        }
    }
}

/* mime_qp_push - open a multipart or embedded message; -1 too deep */
static int
mime_qp_push(MIME_QP *m, const MIME_QP_INFO *info)
{
    MIME_QP_FRAME *f;

    if (m->depth >= m->lim.nesting_limit) {
        m->status = MIME_QP_ERR_NESTING;
        return strbuf_fail(m->reason, 0, "MIME nesting exceeds %zu levels",
                           m->lim.nesting_limit);
    }
    if (m->depth == m->stack_size) {
        m->stack_size = m->stack_size ? 2 * m->stack_size : 8;
        m->stack = myreallocarray(m->stack, m->stack_size, sizeof(*m->stack));
    }
    f = m->stack + m->depth++;
    f->digest = info->digest;
    f->blen = info->kind == MIME_QP_MULTI ? LEN(m->boundary) : 0;
    f->boundary = f->blen ? mymemdup(STR(m->boundary), f->blen) : NULL;
    return 0;
}

/* mime_qp_pop - close frames down to depth */
static void
mime_qp_pop(MIME_QP *m, size_t depth)
{
    while (m->depth > depth)
        myfree(m->stack[--m->depth].boundary);
}

/* mime_qp_flush - emit the held header block, one line changed or none */
static int
mime_qp_flush(MIME_QP *m, const MIME_QP_INFO *info, const char *cte)
{
    const char *line;
    size_t i, len;

    for (i = 0; i < m->nlines; i++) {
        line = mime_qp_hline(m, i, &len);
        if (cte != NULL && i >= info->cte_first && i < info->cte_end) {
            if (i > info->cte_first)
                continue;
            line = cte;
            len = strlen(cte);
        }
        if (mime_qp_emit(m, line, len) < 0)
            return -1;
    }
    strbuf_reset(m->head);
    m->nlines = 0;
    return 0;
}

/* mime_qp_decide - act on a complete header block */
static int
mime_qp_decide(MIME_QP *m, int empty_line)
{
    MIME_QP_INFO info;
    const char *cte = NULL;

    mime_qp_scan(m, &info);
    m->parts++;
    /* An encoded composite is opaque (RFC 2045 section 6.4 forbids it). */
    if (info.enc == MIME_QP_ENC_OTHER || (m->nlines == 0 && !empty_line))
        info.kind = MIME_QP_LEAF;
    m->encode = info.kind == MIME_QP_LEAF && info.enc == MIME_QP_ENC_8BIT;
    if (m->encode) {
        cte = CTE_QP;
        m->converted++;
    } else if (info.enc == MIME_QP_ENC_8BIT) {
        cte = CTE_7BIT;
    }
    if (info.kind != MIME_QP_LEAF && mime_qp_push(m, &info) < 0)
        return -1;
    m->in_head = info.kind == MIME_QP_MESSAGE;
    m->digest = 0;
    return mime_qp_flush(m, &info, cte);
}

/* mime_qp_content - a line that is no delimiter */
static int
mime_qp_content(MIME_QP *m, const char *line, size_t len)
{
    int cls;

    if (!m->in_head)
        return m->encode ? mime_qp_encode(m, line, len)
                         : mime_qp_emit(m, line, len);
    cls = header_parse_class(line, len);
    if (cls == HEADER_LINE_CONT && m->nlines == 0)
        cls = HEADER_LINE_BODY;
    if (cls == HEADER_LINE_FIELD || cls == HEADER_LINE_CONT)
        return mime_qp_hold(m, line, len);
    if (mime_qp_decide(m, cls == HEADER_LINE_END) < 0)
        return -1;
    /* As in Postfix, a line that is no header starts the body. */
    if (cls == HEADER_LINE_END)
        return mime_qp_emit(m, line, len);
    return mime_qp_content(m, line, len);
}

/* mime_qp_delimiter - a boundary line: 1 handled, 0 not one, -1 failed */
static int
mime_qp_delimiter(MIME_QP *m, const char *line, size_t len)
{
    MIME_QP_FRAME *f;
    size_t k, rest;
    int closing;

    if (len < 3 || line[0] != '-' || line[1] != '-')
        return 0;
    for (k = m->depth; k-- > 0;) {
        f = m->stack + k;
        if (f->boundary == NULL || len - 2 < f->blen ||
            memcmp(line + 2, f->boundary, f->blen) != 0)
            continue;
        rest = len - 2 - f->blen;
        closing =
            rest >= 2 && line[len - rest] == '-' && line[len - rest + 1] == '-';
        /* Headers cut short by a boundary: the part has no body. */
        if (m->in_head && mime_qp_flush(m, NULL, NULL) < 0)
            return -1;
        m->digest = closing ? 0 : f->digest;
        mime_qp_pop(m, closing ? k : k + 1);
        m->in_head = !closing;
        m->encode = 0;
        return mime_qp_emit(m, line, len) < 0 ? -1 : 1;
    }
    return 0;
}

/* mime_qp_line - one line of content */
int
mime_qp_line(MIME_QP *m, const char *line, size_t len)
{
    int rc;

    if (m->status != MIME_QP_OK)
        return -1;
    if ((rc = mime_qp_delimiter(m, line, len)) != 0)
        return rc < 0 ? -1 : 0;
    return mime_qp_content(m, line, len) < 0 ? -1 : 0;
}

/* mime_qp_finish - the end of the content */
int
mime_qp_finish(MIME_QP *m)
{
    if (m->status != MIME_QP_OK)
        return -1;
    /* Headers without a body: nothing to convert. */
    if (m->in_head && mime_qp_flush(m, NULL, NULL) < 0)
        return -1;
    m->in_head = 0;
    return 0;
}

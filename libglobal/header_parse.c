/*
 * header_parse - split the header section of message content into logical
 * headers, within fixed bounds.
 *
 * header_parse_class() says what one physical line is on its own: the
 * start of a header ("Name:" with the name made of printable ASCII but
 * the colon, RFC 5322 section 2.2 and 3.6.8, and white space before the
 * colon allowed as in section 4.5.8), a folded continuation (a line that
 * starts with SP or HT, section 2.2.3), the empty line that ends the
 * headers (section 2.1), or anything else, which is no header and, as in
 * Postfix, ends the header section and starts the body.
 * header_parse_name_len() returns the length of a line's header name, or
 * 0 when the line does not start a header.
 *
 * A HEADER_PARSE assembles logical headers from lines fed one at a time
 * by header_parse_line() (the caller has stripped the line end) and hands
 * each one to the caller's function when it is complete: when the next
 * header, the empty line or a body line arrives, or at
 * header_parse_end().  A logical header keeps at most header_size bytes
 * (header_size_limit); the excess is discarded and the header marked
 * truncated.  Headers past max_headers are discarded whole and counted.
 * Runs of Resent- headers are numbered as blocks (section 3.6.6); a
 * Resent- field that repeats within a run starts a new block.
 * header_parse_buffer() feeds a whole buffer, splitting it at LF and
 * taking CRLF as one line end (a bare CR is data), and returns the offset
 * at which the body starts.
 *
 * Nothing here logs or fails: bad input is classified, not reported.  The
 * HEADER_PARSE belongs to the caller; header_parse_free() returns NULL.
 * A HEADER_FIELD lives only during the call to the caller's function.
 */
#include <string.h>

#include "header_parse.h"
#include "mymalloc.h"

#define IS_WSP(c) ((c) == ' ' || (c) == '\t')

/* header_parse_limits_init - Postfix's defaults */
void
header_parse_limits_init(HEADER_LIMITS *lim)
{
    lim->header_size = HEADER_SIZE_DEF;
    lim->max_headers = HEADER_COUNT_DEF;
}

/* header_parse_name_len - bytes of the header name, 0 if not a header */
size_t
header_parse_name_len(const char *line, size_t len)
{
    size_t name_len = 0;
    size_t i;
    int ch;

    /* RFC 5322 3.6.8: ftext is %d33-57 / %d59-126. */
    while (name_len < len) {
        ch = (unsigned char) line[name_len];
        if (ch < 33 || ch > 126 || ch == ':')
            break;
        name_len++;
    }
    if (name_len == 0)
        return 0;
    for (i = name_len; i < len && IS_WSP(line[i]); i++)
        /* obs-optional: white space before the colon (RFC 5322 4.5.8) */;
    return (i < len && line[i] == ':') ? name_len : 0;
}

/* header_parse_class - what one line is, on its own */
int
header_parse_class(const char *line, size_t len)
{
    if (len == 0)
        return HEADER_LINE_END;
    if (IS_WSP(line[0]))
        return HEADER_LINE_CONT;
    if (header_parse_name_len(line, len) > 0)
        return HEADER_LINE_FIELD;
    return HEADER_LINE_BODY;
}

/* header_parse_create - a parser for one header section */
HEADER_PARSE *
header_parse_create(const HEADER_LIMITS *lim, HEADER_FIELD_FN fn, void *context)
{
    HEADER_PARSE *hp = mycalloc(1, sizeof(*hp));

    hp->lim = *lim;
    if (hp->lim.header_size == 0)
        hp->lim.header_size = 1;
    hp->fn = fn;
    hp->context = context;
    hp->text = strbuf_create(256);
    return hp;
}

/* header_parse_free - release a parser; returns NULL */
HEADER_PARSE *
header_parse_free(HEADER_PARSE *hp)
{
    if (hp == NULL)
        return NULL;
    strbuf_free(hp->text);
    myfree(hp);
    return NULL;
}

/* header_parse_append - add bytes to the current header, within bounds */
static void
header_parse_append(HEADER_PARSE *hp, const char *data, size_t len)
{
    size_t room = hp->lim.header_size - LEN(hp->text);

    if (hp->cut)
        return;
    if (len > room) {
        len = room;
        hp->cut = 1;
    }
    strbuf_memcat(hp->text, data, len);
}

/* header_parse_resent - the Resent- block number of a header */
static int
header_parse_resent(HEADER_PARSE *hp, const HEADER_OPTS *opts)
{
    unsigned bit;

    if (opts == NULL || (opts->flags & HDR_OPT_RESENT) == 0) {
        hp->in_resent = 0;
        return 0;
    }
    bit = 1u << (opts->type - HDR_RESENT_BCC);
    if (!hp->in_resent || (hp->resent_seen & bit)) {
        hp->resent_blocks++;
        hp->resent_seen = 0;
        hp->in_resent = 1;
    }
    hp->resent_seen |= bit;
    return hp->resent_blocks;
}

/* header_parse_value - where the value starts: after colon and space */
static size_t
header_parse_value(const HEADER_FIELD *f)
{
    size_t i = f->name_len;

    while (i < f->len && f->text[i] != ':')
        i++;
    for (i++; i < f->len; i++)
        if (!IS_WSP(f->text[i]) && f->text[i] != '\n')
            break;
    return i < f->len ? i : f->len;
}

/* header_parse_flush - hand the pending header to the caller */
static void
header_parse_flush(HEADER_PARSE *hp)
{
    HEADER_FIELD f;
    size_t off;

    if (!hp->pending)
        return;
    memset(&f, 0, sizeof(f));
    f.text = STR(hp->text);
    f.len = LEN(hp->text);
    f.name_len = hp->name_len < f.len ? hp->name_len : f.len;
    off = header_parse_value(&f);
    f.value = f.text + off;
    f.value_len = f.len - off;
    f.opts = header_opts_find(f.text, f.name_len);
    f.resent_block = header_parse_resent(hp, f.opts);
    f.lines = hp->lines;
    f.truncated = hp->cut;
    hp->count++;
    hp->truncated += hp->cut;
    if (f.opts != NULL && f.opts->type == HDR_RECEIVED)
        hp->received++;
    hp->pending = 0;
    hp->fn(&f, hp->context);
}

/* header_parse_start - a new logical header begins with this line */
static void
header_parse_start(HEADER_PARSE *hp, const char *line, size_t len)
{
    header_parse_flush(hp);
    hp->dropping = (hp->count >= hp->lim.max_headers);
    if (hp->dropping) {
        hp->discarded++;
        return;
    }
    strbuf_reset(hp->text);
    hp->cut = 0;
    hp->lines = 1;
    hp->pending = 1;
    /* Taken from the line: a cut may have lost the colon. */
    hp->name_len = header_parse_name_len(line, len);
    header_parse_append(hp, line, len);
}

/* header_parse_fold - a continuation line joins the current header */
static void
header_parse_fold(HEADER_PARSE *hp, const char *line, size_t len)
{
    if (hp->dropping)
        return;
    hp->lines++;
    header_parse_append(hp, "\n", 1);
    header_parse_append(hp, line, len);
}

/* header_parse_finish - the header section ends here */
static int
header_parse_finish(HEADER_PARSE *hp, int why)
{
    header_parse_flush(hp);
    hp->dropping = 0;
    hp->done = 1;
    return why;
}

/* header_parse_line - take one physical line, its line end stripped */
int
header_parse_line(HEADER_PARSE *hp, const char *line, size_t len)
{
    if (hp->done)
        return HEADER_PARSE_BODY;
    switch (header_parse_class(line, len)) {
        case HEADER_LINE_FIELD:
            header_parse_start(hp, line, len);
            return HEADER_PARSE_MORE;
        case HEADER_LINE_CONT:
            /* Folded white space needs a header to fold into. */
            if (!hp->pending && !hp->dropping)
                return header_parse_finish(hp, HEADER_PARSE_BODY);
            header_parse_fold(hp, line, len);
            return HEADER_PARSE_MORE;
        case HEADER_LINE_END:
            return header_parse_finish(hp, HEADER_PARSE_END);
        default:
            return header_parse_finish(hp, HEADER_PARSE_BODY);
    }
}

/* header_parse_end - the content ended: pass on the last header */
void
header_parse_end(HEADER_PARSE *hp)
{
    if (!hp->done)
        (void) header_parse_finish(hp, HEADER_PARSE_END);
}

/* header_parse_buffer - feed content until the body; returns its offset */
size_t
header_parse_buffer(HEADER_PARSE *hp, const char *buf, size_t len)
{
    const char *nl;
    size_t pos = 0;
    size_t end, next;
    int status = HEADER_PARSE_MORE;

    while (pos < len && status == HEADER_PARSE_MORE && !hp->done) {
        nl = memchr(buf + pos, '\n', len - pos);
        next = nl ? (size_t) (nl - buf) + 1 : len;
        end = nl ? (size_t) (nl - buf) : len;
        if (end > pos && buf[end - 1] == '\r')
            end--;
        status = header_parse_line(hp, buf + pos, end - pos);
        if (status != HEADER_PARSE_BODY)
            pos = next;
    }
    header_parse_end(hp);
    return pos;
}

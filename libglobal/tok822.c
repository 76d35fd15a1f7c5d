/*
 * tok822 - address lists of message headers (To, Cc, Bcc, From, Sender,
 * Reply-To, ...), RFC 5322 section 3.4, and the quoting of one address.
 *
 * tok822_parse() reads header text (pointer + length; the value after
 * "Name:", folded or not) and appends to a TOK822_LIST each address in
 * internal form: quoted strings and backslash escapes of the local part
 * undone, comments, display names, group names and white space dropped,
 * the obsolete route of an angle address ("<@a,@b:user@c>", RFC 5322
 * section 4.4) removed.  Each entry also records where the address text
 * sits in the input, so a caller can splice a rewritten address back in
 * (a comment inside a bare address is part of that span).  "<>" yields
 * an empty address; a group yields its members.
 *
 * Like every reader of real mail it is lenient: an unterminated quoted
 * string, comment, domain literal or angle address ends at the end of
 * the text; a stray ">" or ")" is ignored; ", " or ";" inside an
 * unterminated "<" ends that address.  It never fails over syntax, only
 * over a limit (TOK822_LIMITS: text length, address count, address
 * length), returning -1 with a reason and the list as it was before the
 * call.  No byte of the input is trusted, NUL included; the internal
 * form never holds NUL, CR or LF.
 *
 * quote_822_local() turns an internal address into external form: the
 * local part (everything before the last "@") becomes a quoted string
 * unless it is a dot-atom (RFC 5322 section 3.4.1 local-part = dot-atom
 * / quoted-string; atext per section 3.2.3, with 8-bit bytes allowed as
 * RFC 6532 does), with '"' and '\' as quoted-pairs (section 3.2.4); the
 * domain is kept as it is.  unquote_822_local() undoes it.  Both write
 * to a result string the caller owns, and return it.
 *
 * The list belongs to the caller (tok822_list_create/_free); its strings
 * belong to the list.  Nothing here is fatal.
 */
#include <string.h>

#include "mymalloc.h"
#include "tok822.h"

/* Token types. */
#define TOK822_END     0
#define TOK822_WORD    1 /* an atom or quoted string, unquoted */
#define TOK822_LITERAL 2 /* a domain literal, brackets included */
#define TOK822_SPECIAL 3 /* one of ),<>@;:.] */

/* One address under construction. */
typedef struct TOK822_BUF {
    STRBUF *text; /* internal form so far, limited to max_addr_len */
    size_t off;   /* input offset of its first token */
    size_t end;   /* input offset past its last token */
    int used;     /* a token was added */
    int word;     /* the last token added was a word */
} TOK822_BUF;

/* The parser: input, current token, addresses being built. */
typedef struct TOK822_STATE {
    const unsigned char *text;
    size_t len;
    size_t pos;
    STRBUF *tok;     /* the current token's text */
    int special;     /* the current special character */
    size_t tok_off;  /* where the current token began */
    TOK822_BUF unit; /* a bare address, or a display name */
    TOK822_BUF ang;  /* the address inside <...> */
    int in_angle;    /* between "<" and ">" */
    int had_angle;   /* this address had "<", so the rest is ignored */
    int route;       /* "<@" seen, no ":" yet: maybe an obsolete route */
    const TOK822_LIMITS *lim;
    TOK822_LIST *list;
    STRBUF *why;
    int error;
} TOK822_STATE;

/* tok822_limits_init - the default limits */
void
tok822_limits_init(TOK822_LIMITS *lim)
{
    lim->max_input = TOK822_DEF_MAX_INPUT;
    lim->max_addrs = TOK822_DEF_MAX_ADDRS;
    lim->max_addr_len = TOK822_DEF_MAX_ADDR_LEN;
}

/* tok822_list_create - an empty list */
TOK822_LIST *
tok822_list_create(void)
{
    TOK822_LIST *list = mymalloc(sizeof(*list));

    list->size = 4;
    list->count = 0;
    list->addrs = mymalloc(list->size * sizeof(list->addrs[0]));
    return list;
}

/* tok822_list_truncate - drop entries past count */
static void
tok822_list_truncate(TOK822_LIST *list, size_t count)
{
    while (list->count > count)
        myfree(list->addrs[--list->count].addr);
}

/* tok822_list_reset - drop every address */
void
tok822_list_reset(TOK822_LIST *list)
{
    tok822_list_truncate(list, 0);
}

/* tok822_list_free - release; returns NULL */
TOK822_LIST *
tok822_list_free(TOK822_LIST *list)
{
    tok822_list_reset(list);
    myfree(list->addrs);
    myfree(list);
    return NULL;
}

/* tok822_list_add - append one address */
static void
tok822_list_add(TOK822_LIST *list, const STRBUF *addr, size_t off, size_t len)
{
    TOK822_ADDR *ap;

    if (list->count == list->size) {
        list->size *= 2;
        list->addrs =
            myrealloc(list->addrs, list->size * sizeof(list->addrs[0]));
    }
    ap = list->addrs + list->count++;
    ap->addr = mystrndup(STR(addr), LEN(addr));
    ap->off = off;
    ap->len = len;
}

/* Character classes of the tokenizer. */
#define TOK822_IS_SPACE(c)   ((c) <= ' ' || (c) == 0x7f)
#define TOK822_IS_SPECIAL(c) (strchr("()<>@,;:\\\".[]", (c)) != NULL)
#define TOK822_IS_LINE(c)    ((c) == 0 || (c) == '\r' || (c) == '\n')

/* tok822_keep - add one content byte to the token; NUL, CR, LF dropped */
static void
tok822_keep(TOK822_STATE *st, unsigned char c)
{
    if (!TOK822_IS_LINE(c))
        strbuf_addch(st->tok, c);
}

/* tok822_comment - skip a comment, nested, to its ")" or the end */
static void
tok822_comment(TOK822_STATE *st)
{
    size_t depth = 0;
    unsigned char c;

    do {
        c = st->text[st->pos++];
        if (c == '\\' && st->pos < st->len)
            st->pos++;
        else if (c == '(')
            depth++;
        else if (c == ')')
            depth--;
    } while (depth > 0 && st->pos < st->len);
}

/* tok822_qstring - a quoted string's content, to its '"' or the end */
static void
tok822_qstring(TOK822_STATE *st)
{
    unsigned char c;

    st->pos++;
    while (st->pos < st->len && (c = st->text[st->pos]) != '"') {
        if (c == '\\' && st->pos + 1 < st->len)
            c = st->text[++st->pos];
        tok822_keep(st, c);
        st->pos++;
    }
    if (st->pos < st->len)
        st->pos++;
}

/* tok822_literal - a domain literal, white space dropped */
static void
tok822_literal(TOK822_STATE *st)
{
    unsigned char c = 0;

    strbuf_addch(st->tok, '[');
    st->pos++;
    while (st->pos < st->len && (c = st->text[st->pos++]) != ']')
        if (!TOK822_IS_SPACE(c))
            strbuf_addch(st->tok, c);
    if (c == ']')
        strbuf_addch(st->tok, ']');
}

/* tok822_atom - an atom; a backslash outside quotes escapes one byte */
static void
tok822_atom(TOK822_STATE *st)
{
    unsigned char c;

    while (st->pos < st->len) {
        c = st->text[st->pos];
        if (c == '\\') {
            if (++st->pos < st->len)
                tok822_keep(st, st->text[st->pos++]);
        } else if (TOK822_IS_SPACE(c) || TOK822_IS_SPECIAL(c)) {
            break;
        } else {
            strbuf_addch(st->tok, c);
            st->pos++;
        }
    }
}

/* tok822_next - the next token, comments and white space skipped */
static int
tok822_next(TOK822_STATE *st)
{
    unsigned char c;

    for (;;) {
        while (st->pos < st->len && TOK822_IS_SPACE(st->text[st->pos]))
            st->pos++;
        if (st->pos >= st->len)
            return TOK822_END;
        strbuf_reset(st->tok);
        st->tok_off = st->pos;
        c = st->text[st->pos];
        if (c == '(') {
            tok822_comment(st);
        } else if (c == '"') {
            tok822_qstring(st);
            return TOK822_WORD;
        } else if (c == '[') {
            tok822_literal(st);
            return TOK822_LITERAL;
        } else if (c != '\\' && TOK822_IS_SPECIAL(c)) {
            st->special = c;
            st->pos++;
            return TOK822_SPECIAL;
        } else {
            tok822_atom(st);
            if (LEN(st->tok) > 0)
                return TOK822_WORD;
        }
    }
}

/* tok822_buf_reset - forget an address under construction */
static void
tok822_buf_reset(TOK822_BUF *buf)
{
    strbuf_reset(buf->text);
    buf->used = buf->word = 0;
    buf->off = buf->end = 0;
}

/* tok822_buf_add - add the current token to an address */
static void
tok822_buf_add(TOK822_STATE *st, TOK822_BUF *buf, int is_word)
{
    /* Two words in a row ("John Doe") keep one space between them. */
    if (is_word && buf->word)
        strbuf_addch(buf->text, ' ');
    strbuf_memcat(buf->text, STR(st->tok), LEN(st->tok));
    if (!buf->used)
        buf->off = st->tok_off;
    buf->used = 1;
    buf->end = st->pos;
    buf->word = is_word;
}

/* tok822_emit - add one finished address to the list */
static void
tok822_emit(TOK822_STATE *st, TOK822_BUF *buf)
{
    if (st->list->count >= st->lim->max_addrs) {
        strbuf_sprintf(st->why, "more than %zu addresses", st->lim->max_addrs);
        st->error = 1;
    } else if (buf->text->overflow) {
        strbuf_sprintf(st->why, "address longer than %zu bytes",
                       st->lim->max_addr_len);
        st->error = 1;
    } else {
        tok822_list_add(st->list, buf->text, buf->off, buf->end - buf->off);
    }
}

/* tok822_flush - an address ends: emit it and start over */
static void
tok822_flush(TOK822_STATE *st)
{
    if (st->in_angle || st->had_angle)
        tok822_emit(st, &st->ang);
    else if (st->unit.used)
        tok822_emit(st, &st->unit);
    tok822_buf_reset(&st->unit);
    tok822_buf_reset(&st->ang);
    st->in_angle = st->had_angle = st->route = 0;
}

/* tok822_angle_special - a special character inside <...> */
static void
tok822_angle_special(TOK822_STATE *st, int c)
{
    if (c == '>') {
        st->in_angle = 0;
        st->had_angle = 1;
    } else if ((c == ',' || c == ';') && !st->route) {
        tok822_flush(st); /* an unterminated "<" */
    } else if (c == ':' && st->route) {
        tok822_buf_reset(&st->ang); /* drop the obsolete route */
        st->ang.off = st->ang.end = st->pos;
        st->route = 0;
    } else if (c != '<') {
        if (c == '@' && !st->ang.used)
            st->route = 1;
        tok822_buf_add(st, &st->ang, 0);
    }
}

/* tok822_special - a special character outside <...> */
static void
tok822_special(TOK822_STATE *st, int c)
{
    if (c == ',' || c == ';') {
        tok822_flush(st);
    } else if (st->had_angle || c == '>') {
        return; /* after the address, or stray */
    } else if (c == ':') {
        tok822_buf_reset(&st->unit); /* a group's name */
    } else if (c == '<') {
        tok822_buf_reset(&st->unit); /* a display name */
        st->in_angle = 1;
        st->ang.off = st->ang.end = st->pos;
    } else {
        tok822_buf_add(st, &st->unit, 0);
    }
}

/* tok822_token - add one token to the address under construction */
static void
tok822_token(TOK822_STATE *st, int type)
{
    if (type == TOK822_SPECIAL) {
        strbuf_addch(st->tok, st->special);
        if (st->in_angle)
            tok822_angle_special(st, st->special);
        else
            tok822_special(st, st->special);
    } else if (st->in_angle) {
        tok822_buf_add(st, &st->ang, type == TOK822_WORD);
    } else if (!st->had_angle) {
        tok822_buf_add(st, &st->unit, type == TOK822_WORD);
    }
}

/* tok822_state_init - a parser over text */
static void
tok822_state_init(TOK822_STATE *st, const char *text, size_t len,
                  const TOK822_LIMITS *lim, TOK822_LIST *list, STRBUF *why)
{
    memset(st, 0, sizeof(*st));
    st->text = (const unsigned char *) text;
    st->len = len;
    st->tok = strbuf_create(64);
    st->unit.text = strbuf_create(64);
    st->ang.text = strbuf_create(64);
    strbuf_set_limit(st->unit.text, lim->max_addr_len);
    strbuf_set_limit(st->ang.text, lim->max_addr_len);
    st->lim = lim;
    st->list = list;
    st->why = why;
}

/*
 * tok822_parse - append the addresses of header text to list.  Returns
 * 0, or -1 with a reason in why when a limit was passed (list unchanged).
 */
int
tok822_parse(const char *text, size_t len, const TOK822_LIMITS *lim,
             TOK822_LIST *list, STRBUF *why)
{
    TOK822_LIMITS def;
    TOK822_STATE st;
    size_t count = list->count;
    int type;

    if (lim == NULL) {
        tok822_limits_init(&def);
        lim = &def;
    }
    if (len > lim->max_input) {
        strbuf_sprintf(why, "header text longer than %zu bytes",
                       lim->max_input);
        return -1;
    }
    tok822_state_init(&st, text, len, lim, list, why);
    while (!st.error && (type = tok822_next(&st)) != TOK822_END)
        tok822_token(&st, type);
    if (!st.error)
        tok822_flush(&st);
    strbuf_free(st.tok);
    strbuf_free(st.unit.text);
    strbuf_free(st.ang.text);
    if (st.error)
        tok822_list_truncate(list, count);
    return st.error ? -1 : 0;
}

/* quote_822_atext - an atext byte (RFC 5322 3.2.3; 8-bit per RFC 6532) */
static int
quote_822_atext(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           (c >= '0' && c <= '9') || c >= 0x80 ||
           (c != 0 && strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL);
}

/* quote_822_dot_atom - local part is a dot-atom (RFC 5322 3.2.3) */
static int
quote_822_dot_atom(const char *local, size_t len)
{
    size_t i;

    if (len == 0 || local[0] == '.' || local[len - 1] == '.')
        return 0;
    for (i = 0; i < len; i++) {
        if (local[i] == '.') {
            if (local[i + 1] == '.')
                return 0;
        } else if (!quote_822_atext((unsigned char) local[i])) {
            return 0;
        }
    }
    return 1;
}

/* quote_822_local - internal to external form: quote the local part */
STRBUF *
quote_822_local(STRBUF *out, const char *addr)
{
    const char *at = strrchr(addr, '@');
    size_t local_len = at ? (size_t) (at - addr) : strlen(addr);
    size_t i;

    strbuf_reset(out);
    if (*addr == 0)
        return out; /* the null address stays empty */
    if (quote_822_dot_atom(addr, local_len)) {
        strbuf_memcat(out, addr, local_len);
    } else {
        /* RFC 5322 3.2.4: '"' and '\' only as quoted-pairs. */
        strbuf_addch(out, '"');
        for (i = 0; i < local_len; i++) {
            if (addr[i] == '"' || addr[i] == '\\')
                strbuf_addch(out, '\\');
            strbuf_addch(out, addr[i]);
        }
        strbuf_addch(out, '"');
    }
    if (at != NULL)
        strbuf_strcat(out, at);
    return out;
}

/* unquote_822_split - offset of the last '@' outside quotes, or len */
static size_t
unquote_822_split(const char *addr, size_t len)
{
    size_t i, split = len;
    int quoted = 0;

    for (i = 0; i < len; i++) {
        if (addr[i] == '\\')
            i++;
        else if (addr[i] == '"')
            quoted = !quoted;
        else if (addr[i] == '@' && !quoted)
            split = i;
    }
    return split;
}

/* unquote_822_local - external to internal form: unquote the local part */
STRBUF *
unquote_822_local(STRBUF *out, const char *addr, size_t len)
{
    size_t split = unquote_822_split(addr, len);
    size_t i;

    strbuf_reset(out);
    for (i = 0; i < split; i++) {
        if (addr[i] == '\\' && i + 1 < split)
            strbuf_addch(out, addr[++i]);
        else if (addr[i] != '"')
            strbuf_addch(out, addr[i]);
    }
    strbuf_memcat(out, addr + split, len - split);
    return out;
}

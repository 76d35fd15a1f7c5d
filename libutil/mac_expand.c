/*
 * mac_expand - expand $name references the way Postfix's main.cf does.
 *
 * Forms: $name, ${name}, $(name); ${name?value} and ${name?{value}} (value
 * when $name is non-empty); ${name:value} and ${name:{value}} (value when
 * $name is empty or undefined); ${name?{value1}:{value2}}; $$ for one '$'.
 * In place of the name, a relational test ${{text1} OP {text2} ? {value1}
 * : {value2}} where OP is == != < <= > >= (numeric when both sides are all
 * digits, byte order otherwise) or <level <=level >level >=level
 * (compatibility levels: "2" < "3.6" < "3.10").  Names are [A-Za-z0-9_]+.
 * White space around operators and {value} groups, and inside the braces,
 * is ignored; an unbraced value is taken as written.  Values and compared
 * texts are expanded in turn, lazily: a branch not taken is not looked at.
 *
 * mac_expand() replaces (with MAC_EXPAND_FLAG_APPEND, appends to) the
 * caller's out and returns 0; on error it returns -1, leaves out as it
 * was and says why in err, naming the parameter whose value is at fault
 * ("parameter b: unbalanced '{' in ...") or the chain of a loop
 * ("parameter a: recursion loop or depth limit 100 exceeded (a -> b -> a)").
 * mac_expand_refs() adds to the caller's ARGV, once each, the names a
 * pattern refers to in any branch, without lookups; -1 on bad syntax.
 * mac_expand_level_cmp() compares compatibility levels.  Nothing here is
 * fatal but memory exhaustion (mymalloc) and a missing lookup (panic).
 */
#include <stdarg.h>
#include <string.h>

#include "argv.h"
#include "mac_expand.h"
#include "msg.h"
#include "mymalloc.h"
#include "strbuf.h"

/* One expansion in progress. */
typedef struct MAC_EXP {
    MAC_EXPAND_LOOKUP_FN lookup; /* NULL: only collect names */
    MAC_EXPAND_UNDEF_FN undef;   /* may be NULL */
    void *ctx;                   /* the callbacks' context */
    STRBUF *err;                 /* may be NULL */
    ARGV *chain;  /* parameters being expanded, outermost first */
    ARGV *refs;   /* mac_expand_refs(): names seen */
    long lookups; /* lookups so far */
    int nest;     /* ${...} being expanded */
} MAC_EXP;

/* A piece of the pattern; ptr NULL when absent. */
typedef struct MAC_SPAN {
    const char *ptr;
    size_t len;
} MAC_SPAN;

/* A relational operator: the test result when left <, ==, > right. */
typedef struct MAC_EXP_OP {
    const char *name;
    int level; /* compare compatibility levels */
    int lt, eq, gt;
} MAC_EXP_OP;

static const MAC_EXP_OP mac_exp_ops[] = {
    {"==", 0, 0, 1, 0},      {"!=", 0, 1, 0, 1},      {"<", 0, 1, 0, 0},
    {"<=", 0, 1, 1, 0},      {">", 0, 0, 0, 1},       {">=", 0, 0, 1, 1},
    {"<level", 1, 1, 0, 0},  {"<=level", 1, 1, 1, 0}, {">level", 1, 0, 0, 1},
    {">=level", 1, 0, 1, 1},
};

#define MAC_EXP_NOPS (sizeof(mac_exp_ops) / sizeof(mac_exp_ops[0]))

/* Quote at most this much of a pattern in a message: "%.*s%s". */
#define EXCERPT_MAX 40
#define EXCERPT(p, l)                                                          \
    (int) ((l) > EXCERPT_MAX ? EXCERPT_MAX : (l)), (p),                        \
        ((l) > EXCERPT_MAX ? "..." : "")

static int mac_exp_text(MAC_EXP *st, const char *cp, size_t len, STRBUF *buf);

/* is_blank - white space as main.cf knows it */
static int
is_blank(int ch)
{
    return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n' || ch == '\f' ||
           ch == '\v';
}

/* is_name_char - may ch appear in a parameter name? */
static int
is_name_char(int ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
           (ch >= '0' && ch <= '9') || ch == '_';
}

/* skip_blanks - the first non-blank at or after cp */
static const char *
skip_blanks(const char *cp, const char *end)
{
    while (cp < end && is_blank(*cp))
        cp++;
    return cp;
}

/* mac_exp_error - say what went wrong, naming the parameter at fault */
static int mac_exp_error(MAC_EXP *st, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int
mac_exp_error(MAC_EXP *st, const char *fmt, ...)
{
    va_list ap;

    if (st->err == NULL)
        return -1;
    strbuf_reset(st->err);
    if (st->chain->argc > 0)
        strbuf_sprintf(st->err,
                       "parameter %s: ", st->chain->argv[st->chain->argc - 1]);
    va_start(ap, fmt);
    strbuf_vsprintf_cat(st->err, fmt, ap);
    va_end(ap);
    return -1;
}

/* mac_exp_loop - report a loop or a chain too deep, showing the chain */
static int
mac_exp_loop(MAC_EXP *st, const char *name, size_t len)
{
    size_t i;

    if (st->err == NULL)
        return -1;
    strbuf_sprintf(st->err,
                   "parameter %s: recursion loop or depth limit %d exceeded (",
                   st->chain->argv[0], MAC_EXPAND_MAX_DEPTH);
    for (i = 0; i < st->chain->argc; i++)
        strbuf_sprintf_cat(st->err, "%s -> ", st->chain->argv[i]);
    strbuf_sprintf_cat(st->err, "%.*s)", (int) len, name);
    return -1;
}

/* mac_exp_buf - a scratch result with the length limit */
static STRBUF *
mac_exp_buf(void)
{
    STRBUF *buf = strbuf_create(64);

    strbuf_set_limit(buf, MAC_EXPAND_MAX_LEN);
    return buf;
}

/* mac_exp_emit - append expanded text, within the length limit */
static int
mac_exp_emit(MAC_EXP *st, STRBUF *buf, const char *text, size_t len)
{
    if (st->lookup == NULL || len == 0)
        return 0;
    if (strbuf_memcat(buf, text, len) < 0)
        return mac_exp_error(st, "result longer than %d bytes",
                             MAC_EXPAND_MAX_LEN);
    return 0;
}

/* mac_exp_match - the bracket closing the one at cp, or NULL */
static const char *
mac_exp_match(const char *cp, const char *end)
{
    int open = *cp;
    int close = open == '{' ? '}' : ')';
    size_t depth = 0;

    for (; cp < end; cp++) {
        if (*cp == open)
            depth++;
        else if (*cp == close && --depth == 0)
            return cp;
    }
    return NULL;
}

/* mac_exp_name_len - length of the parameter name that starts at cp */
static size_t
mac_exp_name_len(const char *cp, const char *end)
{
    const char *start = cp;

    while (cp < end && is_name_char(*cp))
        cp++;
    return (size_t) (cp - start);
}

/* mac_exp_note - remember a referenced name once (mac_expand_refs) */
static void
mac_exp_note(MAC_EXP *st, const char *name, size_t len)
{
    size_t i;

    for (i = 0; i < st->refs->argc; i++)
        if (strlen(st->refs->argv[i]) == len &&
            memcmp(st->refs->argv[i], name, len) == 0)
            return;
    argv_addn(st->refs, name, len);
}

/* mac_exp_ref - expand the named parameter's value into buf */
static int
mac_exp_ref(MAC_EXP *st, const char *name, size_t len, STRBUF *buf,
            int report_undef)
{
    const char *value;
    size_t i;
    int ret = 0;

    if (st->lookup == NULL) {
        mac_exp_note(st, name, len);
        return 0;
    }
    for (i = 0; i < st->chain->argc; i++)
        if (strlen(st->chain->argv[i]) == len &&
            memcmp(st->chain->argv[i], name, len) == 0)
            return mac_exp_loop(st, name, len);
    if (st->chain->argc >= MAC_EXPAND_MAX_DEPTH)
        return mac_exp_loop(st, name, len);
    if (++st->lookups > MAC_EXPAND_MAX_LOOKUPS)
        return mac_exp_error(st, "more than %d parameter lookups",
                             MAC_EXPAND_MAX_LOOKUPS);
    argv_addn(st->chain, name, len);
    value = st->lookup(st->chain->argv[st->chain->argc - 1], st->ctx);
    if (value != NULL)
        ret = mac_exp_text(st, value, strlen(value), buf);
    else if (report_undef && st->undef != NULL)
        st->undef(st->chain->argv[st->chain->argc - 1], st->ctx);
    argv_truncate(st->chain, st->chain->argc - 1);
    return ret;
}

/* mac_exp_span - expand a value that may be absent */
static int
mac_exp_span(MAC_EXP *st, const MAC_SPAN *span, STRBUF *buf)
{
    if (span->ptr == NULL)
        return 0;
    return mac_exp_text(st, span->ptr, span->len, buf);
}

/* mac_exp_group - the trimmed text inside the {} at *cpp; moves past it */
static int
mac_exp_group(MAC_EXP *st, const char **cpp, const char *end, MAC_SPAN *text)
{
    const char *open = *cpp;
    const char *close = mac_exp_match(open, end);
    const char *start, *stop;

    if (close == NULL)
        return mac_exp_error(st, "unbalanced '{' in \"%.*s%s\"",
                             EXCERPT(open, end - open));
    start = skip_blanks(open + 1, close);
    for (stop = close; stop > start && is_blank(stop[-1]); stop--)
        /* void */;
    text->ptr = start;
    text->len = (size_t) (stop - start);
    *cpp = close + 1;
    return 0;
}

/* mac_exp_value - a {value}, or the rest of the span as written */
static int
mac_exp_value(MAC_EXP *st, const char **cpp, const char *end, MAC_SPAN *val,
              int *braced)
{
    const char *cp = skip_blanks(*cpp, end);

    if (cp < end && *cp == '{') {
        *braced = 1;
        *cpp = cp;
        return mac_exp_group(st, cpp, end, val);
    }
    *braced = 0;
    val->ptr = *cpp;
    val->len = (size_t) (end - *cpp);
    *cpp = end;
    return 0;
}

/* mac_exp_branches - parse "?v1", ":v2", "?{v1}:v2" after a test */
static int
mac_exp_branches(MAC_EXP *st, const char *cp, const char *end, MAC_SPAN *first,
                 MAC_SPAN *second)
{
    int op = *cp++;
    int braced;

    if (mac_exp_value(st, &cp, end, first, &braced) < 0)
        return -1;
    if (!braced || (cp = skip_blanks(cp, end)) == end)
        return 0;
    if (op == '?' && *cp == ':') {
        cp++;
        if (mac_exp_value(st, &cp, end, second, &braced) < 0)
            return -1;
        if (!braced || (cp = skip_blanks(cp, end)) == end)
            return 0;
    }
    return mac_exp_error(st, "unexpected text after '}' in \"%.*s%s\"",
                         EXCERPT(cp, end - cp));
}

/* mac_exp_cond - expand the branch that the test selects */
static int
mac_exp_cond(MAC_EXP *st, int test, const char *cp, const char *end,
             STRBUF *buf)
{
    MAC_SPAN first = {NULL, 0};
    MAC_SPAN second = {NULL, 0};
    int op = *cp;

    if (mac_exp_branches(st, cp, end, &first, &second) < 0)
        return -1;
    if (st->lookup == NULL) {
        if (mac_exp_span(st, &first, buf) < 0)
            return -1;
        return mac_exp_span(st, &second, buf);
    }
    if (op == '?')
        return mac_exp_span(st, test ? &first : &second, buf);
    return test ? 0 : mac_exp_span(st, &first, buf);
}

/* mac_exp_test - 1 when the named parameter expands to non-empty text */
static int
mac_exp_test(MAC_EXP *st, const char *name, size_t len)
{
    STRBUF *tmp = mac_exp_buf();
    int ret;

    /* A conditional tests whether a name is set: undefined is no news. */
    ret = mac_exp_ref(st, name, len, tmp, 0);
    if (ret == 0)
        ret = LEN(tmp) > 0;
    strbuf_free(tmp);
    return ret;
}

/* all_digits - is str a non-empty run of decimal digits? */
static int
all_digits(const char *str)
{
    return *str != 0 && str[strspn(str, "0123456789")] == 0;
}

/* mac_exp_strcmp - numeric order when both are all digits, else bytes */
static int
mac_exp_strcmp(const char *left, const char *right)
{
    size_t llen, rlen;

    if (!all_digits(left) || !all_digits(right))
        return strcmp(left, right);
    /* Compare digit strings of any length without overflow. */
    left += strspn(left, "0");
    right += strspn(right, "0");
    llen = strlen(left);
    rlen = strlen(right);
    if (llen != rlen)
        return llen < rlen ? -1 : 1;
    return strcmp(left, right);
}

/* mac_exp_level - parse major[.minor[.patch]] into three numbers */
static int
mac_exp_level(const char *str, long part[3])
{
    int n = 0;

    part[0] = part[1] = part[2] = 0;
    for (;;) {
        if (*str < '0' || *str > '9')
            return -1;
        for (; *str >= '0' && *str <= '9'; str++) {
            if (part[n] > 99999999)
                return -1;
            part[n] = part[n] * 10 + (*str - '0');
        }
        if (*str == 0)
            return 0;
        if (*str++ != '.' || ++n > 2)
            return -1;
    }
}

/* mac_expand_level_cmp - compare compatibility levels; -1 if one is bad */
int
mac_expand_level_cmp(const char *left, const char *right, int *result)
{
    long lpart[3], rpart[3];
    int i;

    if (mac_exp_level(left, lpart) < 0 || mac_exp_level(right, rpart) < 0)
        return -1;
    *result = 0;
    for (i = 0; i < 3 && *result == 0; i++)
        *result = lpart[i] < rpart[i] ? -1 : lpart[i] > rpart[i];
    return 0;
}

/* mac_exp_order - compare expanded operands as the operator wants */
static int
mac_exp_order(MAC_EXP *st, const MAC_EXP_OP *op, const char *left,
              const char *right, int *cmp)
{
    long part[3];

    if (!op->level) {
        *cmp = mac_exp_strcmp(left, right);
        return 0;
    }
    if (mac_exp_level(left, part) < 0)
        return mac_exp_error(st, "bad compatibility level \"%.*s%s\"",
                             EXCERPT(left, strlen(left)));
    if (mac_exp_level(right, part) < 0)
        return mac_exp_error(st, "bad compatibility level \"%.*s%s\"",
                             EXCERPT(right, strlen(right)));
    return mac_expand_level_cmp(left, right, cmp);
}

/* mac_exp_compare - expand both operands, apply op: 1, 0, or -1 */
static int
mac_exp_compare(MAC_EXP *st, const MAC_EXP_OP *op, const MAC_SPAN *left,
                const MAC_SPAN *right)
{
    STRBUF *lbuf = mac_exp_buf();
    STRBUF *rbuf = mac_exp_buf();
    int cmp = 0;
    int ret;

    ret = mac_exp_span(st, left, lbuf);
    if (ret == 0)
        ret = mac_exp_span(st, right, rbuf);
    if (ret == 0 && st->lookup != NULL)
        ret = mac_exp_order(st, op, STR(lbuf), STR(rbuf), &cmp);
    if (ret == 0)
        ret = cmp < 0 ? op->lt : cmp > 0 ? op->gt : op->eq;
    strbuf_free(lbuf);
    strbuf_free(rbuf);
    return ret;
}

/* mac_exp_op - the relational operator at *cpp, or NULL */
static const MAC_EXP_OP *
mac_exp_op(MAC_EXP *st, const char **cpp, const char *end)
{
    const char *start = skip_blanks(*cpp, end);
    const char *cp = start;
    size_t i, len;

    while (cp < end && !is_blank(*cp) && *cp != '{')
        cp++;
    len = (size_t) (cp - start);
    for (i = 0; i < MAC_EXP_NOPS; i++) {
        if (strlen(mac_exp_ops[i].name) == len &&
            memcmp(mac_exp_ops[i].name, start, len) == 0) {
            *cpp = cp;
            return &mac_exp_ops[i];
        }
    }
    mac_exp_error(st, "unknown operator \"%.*s%s\"", EXCERPT(start, len));
    return NULL;
}

/* mac_exp_relation - ${{text1} op {text2} ? {value1} : {value2}} */
static int
mac_exp_relation(MAC_EXP *st, const char *cp, const char *end, STRBUF *buf)
{
    const char *expr = cp;
    const MAC_EXP_OP *op;
    MAC_SPAN left, right;
    int test;

    if (mac_exp_group(st, &cp, end, &left) < 0 ||
        (op = mac_exp_op(st, &cp, end)) == NULL)
        return -1;
    cp = skip_blanks(cp, end);
    if (cp == end || *cp != '{')
        return mac_exp_error(st, "missing '{' after \"%s\" in \"%.*s%s\"",
                             op->name, EXCERPT(expr, end - expr));
    if (mac_exp_group(st, &cp, end, &right) < 0)
        return -1;
    cp = skip_blanks(cp, end);
    if (cp == end || (*cp != '?' && *cp != ':'))
        return mac_exp_error(st, "missing '?' or ':' in \"%.*s%s\"",
                             EXCERPT(expr, end - expr));
    if ((test = mac_exp_compare(st, op, &left, &right)) < 0)
        return -1;
    return mac_exp_cond(st, test, cp, end, buf);
}

/* mac_exp_expr - expand what is inside ${...} or $(...) */
static int
mac_exp_expr(MAC_EXP *st, const char *body, const char *end, STRBUF *buf)
{
    const char *cp = skip_blanks(body, end);
    size_t len;
    int test;

    if (cp < end && *cp == '{')
        return mac_exp_relation(st, cp, end, buf);
    len = mac_exp_name_len(body, end);
    cp = skip_blanks(body + len, end);
    if (len == 0 || (cp == end && body + len < end) ||
        (cp < end && *cp != '?' && *cp != ':'))
        return mac_exp_error(st, "bad parameter name \"%.*s%s\"",
                             EXCERPT(body, end - body));
    if (cp == end)
        return mac_exp_ref(st, body, len, buf, 1);
    if ((test = mac_exp_test(st, body, len)) < 0)
        return -1;
    return mac_exp_cond(st, test, cp, end, buf);
}

/* mac_exp_body - expand a ${...} or $(...), within the nesting limit */
static int
mac_exp_body(MAC_EXP *st, const char *body, const char *end, STRBUF *buf)
{
    int ret;

    /* Bounds the C recursion: $name chains are bounded by the depth. */
    if (st->nest >= MAC_EXPAND_MAX_NEST)
        return mac_exp_error(st, "expressions nested deeper than %d levels",
                             MAC_EXPAND_MAX_NEST);
    st->nest++;
    ret = mac_exp_expr(st, body, end, buf);
    st->nest--;
    return ret;
}

/* mac_exp_dollar - expand the $ form at cp and set *next past it */
static int
mac_exp_dollar(MAC_EXP *st, const char *cp, const char *end, STRBUF *buf,
               const char **next)
{
    const char *close;
    size_t len;

    if (cp + 1 < end && cp[1] == '$') {
        *next = cp + 2;
        return mac_exp_emit(st, buf, "$", 1);
    }
    if (cp + 1 < end && (cp[1] == '{' || cp[1] == '(')) {
        if ((close = mac_exp_match(cp + 1, end)) == NULL)
            return mac_exp_error(st, "unbalanced '%c' in \"%.*s%s\"", cp[1],
                                 EXCERPT(cp, end - cp));
        *next = close + 1;
        return mac_exp_body(st, cp + 2, close, buf);
    }
    if ((len = mac_exp_name_len(cp + 1, end)) == 0)
        return mac_exp_error(st, "bad parameter name after '$' in \"%.*s%s\"",
                             EXCERPT(cp, end - cp));
    *next = cp + 1 + len;
    return mac_exp_ref(st, cp + 1, len, buf, 1);
}

/* mac_exp_text - expand a span of text into buf */
static int
mac_exp_text(MAC_EXP *st, const char *cp, size_t len, STRBUF *buf)
{
    const char *end = cp + len;
    const char *dollar;
    int ret = 0;

    while (ret == 0 && cp < end) {
        if ((dollar = memchr(cp, '$', (size_t) (end - cp))) == NULL)
            dollar = end;
        ret = mac_exp_emit(st, buf, cp, (size_t) (dollar - cp));
        cp = dollar;
        if (ret == 0 && cp < end)
            ret = mac_exp_dollar(st, cp, end, buf, &cp);
    }
    return ret;
}

/* mac_exp_init - start an expansion */
static void
mac_exp_init(MAC_EXP *st, MAC_EXPAND_LOOKUP_FN lookup,
             MAC_EXPAND_UNDEF_FN undef, void *ctx, STRBUF *err)
{
    st->lookup = lookup;
    st->undef = undef;
    st->ctx = ctx;
    st->err = err;
    st->chain = argv_alloc(8);
    st->refs = NULL;
    st->lookups = 0;
    st->nest = 0;
}

/* mac_expand - expand pattern into out; 0, or -1 with err set */
int
mac_expand(STRBUF *out, const char *pattern, MAC_EXPAND_LOOKUP_FN lookup,
           MAC_EXPAND_UNDEF_FN undef, void *ctx, int flags, STRBUF *err)
{
    STRBUF *result = mac_exp_buf();
    MAC_EXP st;
    int ret;

    if (lookup == NULL || (flags & ~MAC_EXPAND_FLAG_APPEND) != 0)
        msg_panic("mac_expand: bad lookup or flags 0x%x", (unsigned) flags);
    mac_exp_init(&st, lookup, undef, ctx, err);
    ret = mac_exp_text(&st, pattern, strlen(pattern), result);
    if (ret == 0) {
        /* Both leave out as it was when its own limit is in the way. */
        if (flags & MAC_EXPAND_FLAG_APPEND)
            ret = strbuf_memcat(out, STR(result), LEN(result));
        else
            ret = strbuf_memcpy(out, STR(result), LEN(result));
        if (ret < 0)
            mac_exp_error(&st, "result longer than the output limit");
    }
    argv_free(st.chain);
    strbuf_free(result);
    return ret;
}

/* mac_expand_refs - add the names pattern refers to; -1 on bad syntax */
int
mac_expand_refs(const char *pattern, ARGV *names)
{
    MAC_EXP st;
    int ret;

    mac_exp_init(&st, NULL, NULL, NULL, NULL);
    st.refs = names;
    ret = mac_exp_text(&st, pattern, strlen(pattern), NULL);
    argv_free(st.chain);
    return ret;
}

/* test_mac_expand - Check suite for $name expansion. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "argv.h"
#include "mac_expand.h"
#include "mymalloc.h"
#include "strbuf.h"
#include "test_main.h"

/* The parameters the cases look up. */
static const char *params[][2] = {
    {"x", "X"},
    {"empty", ""},
    {"ref", "$x-$x"},
    {"deep1", "$deep2"},
    {"deep2", "${x}y"},
    {"expands_empty", "$empty"},
    {"num10", "10"},
    {"num9", "9"},
    {"a", "$b"},
    {"b", "$a"},
    {"self", "s$self"},
    {"broken", "${x"},
    {"uses_broken", "ok $broken"},
    {"half", "${{x} == {y}}"},
    {"undef_inside", "[$nosuch2]"},
};

/* Postfix 3.7's defaults that depend on compatibility_level. */
static const char *compat_params[][2] = {
    {"mynetworks_style", "${{$compatibility_level} <level {2} ? {subnet} : "
                         "{host}}"},
    {"relay_domains", "${{$compatibility_level} <level {2} ? "
                      "{$mydestination} : {}}"},
    {"smtputf8_enable", "${{$compatibility_level} <level {1} ? {no} : {yes}}"},
    {"respectful_logging", "${{$compatibility_level} <level {3.6} ? {no} : "
                           "{yes}}"},
    {"append_dot_mydomain", "${{$compatibility_level} <level {1} ? {yes} : "
                            "{no}}"},
    {"smtpd_relay_restrictions",
     "${{$compatibility_level} <level {1} ? {} : {permit_mynetworks, "
     "permit_sasl_authenticated, defer_unauth_destination}}"},
    {"smtp_tls_fingerprint_digest", "${{$compatibility_level} <level {3.6} ? "
                                    "{md5} : {sha256}}"},
    {"smtp_tls_dane_insecure_mx_policy",
     "${{$smtp_tls_security_level} == {dane} ? {dane} : {may}}"},
    {"smtp_tls_security_level", ""},
    {"mydestination", "$myhostname, localhost.$mydomain, localhost"},
    {"myhostname", "mx.example.com"},
    {"mydomain", "example.com"},
};

/* What a lookup sees. */
typedef struct TEST_CTX {
    const char *(*table)[2]; /* name, value */
    size_t count;
    const char *level; /* compatibility_level, or NULL */
    ARGV *undef;       /* names reported undefined */
    char dyn[256][24]; /* values of generated names */
    const char *big;   /* value of "big" */
} TEST_CTX;

/* dyn_index - N when name is prefix followed by digits, else -1 */
static int
dyn_index(const char *name, const char *prefix)
{
    size_t len = strlen(prefix);

    if (strncmp(name, prefix, len) != 0 || name[len] == 0 ||
        name[len + strspn(name + len, "0123456789")] != 0)
        return -1;
    return atoi(name + len);
}

/* dyn_lookup - generated chains: dN -> $dN+1 forever, eN -> ... e99 =
 * "end", fN -> $fN+1$fN+1 (exponential), fN empty past 24 */
static const char *
dyn_lookup(TEST_CTX *ctx, const char *name)
{
    int n;

    if ((n = dyn_index(name, "d")) >= 0 && n < 255) {
        snprintf(ctx->dyn[n], sizeof(ctx->dyn[n]), "$d%d", n + 1);
        return ctx->dyn[n];
    }
    if ((n = dyn_index(name, "e")) >= 0 && n < 100) {
        snprintf(ctx->dyn[n], sizeof(ctx->dyn[n]), "$e%d", n + 1);
        return n == 99 ? "end" : ctx->dyn[n];
    }
    if ((n = dyn_index(name, "f")) >= 0 && n < 24) {
        snprintf(ctx->dyn[n], sizeof(ctx->dyn[n]), "$f%d$f%d", n + 1, n + 1);
        return ctx->dyn[n];
    }
    if (strcmp(name, "big") == 0)
        return ctx->big;
    return NULL;
}

/* test_lookup - MAC_EXPAND_LOOKUP_FN over a TEST_CTX */
static const char *
test_lookup(const char *name, void *ptr)
{
    TEST_CTX *ctx = ptr;
    size_t i;

    if (ctx->level != NULL && strcmp(name, "compatibility_level") == 0)
        return ctx->level;
    for (i = 0; i < ctx->count; i++)
        if (strcmp(ctx->table[i][0], name) == 0)
            return ctx->table[i][1];
    return dyn_lookup(ctx, name);
}

/* test_undef - MAC_EXPAND_UNDEF_FN: remember the name */
static void
test_undef(const char *name, void *ptr)
{
    TEST_CTX *ctx = ptr;

    argv_add(ctx->undef, name);
}

/* test_ctx - a context over the general parameters */
static TEST_CTX *
test_ctx(void)
{
    TEST_CTX *ctx = mycalloc(1, sizeof(*ctx));

    ctx->table = params;
    ctx->count = NITEMS(params);
    ctx->undef = argv_alloc(4);
    return ctx;
}

/* test_ctx_free - release a context */
static void
test_ctx_free(TEST_CTX *ctx)
{
    argv_free(ctx->undef);
    myfree(ctx);
}

static const struct {
    const char *name;
    const char *input;
    const char *want;   /* result, or NULL when an error is expected */
    const char *detail; /* names reported undefined (joined with ','), */
                        /* or the error when want is NULL */
} expand_cases[] = {
    {"plain text", "hello, world", "hello, world", ""},
    {"empty pattern", "", "", ""},
    {"$name", "$x", "X", ""},
    {"${name}", "${x}", "X", ""},
    {"$(name)", "$(x)", "X", ""},
    {"name ends at non-name char", "<$x.$x>", "<X.X>", ""},
    {"name is greedy", "$x_y", "", "x_y"},
    {"$$", "$$", "$", ""},
    {"$$name is literal", "$$x", "$x", ""},
    {"$$ then $name", "$$$x", "$X", ""},
    {"recursive", "$ref", "X-X", ""},
    {"recursive two levels", "[$deep1]", "[Xy]", ""},
    {"same name twice is no loop", "$ref$ref", "X-XX-X", ""},
    {"undefined is empty", "[$nosuch]", "[]", "nosuch"},
    {"undefined braced", "[${nosuch}]", "[]", "nosuch"},
    {"undefined inside a value", "$undef_inside", "[]", "nosuch2"},
    {"?value set", "${x?yes}", "yes", ""},
    {"?value empty", "${empty?yes}", "", ""},
    {"?value undefined: no report", "${nosuch?yes}", "", ""},
    {":value set", "${x:no}", "", ""},
    {":value empty", "${empty:no}", "no", ""},
    {":value undefined", "${nosuch:no}", "no", ""},
    {"?{value}", "${x?{yes}}", "yes", ""},
    {"?{ value } trimmed", "${x?{  yes  }}", "yes", ""},
    {":{value}", "${empty:{ no }}", "no", ""},
    {"?{v1}:{v2} set", "${x?{yes}:{no}}", "yes", ""},
    {"?{v1}:{v2} empty", "${empty?{yes}:{no}}", "no", ""},
    {"?{v1}:{v2} blanks", "${x ? {yes} : {no}}", "yes", ""},
    {"?{v1}:v2 unbraced", "${empty?{yes}:no}", "no", ""},
    {"legacy value keeps colon", "${x?a:b}", "a:b", ""},
    {"legacy value as written", "${x? a }", " a ", ""},
    {"value is expanded", "${x?{[$x]}}", "[X]", ""},
    {"legacy value is expanded", "${x?$x$x}", "XX", ""},
    {"test uses expanded value", "${expands_empty?{yes}:{no}}", "no", ""},
    {"nested conditionals", "${x?{${empty:{inner}}}}", "inner", ""},
    {"$(name?value)", "$(x?yes)", "yes", ""},
    {"branch not taken is not looked at", "${x?{ok}:{$nosuch}}", "ok", ""},
    {"== true", "${{$x} == {X} ? {eq} : {ne}}", "eq", ""},
    {"== false", "${{$x} == {Y} ? {eq} : {ne}}", "ne", ""},
    {"!= with ? only", "${{a} != {b}?{ne}}", "ne", ""},
    {"relational with : only, true", "${{b} > {a} : {not}}", "", ""},
    {"relational with : only, false", "${{a} > {b} : {not}}", "not", ""},
    {"numeric >", "${{10} > {9} ? {gt} : {le}}", "gt", ""},
    {"numeric leading zeros", "${{010} == {10}?{same}}", "same", ""},
    {"numeric beyond long",
     "${{100000000000000000000} > {99999999999999999999}"
     "?{y}:{n}}",
     "y", ""},
    {"numeric from parameters", "${{$num10} >= {$num9}?{y}:{n}}", "y", ""},
    {"numeric <=", "${{1} <= {1}?{y}:{n}}", "y", ""},
    {"numeric <", "${{2} < {1}?{y}:{n}}", "n", ""},
    {"lexical <", "${{abc} < {abd} ? {lt}}", "lt", ""},
    {"lexical when one is not a number", "${{10} < {9a}?{y}:{n}}", "y", ""},
    {"<level", "${{3.6} <level {2} ? {old} : {new}}", "new", ""},
    {"<level true", "${{2} <level {3.6}?{old}:{new}}", "old", ""},
    {">level minor numeric", "${{3.10} >level {3.9}?{y}:{n}}", "y", ""},
    {">=level equal", "${{3.6} >=level {3.6}?{y}:{n}}", "y", ""},
    {"<=level zero", "${{0} <=level {0.0}?{y}:{n}}", "y", ""},
    {">level patch", "${{3.6.1} >level {3.6}?{y}:{n}}", "y", ""},
    {"operands trimmed", "${{  X } == {$x}?{y}:{n}}", "y", ""},
    {"operator without blanks", "${{1}<={2}?{y}:{n}}", "y", ""},
    {"literal braces", "regexp:{{/^[^A-Z]/ Bogus}}",
     "regexp:{{/^[^A-Z]/ Bogus}}", ""},
    {"literal closers", "a}b)c", "a}b)c", ""},
    {"$(...) holds braces", "$(x?{a})", "a", ""},
    {"${...} holds parens", "${x?(a)}", "(a)", ""},
    /* Errors. */
    {"unbalanced {", "${x", NULL, "unbalanced '{' in \"${x\""},
    {"unbalanced (", "$(x", NULL, "unbalanced '(' in \"$(x\""},
    {"unbalanced outer {", "${x?{y}", NULL, "unbalanced '{' in \"${x?{y}\""},
    {"unbalanced inner {", "$(x?{y)", NULL, "unbalanced '{' in \"{y\""},
    {"lone $", "cost $", NULL, "bad parameter name after '$' in \"$\""},
    {"$ then non-name", "$-x", NULL, "bad parameter name after '$' in \"$-x\""},
    {"blank in name", "${x y}", NULL, "bad parameter name \"x y\""},
    {"blank after name", "${x }", NULL, "bad parameter name \"x \""},
    {"empty name", "${}", NULL, "bad parameter name \"\""},
    {"empty conditional name", "${?x}", NULL, "bad parameter name \"?x\""},
    {"text after {value}", "${x?{y}z}", NULL,
     "unexpected text after '}' in \"z\""},
    {"text after :{value}", "${x:{y}?{z}}", NULL,
     "unexpected text after '}' in \"?{z}\""},
    {"text after {v2}", "${x?{y}:{z} w}", NULL,
     "unexpected text after '}' in \"w\""},
    {"unknown operator", "${{a} =~ {b}?{y}}", NULL, "unknown operator \"=~\""},
    {"missing operator", "${{a} {b}?{y}}", NULL, "unknown operator \"\""},
    {"operand not braced", "${{a} == b?{y}}", NULL,
     "missing '{' after \"==\" in \"{a} == b?{y}\""},
    {"relation without branch", "${{a} == {b}}", NULL,
     "missing '?' or ':' in \"{a} == {b}\""},
    {"unbalanced operand", "$({a == {b}?{y})", NULL,
     "unbalanced '{' in \"{a == {b}?{y}\""},
    {"bad level", "${{x} <level {2}?{y}}", NULL,
     "bad compatibility level \"x\""},
    {"bad level right", "${{2} <level {3.}?{y}}", NULL,
     "bad compatibility level \"3.\""},
    {"loop", "$a", NULL,
     "parameter a: recursion loop or depth limit 100 exceeded (a -> b -> a)"},
    {"self loop", "$self", NULL,
     "parameter self: recursion loop or depth limit 100 exceeded "
     "(self -> self)"},
    {"loop in a test", "${self?x}", NULL,
     "parameter self: recursion loop or depth limit 100 exceeded "
     "(self -> self)"},
    {"error names the parameter", "x$uses_broken", NULL,
     "parameter broken: unbalanced '{' in \"${x\""},
    {"error in a value", "$half", NULL,
     "parameter half: missing '?' or ':' in \"{x} == {y}\""},
    {"long text is cut in messages",
     "${0123456789012345678901234567890123456789"
     "tail",
     NULL, "unbalanced '{' in \"${01234567890123456789012345678901234567...\""},
};

START_TEST(test_expand)
{
    TEST_CTX *ctx = test_ctx();
    STRBUF *out = strbuf_create(0);
    STRBUF *err = strbuf_create(0);
    char *undef;
    int ret;

    strbuf_strcpy(out, "old");
    ret = mac_expand(out, expand_cases[_i].input, test_lookup, test_undef, ctx,
                     MAC_EXPAND_FLAG_NONE, err);
    if (expand_cases[_i].want != NULL) {
        ck_assert_msg(ret == 0, "%s: error %s", expand_cases[_i].name,
                      STR(err));
        ck_assert_msg(strcmp(STR(out), expand_cases[_i].want) == 0,
                      "%s: got \"%s\"", expand_cases[_i].name, STR(out));
        undef = argv_join(ctx->undef, ",");
        ck_assert_msg(strcmp(undef, expand_cases[_i].detail) == 0,
                      "%s: undefined \"%s\"", expand_cases[_i].name, undef);
        myfree(undef);
    } else {
        ck_assert_msg(ret == -1, "%s: no error", expand_cases[_i].name);
        ck_assert_msg(strcmp(STR(err), expand_cases[_i].detail) == 0,
                      "%s: error \"%s\"", expand_cases[_i].name, STR(err));
        ck_assert_str_eq(STR(out), "old");
    }
    strbuf_free(out);
    strbuf_free(err);
    test_ctx_free(ctx);
}
END_TEST

static const struct {
    const char *name;
    const char *input; /* compatibility_level */
    const char *param;
    const char *want;
} compat_cases[] = {
    {"mynetworks_style 0", "0", "mynetworks_style", "subnet"},
    {"mynetworks_style 2", "2", "mynetworks_style", "host"},
    {"mynetworks_style 3.6", "3.6", "mynetworks_style", "host"},
    {"relay_domains 0", "0", "relay_domains",
     "mx.example.com, localhost.example.com, localhost"},
    {"relay_domains 2", "2", "relay_domains", ""},
    {"relay_domains 3.6", "3.6", "relay_domains", ""},
    {"smtputf8_enable 0", "0", "smtputf8_enable", "no"},
    {"smtputf8_enable 2", "2", "smtputf8_enable", "yes"},
    {"smtputf8_enable 3.6", "3.6", "smtputf8_enable", "yes"},
    {"respectful_logging 0", "0", "respectful_logging", "no"},
    {"respectful_logging 2", "2", "respectful_logging", "no"},
    {"respectful_logging 3.6", "3.6", "respectful_logging", "yes"},
    {"append_dot_mydomain 0", "0", "append_dot_mydomain", "yes"},
    {"append_dot_mydomain 3.6", "3.6", "append_dot_mydomain", "no"},
    {"smtpd_relay_restrictions 0", "0", "smtpd_relay_restrictions", ""},
    {"smtpd_relay_restrictions 2", "2", "smtpd_relay_restrictions",
     "permit_mynetworks, permit_sasl_authenticated, defer_unauth_destination"},
    {"fingerprint digest 2", "2", "smtp_tls_fingerprint_digest", "md5"},
    {"fingerprint digest 3.6", "3.6", "smtp_tls_fingerprint_digest", "sha256"},
    {"fingerprint digest 3.10", "3.10", "smtp_tls_fingerprint_digest",
     "sha256"},
    {"dane policy", "3.6", "smtp_tls_dane_insecure_mx_policy", "may"},
};

START_TEST(test_compat)
{
    TEST_CTX *ctx = test_ctx();
    STRBUF *out = strbuf_create(0);
    STRBUF *err = strbuf_create(0);
    STRBUF *pattern = strbuf_create(0);

    ctx->table = compat_params;
    ctx->count = NITEMS(compat_params);
    ctx->level = compat_cases[_i].input;
    strbuf_sprintf(pattern, "$%s", compat_cases[_i].param);
    ck_assert_msg(mac_expand(out, STR(pattern), test_lookup, test_undef, ctx, 0,
                             err) == 0,
                  "%s: %s", compat_cases[_i].name, STR(err));
    ck_assert_msg(strcmp(STR(out), compat_cases[_i].want) == 0,
                  "%s: got \"%s\"", compat_cases[_i].name, STR(out));
    ck_assert_uint_eq(ctx->undef->argc, 0);
    strbuf_free(out);
    strbuf_free(err);
    strbuf_free(pattern);
    test_ctx_free(ctx);
}
END_TEST

static const struct {
    const char *name;
    const char *input;
    const char *want; /* names joined with ',' */
    int ret;
} refs_cases[] = {
    {"three forms", "$a ${b} $(c)", "a,b,c", 0},
    {"every branch", "${a?{$b}:{$c}}", "a,b,c", 0},
    {"legacy branches", "${a:$b}", "a,b", 0},
    {"relational", "${{$x} == {y} ? {$t} : {$f}}", "x,t,f", 0},
    {"once each, $$ skipped", "$a $a $$b", "a", 0},
    {"already listed", "$seed $z", "seed,z", 0},
    {"Postfix relay_domains",
     "${{$compatibility_level} <level {2} ? {$mydestination} : {}}",
     "compatibility_level,mydestination", 0},
    {"no names", "text only", "", 0},
    {"bad syntax", "$a ${b", "a", -1},
};

START_TEST(test_refs)
{
    ARGV *names = argv_alloc(4);
    char *joined;
    int ret;

    if (strstr(refs_cases[_i].input, "$seed") != NULL)
        argv_add(names, "seed");
    ret = mac_expand_refs(refs_cases[_i].input, names);
    joined = argv_join(names, ",");
    ck_assert_msg(ret == refs_cases[_i].ret, "%s: ret %d", refs_cases[_i].name,
                  ret);
    ck_assert_msg(strcmp(joined, refs_cases[_i].want) == 0, "%s: got %s",
                  refs_cases[_i].name, joined);
    myfree(joined);
    argv_free(names);
}
END_TEST

static const struct {
    const char *name;
    const char *input;
    const char *right;
    int want; /* -2: invalid */
} level_cases[] = {
    {"major", "3.6", "2", 1},
    {"minor", "2", "3.6", -1},
    {"equal", "3.6", "3.6", 0},
    {"numeric minor", "3.10", "3.9", 1},
    {"missing parts", "0", "0.0.0", 0},
    {"patch", "1.2.3", "1.2.4", -1},
    {"empty", "", "1", -2},
    {"trailing dot", "3.", "1", -2},
    {"leading dot", ".3", "1", -2},
    {"four parts", "3.6.1.2", "1", -2},
    {"letters", "1", "a", -2},
    {"negative", "-1", "1", -2},
    {"huge", "1", "9999999999999", -2},
};

START_TEST(test_level)
{
    int cmp = 99;
    int ret;

    ret = mac_expand_level_cmp(level_cases[_i].input, level_cases[_i].right,
                               &cmp);
    if (level_cases[_i].want == -2) {
        ck_assert_msg(ret == -1, "%s: accepted", level_cases[_i].name);
    } else {
        ck_assert_msg(ret == 0, "%s: rejected", level_cases[_i].name);
        ck_assert_msg(cmp == level_cases[_i].want, "%s: got %d",
                      level_cases[_i].name, cmp);
    }
}
END_TEST

/* expand_error - expand pattern, expecting an error; returns the message */
static char *
expand_error(TEST_CTX *ctx, const char *pattern)
{
    STRBUF *out = strbuf_create(0);
    STRBUF *err = strbuf_create(0);

    ck_assert_int_eq(mac_expand(out, pattern, test_lookup, NULL, ctx, 0, err),
                     -1);
    strbuf_free(out);
    return strbuf_export(err);
}

START_TEST(test_depth)
{
    TEST_CTX *ctx = test_ctx();
    STRBUF *out = strbuf_create(0);
    const char *suffix = "-> d98 -> d99 -> d100)";
    char *msg;

    /* A chain of 100 parameters is fine; the 101st is one too many. */
    ck_assert_int_eq(mac_expand(out, "$e0", test_lookup, NULL, ctx, 0, NULL),
                     0);
    ck_assert_str_eq(STR(out), "end");
    msg = expand_error(ctx, "$d0");
    ck_assert_msg(strncmp(msg,
                          "parameter d0: recursion loop or depth limit 100 "
                          "exceeded (d0 -> d1 -> d2 -> ",
                          70) == 0,
                  "got %s", msg);
    ck_assert_str_eq(msg + strlen(msg) - strlen(suffix), suffix);
    myfree(msg);
    msg = expand_error(ctx, "$f0");
    suffix = ": more than 100000 parameter lookups";
    ck_assert_msg(strncmp(msg, "parameter f", 11) == 0, "got %s", msg);
    ck_assert_str_eq(msg + strlen(msg) - strlen(suffix), suffix);
    myfree(msg);
    strbuf_free(out);
    test_ctx_free(ctx);
}
END_TEST

START_TEST(test_nesting)
{
    TEST_CTX *ctx = test_ctx();
    STRBUF *pattern = strbuf_create(0);
    STRBUF *out = strbuf_create(0);
    char *msg;
    int i;

    for (i = 0; i < MAC_EXPAND_MAX_NEST; i++)
        strbuf_strcat(pattern, "${x?{");
    strbuf_strcat(pattern, "deep");
    for (i = 0; i < MAC_EXPAND_MAX_NEST; i++)
        strbuf_strcat(pattern, "}}");
    ck_assert_int_eq(
        mac_expand(out, STR(pattern), test_lookup, NULL, ctx, 0, NULL), 0);
    ck_assert_str_eq(STR(out), "deep");
    strbuf_reset(pattern);
    for (i = 0; i <= MAC_EXPAND_MAX_NEST; i++)
        strbuf_strcat(pattern, "${x?");
    for (i = 0; i <= MAC_EXPAND_MAX_NEST; i++)
        strbuf_strcat(pattern, "}");
    msg = expand_error(ctx, STR(pattern));
    ck_assert_str_eq(msg, "expressions nested deeper than 1000 levels");
    myfree(msg);
    strbuf_free(pattern);
    strbuf_free(out);
    test_ctx_free(ctx);
}
END_TEST

START_TEST(test_length)
{
    TEST_CTX *ctx = test_ctx();
    STRBUF *out = strbuf_create(0);
    STRBUF *err = strbuf_create(0);
    char *big = mymalloc(MAC_EXPAND_MAX_LEN / 2 + 2);
    char *msg;

    memset(big, 'b', MAC_EXPAND_MAX_LEN / 2 + 1);
    big[MAC_EXPAND_MAX_LEN / 2 + 1] = 0;
    ctx->big = big;
    ck_assert_int_eq(mac_expand(out, "$big", test_lookup, NULL, ctx, 0, err),
                     0);
    ck_assert_uint_eq(LEN(out), MAC_EXPAND_MAX_LEN / 2 + 1);
    msg = expand_error(ctx, "$big$big");
    ck_assert_str_eq(msg, "parameter big: result longer than 1048576 bytes");
    myfree(msg);
    /* The caller's own limit counts too, and leaves out as it was. */
    strbuf_strcpy(out, "kept");
    strbuf_set_limit(out, 10);
    ck_assert_int_eq(mac_expand(out, "$big", test_lookup, NULL, ctx, 0, err),
                     -1);
    ck_assert_str_eq(STR(err), "result longer than the output limit");
    ck_assert_str_eq(STR(out), "kept");
    myfree(big);
    strbuf_free(out);
    strbuf_free(err);
    test_ctx_free(ctx);
}
END_TEST

START_TEST(test_append)
{
    TEST_CTX *ctx = test_ctx();
    STRBUF *out = strbuf_create(0);

    strbuf_strcpy(out, "pre:");
    ck_assert_int_eq(mac_expand(out, "$x", test_lookup, NULL, ctx,
                                MAC_EXPAND_FLAG_APPEND, NULL),
                     0);
    ck_assert_str_eq(STR(out), "pre:X");
    /* Without an err buffer, an error is only the return value. */
    ck_assert_int_eq(mac_expand(out, "${x", test_lookup, NULL, ctx,
                                MAC_EXPAND_FLAG_APPEND, NULL),
                     -1);
    ck_assert_int_eq(mac_expand(out, "$a", test_lookup, NULL, ctx,
                                MAC_EXPAND_FLAG_APPEND, NULL),
                     -1);
    ck_assert_str_eq(STR(out), "pre:X");
    strbuf_free(out);
    test_ctx_free(ctx);
}
END_TEST

START_TEST(test_no_lookup_panics)
{
    STRBUF *out = strbuf_create(0);

    mac_expand(out, "$x", NULL, NULL, NULL, 0, NULL);
}
END_TEST

START_TEST(test_bad_flags_panic)
{
    TEST_CTX *ctx = test_ctx();
    STRBUF *out = strbuf_create(0);

    mac_expand(out, "$x", test_lookup, NULL, ctx, 0x100, NULL);
}
END_TEST

static Suite *
mac_expand_suite(void)
{
    Suite *s = suite_create("mac_expand");
    TCase *tc = tcase_create("core");
    TCase *limits = tcase_create("limits");

    tcase_add_loop_test(tc, test_expand, 0, NITEMS(expand_cases));
    tcase_add_loop_test(tc, test_compat, 0, NITEMS(compat_cases));
    tcase_add_loop_test(tc, test_refs, 0, NITEMS(refs_cases));
    tcase_add_loop_test(tc, test_level, 0, NITEMS(level_cases));
    tcase_add_test(tc, test_append);
    tcase_add_test_raise_signal(tc, test_no_lookup_panics, SIGABRT);
    tcase_add_test_raise_signal(tc, test_bad_flags_panic, SIGABRT);
    tcase_add_test(limits, test_depth);
    tcase_add_test(limits, test_nesting);
    tcase_add_test(limits, test_length);
    tcase_set_timeout(limits, 30);
    suite_add_tcase(s, tc);
    suite_add_tcase(s, limits);
    return s;
}

TEST_MAIN(mac_expand_suite)

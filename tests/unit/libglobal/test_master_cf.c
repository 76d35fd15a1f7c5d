/* test_master_cf - Check suite for reading master.cf. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "argv.h"
#include "master_cf.h"
#include "mymalloc.h"
#include "strbuf.h"
#include "test_main.h"

#define SOURCE "/x/master.cf"

/* Where tests/data is: $TOP_SRCDIR, or the current directory. */
#define DATA_FILE "tests/data/debian-master.cf"

static const struct {
    const char *name;
    const char *input; /* one logical line */
    const char *want;  /* dump, or the error */
} service_cases[] = {
    {"smtp inet",
     "smtp      inet  n       -       y       -       -       "
     "smtpd",
     "smtp/inet priv=0 unpriv=-1 chroot=1 wakeup=0 maxproc=-1 host= "
     "port=smtp cmd=smtpd args= o="},
    {"pickup", "pickup unix n - y 60 1 pickup",
     "pickup/unix priv=0 unpriv=-1 chroot=1 wakeup=60 maxproc=1 cmd=pickup "
     "args= o="},
    {"wakeup only if used", "flush unix n - n 1000? 0 flush",
     "flush/unix priv=0 unpriv=-1 chroot=0 wakeup=1000? maxproc=0 cmd=flush "
     "args= o="},
    {"unix-dgram", "postlog unix-dgram n - n - 1 postlogd",
     "postlog/unix-dgram priv=0 unpriv=-1 chroot=0 wakeup=0 maxproc=1 "
     "cmd=postlogd args= o="},
    {"fifo", "pickup fifo n - n 60 1 pickup",
     "pickup/fifo priv=0 unpriv=-1 chroot=0 wakeup=60 maxproc=1 cmd=pickup "
     "args= o="},
    {"pass", "smtpd pass - - y - - smtpd",
     "smtpd/pass priv=-1 unpriv=-1 chroot=1 wakeup=0 maxproc=-1 cmd=smtpd "
     "args= o="},
    {"privileged", "local unix - n n - - local",
     "local/unix priv=-1 unpriv=0 chroot=0 wakeup=0 maxproc=-1 cmd=local "
     "args= o="},
    {"host:port", "127.0.0.1:10025 inet n - n - - smtpd",
     "127.0.0.1:10025/inet priv=0 unpriv=-1 chroot=0 wakeup=0 maxproc=-1 "
     "host=127.0.0.1 port=10025 cmd=smtpd args= o="},
    {"[ipv6]:port", "[::1]:smtp inet n - n - - smtpd",
     "[::1]:smtp/inet priv=0 unpriv=-1 chroot=0 wakeup=0 maxproc=-1 "
     "host=::1 port=smtp cmd=smtpd args= o="},
    {"ipv6:port", "::1:smtp inet n - n - - smtpd",
     "::1:smtp/inet priv=0 unpriv=-1 chroot=0 wakeup=0 maxproc=-1 host=::1 "
     "port=smtp cmd=smtpd args= o="},
    {"port only", "10025 inet n - n - - smtpd",
     "10025/inet priv=0 unpriv=-1 chroot=0 wakeup=0 maxproc=-1 host= "
     "port=10025 cmd=smtpd args= o="},
    {"-o settings",
     "submission inet n - y - - smtpd -o "
     "syslog_name=postfix/submission -o "
     "smtpd_tls_security_level=encrypt",
     "submission/inet priv=0 unpriv=-1 chroot=1 wakeup=0 maxproc=-1 host= "
     "port=submission cmd=smtpd args= "
     "o=syslog_name=postfix/submission|smtpd_tls_security_level=encrypt"},
    {"-o { long form }",
     "submission inet n - y - - smtpd -o { "
     "smtpd_client_restrictions = "
     "permit_sasl_authenticated,  reject } -o x=y",
     "submission/inet priv=0 unpriv=-1 chroot=1 wakeup=0 maxproc=-1 host= "
     "port=submission cmd=smtpd args= "
     "o=smtpd_client_restrictions=permit_sasl_authenticated,  reject|x=y"},
    {"-o {name=value} tight", "s unix - - n - - cmd -o {a=b}",
     "s/unix priv=-1 unpriv=-1 chroot=0 wakeup=0 maxproc=-1 cmd=cmd args= "
     "o=a=b"},
    {"-o with empty value", "s unix - - n - - cmd -o a=",
     "s/unix priv=-1 unpriv=-1 chroot=0 wakeup=0 maxproc=-1 cmd=cmd args= "
     "o=a="},
    {"pipe arguments",
     "maildrop unix - n n - - pipe flags=DRXhu user=vmail "
     "argv=/usr/bin/maildrop -d ${recipient}",
     "maildrop/unix priv=-1 unpriv=0 chroot=0 wakeup=0 maxproc=-1 cmd=pipe "
     "args=flags=DRXhu|user=vmail|argv=/usr/bin/maildrop|-d|${recipient} o="},
    {"-o after an argument is the program's",
     "x unix - - n - - pipe "
     "argv=/bin/x -o y=z",
     "x/unix priv=-1 unpriv=-1 chroot=0 wakeup=0 maxproc=-1 cmd=pipe "
     "args=argv=/bin/x|-o|y=z o="},
    {"other options stay", "s unix - - n - - cmd -v -o a=b -D",
     "s/unix priv=-1 unpriv=-1 chroot=0 wakeup=0 maxproc=-1 cmd=cmd "
     "args=-v|-D o=a=b"},
    {"-- ends options", "s unix - - n - - cmd -- -o a=b",
     "s/unix priv=-1 unpriv=-1 chroot=0 wakeup=0 maxproc=-1 cmd=cmd "
     "args=--|-o|a=b o="},
    {"{ grouped argument }", "s unix - - n - - cmd {  a b  c } d {}",
     "s/unix priv=-1 unpriv=-1 chroot=0 wakeup=0 maxproc=-1 cmd=cmd "
     "args=a b  c|d| o="},
    {"nested braces", "s unix - - n - - cmd { a {b} c }",
     "s/unix priv=-1 unpriv=-1 chroot=0 wakeup=0 maxproc=-1 cmd=cmd "
     "args=a {b} c o="},
    {"braces inside a word", "s unix - - n - - cmd x{y}z",
     "s/unix priv=-1 unpriv=-1 chroot=0 wakeup=0 maxproc=-1 cmd=cmd "
     "args=x{y}z o="},
    /* Errors. */
    {"no command", "smtp inet n - y - -",
     SOURCE ", line 7: missing \"command\" field"},
    {"name only", "smtp", SOURCE ", line 7: missing \"type\" field"},
    {"empty", "", SOURCE ", line 7: missing \"service\" field"},
    {"bad type", "smtp tcp n - y - - smtpd",
     SOURCE ", line 7: bad service type \"tcp\" (want inet, unix, "
            "unix-dgram, fifo or pass)"},
    {"bad private", "smtp inet x - y - - smtpd",
     SOURCE ", line 7: bad \"private\" field \"x\" (want y, n or -)"},
    {"bad unpriv", "smtp inet n yes y - - smtpd",
     SOURCE ", line 7: bad \"unpriv\" field \"yes\" (want y, n or -)"},
    {"bad chroot", "smtp inet n - maybe - - smtpd",
     SOURCE ", line 7: bad \"chroot\" field \"maybe\" (want y, n or -)"},
    {"bad wakeup", "pickup unix n - y 6x 1 pickup",
     SOURCE ", line 7: bad \"wakeup\" field \"6x\" (want seconds, seconds? "
            "or -)"},
    {"wakeup ? alone", "pickup unix n - y ? 1 pickup",
     SOURCE ", line 7: bad \"wakeup\" field \"?\" (want seconds, seconds? "
            "or -)"},
    {"negative maxproc", "pickup unix n - y 60 -1 pickup",
     SOURCE ", line 7: bad \"maxproc\" field \"-1\" (want a number or -)"},
    {"huge maxproc", "pickup unix n - y 60 99999999999 pickup",
     SOURCE ", line 7: bad \"maxproc\" field \"99999999999\" (want a number "
            "or -)"},
    {"unbalanced brace", "s unix - - n - - cmd { a b",
     SOURCE ", line 7: unbalanced '{' in \"{ a b\""},
    {"text after }", "s unix - - n - - cmd {a}b",
     SOURCE ", line 7: text after '}' in \"{a}b\""},
    {"brace in a column", "{s} unix - - n - - cmd",
     SOURCE ", line 7: unexpected '{' in \"service\" field"},
    {"brace as command", "s unix - - n - - {cmd}",
     SOURCE ", line 7: unexpected '{' in \"command\" field"},
    {"-o at the end", "s unix - - n - - cmd -o",
     SOURCE ", line 7: \"-o\" without a parameter setting"},
    {"-o without =", "s unix - - n - - cmd -o foo",
     SOURCE ", line 7: bad -o setting \"foo\": missing '=' after parameter "
            "name"},
    {"-o bad name", "s unix - - n - - cmd -o { a b = c }",
     SOURCE ", line 7: bad -o setting \"a b = c\": bad parameter name "
            "\"a b\""},
    {"-o unbalanced", "s unix - - n - - cmd -o { a = b",
     SOURCE ", line 7: unbalanced '{' in \"{ a = b\""},
    {"inet [host without ]", "[::1:25 inet n - n - - smtpd",
     SOURCE ", line 7: bad inet service name \"[::1:25\" (want [host:]port)"},
    {"inet [] empty", "[]:25 inet n - n - - smtpd",
     SOURCE ", line 7: bad inet service name \"[]:25\" (want [host:]port)"},
    {"inet [host] without port", "[::1] inet n - n - - smtpd",
     SOURCE ", line 7: bad inet service name \"[::1]\" (want [host:]port)"},
    {"inet empty host", ":25 inet n - n - - smtpd",
     SOURCE ", line 7: bad inet service name \":25\" (want [host:]port)"},
    {"inet empty port", "host: inet n - n - - smtpd",
     SOURCE ", line 7: bad inet service name \"host:\" (want [host:]port)"},
    {"inet bad port", "host:2/5 inet n - n - - smtpd",
     SOURCE ", line 7: bad inet service name \"host:2/5\" (want "
            "[host:]port)"},
};

/* dump - a service as one line of text */
static char *
dump(const MASTER_CF_SERVICE *sv)
{
    STRBUF *out = strbuf_create(0);
    char *args = argv_join(sv->args, "|");
    char *overrides = argv_join(sv->overrides, "|");

    strbuf_sprintf(out,
                   "%s/%s priv=%d unpriv=%d chroot=%d wakeup=%d%s "
                   "maxproc=%d ",
                   sv->name, master_cf_type_name(sv->type), sv->private,
                   sv->unpriv, sv->chroot, sv->wakeup,
                   sv->wakeup_if_used ? "?" : "", sv->maxproc);
    if (sv->type == MASTER_CF_INET)
        strbuf_sprintf_cat(out, "host=%s port=%s ", sv->host ? sv->host : "",
                           sv->port);
    strbuf_sprintf_cat(out, "cmd=%s args=%s o=%s", sv->command, args,
                       overrides);
    myfree(args);
    myfree(overrides);
    return strbuf_export(out);
}

START_TEST(test_service)
{
    STRBUF *err = strbuf_create(0);
    MASTER_CF_SERVICE *sv;
    char *got;

    sv = master_cf_parse_service(SOURCE, 7, service_cases[_i].input, err);
    got = sv != NULL ? dump(sv) : mystrdup(STR(err));
    ck_assert_msg(strcmp(got, service_cases[_i].want) == 0, "%s: got %s",
                  service_cases[_i].name, got);
    if (sv != NULL) {
        ck_assert_str_eq(sv->source, SOURCE);
        ck_assert_int_eq(sv->line, 7);
    }
    myfree(got);
    master_cf_service_free(sv);
    strbuf_free(err);
}
END_TEST

static const struct {
    const char *name;
    const char *input;
    int flags;
    const char *want;
} print_cases[] = {
    {"columns", "smtp inet n - y - - smtpd", 0,
     "smtp      inet  n       -       y       -       -       smtpd"},
    {"long name", "submission inet n - y - - smtpd -o a=b -v", 0,
     "submission inet  n       -       y       -       -       smtpd -o a=b "
     "-v"},
    {"folded", "submission inet n - y - - smtpd -o a=b -o { c = d e } -v",
     MASTER_CF_PRINT_FOLD,
     "submission inet  n       -       y       -       -       smtpd\n"
     "  -o a=b\n  -o { c = d e }\n  -v"},
    {"grouped arguments", "s unix - - n - - cmd { a b } {} { {x} }", 0,
     "s         unix  -       -       n       -       -       cmd { a b } {} "
     "{ {x} }"},
    {"folded at 80 columns",
     "scalemail-backend unix - n n - 2 pipe flags=R user=scalemail "
     "argv=/usr/lib/scalemail/bin/scalemail-store ${nexthop} ${user} "
     "${extension}",
     MASTER_CF_PRINT_FOLD,
     "scalemail-backend unix  -       n       n       -       2       pipe\n"
     "  flags=R user=scalemail argv=/usr/lib/scalemail/bin/scalemail-store "
     "${nexthop}\n  ${user} ${extension}"},
};

START_TEST(test_print)
{
    STRBUF *err = strbuf_create(0);
    STRBUF *out = strbuf_create(0);
    MASTER_CF_SERVICE *sv;

    sv = master_cf_parse_service(SOURCE, 1, print_cases[_i].input, err);
    ck_assert_msg(sv != NULL, "%s: %s", print_cases[_i].name, STR(err));
    ck_assert_ptr_eq(master_cf_print(out, sv, print_cases[_i].flags), out);
    ck_assert_msg(strcmp(STR(out), print_cases[_i].want) == 0, "%s: got\n%s",
                  print_cases[_i].name, STR(out));
    master_cf_service_free(sv);
    strbuf_free(out);
    strbuf_free(err);
}
END_TEST

static const struct {
    const char *name;
    const char *input;   /* master.cf */
    const char *want;    /* "name/type@line" each, or the error */
    size_t max_services; /* 0: default */
} file_cases[] = {
    {"continuations and comments",
     "# head\nsmtp inet n - y - - smtpd\n  -o a=b\n#  -o c=d\n\n"
     "   -o e=f\npickup unix n - y 60 1 pickup\n",
     "smtp/inet@2 pickup/unix@7", 0},
    {"same name, other type",
     "smtp inet n - y - - smtpd\n"
     "smtp unix - - y - - smtp\n",
     "smtp/inet@1 smtp/unix@2", 0},
    {"duplicate: the last wins",
     "smtp inet n - y - - smtpd\n"
     "pickup unix n - y 60 1 pickup\n"
     "smtp inet n - n - - smtpd -v\n",
     "pickup/unix@2 smtp/inet@3", 0},
    {"error line", "a unix - - n - - x\n\n# c\nb bogus - - n - - x\n",
     SOURCE ", line 4: bad service type \"bogus\" (want inet, unix, "
            "unix-dgram, fifo or pass)",
     0},
    {"error in a continuation", "a unix - - n - - x\n  -o\n",
     SOURCE ", line 1: \"-o\" without a parameter setting", 0},
    {"leading continuation", "  -o a=b\n",
     SOURCE ", line 1: line starts with white space, but there is no "
            "logical line to continue",
     0},
    {"too many services",
     "a unix - - n - - x\nb unix - - n - - x\n"
     "c unix - - n - - x\n",
     SOURCE ", line 3: too many services (limit 2)", 2},
    {"a duplicate is no new service",
     "a unix - - n - - x\n"
     "b unix - - n - - x\n"
     "a unix - - n - - y\n",
     "b/unix@2 a/unix@3", 2},
};

START_TEST(test_file)
{
    MASTER_CF *mc = master_cf_create();
    STRBUF *err = strbuf_create(0);
    STRBUF *got = strbuf_create(0);
    const char *input = file_cases[_i].input;
    size_t i;

    if (file_cases[_i].max_services)
        mc->max_services = file_cases[_i].max_services;
    if (master_cf_parse(mc, SOURCE, input, strlen(input), err) < 0) {
        strbuf_strcpy(got, STR(err));
    } else {
        for (i = 0; i < mc->count; i++)
            strbuf_sprintf_cat(got, "%s%s/%s@%d", i ? " " : "",
                               mc->services[i]->name,
                               master_cf_type_name(mc->services[i]->type),
                               mc->services[i]->line);
    }
    ck_assert_msg(strcmp(STR(got), file_cases[_i].want) == 0, "%s: got %s",
                  file_cases[_i].name, STR(got));
    strbuf_free(got);
    strbuf_free(err);
    master_cf_free(mc);
}
END_TEST

/* data_path - the test data file, under $TOP_SRCDIR if set */
static char *
data_path(void)
{
    const char *top = getenv("TOP_SRCDIR");
    STRBUF *path = strbuf_create(0);

    strbuf_sprintf(path, "%s/%s", top ? top : ".", DATA_FILE);
    return strbuf_export(path);
}

/* find - a service of the data file that must be there */
static const MASTER_CF_SERVICE *
find(const MASTER_CF *mc, const char *name, int type)
{
    const MASTER_CF_SERVICE *sv = master_cf_find(mc, name, type);

    ck_assert_msg(sv != NULL, "no %s/%s", name, master_cf_type_name(type));
    return sv;
}

START_TEST(test_debian)
{
    MASTER_CF *mc = master_cf_create();
    STRBUF *err = strbuf_create(0);
    char *path = data_path();
    const MASTER_CF_SERVICE *sv;
    char *text;

    ck_assert_msg(master_cf_read(mc, path, err) == 0, "%s", STR(err));
    ck_assert_uint_eq(mc->count, 33);
    sv = find(mc, "smtp", MASTER_CF_INET);
    ck_assert_int_eq(sv->line, 8);
    ck_assert(!master_cf_private(sv) && master_cf_unpriv(sv) &&
              master_cf_chroot(sv, 0));
    sv = find(mc, "submission", MASTER_CF_INET);
    text = argv_join(sv->overrides, "|");
    ck_assert_str_eq(text, "syslog_name=postfix/submission|"
                           "smtpd_tls_security_level=encrypt|"
                           "smtpd_sasl_auth_enable=yes|"
                           "smtpd_reject_unlisted_recipient=no|"
                           "smtpd_client_restrictions=permit_sasl_"
                           "authenticated, reject|"
                           "milter_macro_daemon_name=ORIGINATING");
    myfree(text);
    sv = find(mc, "pickup", MASTER_CF_UNIX);
    ck_assert(sv->wakeup == 60 && !sv->wakeup_if_used && sv->maxproc == 1);
    sv = find(mc, "tlsmgr", MASTER_CF_UNIX);
    ck_assert(sv->wakeup == 1000 && sv->wakeup_if_used);
    sv = find(mc, "cleanup", MASTER_CF_UNIX);
    ck_assert(sv->maxproc == 0 && !master_cf_private(sv));
    sv = find(mc, "rewrite", MASTER_CF_UNIX);
    ck_assert_str_eq(sv->command, "trivial-rewrite");
    ck_assert(sv->maxproc == -1 && master_cf_private(sv));
    sv = find(mc, "relay", MASTER_CF_UNIX);
    ck_assert_str_eq(sv->overrides->argv[0],
                     "syslog_name=postfix/$service_name");
    ck_assert_uint_eq(sv->overrides->argc, 1);
    sv = find(mc, "local", MASTER_CF_UNIX);
    ck_assert(!master_cf_unpriv(sv) && !master_cf_chroot(sv, 1));
    find(mc, "postlog", MASTER_CF_UNIX_DGRAM);
    sv = find(mc, "uucp", MASTER_CF_UNIX);
    ck_assert_str_eq(sv->args->argv[sv->args->argc - 1], "($recipient)");
    ck_assert_ptr_null(master_cf_find(mc, "postscreen", MASTER_CF_INET));
    myfree(path);
    strbuf_free(err);
    master_cf_free(mc);
}
END_TEST

/* reparse - print a service, parse the text back, print again */
static void
reparse(const MASTER_CF_SERVICE *sv, int flags)
{
    MASTER_CF *mc = master_cf_create();
    STRBUF *err = strbuf_create(0);
    STRBUF *once = strbuf_create(0);
    STRBUF *twice = strbuf_create(0);

    master_cf_print(once, sv, flags);
    ck_assert_msg(master_cf_parse(mc, "print", STR(once), LEN(once), err) == 0,
                  "%s", STR(err));
    ck_assert_uint_eq(mc->count, 1);
    master_cf_print(twice, mc->services[0], flags);
    ck_assert_str_eq(STR(once), STR(twice));
    strbuf_free(err);
    strbuf_free(once);
    strbuf_free(twice);
    master_cf_free(mc);
}

START_TEST(test_round_trip)
{
    MASTER_CF *mc = master_cf_create();
    STRBUF *err = strbuf_create(0);
    char *path = data_path();
    size_t i;

    ck_assert_msg(master_cf_read(mc, path, err) == 0, "%s", STR(err));
    for (i = 0; i < mc->count; i++) {
        reparse(mc->services[i], 0);
        reparse(mc->services[i], MASTER_CF_PRINT_FOLD);
    }
    ck_assert_int_eq(master_cf_read(mc, "/nonexistent/master.cf", err), -1);
    ck_assert_str_eq(STR(err),
                     "open /nonexistent/master.cf: No such file or directory");
    myfree(path);
    strbuf_free(err);
    master_cf_free(mc);
}
END_TEST

static const struct {
    const char *name;
    const char *input;
    int legacy;       /* compatibility_level below 1 */
    const char *want; /* private unpriv chroot */
} resolve_cases[] = {
    {"inet never private", "s inet y - - - - x", 0, "0 1 0"},
    {"unix private by default", "s unix - - - - - x", 0, "1 1 0"},
    {"chroot by default below level 1", "s unix - - - - - x", 1, "1 1 1"},
    {"explicit values", "s unix n n y - - x", 0, "0 0 1"},
    {"explicit n below level 1", "s unix n n n - - x", 1, "0 0 0"},
};

START_TEST(test_resolve)
{
    STRBUF *err = strbuf_create(0);
    STRBUF *got = strbuf_create(0);
    MASTER_CF_SERVICE *sv;

    sv = master_cf_parse_service(SOURCE, 1, resolve_cases[_i].input, err);
    ck_assert_ptr_nonnull(sv);
    strbuf_sprintf(got, "%d %d %d", master_cf_private(sv), master_cf_unpriv(sv),
                   master_cf_chroot(sv, resolve_cases[_i].legacy));
    ck_assert_msg(strcmp(STR(got), resolve_cases[_i].want) == 0, "%s: got %s",
                  resolve_cases[_i].name, STR(got));
    master_cf_service_free(sv);
    strbuf_free(got);
    strbuf_free(err);
}
END_TEST

START_TEST(test_types)
{
    ck_assert_int_eq(master_cf_type("inet"), MASTER_CF_INET);
    ck_assert_int_eq(master_cf_type("pass"), MASTER_CF_PASS);
    ck_assert_int_eq(master_cf_type("tcp"), 0);
    ck_assert_str_eq(master_cf_type_name(MASTER_CF_FIFO), "fifo");
    ck_assert_ptr_null(master_cf_free(NULL));
    ck_assert_ptr_null(master_cf_service_free(NULL));
}
END_TEST

START_TEST(test_bad_type_panics)
{
    master_cf_type_name(99);
}
END_TEST

static Suite *
master_cf_suite(void)
{
    Suite *s = suite_create("master_cf");
    TCase *tc = tcase_create("core");

    tcase_add_loop_test(tc, test_service, 0, NITEMS(service_cases));
    tcase_add_loop_test(tc, test_print, 0, NITEMS(print_cases));
    tcase_add_loop_test(tc, test_file, 0, NITEMS(file_cases));
    tcase_add_loop_test(tc, test_resolve, 0, NITEMS(resolve_cases));
    tcase_add_test(tc, test_debian);
    tcase_add_test(tc, test_round_trip);
    tcase_add_test(tc, test_types);
    tcase_add_test_raise_signal(tc, test_bad_type_panics, SIGABRT);
    suite_add_tcase(s, tc);
    return s;
}

TEST_MAIN(master_cf_suite)

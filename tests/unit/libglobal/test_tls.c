/*
 * test_tls - Check suite for libglobal/tls*.c: the parsers, context
 * errors, and real handshakes between a server and a client (a forked
 * child) over a socketpair.  The certificates (a CA, RSA and ECDSA
 * server certificates for mail.example.com, and a second CA) are made
 * once per run with the openssl command into a directory of their own.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <openssl/ssl.h>

#include "stream.h"
#include "strbuf.h"
#include "test_main.h"
#include "tls.h"

static char certs[64]; /* the certificate folder */

/* A shell script that makes the certificates in the current folder. */
static const char make_certs[] =
    "set -e\n"
    "exec >/dev/null 2>&1\n"
    "ca() { openssl req -x509 -newkey rsa:2048 -nodes -keyout $1.key "
    "  -out $1.pem -days 2 -subj \"/CN=$2\"; }\n"
    "srv() { openssl req -new $3 -nodes -keyout $1.key -out $1.csr "
    "  -subj /CN=mail.example.com;\n"
    "  printf 'subjectAltName=DNS:mail.example.com\\n' > ext;\n"
    "  openssl x509 -req -in $1.csr -CA $2.pem -CAkey $2.key "
    "  -CAcreateserial -out $1.pem -days 2 -extfile ext;\n"
    "  cat $1.key $1.pem > $1-chain.pem; }\n"
    "ca ca 'Test CA'\n"
    "ca ca2 'Other CA'\n"
    "srv rsa ca '-newkey rsa:2048'\n"
    "srv ec ca '-newkey ec -pkeyopt ec_paramgen_curve:prime256v1'\n";

/* certs_make - the certificate folder, once for the run */
static void
certs_make(void)
{
    char cmd[256];
    FILE *sh;

    /* As the skeletons do: a write to a closed peer fails with EPIPE. */
    signal(SIGPIPE, SIG_IGN);
    snprintf(certs, sizeof(certs), "/tmp/postern-tls-XXXXXX");
    if (mkdtemp(certs) == NULL)
        abort();
    snprintf(cmd, sizeof(cmd), "cd %s && sh", certs);
    if ((sh = popen(cmd, "w")) == NULL)
        abort();
    fputs(make_certs, sh);
    if (pclose(sh) != 0) {
        fprintf(stderr, "test_tls: openssl could not make certificates\n");
        abort();
    }
}

/* certs_remove - the certificate folder and its files */
static void
certs_remove(void)
{
    char cmd[128];

    snprintf(cmd, sizeof(cmd), "rm -rf %s", certs);
    if (system(cmd) != 0)
        fprintf(stderr, "test_tls: cannot remove %s\n", certs);
}

/* cpath - a file in the certificate folder (one of four static buffers) */
static const char *
cpath(const char *name)
{
    static char buf[4][128];
    static int next;
    char *out = buf[next++ % 4];

    snprintf(out, sizeof(buf[0]), "%s/%s", certs, name);
    return out;
}

/* ---- parsers --------------------------------------------------------- */

static const struct {
    const char *name;
    const char *spec;
    int ok, min, max;
} proto_cases[] = {
    {"empty is modern", "", 1, TLS1_2_VERSION, 0},
    {"floor", ">=TLSv1.2", 1, TLS1_2_VERSION, 0},
    {"old floor asked", ">=TLSv1", 1, TLS1_VERSION, 0},
    {"postfix exclusions", "!SSLv2, !SSLv3", 1, TLS1_2_VERSION, 0},
    {"exclude 1.2", "!SSLv2:!SSLv3:!TLSv1:!TLSv1.1:!TLSv1.2", 1, TLS1_3_VERSION,
     0},
    {"ceiling", "<=TLSv1.2", 1, TLS1_2_VERSION, TLS1_2_VERSION},
    {"inclusion", "TLSv1.2 TLSv1.3", 1, TLS1_2_VERSION, 0},
    {"only 1.1", "TLSv1.1", 1, TLS1_1_VERSION, TLS1_1_VERSION},
    {"unknown", ">=TLSv9", 0, 0, 0},
    {"none left", "!TLSv1.2, !TLSv1.3", 0, 0, 0},
    {"gap", "TLSv1.1 TLSv1.3", 0, 0, 0},
};

START_TEST(test_protocol_range)
{
    STRBUF *why = strbuf_create(10);
    int min = -1, max = -1;
    int ret = tls_protocol_range(proto_cases[_i].spec, &min, &max, why);

    ck_assert_msg((ret == 0) == proto_cases[_i].ok, "%s: %s",
                  proto_cases[_i].name, STR(why));
    if (proto_cases[_i].ok) {
        ck_assert_int_eq(min, proto_cases[_i].min);
        ck_assert_int_eq(max, proto_cases[_i].max);
    } else {
        ck_assert_int_gt(LEN(why), 0);
    }
    strbuf_free(why);
}
END_TEST

static const struct {
    const char *cert_name;
    const char *ref;
    int want;
} match_cases[] = {
    {"mail.example.com", "mail.example.com", 1},
    {"MAIL.example.com", "mail.EXAMPLE.com", 1},
    {"mail.example.com", "example.com", 0},
    {"mail.example.com", ".example.com", 1},
    {"example.com", ".example.com", 0},
    {"*.example.com", "mail.example.com", 1},
    {"*.example.com", "a.b.example.com", 0},
    {"*.example.com", "example.com", 0},
    {"*.example.com", ".example.com", 1},
    {"mail.example.com.evil", "mail.example.com", 0},
    {"", "mail.example.com", 0},
};

START_TEST(test_name_match)
{
    ck_assert_msg(tls_name_match(match_cases[_i].cert_name,
                                 match_cases[_i].ref) == match_cases[_i].want,
                  "%s vs %s", match_cases[_i].cert_name, match_cases[_i].ref);
}
END_TEST

START_TEST(test_grades_levels)
{
    TLS_CIPHERLISTS mine = {.high = "HIGH"};
    TLS_LEVEL level;

    ck_assert_str_eq(tls_grade_cipherlist("high", &mine), "HIGH");
    ck_assert_str_eq(tls_grade_cipherlist("MEDIUM", NULL),
                     "aNULL:-aNULL:HIGH:MEDIUM:+RC4:@STRENGTH");
    ck_assert_ptr_null(tls_grade_cipherlist("strong", NULL));
    ck_assert_int_eq(tls_level_parse("encrypt", &level), 0);
    ck_assert_int_eq(level, TLS_LEV_ENCRYPT);
    ck_assert_int_eq(tls_level_parse("dane", &level), -1);
}
END_TEST

/* ---- contexts -------------------------------------------------------- */

/* server_params - RSA, ECDSA or both (chain files) */
static TLS_SERVER_PARAMS
server_params(const char *kind)
{
    TLS_SERVER_PARAMS p = {.ciphers = "medium", .session_timeout = 60};

    if (strcmp(kind, "rsa") == 0) {
        p.cert_file = cpath("rsa.pem");
        p.key_file = cpath("rsa.key");
    } else if (strcmp(kind, "ec") == 0) {
        p.eccert_file = cpath("ec.pem");
        p.eckey_file = cpath("ec.key");
    } else {
        static char chain[300];
        snprintf(chain, sizeof(chain), "%s/rsa-chain.pem, %s/ec-chain.pem",
                 certs, certs);
        p.chain_files = chain;
    }
    return p;
}

static const struct {
    const char *name;
    TLS_SERVER_PARAMS p;
    const char *want; /* in the reason */
} bad_server_cases[] = {
    {"no cert", {.ciphers = "high"}, "no server certificate"},
    {"missing cert",
     {.cert_file = "/nonexistent/cert.pem"},
     "smtpd_tls_cert_file: cannot load certificate from "
     "\"/nonexistent/cert.pem\""},
    {"bad grade",
     {.cert_file = "x", .ciphers = "strong"},
     "unknown cipher grade"},
    {"bad protocols",
     {.cert_file = "x", .protocols = "TLSv2"},
     "unknown TLS protocol"},
};

START_TEST(test_server_init_errors)
{
    STRBUF *why = strbuf_create(10);

    ck_assert_ptr_null(tls_server_init(&bad_server_cases[_i].p, why));
    ck_assert_msg(strstr(STR(why), bad_server_cases[_i].want) != NULL, "%s: %s",
                  bad_server_cases[_i].name, STR(why));
    strbuf_free(why);
}
END_TEST

START_TEST(test_key_mismatch)
{
    TLS_SERVER_PARAMS p = server_params("rsa");
    TLS_CLIENT_PARAMS c = {.CAfile = cpath("nonexistent.pem")};
    STRBUF *why = strbuf_create(10);

    p.key_file = cpath("ec.key");
    ck_assert_ptr_null(tls_server_init(&p, why));
    ck_assert_msg(strstr(STR(why), "smtpd_tls_key_file") != NULL, "%s",
                  STR(why));
    ck_assert_msg(strstr(STR(why), "ec.key") != NULL, "%s", STR(why));
    ck_assert_ptr_null(tls_client_init(&c, why));
    ck_assert_msg(strstr(STR(why), "smtp_tls_CAfile: cannot load") != NULL,
                  "%s", STR(why));
    strbuf_free(why);
}
END_TEST

/* ---- handshakes ------------------------------------------------------ */

/* What the client side of a pair does, and what it should see. */
typedef struct CLIENT_CASE {
    const char *protocols; /* the client's protocols */
    const char *CAfile;    /* its trust */
    TLS_LEVEL level;
    const char *host; /* the name it checks */
    int silent;       /* say nothing, to time the server out */
    int want_ok;      /* the handshake succeeds on the client */
    const char *want; /* text in the client's reason on failure */
} CLIENT_CASE;

/* client_run - the forked client: 0 when it saw what it should */
static int
client_run(int fd, const CLIENT_CASE *cc)
{
    TLS_CLIENT_PARAMS cp = {
        .CAfile = cc->CAfile, .protocols = cc->protocols, .ciphers = "medium"};
    TLS_CLIENT_START props = {.level = cc->level,
                              .servername = "mail.example.com",
                              .namaddr = "server[127.0.0.1]",
                              .host = cc->host,
                              .nexthop = "example.com"};
    STRBUF *why = strbuf_create(10), *line = strbuf_create(10);
    STREAM *st = stream_fdopen(fd, O_RDWR);
    TLS_CTX *ctx;
    TLS_SESS *sess;

    if (cc->silent) {
        sleep(2);
        return 0;
    }
    if ((ctx = tls_client_init(&cp, why)) == NULL)
        return 10;
    stream_set_timeout(st, 5000);
    sess = tls_client_start(ctx, st, 5000, &props, why);
    if (sess == NULL)
        return !cc->want_ok && strstr(STR(why), cc->want) ? 0 : 11;
    if (!cc->want_ok)
        return 12;
    /* Data both ways: a line out, the server's answer back. */
    if (stream_puts(st, "hello server\n") < 0 || stream_flush(st) < 0 ||
        stream_get_line(st, line, 100) != STREAM_LINE_OK ||
        strcmp(STR(line), "hello client") != 0)
        return 13;
    if (cc->level >= TLS_LEV_VERIFY &&
        (!tls_info(sess)->trusted || !tls_info(sess)->matched))
        return 14;
    tls_session_stop(sess, st, 0);
    tls_ctx_free(ctx);
    stream_close(st);
    strbuf_free(why);
    strbuf_free(line);
    return 0;
}

/* serve_line - answer the client's line, if one comes */
static void
serve_line(STREAM *st)
{
    STRBUF *line = strbuf_create(10);

    if (stream_get_line(st, line, 100) == STREAM_LINE_OK &&
        strcmp(STR(line), "hello server") == 0) {
        stream_puts(st, "hello client\n");
        stream_flush(st);
    }
    strbuf_free(line);
}

/* run_pair - a server (here) and a client (a child) over a socketpair */
static TLS_SESS *
run_pair(TLS_CTX *server, const CLIENT_CASE *cc, STREAM **stp, STRBUF *why,
         int *client_status)
{
    int sv[2];
    pid_t pid;
    TLS_SESS *sess;

    ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    if ((pid = fork()) == 0) {
        close(sv[0]);
        _exit(client_run(sv[1], cc));
    }
    ck_assert_int_gt(pid, 0);
    close(sv[1]);
    *stp = stream_fdopen(sv[0], O_RDWR);
    stream_set_timeout(*stp, 5000);
    sess = tls_server_start(server, *stp, cc->silent ? 300 : 5000,
                            "client[127.0.0.1]", why);
    if (sess != NULL)
        serve_line(*stp);
    ck_assert_int_eq(waitpid(pid, client_status, 0), pid);
    return sess;
}

/* pair_end - stop the session, close the stream, free the context */
static void
pair_end(TLS_SESS *sess, STREAM *st, TLS_CTX *ctx)
{
    tls_session_stop(sess, st, 0);
    stream_close(st);
    tls_ctx_free(ctx);
}

static const struct {
    const char *kind;
    const char *sig; /* the server-signature the client sees */
} kinds[] = {
    {"rsa", "RSA-PSS"},
    {"ec", "ECDSA"},
    {"both", ""},
};

START_TEST(test_handshake)
{
    TLS_SERVER_PARAMS p = server_params(kinds[_i].kind);
    CLIENT_CASE cc = {.CAfile = cpath("ca.pem"),
                      .level = TLS_LEV_VERIFY,
                      .host = "mail.example.com",
                      .want_ok = 1};
    STRBUF *why = strbuf_create(10), *text = strbuf_create(10);
    TLS_CTX *ctx = tls_server_init(&p, why);
    const TLS_INFO *info;
    TLS_SESS *sess;
    STREAM *st;
    int status;

    ck_assert_msg(ctx != NULL, "%s", STR(why));
    sess = run_pair(ctx, &cc, &st, why, &status);
    ck_assert_msg(sess != NULL, "%s", STR(why));
    ck_assert_int_eq(status, 0);
    info = tls_info(sess);
    ck_assert_str_eq(info->protocol, "TLSv1.3");
    ck_assert_int_eq(info->peer_cert, 0);
    ck_assert_int_eq(info->reused, 0);
    ck_assert_int_ge(info->cipher_usebits, 128);
    ck_assert_str_eq(tls_trust_label(sess), "Anonymous");
    if (*kinds[_i].sig)
        ck_assert_str_eq(info->sig, kinds[_i].sig);
    tls_summary(text, sess);
    ck_assert_msg(strncmp(STR(text), "TLSv1.3 with cipher TLS_", 24) == 0, "%s",
                  STR(text));
    ck_assert_msg(strstr(STR(text), " key-exchange ") != NULL, "%s", STR(text));
    tls_received_comment(text, sess);
    ck_assert_msg(strncmp(STR(text), "(using TLSv1.3 with", 19) == 0, "%s",
                  STR(text));
    pair_end(sess, st, ctx);
    strbuf_free(why);
    strbuf_free(text);
}
END_TEST

static const struct {
    const char *name;
    CLIENT_CASE cc;
    const char *server_want; /* in the server's reason; NULL: it succeeds */
} fail_cases[] = {
    {"wrong CA",
     {.CAfile = "ca2.pem",
      .level = TLS_LEV_VERIFY,
      .host = "mail.example.com",
      .want = "not trusted"},
     NULL},
    {"wrong name",
     {.CAfile = "ca.pem",
      .level = TLS_LEV_VERIFY,
      .host = "mx.example.net",
      .want = "not verified"},
     NULL},
    {"may ignores CA",
     {.CAfile = "ca2.pem", .level = TLS_LEV_MAY, .want_ok = 1},
     NULL},
    {"TLSv1.1 client",
     {.protocols = "TLSv1.1", .level = TLS_LEV_ENCRYPT, .want = "failed"},
     "handshake with client"},
    {"silent client", {.silent = 1}, "timed out"},
};

START_TEST(test_failures)
{
    TLS_SERVER_PARAMS p = server_params("rsa");
    CLIENT_CASE cc = fail_cases[_i].cc;
    STRBUF *why = strbuf_create(10);
    TLS_CTX *ctx = tls_server_init(&p, why);
    TLS_SESS *sess;
    STREAM *st;
    int status;

    if (cc.CAfile != NULL)
        cc.CAfile = cpath(cc.CAfile);
    sess = run_pair(ctx, &cc, &st, why, &status);
    ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
                  "%s: client status %d", fail_cases[_i].name, status);
    if (fail_cases[_i].server_want != NULL) {
        ck_assert_ptr_null(sess);
        ck_assert_msg(strstr(STR(why), fail_cases[_i].server_want) != NULL,
                      "%s: %s", fail_cases[_i].name, STR(why));
    }
    pair_end(sess, st, ctx);
    strbuf_free(why);
}
END_TEST

/* resume_client - two raw OpenSSL connections, the second resuming */
static int
resume_client(int fd1, int fd2)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    SSL *ssl = SSL_new(ctx);
    SSL_SESSION *saved;
    char buf[64];
    int reused;

    SSL_set_fd(ssl, fd1);
    if (SSL_connect(ssl) != 1 || SSL_write(ssl, "hello server\n", 13) != 13 ||
        SSL_read(ssl, buf, sizeof(buf)) <= 0 ||
        (saved = SSL_get1_session(ssl)) == NULL)
        return 20;
    SSL_shutdown(ssl);
    SSL_free(ssl);
    ssl = SSL_new(ctx);
    SSL_set_fd(ssl, fd2);
    SSL_set_session(ssl, saved);
    if (SSL_connect(ssl) != 1 || SSL_write(ssl, "hello server\n", 13) != 13 ||
        SSL_read(ssl, buf, sizeof(buf)) <= 0)
        return 21;
    reused = SSL_session_reused(ssl);
    SSL_shutdown(ssl);
    return reused ? 0 : 22;
}

/* resume_serve - one connection served by its own context */
static int
resume_serve(const char *key_file, int fd)
{
    TLS_SERVER_PARAMS p = server_params("ec");
    STRBUF *why = strbuf_create(10);
    TLS_CTX *ctx = tls_server_init(&p, why);
    STREAM *st = stream_fdopen(fd, O_RDWR);
    TLS_SESS *sess;
    int reused;

    ck_assert_int_eq(tls_server_tickets(ctx, key_file, 60, why), 0);
    stream_set_timeout(st, 5000);
    sess = tls_server_start(ctx, st, 5000, "client[127.0.0.1]", why);
    ck_assert_msg(sess != NULL, "%s", STR(why));
    serve_line(st);
    reused = tls_info(sess)->reused;
    pair_end(sess, st, ctx);
    strbuf_free(why);
    return reused;
}

START_TEST(test_resumption)
{
    char key_file[128];
    int a[2], b[2], status;
    struct stat sb;
    pid_t pid;

    snprintf(key_file, sizeof(key_file), "%s", cpath("tickets.key"));
    ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, a), 0);
    ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, b), 0);
    if ((pid = fork()) == 0)
        _exit(resume_client(a[1], b[1]));
    close(a[1]);
    close(b[1]);
    /* Two contexts stand for two smtpd processes sharing the key file. */
    ck_assert_int_eq(resume_serve(key_file, a[0]), 0);
    ck_assert_int_eq(resume_serve(key_file, b[0]), 1);
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    ck_assert_int_eq(status, 0);
    ck_assert_int_eq(stat(key_file, &sb), 0);
    ck_assert_int_eq(sb.st_mode & 0777, 0600);
    ck_assert_int_eq(sb.st_size, 160);
    unlink(key_file);
}
END_TEST

/* tls_suite - the parsers, context errors, handshakes */
static Suite *
tls_suite(void)
{
    Suite *s = suite_create("tls");
    TCase *tc = tcase_create("parsers");
    TCase *hs = tcase_create("handshakes");

    tcase_add_loop_test(tc, test_protocol_range, 0, NITEMS(proto_cases));
    tcase_add_loop_test(tc, test_name_match, 0, NITEMS(match_cases));
    tcase_add_test(tc, test_grades_levels);
    suite_add_tcase(s, tc);
    tcase_add_unchecked_fixture(hs, certs_make, certs_remove);
    tcase_set_timeout(hs, 30);
    tcase_add_loop_test(hs, test_server_init_errors, 0,
                        NITEMS(bad_server_cases));
    tcase_add_test(hs, test_key_mismatch);
    tcase_add_loop_test(hs, test_handshake, 0, NITEMS(kinds));
    tcase_add_loop_test(hs, test_failures, 0, NITEMS(fail_cases));
    tcase_add_test(hs, test_resumption);
    suite_add_tcase(s, hs);
    return s;
}

TEST_MAIN(tls_suite)

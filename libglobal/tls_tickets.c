/*
 * tls_tickets - session-ticket keys shared by every process of a server
 * through one key file, so that a session resumes in another process
 * (Postfix hands them out from tlsmgr; we use a file instead).
 *
 *   tls_server_tickets()   use key_file for ctx's tickets; 0, or -1 and
 *                          why when no key could be read or made
 *   tls_tickets_refresh()  before each handshake: reload a changed file,
 *                          rotate one older than rotate_secs
 *   tls_tickets_free()     release; returns NULL
 *
 * The file holds two keys, the current one first and the previous one,
 * each a 16-byte name, a 32-byte AES-256-CBC key and a 32-byte HMAC-SHA256
 * key.  New tickets use the current key; tickets under the previous one
 * still resume (and are renewed), so a rotation every rotate_secs leaves
 * each ticket at least that long to live.  Whoever finds the file missing
 * or too old writes a new one (mode 0600) beside it and renames it into
 * place; two processes racing merely rotate twice.  Failures after the
 * first load are logged and the keys in memory are kept.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "msg.h"
#include "mymalloc.h"
#include "tls.h"
#include "tls_priv.h"

typedef struct TICKET_KEY {
    unsigned char name[16];
    unsigned char aes[32];
    unsigned char hmac[32];
} TICKET_KEY;

struct TLS_TICKETS {
    char *path;        /* the shared key file */
    int rotate_secs;   /* the current key's lifetime */
    TICKET_KEY key[2]; /* current, previous */
    int loaded;        /* key[] holds a file's keys */
    ino_t ino;         /* that file's identity */
    struct timespec mtime;
};

/* tickets_write - a fresh key file with a new key before current */
static int
tickets_write(TLS_TICKETS *t, STRBUF *why)
{
    TICKET_KEY keys[2];
    char tmp[4096];
    int fd, ok;

    if (RAND_bytes((unsigned char *) &keys[0], sizeof(keys[0])) != 1 ||
        (!t->loaded &&
         RAND_bytes((unsigned char *) &keys[1], sizeof(keys[1])) != 1))
        return strbuf_fail(why, 0, "no random bytes for a ticket key");
    if (t->loaded)
        keys[1] = t->key[0];
    if (snprintf(tmp, sizeof(tmp), "%s.%ld", t->path, (long) getpid()) >=
        (int) sizeof(tmp))
        return strbuf_fail(why, ENAMETOOLONG, "%s: name too long", t->path);
    (void) unlink(tmp);
    if ((fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL, 0600)) < 0)
        return strbuf_fail(why, errno, "create %s: %m", tmp);
    ok = write(fd, keys, sizeof(keys)) == (ssize_t) sizeof(keys);
    ok = (close(fd) == 0) && ok && rename(tmp, t->path) == 0;
    if (!ok) {
        strbuf_fail(why, errno, "write %s: %m", t->path);
        (void) unlink(tmp);
    }
    OPENSSL_cleanse(keys, sizeof(keys));
    return ok ? 0 : -1;
}

/* tickets_read - load the key file found as st */
static int
tickets_read(TLS_TICKETS *t, const struct stat *st, STRBUF *why)
{
    TICKET_KEY keys[2];
    int fd, ok;

    if ((fd = open(t->path, O_RDONLY)) < 0)
        return strbuf_fail(why, errno, "open %s: %m", t->path);
    ok = read(fd, keys, sizeof(keys)) == (ssize_t) sizeof(keys);
    (void) close(fd);
    if (!ok)
        return strbuf_fail(why, 0, "%s: not a ticket key file", t->path);
    memcpy(t->key, keys, sizeof(keys));
    OPENSSL_cleanse(keys, sizeof(keys));
    t->loaded = 1;
    t->ino = st->st_ino;
    t->mtime = st->st_mtim;
    return 0;
}

/* tickets_sync - reload or rotate as the file's age and identity say */
static int
tickets_sync(TLS_TICKETS *t, STRBUF *why)
{
    struct stat st;
    int exists = stat(t->path, &st) == 0;

    if (!exists && errno != ENOENT)
        return strbuf_fail(why, errno, "stat %s: %m", t->path);
    if (!exists || st.st_mtime + t->rotate_secs <= time(NULL)) {
        if (exists && (!t->loaded || st.st_ino != t->ino) &&
            tickets_read(t, &st, why) < 0)
            return -1;
        if (tickets_write(t, why) < 0 || stat(t->path, &st) < 0)
            return -1;
        return tickets_read(t, &st, why);
    }
    if (t->loaded && st.st_ino == t->ino &&
        st.st_mtim.tv_sec == t->mtime.tv_sec &&
        st.st_mtim.tv_nsec == t->mtime.tv_nsec)
        return 0;
    return tickets_read(t, &st, why);
}

/* tickets_mac - key the HMAC with one key's secret */
static int
tickets_mac(EVP_MAC_CTX *hctx, TICKET_KEY *key)
{
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_octet_string(OSSL_MAC_PARAM_KEY, key->hmac,
                                          sizeof(key->hmac)),
        OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, "SHA256", 0),
        OSSL_PARAM_construct_end(),
    };
    return EVP_MAC_CTX_set_params(hctx, params);
}

/* tickets_cb - OpenSSL's ticket key callback (see its documentation) */
static int
tickets_cb(SSL *ssl, unsigned char name[16], unsigned char *iv,
           EVP_CIPHER_CTX *cctx, EVP_MAC_CTX *hctx, int enc)
{
    TLS_CTX *ctx = SSL_CTX_get_app_data(SSL_get_SSL_CTX(ssl));
    TLS_TICKETS *t = ctx->tickets;
    const EVP_CIPHER *aes = EVP_aes_256_cbc();

    if (t == NULL || !t->loaded)
        return 0;
    if (enc) {
        memcpy(name, t->key[0].name, 16);
        if (RAND_bytes(iv, EVP_CIPHER_get_iv_length(aes)) != 1 ||
            !EVP_EncryptInit_ex(cctx, aes, NULL, t->key[0].aes, iv) ||
            !tickets_mac(hctx, &t->key[0]))
            return -1;
        return 1;
    }
    for (int i = 0; i < 2; i++) {
        if (memcmp(name, t->key[i].name, 16) != 0)
            continue;
        if (!tickets_mac(hctx, &t->key[i]) ||
            !EVP_DecryptInit_ex(cctx, aes, NULL, t->key[i].aes, iv))
            return -1;
        return i == 0 ? 1 : 2; /* 2: resume, and issue a new ticket */
    }
    return 0; /* unknown key: a full handshake */
}

/* tls_server_tickets - share ticket keys through key_file */
int
tls_server_tickets(TLS_CTX *ctx, const char *key_file, int rotate_secs,
                   STRBUF *why)
{
    TLS_TICKETS *t = mycalloc(1, sizeof(*t));

    if (!ctx->is_server)
        msg_panic("tls_server_tickets: not a server context");
    t->path = mystrdup(key_file);
    t->rotate_secs = rotate_secs > 0 ? rotate_secs : 3600;
    if (tickets_sync(t, why) < 0) {
        tls_tickets_free(t);
        return -1;
    }
    ctx->tickets = tls_tickets_free(ctx->tickets);
    ctx->tickets = t;
    SSL_CTX_set_tlsext_ticket_key_evp_cb(ctx->ssl_ctx, tickets_cb);
    return 0;
}

/* tls_tickets_refresh - reload or rotate before a handshake */
void
tls_tickets_refresh(TLS_CTX *ctx)
{
    STRBUF *why;

    if (ctx->tickets == NULL)
        return;
    why = strbuf_create(100);
    if (tickets_sync(ctx->tickets, why) < 0)
        msg_warn("TLS session tickets: %s", STR(why));
    strbuf_free(why);
}

/* tls_tickets_free - release; returns NULL */
TLS_TICKETS *
tls_tickets_free(TLS_TICKETS *t)
{
    if (t == NULL)
        return NULL;
    OPENSSL_cleanse(t->key, sizeof(t->key));
    myfree(t->path);
    myfree(t);
    return NULL;
}

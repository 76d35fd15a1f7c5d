/*
 * flush - per-site lists of deferred mail, for ETRN (RFC 1985) and
 * `postern queue -s SITE` / `-i ID`, flush(8).
 *
 * Single-server on public/flush, running as mail_owner.  A client sends
 * requests over one connection (docs/ipc.md, "flush"):
 *   add SITE ID    - remember ID in flush/SITE (SITE must be in
 *                    fast_flush_domains: else DENY);
 *   send_site SITE - move every listed message that is in deferred/ back
 *                    to incoming/, empty the list, and wake qmgr (DENY
 *                    when SITE is not in fast_flush_domains);
 *   send_file ID   - the same for one message (NOTFOUND when it is not
 *                    in deferred/);
 *   refresh, purge - remove lists that are empty and older than
 *                    fast_flush_purge_time.
 * A list is queue IDs, one a line, appended under an exclusive flock
 * (several flush processes may run).  Site names are lower-cased and
 * must be a domain or an address literal: FLUSH_MAX_SITE bytes of
 * [a-z0-9.-_:[]], not starting with a dot.  A list is read up to
 * FLUSH_MAX_IDS lines; invalid lines are skipped.  Moving a file to
 * incoming/ loses only its retry time: qmgr takes it at its next
 * incoming scan, which the trigger asks for.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "attr.h"
#include "mail_conf.h"
#include "mail_proto.h"
#include "mail_queue.h"
#include "mail_server.h"
#include "match_list.h"
#include "msg.h"
#include "mymalloc.h"

#define FLUSH_DIR      "flush"
#define FLUSH_MAX_SITE 255    /* bytes of a site name */
#define FLUSH_MAX_IDS  100000 /* lines of a list read */
#define FLUSH_MAX_PURGE 10000 /* lists looked at by one purge */
#define FLUSH_TRIGGER_MS 1000

static MAIL_QUEUE *flush_mq;
static MATCH_LIST *flush_domains;
static ATTR_LIMITS flush_limits;

/* flush_site_ok - lower-case site in place; 0 when it may name a file */
static int
flush_site_ok(STRBUF *site)
{
    size_t i;
    int c;

    if (LEN(site) == 0 || LEN(site) > FLUSH_MAX_SITE || STR(site)[0] == '.')
        return -1;
    for (i = 0; i < LEN(site); i++) {
        c = tolower((unsigned char) STR(site)[i]);
        if (!isalnum(c) && strchr(".-_:[]", c) == NULL)
            return -1;
        STR(site)[i] = (char) c;
    }
    return 0;
}

/* flush_log_path - flush/SITE */
static void
flush_log_path(STRBUF *path, const STRBUF *site)
{
    strbuf_sprintf(path, "%s/%s", FLUSH_DIR, STR(site));
}

/* flush_add - append id to the site's list */
static int
flush_add(const STRBUF *site, const char *id, STRBUF *why)
{
    STRBUF *path = strbuf_create(100);
    int fd, ret = -1;

    flush_log_path(path, site);
    fd = open(STR(path), O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC,
              0600);
    if (fd < 0) {
        strbuf_sprintf(why, "open %s: %s", STR(path), strerror(errno));
    } else {
        strbuf_sprintf(path, "%s\n", id);
        if (flock(fd, LOCK_EX) == 0 &&
            write(fd, STR(path), LEN(path)) == (ssize_t) LEN(path))
            ret = 0;
        else
            strbuf_sprintf(why, "append to the list of %s: %s", STR(site),
                           strerror(errno));
        (void) close(fd);
    }
    strbuf_free(path);
    return ret;
}

/* flush_one - move one deferred message to incoming/; 1 moved, 0 not */
static int
flush_one(const char *id)
{
    STRBUF *why;
    int moved = 0;

    if (!mail_queue_id_ok(id))
        return 0;
    why = strbuf_create(100);
    if (mail_queue_rename(flush_mq, id, MAIL_QUEUE_DEFERRED,
                          MAIL_QUEUE_INCOMING, why) == 0)
        moved = 1;
    else if (errno != ENOENT)
        msg_warn("%s: %s", id, STR(why));
    strbuf_free(why);
    return moved;
}

/* flush_wakeup - ask qmgr to scan incoming/ */
static void
flush_wakeup(void)
{
    char req = TRIGGER_REQ_SCAN;

    if (mail_trigger(NULL, MAIL_CLASS_PUBLIC, MAIL_SERVICE_QMGR, &req, 1,
                     FLUSH_TRIGGER_MS) < 0)
        msg_warn("cannot wake qmgr: %m (it scans on its own timer)");
}

/* flush_list - move every listed message; the list is emptied */
static int
flush_list(int fd, const STRBUF *site)
{
    FILE *fp = fdopen(dup(fd), "r");
    char line[MAIL_QUEUE_ID_MAX + 3];
    size_t n = 0;
    int moved = 0;

    if (fp == NULL)
        return -1;
    while (n++ < FLUSH_MAX_IDS && fgets(line, sizeof(line), fp) != NULL) {
        line[strcspn(line, "\n")] = 0;
        moved += flush_one(line);
    }
    (void) fclose(fp);
    if (ftruncate(fd, 0) < 0)
        msg_warn("truncate the list of %s: %m", STR(site));
    msg_info("site %s: %d queued message%s to deliver", STR(site), moved,
             moved == 1 ? "" : "s");
    return moved;
}

/* flush_send_site - deliver what is listed for site */
static int
flush_send_site(const STRBUF *site, STRBUF *why)
{
    STRBUF *path = strbuf_create(100);
    int fd, moved = 0;

    flush_log_path(path, site);
    fd = open(STR(path), O_RDWR | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0 && errno != ENOENT) {
        strbuf_sprintf(why, "open %s: %s", STR(path), strerror(errno));
        strbuf_free(path);
        return MAIL_STAT_RETRY;
    }
    if (fd >= 0) {
        if (flock(fd, LOCK_EX) == 0)
            moved = flush_list(fd, site);
        (void) close(fd);
    }
    if (moved > 0)
        flush_wakeup();
    strbuf_free(path);
    return MAIL_STAT_OK;
}

/* flush_send_file - deliver one deferred message now */
static int
flush_send_file(const char *id, STRBUF *why)
{
    if (!flush_one(id)) {
        strbuf_sprintf(why, "%s: no such deferred message", id);
        return MAIL_STAT_NOTFOUND;
    }
    flush_wakeup();
    return MAIL_STAT_OK;
}

/* flush_purge - remove empty lists older than fast_flush_purge_time */
static void
flush_purge(void)
{
    DIR *dir = opendir(FLUSH_DIR);
    struct dirent *d;
    struct stat st;
    long max_age = mail_conf_time("fast_flush_purge_time");
    time_t now = time(NULL);
    int n = 0, fd;

    if (dir == NULL)
        return;
    while (n++ < FLUSH_MAX_PURGE && (d = readdir(dir)) != NULL) {
        if (d->d_name[0] == '.')
            continue;
        fd = openat(dirfd(dir), d->d_name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
            continue;
        if (flock(fd, LOCK_EX) == 0 && fstat(fd, &st) == 0 &&
            S_ISREG(st.st_mode) && st.st_size == 0 &&
            now - st.st_mtime > max_age)
            (void) unlinkat(dirfd(dir), d->d_name, 0);
        (void) close(fd);
    }
    (void) closedir(dir);
}

/* flush_eligible - DENY unless site is in fast_flush_domains */
static int
flush_eligible(STRBUF *site, STRBUF *why)
{
    if (flush_site_ok(site) < 0) {
        strbuf_sprintf(why, "bad site name");
        return MAIL_STAT_BAD;
    }
    if (match_list_match(flush_domains, STR(site), NULL) != 1) {
        strbuf_sprintf(why, "%s is not in fast_flush_domains", STR(site));
        return MAIL_STAT_DENY;
    }
    return MAIL_STAT_OK;
}

/* flush_request - one scanned request; a MAIL_STAT_* */
static int
flush_request(const ATTR_LIST *req, STRBUF *why)
{
    const char *name = attr_get_str(req, MAIL_ATTR_REQ);
    STRBUF *skip = strbuf_create(10), *site = strbuf_create(100);
    STRBUF *id = strbuf_create(30);
    int status = MAIL_STAT_BAD;

    if (name == NULL) {
        strbuf_strcpy(why, "no request name");
    } else if (strcmp(name, FLUSH_REQ_ADD) == 0) {
        if (attr_scan(req, ATTR_FLAG_STRICT, why, ATTR_TYPE_STR, MAIL_ATTR_REQ,
                      skip, ATTR_TYPE_STR, FLUSH_ATTR_SITE, site, ATTR_TYPE_STR,
                      FLUSH_ATTR_QUEUE_ID, id, ATTR_TYPE_END) < 0)
            ;
        else if (!mail_queue_id_ok(STR(id)))
            strbuf_strcpy(why, "bad queue ID");
        else if ((status = flush_eligible(site, why)) == MAIL_STAT_OK &&
                 flush_add(site, STR(id), why) < 0)
            status = MAIL_STAT_RETRY;
    } else if (strcmp(name, FLUSH_REQ_SEND_SITE) == 0) {
        if (attr_scan(req, ATTR_FLAG_STRICT, why, ATTR_TYPE_STR, MAIL_ATTR_REQ,
                      skip, ATTR_TYPE_STR, FLUSH_ATTR_SITE, site,
                      ATTR_TYPE_END) >= 0 &&
            (status = flush_eligible(site, why)) == MAIL_STAT_OK)
            status = flush_send_site(site, why);
    } else if (strcmp(name, FLUSH_REQ_SEND_FILE) == 0) {
        if (attr_scan(req, ATTR_FLAG_STRICT, why, ATTR_TYPE_STR, MAIL_ATTR_REQ,
                      skip, ATTR_TYPE_STR, FLUSH_ATTR_QUEUE_ID, id,
                      ATTR_TYPE_END) < 0)
            ;
        else if (!mail_queue_id_ok(STR(id)))
            strbuf_strcpy(why, "bad queue ID");
        else
            status = flush_send_file(STR(id), why);
    } else if (strcmp(name, FLUSH_REQ_REFRESH) == 0 ||
               strcmp(name, FLUSH_REQ_PURGE) == 0) {
        flush_purge();
        status = MAIL_STAT_OK;
    } else {
        strbuf_sprintf(why, "unknown request \"%.100s\"", name);
    }
    strbuf_free(skip);
    strbuf_free(site);
    strbuf_free(id);
    return status;
}

/* flush_service - serve one client's requests until it hangs up */
static void
flush_service(STREAM *client, const char *service, char **argv)
{
    ATTR_LIST *req = attr_list_create();
    STRBUF *why = strbuf_create(100);
    int status, n;

    (void) argv;
    for (n = 0; n < 1000; n++) { /* bounded: a client gets a new process */
        strbuf_reset(why);
        if ((status = attr_read(client, &flush_limits, req, why)) !=
            ATTR_READ_OK) {
            if (status == ATTR_READ_ERROR)
                msg_info("%s: dropping a client: %s", service, STR(why));
            break;
        }
        status = flush_request(req, why);
        if (status == MAIL_STAT_BAD)
            msg_info("%s: bad request: %s", service, STR(why));
        if (mail_reply(client, status, STR(why), NULL) < 0)
            break;
    }
    attr_list_free(req);
    strbuf_free(why);
}

/* flush_post_init - the queue, fast_flush_domains and the flush folder */
static void
flush_post_init(const char *service, char **argv)
{
    char *names = mail_conf_str("hash_queue_names");

    (void) service;
    (void) argv;
    flush_mq =
        mail_queue_create(".", names, (int) mail_conf_long("hash_queue_depth"));
    myfree(names);
    flush_domains = match_list_param("fast_flush_domains", MATCH_DOMAIN);
    attr_limits_init(&flush_limits);
    flush_limits.max_payload = 4096;
    flush_limits.max_count = 4;
    flush_limits.max_value = 1024;
    if (mkdir(FLUSH_DIR, 0700) < 0 && errno != EEXIST)
        msg_fatal("mkdir %s: %m", FLUSH_DIR);
}

int
main(int argc, char **argv)
{
    single_server_main(argc, argv, flush_service, MAIL_SERVER_POST_INIT,
                       flush_post_init, 0);
}

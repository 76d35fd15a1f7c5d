#ifndef TEST_MASTER_FIXTURE_H
#define TEST_MASTER_FIXTURE_H

/*
 * test_master_fixture - a MASTER for unit tests of master's modules.
 *
 * fixture_master() builds one with parameters set by hand (no main.cf):
 * queue and daemon folder "." (tests run in a fresh folder of their own,
 * test_tmpdir.h), with private/ and public/ made, an event loop, not
 * root (so nothing is chowned).  fixture_cf() parses master.cf text or
 * fails the test.  fixture_free() releases it all.  fixture_run() runs
 * the loop until a condition holds or ms milliseconds passed.
 * fixture_script() writes an executable shell script.
 */
#include <check.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "master.h"
#include "mymalloc.h"

/* Not every suite uses every helper. */
#define FIXTURE_FN static __attribute__((unused))

/* fixture_params - parameters for a queue in the current folder */
FIXTURE_FN MASTER_PARAMS *
fixture_params(void)
{
    MASTER_PARAMS *p = mymalloc(sizeof(*p));

    memset(p, 0, sizeof(*p));
    p->queue_dir = mystrdup(".");
    p->daemon_dir = mystrdup(".");
    p->mail_owner = mystrdup("nobody");
    p->setgid_group = mystrdup("nogroup");
    p->owner_uid = (uid_t) -1;
    p->owner_gid = p->setgid_gid = (gid_t) -1;
    p->proc_limit = 100;
    p->throttle_time = 8;
    p->inet_interfaces = mystrdup("127.0.0.1");
    p->inet_protocols = mystrdup("ipv4");
    p->import_env = mystrdup("MAIL_CONFIG TZ");
    p->disable = argv_alloc(1);
    p->batch = argv_alloc(1);
    return p;
}

/* fixture_cf - master.cf text as a list, or fail */
FIXTURE_FN MASTER_CF *
fixture_cf(const char *text)
{
    MASTER_CF *mc = master_cf_create();
    STRBUF *err = strbuf_create(100);

    ck_assert_msg(master_cf_parse(mc, "master.cf", text, strlen(text), err) ==
                      0,
                  "master.cf: %s", STR(err));
    strbuf_free(err);
    return mc;
}

/* fixture_master - a master with no services yet */
FIXTURE_FN MASTER *
fixture_master(const char *cf_text)
{
    MASTER *m = mymalloc(sizeof(*m));

    memset(m, 0, sizeof(*m));
    m->loop = event_loop_create();
    m->config_dir = mystrdup("/etc/postern");
    m->params = fixture_params();
    m->cf = fixture_cf(cf_text ? cf_text : "");
    m->main_cf_text = mystrdup("");
    m->procs = htable_create(16);
    m->pid_fd = -1;
    m->sig_pipe[0] = m->sig_pipe[1] = -1;
    (void) mkdir("private", 0700);
    (void) mkdir("public", 0710);
    return m;
}

/* fixture_free - release a fixture master */
FIXTURE_FN void
fixture_free(MASTER *m)
{
    master_services_free(m);
    m->procs = htable_free(m->procs, myfree);
    m->cf = master_cf_free(m->cf);
    m->params = master_params_free(m->params);
    myfree(m->main_cf_text);
    myfree(m->config_dir);
    if (m->sig_pipe[0] >= 0) {
        event_disable_readwrite(m->loop, m->sig_pipe[0]);
        (void) close(m->sig_pipe[0]);
        (void) close(m->sig_pipe[1]);
    }
    m->loop = event_loop_free(m->loop);
    myfree(m);
}

/* fixture_ms - monotonic milliseconds */
FIXTURE_FN long
fixture_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* fixture_run - run the loop until cond(arg) or ms passed; cond's value */
FIXTURE_FN int
fixture_run(MASTER *m, int (*cond)(void *), void *arg, int ms)
{
    long deadline = fixture_ms() + ms;

    while (!cond(arg) && fixture_ms() < deadline)
        (void) event_loop_run_once(m->loop, 20);
    return cond(arg);
}

/* fixture_script - an executable shell script in the current folder */
FIXTURE_FN void
fixture_script(const char *name, const char *body)
{
    FILE *fp = fopen(name, "w");

    ck_assert_ptr_nonnull(fp);
    fprintf(fp, "#!/bin/sh\n%s\n", body);
    ck_assert_int_eq(fclose(fp), 0);
    ck_assert_int_eq(chmod(name, 0755), 0);
}

#endif

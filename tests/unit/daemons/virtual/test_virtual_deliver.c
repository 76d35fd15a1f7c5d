/* test_virtual_deliver - Check suite for virtual mailbox delivery. */
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dict.h"
#include "test_main.h"
#include "test_msg_src.h"
#include "test_tmpdir.h"
#include "virtual.h"

#define OWNER 65534 /* nobody: a uid the test can become as root */

static const struct {
    const char *name;
    const char *address;
    const char *want_status;
    const char *want_reason; /* a part of it */
    const char *want_file;   /* "" none; ends in / for a Maildir */
} cases[] = {
    {"maildir", "a@x.example", "2.0.0", "delivered to maildir",
     "base/x.example/a/"},
    {"mbox", "b@x.example", "2.0.0", "delivered to mailbox",
     "base/x.example/b"},
    {"extension", "a+tag@x.example", "2.0.0", "maildir", "base/x.example/a/"},
    {"catch-all", "zz@y.example", "2.0.0", "maildir", "base/y.example/all/"},
    {"unknown", "c@x.example", "5.1.1", "unknown user: \"c@x.example\"", ""},
    {"low uid", "low@x.example", "4.3.5", "configuration error", ""},
    {"dot dot", "dots@x.example", "4.3.5", "configuration error", ""},
};

#define MAILBOXES                                                              \
    "inline:{ a@x.example=x.example/a/, b@x.example=x.example/b, "             \
    "@y.example=y.example/all/, low@x.example=x.example/low, "                 \
    "dots@x.example=../etc/x }"
#define UIDS "inline:{ @x.example=65534, @y.example=65534, low@x.example=5 }"

/* open_maps - a MAPS over names; fails the test when it cannot */
static MAPS *
open_maps(const char *title, const char *names)
{
    STRBUF *err = strbuf_create(10);
    MAPS *maps = maps_create(title, names, 0, err);

    ck_assert_msg(maps != NULL, "%s", STR(err));
    strbuf_free(err);
    return maps;
}

/* params_init - tables of the cases, base under the test's folder */
static void
params_init(VIRTUAL_PARAMS *p, STRBUF *base)
{
    memset(p, 0, sizeof(*p));
    p->mailbox_maps = open_maps("virtual_mailbox_maps", MAILBOXES);
    p->uid_maps = open_maps("virtual_uid_maps", UIDS);
    p->gid_maps = open_maps("virtual_gid_maps", "static:65534");
    strbuf_sprintf(base, "%s/base", tmpdir_here);
    p->base = STR(base);
    p->minimum_uid = 100;
    p->mbox.locks = MBOX_LOCK_FCNTL | MBOX_LOCK_DOTLOCK;
    p->hostname = "h";
    p->delimiters = "+";
}

/* params_free - close the tables */
static void
params_free(VIRTUAL_PARAMS *p)
{
    maps_free(p->mailbox_maps);
    maps_free(p->uid_maps);
    maps_free(p->gid_maps);
}

/* owned_dirs - base/x.example and base/y.example, owned by OWNER */
static void
owned_dirs(void)
{
    static const char *const dirs[] = {"base", "base/x.example",
                                       "base/y.example"};
    size_t i;

    /* The owner must be able to get to its folders. */
    ck_assert_int_eq(chmod(tmpdir_root, 0711), 0);
    ck_assert_int_eq(chmod(".", 0711), 0);
    for (i = 0; i < NITEMS(dirs); i++) {
        ck_assert_int_eq(mkdir(dirs[i], 0755), 0);
        ck_assert_int_eq(chown(dirs[i], OWNER, OWNER), 0);
    }
}

START_TEST(test_deliver)
{
    VIRTUAL_PARAMS p;
    STRBUF *base = strbuf_create(10);
    STRBUF *reason = strbuf_create(10);
    MAIL_COPY_SRC src;
    TEST_MSG m;
    struct stat st;
    const char *file = cases[_i].want_file;

    if (geteuid() != 0)
        return;
    owned_dirs();
    params_init(&p, base);
    test_msg_src(&src, &m, "Subject: s\n\nbody\n", "s@z");
    src.delivered = cases[_i].address;
    ck_assert_str_eq(virtual_deliver(&p, &src, cases[_i].address, reason),
                     cases[_i].want_status);
    ck_assert_msg(strstr(STR(reason), cases[_i].want_reason) != NULL,
                  "reason: %s", STR(reason));
    ck_assert_int_eq(geteuid(), 0);
    if (*file) {
        ck_assert_int_eq(lstat(file, &st), 0);
        ck_assert_int_eq(st.st_uid, OWNER);
        ck_assert_int_eq(st.st_gid, OWNER);
        if (file[strlen(file) - 1] != '/')
            ck_assert_int_gt(st.st_size, 0);
    }
    ck_assert_int_eq(access("etc", F_OK), -1);
    params_free(&p);
    strbuf_free(base);
    strbuf_free(reason);
}
END_TEST

START_TEST(test_no_uid_maps)
{
    VIRTUAL_PARAMS p;
    STRBUF *base = strbuf_create(10);
    STRBUF *reason = strbuf_create(10);
    MAIL_COPY_SRC src;
    TEST_MSG m;

    params_init(&p, base);
    p.uid_maps = maps_free(p.uid_maps);
    test_msg_src(&src, &m, "S: s\n\nb\n", "s@z");
    ck_assert_str_eq(virtual_deliver(&p, &src, "a@x.example", reason), "4.3.5");
    params_free(&p);
    strbuf_free(base);
    strbuf_free(reason);
}
END_TEST

/* make_suite - the virtual_deliver tests */
static Suite *
make_suite(void)
{
    Suite *s = suite_create("virtual_deliver");
    TCase *tc = tcase_create("core");

    TMPDIR_FIXTURES(tc);
    tcase_add_loop_test(tc, test_deliver, 0, NITEMS(cases));
    tcase_add_test(tc, test_no_uid_maps);
    suite_add_tcase(s, tc);
    return s;
}

TEST_MAIN(make_suite)

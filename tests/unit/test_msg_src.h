#ifndef TEST_MSG_SRC_H
#define TEST_MSG_SRC_H

/*
 * test_msg_src - a MAIL_COPY_SRC over a text in memory, for the tests of
 * the mailbox code.  The text's lines end with LF; a read after
 * fail_after lines fails (0: never).
 */
#include <string.h>

#include "mail_copy.h"

typedef struct TEST_MSG {
    const char *text;
    const char *pos;
    int lines;
    int fail_after;
} TEST_MSG;

/* test_msg_read - the next line, without its LF */
static int
test_msg_read(void *context, STRBUF *line, STRBUF *why)
{
    TEST_MSG *m = context;
    const char *end;

    if (m->fail_after > 0 && m->lines >= m->fail_after)
        return strbuf_fail(why, 0, "queue file read error");
    if (*m->pos == 0)
        return 0;
    end = strchr(m->pos, '\n');
    if (end == NULL)
        end = m->pos + strlen(m->pos);
    strbuf_memcpy(line, m->pos, (size_t) (end - m->pos));
    m->pos = *end ? end + 1 : end;
    m->lines++;
    return 1;
}

/* test_msg_rewind - back to the start */
static int
test_msg_rewind(void *context, STRBUF *why)
{
    TEST_MSG *m = context;

    (void) why;
    m->pos = m->text;
    m->lines = 0;
    return 0;
}

/* test_msg_src - fill src for m */
static void
test_msg_src(MAIL_COPY_SRC *src, TEST_MSG *m, const char *text,
             const char *sender)
{
    m->text = m->pos = text;
    m->lines = 0;
    m->fail_after = 0;
    memset(src, 0, sizeof(*src));
    src->read = test_msg_read;
    src->rewind = test_msg_rewind;
    src->context = m;
    src->sender = sender;
    src->when = 0;
}

#endif

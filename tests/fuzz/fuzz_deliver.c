/*
 * fuzz_deliver - libFuzzer target for the delivery agent's request
 * reader, deliver_request_read().
 *
 * Each input is what qmgr might write: it goes into one end of a
 * socketpair (then closed for writing) and the agent's side reads
 * requests from the other end until it says the connection is done.
 * The reader runs in an empty queue folder (active/ exists, no files),
 * so a request that scans cleanly ends at the missing queue file; one
 * that got further would be answered RETRY and released.  The reader
 * must end every input with NULL, without a crash, a sanitizer report
 * or a leak.
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "deliver_request.h"
#include "mail_proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char fuzz_dir[] = "/tmp/fuzz-deliver-XXXXXX";

static int fuzz_home = -1; /* libFuzzer's folder: corpus paths are relative */

/* fuzz_leave - remove the queue folder at exit */
static void
fuzz_leave(void)
{
    char active[sizeof(fuzz_dir) + 8];

    snprintf(active, sizeof(active), "%s/active", fuzz_dir);
    (void) rmdir(active);
    (void) rmdir(fuzz_dir);
}

/* fuzz_enter - an empty queue folder, once, made the current one */
static void
fuzz_enter(void)
{
    static int done;

    if (done++ == 0) {
        if ((fuzz_home = open(".", O_RDONLY | O_DIRECTORY)) < 0 ||
            mkdtemp(fuzz_dir) == NULL || chdir(fuzz_dir) < 0 ||
            mkdir("active", 0700) < 0)
            abort();
        atexit(fuzz_leave);
    } else if (chdir(fuzz_dir) < 0) {
        abort();
    }
}

/* LLVMFuzzerTestOneInput - read requests until the reader stops */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    STRBUF *why = strbuf_create(0);
    DELIVER_REQUEST *req;
    STREAM *agent;
    int sv[2], n;

    /* The whole input must fit the socket buffer: no writer runs. */
    if (size > 64 * 1024 || socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0)
        return 0;
    fuzz_enter();
    if (write(sv[0], data, size) != (ssize_t) size)
        abort();
    shutdown(sv[0], SHUT_WR);
    agent = stream_fdopen(sv[1], O_RDWR);
    stream_set_timeout(agent, 1000);
    for (n = 0; n < 100; n++) {
        if ((req = deliver_request_read(agent, why)) == NULL)
            break;
        (void) deliver_request_done(req, MAIL_STAT_RETRY, "fuzz");
    }
    stream_close(agent);
    close(sv[0]);
    strbuf_free(why);
    /* Back to where libFuzzer writes its corpus (relative paths). */
    if (fchdir(fuzz_home) < 0)
        abort();
    return 0;
}

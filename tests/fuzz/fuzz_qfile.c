/*
 * fuzz_qfile - libFuzzer target for the queue-file envelope reader.
 *
 * Each input is read as a whole queue file through a STREAM over a
 * memory file.  The reader must answer QFILE_OK or QFILE_BAD (never an
 * I/O error: the memory file cannot fail), and an accepted envelope must
 * hold at least one recipient, as many as its size record says.
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "qfile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* LLVMFuzzerTestOneInput - read the input as a queue file */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int fd = memfd_create("qfile", MFD_CLOEXEC);
    STRBUF *why = strbuf_create(0);
    QFILE_ENV *env = NULL;
    QFILE_LIMITS lim;
    STREAM *st;
    int ret;

    if (fd < 0 || (size && write(fd, data, size) != (ssize_t) size) ||
        lseek(fd, 0, SEEK_SET) != 0)
        abort();
    qfile_limits_init(&lim);
    lim.max_rcpt = 1000;
    st = stream_fdopen(fd, O_RDONLY);
    ret = qfile_read_envelope(st, &lim, &env, why);
    if (ret == QFILE_IOERR || (ret == QFILE_OK) != (env != NULL))
        abort();
    if (env &&
        (env->rcpt_count == 0 || env->size_rcpt != (long long) env->rcpt_count))
        abort();
    qfile_env_free(env);
    stream_close(st);
    strbuf_free(why);
    return 0;
}

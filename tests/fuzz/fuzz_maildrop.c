/*
 * fuzz_maildrop - libFuzzer target for the maildrop file reader.
 *
 * Each input is read as a whole maildrop file through a STREAM over a
 * memory file, as pickup reads one.  The reader must never report an I/O
 * error (the memory file cannot fail); an accepted file must have a
 * recipient or extract=yes, and its content read back line by line from
 * the content offset must add up to the content size.
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "maildrop.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* content_size - the bytes of the content read back; abort on errors */
static long long
content_size(STREAM *st, const MAILDROP *md, const MAILDROP_LIMITS *lim)
{
    STRBUF *line = strbuf_create(0);
    STRBUF *why = strbuf_create(0);
    long long total = 0;
    int ret;

    if (lseek(stream_fd(st), md->content_offset, SEEK_SET) < 0)
        abort();
    stream_clearerr(st);
    while ((ret = maildrop_get_line(st, lim, line, why)) == 1)
        total += (long long) LEN(line) + 1;
    if (ret != 0)
        abort();
    strbuf_free(line);
    strbuf_free(why);
    return total;
}

/* LLVMFuzzerTestOneInput - read the input as a maildrop file */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int fd = memfd_create("maildrop", MFD_CLOEXEC);
    STRBUF *why = strbuf_create(0);
    MAILDROP *md = NULL;
    MAILDROP_LIMITS lim;
    STREAM *st;
    int ret;

    if (fd < 0 || (size && write(fd, data, size) != (ssize_t) size) ||
        lseek(fd, 0, SEEK_SET) != 0)
        abort();
    maildrop_limits_init(&lim);
    lim.max_rcpt = 1000;
    lim.max_content = 1 << 20;
    st = stream_fdopen(fd, O_RDONLY);
    ret = maildrop_read(st, &lim, NULL, &md, why);
    if (ret == MAILDROP_IOERR || (ret == MAILDROP_OK) != (md != NULL))
        abort();
    if (md && md->rcpt_count == 0 && !md->extract)
        abort();
    if (md && content_size(st, md, &lim) != md->content_size)
        abort();
    maildrop_free(md);
    stream_close(st);
    strbuf_free(why);
    return 0;
}

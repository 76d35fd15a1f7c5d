/*
 * postlogd_write - maillog_file checks, opening, and appending lines.
 *
 * postlogd_line() turns one datagram (any bytes from any local process)
 * into one line: a trailing newline dropped, the text cut to max bytes
 * (marked "..."), control characters and DEL made '?', so that no sender
 * can split a line or forge another, then one newline added.  An empty
 * datagram gives an empty result: nothing to write.  The result string
 * is the caller's.
 *
 * postlogd_path_ok() accepts an absolute path that starts with one of
 * maillog_file_prefixes (a comma or blank separated list, matched as
 * plain text like Postfix) and has no ".." component.
 * postlogd_open() opens the file for appending, creating it mode 0600,
 * never through a symbolic link; "/dev/stdout" is the process's own
 * standard output.  Both return -1 and a reason; postlogd_append()
 * returns -1 with errno set.  Nothing here is fatal.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "postlogd_write.h"

/* postlogd_line - one datagram as one printable, bounded line */
STRBUF *
postlogd_line(STRBUF *out, const char *buf, size_t len, size_t max)
{
    size_t keep;
    unsigned char *cp;

    strbuf_reset(out);
    if (len > 0 && buf[len - 1] == '\n')
        len--;
    if (len == 0)
        return out;
    keep = len > max ? max : len;
    strbuf_memcpy(out, buf, keep);
    if (keep < len && keep >= 3)
        memcpy(STR(out) + keep - 3, "...", 3);
    for (cp = (unsigned char *) STR(out);
         cp < (unsigned char *) STR(out) + keep; cp++)
        if (*cp < 0x20 || *cp == 0x7f)
            *cp = '?';
    strbuf_addch(out, '\n');
    return out;
}

/* has_dotdot - does path have a ".." component */
static int
has_dotdot(const char *path)
{
    const char *cp;

    for (cp = strstr(path, ".."); cp != NULL; cp = strstr(cp + 1, ".."))
        if ((cp == path || cp[-1] == '/') && (cp[2] == 0 || cp[2] == '/'))
            return 1;
    return 0;
}

/* postlogd_path_ok - is path allowed by maillog_file_prefixes */
int
postlogd_path_ok(const char *path, const char *prefixes, STRBUF *why)
{
    const char *cp = prefixes;
    size_t n;

    if (path[0] != '/' || has_dotdot(path)) {
        strbuf_sprintf(why,
                       "maillog_file %s: not an absolute path without "
                       "\"..\"",
                       path);
        return -1;
    }
    while (*(cp += strspn(cp, ", \t\r\n")) != 0) {
        n = strcspn(cp, ", \t\r\n");
        if (strncmp(path, cp, n) == 0)
            return 0;
        cp += n;
    }
    strbuf_sprintf(why, "maillog_file %s: outside maillog_file_prefixes (%s)",
                   path, prefixes);
    return -1;
}

/* postlogd_open - the file for appending, never through a symlink */
int
postlogd_open(const char *path, STRBUF *why)
{
    int fd;

    if (strcmp(path, "/dev/stdout") == 0)
        fd = fcntl(1, F_DUPFD_CLOEXEC, 3);
    else
        fd = open(path,
                  O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC |
                      O_NOCTTY,
                  0600);
    if (fd < 0)
        strbuf_sprintf(why, "open %s: %s", path, strerror(errno));
    return fd;
}

/* postlogd_append - the whole line, in one write when the system allows */
int
postlogd_append(int fd, const STRBUF *line)
{
    const char *cp = STR(line);
    size_t left = LEN(line);
    ssize_t n;

    while (left > 0) {
        if ((n = write(fd, cp, left)) < 0 && errno == EINTR)
            continue;
        if (n == 0)
            errno = EIO;
        if (n <= 0)
            return -1;
        cp += n;
        left -= n;
    }
    return 0;
}

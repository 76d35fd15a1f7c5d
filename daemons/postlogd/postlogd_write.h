#ifndef POSTLOGD_WRITE_H
#define POSTLOGD_WRITE_H

/*
 * postlogd_write - the log file side of postlogd: which maillog_file
 * paths are allowed, opening the file, and turning each datagram into
 * one safe line appended to it.
 */
#include <stddef.h>

#include "strbuf.h"

extern STRBUF *postlogd_line(STRBUF *out, const char *buf, size_t len,
                             size_t max);
extern int postlogd_path_ok(const char *path, const char *prefixes,
                            STRBUF *why);
extern int postlogd_open(const char *path, STRBUF *why);
extern int postlogd_append(int fd, const STRBUF *line);

#endif

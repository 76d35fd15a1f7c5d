#ifndef ATOMIC_FILE_H
#define ATOMIC_FILE_H

/*
 * atomic_file - replace a file all at once: write a temporary file beside
 * it, then rename it over the old one, so that readers see either the old
 * content or the new, never part of it, even after a crash.
 *
 * atomic_file_open() returns a handle the caller owns and releases with
 * atomic_file_free(), which returns NULL.  Failures return NULL or -1 with
 * errno set and a reason in why (may be NULL).  Nothing is fatal but
 * misuse of a handle (commit after commit), which panics.
 */
#include <stddef.h>
#include <sys/types.h>

#include "strbuf.h"

typedef struct ATOMIC_FILE {
    int fd;           /* the temporary file, to write; -1 once done */
    char *final_path; /* the name it takes on commit */
    char *temp_path;  /* its name until then */
} ATOMIC_FILE;

#define ATOMIC_FILE_FD(af) ((af)->fd)

/* Names tried before atomic_file_open() gives up. */
#define ATOMIC_FILE_TRIES 100

extern ATOMIC_FILE *atomic_file_open(const char *final_path, mode_t mode,
                                     STRBUF *why);
extern int atomic_file_write(ATOMIC_FILE *af, const void *buf, size_t len,
                             STRBUF *why);
extern int atomic_file_commit(ATOMIC_FILE *af, STRBUF *why);
extern int atomic_file_abort(ATOMIC_FILE *af);
extern ATOMIC_FILE *atomic_file_free(ATOMIC_FILE *af);

#endif

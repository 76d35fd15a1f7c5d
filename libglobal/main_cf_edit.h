#ifndef MAIN_CF_EDIT_H
#define MAIN_CF_EDIT_H

/*
 * main_cf_edit - change main.cf in place for `postern conf -e` (set
 * "name=value") and `postern conf -X` (remove names), keeping comments,
 * blank lines and the order of everything else.
 *
 * Results go to a STRBUF the caller owns; errors are returned with a
 * message, never fatal.
 */
#include <stddef.h>

#include "argv.h"
#include "strbuf.h"

/* Modes. */
#define MAIN_CF_EDIT_SET    1 /* edits are "name=value" */
#define MAIN_CF_EDIT_REMOVE 2 /* edits are names */

extern int main_cf_edit_text(STRBUF *out, const char *data, size_t len,
                             const ARGV *edits, int mode, STRBUF *err);
extern int main_cf_edit(const char *path, const ARGV *edits, int mode,
                        STRBUF *err);

#endif

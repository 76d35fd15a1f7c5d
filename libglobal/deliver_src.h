#ifndef DELIVER_SRC_H
#define DELIVER_SRC_H

/*
 * deliver_src - glue between a delivery request and the mailbox code:
 * the request's content as a MAIL_COPY_SRC, and one recipient's outcome
 * from a DSN status.  See deliver_src.c.
 */
#include "deliver_request.h"
#include "mail_copy.h"

/* Longest content line handed to the mailbox code. */
#define DELIVER_SRC_LINE_MAX (1024 * 1024)

extern void deliver_src_init(MAIL_COPY_SRC *src, DELIVER_REQUEST *req,
                             size_t idx);
extern int deliver_src_result(DELIVER_REQUEST *req, size_t idx,
                              const char *status, const char *reason,
                              const char *relay);

#endif

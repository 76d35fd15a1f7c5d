#ifndef MAIL_DATE_H
#define MAIL_DATE_H

/*
 * mail_date - the date of a Date: header and the text of a Message-ID:
 * header, from a time the caller gives.  See mail_date.c.
 */
#include <time.h>

#include "strbuf.h"

extern STRBUF *mail_date(STRBUF *out, time_t when);
extern STRBUF *mail_date_message_id(STRBUF *out, time_t when,
                                    const char *queue_id,
                                    const char *myhostname);

#endif

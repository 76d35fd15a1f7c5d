/*
 * delivered_hdr - look for a Delivered-To: header naming an address.
 *
 * delivered_hdr_find(src, address, why) rewinds src and reads the
 * message's header (up to the first empty line, or the end), and returns
 * 1 when a Delivered-To: header (the name in any case) has address as its
 * value, compared without case and with the surrounding blanks ignored;
 * 0 when none has; -1 when the source failed (reason in why).  A
 * delivery agent that finds one has seen this message before for this
 * recipient: a mail forwarding loop (RFC 5321 section 6.3 asks for loop
 * detection; Delivered-To: is how Postfix and qmail do it).  Folded
 * continuation lines of other headers are skipped; a Delivered-To:
 * value is never folded by the programs that add one.
 */
#include <string.h>
#include <strings.h>

#include "delivered_hdr.h"
#include "stringops.h"

#define DELIVERED_NAME "delivered-to:"

/* delivered_match - is line "Delivered-To: address" */
static int
delivered_match(const char *line, size_t len, const char *address)
{
    size_t name_len = sizeof(DELIVERED_NAME) - 1;
    const char *value;
    size_t value_len;

    if (len < name_len || strncasecmp(line, DELIVERED_NAME, name_len) != 0)
        return 0;
    value = trim_blanks_len(line + name_len, len - name_len, &value_len);
    return value_len == strlen(address) &&
           strncasecmp(value, address, value_len) == 0;
}

/* delivered_hdr_find - 1 when the header names address, 0 no, -1 error */
int
delivered_hdr_find(const MAIL_COPY_SRC *src, const char *address, STRBUF *why)
{
    STRBUF *line = strbuf_create(200);
    int got = 0;
    int found = 0;

    if (src->rewind != NULL && src->rewind(src->context, why) < 0) {
        strbuf_free(line);
        return -1;
    }
    while (!found && (got = src->read(src->context, line, why)) > 0 &&
           LEN(line) > 0)
        found = delivered_match(STR(line), LEN(line), address);
    strbuf_free(line);
    return found ? 1 : got < 0 ? -1 : 0;
}

/*
 * fuzz_attr - libFuzzer target for the attribute frame decoder.
 *
 * Each input is decoded as one frame with the default limits.  The format
 * is canonical (one list has exactly one frame), so a frame that decodes
 * must re-encode to the very same bytes, and that encoding must decode
 * again; anything else aborts.  attr_scan() then runs over the list in
 * its lax and strict modes, which must answer without crashing.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "attr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* fuzz_scan - run attr_scan over whatever the list holds */
static void
fuzz_scan(const ATTR_LIST *list, STRBUF *why)
{
    STRBUF *req = strbuf_create(0);
    STRBUF *blob = strbuf_create(0);
    uint32_t status = 0;
    int64_t size = 0;
    int flags;

    strbuf_set_limit(blob, 16);
    for (flags = 0; flags <= (ATTR_FLAG_STRICT | ATTR_FLAG_OPTIONAL); flags++)
        (void) attr_scan(list, flags, why, ATTR_TYPE_STR, "request", req,
                         ATTR_TYPE_INT, "status", &status, ATTR_TYPE_LONG,
                         "size", &size, ATTR_TYPE_DATA, "data", blob,
                         ATTR_TYPE_END);
    strbuf_free(req);
    strbuf_free(blob);
}

/* LLVMFuzzerTestOneInput - decode, and check the round trip */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ATTR_LIMITS lim;
    ATTR_LIST *list = attr_list_create();
    ATTR_LIST *again = attr_list_create();
    STRBUF *frame = strbuf_create(0);
    STRBUF *frame2 = strbuf_create(0);
    STRBUF *why = strbuf_create(0);

    attr_limits_init(&lim);
    if (attr_decode((const char *) data, size, &lim, list, why) == 0) {
        attr_encode(list, frame);
        if (LEN(frame) != size || memcmp(STR(frame), data, size) != 0)
            abort();
        if (attr_decode(STR(frame), LEN(frame), &lim, again, why) != 0)
            abort();
        if (attr_list_count(again) != attr_list_count(list))
            abort();
        attr_encode(again, frame2);
        if (LEN(frame2) != LEN(frame) ||
            memcmp(STR(frame2), STR(frame), LEN(frame)) != 0)
            abort();
        fuzz_scan(list, why);
    } else if (attr_list_count(list) != 0 || LEN(why) == 0) {
        abort();
    }
    attr_list_free(list);
    attr_list_free(again);
    strbuf_free(frame);
    strbuf_free(frame2);
    strbuf_free(why);
    return 0;
}

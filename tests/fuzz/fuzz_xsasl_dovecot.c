/*
 * fuzz_xsasl_dovecot - libFuzzer target for the dovecot auth server's
 * line parser (libglobal/xsasl_dovecot.c).  An accepted line must leave
 * a known type, a NUL-terminated mechanism within XSASL_MECH_MAX and a
 * text no longer than the line.
 */
#include <stdint.h>
#include <string.h>

#include "xsasl_dovecot.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    XSASL_DC_REPLY r;

    r.text = strbuf_create(0);
    if (xsasl_dovecot_parse((const char *) data, size, &r) == 0) {
        if (r.type < XSASL_DC_OTHER || r.type > XSASL_DC_FAIL ||
            strlen(r.mech) > XSASL_MECH_MAX || LEN(r.text) > size)
            __builtin_trap();
    }
    strbuf_free(r.text);
    return 0;
}

/*
 * fuzz_smtpd_addr - libFuzzer target for smtpd's path parser.
 *
 * Each input is parsed as a MAIL FROM path, strict and lax.  An accepted
 * path must leave an address without NUL, CR or LF, no longer than
 * SMTPD_PATH_MAX, and a consumed length within the input.  smtpd_addr.c
 * is compiled in (the fuzz build links only the libraries).
 */
#include <stdint.h>
#include <string.h>

#include "../../daemons/smtpd/smtpd_addr.c"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    STRBUF *addr = strbuf_create(0), *why = strbuf_create(0);
    static const int flags[] = {SMTPD_ADDR_STRICT | SMTPD_ADDR_NULL_OK, 0};
    size_t used, i;

    for (i = 0; i < 2; i++) {
        used = 0;
        if (smtpd_addr_path((const char *) data, size, flags[i], addr, &used,
                            why) == 0) {
            if (used > size || LEN(addr) > SMTPD_PATH_MAX ||
                memchr(STR(addr), 0, LEN(addr)) || strchr(STR(addr), '\n') ||
                strchr(STR(addr), '\r'))
                __builtin_trap();
        }
    }
    strbuf_free(addr);
    strbuf_free(why);
    return 0;
}

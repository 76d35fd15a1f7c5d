/*
 * fuzz_smtpd_cmd - libFuzzer target for smtpd's command-line parsing:
 * the verb split, then for MAIL and RCPT the path and the ESMTP
 * parameters, as smtpd_proto.c does.  Decoded ENVID and ORCPT values
 * must hold no control character and stay within SMTPD_XTEXT_MAX (plus
 * the ORCPT type).  smtpd_addr.c is compiled in.
 */
#include <stdint.h>
#include <string.h>
#include <strings.h>

#include "../../daemons/smtpd/smtpd_addr.c"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* fuzz_clean - no control characters in a decoded value */
static void
fuzz_clean(const STRBUF *sb, size_t max)
{
    size_t i;

    if (LEN(sb) > max)
        __builtin_trap();
    for (i = 0; i < LEN(sb); i++)
        if ((unsigned char) STR(sb)[i] < 32)
            __builtin_trap();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *line = (const char *) data;
    STRBUF *addr = strbuf_create(0), *why = strbuf_create(0);
    SMTPD_MAIL_ARGS m;
    SMTPD_RCPT_ARGS r;
    size_t verb, off, used;

    m.envid = strbuf_create(0);
    m.auth = NULL;
    r.orcpt = strbuf_create(0);
    if (smtpd_addr_verb(line, size, &verb, &off) == 0 && off <= size &&
        size - off >= 5) {
        if (strncasecmp(line, "MAIL", 4) == 0 &&
            smtpd_addr_path(line + off + 5, size - off - 5, SMTPD_ADDR_NULL_OK,
                            addr, &used, why) == 0 &&
            smtpd_addr_mail_args(line + off + 5 + used, size - off - 5 - used,
                                 10240000, &m, why) == 0)
            fuzz_clean(m.envid, SMTPD_XTEXT_MAX);
        if (strncasecmp(line, "RCPT", 4) == 0 &&
            smtpd_addr_path(line + off + 3, size - off - 3, 0, addr, &used,
                            why) == 0 &&
            smtpd_addr_rcpt_args(line + off + 3 + used, size - off - 3 - used,
                                 &r, why) == 0)
            fuzz_clean(r.orcpt, SMTPD_XTEXT_MAX + 33);
    }
    strbuf_free(m.envid);
    strbuf_free(r.orcpt);
    strbuf_free(addr);
    strbuf_free(why);
    return 0;
}

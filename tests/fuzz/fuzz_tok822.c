/*
 * fuzz_tok822 - libFuzzer target for the header address parser.
 *
 * Each input is parsed as header text with the default limits.  Every
 * address found must hold no NUL, CR or LF and lie within the input.
 * Each is then quoted to external form: unquoting that must give the
 * address back, and when its domain is a plain dot-atom or a simple
 * [literal] (the domain is not quoted, so other domains need not
 * survive), parsing "<external>" must yield exactly that one address.
 * rewrite_addr() runs over each address too, which must not crash.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rewrite_addr.h"
#include "tok822.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* fuzz_plain_domain - the domain survives quoting and parsing */
static int
fuzz_plain_domain(const char *addr)
{
    const char *at = strrchr(addr, '@');
    const unsigned char *cp;

    if (at == NULL)
        return 1;
    cp = (const unsigned char *) at + 1;
    if (*cp == '[') {
        for (cp++; *cp && *cp != ']'; cp++)
            if (*cp <= ' ' || *cp == 0x7f || strchr("[\\", *cp))
                return 0;
        return cp[0] == ']' && cp[1] == 0;
    }
    for (; *cp; cp++)
        if (*cp <= ' ' || *cp == 0x7f || strchr("()<>@,;:\\\"[]", *cp))
            return 0;
    return 1;
}

/* fuzz_round_trip - quote, unquote and re-parse one address */
static void
fuzz_round_trip(const char *addr, STRBUF *ext, STRBUF *tmp, STRBUF *why)
{
    TOK822_LIST *again = tok822_list_create();

    quote_822_local(ext, addr);
    unquote_822_local(tmp, STR(ext), LEN(ext));
    if (strcmp(STR(tmp), addr) != 0)
        abort();
    if (fuzz_plain_domain(addr)) {
        strbuf_sprintf(tmp, "<%s>", STR(ext));
        if (tok822_parse(STR(tmp), LEN(tmp), NULL, again, why) != 0 ||
            again->count != 1 || strcmp(again->addrs[0].addr, addr) != 0)
            abort();
    }
    tok822_list_free(again);
}

/* LLVMFuzzerTestOneInput - parse, and check every address */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const REWRITE_PARAMS params = {
        1, 1, 1, 1, "o.example", "d.example", "r.example"};
    TOK822_LIST *list = tok822_list_create();
    STRBUF *ext = strbuf_create(0);
    STRBUF *tmp = strbuf_create(0);
    STRBUF *why = strbuf_create(0);
    size_t i;

    if (tok822_parse((const char *) data, size, NULL, list, why) == 0) {
        for (i = 0; i < list->count; i++) {
            const TOK822_ADDR *ap = list->addrs + i;

            if (strpbrk(ap->addr, "\r\n") != NULL || ap->off > size ||
                ap->len > size - ap->off)
                abort();
            fuzz_round_trip(ap->addr, ext, tmp, why);
            rewrite_addr(&params, REWRITE_LOCAL, ap->addr, tmp);
            rewrite_addr(&params, REWRITE_REMOTE, ap->addr, tmp);
        }
    } else if (list->count != 0 || LEN(why) == 0) {
        abort();
    }
    tok822_list_free(list);
    strbuf_free(ext);
    strbuf_free(tmp);
    strbuf_free(why);
    return 0;
}

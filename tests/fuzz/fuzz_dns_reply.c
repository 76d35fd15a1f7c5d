/*
 * fuzz_dns_reply - libFuzzer target for the DNS reply parsers.
 *
 * Each input is parsed as an MX reply and as A and AAAA replies.  A
 * result of DNS_OK must come with at least one record and every MX host
 * must be a NUL-terminated string; anything else aborts.
 */
#include <netinet/in.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "dns_lookup.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* LLVMFuzzerTestOneInput - parse the input every way */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    STRBUF *why = strbuf_create(0);
    ARGV *addrs = argv_alloc(2);
    DNS_MX *mx;
    size_t n, i;

    if (dns_parse_mx(data, size, &mx, &n, why) == DNS_OK) {
        if (n == 0 || n > DNS_MAX_RR)
            abort();
        for (i = 0; i < n; i++)
            if (strlen(mx[i].host) >= 1025)
                abort();
        dns_mx_free(mx, n);
    } else if (mx != NULL || n != 0) {
        abort();
    }
    if (dns_parse_addr(data, size, AF_INET, addrs, why) == DNS_OK &&
        addrs->argc == 0)
        abort();
    (void) dns_parse_addr(data, size, AF_INET6, addrs, why);
    argv_free(addrs);
    strbuf_free(why);
    return 0;
}

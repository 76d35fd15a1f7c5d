/*
 * fuzz_bounce_log - libFuzzer target for the delivery log parser.
 *
 * Each input is parsed as the text of a bounce, defer or trace log.
 * Whatever it holds, the parser must return a log whose entries all
 * carry the required fields, valid by the format's rules, with one entry
 * per recipient; and a log that stopped early must say where.  Anything
 * else aborts.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bounce_log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* check_entry - the invariants of one parsed entry */
static void
check_entry(const BOUNCE_LOG *log, size_t i)
{
    const BOUNCE_LOG_ENTRY *e = log->entry + i;

    if (!e->recipient || !e->status || !e->action || !e->reason)
        abort();
    if (strlen(e->reason) > BOUNCE_LOG_MAX_VALUE || e->time < 0)
        abort();
    if (e->status[0] != '2' && e->status[0] != '4' && e->status[0] != '5')
        abort();
    if (bounce_log_find(log, e->recipient) != e)
        abort();
}

/* LLVMFuzzerTestOneInput - parse, and check what came out */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    STRBUF *why = strbuf_create(0);
    BOUNCE_LOG *log;
    size_t i;

    log = bounce_log_parse((const char *) data, size, "fuzz", why);
    if (log == NULL || log->count > BOUNCE_LOG_MAX_ENTRIES)
        abort();
    for (i = 0; i < log->count; i++)
        check_entry(log, i);
    if (LEN(why) > 0 && strncmp(STR(why), "fuzz: line ", 11) != 0)
        abort();
    bounce_log_free(log);
    strbuf_free(why);
    return 0;
}

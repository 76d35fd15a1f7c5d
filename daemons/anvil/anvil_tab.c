/*
 * anvil_tab - the counters behind anvil(8), one entry per ident.
 *
 * An ident names a client of one service ("smtp:192.0.2.1").  Its entry
 * holds the open connection count and five rates: connections, messages,
 * recipients, new TLS sessions and AUTH commands, each counted within a
 * window of time_unit seconds.  The window starts at an entry's first
 * event and restarts (rates back to 0) at the first event or lookup after
 * it expired, so a rate is "events since the window began", as Postfix's
 * anvil counts.  An entry whose count is 0 and whose window has expired
 * holds nothing worth keeping: anvil_tab_cleanup() removes such entries
 * (anvil runs it from a timer).  Values saturate instead of wrapping.
 *
 * The table holds at most max_idents entries.  An update for a new ident
 * when it is full first purges expired entries (at most once a second, as
 * that walks the table) and, when still full, is refused: -1, with one
 * warning per report period.
 *
 * The table remembers the peak of each value (with its ident and time)
 * and of the table size.  anvil_tab_report() writes them as "statistics:"
 * lines, in the shape of Postfix's anvil log lines, and starts new peaks,
 * so each report covers the time since the previous one.
 *
 * anvil_tab_create() returns a table the caller owns; anvil_tab_free()
 * releases it and returns NULL.  Nothing here fails but a bad argument
 * (our own bug), which panics.
 */
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "anvil_tab.h"
#include "htable.h"
#include "msg.h"
#include "mymalloc.h"
#include "stringops.h"

/* Counters of one ident. */
typedef struct ANVIL_ENTRY {
    unsigned value[ANVIL_NVALUES];
    time_t start; /* when the current rate window began */
} ANVIL_ENTRY;

/* The highest value seen since the last report. */
typedef struct ANVIL_PEAK {
    unsigned value;
    char *ident; /* whose; NULL for the table size */
    time_t when;
} ANVIL_PEAK;

struct ANVIL_TAB {
    HTABLE *entries;      /* ident -> ANVIL_ENTRY */
    long time_unit;       /* seconds in a rate window */
    size_t max_idents;    /* bound on entries */
    ANVIL_CLOCK_FN clock; /* time source */
    ANVIL_PEAK peak[ANVIL_NVALUES];
    ANVIL_PEAK peak_size;  /* most entries at once */
    unsigned long refused; /* updates refused since the last report */
    time_t last_purge;     /* when a full table was last purged */
};

/* The report's words for each value; the count is not a rate. */
static const char *const value_names[ANVIL_NVALUES] = {
    "connection count", "connection rate", "message rate",
    "recipient rate",   "newtls rate",     "auth rate",
};

/* clock_time - the time source's seconds */
static time_t
clock_time(void)
{
    return time((time_t *) 0);
}

/* anvil_tab_create - an empty table */
ANVIL_TAB *
anvil_tab_create(long time_unit, size_t max_idents, ANVIL_CLOCK_FN clock)
{
    ANVIL_TAB *tab;

    if (time_unit <= 0 || max_idents == 0)
        msg_panic("anvil_tab_create: bad time unit %ld or bound %zu", time_unit,
                  max_idents);
    tab = mycalloc(1, sizeof(*tab));
    tab->entries = htable_create(100);
    tab->time_unit = time_unit;
    tab->max_idents = max_idents;
    tab->clock = clock ? clock : clock_time;
    tab->last_purge = -1;
    return tab;
}

/* peak_reset - forget a peak */
static void
peak_reset(ANVIL_PEAK *peak)
{
    if (peak->ident != NULL)
        myfree(peak->ident);
    memset(peak, 0, sizeof(*peak));
}

/* anvil_tab_free - release the table; returns NULL */
ANVIL_TAB *
anvil_tab_free(ANVIL_TAB *tab)
{
    int i;

    htable_free(tab->entries, myfree);
    for (i = 0; i < ANVIL_NVALUES; i++)
        peak_reset(&tab->peak[i]);
    myfree(tab);
    return NULL;
}

/* window_expired - whether an entry's rate window is over */
static int
window_expired(const ANVIL_TAB *tab, const ANVIL_ENTRY *ent, time_t now)
{
    /* A clock that went back ends the window too, rather than stretch it. */
    return now < ent->start || now - ent->start >= tab->time_unit;
}

/* window_refresh - restart an expired window, rates back to 0 */
static void
window_refresh(const ANVIL_TAB *tab, ANVIL_ENTRY *ent, time_t now)
{
    int i;

    if (!window_expired(tab, ent, now))
        return;
    for (i = ANVIL_RATE; i < ANVIL_NVALUES; i++)
        ent->value[i] = 0;
    ent->start = now;
}

/* peak_update - remember value when it is a new peak */
static void
peak_update(ANVIL_PEAK *peak, unsigned value, const char *ident, time_t now)
{
    if (value <= peak->value)
        return;
    peak->value = value;
    peak->when = now;
    if (ident != NULL && (peak->ident == NULL || strcmp(peak->ident, ident))) {
        if (peak->ident != NULL)
            myfree(peak->ident);
        peak->ident = mystrdup(ident);
    }
}

/* table_full - whether a new entry must be refused, purging once a second */
static int
table_full(ANVIL_TAB *tab, time_t now)
{
    if (tab->entries->used < tab->max_idents)
        return 0;
    if (now != tab->last_purge) {
        tab->last_purge = now;
        anvil_tab_cleanup(tab);
        if (tab->entries->used < tab->max_idents)
            return 0;
    }
    if (tab->refused++ == 0)
        msg_warn("anvil: table full at %zu idents: refusing new clients "
                 "until entries expire",
                 tab->max_idents);
    return 1;
}

/* entry_get - ident's entry, made when absent; NULL when the table is full */
static ANVIL_ENTRY *
entry_get(ANVIL_TAB *tab, const char *ident, time_t now)
{
    ANVIL_ENTRY *ent = htable_find(tab->entries, ident);

    if (ent != NULL) {
        window_refresh(tab, ent, now);
        return ent;
    }
    if (table_full(tab, now))
        return NULL;
    ent = mycalloc(1, sizeof(*ent));
    ent->start = now;
    htable_enter(tab->entries, ident, ent);
    peak_update(&tab->peak_size, (unsigned) tab->entries->used, NULL, now);
    return ent;
}

/* entry_incr - add one to a value, saturating, and track its peak */
static unsigned
entry_incr(ANVIL_TAB *tab, ANVIL_ENTRY *ent, int which, const char *ident,
           time_t now)
{
    if (ent->value[which] < UINT_MAX)
        ent->value[which]++;
    peak_update(&tab->peak[which], ent->value[which], ident, now);
    return ent->value[which];
}

/* anvil_tab_connect - a client connected: count and rate */
int
anvil_tab_connect(ANVIL_TAB *tab, const char *ident, unsigned *count,
                  unsigned *rate)
{
    time_t now = tab->clock();
    ANVIL_ENTRY *ent = entry_get(tab, ident, now);

    if (ent == NULL)
        return -1;
    *count = entry_incr(tab, ent, ANVIL_COUNT, ident, now);
    *rate = entry_incr(tab, ent, ANVIL_RATE, ident, now);
    return 0;
}

/* anvil_tab_disconnect - a client went; an unknown ident is no error */
int
anvil_tab_disconnect(ANVIL_TAB *tab, const char *ident)
{
    ANVIL_ENTRY *ent = htable_find(tab->entries, ident);

    if (ent != NULL && ent->value[ANVIL_COUNT] > 0)
        ent->value[ANVIL_COUNT]--;
    return 0;
}

/* anvil_tab_incr - count a message, recipient, TLS session or AUTH */
int
anvil_tab_incr(ANVIL_TAB *tab, const char *ident, int which, unsigned *rate)
{
    time_t now;
    ANVIL_ENTRY *ent;

    if (which <= ANVIL_RATE || which >= ANVIL_NVALUES)
        msg_panic("anvil_tab_incr: bad value index %d", which);
    now = tab->clock();
    if ((ent = entry_get(tab, ident, now)) == NULL)
        return -1;
    *rate = entry_incr(tab, ent, which, ident, now);
    return 0;
}

/* anvil_tab_lookup - all values of ident; zeros when unknown */
void
anvil_tab_lookup(ANVIL_TAB *tab, const char *ident,
                 unsigned values[ANVIL_NVALUES])
{
    ANVIL_ENTRY *ent = htable_find(tab->entries, ident);

    if (ent == NULL) {
        memset(values, 0, ANVIL_NVALUES * sizeof(values[0]));
        return;
    }
    window_refresh(tab, ent, tab->clock());
    memcpy(values, ent->value, ANVIL_NVALUES * sizeof(values[0]));
}

/* anvil_tab_cleanup - remove idle, expired entries; returns how many */
size_t
anvil_tab_cleanup(ANVIL_TAB *tab)
{
    HTABLE_INFO **list = htable_list(tab->entries);
    time_t now = tab->clock();
    size_t removed = 0;
    HTABLE_INFO **ht;
    ANVIL_ENTRY *ent;

    for (ht = list; *ht != NULL; ht++) {
        ent = (*ht)->value;
        if (ent->value[ANVIL_COUNT] == 0 && window_expired(tab, ent, now)) {
            htable_delete(tab->entries, (*ht)->key, myfree);
            removed++;
        }
    }
    myfree(list);
    if (msg_verbose && removed > 0)
        msg_info("anvil_tab_cleanup: removed %zu, kept %zu", removed,
                 tab->entries->used);
    return removed;
}

/* anvil_tab_size - entries in the table */
size_t
anvil_tab_size(const ANVIL_TAB *tab)
{
    return tab->entries->used;
}

/* format_when - "Nov 22 10:00:01", local time */
static const char *
format_when(char *buf, size_t len, time_t when)
{
    struct tm tm;

    if (localtime_r(&when, &tm) == NULL ||
        strftime(buf, len, "%b %d %H:%M:%S", &tm) == 0)
        snprintf(buf, len, "%ld", (long) when);
    return buf;
}

/* report_peak - one "statistics:" line for a value's peak */
static void
report_peak(const ANVIL_TAB *tab, STRBUF *out, int which, STRBUF *safe)
{
    const ANVIL_PEAK *peak = &tab->peak[which];
    char when[64];

    strbuf_sprintf_cat(out, "statistics: max %s %u", value_names[which],
                       peak->value);
    if (which != ANVIL_COUNT)
        strbuf_sprintf_cat(out, "/%lds", tab->time_unit);
    printable(safe, peak->ident, strlen(peak->ident), 100, '?');
    strbuf_sprintf_cat(out, " for (%s) at %s\n", STR(safe),
                       format_when(when, sizeof(when), peak->when));
}

/* anvil_tab_report - peak lines since the last report; starts new peaks */
STRBUF *
anvil_tab_report(ANVIL_TAB *tab, STRBUF *out)
{
    static const int order[] = {ANVIL_RATE, ANVIL_COUNT, ANVIL_MAIL,
                                ANVIL_RCPT, ANVIL_NTLS,  ANVIL_AUTH};
    STRBUF *safe = strbuf_create(100);
    char when[64];
    size_t i;

    strbuf_reset(out);
    for (i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
        if (tab->peak[order[i]].value > 0)
            report_peak(tab, out, order[i], safe);
        peak_reset(&tab->peak[order[i]]);
    }
    if (tab->peak_size.value > 0)
        strbuf_sprintf_cat(
            out, "statistics: max cache size %u at %s\n", tab->peak_size.value,
            format_when(when, sizeof(when), tab->peak_size.when));
    if (tab->refused > 0)
        strbuf_sprintf_cat(out,
                           "statistics: %lu updates refused: table full at "
                           "%zu idents\n",
                           tab->refused, tab->max_idents);
    /* The next period's size peak starts from what is there now. */
    peak_reset(&tab->peak_size);
    peak_update(&tab->peak_size, (unsigned) tab->entries->used, NULL,
                tab->clock());
    tab->refused = 0;
    strbuf_free(safe);
    return out;
}

/* anvil_tab_log_status - log the peak report, one line each */
void
anvil_tab_log_status(ANVIL_TAB *tab)
{
    STRBUF *report = anvil_tab_report(tab, strbuf_create(200));
    char *cp = STR(report);
    char *line;

    while ((line = mystrtok(&cp, "\n")) != NULL)
        msg_info("%s", line);
    strbuf_free(report);
}

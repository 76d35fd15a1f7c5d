/*
 * mail_date - the date of a Date: header and the text of a Message-ID:
 * header, as cleanup adds them to a message that has none.
 *
 * mail_date() writes when in the local time zone in the form of RFC 5322
 * section 3.3, "Sun, 22 Nov 2026 18:30:00 +0000 (UTC)": English day and
 * month names whatever the locale, the numeric offset of the zone (which
 * the RFC requires) and the zone's abbreviation as a comment when it is a
 * plain word.  mail_date_message_id() writes
 * "<YYYYMMDDHHMMSS.QUEUEID@myhostname>" with the time in UTC, unique
 * because the queue ID is unique on the host (RFC 5322 section 3.6.4).
 *
 * Both replace the content of a result STRBUF the caller owns and return
 * it.  The time is a parameter, so tests fix it; the zone is the
 * process's (TZ).  Nothing here fails: a time the C library cannot
 * convert is written as the epoch.
 */
#include <ctype.h>
#include <string.h>

#include "mail_date.h"

/* Longest zone abbreviation kept as a comment. */
#define MAIL_DATE_ZONE_MAX 10

/* Widest offset: two digits of hours. */
#define MAIL_DATE_OFFSET_MAX (99 * 60 + 59)

static const char mail_date_days[7][4] = {"Sun", "Mon", "Tue", "Wed",
                                          "Thu", "Fri", "Sat"};
static const char mail_date_months[12][4] = {"Jan", "Feb", "Mar", "Apr",
                                             "May", "Jun", "Jul", "Aug",
                                             "Sep", "Oct", "Nov", "Dec"};

/* mail_date_tm - broken-down time, local or UTC; the epoch if out of range */
static void
mail_date_tm(time_t when, int local, struct tm *tm)
{
    time_t zero = 0;

    if ((local ? localtime_r(&when, tm) : gmtime_r(&when, tm)) != NULL)
        return;
    (void) gmtime_r(&zero, tm);
}

/* mail_date_zone_ok - is the abbreviation a plain word for a comment? */
static int
mail_date_zone_ok(const char *zone)
{
    size_t i;

    if (zone == NULL || *zone == 0 || strlen(zone) > MAIL_DATE_ZONE_MAX)
        return 0;
    for (i = 0; zone[i]; i++)
        if (!isalnum((unsigned char) zone[i]) && zone[i] != '+' &&
            zone[i] != '-')
            return 0;
    return 1;
}

/* mail_date - RFC 5322 section 3.3 date-time in the local zone */
STRBUF *
mail_date(STRBUF *out, time_t when)
{
    struct tm tm;
    long offset;
    int sign = '+';

    mail_date_tm(when, 1, &tm);
    /* Whole minutes; RFC 5322 3.3 has no seconds in the zone. */
    offset = tm.tm_gmtoff / 60;
    if (offset < 0) {
        sign = '-';
        offset = -offset;
    }
    if (offset > MAIL_DATE_OFFSET_MAX)
        offset = MAIL_DATE_OFFSET_MAX;
    strbuf_sprintf(out, "%s, %d %s %04d %02d:%02d:%02d %c%02ld%02ld",
                   mail_date_days[tm.tm_wday % 7], tm.tm_mday,
                   mail_date_months[tm.tm_mon % 12], tm.tm_year + 1900,
                   tm.tm_hour, tm.tm_min, tm.tm_sec, sign, offset / 60,
                   offset % 60);
    if (mail_date_zone_ok(tm.tm_zone))
        strbuf_sprintf_cat(out, " (%s)", tm.tm_zone);
    return out;
}

/* mail_date_message_id - "<YYYYMMDDHHMMSS.QUEUEID@myhostname>" */
STRBUF *
mail_date_message_id(STRBUF *out, time_t when, const char *queue_id,
                     const char *myhostname)
{
    struct tm tm;

    mail_date_tm(when, 0, &tm);
    strbuf_sprintf(out, "<%04d%02d%02d%02d%02d%02d.%s@%s>", tm.tm_year + 1900,
                   tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                   queue_id, myhostname);
    return out;
}

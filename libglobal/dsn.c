/*
 * dsn - check RFC 3463 enhanced status codes.  See dsn.h.
 *
 * RFC 3463 section 3.1: status-code = class "." subject "." detail, class
 * one of 2, 4, 5, subject and detail 1 to 3 digits each.  Nothing here
 * allocates or fails.
 */
#include <stddef.h>

#include "dsn.h"

/* dsn_digits - length of the run of 1-3 digits at s, or 0 */
static size_t
dsn_digits(const char *s)
{
    size_t n = 0;

    while (n < 4 && s[n] >= '0' && s[n] <= '9')
        n++;
    return n >= 1 && n <= 3 ? n : 0;
}

/* dsn_status_ok - "X.Y.Z" with X in 2,4,5, Y 1-3 digits, Z 1-3 digits */
int
dsn_status_ok(const char *status)
{
    size_t n;

    if (status == NULL ||
        (status[0] != '2' && status[0] != '4' && status[0] != '5') ||
        status[1] != '.')
        return 0;
    status += 2;
    if ((n = dsn_digits(status)) == 0 || status[n] != '.')
        return 0;
    status += n + 1;
    if ((n = dsn_digits(status)) == 0 || status[n] != 0)
        return 0;
    return 1;
}

/* dsn_class - the status's first digit (2, 4 or 5), 0 when malformed */
int
dsn_class(const char *status)
{
    return dsn_status_ok(status) ? status[0] - '0' : 0;
}

/*
 * clock_ms - monotonic milliseconds.  See clock_ms.h.
 */
#include <time.h>

#include "clock_ms.h"
#include "msg.h"

/* clock_ms - milliseconds on CLOCK_MONOTONIC */
int64_t
clock_ms(void)
{
    struct timespec ts;

    if (clock_gettime(CLOCK_MONOTONIC, &ts) < 0)
        msg_fatal("clock_gettime(CLOCK_MONOTONIC): %m");
    return (int64_t) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

#ifndef CLOCK_MS_H
#define CLOCK_MS_H

/*
 * clock_ms - milliseconds on CLOCK_MONOTONIC, for deadlines, timers and
 * rate limits: a clock that never goes back when the time of day is set.
 * A failure of clock_gettime() (never seen on Linux) is fatal.
 */
#include <stdint.h>

extern int64_t clock_ms(void);

#endif

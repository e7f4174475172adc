/* newlib 3.3's <sys/features.h>, plus the POSIX options Capsule provides
 * that newlib only announces for some systems: clocks and timers
 * (clock_gettime, clock_getres, nanosleep), the monotonic clock, the
 * process CPU-time clock and clock selection (clock_nanosleep).  With them
 * <time.h> declares these calls and CLOCK_MONOTONIC / CLOCK_PROCESS_CPUTIME_ID,
 * as programs written for Linux expect.  (timer_create and friends are
 * declared too but not provided: a program that calls them does not link.) */
#ifndef CAPSULE_SYS_FEATURES_H
#define CAPSULE_SYS_FEATURES_H

#include_next <sys/features.h>

#ifndef _POSIX_TIMERS
#define _POSIX_TIMERS               200112L
#endif
#ifndef _POSIX_MONOTONIC_CLOCK
#define _POSIX_MONOTONIC_CLOCK      200112L
#endif
#ifndef _POSIX_CPUTIME
#define _POSIX_CPUTIME              200112L
#endif
#ifndef _POSIX_THREAD_CPUTIME
#define _POSIX_THREAD_CPUTIME       200112L
#endif
#ifndef _POSIX_CLOCK_SELECTION
#define _POSIX_CLOCK_SELECTION      200112L
#endif

#endif

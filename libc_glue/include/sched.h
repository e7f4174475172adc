/* newlib 3.3's <sched.h>, plus sched_yield, which newlib declares only for
 * systems that announce threads or priority scheduling: Capsule's
 * processes yield to each other with it, as on Linux. */
#ifndef CAPSULE_SCHED_H
#define CAPSULE_SCHED_H

#include_next <sched.h>

#if !defined(_POSIX_THREADS) && !defined(_POSIX_PRIORITY_SCHEDULING)
int sched_yield(void);
#endif

#endif

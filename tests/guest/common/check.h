/* What the process guest suites (cowtest, cow_fork, proc_usertests) share:
 * a failure count with CHECK, which prints the line of each failed check,
 * and the free-frame count with every cache given back, for baselines (a
 * system call in priv=user: capsule/sysinfo.h). */
#ifndef GUEST_COMMON_CHECK_H
#define GUEST_COMMON_CHECK_H

#include <stdio.h>

#include <capsule/sysinfo.h>

static int failures;
#define CHECK(c) do { if (!(c)) { failures++; printf("FAIL %d: %s\n", __LINE__, #c); } } while (0)

static inline unsigned long free_frames(void)
{
    return capsule_free_frames();
}

#endif

/* Measuring an app from inside: retired instructions around a region and
 * the peak resident memory.
 *
 * Under QEMU an instruction count means something only when QEMU runs with
 * -icount shift=0 (scons app=X run icount=1): then rdinstret counts every
 * retired instruction exactly and the same in every run.  Without -icount,
 * QEMU 7.2 answers rdinstret with the host CPU's cycle counter: a figure
 * read from it is no instruction count and changes from run to run; time
 * such runs instead (clock_gettime, docs/time.md).  capsule_icount() says which
 * case the run is in.
 *
 *     #include <capsule/measure.h>
 *
 *     uint64_t start = capsule_instret();
 *     work();
 *     uint64_t n = capsule_instret() - start;    // exact under icount=1
 *     printf("work: %llu instructions%s, peak memory %ld KiB\n",
 *            (unsigned long long)n, capsule_icount() ? "" : " (not exact: run with icount=1)",
 *            capsule_peak_rss_kib());
 *
 * The count includes the two reads' own few instructions (measure an empty
 * region once and subtract it for the tightest figures), and everything the
 * libOS does for the region: page faults, system calls, timer interrupts.
 * A trapping instruction does not retire; the trap handler's do.
 * With icount=1 the run also prints "capsule: app M instructions" (from
 * just before the app's address space is built) and "capsule: N
 * instructions" (the whole run, OpenSBI's boot included) at its end. */
#ifndef CAPSULE_MEASURE_H
#define CAPSULE_MEASURE_H

#include <stdint.h>
#include <sys/resource.h>

/* Instructions retired by this hart since it started (rdinstret). */
static inline uint64_t capsule_instret(void)
{
    uint64_t v;
    __asm__ volatile("rdinstret %0" : "=r"(v) :: "memory");
    return v;
}

/* 1 when the run is under QEMU's -icount shift=0 (the runner said so on the
 * boot line: scons run icount=1, or a guest test case with icount), so
 * capsule_instret() differences are exact instruction counts; else 0. */
int capsule_icount(void);

/* The peak of the memory the app has had resident, in KiB: pages it touched
 * in its heap, stacks and mappings and its data (not its read-only image,
 * nor the shared zero page).  The same figure as getrusage's ru_maxrss. */
static inline long capsule_peak_rss_kib(void)
{
    struct rusage ru;
    return getrusage(RUSAGE_SELF, &ru) == 0 ? ru.ru_maxrss : -1;
}

/* Bring the peak capsule_peak_rss_kib() reports down to what is resident
 * now: the peak read afterwards is that of the region that follows (the
 * counterpart of Linux's "echo 5 > /proc/self/clear_refs"). */
void capsule_peak_rss_reset(void);

#endif

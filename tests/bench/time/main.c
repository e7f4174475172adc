/* Time benchmarks, run under qemu -icount shift=0 by `scons bench`: the cost
 * of clock_gettime (no trap: one rdtime, a multiply, the checked store) and
 * of a timer interrupt round trip (program a deadline that is already due
 * through libarch's timer, take the interrupt, run the event, return),
 * beside an ordinary function call through the same checked store
 * (getrusage) and the timer programming alone (a deadline far away, then
 * cancelled).  Prints "BENCH <key> <instructions>" lines. */
#include <stdio.h>
#include <sys/resource.h>
#include <time.h>

#include <arch/csr.h>
#include <arch/timer.h>
#include <mm/types.h>

#include "../measure.h"

static void fired(struct timer_event *ev, struct trapframe *tf)
{
    (void)tf;
    (*(volatile uint64 *)ev->arg)++;
}

int main(void)
{
    struct timespec ts;
    static volatile uint64 fires;
    static struct timer_event ev = { .fn = fired, .arg = (void *)&fires };

    overhead = 0;
    overhead = MEASURE({});
    report("clock_gettime_monotonic", MEASURE(clock_gettime(CLOCK_MONOTONIC, &ts)));
    sink += ts.tv_nsec;
    report("clock_gettime_realtime", MEASURE(clock_gettime(CLOCK_REALTIME, &ts)));
    sink += ts.tv_nsec;
    report("timer_program_cancel", MEASURE({
        ev.deadline = timer_now() + 1000000000;
        timer_add(&ev);
        timer_cancel(&ev);
    }));
    uint64 before = fires;
    report("timer_interrupt_roundtrip", MEASURE({
        ev.deadline = 0;
        timer_add(&ev);         /* due at once: the interrupt is taken here */
    }));
    report("timer_interrupts_taken", fires - before);
    report("timer_has_sstc", (uint64)timer_has_sstc());
    return 0;
}

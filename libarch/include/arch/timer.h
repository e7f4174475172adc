/* The one timer: the hart's `time` counter (rdtime, at the device tree's
 * timebase-frequency) and one deadline-ordered queue of events that the
 * layers above program.  The hardware holds only the earliest deadline
 * (Sstc's stimecmp when the hart has it, the SBI TIME extension otherwise);
 * its interrupt runs every event that is due, in deadline order, and
 * programs the next.  Sleeping, alarm() and (later) preemption are all
 * events on this queue.  Also the wall clock (the goldfish RTC) and waiting
 * for an interrupt. */
#ifndef ARCH_TIMER_H
#define ARCH_TIMER_H

#include <stdint.h>

#include <arch/trap.h>

#define TIMER_NEVER     UINT64_MAX

/* Ticks of the `time` counter since the hart started; never goes back.
 * One rdtime: no trap. */
static inline uint64_t timer_now(void)
{
    uint64_t v;
    __asm__ volatile("rdtime %0" : "=r"(v));
    return v;
}

/* The counter's frequency (ticks per second, from the device tree; 10 MHz
 * on QEMU's virt board). */
uint64_t timer_hz(void);

/* Nanoseconds per tick in 32.32 fixed point: set once by timer_init,
 * read-only afterwards (inline conversions keep clock_gettime trap-free and
 * short). */
extern uint64_t timer_ns_per_tick_q32;

/* Conversions between ticks and nanoseconds (exact for frequencies dividing
 * 10^9; rounded down otherwise; to_ticks rounds up so a wait is never short). */
static inline uint64_t timer_ticks_to_ns(uint64_t ticks)
{
    uint64_t q = timer_ns_per_tick_q32;
    if ((q & 0xffffffffu) == 0)     /* a whole number of ns per tick (10 MHz: 100) */
        return ticks * (q >> 32);
    return (uint64_t)(((unsigned __int128)ticks * q) >> 32);
}
uint64_t timer_ns_to_ticks(uint64_t ns);

/* An event on the queue.  The owner keeps the storage alive while it is
 * queued; fn runs in the timer interrupt (interrupts off, on the trap stack)
 * with the frame it interrupted, once, after which the event is off the
 * queue (fn may add it again, e.g. a periodic tick).  tf is the interrupted
 * context: a later scheduler may switch it. */
struct timer_event {
    uint64_t             deadline;      /* absolute, in ticks of timer_now() */
    void               (*fn)(struct timer_event *ev, struct trapframe *tf);
    void                *arg;           /* for fn */
    struct timer_event  *next;          /* queue link: the timer's own */
    int                  queued;        /* the timer's own */
};

/* Queue ev (deadline, fn and arg set by the caller); already queued: moved
 * to its new deadline.  A deadline in the past fires at the next interrupt
 * window.  Safe with interrupts on or off. */
void timer_add(struct timer_event *ev);
/* Take ev off the queue if it is there; returns whether it was. */
int  timer_cancel(struct timer_event *ev);

/* Whether the hart has Sstc (stimecmp), probed at boot. */
int  timer_has_sstc(void);
/* Called once by early boot: probe Sstc, disarm the hardware deadline. */
void timer_init(void);
/* Called by trap_dispatch on a supervisor timer interrupt. */
void timer_interrupt(struct trapframe *tf);

/* Turn on the supervisor timer and external interrupts (sie) and take them
 * (sstatus.SIE) from now on.  Called by the boot sequence once the hooks
 * the interrupts need are registered. */
void arch_interrupts_on(void);
/* Interrupts off; returns the previous state for arch_irq_restore. */
uint64_t arch_irq_save(void);
void     arch_irq_restore(uint64_t state);
/* Wait for the next interrupt in wfi, with the hart idle; the interrupt is
 * taken before this returns.  Callers loop: check their condition with
 * arch_irq_save() held, then call this, which re-enables interrupts only
 * after wfi, so a wakeup between the check and the wfi is not lost. */
void arch_wait_for_interrupt(void);

/* Wall-clock time: nanoseconds since 1970-01-01 UTC from the RTC (the
 * device tree's google,goldfish-rtc), or 0 when there is none.  One MMIO
 * read pair: callers cache an offset against timer_now(). */
uint64_t rtc_read_ns(void);

#endif

/* The one timer (arch/timer.h): a deadline-ordered queue of events over the
 * hart's single hardware deadline (Sstc's stimecmp, or the SBI TIME
 * extension), the tick/ns conversions, interrupt enabling and idle waiting,
 * and the goldfish RTC. */
#include <arch/bootinfo.h>
#include <arch/csr.h>
#include <arch/sbi.h>
#include <arch/timer.h>

#include "arch_internal.h"

#define NS_PER_SEC      1000000000ULL
#define CONV_SHIFT      32

#define CSR_STIMECMP    0x14d

#define RTC_TIME_LOW    0x00        /* goldfish RTC: read low first, it latches high */
#define RTC_TIME_HIGH   0x04

/* Set once by timer_init, read-only afterwards. */
static uint64_t hz;
uint64_t timer_ns_per_tick_q32;     /* arch/timer.h */
static int      sstc;

/* The queue, sorted by deadline; changed only with interrupts off. */
static struct timer_event *queue;

/* sstc_probe (below): reads stimecmp; an illegal-instruction trap at
 * sstc_probe_insn comes back with a0 = 0 (trap.c's probe fixup). */
extern char sstc_probe_insn[];
uint64_t sstc_probe(void);
__asm__(".section .text\n"
        ".globl sstc_probe, sstc_probe_insn\n"
        "sstc_probe:\n"
        "    li a0, 1\n"
        "sstc_probe_insn:\n"
        "    csrr t0, 0x14d\n"
        "    ret\n");

/* Contract in arch_internal.h. */
uint64_t arch_probe_fixup(uint64_t pc)
{
    return pc == (uint64_t)sstc_probe_insn ? pc + 4 : 0;
}

uint64_t timer_hz(void)
{
    return hz;
}

int timer_has_sstc(void)
{
    return sstc;
}

uint64_t timer_ns_to_ticks(uint64_t ns)
{
    unsigned __int128 t = ((unsigned __int128)ns * hz + NS_PER_SEC - 1) / NS_PER_SEC;
    return t > TIMER_NEVER ? TIMER_NEVER : (uint64_t)t;
}

/* Program the hardware for deadline (TIMER_NEVER: none). */
static void set_hw_deadline(uint64_t deadline)
{
    if (sstc)
        __asm__ volatile("csrw 0x14d, %0" :: "r"(deadline));
    else
        sbi_set_timer(deadline);
}

void timer_init(void)
{
    hz = arch_boot_info()->timebase_hz;
    if (hz == 0)
        hz = 10000000;      /* QEMU virt's, when the tree does not say */
    timer_ns_per_tick_q32 = (uint64_t)((NS_PER_SEC << CONV_SHIFT) / hz);
    sstc = sstc_probe() != 0;
    set_hw_deadline(TIMER_NEVER);
}

uint64_t arch_irq_save(void)
{
    uint64_t s;
    __asm__ volatile("csrrc %0, sstatus, %1" : "=r"(s) : "r"(SSTATUS_SIE) : "memory");
    return s & SSTATUS_SIE;
}

void arch_irq_restore(uint64_t state)
{
    if (state)
        csr_set(sstatus, SSTATUS_SIE);
}

void arch_interrupts_on(void)
{
    csr_set(sie, (U64(1) << IRQ_S_TIMER) | (U64(1) << IRQ_S_EXT));
    csr_set(sstatus, SSTATUS_SIE);
}

void arch_wait_for_interrupt(void)
{
    __asm__ volatile("wfi" ::: "memory");
    csr_set(sstatus, SSTATUS_SIE);      /* the pending interrupt is taken here */
}

/* Unlink ev if queued; interrupts are off. */
static int unlink_event(struct timer_event *ev)
{
    if (!ev->queued)
        return 0;
    for (struct timer_event **pp = &queue; *pp; pp = &(*pp)->next) {
        if (*pp == ev) {
            *pp = ev->next;
            ev->queued = 0;
            return 1;
        }
    }
    return 0;
}

void timer_add(struct timer_event *ev)
{
    uint64_t irq = arch_irq_save();
    unlink_event(ev);
    struct timer_event **pp = &queue;
    while (*pp && (*pp)->deadline <= ev->deadline)
        pp = &(*pp)->next;
    ev->next = *pp;
    ev->queued = 1;
    *pp = ev;
    set_hw_deadline(queue->deadline);
    arch_irq_restore(irq);
}

int timer_cancel(struct timer_event *ev)
{
    uint64_t irq = arch_irq_save();
    int was = unlink_event(ev);
    set_hw_deadline(queue ? queue->deadline : TIMER_NEVER);
    arch_irq_restore(irq);
    return was;
}

/* Contract in arch_internal.h. */
void timer_rearm(void)
{
    set_hw_deadline(queue ? queue->deadline : TIMER_NEVER);
}

/* Run every due event in deadline order, then arm the next deadline (which
 * also clears the pending interrupt). */
void timer_interrupt(struct trapframe *tf)
{
    while (queue && queue->deadline <= timer_now()) {
        struct timer_event *ev = queue;
        queue = ev->next;
        ev->queued = 0;
        ev->fn(ev, tf);
    }
    set_hw_deadline(queue ? queue->deadline : TIMER_NEVER);
}

uint64_t rtc_read_ns(void)
{
    const struct boot_info *bi = arch_boot_info();
    if (!bi->rtc_pa)
        return 0;
    volatile uint32_t *rtc = arch_direct_map(bi->rtc_pa);
    uint64_t lo = rtc[RTC_TIME_LOW / 4];
    uint64_t hi = rtc[RTC_TIME_HIGH / 4];
    return hi << 32 | lo;
}

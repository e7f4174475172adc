/* libarch-internal declarations (not public: apps never include this). */
#ifndef ARCH_INTERNAL_H
#define ARCH_INTERNAL_H

#include <stdint.h>

#include <arch/layout.h>
#include <arch/trap.h>

/* The direct-map address of physical address pa (device registers, the tree). */
static inline void *arch_direct_map(uint64_t pa)
{
    return (void *)(pa + DIRECT_MAP_OFFSET);
}

/* console.c: switch from the SBI console to the UART in the boot info. */
void console_init(void);
/* console.c: drain the UART into the receive ring (its PLIC interrupt). */
void console_rx_interrupt(void);
/* plic.c: enable source irq for this hart's S-mode context; claim the
 * highest pending source (0: none); complete a claimed one. */
void     plic_enable(uint32_t irq);
uint32_t plic_claim(void);
void     plic_complete(uint32_t irq);
/* timer.c: the resume pc when pc is a probing instruction that trapped
 * (an illegal instruction there means "absent"), else 0. */
uint64_t arch_probe_fixup(uint64_t pc);
/* report.c: print the fault/trap report for tf and stop with status. */
void report_trap(const struct trapframe *tf, const char *what, int status) __attribute__((noreturn));
/* trap.c: whether a report may read the 8 bytes at va: libarch's boot and
 * trap stacks, libOS text, or app memory the readable hook vouches for --
 * never MMIO, the direct map or libOS data. */
int arch_report_readable(uint64_t va);
/* trap.c: the running program's pid for reports (0: none); end the
 * running program with status through the terminate hook (the machine
 * stops when there is none, or when it returns). */
int  arch_report_pid(void);
void arch_end_program(int status) __attribute__((noreturn));
/* timer.c: program the hardware for the queue's first deadline. */
void timer_rearm(void);
/* report.c: print a frame-pointer backtrace starting at pc with frame pointer fp. */
void print_backtrace(uint64_t pc, uint64_t ra, uint64_t fp);
/* entry.S: call fn(a0, a1) on stack sp; never returns. */
void arch_call_on_stack(void (*fn)(uint64_t, uint64_t), uint64_t a0, uint64_t a1, uint64_t sp)
    __attribute__((noreturn));

#endif

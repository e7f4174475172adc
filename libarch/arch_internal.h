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
/* report.c: print the fault/trap report for tf and stop with status. */
void report_trap(const struct trapframe *tf, const char *what, int status) __attribute__((noreturn));
/* trap.c: whether a report may read the 8 bytes at va: libarch's boot and
 * trap stacks, libOS text, or app memory the readable hook vouches for --
 * never MMIO, the direct map or libOS data. */
int arch_report_readable(uint64_t va);
/* report.c: print a frame-pointer backtrace starting at pc with frame pointer fp. */
void print_backtrace(uint64_t pc, uint64_t ra, uint64_t fp);
/* entry.S: call fn(a0, a1) on stack sp; never returns. */
void arch_call_on_stack(void (*fn)(uint64_t, uint64_t), uint64_t a0, uint64_t a1, uint64_t sp)
    __attribute__((noreturn));

#endif

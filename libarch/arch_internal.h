/* libarch-internal declarations (not public: apps never include this). */
#ifndef ARCH_INTERNAL_H
#define ARCH_INTERNAL_H

#include <stdint.h>

#include <arch/trap.h>

/* console.c: switch from the SBI console to the UART in the boot info. */
void console_init(void);
/* report.c: print the fault/trap report for tf and stop with status. */
void report_trap(const struct trapframe *tf, const char *what, int status) __attribute__((noreturn));
/* report.c: print a frame-pointer backtrace starting at pc with frame pointer fp. */
void print_backtrace(uint64_t pc, uint64_t ra, uint64_t fp);
/* entry.S: call fn(a0, a1) on stack sp; never returns. */
void arch_call_on_stack(void (*fn)(uint64_t, uint64_t), uint64_t a0, uint64_t a1, uint64_t sp)
    __attribute__((noreturn));
/* libc_glue: the app's start (argv from bootargs, constructors, main, exit). */
void capsule_start(uint64_t unused0, uint64_t unused1) __attribute__((noreturn));

#endif

/* The trap frame that trapvec.S saves on the per-hart trap stack, and the
 * trap entry points.  Offsets are shared with the assembly and checked at
 * compile time in trap.c. */
#ifndef ARCH_TRAP_H
#define ARCH_TRAP_H

/* Register i (x0..x31) is at TF_REG(i); slot 0 (x0 is always 0) holds the
 * value sscratch gets back on return (the trap stack top, or 0 when nested). */
#define TF_REG(i)       ((i) * 8)
#define TF_SCRATCH      TF_REG(0)
#define TF_RA           TF_REG(1)
#define TF_SP           TF_REG(2)
#define TF_S0           TF_REG(8)
#define TF_A0           TF_REG(10)
#define TF_SEPC         (32 * 8)
#define TF_SSTATUS      (33 * 8)
#define TF_SCAUSE       (34 * 8)
#define TF_STVAL        (35 * 8)
#define TF_SIZE         (36 * 8)

#define TRAP_STACK_SIZE (16 * 1024)
#define BOOT_STACK_SIZE (16 * 1024)

#ifndef __ASSEMBLER__
#include <stdint.h>

struct trapframe {
    uint64_t regs[32];      /* regs[0]: sscratch to restore; regs[i]: xi */
    uint64_t sepc;
    uint64_t sstatus;
    uint64_t scause;
    uint64_t stval;
};

/* Install the trap vector and this hart's trap stack. */
void trap_init(void);
/* Called by trapvec.S with the saved frame; returns to resume at tf->sepc. */
void trap_dispatch(struct trapframe *tf);
#endif

#endif

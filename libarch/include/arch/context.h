/* Switching between threads of execution on one hart: the state a context
 * switch saves (the callee-saved registers, as a function call leaves them,
 * and the address space's satp), the switch itself, the ASID bits the hart
 * implements, and diverting an interrupted context into a call (preemption).
 * Offsets are shared with switch.S and checked at compile time in context.c.
 *
 * The saved state is only what a call boundary needs: a process suspended in
 * the libOS keeps everything else on its own stack (priv=supervisor) or on
 * its kernel stack, whose top holds its U-mode trap frame (priv=user: the
 * process layer owns the stack). */
#ifndef ARCH_CONTEXT_H
#define ARCH_CONTEXT_H

#include <arch/mmu.h>
#include <arch/trap.h>

#define CTX_RA          0
#define CTX_SP          8
#define CTX_S(i)        (16 + 8 * (i))          /* s0..s11 */
#define CTX_FS(i)       (112 + 8 * (i))         /* fs0..fs11 */
#define CTX_FCSR        208
#define CTX_SATP        216
#define CTX_SIZE        224

/* What arch_divert needs below the interrupted sp: a copy of the trap frame
 * and the caller-saved FP registers (20) with fcsr, plus alignment. */
#define DIVERT_FP_BYTES 176
#define ARCH_DIVERT_BYTES (TF_SIZE + DIVERT_FP_BYTES + 16)

#ifndef __ASSEMBLER__
#include <stdint.h>

#include <arch/trap.h>

struct arch_context {
    uint64_t ra, sp;
    uint64_t s[12];
    uint64_t fs[12];
    uint64_t fcsr;
    uint64_t satp;          /* written to satp when this context is switched to */
};

/* Save the caller's context into c and return 0; when a later arch_switch
 * resumes c, this returns again, with 1 (setjmp's shape: fork captures the
 * child here before copying the address space, so the child's copy of the
 * stack holds this frame). */
int  arch_context_capture(struct arch_context *c) __attribute__((returns_twice));
/* Save the running context into old (NULL: it is abandoned, e.g. a process
 * that ended), load new: its satp (then flush the whole TLB when flush),
 * registers and stack, and return where new was saved.  Call with
 * interrupts off; the FPU is left enabled. */
void arch_switch(struct arch_context *old, const struct arch_context *new, int flush);
/* Flush the TLB entries of one ASID (non-global entries only). */
void arch_flush_asid(uint64_t asid);
/* How many ASID bits the hart implements (0..16), probed once at boot by
 * writing all ones to satp's ASID field and reading it back. */
unsigned arch_asid_bits(void);

/* From a trap's handler (tf interrupted S-mode code at tf->sepc with
 * interrupts on): make the trap return into a call of fn() on the
 * interrupted stack, as if the interrupted code had called it there, after
 * which every register and the pc are restored exactly.  The caller checked
 * that the ARCH_DIVERT_BYTES below tf's sp are mapped writable. */
void arch_divert(struct trapframe *tf, void (*fn)(void));

/* priv=user: make c the context of a process that has not run yet: when
 * switched to, it calls first() on its kernel stack (just below tf, the
 * frame at that stack's top), then returns from the trap into tf
 * (arch_return_to): a forked child's first steps. */
void arch_context_user(struct arch_context *c, struct trapframe *tf, void (*first)(void));
/* Save and load the caller-saved FP registers (ft0-11, fa0-7) and fcsr, the
 * FPU state arch_switch does not keep, around a switch away from a trap
 * that interrupted U-mode (preemption). */
#define ARCH_FP_CALLER_WORDS 21
void arch_fp_save_caller(uint64_t buf[ARCH_FP_CALLER_WORDS]);
void arch_fp_restore_caller(const uint64_t buf[ARCH_FP_CALLER_WORDS]);
#endif

#endif

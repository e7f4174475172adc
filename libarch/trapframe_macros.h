/* Not public: the assembler macros that move a trap frame's general
 * registers (arch/trap.h's TF_REG layout), shared by the trap vector
 * (trapvec.S) and the context switch's return into a diverted frame
 * (switch.S).  Assembly only. */
#ifndef ARCH_TRAPFRAME_MACROS_H
#define ARCH_TRAPFRAME_MACROS_H

#ifndef __ASSEMBLER__
#error "trapframe_macros.h is for assembly only"
#endif

/* Store the registers a C call may change (the caller-saved ones: ra,
 * t0..t6, a0..a7) into the frame at sp: all a fast path keeps. */
.macro SAVE_CALLER_GPRS
    .irp i, 1,5,6,7,10,11,12,13,14,15,16,17,28,29,30,31
    sd      x\i, TF_REG(\i)(sp)
    .endr
.endm

/* Store the rest of x1, x3..x31 (gp, tp, s0..s11: a C call keeps them), so
 * that with SAVE_CALLER_GPRS the frame holds every register but sp. */
.macro SAVE_CALLEE_GPRS
    .irp i, 3,4,8,9,18,19,20,21,22,23,24,25,26,27
    sd      x\i, TF_REG(\i)(sp)
    .endr
.endm

/* Load what SAVE_CALLER_GPRS stored but a0 and a1 (a system call's
 * results), then sp from the frame. */
.macro RESTORE_CALLER_GPRS_BUT_A0_A1_AND_SP
    .irp i, 1,5,6,7,12,13,14,15,16,17,28,29,30,31
    ld      x\i, TF_REG(\i)(sp)
    .endr
    ld      sp, TF_SP(sp)
.endm

/* Load what SAVE_CALLER_GPRS stored, then sp from the frame. */
.macro RESTORE_CALLER_GPRS_AND_SP
    ld      a0, TF_REG(10)(sp)
    ld      a1, TF_REG(11)(sp)
    RESTORE_CALLER_GPRS_BUT_A0_A1_AND_SP
.endm

/* Load x1, x3..x31 from the frame at sp, then sp from it, and sret (sepc
 * and sstatus already set from the frame). */
.macro RESTORE_GPRS_AND_SRET
    ld      x1, TF_REG(1)(sp)
    ld      x3, TF_REG(3)(sp)
    ld      x4, TF_REG(4)(sp)
    .irp i, 5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
    ld      x\i, TF_REG(\i)(sp)
    .endr
    ld      sp, TF_SP(sp)
    sret
.endm

#endif

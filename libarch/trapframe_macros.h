/* Not public: the assembler macros that move a trap frame's general
 * registers (arch/trap.h's TF_REG layout), shared by the trap vector
 * (trapvec.S) and the context switch's return into a diverted frame
 * (switch.S).  Assembly only. */
#ifndef ARCH_TRAPFRAME_MACROS_H
#define ARCH_TRAPFRAME_MACROS_H

#ifndef __ASSEMBLER__
#error "trapframe_macros.h is for assembly only"
#endif

/* Store x1, x3..x31 into the frame at sp (x2, sp itself, is the caller's). */
.macro SAVE_GPRS
    sd      x1, TF_REG(1)(sp)
    sd      x3, TF_REG(3)(sp)
    sd      x4, TF_REG(4)(sp)
    .irp i, 5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
    sd      x\i, TF_REG(\i)(sp)
    .endr
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

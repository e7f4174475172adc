/* Context switch (arch/context.h): save and load the callee-saved registers
 * and satp; capture a context for fork; the trampoline that runs a diverted
 * call (preemption) and resumes the interrupted code exactly. */
#include <arch/context.h>
#include <arch/csr.h>
#include <arch/trap.h>

#include "trapframe_macros.h"

    .section .text
    .balign 4

/* Save ra, sp, s0-s11, fs0-fs11 and fcsr into the context at a0. */
.macro SAVE_CONTEXT reg
    sd      ra, CTX_RA(\reg)
    sd      sp, CTX_SP(\reg)
    .irp i, 0,1,2,3,4,5,6,7,8,9,10,11
    sd      s\i, CTX_S(\i)(\reg)
    fsd     fs\i, CTX_FS(\i)(\reg)
    .endr
    frcsr   t0
    sd      t0, CTX_FCSR(\reg)
.endm

/* int arch_context_capture(struct arch_context *c): 0 now, 1 when resumed. */
    .globl arch_context_capture
arch_context_capture:
    li      t0, SSTATUS_FS_INITIAL
    csrs    sstatus, t0
    SAVE_CONTEXT a0
    li      a0, 0
    ret

/* void arch_switch(struct arch_context *old, const struct arch_context *new, int flush) */
    .globl arch_switch
arch_switch:
    li      t0, SSTATUS_FS_INITIAL
    csrs    sstatus, t0                 /* the FPU on: the state saved and loaded includes it */
    beqz    a0, 1f
    SAVE_CONTEXT a0
1:  ld      t0, CTX_SATP(a1)
    csrw    satp, t0
    beqz    a2, 2f
    sfence.vma zero, zero
2:  ld      ra, CTX_RA(a1)
    ld      sp, CTX_SP(a1)
    .irp i, 0,1,2,3,4,5,6,7,8,9,10,11
    ld      s\i, CTX_S(\i)(a1)
    fld     fs\i, CTX_FS(\i)(a1)
    .endr
    ld      t0, CTX_FCSR(a1)
    fscsr   t0
    li      a0, 1                       /* what a resumed arch_context_capture returns */
    ret

/* void arch_flush_asid(uint64_t asid) */
    .globl arch_flush_asid
arch_flush_asid:
    sfence.vma zero, a0
    ret

/* unsigned arch_asid_probe(void): satp's ASID field written with all ones
 * and read back (satp restored); the caller counts the bits. */
    .globl arch_asid_probe
arch_asid_probe:
    csrr    t0, satp
    li      t1, ((1 << SATP_ASID_BITS) - 1)
    slli    t1, t1, SATP_ASID_SHIFT
    or      t2, t0, t1
    csrw    satp, t2
    csrr    a0, satp
    csrw    satp, t0
    sfence.vma zero, zero
    and     a0, a0, t1
    srli    a0, a0, SATP_ASID_SHIFT
    ret

/* Entered by sret from a diverted trap (arch_divert): sp = the copy of the
 * trap frame, its scratch slot = the function to call.  Saves the
 * caller-saved FP registers, calls the function, then restores the frame
 * with interrupts off and returns to the interrupted pc by sret. */
    .globl arch_divert_trampoline
arch_divert_trampoline:
    addi    sp, sp, -DIVERT_FP_BYTES
    .irp i, 0,1,2,3,4,5,6,7,8,9,10,11
    fsd     ft\i, (8 * \i)(sp)
    .endr
    .irp i, 0,1,2,3,4,5,6,7
    fsd     fa\i, (96 + 8 * \i)(sp)
    .endr
    frcsr   t0
    sd      t0, 160(sp)
    ld      t0, (DIVERT_FP_BYTES + TF_SCRATCH)(sp)
    ld      fp, (DIVERT_FP_BYTES + TF_S0)(sp)
    jalr    t0
    .irp i, 0,1,2,3,4,5,6,7,8,9,10,11
    fld     ft\i, (8 * \i)(sp)
    .endr
    .irp i, 0,1,2,3,4,5,6,7
    fld     fa\i, (96 + 8 * \i)(sp)
    .endr
    ld      t0, 160(sp)
    fscsr   t0
    addi    sp, sp, DIVERT_FP_BYTES
    csrci   sstatus, SSTATUS_SIE
    ld      t0, TF_SEPC(sp)
    csrw    sepc, t0
    ld      t0, TF_SSTATUS(sp)
    csrw    sstatus, t0
    RESTORE_GPRS_AND_SRET

/* A new process's first steps (arch_context_user): sp = its U-mode frame
 * at the top of its kernel stack, s1 = the function to call first. */
    .globl arch_user_resume
arch_user_resume:
    jalr    s1
    mv      a0, sp
    j       arch_return_to

/* void arch_fp_save_caller(uint64_t buf[21]) */
    .globl arch_fp_save_caller
arch_fp_save_caller:
    li      t0, SSTATUS_FS_INITIAL
    csrs    sstatus, t0
    .irp i, 0,1,2,3,4,5,6,7,8,9,10,11
    fsd     ft\i, (8 * \i)(a0)
    .endr
    .irp i, 0,1,2,3,4,5,6,7
    fsd     fa\i, (96 + 8 * \i)(a0)
    .endr
    frcsr   t0
    sd      t0, 160(a0)
    ret

/* void arch_fp_restore_caller(const uint64_t buf[21]) */
    .globl arch_fp_restore_caller
arch_fp_restore_caller:
    li      t0, SSTATUS_FS_INITIAL
    csrs    sstatus, t0
    .irp i, 0,1,2,3,4,5,6,7,8,9,10,11
    fld     ft\i, (8 * \i)(a0)
    .endr
    .irp i, 0,1,2,3,4,5,6,7
    fld     fa\i, (96 + 8 * \i)(a0)
    .endr
    ld      t0, 160(a0)
    fscsr   t0
    ret

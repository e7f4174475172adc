/* The trap vector: saves the whole integer context on a stack, turns the
 * FPU off for the handler (libOS code must not touch FP registers; a use
 * traps), calls trap_dispatch(frame) and restores.
 *
 * sscratch is 0 inside a trap's handler; otherwise it names the stack for
 * the next trap.  priv=supervisor: the app runs in S-mode and can write
 * sscratch, so its value is never trusted beyond "not 0": every trap from
 * outside uses this hart's trap stack.  priv=user: only S-mode writes it:
 * while U-mode runs it holds the running process's kernel stack top, while
 * libOS code runs outside a handler the trap stack top; a trap uses the
 * stack it names.
 *
 * Call frame information (CFI) describes the saved frame to a debugger:
 * from `saved` on, the frame at sp holds the trapped context, so a gdb
 * backtrace taken inside the handler continues into the code that trapped
 * (sepc as its pc, its sp, ra, s0 and the other registers from the frame).
 * Before `saved` the return address is undefined: the unwinder stops there. */
#include <arch/csr.h>
#include <arch/trap.h>

#include "trapframe_macros.h"


/* The column that holds the trapped pc (sepc): not ra's, which keeps the
 * trapped ra.  64 is past the integer and FP registers' DWARF numbers. */
#define CFI_SEPC_COLUMN 64

/* A fast path's frame from here on: sepc, sp and the caller-saved
 * registers; the others are still in their registers. */
.macro FAST_FRAME_CFI
    .cfi_def_cfa sp, 0
    .cfi_offset CFI_SEPC_COLUMN, TF_SEPC
    .cfi_offset sp, TF_SP
    .irp i, 1,5,6,7,10,11,12,13,14,15,16,17,28,29,30,31
    .cfi_offset x\i, TF_REG(\i)
    .endr
    .irp i, 3,4,8,9,18,19,20,21,22,23,24,25,26,27
    .cfi_same_value x\i
    .endr
.endm

    .cfi_sections .debug_frame
    .section .text
    .balign 4
    .globl trap_entry
    .type trap_entry, @function
trap_entry:
    .cfi_startproc
    .cfi_signal_frame           /* the caller's pc is where it trapped, not a return address */
    .cfi_return_column CFI_SEPC_COLUMN
    .cfi_undefined CFI_SEPC_COLUMN
    csrrw   sp, sscratch, sp        /* sp = trap stack top, or 0 when nested */
    bnez    sp, from_outside
    /* sscratch was 0: a trap inside the trap handler -- when the interrupted
     * sp lies on the trap stack.  Otherwise the app zeroed sscratch (an
     * S-mode app can): the trap comes from outside after all. */
    csrrw   sp, sscratch, sp        /* sp = interrupted sp, sscratch = 0 */
    csrw    sscratch, t0            /* free t0 */
    la      t0, trap_stack_bottom
    bltu    sp, t0, reenter
    la      t0, trap_stack_top
    bgtu    sp, t0, reenter
    csrr    t0, sscratch
    csrw    sscratch, zero
    addi    sp, sp, -TF_SIZE
    SAVE_CALLER_GPRS
    SAVE_CALLEE_GPRS
    addi    t0, sp, TF_SIZE
    sd      t0, TF_SP(sp)           /* the interrupted sp */
    sd      zero, TF_SCRATCH(sp)    /* still inside a trap on return */
    j       saved
reenter:
    csrr    t0, sscratch
    csrw    sscratch, sp            /* as from outside: sscratch = the interrupted sp */
    la      sp, trap_stack_top
    j       on_stack
from_outside:
#ifndef CAPSULE_PRIV_USER
    /* Never trust sscratch's value beyond "not 0": the app could have
     * written any; the trap stack is a known address. */
    la      sp, trap_stack_top
#endif
on_stack:
    addi    sp, sp, -TF_SIZE
    SAVE_CALLER_GPRS
    /* The fast paths (below) need no more: a page fault (scause 12..15;
     * 14 is reserved and never raised), and in priv=user an ecall from
     * U-mode. */
    csrr    t0, scause
    addi    t1, t0, -EXC_INST_PAGE_FAULT
    li      t2, EXC_STORE_PAGE_FAULT - EXC_INST_PAGE_FAULT
    bleu    t1, t2, fault_fast
#ifdef CAPSULE_PRIV_USER
    addi    t1, t0, -EXC_ECALL_U
    beqz    t1, ecall_fast
#endif
    SAVE_CALLEE_GPRS
    csrr    t0, sscratch
    sd      t0, TF_SP(sp)           /* the interrupted sp */
    addi    t0, sp, TF_SIZE
    sd      t0, TF_SCRATCH(sp)      /* the trap stack top, back into sscratch on return */
    csrw    sscratch, zero
saved:
    csrr    t0, sepc
    sd      t0, TF_SEPC(sp)
    /* From here to the sret the frame at sp is complete (sepc last). */
    .cfi_def_cfa sp, 0
    .cfi_offset CFI_SEPC_COLUMN, TF_SEPC
    .cfi_offset sp, TF_SP
    .irp i, 1,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
    .cfi_offset x\i, TF_REG(\i)
    .endr
    csrr    t0, sstatus
    sd      t0, TF_SSTATUS(sp)
    csrr    t0, scause
    sd      t0, TF_SCAUSE(sp)
    csrr    t0, stval
    sd      t0, TF_STVAL(sp)
    li      t0, SSTATUS_FS
    csrc    sstatus, t0
dispatch:
    /* A frame record for backtraces across the trap: fp = frame, ra = sepc. */
    mv      a0, sp
    ld      fp, TF_S0(sp)
    call    trap_dispatch

    .globl trap_return
trap_return:
    csrci   sstatus, SSTATUS_SIE    /* sepc and sstatus must survive until sret */
    ld      t0, TF_SEPC(sp)
    csrw    sepc, t0
    ld      t0, TF_SSTATUS(sp)
    csrw    sstatus, t0
    ld      t0, TF_SCRATCH(sp)
    csrw    sscratch, t0
    RESTORE_GPRS_AND_SRET
    .cfi_endproc
    .size trap_entry, . - trap_entry

/* The fast paths: entered from trap_entry with the caller-saved registers
 * in the frame at sp (SAVE_CALLER_GPRS) and sscratch holding the
 * interrupted sp.  They call C, which keeps gp, tp and s0..s11 itself, so
 * those are neither saved nor restored.  When C says the trap needs the
 * whole frame (a fault to report or to fix up, a system call that copies
 * or reports the frame), those registers still hold the trapped values:
 * the rest of the frame is stored then and trap_dispatch runs as usual.
 *
 * CFI: as in trap_entry, but only sepc, sp and the caller-saved registers
 * are in the frame; the others keep the trapped values (same value). */
    .globl trap_fast
    .type trap_fast, @function
trap_fast:
    .cfi_startproc
    .cfi_signal_frame
    .cfi_return_column CFI_SEPC_COLUMN
    .cfi_undefined CFI_SEPC_COLUMN

/* A page fault: trap_fault_fast asks the fault hook, with interrupts off,
 * as a handler (sscratch 0: a fault inside it is nested). */
fault_fast:
    csrr    t0, sscratch
    sd      t0, TF_SP(sp)           /* the interrupted sp */
    csrw    sscratch, zero
    csrr    t0, sstatus
    sd      t0, TF_SSTATUS(sp)
    csrr    t0, sepc
    sd      t0, TF_SEPC(sp)
    .cfi_remember_state
    FAST_FRAME_CFI
    csrr    t0, scause
    sd      t0, TF_SCAUSE(sp)
    csrr    t0, stval
    sd      t0, TF_STVAL(sp)
    li      t0, SSTATUS_FS
    csrc    sstatus, t0
    mv      a0, sp
    call    trap_fault_fast
    bnez    a0, fault_slow
    ld      t0, TF_SEPC(sp)
    csrw    sepc, t0
    ld      t0, TF_SSTATUS(sp)
    csrw    sstatus, t0
    addi    t0, sp, TF_SIZE
    csrw    sscratch, t0            /* the stack top, for the next trap */
    RESTORE_CALLER_GPRS_AND_SP
    sret
/* Unresolved: complete the frame for trap_dispatch, which reports or
 * fixes up with the hook's answer (trap.c keeps it; not asked again). */
fault_slow:
    SAVE_CALLEE_GPRS
    addi    t0, sp, TF_SIZE
    sd      t0, TF_SCRATCH(sp)
    j       dispatch
    .cfi_restore_state

#ifdef CAPSULE_PRIV_USER
/* An ecall from U-mode, on the process's kernel stack: trap_ecall_fast
 * runs the system call (a0..a5, the number in a7) with interrupts on as
 * libOS code outside a handler (sscratch: the trap stack), and returns its
 * a0 and a1 -- or a1 ARCH_SYSCALL_FULL: the call needs the whole frame. */
ecall_fast:
    csrr    t0, sscratch
    sd      t0, TF_SP(sp)           /* the interrupted sp */
    csrr    t0, sstatus
    sd      t0, TF_SSTATUS(sp)
    csrr    t0, sepc
    sd      t0, TF_SEPC(sp)         /* the ecall's own pc, as the full path has it */
    FAST_FRAME_CFI
    la      t0, trap_stack_top
    csrw    sscratch, t0
    li      t0, SSTATUS_FS
    csrc    sstatus, t0
    csrsi   sstatus, SSTATUS_SIE
    call    trap_ecall_fast
    csrci   sstatus, SSTATUS_SIE    /* sepc and sstatus must survive until sret */
    li      t0, ARCH_SYSCALL_FULL
    beq     a1, t0, ecall_slow
    ld      t0, TF_SEPC(sp)
    addi    t0, t0, 4
    csrw    sepc, t0
    ld      t0, TF_SSTATUS(sp)
    csrw    sstatus, t0
    addi    t0, sp, TF_SIZE
    csrw    sscratch, t0            /* the kernel stack top, for the next trap */
    RESTORE_CALLER_GPRS_BUT_A0_A1_AND_SP
    sret
/* The whole frame for trap_dispatch: a0 and a1 are still the frame's (the
 * call did not run). */
ecall_slow:
    SAVE_CALLEE_GPRS
    addi    t0, sp, TF_SIZE
    sd      t0, TF_SCRATCH(sp)
    csrw    sscratch, zero
    li      t0, EXC_ECALL_U
    sd      t0, TF_SCAUSE(sp)
    sd      zero, TF_STVAL(sp)
    j       dispatch
#endif
    .cfi_endproc
    .size trap_fast, . - trap_fast

/* void arch_return_to(struct trapframe *tf) (arch/trap.h) */
    .globl arch_return_to
arch_return_to:
    mv      sp, a0
    j       trap_return

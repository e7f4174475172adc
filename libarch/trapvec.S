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
    SAVE_GPRS
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
    SAVE_GPRS
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

/* void arch_return_to(struct trapframe *tf) (arch/trap.h) */
    .globl arch_return_to
arch_return_to:
    mv      sp, a0
    j       trap_return

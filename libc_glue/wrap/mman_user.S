/* priv=user: the mmap family's entry points that can unmap the stack below
 * the caller's sp -- munmap, mprotect, madvise, mmap (MAP_FIXED) and
 * mremap -- as ecalls that touch nothing on the app's stack: a call that
 * unmaps the very stack the app runs on completes, and the app's next
 * access to it faults with an ordinary report, as on Linux (in
 * priv=supervisor mman_entry.S does the same with the libOS call stack).
 * The arguments are already in a0..a5 (mremap's variadic fifth in a4); an
 * error, or signals to raise (a1), go on in C (wrap_finish, syscall.h),
 * which runs only when nothing was unmapped or the handlers need a stack
 * anyway. */
#include "../sysnum.h"

#ifdef CAPSULE_PRIV_USER

.macro ECALL_ENTRY name, nr
    .section .text.\name, "ax", @progbits
    .globl \name
    .type \name, @function
\name:
    li      a7, \nr
    ecall
    bnez    a1, 1f
    bltz    a0, 1f
    ret
1:  tail    wrap_finish
    .size \name, . - \name
.endm

ECALL_ENTRY munmap, SYS_munmap
ECALL_ENTRY mprotect, SYS_mprotect
ECALL_ENTRY madvise, SYS_madvise
ECALL_ENTRY mmap, SYS_mmap
ECALL_ENTRY mremap, SYS_mremap

#endif

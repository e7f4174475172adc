/* The mmap family's entry points (<sys/mman.h>).  A call whose range may
 * cover the stack below the caller's sp -- where the body's own frames would
 * go -- runs its body (wrap/mman.c, glue_NAME) on the libOS call stack through
 * arch_libos_call (arch/boot.h) and returns straight to the app, touching
 * nothing on the app's stack in between: a munmap, madvise(DONTNEED),
 * mprotect or MAP_FIXED mmap of the very stack the app runs on completes,
 * and the app's next access to it faults with an ordinary report, as on
 * Linux.  Every other call jumps to its body directly (a few instructions). */
#include <arch/boot.h>

#ifndef CAPSULE_PRIV_USER      /* in priv=user the calls run on the kernel stack */

/* How far below sp the bodies' frames may reach; a range that comes this
 * close to sp takes the libOS stack. */
#define BODY_STACK_BYTES    (16 * 1024)
#define MAP_FIXED_FLAG      0x10        /* <sys/mman.h>'s MAP_FIXED (checked in mman.c) */

.macro ENTRY name
    .section .text.\name, "ax", @progbits
    .globl \name
    .type \name, @function
\name:
.endm

.macro ON_LIBOS_STACK name
    la      t1, glue_\name
    la      t2, arch_libos_call     /* in the high half: beyond j's reach */
    jr      t2
    .size \name, . - \name
.endm

/* a0 = addr, a1 = len: direct unless [a0, a0 + a1) reaches below sp into
 * [sp - BODY_STACK_BYTES, sp]. */
.macro RANGE_ENTRY name
ENTRY \name
    bgtu    a0, sp, 1f
    add     t0, a0, a1
    li      t2, BODY_STACK_BYTES
    sub     t2, sp, t2
    bleu    t0, t2, 1f
ON_LIBOS_STACK \name
1:  tail    glue_\name
.endm

RANGE_ENTRY munmap
RANGE_ENTRY mprotect
RANGE_ENTRY madvise
RANGE_ENTRY posix_madvise

/* mmap replaces what is there only with MAP_FIXED (a3); then as a range. */
ENTRY mmap
    andi    t0, a3, MAP_FIXED_FLAG
    beqz    t0, 1f
    bgtu    a0, sp, 1f
    add     t0, a0, a1
    li      t2, BODY_STACK_BYTES
    sub     t2, sp, t2
    bleu    t0, t2, 1f
ON_LIBOS_STACK mmap
1:  tail    glue_mmap

/* mremap may unmap its old range and, with MREMAP_FIXED, its target: always
 * on the libOS stack. */
ENTRY mremap
ON_LIBOS_STACK mremap

#endif

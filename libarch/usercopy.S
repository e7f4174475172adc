/* Fault-safe copies between the libOS and the app's memory.  Each routine's
 * loads and stores lie between a begin and an end label; the fixup table
 * below maps that range to a recovery label that returns -1.  trap.c asks
 * arch_fault_fixup() for a fault that libmm could not resolve.
 *
 * priv=user: the app's pages carry PTE_U, which S-mode may touch only with
 * sstatus.SUM set -- and it is set only inside these routines (t3 holds
 * the bit from entry to every return, the fixups' included), so no other
 * libOS code can read or write the app's memory by mistake. */
#include <arch/csr.h>

#ifdef CAPSULE_PRIV_USER
.macro SUM_ON
    li      t3, SSTATUS_SUM
    csrs    sstatus, t3
.endm
.macro SUM_OFF
    csrc    sstatus, t3
.endm
#else
.macro SUM_ON
.endm
.macro SUM_OFF
.endm
#endif

    .section .text.usercopy, "ax"
    .balign 4

/* int arch_copy_fault_safe(void *dst, const void *src, size_t n) */
    .globl arch_copy_fault_safe
arch_copy_fault_safe:
    SUM_ON
copy_begin:
    or      t0, a0, a1
    andi    t0, t0, 7
    bnez    t0, 2f                  /* not both 8-byte aligned: bytes */
    li      t1, 64
4:  bltu    a2, t1, 5f              /* 64 bytes a round (read() of a page cache page); not t3 (SUM_OFF's) */
    ld      t2, 0(a1)
    ld      t6, 8(a1)
    ld      t4, 16(a1)
    ld      t5, 24(a1)
    sd      t2, 0(a0)
    sd      t6, 8(a0)
    sd      t4, 16(a0)
    sd      t5, 24(a0)
    ld      t2, 32(a1)
    ld      t6, 40(a1)
    ld      t4, 48(a1)
    ld      t5, 56(a1)
    sd      t2, 32(a0)
    sd      t6, 40(a0)
    sd      t4, 48(a0)
    sd      t5, 56(a0)
    addi    a0, a0, 64
    addi    a1, a1, 64
    addi    a2, a2, -64
    j       4b
5:  li      t1, 8
1:  bltu    a2, t1, 2f
    ld      t2, 0(a1)
    sd      t2, 0(a0)
    addi    a0, a0, 8
    addi    a1, a1, 8
    addi    a2, a2, -8
    j       1b
2:  beqz    a2, 3f
    lbu     t2, 0(a1)
    sb      t2, 0(a0)
    addi    a0, a0, 1
    addi    a1, a1, 1
    addi    a2, a2, -1
    j       2b
3:  li      a0, 0
    SUM_OFF
    ret
copy_end:
copy_fixup:
    li      a0, -1
    SUM_OFF
    ret

/* int arch_put_pair_fault_safe(void *dst, uint64_t first, uint64_t second):
 * the two words at dst, dst + 8 (a struct timespec). */
    .globl arch_put_pair_fault_safe
arch_put_pair_fault_safe:
    SUM_ON
pair_begin:
    sd      a1, 0(a0)
    sd      a2, 8(a0)
    li      a0, 0
    SUM_OFF
    ret
pair_end:
pair_fixup:
    li      a0, -1
    SUM_OFF
    ret

/* long arch_strncpy_fault_safe(char *dst, const char *src, size_t max) */
    .globl arch_strncpy_fault_safe
arch_strncpy_fault_safe:
    SUM_ON
str_begin:
    li      t0, 0                   /* bytes copied */
1:  beq     t0, a2, str_fixup       /* no NUL within max */
    lbu     t2, 0(a1)
    sb      t2, 0(a0)
    beqz    t2, 2f
    addi    a0, a0, 1
    addi    a1, a1, 1
    addi    t0, t0, 1
    j       1b
2:  mv      a0, t0
    SUM_OFF
    ret
str_end:
str_fixup:
    li      a0, -1
    SUM_OFF
    ret

/* { first pc, end pc, fixup } per routine, then a zero entry. */
    .section .rodata.usercopy, "a"
    .balign 8
    .globl usercopy_fixups
usercopy_fixups:
    .dword  copy_begin, copy_end, copy_fixup
    .dword  str_begin, str_end, str_fixup
    .dword  pair_begin, pair_end, pair_fixup
    .dword  0, 0, 0

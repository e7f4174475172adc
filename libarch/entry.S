/* The image's first bytes: the RISC-V Linux-style Image header, then early
 * boot.  OpenSBI enters at physical 0x80200000 in S-mode with a0 = hart id and
 * a1 = device tree, paging off.  Early boot maps a gigapage identity, the high
 * alias of the image's gigapage and a direct map of the first 64 GiB, jumps to
 * the high half and calls capsule_main(hartid, dtb_pa) on the boot stack:
 * the boot sequence (arch/boot.h), which the layer above provides. */
#include <arch/layout.h>
#include <arch/trap.h>

#define EARLY_LEAF      (PTE_V | PTE_R | PTE_W | PTE_X | PTE_A | PTE_D)
#define EARLY_DIRECT_GIB 64                 /* direct-map gigapages until kvminit */
#define DIRECT_ROOT_INDEX 256               /* PX(2, DIRECT_MAP_BASE) */
#define IMAGE_HEADER_VERSION 2              /* header version 0.2 */

    .section .text.boot, "ax"
    .globl _start
_start:
    /* Image header (Documentation/riscv/boot-image-header.rst in Linux). */
    j       early_start                     /* code0 */
    .balign 8                               /* code1: padding */
    .dword  0x200000                        /* text_offset from a 2 MiB aligned RAM base */
    .dword  __image_size                    /* image_size */
    .dword  0                               /* flags: little endian */
    .word   IMAGE_HEADER_VERSION            /* version */
    .word   0                               /* res1 */
    .dword  0                               /* res2 */
    .ascii  "RISCV\0\0\0"                   /* magic (deprecated) */
    .ascii  "RSC\x05"                       /* magic2 */
    .word   0                               /* res3 */

early_start:
    csrw    sie, zero
    csrw    satp, zero
    mv      s0, a0                          /* hart id */
    mv      s1, a1                          /* device tree (physical) */

    /* Zero the libOS bss (at its physical address: paging is off). */
    lla     t0, __kernel_bss_start
    lla     t1, __kernel_end
1:  bgeu    t0, t1, 2f
    sd      zero, 0(t0)
    addi    t0, t0, 8
    j       1b
2:
    /* Early root table: identity and high alias of the image's gigapage. */
    lla     t0, early_pagetable
    lla     t1, _start
    srli    t1, t1, 30                      /* gigapage number of the image */
    slli    t2, t1, 28                      /* PPN (gig << 18) in PTE position (<< 10) */
    ori     t2, t2, EARLY_LEAF
    andi    t3, t1, PX_MASK
    slli    t3, t3, 3
    add     t3, t0, t3
    sd      t2, 0(t3)                       /* identity */
    li      t3, PX_MASK * 8
    add     t3, t0, t3
    sd      t2, 0(t3)                       /* 0xffffffffc0000000 -> image gigapage */
    /* Direct map: root entries 256.. map physical gigapages 0.. (RW). */
    li      t1, 0
    li      t4, EARLY_DIRECT_GIB
    li      t3, DIRECT_ROOT_INDEX * 8
    add     t3, t0, t3
3:  slli    t2, t1, 28
    ori     t2, t2, (PTE_V | PTE_R | PTE_W | PTE_A | PTE_D)
    sd      t2, 0(t3)
    addi    t1, t1, 1
    addi    t3, t3, 8
    bltu    t1, t4, 3b

    srli    t0, t0, PAGE_SHIFT
    li      t1, SATP_MODE_SV39
    or      t0, t0, t1
    sfence.vma zero, zero
    csrw    satp, t0
    sfence.vma zero, zero

    /* Jump to the same code at its high virtual address. */
    li      t0, KERNEL_OFFSET
    lla     t1, high_start
    add     t1, t1, t0
    jr      t1

high_start:
    lla     sp, boot_stack_top              /* pc-relative: now a high address */
    li      fp, 0
    mv      a0, s0
    mv      a1, s1
    call    capsule_main
4:  wfi
    j       4b

/* arch_call_on_stack(fn, arg0, arg1, sp): call fn(arg0, arg1) on a new stack;
 * the callee must not return (the app's start never does). */
    .section .text
    .globl arch_call_on_stack
arch_call_on_stack:
    mv      t0, a0
    mv      a0, a1
    mv      a1, a2
    mv      sp, a3
    li      fp, 0
    li      ra, 0
    jr      t0

/* arch_libos_call: call t1(a0..a7) on the libOS call stack and return to ra
 * with the caller's sp, touching nothing on the caller's stack (arch/boot.h).
 * The libOS call stack is the boot stack, free once the app runs (the boot
 * sequence left it for good in arch_enter_app).  Not reentrant: the callee
 * must not come back here. */
    .globl arch_libos_call
arch_libos_call:
    la      t0, libos_call_save
    sd      ra, 0(t0)
    sd      sp, 8(t0)
    la      sp, boot_stack_top
    jalr    t1
    la      t0, libos_call_save
    ld      ra, 0(t0)
    ld      sp, 8(t0)
    ret

    .section .bss
    .balign 16
libos_call_save:
    .space  16
    .balign 4096
    .globl early_pagetable
early_pagetable:
    .space  4096
    .balign 16
    .globl boot_stack_bottom, boot_stack_top
boot_stack_bottom:
    .space  BOOT_STACK_SIZE
boot_stack_top:
    .globl trap_stack_bottom, trap_stack_top
trap_stack_bottom:
    .space  TRAP_STACK_SIZE
trap_stack_top:

/* The one header that holds the RISC-V Sv39 specifics libmm needs: page sizes,
 * PTE bits, the Sv39 index split, satp and sfence.vma.  It also compiles on
 * the host (CAPSULE_HOST), where the TLB operations are counted by the test
 * support instead of executed. */
#ifndef ARCH_MMU_H
#define ARCH_MMU_H

#ifdef __ASSEMBLER__
#define U64(x)  x
#else
#include <stdint.h>
#define U64(x)  x##UL
#endif

/* Sizes.  A 4 KiB page, a 2 MiB megapage and a 1 GiB gigapage. */
#define PAGE_SHIFT      12
#define PAGE_SIZE       (U64(1) << PAGE_SHIFT)
#define PAGE_MASK       (PAGE_SIZE - 1)
#define MEGAPAGE_SHIFT  21
#define MEGAPAGE_SIZE   (U64(1) << MEGAPAGE_SHIFT)
#define MEGAPAGE_ORDER  (MEGAPAGE_SHIFT - PAGE_SHIFT)   /* a megapage is 2^9 pages: its block order */
#define GIGAPAGE_SIZE   (U64(1) << 30)

#define PGROUNDUP(a)    (((a) + PAGE_SIZE - 1) & ~PAGE_MASK)
#define PGROUNDDOWN(a)  ((a) & ~PAGE_MASK)

/* Sv39: a virtual address is split as
 *   63..39 sign extension of bit 38 | 38..30 VPN[2] | 29..21 VPN[1] | 20..12 VPN[0] | 11..0 offset
 * Levels count from the leaves: level 0 holds 4 KiB leaves, level 2 is the root. */
#define SV39_LEVELS         3
#define SV39_ROOT_LEVEL     2
#define PTES_PER_TABLE      512
#define PX_BITS             9
#define PX_MASK             (PTES_PER_TABLE - 1)
#define PX_SHIFT(level)     (PAGE_SHIFT + PX_BITS * (level))
#define PX(level, va)       ((((uint64_t)(va)) >> PX_SHIFT(level)) & PX_MASK)
#define LEVEL_SIZE(level)   (U64(1) << PX_SHIFT(level))   /* bytes one entry at this level maps */
#define SV39_VA_BITS        39
/* The low half (what one address space owns) and the start of the shared high half. */
#define SV39_LOW_END        (U64(1) << (SV39_VA_BITS - 1))          /* 0x40_0000_0000 */
#define SV39_HIGH_START     (~U64(0) << (SV39_VA_BITS - 1))         /* 0xffff_ffc0_0000_0000 */

/* Page-table entry bits (privileged spec, Sv39). */
#define PTE_V   (U64(1) << 0)
#define PTE_R   (U64(1) << 1)
#define PTE_W   (U64(1) << 2)
#define PTE_X   (U64(1) << 3)
#define PTE_U   (U64(1) << 4)
#define PTE_G   (U64(1) << 5)
#define PTE_A   (U64(1) << 6)
#define PTE_D   (U64(1) << 7)
#define PTE_RSW_SHIFT   8      /* bits 8..9 are free for software */
#define PTE_SW0 (U64(1) << 8)
#define PTE_SW1 (U64(1) << 9)
#define PTE_PPN_SHIFT   10
#define PTE_PPN_BITS    44
#define PTE_FLAGS_MASK  U64(0x3ff)

/* Permission sets used by mappages() (DESIGN.md's names). */
#define PTE_RONLY   (PTE_R)
#define PTE_RX      (PTE_R | PTE_X)
#define PTE_RW      (PTE_R | PTE_W)
#define PTE_RWX_MASK (PTE_R | PTE_W | PTE_X)

/* The app's leaves.  priv=user: they carry PTE_U (the high half never
 * does), and PROT_NONE is execute-only without U -- U-mode cannot touch it,
 * and S-mode can neither read nor write it, so the libOS's checked copies
 * fault on it too (S-mode never jumps there).  priv=supervisor: no U, and
 * PROT_NONE is readable with U -- which S-mode, without sstatus.SUM, cannot
 * touch.  docs/memory.md. */
#ifdef CAPSULE_PRIV_USER
#define PTE_USER        PTE_U
#define PTE_PROT_NONE   PTE_X
#else
#define PTE_USER        0
#define PTE_PROT_NONE   (PTE_R | PTE_U)
#endif

#define PA2PTE(pa)      ((((uint64_t)(pa)) >> PAGE_SHIFT) << PTE_PPN_SHIFT)
#define PTE2PA(pte)     (((((uint64_t)(pte)) >> PTE_PPN_SHIFT) & ((U64(1) << PTE_PPN_BITS) - 1)) << PAGE_SHIFT)
#define PTE_FLAGS(pte)  ((pte) & PTE_FLAGS_MASK)
#define PTE_IS_LEAF(pte) (((pte) & PTE_RWX_MASK) != 0)

/* satp for Sv39 with ASID 0. */
#define SATP_MODE_SV39  (U64(8) << 60)
#define MAKE_SATP(root_pa) (SATP_MODE_SV39 | (((uint64_t)(root_pa)) >> PAGE_SHIFT))
/* satp's ASID field (bits 44..59 in Sv39's satp), and satp with an ASID. */
#define SATP_ASID_SHIFT 44
#define SATP_ASID_BITS  16
#define MAKE_SATP_ASID(root_pa, asid) (MAKE_SATP(root_pa) | ((uint64_t)(asid) << SATP_ASID_SHIFT))
#define SATP_ROOT_PA(satp) (((satp) & ((U64(1) << PTE_PPN_BITS) - 1)) << PAGE_SHIFT)

#if defined(__ASSEMBLER__)
/* Assembly sees only the constants above. */
#elif defined(CAPSULE_HOST)
/* Host tests: the support code counts flushes and holds a simulated satp. */
void     arch_sfence_vma_all(void);
void     arch_sfence_vma_page(uint64_t va);
void     arch_write_satp(uint64_t satp);
uint64_t arch_read_satp(void);
#else
/* Flush every TLB entry on this hart. */
static inline void arch_sfence_vma_all(void)
{
    __asm__ volatile("sfence.vma zero, zero" ::: "memory");
}

/* Flush the TLB entries for one virtual page on this hart. */
static inline void arch_sfence_vma_page(uint64_t va)
{
    __asm__ volatile("sfence.vma %0, zero" :: "r"(va) : "memory");
}

/* Switch to the page table in satp (the caller flushes). */
static inline void arch_write_satp(uint64_t satp)
{
    __asm__ volatile("csrw satp, %0" :: "r"(satp) : "memory");
}

static inline uint64_t arch_read_satp(void)
{
    uint64_t v;
    __asm__ volatile("csrr %0, satp" : "=r"(v));
    return v;
}
#endif

#endif

/* Physical addresses as pointers, for the compatibility headers of systems
 * whose kernels map RAM at its physical address (xv6, FarmOS): there, code
 * dereferences what kalloc, walkaddr or PTE2PA give.  On Capsule RAM is
 * reachable through the direct map only, so these headers hand out a page's
 * direct-map address as its "physical address" and turn it back into the
 * real one where it reaches a page table.  Both forms are accepted wherever
 * such a header takes a physical address. */
#ifndef MM_COMPAT_PA_H
#define MM_COMPAT_PA_H

#include <arch/layout.h>
#include <arch/mmu.h>
#include <mm/types.h>

/* The real physical address of pa, given either as a direct-map address
 * (what these headers hand out) or as a real physical address (as it stands
 * in a PTE), which is returned unchanged. */
static inline uint64 compat_phys(uint64 pa)
{
    return pa - DIRECT_MAP_OFFSET < DIRECT_MAP_SIZE ? pa - DIRECT_MAP_OFFSET : pa;
}

/* The pointer-form "physical address" (direct-map address) of the real
 * physical address phys; 0 stays 0 (nothing mapped). */
static inline uint64 compat_pa(uint64 phys)
{
    return phys ? phys + DIRECT_MAP_OFFSET : 0;
}

/* Leaf bits for the app's pages.  These systems' PTE_U means "the program
 * may use this page"; on Capsule that is PTE_USER (PTE_U when the app runs
 * in U-mode, nothing when it runs in S-mode, where a U page is one the app
 * cannot touch), and PTE_PROT_NONE marks a page it may not use at all.
 * Where arch/mmu.h does not name them yet, the app runs in S-mode. */
#ifndef PTE_USER
#define PTE_USER        0
#define PTE_PROT_NONE   (PTE_R | PTE_U)
#endif

/* perm as these systems write it (PTE_U: the program's page) turned into
 * Capsule's leaf bits (PTE_USER). */
static inline uint64 compat_perm(uint64 perm)
{
    return (perm & ~PTE_U) | ((perm & PTE_U) ? PTE_USER : 0);
}

/* A PTE's frame in pointer form, and the PTE bits for a frame given in
 * either form: the page-table code of these systems builds tables with
 * them and dereferences what PTE2PA gives. */
#undef PTE2PA
#undef PA2PTE
#define PTE2PA(pte)     compat_pa(((((uint64)(pte)) >> PTE_PPN_SHIFT) & ((U64(1) << PTE_PPN_BITS) - 1)) << PAGE_SHIFT)
#define PA2PTE(pa)      ((compat_phys((uint64)(pa)) >> PAGE_SHIFT) << PTE_PPN_SHIFT)

#endif

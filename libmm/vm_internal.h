/* Not public: the page-table helpers shared by vm.c, vmprint.c and kvm.c. */
#ifndef MM_VM_INTERNAL_H
#define MM_VM_INTERNAL_H

#include <stdbool.h>

#include <arch/mmu.h>
#include <mm/page.h>
#include <mm/types.h>

/* Permission bits mappages() and vm_protect() accept, and the software (RSW)
 * bits mappages() also passes through to the leaf for other modules. */
#define VM_PERM_BITS    (PTE_R | PTE_W | PTE_X | PTE_U | PTE_G)
#define VM_RSW_BITS     (PTE_SW0 | PTE_SW1)

/* Allocation order of the block behind one leaf at level: 0, 9 or 18. */
#define LEVEL_ORDER(level)  ((unsigned)(PX_BITS * (level)))

/* True for a valid entry that points to the next-level table. */
static inline bool pte_is_table(pte_t pte)
{
    return (pte & PTE_V) && !PTE_IS_LEAF(pte);
}

/* The table a non-leaf entry points to, by its direct-map address. */
static inline pagetable_t pte_table(pte_t pte)
{
    return (pagetable_t)phys_to_virt(PTE2PA(pte));
}

/* Sign-extend bit 38, turning a sum of table indices into a canonical VA. */
static inline uint64 sv39_canonical(uint64 va)
{
    return (va & SV39_LOW_END) ? (va | SV39_HIGH_START) : (va & (SV39_LOW_END - 1));
}

/* A leaf that must not become writable by an mprotect: it maps a frame
 * shared copy-on-write (or the zero page); a write fault copies it. */
#define PTE_COW         PTE_SW0
/* A leaf whose frame is not libmm's to free (the app image mapped in
 * place): unmapping with do_free leaves the frame alone. */
#define PTE_NOFREE      PTE_SW1

/* Map the 4 KiB page va -> pa with flags (validated by the caller) in pt,
 * creating tables; the fast path of page faults.  0, -MM_ENOMEM, or
 * -MM_EEXIST when something maps va already.  Fences the page. */
int  vm_map_page(pagetable_t pt, uint64 va, uint64 pa, uint64 flags);
/* Point the valid level-0 leaf p (mapping va) at pa with flags; fences va. */
void vm_replace_leaf(pte_t *p, uint64 va, uint64 pa, uint64 flags);

/* Split the superpage leaf that maps va (if any) into next-level leaves
 * down to 4 KiB, flushing the TLB.  0 or -MM_ENOMEM. */
int  vm_split_at(pagetable_t pt, uint64 va);

/* Whether the 2 MiB block at base (aligned) is mapped by a full level-0
 * table (512 valid entries). */
bool vm_block_is_full(pagetable_t pt, uint64 base);
/* Replace the full level-0 table of the block at base by one 2 MiB leaf to
 * pa with flags: every old entry must be a plain (not copy-on-write) leaf
 * with exactly flags (R/W/X/U/G bits), else -MM_EINVAL and nothing changes.
 * The caller has copied the contents to pa.  The old frames are released
 * with page_put and the table freed, after one TLB flush. */
int  vm_collapse_block(pagetable_t pt, uint64 base, uint64 pa, uint64 flags);

/* Flush this hart's whole TLB and count it in vm_tlb_flush_count(). */
void vm_flush_all(void);

#ifdef CAPSULE_HOST
/* Host tests only (tests/host/support/sim_image.c): the simulated physical
 * address of an image linker symbol, which on the host is a host address. */
uint64 host_image_va_to_pa(uint64 va);
#endif

#endif

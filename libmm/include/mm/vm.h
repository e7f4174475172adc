/* Sv39 page tables: walking, mapping, unmapping, changing permissions and
 * freeing them.  The kernel's table is in mm/kvm.h, printing in mm/vmprint.h,
 * the copy-on-write copy (fork) in mm/cow.h. */
#ifndef MM_VM_H
#define MM_VM_H

#include <mm/types.h>
#include <arch/mmu.h>

/* Return the leaf PTE that maps va (a 4 KiB, 2 MiB or 1 GiB leaf), or, when
 * alloc is non-zero, create the missing intermediate tables down to level 0
 * and return the level-0 slot.  Returns NULL when va is not a canonical Sv39
 * address, when alloc is 0 and nothing maps va, or when a table page cannot
 * be allocated.  walk(pt, va, 0) never allocates. */
pte_t *walk(pagetable_t pgtbl, uint64 va, int alloc);

/* Map [va, va + sz) to [pa, pa + sz) with flags (PTE_RONLY, PTE_RX, PTE_RW,
 * optionally | PTE_U | PTE_G).  va, pa and sz must be page-aligned, sz > 0,
 * flags must grant R and must not be W+X.  2 MiB and 1 GiB leaves are used
 * wherever va, pa and the remaining length allow.  A and D are set (D only for
 * writable leaves).  In the low half, an empty table page standing where a
 * superpage leaf can go is freed and replaced by the leaf (one TLB flush for
 * the call); in the shared high half it is kept and filled with smaller
 * leaves.  Returns 0, -MM_EINVAL for bad arguments, -MM_EEXIST if any page in
 * the range is already mapped, -MM_ENOMEM if a table page cannot be
 * allocated; on failure nothing new stays mapped and no table page that the
 * call left empty in the low half stays allocated. */
int    mappages(pagetable_t pgtbl, uint64 va, uint64 pa, uint64 sz, uint64 flags);

/* Unmap npages 4 KiB pages from page-aligned va.  Unmapped holes are skipped.
 * A superpage that is only partly inside the range is split first.  With
 * do_free, the frames are released with page_put (so shared frames survive).
 * Table pages of the low half that the call leaves with no valid entry are
 * freed, and the entries naming them cleared, up to but never including the
 * root; tables of the shared high half are never freed.  The TLB is flushed
 * once for the whole call, before any table page is freed. */
void   uvmunmap(pagetable_t pagetable, uint64 va, uint64 npages, int do_free);
/* As uvmunmap, returning 0 or a negative MM_ error (unaligned va: -MM_EINVAL;
 * a split that needs a table page that cannot be allocated: -MM_ENOMEM). */
int    vm_unmap(pagetable_t pagetable, uint64 va, uint64 npages, int do_free);

/* Physical address mapped at va, including the offset inside a (super)page;
 * 0 when nothing is mapped.  Permissions are not checked. */
uint64 walkaddr(pagetable_t pgtbl, uint64 va);

/* Change the permission bits of every leaf in [va, va + sz) (page-aligned).
 * Superpages partly inside are split.  Returns 0 or a negative MM_ error. */
int    vm_protect(pagetable_t pgtbl, uint64 va, uint64 sz, uint64 flags);

/* Free the table pages below and including pgtbl, which sits at level.  All
 * leaves must already be unmapped (a remaining leaf is reported and skipped).
 * Use freewalk(root, SV39_ROOT_LEVEL). */
void   freewalk(pagetable_t pgtbl, int level);
/* Unmap the low half [0, sz) freeing frames, then free the table pages of the
 * low half and the root.  The shared high half is left alone. */
void   free_pgtbl(pagetable_t pgtbl, uint64 sz);

/* Number of sfence.vma instructions executed (for tests and benchmarks). */
uint64 vm_tlb_flush_count(void);

#endif

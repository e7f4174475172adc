/* Not public: the page-table helpers shared by vm.c, cow.c, vmprint.c, kvm.c
 * and the fault, mmap and uvm code that edits entries vm.c found. */
#ifndef MM_VM_INTERNAL_H
#define MM_VM_INTERNAL_H

#include <stdbool.h>

#include <arch/layout.h>
#include <arch/mmu.h>
#include <mm/page.h>
#include <mm/types.h>

#include "page_internal.h"

/* Permission bits mappages() and vm_protect() accept, and the software (RSW)
 * bits mappages() also passes through to the leaf for other modules. */
#define VM_PERM_BITS    (PTE_R | PTE_W | PTE_X | PTE_U | PTE_G)
#define VM_RSW_BITS     (PTE_SW0 | PTE_SW1)

/* Allocation order of the block behind one leaf at level: 0, 9 or 18. */
#define LEVEL_ORDER(level)  ((unsigned)(PX_BITS * (level)))
_Static_assert(LEVEL_ORDER(1) == MEGAPAGE_ORDER, "a 2 MiB leaf maps one block of MEGAPAGE_ORDER");

/* True for a valid entry that points to the next-level table (V set, R, W
 * and X clear). */
static inline bool pte_is_table(pte_t pte)
{
    return (pte & (PTE_V | PTE_RWX_MASK)) == PTE_V;
}

/* The direct-map address of the page (or block) an entry names: the table a
 * non-leaf entry points to, the frame of a leaf.  phys_to_virt() inlined:
 * walks do this at every level. */
static inline void *pte_frame(pte_t pte)
{
    return (void *)(PTE2PA(pte) + DIRECT_MAP_OFFSET);
}

/* The table a non-leaf entry points to, by its direct-map address. */
static inline pagetable_t pte_table(pte_t pte)
{
    return (pagetable_t)pte_frame(pte);
}

/* The table page that holds entry p. */
static inline pagetable_t table_of(const pte_t *p)
{
    return (pagetable_t)PGROUNDDOWN((uint64)p);
}

/* The owner word of the record of frame (page-aligned, allocated by libmm),
 * which page.c leaves to the owner of an allocated order-0 page: a table's
 * count of valid entries, a 2 MiB block's shares (vm.c).  One shift and one
 * add in the hot region. */
static inline uint32 *frame_word(const void *frame)
{
    return &page_meta_of((uint64)frame)->aux;
}

/* The count of valid entries of the non-root table t (roots are not
 * counted: vm.c never frees them). */
static inline uint32 *table_count(pagetable_t t)
{
    return frame_word(t);
}

/* A new table page with no valid entry; NULL when out of memory. */
static inline pagetable_t table_alloc(void)
{
    pagetable_t t = page_alloc(0);

    if (t) {
        page_zero(t);
        *table_count(t) = 0;
    }
    return t;
}

/* Entry p, in a table at level, has just become valid. */
static inline void count_added(pte_t *p, int level)
{
    if (level < SV39_ROOT_LEVEL)
        (*table_count(table_of(p)))++;
}

/* Whether the level-0 table that holds the entry p has all 512 entries
 * valid (its 2 MiB block is fully mapped by 4 KiB leaves). */
static inline bool vm_table_is_full(const pte_t *p)
{
    return *table_count(table_of(p)) == PTES_PER_TABLE;
}

/* Sign-extend bit 38, turning a sum of table indices into a canonical VA. */
static inline uint64 sv39_canonical(uint64 va)
{
    return (va & SV39_LOW_END) ? (va | SV39_HIGH_START) : (va & (SV39_LOW_END - 1));
}

/* A leaf that must not become writable by an mprotect: it maps a frame
 * shared copy-on-write (or the zero page); a write fault copies it, or
 * reuses it once it is the frame's only mapping. */
#define PTE_COW         PTE_SW0
/* A leaf whose frame is not libmm's to free (the app image mapped in
 * place): unmapping with do_free leaves the frame alone. */
#define PTE_NOFREE      PTE_SW1

/* The leaf entry for pa with flags at va: V and A always, D when writable,
 * G in the shared high half (hardware A/D updating is off, see vm.c). */
static inline pte_t make_leaf(uint64 pa, uint64 flags, uint64 va)
{
    pte_t pte = PA2PTE(pa) | flags | PTE_V | PTE_A;

    if (flags & PTE_W)
        pte |= PTE_D;
    if (va >= SV39_HIGH_START)
        pte |= PTE_G;
    return pte;
}

/* The leaf that maps va in pt, or the invalid entry (at some level) where
 * the walk found nothing; its level in *level.  pt must be a table and va
 * canonical; never allocates, never NULL.  One test per level, inline: the
 * fault path's one walk, and the loops over ranges in vm.c. */
static inline pte_t *vm_lookup(pagetable_t pt, uint64 va, int *level)
{
    int lvl = SV39_ROOT_LEVEL;
    pte_t *p = &pt[PX(lvl, va)];

    while (lvl > 0 && pte_is_table(*p)) {
        lvl--;
        p = &pte_table(*p)[PX(lvl, va)];
    }
    *level = lvl;
    return p;
}

/* walk with a target level (the compatibility calls' walk that stops at a
 * superpage slot): the entry for va at level target, or the valid leaf
 * above it, or (alloc false) the invalid entry where the walk stopped; its
 * level in *level.  With alloc the missing tables down to target are made
 * and an invalid slot returned is counted as used, as walk() does.  NULL for
 * a non-canonical va or when a table page cannot be allocated. */
pte_t *vm_walk_level(pagetable_t pt, uint64 va, int target, bool alloc, int *level);

/* Whether the frames behind a superpage leaf are separate order-0 pages
 * (page_split), so any part of it can be freed page by page. */
static inline bool leaf_is_split(pte_t pte, int level)
{
    unsigned order;
    return level > 0 && page_head_kind((uint64)pte_frame(pte), &order) == PK_ALLOC && order == 0;
}

/* Point the valid level-0 leaf p (mapping va) at frame with flags (validated
 * by the caller); fences va. */
static inline void vm_replace_leaf(pte_t *p, uint64 va, void *frame, uint64 flags)
{
    *p = make_leaf((uint64)frame - DIRECT_MAP_OFFSET, flags, va);
    arch_sfence_vma_page(va);
}

/* Map the 4 KiB page va of pt to frame (a direct-map address) with flags,
 * validated by the caller; *slot is the invalid entry at level that
 * vm_lookup() returned for va.  A level-0 slot is filled in place; otherwise
 * the missing tables are created.  On success *slot is the new leaf.  0,
 * -MM_ENOMEM, or -MM_EEXIST when something maps va.  Fences the page. */
int  vm_map_frame(pagetable_t pt, pte_t **slot, int level, uint64 va, void *frame, uint64 flags);

/* Split the superpage leaf that maps va (if any) into next-level leaves
 * down to 4 KiB, flushing the TLB.  0 or -MM_ENOMEM. */
int  vm_split_at(pagetable_t pt, uint64 va);

/* Replace the full level-0 table of the block at base by one 2 MiB leaf to
 * pa with flags: every old entry must be a plain (not copy-on-write) leaf
 * with exactly flags (R/W/X/U/G bits), else -MM_EINVAL and nothing changes.
 * The caller has copied the contents to pa.  The old frames are released
 * with page_put and the table freed, after one TLB flush. */
int  vm_collapse_block(pagetable_t pt, uint64 base, uint64 pa, uint64 flags);

/* Free an address space's table that no hart runs on: every leaf in the
 * low half released as vm_unmap(do_free) releases it, every table of the
 * low half and the root freed (the shared high half's tables stay). */
void vm_teardown(pagetable_t root);

/* walkaddr in the table this hart runs on (satp); 0 while paging is off.
 * virt_to_phys's answer for addresses outside the direct map and image. */
uint64 vm_walkaddr_current(uint64 va);

/* Flush this hart's whole TLB and count it in vm_tlb_flush_count(). */
void vm_flush_all(void);

/* ---- TLB batching (vm.c): one fence per call that changes a table ---- */

/* Changed leaves up to which one call uses the page form of sfence.vma. */
#define TLB_FLUSH_PAGE_MAX  1

/* The TLB work one call has collected, and the table pages it removed. */
struct tlb_batch {
    pagetable_t pt;         /* the root the call changes */
    uint64      start_va;   /* the call's first VA (its half of the space) */
    uint64      changed;    /* leaf entries changed (removed, altered, split) */
    uint64      first_va;   /* VA of the first change */
    pagetable_t freed;      /* removed tables, linked through entry 0 */
};

/* An empty batch for a call that changes pt from va on. */
static inline void tlb_batch_start(struct tlb_batch *b, pagetable_t pt, uint64 va)
{
    b->pt = pt;
    b->start_va = va;
    b->changed = 0;
    b->first_va = va;
    b->freed = NULL;
}

/* Record that the entry covering va changed. */
static inline void tlb_batch_note(struct tlb_batch *b, uint64 va)
{
    if (b->changed++ == 0)
        b->first_va = va;
}

/* Record that some leaves of the range from va changed, which ones is not
 * kept: the batch then uses the global form of sfence.vma. */
static inline void tlb_batch_note_some(struct tlb_batch *b, uint64 va)
{
    tlb_batch_note(b, va);
    b->changed += TLB_FLUSH_PAGE_MAX;
}

/* Issue the one fence the batch needs, if any (only when the table can be in
 * this hart's TLB: the active one, the kernel's, or any change in the shared
 * high half), then free the tables it removed. */
void tlb_batch_finish(struct tlb_batch *b);

/* ---- the share count of 2 MiB blocks (cow.c) ---- */

/* Drop one share of the block behind the leaf pte at level; false when the
 * block has none (the leaf holds the pages' references itself, and the
 * caller releases them). */
bool cow_drop_share(pte_t pte, int level);

/* The superpage leaf pte at level (> 0) stops being one (it is split, or its
 * caller takes over its references): if it shared its block, it leaves the
 * share and takes its own reference on each page. */
void cow_unshare(pte_t pte, int level);

#ifdef CAPSULE_HOST
/* Host tests only (tests/host/support/sim_image.c): the simulated physical
 * address of an image linker symbol, which on the host is a host address. */
uint64 host_image_va_to_pa(uint64 va);
#endif

/* fault.c's shared zero page (NULL until made); the resident-frame count
 * and its mark (mm_internal.h) that releasing leaves lowers. */
extern void *mm_zero_frame;
extern uint64 mm_resident_pages, mm_resident_peak_pages;

/* npages resident frames released by one unmap: the mark first, then the count. */
static inline void mm_resident_release(uint64 npages)
{
    if (mm_resident_pages > mm_resident_peak_pages)
        mm_resident_peak_pages = mm_resident_pages;
    mm_resident_pages -= npages < mm_resident_pages ? npages : mm_resident_pages;
}

#endif

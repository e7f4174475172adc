/* Sv39 page tables: walking, mapping with automatic superpages, unmapping and
 * permission changes that split superpages, address lookup, freeing table
 * pages, and the batched TLB flushes those changes need.  (The fork-time
 * copy of a table is cow.c's.)
 *
 * Sv39 (privileged spec): a VA is
 *   63..39 copies of bit 38 | 38..30 VPN[2] | 29..21 VPN[1] | 20..12 VPN[0] | 11..0 offset
 * and a PTE is
 *   63..54 reserved (0) | 53..10 PPN | 9..8 RSW | D A G U X W R V
 * A valid entry with R = W = X = 0 points to the next table; any other valid
 * entry is a leaf: 1 GiB at level 2 (the root), 2 MiB at level 1, 4 KiB at
 * level 0.  Hardware A/D updating is off under OpenSBI, so every leaf is
 * created with A set, and with D set when it is writable.
 *
 * Freeing frames (do_free) -- the rule agreed with the physical allocator:
 *  - a 4 KiB leaf's frame is released with page_put(), so frames shared by
 *    reference count survive until their last mapping goes;
 *  - a 2 MiB leaf maps one block of MEGAPAGE_ORDER, either whole (released
 *    with page_free(va, MEGAPAGE_ORDER)) or split into order-0 pages by
 *    page_split (each released with page_put);
 *  - a 1 GiB leaf would be an order-18 block, beyond PAGE_MAX_ORDER, so it can
 *    never be allocator-backed: do_free over one is refused (-MM_EINVAL);
 *  - the allocator cannot free part of a block, so do_free over part of a
 *    superpage is refused (-MM_EINVAL) unless its block is split; then
 *    nothing is changed.
 *
 *  - a 2 MiB leaf that uvmcopy shared holds a share of its block instead
 *    (cow.c): releasing it drops the share, splitting it or unmapping it
 *    without do_free turns the share into references on the pages.
 *
 * Table pages of the low half are freed as soon as they map nothing: each
 * non-root table counts its valid entries in the owner word (aux) of its
 * frame's record, which page.c leaves to the owner of an allocated order-0
 * page.  Every write here that makes an entry valid or invalid updates the
 * count (about 8 instructions: the frame's record is one shift and add away in
 * the hot region); vm_unmap frees a table whose count reaches 0 and clears
 * the entry above it, up to (never including) the root; uvmcopy stops
 * scanning a table once it has seen that many valid entries.  A count may
 * exceed the truth (walk() counts a slot it hands out for filling), never
 * fall below it.  Tables under root entries 256..511 are never freed: the
 * high half is shared by every address space, each holding its own copy of
 * those root entries.
 *
 * TLB: each vm_unmap()/vm_protect()/mappages() call issues at most one
 * sfence.vma: for one changed leaf, the page form; otherwise, or when a
 * non-leaf entry was removed, the global form (QEMU flushes its whole TLB on
 * every sfence.vma anyway).  Table pages removed by a call are freed only
 * after that fence, so no stale walk can read a reused page.  A call flushes
 * only when the table it changes can be in a TLB: the active one (satp), the
 * kernel table, or any change in the high half, whose tables every address
 * space shares.  mappages() flushes only when it replaces an empty table by a
 * superpage leaf (or rolls back); otherwise it only fills invalid entries
 * (callers that need a fence for a newly valid entry issue it).
 *
 * Locking: none here; the caller serialises changes to one table (one hart). */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <arch/console.h>
#include <arch/mmu.h>
#include <mm/errno.h>
#include <mm/kvm.h>
#include <mm/page.h>
#include <mm/vm.h>

#include "page_internal.h"
#include "vm_internal.h"
#include "words.h"

/* sfence.vma instructions libmm executed; updated by the hart that flushes. */
static uint64 tlb_flush_total;

/* True when va is a canonical Sv39 address (bits 63..38 all equal). */
static bool va_is_canonical(uint64 va)
{
    return va < SV39_LOW_END || va >= SV39_HIGH_START;
}

/* [va, va + sz) is page-aligned, non-empty, does not wrap, and lies inside
 * one half of the Sv39 space (so every address in it is canonical). */
static bool range_is_valid(uint64 va, uint64 sz)
{
    uint64 last = va + sz - 1;

    if (sz == 0 || ((va | sz) & PAGE_MASK) || last < va)
        return false;
    return va_is_canonical(va) && (va < SV39_LOW_END) == (last < SV39_LOW_END);
}

/* [pa, pa + sz) fits in the 56 physical address bits a PTE can hold. */
static bool pa_range_is_valid(uint64 pa, uint64 sz)
{
    uint64 last = pa + sz - 1;

    return !(pa & PAGE_MASK) && last >= pa && (last >> (PTE_PPN_BITS + PAGE_SHIFT)) == 0;
}

/* flags grant R, are not W+X and hold only bits a caller may set. */
static bool perms_are_valid(uint64 flags, uint64 allowed)
{
    if (flags & ~allowed)
        return false;
    if ((flags & ~PTE_G) == PTE_PROT_NONE)
        return true;
    return (flags & PTE_R) && (flags & (PTE_W | PTE_X)) != (PTE_W | PTE_X);
}

/* Bytes from va to the end of the region one entry at level maps. */
static uint64 level_span(uint64 va, int level)
{
    return LEVEL_SIZE(level) - (va & (LEVEL_SIZE(level) - 1));
}

/* ---- TLB batching ------------------------------------------------------ */

/* Contract in mm/vm.h.  Counts both forms of sfence.vma issued by libmm. */
uint64 vm_tlb_flush_count(void)
{
    return tlb_flush_total;
}

/* Contract in vm_internal.h. */
void vm_flush_all(void)
{
    arch_sfence_vma_all();
    tlb_flush_total++;
}

/* Whether a change to pt at va can be cached in this hart's TLB. */
static bool table_is_live(pagetable_t pt, uint64 va)
{
    uint64 satp = arch_read_satp();

    if ((satp & SATP_MODE_SV39) && SATP_ROOT_PA(satp) == virt_to_phys((uint64)pt))
        return true;
    return pt == kernel_pagetable() || va >= SV39_HIGH_START;
}

/* Queue the table t, already unlinked from its parent, to be freed after
 * the fence.  The link goes in entry 0: a page-aligned address has V clear,
 * so a walk through a stale TLB entry still finds only invalid entries. */
static void tlb_batch_defer_free(struct tlb_batch *b, pagetable_t t)
{
    t[0] = (pte_t)(uint64)b->freed;
    b->freed = t;
}

/* Contract in vm_internal.h.  The page form of sfence.vma does not cover
 * non-leaf entries, so removed tables always take the global form. */
void tlb_batch_finish(struct tlb_batch *b)
{
    if ((b->changed || b->freed) && table_is_live(b->pt, b->start_va)) {
        if (!b->freed && b->changed <= TLB_FLUSH_PAGE_MAX) {
            arch_sfence_vma_page(b->first_va);
            tlb_flush_total++;
        } else {
            vm_flush_all();
        }
    }
    while (b->freed) {
        pagetable_t t = b->freed;
        b->freed = (pagetable_t)t[0];
        page_free(t, 0);
    }
}

/* ---- walking ----------------------------------------------------------- */

/* Descend from the root of pt towards the entry for va at level target.
 * Stops early at a leaf, or (alloc false) at an invalid entry; with alloc,
 * creates the missing tables.  Returns the entry where it stopped, with its
 * level in *level; NULL only when a table page cannot be allocated. */
static pte_t *walk_to(pagetable_t pt, uint64 va, int target, bool alloc, int *level)
{
    for (int lvl = SV39_ROOT_LEVEL;; lvl--) {
        pte_t *p = &pt[PX(lvl, va)];

        *level = lvl;
        if (lvl == target || ((*p & PTE_V) && PTE_IS_LEAF(*p)))
            return p;
        if (!(*p & PTE_V)) {
            if (!alloc)
                return p;
            pagetable_t t = table_alloc();
            if (!t)
                return NULL;
            *p = PA2PTE(virt_to_phys((uint64)t)) | PTE_V;
            count_added(p, lvl);
        }
        pt = pte_table(*p);
    }
}

/* vm_lookup for va, where prev (at *level) was the entry for the page just
 * below va: when that was a level-0 entry and va is in the same table, the
 * next slot, without a walk from the root.  Loops over ranges use it; a table
 * an unmap empties is only freed after the loop, so its slots stay readable
 * (and invalid) until then. */
static inline pte_t *next_leaf(pagetable_t pt, uint64 va, pte_t *prev, int *level)
{
    if (prev && *level == 0 && PX(0, va) != 0)
        return prev + 1;
    return vm_lookup(pt, va, level);
}

/* Contract in mm/vm.h.  When a superpage leaf maps va, walk returns that leaf
 * even with alloc set: the caller must check PTE_V before writing the slot.
 * With alloc, an invalid slot returned is counted as used, so the caller may
 * fill it directly; a slot never filled keeps its table until freewalk(). */
pte_t *walk(pagetable_t pgtbl, uint64 va, int alloc)
{
    int level;

    if (!pgtbl || !va_is_canonical(va))
        return NULL;
    pte_t *p = walk_to(pgtbl, va, 0, alloc != 0, &level);
    if (p && !(*p & PTE_V)) {
        if (!alloc)
            return NULL;
        count_added(p, level);
    }
    return p;
}

/* Contract in vm_internal.h. */
pte_t *vm_walk_level(pagetable_t pt, uint64 va, int target, bool alloc, int *level)
{
    if (!pt || !va_is_canonical(va))
        return NULL;
    pte_t *p = walk_to(pt, va, target, alloc, level);
    if (p && alloc && !(*p & PTE_V))
        count_added(p, *level);
    return p;
}

/* Contract in mm/vm.h. */
uint64 walkaddr(pagetable_t pgtbl, uint64 va)
{
    int level;

    if (!pgtbl || !va_is_canonical(va))
        return 0;
    pte_t *p = vm_lookup(pgtbl, va, &level);
    if (!(*p & PTE_V) || !PTE_IS_LEAF(*p))
        return 0;
    return PTE2PA(*p) + (va & (LEVEL_SIZE(level) - 1));
}

/* Contract in vm_internal.h. */
uint64 vm_walkaddr_current(uint64 va)
{
    uint64 satp = arch_read_satp();

    if (satp == 0)
        return 0;
    return walkaddr((pagetable_t)phys_to_virt(SATP_ROOT_PA(satp)), va);
}

/* ---- splitting and unmapping ------------------------------------------- */

/* Replace the superpage leaf *p at level by a table of next-level leaves
 * that translate exactly as it did (same PAs and bits).  0 or -MM_ENOMEM. */
static int split_leaf(pte_t *p, int level)
{
    pagetable_t t = page_alloc(0);      /* every entry is written below */
    uint64 pa = PTE2PA(*p), bits = PTE_FLAGS(*p);

    if (!t)
        return -MM_ENOMEM;
    for (uint64 i = 0; i < PTES_PER_TABLE; i++)
        t[i] = PA2PTE(pa + i * LEVEL_SIZE(level - 1)) | bits;
    *table_count(t) = PTES_PER_TABLE;
    cow_unshare(*p, level);
    *p = PA2PTE(virt_to_phys((uint64)t)) | PTE_V;
    return 0;
}

/* Make va a leaf boundary: split each superpage leaf that straddles it. */
static int split_at(pagetable_t pt, uint64 va, struct tlb_batch *b)
{
    for (;;) {
        int level;
        pte_t *p = vm_lookup(pt, va, &level);

        if (!(*p & PTE_V) || level == 0 || !(va & (LEVEL_SIZE(level) - 1)))
            return 0;
        if (split_leaf(p, level) < 0)
            return -MM_ENOMEM;
        tlb_batch_note(b, va);
    }
}

/* Split the superpages straddling either end of [va, va + sz), so every leaf
 * that meets the range lies wholly inside it.  Translations do not change. */
static int split_range_ends(pagetable_t pt, uint64 va, uint64 sz, struct tlb_batch *b)
{
    uint64 end = va + sz;
    int err = split_at(pt, va, b);

    if (err == 0 && end != 0 && va_is_canonical(end))
        err = split_at(pt, end, b);
    return err;
}

/* do_free is allowed on [va, va + sz): every leaf meeting it lies wholly
 * inside and is at most 2 MiB (see the freeing rule at the top). */
static bool range_is_freeable(pagetable_t pt, uint64 va, uint64 sz)
{
    int level = -1;
    pte_t *p = NULL;
    for (uint64 left = sz; left;) {
        p = next_leaf(pt, va, p, &level);
        uint64 span = level_span(va, level);

        if ((*p & PTE_V) && !(*p & PTE_NOFREE)) {
            bool whole = span == LEVEL_SIZE(level) && span <= left;
            if (LEVEL_ORDER(level) > PAGE_MAX_ORDER || (!whole && !leaf_is_split(*p, level)))
                return false;
        }
        span = min_u64(span, left);
        va += span;
        left -= span;
    }
    return true;
}

/* Give back the frames behind a leaf at level (the do_free rule above);
 * returns how many resident frames (mm_internal.h) the leaf held.  Inlined
 * into both its callers: the unmap loop's cost is munmap's. */
static inline __attribute__((always_inline)) uint64 release_leaf(pte_t pte, int level)
{
    void *frame = pte_frame(pte);

    if (pte & PTE_NOFREE)
        return 0;
    if (level == 0) {
        page_put(frame);
        return frame != mm_zero_frame;
    }
    if (!leaf_is_split(pte, level))
        page_free(frame, LEVEL_ORDER(level));
    else if (!cow_drop_share(pte, level))
        for (uint64 off = 0; off < LEVEL_SIZE(level); off += PAGE_SIZE)
            page_put((char *)frame + off);
    return LEVEL_SIZE(level) >> PAGE_SHIFT;
}

/* Table t, at level on va's path, has just lost its last valid entry: unlink
 * it and each table above that this leaves empty (never the root), queueing
 * them on b to be freed after the fence.  Tables of the high half stay. */
static void unlink_empty(pagetable_t root, pagetable_t t, int level, uint64 va,
                         struct tlb_batch *b)
{
    while (va < SV39_HIGH_START) {
        int got;
        pte_t *p = walk_to(root, va, level + 1, false, &got);  /* the entry naming t */

        *p = 0;
        tlb_batch_defer_free(b, t);
        if (++level == SV39_ROOT_LEVEL || --*table_count(table_of(p)) != 0)
            return;
        t = table_of(p);
    }
}

/* Clear *p, the valid entry on va's path in a table at level; a table this
 * leaves empty goes with unlink_empty. */
static inline void drop_entry(pagetable_t root, pte_t *p, int level, uint64 va,
                              struct tlb_batch *b)
{
    *p = 0;
    if (level < SV39_ROOT_LEVEL && --*table_count(table_of(p)) == 0)
        unlink_empty(root, table_of(p), level, va, b);
}

/* Unlink (onto b) the low-half tables on va's path that hold no entry: a
 * mappages that ran out of pages leaves one above the table it missed. */
static void prune_path(pagetable_t root, uint64 va, struct tlb_batch *b)
{
    for (int level = 0; level < SV39_ROOT_LEVEL; level++) {
        int got;
        pte_t *p = walk_to(root, va, level + 1, false, &got);

        if (got == level + 1 && pte_is_table(*p) && *table_count(pte_table(*p)) == 0)
            unlink_empty(root, pte_table(*p), level, va, b);
    }
}

/* Clear every leaf in [va, va + sz); each must lie wholly inside.  Tables
 * left empty are unlinked onto b. */
static void unmap_leaves(pagetable_t pt, uint64 va, uint64 sz, bool do_free,
                         struct tlb_batch *b)
{
    int level = -1;
    pte_t *p = NULL;
    uint64 released = 0;
    for (uint64 left = sz; left;) {
        p = next_leaf(pt, va, p, &level);
        uint64 span = min_u64(level_span(va, level), left);

        if (*p & PTE_V) {
            pte_t old = *p;
            drop_entry(pt, p, level, va, b);
            if (do_free)
                released += release_leaf(old, level);
            else if (level > 0)
                cow_unshare(old, level);    /* the caller takes over its references */
            tlb_batch_note(b, va);
        }
        va += span;
        left -= span;
    }
    if (released)
        mm_resident_release(released);
}

/* Contract in mm/vm.h.  npages == 0 does nothing.  Also -MM_EINVAL for a NULL
 * table, a non-canonical or wrapping range, and a do_free the freeing rule
 * forbids (part of a superpage, a gigapage); then nothing changes.  On
 * -MM_ENOMEM some superpages at the ends may be split, nothing is unmapped.
 * Low-half tables emptied by the call are freed after its fence. */
int vm_unmap(pagetable_t pagetable, uint64 va, uint64 npages, int do_free)
{
    struct tlb_batch b;

    if (!pagetable || (va & PAGE_MASK) || npages > (~0UL >> PAGE_SHIFT))
        return -MM_EINVAL;
    if (npages == 0)
        return 0;
    uint64 sz = npages << PAGE_SHIFT;
    if (!range_is_valid(va, sz))
        return -MM_EINVAL;
    if (do_free && !range_is_freeable(pagetable, va, sz))
        return -MM_EINVAL;
    tlb_batch_start(&b, pagetable, va);
    int err = split_range_ends(pagetable, va, sz, &b);
    if (err == 0)
        unmap_leaves(pagetable, va, sz, do_free, &b);
    tlb_batch_finish(&b);
    return err;
}

/* Contract in mm/vm.h.  uvmunmap cannot return an error: a split that finds
 * no free page is a libOS failure and panics; a bad request (see vm_unmap)
 * is reported on the console and ignored.  Use vm_unmap where the request
 * comes from the application. */
void uvmunmap(pagetable_t pagetable, uint64 va, uint64 npages, int do_free)
{
    int err = vm_unmap(pagetable, va, npages, do_free);

    if (err == -MM_ENOMEM)
        panic("uvmunmap: no page to split a superpage at 0x%lx", va);
    if (err)
        kprintf("uvmunmap: refused va 0x%lx npages %lu do_free %d: error %d\n",
                va, npages, do_free, err);
}

/* ---- mapping ----------------------------------------------------------- */

/* True when some leaf maps a page of [va, va + sz).  Never allocates. */
static bool range_is_mapped(pagetable_t pt, uint64 va, uint64 sz)
{
    int level = -1;
    pte_t *p = NULL;
    for (uint64 left = sz; left;) {
        p = next_leaf(pt, va, p, &level);
        uint64 span = min_u64(level_span(va, level), left);

        if (*p & PTE_V)
            return true;
        va += span;
        left -= span;
    }
    return false;
}

/* Queue table t (at level) and the tables below it on b; the caller has
 * unlinked t and knows it maps nothing, so its valid entries are tables. */
static void defer_subtree(pagetable_t t, int level, struct tlb_batch *b)
{
    uint32 tables = level > 0 ? *table_count(t) : 0;

    for (unsigned i = 0; tables && i < PTES_PER_TABLE; i++) {
        if (pte_is_table(t[i])) {
            defer_subtree(pte_table(t[i]), level - 1, b);
            tables--;
        }
    }
    tlb_batch_defer_free(b, t);
}

/* Map one leaf at va: the largest that va, pa and left allow.  The range is
 * unmapped, so a table found in its slot maps nothing: in the low half it is
 * replaced (and queued on b); in the shared high half it is reused with
 * smaller leaves.  Returns the bytes mapped, or 0 when a table page cannot be
 * allocated. */
static uint64 map_one_leaf(pagetable_t pt, uint64 va, uint64 pa, uint64 left, uint64 flags,
                           struct tlb_batch *b)
{
    int level = SV39_ROOT_LEVEL;

    while (level > 0 && (((va | pa) & (LEVEL_SIZE(level) - 1)) || left < LEVEL_SIZE(level)))
        level--;
    for (;; level--) {
        int got;
        pte_t *p = walk_to(pt, va, level, true, &got);

        if (!p)
            return 0;
        if (!(*p & PTE_V)) {
            count_added(p, level);
        } else if (got != level || !pte_is_table(*p)) {
            panic("mappages: 0x%lx mapped after the overlap check", va);
        } else if (va >= SV39_HIGH_START) {
            continue;
        } else {
            defer_subtree(pte_table(*p), level - 1, b);     /* the entry stays valid */
        }
        *p = make_leaf(pa, flags, va);
        return LEVEL_SIZE(level);
    }
}

/* Contract in mm/vm.h.  flags may also carry the RSW bits (PTE_SW0/SW1) for
 * other modules; V, A and D are set here, and G for high-half VAs.  An empty
 * low-half table where a superpage could go is freed and replaced by the
 * leaf (then one fence, before the free); in the high half it is reused with
 * smaller leaves.  Otherwise no TLB flush: only invalid entries are filled.
 * On -MM_ENOMEM the leaves already placed are removed, and so are the low-half
 * tables that this leaves empty. */
int mappages(pagetable_t pgtbl, uint64 va, uint64 pa, uint64 sz, uint64 flags)
{
    struct tlb_batch b;
    int err = 0;

    if (!pgtbl || !range_is_valid(va, sz) || !pa_range_is_valid(pa, sz) ||
        !perms_are_valid(flags, VM_PERM_BITS | VM_RSW_BITS))
        return -MM_EINVAL;
    if (range_is_mapped(pgtbl, va, sz))
        return -MM_EEXIST;
    tlb_batch_start(&b, pgtbl, va);
    for (uint64 done = 0; done < sz;) {
        uint64 step = map_one_leaf(pgtbl, va + done, pa + done, sz - done, flags, &b);

        if (step == 0) {
            unmap_leaves(pgtbl, va, done, false, &b);
            prune_path(pgtbl, va + done, &b);
            err = -MM_ENOMEM;
            break;
        }
        done += step;
    }
    tlb_batch_finish(&b);
    return err;
}

/* vm_map_frame where tables are missing: create them, then map. */
static __attribute__((noinline)) int map_frame_walk(pagetable_t pt, pte_t **slot, uint64 va,
                                                    void *frame, uint64 flags)
{
    int level;
    pte_t *p = walk_to(pt, va, 0, true, &level);

    if (!p)
        return -MM_ENOMEM;
    if (*p & PTE_V)
        return -MM_EEXIST;
    *slot = p;
    return vm_map_frame(pt, slot, 0, va, frame, flags);
}

/* Contract in vm_internal.h.  Fast path: the level-0 slot is there. */
MM_FAST_PATH int vm_map_frame(pagetable_t pt, pte_t **slot, int level, uint64 va, void *frame,
                              uint64 flags)
{
    if (level != 0)
        return map_frame_walk(pt, slot, va, frame, flags);
    pte_t *p = *slot;
    *p = make_leaf((uint64)frame - DIRECT_MAP_OFFSET, flags, va);
    count_added(p, 0);
    arch_sfence_vma_page(va);   /* the spec lets a TLB cache invalid entries */
    return 0;
}

/* Contract in vm_internal.h. */
int vm_split_at(pagetable_t pt, uint64 va)
{
    struct tlb_batch b;

    tlb_batch_start(&b, pt, va);
    int err = split_at(pt, PGROUNDDOWN(va), &b);
    tlb_batch_finish(&b);
    return err;
}

/* Contract in vm_internal.h. */
int vm_collapse_block(pagetable_t pt, uint64 base, uint64 pa, uint64 flags)
{
    int level;
    pte_t *p = walk_to(pt, base, 1, false, &level);

    if (level != 1 || !pte_is_table(*p) || *table_count(pte_table(*p)) != PTES_PER_TABLE)
        return -MM_EINVAL;
    pagetable_t t = pte_table(*p);
    for (unsigned i = 0; i < PTES_PER_TABLE; i++)
        if (!(t[i] & PTE_V) || (t[i] & PTE_COW) || PTE_FLAGS(t[i] & VM_PERM_BITS) != flags)
            return -MM_EINVAL;
    *p = make_leaf(pa, flags, base);
    vm_flush_all();
    for (unsigned i = 0; i < PTES_PER_TABLE; i++)
        page_put(pte_frame(t[i]));
    page_free(t, 0);
    return 0;
}

/* ---- changing permissions ---------------------------------------------- */

/* Give every leaf in [va, va + sz) the permission bits in flags. */
static void protect_leaves(pagetable_t pt, uint64 va, uint64 sz, uint64 flags,
                           struct tlb_batch *b)
{
    int level = -1;
    pte_t *p = NULL;
    for (uint64 left = sz; left;) {
        p = next_leaf(pt, va, p, &level);
        uint64 span = min_u64(level_span(va, level), left);

        if (*p & PTE_V) {
            uint64 f = (*p & PTE_COW) ? flags & ~PTE_W : flags;   /* copy-on-write stays read-only */
            pte_t pte = make_leaf(PTE2PA(*p), f | (*p & VM_RSW_BITS), va);
            if (pte != *p) {
                *p = pte;
                tlb_batch_note(b, va);
            }
        }
        va += span;
        left -= span;
    }
}

/* Contract in mm/vm.h.  flags: PTE_RONLY, PTE_RX or PTE_RW, optionally with
 * PTE_U / PTE_G (same checks as mappages: -MM_EINVAL otherwise); they replace
 * R, W, X, U and G of each leaf; A is kept set, D is set exactly when W is,
 * the RSW bits are kept.  Holes are skipped.  On -MM_ENOMEM (no page to split
 * an end superpage) no permission has changed. */
int vm_protect(pagetable_t pgtbl, uint64 va, uint64 sz, uint64 flags)
{
    struct tlb_batch b;

    if (!pgtbl || !range_is_valid(va, sz) || !perms_are_valid(flags, VM_PERM_BITS))
        return -MM_EINVAL;
    tlb_batch_start(&b, pgtbl, va);
    int err = split_range_ends(pgtbl, va, sz, &b);
    if (err == 0)
        protect_leaves(pgtbl, va, sz, flags, &b);
    tlb_batch_finish(&b);
    return err;
}

/* ---- freeing tables ---------------------------------------------------- */

/* Free the tables under entries [first, end) of t, which sits at level and
 * maps from base_va; a leaf still there is reported and left alone. */
static void free_children(pagetable_t t, int level, uint64 base_va, unsigned first, unsigned end)
{
    for (unsigned i = first; i < end; i++) {
        uint64 va = sv39_canonical(base_va + i * LEVEL_SIZE(level));

        if (level > 0 && pte_is_table(t[i])) {
            free_children(pte_table(t[i]), level - 1, va, 0, PTES_PER_TABLE);
            page_free(pte_table(t[i]), 0);
            t[i] = 0;
        } else if (t[i] & PTE_V) {
            kprintf("freewalk: leaf still mapped at va 0x%lx (pte 0x%lx), not freed\n",
                    va, t[i]);
        }
    }
}

/* Contract in mm/vm.h.  Frees every table below pgtbl too, so on an address
 * space whose high half is shared with the kernel table use free_pgtbl(). */
void freewalk(pagetable_t pgtbl, int level)
{
    if (!pgtbl || level < 0 || level > SV39_ROOT_LEVEL) {
        kprintf("freewalk: bad table %p at level %d\n", (void *)pgtbl, level);
        return;
    }
    free_children(pgtbl, level, 0, 0, PTES_PER_TABLE);
    page_free(pgtbl, 0);
}

/* Release every leaf under t (at level) by release_leaf's rule and free its
 * subtables, visiting n entries from both ends in turn (tables fill from
 * the bottom or the top) until valid ones were seen.  Returns the resident
 * frames released. */
static uint64 teardown_table(pagetable_t t, int level, unsigned n, uint32 valid)
{
    uint64 released = 0;
    unsigned lo = 0, hi = n;
    for (bool top = true; lo < hi && valid > 0; top = !top) {
        unsigned i = top ? --hi : lo++;
        pte_t pte = t[i];

        if (!(pte & PTE_V))
            continue;
        valid--;
        if (level > 0 && pte_is_table(pte)) {
            pagetable_t c = pte_table(pte);
            released += teardown_table(c, level - 1, PTES_PER_TABLE, *table_count(c));
            page_free(c, 0);
        } else {
            released += release_leaf(pte, level);
        }
    }
    return released;
}

/* Contract in vm_internal.h: one pass over the valid entries, guided by the
 * tables' counts; no TLB work (the table is not live). */
void vm_teardown(pagetable_t root)
{
    uint64 released = 0;
    for (unsigned i = 0; i < PX(SV39_ROOT_LEVEL, SV39_LOW_END); i++) {
        if (!((root[i] | root[i + 1] | root[i + 2] | root[i + 3]) & PTE_V)) {
            i += 3;         /* four empty entries: the root's half is mostly empty */
            continue;
        }
        if (root[i] & PTE_V)
            released += teardown_table(root + i, SV39_ROOT_LEVEL, 1, 1);
    }
    mm_resident_release(released);
    page_free(root, 0);
}

/* Contract in mm/vm.h.  sz is clipped to the low half.  Frames are freed by
 * vm_unmap's rule; a leaf left in the low half (beyond sz, or a range the rule
 * refuses) is reported by the table walk and not freed. */
void free_pgtbl(pagetable_t pgtbl, uint64 sz)
{
    if (!pgtbl)
        return;
    uint64 npages = PGROUNDUP(min_u64(sz, SV39_LOW_END)) >> PAGE_SHIFT;
    int err = vm_unmap(pgtbl, 0, npages, 1);
    if (err)
        kprintf("free_pgtbl: unmapping [0, 0x%lx) failed: error %d\n", sz, err);
    free_children(pgtbl, SV39_ROOT_LEVEL, 0, 0, PX(SV39_ROOT_LEVEL, SV39_LOW_END));
    page_free(pgtbl, 0);
}

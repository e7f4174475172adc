/* Sv39 page tables: walking, mapping with automatic superpages, unmapping and
 * permission changes that split superpages, address lookup, freeing table
 * pages, and the batched TLB flushes those changes need.
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
 *    with page_free(va, MEGAPAGE_ORDER)) or split into order-0 pages by page_split (each
 *    released with page_put);
 *  - a 1 GiB leaf would be an order-18 block, beyond PAGE_MAX_ORDER, so it can
 *    never be allocator-backed: do_free over one is refused (-MM_EINVAL);
 *  - the allocator cannot free part of a block, so do_free over part of a
 *    superpage is refused (-MM_EINVAL) unless its block is split; then
 *    nothing is changed.
 *
 * Sharing a 2 MiB leaf (uvmcopy) does not touch its 512 pages.  The block is
 * split first if it is whole, and the owner word (aux) of its head page's
 * record counts the block's shares: the 2 MiB leaves that map it beyond the
 * first.  All 2 MiB leaves of a block together hold one reference on each of
 * its pages.  The count is only believed for a copy-on-write 2 MiB leaf (the
 * only kind uvmcopy makes) over a split block libmm owns; uvmcopy sets it to
 * 1 when it first shares a plain leaf.  While a block has shares:
 *  - releasing one of its 2 MiB leaves (do_free) only drops a share;
 *  - a 2 MiB leaf that stops being one -- split into 4 KiB leaves, or
 *    unmapped without do_free (its caller takes over its references) --
 *    drops a share and takes its own reference on each page.
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
#include <mm/page.h>
#include <mm/vm.h>

#include "page_internal.h"
#include "vm_internal.h"
#include "words.h"

/* Changed leaves up to which one call uses the page form of sfence.vma. */
#define TLB_FLUSH_PAGE_MAX  1

/* sfence.vma instructions libmm executed; updated by the hart that flushes. */
static uint64 tlb_flush_total;

/* The TLB work one call has collected, and the table pages it removed. */
struct tlb_batch {
    pagetable_t pt;         /* the root the call changes */
    uint64      start_va;   /* the call's first VA (its half of the space) */
    uint64      changed;    /* leaf entries changed (removed, altered, split) */
    uint64      first_va;   /* VA of the first change */
    pagetable_t freed;      /* removed tables, linked through entry 0 */
};

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
    return (flags & PTE_R) && (flags & (PTE_W | PTE_X)) != (PTE_W | PTE_X);
}

/* Bytes from va to the end of the region one entry at level maps. */
static uint64 level_span(uint64 va, int level)
{
    return LEVEL_SIZE(level) - (va & (LEVEL_SIZE(level) - 1));
}

/* ---- valid-entry counts ------------------------------------------------ */

/* A new table page with no valid entry; NULL when out of memory. */
static pagetable_t table_alloc(void)
{
    pagetable_t t = page_alloc(0);

    if (t) {
        page_zero(t);
        *table_count(t) = 0;
    }
    return t;
}

/* Entry p, in a table at level, has just become valid. */
static void count_added(pte_t *p, int level)
{
    if (level < SV39_ROOT_LEVEL)
        (*table_count(table_of(p)))++;
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

static void batch_start(struct tlb_batch *b, pagetable_t pt, uint64 va)
{
    b->pt = pt;
    b->start_va = va;
    b->changed = 0;
    b->first_va = va;
    b->freed = NULL;
}

/* Record that the entry covering va changed. */
static void batch_note(struct tlb_batch *b, uint64 va)
{
    if (b->changed++ == 0)
        b->first_va = va;
}

/* Record that some leaves of the range from va changed, which ones is not
 * kept: the batch then uses the global form of sfence.vma. */
static void batch_note_some(struct tlb_batch *b, uint64 va)
{
    batch_note(b, va);
    b->changed += TLB_FLUSH_PAGE_MAX;
}

/* Queue the table t, already unlinked from its parent, to be freed after
 * the fence.  The link goes in entry 0: a page-aligned address has V clear,
 * so a walk through a stale TLB entry still finds only invalid entries. */
static void batch_defer_free(struct tlb_batch *b, pagetable_t t)
{
    t[0] = (pte_t)(uint64)b->freed;
    b->freed = t;
}

/* Issue the one fence the batch needs, if any, then free the removed tables
 * (the page form of sfence.vma does not cover non-leaf entries). */
static void batch_finish(struct tlb_batch *b)
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

/* ---- splitting and unmapping ------------------------------------------- */

/* Whether the frames behind a superpage leaf are separate order-0 pages
 * (page_split), so any part of it can be freed page by page. */
static bool leaf_is_split(pte_t pte, int level)
{
    unsigned order;
    return level > 0 && page_head_kind((uint64)pte_frame(pte), &order) == PK_ALLOC && order == 0;
}

/* The share count of the block behind the leaf pte at level, where the rule
 * at the top lets it be believed (a copy-on-write 2 MiB leaf over a split
 * block libmm owns); else NULL. */
static uint32 *block_shares(pte_t pte, int level)
{
    if (level != 1 || (pte & (PTE_COW | PTE_NOFREE)) != PTE_COW || !leaf_is_split(pte, level))
        return NULL;
    return frame_word(pte_frame(pte));
}

/* Drop one share of the block behind the leaf pte at level; false when the
 * block has none (the leaf holds the pages' references itself). */
static bool drop_share(pte_t pte, int level)
{
    uint32 *shares = block_shares(pte, level);

    if (!shares || *shares == 0)
        return false;
    (*shares)--;
    return true;
}

/* The superpage leaf pte at level stops being one (it is split, or its
 * caller takes over its references): if it shared its block, it leaves the
 * share and takes its own reference on each page. */
static void unshare_leaf(pte_t pte, int level)
{
    if (!drop_share(pte, level))
        return;
    for (uint64 off = 0; off < LEVEL_SIZE(level); off += PAGE_SIZE)
        page_get((char *)pte_frame(pte) + off);
}

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
    unshare_leaf(*p, level);
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
        batch_note(b, va);
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

/* Give back the frames behind a leaf at level (the do_free rule above). */
static void release_leaf(pte_t pte, int level)
{
    void *frame = pte_frame(pte);

    if (pte & PTE_NOFREE)
        return;
    if (level == 0) {
        page_put(frame);
    } else if (leaf_is_split(pte, level)) {
        if (drop_share(pte, level))
            return;
        for (uint64 off = 0; off < LEVEL_SIZE(level); off += PAGE_SIZE)
            page_put((char *)frame + off);
    } else {
        page_free(frame, LEVEL_ORDER(level));
    }
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
        batch_defer_free(b, t);
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
    for (uint64 left = sz; left;) {
        p = next_leaf(pt, va, p, &level);
        uint64 span = min_u64(level_span(va, level), left);

        if (*p & PTE_V) {
            pte_t old = *p;
            drop_entry(pt, p, level, va, b);
            if (do_free)
                release_leaf(old, level);
            else
                unshare_leaf(old, level);   /* the caller takes over its references */
            batch_note(b, va);
        }
        va += span;
        left -= span;
    }
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
    batch_start(&b, pagetable, va);
    int err = split_range_ends(pagetable, va, sz, &b);
    if (err == 0)
        unmap_leaves(pagetable, va, sz, do_free, &b);
    batch_finish(&b);
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
    batch_defer_free(b, t);
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
    batch_start(&b, pgtbl, va);
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
    batch_finish(&b);
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

    batch_start(&b, pt, va);
    int err = split_at(pt, PGROUNDDOWN(va), &b);
    batch_finish(&b);
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

/* ---- copy-on-write copies (uvmcopy) ------------------------------------ */

/* One uvmcopy: the TLB work on the parent's table and the end of the range
 * copied. */
struct copy {
    struct tlb_batch  b;
    uint64            end;
};

/* The leaf pte as uvmcopy leaves it in both tables: read-only and
 * copy-on-write, except the image's frames, which are shared as they are. */
static pte_t cow_leaf(pte_t pte)
{
    return (pte & PTE_NOFREE) ? pte : ((pte & ~(PTE_W | PTE_D)) | PTE_COW);
}

/* How many entries of a table at level that maps from base start below end. */
static unsigned entries_below(uint64 base, int level, uint64 end)
{
    if (end <= base)
        return 0;
    uint64 n = (end - base + LEVEL_SIZE(level) - 1) >> PX_SHIFT(level);
    return n < PTES_PER_TABLE ? (unsigned)n : PTES_PER_TABLE;
}

/* Take what one more mapping of the valid leaf pte at level needs (nothing
 * for the image's frames): a reference on a 4 KiB frame; a share of a 2 MiB
 * leaf's block, splitting a whole block first (see the top).  -MM_EINVAL for
 * a gigapage, which an app's half never holds. */
static int share_frames(pte_t pte, int level)
{
    void *frame = pte_frame(pte);

    if (pte & PTE_NOFREE)
        return 0;
    if (level == 0) {
        page_get(frame);
        return 0;
    }
    if (level != 1)
        return -MM_EINVAL;
    if (!leaf_is_split(pte, level))
        page_split(frame, LEVEL_ORDER(level));
    uint32 *shares = frame_word(frame);
    if (!(pte & PTE_COW))
        *shares = 0;            /* the block's only leaf: no shares yet */
    if (*shares == UINT32_MAX)
        panic("uvmcopy: share count of the block %p overflows", frame);
    (*shares)++;
    return 0;
}

/* Share the valid leaf *pp of the parent (at level, mapping va) into the
 * child's entry *cp, which must be empty: both become cow_leaf(*pp). */
static int copy_leaf(pte_t *cp, pte_t *pp, int level, uint64 va, struct tlb_batch *b)
{
    if (*cp & PTE_V)
        return -MM_EEXIST;
    int err = share_frames(*pp, level);
    if (err)
        return err;
    pte_t shared = cow_leaf(*pp);
    if (shared != *pp) {
        *pp = shared;
        batch_note(b, va);
    }
    *cp = shared;
    count_added(cp, level);
    return 0;
}

/* share_frames() of the valid 4 KiB leaf pte (not the image's), with no call
 * for an allocated page of the hot region (hot: a copy of page_fast, kept in
 * registers by the loops). */
static inline void leaf_get(pte_t pte, const struct page_fast *hot)
{
    void *frame = pte_frame(pte);

    if (!page_ref_fast((uint64)frame, hot))
        page_get(frame);
}

/* share_frames() of the valid 2 MiB leaf pte (not the image's), with no call
 * when its block is split (the head's tag then says an allocated order-0
 * page) and in the hot region. */
static inline void block_get(pte_t pte, const struct page_fast *hot)
{
    struct page_meta *m = page_hot_alloc((uint64)pte_frame(pte), hot);

    if (m && m->aux != UINT32_MAX)
        m->aux = (pte & PTE_COW) ? m->aux + 1 : 1;      /* the first share of a plain leaf */
    else
        share_frames(pte, 1);
}

/* The new, zeroed level-0 table ct takes the parent's leaves in pt[0, n),
 * shared as copy_leaf does (without counting or noting them).  Visits pt
 * from the top down (mmap regions and stacks grow down, so their tables fill
 * from the top) and stops once it has seen valid entries: the parent's
 * count, never below the truth.  Returns how many leaves it placed.  The
 * loop of a fork: it calls nothing but page_get's slow path. */
static __attribute__((noinline)) uint32 share_leaves(pte_t *ct, pte_t *pt, unsigned n, uint32 valid)
{
    const struct page_fast hot = page_fast;
    uint32 placed = 0;

    for (unsigned i = n; i-- > 0 && placed < valid;) {
        pte_t pte = pt[i];

        if (!(pte & PTE_V))
            continue;
        if (!(pte & PTE_NOFREE)) {
            leaf_get(pte, &hot);
            pte = cow_leaf(pte);
            pt[i] = pte;
        }
        ct[i] = pte;
        placed++;
    }
    return placed;
}

static int copy_subtable(pte_t *cp, pagetable_t pt, int level, uint64 base, struct copy *c);

/* share_leaves for a new level-1 table: 2 MiB leaves take a share of their
 * block, level-0 tables are copied into new tables.  *placed gets the valid
 * entries of ct; 0 or the first error. */
static __attribute__((noinline)) int share_blocks(pte_t *ct, pte_t *pt, unsigned n, uint32 valid,
                                                  uint64 base, struct copy *c, uint32 *placed)
{
    const struct page_fast hot = page_fast;
    uint32 done = 0;
    int err = 0;

    for (unsigned i = n; i-- > 0 && valid > 0;) {
        pte_t pte = pt[i];

        if (!(pte & PTE_V))
            continue;
        valid--;
        if (pte_is_table(pte)) {
            err = copy_subtable(&ct[i], pte_table(pte), 0, base + i * LEVEL_SIZE(1), c);
            done += ct[i] != 0;
            if (err)
                break;
            continue;
        }
        if (!(pte & PTE_NOFREE)) {
            block_get(pte, &hot);
            pte = cow_leaf(pte);
            pt[i] = pte;
        }
        ct[i] = pte;
        done++;
    }
    *placed = done;
    return err;
}

static int copy_table(pagetable_t ct, pagetable_t pt, int level, uint64 base, struct copy *c);

/* Share the parent's table pt (at level 0 or 1, mapping from base) under
 * the child's entry *cp: into the table *cp names, or into a new one filled
 * in one pass and linked there unless it stays empty.  *cp must not be a
 * leaf.  0 or the first error.  A new table's leaves are noted on the batch
 * as some changes (whether each parent leaf changed is not tracked). */
static int copy_subtable(pte_t *cp, pagetable_t pt, int level, uint64 base, struct copy *c)
{
    if (pte_is_table(*cp))
        return copy_table(pte_table(*cp), pt, level, base, c);
    if (*cp & PTE_V)
        return -MM_EEXIST;
    pagetable_t t = table_alloc();
    if (!t)
        return -MM_ENOMEM;
    unsigned n = entries_below(base, level, c->end);
    uint32 placed = 0, valid = *table_count(pt);
    int err = 0;
    if (level == 0)
        placed = share_leaves(t, pt, n, valid);
    else
        err = share_blocks(t, pt, n, valid, base, c, &placed);
    if (placed)
        batch_note_some(&c->b, base);   /* leaves of the parent may have become read-only */
    if (placed == 0) {
        page_free(t, 0);
        return err;
    }
    *table_count(t) = placed;
    *cp = PA2PTE(virt_to_phys((uint64)t)) | PTE_V;      /* after a failure too: it holds references */
    count_added(cp, level + 1);
    return err;
}

/* Share the entries of the parent's table pt (at level, mapping from base)
 * that start below the end into the child's table ct, which sits at the
 * same place and may hold entries already.  Stops at the first error. */
static int copy_table(pagetable_t ct, pagetable_t pt, int level, uint64 base, struct copy *c)
{
    unsigned n = entries_below(base, level, c->end);
    int err = 0;

    for (unsigned i = 0; i < n && err == 0; i++) {
        uint64 va = base + i * LEVEL_SIZE(level);

        if (level > 0 && pte_is_table(pt[i]))
            err = copy_subtable(&ct[i], pte_table(pt[i]), level - 1, va, c);
        else if (pt[i] & PTE_V)
            err = copy_leaf(&ct[i], &pt[i], level, va, &c->b);
    }
    return err;
}

/* Contract in mm/vm.h.  Table by table: each table of the parent becomes a
 * new child table in one pass.  A 2 MiB leaf takes a share of its block
 * instead of a reference on each page (see the top).  Also -MM_EEXIST when
 * the child maps something in the way. */
int uvmcopy(pagetable_t cpgtbl, pagetable_t ppgtbl, uint64 sz)
{
    struct copy c;

    if (!cpgtbl || !ppgtbl || cpgtbl == ppgtbl || sz > SV39_LOW_END)
        return -MM_EINVAL;
    batch_start(&c.b, ppgtbl, 0);
    c.end = sz;
    int err = copy_table(cpgtbl, ppgtbl, SV39_ROOT_LEVEL, 0, &c);
    batch_finish(&c.b);
    return err;
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
                batch_note(b, va);
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
    batch_start(&b, pgtbl, va);
    int err = split_range_ends(pgtbl, va, sz, &b);
    if (err == 0)
        protect_leaves(pgtbl, va, sz, flags, &b);
    batch_finish(&b);
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

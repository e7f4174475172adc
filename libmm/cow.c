/* Copy-on-write sharing between page tables: uvmcopy, fork's copy of an
 * address space's low half, and the share count of the 2 MiB blocks it
 * shares.
 *
 * uvmcopy makes every leaf of the parent read-only and copy-on-write
 * (PTE_COW) in both tables; the write fault that follows copies the frame,
 * or reuses it once it has one mapping left (fault.c).  The app image's
 * frames (PTE_NOFREE) are shared as they are.  A 4 KiB frame gets one more
 * reference (page_get).
 *
 * Sharing a 2 MiB leaf does not touch its 512 pages.  The block is split
 * first if it is whole, and the owner word (aux) of its head page's record
 * counts the block's shares: the 2 MiB leaves that map it beyond the first.
 * All 2 MiB leaves of a block together hold one reference on each of its
 * pages.  The count is only believed for a copy-on-write 2 MiB leaf (the
 * only kind uvmcopy makes) over a split block libmm owns; uvmcopy sets it to
 * 1 when it first shares a plain leaf.  While a block has shares (vm.c asks
 * here whenever a 2 MiB leaf goes):
 *  - releasing one of its 2 MiB leaves (do_free) only drops a share;
 *  - a 2 MiB leaf that stops being one -- split into 4 KiB leaves, or
 *    unmapped without do_free (its caller takes over its references) --
 *    drops a share and takes its own reference on each page.
 *
 * The copy goes table by table: each table of the parent becomes a new child
 * table in one pass that stops once it has seen the parent table's count of
 * valid entries (vm.c keeps the counts).  The per-entry loops take page
 * references through page.c's inline fast path (page_ref_fast), calling out
 * only for pages outside the hot region.
 *
 * uvmcopy_range copies part of the space, as fork does VMA by VMA: a range
 * of private memory as above, a range of MAP_SHARED memory (shared) with
 * every leaf mapped as it is in both tables -- writable where it was, so
 * writes stay visible both ways -- and one more reference on each frame (a
 * 2 MiB leaf's block is split and each of its pages referenced: a plain
 * 2 MiB leaf is released page by page).
 *
 * Locking: none here; the caller serialises changes to both tables (one
 * hart). */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <arch/console.h>
#include <arch/mmu.h>
#include <mm/cow.h>
#include <mm/errno.h>
#include <mm/page.h>

#include "page_internal.h"
#include "vm_internal.h"

/* ---- the share count of 2 MiB blocks ------------------------------------ */

/* The share count of the block behind the leaf pte at level, where the rule
 * above lets it be believed (a copy-on-write 2 MiB leaf over a split
 * block libmm owns); else NULL. */
static uint32 *block_shares(pte_t pte, int level)
{
    if (level != 1 || (pte & (PTE_COW | PTE_NOFREE)) != PTE_COW || !leaf_is_split(pte, level))
        return NULL;
    return frame_word(pte_frame(pte));
}

/* Contract in vm_internal.h. */
bool cow_drop_share(pte_t pte, int level)
{
    uint32 *shares = block_shares(pte, level);

    if (!shares || *shares == 0)
        return false;
    (*shares)--;
    return true;
}

/* Contract in vm_internal.h. */
void cow_unshare(pte_t pte, int level)
{
    if (!cow_drop_share(pte, level))
        return;
    for (uint64 off = 0; off < LEVEL_SIZE(level); off += PAGE_SIZE)
        page_get((char *)pte_frame(pte) + off);
}

/* ---- uvmcopy ------------------------------------------------------------- */

/* One uvmcopy: the TLB work on the parent's table, the range copied and
 * whether its leaves are shared as they are (MAP_SHARED) rather than
 * copy-on-write. */
struct copy {
    struct tlb_batch  b;
    uint64            start, end;
    bool              shared;
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

/* The first entry of a table at level that maps from base and reaches
 * start or beyond. */
static unsigned entries_from(uint64 base, int level, uint64 start)
{
    return start <= base ? 0 : (unsigned)((start - base) >> PX_SHIFT(level));
}

/* Take what one more mapping of the valid leaf pte at level needs (nothing
 * for the image's frames): a reference on a 4 KiB frame; a share of a 2 MiB
 * leaf's block, splitting a whole block first (see the top), or with shared
 * a reference on each of its pages.  -MM_EINVAL for a gigapage, which an
 * app's half never holds. */
static int share_frames(pte_t pte, int level, bool shared)
{
    void *frame = pte_frame(pte);

    if (pte & PTE_NOFREE)
        return 0;
    if (level == 0) {
        page_get(frame);
        return 0;
    }
    if (level != 1 || (shared && (pte & PTE_COW)))
        return -MM_EINVAL;
    if (!leaf_is_split(pte, level))
        page_split(frame, LEVEL_ORDER(level));
    if (shared) {
        for (uint64 off = 0; off < LEVEL_SIZE(level); off += PAGE_SIZE)
            page_get((char *)frame + off);
        return 0;
    }
    uint32 *shares = frame_word(frame);
    if (!(pte & PTE_COW))
        *shares = 0;            /* the block's only leaf: no shares yet */
    if (*shares == UINT32_MAX)
        panic("uvmcopy: share count of the block %p overflows", frame);
    (*shares)++;
    return 0;
}

/* Share the valid leaf *pp of the parent (at level, mapping va) into the
 * child's entry *cp, which must be empty: both become cow_leaf(*pp), or
 * stay *pp for a shared range. */
static int copy_leaf(pte_t *cp, pte_t *pp, int level, uint64 va, struct copy *c)
{
    if (*cp & PTE_V)
        return -MM_EEXIST;
    int err = share_frames(*pp, level, c->shared);
    if (err)
        return err;
    pte_t shared = c->shared ? *pp : cow_leaf(*pp);
    if (shared != *pp) {
        *pp = shared;
        tlb_batch_note(&c->b, va);
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
        share_frames(pte, 1, false);
}

/* Share the valid leaf pt[i] of a table at level (0 or 1; a constant, so
 * each loop below gets its own copy) into ct[i], as copy_leaf does but
 * without counting or noting it: both become cow_leaf(pt[i]). */
static inline __attribute__((always_inline)) void share_entry(pte_t *ct, pte_t *pt, unsigned i,
                                                              int level, const struct page_fast *hot)
{
    pte_t pte = pt[i];

    if (!(pte & PTE_NOFREE)) {
        if (level == 0)
            leaf_get(pte, hot);
        else
            block_get(pte, hot);
        pte = cow_leaf(pte);
        pt[i] = pte;
    }
    ct[i] = pte;
}

/* How many of pt[0, n) remain once the invalid entries at the top are
 * skipped, four at a time: the tables of the image and the heap fill from
 * the bottom, and the copy loops below visit from the top.  Run once per
 * table, before the first leaf: nothing in the per-leaf loops. */
static inline unsigned skip_empty_top(const pte_t *pt, unsigned n)
{
    while (n >= 4 && !((pt[n - 1] | pt[n - 2] | pt[n - 3] | pt[n - 4]) & PTE_V))
        n -= 4;
    return n;
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

    for (unsigned i = skip_empty_top(pt, n); i-- > 0 && placed < valid;) {
        pte_t pte = pt[i];

        if (!(pte & PTE_V))
            continue;
        share_entry(ct, pt, i, 0, &hot);
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

    for (unsigned i = skip_empty_top(pt, n); i-- > 0 && valid > 0;) {
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
        share_entry(ct, pt, i, 1, &hot);
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
 * as some changes (whether each parent leaf changed is not tracked).  A
 * table the range covers only in part, or of a shared range, goes entry by
 * entry (copy_table) into a new table. */
static int copy_subtable(pte_t *cp, pagetable_t pt, int level, uint64 base, struct copy *c)
{
    if (pte_is_table(*cp))
        return copy_table(pte_table(*cp), pt, level, base, c);
    if (*cp & PTE_V)
        return -MM_EEXIST;
    pagetable_t t = table_alloc();
    if (!t)
        return -MM_ENOMEM;
    bool whole = base >= c->start && c->end - base >= LEVEL_SIZE(level + 1) && !c->shared;
    unsigned n = entries_below(base, level, c->end);
    uint32 placed = 0, valid = *table_count(pt);
    int err = 0;
    if (!whole)
        err = copy_table(t, pt, level, base, c);
    else if (level == 0)
        placed = share_leaves(t, pt, n, valid);
    else
        err = share_blocks(t, pt, n, valid, base, c, &placed);
    if (!whole)
        placed = *table_count(t);
    else if (placed)
        tlb_batch_note_some(&c->b, base);   /* leaves of the parent may have become read-only */
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
 * that meet the range into the child's table ct, which sits at the same
 * place and may hold entries already (a leaf is copied when it starts in
 * the range).  Stops at the first error. */
static int copy_table(pagetable_t ct, pagetable_t pt, int level, uint64 base, struct copy *c)
{
    unsigned n = entries_below(base, level, c->end);
    int err = 0;

    for (unsigned i = entries_from(base, level, c->start); i < n && err == 0; i++) {
        uint64 va = base + i * LEVEL_SIZE(level);

        if (i + 4 <= n && !((pt[i] | pt[i + 1] | pt[i + 2] | pt[i + 3]) & PTE_V)) {
            i += 3;         /* four invalid entries (the root's half is mostly empty) */
            continue;
        }
        if (level > 0 && pte_is_table(pt[i]))
            err = copy_subtable(&ct[i], pte_table(pt[i]), level - 1, va, c);
        else if ((pt[i] & PTE_V) && va >= c->start)
            err = copy_leaf(&ct[i], &pt[i], level, va, c);
    }
    return err;
}

/* Contract in mm/cow.h.  Table by table (see the top); the parent's leaves
 * that became read-only take one TLB flush at the end. */
int uvmcopy_range(pagetable_t cpgtbl, pagetable_t ppgtbl, uint64 start, uint64 end, bool shared)
{
    struct copy c;

    if (!cpgtbl || !ppgtbl || cpgtbl == ppgtbl || end > SV39_LOW_END || start > end ||
        ((start | end) & PAGE_MASK))
        return -MM_EINVAL;
    tlb_batch_start(&c.b, ppgtbl, start);
    c.start = start;
    c.end = end;
    c.shared = shared;
    int err = copy_table(cpgtbl, ppgtbl, SV39_ROOT_LEVEL, 0, &c);
    tlb_batch_finish(&c.b);
    return err;
}

/* Contract in mm/cow.h. */
int uvmcopy(pagetable_t cpgtbl, pagetable_t ppgtbl, uint64 sz)
{
    if (sz > SV39_LOW_END)
        return -MM_EINVAL;
    return uvmcopy_range(cpgtbl, ppgtbl, 0, PGROUNDUP(sz), false);
}

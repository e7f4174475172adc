/* VMA operations: splitting and merging VMAs, and the range operations that
 * the system calls (mmap.c), faults (fault.c) and the app's address space
 * (uvm.c) build on: map a range, unmap one, populate one.
 *
 * The tree and list the VMAs live in are vma_tree.c's.  A range operation
 * changes the page tables first, so that one that fails (no memory to split
 * a superpage or for a spare VMA) fails before any VMA changes. */
#include <arch/layout.h>
#include <arch/mmu.h>

#include <mm/errno.h>
#include <mm/page.h>
#include <mm/vm.h>

#include "mm_internal.h"

const char *vma_perms(const struct vma *v)
{
    static const char *const names[8] = { "---", "r--", "-w-", "rw-", "--x", "r-x", "-wx", "rwx" };
    return names[v->prot & 7];
}

/* ---- split and merge ------------------------------------------------------ */

struct vma *vma_split(struct mm *mm, struct vma *v, uint64 addr, struct vma *spare)
{
    *spare = *v;
    spare->start = addr;
    vma_set_file(spare, v->file, v->pgoff + ((addr - v->start) >> PAGE_SHIFT));
    v->end = addr;
    vma_link(mm, spare, v, v->next);
    return spare;
}

/* Grow a over its successor b (vma_mergeable) and free b.  a covers b
 * first, so no gap changes on the way. */
static void grow_into_next(struct mm *mm, struct vma *a, struct vma *b)
{
    a->fresh = a->fresh && b->fresh;
    a->end = b->end;
    vma_remove(mm, b);
    vma_free(b);
}

/* vma_add when v merges with prev, next or both (vma_mergeable): they grow
 * over v's range and v is freed. */
static __attribute__((noinline)) struct vma *add_by_merging(struct mm *mm, struct vma *v,
                                                            struct vma *prev, struct vma *next)
{
    struct vma *keep = vma_mergeable(prev, v) ? prev : next;
    keep->fresh = keep->fresh && v->fresh;
    if (keep == next)
        vma_set_start(mm, next, v->start);
    else if (vma_mergeable(v, next))
        grow_into_next(mm, prev, next); /* next's gap, v's range, goes with it */
    else
        vma_set_end(mm, prev, v->end);
    vma_free(v);
    return mm->cache = keep;    /* the likeliest next lookup: its first fault, or its munmap */
}

struct vma *vma_add(struct mm *mm, struct vma *v)
{
    struct vma_neighbours n = vma_neighbours(mm, v->start, v->end);
    if (vma_mergeable(n.prev, v) || vma_mergeable(v, n.next))
        return add_by_merging(mm, v, n.prev, n.next);
    mm->cache = v;
    vma_link(mm, v, n.prev, n.next);
    return v;
}

struct vma *vma_merge(struct mm *mm, struct vma *v)
{
    if (vma_mergeable(v, v->next))
        grow_into_next(mm, v, v->next);
    struct vma *p = v->prev;
    if (vma_mergeable(p, v)) {
        grow_into_next(mm, p, v);
        v = p;
    }
    return v;
}

struct vma *vma_cut(struct mm *mm, struct vma *v, uint64 start, uint64 end)
{
    bool cut_start = v->start < start, cut_end = v->end > end;
    struct vma *a = cut_start ? vma_new(0, 0, 0, 0, NULL) : NULL;
    struct vma *b = cut_end ? vma_new(0, 0, 0, 0, NULL) : NULL;
    if ((cut_start && !a) || (cut_end && !b) || mm->nr_vmas + cut_start + cut_end > VMA_MAX_COUNT + 1) {
        vma_free(a);
        vma_free(b);
        return NULL;
    }
    if (a)
        v = vma_split(mm, v, start, a);
    if (b)
        vma_split(mm, v, end, b);
    return v;
}

/* ---- mapping a range ------------------------------------------------------ */

int mm_map_range(struct mm *mm, uint64 start, uint64 end, uint32 prot, uint32 flags,
                 const char *name, struct vma **out)
{
    struct vma *v = vma_map(mm, start, end, prot, flags, name, false);
    if (!v)
        return -MM_ENOMEM;
    if (out)
        *out = v;
    return 0;
}

/* ---- unmapping a range ---------------------------------------------------- */

int mm_release_pages(struct mm *mm, struct vma *v, uint64 start, uint64 end)
{
    return vm_unmap(mm->pt, start, (end - start) >> PAGE_SHIFT, !(v->flags & VMA_IMAGE));
}

/* Release the pages of [start, end) in the VMAs first..last (in list order,
 * all meeting the range); fresh VMAs have none.  0 or vm_unmap's error. */
static int release_range(struct mm *mm, struct vma *first, struct vma *last, uint64 start, uint64 end)
{
    for (struct vma *w = first;; w = w->next) {
        uint64 a = w->start > start ? w->start : start, b = w->end < end ? w->end : end;
        int err = w->fresh ? 0 : mm_release_pages(mm, w, a, b);
        if (err || w == last)
            return err;
    }
}

/* Remove and free the VMAs from first up to (not including) stop. */
static void remove_vmas(struct mm *mm, struct vma *first, struct vma *stop)
{
    for (struct vma *v = first; v != stop;) {
        struct vma *next = v->next;
        vma_remove(mm, v);
        vma_free(v);
        v = next;
    }
}

/* mm_unmap_range when first starts below start or last ends above end:
 * those parts stay, first's head and last's tail.  A range inside one VMA
 * splits it, with a spare VMA taken before anything changes (-MM_ENOMEM
 * when none, or when the VMA count is at its limit, as on Linux). */
static int unmap_cutting(struct mm *mm, struct vma *first, struct vma *last, uint64 start, uint64 end)
{
    bool head = first->start < start, tail = last->end > end;
    struct vma *spare = NULL;
    if (first == last && head && tail &&
        (mm->nr_vmas >= VMA_MAX_COUNT || !(spare = vma_new(0, 0, 0, 0, NULL))))
        return -MM_ENOMEM;
    int err = release_range(mm, first, last, start, end);
    if (err) {
        vma_free(spare);
        return err;
    }
    if (spare) {
        vma_split(mm, first, end, spare);       /* spare keeps the tail */
        tail = false;
    }
    remove_vmas(mm, head ? first->next : first, tail ? last : last->next);
    if (head)
        vma_set_end(mm, first, start);
    if (tail)
        vma_set_start(mm, last, end);
    return 0;
}

/* The page tables go first: an unmap that cannot split a superpage fails
 * before any VMA changes. */
int mm_unmap_range(struct mm *mm, uint64 start, uint64 end)
{
    if (start >= end)
        return 0;           /* an empty range changes nothing (and must not split) */
    struct vma *first = vma_first_after(mm, start), *last = first;
    if (!first || first->start >= end)
        return 0;
    while (last->next && last->next->start < end)
        last = last->next;
    if (first->start < start || last->end > end)
        return unmap_cutting(mm, first, last, start, end);
    if (first != last || !first->fresh) {       /* a lone fresh VMA has no pages */
        int err = release_range(mm, first, last, start, end);
        if (err)
            return err;
    }
    remove_vmas(mm, first, last->next);
    return 0;
}

/* ---- populating a range --------------------------------------------------- */

/* Populate one 2 MiB block at va with a split order-9 block; false when it
 * cannot (no block free, or something is mapped there already). */
static bool populate_huge(struct mm *mm, struct vma *v, uint64 va)
{
    return mm_map_block(mm, v, va, BLOCK_ZEROED) == 0;
}

void mm_populate(struct mm *mm, struct vma *v, uint64 start, uint64 end)
{
    bool write = v->prot & MM_PROT_WRITE;

    if (!vma_allows(v, FAULT_READ))
        return;                 /* nothing may touch it: nothing to populate */
    v->fresh = false;
    for (uint64 va = start; va < end;) {
        if ((va & (MEGAPAGE_SIZE - 1)) == 0 && end - va >= MEGAPAGE_SIZE &&
            vma_may_map_huge(v, va) && populate_huge(mm, v, va)) {
            va += MEGAPAGE_SIZE;
            continue;
        }
        if (mm_fault_in(mm, v, va, write) != 0)
            return;
        va += PAGE_SIZE;
    }
}

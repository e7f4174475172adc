/* Not public: the VMA tree's interface (vma_tree.c): finding VMAs and free
 * ranges, and linking VMAs into and out of an address space's tree and
 * list.  vma.c builds split, merge and the range operations on it; the
 * other files use the lookups.  mm_internal.h includes it after struct vma
 * and struct mm, whose tree fields its one inline function reads. */
#ifndef MM_VMA_TREE_H
#define MM_VMA_TREE_H

#ifndef MM_MM_INTERNAL_H
#error "vma_tree.h comes with mm_internal.h: include that"
#endif

/* ---- lookups ---- */
/* The VMA containing addr, or NULL.  The caller may map pages in it (the
 * fault path finds its VMA here), so it is no longer fresh. */
struct vma *vma_find(struct mm *mm, uint64 addr);
/* The lowest VMA that ends above addr, or NULL (no side effect). */
struct vma *vma_first_after(struct mm *mm, uint64 addr);
/* Whether [start, end) meets no VMA. */
bool        vma_range_free(struct mm *mm, uint64 start, uint64 end);
/* The VMAs on either side of a free range (either NULL when there is none). */
struct vma_neighbours {
    struct vma *prev, *next;
};
/* vma_neighbours past the gap hint: a walk down the tree. */
struct vma_neighbours vma_neighbours_in_tree(struct mm *mm, uint64 start);
/* The VMAs just below and just above the free range [start, end).  Inline,
 * for mmap: its new mappings mostly go in the gap hint's gap (vma_tree.c),
 * and then the hint is the one above. */
static inline struct vma_neighbours vma_neighbours(struct mm *mm, uint64 start, uint64 end)
{
    struct vma *h = mm->gap_hint;
    if (h && end <= h->start && start >= h->start - h->gap)
        return (struct vma_neighbours){ h->prev, h };
    return vma_neighbours_in_tree(mm, start);
}
/* Highest page-aligned address a with [a, a + len) free and
 * VMA_FLOOR <= a, a + len <= limit; 0 when there is none.  Sets the
 * placement hint, so the next search of the same kind is O(1). */
uint64      vma_find_gap(struct mm *mm, uint64 len, uint64 limit);

/* ---- linking ---- */
/* Link v, whose range [start, end) is set and free, between its neighbours
 * prev and next (either may be NULL; vma_neighbours finds them).  Never
 * fails: v is caller-allocated. */
void        vma_link(struct mm *mm, struct vma *v, struct vma *prev, struct vma *next);
/* Insert v (its range must be free): vma_link at its place. */
void        vma_insert(struct mm *mm, struct vma *v);
/* Remove v from the tree and list (the caller frees it).  Panics when v is
 * not in the tree: that is a libOS bug, never the app's. */
void        vma_remove(struct mm *mm, struct vma *v);
/* Change v's end; the range it grows into must be free. */
void        vma_set_end(struct mm *mm, struct vma *v, uint64 end);
/* Change v's start; the range it grows into must be free.  A file
 * mapping's pgoff follows (its pages stay where they are in the file). */
void        vma_set_start(struct mm *mm, struct vma *v, uint64 start);
/* Check the tree's order, balance, gaps, the hint and the list; 0 or
 * -MM_EINVAL after a report on the console. */
int         vma_check(struct mm *mm);

#endif

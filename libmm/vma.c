/* VMA operations: splitting and merging VMAs, on the tree and list of
 * vma_tree.c. */
#include "mm_internal.h"

const char *vma_perms(const struct vma *v)
{
    static const char *const names[8] = { "---", "r--", "-w-", "rw-", "--x", "r-x", "-wx", "rwx" };
    return names[v->prot & 7];
}

struct vma *vma_split(struct mm *mm, struct vma *v, uint64 addr, struct vma *spare)
{
    *spare = *v;
    spare->start = addr;
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

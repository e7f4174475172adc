/* fork's copy of an address space (mm/space.h): the same VMAs (a file
 * mapping's with one more reference on its file), break and allocator, and
 * the pages shared range by range -- copy-on-write for private memory, as
 * they are for MAP_SHARED memory (anonymous shared memory made present
 * first: with no shared object behind it, a page faulted in later would be
 * one side's alone). */
#include <arch/layout.h>

#include <mm/cow.h>
#include <mm/errno.h>
#include <mm/space.h>

#include "mm_internal.h"
#include "vm_internal.h"

/* Give child a copy of each of parent's VMAs (not merged: the same list).
 * 0 or -MM_ENOMEM (the copies made so far stay in child). */
static int copy_vmas(struct mm *child, const struct mm *parent)
{
    for (struct vma *v = parent->first; v; v = v->next) {
        struct vma *c = vma_new(v->start, v->end, v->prot, v->flags, v->name);
        if (!c)
            return -MM_ENOMEM;
        vma_set_file(c, v->file, v->pgoff);
        c->fresh = v->fresh;
        vma_insert(child, c);
        if (v == parent->heap)
            child->heap = c;
    }
    return 0;
}

/* Whether v's pages are shared as they are after fork (MAP_SHARED). */
static bool vma_shared(const struct vma *v)
{
    return (v->flags & VMA_SHARED) != 0;
}

/* MAP_SHARED anonymous memory has no object behind it that both sides
 * could fault pages in from later: its pages are made present in parent
 * before the copy (mm_populate, then one fault-in per page it could not
 * give), so both map the same frames.  (A shared file mapping has its page
 * cache.)  0 or -MM_ENOMEM. */
static int populate_shared(struct mm *parent)
{
    for (struct vma *v = parent->first; v; v = v->next) {
        if (!vma_shared(v) || v->file)
            continue;
        mm_populate(parent, v, v->start, v->end);
        v->fresh = false;
        for (uint64 va = v->start; va < v->end; va += PAGE_SIZE)
            if (mm_fault_in(parent, v, va, false) != 0)
                return -MM_ENOMEM;
    }
    return 0;
}

/* Share parent's pages with child in runs of VMAs of one kind: a run ends
 * where the next VMA of the other kind starts (no leaf lies outside a VMA,
 * so the gaps go with either side).  One run for an app without MAP_SHARED
 * memory: the whole half in one table-by-table pass.  0 or the first error. */
static int copy_pages(struct mm *child, struct mm *parent)
{
    const struct vma *v = parent->first;
    uint64 start = 0;       /* from 0: whole tables take uvmcopy's fast path */

    while (v) {
        bool shared = vma_shared(v);
        while (v && vma_shared(v) == shared)
            v = v->next;
        uint64 end = v ? v->start : USER_END;
        int err = uvmcopy_range(child->pt, parent->pt, start, end, shared);
        if (err)
            return err;
        start = end;
    }
    return 0;
}

/* Give child its own copy of each page of [start, end) that parent maps
 * copy-on-write in a private writable VMA, and parent its page back
 * writable (the only user left: reused in place).  These are the pages
 * under the forking caller's stack pointer, which both sides write at once:
 * copied here, neither takes a fault for them, and an out-of-memory there
 * fails the fork instead of ending a process later.  0 or -MM_ENOMEM. */
static int copy_eagerly(struct mm *child, struct mm *parent, uint64 start, uint64 end)
{
    for (uint64 va = PGROUNDDOWN(start); va < end && va < USER_END; va += PAGE_SIZE) {
        int level;
        struct vma *v = vma_find(parent, va);
        pte_t *p = vm_lookup(parent->pt, va, &level);
        if (!v || vma_shared(v) || !(v->prot & MM_PROT_WRITE) || level != 0 ||
            (*p & (PTE_V | PTE_COW)) != (PTE_V | PTE_COW))
            continue;
        int err = mm_fault_in(child, vma_find(child, va), va, true);
        if (err)
            return err;
        mm_fault_in(parent, v, va, true);
    }
    return 0;
}

/* Contract in mm/space.h. */
struct mm *mm_fork(struct mm *parent, uint64 hot_start, uint64 hot_end)
{
    struct mm *child = mm_create();
    if (!child)
        return NULL;
    child->mmap_base = parent->mmap_base;
    child->heap_start = parent->heap_start;
    child->brk = parent->brk;
    child->umalloc = parent->umalloc;       /* its state is in the app's memory, now copied */
    if (populate_shared(parent) != 0 || copy_vmas(child, parent) != 0 ||
        copy_pages(child, parent) != 0 || copy_eagerly(child, parent, hot_start, hot_end) != 0) {
        child->umalloc = NULL;
        mm_destroy(child);
        return NULL;
    }
    return child;
}

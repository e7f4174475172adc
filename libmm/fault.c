/* Page faults: demand paging of anonymous memory (the shared zero page for
 * reads, a fresh page for writes) and of files (filemap.c), breaking
 * copy-on-write, and naming the violations libarch reports. */
#include <arch/layout.h>

#include <mm/errno.h>
#include <mm/fault.h>
#include <mm/page.h>
#include <mm/uvm.h>
#include <mm/vm.h>

#include "mm_internal.h"
#include "vm_internal.h"

void *mm_zero_frame;        /* vm_internal.h; written once, by the first address space made */
uint64 mm_resident_pages, mm_resident_peak_pages;   /* mm_internal.h */

/* Contract in vm_internal.h. */
/* Contract in mm/fault.h. */
void *mm_zero_page(void)
{
    if (!mm_zero_frame)
        mm_zero_frame = page_zalloc(0);
    return mm_zero_frame;
}

/* The copy-on-write leaf p at va maps old, shared: map a copy of it (of the
 * zero page: a fresh zeroed page) with flags instead. */
static __attribute__((noinline)) int copy_cow(pte_t *p, uint64 va, void *old, uint64 flags)
{
    void *fresh = page_alloc(0);
    if (!fresh)
        return -MM_ENOMEM;
    if (old == mm_zero_frame) {
        page_zero(fresh);
        mm_resident_add(1);
    } else
        page_copy(fresh, old);
    vm_replace_leaf(p, va, fresh, flags);
    page_put(old);
    return 0;
}

/* The 4 KiB leaf that maps va once the copy-on-write superpage over it is
 * split; NULL when no table page is free for that. */
static __attribute__((noinline)) pte_t *split_cow(struct mm *mm, uint64 va)
{
    int level;
    uint64 page = PGROUNDDOWN(va);

    /* Both ends of va's page become leaf boundaries: at a superpage's first
     * page the start already is one, and only the split at its end breaks
     * the superpage down to a 4 KiB leaf for va. */
    if (vm_split_at(mm->pt, page) != 0 || vm_split_at(mm->pt, page + PAGE_SIZE) != 0)
        return NULL;
    pte_t *p = vm_lookup(mm->pt, va, &level);
    return level == 0 ? p : NULL;
}

/* The copy-on-write 4 KiB leaf p maps va of v: when this is its frame's
 * only mapping (not the zero page's), make it writable in place (1); else
 * 0, nothing done. */
static inline __attribute__((always_inline)) int reuse_cow(pte_t *p, uint64 va, const struct vma *v)
{
    void *old = pte_frame(*p);
    if (old == mm_zero_frame || page_refcount(old) != 1)
        return 0;
    vm_replace_leaf(p, va, old, prot_to_pte(v->prot));
    return 1;
}

/* A write to the copy-on-write leaf *p (at level) that maps va of v: a
 * shared superpage is split first; then the frame is reused when this is its
 * only mapping, else copied.  On success *p is the 4 KiB leaf. */
static inline __attribute__((always_inline))
int break_cow(struct mm *mm, struct vma *v, pte_t **p, int level, uint64 va)
{
    if (level > 0 && !(*p = split_cow(mm, va)))
        return -MM_ENOMEM;
    if (reuse_cow(*p, va, v))
        return 0;
    return copy_cow(*p, va, pte_frame(**p), prot_to_pte(v->prot));
}

/* Make va of v present, where vm_lookup found the invalid entry *p at level:
 * a file's page (file_fill); the shared zero page for a read of private
 * memory that is not executable, else a fresh zeroed page.  On success *p
 * is the new leaf. */
static inline __attribute__((always_inline))
int fill_page(struct mm *mm, struct vma *v, pte_t **p, int level, uint64 va, bool write)
{
    if (v->file)
        return file_fill(mm, v, p, level, va, write);
    if (!write && !(v->flags & VMA_SHARED) && !(v->prot & MM_PROT_EXEC)) {
        void *z = mm_zero_page();
        if (!z)
            return -MM_ENOMEM;
        int err = vm_map_frame(mm->pt, p, level, va, z, PTE_USER | PTE_R | PTE_COW);
        if (err == 0) {
            page_get(z);
            mm->zero_maps++;
        }
        return err;
    }
    void *page = page_alloc(0);
    if (!page)
        return -MM_ENOMEM;
    page_zero(page);
    int err = vm_map_frame(mm->pt, p, level, va, page, prot_to_pte(v->prot));
    if (err)
        page_free(page, 0);
    else
        mm_resident_add(1);
    return err;
}

/* Contract in mm_internal.h (populate and faults share it): make the page at
 * va of v present for a read or a write. */
int mm_fault_in(struct mm *mm, struct vma *v, uint64 va, bool write)
{
    int level;
    pte_t *p = vm_lookup(mm->pt, va, &level);

    if (!(*p & PTE_V))
        return fill_page(mm, v, &p, level, va, write);
    if (!write || !(*p & PTE_COW))
        return 0;   /* present: another path made it so */
    return break_cow(mm, v, &p, level, va);
}

/* Fill the new 2 MiB block at block as source says (see mm_map_block). */
static void fill_block(char *block, pagetable_t pt, uint64 base, enum block_source source)
{
    for (uint64 off = 0; off < MEGAPAGE_SIZE; off += PAGE_SIZE) {
        if (source == BLOCK_ZEROED)
            page_zero(block + off);
        else
            page_copy(block + off, (void *)phys_to_virt(walkaddr(pt, base + off)));
    }
}

/* Contract in mm_internal.h (populate and the collapse below share it). */
int mm_map_block(struct mm *mm, const struct vma *v, uint64 base, enum block_source source)
{
    char *block = page_alloc(MEGAPAGE_ORDER);
    if (!block)
        return -MM_ENOMEM;
    fill_block(block, mm->pt, base, source);
    uint64 pa = virt_to_phys((uint64)block), flags = prot_to_pte(v->prot);
    int err = source == BLOCK_ZEROED ? mappages(mm->pt, base, pa, MEGAPAGE_SIZE, flags)
                                     : vm_collapse_block(mm->pt, base, pa, flags);
    if (err) {
        page_free(block, MEGAPAGE_ORDER);
        return err;
    }
    page_split(block, MEGAPAGE_ORDER);      /* any part can be unmapped and freed later */
    if (source == BLOCK_ZEROED)
        mm_resident_add(MEGAPAGE_SIZE >> PAGE_SHIFT);   /* a collapse replaces as many */
    return 0;
}

/* A write fault has just filled the level-0 table of va: when v may use
 * 2 MiB leaves for the whole block, copy the 512 pages into one 2 MiB block
 * and map that instead (fewer TLB entries for memory that is fully used).
 * Quietly does nothing when it cannot. */
static __attribute__((noinline)) void collapse_block(struct mm *mm, struct vma *v, uint64 va)
{
    uint64 base = va & ~(MEGAPAGE_SIZE - 1);
    if (!vma_may_map_huge(v, base) || (v->flags & VMA_SHARED))
        return;     /* a shared mapping keeps its frames: a copy would part it from its sharers;
                     * a file's (vma_may_map_huge) its page cache's */
    if (mm_map_block(mm, v, base, BLOCK_COLLAPSED) == 0)
        mm->collapses++;
}

/* The fault at va of v is resolved and p is its leaf: count it, and
 * collapse the block when a write has made its level-0 table full. */
static inline int resolved(struct mm *mm, struct vma *v, const pte_t *p, uint64 va, bool write)
{
    mm->faults++;
    if (write && vm_table_is_full(p))
        collapse_block(mm, v, va);
    return 0;
}

/* A fault at va of v where vm_lookup found the invalid entry p at level. */
static __attribute__((noinline)) int hole_fault(struct mm *mm, struct vma *v, pte_t *p, int level,
                                                uint64 va, bool write)
{
    int err = fill_page(mm, v, &p, level, va, write);
    return err ? err : resolved(mm, v, p, va, write);
}

/* A write fault at va of v on the copy-on-write leaf p at level. */
static __attribute__((noinline)) int cow_fault(struct mm *mm, struct vma *v, pte_t *p, int level,
                                               uint64 va)
{
    int err = break_cow(mm, v, &p, level, va);
    return err ? err : resolved(mm, v, p, va, true);
}

/* mm_handle_fault, inlined into the two entries below.  One walk: the
 * entry found decides.  Present and still faulting: only a write to a
 * copy-on-write leaf is ours; a 4 KiB leaf whose frame has no other
 * mapping is reused here, without cow_fault's call. */
static inline __attribute__((always_inline)) int handle_fault(struct mm *mm, uint64 addr,
                                                              unsigned access)
{
    struct vma *v = vma_find(mm, addr);
    if (!v || !vma_allows(v, access))
        return -MM_EFAULT;
    bool write = access & FAULT_WRITE;
    uint64 va = PGROUNDDOWN(addr);
    int level;
    pte_t *p = vm_lookup(mm->pt, va, &level);
    if (!(*p & PTE_V))
        return hole_fault(mm, v, p, level, va, write);
    if (!write || !(*p & PTE_COW))
        return -MM_EFAULT;
    if (level == 0 && reuse_cow(p, va, v))
        return resolved(mm, v, p, va, true);
    return cow_fault(mm, v, p, level, va);
}

/* Contract in mm_internal.h. */
int mm_handle_fault(struct mm *mm, uint64 addr, unsigned access)
{
    return handle_fault(mm, addr, access);
}

/* What went wrong at addr, for the report. */
static const char *violation(const struct vma *v, uint64 addr, unsigned access)
{
    if (addr < NULL_GUARD_END)
        return "NULL pointer dereference";
    if (v && (v->flags & VMA_GUARD))
        return "stack overflow (guard page)";
    if (!v)
        return sv39_canonical(addr) != addr ? "non-canonical address (a corrupted pointer?)"
               : addr >= USER_END ? "access to a libOS address" : "access to unmapped memory";
    if (v->prot == MM_PROT_NONE)
        return "access to PROT_NONE memory";
    if (access & FAULT_WRITE)
        return "write to read-only memory";
    if (access & FAULT_EXEC)
        return "execute of non-executable memory";
    return "access denied";
}

/* Fill *info for the fault at addr that libmm could not resolve (err). */
static __attribute__((noinline)) int explain(struct mm *mm, uint64 addr, unsigned access, int err,
                                             struct fault_info *info)
{
    struct vma *v = mm && addr < USER_END ? vma_find(mm, addr) : NULL;
    info->no_memory = err == -MM_ENOMEM;
    info->bus_error = err == -MM_ENXIO;
    info->kind = info->no_memory ? "out of memory (no page for a fault)"
               : info->bus_error ? "access to a page past the end of the mapped file (SIGBUS)"
               : violation(v, addr, access);
    info->has_region = v != NULL;
    if (v) {
        info->region_start = v->start;
        info->region_end = v->end;
        info->region_name = v->name;
        info->region_perms = vma_perms(v);
    }
    return err;
}

/* The fault mm_fault is resolving (one hart; faults in the libOS do not
 * nest into libmm), for the two entries below, and their result.  info is
 * NULL outside a fault. */
static struct {
    uint64              addr;
    unsigned            access;
    struct fault_info  *info;
    int                 err;
} pending;

/* Resolve the pending fault as a store (FAULT_WRITE) or not: handle_fault,
 * and the report's facts when it cannot. */
static inline __attribute__((always_inline)) void resolve_pending(unsigned store)
{
    if (!pending.info)
        return;
    struct mm *mm = current_mm;
    uint64 addr = pending.addr;
    unsigned access = (pending.access & ~FAULT_WRITE) | store;
    int err = mm ? handle_fault(mm, addr, access) : -MM_EFAULT;
    pending.err = err == 0 ? 0 : explain(mm, addr, access, err, pending.info);
}

/* Contract in mm/fault.h. */
void store_page_fault_handler(void)
{
    resolve_pending(FAULT_WRITE);
}

/* Contract in mm/fault.h. */
void page_unmap_handler(void)
{
    resolve_pending(0);
}

/* Contract in mm/fault.h.  The fault's cause picks the entry, as the first
 * system's trap path does: a store, or a load or instruction fetch.  No
 * frame of its own (MM_FAST_PATH): it costs every fault. */
MM_FAST_PATH int mm_fault(uint64 addr, unsigned access, struct fault_info *info)
{
    pending.addr = addr;
    pending.access = access;
    pending.info = info;
    if (access & FAULT_WRITE)
        store_page_fault_handler();
    else
        page_unmap_handler();
    pending.info = NULL;
    return pending.err;
}

/* Contract in mm/fault.h. */
int mm_report_readable(uint64 va)
{
    pagetable_t pt = uvm_current();
    pte_t *pte = pt && va < USER_END ? walk(pt, va, 0) : NULL;
    return pte && (*pte & (PTE_V | PTE_R)) == (PTE_V | PTE_R);
}

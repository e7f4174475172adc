/* Page faults: demand paging of anonymous memory (the shared zero page for
 * reads, a fresh page for writes), breaking copy-on-write, and naming the
 * violations libarch reports. */
#include <arch/layout.h>

#include <mm/errno.h>
#include <mm/fault.h>
#include <mm/page.h>
#include <mm/uvm.h>
#include <mm/vm.h>

#include "mm_internal.h"
#include "vm_internal.h"

static void *zero_page;     /* written once, by the first address space made */

void *mm_zero_page(void)
{
    if (!zero_page)
        zero_page = page_zalloc(0);
    return zero_page;
}

static bool access_allowed(const struct vma *v, unsigned access)
{
    if ((v->flags & VMA_GUARD) || v->prot == MM_PROT_NONE)
        return false;
    if ((access & FAULT_WRITE) && !(v->prot & MM_PROT_WRITE))
        return false;
    if ((access & FAULT_EXEC) && !(v->prot & MM_PROT_EXEC))
        return false;
    return true;
}

/* A write to the copy-on-write leaf p at va: reuse the frame when this is
 * its only mapping, else copy it (the zero page: a fresh zeroed page). */
static int break_cow(struct vma *v, pte_t *p, uint64 va)
{
    void *old = (void *)phys_to_virt(PTE2PA(*p));
    uint64 flags = prot_to_pte(v->prot);

    if (old != zero_page && page_refcount(old) == 1) {
        vm_replace_leaf(p, va, PTE2PA(*p), flags);
        return 0;
    }
    void *fresh = page_alloc(0);
    if (!fresh)
        return -MM_ENOMEM;
    if (old == zero_page)
        page_zero(fresh);
    else
        page_copy(fresh, old);
    vm_replace_leaf(p, va, virt_to_phys((uint64)fresh), flags);
    page_put(old);
    return 0;
}

/* Contract in mm_internal.h (populate and faults share it): make the page at
 * va of v present for a read or a write. */
int mm_fault_in(struct mm *mm, struct vma *v, uint64 va, bool write)
{
    pte_t *p = walk(mm->pt, va, 0);
    if (p) {
        if (!write || !(*p & PTE_COW))
            return 0;   /* present: another path made it so */
        /* a shared superpage (its frame is 2 MiB-aligned): split it first */
        if (!(PTE2PA(*p) & (MEGAPAGE_SIZE - 1)) && p == walk(mm->pt, va ^ PAGE_SIZE, 0)) {
            if (vm_split_at(mm->pt, va) != 0)
                return -MM_ENOMEM;
            p = walk(mm->pt, va, 0);
        }
        return break_cow(v, p, va);
    }
    if (!write && !(v->flags & VMA_SHARED) && !(v->prot & MM_PROT_EXEC)) {
        void *z = mm_zero_page();
        if (!z)
            return -MM_ENOMEM;
        int err = vm_map_page(mm->pt, va, virt_to_phys((uint64)z), PTE_R | PTE_COW);
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
    int err = vm_map_page(mm->pt, va, virt_to_phys((uint64)page), prot_to_pte(v->prot));
    if (err)
        page_free(page, 0);
    return err;
}

/* A write fault at va has just made the last page of its 2 MiB block
 * present: when v may use 2 MiB leaves for the whole block, copy the 512
 * pages into one 2 MiB block and map that instead (fewer TLB entries for
 * memory that is fully used).  Quietly does nothing when it cannot. */
static void collapse_if_full(struct mm *mm, struct vma *v, uint64 va)
{
    uint64 base = va & ~(MEGAPAGE_SIZE - 1);
    if ((v->flags & (VMA_STACK | VMA_IMAGE | VMA_SHARED | VMA_GUARD)) || !(v->prot & MM_PROT_WRITE) ||
        base < v->start || v->end - base < MEGAPAGE_SIZE || !vm_block_is_full(mm->pt, base))
        return;
    char *block = page_alloc(9);
    if (!block)
        return;
    for (uint64 off = 0; off < MEGAPAGE_SIZE; off += PAGE_SIZE)
        page_copy(block + off, (void *)phys_to_virt(walkaddr(mm->pt, base + off)));
    if (vm_collapse_block(mm->pt, base, virt_to_phys((uint64)block), prot_to_pte(v->prot)) != 0) {
        page_free(block, 9);
        return;
    }
    page_split(block, 9);       /* any part can be unmapped and freed later */
    mm->collapses++;
}

int mm_handle_fault(struct mm *mm, uint64 addr, unsigned access)
{
    struct vma *v = vma_find(mm, addr);
    if (!v || !access_allowed(v, access))
        return -MM_EFAULT;
    pte_t *p = walk(mm->pt, addr, 0);
    /* present and still faulting: only a write to a copy-on-write leaf is ours */
    if (p && !((access & FAULT_WRITE) && (*p & PTE_COW)))
        return -MM_EFAULT;
    int err = mm_fault_in(mm, v, PGROUNDDOWN(addr), access & FAULT_WRITE);
    if (err == 0) {
        mm->faults++;
        if (access & FAULT_WRITE)
            collapse_if_full(mm, v, addr);
    }
    return err;
}

/* What went wrong at addr, for the report. */
static const char *violation(const struct vma *v, uint64 addr, unsigned access)
{
    if (addr < NULL_GUARD_END)
        return "NULL pointer dereference";
    if (v && (v->flags & VMA_GUARD))
        return "stack overflow (guard page)";
    if (!v)
        return addr >= USER_END ? "access to a libOS address" : "access to unmapped memory";
    if (v->prot == MM_PROT_NONE)
        return "access to PROT_NONE memory";
    if (access & FAULT_WRITE)
        return "write to read-only memory";
    if (access & FAULT_EXEC)
        return "execute of non-executable memory";
    return "access denied";
}

static const char *perms_of(uint32 prot)
{
    static const char *const names[8] = { "---", "r--", "-w-", "rw-", "--x", "r-x", "-wx", "rwx" };
    return names[prot & 7];
}

/* Contract in mm/fault.h. */
int mm_fault(uint64 addr, unsigned access, struct fault_info *info)
{
    struct mm *mm = mm_current();
    int err = mm ? mm_handle_fault(mm, addr, access) : -MM_EFAULT;
    if (err == 0)
        return 0;
    struct vma *v = mm && addr < USER_END ? vma_find(mm, addr) : NULL;
    info->kind = err == -MM_ENOMEM ? "out of memory (no page for a fault)" : violation(v, addr, access);
    info->has_region = v != NULL;
    if (v) {
        info->region_start = v->start;
        info->region_end = v->end;
        info->region_name = v->name;
        info->region_perms = perms_of(v->prot);
    }
    return err;
}

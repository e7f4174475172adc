/* The buddy/copy-on-write/superpage kernel's calls (<mm/compat/kmm.h>) on
 * libmm's walker, mappages, reference counts and stacks. */
#define MM_COMPAT_NO_RENAME
#include <mm/compat/kmm.h>

#include "../vm_internal.h"

_Static_assert(PTE_RSW == PTE_COW, "PTE_RSW is the bit libmm marks copy-on-write leaves with");
_Static_assert(KMM_THREAD_TF_BASE > (APP_STACK_GUARD & ~(GIGAPAGE_SIZE - 1)),
               "the thread area sits above where mmap places mappings");

/* Contract in mm/compat/kmm.h. */
int kmm_walk(pagetable_t pagetable, uint64 va, int alloc, int lowlevel, pte_t **pte)
{
    int level = -1;

    *pte = NULL;
    if (lowlevel != COMMONPAGE && lowlevel != SUPERPAGE)
        return -1;
    pte_t *p = vm_walk_level(pagetable, va, lowlevel, alloc != 0, &level);
    if (!p)
        return -1;
    if (alloc || (*p & PTE_V))
        *pte = p;
    return level;
}

/* Map [va, va + sz) in steps of step bytes, each one leaf of that size. */
static int map_in_steps(pagetable_t pt, uint64 va, uint64 sz, uint64 pa, int perm, uint64 step)
{
    for (uint64 off = 0; off < sz; off += step) {
        int err = mappages(pt, va + off, pa + off, step, (uint64)perm);
        if (err) {
            uvmunmap(pt, va, off / PAGE_SIZE, 0);
            return err;
        }
    }
    return 0;
}

/* Contract in mm/compat/kmm.h. */
int kmm_mappages(pagetable_t pagetable, uint64 va, uint64 sz, uint64 pa, int perm, int lowlevel)
{
    uint64 step = lowlevel == SUPERPAGE ? SUPERPG_SIZE : PAGE_SIZE;

    if ((lowlevel != COMMONPAGE && lowlevel != SUPERPAGE) || sz == 0 ||
        ((va | pa | sz) & (step - 1)))
        return -MM_EINVAL;
    return map_in_steps(pagetable, va, sz, pa, perm, step);
}

/* Contract in mm/compat/kmm.h. */
int kmm_kvmmap(pagetable_t kpgtbl, uint64 va, uint64 pa, uint64 sz, int perm, int lowlevel)
{
    int err = kmm_mappages(kpgtbl, va, sz, pa, perm, lowlevel);
    if (err)
        kprintf("kvmmap: 0x%lx -> pa 0x%lx (0x%lx bytes) not mapped: error %d\n", va, pa, sz, err);
    return err;
}

/* Contract in mm/compat/kmm.h. */
void kmm_vmprint(pagetable_t pagetable, int isroot, int level, uint64 start, uint64 end, uint64 vabase)
{
    if (isroot)
        kprintf("page table %p (pa 0x%lx)\n", (void *)pagetable, virt_to_phys((uint64)pagetable));
    vmprint_range(pagetable, level, start, end, vabase);
}

/* Contract in mm/compat/kmm.h. */
int kmm_copyin(pagetable_t pagetable, char *dst, uint64 srcva, uint64 len)
{
    return copyin(pagetable, dst, srcva, len) == (int)len ? 0 : -1;
}

/* Contract in mm/compat/kmm.h. */
void share_page(uint64 pa)
{
    page_get((void *)phys_to_virt(pa));
}

/* Contract in mm/compat/kmm.h. */
int uvm_thread_stack(pagetable_t pagetable, int ustack_page)
{
    if (ustack_page < 0 || ustack_page >= KMM_THREAD_MAX)
        return -MM_EINVAL;
    return mm_map_stack(pagetable, kmm_thread_stack_top(ustack_page), KMM_THREAD_STACK_BYTES);
}

/* Contract in mm/compat/kmm.h. */
struct trapframe *uvm_thread_trapframe(pagetable_t pagetable, int thread_idx)
{
    if (thread_idx < 0 || thread_idx >= KMM_THREAD_MAX || walkaddr(pagetable, kmm_thread_trapframe_va(thread_idx)))
        return NULL;
    uint64 va = kmm_thread_trapframe_va(thread_idx);
    if (uvmalloc(pagetable, va, va + PAGE_SIZE, PTE_RW) != va + PAGE_SIZE)
        return NULL;
    return (struct trapframe *)phys_to_virt(walkaddr(pagetable, va));
}

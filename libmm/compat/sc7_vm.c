/* SC7's page-table and permission calls (<mm/compat/sc7_vm.h>) on libmm's
 * protection rule, faults, mprotect and page tables. */
#include <arch/console.h>
#include <mm/compat/sc7_vm.h>

#include "../mm_internal.h"

/* Contract in mm/compat/sc7_vm.h. */
int get_mmapperms(int prot)
{
    return (int)prot_to_pte((uint32)prot);
}

/* Contract in mm/compat/sc7_vm.h. */
int sc7_perm_to_prot(int perm)
{
    if ((perm & (PTE_R | PTE_W | PTE_X | PTE_U)) == (PTE_R | PTE_U))
        return MM_PROT_NONE;
    return ((perm & PTE_R) ? MM_PROT_READ : 0) | ((perm & PTE_W) ? MM_PROT_WRITE : 0) |
           ((perm & PTE_X) ? MM_PROT_EXEC : 0);
}

/* Contract in mm/compat/sc7_vm.h. */
uint64 experm(pgtbl_t pagetable, uint64 va, uint64 perm)
{
    uint64 page = PGROUNDDOWN(va);
    if (pagetable == uvm_current()) {
        int advice = (perm & PTE_W) ? MM_MADV_POPULATE_WRITE : MM_MADV_POPULATE_READ;
        return mm_madvise(page, PAGE_SIZE, advice) == 0 ? walkaddr(pagetable, va) : 0;
    }
    pte_t *pte = walk(pagetable, va, 0);
    if (!pte)
        return 0;
    uint64 bits = (PTE_FLAGS(*pte) | perm) & (PTE_R | PTE_W | PTE_X | PTE_U | PTE_G);
    return vm_protect(pagetable, page, PAGE_SIZE, bits) == 0 ? walkaddr(pagetable, va) : 0;
}

/* Contract in mm/compat/sc7_vm.h. */
int sc7_vm_protect(pgtbl_t pagetable, uint64 va, uint64 addr, uint64 perm)
{
    if (addr <= va)
        return -MM_EINVAL;
    if (pagetable == uvm_current())
        return mm_mprotect(va, addr - va, sc7_perm_to_prot((int)perm));
    return vm_protect(pagetable, va, addr - va, perm);
}

/* Contract in mm/compat/sc7_vm.h. */
void sc7_uvmfree(pgtbl_t pagetable, uint64 start, uint64 sz)
{
    if (pagetable == uvm_current()) {
        kprintf("uvmfree: refused: %p is the running address space\n", (void *)pagetable);
        return;
    }
    if (sz > 0) {
        uint64 from = PGROUNDDOWN(start);
        uvmunmap(pagetable, from, (PGROUNDUP(start + sz) - from) >> PAGE_SHIFT, 1);
    }
    free_pgtbl(pagetable, 0);
}

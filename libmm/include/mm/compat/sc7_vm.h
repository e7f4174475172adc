/* SC7's page-table and permission calls (part of <mm/compat/sc7.h>, which
 * programs include; libmm's compat code includes this part alone).  walk,
 * mappages, walkaddr and uvmalloc are libmm's own, with SC7's arguments;
 * uvmfree, uvmcopy and vm_protect take SC7's arguments in sc7.h (macros for
 * the sc7_ functions here). */
#ifndef MM_COMPAT_SC7_VM_H
#define MM_COMPAT_SC7_VM_H

#include <arch/layout.h>
#include <arch/mmu.h>
#include <mm/cow.h>
#include <mm/errno.h>
#include <mm/kalloc.h>
#include <mm/mmap.h>
#include <mm/page.h>
#include <mm/uvm.h>
#include <mm/vm.h>

typedef pagetable_t pgtbl_t;

#define PGSIZE      PAGE_SIZE

/* Unmap npages pages from va (libmm's uvmunmap: holes are skipped). */
static inline void vmunmap(pgtbl_t pt, uint64 va, uint64 npages, int do_free)
{
    uvmunmap(pt, va, npages, do_free);
}

/* The leaf permission bits for an mmap protection (PROT_*): R, W, X as
 * asked (a mapping is always readable); PROT_NONE gives R|U, which the app
 * (S-mode) cannot use. */
int     get_mmapperms(int prot);
/* The mmap protection (PROT_*) that leaf bits perm stand for:
 * get_mmapperms's inverse. */
int     sc7_perm_to_prot(int perm);
/* Make the page at va present with at least perm and return its physical
 * address (offset kept), 0 when that cannot be: in the running address
 * space the page is faulted in (as a write when perm has PTE_W), which its
 * mapping must allow; in another table an existing leaf gains perm's bits. */
uint64  experm(pgtbl_t pagetable, uint64 va, uint64 perm);
/* Give the pages of [va, addr) (page-aligned: start and end) the
 * permissions perm (leaf bits): mprotect in the running address space
 * (the VMAs change with the pages), libmm's vm_protect in another table.
 * 0 or a negative MM_ error. */
int     sc7_vm_protect(pgtbl_t pagetable, uint64 va, uint64 addr, uint64 perm);
/* Unmap [start, start + sz) freeing the frames, then free the table
 * (whatever is still mapped elsewhere is reported and not freed).  Not for
 * the running address space (refused, printed). */
void    sc7_uvmfree(pgtbl_t pagetable, uint64 start, uint64 sz);
/* SC7's argument order for libmm's uvmcopy (copy-on-write): old's [0, sz)
 * into the empty new.  0 or a negative MM_ error. */
static inline int sc7_uvmcopy(pgtbl_t old, pgtbl_t new, uint64 sz)
{
    return uvmcopy(new, old, sz);
}

#endif

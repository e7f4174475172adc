/* xv6's calls (<mm/compat/xv6.h>) on libmm's page allocator, mappages,
 * walker, address spaces and copies, with physical addresses handed out in
 * pointer form (<mm/compat/pa.h>). */
#define MM_COMPAT_NO_RENAME
#include <mm/compat/xv6.h>
#include <mm/mmap.h>

#include "../vm_internal.h"

#define KALLOC_JUNK     5
#define KFREE_JUNK      1

/* Fill the page at p with byte b. */
static void fill_page(void *p, unsigned char b)
{
    uint64 word = 0x0101010101010101UL * b;
    for (uint64 *w = p, *end = (uint64 *)((char *)p + PAGE_SIZE); w < end; w++)
        *w = word;
}

/* Contract in mm/compat/xv6.h. */
void *xv6_kalloc(void)
{
    void *page = page_alloc(0);
    if (page)
        fill_page(page, KALLOC_JUNK);
    return page;
}

/* Contract in mm/compat/xv6.h. */
void xv6_kfree(void *pa)
{
    void *page = (void *)compat_pa(compat_phys((uint64)pa));
    if (((uint64)pa & PAGE_MASK) || page_refcount(page) == 0)
        panic("kfree: 0x%lx is not an allocated page", (uint64)pa);
    if (page_refcount(page) == 1)
        fill_page(page, KFREE_JUNK);
    page_put(page);
}

/* Contract in mm/compat/xv6.h. */
void freerange(void *pa_start, void *pa_end)
{
    for (uint64 p = PGROUNDUP((uint64)pa_start); p + PAGE_SIZE <= (uint64)pa_end; p += PAGE_SIZE)
        xv6_kfree((void *)p);
}

/* Contract in mm/compat/xv6.h. */
int xv6_mappages(pagetable_t pagetable, uint64 va, uint64 size, uint64 pa, int perm)
{
    if (size == 0)
        return -1;
    uint64 a = PGROUNDDOWN(va), last = PGROUNDDOWN(va + size - 1);
    return mappages(pagetable, a, PGROUNDDOWN(compat_phys(pa)), last - a + PAGE_SIZE, compat_perm((uint64)perm)) ? -1 : 0;
}

/* Contract in mm/compat/xv6.h. */
uint64 xv6_walkaddr(pagetable_t pagetable, uint64 va)
{
    return va < MAXVA ? compat_pa(walkaddr(pagetable, va)) : 0;
}

/* Contract in mm/compat/xv6.h. */
pagetable_t uvmcreate(void)
{
    return uvmmake(0);
}

/* Contract in mm/compat/xv6.h. */
void uvmclear(pagetable_t pagetable, uint64 va)
{
    if (!walk(pagetable, va, 0)) {
        kprintf("uvmclear: nothing mapped at 0x%lx\n", va);
        return;
    }
    if (pagetable == uvm_current())
        mm_mprotect(PGROUNDDOWN(va), PAGE_SIZE, MM_PROT_NONE);
    else
        vm_protect(pagetable, PGROUNDDOWN(va), PAGE_SIZE, PTE_PROT_NONE);
}

/* Contract in mm/compat/xv6.h. */
uint64 kvmpa(uint64 va)
{
    return compat_pa(virt_to_phys(va));
}

/* Contract in mm/compat/xv6.h. */
void xv6_kvmmap(uint64 va, uint64 pa, uint64 sz, int perm)
{
    if (xv6_mappages(kernel_pagetable(), va, sz, pa, perm) != 0)
        kprintf("kvmmap: 0x%lx (0x%lx bytes) not mapped\n", va, sz);
}

/* Contract in mm/compat/xv6.h. */
void xv6_uvminit(pagetable_t pagetable, uchar *src, uint sz)
{
    char *mem = sz < PGSIZE ? page_zalloc(0) : NULL;
    if (!mem || xv6_mappages(pagetable, 0, PGSIZE, (uint64)mem, PTE_R | PTE_X | PTE_U) != 0) {
        kprintf("uvminit: %u bytes of code not loaded\n", sz);
        if (mem)
            page_free(mem, 0);
        return;
    }
    for (uint i = 0; i < sz; i++)
        mem[i] = (char)src[i];
}

/* Contract in mm/compat/xv6.h. */
uint64 xv6_uvmalloc(pagetable_t pagetable, uint64 oldsz, uint64 newsz)
{
    return uvmalloc(pagetable, oldsz, newsz, compat_perm(PTE_RW | PTE_U));
}

/* Contract in mm/compat/xv6.h. */
int xv6_uvmcopy(pagetable_t old, pagetable_t new, uint64 sz)
{
    return uvmcopy(new, old, sz) == 0 ? 0 : -1;
}

/* Contract in mm/compat/xv6.h. */
void xv6_freewalk(pagetable_t pagetable)
{
    free_pgtbl(pagetable, 0);
}

/* Contract in mm/compat/xv6.h. */
int xv6_copyin(pagetable_t pagetable, char *dst, uint64 srcva, uint64 len)
{
    return copyin(pagetable, dst, srcva, len) == (int)len ? 0 : -1;
}

/* Contract in mm/compat/xv6.h. */
int xv6_copyinstr(pagetable_t pagetable, char *dst, uint64 srcva, uint64 max)
{
    return (int)copyinstr(pagetable, dst, srcva, max) < 0 ? -1 : 0;
}

/* Contract in mm/compat/xv6.h. */
int growproc(int n)
{
    return uvm_set_brk(uvm_brk() + (uint64)(int64_t)n) < 0 ? -1 : 0;
}

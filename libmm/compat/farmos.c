/* FarmOS's calls (<mm/compat/farmos.h>) on libmm's page allocator and
 * reference counts, mappages, uvmunmap and walk.  The Page records FarmOS
 * code holds are kept in one list (a hart runs the libOS with interrupts
 * off: no lock). */
#include <arch/console.h>
#include <mm/compat/farmos.h>
#include <mm/kalloc.h>

#define PERM_BITS   (PTE_R | PTE_W | PTE_X | PTE_U | PTE_G)

static Page *live;      /* the records of pages FarmOS calls allocated */

/* Contracts in mm/compat/farmos.h: boot has done this work already. */
void pmmInit(void) {}
void vmmInit(void) {}
void vmEnable(void) {}

/* Contract in mm/compat/farmos.h. */
Page *pmAlloc(void)
{
    Page *p = kzalloc(sizeof *p);
    void *frame = p ? page_zalloc(0) : NULL;
    if (!frame) {
        kfree(p);
        return NULL;
    }
    p->capsule_frame = (u64)frame;
    p->link.le_next = live;
    p->link.le_prev = &live;
    if (live)
        live->link.le_prev = &p->link.le_next;
    live = p;
    return p;
}

/* Contract in mm/compat/farmos.h. */
void pmPageIncRef(Page *p)
{
    if (p->ref > 0)
        page_get((void *)p->capsule_frame);
    p->ref++;
}

/* Contract in mm/compat/farmos.h. */
void pmPageDecRef(Page *p)
{
    if (p->ref == 0) {
        kprintf("pmPageDecRef: page 0x%lx has no reference to drop\n", p->capsule_frame);
        return;
    }
    page_put((void *)p->capsule_frame);
    if (--p->ref > 0)
        return;
    *p->link.le_prev = p->link.le_next;
    if (p->link.le_next)
        p->link.le_next->link.le_prev = p->link.le_prev;
    kfree(p);
}

/* Contract in mm/compat/farmos.h. */
u64 pageToPa(Page *p)
{
    return p->capsule_frame;
}

/* Contract in mm/compat/farmos.h. */
Page *paToPage(u64 pa)
{
    u64 frame = compat_pa(PGROUNDDOWN(compat_phys(pa)));
    for (Page *p = live; p; p = p->link.le_next)
        if (p->capsule_frame == frame)
            return p;
    return NULL;
}

/* Contract in mm/compat/farmos.h. */
u64 kvmAlloc(void)
{
    Page *p = pmAlloc();
    if (!p)
        return 0;
    pmPageIncRef(p);
    return pageToPa(p);
}

/* Contract in mm/compat/farmos.h. */
void kvmFree(u64 va)
{
    Page *p = paToPage(va);
    if (p)
        pmPageDecRef(p);
    else
        kprintf("kvmFree: 0x%lx is not from kvmAlloc\n", va);
}

/* Contract in mm/compat/farmos.h. */
u64 vmAlloc(void)
{
    Page *p = pmAlloc();
    return p ? pageToPa(p) : 0;
}

/* Contract in mm/compat/farmos.h. */
int ptMap(Pte *pgdir, u64 va, u64 pa, u64 perm)
{
    va = PGROUNDDOWN(va);
    if (ptLookup(pgdir, va))
        ptUnmap(pgdir, va);
    int err = mappages(pgdir, va, PGROUNDDOWN(compat_phys(pa)), PAGE_SIZE, compat_perm(perm & PERM_BITS));
    Page *p = err ? NULL : paToPage(pa);
    if (p)
        pmPageIncRef(p);
    return err;
}

/* Contract in mm/compat/farmos.h. */
int ptUnmap(Pte *pgdir, u64 va)
{
    Pte pte = ptLookup(pgdir, va);
    if (!pte)
        return -MM_ENOENT;
    Page *p = paToPage(walkaddr(pgdir, va));
    uvmunmap(pgdir, PGROUNDDOWN(va), 1, 0);
    if (p)
        pmPageDecRef(p);
    return 0;
}

/* Contract in mm/compat/farmos.h. */
Pte ptLookup(Pte *pgdir, u64 va)
{
    pte_t *pte = walk(pgdir, va, 0);
    return pte && (*pte & PTE_V) ? *pte : 0;
}

/* Contract in mm/compat/farmos.h. */
void tlbFlush(void)
{
    arch_sfence_vma_all();
}

/* Contract in mm/compat/farmos.h. */
Pte *ptFetch(void)
{
    return (Pte *)compat_pa(SATP_ROOT_PA(arch_read_satp()));
}

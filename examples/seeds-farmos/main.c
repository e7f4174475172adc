/* FarmOS's pages through <mm/compat/farmos.h>: vmAlloc gives a page with
 * no reference, each ptMap adds one, each ptUnmap drops one, and the last
 * one frees the page. */
#include <mm/compat/farmos.h>

#include <stdio.h>

#define VA  0x200000UL

int main(void)
{
    Page *pd = pmAlloc();
    Pte *pgdir = (Pte *)pageToPa(pd);           /* as vmmInit makes kernPd */
    u64 pa = vmAlloc();
    printf("vmAlloc: ref %u\n", paToPage(pa)->ref);
    ptMap(pgdir, VA, pa, PTE_R | PTE_W);
    ptMap(pgdir, VA + PAGE_SIZE, pa, PTE_R);
    printf("mapped twice: ref %u, ptLookup(0x%lx) = 0x%lx\n", paToPage(pa)->ref, VA,
           (unsigned long)ptLookup(pgdir, VA));
    ptUnmap(pgdir, VA);
    printf("unmapped once: ref %u\n", paToPage(pa)->ref);
    ptUnmap(pgdir, VA + PAGE_SIZE);
    printf("unmapped again: the page is %s\n", paToPage(pa) ? "still there" : "freed");
    pmPageIncRef(pd);
    pmPageDecRef(pd);                           /* the directory goes the same way */
    return 0;
}

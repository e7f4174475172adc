/* FarmOS's calls on QEMU, written against <mm/compat/farmos.h> alone the
 * way FarmOS's document uses them: the start-up sequence, pmAlloc and the
 * reference counts of struct Page, a page directory made as vmmInit makes
 * kernPd, vmAlloc + ptMap with ptUnmap freeing the page at its last
 * mapping, ptLookup, kvmAlloc/kvmFree, ptFetch and tlbFlush; the free-frame
 * count back at its baseline. */
#include <mm/compat/farmos.h>

#include <stdio.h>
#include <string.h>

#include "../common/check.h"

#define VA      0x200000UL

static u64 shown = 0x5eed;

static void page_counts(void)
{
    unsigned long base = free_frames();
    Page *pp = pmAlloc();
    CHECK(pp && pp->ref == 0);
    u64 *words = (u64 *)pageToPa(pp);
    CHECK(words[0] == 0 && words[PAGE_SIZE / 8 - 1] == 0);     /* zeroed */
    words[3] = 77;
    pmPageIncRef(pp);
    pmPageIncRef(pp);
    CHECK(pp->ref == 2 && paToPage((u64)words) == pp);
    pmPageDecRef(pp);
    CHECK(pp->ref == 1 && words[3] == 77);
    pmPageDecRef(pp);                               /* 0: back on the free list */
    CHECK(paToPage((u64)words) == NULL);
    CHECK(free_frames() == base);
}

/* A page directory made as vmmInit makes kernPd, and vmAlloc'd pages in it. */
static void mapping(void)
{
    unsigned long base = free_frames();
    Page *pd = pmAlloc();
    Pte *pgdir = (Pte *)pageToPa(pd);
    u64 pa = vmAlloc();
    CHECK(pa != 0 && paToPage(pa)->ref == 0);
    CHECK(ptMap(pgdir, VA, pa, PTE_R | PTE_W | PTE_U) == 0);
    CHECK(paToPage(pa)->ref == 1);
    Pte pte = ptLookup(pgdir, VA);
    CHECK((pte & PTE_V) && (pte & PTE_W) && PTE2PA(pte) == pa);
    *(u64 *)PTE2PA(pte) = 99;                       /* the frame, reached from its entry */
    CHECK(*(u64 *)pa == 99);
    CHECK(ptMap(pgdir, VA + PAGE_SIZE, pa, PTE_R | PTE_U) == 0 && paToPage(pa)->ref == 2);
    CHECK(ptUnmap(pgdir, VA) == 0 && paToPage(pa)->ref == 1 && ptLookup(pgdir, VA) == 0);
    CHECK(ptUnmap(pgdir, VA) == -MM_ENOENT);

    u64 other = vmAlloc();                          /* ptMap over a mapping replaces it */
    CHECK(ptMap(pgdir, VA + PAGE_SIZE, other, PTE_R | PTE_U) == 0);
    CHECK(paToPage(pa) == NULL && paToPage(other)->ref == 1);
    CHECK(PTE2PA(ptLookup(pgdir, VA + PAGE_SIZE)) == other);
    CHECK(ptMap(pgdir, VA, other, PTE_R | PTE_W | PTE_X) != 0);    /* W^X */
    CHECK(ptUnmap(pgdir, VA + PAGE_SIZE) == 0 && paToPage(other) == NULL);
    tlbFlush();

    pmPageIncRef(pd);                               /* the directory goes as any page */
    pmPageDecRef(pd);
    CHECK(free_frames() == base);
}

static void kernel_pages(void)
{
    unsigned long base = free_frames();
    u64 va = kvmAlloc();
    CHECK(va != 0 && paToPage(va)->ref == 1);
    memset((void *)va, 0xab, PAGE_SIZE);
    CHECK(((unsigned char *)va)[PAGE_SIZE - 1] == 0xab);
    kvmFree(va);
    CHECK(paToPage(va) == NULL && free_frames() == base);
}

static void running_directory(void)
{
    Pte *pd = ptFetch();
    Pte pte = ptLookup(pd, (u64)&shown);
    CHECK(pte & PTE_V);
    CHECK(*(u64 *)(PTE2PA(pte) + ((u64)&shown & (PAGE_SIZE - 1))) == 0x5eed);
}

int main(void)
{
    printf("compat_farmos: begin\n");
    pmmInit();
    vmmInit();
    vmEnable();
    page_counts();
    mapping();
    kernel_pages();
    running_directory();
    CHECK(page_check() == 0);
    printf("compat_farmos: %d failure(s)\n", failures);
    return failures != 0;
}

/* The buddy/COW/superpage kernel's calls through <mm/compat/kmm.h>: one
 * 2 MiB superpage and one 4 KiB page mapped with kvmmap into a table built
 * by hand, found again with that kernel's five-argument walk, and printed
 * with its range form of vmprint. */
#include <mm/compat/kmm.h>

#include <stdio.h>

#define VA  0x40000000UL

int main(void)
{
    printf("the buddy/COW/superpage kernel's calls on Capsule\n");  /* stdio's buffer exists from here */
    uint64 before = get_free_mem();
    pagetable_t pt = page_zalloc(0);
    void *block = page_zalloc(BUDDY_MAX_ORDER - 4);     /* 2 MiB: an order-9 buddy block */
    if (!pt || !block)
        return 1;
    uint64 pa = virt_to_phys((uint64)block);
    printf("kvmmap SUPERPAGE: %d, COMMONPAGE: %d\n",
           kvmmap(pt, VA, pa, SUPERPG_SIZE, PTE_RW, SUPERPAGE),
           kvmmap(pt, VA + SUPERPG_SIZE, pa, PGSIZE, PTE_RONLY, COMMONPAGE));
    pte_t *pte;
    int level = walk(pt, VA + 0x3000, 0, 0, &pte);
    printf("walk(0x%lx) -> level %d (%s), pa 0x%lx\n", VA + 0x3000, level,
           level == SUPERPAGE ? "SUPERPAGE" : "COMMONPAGE", (unsigned long)PTE2PA(*pte));
    level = walk(pt, VA + SUPERPG_SIZE, 0, 0, &pte);
    printf("walk(0x%lx) -> level %d (%s)\n", VA + SUPERPG_SIZE, level,
           level == SUPERPAGE ? "SUPERPAGE" : "COMMONPAGE");
    vmprint(pt, 1, 2, VA, VA + 2 * SUPERPG_SIZE, 0);

    uvmunmap(pt, VA, 2 * SUPERPG_SIZE / PGSIZE, 0);     /* the frames are ours: not freed here */
    freewalk(pt, 2);
    page_free(block, BUDDY_MAX_ORDER - 4);
    printf("free memory back: %s\n", get_free_mem() == before ? "yes" : "no");
    return get_free_mem() == before ? 0 : 1;
}

/* A page table built by hand with the seeds' calls: mappages on a fresh
 * root, walk and walkaddr to look entries up, vmprint to see the tree, and
 * freeing it all again.  The table is never loaded into satp: it is data. */
#include <stdio.h>

#include <arch/mmu.h>
#include <mm/page.h>
#include <mm/vm.h>
#include <mm/vmprint.h>

#define VA      0x40000000UL            /* 1 GiB: where the example maps */

int main(void)
{
    printf("a page table built by hand\n");   /* stdio's buffer exists from here: not counted */
    uint64 before = get_free_mem();
    pagetable_t root = page_zalloc(0);
    void *frames = page_zalloc(9);      /* 2 MiB, physically contiguous, 2 MiB-aligned */
    if (!root || !frames)
        return 1;
    uint64 pa = virt_to_phys((uint64)frames);

    /* one 4 KiB page, then a whole 2 MiB block: mappages picks a 2 MiB leaf itself */
    printf("mappages 4 KiB at 0x%lx: %d\n", VA, mappages(root, VA, pa, 4096, PTE_RW));
    printf("mappages 2 MiB at 0x%lx: %d\n", VA + 0x200000, mappages(root, VA + 0x200000, pa, 0x200000, PTE_RONLY));
    printf("mappages over the 4 KiB page again: %d (-EEXIST: never a silent remap)\n",
           mappages(root, VA, pa, 4096, PTE_RW));

    pte_t *leaf = walk(root, VA + 0x200000 + 0x1234, 0);
    printf("walk inside the 2 MiB block: a leaf %s, writable %s\n", leaf ? "found" : "missing",
           leaf && (*leaf & PTE_W) ? "yes" : "no");
    printf("walkaddr(0x%lx) = 0x%lx (physical, offset kept)\n", VA + 0x200000 + 0x1234,
           (unsigned long)walkaddr(root, VA + 0x200000 + 0x1234));
    printf("walkaddr of an unmapped address = 0x%lx\n", (unsigned long)walkaddr(root, VA + 0x400000));
    vmprint(root);

    uvmunmap(root, VA, 1, 0);                       /* leave the frames: they are ours */
    uvmunmap(root, VA + 0x200000, 512, 0);
    freewalk(root, 2);                              /* the tables, the root included */
    page_free(frames, 9);
    printf("everything freed: %s\n", get_free_mem() == before ? "yes" : "no");
    return get_free_mem() == before ? 0 : 1;
}

/* kalloc, the libOS's own allocator (the seeds' kalloc/kfree): sizes,
 * alignment, physical contiguity, and get_free_mem before and after. */
#include <stdio.h>

#include <mm/kalloc.h>
#include <mm/page.h>

int main(void)
{
    printf("kalloc, the libOS's allocator\n");   /* stdio's buffer exists from here: not counted */
    uint64 before = get_free_mem();
    printf("free memory: %lu KiB\n", (unsigned long)(before >> 10));

    static const uint64 sizes[] = { 16, 100, 256, 4096, 3 * 4096 };
    void *blocks[sizeof sizes / sizeof sizes[0]];
    for (unsigned i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        blocks[i] = kalloc(sizes[i]);
        uint64 va = (uint64)blocks[i], pa = virt_to_phys(va);
        printf("kalloc(%5lu) = %p  physical 0x%lx  16-byte aligned: %s  page-aligned: %s\n",
               (unsigned long)sizes[i], blocks[i], (unsigned long)pa, va % 16 ? "no" : "yes",
               va % 4096 ? "no" : "yes");
    }
    /* kalloc(n * 4096) is physically contiguous: each page's physical address follows the last */
    uint64 run = (uint64)blocks[4], contiguous = 1;
    for (int p = 1; p < 3; p++)
        contiguous &= virt_to_phys(run + p * 4096) == virt_to_phys(run) + p * 4096;
    printf("kalloc(3 pages) physically contiguous: %s\n", contiguous ? "yes" : "no");

    for (unsigned i = 0; i < sizeof sizes / sizeof sizes[0]; i++)
        kfree(blocks[i]);
    kalloc_drain();                     /* give back the empty slabs kalloc keeps cached */
    printf("after kfree and kalloc_drain: %lu KiB free, the same as before: %s\n",
           (unsigned long)(get_free_mem() >> 10), get_free_mem() == before ? "yes" : "no");
    return get_free_mem() == before && contiguous ? 0 : 1;
}

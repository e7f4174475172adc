/* A 2 MiB leaf and its split: MAP_POPULATE maps a 2 MiB-aligned block of a
 * writable mapping with one level-1 leaf; writing all 512 pages of another
 * block one by one collapses them into one; mprotect of a single 4 KiB page
 * inside a 2 MiB leaf splits it into 512 4 KiB leaves, contents kept.
 * Run: scons app=examples/superpage run */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#include <arch/mmu.h>
#include <mm/uvm.h>
#include <mm/vm.h>

#define PG      4096UL
#define BLOCK   MEGAPAGE_SIZE           /* 2 MiB */

/* The size of the leaf mapping va: a 2 MiB leaf is one PTE for the whole
 * block, so walk() finds the same entry for every page in it. */
static const char *leaf(uint64 va)
{
    uint64 block = va & ~(BLOCK - 1);
    pte_t *first = walk(uvm_current(), block, 0), *last = walk(uvm_current(), block + BLOCK - PG, 0);
    if (!first || !(*first & PTE_V))
        return "none";
    return first == last ? "2 MiB" : "4 KiB";
}

static uint64 collapses(void)
{
    struct mm_stats st;
    mm_get_stats(&st);
    return st.collapses;
}

/* A 2 MiB-aligned block inside a fresh 6 MiB mapping (mmap aligns to pages only). */
static char *mapping(int flags, char **base)
{
    *base = mmap(NULL, 3 * BLOCK, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | flags, -1, 0);
    if (*base == MAP_FAILED)
        return NULL;
    return (char *)(((uintptr_t)*base + BLOCK - 1) & ~(BLOCK - 1));
}

int main(void)
{
    char *base1, *base2;
    char *a = mapping(MAP_POPULATE, &base1);
    if (!a)
        return 1;
    printf("MAP_POPULATE: block at %p: %s leaf, pa 0x%lx\n", (void *)a, leaf((uint64)a),
           (unsigned long)walkaddr(uvm_current(), (uint64)a));

    char *b = mapping(0, &base2);
    if (!b)
        return 1;
    uint64 before = collapses();
    for (unsigned long off = 0; off < BLOCK; off += PG) {
        b[off] = (char)(off / PG);
        if (off == BLOCK - 2 * PG)
            printf("touched 511 of 512 pages: %s leaves\n", leaf((uint64)b));
    }
    printf("touched all 512 pages: %s leaf (collapses +%lu), page 123 holds %d\n", leaf((uint64)b),
           (unsigned long)(collapses() - before), b[123 * PG]);

    mprotect(b + 7 * PG, PG, PROT_READ);
    printf("mprotect(PROT_READ) of page 7 inside it: %s leaves; page 7 writable %s, page 8 writable %s\n",
           leaf((uint64)b), (*walk(uvm_current(), (uint64)b + 7 * PG, 0) & PTE_W) ? "yes" : "no",
           (*walk(uvm_current(), (uint64)b + 8 * PG, 0) & PTE_W) ? "yes" : "no");
    printf("after the split, page 7 holds %d and page 123 %d (the contents are kept)\n", b[7 * PG], b[123 * PG]);

    munmap(base1, 3 * BLOCK);
    munmap(base2, 3 * BLOCK);
    return 0;
}

/* libmm's public API on the real machine, paging on: kalloc family, pages,
 * superpage mappings, partial unmaps that split them, the kernel map's W^X,
 * and the free-frame count back at its baseline afterwards.  Written only
 * against the public headers and DESIGN.md's API. */
#include <stdio.h>
#include <string.h>

#include <arch/layout.h>
#include <mm/kalloc.h>
#include <mm/kvm.h>
#include <mm/page.h>
#include <mm/uvm.h>
#include <mm/vm.h>

static int failures;
#define CHECK(cond) do { if (!(cond)) { failures++; printf("FAIL %s:%d: %s\n", __FILE__, __LINE__, #cond); } } while (0)

/* The level of the leaf that maps va (0: 4 KiB, 1: 2 MiB, 2: 1 GiB), -1 if none. */
static int leaf_level(pagetable_t pt, uint64 va)
{
    pagetable_t table = pt;
    for (int level = SV39_ROOT_LEVEL; level >= 0; level--) {
        pte_t pte = table[PX(level, va)];
        if (!(pte & PTE_V))
            return -1;
        if (PTE_IS_LEAF(pte))
            return level;
        table = (pagetable_t)phys_to_virt(PTE2PA(pte));
    }
    return -1;
}

static void test_kalloc_family(void)
{
    for (uint64 sz = 1; sz <= 3 * PAGE_SIZE; sz = sz * 3 + 1) {
        unsigned char *p = kalloc(sz);
        CHECK(p != NULL);
        CHECK(((uint64)p & 15) == 0);
        memset(p, 0x5a, sz);
        kfree(p);
    }
    unsigned char *pages = kalloc(4 * PAGE_SIZE);
    CHECK(pages && ((uint64)pages & PAGE_MASK) == 0);
    CHECK(virt_to_phys((uint64)pages) + 3 * PAGE_SIZE == virt_to_phys((uint64)pages + 3 * PAGE_SIZE));
    kfree(pages);
    unsigned char *z = kcalloc(100, 41);
    int zero = 1;
    for (int i = 0; z && i < 4100; i++)
        zero &= z[i] == 0;
    CHECK(z && zero);
    kfree(z);
    CHECK(kcalloc(1UL << 62, 16) == NULL);
    kfree(NULL);
    void *m = kmalloc(24), *zz = kzalloc(24);
    CHECK(m && zz && ((unsigned char *)zz)[23] == 0);
    kfree(m);
    kfree(zz);
    CHECK(virt_to_phys(phys_to_virt(0x80000000UL)) == 0x80000000UL);
}

static void test_superpage_map_and_split(void)
{
    pagetable_t pt = uvm_current();
    const uint64 va = 0x40000000UL;             /* 1 GiB: free in the app's half */
    void *block = page_alloc(9);                /* 2 MiB, physically aligned */
    CHECK(block != NULL);
    uint64 pa = virt_to_phys((uint64)block);
    CHECK(mappages(pt, va, pa, MEGAPAGE_SIZE, PTE_RW) == 0);
    CHECK(leaf_level(pt, va) == 1);
    CHECK(walkaddr(pt, va + 0x12345) == pa + 0x12345);
    CHECK(mappages(pt, va + PAGE_SIZE, pa, PAGE_SIZE, PTE_RW) == -17);   /* -EEXIST, no panic */
    volatile uint64 *w = (volatile uint64 *)(va + 0x1000);
    *w = 0x1234abcd;
    CHECK(*(volatile uint64 *)((char *)block + 0x1000) == 0x1234abcd);
    uvmunmap(pt, va + 5 * PAGE_SIZE, 1, 0);     /* one page out of the middle: split */
    CHECK(leaf_level(pt, va) == 0);
    CHECK(walkaddr(pt, va + 5 * PAGE_SIZE) == 0);
    CHECK(walkaddr(pt, va + 6 * PAGE_SIZE) == pa + 6 * PAGE_SIZE);
    CHECK(*w == 0x1234abcd);
    uvmunmap(pt, va, 5, 0);
    uvmunmap(pt, va + 6 * PAGE_SIZE, 512 - 6, 0);
    CHECK(walk(pt, va, 0) == NULL || !(*walk(pt, va, 0) & PTE_V));
    page_free(block, 9);
}

static void test_kernel_map_is_w_xor_x(void)
{
    pagetable_t kpt = kernel_pagetable();
    pte_t *text = walk(kpt, (uint64)__kernel_start, 0);
    CHECK(text && (*text & PTE_X) && !(*text & PTE_W));
    pte_t *direct = walk(kpt, phys_to_virt(0x80400000UL), 0);
    CHECK(direct && (*direct & PTE_W) && !(*direct & PTE_X));
    pte_t *app_text = walk(uvm_current(), (uint64)__app_start, 0);
    CHECK(app_text && (*app_text & PTE_X) && !(*app_text & PTE_W));
    CHECK(walkaddr(uvm_current(), 0) == 0);     /* the NULL page is never mapped */
}

static void test_fresh_table_freed(void)
{
    pagetable_t pt = uvmmake(0);
    CHECK(pt != NULL);
    CHECK(uvmalloc(pt, 0x100000, 0x100000 + 8 * PAGE_SIZE, PTE_RW) == 0x100000 + 8 * PAGE_SIZE);
    CHECK(walkaddr(pt, 0x100000 + 3 * PAGE_SIZE) != 0);
    free_pgtbl(pt, 0x100000 + 8 * PAGE_SIZE);
}

int main(void)
{
    page_drain_caches();
    uint64 before = get_free_mem();
    test_kalloc_family();
    test_superpage_map_and_split();
    test_kernel_map_is_w_xor_x();
    test_fresh_table_freed();
    kalloc_drain();
    page_drain_caches();
    uint64 after = get_free_mem();
    printf("free memory before %lu after %lu\n", (unsigned long)before, (unsigned long)after);
    CHECK(after == before);
    CHECK(page_check() == 0);
    printf("mm_api: %d failure(s)\n", failures);
    return failures ? 1 : 0;
}

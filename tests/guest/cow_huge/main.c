/* uvmcopy on the real machine: the table-by-table copy and shared 2 MiB
 * leaves (split by a write fault, partly unmapped, moved by mremap, freed in
 * either order), checked with the public API and the free-frame count. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <arch/layout.h>
#include <mm/cow.h>
#include <mm/errno.h>
#include <mm/kalloc.h>
#include <mm/page.h>
#include <mm/uvm.h>
#include <mm/vm.h>

#define PG 4096UL
#define MB2 (2UL << 20)
#define RW (PROT_READ | PROT_WRITE)
#define ANON (MAP_PRIVATE | MAP_ANONYMOUS)
static int failures;
#define CHECK(c) do { if (!(c)) { failures++; printf("FAIL %d: %s\n", __LINE__, #c); } } while (0)

static uint64 free_frames(void) { kalloc_drain(); page_drain_caches(); return page_free_count(); }
static uint32 refs_at(pagetable_t pt, uint64 va) { return page_refcount((void *)phys_to_virt(walkaddr(pt, va))); }
static char child_byte(pagetable_t c, uint64 va) { char b = 0; CHECK(copyin(c, &b, va, 1) == 1); return b; }
static int is_leaf2m(pagetable_t pt, uint64 va) { return walk(pt, va, 0) == walk(pt, va + PG, 0); }

static char *huge_block(char **area)
{
    *area = mmap(NULL, 4 * MB2, RW, ANON, -1, 0);
    char *h = (char *)(((uint64)*area + MB2 - 1) & ~(MB2 - 1));
    CHECK(mmap(h, MB2, RW, ANON | MAP_FIXED | MAP_POPULATE, -1, 0) == h);
    for (uint64 o = 0; o < MB2; o += PG) h[o] = (char)(o >> 12);
    CHECK(is_leaf2m(uvm_current(), (uint64)h));
    return h;
}

static void parent_writes_first(void)
{
    uint64 base = free_frames();
    char *area, *h = huge_block(&area);
    pagetable_t child = uvmmake(0);
    CHECK(uvmcopy(child, uvm_current(), USER_END) == 0);
    CHECK(is_leaf2m(child, (uint64)h) && is_leaf2m(uvm_current(), (uint64)h));
    CHECK(refs_at(uvm_current(), (uint64)h + 6 * PG) == 1);     /* a share, not per-page refs */
    h[5 * PG] = 55;                                             /* split + convert + copy */
    CHECK(!is_leaf2m(uvm_current(), (uint64)h));
    CHECK(refs_at(uvm_current(), (uint64)h + 6 * PG) == 2);
    CHECK(refs_at(uvm_current(), (uint64)h + 5 * PG) == 1);
    CHECK(child_byte(child, (uint64)h + 5 * PG) == 5 && h[5 * PG] == 55);
    CHECK(is_leaf2m(child, (uint64)h));
    uvmfree(child, USER_END);
    CHECK(refs_at(uvm_current(), (uint64)h + 6 * PG) == 1);
    h[6 * PG] = 66;                                             /* reuse */
    CHECK(h[6 * PG] == 66 && h[7 * PG] == 7);
    CHECK(munmap(area, 4 * MB2) == 0);
    CHECK(free_frames() == base);
    CHECK(page_check() == 0);
}

static void child_goes_first(void)
{
    uint64 base = free_frames();
    char *area, *h = huge_block(&area);
    pagetable_t child = uvmmake(0);
    CHECK(uvmcopy(child, uvm_current(), USER_END) == 0);
    uvmfree(child, USER_END);                                   /* drops the share */
    uint64 pa = walkaddr(uvm_current(), (uint64)h + 9 * PG);
    h[9 * PG] = 99;                                             /* split, no conversion, reuse */
    CHECK(walkaddr(uvm_current(), (uint64)h + 9 * PG) == pa && h[9 * PG] == 99);
    CHECK(refs_at(uvm_current(), (uint64)h + 10 * PG) == 1);
    CHECK(munmap(area, 4 * MB2) == 0);
    CHECK(free_frames() == base);
}

static void two_children_and_partial_unmap(void)
{
    uint64 base = free_frames();
    char *area, *h = huge_block(&area);
    pagetable_t c1 = uvmmake(0), c2 = uvmmake(0);
    CHECK(uvmcopy(c1, uvm_current(), USER_END) == 0);
    CHECK(uvmcopy(c2, uvm_current(), USER_END) == 0);
    CHECK(munmap(h + 3 * PG, PG) == 0);                         /* parent splits: converts one share */
    CHECK(refs_at(uvm_current(), (uint64)h + 4 * PG) == 2);     /* own + the children's group */
    CHECK(child_byte(c1, (uint64)h + 3 * PG) == 3 && child_byte(c2, (uint64)h + 3 * PG) == 3);
    CHECK(vm_unmap(c1, (uint64)h + 8 * PG, 1, 1) == 0);         /* c1 splits too */
    CHECK(refs_at(c1, (uint64)h + 9 * PG) == 3);
    CHECK(child_byte(c2, (uint64)h + 8 * PG) == 8);
    uvmfree(c2, USER_END);                                      /* the last 2 MiB leaf: puts each page */
    CHECK(refs_at(c1, (uint64)h + 9 * PG) == 2);
    CHECK(refs_at(uvm_current(), (uint64)h + 8 * PG) == 1);
    uvmfree(c1, USER_END);
    CHECK(refs_at(uvm_current(), (uint64)h + 9 * PG) == 1);
    CHECK(munmap(area, 4 * MB2) == 0);
    CHECK(free_frames() == base);
    CHECK(page_check() == 0);
}

static void mremap_moves_a_shared_leaf(void)
{
    uint64 base = free_frames();
    char *area, *h = huge_block(&area);
    pagetable_t child = uvmmake(0);
    CHECK(uvmcopy(child, uvm_current(), USER_END) == 0);
    char *to = mremap(h, MB2, MB2, MREMAP_MAYMOVE | MREMAP_FIXED, area + 3 * MB2);
    if (to != MAP_FAILED && to != h) {
        CHECK(refs_at(uvm_current(), (uint64)to + 6 * PG) == 2);
        CHECK(to[6 * PG] == 6);
        to[6 * PG] = 60;
        CHECK(child_byte(child, (uint64)h + 6 * PG) == 6);
        uvmfree(child, USER_END);
        CHECK(refs_at(uvm_current(), (uint64)to + 7 * PG) == 1);
        munmap(to, MB2);
    } else {
        printf("mremap did not move (%p)\n", (void *)to);
        uvmfree(child, USER_END);
    }
    CHECK(munmap(area, 4 * MB2) == 0);
    CHECK(free_frames() == base);
}

static void pages_and_partial_copies(void)
{
    uint64 base = free_frames();
    enum { N = 700 };
    volatile char *m = mmap(NULL, N * PG, RW, ANON, -1, 0);
    for (int i = 0; i < N; i += 1) if (i % 3) m[i * PG] = (char)i;
    pagetable_t c1 = uvmmake(0), c2 = uvmmake(0);
    uint64 cut = (uint64)m + 333 * PG;
    CHECK(uvmcopy(c1, uvm_current(), cut) == 0);
    CHECK(walkaddr(c1, (uint64)m + 332 * PG) != 0 || 332 % 3 == 0);
    CHECK(walkaddr(c1, (uint64)m + 334 * PG) == 0 && walkaddr(c1, (uint64)m + 500 * PG) == 0);
    CHECK(uvmcopy(c2, uvm_current(), USER_END) == 0);
    CHECK(uvmcopy(c2, uvm_current(), USER_END) == -MM_EEXIST);
    CHECK(refs_at(uvm_current(), (uint64)m + 1 * PG) == 3 && refs_at(uvm_current(), (uint64)m + 400 * PG) == 2);
    for (int i = 0; i < N; i++) m[i * PG] = (char)(i + 1);
    int ok = 1;
    for (int i = 0; i < N; i++) ok &= (i % 3 == 0 ? 1 : child_byte(c2, (uint64)m + i * PG) == (char)i);
    CHECK(ok);
    uvmfree(c1, USER_END);
    uvmfree(c2, USER_END);
    for (int i = 0; i < N; i++) CHECK(m[i * PG] == (char)(i + 1));
    munmap((void *)m, N * PG);
    CHECK(free_frames() == base);
    CHECK(page_check() == 0);
}

static void whole_block_is_split_when_shared(void)
{
    uint64 base = free_frames();
    char *blk = page_alloc(9);
    uint64 va = 0x1000000000UL;
    CHECK(blk && mappages(uvm_current(), va, virt_to_phys((uint64)blk), MB2, PTE_RW) == 0);
    blk[7 * PG] = 77;
    pagetable_t child = uvmmake(0);
    CHECK(uvmcopy(child, uvm_current(), USER_END) == 0);
    CHECK(page_refcount(blk + PG) == 1 && is_leaf2m(child, va));
    CHECK(child_byte(child, va + 7 * PG) == 77);
    CHECK(vm_unmap(uvm_current(), va + 4 * PG, 1, 1) == 0);   /* split + convert, then put one page */
    CHECK(page_refcount(blk + 5 * PG) == 2 && page_refcount(blk + 4 * PG) == 1);
    CHECK(vm_unmap(child, va, 512, 1) == 0);
    CHECK(page_refcount(blk + 5 * PG) == 1 && page_refcount(blk + 4 * PG) == 0);
    CHECK(vm_unmap(uvm_current(), va, 512, 1) == 0);
    uvmfree(child, USER_END);
    CHECK(free_frames() == base);
    CHECK(page_check() == 0);
}

int main(void)
{
    volatile char warm[64 * 1024];
    for (unsigned i = 0; i < sizeof warm; i += PG) warm[i] = 0;
    parent_writes_first();
    child_goes_first();
    two_children_and_partial_unmap();
    {   /* warm-up: the first move leaves 3 pages that stay (as on the base code) */
        char *area, *h = huge_block(&area);
        mremap(h, MB2, MB2, MREMAP_MAYMOVE | MREMAP_FIXED, area + 3 * MB2);
        munmap(area, 4 * MB2);
    }
    mremap_moves_a_shared_leaf();
    pages_and_partial_copies();
    whole_block_is_split_when_shared();
    printf("cow_huge: %d failure(s)\n", failures);
    return failures != 0;
}

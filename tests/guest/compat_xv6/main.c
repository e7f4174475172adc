/* xv6's calls on QEMU, written against <mm/compat/xv6.h> alone the way the
 * xv6 notes use them: kalloc'd pages handed to mappages as physical
 * addresses, walkaddr's result used by memmove (the notes' copyout), the
 * notes' walk reading tables through PTE2PA, uvmunmap with do_free,
 * uvminit, uvmalloc, uvmcopy in xv6's order, uvmclear, freerange, kvmpa and
 * growproc; the free-frame count back at its baseline. */
#include <mm/compat/xv6.h>

#include <stdio.h>
#include <string.h>

#include "../common/check.h"

#define VA      0x100000UL

/* The notes' walk, lookup only: tables are read through PTE2PA. */
static pte_t *doc_walk(pagetable_t pagetable, uint64 va)
{
    for (int level = 2; level > 0; level--) {
        pte_t *pte = &pagetable[PX(level, va)];
        if (!(*pte & PTE_V))
            return 0;
        pagetable = (pagetable_t)PTE2PA(*pte);
    }
    return &pagetable[PX(0, va)];
}

/* The notes' copyout. */
static int doc_copyout(pagetable_t pagetable, uint64 dstva, char *src, uint64 len)
{
    uint64 n, va0, pa0;

    while (len > 0) {
        va0 = PGROUNDDOWN(dstva);
        pa0 = walkaddr(pagetable, va0);
        if (pa0 == 0)
            return -1;
        n = PGSIZE - (dstva - va0);
        if (n > len)
            n = len;
        memmove((void *)(pa0 + (dstva - va0)), src, n);
        len -= n;
        src += n;
        dstva = va0 + PGSIZE;
    }
    return 0;
}

static void kalloc_kfree(void)
{
    unsigned long base = free_frames();
    unsigned char *p = kalloc();
    CHECK(p && ((uint64)p % PGSIZE) == 0);
    int junk = 1;
    for (uint64 i = 0; i < PGSIZE; i++)
        junk &= p[i] == 5;
    CHECK(junk);                                    /* filled with junk, as xv6's kalloc */
    memset(p, 0, PGSIZE);
    kfree(p);
    CHECK(free_frames() == base);
}

/* A user table built with kalloc and mappages, read back three ways. */
static void user_table(void)
{
    unsigned long base = free_frames();
    pagetable_t pt = uvmcreate();
    char *mem = kalloc();
    CHECK(pt && mem);
    memset(mem, 0, PGSIZE);
    CHECK(mappages(pt, VA, PGSIZE, (uint64)mem, PTE_R | PTE_W | PTE_U) == 0);
    CHECK(mappages(pt, VA, PGSIZE, (uint64)mem, PTE_R | PTE_W | PTE_U) == -1);     /* remap */
    CHECK(walkaddr(pt, VA + 8) == (uint64)mem + 8);
    memmove((void *)walkaddr(pt, VA), "hello", 6);
    CHECK(strcmp(mem, "hello") == 0);

    pte_t *pte = walk(pt, VA, 0);
    CHECK(pte && doc_walk(pt, VA) == pte && PTE2PA(*pte) == (uint64)mem);
    CHECK(PA2PTE(mem) == PA2PTE(kvmpa((uint64)mem)));

    char buf[16];
    CHECK(doc_copyout(pt, VA + PGSIZE - 3, "abcdef", 7) == -1);    /* runs off the page */
    CHECK(doc_copyout(pt, VA + 100, "world", 6) == 0 && strcmp(mem + 100, "world") == 0);
    CHECK(copyout(pt, VA + 200, "xv6", 4) == 0);
    CHECK(copyin(pt, buf, VA + 200, 4) == 0 && strcmp(buf, "xv6") == 0);
    CHECK(copyinstr(pt, buf, VA + 100, sizeof buf) == 0 && strcmp(buf, "world") == 0);
    CHECK(copyin(pt, buf, VA + 5 * PGSIZE, 4) == -1);

    CHECK(uvmalloc(pt, VA + PGSIZE, VA + 4 * PGSIZE) == VA + 4 * PGSIZE);
    CHECK(walkaddr(pt, VA + 3 * PGSIZE) != 0 && *(char *)walkaddr(pt, VA + 3 * PGSIZE) == 0);
    CHECK(uvmdealloc(pt, VA + 4 * PGSIZE, VA + PGSIZE) == VA + PGSIZE);
    CHECK(walkaddr(pt, VA + 3 * PGSIZE) == 0);

    uvmclear(pt, VA);                               /* exec's guard page */
    CHECK(copyin(pt, buf, VA + 200, 4) == -1 && walkaddr(pt, VA) == (uint64)mem);

    uvmunmap(pt, VA, 1, 1);                         /* frees mem */
    CHECK(walk(pt, VA, 0) == 0);
    freewalk(pt);
    CHECK(free_frames() == base);
}

static void first_process(void)
{
    unsigned long base = free_frames();
    static uchar initcode[] = { 0x17, 0x05, 0x00, 0x00, 0x13, 0x05, 0x45, 0x02 };
    pagetable_t pt = uvmcreate(), child = uvmcreate();
    uvminit(pt, initcode, sizeof initcode);
    CHECK(walkaddr(pt, 0) != 0 && memcmp((void *)walkaddr(pt, 0), initcode, sizeof initcode) == 0);
    CHECK((*walk(pt, 0, 0) & (PTE_R | PTE_W | PTE_X)) == (PTE_R | PTE_X));      /* W^X: no W */

    CHECK(uvmcopy(pt, child, PGSIZE) == 0);         /* xv6's order: old, new */
    char c = 0;
    CHECK(copyin(child, &c, 4, 1) == 0 && c == 0x13);
    uvmfree(child, PGSIZE);
    uvmfree(pt, PGSIZE);
    CHECK(free_frames() == base);
}

static void ranges_and_heap(void)
{
    unsigned long base = free_frames();
    char *block = page_alloc(2);                    /* four pages, freed one by one */
    CHECK(block != NULL);
    page_split(block, 2);
    freerange(block, block + 4 * PGSIZE);
    CHECK(free_frames() == base);

    int local = 1234;
    CHECK(*(int *)kvmpa((uint64)&local) == 1234);   /* the stack page, reached as physical */
    CHECK(kvmpa(0x1000) == 0);

    uint64 brk = uvm_brk();
    CHECK(growproc(3 * PGSIZE) == 0 && uvm_brk() == brk + 3 * PGSIZE);
    ((volatile char *)brk)[2 * PGSIZE] = 9;
    CHECK(growproc(-3 * (int)PGSIZE) == 0 && uvm_brk() == brk);
    CHECK(free_frames() == base);
}

int main(void)
{
    printf("compat_xv6: begin\n");
    kalloc_kfree();
    user_table();
    first_process();
    ranges_and_heap();
    CHECK(page_check() == 0);
    printf("compat_xv6: %d failure(s)\n", failures);
    return failures != 0;
}

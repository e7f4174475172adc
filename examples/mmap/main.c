/* Demand paging, watched from inside: an anonymous mmap is only a VMA until
 * the first access to each page; a read maps the shared zero page, a write a
 * frame of its own; munmap and mprotect of one page split the VMA.
 * Run: scons app=examples/mmap run */
#include <stdio.h>
#include <sys/mman.h>

#include <arch/mmu.h>
#include <mm/uvm.h>
#include <mm/vm.h>

#define PG      4096UL
#define PAGES   8

static struct mm_stats last;

/* The faults resolved since the previous call, and those of them that
 * mapped the zero page. */
static void faults_since(const char *what)
{
    struct mm_stats now;
    mm_get_stats(&now);
    printf("%-40s faults +%lu (zero page +%lu)\n", what, (unsigned long)(now.faults - last.faults),
           (unsigned long)(now.zero_maps - last.zero_maps));
    last = now;
}

/* One character per page: '.' not mapped, 'z' the zero page (read-only),
 * 'w' a frame of its own, writable, 'r' one read-only. */
static void pages(const char *p, uint64 zero_pa)
{
    char map[PAGES + 1] = { 0 };
    for (int i = 0; i < PAGES; i++) {
        uint64 va = (uint64)p + i * PG;
        pte_t *pte = walk(uvm_current(), va, 0);
        uint64 pa = walkaddr(uvm_current(), va);
        map[i] = !pa ? '.' : pa == zero_pa ? 'z' : (*pte & PTE_W) ? 'w' : 'r';
    }
    printf("  pages of the mapping: [%s]\n", map);
}

int main(void)
{
    printf("mmap: 8 anonymous pages, read-write\n");
    mm_get_stats(&last);
    volatile char *p = mmap(NULL, PAGES * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        return 1;
    faults_since("after mmap (a VMA, no page):");
    printf("  the mapping: 0x%lx-0x%lx (one VMA with anything adjacent of the same kind,\n"
           "  here what malloc mapped at startup)\n", (unsigned long)p, (unsigned long)p + PAGES * PG);
    mm_print_vmas();
    pages((const char *)p, 0);

    char c = p[0];                      /* a read: the zero page, read-only */
    faults_since("after reading page 0:");
    uint64 zero_pa = walkaddr(uvm_current(), (uint64)p);
    c += p[PG];                         /* page 1: the same zero frame */
    faults_since("after reading page 1:");
    printf("  page 1 maps the same frame as page 0: %s\n",
           walkaddr(uvm_current(), (uint64)p + PG) == zero_pa ? "yes" : "no");
    pages((const char *)p, zero_pa);

    p[0] = 'a' + c;                     /* a write to the zero page: a private copy */
    p[5 * PG] = 'b';                    /* a write to an untouched page: one fault */
    faults_since("after writing pages 0 and 5:");
    p[5 * PG + 100] = 'c';              /* the same page again: no fault */
    faults_since("after writing page 5 again:");
    pages((const char *)p, zero_pa);

    munmap((char *)p + 3 * PG, PG);
    mprotect((char *)p + 5 * PG, PG, PROT_READ);
    printf("after munmap of page 3 and mprotect(PROT_READ) of page 5 (the VMA split in four):\n");
    mm_print_vmas();
    pages((const char *)p, zero_pa);
    printf("page 5 still holds '%c' (mprotect keeps the contents)\n", p[5 * PG]);
    munmap((char *)p, PAGES * PG);
    return 0;
}

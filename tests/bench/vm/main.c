/* Address-space benchmarks, run under qemu -icount shift=0 by `scons bench`:
 * page faults (demand-zero, zero page, its first write) beside their
 * reference (a trap round trip plus a 4 KiB zero, measured here), mmap +
 * munmap of 64 KiB with 10 .. 10k VMAs, and TLB flushes per munmap.  Each
 * figure is the median of many repetitions minus the measuring code's own
 * cost.  Prints "BENCH <key> <instructions>" lines. */
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>

#include <arch/csr.h>
#include <arch/usercopy.h>
#include <mm/cow.h>
#include <mm/mmap.h>
#include <mm/page.h>
#include <mm/uvm.h>
#include <mm/vm.h>

#include "../measure.h"

#define PG          4096UL
#define RW          (PROT_READ | PROT_WRITE)
#define ANON        (MAP_PRIVATE | MAP_ANONYMOUS)

static volatile char *fresh(size_t pages)
{
    char *p = mmap(NULL, pages * PG, RW, ANON, -1, 0);
    if (p == MAP_FAILED) {
        printf("mmap failed\n");
        exit(1);
    }
    return p;
}

static void faults(void)
{
    volatile char *m = fresh(REPS);
    report("fault_demand_zero", MEASURE({ m[r_ * PG] = 1; }));
    munmap((void *)m, REPS * PG);
    m = fresh(REPS);
    report("fault_zero_page_read", MEASURE({ sink += m[r_ * PG]; }));
    report("fault_zero_page_first_write", MEASURE({ m[r_ * PG] = 1; }));
    munmap((void *)m, REPS * PG);

    /* the reference: a fault that libmm cannot resolve, recovered by the
     * fault-safe copy's fixup (trap in, lookup, trap out), and a page zero */
    char byte;
    report("trap_roundtrip", MEASURE({ sink += arch_copy_fault_safe(&byte, (void *)0x1000, 1); }));
    void *page = page_alloc(0);
    report("page_zero_4k", MEASURE({ page_zero(page); }));
    page_free(page, 0);
}

/* Instructions of one uvmcopy of the whole low half into a fresh table
 * (fork's page-table copy); the copy is freed again. */
static uint64 uvmcopy_cost(void)
{
    pagetable_t child = uvmmake(0);
    uint64 t0 = rdinstret();
    int err = uvmcopy(child, uvm_current(), USER_END);
    uint64 t1 = rdinstret();
    uvmfree(child, USER_END);
    if (err) {
        printf("uvmcopy failed: %d\n", err);
        exit(1);
    }
    return t1 - t0;
}

/* Copy-on-write after uvmcopy: a write while the page is shared copies it;
 * after the copy is freed the page has one owner and is reused.  And the
 * cost of uvmcopy per 4 KiB PTE and per 2 MiB leaf (the difference made by
 * REPS more touched pages, and by one more populated 2 MiB block). */
static void copy_on_write(void)
{
    volatile char *m = fresh(REPS);
    uint64 without = uvmcopy_cost();
    for (int i = 0; i < REPS; i++)
        m[i * PG] = 1;
    uint64 with = uvmcopy_cost();
    report("uvmcopy_per_4k_pte", (with - without) / REPS);
    char *area = mmap(NULL, 4UL << 20, RW, ANON, -1, 0);       /* room for an aligned block */
    char *huge = (char *)(((uint64)area + (2UL << 20) - 1) & ~((2UL << 20) - 1));
    uint64 before_huge = uvmcopy_cost();
    mmap(huge, 2UL << 20, RW, ANON | MAP_FIXED | MAP_POPULATE, -1, 0);     /* one 2 MiB leaf */
    report("uvmcopy_per_2m_leaf", uvmcopy_cost() - before_huge);
    munmap(area, 4UL << 20);

    pagetable_t child = uvmmake(0);
    uvmcopy(child, uvm_current(), USER_END);
    report("fault_cow_copy", MEASURE({ m[r_ * PG] = 2; }));
    uvmfree(child, USER_END);
    munmap((void *)m, REPS * PG);

    m = fresh(REPS);
    for (int i = 0; i < REPS; i++)
        m[i * PG] = 1;
    uvmcopy_cost();         /* shared, then the copy is gone: one owner each */
    report("fault_cow_reuse", MEASURE({ m[r_ * PG] = 2; }));
    munmap((void *)m, REPS * PG);

    void *a = page_alloc(0), *b = page_alloc(0);
    report("page_copy_4k", MEASURE({ page_copy(a, b); }));
    report("page_alloc_free", MEASURE({ void *p = page_alloc(0); sink += (uint64)p; page_free(p, 0); }));
    page_free(a, 0);
    page_free(b, 0);
}

/* Add one-page mappings (alternating protections, so they do not merge)
 * until the address space has n VMAs. */
static void grow_vmas_to(uint64 n)
{
    struct mm_stats st;
    for (;;) {
        mm_get_stats(&st);
        if (st.nr_vmas >= n)
            return;
        char *p = mmap(NULL, PG, st.nr_vmas % 2 ? PROT_READ : RW, ANON, -1, 0);
        if (p == MAP_FAILED)
            exit(1);
    }
}

static void mmap_scaling(void)
{
    static const uint64 counts[] = { 10, 100, 1000, 10000 };
    for (unsigned i = 0; i < sizeof counts / sizeof counts[0]; i++) {
        grow_vmas_to(counts[i]);
        if (i == 0) {       /* where the pair's instructions go: each call alone */
            void *p;
            uint64 m, u;
            MEASURE_HALVES(p = mmap(NULL, 64 * 1024, RW, ANON, -1, 0), munmap(p, 64 * 1024), &m, &u);
            report("mmap_64k_at_10", m);
            report("munmap_64k_at_10", u);
        }
        char key[48];
        snprintf(key, sizeof key, "mmap_munmap_64k_at_%lu", (unsigned long)counts[i]);
        report(key, MEASURE({ void *p = mmap(NULL, 64 * 1024, RW, ANON, -1, 0);
                              sink += (uint64)p; munmap(p, 64 * 1024); }));
    }
}

/* sfence.vma instructions issued by one munmap of k touched pages. */
static void flushes_per_munmap(uint64 k)
{
    volatile char *m = fresh(k);
    for (uint64 i = 0; i < k; i++)
        m[i * PG] = 1;
    uint64 before = vm_tlb_flush_count();
    munmap((void *)m, k * PG);
    char key[48];
    snprintf(key, sizeof key, "sfence_per_munmap_%lu", (unsigned long)k);
    report(key, vm_tlb_flush_count() - before);
}

int main(void)
{
    overhead = 0;
    overhead = MEASURE({});
    faults();
    copy_on_write();
    flushes_per_munmap(1);
    flushes_per_munmap(16);
    flushes_per_munmap(512);
    mmap_scaling();
    report("done", sink & 1);
    return 0;
}

/* Allocation benchmarks, run under qemu -icount shift=0 by `scons bench`:
 * every figure is an exact retired-instruction count (rdinstret) of one
 * operation pair, the measuring code's own cost subtracted, the median of
 * many repetitions.  Prints "BENCH <key> <instructions>" lines. */
#include <stdio.h>
#include <stdlib.h>

#include <arch/csr.h>
#include <mm/kalloc.h>
#include <mm/page.h>

#include "../measure.h"

#define FRAG_OBJECTS 4096

/* ---- the reference: an xv6-style free list with its spinlock ---- */
struct run { struct run *next; };
static struct { volatile unsigned locked; struct run *freelist; int noff, intena; } xv6;

static void push_off(void)
{
    uint64 s = csr_read(sstatus);
    csr_clear(sstatus, SSTATUS_SIE);
    if (xv6.noff++ == 0)
        xv6.intena = (s & SSTATUS_SIE) != 0;
}

static void pop_off(void)
{
    if (--xv6.noff == 0 && xv6.intena)
        csr_set(sstatus, SSTATUS_SIE);
}

static void acquire(void)
{
    push_off();
    while (__sync_lock_test_and_set(&xv6.locked, 1) != 0)
        ;
    __sync_synchronize();
}

static void release(void)
{
    __sync_synchronize();
    __sync_lock_release(&xv6.locked);
    pop_off();
}

__attribute__((noinline)) static void *xv6_kalloc(void)
{
    acquire();
    struct run *r = xv6.freelist;
    if (r)
        xv6.freelist = r->next;
    release();
    return r;
}

__attribute__((noinline)) static void xv6_kfree(void *pa)
{
    struct run *r = pa;
    acquire();
    r->next = xv6.freelist;
    xv6.freelist = r;
    release();
}

static void bench_pages(void)
{
    for (int i = 0; i < 64; i++)        /* the reference owns 64 real pages */
        xv6_kfree(page_alloc(0));
    printf("BENCH xv6_freelist_pair %lu\n", (unsigned long)MEASURE({ void *p = xv6_kalloc(); sink += (uint64)p; xv6_kfree(p); }));
    printf("BENCH page_order0_pair %lu\n", (unsigned long)MEASURE({ void *p = page_alloc(0); sink += (uint64)p; page_free(p, 0); }));
    /* Where the pair's instructions go: each call alone. */
    void *p;
    uint64 a, f;
    MEASURE_HALVES(p = page_alloc(0), page_free(p, 0), &a, &f);
    printf("BENCH page_order0_alloc %lu\nBENCH page_order0_free %lu\n", (unsigned long)a, (unsigned long)f);
    printf("BENCH page_order9_pair %lu\n", (unsigned long)MEASURE({ void *p = page_alloc(9); sink += (uint64)p; page_free(p, 9); }));
    while (xv6.freelist)
        page_free(xv6_kalloc(), 0);
}

static void bench_kalloc(void)
{
    static const uint64 sizes[] = { 16, 32, 64, 128, 256, 512, 1024, 2048, 4096, 16384 };
    for (unsigned i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        uint64 sz = sizes[i];
        printf("BENCH kalloc_pair_%lu %lu\n", (unsigned long)sz,
               (unsigned long)MEASURE({ void *p = kalloc(sz); sink += (uint64)p; kfree(p); }));
    }
    void *p;
    uint64 a, f;
    MEASURE_HALVES(p = kalloc(64), kfree(p), &a, &f);     /* where the pair's instructions go */
    printf("BENCH kalloc_64 %lu\nBENCH kfree_64 %lu\n", (unsigned long)a, (unsigned long)f);
}

/* Worst case after fragmentation: many objects of mixed sizes, every other
 * one freed, then the pair is measured on the fragmented heap. */
static void bench_fragmented(void)
{
    static void *objs[FRAG_OBJECTS];
    for (int i = 0; i < FRAG_OBJECTS; i++)
        objs[i] = kalloc(16 << (i % 5));
    for (int i = 0; i < FRAG_OBJECTS; i += 2) {
        kfree(objs[i]);
        objs[i] = NULL;
    }
    uint64 worst = 0;
    for (uint64 sz = 16; sz <= 256; sz *= 2) {
        (void)MEASURE({ void *p = kalloc(sz); sink += (uint64)p; kfree(p); });
        for (int r = 0; r < REPS; r++)      /* every sample, not just the median */
            worst = samples[r] - overhead > worst ? samples[r] - overhead : worst;
    }
    printf("BENCH kalloc_fragmented_worst %lu\n", (unsigned long)worst);
    for (int i = 0; i < FRAG_OBJECTS; i++)
        kfree(objs[i]);
}

int main(void)
{
    overhead = 0;
    overhead = MEASURE({});
    bench_pages();
    bench_kalloc();
    bench_fragmented();
    printf("BENCH done %lu\n", (unsigned long)(sink & 1));
    return 0;
}

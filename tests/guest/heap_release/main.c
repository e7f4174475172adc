/* The app's malloc gives memory back (libmm/umalloc.c): resident memory is
 * read with <capsule/measure.h> (capsule_peak_rss_reset() then the peak is
 * what is resident now).
 *   teardown:  4,000 blocks of mixed sizes freed in a random order: after
 *              the last free, resident memory is within a few pages of
 *              what it was before the first malloc.
 *   inner run: 400 blocks of 1000 bytes freed with a block on either side
 *              still in use: most of their pages are dropped, and the
 *              memory is reused afterwards holding what is written. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <capsule/measure.h>

#define N           4000    /* ~1.7 MiB: no 2 MiB block fills, so none is collapsed */
#define RUN_BLOCKS  400
#define BLOCK_BYTES 1000
#define FEW_KIB     64      /* the allocator's state, a kept top, a page or two more */

static int failures;
#define CHECK(c) do { if (!(c)) { failures++; printf("FAIL %d: %s\n", __LINE__, #c); } } while (0)

static unsigned char *blocks[N];
static uint64_t rng_state = 7;

static uint64_t rng(void)
{
    rng_state = rng_state * 6364136223846793005ULL + 1442695040888963407ULL;
    return rng_state >> 33;
}

/* malloc, or the end of the run when memory is out (a fault-injection run). */
static void *xmalloc(size_t n)
{
    void *p = malloc(n);
    if (!p) {
        printf("heap_release: out of memory\n");
        exit(2);
    }
    return p;
}

static long resident_kib(void)
{
    capsule_peak_rss_reset();
    return capsule_peak_rss_kib();
}

static void teardown(void)
{
    long before = resident_kib();
    for (int i = 0; i < N; i++) {
        size_t n = rng() % 4 ? 16 + rng() % 200 : 256 + rng() % 2000;
        blocks[i] = xmalloc(n);
        memset(blocks[i], 0xa5, n);
    }
    long grown = resident_kib();
    for (int i = N - 1; i > 0; i--) {
        int j = (int)(rng() % (uint64_t)(i + 1));
        unsigned char *t = blocks[i];
        blocks[i] = blocks[j];
        blocks[j] = t;
    }
    for (int i = 0; i < N; i++)
        free(blocks[i]);
    long after = resident_kib();
    printf("teardown: resident %ld KiB before, %ld KiB with the blocks, %ld KiB after freeing them\n",
           before, grown, after);
    CHECK(grown > before + 1024);
    CHECK(after <= before + FEW_KIB);
}

static void inner_run(void)
{
    for (int i = 0; i < RUN_BLOCKS + 2; i++) {
        blocks[i] = xmalloc(BLOCK_BYTES);
        memset(blocks[i], i & 0xff, BLOCK_BYTES);
    }
    long full = resident_kib();
    for (int i = 1; i <= RUN_BLOCKS; i++)
        free(blocks[i]);
    long freed = resident_kib();
    long run_kib = RUN_BLOCKS * BLOCK_BYTES / 1024;
    printf("inner run: resident %ld KiB, %ld KiB after freeing %ld KiB between two live blocks\n",
           full, freed, run_kib);
    CHECK(freed <= full - run_kib / 2);
    for (int i = 1; i <= RUN_BLOCKS; i++) {
        blocks[i] = xmalloc(BLOCK_BYTES);
        memset(blocks[i], i & 0xff, BLOCK_BYTES);
    }
    for (int i = 0; i < RUN_BLOCKS + 2; i++) {
        int intact = 1;
        for (int k = 0; k < BLOCK_BYTES; k++)
            intact &= blocks[i][k] == (i & 0xff);
        CHECK(intact);
        free(blocks[i]);
    }
}

int main(void)
{
    printf("heap_release: begin\n");
    fflush(stdout);
    teardown();
    inner_run();
    printf("heap_release: %d failure(s)\n", failures);
    return failures != 0;
}

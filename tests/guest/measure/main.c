/* <capsule/measure.h>: an exact instruction count around a region under
 * icount=1, the peak resident memory growing with what the app touches. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <capsule/measure.h>

#define LOOP_ITERATIONS 1000
#define TOUCHED_KIB     4096

/* 1 + 2 * LOOP_ITERATIONS instructions: li, then addi and bnez each time. */
static void counted_loop(void)
{
    __asm__ volatile("li t0, %0\n"
                     "1: addi t0, t0, -1\n"
                     "bnez t0, 1b\n" :: "i"(LOOP_ITERATIONS) : "t0");
}

int main(void)
{
    uint64_t start = capsule_instret();
    uint64_t empty = capsule_instret() - start;

    start = capsule_instret();
    counted_loop();
    uint64_t loop = capsule_instret() - start - empty;
    printf("icount: %d\n", capsule_icount());
    printf("loop: %llu instructions (expected %d)\n", (unsigned long long)loop, 1 + 2 * LOOP_ITERATIONS);

    long before_kib = capsule_peak_rss_kib();
    char *p = malloc(TOUCHED_KIB * 1024);
    if (!p) {
        printf("malloc failed\n");
        return 1;
    }
    memset(p, 1, TOUCHED_KIB * 1024);
    long after_kib = capsule_peak_rss_kib();
    long sum = 0;
    for (long i = 0; i < TOUCHED_KIB * 1024L; i += 4096)
        sum += p[i];             /* read back: the stores are not dead */
    free(p);
    printf("peak memory %ld KiB, then %ld KiB (%ld pages read back)\n", before_kib, after_kib, sum);
    printf("peak memory grew by %s %d KiB\n", after_kib - before_kib >= TOUCHED_KIB ? "at least" : "less than",
           TOUCHED_KIB);
    return 0;
}

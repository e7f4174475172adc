/* Shared by the benchmark images: exact instruction counts of one
 * operation under qemu -icount shift=0.  MEASURE(body) runs body REPS times
 * (r_ is the repetition), each between two rdinstret reads, and evaluates
 * to the median minus the cost of an empty measurement, which main() stores
 * in overhead first (overhead = 0; overhead = MEASURE({});).  Results go
 * into sink, so nothing is optimised away. */
#ifndef BENCH_MEASURE_H
#define BENCH_MEASURE_H

#include <stdlib.h>

#include <arch/csr.h>

#define REPS 201

static uint64 samples[REPS];     /* the last MEASURE's samples, sorted */
static uint64 overhead;
static volatile uint64 sink;

static int cmp_u64(const void *a, const void *b)
{
    uint64 x = *(const uint64 *)a, y = *(const uint64 *)b;
    return x < y ? -1 : x > y;
}

static inline uint64 median(void)
{
    qsort(samples, REPS, sizeof samples[0], cmp_u64);
    return samples[REPS / 2];
}

#define MEASURE(body) ({                                   \
        for (int r_ = 0; r_ < REPS; r_++) {                \
            uint64 t0_ = rdinstret();                      \
            body;                                          \
            uint64 t1_ = rdinstret();                      \
            samples[r_] = t1_ - t0_;                       \
        }                                                  \
        median() - overhead; })

#endif

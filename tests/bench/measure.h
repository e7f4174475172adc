/* Shared by the benchmark images: exact instruction counts of one
 * operation under qemu -icount shift=0.  MEASURE(body) runs body REPS times
 * (r_ is the repetition), each between two rdinstret reads, and evaluates
 * to the median minus the cost of an empty measurement, which main() stores
 * in overhead first (overhead = 0; overhead = MEASURE({});).  Results go
 * into sink, so nothing is optimised away. */
#ifndef BENCH_MEASURE_H
#define BENCH_MEASURE_H

#include <stdio.h>
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

/* Where a pair's instructions go: first then second, REPS times, each
 * timed on its own (three rdinstret reads) in the state the pair runs in;
 * *first_out and *second_out get each half's median less the cost of an
 * empty measurement (overhead). */
static uint64 samples2[REPS] __attribute__((unused));   /* MEASURE_HALVES only */
#define MEASURE_HALVES(first, second, first_out, second_out) do {     \
        for (int r_ = 0; r_ < REPS; r_++) {                             \
            uint64 t0_ = rdinstret();                                   \
            first;                                                      \
            uint64 t1_ = rdinstret();                                   \
            second;                                                     \
            uint64 t2_ = rdinstret();                                   \
            samples[r_] = t1_ - t0_;                                    \
            samples2[r_] = t2_ - t1_;                                   \
        }                                                               \
        *(first_out) = median() - overhead;                             \
        for (int r_ = 0; r_ < REPS; r_++)                               \
            samples[r_] = samples2[r_];                                 \
        *(second_out) = median() - overhead; } while (0)

/* One figure for the bench's reader (site_scons/capsule/bench.py):
 * "BENCH <key> <instructions>". */
static inline void report(const char *key, uint64 v)
{
    printf("BENCH %s %lu\n", key, (unsigned long)v);
}

#endif

/* Shared by the real programs of the bench (bigcalc, treemap, textproc):
 * each does its work in program_run(), writing what it found with OUT()
 * into a buffer that is printed afterwards, so the console stays out of
 * the measured region.  main() prints
 *
 *     <name>: begin
 *     ... the program's output ...
 *     <name>: end
 *     BENCH <name>_instr N         instructions of program_run() (rdinstret)
 *     BENCH <name>_peak_kib N      peak resident memory during it, KiB
 *     BENCH <name>_held_kib N      resident at the end (the program freed
 *                                  everything) less at the start, KiB
 *     BENCH <name>_alloc_instr N   of the instructions, those inside malloc,
 *                                  realloc and free (see ALLOCATOR)
 *
 * The same sources build for Linux with the host compiler (a differential
 * guest case compares the lines between begin and end with Capsule's), so
 * this file and the programs use only ISO C and POSIX; the two BENCH
 * figures are Capsule's (on the host they read 0).  Peak resident memory is
 * getrusage's ru_maxrss (frames mapped into the address space at their
 * high-water mark) after capsule_peak_rss_reset() brought the mark down to
 * what was resident when the program started, minus that. */
#ifndef BENCH_PROGRAM_H
#define BENCH_PROGRAM_H

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>

#if defined(__riscv)
#include <capsule/measure.h>
#define program_instret()       capsule_instret()
#define program_peak_reset()    capsule_peak_rss_reset()
#else
#define program_instret()       ((uint64_t)0)
#define program_peak_reset()    ((void)0)
#endif

#define OUT_BYTES   (64 << 10)

static char out_buf[OUT_BYTES];
static size_t out_len;

/* printf into the output buffer (what does not fit is cut off, and says so). */
static inline void OUT(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(out_buf + out_len, OUT_BYTES - out_len, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= OUT_BYTES - out_len) {
        fprintf(stderr, "program output too long\n");
        exit(1);
    }
    out_len += (size_t)n;
}

/* A deterministic generator (the same sequence on every C library). */
static uint64_t rng_state = 88172645463325252ULL;
static inline uint64_t rng(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

/* The allocator's own share: every malloc, realloc and free of a program
 * goes through xmalloc, xrealloc and xfree, which add the instructions
 * retired inside the call to alloc_instr (the reads' own cost, measured
 * once as empty_instr, is taken off per call).  Page faults taken inside
 * the allocator count; those the program takes on the memory later do not. */
static uint64_t alloc_instr, alloc_calls, empty_instr;

#define ALLOCATOR(call) ({                                     \
        uint64_t t0_ = program_instret();                      \
        __typeof__(call) r_ = (call);                          \
        alloc_instr += program_instret() - t0_;                \
        alloc_calls++;                                         \
        r_; })

/* Out of memory ends the program with a message (a bench run must not
 * carry on with half its work). */
static inline void *xmalloc(size_t n)
{
    void *p = ALLOCATOR(malloc(n));
    if (!p && n) {
        fprintf(stderr, "out of memory (%zu bytes)\n", n);
        exit(1);
    }
    return p;
}

static inline void *xrealloc(void *p, size_t n)
{
    void *q = ALLOCATOR(realloc(p, n));
    if (!q && n) {
        fprintf(stderr, "out of memory (realloc %zu bytes)\n", n);
        exit(1);
    }
    return q;
}

static inline void xfree(void *p)
{
    ALLOCATOR((free(p), 0));
}

static inline long peak_rss_kib(void)
{
    struct rusage ru;
    return getrusage(RUSAGE_SELF, &ru) == 0 ? ru.ru_maxrss : 0;
}

static void program_run(void);

int main(int argc, char **argv)
{
    const char *name = argc > 0 ? argv[0] : "program";
    for (const char *s = name; *s; s++)        /* the host passes a path */
        if (*s == '/')
            name = s + 1;
    printf("%s: begin\n", name);
    fflush(stdout);
    uint64_t e0 = program_instret();
    empty_instr = program_instret() - e0;
    program_peak_reset();
    long rss0 = peak_rss_kib();
    uint64_t t0 = program_instret();
    program_run();
    uint64_t t1 = program_instret();
    long rss1 = peak_rss_kib();
    program_peak_reset();
    long held = peak_rss_kib() - rss0;      /* resident now: everything was freed */
    fwrite(out_buf, 1, out_len, stdout);
    printf("%s: end\n", name);
#if defined(__riscv)
    printf("BENCH %s_instr %llu\n", name, (unsigned long long)(t1 - t0));
    printf("BENCH %s_peak_kib %ld\n", name, rss1 - rss0);
    printf("BENCH %s_held_kib %ld\n", name, held);
    printf("BENCH %s_alloc_instr %llu\n", name, (unsigned long long)(alloc_instr - alloc_calls * empty_instr));
#else
    (void)t0, (void)t1, (void)rss0, (void)rss1, (void)held;
#endif
    return 0;
}

#endif

/* Not public: libmm's word loops -- every fill and copy of whole 8-byte
 * words, built from one unrolled fill step and one unrolled copy step -- and
 * the small constants and helpers several libmm files share.  libmm is
 * freestanding: nothing here calls memset or memcpy.
 *
 * Out-of-line instances: mm_fill and mm_copy (words.c), page_zero and
 * page_copy (page.c). */
#ifndef MM_WORDS_H
#define MM_WORDS_H

#include <stddef.h>

#include <arch/mmu.h>
#include <mm/types.h>

/* The pattern debug builds (MM_DEBUG) store over freed memory; kalloc checks
 * that it is still there when it hands an object out again. */
#define POISON_WORD     0xdeadbeefdeadbeefUL

/* Words one unrolled step stores or copies. */
#define WORD_STEP       8
#define WORDS_PER_PAGE  (PAGE_SIZE / sizeof(uint64))
/* Words per iteration of words_copy_page: the loop itself then costs 4
 * instructions per 512 bytes.  rv64gc has no vector unit and libOS code may
 * not use the FPU, so 8-byte integer accesses are the widest there are. */
#define PAGE_COPY_WORDS_PER_ITER 64

static inline uint64 min_u64(uint64 a, uint64 b)
{
    return a < b ? a : b;
}

/* bytes rounded up to whole words. */
static inline size_t round_words(size_t bytes)
{
    return (bytes + sizeof(uint64) - 1) & ~(sizeof(uint64) - 1);
}

/* Store pattern in the WORD_STEP words at w. */
static inline __attribute__((always_inline)) void fill_step(uint64 *w, uint64 pattern)
{
    w[0] = pattern; w[1] = pattern; w[2] = pattern; w[3] = pattern;
    w[4] = pattern; w[5] = pattern; w[6] = pattern; w[7] = pattern;
}

/* Copy the WORD_STEP words at s to d: all loads first, then all stores, so
 * d may overlap s when it lies below it. */
static inline __attribute__((always_inline)) void copy_step(uint64 *d, const uint64 *s)
{
    uint64 w0 = s[0], w1 = s[1], w2 = s[2], w3 = s[3];
    uint64 w4 = s[4], w5 = s[5], w6 = s[6], w7 = s[7];

    d[0] = w0; d[1] = w1; d[2] = w2; d[3] = w3;
    d[4] = w4; d[5] = w5; d[6] = w6; d[7] = w7;
}

/* Store pattern over the nwords words at w (8-aligned). */
static inline __attribute__((always_inline)) void words_fill(uint64 *w, size_t nwords, uint64 pattern)
{
    uint64 *end = w + nwords;

    for (; end - w >= WORD_STEP; w += WORD_STEP) {
        __asm__("" : "+r"(w));      /* keeps the compiler from calling memset */
        fill_step(w, pattern);
    }
    for (; w < end; w++) {
        __asm__("" : "+r"(w));
        *w = pattern;
    }
}

/* Copy the nwords words at s to d (both 8-aligned), ascending: d may overlap
 * s when it lies below it. */
static inline __attribute__((always_inline)) void words_copy(uint64 *d, const uint64 *s, size_t nwords)
{
    uint64 *end = d + nwords;

    for (; end - d >= WORD_STEP; d += WORD_STEP, s += WORD_STEP) {
        __asm__("" : "+r"(d));      /* keeps the compiler from calling memcpy */
        copy_step(d, s);
    }
    for (; d < end; d++, s++) {
        __asm__("" : "+r"(d));
        *d = *s;
    }
}

/* Zero the page at w: 512 stores in a row, no loop. */
static inline __attribute__((always_inline)) void words_zero_page(uint64 *w)
{
#pragma GCC unroll 64
    for (unsigned i = 0; i < WORDS_PER_PAGE; i += WORD_STEP)
        fill_step(w + i, 0);
}

/* Copy the page at s to the page at d (they do not overlap). */
static inline __attribute__((always_inline)) void words_copy_page(uint64 *d, const uint64 *s)
{
    uint64 *end = d + WORDS_PER_PAGE;

    for (; d < end; d += PAGE_COPY_WORDS_PER_ITER, s += PAGE_COPY_WORDS_PER_ITER) {
        __asm__("" : "+r"(d), "+r"(s));     /* keeps the compiler from calling memcpy */
#pragma GCC unroll 8
        for (unsigned i = 0; i < PAGE_COPY_WORDS_PER_ITER; i += WORD_STEP)
            copy_step(d + i, s + i);
    }
}

/* Store the 64-bit pattern over bytes (a multiple of 8) at 8-aligned p. */
void mm_fill(void *p, size_t bytes, uint64 pattern);
/* Copy bytes (a multiple of 8) from 8-aligned src to 8-aligned dst,
 * ascending: dst may overlap src when it lies below it. */
void mm_copy(void *dst, const void *src, size_t bytes);

#endif

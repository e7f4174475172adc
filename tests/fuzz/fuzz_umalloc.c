/* libFuzzer target: the app's allocator (libmm/umalloc.c) under sequences of
 * malloc, free, realloc, calloc and memalign decoded from the input (4 bytes
 * each), over a source that is a host buffer (the program break, poisoned
 * for ASan above the break) and aligned_alloc (large blocks).
 *
 * Every live block is filled with its own pattern byte (a canary over all
 * the bytes asked for) and checked when it is freed or reallocated and
 * every CHECK_EVERY operations, with umalloc_check; blocks must be aligned,
 * at least as large as asked, zeroed by calloc, and inside the heap or a
 * live mapping.  After each input every block is freed, and nothing may
 * stay in use or mapped.  Any mismatch prints the operation and aborts.
 *
 *   build/host/fuzz/fuzz_umalloc -max_total_time=600 corpus/   (by hand: a long run) */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sanitizer/asan_interface.h>

#include <mm/umalloc.h>

#define ARENA_BYTES     (64UL << 20)
#define SRC_PAGE_BYTES  4096UL
#define SLOTS           64
#define MAX_MAPS        256
#define OP_BYTES        4
#define MAX_OPS         400
#define CHECK_EVERY     16

/* ---- the source: a program break in one buffer, maps from the host ---- */

static uint8_t *arena;
static size_t   brk_bytes, high_water;
static struct { uint8_t *p; size_t bytes; } maps[MAX_MAPS];

static void *src_grow(void *ctx, size_t bytes)
{
    (void)ctx;
    if (bytes % SRC_PAGE_BYTES || bytes > ARENA_BYTES - brk_bytes)
        return NULL;
    uint8_t *p = arena + brk_bytes;
    ASAN_UNPOISON_MEMORY_REGION(p, bytes);
    memset(p, 0, bytes);
    brk_bytes += bytes;
    high_water = brk_bytes > high_water ? brk_bytes : high_water;
    return p;
}

static void src_shrink(void *ctx, size_t bytes)
{
    (void)ctx;
    if (bytes % SRC_PAGE_BYTES || bytes > brk_bytes) {
        fprintf(stderr, "fuzz_umalloc: shrink by %zu bytes of a %zu-byte break\n", bytes, brk_bytes);
        abort();
    }
    brk_bytes -= bytes;
    memset(arena + brk_bytes, 0x5a, bytes);
    ASAN_POISON_MEMORY_REGION(arena + brk_bytes, bytes);
}

static void *src_map(void *ctx, size_t bytes)
{
    (void)ctx;
    for (int i = 0; i < MAX_MAPS; i++) {
        if (!maps[i].p) {
            maps[i].p = aligned_alloc(SRC_PAGE_BYTES, bytes);
            if (maps[i].p) {
                memset(maps[i].p, 0, bytes);
                maps[i].bytes = bytes;
            }
            return maps[i].p;
        }
    }
    return NULL;
}

static void src_unmap(void *ctx, void *p, size_t bytes)
{
    (void)ctx;
    for (int i = 0; i < MAX_MAPS; i++) {
        if (maps[i].p == p && maps[i].bytes == bytes) {
            free(p);
            maps[i].p = NULL;
            return;
        }
    }
    fprintf(stderr, "fuzz_umalloc: unmap of %p (%zu bytes): not a live mapping\n", p, bytes);
    abort();
}

/* Whether [p, p + n) lies in the heap or in one live mapping. */
static bool owned(const uint8_t *p, size_t n)
{
    if (p >= arena && p + n <= arena + brk_bytes)
        return true;
    for (int i = 0; i < MAX_MAPS; i++)
        if (maps[i].p && p >= maps[i].p && p + n <= maps[i].p + maps[i].bytes)
            return true;
    return false;
}

/* ---- blocks and their canaries -------------------------------------------- */

struct block {
    uint8_t *p;
    size_t   n;         /* bytes asked for */
    uint8_t  fill;
};

static struct block live[SLOTS];
static uint8_t      next_fill;
static size_t       op_index;

static void fail(const char *what, const struct block *b)
{
    fprintf(stderr, "fuzz_umalloc: operation %zu: %s (block %p, %zu bytes, fill 0x%02x)\n", op_index,
            what, b ? (void *)b->p : NULL, b ? b->n : 0, b ? b->fill : 0);
    abort();
}

static void check_canary(const struct block *b, size_t upto)
{
    static uint8_t pattern[SRC_PAGE_BYTES];

    memset(pattern, b->fill, sizeof pattern);
    for (size_t i = 0; i < upto; i += sizeof pattern) {
        size_t n = upto - i < sizeof pattern ? upto - i : sizeof pattern;
        if (memcmp(b->p + i, pattern, n) != 0)
            fail("a canary byte changed", b);
    }
}

/* A new block p of n bytes (aligned to align) in b: checks, then fills it. */
static void take(struct block *b, void *p, size_t n, size_t align, bool zeroed, struct umalloc *h)
{
    if (!p)
        fail("allocation failed", NULL);
    b->p = p;
    b->n = n;
    b->fill = ++next_fill ? next_fill : ++next_fill;
    if ((uintptr_t)p % align || uusable_size(h, p) < n || !owned(p, n ? n : 1))
        fail("block misaligned, too small or outside the heap", b);
    if (zeroed) {
        b->fill = 0;
        check_canary(b, n);
        b->fill = next_fill;
    }
    memset(b->p, b->fill, n);
}

static void release(struct block *b, struct umalloc *h)
{
    if (b->p) {
        check_canary(b, b->n);
        ufree(h, b->p);
    }
    b->p = NULL;
}

/* Sizes: up to 63 bytes, up to 1 KiB, up to 64 KiB, or around the 256 KiB
 * where blocks start to be mapped apart. */
static size_t size_of(uint8_t mode, uint8_t v)
{
    size_t x = ((size_t)(mode & 63) << 8) | v;
    switch (mode >> 6) {
    case 0:  return v % 64;
    case 1:  return x % 1024;
    case 2:  return x * 4;
    default: return (192UL << 10) + x * 8;
    }
}

static void one_op(struct umalloc *h, const uint8_t *o)
{
    struct block *b = &live[o[1] % SLOTS];
    size_t n = size_of(o[2], o[3]);

    switch (o[0] % 8) {
    case 0: case 1: case 2:
        release(b, h);
        take(b, umalloc(h, n), n, 16, false, h);
        break;
    case 3: case 4:
        release(b, h);
        break;
    case 5: {
        if (!b->p) {
            take(b, urealloc(h, NULL, n), n, 16, false, h);
            break;
        }
        struct block old = *b;
        void *p = urealloc(h, b->p, n);
        if (!p)
            fail("realloc failed", b);
        b->p = p;
        b->n = n < old.n ? n : old.n;
        check_canary(b, b->n);      /* the bytes both sizes share moved along */
        take(b, p, n, 16, false, h);
        break;
    }
    case 6: {
        size_t nr = 1 + o[3] % 8;
        release(b, h);
        if (o[2] == 0xff) {         /* nr * size overflows: NULL */
            if (ucalloc(h, SIZE_MAX / 2, 4))
                fail("calloc of an overflowing size succeeded", NULL);
            break;
        }
        take(b, ucalloc(h, nr, n / nr), nr * (n / nr), 16, true, h);
        break;
    }
    default: {
        size_t align = (size_t)1 << (4 + o[3] % 9);
        release(b, h);
        if (o[3] % 16 == 15) {      /* not a power of two: NULL */
            if (umemalign(h, 48, n))
                fail("memalign(48) succeeded", NULL);
            break;
        }
        take(b, umemalign(h, align, n), n, align, false, h);
    }
    }
}

static void check_all(struct umalloc *h)
{
    if (umalloc_check(h) != 0)
        fail("umalloc_check failed", NULL);
    for (int i = 0; i < SLOTS; i++)
        if (live[i].p)
            check_canary(&live[i], live[i].n);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    arena = aligned_alloc(SRC_PAGE_BYTES, ARENA_BYTES);
    if (!arena)
        abort();
    ASAN_POISON_MEMORY_REGION(arena, ARENA_BYTES);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct umalloc_source src = { src_grow, src_shrink, src_map, src_unmap, NULL };
    struct umalloc_stats st;

    brk_bytes = 0;
    memset(live, 0, sizeof live);
    struct umalloc *h = umalloc_create(&src);
    if (!h)
        fail("umalloc_create failed", NULL);
    for (op_index = 0; op_index < MAX_OPS && (op_index + 1) * OP_BYTES <= size; op_index++) {
        one_op(h, data + op_index * OP_BYTES);
        if (op_index % CHECK_EVERY == CHECK_EVERY - 1)
            check_all(h);
    }
    check_all(h);
    for (int i = 0; i < SLOTS; i++)
        release(&live[i], h);
    umalloc_stats(h, &st);
    if (umalloc_check(h) != 0 || st.in_use != 0 || st.mapped_bytes != 0)
        fail("after freeing every block: in use or mapped bytes remain, or the heap is corrupt", NULL);
    for (int i = 0; i < MAX_MAPS; i++)
        if (maps[i].p)
            fail("a mapping is still live after every block was freed", NULL);
    ASAN_POISON_MEMORY_REGION(arena, high_water);
    return 0;
}

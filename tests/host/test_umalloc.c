/* Host tests of the application allocator (umalloc.c) over a simulated
 * program break and mmap: sizes and alignment, calloc and realloc, memalign,
 * coalescing (also of parked small blocks, before the heap grows or trims),
 * the victim chunk's reuse of a queue's memory, room for growing buffers
 * (in the heap, and a mapping of their own), mapped blocks, giving memory
 * back (and keeping it when it is needed again), non-contiguous heaps, the
 * reports of invalid and double frees, and random operation sequences
 * checked against a model.
 *
 * The break is one host buffer: grow hands out the next bytes (zeroed), or
 * leaves a gap first when a test asks for a non-contiguous heap; shrink
 * takes bytes back.  Everything above the break is poisoned for ASan, so
 * an allocator access beyond its heap fails the test at once. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <sanitizer/asan_interface.h>

#include <mm/umalloc.h>

#include "sim.h"

#define ARENA_BYTES         (256UL << 20)
#define SRC_PAGE_BYTES      4096UL
#define MAX_MAPS            4096
#define ALIGN_BYTES         16
#define MIN_USABLE_BYTES    24              /* the smallest block: a 32-byte chunk less its head */
#define BIG_BYTES           1000            /* freed at once, never parked in the small-block cache */
#define LARGE_BYTES         (1UL << 20)     /* mapped when the source can map */
#define RANDOM_SEEDS        3
#define RANDOM_OPS          20000
#define CHECK_EVERY_OPS     100
#define MAX_LIVE_BLOCKS     400

/* ---- the source: a simulated break and mmap ---------------------------- */

struct test_source {
    uint8_t *arena;
    size_t   brk;               /* arena bytes handed out (gaps included) */
    size_t   run_start;         /* where the current contiguous run began */
    size_t   limit;             /* grow fails past this many arena bytes */
    size_t   gap_bytes;         /* the next grow leaves this gap first */
    bool     gap_every_grow;    /* ... and so does every grow */
    int      grows, failed_grows, shrinks;
    size_t   shrunk_bytes;
    size_t   gaps;              /* arena bytes skipped by gaps */
    bool     map_fails;
    bool     keep_unmapped;     /* unmapped regions stay readable until the test ends */
    const uint8_t *hole; size_t hole_bytes;   /* the readable hook says no here */
    struct { void *p; size_t bytes; bool live; } maps[MAX_MAPS];
    int      nmaps, map_calls, unmap_calls;
    int      discards;
    size_t   discarded_bytes;
};

static struct test_source src_state;
static struct umalloc_source src;
static struct umalloc *heap;

static void *src_grow(void *ctx, size_t bytes)
{
    struct test_source *s = ctx;

    assert_ptr_equal(s, &src_state);
    assert_true(bytes > 0 && bytes % SRC_PAGE_BYTES == 0);
    size_t gap = s->gap_bytes;
    if (s->brk + gap + bytes > s->limit) {
        s->failed_grows++;
        return NULL;
    }
    if (!s->gap_every_grow)
        s->gap_bytes = 0;
    if (gap)
        s->run_start = s->brk + gap;
    s->brk += gap;
    s->gaps += gap;
    uint8_t *p = s->arena + s->brk;
    ASAN_UNPOISON_MEMORY_REGION(p, bytes);
    memset(p, 0, bytes);
    s->brk += bytes;
    s->grows++;
    return p;
}

static void src_shrink(void *ctx, size_t bytes)
{
    struct test_source *s = ctx;

    assert_true(bytes > 0 && bytes % SRC_PAGE_BYTES == 0);
    assert_true(bytes <= s->brk - s->run_start);
    s->brk -= bytes;
    memset(s->arena + s->brk, 0x5a, bytes);
    ASAN_POISON_MEMORY_REGION(s->arena + s->brk, bytes);
    s->shrinks++;
    s->shrunk_bytes += bytes;
}

static void *src_map(void *ctx, size_t bytes)
{
    struct test_source *s = ctx;

    assert_true(bytes > 0 && bytes % SRC_PAGE_BYTES == 0);
    s->map_calls++;
    if (s->map_fails || s->nmaps == MAX_MAPS)
        return NULL;
    void *p = aligned_alloc(SRC_PAGE_BYTES, bytes);
    assert_non_null(p);
    memset(p, 0, bytes);
    s->maps[s->nmaps].p = p;
    s->maps[s->nmaps].bytes = bytes;
    s->maps[s->nmaps].live = true;
    s->nmaps++;
    return p;
}

/* With keep_unmapped, the region stays readable until the test ends, so
 * that a second free of a mapped block reads a released header rather than
 * freed host memory. */
static void src_unmap(void *ctx, void *p, size_t bytes)
{
    struct test_source *s = ctx;

    for (int i = 0; i < s->nmaps; i++) {
        if (s->maps[i].p == p) {
            assert_true(s->maps[i].live);
            assert_int_equal(s->maps[i].bytes, bytes);
            s->maps[i].live = false;
            s->unmap_calls++;
            if (!s->keep_unmapped) {
                free(p);
                s->maps[i].p = NULL;
            }
            return;
        }
    }
    fail_msg("unmap of %p: not a mapped region", p);
}

/* Dropped pages read zero, as after madvise(MADV_DONTNEED). */
static void src_discard(void *ctx, void *p, size_t bytes)
{
    struct test_source *s = ctx;
    uint8_t *b = p;

    assert_true(bytes > 0 && bytes % SRC_PAGE_BYTES == 0 && (uintptr_t)b % SRC_PAGE_BYTES == 0);
    assert_true(b >= s->arena && b + bytes <= s->arena + s->brk);
    memset(b, 0, bytes);
    s->discards++;
    s->discarded_bytes += bytes;
}

/* Pages of the break holding something other than zero: the frames a real
 * heap would hold at least (a page never written needs none). */
static size_t written_pages(void)
{
    size_t n = 0;

    for (size_t off = 0; off < src_state.brk; off += SRC_PAGE_BYTES) {
        const uint64_t *w = (const uint64_t *)(src_state.arena + off);
        for (size_t i = 0; i < SRC_PAGE_BYTES / sizeof *w; i++) {
            if (w[i]) {
                n++;
                break;
            }
        }
    }
    return n;
}

static int live_maps(void)
{
    int n = 0;

    for (int i = 0; i < src_state.nmaps; i++)
        n += src_state.maps[i].live;
    return n;
}

static int src_readable(void *ctx, const void *p)
{
    struct test_source *s = ctx;
    const uint8_t *b = p;
    return !(s->hole && b >= s->hole && b < s->hole + s->hole_bytes);
}

static void source_init(bool can_map, bool can_shrink)
{
    uint8_t *arena = src_state.arena;

    memset(&src_state, 0, sizeof src_state);
    src_state.arena = arena;
    src_state.limit = ARENA_BYTES;
    src = (struct umalloc_source){ src_grow, can_shrink ? src_shrink : NULL,
                                   can_map ? src_map : NULL, can_map ? src_unmap : NULL, &src_state,
                                   src_readable, can_shrink ? src_discard : NULL };
}

static int group_setup(void **state)
{
    (void)state;
    src_state.arena = aligned_alloc(SRC_PAGE_BYTES, ARENA_BYTES);
    assert_non_null(src_state.arena);
    ASAN_POISON_MEMORY_REGION(src_state.arena, ARENA_BYTES);
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    ASAN_UNPOISON_MEMORY_REGION(src_state.arena, ARENA_BYTES);
    free(src_state.arena);
    return 0;
}

static int start_heap(bool can_map, bool can_shrink)
{
    source_init(can_map, can_shrink);
    heap = umalloc_create(&src);
    assert_non_null(heap);
    return 0;
}

static int setup(void **state)          { (void)state; return start_heap(true, true); }
static int setup_no_map(void **state)   { (void)state; return start_heap(false, true); }
static int setup_plain(void **state)    { (void)state; return start_heap(false, false); }

static struct umalloc_stats stats(void);

/* Every test ends with a consistent heap and gives back every block (a leak
 * fails the test); the break is reset for the next. */
static int teardown(void **state)
{
    (void)state;
    assert_int_equal(umalloc_check(heap), 0);
    assert_int_equal(stats().in_use, 0);
    assert_int_equal(stats().mapped_bytes, 0);
    assert_int_equal(live_maps(), 0);
    for (int i = 0; i < src_state.nmaps; i++)
        free(src_state.maps[i].p);
    src_state.nmaps = 0;
    ASAN_POISON_MEMORY_REGION(src_state.arena, ARENA_BYTES);
    heap = NULL;
    return 0;
}

static struct umalloc_stats stats(void)
{
    struct umalloc_stats st;

    umalloc_stats(heap, &st);
    return st;
}

/* ---- helpers ----------------------------------------------------------- */

static uint64_t rng_state;
static uint64_t rng(void)
{
    rng_state = rng_state * 6364136223846793005UL + 1442695040888963407UL;
    return rng_state >> 33;
}

static void fill(void *p, size_t n, uint8_t byte)
{
    memset(p, byte, n);
}

static bool holds(const void *p, size_t n, uint8_t byte)
{
    const uint8_t *b = p;

    for (size_t i = 0; i < n; i++)
        if (b[i] != byte)
            return false;
    return true;
}

static void assert_block(const void *p, size_t n, size_t align)
{
    assert_non_null(p);
    assert_int_equal((uintptr_t)p % (align > ALIGN_BYTES ? align : ALIGN_BYTES), 0);
    assert_true(uusable_size(heap, p) >= n);
}

/* The usable size stays below this: n rounded up to 16, or the minimum. */
static size_t tight_usable(size_t n)
{
    return (n > MIN_USABLE_BYTES ? n : MIN_USABLE_BYTES) + ALIGN_BYTES;
}

static void assert_panic_names(const void *addr, const char *what)
{
    char want[32];

    snprintf(want, sizeof want, "%p", addr);
    if (!strstr(sim_last_panic, want) || !strstr(sim_last_panic, what))
        fail_msg("panic message \"%s\" should name %s and say \"%s\"", sim_last_panic, want, what);
}

/* One SIM_PANICS per function: several in one function trip -Wclobbered. */
static int ufree_panics(void *p) { return SIM_PANICS(ufree(heap, p)); }
static int urealloc_panics(void *p, size_t n) { return SIM_PANICS(urealloc(heap, p, n)); }
static int usable_panics(void *p) { return SIM_PANICS(uusable_size(heap, p)); }

/* ---- creation ---------------------------------------------------------- */

static void test_state_lives_in_the_first_grow(void **state)
{
    (void)state;
    struct umalloc_stats st = stats();

    assert_int_equal(src_state.grows, 1);
    assert_true((uint8_t *)heap >= src_state.arena && (uint8_t *)heap < src_state.arena + src_state.brk);
    assert_int_equal(st.heap_bytes, src_state.brk);
    assert_int_equal(st.in_use, 0);
    assert_int_equal(st.mapped_bytes, 0);
    assert_int_equal(st.peak_bytes, st.heap_bytes);
}

static void test_create_fails_without_memory(void **state)
{
    (void)state;
    struct umalloc_source none = src;

    src_state.limit = src_state.brk;
    assert_null(umalloc_create(&none));
    none.grow = NULL;
    assert_null(umalloc_create(&none));
    assert_null(umalloc_create(NULL));
}

static void test_unaligned_break_start_is_fine(void **state)
{
    (void)state;
    /* A break that starts 8 bytes past a 16-byte boundary. */
    source_init(true, true);
    src_state.gap_bytes = 8;
    heap = umalloc_create(&src);
    assert_non_null(heap);
    void *p[64];
    for (int i = 0; i < 64; i++) {
        p[i] = umalloc(heap, 1000 * (size_t)i);
        assert_block(p[i], 1000 * (size_t)i, ALIGN_BYTES);
    }
    assert_int_equal(umalloc_check(heap), 0);
    for (int i = 0; i < 64; i++)
        ufree(heap, p[i]);
}

/* ---- sizes, alignment, isolation --------------------------------------- */

/* For every size 0 .. 3000: four neighbours, each filled over its whole
 * usable size with its own byte, then checked: an overlap shows. */
static void test_every_size_is_aligned_usable_and_isolated(void **state)
{
    (void)state;
    enum { NEIGHBOURS = 4 };
    uint8_t *obj[NEIGHBOURS];

    for (size_t n = 0; n <= 3000; n++) {
        for (int i = 0; i < NEIGHBOURS; i++) {
            obj[i] = umalloc(heap, n);
            assert_block(obj[i], n, ALIGN_BYTES);
            size_t usable = uusable_size(heap, obj[i]);
            assert_true(usable >= MIN_USABLE_BYTES && usable < tight_usable(n));
            fill(obj[i], usable, (uint8_t)(0x10 + i));
        }
        for (int i = 0; i < NEIGHBOURS; i++) {
            if (!holds(obj[i], uusable_size(heap, obj[i]), (uint8_t)(0x10 + i)))
                fail_msg("size %zu: block %d was overwritten", n, i);
            ufree(heap, obj[i]);
        }
    }
    assert_int_equal(stats().in_use, 0);
}

static void test_zero_bytes_gives_unique_blocks(void **state)
{
    (void)state;
    void *a = umalloc(heap, 0), *b = umalloc(heap, 0);

    assert_block(a, 0, ALIGN_BYTES);
    assert_block(b, 0, ALIGN_BYTES);
    assert_ptr_not_equal(a, b);
    ufree(heap, a);
    ufree(heap, b);
}

static void test_free_null_does_nothing(void **state)
{
    (void)state;
    struct umalloc_stats before = stats();

    ufree(heap, NULL);
    assert_int_equal(stats().in_use, before.in_use);
    assert_int_equal(uusable_size(heap, NULL), 0);
}

static void test_huge_requests_return_null(void **state)
{
    (void)state;
    static const size_t huge[] = {
        SIZE_MAX, SIZE_MAX - 1, SIZE_MAX - 8, SIZE_MAX - 15, SIZE_MAX - 16, SIZE_MAX - 4096,
        SIZE_MAX / 2, SIZE_MAX / 2 + 1, 1UL << 62, 1UL << 48, (1UL << 40) + 1,
    };
    void *p = umalloc(heap, 100);
    struct umalloc_stats before = stats();

    fill(p, 100, 0x77);
    for (size_t i = 0; i < sizeof huge / sizeof huge[0]; i++) {
        assert_null(umalloc(heap, huge[i]));
        assert_null(ucalloc(heap, 1, huge[i]));
        assert_null(umemalign(heap, 64, huge[i]));
        assert_null(umemalign(heap, 4096, huge[i]));
        assert_null(urealloc(heap, p, huge[i]));
    }
    assert_null(umemalign(heap, 1UL << 63, 16));
    assert_true(holds(p, 100, 0x77));
    assert_int_equal(stats().heap_bytes, before.heap_bytes);
    assert_int_equal(stats().mapped_bytes, 0);
    ufree(heap, p);
}

static void test_exhausted_source_gives_null_and_keeps_blocks(void **state)
{
    (void)state;
    enum { MAX_BLOCKS = 4096 };
    static uint8_t *blocks[MAX_BLOCKS];
    int n = 0;

    src_state.limit = src_state.brk + (1UL << 20);
    src_state.map_fails = true;
    while (n < MAX_BLOCKS && (blocks[n] = umalloc(heap, 3000)) != NULL) {
        fill(blocks[n], 3000, (uint8_t)n);
        n++;
    }
    assert_true(n > 300 && n < MAX_BLOCKS);
    assert_true(src_state.failed_grows > 0);
    assert_null(umalloc(heap, 3000));
    assert_null(umalloc(heap, 1UL << 20));
    assert_null(umemalign(heap, 256, 3000));
    assert_null(urealloc(heap, blocks[n - 1], 6000));  /* the last block borders the top */
    assert_true(holds(blocks[n - 1], 3000, (uint8_t)(n - 1)));
    assert_int_equal(umalloc_check(heap), 0);
    for (int i = 0; i < n; i++) {
        assert_true(holds(blocks[i], 3000, (uint8_t)i));
        ufree(heap, blocks[i]);
    }
    assert_int_equal(stats().in_use, 0);
}

/* ---- calloc ------------------------------------------------------------ */

static void test_calloc_overflow_returns_null(void **state)
{
    (void)state;
    assert_null(ucalloc(heap, SIZE_MAX / 2, 3));
    assert_null(ucalloc(heap, 1UL << 32, 1UL << 32));
    assert_null(ucalloc(heap, SIZE_MAX, SIZE_MAX));
    assert_null(ucalloc(heap, 3, SIZE_MAX / 2));
    void *p = ucalloc(heap, 0, 5);
    assert_block(p, 0, ALIGN_BYTES);
    ufree(heap, p);
}

static void test_calloc_zeroes_reused_memory(void **state)
{
    (void)state;
    static const size_t sizes[] = { 1, 7, 24, 100, 333, 1000, 4097, 20000, 100000 };

    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        size_t n = sizes[i];
        uint8_t *p = umalloc(heap, n);
        uint8_t *guard = umalloc(heap, 16);     /* keeps p's block from merging into the top */
        fill(p, uusable_size(heap, p), 0xff);
        ufree(heap, p);
        uint8_t *q = ucalloc(heap, 1, n);
        assert_ptr_equal(q, p);
        assert_true(holds(q, n, 0));
        ufree(heap, q);
        q = ucalloc(heap, n, 1);
        assert_true(holds(q, n, 0));
        ufree(heap, q);
        ufree(heap, guard);
    }
    /* A block that went back into the top, carved again. */
    uint8_t *p = umalloc(heap, 100000);
    fill(p, 100000, 0xff);
    ufree(heap, p);
    uint8_t *q = ucalloc(heap, 100000, 1);
    assert_ptr_equal(q, p);
    assert_true(holds(q, 100000, 0));
    ufree(heap, q);
}

/* ---- realloc ----------------------------------------------------------- */

static void test_realloc_null_is_malloc_and_zero_is_free(void **state)
{
    (void)state;
    void *p = urealloc(heap, NULL, 100);

    assert_block(p, 100, ALIGN_BYTES);
    assert_true(stats().in_use >= 100);
    void *q = urealloc(heap, p, 0);
    assert_block(q, 0, ALIGN_BYTES);
    assert_int_equal(stats().in_use, uusable_size(heap, q));
    ufree(heap, q);
    assert_int_equal(stats().in_use, 0);
}

static void test_realloc_shrinks_in_place_and_frees_the_tail(void **state)
{
    (void)state;
    uint8_t *p = umalloc(heap, 1000);
    uint8_t *guard = umalloc(heap, 16);

    fill(p, 1000, 0x31);
    assert_ptr_equal(urealloc(heap, p, 100), p);
    assert_true(holds(p, 100, 0x31));
    assert_true(uusable_size(heap, p) < tight_usable(100));
    uint8_t *tail = umalloc(heap, 800);             /* fits where the tail was */
    assert_true(tail > p && tail < p + 1000);
    assert_ptr_equal(urealloc(heap, p, 90), p);     /* too little to split: stays */
    ufree(heap, tail);
    ufree(heap, guard);
    ufree(heap, p);
}

static void test_realloc_grows_in_place_into_a_free_next_block(void **state)
{
    (void)state;
    uint8_t *a = umalloc(heap, 100);
    uint8_t *b = umalloc(heap, BIG_BYTES);
    uint8_t *c = umalloc(heap, 100);

    fill(a, 100, 0x41);
    ufree(heap, b);
    assert_ptr_equal(urealloc(heap, a, 300), a);
    assert_true(holds(a, 100, 0x41));
    assert_int_equal(umalloc_check(heap), 0);
    assert_ptr_equal(urealloc(heap, a, BIG_BYTES + 110), a);    /* all of b's block */
    assert_true(holds(a, 100, 0x41));
    ufree(heap, c);
    ufree(heap, a);
}

static void test_realloc_grows_in_place_into_the_top(void **state)
{
    (void)state;
    uint8_t *p = umalloc(heap, 64);
    int grows = src_state.grows;

    fill(p, 64, 0x42);
    for (size_t n = 128; n <= (4UL << 20); n *= 2) {
        assert_ptr_equal(urealloc(heap, p, n), p);  /* the heap grows under it */
        assert_true(holds(p, 64, 0x42));
    }
    assert_true(src_state.grows > grows);
    assert_int_equal(src_state.map_calls, 0);
    ufree(heap, p);
}

static void test_realloc_grows_backwards_into_a_free_previous_block(void **state)
{
    (void)state;
    uint8_t *a = umalloc(heap, BIG_BYTES);
    uint8_t *b = umalloc(heap, 100);
    uint8_t *c = umalloc(heap, 100);

    fill(b, 100, 0x43);
    ufree(heap, a);
    uint8_t *q = urealloc(heap, b, BIG_BYTES);
    assert_ptr_equal(q, a);                         /* moved down over a's block */
    assert_true(holds(q, 100, 0x43));
    assert_int_equal(umalloc_check(heap), 0);
    ufree(heap, c);
    ufree(heap, q);
}

static void test_realloc_moves_when_boxed_in(void **state)
{
    (void)state;
    uint8_t *a = umalloc(heap, 100);
    uint8_t *b = umalloc(heap, 200);
    uint8_t *c = umalloc(heap, 100);

    fill(b, 200, 0x44);
    uint8_t *q = urealloc(heap, b, 5000);
    assert_ptr_not_equal(q, b);
    assert_block(q, 5000, ALIGN_BYTES);
    assert_true(holds(q, 200, 0x44));
    uint8_t *r = umalloc(heap, 200);                /* b's old block is free again */
    assert_ptr_equal(r, b);
    ufree(heap, a);
    ufree(heap, c);
    ufree(heap, q);
    ufree(heap, r);
}

static void test_realloc_failure_keeps_the_block(void **state)
{
    (void)state;
    uint8_t *p = umalloc(heap, 1000);
    uint8_t *guard = umalloc(heap, 16);

    fill(p, 1000, 0x45);
    src_state.limit = src_state.brk;
    assert_null(urealloc(heap, p, 8UL << 20));
    assert_null(urealloc(heap, p, SIZE_MAX));
    assert_true(holds(p, 1000, 0x45));
    assert_int_equal(umalloc_check(heap), 0);
    ufree(heap, guard);
    ufree(heap, p);
}

/* ---- memalign ---------------------------------------------------------- */

static void test_memalign_gives_every_power_of_two(void **state)
{
    (void)state;
    static const size_t sizes[] = { 0, 1, 17, 100, 4096, 5000, 300000 };
    enum { NSIZES = sizeof sizes / sizeof sizes[0] };
    void *p[NSIZES];

    for (size_t align = 1; align <= (1UL << 20); align <<= 1) {
        for (int i = 0; i < NSIZES; i++) {
            p[i] = umemalign(heap, align, sizes[i]);
            assert_block(p[i], sizes[i], align);
            fill(p[i], sizes[i], (uint8_t)i);
        }
        assert_int_equal(umalloc_check(heap), 0);
        for (int i = 0; i < NSIZES; i++) {
            assert_true(holds(p[i], sizes[i], (uint8_t)i));
            ufree(heap, p[i]);
        }
    }
    assert_int_equal(stats().in_use, 0);
}

static void test_memalign_rejects_other_alignments(void **state)
{
    (void)state;
    static const size_t bad[] = { 0, 3, 24, 48, 100, 4095, 4097, SIZE_MAX };

    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_null(umemalign(heap, bad[i], 64));
}

static void test_memalign_in_the_heap_without_map(void **state)
{
    (void)state;
    void *p[12];

    for (int i = 0; i < 12; i++) {
        p[i] = umemalign(heap, 1UL << (i + 5), 3000);
        assert_block(p[i], 3000, 1UL << (i + 5));
        fill(p[i], 3000, (uint8_t)i);
    }
    for (int i = 0; i < 12; i++) {
        assert_true(holds(p[i], 3000, (uint8_t)i));
        ufree(heap, p[i]);
    }
    assert_int_equal(stats().mapped_bytes, 0);
}

/* ---- coalescing and giving memory back --------------------------------- */

static void test_freeing_everything_coalesces_into_one_block(void **state)
{
    (void)state;
    enum { N = 2000 };
    static void *blocks[N];

    rng_state = 99;
    for (int i = 0; i < N; i++)
        blocks[i] = umalloc(heap, rng() % 2000);
    for (int i = N - 1; i > 0; i--) {           /* free in a random order */
        int j = (int)(rng() % (uint64_t)(i + 1));
        void *t = blocks[i];
        blocks[i] = blocks[j];
        blocks[j] = t;
    }
    for (int i = 0; i < N; i++)
        ufree(heap, blocks[i]);
    assert_int_equal(stats().in_use, 0);
    assert_int_equal(umalloc_check(heap), 0);
    /* One block of nearly the whole heap fits without growing it. */
    int grows = src_state.grows;
    size_t whole = stats().heap_bytes - (16UL << 10);
    void *p = umalloc(heap, whole);
    assert_non_null(p);
    assert_int_equal(src_state.grows, grows);
    ufree(heap, p);
}

static void test_big_free_top_is_given_back(void **state)
{
    (void)state;
    enum { N = 128 };
    void *blocks[N];

    for (int i = 0; i < N; i++)
        blocks[i] = umalloc(heap, 16000);
    size_t grown = stats().heap_bytes;
    assert_true(grown >= N * 16000);
    for (int i = 0; i < N; i++)
        ufree(heap, blocks[i]);
    assert_true(src_state.shrinks > 0);
    assert_true(stats().heap_bytes <= grown - (1UL << 20));
    assert_int_equal(stats().heap_bytes, src_state.brk);
    assert_int_equal(stats().peak_bytes, grown);
    void *p = umalloc(heap, 100000);            /* and the heap still works */
    assert_block(p, 100000, ALIGN_BYTES);
    ufree(heap, p);
}

static void test_no_shrink_keeps_the_top(void **state)
{
    (void)state;
    void *p = umalloc(heap, 3UL << 20);

    ufree(heap, p);
    assert_int_equal(src_state.shrinks, 0);
    assert_true(stats().heap_bytes >= 3UL << 20);
}

static void test_non_contiguous_grows_make_new_pools(void **state)
{
    (void)state;
    enum { N = 300 };
    static uint8_t *blocks[N];

    src_state.gap_bytes = 3 * SRC_PAGE_BYTES;
    src_state.gap_every_grow = true;
    for (int i = 0; i < N; i++) {
        size_t n = 1000 + (size_t)i * 97;
        blocks[i] = umalloc(heap, n);
        assert_block(blocks[i], n, ALIGN_BYTES);
        fill(blocks[i], n, (uint8_t)i);
    }
    assert_true(src_state.grows > 5);
    assert_int_equal(umalloc_check(heap), 0);
    for (int i = 0; i < N; i += 2)
        ufree(heap, blocks[i]);
    assert_int_equal(umalloc_check(heap), 0);
    for (int i = 1; i < N; i += 2) {
        assert_true(holds(blocks[i], 1000 + (size_t)i * 97, (uint8_t)i));
        ufree(heap, blocks[i]);
    }
    assert_int_equal(stats().in_use, 0);
}

static void test_memory_needed_again_is_kept_the_next_time(void **state)
{
    (void)state;
    enum { N = 64 };
    void *blocks[N];

    for (int round = 0; round < 3; round++) {
        for (int i = 0; i < N; i++)
            blocks[i] = umalloc(heap, 32000);
        for (int i = 0; i < N; i++)
            ufree(heap, blocks[i]);
    }
    assert_int_equal(src_state.shrinks, 1);     /* gave back once, then kept it */
    assert_true(stats().heap_bytes >= N * 32000);
}

/* A run of 380 freed blocks with in-use blocks on both sides cannot go
 * back with the top: its pages are dropped instead, and the memory is
 * still the heap's. */
static void test_a_large_free_run_inside_the_heap_loses_its_pages(void **state)
{
    (void)state;
    enum { N = 400, FIRST = 10, LAST = 389 };
    static uint8_t *blocks[N];

    for (int i = 0; i < N; i++) {
        blocks[i] = umalloc(heap, BIG_BYTES);
        fill(blocks[i], BIG_BYTES, (uint8_t)(i | 1));
    }
    size_t before = written_pages();
    for (int i = FIRST; i <= LAST; i++)
        ufree(heap, blocks[i]);
    /* all but what was freed since the last drop (under a quarter of the run) */
    size_t run_pages = (LAST - FIRST + 1) * (size_t)BIG_BYTES / SRC_PAGE_BYTES;
    assert_true(src_state.discards >= 1);
    assert_true(written_pages() + run_pages * 3 / 4 - 2 <= before);
    assert_int_equal(umalloc_check(heap), 0);
    for (int i = FIRST; i <= LAST; i++) {       /* reused, and holding what is written */
        blocks[i] = umalloc(heap, BIG_BYTES);
        fill(blocks[i], BIG_BYTES, (uint8_t)(i | 1));
    }
    for (int i = 0; i < N; i++) {
        assert_true(holds(blocks[i], BIG_BYTES, (uint8_t)(i | 1)));
        ufree(heap, blocks[i]);
    }
}

/* Hysteresis: a block carved from a dropped run and freed into it again,
 * over and over, does not drop the run's pages each time. */
static void test_churn_next_to_a_dropped_run_does_not_drop_it_each_time(void **state)
{
    (void)state;
    enum { N = 400, ROUNDS = 10000 };
    static void *blocks[N];

    for (int i = 0; i < N; i++)
        blocks[i] = umalloc(heap, BIG_BYTES);
    for (int i = 1; i < N - 1; i++)
        ufree(heap, blocks[i]);
    int drops = src_state.discards;
    assert_true(drops >= 1);
    for (int r = 0; r < ROUNDS; r++)
        ufree(heap, umalloc(heap, 600 + r % 400));
    /* about one drop per quarter of the run (~100 KiB) freed: ~10 MB / 100 KiB */
    assert_true(src_state.discards - drops <= ROUNDS * 1000 / ((N - 2) * BIG_BYTES / 4) + 1);
    ufree(heap, blocks[0]);
    ufree(heap, blocks[N - 1]);
}

/* 20,000 blocks of mixed sizes freed in a random order (so many are
 * parked first): at the end the heap holds a few pages, not what it grew. */
static void test_freeing_everything_leaves_a_few_written_pages(void **state)
{
    (void)state;
    enum { N = 20000 };
    static uint8_t *blocks[N];

    rng_state = 11;
    for (int i = 0; i < N; i++) {
        size_t n = rng() % 4 ? 16 + rng() % 200 : 256 + rng() % 2000;
        blocks[i] = umalloc(heap, n);
        fill(blocks[i], n, 0xa5);
    }
    assert_true(written_pages() > 1000);
    for (int i = N - 1; i > 0; i--) {
        int j = (int)(rng() % (uint64_t)(i + 1));
        uint8_t *t = blocks[i];
        blocks[i] = blocks[j];
        blocks[j] = t;
    }
    for (int i = 0; i < N; i++)
        ufree(heap, blocks[i]);
    printf("  freed everything: %zu pages written, heap %zu KiB\n", written_pages(), stats().heap_bytes >> 10);
    assert_true(written_pages() <= 10);
}

static void test_a_queue_of_blocks_reuses_the_same_memory(void **state)
{
    (void)state;
    enum { QUEUE = 500, OPS = 20000 };
    static void *queue[QUEUE];
    size_t heap_after_warmup = 0;

    rng_state = 5;
    for (int op = 0; op < OPS; op++) {
        int slot = op % QUEUE;
        if (op >= QUEUE)
            ufree(heap, queue[slot]);           /* the oldest block */
        queue[slot] = umalloc(heap, 16 + rng() % 2000);
        if (op == 2 * QUEUE)
            heap_after_warmup = stats().heap_bytes;
    }
    assert_true(stats().heap_bytes <= heap_after_warmup + heap_after_warmup / 8);
    assert_int_equal(umalloc_check(heap), 0);
    for (int i = 0; i < QUEUE; i++)
        ufree(heap, queue[i]);
}

static void test_parked_blocks_merge_before_the_heap_grows(void **state)
{
    (void)state;
    enum { N = 200 };
    void *blocks[N];

    for (int i = 0; i < N; i++)
        blocks[i] = umalloc(heap, 40);
    void *guard = umalloc(heap, 16);
    for (int i = 0; i < N; i += 2)              /* parked: both neighbours are in use */
        ufree(heap, blocks[i]);
    for (int i = 1; i < N; i += 2)
        ufree(heap, blocks[i]);
    int grows = src_state.grows;
    void *p = umalloc(heap, N * 48 - 64);       /* fits only where the blocks were */
    assert_non_null(p);
    assert_int_equal(src_state.grows, grows);
    assert_true((uint8_t *)p < (uint8_t *)guard);
    ufree(heap, p);
    ufree(heap, guard);
}

/* Small blocks freed with in-use neighbours are parked, not merged: once a
 * big free makes the top worth giving back, they are merged first, and the
 * heap shrinks past all of them. */
static void test_parked_blocks_merge_before_the_heap_trims(void **state)
{
    (void)state;
    enum { N = 20000 };
    static void *blocks[N];

    for (int i = 0; i < N; i++)
        blocks[i] = umalloc(heap, 40);
    void *big = umalloc(heap, 300000);
    size_t grown = stats().heap_bytes;
    for (int i = 0; i < N; i++)
        ufree(heap, blocks[i]);
    assert_int_equal(src_state.shrinks, 0);     /* all parked: nothing reached the top */
    assert_int_equal(umalloc_check(heap), 0);
    ufree(heap, big);
    assert_true(src_state.shrinks > 0);
    assert_true(stats().heap_bytes < grown - N * 48);
    assert_int_equal(stats().in_use, 0);
    assert_int_equal(umalloc_check(heap), 0);
}

/* A block that must move to grow, once it is a few KiB, moves to a mapping
 * of its own with room: from then on it grows in place, the room it does
 * not use untouched, and only what it holds is ever copied. */
static void test_a_growing_block_moves_once_to_room_of_its_own(void **state)
{
    (void)state;
    uint8_t *a = umalloc(heap, 100), *b = umalloc(heap, 3000), *c = umalloc(heap, 100);

    fill(b, 3000, 0x61);
    uint8_t *q = urealloc(heap, b, 5000);           /* boxed in: it moves */
    assert_ptr_not_equal(q, b);
    assert_block(q, 5000, ALIGN_BYTES);
    assert_true(holds(q, 3000, 0x61));
    assert_int_equal(live_maps(), 1);
    size_t usable = uusable_size(heap, q);
    assert_true(usable < 5000 + 2 * SRC_PAGE_BYTES);    /* the room is not usable size */
    assert_int_equal(stats().in_use, uusable_size(heap, a) + usable + uusable_size(heap, c));
    int maps = src_state.map_calls;
    for (size_t n = 7500; n < 200000; n += n / 2) {
        assert_ptr_equal(urealloc(heap, q, n), q);  /* grows in place */
        assert_true(uusable_size(heap, q) >= n);
        fill(q + n - 100, 100, 0x62);
    }
    assert_true(holds(q, 3000, 0x61));
    assert_int_equal(src_state.map_calls, maps);
    uint8_t *r = urealloc(heap, q, 8UL << 20);      /* past its room: moves again, with more */
    assert_block(r, 8UL << 20, ALIGN_BYTES);
    assert_true(holds(r, 3000, 0x61));
    assert_int_equal(live_maps(), 1);
    assert_int_equal(umalloc_check(heap), 0);
    ufree(heap, r);
    assert_int_equal(live_maps(), 0);
    ufree(heap, a);
    ufree(heap, c);
}

/* Without a map the same block moves within the heap. */
static void test_a_growing_block_stays_in_the_heap_without_map(void **state)
{
    (void)state;
    uint8_t *a = umalloc(heap, 100), *b = umalloc(heap, 3000), *c = umalloc(heap, 100);

    fill(b, 3000, 0x63);
    uint8_t *q = urealloc(heap, b, 50000);
    assert_block(q, 50000, ALIGN_BYTES);
    assert_true(holds(q, 3000, 0x63));
    assert_int_equal(stats().mapped_bytes, 0);
    ufree(heap, a);
    ufree(heap, q);
    ufree(heap, c);
}

static void test_growing_buffers_step_by_step_copies_them_rarely(void **state)
{
    (void)state;
    enum { BUFFERS = 8, STEP = 64, STEPS = 500 };
    uint8_t *buf[BUFFERS] = { NULL };
    int moves = 0;

    for (int i = 0; i < STEPS; i++) {
        for (int b = 0; b < BUFFERS; b++) {     /* each one blocks the others */
            uint8_t *q = urealloc(heap, buf[b], (size_t)(i + 1) * STEP);
            assert_non_null(q);
            if (buf[b] && q != buf[b]) {
                moves++;
                assert_true(holds(q, (size_t)i * STEP, (uint8_t)b));
            }
            buf[b] = q;
            fill(q + (size_t)i * STEP, STEP, (uint8_t)b);
        }
    }
    assert_true(moves < BUFFERS * 45);          /* without room to grow: about 60 each */
    for (int b = 0; b < BUFFERS; b++)
        ufree(heap, buf[b]);
}

/* ---- mapped blocks ----------------------------------------------------- */

static void test_large_blocks_are_mapped_apart(void **state)
{
    (void)state;
    uint8_t *p = umalloc(heap, LARGE_BYTES);

    assert_block(p, LARGE_BYTES, ALIGN_BYTES);
    assert_int_equal(src_state.map_calls, 1);
    assert_int_equal(live_maps(), 1);
    struct umalloc_stats st = stats();
    assert_true(st.mapped_bytes >= LARGE_BYTES && st.mapped_bytes < LARGE_BYTES + 2 * SRC_PAGE_BYTES);
    assert_int_equal(st.in_use, uusable_size(heap, p));
    assert_true(st.peak_bytes >= st.heap_bytes + st.mapped_bytes);
    assert_true(holds(p, LARGE_BYTES, 0));
    fill(p, LARGE_BYTES, 0x51);
    assert_int_equal(umalloc_check(heap), 0);
    ufree(heap, p);
    assert_int_equal(src_state.unmap_calls, 1);
    assert_int_equal(live_maps(), 0);
    assert_int_equal(stats().mapped_bytes, 0);
    assert_int_equal(stats().in_use, 0);
}

static void test_large_calloc_and_realloc_of_mapped_blocks(void **state)
{
    (void)state;
    uint8_t *p = ucalloc(heap, 1, LARGE_BYTES);

    assert_block(p, LARGE_BYTES, ALIGN_BYTES);
    assert_true(holds(p, LARGE_BYTES, 0));
    fill(p, LARGE_BYTES, 0x52);
    assert_ptr_equal(urealloc(heap, p, LARGE_BYTES - 1000), p);    /* a little smaller: stays */
    uint8_t *q = urealloc(heap, p, 2 * LARGE_BYTES);    /* a growing large block moves to room to grow */
    assert_block(q, 2 * LARGE_BYTES, ALIGN_BYTES);
    assert_true(holds(q, LARGE_BYTES - 1000, 0x52));
    assert_int_equal(live_maps(), 1);
    assert_ptr_equal(urealloc(heap, q, 3 * LARGE_BYTES), q);  /* ... and grows there in place */
    assert_true(holds(q, LARGE_BYTES - 1000, 0x52));
    uint8_t *r = urealloc(heap, q, 1000);           /* much smaller: moves to the heap */
    assert_block(r, 1000, ALIGN_BYTES);
    assert_true(holds(r, 1000, 0x52));
    assert_int_equal(live_maps(), 0);
    ufree(heap, r);
}

static void test_freed_large_block_size_moves_to_the_heap(void **state)
{
    (void)state;
    void *p = umalloc(heap, 600000);

    assert_int_equal(src_state.map_calls, 1);
    ufree(heap, p);
    p = umalloc(heap, 600000);                      /* the threshold rose: no more mapping */
    assert_int_equal(src_state.map_calls, 1);
    assert_int_equal(stats().mapped_bytes, 0);
    ufree(heap, p);
}

static void test_large_blocks_fall_back_to_the_heap(void **state)
{
    (void)state;
    src_state.map_fails = true;
    void *p = umalloc(heap, LARGE_BYTES);
    assert_block(p, LARGE_BYTES, ALIGN_BYTES);
    assert_int_equal(stats().mapped_bytes, 0);
    ufree(heap, p);
}

static void test_exhausted_heap_falls_back_to_mapping(void **state)
{
    (void)state;
    src_state.limit = src_state.brk;
    void *p = umalloc(heap, 100000);                /* below the threshold, but the heap is full */

    assert_block(p, 100000, ALIGN_BYTES);
    assert_int_equal(src_state.map_calls, 1);
    ufree(heap, p);
    assert_int_equal(live_maps(), 0);
}

static void test_huge_heap_blocks_are_listed_and_reused(void **state)
{
    (void)state;
    size_t n = 140UL << 20;                         /* a class above 2^27 */
    void *p = umalloc(heap, n), *guard = umalloc(heap, 16);

    assert_block(p, n, ALIGN_BYTES);
    ufree(heap, p);
    assert_int_equal(umalloc_check(heap), 0);
    void *q = umalloc(heap, n - 4096);
    assert_ptr_equal(q, p);
    ufree(heap, q);
    ufree(heap, guard);
}

static void test_large_blocks_without_map_use_the_heap(void **state)
{
    (void)state;
    void *p = umalloc(heap, LARGE_BYTES);

    assert_block(p, LARGE_BYTES, ALIGN_BYTES);
    assert_int_equal(stats().mapped_bytes, 0);
    assert_true(stats().heap_bytes > LARGE_BYTES);
    ufree(heap, p);
}

/* ---- statistics -------------------------------------------------------- */

static void test_stats_count_usable_bytes_and_the_peak(void **state)
{
    (void)state;
    void *a = umalloc(heap, 100), *b = umalloc(heap, 5000), *c = umalloc(heap, LARGE_BYTES);
    struct umalloc_stats st = stats();

    assert_int_equal(st.in_use, uusable_size(heap, a) + uusable_size(heap, b) + uusable_size(heap, c));
    assert_int_equal(st.heap_bytes, src_state.brk);
    assert_true(st.peak_bytes >= st.heap_bytes + st.mapped_bytes);
    size_t peak = st.peak_bytes;
    ufree(heap, a);
    ufree(heap, b);
    ufree(heap, c);
    st = stats();
    assert_int_equal(st.in_use, 0);
    assert_int_equal(st.peak_bytes, peak);
}

/* ---- reports ----------------------------------------------------------- */

static void test_double_free_is_reported(void **state)
{
    (void)state;
    void *a = umalloc(heap, BIG_BYTES), *b = umalloc(heap, BIG_BYTES), *c = umalloc(heap, BIG_BYTES);

    ufree(heap, b);
    assert_true(ufree_panics(b));
    assert_panic_names(b, "double free");
    ufree(heap, c);                 /* c merges into b's free block (and the top) */
    assert_true(ufree_panics(c));
    assert_panic_names(c, "double free");
    ufree(heap, a);
    assert_int_equal(umalloc_check(heap), 0);
}

static void test_double_free_after_merging_backwards_is_reported(void **state)
{
    (void)state;
    void *a = umalloc(heap, BIG_BYTES), *b = umalloc(heap, BIG_BYTES), *guard = umalloc(heap, 16);

    ufree(heap, a);
    ufree(heap, b);                 /* b joins a's free block: its own head is stale */
    assert_true(ufree_panics(b));
    assert_panic_names(b, "double free");
    assert_int_equal(umalloc_check(heap), 0);
    ufree(heap, guard);
}

static void test_double_free_of_a_parked_small_block_is_reported(void **state)
{
    (void)state;
    void *p = umalloc(heap, 40);

    ufree(heap, p);
    assert_true(ufree_panics(p));
    assert_panic_names(p, "double free");
    assert_true(usable_panics(p));
    assert_panic_names(p, "already free");
}

static void test_freed_small_blocks_are_reused_first(void **state)
{
    (void)state;
    void *p[8], *guard = umalloc(heap, 16);

    for (int i = 0; i < 8; i++)
        p[i] = umalloc(heap, 40);
    for (int i = 0; i < 8; i++)
        ufree(heap, p[i]);
    assert_int_equal(stats().in_use, uusable_size(heap, guard));
    assert_int_equal(umalloc_check(heap), 0);
    for (int i = 7; i >= 0; i--)                /* last freed, first reused */
        assert_ptr_equal(umalloc(heap, 33), p[i]);  /* the same 48-byte class */
    for (int i = 0; i < 8; i++)
        ufree(heap, p[i]);
    ufree(heap, guard);
}

static void test_double_free_of_a_mapped_block_is_reported(void **state)
{
    (void)state;
    src_state.keep_unmapped = true;
    void *p = umalloc(heap, LARGE_BYTES);

    ufree(heap, p);
    assert_true(ufree_panics(p));
    assert_panic_names(p, "double free");
}

static void test_misaligned_and_interior_pointers_are_reported(void **state)
{
    (void)state;
    uint8_t *p = umalloc(heap, 200);

    assert_true(ufree_panics(p + 1));
    assert_panic_names(p + 1, "not 16-byte aligned");
    assert_true(ufree_panics(p + 32));
    assert_panic_names(p + 32, "invalid pointer");
    assert_true(usable_panics(p + 64));
    assert_panic_names(p + 64, "uusable_size");
    assert_int_equal(umalloc_check(heap), 0);
    ufree(heap, p);
    assert_true(urealloc_panics(p, 10));
    assert_panic_names(p, "urealloc");
}

static void test_pointers_from_elsewhere_are_reported(void **state)
{
    (void)state;
    static _Alignas(16) uint8_t outside[64];
    uint8_t *big = umalloc(heap, LARGE_BYTES);

    assert_true(ufree_panics(outside + 32));
    assert_panic_names(outside + 32, "not from this heap");
    assert_true(ufree_panics(big + 4096));          /* inside a mapped block */
    assert_panic_names(big + 4096, "invalid pointer");
    ufree(heap, big);
}

/* A wild pointer into memory that is not there (the readable hook says so;
 * ASan would catch a read of the poisoned bytes) is reported by every entry
 * point, never followed. */
static void test_pointers_into_unmapped_memory_are_reported_without_a_read(void **state)
{
    (void)state;
    static _Alignas(4096) uint8_t hole[2 * 4096];
    src_state.hole = hole;
    src_state.hole_bytes = sizeof hole;
    ASAN_POISON_MEMORY_REGION(hole, sizeof hole);
    assert_true(ufree_panics(hole + 4096));
    assert_panic_names(hole + 4096, "no memory there");
    assert_true(urealloc_panics(hole + 64, 10));
    assert_panic_names(hole + 64, "urealloc");
    assert_true(usable_panics(hole + 128));
    assert_panic_names(hole + 128, "no memory there");
    ASAN_UNPOISON_MEMORY_REGION(hole, sizeof hole);
    src_state.hole = NULL;
}

/* A write past the end of a block that lands on the next block's header is
 * heap corruption, not a double free. */
static void test_an_overflow_into_the_next_header_is_reported_as_corruption(void **state)
{
    (void)state;
    uint8_t *a = umalloc(heap, 100), *b = umalloc(heap, 100), *guard = umalloc(heap, 100);
    uint64_t head;
    memcpy(&head, b - 8, sizeof head);
    memset(a, 'A', uusable_size(heap, a) + 8);     /* the tail word, then b's head */
    assert_true(ufree_panics(b));
    assert_panic_names(b, "heap corruption");
    memcpy(b - 8, &head, sizeof head);              /* mend it, so the heap checks out again */
    ufree(heap, a);
    ufree(heap, b);
    ufree(heap, guard);
}

static void test_check_finds_a_corrupt_header(void **state)
{
    (void)state;
    uint8_t *a = umalloc(heap, 100), *b = umalloc(heap, 100);
    size_t *head = (size_t *)(void *)(b - 8);
    size_t saved = *head;

    *head = saved + 64;             /* b's block now claims part of its neighbour */
    assert_true(umalloc_check(heap) < 0);
    *head = saved | 1;              /* b looks free but is on no list */
    assert_true(umalloc_check(heap) < 0);
    *head = saved;
    assert_int_equal(umalloc_check(heap), 0);
    ufree(heap, a);
    ufree(heap, b);
}

/* ---- random operations against a model --------------------------------- */

struct live_block {
    uint8_t *p;
    size_t   n;
    uint8_t  fill;
};

static size_t random_size(void)
{
    uint64_t r = rng() % 100;

    if (r < 70)
        return rng() % 512;
    if (r < 95)
        return rng() % 16384;
    return rng() % 700000;
}

static void check_block(const struct live_block *b)
{
    if (!holds(b->p, b->n, b->fill))
        fail_msg("block %p (%zu bytes) lost its contents", (void *)b->p, b->n);
}

/* The new block [p, p + usable) overlaps no other live block. */
static void check_no_overlap(const struct live_block *live, int nlive, int self)
{
    uint8_t *p = live[self].p;
    size_t usable = uusable_size(heap, p);

    for (int i = 0; i < nlive; i++) {
        if (i == self)
            continue;
        uint8_t *q = live[i].p;
        if (p < q + uusable_size(heap, q) && q < p + usable)
            fail_msg("blocks %p and %p overlap", (void *)p, (void *)q);
    }
}

static void random_run(uint64_t seed)
{
    static struct live_block live[MAX_LIVE_BLOCKS];
    int nlive = 0;

    rng_state = seed;
    for (int op = 1; op <= RANDOM_OPS; op++) {
        uint64_t r = rng() % 100;
        if (r < 2)
            src_state.gap_bytes = SRC_PAGE_BYTES;   /* the next grow is not contiguous */
        if (nlive < MAX_LIVE_BLOCKS && (nlive == 0 || r < 45)) {
            struct live_block *b = &live[nlive];
            b->n = random_size();
            b->fill = (uint8_t)(op | 1);
            switch (rng() % 4) {
            case 0:
                b->p = ucalloc(heap, 1, b->n);
                assert_non_null(b->p);
                assert_true(holds(b->p, b->n, 0));
                break;
            case 1: {
                size_t align = 1UL << (rng() % 14);
                b->p = umemalign(heap, align, b->n);
                assert_block(b->p, b->n, align);
                break;
            }
            default:
                b->p = umalloc(heap, b->n);
                break;
            }
            assert_block(b->p, b->n, ALIGN_BYTES);
            fill(b->p, b->n, b->fill);
            check_no_overlap(live, nlive + 1, nlive);
            nlive++;
        } else if (r < 70) {
            struct live_block *b = &live[rng() % (uint64_t)nlive];
            size_t n = random_size();
            check_block(b);
            uint8_t *q = urealloc(heap, b->p, n);
            assert_block(q, n, ALIGN_BYTES);
            if (!holds(q, n < b->n ? n : b->n, b->fill))
                fail_msg("realloc of %p from %zu to %zu lost contents", (void *)b->p, b->n, n);
            b->p = q;
            b->n = n;
            fill(q, n, b->fill);
            check_no_overlap(live, nlive, (int)(b - live));
        } else {
            int i = (int)(rng() % (uint64_t)nlive);
            check_block(&live[i]);
            ufree(heap, live[i].p);
            live[i] = live[--nlive];
        }
        if (op % CHECK_EVERY_OPS == 0)
            assert_int_equal(umalloc_check(heap), 0);
    }
    while (nlive) {
        check_block(&live[nlive - 1]);
        ufree(heap, live[--nlive].p);
    }
    assert_int_equal(umalloc_check(heap), 0);
    assert_int_equal(stats().in_use, 0);
    assert_int_equal(stats().mapped_bytes, 0);
    assert_int_equal(live_maps(), 0);
    assert_int_equal(stats().heap_bytes, src_state.brk - src_state.gaps);
}

static void test_random_operations_keep_blocks_intact(void **state)
{
    (void)state;
    for (uint64_t seed = 1; seed <= RANDOM_SEEDS; seed++) {
        teardown(state);
        start_heap(seed != 2, seed != 3);
        random_run(seed * 7919);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
#define T(name) cmocka_unit_test_setup_teardown(test_##name, setup, teardown)
#define T_NO_MAP(name) cmocka_unit_test_setup_teardown(test_##name, setup_no_map, teardown)
#define T_PLAIN(name) cmocka_unit_test_setup_teardown(test_##name, setup_plain, teardown)
        T(state_lives_in_the_first_grow),
        T(create_fails_without_memory),
        T(unaligned_break_start_is_fine),
        T(every_size_is_aligned_usable_and_isolated),
        T(zero_bytes_gives_unique_blocks),
        T(free_null_does_nothing),
        T(huge_requests_return_null),
        T(exhausted_source_gives_null_and_keeps_blocks),
        T(calloc_overflow_returns_null),
        T(calloc_zeroes_reused_memory),
        T(realloc_null_is_malloc_and_zero_is_free),
        T(realloc_shrinks_in_place_and_frees_the_tail),
        T(realloc_grows_in_place_into_a_free_next_block),
        T_NO_MAP(realloc_grows_in_place_into_the_top),
        T(realloc_grows_backwards_into_a_free_previous_block),
        T(realloc_moves_when_boxed_in),
        T_NO_MAP(realloc_failure_keeps_the_block),
        T(memalign_gives_every_power_of_two),
        T(memalign_rejects_other_alignments),
        T_NO_MAP(memalign_in_the_heap_without_map),
        T_PLAIN(freeing_everything_coalesces_into_one_block),
        T(big_free_top_is_given_back),
        T_PLAIN(no_shrink_keeps_the_top),
        T_NO_MAP(memory_needed_again_is_kept_the_next_time),
        T_NO_MAP(a_large_free_run_inside_the_heap_loses_its_pages),
        T_NO_MAP(churn_next_to_a_dropped_run_does_not_drop_it_each_time),
        T_NO_MAP(freeing_everything_leaves_a_few_written_pages),
        T(a_queue_of_blocks_reuses_the_same_memory),
        T_PLAIN(parked_blocks_merge_before_the_heap_grows),
        T_NO_MAP(parked_blocks_merge_before_the_heap_trims),
        T(a_growing_block_moves_once_to_room_of_its_own),
        T_NO_MAP(a_growing_block_stays_in_the_heap_without_map),
        T_NO_MAP(growing_buffers_step_by_step_copies_them_rarely),
        T(non_contiguous_grows_make_new_pools),
        T(large_blocks_are_mapped_apart),
        T(large_calloc_and_realloc_of_mapped_blocks),
        T(freed_large_block_size_moves_to_the_heap),
        T(large_blocks_fall_back_to_the_heap),
        T(exhausted_heap_falls_back_to_mapping),
        T_PLAIN(huge_heap_blocks_are_listed_and_reused),
        T_NO_MAP(large_blocks_without_map_use_the_heap),
        T(stats_count_usable_bytes_and_the_peak),
        T(double_free_is_reported),
        T(double_free_after_merging_backwards_is_reported),
        T(double_free_of_a_parked_small_block_is_reported),
        T(freed_small_blocks_are_reused_first),
        T(double_free_of_a_mapped_block_is_reported),
        T(misaligned_and_interior_pointers_are_reported),
        T(pointers_from_elsewhere_are_reported),
        T(pointers_into_unmapped_memory_are_reported_without_a_read),
        T(an_overflow_into_the_next_header_is_reported_as_corruption),
        T(check_finds_a_corrupt_header),
        T(random_operations_keep_blocks_intact),
#undef T_PLAIN
#undef T_NO_MAP
#undef T
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}

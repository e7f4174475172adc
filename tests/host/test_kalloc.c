/* Host tests of kalloc (kalloc.c) over simulated RAM: sizes, alignment,
 * isolation of neighbours, zeroing, exhaustion, and the reports of invalid
 * and double frees. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <arch/mmu.h>
#include <mm/kalloc.h>
#include <mm/page.h>

#include "sim.h"

#define RAM_BYTES           (64UL << 20)
#define MAX_SIZE_BYTES      (2 * PAGE_SIZE)
#define NEIGHBOURS          4
#define MIN_ALIGN_BYTES     16
#define POISON_WORD         0xdeadbeefdeadbeefUL
#define RANDOM_OPS          6000
#define CHECK_EVERY_OPS     250
#define MAX_LIVE_OBJECTS    1024
#define RANDOM_MAX_BYTES    6000
#define CHUNK_BYTES         (1UL << 20)

static uint64_t baseline_pages;

static int setup(void **state)
{
    (void)state;
    baseline_pages = sim_mm_start(RAM_BYTES);
    return 0;
}

/* Every test must give back everything it took: a leak fails the test. */
static int teardown(void **state)
{
    (void)state;
    sim_mm_finish(baseline_pages);
    return 0;
}

static void assert_panic_names(const void *addr, const char *what)
{
    char want[32];
    snprintf(want, sizeof want, "%p", addr);
    if (!strstr(sim_last_panic, want) || !strstr(sim_last_panic, what))
        fail_msg("panic message \"%s\" should name %s and say \"%s\"", sim_last_panic, want, what);
}

/* One SIM_PANICS per function: several in one function trip -Wclobbered. */
static int kfree_panics(void *p) { return SIM_PANICS(kfree(p)); }
static int __attribute__((unused)) kalloc_panics(uint64_t sz) { return SIM_PANICS(kalloc(sz)); }

static uint64_t rng_state;
static uint64_t rng(void)
{
    rng_state = rng_state * 6364136223846793005UL + 1442695040888963407UL;
    return rng_state >> 33;
}

/* ---- sizes, alignment and isolation ------------------------------------ */

/* For every size 0 .. 2 pages: NEIGHBOURS objects, each filled over its whole
 * usable size with its own byte, then checked: an overlap or an overrun into
 * a neighbour shows as a wrong byte. */
static void test_every_size_is_aligned_usable_and_isolated(void **state)
{
    (void)state;
    static uint8_t want[NEIGHBOURS][2 * MAX_SIZE_BYTES];
    uint8_t *obj[NEIGHBOURS];

    for (int i = 0; i < NEIGHBOURS; i++)
        memset(want[i], 0x10 + i, sizeof want[i]);
    for (uint64_t sz = 0; sz <= MAX_SIZE_BYTES; sz++) {
        for (int i = 0; i < NEIGHBOURS; i++) {
            obj[i] = kalloc(sz);
            assert_non_null(obj[i]);
            assert_int_equal((uintptr_t)obj[i] % MIN_ALIGN_BYTES, 0);
            if (sz && sz % PAGE_SIZE == 0)
                assert_int_equal((uintptr_t)obj[i] % PAGE_SIZE, 0);
            assert_true(ksize(obj[i]) >= sz);
            assert_true(ksize(obj[i]) > 0);
            memset(obj[i], 0x10 + i, ksize(obj[i]));
        }
        for (int i = 0; i < NEIGHBOURS; i++) {
            assert_true(ksize(obj[i]) <= sizeof want[i]);
            if (memcmp(obj[i], want[i], ksize(obj[i])) != 0)
                fail_msg("size %lu: object %d was overwritten", (unsigned long)sz, i);
            kfree(obj[i]);
        }
    }
}

static void test_zero_bytes_gives_distinct_objects(void **state)
{
    (void)state;
    void *a = kalloc(0), *b = kalloc(0);

    assert_non_null(a);
    assert_non_null(b);
    assert_ptr_not_equal(a, b);
    kfree(a);
    kfree(b);
}

static void test_page_multiples_are_page_aligned_and_contiguous(void **state)
{
    (void)state;
    for (uint64_t n = 1; n <= 40; n++) {
        uint8_t *p = kalloc(n * PAGE_SIZE);
        assert_non_null(p);
        assert_int_equal((uintptr_t)p % PAGE_SIZE, 0);
        assert_int_equal(ksize(p), n * PAGE_SIZE);
        for (uint64_t i = 0; i < n; i++)
            assert_int_equal(virt_to_phys((uint64_t)p + i * PAGE_SIZE),
                             virt_to_phys((uint64_t)p) + i * PAGE_SIZE);
        kfree(p);
    }
}

static void test_large_sizes_keep_only_the_pages_they_need(void **state)
{
    (void)state;
    void *p = kalloc(5 * PAGE_SIZE);        /* an 8-page block trimmed to 5 */

    assert_int_equal(page_free_count(), baseline_pages - 5);
    kfree(p);
    assert_null(kalloc((PAGE_SIZE << PAGE_MAX_ORDER) + 1));
    assert_null(kalloc(UINT64_MAX));
}

/* ---- zeroing ----------------------------------------------------------- */

static void test_kcalloc_overflow_returns_null(void **state)
{
    (void)state;
    assert_null(kcalloc(UINT64_MAX / 2, 3));
    assert_null(kcalloc(1UL << 32, 1UL << 32));
    assert_int_equal(page_free_count(), baseline_pages);
}

static void test_kcalloc_and_kzalloc_zero_reused_memory(void **state)
{
    (void)state;
    uint8_t *dirty = kalloc(1000);
    memset(dirty, 0xff, ksize(dirty));
    kfree(dirty);

    uint8_t *c = kcalloc(10, 100), *z = kzalloc(3 * PAGE_SIZE + 8);
    for (uint64_t i = 0; i < 1000; i++)
        assert_int_equal(c[i], 0);
    for (uint64_t i = 0; i < 3 * PAGE_SIZE + 8; i++)
        assert_int_equal(z[i], 0);
    kfree(c);
    kfree(z);
}

/* ---- frees that must be reported --------------------------------------- */

static void test_kfree_null_is_a_no_op(void **state)
{
    (void)state;
    kfree(NULL);
    assert_int_equal(page_free_count(), baseline_pages);
}

static void test_double_free_of_small_object_is_reported(void **state)
{
    (void)state;
    for (uint64_t sz = 16; sz <= 2048; sz *= 2) {
        void *keep = kalloc(sz), *p = kalloc(sz);   /* keep: p's slab stays */
        kfree(p);
        assert_int_equal(kfree_panics(p), 1);
        assert_panic_names(p, "double free");
        kfree(keep);
    }
}

static void test_double_free_of_large_allocation_is_reported(void **state)
{
    (void)state;
    void *p = kalloc(3 * PAGE_SIZE);
    kfree(p);

    assert_int_equal(kfree_panics(p), 1);
    assert_panic_names(p, "kfree");
}

static void test_interior_pointers_are_reported(void **state)
{
    (void)state;
    uint8_t *small = kalloc(64), *medium = kalloc(1000), *large = kalloc(2 * PAGE_SIZE);

    assert_int_equal(kfree_panics(small + 16), 1);
    assert_panic_names(small + 16, "invalid free");
    assert_int_equal(kfree_panics(small + 1), 1);
    assert_panic_names(small + 1, "invalid free");
    assert_int_equal(kfree_panics(medium + 128), 1);
    assert_panic_names(medium + 128, "invalid free");
    assert_int_equal(kfree_panics(large + PAGE_SIZE), 1);
    assert_panic_names(large + PAGE_SIZE, "invalid free");
    assert_int_equal(kfree_panics(large + 16), 1);
    assert_panic_names(large + 16, "invalid free");
    kfree(small);
    kfree(medium);
    kfree(large);
}

static void test_free_pages_and_page_alloc_blocks_are_reported(void **state)
{
    (void)state;
    uint8_t *page = page_alloc(0);
    uint8_t *never = page + 100 * PAGE_SIZE;    /* inside a free block */

    assert_int_equal(kfree_panics(page), 1);
    assert_panic_names(page, "invalid free");
    assert_int_equal(kfree_panics(never), 1);
    assert_panic_names(never, "invalid free");
    page_free(page, 0);
    assert_int_equal(kfree_panics(page), 1);    /* a free (cached) page */
    assert_panic_names(page, "kfree");
}

static void test_pointers_outside_ram_are_reported(void **state)
{
    (void)state;
    int on_stack;
    void *low = (void *)0x1000, *metadata = sim_pa(SIM_RAM_BASE + (4UL << 20));

    assert_int_equal(kfree_panics(low), 1);
    assert_panic_names(low, "invalid free");
    assert_int_equal(kfree_panics(&on_stack), 1);
    assert_panic_names(&on_stack, "invalid free");
    assert_int_equal(kfree_panics(metadata), 1);   /* the frame records */
    assert_panic_names(metadata, "invalid free");
}

/* kfree's fast path trusts a one-page slab's header word only as a hint: with
 * the word overwritten the free still goes through (the frame record decides)
 * and a second free of the same object is still reported. */
static void test_overwritten_slab_header_word_still_frees_exactly(void **state)
{
    (void)state;
    void *keep = kalloc(64), *p = kalloc(64);
    uint64_t *header = (uint64_t *)((uintptr_t)p & ~(uintptr_t)PAGE_MASK);
    uint64_t saved = *header;

    assert_ptr_equal(header, (uint64_t *)((uintptr_t)keep & ~(uintptr_t)PAGE_MASK));
    *header = ~saved;
    kfree(p);
    assert_int_equal(kfree_panics(p), 1);
    assert_panic_names(p, "double free");
    *header = saved;
    kfree(keep);
}

/* A released slab's page, reused by page_alloc and filled with data, is not
 * taken for a slab: its header word was cleared when the slab went (in debug
 * builds such as this one, page_free's poison overwrites it as well). */
static void test_released_slab_page_is_not_taken_for_a_slab(void **state)
{
    (void)state;
    uint8_t *obj = kalloc(240);
    uint8_t *slab = (uint8_t *)((uintptr_t)obj & ~(uintptr_t)PAGE_MASK);

    kfree(obj);
    kalloc_drain();                     /* the emptied active slab goes */
    uint8_t *page = page_alloc(0);      /* the cache hands that page back */
    assert_ptr_equal(page, slab);
    memset(page + sizeof(uint64_t), 0x5a, PAGE_SIZE - sizeof(uint64_t));
    assert_int_equal(kfree_panics(page + 320), 1);
    assert_panic_names(page + 320, "invalid free");
    page_free(page, 0);
}

/* ---- debug builds ------------------------------------------------------ */

static void test_freed_memory_is_poisoned_in_debug_builds(void **state)
{
    (void)state;
#ifdef MM_DEBUG
    uint64_t *keep = kalloc(128), *small = kalloc(128), *large = kalloc(3 * PAGE_SIZE);
    kfree(small);
    kfree(large);

    for (int i = 1; i < 128 / 8; i++)           /* word 0 links the free list */
        assert_int_equal(small[i], POISON_WORD);
    for (uint64_t i = 4; i < 3 * PAGE_SIZE / 8; i += 512)
        assert_int_equal(large[i], POISON_WORD);
    kfree(keep);
#else
    skip();
#endif
}

static void test_write_after_free_is_caught_on_reuse_in_debug_builds(void **state)
{
    (void)state;
#ifdef MM_DEBUG
    uint64_t *keep = kalloc(64), *p = kalloc(64);
    kfree(p);
    p[3] = 42;                                  /* use after free */

    assert_int_equal(kalloc_panics(64), 1);
    assert_panic_names(p, "written after");
    kfree(p);                                   /* kalloc had handed it out */
    kfree(keep);
#else
    skip();
#endif
}

/* ---- exhaustion and random use ----------------------------------------- */

static void test_exhaustion_returns_null_and_everything_comes_back(void **state)
{
    (void)state;
    uint64_t max_chunks = RAM_BYTES / CHUNK_BYTES, max_small = RAM_BYTES / 64;
    void **chunks = calloc(max_chunks, sizeof *chunks), **small = calloc(max_small, sizeof *small);
    uint64_t nc = 0, ns = 0;

    while ((chunks[nc] = kalloc(CHUNK_BYTES)))
        nc++;
    while ((small[ns] = kalloc(64)))
        ns++;
    assert_true(nc > 0 && ns > 0);
    assert_null(kalloc(1));
    while (nc)
        kfree(chunks[--nc]);
    while (ns)
        kfree(small[--ns]);
    free(chunks);
    free(small);
}

struct live_obj {
    uint8_t *p;
    uint64_t bytes;
    uint8_t  fill;
};

static void test_random_kalloc_kfree_sequence_keeps_objects_intact(void **state)
{
    (void)state;
    static struct live_obj live[MAX_LIVE_OBJECTS];
    uint64_t nlive = 0;

    rng_state = 777;
    for (uint64_t op = 0; op < RANDOM_OPS; op++) {
        if (nlive < MAX_LIVE_OBJECTS && (nlive == 0 || rng() % 5 < 3)) {
            uint64_t bytes = rng() % 8 == 0 ? rng() % RANDOM_MAX_BYTES : rng() % 300;
            uint8_t *p = kalloc(bytes);
            assert_non_null(p);
            live[nlive] = (struct live_obj){ p, bytes, (uint8_t)op };
            memset(p, live[nlive].fill, bytes);
            nlive++;
        } else {
            uint64_t i = rng() % nlive;
            for (uint64_t b = 0; b < live[i].bytes; b++)
                assert_int_equal(live[i].p[b], live[i].fill);
            kfree(live[i].p);
            live[i] = live[--nlive];
        }
        if (op % CHECK_EVERY_OPS == 0)
            assert_int_equal(page_check(), 0);
    }
    while (nlive)
        kfree(live[--nlive].p);
}

static void test_ksize_of_non_allocations_is_zero(void **state)
{
    (void)state;
    uint8_t *p = kalloc(100);

    assert_int_equal(ksize(p), 112);
    assert_int_equal(ksize(NULL), 0);
    assert_int_equal(ksize(p + 16), 0);
    kfree(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
#define T(name) cmocka_unit_test_setup_teardown(test_##name, setup, teardown)
        T(every_size_is_aligned_usable_and_isolated),
        T(zero_bytes_gives_distinct_objects),
        T(page_multiples_are_page_aligned_and_contiguous),
        T(large_sizes_keep_only_the_pages_they_need),
        T(kcalloc_overflow_returns_null),
        T(kcalloc_and_kzalloc_zero_reused_memory),
        T(kfree_null_is_a_no_op),
        T(double_free_of_small_object_is_reported),
        T(double_free_of_large_allocation_is_reported),
        T(interior_pointers_are_reported),
        T(free_pages_and_page_alloc_blocks_are_reported),
        T(pointers_outside_ram_are_reported),
        T(overwritten_slab_header_word_still_frees_exactly),
        T(released_slab_page_is_not_taken_for_a_slab),
        T(freed_memory_is_poisoned_in_debug_builds),
        T(write_after_free_is_caught_on_reuse_in_debug_builds),
        T(exhaustion_returns_null_and_everything_comes_back),
        T(random_kalloc_kfree_sequence_keeps_objects_intact),
        T(ksize_of_non_allocations_is_zero),
#undef T
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* Host tests of libmm's physical memory layer (page.c) over simulated RAM:
 * initialisation, the buddy allocator, the per-hart cache, reference counts,
 * error reports, page zero/copy and the direct map. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <arch/bootinfo.h>
#include <arch/layout.h>
#include <arch/mmu.h>
#include <mm/kalloc.h>
#include <mm/page.h>
#include <mm/page_init.h>

#include "sim.h"

#define RAM_BYTES           (64UL << 20)
#define BIG_RAM_BYTES       (256UL << 20)
#define RESERVED_BYTES      (SIM_FW_SIZE + SIM_IMAGE_SIZE)
#define META_BYTES_PER_PAGE 16
#define MAX_ORDER_BYTES     (PAGE_SIZE << PAGE_MAX_ORDER)
#define POISON_WORD         0xdeadbeefdeadbeefUL
#define RANDOM_OPS          4000
#define CHECK_EVERY_OPS     100
#define MAX_LIVE_BLOCKS     512

static uint64_t baseline_pages;

/* ---- fixtures ---------------------------------------------------------- */

static int setup_ram(uint64_t bytes)
{
    baseline_pages = sim_mm_start(bytes);
    return 0;
}

static int setup(void **state)
{
    (void)state;
    return setup_ram(RAM_BYTES);
}

/* Every test must give back everything it took: a leak fails the test. */
static int teardown(void **state)
{
    (void)state;
    sim_mm_finish(baseline_pages);
    return 0;
}

/* sim_last_panic names addr (as %p prints it). */
static void assert_panic_names(const void *addr)
{
    char want[32];
    snprintf(want, sizeof want, "%p", addr);
    if (!strstr(sim_last_panic, want))
        fail_msg("panic message \"%s\" does not name %s", sim_last_panic, want);
}

/* One SIM_PANICS per function: several in one function trip -Wclobbered
 * (sim.h's panicked_ is not volatile). */
static int free_panics(void *va, unsigned order) { return SIM_PANICS(page_free(va, order)); }
static int get_panics(void *va) { return SIM_PANICS(page_get(va)); }
static int put_panics(void *va) { return SIM_PANICS(page_put(va)); }

/* Frames the allocator should manage for one free piece of bytes. */
static uint64_t managed_pages(uint64_t bytes)
{
    uint64_t frames = bytes / PAGE_SIZE;
    uint64_t meta_pages = (16 + frames * META_BYTES_PER_PAGE + PAGE_SIZE - 1) / PAGE_SIZE;
    return frames - meta_pages;
}

/* Deterministic pseudo-random numbers (a 64-bit LCG, fixed seed). */
static uint64_t rng_state;
static uint64_t rng(void)
{
    rng_state = rng_state * 6364136223846793005UL + 1442695040888963407UL;
    return rng_state >> 33;
}

static void **take_all_pages(uint64_t *n);

/* ---- initialisation ---------------------------------------------------- */

static void test_init_frees_exactly_ram_minus_reserved(void **state)
{
    (void)state;
    uint64_t want = managed_pages(RAM_BYTES - RESERVED_BYTES);

    assert_int_equal(page_total_count(), want);
    assert_int_equal(page_free_count(), want);
    assert_int_equal(get_free_mem(), want * PAGE_SIZE);
    assert_int_equal(page_check(), 0);
}

/* Counts 8-byte words of sim RAM that differ from the 0xa5 fill. */
static uint64_t words_changed(uint64_t bytes)
{
    const uint64_t *w = sim_pa(SIM_RAM_BASE);
    uint64_t n = 0;
    for (uint64_t i = 0; i < bytes / sizeof *w; i++)
        n += w[i] != 0xa5a5a5a5a5a5a5a5UL;
    return n;
}

static void test_init_writes_per_region_not_per_frame(void **state)
{
    (void)state;
    sim_ram_fini();
    sim_ram_init(BIG_RAM_BYTES);        /* 65536 frames, refilled with 0xa5 */
    kinit();
    baseline_pages = page_free_count();
    uint64_t changed = words_changed(BIG_RAM_BYTES);

    /* One gen word plus a tag and two links per initial free block; a
     * per-frame initialisation would change at least 65536 words. */
    print_message("kinit over 256 MiB changed %lu words\n", (unsigned long)changed);
    assert_true(changed < 200);
}

static void test_kmem_init_adds_a_range_and_ignores_bad_ones(void **state)
{
    (void)state;
    uint64_t fw_lo = phys_to_virt(SIM_RAM_BASE), fw_hi = fw_lo + SIM_FW_SIZE;
    uint64_t total = page_total_count();

    kmem_init(fw_hi, fw_lo);                            /* inverted */
    kmem_init(fw_lo + 100, fw_lo + 200);                /* empty after trimming */
    kmem_init(fw_lo, fw_lo + PAGE_SIZE);                /* no room for metadata */
    kmem_init(phys_to_virt(SIM_RAM_BASE + RESERVED_BYTES),
              phys_to_virt(SIM_RAM_BASE + RESERVED_BYTES + MAX_ORDER_BYTES)); /* overlap */
    assert_int_equal(page_total_count(), total);

    kmem_init(fw_lo + 1, fw_hi + 1);                    /* unaligned ends are trimmed */
    uint64_t added = managed_pages(SIM_FW_SIZE - PAGE_SIZE);
    assert_int_equal(page_total_count(), total + added);
    assert_int_equal(page_free_count(), baseline_pages + added);
    assert_int_equal(page_check(), 0);
    baseline_pages += added;
}

/* A reserved range inside a RAM bank (a device tree, say) is a hole of the
 * bank's region: never handed out, and the pages around it still merge. */
static void test_reserved_hole_inside_ram_is_never_allocated(void **state)
{
    (void)state;
    struct boot_info *bi = (struct boot_info *)arch_boot_info();
    uint64_t hole_pa = SIM_RAM_BASE + RAM_BYTES / 2 + 3 * PAGE_SIZE, hole_bytes = 5 * PAGE_SIZE;
    bi->reserved[bi->nr_reserved++] = (struct mem_range){ hole_pa, hole_bytes };
    kinit();
    baseline_pages = page_free_count();

    uint64_t span = RAM_BYTES - RESERVED_BYTES, frames = span / PAGE_SIZE;
    uint64_t meta_pages = (16 + frames * META_BYTES_PER_PAGE + PAGE_SIZE - 1) / PAGE_SIZE;
    assert_int_equal(page_total_count(), frames - meta_pages - hole_bytes / PAGE_SIZE);
    uint64_t n;
    void **pages = take_all_pages(&n);
    assert_int_equal(n, page_total_count());
    for (uint64_t i = 0; i < n; i++) {
        uint64_t pa = virt_to_phys((uint64_t)pages[i]);
        assert_false(pa >= hole_pa && pa < hole_pa + hole_bytes);
    }
    assert_int_equal(free_panics((void *)phys_to_virt(hole_pa), 0), 1);
    for (uint64_t i = 0; i < n; i++)
        page_free(pages[i], 0);
    free(pages);
    assert_int_equal(page_check(), 0);
}

/* A warm reset leaves the previous boot's records in RAM: they must not be
 * believed after the next kinit. */
static void test_records_of_a_previous_boot_are_not_trusted(void **state)
{
    (void)state;
    void *p = page_alloc(0);
    assert_non_null(p);

    kinit();                        /* same RAM, not refilled */
    assert_int_equal(page_free_count(), baseline_pages);
    assert_int_equal(page_refcount(p), 0);
    assert_int_equal(free_panics(p, 0), 1);
    assert_panic_names(p);
    assert_int_equal(page_check(), 0);
}

/* ---- allocation -------------------------------------------------------- */

static void test_every_order_is_aligned_and_disjoint(void **state)
{
    (void)state;
    uint8_t *blocks[PAGE_MAX_ORDER + 1];

    for (unsigned o = 0; o <= PAGE_MAX_ORDER; o++) {
        blocks[o] = page_alloc(o);
        assert_non_null(blocks[o]);
        assert_int_equal(virt_to_phys((uint64_t)blocks[o]) % (PAGE_SIZE << o), 0);
        memset(blocks[o], (int)o + 1, PAGE_SIZE << o);
    }
    for (unsigned o = 0; o <= PAGE_MAX_ORDER; o++) {
        for (uint64_t i = 0; i < PAGE_SIZE << o; i += 512)
            assert_int_equal(blocks[o][i], o + 1);
        page_free(blocks[o], o);
    }
    assert_int_equal(page_check(), 0);
}

static void test_order_above_max_is_refused(void **state)
{
    (void)state;
    assert_null(page_alloc(PAGE_MAX_ORDER + 1));
    assert_int_equal(page_free_count(), baseline_pages);
}

/* Allocate order-0 pages until none is left; returns them (malloc'd). */
static void **take_all_pages(uint64_t *n)
{
    void **pages = malloc(baseline_pages * sizeof *pages);
    *n = 0;
    for (void *p; (p = page_alloc(0)); )
        pages[(*n)++] = p;
    return pages;
}

static void test_exhaustion_returns_null_and_everything_comes_back(void **state)
{
    (void)state;
    uint64_t n;
    void **pages = take_all_pages(&n);

    assert_int_equal(n, baseline_pages);
    assert_int_equal(page_free_count(), 0);
    assert_int_equal(get_free_mem(), 0);
    assert_null(page_alloc(0));
    assert_null(page_alloc(3));
    for (uint64_t i = 0; i < n; i++)
        page_free(pages[i], 0);
    free(pages);
    assert_int_equal(page_free_count(), baseline_pages);
    assert_int_equal(page_check(), 0);
}

static uint64_t count_max_order_blocks(void)
{
    void *blocks[64];
    uint64_t n = 0;
    while (n < 64 && (blocks[n] = page_alloc(PAGE_MAX_ORDER)))
        n++;
    for (uint64_t i = 0; i < n; i++)
        page_free(blocks[i], PAGE_MAX_ORDER);
    return n;
}

static void test_freeing_everything_coalesces_back_to_max_order(void **state)
{
    (void)state;
    uint64_t before = count_max_order_blocks(), n;
    assert_true(before > 0);

    void **pages = take_all_pages(&n);
    for (uint64_t i = 0; i < n; i++)        /* free in a scrambled order */
        page_free(pages[(i * 7919) % n], 0);
    free(pages);
    page_drain_caches();
    assert_int_equal(page_check(), 0);
    assert_int_equal(count_max_order_blocks(), before);
}

struct live_block {
    uint64_t *va;
    unsigned  order;
    uint64_t  id;
};

static void stamp(struct live_block *b)
{
    uint64_t words = (PAGE_SIZE << b->order) / sizeof(uint64_t);
    b->va[0] = b->id;
    b->va[words - 1] = ~b->id;
}

static void check_stamp(const struct live_block *b)
{
    uint64_t words = (PAGE_SIZE << b->order) / sizeof(uint64_t);
    assert_int_equal(b->va[0], b->id);
    assert_int_equal(b->va[words - 1], ~b->id);
}

static void test_random_alloc_free_sequence_keeps_blocks_intact(void **state)
{
    (void)state;
    static struct live_block live[MAX_LIVE_BLOCKS];
    uint64_t nlive = 0, owned_pages = 0;

    rng_state = 12345;
    for (uint64_t op = 0; op < RANDOM_OPS; op++) {
        if (nlive < MAX_LIVE_BLOCKS && (nlive == 0 || rng() % 3 != 0)) {
            unsigned order = rng() % 4 == 0 ? (unsigned)(rng() % (PAGE_MAX_ORDER - 5)) : 0;
            void *va = page_alloc(order);
            if (!va)
                continue;
            live[nlive] = (struct live_block){ va, order, op + 1 };
            stamp(&live[nlive++]);
            owned_pages += 1UL << order;
        } else {
            uint64_t i = rng() % nlive;
            check_stamp(&live[i]);
            page_free(live[i].va, live[i].order);
            owned_pages -= 1UL << live[i].order;
            live[i] = live[--nlive];
        }
        assert_int_equal(page_free_count() + owned_pages, baseline_pages);
        if (op % CHECK_EVERY_OPS == 0)
            assert_int_equal(page_check(), 0);
    }
    while (nlive) {
        check_stamp(&live[--nlive]);
        page_free(live[nlive].va, live[nlive].order);
    }
}

static void test_zalloc_returns_zeroed_block(void **state)
{
    (void)state;
    uint64_t *p = page_alloc(1);
    memset(p, 0x5a, 2 * PAGE_SIZE);
    page_free(p, 1);

    uint64_t *z = page_zalloc(1);
    for (uint64_t i = 0; i < 2 * PAGE_SIZE / sizeof *z; i++)
        assert_int_equal(z[i], 0);
    page_free(z, 1);
}

/* ---- reference counts -------------------------------------------------- */

static void test_refcount_get_put_frees_at_zero(void **state)
{
    (void)state;
    void *p = page_alloc(0);

    assert_int_equal(page_refcount(p), 1);
    page_get(p);
    page_get(p);
    assert_int_equal(page_refcount(p), 3);
    assert_int_equal(page_put(p), 2);
    assert_int_equal(page_put(p), 1);
    assert_int_equal(page_free_count(), baseline_pages - 1);
    assert_int_equal(page_put(p), 0);
    assert_int_equal(page_refcount(p), 0);
    assert_int_equal(page_free_count(), baseline_pages);
}

static void test_refcount_of_reused_page_starts_at_one(void **state)
{
    (void)state;
    void *p = page_alloc(0);
    page_get(p);
    page_free(p, 0);                /* the owner drops every reference */

    void *q = page_alloc(0);        /* the cache hands the same page back */
    assert_ptr_equal(q, p);
    assert_int_equal(page_refcount(q), 1);
    page_free(q, 0);
}

/* ---- errors are reported with the address ------------------------------ */

static void test_double_free_is_reported(void **state)
{
    (void)state;
    void *p = page_alloc(0), *q = page_alloc(2);
    page_free(p, 0);
    page_free(q, 2);

    assert_int_equal(free_panics(p, 0), 1);
    assert_panic_names(p);
    assert_int_equal(free_panics(q, 2), 1);
    assert_panic_names(q);
}

static void test_wrong_order_is_reported(void **state)
{
    (void)state;
    void *p = page_alloc(2);

    assert_int_equal(free_panics(p, 0), 1);
    assert_panic_names(p);
    assert_int_equal(free_panics(p, 3), 1);
    assert_int_equal(page_refcount(p), 0);      /* order 2: not a sharable page */
    page_free(p, 2);
}

static void test_unallocated_unaligned_and_outside_pages_are_reported(void **state)
{
    (void)state;
    uint8_t *p = page_alloc(1);
    uint8_t *never = p + 64 * PAGE_SIZE;        /* inside a free block */
    uint64_t outside = 0x1000;

    assert_int_equal(free_panics(never, 0), 1);
    assert_panic_names(never);
    assert_int_equal(free_panics(p + PAGE_SIZE, 0), 1);   /* second half */
    assert_panic_names(p + PAGE_SIZE);
    assert_int_equal(free_panics(p + 8, 1), 1);
    assert_panic_names(p + 8);
    assert_int_equal(free_panics((void *)outside, 0), 1);
    assert_panic_names((void *)outside);
    assert_int_equal(get_panics(never), 1);
    assert_int_equal(put_panics(never), 1);
    page_free(p, 1);
}

static void test_freed_page_is_poisoned_in_debug_builds(void **state)
{
    (void)state;
#ifdef MM_DEBUG
    uint64_t *p = page_alloc(0);
    page_free(p, 0);
    for (uint64_t i = 0; i < PAGE_SIZE / sizeof *p; i++)
        assert_int_equal(p[i], POISON_WORD);
#else
    skip();
#endif
}

/* ---- the checker ------------------------------------------------------- */

static void test_page_check_detects_a_broken_free_list(void **state)
{
    (void)state;
    uint64_t n;
    void **pages = take_all_pages(&n);
    page_free(pages[0], 0);
    page_drain_caches();            /* pages[0] is now alone on free list 0 */

    uint64_t *links = pages[0];
    uint64_t saved = links[1];
    links[1] ^= 8;                  /* break its back link */
    assert_true(page_check() < 0);
    links[1] = saved;
    assert_int_equal(page_check(), 0);
    for (uint64_t i = 1; i < n; i++)
        page_free(pages[i], 0);
    free(pages);
}

/* ---- page zero / copy and the direct map ------------------------------- */

static void test_page_zero_and_copy_touch_exactly_one_page(void **state)
{
    (void)state;
    uint8_t *src = page_alloc(1), *dst = page_alloc(1);
    for (uint64_t i = 0; i < 2 * PAGE_SIZE; i++) {
        src[i] = (uint8_t)(i * 7 + 1);
        dst[i] = 0xee;
    }

    page_copy(dst, src);
    assert_memory_equal(dst, src, PAGE_SIZE);
    assert_int_equal(dst[PAGE_SIZE], 0xee);
    page_zero(src);
    for (uint64_t i = 0; i < PAGE_SIZE; i++)
        assert_int_equal(src[i], 0);
    assert_int_equal(src[PAGE_SIZE], (uint8_t)(PAGE_SIZE * 7 + 1));
    page_free(src, 1);
    page_free(dst, 1);
}

static void test_virt_to_phys_inverts_phys_to_virt(void **state)
{
    (void)state;
    uint64_t pas[] = { SIM_RAM_BASE, SIM_RAM_BASE + 0x1234, SIM_RAM_BASE + RAM_BYTES - 8 };

    for (size_t i = 0; i < sizeof pas / sizeof pas[0]; i++)
        assert_int_equal(virt_to_phys(phys_to_virt(pas[i])), pas[i]);
    assert_int_equal(virt_to_phys(KERNEL_VIRT_BASE + 0x1000), KERNEL_PHYS_BASE + 0x1000);
    sim_satp = 0;                   /* no page table: app addresses have no PA */
    assert_int_equal(virt_to_phys(APP_BASE), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
#define T(name) cmocka_unit_test_setup_teardown(test_##name, setup, teardown)
        T(init_frees_exactly_ram_minus_reserved),
        T(init_writes_per_region_not_per_frame),
        T(kmem_init_adds_a_range_and_ignores_bad_ones),
        T(reserved_hole_inside_ram_is_never_allocated),
        T(records_of_a_previous_boot_are_not_trusted),
        T(every_order_is_aligned_and_disjoint),
        T(order_above_max_is_refused),
        T(exhaustion_returns_null_and_everything_comes_back),
        T(freeing_everything_coalesces_back_to_max_order),
        T(random_alloc_free_sequence_keeps_blocks_intact),
        T(zalloc_returns_zeroed_block),
        T(refcount_get_put_frees_at_zero),
        T(refcount_of_reused_page_starts_at_one),
        T(double_free_is_reported),
        T(wrong_order_is_reported),
        T(unallocated_unaligned_and_outside_pages_are_reported),
        T(freed_page_is_poisoned_in_debug_builds),
        T(page_check_detects_a_broken_free_list),
        T(page_zero_and_copy_touch_exactly_one_page),
        T(virt_to_phys_inverts_phys_to_virt),
#undef T
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* Host tests for libmm's Sv39 page-table layer (mm/vm.h): every translation
 * and permission is checked with the independent software walker
 * (support/sv39_check.h), and every test ends with the free-frame count back
 * where it started. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include <arch/bootinfo.h>
#include <arch/layout.h>
#include <arch/mmu.h>
#include <mm/errno.h>
#include <mm/kvm.h>
#include <mm/page.h>
#include <mm/page_init.h>
#include <mm/vm.h>
#include <mm/vmprint.h>

#include "mm_fixture.h"
#include "sim.h"
#include "sim_image.h"
#include "sv39_check.h"

#define RAM_BYTES       (64UL << 20)
#define ORDER_2M        PX_BITS                 /* a 2 MiB block is 2^9 pages */
#define RW_OK           (SV39_READ | SV39_WRITE)
#define RX_OK           (SV39_READ | SV39_EXEC)
#define R_OK_ONLY       (SV39_READ)

/* Test addresses in the low half, and "physical" addresses outside the
 * simulated RAM (mappages never touches the frames it maps). */
#define VA_4K           0x12345000UL
#define VA_2M           0x80000000UL            /* 2 GiB: 1 GiB- and 2 MiB-aligned */
#define VA_1G           0x40000000UL
#define FAKE_PA         0x1000000000UL          /* 64 GiB, 1 GiB-aligned */

/* ---- fixtures and helpers ---------------------------------------------- */

static uint64_t baseline_free;

static int setup(void **state)
{
    (void)state;
    sim_ram_init(RAM_BYTES);
    kinit();
    arch_write_satp(0);
    baseline_free = page_free_count();
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    sim_ram_fini();
    return 0;
}

static uint64_t root_pa(pagetable_t pt)
{
    return virt_to_phys((uint64)pt);
}

static pagetable_t new_table(void)
{
    pagetable_t pt = page_zalloc(0);
    assert_non_null(pt);
    return pt;
}

/* Unmap both halves without freeing frames and free every table page. */
static void destroy_table(pagetable_t pt)
{
    assert_int_equal(vm_unmap(pt, 0, SV39_LOW_END >> PAGE_SHIFT, 0), 0);
    assert_int_equal(vm_unmap(pt, SV39_HIGH_START, (0 - SV39_HIGH_START) >> PAGE_SHIFT, 0), 0);
    freewalk(pt, SV39_ROOT_LEVEL);
}

static void assert_no_leak(void)
{
    assert_int_equal(page_free_count(), baseline_free);
}

/* The S-mode accesses allowed at va, and that its PA is want_pa. */
static void assert_xlate(pagetable_t pt, uint64_t va, unsigned want_perms, uint64_t want_pa)
{
    uint64_t pa;
    unsigned perms = sv39_perms(root_pa(pt), va, &pa);

    if (perms != want_perms || (want_perms && pa != want_pa))
        fail_msg("va 0x%lx: perms %#x pa 0x%lx, want perms %#x pa 0x%lx", (unsigned long)va,
                 perms, (unsigned long)pa, want_perms, (unsigned long)want_pa);
}

static int leaf_level(pagetable_t pt, uint64_t va)
{
    return sv39_translate(root_pa(pt), va, SV39_READ).level;
}

static void assert_well_formed(pagetable_t pt)
{
    struct sv39_stats st;

    sv39_walk_all(root_pa(pt), NULL, NULL, &st);
    assert_int_equal(st.malformed, 0);
    assert_int_equal(st.wx_leaves, 0);
}

/* Table pages below the table t (at level) that hold no valid entry. */
static int empty_tables_below(pagetable_t t, int level)
{
    int empty = 0;

    for (int i = 0; level > 0 && i < PTES_PER_TABLE; i++) {
        if (!(t[i] & PTE_V) || PTE_IS_LEAF(t[i]))
            continue;
        pagetable_t child = (pagetable_t)phys_to_virt(PTE2PA(t[i]));
        int valid = 0;
        for (int j = 0; j < PTES_PER_TABLE; j++)
            valid += (child[j] & PTE_V) != 0;
        empty += (valid == 0) + empty_tables_below(child, level - 1);
    }
    return empty;
}

/* Table pages, root included, reachable from pt. */
static uint64_t table_pages(pagetable_t pt)
{
    struct sv39_stats st;

    sv39_walk_all(root_pa(pt), NULL, NULL, &st);
    return st.tables;
}

static void reset_fence_counters(void)
{
    sim_sfence_all_count = sim_sfence_page_count = 0;
}

/* ---- mapping ------------------------------------------------------------ */

/* The walker itself: hand-made entries the MMU must refuse (one per root slot). */
static void test_walker_rejects_what_the_mmu_rejects(void **state)
{
    (void)state;
    pagetable_t root = new_table();
    uint64_t rp = root_pa(root), gig = GIGAPAGE_SIZE;

    root[0] = PA2PTE(FAKE_PA + PAGE_SIZE) | PTE_V | PTE_R | PTE_A;      /* misaligned gigapage */
    root[1] = PA2PTE(FAKE_PA) | PTE_V | PTE_W | PTE_A | PTE_D;          /* W without R */
    root[2] = PA2PTE(FAKE_PA) | PTE_V | PTE_R;                          /* A clear */
    root[3] = PA2PTE(FAKE_PA) | PTE_V | PTE_RW | PTE_A;                 /* D clear */
    root[4] = PA2PTE(rp) | PTE_V | PTE_A;                               /* pointer with A */
    root[5] = PA2PTE(FAKE_PA) | PTE_V | PTE_RX | PTE_U | PTE_A;         /* user page */
    assert_false(sv39_translate(rp, 0, SV39_READ).ok);
    assert_false(sv39_translate(rp, 1 * gig, SV39_READ).ok);
    assert_false(sv39_translate(rp, 2 * gig, SV39_READ).ok);
    assert_true(sv39_translate(rp, 3 * gig, SV39_READ).ok);
    assert_false(sv39_translate(rp, 3 * gig, SV39_WRITE).ok);
    assert_false(sv39_translate(rp, 4 * gig, SV39_READ).ok);
    assert_false(sv39_translate(rp, 5 * gig, SV39_READ).ok);           /* SUM clear */
    assert_true(sv39_translate(rp, 5 * gig, SV39_READ | SV39_SUM).ok);
    assert_false(sv39_translate(rp, 5 * gig, SV39_EXEC | SV39_SUM).ok); /* S never runs U code */
    assert_true(sv39_translate(rp, 5 * gig + 0x1234, SV39_EXEC | SV39_USER).ok);
    assert_int_equal(sv39_translate(rp, 5 * gig + 0x1234, SV39_READ | SV39_USER).pa, FAKE_PA + 0x1234);
    assert_false(sv39_translate(rp, 0x0000800000000000UL, SV39_READ).ok);  /* non-canonical */
    for (int i = 0; i < 6; i++)
        root[i] = 0;
    page_free(root, 0);
    assert_no_leak();
}

static void test_map_4k_then_translate(void **state)
{
    (void)state;
    pagetable_t pt = new_table();

    assert_int_equal(mappages(pt, VA_4K, FAKE_PA, PAGE_SIZE, PTE_RW), 0);
    assert_xlate(pt, VA_4K, RW_OK, FAKE_PA);
    assert_xlate(pt, VA_4K + 0x123, RW_OK, FAKE_PA + 0x123);
    assert_int_equal(leaf_level(pt, VA_4K), 0);
    assert_false(sv39_translate(root_pa(pt), VA_4K, SV39_EXEC).ok);
    assert_xlate(pt, VA_4K - PAGE_SIZE, 0, 0);
    assert_xlate(pt, VA_4K + PAGE_SIZE, 0, 0);
    assert_well_formed(pt);
    destroy_table(pt);
    assert_no_leak();
}

static void test_superpages_chosen_when_aligned_4k_otherwise(void **state)
{
    (void)state;
    pagetable_t pt = new_table();
    struct sv39_stats st;

    /* 1 GiB aligned both sides: one gigapage leaf. */
    assert_int_equal(mappages(pt, VA_1G, FAKE_PA, GIGAPAGE_SIZE, PTE_RW), 0);
    /* 2 MiB + 4 KiB: one megapage and one 4 KiB leaf. */
    assert_int_equal(mappages(pt, VA_2M, FAKE_PA, MEGAPAGE_SIZE + PAGE_SIZE, PTE_RX), 0);
    /* VA not 2 MiB-aligned: 4 KiB leaves only. */
    assert_int_equal(mappages(pt, 3 * VA_1G + PAGE_SIZE, FAKE_PA, MEGAPAGE_SIZE, PTE_RONLY), 0);
    /* PA not 2 MiB-aligned: 4 KiB leaves only. */
    assert_int_equal(mappages(pt, 4 * VA_1G, FAKE_PA + PAGE_SIZE, 2 * MEGAPAGE_SIZE, PTE_RW), 0);
    /* VA 1 GiB-aligned but PA only 2 MiB-aligned: megapages. */
    assert_int_equal(mappages(pt, 5 * VA_1G, FAKE_PA + MEGAPAGE_SIZE, GIGAPAGE_SIZE, PTE_RW), 0);

    sv39_walk_all(root_pa(pt), NULL, NULL, &st);
    assert_int_equal(st.leaves[2], 1);
    assert_int_equal(st.leaves[1], 1 + 512);
    assert_int_equal(st.leaves[0], 1 + 512 + 1024);
    assert_int_equal(leaf_level(pt, VA_1G + 0x12345678), 2);
    assert_xlate(pt, VA_1G + 0x12345678, RW_OK, FAKE_PA + 0x12345678);
    assert_int_equal(leaf_level(pt, VA_2M), 1);
    assert_xlate(pt, VA_2M + MEGAPAGE_SIZE, RX_OK, FAKE_PA + MEGAPAGE_SIZE);
    assert_int_equal(leaf_level(pt, VA_2M + MEGAPAGE_SIZE), 0);
    assert_xlate(pt, 5 * VA_1G + GIGAPAGE_SIZE - 1, RW_OK, FAKE_PA + MEGAPAGE_SIZE + GIGAPAGE_SIZE - 1);
    assert_well_formed(pt);
    destroy_table(pt);
    assert_no_leak();
}

static void test_walkaddr_includes_superpage_offset_and_is_zero_when_unmapped(void **state)
{
    (void)state;
    pagetable_t pt = new_table();

    assert_int_equal(mappages(pt, VA_1G, FAKE_PA, GIGAPAGE_SIZE, PTE_RONLY), 0);
    assert_int_equal(mappages(pt, VA_2M, FAKE_PA, MEGAPAGE_SIZE, PTE_RX), 0);
    assert_int_equal(mappages(pt, VA_4K, FAKE_PA, PAGE_SIZE, PTE_RW), 0);
    assert_int_equal(walkaddr(pt, VA_1G + 0x2345678), FAKE_PA + 0x2345678);
    assert_int_equal(walkaddr(pt, VA_2M + 0x1fffff), FAKE_PA + 0x1fffff);
    assert_int_equal(walkaddr(pt, VA_4K + 0xabc), FAKE_PA + 0xabc);
    assert_int_equal(walkaddr(pt, VA_2M + MEGAPAGE_SIZE), 0);
    assert_int_equal(walkaddr(pt, VA_4K + PAGE_SIZE), 0);
    assert_int_equal(walkaddr(pt, 0), 0);
    assert_int_equal(walkaddr(pt, 0x0000800000000000UL), 0);   /* non-canonical */
    destroy_table(pt);
    assert_no_leak();
}

static void test_walk_without_alloc_never_allocates(void **state)
{
    (void)state;
    pagetable_t pt = new_table();

    assert_int_equal(mappages(pt, VA_2M, FAKE_PA, MEGAPAGE_SIZE, PTE_RW), 0);
    uint64_t before = page_free_count();
    assert_null(walk(pt, VA_4K, 0));                            /* no tables at all */
    assert_null(walk(pt, VA_2M + MEGAPAGE_SIZE, 0));            /* level-1 table, empty slot */
    assert_null(walk(pt, SV39_HIGH_START + VA_4K, 0));
    assert_null(walk(pt, 0x0000800000000000UL, 1));             /* non-canonical, even with alloc */
    pte_t *leaf = walk(pt, VA_2M + 0x1234, 0);                  /* the 2 MiB leaf itself */
    assert_non_null(leaf);
    assert_true(PTE_IS_LEAF(*leaf));
    assert_int_equal(PTE2PA(*leaf), FAKE_PA);
    assert_int_equal(page_free_count(), before);

    pte_t *slot = walk(pt, VA_4K, 1);                           /* alloc: level-0 slot */
    assert_non_null(slot);
    assert_int_equal(*slot, 0);
    assert_int_equal(page_free_count(), before - 2);
    destroy_table(pt);
    assert_no_leak();
}

static void test_mappages_over_existing_mapping_fails_eexist_and_maps_nothing(void **state)
{
    (void)state;
    pagetable_t pt = new_table();

    assert_int_equal(mappages(pt, VA_4K, FAKE_PA, PAGE_SIZE, PTE_RW), 0);
    assert_int_equal(mappages(pt, VA_2M, FAKE_PA, MEGAPAGE_SIZE, PTE_RW), 0);
    uint64_t before = page_free_count();
    /* Overlap at the end, at the start, in the middle of a megapage, a remap of the same range. */
    assert_int_equal(mappages(pt, VA_4K - 4 * PAGE_SIZE, FAKE_PA, 5 * PAGE_SIZE, PTE_RONLY), -MM_EEXIST);
    assert_int_equal(mappages(pt, VA_4K, FAKE_PA, 8 * PAGE_SIZE, PTE_RONLY), -MM_EEXIST);
    assert_int_equal(mappages(pt, VA_2M - MEGAPAGE_SIZE, FAKE_PA, 2 * MEGAPAGE_SIZE, PTE_RW), -MM_EEXIST);
    assert_int_equal(mappages(pt, VA_2M + 0x10000, FAKE_PA, PAGE_SIZE, PTE_RW), -MM_EEXIST);
    assert_int_equal(page_free_count(), before);
    for (int i = -4; i < 8; i++)
        assert_xlate(pt, VA_4K + i * (int64_t)PAGE_SIZE, i == 0 ? RW_OK : 0, FAKE_PA);
    assert_xlate(pt, VA_2M - PAGE_SIZE, 0, 0);
    assert_xlate(pt, VA_2M + 0x10000, RW_OK, FAKE_PA + 0x10000);   /* old mapping intact */
    destroy_table(pt);
    assert_no_leak();
}

static void test_bad_arguments_return_einval(void **state)
{
    (void)state;
    pagetable_t pt = new_table();
    uint64_t before = page_free_count();

    assert_int_equal(mappages(pt, VA_4K + 1, FAKE_PA, PAGE_SIZE, PTE_RW), -MM_EINVAL);
    assert_int_equal(mappages(pt, VA_4K, FAKE_PA + 8, PAGE_SIZE, PTE_RW), -MM_EINVAL);
    assert_int_equal(mappages(pt, VA_4K, FAKE_PA, 100, PTE_RW), -MM_EINVAL);
    assert_int_equal(mappages(pt, VA_4K, FAKE_PA, 0, PTE_RW), -MM_EINVAL);
    assert_int_equal(mappages(pt, 0x0000800000000000UL, FAKE_PA, PAGE_SIZE, PTE_RW), -MM_EINVAL);
    assert_int_equal(mappages(pt, SV39_LOW_END - PAGE_SIZE, FAKE_PA, 2 * PAGE_SIZE, PTE_RW), -MM_EINVAL);
    assert_int_equal(mappages(pt, ~0UL - PAGE_MASK, FAKE_PA, 2 * PAGE_SIZE, PTE_RW), -MM_EINVAL);
    assert_int_equal(mappages(pt, VA_4K, FAKE_PA, PAGE_SIZE, PTE_R | PTE_W | PTE_X), -MM_EINVAL);
    assert_int_equal(mappages(pt, VA_4K, FAKE_PA, PAGE_SIZE, PTE_W), -MM_EINVAL);
    assert_int_equal(mappages(pt, VA_4K, FAKE_PA, PAGE_SIZE, PTE_X), -MM_EINVAL);
    assert_int_equal(mappages(pt, VA_4K, FAKE_PA, PAGE_SIZE, 0), -MM_EINVAL);
    assert_int_equal(mappages(pt, VA_4K, FAKE_PA, PAGE_SIZE, PTE_RW | PTE_V), -MM_EINVAL);
    assert_int_equal(mappages(pt, VA_4K, 1UL << 56, PAGE_SIZE, PTE_RW), -MM_EINVAL);
    assert_int_equal(mappages(NULL, VA_4K, FAKE_PA, PAGE_SIZE, PTE_RW), -MM_EINVAL);
    assert_int_equal(vm_unmap(pt, VA_4K + 8, 1, 0), -MM_EINVAL);
    assert_int_equal(vm_unmap(pt, 0x0000800000000000UL, 1, 0), -MM_EINVAL);
    assert_int_equal(vm_unmap(pt, SV39_LOW_END - PAGE_SIZE, 2, 0), -MM_EINVAL);
    assert_int_equal(vm_protect(pt, VA_4K, PAGE_SIZE, PTE_R | PTE_W | PTE_X), -MM_EINVAL);
    assert_int_equal(vm_protect(pt, VA_4K, PAGE_SIZE, PTE_W), -MM_EINVAL);
    assert_int_equal(vm_protect(pt, VA_4K, 0, PTE_RW), -MM_EINVAL);
    assert_int_equal(vm_protect(pt, VA_4K + 4, PAGE_SIZE, PTE_RW), -MM_EINVAL);
    assert_int_equal(page_free_count(), before);
    assert_xlate(pt, VA_4K, 0, 0);
    destroy_table(pt);
    assert_no_leak();
}

/* ---- unmapping and splitting -------------------------------------------- */

static void test_uvmunmap_splits_2m_superpage_and_rest_translates_the_same(void **state)
{
    (void)state;
    pagetable_t pt = new_table();
    const int hole = 100;

    assert_int_equal(mappages(pt, VA_2M, FAKE_PA, MEGAPAGE_SIZE, PTE_RW), 0);
    assert_int_equal(leaf_level(pt, VA_2M), 1);
    uvmunmap(pt, VA_2M + hole * PAGE_SIZE, 1, 0);
    for (int i = 0; i < 512; i++)
        assert_xlate(pt, VA_2M + i * PAGE_SIZE, i == hole ? 0 : RW_OK, FAKE_PA + i * PAGE_SIZE);
    assert_int_equal(leaf_level(pt, VA_2M), 0);
    assert_xlate(pt, VA_2M + MEGAPAGE_SIZE, 0, 0);
    assert_well_formed(pt);
    destroy_table(pt);
    assert_no_leak();
}

static void test_unmap_inside_gigapage_splits_down_to_4k(void **state)
{
    (void)state;
    pagetable_t pt = new_table();
    uint64_t hole = VA_1G + 3 * MEGAPAGE_SIZE + 5 * PAGE_SIZE;
    struct sv39_stats st;

    assert_int_equal(mappages(pt, VA_1G, FAKE_PA, GIGAPAGE_SIZE, PTE_RX), 0);
    assert_int_equal(vm_unmap(pt, hole, 1, 0), 0);
    sv39_walk_all(root_pa(pt), NULL, NULL, &st);
    assert_int_equal(st.leaves[2], 0);
    assert_int_equal(st.leaves[1], 511);
    assert_int_equal(st.leaves[0], 511);
    assert_xlate(pt, hole, 0, 0);
    assert_xlate(pt, hole - PAGE_SIZE, RX_OK, FAKE_PA + (hole - PAGE_SIZE - VA_1G));
    assert_xlate(pt, hole + PAGE_SIZE, RX_OK, FAKE_PA + (hole + PAGE_SIZE - VA_1G));
    assert_xlate(pt, VA_1G + GIGAPAGE_SIZE - 1, RX_OK, FAKE_PA + GIGAPAGE_SIZE - 1);
    assert_well_formed(pt);
    destroy_table(pt);
    assert_no_leak();
}

static void test_unmap_range_straddling_two_superpages_splits_both_ends(void **state)
{
    (void)state;
    pagetable_t pt = new_table();
    uint64_t from = VA_2M + MEGAPAGE_SIZE / 2, to = VA_2M + 3 * MEGAPAGE_SIZE / 2;

    assert_int_equal(mappages(pt, VA_2M, FAKE_PA, 2 * MEGAPAGE_SIZE, PTE_RONLY), 0);
    assert_int_equal(vm_unmap(pt, from, (to - from) / PAGE_SIZE, 0), 0);
    for (uint64_t va = VA_2M; va < VA_2M + 2 * MEGAPAGE_SIZE; va += PAGE_SIZE)
        assert_xlate(pt, va, (va >= from && va < to) ? 0 : R_OK_ONLY, FAKE_PA + (va - VA_2M));
    destroy_table(pt);
    assert_no_leak();
}

static void test_vm_protect_splits_and_changes_permissions(void **state)
{
    (void)state;
    pagetable_t pt = new_table();

    assert_int_equal(mappages(pt, VA_2M, FAKE_PA, MEGAPAGE_SIZE, PTE_RW), 0);
    assert_int_equal(vm_protect(pt, VA_2M + 2 * PAGE_SIZE, 3 * PAGE_SIZE, PTE_RONLY), 0);
    for (int i = 0; i < 512; i++)
        assert_xlate(pt, VA_2M + i * PAGE_SIZE, (i >= 2 && i < 5) ? R_OK_ONLY : RW_OK,
                     FAKE_PA + i * PAGE_SIZE);
    assert_int_equal(vm_protect(pt, VA_2M, MEGAPAGE_SIZE, PTE_RX), 0);
    for (int i = 0; i < 512; i++)
        assert_xlate(pt, VA_2M + i * PAGE_SIZE, RX_OK, FAKE_PA + i * PAGE_SIZE);
    /* A hole is skipped, not created or refused. */
    assert_int_equal(vm_protect(pt, VA_2M + MEGAPAGE_SIZE, PAGE_SIZE, PTE_RW), 0);
    assert_xlate(pt, VA_2M + MEGAPAGE_SIZE, 0, 0);
    assert_well_formed(pt);
    destroy_table(pt);
    assert_no_leak();
}

static void test_split_without_a_free_page_fails_enomem_and_changes_nothing(void **state)
{
    (void)state;
    pagetable_t pt = new_table();
    uint64_t mid = VA_2M + 7 * PAGE_SIZE;

    assert_int_equal(mappages(pt, VA_2M, FAKE_PA, MEGAPAGE_SIZE, PTE_RW), 0);
    mm_fixture_hold_all_pages();
    assert_null(page_alloc(0));
    assert_int_equal(vm_unmap(pt, mid, 1, 0), -MM_ENOMEM);
    assert_int_equal(vm_protect(pt, mid, PAGE_SIZE, PTE_RONLY), -MM_ENOMEM);
    assert_true(SIM_PANICS(uvmunmap(pt, mid, 1, 0)));  /* uvmunmap's one panic */
    mm_fixture_release(mm_fixture_held());
    assert_int_equal(leaf_level(pt, VA_2M), 1);
    for (int i = 0; i < 512; i++)
        assert_xlate(pt, VA_2M + i * PAGE_SIZE, RW_OK, FAKE_PA + i * PAGE_SIZE);
    destroy_table(pt);
    assert_no_leak();
}

static void test_mappages_out_of_memory_fails_enomem_and_leaves_nothing_mapped(void **state)
{
    (void)state;
    pagetable_t pt = new_table();
    /* 4 pages in one level-0 table, a megapage, 4 pages in another level-0 table. */
    uint64_t va = VA_2M - 4 * PAGE_SIZE, sz = MEGAPAGE_SIZE + 8 * PAGE_SIZE;
    struct sv39_stats st;

    mm_fixture_hold_all_pages();
    assert_null(page_alloc(0));
    mm_fixture_release(2);            /* enough for the first level-1 and level-0 tables only */
    assert_int_equal(mappages(pt, va, FAKE_PA, sz, PTE_RW), -MM_ENOMEM);
    mm_fixture_release(mm_fixture_held());
    sv39_walk_all(root_pa(pt), NULL, NULL, &st);
    assert_int_equal(st.leaves[0] + st.leaves[1] + st.leaves[2], 0);
    for (uint64_t off = 0; off < sz; off += PAGE_SIZE)
        assert_xlate(pt, va + off, 0, 0);
    assert_int_equal(mappages(pt, va, FAKE_PA, sz, PTE_RW), 0);  /* and it can be redone */
    destroy_table(pt);
    assert_no_leak();
}

/* ---- freeing ------------------------------------------------------------- */

static void test_do_free_releases_frames_and_shared_frames_survive(void **state)
{
    (void)state;
    pagetable_t pt = new_table();
    void *frame[8];

    for (int i = 0; i < 8; i++) {
        frame[i] = page_alloc(0);
        assert_non_null(frame[i]);
        assert_int_equal(mappages(pt, VA_4K + i * PAGE_SIZE, virt_to_phys((uint64)frame[i]),
                                  PAGE_SIZE, PTE_RW), 0);
    }
    page_get(frame[3]);                         /* shared with someone else */
    uvmunmap(pt, VA_4K, 8, 1);
    assert_int_equal(page_refcount(frame[3]), 1);
    for (int i = 0; i < 8; i++)
        assert_xlate(pt, VA_4K + i * PAGE_SIZE, 0, 0);
    freewalk(pt, SV39_ROOT_LEVEL);
    assert_int_equal(page_free_count(), baseline_free - 1);
    assert_int_equal(page_put(frame[3]), 0);
    assert_no_leak();
}

static void test_do_free_of_whole_2m_leaf_frees_the_block(void **state)
{
    (void)state;
    pagetable_t pt = new_table();
    void *block = page_alloc(ORDER_2M);

    assert_non_null(block);
    assert_int_equal(mappages(pt, VA_2M, virt_to_phys((uint64)block), MEGAPAGE_SIZE, PTE_RW), 0);
    assert_int_equal(leaf_level(pt, VA_2M), 1);
    assert_int_equal(vm_unmap(pt, VA_2M, MEGAPAGE_SIZE / PAGE_SIZE, 1), 0);
    assert_xlate(pt, VA_2M, 0, 0);
    freewalk(pt, SV39_ROOT_LEVEL);
    assert_no_leak();
}

static void test_do_free_of_part_of_a_superpage_is_refused_and_changes_nothing(void **state)
{
    (void)state;
    pagetable_t pt = new_table();
    void *block = page_alloc(ORDER_2M);
    uint64_t pa = virt_to_phys((uint64)block);

    assert_non_null(block);
    assert_int_equal(mappages(pt, VA_2M, pa, MEGAPAGE_SIZE, PTE_RW), 0);
    assert_int_equal(mappages(pt, VA_1G, FAKE_PA, GIGAPAGE_SIZE, PTE_RW), 0);
    uint64_t before = page_free_count();
    assert_int_equal(vm_unmap(pt, VA_2M + PAGE_SIZE, 1, 1), -MM_EINVAL);
    assert_int_equal(vm_unmap(pt, VA_1G, GIGAPAGE_SIZE / PAGE_SIZE, 1), -MM_EINVAL);
    assert_int_equal(page_free_count(), before);
    assert_int_equal(leaf_level(pt, VA_2M), 1);
    assert_xlate(pt, VA_2M + PAGE_SIZE, RW_OK, pa + PAGE_SIZE);
    assert_int_equal(leaf_level(pt, VA_1G), 2);
    assert_int_equal(vm_unmap(pt, VA_2M, MEGAPAGE_SIZE / PAGE_SIZE, 1), 0);
    destroy_table(pt);
    assert_no_leak();
}

static void test_freewalk_returns_every_table_page(void **state)
{
    (void)state;
    pagetable_t pt = new_table();
    static const uint64_t vas[] = {
        0x10000, 0x200000, 0x40000000, 0x3fffe00000, 0x3ffffff000,
        0xffffffc000000000, 0xffffffd012345000, 0xfffffffffffff000,
    };

    for (size_t i = 0; i < sizeof vas / sizeof vas[0]; i++)
        assert_int_equal(mappages(pt, vas[i], FAKE_PA, PAGE_SIZE, PTE_RW), 0);
    assert_true(page_free_count() < baseline_free - 10);
    destroy_table(pt);
    assert_no_leak();
}

static void test_free_pgtbl_frees_low_half_and_keeps_shared_high_half(void **state)
{
    (void)state;
    pagetable_t kpt = new_table();                  /* stands in for the kernel table */
    uint64_t kva = SV39_HIGH_START + VA_4K;
    assert_int_equal(mappages(kpt, kva, FAKE_PA, PAGE_SIZE, PTE_RW), 0);
    uint64_t kernel_only = page_free_count();

    pagetable_t pt = new_table();
    for (unsigned i = PX(SV39_ROOT_LEVEL, SV39_HIGH_START); i < PTES_PER_TABLE; i++)
        pt[i] = kpt[i];                             /* share the high half */
    uint64_t sz = 64 * PAGE_SIZE;
    for (uint64_t va = APP_BASE; va < sz; va += 4 * PAGE_SIZE) {
        void *f = page_alloc(0);
        assert_non_null(f);
        assert_int_equal(mappages(pt, va, virt_to_phys((uint64)f), PAGE_SIZE, PTE_RW), 0);
    }
    free_pgtbl(pt, sz);
    assert_int_equal(page_free_count(), kernel_only);
    assert_xlate(kpt, kva, RW_OK, FAKE_PA);
    destroy_table(kpt);
    assert_no_leak();
}

/* ---- the kernel table ---------------------------------------------------- */

static uint64_t image_pa(const char *sym)
{
    return host_image_va_to_pa((uint64_t)sym);
}

static void assert_direct_mapped(pagetable_t k, uint64_t pa)
{
    assert_xlate(k, DIRECT_MAP_BASE + pa, RW_OK, pa);
    assert_false(sv39_translate(root_pa(k), DIRECT_MAP_BASE + pa, SV39_EXEC).ok);
}

static void test_kvmmake_direct_map_is_rw_never_x(void **state)
{
    (void)state;
    pagetable_t k = kvmmake();
    const struct boot_info *bi = arch_boot_info();

    assert_non_null(k);
    for (int r = 0; r < bi->nr_ram; r++) {
        uint64_t base = bi->ram[r].base, size = bi->ram[r].size;
        assert_direct_mapped(k, base);
        assert_direct_mapped(k, base + size - 1);
        for (uint64_t off = 0; off < size; off += size / 64 + 0x1234)
            assert_direct_mapped(k, base + off);
        assert_int_equal(leaf_level(k, DIRECT_MAP_BASE + base), 1);     /* 64 MiB: megapages */
        assert_xlate(k, DIRECT_MAP_BASE + base + size, 0, 0);
    }
    assert_xlate(k, VA_4K, 0, 0);                                       /* low half empty */
    destroy_table(k);
    assert_no_leak();
}

/* The permission the kernel table must give the image page at pa. */
static unsigned image_perms(uint64_t pa)
{
    if (pa < image_pa(__kernel_text_end))
        return RX_OK;                                   /* libOS text */
    if (pa < image_pa(__kernel_rodata_end))
        return R_OK_ONLY;                               /* libOS rodata */
    if (pa < image_pa(__kernel_data_end))
        return RW_OK;                                   /* libOS data */
    if (pa < image_pa(__kernel_bss_start))
        return R_OK_ONLY;                               /* the app's load image */
    return RW_OK;                                       /* libOS bss */
}

static void test_kvmmake_image_is_wx_text_rx_rodata_r_data_rw(void **state)
{
    (void)state;
    pagetable_t k = kvmmake();
    uint64_t start = image_pa(__kernel_start), end = image_pa(__kernel_end);

    assert_non_null(k);
    assert_int_equal(start, KERNEL_PHYS_BASE);
    assert_int_equal(image_perms(start), RX_OK);
    assert_int_equal(image_perms(image_pa(__app_data_load)), R_OK_ONLY);
    for (uint64_t pa = start; pa < end; pa += PAGE_SIZE / 2)
        assert_xlate(k, pa + KERNEL_OFFSET, image_perms(pa), pa);
    assert_xlate(k, start + KERNEL_OFFSET - PAGE_SIZE, 0, 0);
    assert_xlate(k, end + KERNEL_OFFSET, 0, 0);
    destroy_table(k);
    assert_no_leak();
}

static void test_kvmmake_maps_mmio_windows_rw(void **state)
{
    (void)state;
    struct boot_info *bi = (struct boot_info *)arch_boot_info();   /* sim's, writable */

    bi->mmio[0] = (struct mem_range){ 0x10000000, 0x100 };      /* a UART */
    bi->mmio[1] = (struct mem_range){ 0x10000800, 0x1000 };     /* shares the UART's page, spills over */
    bi->mmio[2] = (struct mem_range){ 0x0c000000, 0x600000 };   /* a PLIC */
    bi->nr_mmio = 3;
    pagetable_t k = kvmmake();
    assert_non_null(k);
    assert_direct_mapped(k, 0x10000000);
    assert_direct_mapped(k, 0x10001000);
    assert_direct_mapped(k, 0x0c000000);
    assert_direct_mapped(k, 0x0c5ff000);
    assert_xlate(k, DIRECT_MAP_BASE + 0x10002000, 0, 0);
    assert_xlate(k, DIRECT_MAP_BASE + 0x0c600000, 0, 0);
    destroy_table(k);
    assert_no_leak();
}

static void check_kernel_leaf(void *ctx, uint64_t va, uint64_t pa, uint64_t pte, int level)
{
    (void)pa, (void)level;
    (*(int *)ctx)++;
    assert_true(va >= SV39_HIGH_START);
    assert_true(pte & PTE_G);
    assert_false(pte & PTE_U);
    assert_false((pte & PTE_W) && (pte & PTE_X));
}

static void test_kvmmake_has_no_wx_leaf_anywhere(void **state)
{
    (void)state;
    struct boot_info *bi = (struct boot_info *)arch_boot_info();
    bi->mmio[0] = (struct mem_range){ 0x10000000, 0x100 };      /* a UART */
    bi->nr_mmio = 1;
    pagetable_t k = kvmmake();
    struct sv39_stats st;
    int leaves = 0;

    assert_non_null(k);
    sv39_walk_all(root_pa(k), check_kernel_leaf, &leaves, &st);
    assert_true(leaves > 0);
    assert_int_equal(st.wx_leaves, 0);
    assert_int_equal(st.malformed, 0);
    vmprint(k);
    destroy_table(k);
    assert_no_leak();
}

static void test_kvmmake_out_of_memory_returns_null_and_leaks_nothing(void **state)
{
    (void)state;
    int built = 0;

    mm_fixture_hold_all_pages();
    assert_null(page_alloc(0));
    for (int spare = 0; spare < 8 && !built; spare++) {
        if (spare > 0)
            mm_fixture_release(1);
        uint64_t before = page_free_count();
        pagetable_t k = kvmmake();
        if (k) {
            built = 1;
            destroy_table(k);
        }
        assert_int_equal(page_free_count(), before);
    }
    assert_true(built);
    mm_fixture_release(mm_fixture_held());
    assert_no_leak();
}

/* ---- freeing emptied table pages ----------------------------------------- */

/*   before          after mapping                after unmapping it all
 *   root            root -> L1 -> L0 (64 x 4K)   root
 *                        -> L1 (2M leaf)
 *                        -> L1 -> L0 (1 x 4K)                              */
static void test_unmapping_all_of_a_fresh_area_returns_its_table_pages(void **state)
{
    (void)state;
    pagetable_t pt = new_table();
    uint64_t root_only = page_free_count();

    assert_int_equal(mappages(pt, VA_4K, FAKE_PA, 64 * PAGE_SIZE, PTE_RW), 0);
    assert_int_equal(mappages(pt, VA_2M, FAKE_PA, MEGAPAGE_SIZE, PTE_RX), 0);
    assert_int_equal(mappages(pt, 5 * VA_1G + PAGE_SIZE, FAKE_PA, PAGE_SIZE, PTE_RONLY), 0);
    assert_int_equal(table_pages(pt), 1 + 2 + 1 + 2);
    assert_int_equal(vm_unmap(pt, VA_4K, 64, 0), 0);
    assert_int_equal(vm_unmap(pt, VA_2M, MEGAPAGE_SIZE / PAGE_SIZE, 0), 0);
    assert_int_equal(vm_unmap(pt, 5 * VA_1G + PAGE_SIZE, 1, 0), 0);
    assert_int_equal(page_free_count(), root_only);
    for (int i = 0; i < PTES_PER_TABLE; i++)
        assert_int_equal(pt[i], 0);
    page_free(pt, 0);
    assert_no_leak();
}

/* The guest's scenario: 2 MiB at 1 GiB, one page out of the middle (split),
 * then the rest in two calls, in the live table; the block is real. */
static void test_split_then_unmap_all_of_a_2m_superpage_returns_to_baseline(void **state)
{
    (void)state;
    pagetable_t pt = new_table();
    void *block = page_alloc(ORDER_2M);
    assert_non_null(block);
    uint64_t pa = virt_to_phys((uint64_t)block), before = page_free_count();

    arch_write_satp(MAKE_SATP(root_pa(pt)));
    assert_int_equal(mappages(pt, VA_1G, pa, MEGAPAGE_SIZE, PTE_RW), 0);
    uvmunmap(pt, VA_1G + 5 * PAGE_SIZE, 1, 0);
    assert_int_equal(leaf_level(pt, VA_1G), 0);
    uvmunmap(pt, VA_1G, 5, 0);
    assert_int_equal(table_pages(pt), 1 + 1 + 1);               /* L1 and L0 still hold pages */
    uvmunmap(pt, VA_1G + 6 * PAGE_SIZE, 512 - 6, 0);
    assert_int_equal(page_free_count(), before);
    assert_int_equal(pt[PX(SV39_ROOT_LEVEL, VA_1G)], 0);
    arch_write_satp(0);
    page_free(block, ORDER_2M);
    page_free(pt, 0);
    assert_no_leak();
}

static void test_remapping_2m_after_unmap_all_gets_a_2m_leaf_again(void **state)
{
    (void)state;
    pagetable_t pt = new_table();

    assert_int_equal(mappages(pt, VA_2M, FAKE_PA, MEGAPAGE_SIZE, PTE_RW), 0);
    assert_int_equal(vm_unmap(pt, VA_2M + 7 * PAGE_SIZE, 1, 0), 0);
    assert_int_equal(vm_unmap(pt, VA_2M, 7, 0), 0);
    assert_int_equal(vm_unmap(pt, VA_2M + 8 * PAGE_SIZE, 512 - 8, 0), 0);
    assert_int_equal(mappages(pt, VA_2M, FAKE_PA, MEGAPAGE_SIZE, PTE_RW), 0);
    assert_int_equal(leaf_level(pt, VA_2M), 1);
    assert_xlate(pt, VA_2M + 0x12345, RW_OK, FAKE_PA + 0x12345);
    assert_int_equal(table_pages(pt), 1 + 1);
    destroy_table(pt);
    assert_no_leak();
}

/* Empty tables left by walk(alloc) where a superpage goes: the megapage
 * replaces an empty L0, the gigapage an L1 whose only entry is an empty L0. */
static void test_mappages_frees_empty_tables_where_a_superpage_goes(void **state)
{
    (void)state;
    pagetable_t pt = new_table();
    uint64_t root_only = page_free_count();

    assert_non_null(walk(pt, VA_2M + PAGE_SIZE, 1));
    assert_non_null(walk(pt, VA_1G + 3 * MEGAPAGE_SIZE, 1));
    assert_int_equal(page_free_count(), root_only - 4);
    arch_write_satp(MAKE_SATP(root_pa(pt)));
    reset_fence_counters();
    assert_int_equal(mappages(pt, VA_2M, FAKE_PA, MEGAPAGE_SIZE, PTE_RW), 0);
    assert_int_equal(mappages(pt, VA_1G, FAKE_PA, GIGAPAGE_SIZE, PTE_RX), 0);
    assert_int_equal(sim_sfence_all_count, 2);                  /* one per call, global */
    assert_int_equal(sim_sfence_page_count, 0);
    assert_int_equal(leaf_level(pt, VA_2M), 1);
    assert_int_equal(leaf_level(pt, VA_1G), 2);
    assert_int_equal(page_free_count(), root_only - 1);         /* VA_2M's L1 only */
    assert_well_formed(pt);
    arch_write_satp(0);
    destroy_table(pt);
    assert_no_leak();
}

static void test_partial_unmap_keeps_tables_that_still_hold_mappings(void **state)
{
    (void)state;
    pagetable_t pt = new_table();
    uint64_t next_l0 = VA_4K + MEGAPAGE_SIZE;                   /* same L1, another L0 */

    assert_int_equal(mappages(pt, VA_4K, FAKE_PA, 8 * PAGE_SIZE, PTE_RW), 0);
    assert_int_equal(mappages(pt, next_l0, FAKE_PA, PAGE_SIZE, PTE_RW), 0);
    uint64_t mapped = page_free_count();
    assert_int_equal(vm_unmap(pt, VA_4K, 7, 0), 0);
    assert_int_equal(page_free_count(), mapped);
    assert_xlate(pt, VA_4K + 7 * PAGE_SIZE, RW_OK, FAKE_PA + 7 * PAGE_SIZE);
    assert_int_equal(vm_unmap(pt, VA_4K + 7 * PAGE_SIZE, 1, 0), 0);
    assert_int_equal(page_free_count(), mapped + 1);            /* the first L0 only */
    assert_xlate(pt, next_l0, RW_OK, FAKE_PA);
    assert_int_equal(empty_tables_below(pt, SV39_ROOT_LEVEL), 0);
    assert_int_equal(vm_unmap(pt, next_l0, 1, 0), 0);
    assert_int_equal(page_free_count(), mapped + 3);            /* then its L0 and the L1 */
    page_free(pt, 0);
    assert_no_leak();
}

/* The UART page is the only leaf under its root entry of the kernel table;
 * unmapping it through an address space that shares the high half empties
 * its L0 and L1, which must stay: every address space names them. */
static void test_unmap_in_the_high_half_never_frees_shared_tables(void **state)
{
    (void)state;
    struct boot_info *bi = (struct boot_info *)arch_boot_info();
    bi->mmio[0] = (struct mem_range){ 0x10000000, 0x100 };      /* a UART */
    bi->nr_mmio = 1;
    pagetable_t k = kvmmake();
    assert_non_null(k);
    pagetable_t pt = new_table();
    for (unsigned i = PX(SV39_ROOT_LEVEL, SV39_HIGH_START); i < PTES_PER_TABLE; i++)
        pt[i] = k[i];
    uint64_t uart = DIRECT_MAP_BASE + 0x10000000, tables = table_pages(k);
    uint64_t before = page_free_count();

    assert_int_equal(vm_unmap(pt, uart, 1, 0), 0);
    assert_int_equal(page_free_count(), before);
    assert_int_equal(table_pages(k), tables);
    assert_int_equal(pt[PX(SV39_ROOT_LEVEL, uart)], k[PX(SV39_ROOT_LEVEL, uart)]);
    assert_xlate(k, uart, 0, 0);
    assert_direct_mapped(k, SIM_RAM_BASE);
    assert_well_formed(k);
    assert_int_equal(mappages(k, uart, 0x10000000, PAGE_SIZE, PTE_RW | PTE_G), 0);
    assert_int_equal(page_free_count(), before);                /* the kept L0 is reused */
    assert_direct_mapped(k, 0x10000000);
    for (unsigned i = PX(SV39_ROOT_LEVEL, SV39_HIGH_START); i < PTES_PER_TABLE; i++)
        pt[i] = 0;
    page_free(pt, 0);
    destroy_table(k);
    assert_no_leak();
}

static void test_mappages_out_of_memory_leaves_no_table_behind(void **state)
{
    (void)state;
    pagetable_t pt = new_table();
    uint64_t root_only = page_free_count();

    mm_fixture_hold_all_pages();
    assert_null(page_alloc(0));
    mm_fixture_release(1);            /* the L1 table only: the L0 below it is missing */
    assert_int_equal(mappages(pt, VA_4K, FAKE_PA, PAGE_SIZE, PTE_RW), -MM_ENOMEM);
    mm_fixture_release(mm_fixture_held());
    assert_int_equal(page_free_count(), root_only);
    assert_int_equal(pt[PX(SV39_ROOT_LEVEL, VA_4K)], 0);
    page_free(pt, 0);
    assert_no_leak();
}

/* ---- TLB flush batching --------------------------------------------------- */

static void test_unmap_of_64_pages_in_active_table_costs_one_flush(void **state)
{
    (void)state;
    pagetable_t pt = new_table();

    assert_int_equal(mappages(pt, VA_4K, FAKE_PA, 64 * PAGE_SIZE, PTE_RW), 0);
    arch_write_satp(MAKE_SATP(root_pa(pt)));
    reset_fence_counters();
    uint64_t counted = vm_tlb_flush_count();
    assert_int_equal(vm_unmap(pt, VA_4K, 64, 0), 0);
    assert_int_equal(sim_sfence_all_count + sim_sfence_page_count, 1);
    assert_int_equal(vm_tlb_flush_count() - counted, 1);
    for (int i = 0; i < 64; i++)
        assert_xlate(pt, VA_4K + i * PAGE_SIZE, 0, 0);
    arch_write_satp(0);
    destroy_table(pt);
    assert_no_leak();
}

static void test_one_page_change_in_active_table_uses_the_page_fence(void **state)
{
    (void)state;
    pagetable_t pt = new_table();

    assert_int_equal(mappages(pt, VA_4K, FAKE_PA, 2 * PAGE_SIZE, PTE_RW), 0);
    arch_write_satp(MAKE_SATP(root_pa(pt)));
    reset_fence_counters();
    assert_int_equal(vm_protect(pt, VA_4K, PAGE_SIZE, PTE_RONLY), 0);
    assert_int_equal(sim_sfence_page_count, 1);
    assert_int_equal(sim_sfence_all_count, 0);
    reset_fence_counters();
    assert_int_equal(vm_protect(pt, VA_4K, PAGE_SIZE, PTE_RONLY), 0);   /* no change */
    assert_int_equal(vm_unmap(pt, VA_2M, 16, 0), 0);                   /* a hole */
    assert_int_equal(sim_sfence_page_count + sim_sfence_all_count, 0);
    arch_write_satp(0);
    destroy_table(pt);
    assert_no_leak();
}

static void test_vm_protect_splitting_a_superpage_in_active_table_flushes_once(void **state)
{
    (void)state;
    pagetable_t pt = new_table();

    assert_int_equal(mappages(pt, VA_2M, FAKE_PA, MEGAPAGE_SIZE, PTE_RW), 0);
    arch_write_satp(MAKE_SATP(root_pa(pt)));
    reset_fence_counters();
    assert_int_equal(vm_protect(pt, VA_2M + 16 * PAGE_SIZE, 32 * PAGE_SIZE, PTE_RONLY), 0);
    assert_int_equal(sim_sfence_all_count + sim_sfence_page_count, 1);
    arch_write_satp(0);
    destroy_table(pt);
    assert_no_leak();
}

static void test_changes_to_an_inactive_low_half_do_not_flush(void **state)
{
    (void)state;
    pagetable_t pt = new_table(), other = new_table();

    assert_int_equal(mappages(pt, VA_2M, FAKE_PA, MEGAPAGE_SIZE, PTE_RW), 0);
    arch_write_satp(MAKE_SATP(root_pa(other)));
    reset_fence_counters();
    assert_int_equal(vm_protect(pt, VA_2M, 8 * PAGE_SIZE, PTE_RONLY), 0);
    assert_int_equal(vm_unmap(pt, VA_2M, 512, 0), 0);
    assert_int_equal(sim_sfence_all_count + sim_sfence_page_count, 0);
    arch_write_satp(0);
    destroy_table(pt);
    destroy_table(other);
    assert_no_leak();
}

/* Removing a non-leaf entry needs the global form, even for one page. */
static void test_unmap_that_frees_tables_flushes_once_with_the_global_fence(void **state)
{
    (void)state;
    pagetable_t pt = new_table();
    uint64_t root_only = page_free_count();

    assert_int_equal(mappages(pt, VA_4K, FAKE_PA, PAGE_SIZE, PTE_RW), 0);
    assert_int_equal(mappages(pt, VA_2M, FAKE_PA, 64 * PAGE_SIZE, PTE_RW), 0);
    arch_write_satp(MAKE_SATP(root_pa(pt)));
    reset_fence_counters();
    assert_int_equal(vm_unmap(pt, VA_4K, 1, 0), 0);
    assert_int_equal(sim_sfence_all_count, 1);
    assert_int_equal(sim_sfence_page_count, 0);
    reset_fence_counters();
    assert_int_equal(vm_unmap(pt, VA_2M, 64, 0), 0);
    assert_int_equal(sim_sfence_all_count + sim_sfence_page_count, 1);
    assert_int_equal(page_free_count(), root_only);
    arch_write_satp(0);
    page_free(pt, 0);
    assert_no_leak();
}

/* ---- randomized operations against a model -------------------------------- */

#define MODEL_PAGES     2048                        /* 8 MiB: four megapages' worth */
#define MODEL_VA        (8UL << 30)
#define MODEL_OPS       3000

struct model_page { uint64_t pa; unsigned perms; };

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;  /* fixed seed: reproducible */

static uint64_t rng(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

static void model_check(pagetable_t pt, const struct model_page *m, uint64_t from, uint64_t to)
{
    for (uint64_t i = from; i < to && i < MODEL_PAGES; i++)
        assert_xlate(pt, MODEL_VA + i * PAGE_SIZE, m[i].perms, m[i].pa);
}

/* A random range [*start, *start + *len) of model pages, often megapage-aligned. */
static void random_range(uint64_t *start, uint64_t *len)
{
    *start = rng() % MODEL_PAGES;
    if (rng() % 3 == 0)
        *start &= ~511UL;
    *len = (rng() % 4 == 0) ? 512 * (1 + rng() % 2) : 1 + rng() % 700;
    if (*start + *len > MODEL_PAGES)
        *len = MODEL_PAGES - *start;
}

static void model_map(pagetable_t pt, struct model_page *m, uint64_t start, uint64_t len)
{
    static const uint64_t flags[] = { PTE_RONLY, PTE_RX, PTE_RW };
    static const unsigned perms[] = { R_OK_ONLY, RX_OK, RW_OK };
    int f = rng() % 3;
    uint64_t pa = FAKE_PA + (rng() % 4096) * PAGE_SIZE;
    if (rng() % 2)                                  /* same offset in a megapage as the VA */
        pa = (pa & ~(MEGAPAGE_SIZE - 1)) + ((MODEL_VA + start * PAGE_SIZE) & (MEGAPAGE_SIZE - 1));
    int busy = 0;
    for (uint64_t i = start; i < start + len; i++)
        busy |= m[i].perms != 0;
    int rc = mappages(pt, MODEL_VA + start * PAGE_SIZE, pa, len * PAGE_SIZE, flags[f]);
    assert_int_equal(rc, busy ? -MM_EEXIST : 0);
    for (uint64_t i = start; !busy && i < start + len; i++)
        m[i] = (struct model_page){ pa + (i - start) * PAGE_SIZE, perms[f] };
}

static void model_protect(pagetable_t pt, struct model_page *m, uint64_t start, uint64_t len)
{
    static const uint64_t flags[] = { PTE_RONLY, PTE_RX, PTE_RW };
    static const unsigned perms[] = { R_OK_ONLY, RX_OK, RW_OK };
    int f = rng() % 3;

    assert_int_equal(vm_protect(pt, MODEL_VA + start * PAGE_SIZE, len * PAGE_SIZE, flags[f]), 0);
    for (uint64_t i = start; i < start + len; i++)
        if (m[i].perms)
            m[i].perms = perms[f];
}

/* One random map, protect or unmap on pt, applied to the model m too;
 * stores the range it touched. */
static void model_random_op(pagetable_t pt, struct model_page *m, uint64_t *start, uint64_t *len)
{
    random_range(start, len);
    switch (rng() % 3) {
    case 0: model_map(pt, m, *start, *len); break;
    case 1: model_protect(pt, m, *start, *len); break;
    default:
        assert_int_equal(vm_unmap(pt, MODEL_VA + *start * PAGE_SIZE, *len, 0), 0);
        memset(m + *start, 0, *len * sizeof *m);
    }
}

static void test_random_map_unmap_protect_match_the_model(void **state)
{
    (void)state;
    pagetable_t pt = new_table();
    struct model_page *m = calloc(MODEL_PAGES, sizeof *m);
    assert_non_null(m);

    for (int op = 0; op < MODEL_OPS; op++) {
        uint64_t start, len;
        model_random_op(pt, m, &start, &len);
        model_check(pt, m, start ? start - 1 : 0, start + len + 1);
        if (op % 100 == 0) {
            model_check(pt, m, 0, MODEL_PAGES);
            assert_well_formed(pt);
        }
    }
    model_check(pt, m, 0, MODEL_PAGES);
    free(m);
    destroy_table(pt);
    assert_no_leak();
}

/* The same random operations never leave an empty table page, and unmapping
 * the whole area gives every table page back. */
static void test_random_operations_never_leave_an_empty_table_page(void **state)
{
    (void)state;
    pagetable_t pt = new_table();
    uint64_t root_only = page_free_count();
    struct model_page *m = calloc(MODEL_PAGES, sizeof *m);
    assert_non_null(m);

    for (int op = 0; op < MODEL_OPS; op++) {
        uint64_t start, len;
        model_random_op(pt, m, &start, &len);
        if (op % 50 == 0)
            assert_int_equal(empty_tables_below(pt, SV39_ROOT_LEVEL), 0);
    }
    assert_int_equal(vm_unmap(pt, MODEL_VA, MODEL_PAGES, 0), 0);
    assert_int_equal(page_free_count(), root_only);
    free(m);
    page_free(pt, 0);
    assert_no_leak();
}

/* ---- printing -------------------------------------------------------------- */

static void test_vmprint_coalesces_contiguous_leaves(void **state)
{
    (void)state;
    pagetable_t pt = new_table();
    char out[4096] = "";
    FILE *tmp = tmpfile();
    assert_non_null(tmp);

    assert_int_equal(mappages(pt, VA_4K, FAKE_PA, 16 * PAGE_SIZE, PTE_RW), 0);
    assert_int_equal(mappages(pt, VA_4K + 17 * PAGE_SIZE, FAKE_PA, PAGE_SIZE, PTE_RX), 0);
    assert_int_equal(mappages(pt, VA_2M, FAKE_PA, 2 * MEGAPAGE_SIZE, PTE_RONLY), 0);
    fflush(stdout);
    int saved = dup(STDOUT_FILENO);
    dup2(fileno(tmp), STDOUT_FILENO);
    vmprint(pt);
    fflush(stdout);
    dup2(saved, STDOUT_FILENO);
    close(saved);
    rewind(tmp);
    size_t n = fread(out, 1, sizeof out - 1, tmp);
    out[n] = '\0';
    fclose(tmp);
    printf("%s", out);
    assert_non_null(strstr(out, "0x0000000012345000-0x0000000012354fff pa 0x1000000000 4K x16 rw---ad"));
    assert_non_null(strstr(out, "0x0000000012356000-0x0000000012356fff pa 0x1000000000 4K x1 r-x--a-"));
    assert_non_null(strstr(out, "0x0000000080000000-0x00000000803fffff pa 0x1000000000 2M x2 r----a-"));
    destroy_table(pt);
    assert_no_leak();
}

/* ---- boot ------------------------------------------------------------------ */

/* Runs last: kvminit() keeps its table as "the kernel table", which every
 * later vm call in this process would treat as live. */
static void test_kvminithart_switches_satp_and_flushes(void **state)
{
    (void)state;
    kvminit();
    pagetable_t k = kernel_pagetable();
    assert_non_null(k);
    reset_fence_counters();
    uint64_t counted = vm_tlb_flush_count();
    kvminithart();
    assert_int_equal(sim_satp, MAKE_SATP(root_pa(k)));
    assert_int_equal(sim_sfence_all_count, 1);
    assert_int_equal(vm_tlb_flush_count() - counted, 1);
    assert_direct_mapped(k, SIM_RAM_BASE);
    arch_write_satp(0);
    destroy_table(k);
    assert_no_leak();
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_walker_rejects_what_the_mmu_rejects),
        T(test_map_4k_then_translate),
        T(test_superpages_chosen_when_aligned_4k_otherwise),
        T(test_walkaddr_includes_superpage_offset_and_is_zero_when_unmapped),
        T(test_walk_without_alloc_never_allocates),
        T(test_mappages_over_existing_mapping_fails_eexist_and_maps_nothing),
        T(test_bad_arguments_return_einval),
        T(test_uvmunmap_splits_2m_superpage_and_rest_translates_the_same),
        T(test_unmap_inside_gigapage_splits_down_to_4k),
        T(test_unmap_range_straddling_two_superpages_splits_both_ends),
        T(test_vm_protect_splits_and_changes_permissions),
        T(test_split_without_a_free_page_fails_enomem_and_changes_nothing),
        T(test_mappages_out_of_memory_fails_enomem_and_leaves_nothing_mapped),
        T(test_do_free_releases_frames_and_shared_frames_survive),
        T(test_do_free_of_whole_2m_leaf_frees_the_block),
        T(test_do_free_of_part_of_a_superpage_is_refused_and_changes_nothing),
        T(test_freewalk_returns_every_table_page),
        T(test_free_pgtbl_frees_low_half_and_keeps_shared_high_half),
        T(test_unmapping_all_of_a_fresh_area_returns_its_table_pages),
        T(test_split_then_unmap_all_of_a_2m_superpage_returns_to_baseline),
        T(test_remapping_2m_after_unmap_all_gets_a_2m_leaf_again),
        T(test_mappages_frees_empty_tables_where_a_superpage_goes),
        T(test_partial_unmap_keeps_tables_that_still_hold_mappings),
        T(test_unmap_in_the_high_half_never_frees_shared_tables),
        T(test_mappages_out_of_memory_leaves_no_table_behind),
        T(test_kvmmake_direct_map_is_rw_never_x),
        T(test_kvmmake_image_is_wx_text_rx_rodata_r_data_rw),
        T(test_kvmmake_maps_mmio_windows_rw),
        T(test_kvmmake_has_no_wx_leaf_anywhere),
        T(test_kvmmake_out_of_memory_returns_null_and_leaks_nothing),
        T(test_unmap_of_64_pages_in_active_table_costs_one_flush),
        T(test_one_page_change_in_active_table_uses_the_page_fence),
        T(test_vm_protect_splitting_a_superpage_in_active_table_flushes_once),
        T(test_changes_to_an_inactive_low_half_do_not_flush),
        T(test_unmap_that_frees_tables_flushes_once_with_the_global_fence),
        T(test_random_map_unmap_protect_match_the_model),
        T(test_random_operations_never_leave_an_empty_table_page),
        T(test_vmprint_coalesces_contiguous_leaves),
        T(test_kvminithart_switches_satp_and_flushes),        /* keep last */
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

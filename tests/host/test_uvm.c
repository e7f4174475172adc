/* Host tests of the app's address space calls (uvm.c, mm/uvm.h): making a
 * table (uvmmake, uvminit), growing and shrinking it (uvmalloc, uvmdealloc),
 * freeing it (uvmfree), stacks (map_stack, mm_map_stack), the heap (brk) and
 * the copies between the libOS and the app (copyout, copyin, copyinstr).
 *
 * The seeds' calls act on a table that is not running unless a test says
 * otherwise; in the running space uvmalloc, uvmdealloc and mm_map_stack work
 * through VMAs.  Every translation is checked with the independent Sv39
 * walker, bytes are read from the frames it finds, and every test ends with
 * the free-frame count back at its baseline.
 *
 * On the host the running space's copies would dereference app addresses
 * (the target's fault-safe copy), which are not host addresses: only their
 * refusals, decided before any access, are tested here; the guest tests
 * cover the rest. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <arch/layout.h>
#include <arch/mmu.h>
#include <mm/errno.h>
#include <mm/fault.h>
#include <mm/kalloc.h>
#include <mm/kvm.h>
#include <mm/mmap.h>
#include <mm/page.h>
#include <mm/uvm.h>
#include <mm/vm.h>

#include "mm_internal.h"
#include "mm_fixture.h"
#include "sim.h"
#include "space.h"
#include "sv39_check.h"

#define RAM_BYTES       (64UL << 20)
#define PG              PAGE_SIZE
#define RW              (MM_PROT_READ | MM_PROT_WRITE)
#define SCENE           (32UL << 20)            /* running-space scenarios */
#define HEAP            (16UL << 20)            /* the heap's start in the brk tests */
#define STACK_TOP       0x2000000000UL          /* 128 GiB: a stack away from everything */
#define READ_ONLY       SV39_READ
#define READ_WRITE      (SV39_READ | SV39_WRITE)
#define READ_EXEC       (SV39_READ | SV39_EXEC)

/* ---- fixtures and helpers ------------------------------------------------ */

/* One simulated RAM for the file: the kernel table (kvminit), whose high
 * half every uvmmake shares, and libmm's zero page are made once and kept. */
static int group_setup(void **state)
{
    (void)state;
    return mm_fixture_start(RAM_BYTES, 1);
}

static uint64_t root_pa(pagetable_t pt)
{
    return virt_to_phys((uint64)pt);
}

static unsigned perms_at(pagetable_t pt, uint64_t va)
{
    return sv39_perms(root_pa(pt), va, NULL);
}

/* The byte at va through pt's leaf (whatever its permissions), -1 if none. */
static int byte_at(pagetable_t pt, uint64_t va)
{
    struct sv39_xlate t = sv39_translate(root_pa(pt), va, SV39_READ);
    return t.pte ? *(uint8_t *)sim_pa(t.pa) : -1;
}

/* Set the bytes at va (mapped in pt, any permissions) from the test's side. */
static void put_bytes(pagetable_t pt, uint64_t va, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        struct sv39_xlate t = sv39_translate(root_pa(pt), va + i, SV39_READ);
        assert_int_not_equal(t.pte, 0);
        *(char *)sim_pa(t.pa) = s[i];
    }
}

static void count_low_leaf(void *ctx, uint64_t va, uint64_t pa, uint64_t pte, int level)
{
    (void)pa, (void)pte;
    if (va < USER_END)
        *(uint64_t *)ctx += 1UL << (9 * level);
}

/* 4 KiB pages mapped in the low half of pt. */
static uint64_t low_pages(pagetable_t pt)
{
    struct sv39_stats st;
    uint64_t pages = 0;
    sv39_walk_all(root_pa(pt), count_low_leaf, &pages, &st);
    assert_int_equal(st.malformed, 0);
    assert_int_equal(st.wx_leaves, 0);
    return pages;
}

/* Every byte of the page at va in pt is zero. */
static void assert_zero_page(pagetable_t pt, uint64_t va)
{
    const uint8_t *k = sim_pa(walkaddr(pt, va));
    assert_int_not_equal(walkaddr(pt, va), 0);
    for (unsigned i = 0; i < PG; i++)
        if (k[i])
            fail_msg("va 0x%lx byte %u is 0x%02x, not zero", (unsigned long)va, i, k[i]);
}

static pagetable_t new_table(void)
{
    pagetable_t pt = uvmmake(0);
    assert_non_null(pt);
    return pt;
}

/* ---- uvmmake, uvminit, uvmfree --------------------------------------------- */

static void test_uvmmake_has_an_empty_low_half_and_shares_the_kernel_high_half(void **state)
{
    (void)state;
    uint64_t before = page_free_count();
    pagetable_t pt = new_table(), k = kernel_pagetable();

    assert_int_equal(page_free_count(), before - 1);    /* the root and nothing else */
    for (unsigned i = 0; i < PTES_PER_TABLE; i++)
        assert_int_equal(pt[i], i < PX(SV39_ROOT_LEVEL, SV39_HIGH_START) ? 0 : k[i]);
    assert_int_equal(low_pages(pt), 0);
    uint64_t ram = DIRECT_MAP_BASE + SIM_RAM_BASE + SIM_FW_SIZE + SIM_IMAGE_SIZE;
    assert_int_equal(perms_at(pt, ram), READ_WRITE);   /* the direct map, as in the kernel table */
    uvmfree(pt, USER_END);
    assert_int_equal(k[PX(SV39_ROOT_LEVEL, ram)] & PTE_V, PTE_V);  /* the shared half stays */
    assert_int_equal(perms_at(k, ram), READ_WRITE);
}

static void test_uvmmake_with_a_trapframe_is_refused(void **state)
{
    (void)state;
    uint64_t before = page_free_count();
    assert_null(uvmmake(PG));
    assert_int_equal(page_free_count(), before);
}

/* 5000 bytes of code: the first page and 904 bytes of the second; the rest
 * of the second page reads zero (RAM starts dirty in the simulation). */
static void test_uvminit_copies_the_code_to_app_base_read_execute_and_zero_fills_the_rest(void **state)
{
    (void)state;
    static char code[5000];
    for (unsigned i = 0; i < sizeof code; i++)
        code[i] = (char)(i * 13 + 1);
    pagetable_t pt = uvminit(0, code, sizeof code);

    assert_non_null(pt);
    assert_int_equal(low_pages(pt), 2);
    assert_int_equal(perms_at(pt, APP_BASE), READ_EXEC);
    assert_int_equal(perms_at(pt, APP_BASE + PG), READ_EXEC);
    assert_int_equal(walkaddr(pt, APP_BASE + 2 * PG), 0);
    for (unsigned i = 0; i < 2 * PG; i++)
        assert_int_equal(byte_at(pt, APP_BASE + i), i < sizeof code ? (uint8_t)code[i] : 0);
    uvmfree(pt, APP_BASE + 2 * PG);
}

static void test_uvminit_of_no_code_is_an_empty_space_and_a_negative_size_is_refused(void **state)
{
    (void)state;
    uint64_t before = page_free_count();
    pagetable_t pt = uvminit(0, "", 0);

    assert_non_null(pt);
    assert_int_equal(low_pages(pt), 0);
    uvmfree(pt, USER_END);
    assert_null(uvminit(0, "", -1));
    assert_int_equal(page_free_count(), before);
}

/* With k free pages uvminit of three pages of code fails until k is
 * enough: each failure is NULL and gives every page back. */
static void test_uvminit_without_memory_returns_null_and_leaks_nothing(void **state)
{
    (void)state;
    static char code[3 * PG];
    memset(code, 0x5c, sizeof code);
    pagetable_t pt = NULL;
    uint64_t k;

    for (k = 0; !pt; k++) {
        uint64_t before = page_free_count();
        mm_fixture_hold_all_pages();
        mm_fixture_release(k);
        pt = uvminit(0, code, sizeof code);
        mm_fixture_release(mm_fixture_held());
        if (!pt)
            assert_int_equal(page_free_count(), before);
        assert_true(k < 16);
    }
    printf("  uvminit of 3 pages needed %lu free pages (root, 2 tables, 3 frames)\n",
           (unsigned long)(k - 1));
    assert_int_equal(k - 1, 6);
    assert_int_equal(byte_at(pt, APP_BASE + 2 * PG + 7), 0x5c);
    uvmfree(pt, APP_BASE + 3 * PG);
}

static void test_uvmfree_refuses_the_running_space_and_frees_another(void **state)
{
    (void)state;
    struct mm *mm = mm_fixture_new_current();
    assert_int_equal(mm_mmap(SCENE, PG, RW, MM_MAP_PRIVATE | MM_MAP_ANONYMOUS | MM_MAP_FIXED |
                             MM_MAP_POPULATE, -1, 0), SCENE);
    uint64_t before = page_free_count();

    printf("  (a refusal is expected next)\n");
    uvmfree(mm->pt, USER_END);
    assert_int_equal(page_free_count(), before);
    assert_int_equal(perms_at(mm->pt, SCENE), READ_WRITE);
    assert_ptr_equal(uvm_current(), mm->pt);
    pagetable_t other = uvminit(0, "x", 1);
    assert_non_null(other);
    uvmfree(other, USER_END);
    assert_int_equal(page_free_count(), before);
    mm_destroy(mm);
}

/* ---- uvmalloc, uvmdealloc on a table that is not running ----------------- */

/* From PGROUNDUP(oldsz) to PGROUNDUP(newsz): here pages 1, 2 and 3. */
static void test_uvmalloc_maps_zeroed_pages_between_the_rounded_sizes(void **state)
{
    (void)state;
    pagetable_t pt = new_table();
    uint64_t oldsz = APP_BASE + 100, newsz = APP_BASE + 3 * PG + 1;

    assert_int_equal(uvmalloc(pt, oldsz, newsz, PTE_RW), newsz);
    assert_int_equal(low_pages(pt), 3);
    assert_int_equal(walkaddr(pt, APP_BASE), 0);
    for (int i = 1; i <= 3; i++) {
        assert_int_equal(perms_at(pt, APP_BASE + i * PG), READ_WRITE);
        assert_zero_page(pt, APP_BASE + i * PG);
    }
    assert_int_equal(walkaddr(pt, APP_BASE + 4 * PG), 0);
    assert_int_equal(uvmalloc(pt, newsz, newsz + PG, PTE_RONLY), newsz + PG);
    assert_int_equal(perms_at(pt, APP_BASE + 4 * PG), READ_ONLY);
    uvmfree(pt, APP_BASE + 5 * PG);
}

static void test_uvmalloc_to_a_size_not_above_the_old_returns_the_old_and_maps_nothing(void **state)
{
    (void)state;
    pagetable_t pt = new_table();
    uint64_t before = page_free_count();

    assert_int_equal(uvmalloc(pt, APP_BASE + 5 * PG, APP_BASE + PG, PTE_RW), APP_BASE + 5 * PG);
    assert_int_equal(uvmalloc(pt, APP_BASE + 5 * PG, APP_BASE + 5 * PG, PTE_RW), APP_BASE + 5 * PG);
    assert_int_equal(uvmalloc(pt, APP_BASE + 100, APP_BASE + 200, PTE_RW), APP_BASE + 200);  /* same page */
    assert_int_equal(page_free_count(), before);
    assert_int_equal(low_pages(pt), 0);
    uvmfree(pt, USER_END);
}

static void test_uvmalloc_refuses_exec_the_null_guard_and_sizes_past_the_low_half(void **state)
{
    (void)state;
    pagetable_t pt = new_table();
    uint64_t before = page_free_count();

    assert_int_equal(uvmalloc(pt, APP_BASE, APP_BASE + PG, PTE_RX), 0);
    assert_int_equal(uvmalloc(pt, 0, APP_BASE + PG, PTE_RW), 0);                 /* from page 0 */
    assert_int_equal(uvmalloc(pt, NULL_GUARD_END - PG, APP_BASE + PG, PTE_RW), 0);
    assert_int_equal(uvmalloc(pt, USER_END - PG, USER_END + 1, PTE_RW), 0);
    assert_int_equal(page_free_count(), before);
    assert_int_equal(low_pages(pt), 0);
    assert_int_equal(uvmalloc(pt, USER_END - PG, USER_END, PTE_RW), USER_END);  /* the last page is fine */
    assert_int_equal(perms_at(pt, USER_END - PG), READ_WRITE);
    uvmfree(pt, USER_END);
}

/* Eight pages need two table pages and eight frames: with fewer free pages
 * uvmalloc returns 0 and takes back the pages (and tables) it had mapped. */
static void test_uvmalloc_without_memory_returns_0_and_unmaps_what_it_mapped(void **state)
{
    (void)state;
    pagetable_t pt = new_table();
    uint64_t before = page_free_count(), got = 0, k;

    for (k = 0; got == 0; k++) {
        mm_fixture_hold_all_pages();
        mm_fixture_release(k);
        got = uvmalloc(pt, APP_BASE, APP_BASE + 8 * PG, PTE_RW);
        mm_fixture_release(mm_fixture_held());
        if (got == 0) {
            assert_int_equal(page_free_count(), before);
            assert_int_equal(low_pages(pt), 0);
        }
        assert_true(k < 16);
    }
    assert_int_equal(k - 1, 10);
    assert_int_equal(got, APP_BASE + 8 * PG);
    assert_int_equal(low_pages(pt), 8);
    uvmfree(pt, APP_BASE + 8 * PG);
}

static void test_uvmalloc_over_a_mapped_page_returns_0_and_keeps_that_page(void **state)
{
    (void)state;
    pagetable_t pt = new_table();
    assert_int_equal(uvmalloc(pt, APP_BASE + 2 * PG, APP_BASE + 3 * PG, PTE_RW), APP_BASE + 3 * PG);
    put_bytes(pt, APP_BASE + 2 * PG, "kept", 4);
    uint64_t frame = walkaddr(pt, APP_BASE + 2 * PG), before = page_free_count();

    assert_int_equal(uvmalloc(pt, APP_BASE, APP_BASE + 4 * PG, PTE_RW), 0);
    assert_int_equal(page_free_count(), before);
    assert_int_equal(low_pages(pt), 1);
    assert_int_equal(walkaddr(pt, APP_BASE + 2 * PG), frame);
    assert_int_equal(byte_at(pt, APP_BASE + 2 * PG + 3), 't');
    uvmfree(pt, APP_BASE + 3 * PG);
}

/* uvmdealloc(pt, oldsz, newsz) frees from PGROUNDUP(newsz) up: a page that
 * still holds bytes below newsz stays. */
static void test_uvmdealloc_frees_the_pages_from_the_rounded_new_size_up(void **state)
{
    (void)state;
    pagetable_t pt = new_table();
    uint64_t top = APP_BASE + 4 * PG;
    assert_int_equal(uvmalloc(pt, APP_BASE, top, PTE_RW), top);
    uint64_t before = page_free_count();

    assert_int_equal(uvmdealloc(pt, top, APP_BASE + PG + 1), APP_BASE + PG + 1);
    assert_int_equal(page_free_count(), before + 2);
    assert_int_not_equal(walkaddr(pt, APP_BASE + PG), 0);
    assert_int_equal(walkaddr(pt, APP_BASE + 2 * PG), 0);
    assert_int_equal(walkaddr(pt, APP_BASE + 3 * PG), 0);
    assert_int_equal(uvmdealloc(pt, APP_BASE + PG, APP_BASE + 3 * PG), APP_BASE + PG);  /* grows: no */
    assert_int_equal(low_pages(pt), 2);
    assert_int_equal(uvmdealloc(pt, APP_BASE + 2 * PG, APP_BASE), APP_BASE);
    assert_int_equal(low_pages(pt), 0);
    uvmfree(pt, USER_END);
}

/* ---- uvmalloc, uvmdealloc in the running space ----------------------------- */

static void test_uvmalloc_in_the_running_space_makes_one_populated_vma(void **state)
{
    (void)state;
    struct mm *mm = mm_fixture_new_current();

    assert_int_equal(uvmalloc(mm->pt, SCENE, SCENE + 3 * PG, PTE_RW), SCENE + 3 * PG);
    struct vma *v = vma_find(mm, SCENE);
    assert_non_null(v);
    assert_int_equal(v->start, SCENE);
    assert_int_equal(v->end, SCENE + 3 * PG);
    assert_int_equal(v->prot, RW);
    assert_string_equal(v->name, "uvmalloc");
    for (int i = 0; i < 3; i++) {
        assert_int_equal(perms_at(mm->pt, SCENE + i * PG), READ_WRITE);  /* present, no fault needed */
        assert_zero_page(mm->pt, SCENE + i * PG);
    }
    assert_int_equal(uvmalloc(mm->pt, SCENE + 4 * PG, SCENE + 5 * PG, PTE_RONLY), SCENE + 5 * PG);
    assert_int_equal(vma_find(mm, SCENE + 4 * PG)->prot, MM_PROT_READ);
    assert_int_equal(perms_at(mm->pt, SCENE + 4 * PG), READ_ONLY);
    assert_int_not_equal(walkaddr(mm->pt, SCENE + 4 * PG), virt_to_phys((uint64)mm_zero_page()));
    assert_int_equal(mm->nr_vmas, 2);
    mm_destroy(mm);
}

static void test_uvmalloc_in_the_running_space_over_a_mapping_returns_0_and_changes_nothing(void **state)
{
    (void)state;
    struct mm *mm = mm_fixture_new_current();
    assert_int_equal(mm_mmap(SCENE + 2 * PG, PG, RW, MM_MAP_PRIVATE | MM_MAP_ANONYMOUS | MM_MAP_FIXED, -1, 0),
                     SCENE + 2 * PG);
    uint64_t before = page_free_count();

    assert_int_equal(uvmalloc(mm->pt, SCENE, SCENE + 4 * PG, PTE_RW), 0);
    assert_int_equal(mm->nr_vmas, 1);
    assert_int_equal(low_pages(mm->pt), 0);
    assert_int_equal(page_free_count(), before);
    mm_destroy(mm);
}

static void test_uvmdealloc_in_the_running_space_shrinks_the_vma_and_frees_the_pages(void **state)
{
    (void)state;
    struct mm *mm = mm_fixture_new_current();
    assert_int_equal(uvmalloc(mm->pt, SCENE, SCENE + 4 * PG, PTE_RW), SCENE + 4 * PG);
    uint64_t before = page_free_count();

    assert_int_equal(uvmdealloc(mm->pt, SCENE + 4 * PG, SCENE + PG), SCENE + PG);
    assert_int_equal(vma_find(mm, SCENE)->end, SCENE + PG);
    assert_null(vma_find(mm, SCENE + PG));
    assert_int_equal(low_pages(mm->pt), 1);
    assert_int_equal(page_free_count(), before + 3);
    assert_int_equal(uvmdealloc(mm->pt, SCENE + PG, SCENE), SCENE);
    assert_int_equal(mm->nr_vmas, 0);
    mm_destroy(mm);
}

/* ---- stacks ------------------------------------------------------------------ */

/*   | guard | stack: 64 KiB, the top 16 KiB present |  top   */
static void test_mm_map_stack_maps_a_guard_page_and_populates_the_top(void **state)
{
    (void)state;
    struct mm *mm = mm_fixture_new_current();
    uint64_t bytes = 64 * 1024, bottom = STACK_TOP - bytes;

    assert_int_equal(mm_map_stack(mm->pt, STACK_TOP, bytes), 0);
    struct vma *guard = vma_find(mm, bottom - PG), *stack = vma_find(mm, bottom);
    assert_non_null(guard);
    assert_non_null(stack);
    assert_true(guard->flags & VMA_GUARD);
    assert_int_equal(guard->end - guard->start, PG);
    assert_true(stack->flags & VMA_STACK);
    assert_int_equal(stack->end, STACK_TOP);
    assert_int_equal(stack->prot, RW);
    for (uint64_t va = bottom; va < STACK_TOP; va += PG)
        assert_int_equal(perms_at(mm->pt, va), va >= STACK_TOP - 16 * 1024 ? READ_WRITE : 0);
    assert_int_equal(space_touch(mm, bottom, FAULT_WRITE), 0);     /* the rest on demand */
    assert_int_equal(space_touch(mm, bottom - 1, FAULT_WRITE), -MM_EFAULT);
    assert_int_equal(space_touch(mm, bottom - PG, FAULT_READ), -MM_EFAULT);
    assert_int_equal(mm_map_stack(mm->pt, STACK_TOP, bytes), -MM_EEXIST);
    assert_int_equal(mm_map_stack(mm->pt, bottom, PG), -MM_EEXIST);   /* on its guard page */
    mm_destroy(mm);
}

static void test_mm_map_stack_refuses_bad_ranges_with_einval(void **state)
{
    (void)state;
    struct mm *mm = mm_fixture_new_current();

    assert_int_equal(mm_map_stack(mm->pt, STACK_TOP + 8, PG), -MM_EINVAL);
    assert_int_equal(mm_map_stack(mm->pt, STACK_TOP, 0), -MM_EINVAL);
    assert_int_equal(mm_map_stack(mm->pt, USER_END + PG, PG), -MM_EINVAL);
    assert_int_equal(mm_map_stack(mm->pt, VMA_FLOOR + 2 * PG, 2 * PG), -MM_EINVAL);  /* the guard */
    assert_int_equal(mm_map_stack(NULL, STACK_TOP, PG), -MM_EINVAL);
    assert_int_equal(mm->nr_vmas, 0);
    assert_int_equal(mm_map_stack(mm->pt, VMA_FLOOR + 3 * PG, 2 * PG), 0);           /* just fits */
    assert_int_equal(vma_find(mm, VMA_FLOOR)->end, VMA_FLOOR + PG);
    mm_destroy(mm);
}

/* A stack whose top is below VMA_FLOOR lies wholly in the NULL guard. */
static void test_mm_map_stack_below_the_null_guard_is_refused(void **state)
{
    (void)state;
    struct mm *mm = mm_fixture_new_current();

    assert_int_equal(mm_map_stack(mm->pt, 0x8000, PG), -MM_EINVAL);
    assert_int_equal(mm->nr_vmas, 0);
    assert_int_equal(low_pages(mm->pt), 0);
    mm_destroy(mm);
}

/* A table that is not running has no VMAs: map_stack maps the whole stack. */
static void test_map_stack_on_a_table_not_running_maps_every_stack_page(void **state)
{
    (void)state;
    pagetable_t pt = new_table();

    map_stack(pt, STACK_TOP);
    assert_int_equal(low_pages(pt), MAP_STACK_BYTES / PG);
    assert_int_equal(perms_at(pt, STACK_TOP - MAP_STACK_BYTES), READ_WRITE);
    assert_int_equal(perms_at(pt, STACK_TOP - PG), READ_WRITE);
    assert_int_equal(walkaddr(pt, STACK_TOP), 0);
    assert_int_equal(walkaddr(pt, STACK_TOP - MAP_STACK_BYTES - PG), 0);
    uvmfree(pt, USER_END);
}

/* ---- the heap (brk) ----------------------------------------------------------- */

/* The running space with its heap starting at HEAP (on the target,
 * uvm_boot_image sets it to the app image's end). */
static struct mm *mm_with_heap(void)
{
    struct mm *mm = mm_fixture_new_current();
    mm->heap_start = mm->brk = HEAP;
    assert_int_equal(uvm_heap_start(), HEAP);
    assert_int_equal(uvm_brk(), HEAP);
    return mm;
}

static void test_brk_grows_a_demand_paged_heap_and_shrinking_frees_its_pages(void **state)
{
    (void)state;
    struct mm *mm = mm_with_heap();
    uint64_t before = page_free_count();

    assert_int_equal(uvm_set_brk(HEAP + 3 * PG + 5), HEAP + 3 * PG + 5);
    assert_int_equal(uvm_brk(), HEAP + 3 * PG + 5);
    struct vma *heap = vma_find(mm, HEAP);
    assert_non_null(heap);
    assert_true(heap->flags & VMA_HEAP);
    assert_int_equal(heap->end, HEAP + 4 * PG);         /* whole pages */
    assert_int_equal(low_pages(mm->pt), 0);             /* demand-paged */
    space_poke(mm, HEAP + 3 * PG, 0x33);
    space_poke(mm, HEAP, 0x30);
    assert_int_equal(uvm_set_brk(HEAP + PG), HEAP + PG);
    assert_int_equal(heap->end, HEAP + PG);
    assert_int_equal(space_byte(mm, HEAP + 3 * PG), -1);
    assert_int_equal(space_byte(mm, HEAP), 0x30);
    assert_int_equal(uvm_set_brk(HEAP), HEAP);          /* empty: the VMA goes */
    assert_null(vma_find(mm, HEAP));
    assert_int_equal(mm->nr_vmas, 0);
    kalloc_drain();
    assert_int_equal(page_free_count(), before);
    assert_int_equal(uvm_set_brk(HEAP + 2 * PG), HEAP + 2 * PG);  /* and comes back */
    assert_int_equal(vma_find(mm, HEAP)->end, HEAP + 2 * PG);
    assert_int_equal(space_touch(mm, HEAP, FAULT_READ), 0);
    assert_int_equal(space_byte(mm, HEAP), 0);          /* fresh memory reads zero */
    mm_destroy(mm);
}

static void test_brk_below_the_heap_start_or_past_the_low_half_is_enomem(void **state)
{
    (void)state;
    struct mm *mm = mm_with_heap();
    assert_int_equal(uvm_set_brk(HEAP + PG), HEAP + PG);

    assert_int_equal(uvm_set_brk(HEAP - 1), -MM_ENOMEM);
    assert_int_equal(uvm_set_brk(USER_END + 1), -MM_ENOMEM);
    assert_int_equal(uvm_brk(), HEAP + PG);
    assert_int_equal(vma_find(mm, HEAP)->end, HEAP + PG);
    mm_destroy(mm);
    assert_int_equal(uvm_brk(), 0);                     /* no running space */
    assert_int_equal(uvm_heap_start(), 0);
    assert_int_equal(uvm_set_brk(HEAP), -MM_ENOMEM);
}

/*   heap [HEAP, +2 pages)   mmap at +4 pages: brk can reach it, not pass it */
static void test_brk_into_a_mapping_is_enomem_and_keeps_the_break(void **state)
{
    (void)state;
    struct mm *mm = mm_with_heap();
    assert_int_equal(mm_mmap(HEAP + 4 * PG, PG, RW, MM_MAP_PRIVATE | MM_MAP_ANONYMOUS | MM_MAP_FIXED, -1, 0),
                     HEAP + 4 * PG);
    assert_int_equal(uvm_set_brk(HEAP + 2 * PG), HEAP + 2 * PG);

    assert_int_equal(uvm_set_brk(HEAP + 4 * PG + 1), -MM_ENOMEM);
    assert_int_equal(uvm_brk(), HEAP + 2 * PG);
    assert_int_equal(vma_find(mm, HEAP)->end, HEAP + 2 * PG);
    assert_int_equal(uvm_set_brk(HEAP + 4 * PG), HEAP + 4 * PG);  /* up to it is fine */
    assert_int_equal(mm->nr_vmas, 2);                   /* the heap never merges */
    mm_destroy(mm);
}

/* The app unmaps the heap's tail and maps its own page in the hole, below
 * the break: growing the break must not stretch the heap VMA over it
 * (Linux: the heap grows only into free space, from the old break). */
static void test_brk_never_grows_the_heap_over_a_mapping_in_a_hole_below_the_break(void **state)
{
    (void)state;
    struct mm *mm = mm_with_heap();
    assert_int_equal(uvm_set_brk(HEAP + 4 * PG), HEAP + 4 * PG);
    assert_int_equal(mm_munmap(HEAP + 2 * PG, 2 * PG), 0);
    assert_int_equal(mm_mmap(HEAP + 2 * PG, PG, RW, MM_MAP_PRIVATE | MM_MAP_ANONYMOUS | MM_MAP_FIXED, -1, 0),
                     HEAP + 2 * PG);

    assert_int_equal(uvm_set_brk(HEAP + 6 * PG), HEAP + 6 * PG);
    assert_int_equal(vma_check(mm), 0);
    assert_int_equal(vma_find(mm, HEAP)->end, HEAP + 2 * PG);          /* the old heap is left as it is */
    assert_int_equal(vma_find(mm, HEAP + 2 * PG)->end, HEAP + 3 * PG);  /* the app's page */
    assert_null(vma_find(mm, HEAP + 3 * PG));                          /* the hole stays a hole */
    assert_int_equal(vma_find(mm, HEAP + 4 * PG)->start, HEAP + 4 * PG); /* new heap from the old break */
    assert_int_equal(vma_find(mm, HEAP + 5 * PG)->end, HEAP + 6 * PG);
    mm_destroy(mm);
}

/* The whole heap unmapped and a mapping placed where it was: brk growth
 * starts at the old break, never at the heap's start over that mapping. */
static void test_brk_after_the_heap_was_unmapped_grows_from_the_old_break(void **state)
{
    (void)state;
    struct mm *mm = mm_with_heap();
    assert_int_equal(uvm_set_brk(HEAP + 2 * PG), HEAP + 2 * PG);
    assert_int_equal(mm_munmap(HEAP, 2 * PG), 0);
    assert_int_equal(mm_mmap(HEAP, PG, RW, MM_MAP_PRIVATE | MM_MAP_ANONYMOUS | MM_MAP_FIXED, -1, 0), HEAP);

    assert_int_equal(uvm_set_brk(HEAP + 3 * PG), HEAP + 3 * PG);
    assert_int_equal(vma_check(mm), 0);
    assert_int_equal(vma_find(mm, HEAP)->end, HEAP + PG);
    assert_null(vma_find(mm, HEAP + PG));
    assert_int_equal(vma_find(mm, HEAP + 2 * PG)->start, HEAP + 2 * PG);
    assert_int_equal(vma_find(mm, HEAP + 2 * PG)->end, HEAP + 3 * PG);
    mm_destroy(mm);
}

/* The app made the heap's last page read-only: growing the break starts a
 * new read-write heap VMA instead of stretching the read-only one (Linux
 * extends only a VMA its new pages could merge with). */
static void test_brk_growth_after_the_heap_end_was_made_read_only_is_read_write(void **state)
{
    (void)state;
    struct mm *mm = mm_with_heap();
    assert_int_equal(uvm_set_brk(HEAP + 2 * PG), HEAP + 2 * PG);
    assert_int_equal(mm_mprotect(HEAP + PG, PG, MM_PROT_READ), 0);

    assert_int_equal(uvm_set_brk(HEAP + 4 * PG), HEAP + 4 * PG);
    assert_int_equal(vma_check(mm), 0);
    assert_int_equal(vma_find(mm, HEAP + PG)->prot, MM_PROT_READ);
    assert_int_equal(vma_find(mm, HEAP + PG)->end, HEAP + 2 * PG);
    assert_int_equal(vma_find(mm, HEAP + 3 * PG)->prot, MM_PROT_READ | MM_PROT_WRITE);
    mm_destroy(mm);
}

/* ---- copies to and from a table that is not running ------------------------ */

/* A table with two RW pages at APP_BASE, and one R+X page of code after them. */
static pagetable_t table_for_copies(void)
{
    pagetable_t pt = new_table();
    assert_int_equal(uvmalloc(pt, APP_BASE, APP_BASE + 2 * PG, PTE_RW), APP_BASE + 2 * PG);
    void *code = page_zalloc(0);
    assert_non_null(code);
    assert_int_equal(mappages(pt, APP_BASE + 2 * PG, virt_to_phys((uint64)code), PG, PTE_RX), 0);
    return pt;
}

static void test_copyout_then_copyin_across_a_page_boundary(void **state)
{
    (void)state;
    pagetable_t pt = table_for_copies();
    uint64_t va = APP_BASE + PG - 3;
    char in[8] = { 0 };

    assert_int_equal(copyout(pt, va, "abcdef", 6), 0);
    assert_int_equal(byte_at(pt, va), 'a');
    assert_int_equal(byte_at(pt, APP_BASE + PG + 2), 'f');
    assert_int_equal(copyin(pt, in, va, 6), 6);
    assert_string_equal(in, "abcdef");
    assert_int_equal(copyout(pt, va, "", 0), 0);
    assert_int_equal(copyin(pt, in, va, 0), 0);
    uvmfree(pt, APP_BASE + 3 * PG);
}

static void test_copyout_to_a_read_only_page_fails_and_copyin_from_it_works(void **state)
{
    (void)state;
    pagetable_t pt = table_for_copies();
    uint64_t code = APP_BASE + 2 * PG;
    char in[4];
    put_bytes(pt, code, "ret", 4);

    assert_int_equal(copyout(pt, code, "nop", 4), -1);
    assert_int_equal(byte_at(pt, code), 'r');
    assert_int_equal(copyin(pt, in, code, 4), 4);
    assert_string_equal(in, "ret");
    uvmfree(pt, APP_BASE + 3 * PG);
}

static void test_copies_through_an_unmapped_page_fail(void **state)
{
    (void)state;
    pagetable_t pt = table_for_copies();
    uint64_t end = APP_BASE + 3 * PG;                  /* the first unmapped page */
    char buf[8] = "1234567";

    assert_int_equal(copyin(pt, buf, end - 4, 8), -1);
    assert_int_equal(copyin(pt, buf, end, 1), -1);
    assert_int_equal(copyout(pt, end, buf, 1), -1);
    assert_int_equal(copyout(pt, APP_BASE - 4, buf, 8), -1);  /* starts unmapped */
    assert_int_equal(walkaddr(pt, end), 0);            /* nothing was mapped by the copies */
    uvmfree(pt, APP_BASE + 3 * PG);
}

/* PROT_NONE leaves carry U, which S-mode may not use: the copies refuse
 * them, and the shared zero page is never written. */
static void test_copies_refuse_prot_none_pages_and_never_write_the_zero_page(void **state)
{
    (void)state;
    struct mm *mm = mm_fixture_new_current();
    char c = 1;
    assert_int_equal(mm_mmap(SCENE, 2 * PG, RW, MM_MAP_PRIVATE | MM_MAP_ANONYMOUS | MM_MAP_FIXED, -1, 0),
                     SCENE);
    space_poke(mm, SCENE, 0x11);
    assert_int_equal(mm_mprotect(SCENE, PG, MM_PROT_NONE), 0);
    assert_int_equal(space_touch(mm, SCENE + PG, FAULT_READ), 0);     /* the zero page */
    mm_set_current(NULL);                               /* the table is not running now */

    assert_int_equal(copyin(mm->pt, &c, SCENE, 1), -1);
    assert_int_equal(copyout(mm->pt, SCENE, &c, 1), -1);
    assert_int_equal(space_byte(mm, SCENE), 0x11);
    assert_int_equal(copyin(mm->pt, &c, SCENE + PG, 1), 1);
    assert_int_equal(c, 0);
    assert_int_equal(copyout(mm->pt, SCENE + PG, "z", 1), -1);
    assert_int_equal(*(uint8_t *)mm_zero_page(), 0);
    mm_destroy(mm);
}

/* Outside the app's half, the copies refuse before touching anything, in
 * the running space too. */
static void test_copies_refuse_ranges_outside_the_apps_half(void **state)
{
    (void)state;
    pagetable_t pt = table_for_copies();
    struct mm *mm = mm_fixture_new_current();
    char buf[16];

    for (int running = 0; running < 2; running++) {
        pagetable_t t = running ? mm->pt : pt;
        assert_int_equal(copyout(t, USER_END - 2, buf, 4), -1);
        assert_int_equal(copyout(t, USER_END, buf, 1), -1);
        assert_int_equal(copyin(t, buf, USER_END - 1, 2), -1);
        assert_int_equal(copyin(t, buf, APP_BASE, ~0UL - PG), -1);      /* the length wraps */
        assert_int_equal((long)copyinstr(t, buf, USER_END, sizeof buf), -1);
        assert_int_equal((long)copyinstr(t, buf, DIRECT_MAP_BASE, sizeof buf), -1);
    }
    mm_destroy(mm);
    uvmfree(pt, APP_BASE + 3 * PG);
}

static void test_copyinstr_returns_the_length_without_the_nul_across_pages(void **state)
{
    (void)state;
    pagetable_t pt = table_for_copies();
    uint64_t va = APP_BASE + PG - 5;
    char buf[32];
    memset(buf, '#', sizeof buf);
    put_bytes(pt, va, "hello, world", 13);

    assert_int_equal((long)copyinstr(pt, buf, va, sizeof buf), 12);
    assert_string_equal(buf, "hello, world");
    assert_int_equal((long)copyinstr(pt, buf, va, 13), 12);    /* room for the NUL exactly */
    assert_int_equal((long)copyinstr(pt, buf, va, 12), -1);    /* no NUL within max */
    assert_int_equal((long)copyinstr(pt, buf, va, 0), -1);
    put_bytes(pt, va + 12, "", 1);
    assert_int_equal((long)copyinstr(pt, buf, va + 12, 1), 0); /* the empty string */
    uvmfree(pt, APP_BASE + 3 * PG);
}

static void test_copyinstr_that_runs_into_an_unmapped_page_fails(void **state)
{
    (void)state;
    pagetable_t pt = table_for_copies();
    uint64_t end = APP_BASE + 3 * PG;
    char buf[64];
    put_bytes(pt, end - 4, "abcd", 4);                  /* no NUL before the hole */

    assert_int_equal((long)copyinstr(pt, buf, end - 4, sizeof buf), -1);
    assert_int_equal((long)copyinstr(pt, buf, end - 4, 4), -1);
    uvmfree(pt, APP_BASE + 3 * PG);
}

#define T(fn) cmocka_unit_test_teardown(fn, mm_fixture_check_no_leak)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_uvmmake_has_an_empty_low_half_and_shares_the_kernel_high_half),
        T(test_uvmmake_with_a_trapframe_is_refused),
        T(test_uvminit_copies_the_code_to_app_base_read_execute_and_zero_fills_the_rest),
        T(test_uvminit_of_no_code_is_an_empty_space_and_a_negative_size_is_refused),
        T(test_uvminit_without_memory_returns_null_and_leaks_nothing),
        T(test_uvmfree_refuses_the_running_space_and_frees_another),
        T(test_uvmalloc_maps_zeroed_pages_between_the_rounded_sizes),
        T(test_uvmalloc_to_a_size_not_above_the_old_returns_the_old_and_maps_nothing),
        T(test_uvmalloc_refuses_exec_the_null_guard_and_sizes_past_the_low_half),
        T(test_uvmalloc_without_memory_returns_0_and_unmaps_what_it_mapped),
        T(test_uvmalloc_over_a_mapped_page_returns_0_and_keeps_that_page),
        T(test_uvmdealloc_frees_the_pages_from_the_rounded_new_size_up),
        T(test_uvmalloc_in_the_running_space_makes_one_populated_vma),
        T(test_uvmalloc_in_the_running_space_over_a_mapping_returns_0_and_changes_nothing),
        T(test_uvmdealloc_in_the_running_space_shrinks_the_vma_and_frees_the_pages),
        T(test_mm_map_stack_maps_a_guard_page_and_populates_the_top),
        T(test_mm_map_stack_refuses_bad_ranges_with_einval),
        T(test_mm_map_stack_below_the_null_guard_is_refused),
        T(test_map_stack_on_a_table_not_running_maps_every_stack_page),
        T(test_brk_grows_a_demand_paged_heap_and_shrinking_frees_its_pages),
        T(test_brk_below_the_heap_start_or_past_the_low_half_is_enomem),
        T(test_brk_into_a_mapping_is_enomem_and_keeps_the_break),
        T(test_brk_never_grows_the_heap_over_a_mapping_in_a_hole_below_the_break),
        T(test_brk_after_the_heap_was_unmapped_grows_from_the_old_break),
        T(test_brk_growth_after_the_heap_end_was_made_read_only_is_read_write),
        T(test_copyout_then_copyin_across_a_page_boundary),
        T(test_copyout_to_a_read_only_page_fails_and_copyin_from_it_works),
        T(test_copies_through_an_unmapped_page_fail),
        T(test_copies_refuse_prot_none_pages_and_never_write_the_zero_page),
        T(test_copies_refuse_ranges_outside_the_apps_half),
        T(test_copyinstr_returns_the_length_without_the_nul_across_pages),
        T(test_copyinstr_that_runs_into_an_unmapped_page_fails),
    };
    return cmocka_run_group_tests(tests, group_setup, mm_fixture_finish);
}

/* Host tests of the heap break (uvm_set_brk) against the reference model
 * (support/mm_model.h), in the layouts a hostile app makes: holes it
 * unmapped below the break, its own MAP_FIXED mappings in them, the heap
 * unmapped entirely or moved away by mremap, mappings in the way of growth,
 * and breaks no app should ask for.  Every step is checked against the
 * model (return value, break, VMA list and tree, every page's leaf and
 * contents); the tests also say in plain assertions what Linux's rule
 * gives, and draw the window.
 *
 * Window of 64 pages; the heap starts at page 16 (the model's npages / 4):
 *
 *   page 0   1 .......... 16 (heap start) .............................. 63 | mmap_base
 *   | fence |  below the heap: mmap may use it  |  the heap grows up -->     |
 *
 * Linux's rule (mm/uvm.h): the break stays in [heap start, end of the app's
 * half]; growth takes only [old break, new break) rounded to pages, which
 * must be free, else ENOMEM and the break is unchanged; a shrink unmaps
 * [new break, old break) rounded to pages, whatever is mapped there; new
 * heap memory is read-write. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <cmocka.h>

#include <arch/layout.h>
#include <arch/mmu.h>
#include <mm/errno.h>
#include <mm/fault.h>
#include <mm/kalloc.h>
#include <mm/mmap.h>
#include <mm/page.h>
#include <mm/uvm.h>

#include "mm_internal.h"
#include "mm_model.h"
#include "mm_fixture.h"
#include "sim.h"
#include "space.h"

#define RAM_BYTES       (64UL << 20)
#define PG              PAGE_SIZE
#define WINDOW          64
#define HEAP_PAGE       (WINDOW / 4)            /* where the model starts the heap */
#define RW              (MM_PROT_READ | MM_PROT_WRITE)
#define RANDOM_OPS      3000

static int group_setup(void **state)
{
    (void)state;
    return mm_fixture_start(RAM_BYTES, 0);
}

/* ---- the model and its operations ------------------------------------------ */

static void start(struct mm_model *m)
{
    const char *bad = model_start(m, WINDOW);
    if (bad)
        fail_msg("model_start: %s", bad);
    assert_int_equal(m->heap_start, m->base + HEAP_PAGE * PG);
}

static uint64_t va(const struct mm_model *m, uint64_t page)
{
    return m->base + page * PG;
}

/* Apply op to the space and the model, then compare everything. */
static void step(struct mm_model *m, struct model_op op)
{
    const char *bad = model_apply(m, &op);
    if (!bad)
        bad = model_check(m);
    if (bad) {
        char what[256];
        model_describe(&op, what, sizeof what);
        mm_print_vmas();
        mm_draw(m->mm, m->base, va(m, WINDOW), WINDOW, true);
        fail_msg("%s: %s", what, bad);
    }
}

static struct model_op brk_to(uint64_t page, unsigned bytes)
{
    return (struct model_op){ .kind = MODEL_BRK, .flags = MODEL_BRK_TO, .page = page, .misalign = bytes };
}

static struct model_op brk_hostile(unsigned which)
{
    return (struct model_op){ .kind = MODEL_BRK, .flags = MODEL_BRK_HOSTILE, .npages = which };
}

static struct model_op map_fixed(uint64_t page, uint64_t n, int prot)
{
    return (struct model_op){ .kind = MODEL_MMAP, .place = MODEL_FIXED, .page = page, .npages = n,
                              .prot = prot, .flags = MM_MAP_PRIVATE };
}

static struct model_op unmap(uint64_t page, uint64_t n)
{
    return (struct model_op){ .kind = MODEL_MUNMAP, .page = page, .npages = n };
}

static struct model_op protect(uint64_t page, uint64_t n, int prot)
{
    return (struct model_op){ .kind = MODEL_MPROTECT, .page = page, .npages = n, .prot = prot };
}

static struct model_op write_pages(uint64_t page, uint64_t n, uint8_t tag)
{
    return (struct model_op){ .kind = MODEL_ACCESS, .page = page, .npages = n, .prot = FAULT_WRITE,
                              .tag = tag };
}

static struct model_op remap_to(uint64_t page, uint64_t n, uint64_t to)
{
    return (struct model_op){ .kind = MODEL_MREMAP, .page = page, .npages = n, .new_page = to,
                              .new_npages = n, .flags = MM_MREMAP_MAYMOVE | MM_MREMAP_FIXED };
}

static void draw(const char *title, const struct mm_model *m)
{
    printf("  %s\n", title);
    mm_draw(m->mm, m->base, va(m, WINDOW), WINDOW, true);
}

/* ---- the scenarios --------------------------------------------------------- */

static void test_brk_grows_and_shrinks_a_demand_paged_heap_with_unaligned_breaks(void **state)
{
    (void)state;
    struct mm_model m;
    start(&m);

    step(&m, brk_to(HEAP_PAGE + 3, 5));                 /* 3 pages + 5 bytes: 4 pages of heap */
    assert_int_equal(uvm_brk(), va(&m, HEAP_PAGE + 3) + 5);
    step(&m, write_pages(HEAP_PAGE, 4, 0x42));
    step(&m, brk_to(HEAP_PAGE + 1, 0));                 /* the top 3 pages go */
    step(&m, brk_to(HEAP_PAGE + 2, 100));
    assert_int_equal(vma_find(m.mm, va(&m, HEAP_PAGE))->end, va(&m, HEAP_PAGE + 3));
    step(&m, brk_to(HEAP_PAGE, 0));                     /* empty: no heap VMA */
    assert_null(vma_find(m.mm, va(&m, HEAP_PAGE)));
    model_finish(&m);
}

/* The app unmaps part of the heap below the break and maps its own page
 * there (MAP_FIXED): growth takes only [old break, new break), the app's
 * page and the hole stay as they are. */
static void test_brk_growth_leaves_a_fixed_mapping_in_a_hole_below_the_break_alone(void **state)
{
    (void)state;
    struct mm_model m;
    start(&m);

    step(&m, brk_to(HEAP_PAGE + 8, 0));
    step(&m, write_pages(HEAP_PAGE, 8, 0x11));
    step(&m, unmap(HEAP_PAGE + 2, 4));
    step(&m, map_fixed(HEAP_PAGE + 3, 1, RW));
    step(&m, write_pages(HEAP_PAGE + 3, 1, 0x33));
    step(&m, brk_to(HEAP_PAGE + 12, 0));
    draw("heap, hole, the app's page, hole, heap, new heap:", &m);
    assert_int_equal(vma_check(m.mm), 0);
    assert_int_equal(vma_find(m.mm, va(&m, HEAP_PAGE + 3))->flags & VMA_HEAP, 0);
    assert_null(vma_find(m.mm, va(&m, HEAP_PAGE + 2)));
    assert_int_equal(vma_find(m.mm, va(&m, HEAP_PAGE + 11))->start, va(&m, HEAP_PAGE + 6));
    model_finish(&m);
}

/* The same with the hole reaching the break: the heap VMA no longer ends at
 * the old break, so growth starts a new one there. */
static void test_brk_growth_after_the_heap_s_tail_was_unmapped_starts_at_the_old_break(void **state)
{
    (void)state;
    struct mm_model m;
    start(&m);

    step(&m, brk_to(HEAP_PAGE + 6, 0));
    step(&m, unmap(HEAP_PAGE + 3, 3));
    step(&m, map_fixed(HEAP_PAGE + 4, 2, RW));          /* ends exactly at the break */
    step(&m, brk_to(HEAP_PAGE + 9, 0));
    assert_int_equal(vma_find(m.mm, va(&m, HEAP_PAGE + 6))->start, va(&m, HEAP_PAGE + 6));
    assert_int_equal(vma_find(m.mm, va(&m, HEAP_PAGE + 6))->flags & VMA_HEAP, VMA_HEAP);
    model_finish(&m);
}

/* The whole heap unmapped, a mapping put where it was: growth starts at the
 * old break, never at the heap's start over the app's mapping. */
static void test_brk_growth_after_the_whole_heap_was_unmapped_starts_at_the_old_break(void **state)
{
    (void)state;
    struct mm_model m;
    start(&m);

    step(&m, brk_to(HEAP_PAGE + 4, 0));
    step(&m, unmap(HEAP_PAGE, 4));
    step(&m, map_fixed(HEAP_PAGE, 3, RW));
    step(&m, write_pages(HEAP_PAGE, 3, 0x5a));
    step(&m, brk_to(HEAP_PAGE + 6, 0));
    draw("the app's mapping where the heap was, a hole, the new heap:", &m);
    assert_null(vma_find(m.mm, va(&m, HEAP_PAGE + 3)));
    assert_int_equal(vma_find(m.mm, va(&m, HEAP_PAGE + 4))->start, va(&m, HEAP_PAGE + 4));
    model_finish(&m);
}

/* A mapping anywhere in [old break, new break) refuses the growth, even
 * when it covers only the last page, and the break stays. */
static void test_brk_growth_into_any_mapping_is_enomem_and_keeps_the_break(void **state)
{
    (void)state;
    struct mm_model m;
    start(&m);

    step(&m, brk_to(HEAP_PAGE + 2, 0));
    step(&m, map_fixed(HEAP_PAGE + 9, 1, MM_PROT_NONE));
    uint64_t refused = m.refused;
    step(&m, brk_to(HEAP_PAGE + 9, 1));                 /* needs page 9: taken */
    step(&m, brk_to(HEAP_PAGE + 20, 0));                /* over it */
    step(&m, brk_to(WINDOW, 0));
    assert_int_equal(m.refused, refused + 3);
    assert_int_equal(uvm_brk(), va(&m, HEAP_PAGE + 2));
    step(&m, brk_to(HEAP_PAGE + 9, 0));                 /* up to it is fine */
    model_finish(&m);
}

/* A shrink unmaps [new break, old break) whatever is there: the app's own
 * mappings below the break go too (Linux's do_brk_munmap). */
static void test_brk_shrink_unmaps_whatever_lies_below_the_old_break(void **state)
{
    (void)state;
    struct mm_model m;
    start(&m);

    step(&m, brk_to(HEAP_PAGE + 10, 0));
    step(&m, unmap(HEAP_PAGE + 4, 4));
    step(&m, map_fixed(HEAP_PAGE + 5, 2, MM_PROT_READ));
    step(&m, brk_to(HEAP_PAGE + 3, 0));
    assert_null(vma_find(m.mm, va(&m, HEAP_PAGE + 5)));
    assert_int_equal(vma_find(m.mm, va(&m, HEAP_PAGE))->end, va(&m, HEAP_PAGE + 3));
    model_finish(&m);
}

/* mprotect splits the heap; the pieces never merge back (the heap never
 * merges), and growth from a read-write last piece extends that piece. */
static void test_brk_grows_the_last_piece_of_a_heap_mprotect_split(void **state)
{
    (void)state;
    struct mm_model m;
    start(&m);

    step(&m, brk_to(HEAP_PAGE + 4, 0));
    step(&m, protect(HEAP_PAGE + 1, 1, MM_PROT_READ));
    step(&m, protect(HEAP_PAGE + 1, 1, RW));
    assert_int_equal(m.mm->nr_vmas, 4);                 /* fence, three heap pieces */
    step(&m, brk_to(HEAP_PAGE + 7, 0));
    assert_int_equal(vma_find(m.mm, va(&m, HEAP_PAGE + 6))->start, va(&m, HEAP_PAGE + 2));
    model_finish(&m);
}

/* mremap moves the heap away: the moved VMA is an ordinary mapping (still
 * named "heap"), and growth makes a new heap at the old break. */
static void test_brk_after_mremap_moved_the_heap_grows_a_new_one(void **state)
{
    (void)state;
    struct mm_model m;
    start(&m);

    step(&m, brk_to(HEAP_PAGE + 4, 0));
    step(&m, write_pages(HEAP_PAGE, 4, 0x77));
    step(&m, remap_to(HEAP_PAGE, 4, 2));
    step(&m, brk_to(HEAP_PAGE + 6, 0));
    assert_int_equal(vma_find(m.mm, va(&m, 2))->flags & VMA_HEAP, 0);
    assert_int_equal(vma_find(m.mm, va(&m, HEAP_PAGE + 4))->flags & VMA_HEAP, VMA_HEAP);
    model_finish(&m);
}

/* Breaks no app should ask for: 0 (brk(NULL)), one byte below the start,
 * past the app's half, the end of the half (more than RAM), UINT64_MAX,
 * and sbrk(INTPTR_MIN) (the break plus INT64_MIN wraps): ENOMEM, nothing
 * changes. */
static void test_brk_hostile_values_are_enomem_and_change_nothing(void **state)
{
    (void)state;
    struct mm_model m;
    start(&m);

    step(&m, brk_to(HEAP_PAGE + 2, 0));
    step(&m, write_pages(HEAP_PAGE, 2, 0x99));
    uint64_t refused = m.refused, vmas = m.mm->nr_vmas;
    for (unsigned i = 0; i < MODEL_BRK_HOSTILE_VALUES; i++)
        step(&m, brk_hostile(i));
    assert_int_equal(m.refused, refused + MODEL_BRK_HOSTILE_VALUES);
    assert_int_equal(m.mm->nr_vmas, vmas);
    assert_int_equal(uvm_brk(), va(&m, HEAP_PAGE + 2));
    model_finish(&m);
}

/* After a fork each space has its own break. */
static void test_each_copy_of_a_space_moves_its_own_break(void **state)
{
    (void)state;
    struct mm_model m;
    start(&m);

    step(&m, brk_to(HEAP_PAGE + 3, 0));
    step(&m, write_pages(HEAP_PAGE, 3, 0x21));
    step(&m, (struct model_op){ .kind = MODEL_FORK, .flags = 1 });     /* the child is current */
    step(&m, brk_to(HEAP_PAGE + 1, 0));
    step(&m, write_pages(HEAP_PAGE, 1, 0x22));
    step(&m, (struct model_op){ .kind = MODEL_SWITCH, .flags = 0 });   /* the parent */
    assert_int_equal(uvm_brk(), va(&m, HEAP_PAGE + 3));
    step(&m, brk_to(HEAP_PAGE + 5, 0));
    model_finish(&m);
}

/* Linux gives new heap memory read-write, whatever the app did to the
 * heap's last page: growth starts a new VMA after a heap piece the app
 * re-protected (once a bug: the read-only piece grew). */
static void test_brk_growth_after_mprotect_of_the_heap_gives_read_write_memory(void **state)
{
    (void)state;
    struct mm_model m;

    start(&m);
    uint64_t heap = m.heap_start;
    assert_int_equal(uvm_set_brk(heap + 2 * PG), heap + 2 * PG);
    assert_int_equal(mm_mprotect(heap + PG, PG, MM_PROT_READ), 0);
    assert_int_equal(uvm_set_brk(heap + 4 * PG), heap + 4 * PG);
    struct vma *v = vma_find(m.mm, heap + 2 * PG);
    assert_non_null(v);
    assert_int_equal(v->prot, RW);
    assert_int_equal(space_touch(m.mm, heap + 3 * PG, FAULT_WRITE), 0);
    model_finish(&m);
}

/* Random operations with brk among them, forks too, on a small window
 * where the heap meets everything else often. */
static void test_random_calls_with_brk_and_forks_match_the_model(void **state)
{
    (void)state;
    struct mm_model m;
    uint64_t x = 0x2545f4914f6cdd1dULL;

    start(&m);
    m.brk_ops = true;
    m.copies = true;
    for (int i = 0; i < RANDOM_OPS; i++) {
        uint8_t b[MODEL_OP_BYTES];
        struct model_op op;
        for (unsigned j = 0; j < MODEL_OP_BYTES; j++) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            b[j] = (uint8_t)x;
        }
        model_decode(&m, b, &op);
        step(&m, op);
    }
    printf("  %d operations: the break moved %lu times, %lu calls refused, %lu forks\n", RANDOM_OPS,
           (unsigned long)m.brk_moves, (unsigned long)m.refused, (unsigned long)m.forks);
    draw("at the end:", &m);
    model_finish(&m);
}

#define T(fn) cmocka_unit_test_teardown(fn, mm_fixture_check_no_leak)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_brk_grows_and_shrinks_a_demand_paged_heap_with_unaligned_breaks),
        T(test_brk_growth_leaves_a_fixed_mapping_in_a_hole_below_the_break_alone),
        T(test_brk_growth_after_the_heap_s_tail_was_unmapped_starts_at_the_old_break),
        T(test_brk_growth_after_the_whole_heap_was_unmapped_starts_at_the_old_break),
        T(test_brk_growth_into_any_mapping_is_enomem_and_keeps_the_break),
        T(test_brk_shrink_unmaps_whatever_lies_below_the_old_break),
        T(test_brk_grows_the_last_piece_of_a_heap_mprotect_split),
        T(test_brk_after_mremap_moved_the_heap_grows_a_new_one),
        T(test_brk_hostile_values_are_enomem_and_change_nothing),
        T(test_each_copy_of_a_space_moves_its_own_break),
        T(test_brk_growth_after_mprotect_of_the_heap_gives_read_write_memory),
        T(test_random_calls_with_brk_and_forks_match_the_model),
    };
    return cmocka_run_group_tests(tests, group_setup, mm_fixture_finish);
}

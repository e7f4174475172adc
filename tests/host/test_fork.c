/* Host tests of fork's address-space copy (mm_fork, mm/space.h) and of the
 * ASIDs address spaces run with (mm_satp): MAP_PRIVATE memory is shared
 * copy-on-write and parts on the first write, MAP_SHARED memory stays one
 * memory both ways, a fork that runs out of frames at any point returns
 * NULL and leaves every frame where it was, and ASIDs are handed out per
 * space, with a full flush for a new one and a new generation when they
 * run out.  Every test ends with the free-frame count at its baseline.
 *
 *   parent  [ P ][ S ]      P private, S shared, both written before fork
 *   child   [ P ][ S ]      after mm_fork: P copy-on-write, S as it was
 *   child writes both:  child [ P' ][ S ]   the parent sees S's new bytes only */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <arch/layout.h>
#include <arch/mmu.h>
#include <mm/errno.h>
#include <mm/fault.h>
#include <mm/kalloc.h>
#include <mm/mmap.h>
#include <mm/page.h>
#include <mm/space.h>

#include "mm_internal.h"
#include "sim.h"
#include "space.h"
#include "sv39_check.h"

#define RAM_BYTES   (64UL << 20)
#define PG          PAGE_SIZE
#define RW          (MM_PROT_READ | MM_PROT_WRITE)
#define PRIV_VA     (32UL << 20)
#define SHARED_VA   (48UL << 20)

static uint64_t baseline_free;

static int group_setup(void **state)
{
    (void)state;
    baseline_free = sim_mm_start(RAM_BYTES);
    assert_non_null(mm_zero_page());
    kalloc_drain();
    baseline_free = page_free_count();
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    sim_mm_finish(baseline_free);
    return 0;
}

static int check_no_leak(void **state)
{
    (void)state;
    mm_set_current(NULL);
    kalloc_drain();
    uint64_t now = page_free_count(), want = baseline_free;
    baseline_free = now;
    assert_int_equal(now, want);
    assert_int_equal(page_check(), 0);
    return 0;
}

/* A running space with pages private pages at PRIV_VA and pages shared
 * pages at SHARED_VA, each page's first byte written with 'p' / 's'. */
static struct mm *parent_with(uint64_t pages)
{
    struct mm *mm = mm_create();
    assert_non_null(mm);
    mm_set_current(mm);
    assert_int_equal(mm_mmap(PRIV_VA, pages * PG, RW, MM_MAP_PRIVATE | MM_MAP_ANONYMOUS | MM_MAP_FIXED, -1, 0),
                     PRIV_VA);
    assert_int_equal(mm_mmap(SHARED_VA, pages * PG, RW, MM_MAP_SHARED | MM_MAP_ANONYMOUS | MM_MAP_FIXED, -1, 0),
                     SHARED_VA);
    for (uint64_t i = 0; i < pages; i++) {
        space_poke(mm, PRIV_VA + i * PG, 'p');
        space_poke(mm, SHARED_VA + i * PG, 's');
    }
    return mm;
}

static void private_parts_shared_stays(void **state)
{
    (void)state;
    struct mm *parent = parent_with(4);
    struct mm *child = mm_fork(parent, 0, 0);
    assert_non_null(child);
    assert_int_equal(child->nr_vmas, parent->nr_vmas);
    space_poke(child, PRIV_VA, 'P');
    space_poke(child, SHARED_VA, 'S');
    assert_int_equal(space_byte(parent, PRIV_VA), 'p');
    assert_int_equal(space_byte(parent, SHARED_VA), 'S');
    space_poke(parent, SHARED_VA + PG, 'T');        /* the other way too */
    assert_int_equal(space_byte(child, SHARED_VA + PG), 'T');
    /* The shared leaf is writable in both without a fault: no copy-on-write. */
    assert_true(sv39_translate(space_root(child), SHARED_VA + 2 * PG, SV39_WRITE).ok);
    assert_false(sv39_translate(space_root(parent), PRIV_VA + 2 * PG, SV39_WRITE).ok);
    mm_destroy(child);
    mm_destroy(parent);
}

/* The pages of the hot range (the caller's stack) are copied at once: each
 * side has its own frame, writable, one reference each; the others stay
 * shared copy-on-write. */
static void hot_range_is_copied_at_fork(void **state)
{
    (void)state;
    struct mm *parent = parent_with(4);
    struct mm *child = mm_fork(parent, PRIV_VA + PG, PRIV_VA + 3 * PG);
    assert_non_null(child);
    for (uint64_t i = 1; i < 3; i++) {
        struct sv39_xlate p = sv39_translate(space_root(parent), PRIV_VA + i * PG, SV39_WRITE);
        struct sv39_xlate c = sv39_translate(space_root(child), PRIV_VA + i * PG, SV39_WRITE);
        assert_true(p.ok && c.ok);
        assert_true(p.pa != c.pa);
        assert_int_equal(space_byte(child, PRIV_VA + i * PG), 'p');
    }
    assert_false(sv39_translate(space_root(parent), PRIV_VA, SV39_WRITE).ok);
    assert_false(sv39_translate(space_root(child), PRIV_VA + 3 * PG, SV39_WRITE).ok);
    mm_destroy(child);
    mm_destroy(parent);
}

/* A MAP_SHARED page neither side touched before fork is one page after it:
 * fork makes shared pages present before copying. */
static void untouched_shared_page_is_shared(void **state)
{
    (void)state;
    struct mm *parent = mm_create();
    assert_non_null(parent);
    mm_set_current(parent);
    assert_int_equal(mm_mmap(SHARED_VA, 2 * PG, RW, MM_MAP_SHARED | MM_MAP_ANONYMOUS | MM_MAP_FIXED, -1, 0),
                     SHARED_VA);
    struct mm *child = mm_fork(parent, 0, 0);
    assert_non_null(child);
    space_poke(child, SHARED_VA + PG, 'c');
    assert_int_equal(space_byte(parent, SHARED_VA + PG), 'c');
    mm_destroy(child);
    mm_destroy(parent);
}

static void child_keeps_shared_after_parent_goes(void **state)
{
    (void)state;
    struct mm *parent = parent_with(2);
    struct mm *child = mm_fork(parent, 0, 0);
    assert_non_null(child);
    mm_set_current(NULL);
    mm_destroy(parent);
    assert_int_equal(space_byte(child, SHARED_VA), 's');
    space_poke(child, PRIV_VA, 'c');                /* the sole owner reuses the frame */
    assert_int_equal(space_byte(child, PRIV_VA), 'c');
    mm_destroy(child);
}

/* Take free frames until keep are left; the frames in a list through them. */
static void *hoard(uint64_t keep)
{
    void *list = NULL;
    kalloc_drain();
    while (page_free_count() > keep) {
        void **f = page_alloc(0);
        if (!f)
            break;
        *f = list;
        list = f;
    }
    return list;
}

static void unhoard(void *list)
{
    while (list) {
        void *next = *(void **)list;
        page_free(list, 0);
        list = next;
    }
}

/* A fork that runs out of frames at any point gives NULL and leaks nothing;
 * with enough it works.  The parent's contents stay whatever happened. */
static void fork_out_of_memory_leaks_nothing(void **state)
{
    (void)state;
    struct mm *parent = parent_with(600);          /* more than one level-0 table each */
    kalloc_drain();
    uint64_t before = page_free_count();
    int failed = 0, worked = 0;
    for (uint64_t keep = 0; keep < 40; keep++) {
        void *h = hoard(keep);
        struct mm *child = mm_fork(parent, PRIV_VA, PRIV_VA + 2 * PG);     /* a hot range too */
        unhoard(h);
        if (child) {
            worked++;
            mm_destroy(child);
        } else {
            failed++;
        }
        kalloc_drain();
        assert_int_equal(page_free_count(), before);
        assert_int_equal(page_check(), 0);
    }
    assert_true(failed > 0 && worked > 0);
    assert_int_equal(space_byte(parent, PRIV_VA + 599 * PG), 'p');
    mm_destroy(parent);
}

/* ASIDs: each space gets its own on first run (a full flush then), none is
 * needed on later switches, and running out starts a new generation. */
static void asids_per_space_and_generations(void **state)
{
    (void)state;
    struct mm *a = mm_create(), *b = mm_create(), *c = mm_create();
    int flush;
    mm_asid_init(2);                                /* ASIDs 1..3 */
    uint64_t sa = mm_satp(a, &flush);
    assert_int_equal(flush, 1);
    assert_int_equal(mm_satp(a, &flush), sa);
    assert_int_equal(flush, 0);
    uint64_t sb = mm_satp(b, &flush);
    assert_int_equal(flush, 1);
    assert_true((sa >> SATP_ASID_SHIFT) != (sb >> SATP_ASID_SHIFT));
    assert_int_equal(SATP_ROOT_PA(sa), virt_to_phys((uint64)a->pt));
    mm_satp(c, &flush);                             /* ASID 3: the last of this generation */
    mm_satp(b, &flush);
    assert_int_equal(flush, 0);
    struct mm *d = mm_create();
    mm_satp(d, &flush);                             /* none left: a new generation */
    assert_int_equal(flush, 1);
    mm_satp(a, &flush);                             /* a's ASID is of the old one */
    assert_int_equal(flush, 1);
    mm_asid_init(0);
    mm_satp(a, &flush);
    assert_int_equal(flush, 1);                     /* no ASIDs: every switch flushes */
    assert_int_equal(mm_satp(a, &flush) >> SATP_ASID_SHIFT & 0xffff, 0);
    mm_destroy(a), mm_destroy(b), mm_destroy(c), mm_destroy(d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(private_parts_shared_stays, check_no_leak),
        cmocka_unit_test_teardown(untouched_shared_page_is_shared, check_no_leak),
        cmocka_unit_test_teardown(hot_range_is_copied_at_fork, check_no_leak),
        cmocka_unit_test_teardown(child_keeps_shared_after_parent_goes, check_no_leak),
        cmocka_unit_test_teardown(fork_out_of_memory_leaks_nothing, check_no_leak),
        cmocka_unit_test_teardown(asids_per_space_and_generations, check_no_leak),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}

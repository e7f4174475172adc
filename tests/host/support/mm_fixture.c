/* Host test support: the shared group and per-test fixtures (mm_fixture.h). */
#include "mm_fixture.h"
#include "sim.h"

#include <stdarg.h>
#include <stdlib.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <mm/fault.h>
#include <mm/kalloc.h>
#include <mm/kvm.h>
#include <mm/page.h>

#include "mm_internal.h"

uint64_t mm_fixture_baseline;

/* Contract in mm_fixture.h. */
int mm_fixture_start(uint64_t ram_bytes, int with_kernel_table)
{
    sim_mm_start(ram_bytes);
    if (with_kernel_table)
        kvminit();
    assert_int_equal(mm_zero_page() != NULL, 1);     /* kept for the whole run */
    kalloc_drain();
    mm_fixture_baseline = page_free_count();
    return 0;
}

/* Contract in mm_fixture.h. */
int mm_fixture_finish(void **state)
{
    (void)state;
    sim_mm_finish(mm_fixture_baseline);
    return 0;
}

/* Contract in mm_fixture.h. */
int mm_fixture_check_no_leak(void **state)
{
    (void)state;
    mm_set_current(NULL);
    kalloc_drain();
    uint64_t now = page_free_count(), want = mm_fixture_baseline;
    mm_fixture_baseline = now;
    assert_int_equal(now, want);
    assert_int_equal(page_check(), 0);
    return 0;
}

/* Contract in mm_fixture.h. */
struct mm *mm_fixture_new_current(void)
{
    struct mm *mm = mm_create();
    assert_int_equal(mm != NULL, 1);
    mm_set_current(mm);
    return mm;
}

/* The frames mm_fixture_hold_all_pages took, newest last. */
static void **held;
static uint64_t nheld;

/* Contract in mm_fixture.h. */
void mm_fixture_hold_all_pages(void)
{
    void *p;
    kalloc_drain();
    held = malloc(page_total_count() * sizeof *held);
    assert_int_equal(held != NULL, 1);
    nheld = 0;
    while ((p = page_alloc(0)))
        held[nheld++] = p;
}

/* Contract in mm_fixture.h. */
void mm_fixture_release(uint64_t n)
{
    while (n-- && nheld)
        page_free(held[--nheld], 0);
    if (nheld == 0) {
        free(held);
        held = NULL;
    }
}

/* Contract in mm_fixture.h. */
uint64_t mm_fixture_held(void)
{
    return nheld;
}

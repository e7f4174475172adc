/* Host test support: the fixtures the address-space tests share (test_vma,
 * test_cow, test_uvm, test_brk) -- the simulated machine started once per
 * group with the shared zero page made, and after every test a check that
 * every frame came back and the page allocator is consistent. */
#ifndef MM_FIXTURE_H
#define MM_FIXTURE_H

#include <stdint.h>

struct mm;

/* Free frames (kalloc's caches drained) when the group started, or after
 * the last test that checked them. */
extern uint64_t mm_fixture_baseline;

/* Start the simulated machine with ram_bytes of RAM (and the kernel table
 * when with_kernel_table) and record the baseline.  Returns 0, for a cmocka
 * group setup. */
int mm_fixture_start(uint64_t ram_bytes, int with_kernel_table);
/* cmocka group teardown: the machine stopped, every frame back. */
int mm_fixture_finish(void **state);
/* cmocka per-test teardown: no address space current, every frame back
 * (a leak fails this test, not every later one), the allocator consistent. */
int mm_fixture_check_no_leak(void **state);

/* A fresh address space (mm_create), made the current one. */
struct mm *mm_fixture_new_current(void);

/* Memory exhaustion on demand: take every free frame (kalloc's caches
 * drained first), so that the next allocation fails; mm_fixture_release(n)
 * gives back the last n taken (all of them when n >= mm_fixture_held()). */
void     mm_fixture_hold_all_pages(void);
void     mm_fixture_release(uint64_t n);
uint64_t mm_fixture_held(void);

#endif

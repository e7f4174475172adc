/* Host tests for the seed systems' compatibility calls (libmm/compat/):
 * kvmmap's leaf sizes and the five-argument walk checked with the
 * independent Sv39 walker, a failing kvmmap leaving nothing mapped, xv6's
 * pointer-form physical addresses at the mappages boundary, FarmOS's page
 * counts beside libmm's own, and SC7's list cut by free_vma.  The calls are
 * used by their compat_ names (MM_COMPAT_NO_RENAME) so that the four
 * headers fit in one file; every test ends with every frame back. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#define MM_COMPAT_NO_RENAME
#include <mm/compat/farmos.h>
#include <mm/compat/kmm.h>
#include <mm/compat/sc7.h>
#include <mm/compat/xv6.h>

#include <mm/space.h>

#include "mm_fixture.h"
#include "sv39_check.h"

#define RAM_BYTES   (64UL << 20)
#define PG          PAGE_SIZE
#define MB2         MEGAPAGE_SIZE
#define VA_2M       0x80000000UL
#define FAKE_PA     0x1000000000UL      /* outside the simulated RAM: never touched */

static uint64_t root_pa(pagetable_t pt)
{
    return virt_to_phys((uint64)pt);
}

static int level_at(pagetable_t pt, uint64 va, uint64 *pa)
{
    struct sv39_xlate x = sv39_translate(root_pa(pt), va, SV39_READ);
    *pa = x.ok ? x.pa : 0;
    return x.ok ? x.level : -1;
}

static void drop_table(pagetable_t pt)
{
    uvmunmap(pt, 0, SV39_LOW_END >> PAGE_SHIFT, 0);
    freewalk(pt, SV39_ROOT_LEVEL);
}

/* COMMONPAGE maps 4 KiB leaves even where a 2 MiB leaf would fit; SUPERPAGE
 * maps 2 MiB leaves; kmm_walk reports the level the walker finds. */
static void kvmmap_leaf_sizes_are_the_asked_ones(void **state)
{
    (void)state;
    pagetable_t pt = page_zalloc(0);
    uint64 pa;
    pte_t *pte;

    assert_int_equal(kmm_kvmmap(pt, VA_2M, FAKE_PA, MB2, PTE_RW, COMMONPAGE), 0);
    assert_int_equal(kmm_kvmmap(pt, VA_2M + MB2, FAKE_PA, MB2, PTE_RW, SUPERPAGE), 0);
    assert_int_equal(level_at(pt, VA_2M + 3 * PG, &pa), 0);
    assert_int_equal(pa, FAKE_PA + 3 * PG);
    assert_int_equal(level_at(pt, VA_2M + MB2 + 3 * PG, &pa), 1);
    assert_int_equal(pa, FAKE_PA + 3 * PG);
    assert_int_equal(kmm_walk(pt, VA_2M + 3 * PG, 0, 0, &pte), COMMONPAGE);
    assert_int_equal(PTE2PA(*pte), compat_pa(FAKE_PA + 3 * PG));    /* pa.h's pointer form */
    assert_int_equal(kmm_walk(pt, VA_2M + MB2 + 3 * PG, 0, 0, &pte), SUPERPAGE);
    assert_int_equal(kmm_walk(pt, VA_2M + 2 * MB2, 0, 0, &pte) >= 0, 1);
    assert_null(pte);
    assert_int_equal(kmm_mappages(pt, VA_2M + 4 * MB2, MB2, FAKE_PA + PG, PTE_RW, SUPERPAGE), -MM_EINVAL);
    assert_int_equal(kmm_mappages(pt, VA_2M + 4 * MB2, PG, FAKE_PA, PTE_RW, 2), -MM_EINVAL);
    assert_int_equal(kmm_walk(pt, VA_2M, 0, 2, &pte), -1);
    drop_table(pt);
}

/* A kvmmap that runs out of table pages half way leaves nothing it mapped. */
static void kvmmap_out_of_memory_leaves_nothing_mapped(void **state)
{
    (void)state;
    pagetable_t pt = page_zalloc(0);
    uint64 pa, start = VA_2M - 2 * PG;
    mm_fixture_hold_all_pages();
    mm_fixture_release(2);      /* the first 2 MiB block's two tables; not the next one's */
    assert_int_equal(kmm_mappages(pt, start, 4 * PG, FAKE_PA, PTE_RW, COMMONPAGE), -MM_ENOMEM);
    for (uint64 va = start; va < start + 4 * PG; va += PG)
        assert_int_equal(level_at(pt, va, &pa), -1);
    mm_fixture_release(mm_fixture_held());
    drop_table(pt);
}

/* xv6's kalloc hands out a pointer; mappages maps the frame behind it and
 * walkaddr and PTE2PA give the pointer back. */
static void xv6_physical_addresses_are_pointers(void **state)
{
    (void)state;
    pagetable_t pt = page_zalloc(0);
    char *mem = xv6_kalloc();
    uint64 pa;
    assert_non_null(mem);
    assert_int_equal(compat_phys((uint64)mem), virt_to_phys((uint64)mem));
    assert_int_equal(compat_phys(virt_to_phys((uint64)mem)), virt_to_phys((uint64)mem));
    assert_int_equal(xv6_mappages(pt, 0x10000, 100, (uint64)mem, PTE_R | PTE_W | PTE_U), 0);
    assert_int_equal(level_at(pt, 0x10000 + 50, &pa), 0);
    assert_int_equal(pa, virt_to_phys((uint64)mem) + 50);
    assert_int_equal(xv6_walkaddr(pt, 0x10000 + 50), (uint64)mem + 50);
    assert_int_equal(PTE2PA(*walk(pt, 0x10000, 0)), (uint64)mem);
    assert_int_equal(xv6_mappages(pt, 0x10000, PG, (uint64)mem, PTE_R), -1);     /* remap */
    assert_int_equal(xv6_mappages(pt, 0x20000, PG, (uint64)mem, PTE_W | PTE_X | PTE_R), -1);
    uvmunmap(pt, 0x10000, 1, 1);                    /* do_free: the kalloc'd page goes */
    drop_table(pt);
}

/* FarmOS's ref counts FarmOS's references; libmm's own count stays at least
 * that, so a page libmm also shares outlives FarmOS's last reference. */
static void farmos_ref_beside_libmm_sharing(void **state)
{
    (void)state;
    Page *p = pmAlloc();
    assert_non_null(p);
    void *frame = (void *)pageToPa(p);
    assert_int_equal(p->ref, 0);
    assert_int_equal(page_refcount(frame), 1);
    pmPageIncRef(p);
    pmPageIncRef(p);
    assert_int_equal(p->ref, 2);
    assert_int_equal(page_refcount(frame), 2);
    page_get(frame);                                /* libmm shares it (copy-on-write) */
    pmPageDecRef(p);
    pmPageDecRef(p);                                /* FarmOS is done with it */
    assert_null(paToPage((u64)frame));
    assert_int_equal(page_refcount(frame), 1);      /* libmm's share keeps it */
    page_put(frame);
}

/* free_vma cuts SC7's nodes as munmap cuts the mappings, file offsets
 * following the cut. */
static void sc7_free_vma_cuts_nodes(void **state)
{
    (void)state;
    struct mm *mm = mm_fixture_new_current();
    struct proc *p = myproc();
    assert_non_null(vma_init(p));
    struct vma *v = alloc_mmap_vma(p, MM_MAP_PRIVATE, 0, 4 * PG, get_mmapperms(MM_PROT_READ | MM_PROT_WRITE), -1, 0);
    assert_non_null(v);
    uint64 a = v->addr;
    assert_int_equal(free_vma(p, a + PG, a + 2 * PG), 0);
    assert_int_equal(v->end, a + PG);
    assert_int_equal(v->next->addr, a + 2 * PG);
    assert_int_equal(v->next->size, 2 * PG);
    assert_int_equal(v->next->f_off, 2 * PG);
    assert_int_equal(free_vma(p, a, a + 3 * PG), 0);    /* the first node goes, the second is trimmed */
    struct vma *w = p->vma->next->addr == a + 3 * PG ? p->vma->next : p->vma->next->next;
    assert_int_equal(w->addr, a + 3 * PG);
    assert_int_equal(w->size, PG);
    assert_int_equal(w->f_off, 3 * PG);
    assert_int_equal(free_vma(p, a + 1, a + PG), -MM_EINVAL);
    assert_int_equal(free_vma_list(p), 0);
    assert_null(p->vma);
    mm_destroy(mm);
}

static int group_setup(void **state)
{
    (void)state;
    return mm_fixture_start(RAM_BYTES, 0);
}

int main(void)
{
#define T(fn) cmocka_unit_test_teardown(fn, mm_fixture_check_no_leak)
    const struct CMUnitTest tests[] = {
        T(kvmmap_leaf_sizes_are_the_asked_ones),
        T(kvmmap_out_of_memory_leaves_nothing_mapped),
        T(xv6_physical_addresses_are_pointers),
        T(farmos_ref_beside_libmm_sharing),
        T(sc7_free_vma_cuts_nodes),
    };
    return cmocka_run_group_tests(tests, group_setup, mm_fixture_finish);
}

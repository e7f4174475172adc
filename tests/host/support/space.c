/* Host test support: accesses to an address space and fork's copy of one
 * (see space.h). */
#include "space.h"
#include "sim.h"
#include "sv39_check.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <setjmp.h>

#include <cmocka.h>

#include <arch/layout.h>
#include <mm/cow.h>
#include <mm/fault.h>
#include <mm/page.h>
#include <mm/vm.h>

#include "mm_internal.h"

uint64_t space_root(const struct mm *mm)
{
    return virt_to_phys((uint64)mm->pt);
}

int space_byte(const struct mm *mm, uint64_t va)
{
    struct sv39_xlate t = sv39_translate(space_root(mm), va, SV39_READ);
    return t.pte ? *(uint8_t *)sim_pa(t.pa) : -1;
}

static unsigned sv39_access(unsigned fault)
{
    return fault == FAULT_WRITE ? SV39_WRITE : fault == FAULT_EXEC ? SV39_EXEC : SV39_READ;
}

/* Only assert_int_equal of cmocka: the fuzzers link this file with a
 * stand-in for it (tests/fuzz/shim). */
int space_touch(struct mm *mm, uint64_t va, unsigned fault)
{
    if (sv39_translate(space_root(mm), va, sv39_access(fault)).ok)
        return 0;
    int err = mm_handle_fault(mm, va, fault);
    if (err)
        return err;
    struct sv39_xlate t = sv39_translate(space_root(mm), va, sv39_access(fault));
    if (!t.ok)
        printf("va 0x%lx still faults after mm_handle_fault resolved it: %s\n", (unsigned long)va,
               t.fault);
    assert_int_equal(t.ok, 1);
    return 0;
}

void space_poke(struct mm *mm, uint64_t va, uint8_t byte)
{
    assert_int_equal(space_touch(mm, va, FAULT_WRITE), 0);
    *(uint8_t *)sim_pa(sv39_translate(space_root(mm), va, SV39_WRITE).pa) = byte;
}

struct mm *space_fork(struct mm *parent)
{
    struct mm *child = mm_create();
    if (!child)
        return NULL;
    child->mmap_base = parent->mmap_base;
    child->heap_start = parent->heap_start;
    child->brk = parent->brk;
    for (struct vma *v = parent->first; v; v = v->next) {
        struct vma *c = vma_new(v->start, v->end, v->prot, v->flags, v->name);
        if (!c) {
            mm_destroy(child);
            return NULL;
        }
        c->fresh = v->fresh;
        vma_insert(child, c);
        if (v == parent->heap)
            child->heap = c;
    }
    if (uvmcopy(child->pt, parent->pt, USER_END) != 0) {
        mm_destroy(child);
        return NULL;
    }
    return child;
}

/* vmprint: a page table printed as an indented tree of tables and leaf runs.
 *
 * Example (one line per table, one per run of leaves):
 *   page table 0x...(pa 0x80401000)
 *   0xffffffc000000000-0xffffffc03fffffff table pa 0x80402000
 *     0xffffffc080000000-0xffffffc083ffffff pa 0x80000000 2M x32 rw--gad
 * A run is consecutive leaves of one size in one table whose VAs and PAs are
 * both contiguous and whose bits are identical; permissions read r w x u g a d,
 * '-' for a clear bit. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <arch/console.h>
#include <arch/mmu.h>
#include <mm/vmprint.h>

#include "vm_internal.h"

/* Leaves waiting to be printed as one line. */
struct leaf_run {
    bool   open;
    int    level;
    uint64 va, pa, bytes, count;
    uint64 bits;        /* PTE_FLAGS of every leaf in the run */
};

static void print_indent(int level)
{
    for (int i = level; i < SV39_ROOT_LEVEL; i++)
        kprintf("  ");
}

static const char *leaf_size_name(int level)
{
    static const char *const names[SV39_LEVELS] = { "4K", "2M", "1G" };

    return names[level];
}

/* Print the pending run, if any, and close it. */
static void run_print(struct leaf_run *r)
{
    static const struct { uint64 bit; char c; } perm[] = {
        { PTE_R, 'r' }, { PTE_W, 'w' }, { PTE_X, 'x' }, { PTE_U, 'u' },
        { PTE_G, 'g' }, { PTE_A, 'a' }, { PTE_D, 'd' },
    };
    char perms[sizeof perm / sizeof perm[0] + 1];

    if (!r->open)
        return;
    for (size_t i = 0; i < sizeof perm / sizeof perm[0]; i++)
        perms[i] = (r->bits & perm[i].bit) ? perm[i].c : '-';
    perms[sizeof perm / sizeof perm[0]] = '\0';
    print_indent(r->level);
    kprintf("0x%016lx-0x%016lx pa 0x%lx %s x%lu %s\n", r->va, r->va + r->bytes - 1,
            r->pa, leaf_size_name(r->level), r->count, perms);
    r->open = false;
}

/* Extend the run with the leaf pte at va, or print it and start a new one. */
static void run_add(struct leaf_run *r, uint64 va, pte_t pte, int level)
{
    uint64 size = LEVEL_SIZE(level);

    if (r->open && r->level == level && r->bits == PTE_FLAGS(pte) &&
        r->va + r->bytes == va && r->pa + r->bytes == PTE2PA(pte)) {
        r->bytes += size;
        r->count++;
        return;
    }
    run_print(r);
    r->open = true;
    r->level = level;
    r->va = va;
    r->pa = PTE2PA(pte);
    r->bytes = size;
    r->count = 1;
    r->bits = PTE_FLAGS(pte);
}

/* Print the entries of table t (which sits at level and maps from base_va)
 * that map part of [lo, hi]. */
static void print_table(pagetable_t t, int level, uint64 base_va, uint64 lo, uint64 hi)
{
    struct leaf_run run;

    run.open = false;       /* field by field: no memset in freestanding code */
    for (unsigned i = 0; i < PTES_PER_TABLE; i++) {
        uint64 va = sv39_canonical(base_va + i * LEVEL_SIZE(level));

        if (!(t[i] & PTE_V) || va > hi || va + LEVEL_SIZE(level) - 1 < lo)
            continue;
        if (level == 0 || PTE_IS_LEAF(t[i])) {
            run_add(&run, va, t[i], level);
            continue;
        }
        run_print(&run);
        print_indent(level);
        kprintf("0x%016lx-0x%016lx table pa 0x%lx\n", va, va + LEVEL_SIZE(level) - 1,
                PTE2PA(t[i]));
        print_table(pte_table(t[i]), level - 1, va, lo, hi);
    }
    run_print(&run);
}

/* Contract in mm/vmprint.h.  Prints through kprintf; NULL prints a note. */
void vmprint(pagetable_t pgtbl)
{
    if (!pgtbl) {
        kprintf("page table (null)\n");
        return;
    }
    kprintf("page table %p (pa 0x%lx)\n", (void *)pgtbl, virt_to_phys((uint64)pgtbl));
    print_table(pgtbl, SV39_ROOT_LEVEL, 0, 0, ~U64(0));
}

/* Contract in mm/vmprint.h. */
void vmprint_range(pagetable_t t, int level, uint64 start, uint64 end, uint64 vabase)
{
    if (!t || level < 0 || level > SV39_ROOT_LEVEL || end <= start) {
        kprintf("page table %p: nothing to print at level %d\n", (void *)t, level);
        return;
    }
    print_table(t, level, vabase, start, end - 1);
}

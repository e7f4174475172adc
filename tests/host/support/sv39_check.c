/* Host test support: the independent software Sv39 translator (see sv39_check.h). */
#include "sv39_check.h"
#include "sim.h"

#include <stddef.h>
#include <stdio.h>

#include <arch/bootinfo.h>

/* Sv39 facts, written out here on purpose instead of taken from arch/mmu.h. */
enum {
    B_V = 1 << 0, B_R = 1 << 1, B_W = 1 << 2, B_X = 1 << 3,
    B_U = 1 << 4, B_G = 1 << 5, B_A = 1 << 6, B_D = 1 << 7,
};
#define PGSIZE          4096ULL
#define PTESIZE         8ULL
#define LEVELS          3
#define VPN(va, i)      (((va) >> (12 + 9 * (i))) & 0x1ffULL)
#define PTE_PPN(pte)    (((pte) >> 10) & ((1ULL << 44) - 1))
#define PTE_RESERVED    (~0ULL << 54)    /* bits 63..54: 0 without Svnapot/Svpbmt */

/* Read the PTE at physical address a, or fail when a is not RAM. */
static int read_pte(uint64_t a, uint64_t *pte)
{
    const struct boot_info *bi = arch_boot_info();

    for (int i = 0; i < bi->nr_ram; i++) {
        if (a >= bi->ram[i].base && a + PTESIZE <= bi->ram[i].base + bi->ram[i].size) {
            *pte = *(const uint64_t *)sim_pa(a);
            return 1;
        }
    }
    return 0;
}

static struct sv39_xlate fault(const char *why, uint64_t pte, int level)
{
    return (struct sv39_xlate){ .ok = 0, .fault = why, .pte = pte, .level = level };
}

/* Step 6 of the spec's process: may this access use the leaf pte? */
static const char *leaf_denies(uint64_t pte, unsigned access)
{
    if ((access & SV39_READ) && !(pte & B_R))
        return "read of a page without R";
    if ((access & SV39_WRITE) && !(pte & B_W))
        return "write to a page without W";
    if ((access & SV39_EXEC) && !(pte & B_X))
        return "fetch from a page without X";
    if (access & SV39_USER)
        return (pte & B_U) ? NULL : "U-mode access to a page without U";
    if (pte & B_U) {
        if (access & SV39_EXEC)
            return "S-mode fetch from a U page";
        if (!(access & SV39_SUM))
            return "S-mode access to a U page with SUM clear";
    }
    return NULL;
}

struct sv39_xlate sv39_translate(uint64_t root_pa, uint64_t va, unsigned access)
{
    uint64_t top = va >> 38;                 /* bits 63..38 must all be equal */
    if (top != 0 && top != (~0ULL >> 38))
        return fault("non-canonical VA", 0, -1);
    uint64_t a = root_pa, pte = 0;
    int i;
    for (i = LEVELS - 1;; i--) {
        if (!read_pte(a + VPN(va, i) * PTESIZE, &pte))
            return fault("page-table entry outside RAM (access fault)", 0, -1);
        if (!(pte & B_V) || ((pte & B_W) && !(pte & B_R)) || (pte & PTE_RESERVED))
            return fault("invalid or reserved PTE", pte, -1);
        if (pte & (B_R | B_X))
            break;
        if (pte & (B_A | B_D | B_U))
            return fault("non-leaf PTE with A, D or U set (reserved)", pte, -1);
        if (i == 0)
            return fault("pointer PTE at level 0", pte, -1);
        a = PTE_PPN(pte) * PGSIZE;
    }
    if (i > 0 && (PTE_PPN(pte) & ((1ULL << (9 * i)) - 1)))
        return fault("misaligned superpage", pte, i);
    uint64_t off_mask = (1ULL << (12 + 9 * i)) - 1;
    uint64_t pa = ((PTE_PPN(pte) * PGSIZE) & ~off_mask) | (va & off_mask);
    const char *why = leaf_denies(pte, access);
    if (!why && !(pte & B_A))
        why = "A clear (hardware A/D updating is off)";
    if (!why && (access & SV39_WRITE) && !(pte & B_D))
        why = "write with D clear (hardware A/D updating is off)";
    struct sv39_xlate r = { .ok = why == NULL, .fault = why, .pa = pa, .pte = pte, .level = i };
    return r;
}

unsigned sv39_perms(uint64_t root_pa, uint64_t va, uint64_t *pa_out)
{
    static const unsigned kinds[] = { SV39_READ, SV39_WRITE, SV39_EXEC };
    unsigned allowed = 0;
    uint64_t pa = 0;

    for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
        struct sv39_xlate r = sv39_translate(root_pa, va, kinds[k]);
        if (r.ok) {
            allowed |= kinds[k];
            pa = r.pa;
        }
    }
    if (pa_out)
        *pa_out = pa;
    return allowed;
}

static uint64_t sign_extend39(uint64_t va)
{
    return (va & (1ULL << 38)) ? (va | (~0ULL << 39)) : va;
}

static void walk_table(uint64_t table_pa, int level, uint64_t base, sv39_leaf_fn fn, void *ctx,
                       struct sv39_stats *st)
{
    st->tables++;
    for (uint64_t idx = 0; idx < 512; idx++) {
        uint64_t pte;
        uint64_t va = sign_extend39(base + (idx << (12 + 9 * level)));
        if (!read_pte(table_pa + idx * PTESIZE, &pte)) {
            st->malformed++;
            return;
        }
        if (!(pte & B_V))
            continue;
        if (((pte & B_W) && !(pte & B_R)) || (pte & PTE_RESERVED)) {
            st->malformed++;
        } else if (pte & (B_R | B_X)) {
            if (level > 0 && (PTE_PPN(pte) & ((1ULL << (9 * level)) - 1)))
                st->malformed++;
            if (!(pte & B_A) || ((pte & B_W) && !(pte & B_D)))
                st->malformed++;
            if ((pte & B_W) && (pte & B_X))
                st->wx_leaves++;
            st->leaves[level]++;
            if (fn)
                fn(ctx, va, PTE_PPN(pte) * PGSIZE, pte, level);
        } else if (level == 0 || (pte & (B_A | B_D | B_U))) {
            st->malformed++;
        } else {
            walk_table(PTE_PPN(pte) * PGSIZE, level - 1, va, fn, ctx, st);
        }
    }
}

void sv39_walk_all(uint64_t root_pa, sv39_leaf_fn fn, void *ctx, struct sv39_stats *st)
{
    *st = (struct sv39_stats){ 0 };
    walk_table(root_pa, LEVELS - 1, 0, fn, ctx, st);
}

/* Host test support: an independent software Sv39 translator.  It reads the
 * page tables from the simulated RAM exactly as the MMU would (privileged
 * spec, "Virtual Address Translation Process") with hardware A/D updating
 * off, and knows nothing of libmm: its constants are its own. */
#ifndef TEST_SV39_CHECK_H
#define TEST_SV39_CHECK_H

#include <stdint.h>

/* The access being translated: one of READ/WRITE/EXEC, optionally USER (from
 * U-mode; otherwise S-mode) and SUM (S-mode with sstatus.SUM set). */
#define SV39_READ   0x1u
#define SV39_WRITE  0x2u
#define SV39_EXEC   0x4u
#define SV39_USER   0x8u
#define SV39_SUM    0x10u

struct sv39_xlate {
    int         ok;     /* 1: the access is allowed and pa is its target */
    const char *fault;  /* why it faults (NULL when ok) */
    uint64_t    pa;     /* translated PA; also set when only the permission check failed */
    uint64_t    pte;    /* leaf entry found (0 if none) */
    int         level;  /* leaf level: 0 = 4 KiB, 1 = 2 MiB, 2 = 1 GiB; -1 if none */
};

/* Translate va for access under the root table at root_pa. */
struct sv39_xlate sv39_translate(uint64_t root_pa, uint64_t va, unsigned access);

/* The S-mode accesses (SV39_READ | SV39_WRITE | SV39_EXEC) that succeed at va,
 * 0 when none; *pa_out (if not NULL) gets the PA, or 0. */
unsigned sv39_perms(uint64_t root_pa, uint64_t va, uint64_t *pa_out);

/* Every valid leaf of the tree, and what is malformed in it. */
struct sv39_stats {
    uint64_t tables;        /* table pages, root included */
    uint64_t leaves[3];     /* leaves per level */
    uint64_t malformed;     /* entries the MMU would fault on or that break the spec's rules */
    uint64_t wx_leaves;     /* leaves with both W and X */
};
typedef void (*sv39_leaf_fn)(void *ctx, uint64_t va, uint64_t pa, uint64_t pte, int level);
/* Visit every valid leaf under root_pa in VA order (fn may be NULL) and count. */
void sv39_walk_all(uint64_t root_pa, sv39_leaf_fn fn, void *ctx, struct sv39_stats *st);

#endif

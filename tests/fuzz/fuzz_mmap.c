/* libFuzzer target: the input is a sequence of operations on one address
 * space (MODEL_OP_BYTES bytes each, decoded by model_decode): mmap, munmap,
 * mprotect, madvise, msync, mremap and brk (the heap starts a quarter of the
 * way up; growth, shrinking and hostile breaks, meeting what the other calls
 * left below and above the break) over a 4 MiB window, and reads, writes
 * and executes of its pages as the hart makes them (translate; on a fault,
 * mm_handle_fault).  After every operation the address space is compared
 * with the reference model (tests/host/support/mm_model.h): return values,
 * the VMA tree and list, every page's leaf as the independent Sv39 walker
 * sees it, and the canary bytes written into the pages.  After each input
 * the space is destroyed and every frame must be back.  Any mismatch prints
 * the operation and aborts.
 *
 *   build/host/fuzz/fuzz_mmap -max_total_time=600 corpus/     (by hand: a long run)
 *   build/host/fuzz/fuzz_mmap crash-<sha1>                    (replay a crash) */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <mm/kalloc.h>
#include <mm/page.h>
#include <mm/uvm.h>

#include "mm_internal.h"
#include "mm_model.h"
#include "sim.h"

#define RAM_BYTES       (64UL << 20)
#define WINDOW_PAGES    1024            /* 4 MiB: one 2 MiB block fits, aligned */
#define MAX_OPS         200             /* operations per input: keeps each input fast */

static uint64_t baseline_free;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    sim_mm_start(RAM_BYTES);            /* one RAM for every input: the zero page stays */
    mm_zero_page();
    kalloc_drain();
    baseline_free = page_free_count();
    return 0;
}

static void die(struct mm_model *m, size_t i, const struct model_op *op, const char *why)
{
    char what[256];

    model_describe(op, what, sizeof what);
    fflush(stdout);
    fprintf(stderr, "fuzz_mmap: operation %zu, %s:\n  %s\n", i, what, why);
    mm_print_vmas();
    mm_draw(m->mm, m->base, m->base + m->npages * PAGE_SIZE, 128, false);
    fflush(stdout);
    abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct mm_model m;
    struct model_op op = { .kind = MODEL_NOP };
    const char *bad = model_start(&m, WINDOW_PAGES);

    if (bad)
        die(&m, 0, &op, bad);
    m.brk_ops = true;
    for (size_t i = 0; i < MAX_OPS && (i + 1) * MODEL_OP_BYTES <= size; i++) {
        model_decode(&m, data + i * MODEL_OP_BYTES, &op);
        if ((bad = model_apply(&m, &op)) || (bad = model_check(&m)))
            die(&m, i, &op, bad);
    }
    model_finish(&m);
    kalloc_drain();
    if (page_free_count() != baseline_free || page_check() != 0) {
        fprintf(stderr, "fuzz_mmap: %ld frames leaked by this input (or the allocator is corrupt)\n",
                (long)(baseline_free - page_free_count()));
        abort();
    }
    return 0;
}

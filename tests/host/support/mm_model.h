/* Host test support: a reference model of the mmap family (mm_mmap,
 * mm_munmap, mm_mprotect, mm_madvise, mm_msync, mm_mremap) and of page
 * faults, over a window of one address space.  Shared by test_vma (random
 * operation sequences) and the fuzzer (tests/fuzz/fuzz_mmap.c).
 *
 * The window is npages pages just below the space's mmap_base, so that
 * mmap without MAP_FIXED places its mappings there too:
 *
 *   base                                                      mmap_base
 *   | fence |  page 1  |  page 2  | ...          | page npages-1 |
 *     ^ one PROT_NONE page that never merges: nothing the operations do
 *       reaches below it, so a mapping that does not fit in the window
 *       lands just below the fence (the model checks that address, then
 *       unmaps it again).
 *
 * Every model page records whether it is mapped, its protection, its kind
 * (private/shared, stack), whether it starts a VMA (the model follows
 * libmm's split and merge rules exactly, so the VMA list is compared one to
 * one) and a content tag: 0 for "reads as zero", else the byte the test
 * last wrote through the page's frame.  After each operation model_check()
 * compares everything with the real address space: the VMA tree
 * (vma_check) and list, every page's leaf as the independent Sv39 walker
 * sees it (present or not, permissions, copy-on-write only on the zero
 * page, one reference per private frame), the content tags, and the zero
 * page's reference count and contents.
 *
 * The model can also follow fork: MODEL_FORK makes a copy of the current
 * space (space_fork: the same VMAs, the low half shared copy-on-write by
 * uvmcopy) and the model copies its pages; up to MODEL_SPACES spaces live at
 * once, MODEL_SWITCH makes another one current and MODEL_EXIT ends the
 * current one.  Operations act on the current space; the checks cover every
 * space: each sees its own contents (a write in one is invisible in the
 * others), a page that had a leaf at a copy keeps a copy-on-write leaf until
 * it is written (or populated writable), and every frame's reference count
 * is the number of 4 KiB leaves that map it in all spaces, plus one for all
 * 2 MiB leaves that map its block together.
 *
 * The model also follows the heap (brk): MODEL_BRK moves the break with
 * uvm_set_brk, the heap starting at window page npages / 4 (mm->heap_start;
 * everything below it may be mapped by the other operations).  Its rules are
 * Linux's, as mm/uvm.h documents them: the break never goes below the start
 * or past the app's half (ENOMEM); growth takes only [old break, new break)
 * rounded to pages, which must be free (ENOMEM and the break unchanged when
 * anything is mapped there, whatever the app unmapped or mapped below the
 * break); the heap VMA that ends at the old break grows, else a new one
 * (rw-, never merged) starts there, also after the app unmapped the whole
 * heap; a shrink unmaps [new break, old break) rounded to pages, whatever is
 * mapped there.  New heap memory is always read-write, as Linux gives it:
 * when the app made the heap's last VMA anything else (mprotect), growth
 * starts a new VMA.  A heap VMA that mremap moves is a plain mapping still
 * named "heap".  The break is per space (a fork copies it).
 *
 * Every function returns NULL when the address space agrees with the model,
 * else a description of the first mismatch (in m->why). */
#ifndef TEST_MM_MODEL_H
#define TEST_MM_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct mm;

/* Kinds of mapping (model_page.kind; MM_MAP_SHARED / MM_MAP_STACK). */
#define MODEL_SHARED    0x1u
#define MODEL_STACK     0x2u
#define MODEL_HEAP      0x4u    /* the brk heap (VMA_HEAP): named "heap", never merged */
#define MODEL_HEAP_NAME 0x8u    /* named "heap" without VMA_HEAP: a heap piece mremap moved */

struct model_page {
    uint8_t mapped;
    uint8_t prot;           /* MM_PROT_READ | MM_PROT_WRITE | MM_PROT_EXEC */
    uint8_t kind;           /* MODEL_SHARED | MODEL_STACK */
    uint8_t vma_start;      /* the first page of its VMA */
    uint8_t tag;            /* content: 0 reads as zero, else the byte last written */
    uint8_t cow;            /* had a leaf at a copy (MODEL_FORK) and was not written since:
                             * its leaf is copy-on-write */
};

#define MODEL_SPACES    3   /* address spaces alive at once (a fork beyond ends the oldest other) */

/* One address space the model follows, and its window's pages. */
struct model_space {
    struct mm         *mm;
    struct model_page *pg;
    uint64_t           brk;         /* the break the model expects (a VA) */
};

struct mm_model {
    struct mm         *mm;          /* the current space (space[cur]): operations act on it */
    uint64_t           base;        /* VA of window page 0, the fence (the same in every space) */
    uint64_t           npages;      /* window pages, the fence included */
    struct model_page *pg;          /* the current space's pages */
    struct model_space space[MODEL_SPACES];     /* the live spaces, oldest first */
    unsigned           nspaces, cur;
    bool               copies;      /* model_decode may give MODEL_FORK, MODEL_SWITCH, MODEL_EXIT
                                     * (off after model_start) */
    bool               brk_ops;     /* model_decode may give MODEL_BRK (off after model_start) */
    uint64_t           heap_start;  /* VA of the heap's start: window page npages / 4 */
    uint32_t           zero_refs;   /* zero-page references with no mapping of it */
    uint64_t           touched_lo, touched_hi;  /* pages the last operation may have changed */
    uint64_t           refused;     /* calls the model expected to fail */
    uint64_t           denied;      /* accesses the model expected to fault */
    uint64_t           outside;     /* mappings placed below the fence */
    uint64_t           forks, exits;
    uint64_t           brk_moves;   /* MODEL_BRK calls that moved the break */
    char               why[1024];   /* the last mismatch */
};

/* The operations.  Ranges are window pages; model_apply() clamps them into
 * the window, so any field values are valid (the fuzzer relies on this).
 * MODEL_FORK copies the current space (flags bit 0: the child becomes
 * current, else the parent stays); MODEL_SWITCH makes space flags % nspaces
 * current; MODEL_EXIT ends the current space, unless it is the only one, and
 * makes space flags % (the rest) current.  MODEL_BRK calls uvm_set_brk with
 * a break chosen by flags (enum model_brk_how). */
enum model_op_kind { MODEL_MMAP, MODEL_MUNMAP, MODEL_MPROTECT, MODEL_MADVISE, MODEL_MSYNC,
                     MODEL_MREMAP, MODEL_ACCESS, MODEL_FORK, MODEL_SWITCH, MODEL_EXIT, MODEL_BRK,
                     MODEL_NOP };

/* How MODEL_BRK picks the new break:
 *   MODEL_BRK_TO       window page `page` + `misalign` bytes (page npages:
 *                      the window's top; a page below the heap: ENOMEM)
 *   MODEL_BRK_GROW     sbrk(+(npages pages - short_by bytes)), kept inside the window
 *   MODEL_BRK_SHRINK   sbrk(-(npages pages - short_by bytes)), maybe below the start
 *   MODEL_BRK_HOSTILE  value number npages of a hostile table: 0, the start - 1,
 *                      past the app's half, the app's half's end (more than RAM),
 *                      UINT64_MAX, the break + INT64_MIN (a wrapped sbrk) */
enum model_brk_how { MODEL_BRK_TO, MODEL_BRK_GROW, MODEL_BRK_SHRINK, MODEL_BRK_HOSTILE };
#define MODEL_BRK_HOSTILE_VALUES 6

/* How mmap picks its address (MODEL_MMAP's place). */
enum model_place { MODEL_FIXED, MODEL_NOREPLACE, MODEL_HINT, MODEL_ANYWHERE };

struct model_op {
    enum model_op_kind kind;
    uint64_t page, npages;          /* the range (access: first page, count) */
    uint64_t new_page, new_npages;  /* mremap: MREMAP_FIXED's target, new length */
    int      prot;                  /* mmap, mprotect: MM_PROT_*; access: FAULT_* */
    int      flags;                 /* mmap: MM_MAP_*; mremap: MM_MREMAP_*; madvise: advice; msync: MM_MS_*;
                                     * brk: enum model_brk_how */
    enum model_place place;         /* mmap */
    unsigned misalign;              /* bytes added to the address (hint rounding, or EINVAL) */
    unsigned short_by;              /* bytes taken off the length (< 4096: rounds up again) */
    uint8_t  tag;                   /* access: the byte a write stores */
};

/* A fresh address space (mm_create, made current) with a window of npages
 * pages (the fence included; a multiple of 512 keeps 2 MiB alignment). */
const char *model_start(struct mm_model *m, uint64_t npages);
/* mm_destroy every space and free the model (the caller checks for leaks). */
void        model_finish(struct mm_model *m);

/* Do op on the address space and on the model; compare the result. */
const char *model_apply(struct mm_model *m, const struct model_op *op);
/* Compare the whole address space with the model (see above). */
const char *model_check(struct mm_model *m);
/* The same for the pages the last model_apply() may have changed (and
 * their neighbours), with the VMA tree and list; cheaper on a large window. */
const char *model_check_touched(struct mm_model *m);

/* Bytes model_decode() reads per operation. */
#define MODEL_OP_BYTES  10
/* Turn MODEL_OP_BYTES bytes into an operation, choosing ranges from the
 * model's current layout (VMA edges, the area just below mmap_base, 2 MiB
 * blocks) so that operations meet each other.  With m->copies, about one
 * operation in 40 is a fork, switch or exit; with m->brk_ops, about one in
 * eight moves the break. */
void        model_decode(struct mm_model *m, const uint8_t *b, struct model_op *op);
/* One line describing op, for reproducers. */
void        model_describe(const struct model_op *op, char *buf, size_t len);
/* The name of an operation kind ("mmap", ..., "no-op"), for counts in test output. */
const char *model_kind_name(enum model_op_kind kind);

/* Print the VMAs of mm between lo and hi as one line of cols columns (at
 * most 256; a letter per VMA, '.' where nothing is mapped, '+' where a
 * column holds several VMAs), then with legend one line per VMA. */
void        mm_draw(struct mm *mm, uint64_t lo, uint64_t hi, unsigned cols, bool legend);

#endif

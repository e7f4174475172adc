/* The application's malloc: a two-level segregated-fit allocator (TLSF
 * style: O(1) malloc and free, boundary tags; small blocks freed last are
 * reused first and coalesced later) that works on the app's own memory.
 * Every byte of its state lives in the memory it manages (the heap it was
 * given), so a copy of an address space copies its allocator too.
 * libc_glue routes newlib's malloc family here.
 *
 * Contracts shared by every call: sizes are in bytes; returned blocks are
 * 16-byte aligned (or as asked); NULL means out of memory (or bad arguments
 * where stated) and nothing is lost or half-done. */
#ifndef MM_UMALLOC_H
#define MM_UMALLOC_H

#include <mm/types.h>

/* Where an allocator gets memory.  All calls may fail (return NULL). */
struct umalloc_source {
    /* At least bytes (a multiple of 4096) of fresh, zero-filled, writable
     * memory, preferably contiguous with what the previous grow returned (a
     * program break).  Returns its start or NULL. */
    void *(*grow)(void *ctx, size_t bytes);
    /* Give back the last bytes (a multiple of 4096) of the space grow
     * returned: the end of the space the last grow returned moves down by
     * bytes, like a program break (possibly below where that grow began,
     * never below the start of the run of contiguous grows it ends).  May
     * be NULL. */
    void  (*shrink)(void *ctx, size_t bytes);
    /* A separate region of bytes (a multiple of 4096) for a large block,
     * zero-filled, page-aligned; and its release.  map may be NULL. */
    void *(*map)(void *ctx, size_t bytes);
    void  (*unmap)(void *ctx, void *p, size_t bytes);
    void  *ctx;
    /* Whether the 8-byte word at p (8-aligned) can be read without a fault:
     * asked before a pointer that is not in the heap is trusted as a mapped
     * block's, so that a wild pointer is reported, not followed.  NULL: every
     * word is readable. */
    int   (*readable)(void *ctx, const void *p);
    /* Drop the frames behind [p, p + bytes) (page-aligned, inside what grow
     * returned): the range stays the allocator's and reads zero when next
     * touched (madvise MADV_DONTNEED).  NULL: free memory inside the heap
     * keeps its frames. */
    void  (*discard)(void *ctx, void *p, size_t bytes);
};

struct umalloc;

/* Create an allocator whose state sits at the start of its first grow.
 * Returns NULL when that first grow fails. */
struct umalloc *umalloc_create(const struct umalloc_source *src);

/* malloc(n): n == 0 gives a unique pointer that free accepts; NULL when n is
 * too large or memory is exhausted. */
void  *umalloc(struct umalloc *h, size_t n);
/* free(p): p == NULL does nothing.  A pointer this allocator did not return,
 * or a block already freed, is reported and stops the program (it is the
 * app's bug, found as early as possible; a pointer into the middle of a
 * block is found from the header words it would have, so not always). */
void   ufree(struct umalloc *h, void *p);
/* calloc: NULL when nr * size overflows. */
void  *ucalloc(struct umalloc *h, size_t nr, size_t size);
/* realloc: p == NULL is umalloc(n); n == 0 frees p and returns
 * umalloc(0); on failure returns NULL and p is untouched and still valid.
 * A block that keeps growing gets room to grow in place (a large one, its
 * own mapping with address space to spare). */
void  *urealloc(struct umalloc *h, void *p, size_t n);
/* memalign: align must be a power of two (else NULL); any size. */
void  *umemalign(struct umalloc *h, size_t align, size_t n);
/* The usable size of p's block (>= what was asked); 0 for NULL. */
size_t uusable_size(struct umalloc *h, const void *p);

/* Statistics for tests and benchmarks.  in_use is counted by walking every
 * block (O(blocks)); the others are kept as the heap changes. */
struct umalloc_stats {
    size_t in_use;          /* bytes handed out (usable sizes of live blocks) */
    size_t heap_bytes;      /* bytes obtained with grow, minus shrink */
    size_t mapped_bytes;    /* bytes currently obtained with map (address space,
                               room reserved for growing blocks included) */
    size_t peak_bytes;      /* peak of heap_bytes + mapped_bytes */
};
void   umalloc_stats(struct umalloc *h, struct umalloc_stats *st);
/* Check every block and free list; 0 when consistent, else a negative MM_
 * error after printing what is wrong. */
int    umalloc_check(struct umalloc *h);

#endif

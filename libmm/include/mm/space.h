/* Address spaces as objects, one per process: the running one, creating,
 * forking and destroying them, and the satp (with its ASID) that switches
 * to one.  The process layer (libc_glue) holds them as opaque pointers. */
#ifndef MM_SPACE_H
#define MM_SPACE_H

#include <stdbool.h>

#include <mm/types.h>

struct mm;

/* The running address space; NULL before boot made one. */
struct mm  *mm_current(void);
/* Make mm (or NULL: none) the running address space; its allocator becomes
 * umalloc_active.  satp is not touched (the context switch writes it). */
void        mm_set_current(struct mm *mm);
/* A new, empty address space around a fresh page table; NULL when out of memory. */
struct mm  *mm_create(void);
/* Unmap everything, free the page table and mm.  mm must not be the table
 * the hart runs on (satp) unless nothing runs on it again. */
void        mm_destroy(struct mm *mm);
/* fork's copy of parent: a new address space with the same VMAs, break and
 * allocator (which lives in the app's memory), whose pages are parent's
 * shared range by range -- copy-on-write for private memory, as they are
 * for MAP_SHARED memory (uvmcopy_range) -- except the private pages of
 * [hot_start, hot_end) (the forking caller's stack, which both sides write
 * at once): the child gets its own copies and parent keeps its pages
 * writable.  NULL when out of memory: nothing is left allocated (some of
 * parent's leaves may have become copy-on-write, which only costs a later
 * write fault that reuses the frame). */
struct mm  *mm_fork(struct mm *parent, uint64 hot_start, uint64 hot_end);
/* Tell libmm how many ASID bits the hart implements (arch_asid_bits at
 * boot); 0 (the default) means every switch flushes the TLB. */
void        mm_asid_init(unsigned bits);
/* The satp value that runs mm, giving mm an ASID if it has none of the
 * current generation; *flush says whether the switch must flush the whole
 * TLB (no ASIDs, a newly given ASID, or a new generation). */
uint64      mm_satp(struct mm *mm, int *flush);

#endif

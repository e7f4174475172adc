/* Copy-on-write sharing of an address space's page table (fork). */
#ifndef MM_COW_H
#define MM_COW_H

#include <stdbool.h>

#include <mm/types.h>

/* Copy-on-write copy of the low half [0, sz) of ppgtbl into cpgtbl (empty
 * there): every leaf is mapped in both and becomes read-only copy-on-write
 * in both tables (a write fault copies, or reuses a frame left with one
 * owner); the app image's frames are shared as they are.  A 4 KiB frame
 * gets one more reference (page_refcount shows it); a 2 MiB leaf shares its
 * block as a whole (one count on the block: page_refcount of its pages shows
 * the per-page references only once the leaf is split).  Returns 0,
 * -MM_EINVAL, -MM_EEXIST when cpgtbl maps something in the range, or
 * -MM_ENOMEM (the caller frees cpgtbl with uvmfree; what was shared stays
 * consistent). */
int    uvmcopy(pagetable_t cpgtbl, pagetable_t ppgtbl, uint64 sz);
/* uvmcopy of the page-aligned range [start, end) only (fork copies an
 * address space range by range, after its VMAs): with shared, each leaf is
 * mapped in the child exactly as in the parent (MAP_SHARED memory: writes
 * stay visible both ways) and its frames take one more reference each;
 * else copy-on-write as uvmcopy.  A leaf is copied when it starts inside
 * the range.  Same returns as uvmcopy. */
int    uvmcopy_range(pagetable_t cpgtbl, pagetable_t ppgtbl, uint64 start, uint64 end, bool shared);

#endif

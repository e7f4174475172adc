/* kalloc: general-purpose, physically contiguous allocation of any size for
 * the libOS.  Small sizes come from size-class caches, large ones from the
 * buddy allocator. */
#ifndef MM_KALLOC_H
#define MM_KALLOC_H

#include <mm/types.h>

/* Allocate sz bytes, physically contiguous.  kalloc(n * 4096) is page-aligned;
 * every result is aligned to 16 bytes at least.  kalloc(0) returns a unique
 * minimal object.  NULL when memory is exhausted or sz is absurd. */
void  *kalloc(uint64 sz);
/* nr * sz bytes, zeroed; NULL when the product overflows. */
void  *kcalloc(uint64 nr, uint64 sz);
/* Free what kalloc returned; NULL is a no-op.  A pointer kalloc did not
 * return, or one freed twice, is reported with its address and stops. */
void   kfree(void *addr);
/* Aliases with the seeds' names: kmalloc = kalloc, kzalloc = zeroed kalloc. */
void  *kmalloc(uint64 sz);
void  *kzalloc(uint64 sz);
/* Usable size of an allocation (>= what was asked); 0 for NULL or a pointer
 * that is not a live kalloc allocation. */
uint64 ksize(const void *addr);
/* Give the pages of kalloc's empty cached slabs back to the page allocator
 * (kalloc keeps at most one empty slab per size class).  kalloc does this
 * itself before reporting exhaustion; tests call it before comparing the
 * free-frame count with a baseline. */
void   kalloc_drain(void);

#endif

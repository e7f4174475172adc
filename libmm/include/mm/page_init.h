/* Setting up physical memory at boot: the regions the page allocator
 * (mm/page.h) manages. */
#ifndef MM_PAGE_INIT_H
#define MM_PAGE_INIT_H

#include <mm/types.h>

/* Add the free physical range [va_start, va_end) (direct-map addresses) to the
 * allocator.  May be called once per RAM region, before or after kinit();
 * unaligned ends are trimmed to pages.  Costs O(log size) plus a per-region
 * constant, never O(pages).  Part of the range is used for frame metadata. */
void   kmem_init(uint64 va_start, uint64 va_end);

/* Initialise physical memory from the boot information (RAM minus reserved
 * ranges: firmware, image, device tree) and the kalloc caches. */
void   kinit(void);

#endif

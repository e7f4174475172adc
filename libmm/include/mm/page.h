/* Physical memory: a buddy allocator over all free RAM with per-frame
 * metadata, per-hart order-0 caches, reference counts for sharing, and fast
 * page zero/copy.  Pages are named by their direct-map virtual address.
 * Setting it up at boot (kinit, kmem_init) is mm/page_init.h. */
#ifndef MM_PAGE_H
#define MM_PAGE_H

#include <mm/types.h>

#define PAGE_MAX_ORDER  12      /* largest block: 2^12 pages = 16 MiB */

/* Allocate 2^order physically contiguous pages, aligned to their size.
 * Returns the direct-map address with reference count 1, or NULL when
 * order > PAGE_MAX_ORDER or no block is free.  Contents are not zeroed. */
void  *page_alloc(unsigned order);
/* As page_alloc, zero-filled. */
void  *page_zalloc(unsigned order);
/* Return a block from page_alloc with its order.  A block that is not
 * allocated, or a wrong order, is reported with the address and stops. */
void   page_free(void *va, unsigned order);

/* Sharing (copy-on-write): take or drop a reference on an allocated order-0
 * page.  page_put frees the page when the count reaches 0 and returns the
 * remaining count. */
void   page_get(void *va);
uint32 page_put(void *va);
uint32 page_refcount(const void *va);
/* Turn an allocated block of 2^order pages into 2^order allocated order-0
 * pages, each with one reference (then freed one by one with page_put).  A
 * block that is not allocated with that order is reported and stops. */
void   page_split(void *va, unsigned order);

/* Make the frame at va (page-aligned, inside managed RAM, in a range boot
 * reserved: never the allocator's) an allocated order-0 page with one
 * reference, as from page_alloc(0), and count it as managed: a boot
 * archive's frames become file pages without a copy, and page_put frees one
 * into the allocator.  0, or -MM_EINVAL when va is outside managed RAM or
 * already a block's head.  Which frames are reserved is the caller's word. */
int    page_adopt(void *va);

/* Bytes of free RAM (all orders and caches). */
uint64 get_free_mem(void);
/* Number of free 4 KiB frames (same quantity as get_free_mem() / PAGE_SIZE). */
uint64 page_free_count(void);
/* Total frames managed. */
uint64 page_total_count(void);

/* Check the allocator's invariants (free lists, metadata, counts).  Returns 0
 * when consistent, or a negative MM_ error after printing what is wrong. */
int    page_check(void);

/* Drain the per-hart caches back to the buddy lists (tests, low memory). */
void   page_drain_caches(void);
/* Fault injection, in images built with failalloc=N (MM_FAILALLOC=N): from
 * this call on, every Nth frame allocation fails as if memory had run out.
 * Does nothing in other builds. */
void   page_failalloc_start(void);

/* Fast whole-page operations on direct-map addresses. */
void   page_zero(void *va);
void   page_copy(void *dst, const void *src);

/* The same API DESIGN.md names for the direct map. */
uint64 virt_to_phys(uint64 va);
uint64 phys_to_virt(uint64 pa);

#endif

/* Not public: the per-frame metadata and tag scheme that page.c owns and
 * kalloc.c reads, the region table page_init.c builds for page.c, the
 * reference fast path page.c shares with the fork-time copy (cow.c), and the
 * page-run interface kalloc uses for large sizes.
 *
 * Frame metadata is never initialised in bulk (RAM starts dirty and
 * initialisation must not be O(frames)).  Instead every record carries a tag
 *
 *     tag = frame_va ^ page_fast.key ^ (kind << TAG_KIND_SHIFT) ^ order
 *
 * and a record is believed only when its tag equals the tag expected for that
 * frame, kind and order.  The key changes on every boot (see page.c), so
 * neither garbage nor a previous boot's records can match.  Only heads of
 * blocks carry a live tag; whoever stops a frame being a head (merge, slab
 * release) leaves a tag of a kind that no check accepts (FREE or TAIL). */
#ifndef MM_PAGE_INTERNAL_H
#define MM_PAGE_INTERNAL_H

#include <stdbool.h>

#include <arch/mmu.h>
#include <mm/page.h>
#include <mm/types.h>

/* For the allocation fast paths, which call nothing but a tail-called slow
 * path: no frame-pointer set-up (a backtrace from the slow path skips only
 * the fast function).  GCC only; other compilers keep the frame. */
#if defined(__GNUC__) && !defined(__clang__)
#define MM_FAST_PATH    __attribute__((optimize("omit-frame-pointer")))
#else
#define MM_FAST_PATH
#endif

/* Metadata of one 4 KiB frame: 16 bytes. */
struct page_meta {
    uint64 tag;         /* see above; garbage unless it matches */
    uint32 refs_extra;  /* allocated order-0 pages: references beyond the first;
                         * written only by page.c and page_ref_fast() below */
    uint32 aux;         /* owner's word: kalloc class / run length in pages, a
                         * page table's entry count, a 2 MiB block's shares */
};
#define PAGE_META_SHIFT 4                   /* log2 sizeof(struct page_meta) */
_Static_assert(sizeof(struct page_meta) == 1U << PAGE_META_SHIFT, "frame metadata is 16 bytes");

/* Tag kinds.  The order sits in the low TAG_KIND_SHIFT bits. */
#define TAG_KIND_SHIFT  4
enum page_kind {
    PK_ALLOC = 0,       /* page_alloc'd block head (order = its order) */
    PK_FREE,            /* buddy free-list head, or a stale absorbed head */
    PK_CACHED,          /* order-0 page in a per-hart cache */
    PK_TAIL,            /* no longer a head of anything */
    PK_RUN,             /* kalloc large run head; aux = length in pages */
    PK_SLAB_SMALL,      /* one-page kalloc slab (16-byte granules); aux = class */
    PK_SLAB,            /* page of a multi-page slab; aux = class | page index << 8 */
};

struct pcp_entry;

/* The facts every fast path needs, in one place (one address to form): the
 * largest region (checked first) and the boot's tag key, written only by
 * kinit/kmem_init (page_init.c); and the hart's order-0 cache stack, whose
 * ends page.c owns (Capsule runs one hart: a later SMP version moves them
 * into per-hart storage). */
struct page_fast {
    uint64            base;         /* first managed frame of the hot region */
    uint64            span_bytes;   /* its managed bytes (0: no region yet) */
    uint64            meta_bias;    /* record of page-aligned va = (va >> 8) + meta_bias */
    uint64            key;          /* this boot's tag key, low PAGE_SHIFT bits 0 */
    uint64            slab_key;     /* key ^ the PK_SLAB_SMALL code, for kfree */
    struct pcp_entry *pcp_top;      /* page.c: the cache's next free entry */
    struct pcp_entry *pcp_limit;    /* page.c: one past its last entry */
};
extern struct page_fast page_fast;

/* One RAM bank (kinit) or one range (kmem_init).  Added by page_init.c at
 * boot, immutable afterwards. */
struct mm_region {
    uint64            base;         /* first managed frame */
    uint64            span_bytes;   /* managed bytes */
    struct page_meta *meta;         /* meta[i] describes frame base + i pages */
};
extern struct mm_region mm_regions[];
extern int              mm_nr_regions;

/* The region that holds va, or NULL when va is not in managed RAM. */
static inline struct mm_region *region_of(uint64 va)
{
    for (int i = 0; i < mm_nr_regions; i++)
        if (va - mm_regions[i].base < mm_regions[i].span_bytes)
            return &mm_regions[i];
    return NULL;
}

/* The record of the frame that holds va, which r holds. */
static inline struct page_meta *meta_of(const struct mm_region *r, uint64 va)
{
    return &r->meta[(va - r->base) >> PAGE_SHIFT];
}

/* Record of a page-aligned va inside the hot region (no division, no
 * region search: one shift and one add). */
static inline struct page_meta *hot_meta(uint64 va)
{
    return (struct page_meta *)((va >> (PAGE_SHIFT - PAGE_META_SHIFT)) + page_fast.meta_bias);
}

/* The tag a frame's record has when it is a head of this kind and order. */
static inline uint64 page_tag(uint64 frame_va, enum page_kind kind, unsigned order)
{
    return frame_va ^ page_fast.key ^ ((uint64)kind << TAG_KIND_SHIFT) ^ order;
}

/* Metadata record of the frame that holds va, or NULL when va is not in
 * managed RAM.  The record may be garbage: compare its tag before use. */
struct page_meta *page_meta_lookup(uint64 va);

/* page_meta_lookup for a page-aligned va in managed RAM, without a call or
 * a region search when va is in the hot region. */
static inline struct page_meta *page_meta_of(uint64 va)
{
    if (va - page_fast.base < page_fast.span_bytes)
        return hot_meta(va);
    return page_meta_lookup(va);
}

/* The most references beyond the first an order-0 page can hold. */
#define PAGE_REFS_EXTRA_MAX     (UINT32_MAX - 1)

/* The record of va when va is an allocated order-0 page (a page_alloc(0)
 * page, or a page of a page_split block) inside the hot region that hot
 * describes, else NULL.  hot is &page_fast, or a copy of it that a loop keeps
 * in registers.  The one tag test of the reference fast paths: a page it
 * does not accept goes to page.c's slow paths, which check and report. */
static inline struct page_meta *page_hot_alloc(uint64 va, const struct page_fast *hot)
{
    if ((va & PAGE_MASK) || va - hot->base >= hot->span_bytes)
        return NULL;
    struct page_meta *m = (struct page_meta *)((va >> (PAGE_SHIFT - PAGE_META_SHIFT)) + hot->meta_bias);
    return m->tag == (va ^ hot->key) ? m : NULL;        /* page_tag(va, PK_ALLOC, 0) */
}

/* page_get without a call: take a reference on va when page_hot_alloc
 * accepts it and its count does not overflow, and return true; else take
 * nothing and return false (the caller then calls page_get). */
static inline bool page_ref_fast(uint64 va, const struct page_fast *hot)
{
    struct page_meta *m = page_hot_alloc(va, hot);

    if (!m || m->refs_extra == PAGE_REFS_EXTRA_MAX)
        return false;
    m->refs_extra++;
    return true;
}

/* Allocate npages (1 .. 2^PAGE_MAX_ORDER) contiguous pages aligned to the
 * largest power of two not above npages, tagged PK_RUN with aux = npages.
 * The unused tail of the underlying buddy block goes back to the free lists.
 * NULL when memory is exhausted. */
void  *page_alloc_run(size_t npages);
/* Free a run from page_alloc_run; the caller has checked its PK_RUN tag. */
void   page_free_run(void *va);

/* Change a block's head from PK_ALLOC to the owner's kind (and back before
 * page_free).  The caller owns the block. */
void   page_set_tag(void *va, enum page_kind kind, unsigned order, uint32 aux);

/* The kind of the head record of page-aligned va (and its order), or -1 when
 * va is outside managed RAM, unaligned, or its record is not a head's. */
int    page_head_kind(uint64 va, unsigned *order);

/* Boot (page_init.c calls page.c): forget every free list, cache and count. */
void   page_buddy_reset(void);
/* Boot: hand the n free ranges [lo[i], hi[i]) of r (page-aligned) to the
 * free lists as the maximal aligned blocks that tile them, and count their
 * pages as managed. */
void   page_add_free(const struct mm_region *r, int n, const uint64 *lo, const uint64 *hi);

/* kalloc's state is reset by kinit (kalloc.c). */
void   kalloc_init(void);

#endif

/* Physical memory at run time: the buddy free lists, the per-hart order-0
 * caches, reference counts, kalloc's page runs, the consistency check,
 * whole-page zero/copy and the direct-map translation.  (The region table
 * and the free lists' first blocks are set up at boot by page_init.c.)
 *
 * Every frame has a metadata record in its region (page_internal.h), believed
 * only through its tag.  A free block's head is tagged PK_FREE and linked on
 * the list of its order; an allocated block's head PK_ALLOC; an order-0 page
 * in a per-hart cache PK_CACHED.  The fast paths (page_alloc(0), page_free
 * of an order-0 page, the reference counts) look only at the hot region's
 * records, one shift and one add away; everything else goes to a slow path
 * that finds the region and checks the tag.
 *
 * Locking: Capsule runs one hart, and libOS code runs with interrupts off, so
 * nothing here takes a lock.  The per-hart caches are indexed by hart id so
 * that a later SMP version only needs locks on the buddy lists. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <arch/console.h>
#include <arch/layout.h>
#include <arch/mmu.h>
#include <mm/errno.h>
#include <mm/page.h>

#include "page_internal.h"
#include "vm_internal.h"
#include "words.h"

#define NR_HARTS            1
#define PCP_CAP_PAGES       64      /* per-hart order-0 cache capacity */
#define PCP_BATCH_PAGES     16      /* pages moved per refill / drain */
/* Flipping these tag bits turns a cached page's tag into an allocated one. */
#define CACHED_TO_ALLOC     ((uint64)(PK_CACHED ^ PK_ALLOC) << TAG_KIND_SHIFT)

/* A free block's first bytes: its links in the free list of its order. */
struct free_block {
    struct free_block  *next;
    struct free_block **pprev;      /* the pointer that points at this block */
};

/* One cached order-0 page. */
struct pcp_entry {
    void             *va;
    struct page_meta *meta;
};

/* A hart's order-0 cache: a stack of pages tagged PK_CACHED, ent[1] up to
 * the top (exclusive).  ent[0] is a sentinel whose va is NULL: popping it
 * is how page_alloc sees the cache empty, without a bound to load.  The top
 * and the limit (&ent[PCP_CAP_PAGES + 1]) live in page_fast beside the
 * region facts, so the fast paths form one address for all of them.  Only
 * its own hart touches it. */
struct pcp {
    struct pcp_entry  ent[PCP_CAP_PAGES + 1];
};

/* All of the following is protected by the one-hart, interrupts-off rule. */
static struct free_block *free_lists[PAGE_MAX_ORDER + 1];
static uint64            buddy_free_pages;     /* pages on the free lists */
static uint64            total_pages;          /* pages handed to page_add_free */
static struct pcp        pcps[NR_HARTS];

static inline struct pcp *this_pcp(void)
{
    return &pcps[0];    /* hart 0: Capsule runs one hart (NR_HARTS) */
}

static inline uint64 block_bytes(unsigned order)
{
    return PAGE_SIZE << order;
}

/* ---- records ------------------------------------------------------------ */

/* Contract in page_internal.h. */
struct page_meta *page_meta_lookup(uint64 va)
{
    struct mm_region *r = region_of(va);

    return r ? meta_of(r, va) : NULL;
}

/* Contract in page_internal.h. */
void page_set_tag(void *va, enum page_kind kind, unsigned order, uint32 aux)
{
    struct page_meta *m = page_meta_lookup((uint64)va);

    m->tag = page_tag((uint64)va, kind, order);
    m->aux = aux;
}

/* ---- free lists --------------------------------------------------------- */

static void list_push(unsigned order, uint64 va)
{
    struct free_block *b = (struct free_block *)va;

    b->next = free_lists[order];
    if (b->next)
        b->next->pprev = &b->next;
    b->pprev = &free_lists[order];
    free_lists[order] = b;
}

static void list_del(struct free_block *b)
{
    *b->pprev = b->next;
    if (b->next)
        b->next->pprev = b->pprev;
}

/* Put the block [va, va + 2^order pages) of r on the free lists, merging it
 * with free buddies.  The block's record need not be valid. */
static void buddy_put(const struct mm_region *r, uint64 va, unsigned order)
{
    buddy_free_pages += 1UL << order;
    while (order < PAGE_MAX_ORDER) {
        uint64 buddy = va ^ block_bytes(order);
        if (buddy < r->base || buddy - r->base + block_bytes(order) > r->span_bytes)
            break;
        struct page_meta *bm = meta_of(r, buddy);
        if (bm->tag != page_tag(buddy, PK_FREE, order))
            break;
        list_del((struct free_block *)buddy);
        uint64 upper = buddy > va ? buddy : va;
        meta_of(r, upper)->tag = page_tag(upper, PK_TAIL, 0);
        va = buddy < va ? buddy : va;
        order++;
    }
    meta_of(r, va)->tag = page_tag(va, PK_FREE, order);
    list_push(order, va);
}

/* Take a block of 2^order pages from the free lists, splitting a larger one
 * if needed; its head is tagged PK_ALLOC.  NULL when none is free. */
static void *buddy_take(unsigned order)
{
    unsigned k = order;

    while (k <= PAGE_MAX_ORDER && !free_lists[k])
        k++;
    if (k > PAGE_MAX_ORDER)
        return NULL;
    struct free_block *b = free_lists[k];
    list_del(b);
    uint64 va = (uint64)b;
    const struct mm_region *r = region_of(va);
    while (k > order) {
        k--;
        uint64 half = va + block_bytes(k);
        meta_of(r, half)->tag = page_tag(half, PK_FREE, k);
        list_push(k, half);
    }
    struct page_meta *m = meta_of(r, va);
    m->tag = page_tag(va, PK_ALLOC, order);
    m->refs_extra = 0;
    m->aux = 0;
    buddy_free_pages -= 1UL << order;
    return b;
}

/* Tile the free range [lo, hi) of r with maximal aligned blocks and put
 * them on the free lists (writing only their heads' records). */
static void add_free_range(const struct mm_region *r, uint64 lo, uint64 hi)
{
    uint64 va = lo;

    while (va < hi) {
        unsigned o = 0;
        while (o < PAGE_MAX_ORDER &&
               ((va - DIRECT_MAP_OFFSET) & (block_bytes(o + 1) - 1)) == 0 &&
               hi - va >= block_bytes(o + 1))
            o++;
        meta_of(r, va)->tag = page_tag(va, PK_FREE, o);
        list_push(o, va);
        buddy_free_pages += 1UL << o;
        va += block_bytes(o);
    }
    total_pages += (hi - lo) >> PAGE_SHIFT;
}

/* Contract in page_internal.h.  One call per region: the loop over its
 * pieces stays here, beside the lists it fills. */
void page_add_free(const struct mm_region *r, int n, const uint64 *lo, const uint64 *hi)
{
    for (int i = 0; i < n; i++)
        add_free_range(r, lo[i], hi[i]);
}

/* Contract in page_internal.h. */
void page_buddy_reset(void)
{
    for (unsigned o = 0; o <= PAGE_MAX_ORDER; o++)
        free_lists[o] = NULL;
    pcps[0].ent[0].va = NULL;       /* the sentinel */
    pcps[0].ent[0].meta = NULL;
    page_fast.pcp_top = &pcps[0].ent[1];
    page_fast.pcp_limit = &pcps[0].ent[PCP_CAP_PAGES + 1];
    buddy_free_pages = 0;
    total_pages = 0;
}

/* ---- per-hart caches ---------------------------------------------------- */

/* The hart's cache top (one hart: page_fast holds it). */
static inline struct pcp_entry **pcp_top(const struct pcp *c)
{
    (void)c;
    return &page_fast.pcp_top;
}

static inline uint64 pcp_count(const struct pcp *c)
{
    return (uint64)(*pcp_top(c) - &c->ent[1]);
}

/* Push an order-0 page (record m) that is not full. */
static inline void pcp_push(struct pcp *c, void *va, struct page_meta *m)
{
    struct pcp_entry *e = (*pcp_top(c))++;

    e->va = va;
    e->meta = m;
}

static void pcp_refill(struct pcp *c)
{
    while (pcp_count(c) < PCP_BATCH_PAGES) {
        void *va = buddy_take(0);
        if (!va)
            break;
        struct page_meta *m = page_meta_lookup((uint64)va);
        m->tag = page_tag((uint64)va, PK_CACHED, 0);
        pcp_push(c, va, m);
    }
}

/* Return up to nr_pages of the most recently cached pages to the buddy lists. */
static void pcp_drain(struct pcp *c, uint64 nr_pages)
{
    while (nr_pages-- && pcp_count(c) != 0) {
        uint64 va = (uint64)(--*pcp_top(c))->va;
        buddy_put(region_of(va), va, 0);
    }
}

/* Contract in mm/page.h. */
void page_drain_caches(void)
{
    for (int h = 0; h < NR_HARTS; h++)
        pcp_drain(&pcps[h], PCP_CAP_PAGES);
}

/* ---- allocation --------------------------------------------------------- */

#ifdef MM_FAILALLOC
/* failalloc=N: set once by page_failalloc_start; the count of allocations
 * since.  One hart allocates at a time (see the locking note above). */
static bool failalloc_on;
static uint64 failalloc_count;

/* Whether this allocation is one the injection fails. */
static bool failalloc_now(void)
{
    return failalloc_on && ++failalloc_count % (MM_FAILALLOC) == 0;
}
#else
static inline bool failalloc_now(void)
{
    return false;
}
#endif

/* Contract in mm/page.h. */
void page_failalloc_start(void)
{
#ifdef MM_FAILALLOC
    failalloc_on = true;
#endif
}

static __attribute__((noinline)) void *page_alloc_slow(unsigned order)
{
    if (order > PAGE_MAX_ORDER)
        return NULL;
    if (order == 0) {
        struct pcp *c = this_pcp();
        pcp_refill(c);
        if (pcp_count(c) == 0)
            return NULL;
        return page_alloc(0);
    }
    void *va = buddy_take(order);
    if (!va) {
        page_drain_caches();
        va = buddy_take(order);
    }
    return va;
}

/* Fast path: pop the hart's cache (the sentinel's NULL: it is empty). */
MM_FAST_PATH void *page_alloc(unsigned order)
{
    if (failalloc_now())
        return NULL;
    if (order == 0) {
        struct pcp_entry *e = page_fast.pcp_top - 1;
        void *va = e->va;
        if (va) {
            struct page_meta *m = e->meta;
            page_fast.pcp_top = e;
            m->tag ^= CACHED_TO_ALLOC;
            return va;
        }
    }
    return page_alloc_slow(order);
}

/* Contract in mm/page.h. */
void *page_zalloc(unsigned order)
{
    void *va = page_alloc(order);

    if (va)
        mm_fill(va, block_bytes(order), 0);
    return va;
}

/* ---- freeing ------------------------------------------------------------ */

int page_head_kind(uint64 va, unsigned *order)
{
    const struct page_meta *m = page_meta_lookup(va);

    if (!m || (va & PAGE_MASK) || (m->tag & ~PAGE_MASK) != (va ^ page_fast.key))
        return -1;
    if (order)
        *order = (unsigned)(m->tag & ((1U << TAG_KIND_SHIFT) - 1));
    return (int)((m->tag & PAGE_MASK) >> TAG_KIND_SHIFT);
}

/* Why va is not an allocated block of order: for error reports. */
static const char *describe_frame(uint64 va, unsigned order)
{
    unsigned o;

    if (!page_meta_lookup(va))
        return "not in managed RAM";
    if (va & PAGE_MASK)
        return "not page-aligned";
    switch (page_head_kind(va, &o)) {
    case PK_ALLOC:      return o == order ? "allocated" : "allocated with another order";
    case PK_FREE:       return "already free";
    case PK_CACHED:     return "already free (cached)";
    case PK_RUN:
    case PK_SLAB_SMALL:
    case PK_SLAB:       return "owned by kalloc";
    default:            return "not the head of an allocated block";
    }
}

static __attribute__((noinline)) void page_free_slow(void *va, unsigned order)
{
    uint64 a = (uint64)va;
    struct mm_region *r = region_of(a);
    struct page_meta *m = r ? meta_of(r, a) : NULL;

    if (!m || (a & PAGE_MASK) || order > PAGE_MAX_ORDER ||
        m->tag != page_tag(a, PK_ALLOC, order))
        panic("page_free: %p (order %u): %s", va, order, describe_frame(a, order));
#ifdef MM_DEBUG
    mm_fill(va, block_bytes(order), POISON_WORD);
#endif
    if (order > 0) {
        buddy_put(r, a, order);
        return;
    }
    struct pcp *c = this_pcp();
    if (pcp_count(c) == PCP_CAP_PAGES)
        pcp_drain(c, PCP_BATCH_PAGES);
    m->tag = page_tag(a, PK_CACHED, 0);
    m->refs_extra = 0;
    pcp_push(c, va, m);
}

/* Fast path: an order-0 page of the hot region goes on the hart's cache. */
MM_FAST_PATH void page_free(void *va, unsigned order)
{
    uint64 a = (uint64)va;
    struct pcp *c = this_pcp();

    if (order == 0 && (a & PAGE_MASK) == 0 && a - page_fast.base < page_fast.span_bytes &&
        page_fast.pcp_top != page_fast.pcp_limit) {
        struct page_meta *m = hot_meta(a);
        uint64 want = a ^ page_fast.key;        /* page_tag(a, PK_ALLOC, 0) */
        if (m->tag == want) {
#ifdef MM_DEBUG
            mm_fill(va, PAGE_SIZE, POISON_WORD);
#endif
            m->tag = want ^ CACHED_TO_ALLOC;
            m->refs_extra = 0;
            pcp_push(c, va, m);
            return;
        }
    }
    page_free_slow(va, order);
}

/* ---- reference counts --------------------------------------------------- */

/* The record of an allocated order-0 page, or a report naming who asked. */
static struct page_meta *owned_page(const void *va, const char *who)
{
    struct page_meta *m = page_meta_lookup((uint64)va);

    if (!m || ((uint64)va & PAGE_MASK) || m->tag != page_tag((uint64)va, PK_ALLOC, 0))
        panic("%s: %p is not an allocated order-0 page: %s", who, va,
              describe_frame((uint64)va, 0));
    return m;
}

static __attribute__((noinline)) void page_get_slow(void *va)
{
    struct page_meta *m = owned_page(va, "page_get");

    if (m->refs_extra == PAGE_REFS_EXTRA_MAX)
        panic("page_get: reference count of %p overflows", va);
    m->refs_extra++;
}

/* Fast path: page_ref_fast (a page of the hot region whose count does not
 * overflow). */
MM_FAST_PATH void page_get(void *va)
{
    if (!page_ref_fast((uint64)va, &page_fast))
        page_get_slow(va);
}

static __attribute__((noinline)) uint32 page_put_slow(void *va)
{
    struct page_meta *m = owned_page(va, "page_put");

    if (m->refs_extra == 0) {
        page_free(va, 0);
        return 0;
    }
    return m->refs_extra--;
}

/* Fast path: a shared page of the hot region loses a reference. */
MM_FAST_PATH uint32 page_put(void *va)
{
    struct page_meta *m = page_hot_alloc((uint64)va, &page_fast);

    if (m && m->refs_extra != 0)
        return m->refs_extra--;
    return page_put_slow(va);
}

static __attribute__((noinline)) uint32 page_refcount_slow(const void *va)
{
    struct page_meta *m = page_meta_lookup((uint64)va);

    if (!m || ((uint64)va & PAGE_MASK) || m->tag != page_tag((uint64)va, PK_ALLOC, 0))
        return 0;
    return m->refs_extra + 1;
}

/* Fast path: a page of the hot region. */
MM_FAST_PATH uint32 page_refcount(const void *va)
{
    struct page_meta *m = page_hot_alloc((uint64)va, &page_fast);

    if (m)
        return m->refs_extra + 1;
    return page_refcount_slow(va);
}

/* Contract in mm/page.h. */
void page_split(void *va, unsigned order)
{
    uint64 a = (uint64)va;
    struct page_meta *m = page_meta_lookup(a);

    if (!m || (a & PAGE_MASK) || order > PAGE_MAX_ORDER || m->tag != page_tag(a, PK_ALLOC, order))
        panic("page_split: %p (order %u): %s", va, order, describe_frame(a, order));
    for (uint64 i = 0; i < (U64(1) << order); i++, a += PAGE_SIZE) {
        m = page_meta_lookup(a);
        m->tag = page_tag(a, PK_ALLOC, 0);
        m->refs_extra = 0;
    }
}

/* Contract in mm/page.h. */
int page_adopt(void *va)
{
    uint64 a = (uint64)va;
    struct page_meta *m = page_meta_lookup(a);

    if (!m || (a & PAGE_MASK) || page_head_kind(a, NULL) >= 0)
        return -MM_EINVAL;
    m->tag = page_tag(a, PK_ALLOC, 0);
    m->refs_extra = 0;
    m->aux = 0;
    total_pages++;
    return 0;
}

/* ---- kalloc's runs ------------------------------------------------------ */

/* Largest order whose block fits in npages, and the smallest that holds it. */
static unsigned floor_order(uint64 npages)
{
    unsigned o = 0;

    while (o < PAGE_MAX_ORDER && (2UL << o) <= npages)
        o++;
    return o;
}

static unsigned ceil_order(uint64 npages)
{
    unsigned o = floor_order(npages);

    return (1UL << o) < npages ? o + 1 : o;
}

/* Free the pages [va + from, va + to) (page counts) of one region as the
 * maximal aligned blocks that tile them. */
static void free_pages_range(uint64 va, uint64 from_pages, uint64 to_pages)
{
    const struct mm_region *r = region_of(va);

    while (from_pages < to_pages) {
        unsigned o = 0;
        while (o < PAGE_MAX_ORDER && !(from_pages & (1UL << o)) &&
               from_pages + (2UL << o) <= to_pages)
            o++;
        buddy_put(r, va + (from_pages << PAGE_SHIFT), o);
        from_pages += 1UL << o;
    }
}

/* Contract in page_internal.h. */
void *page_alloc_run(size_t npages)
{
    if (npages == 0 || npages > (1UL << PAGE_MAX_ORDER) || failalloc_now())
        return NULL;
    unsigned order = ceil_order(npages);
    void *va = buddy_take(order);
    if (!va) {
        page_drain_caches();
        if (!(va = buddy_take(order)))
            return NULL;
    }
    free_pages_range((uint64)va, npages, 1UL << order);
    page_set_tag(va, PK_RUN, 0, (uint32)npages);
    return va;
}

/* Contract in page_internal.h. */
void page_free_run(void *va)
{
    struct page_meta *m = page_meta_lookup((uint64)va);
    uint64 npages = m->aux;

#ifdef MM_DEBUG
    mm_fill(va, npages << PAGE_SHIFT, POISON_WORD);
#endif
    m->tag = page_tag((uint64)va, PK_TAIL, 0);
    free_pages_range((uint64)va, 0, npages);
}

/* ---- counts ------------------------------------------------------------- */

uint64 page_free_count(void)
{
    uint64 n = buddy_free_pages;

    for (int h = 0; h < NR_HARTS; h++)
        n += pcp_count(&pcps[h]);
    return n;
}

/* Contract in mm/page.h. */
uint64 get_free_mem(void)
{
    return page_free_count() << PAGE_SHIFT;
}

/* Contract in mm/page.h. */
uint64 page_total_count(void)
{
    return total_pages;
}

/* ---- consistency check -------------------------------------------------- */

#define CHECK(cond, ...) do { if (!(cond)) { kprintf("page_check: " __VA_ARGS__); \
                                             kprintf("\n"); return -MM_EINVAL; } } while (0)

/* One free block of the list of order: where it is and what its record says. */
static int check_free_block(const struct free_block *b, unsigned order)
{
    uint64 va = (uint64)b;
    const struct mm_region *r = region_of(va);

    CHECK(r, "free block %p (order %u) is outside managed RAM", (void *)b, order);
    CHECK(((va - DIRECT_MAP_OFFSET) & (block_bytes(order) - 1)) == 0,
          "free block %p is not aligned to order %u", (void *)b, order);
    CHECK(va - r->base + block_bytes(order) <= r->span_bytes,
          "free block %p (order %u) runs past its region", (void *)b, order);
    CHECK(meta_of(r, va)->tag == page_tag(va, PK_FREE, order),
          "free block %p has a record that does not say free order %u", (void *)b, order);
    uint64 buddy = va ^ block_bytes(order);
    bool buddy_inside = buddy >= r->base && buddy - r->base + block_bytes(order) <= r->span_bytes;
    CHECK(order == PAGE_MAX_ORDER || !buddy_inside ||
          meta_of(r, buddy)->tag != page_tag(buddy, PK_FREE, order),
          "free block %p and its buddy are both free at order %u (not merged)", (void *)b, order);
    return 0;
}

static int check_free_lists(void)
{
    uint64 pages = 0;

    for (unsigned o = 0; o <= PAGE_MAX_ORDER; o++) {
        struct free_block *const *link = &free_lists[o];
        for (const struct free_block *b = free_lists[o]; b; b = b->next) {
            CHECK(pages < total_pages, "free list %u is longer than RAM (a cycle?)", o);
            CHECK(b->pprev == link, "free list %u: back link of %p is wrong", o, (void *)b);
            int err = check_free_block(b, o);
            if (err)
                return err;
            pages += 1UL << o;
            link = &b->next;
        }
    }
    CHECK(pages == buddy_free_pages, "free lists hold %lu pages, the count says %lu",
          (unsigned long)pages, (unsigned long)buddy_free_pages);
    return 0;
}

static int check_caches(void)
{
    for (int h = 0; h < NR_HARTS; h++) {
        const struct pcp *c = &pcps[h];
        CHECK(*pcp_top(c) >= &c->ent[1] && pcp_count(c) <= PCP_CAP_PAGES && !c->ent[0].va,
              "hart %d cache top is wrong", h);
        for (uint64 i = 1; i <= pcp_count(c); i++) {
            uint64 va = (uint64)c->ent[i].va;
            CHECK(c->ent[i].meta == page_meta_lookup(va) && !(va & PAGE_MASK),
                  "hart %d cache entry %lu (%p) is not a managed page", h, (unsigned long)i,
                  c->ent[i].va);
            CHECK(c->ent[i].meta->tag == page_tag(va, PK_CACHED, 0),
                  "cached page %p has a record that does not say cached", c->ent[i].va);
        }
    }
    return 0;
}

/* Contract in mm/page.h. */
int page_check(void)
{
    int err = check_free_lists();

    if (!err)
        err = check_caches();
    if (!err)
        CHECK(page_free_count() <= total_pages, "more free pages (%lu) than pages (%lu)",
              (unsigned long)page_free_count(), (unsigned long)total_pages);
    return err;
}

/* ---- whole pages and the direct map ------------------------------------- */

/* A leaf, so no frame-pointer set-up (as for the allocation fast paths). */
MM_FAST_PATH void page_zero(void *va)
{
    words_zero_page(va);
}

/* A leaf, so no frame-pointer set-up (as for the allocation fast paths). */
MM_FAST_PATH void page_copy(void *dst, const void *src)
{
    words_copy_page(dst, src);
}

/* Contract in mm/page.h. */
uint64 phys_to_virt(uint64 pa)
{
    return pa + DIRECT_MAP_OFFSET;
}

/* The image gigapage starts where the direct map ends (arch/layout.h). */
#define IMAGE_WINDOW_BASE   (DIRECT_MAP_BASE + DIRECT_MAP_SIZE)

/* Contract in mm/page.h. */
uint64 virt_to_phys(uint64 va)
{
    if (va - DIRECT_MAP_OFFSET < DIRECT_MAP_SIZE)
        return va - DIRECT_MAP_OFFSET;
    if (va >= IMAGE_WINDOW_BASE)
        return va - KERNEL_OFFSET;
    return vm_walkaddr_current(va);
}

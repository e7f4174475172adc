/* kalloc: size-class slab caches for sizes up to KALLOC_SLAB_MAX_BYTES and
 * page runs for larger ones, with exact detection of invalid and double frees.
 *
 * A slab is 2^order pages from page_alloc.  Its first SLAB_HDR_BYTES hold the
 * header below, including one state byte per granule (16 << order bytes) of
 * the slab; the byte of a granule where a live object starts is OBJ_LIVE and
 * every other byte is OBJ_FREE.  That one byte tells kfree whether a pointer
 * is a live object's start, so interior pointers and double frees are caught
 * without trusting anything the application can write.  Whether a page is a
 * slab at all comes from its frame record (page_internal.h), which the
 * application cannot forge.  A one-page slab's header repeats that record's
 * tag (a value of this boot's secret key, see page_internal.h) in its first
 * word, so kfree's fast path compares one word in the page it already
 * touches; any other word there (a page that is not a one-page slab, or a
 * header that was overwritten) sends it to the slow path, which reads the
 * frame record and reports.  A released slab's word is cleared.
 *
 *   slab: | header: tag, free, links, counts, state[256] | obj | obj | ... | obj | slack |
 *
 * Classes 16..256 bytes (16-byte steps) live in one-page slabs; their kalloc
 * and kfree fast paths are a few loads and stores.  Larger classes use
 * 4- and 8-page slabs and go through the slower, generic path.
 *
 * Locking: one hart, interrupts off in libOS code; nothing here locks.  The
 * class caches would become per-hart with SMP. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <arch/console.h>
#include <arch/mmu.h>
#include <mm/kalloc.h>
#include <mm/page.h>

#include "page_internal.h"
#include "words.h"

#define GRANULE_SHIFT           4       /* 16-byte granules in one-page slabs */
#define SLAB_STATES             256     /* state bytes: granules per slab */
#define KALLOC_ALIGN_BYTES      (1UL << GRANULE_SHIFT)
#define FAST_MAX_BYTES          256     /* classes up to here: one-page slabs */
#define FAST_CLASSES            (FAST_MAX_BYTES >> GRANULE_SHIFT)
#define STEPS_PER_DOUBLING      4       /* larger classes: 4 per power of two */
#define NR_CLASSES              (FAST_CLASSES + 3 * STEPS_PER_DOUBLING)
#define KALLOC_SLAB_MAX_BYTES   2048
#define RUN_MAX_BYTES           (PAGE_SIZE << PAGE_MAX_ORDER)
#define OBJ_FREE                0       /* any other state byte: a live object starts here */
#define OBJ_LIVE                1
#define SLAB_INDEX_SHIFT        8       /* PK_SLAB aux: class | page index << 8 */
#define SLAB_CLASS_MASK         ((1U << SLAB_INDEX_SHIFT) - 1)

/* Lives at the start of every slab. */
struct slab {
    uint64        tag;              /* one-page slab: its frame record's tag; else 0 */
    void         *free;             /* first free object; NULL when full */
    struct slab  *next;             /* partial list of the class */
    struct slab **pprev;
    uint32_t      nlive;            /* objects handed out, + 1 while active (the pin) */
    uint16_t      cap;              /* objects in the slab */
    uint8_t       cls;
    uint8_t       order;
    uint8_t       state[SLAB_STATES];
} __attribute__((aligned(KALLOC_ALIGN_BYTES)));
#define SLAB_HDR_BYTES  sizeof(struct slab)
_Static_assert(SLAB_HDR_BYTES % KALLOC_ALIGN_BYTES == 0, "objects stay 16-byte aligned");
/* kalloc's fast path stores the new live count as the (non-zero) state byte. */
_Static_assert((PAGE_SIZE - SLAB_HDR_BYTES) / KALLOC_ALIGN_BYTES + 1 <= UINT8_MAX,
               "a one-page slab's live count fits a state byte");

struct class_info {
    uint16_t obj_bytes;
    uint8_t  slab_order;
};

/* Every class size is a multiple of its slab's granule (16 << slab_order). */
static const struct class_info classes[NR_CLASSES] = {
    {16, 0}, {32, 0}, {48, 0}, {64, 0}, {80, 0}, {96, 0}, {112, 0}, {128, 0},
    {144, 0}, {160, 0}, {176, 0}, {192, 0}, {208, 0}, {224, 0}, {240, 0}, {256, 0},
    {320, 2}, {384, 2}, {448, 2}, {512, 2},
    {640, 3}, {768, 3}, {896, 3}, {1024, 3},
    {1280, 3}, {1536, 3}, {1792, 3}, {2048, 3},
};

/* One class's slabs: allocation comes from active; other slabs with free
 * objects wait on partial; full slabs are on no list.  The active slab holds
 * one extra count (a pin) so that it never looks empty to kfree: it is kept
 * however many objects come back (no thrashing), while any other slab that
 * empties is released at once. */
struct kcache {
    struct slab *active;            /* never NULL: &no_slab when there is none */
    struct slab *partial;
};

/* Protected by the one-hart, interrupts-off rule. */
static struct kcache kcaches[NR_CLASSES];
static struct slab   no_slab;       /* free == NULL: sends kalloc to its slow path */

static inline uint64 slab_bytes(const struct slab *s)
{
    return PAGE_SIZE << s->order;
}

static inline unsigned granule_shift(unsigned order)
{
    return GRANULE_SHIFT + order;
}

/* Offset of the first object: the header rounded up to a granule. */
static inline uint64 first_obj_off(unsigned order)
{
    uint64 g = 1UL << granule_shift(order);

    return (SLAB_HDR_BYTES + g - 1) & ~(g - 1);
}

/* Class of a size in 1 .. KALLOC_SLAB_MAX_BYTES. */
static unsigned size_class(uint64 sz)
{
    uint64 s = sz - 1;

    if (s < FAST_MAX_BYTES)
        return (unsigned)(s >> GRANULE_SHIFT);
    unsigned shift = 6, cls = FAST_CLASSES;     /* 257..512: steps of 64 */
    while (s >> (shift + 3)) {
        shift++;
        cls += STEPS_PER_DOUBLING;
    }
    return cls + (unsigned)(s >> shift) - STEPS_PER_DOUBLING;
}

/* ---- slabs -------------------------------------------------------------- */

static void slab_tag_pages(struct slab *s, unsigned cls)
{
    s->tag = 0;
    if (s->order == 0) {
        page_set_tag(s, PK_SLAB_SMALL, 0, cls);
        s->tag = (uint64)s ^ page_fast.slab_key;    /* page_tag(s, PK_SLAB_SMALL, 0) */
        return;
    }
    for (uint64 i = 0; i < (1UL << s->order); i++)
        page_set_tag((char *)s + (i << PAGE_SHIFT), PK_SLAB, 0,
                     cls | (uint32)(i << SLAB_INDEX_SHIFT));
}

/* A new slab of class cls with every object on its free list, or NULL. */
static struct slab *slab_new(unsigned cls)
{
    unsigned order = classes[cls].slab_order;
    uint64 size = classes[cls].obj_bytes;
    struct slab *s = page_alloc(order);

    if (!s)
        return NULL;
    s->order = (uint8_t)order;
    s->cls = (uint8_t)cls;
    s->nlive = 0;
    s->next = NULL;
    s->pprev = NULL;
    mm_fill(s->state, SLAB_STATES, 0);
    void **link = &s->free;
    uint16_t cap = 0;
    for (uint64 off = first_obj_off(order); off + size <= slab_bytes(s); off += size) {
        void **obj = (void **)((char *)s + off);
#ifdef MM_DEBUG
        mm_fill(obj, size, POISON_WORD);
#endif
        *link = obj;
        link = obj;
        cap++;
    }
    *link = NULL;
    s->cap = cap;
    slab_tag_pages(s, cls);
    return s;
}

/* Give an empty slab's pages back, with tags that no check accepts. */
static void slab_release(struct slab *s)
{
    unsigned order = s->order;

    s->tag = 0;
    for (uint64 i = 1; i < (1UL << order); i++)
        page_set_tag((char *)s + (i << PAGE_SHIFT), PK_TAIL, 0, 0);
    page_set_tag(s, PK_ALLOC, order, 0);
    page_free(s, order);
}

static void partial_push(struct kcache *kc, struct slab *s)
{
    s->next = kc->partial;
    if (s->next)
        s->next->pprev = &s->next;
    s->pprev = &kc->partial;
    kc->partial = s;
}

static void partial_del(struct slab *s)
{
    *s->pprev = s->next;
    if (s->next)
        s->next->pprev = s->pprev;
}

/* After a free into s that emptied it (never the pinned active slab) or
 * un-filled it (was_full). */
static __attribute__((noinline)) void slab_changed(struct slab *s, bool was_full)
{
    struct kcache *kc = &kcaches[s->cls];

    if (s->nlive == 0) {
        if (!was_full)
            partial_del(s);
        slab_release(s);
    } else if (was_full && s != kc->active) {
        partial_push(kc, s);
    }
}

/* Return the live object p, whose state byte is st, to its slab. */
static inline void slab_put(struct slab *s, void *p, uint8_t *st)
{
    *st = OBJ_FREE;
#ifdef MM_DEBUG
    mm_fill(p, classes[s->cls].obj_bytes, POISON_WORD);
#endif
    void *old = s->free;
    *(void **)p = old;
    s->free = p;
    if (--s->nlive == 0 || !old)
        slab_changed(s, !old);
}

/* Make kc's active slab one with a free object.  False when out of memory. */
static bool refill_active(struct kcache *kc, unsigned cls)
{
    struct slab *s = kc->partial;

    if (s) {
        partial_del(s);
    } else {
        s = slab_new(cls);
        if (!s) {
            kalloc_drain();
            if (!(s = slab_new(cls)))
                return false;
        }
    }
    if (kc->active != &no_slab)
        kc->active->nlive--;    /* unpin: it is full, so it stays on no list */
    s->nlive++;                 /* pin the new active slab */
    kc->active = s;
    return true;
}

/* Take an object from the class's active slab, which has one. */
static void *slab_get(struct kcache *kc)
{
    struct slab *s = kc->active;
    void **obj = s->free;

    s->free = *obj;
    s->nlive++;
    s->state[((uint64)obj - (uint64)s) >> granule_shift(s->order)] = OBJ_LIVE;
#ifdef MM_DEBUG
    for (uint64 i = 1; i < classes[s->cls].obj_bytes / sizeof(uint64); i++)
        if (((uint64 *)obj)[i] != POISON_WORD)
            panic("kalloc: %p was written after it was freed", (void *)obj);
#endif
    return obj;
}

/* ---- the API ------------------------------------------------------------ */

void kalloc_init(void)
{
    no_slab.free = NULL;
    for (unsigned c = 0; c < NR_CLASSES; c++) {
        kcaches[c].active = &no_slab;
        kcaches[c].partial = NULL;
    }
}

/* Contract in mm/kalloc.h. */
void kalloc_drain(void)
{
    for (unsigned c = 0; c < NR_CLASSES; c++) {
        struct slab *s = kcaches[c].active;
        if (s != &no_slab && s->nlive == 1) {     /* only the pin */
            kcaches[c].active = &no_slab;
            slab_release(s);
        }
    }
}

static __attribute__((noinline)) void *kalloc_slow(uint64 sz)
{
    if (sz == 0)
        sz = 1;             /* a unique minimal object */
    if (sz > KALLOC_SLAB_MAX_BYTES) {
        if (sz > RUN_MAX_BYTES)
            return NULL;
        uint64 npages = (sz + PAGE_MASK) >> PAGE_SHIFT;
        void *p = page_alloc_run(npages);
        if (!p) {
            kalloc_drain();
            p = page_alloc_run(npages);
        }
        return p;
    }
    unsigned cls = size_class(sz);
    struct kcache *kc = &kcaches[cls];
    if (!kc->active->free && !refill_active(kc, cls))
        return NULL;
    return slab_get(kc);
}

/* Fast path: 1..256 bytes from the active one-page slab of the class. */
MM_FAST_PATH void *kalloc(uint64 sz)
{
    if (sz - 1 < FAST_MAX_BYTES) {
        struct kcache *kc = &kcaches[(sz - 1) >> GRANULE_SHIFT];
        struct slab *s = kc->active;
        void **obj = s->free;
        if (obj) {
#ifdef MM_DEBUG
            return slab_get(kc);
#else
            uint32 live = s->nlive + 1;
            s->free = *obj;
            s->nlive = live;
            s->state[((uint64)obj & PAGE_MASK) >> GRANULE_SHIFT] = (uint8_t)live; /* != OBJ_FREE */
            return obj;
#endif
        }
    }
    return kalloc_slow(sz);
}

/* Contract in mm/kalloc.h. */
void *kmalloc(uint64 sz)
{
    return kalloc(sz);
}

/* Contract in mm/kalloc.h. */
void *kcalloc(uint64 nr, uint64 sz)
{
    uint64 bytes;

    if (__builtin_mul_overflow(nr, sz, &bytes))
        return NULL;
    void *p = kalloc(bytes);
    if (p)
        mm_fill(p, round_words(bytes), 0);
    return p;
}

/* Contract in mm/kalloc.h. */
void *kzalloc(uint64 sz)
{
    return kcalloc(1, sz);
}

/* The slab that holds p when p's page is a slab page, else NULL. */
static struct slab *slab_of(uint64 p)
{
    uint64 pg = p & ~PAGE_MASK;
    int kind = page_head_kind(pg, NULL);

    if (kind == PK_SLAB_SMALL)
        return (struct slab *)pg;
    if (kind == PK_SLAB) {
        uint32 index = page_meta_lookup(pg)->aux >> SLAB_INDEX_SHIFT;
        return (struct slab *)(pg - ((uint64)index << PAGE_SHIFT));
    }
    return NULL;
}

/* State byte of the live object that starts at p in s, or NULL. */
static uint8_t *live_state(struct slab *s, uint64 p)
{
    uint8_t *st = &s->state[(p - (uint64)s) >> granule_shift(s->order)];

    return *st != OBJ_FREE && ((p - (uint64)s) & ((1UL << granule_shift(s->order)) - 1)) == 0
           ? st : NULL;
}

/* p is in slab s but is not a live object: say which mistake it is. */
static void __attribute__((noreturn)) report_slab_free(struct slab *s, uint64 p)
{
    uint64 size = classes[s->cls].obj_bytes;
    uint64 first = first_obj_off(s->order), off = p - (uint64)s;

    if (off >= first && (off - first) % size == 0 && (off - first) / size < s->cap)
        panic("kfree: double free of %p (%lu-byte object)", (void *)p, (unsigned long)size);
    panic("kfree: invalid free of %p (not the start of a %lu-byte object)", (void *)p,
          (unsigned long)size);
}

static __attribute__((noinline)) void kfree_slow(void *ptr)
{
    uint64 p = (uint64)ptr, pg = p & ~PAGE_MASK;

    if (!ptr)
        return;
    if (!page_meta_lookup(p))
        panic("kfree: invalid free of %p (not in managed RAM)", ptr);
    struct slab *s = slab_of(p);
    if (s) {
        uint8_t *st = live_state(s, p);
        if (!st)
            report_slab_free(s, p);
        slab_put(s, ptr, st);
        return;
    }
    int kind = page_head_kind(pg, NULL);
    if (kind == PK_RUN && p == pg) {
        page_free_run(ptr);
        return;
    }
    if ((kind == PK_FREE || kind == PK_CACHED) && p == pg)
        panic("kfree: double free of %p (the page is free)", ptr);
    panic("kfree: invalid free of %p (%s)", ptr,
          kind == PK_ALLOC ? "a page_alloc block, not kalloc's" : "not a kalloc pointer");
}

/* Fast path: a live object of a one-page slab in the hot region (the
 * header's tag word, then the object's state byte). */
MM_FAST_PATH void kfree(void *ptr)
{
    uint64 p = (uint64)ptr, pg = p & ~PAGE_MASK;

    if (p - page_fast.base < page_fast.span_bytes && (p & (KALLOC_ALIGN_BYTES - 1)) == 0) {
        struct slab *s = (struct slab *)pg;
        uint8_t *st = &s->state[(p & PAGE_MASK) >> GRANULE_SHIFT];
        if (s->tag == (pg ^ page_fast.slab_key) && *st != OBJ_FREE) {
            slab_put(s, ptr, st);
            return;
        }
    }
    kfree_slow(ptr);
}

/* Contract in mm/kalloc.h. */
uint64 ksize(const void *ptr)
{
    uint64 p = (uint64)ptr;

    if (!ptr || !page_meta_lookup(p))
        return 0;
    struct slab *s = slab_of(p);
    if (s)
        return live_state(s, p) ? classes[s->cls].obj_bytes : 0;
    if (page_head_kind(p, NULL) == PK_RUN)
        return (uint64)page_meta_lookup(p)->aux << PAGE_SHIFT;
    return 0;
}

/* umalloc: the application's malloc, a two-level segregated-fit allocator
 * (TLSF style) whose every byte of state lives in the memory it manages.
 *
 * Chunks carry dlmalloc-style boundary tags; addresses and sizes are
 * multiples of 16:
 *
 *      | prev_foot | head | payload ...........................|
 *      c           c+8    c+16 = p                            c+size (+8)
 *
 *   head = size | FREE | PREV_FREE | MAPPED | CACHED.  prev_foot is the size
 *   of the chunk before c, kept only while that chunk is free; while it is
 *   in use the word is the tail of its payload.  So a block costs one 8-byte
 *   word and its usable size is size - 8.  A free chunk keeps list links at
 *   c+16 and c+24: the smallest chunk is 32 bytes (24 usable).  No two free
 *   chunks are ever neighbours: free merges at once, in O(1).
 *
 * Free lists, one per size class (TLSF's two levels):
 *   chunks below 512 bytes:  one exact class per 16 bytes (level 0);
 *   2^k .. 2^(k+1) - 1:      level k - 8, split into 32 equal classes.
 *   A bitmap per level and one of levels find the first non-empty class at
 *   or above a size in a few instructions; no list is ever searched.  The
 *   class of a size below 8 KiB is one table load (class_tab).
 *
 * Three free chunks are on no list, because they are where most requests
 * are served without any list work:
 *   the top:     the free tail of the newest pool; the heap grows by
 *                extending it and shrinks by giving back most of it once it
 *                passes trim_threshold.
 *   the victim:  (dv, "designated victim" in dlmalloc) the rest of the last
 *                chunk split for a request.  Requests that fit are carved
 *                from its front and freed neighbours merge into it, so a
 *                queue of blocks (allocated in order, freed in order) cycles
 *                through it without touching a list.  A victim replaced by
 *                a new one is listed, or parked when it is below
 *                VICTIM_PARK_BYTES (only a request of its exact size could
 *                use it).
 *   parked:      a freed small chunk (below 512 bytes) whose previous chunk
 *                is in use is parked in cache[] of its exact class, newest
 *                first, still "in use" to its neighbours but flagged CACHED.
 *                The next request of the class takes it back (so the memory
 *                freed last, already touched, is reused first): malloc and
 *                free are then a few loads and stores.  Parked chunks are
 *                merged for real (cache_drain) before the heap grows,
 *                before it trims and when the program starts taking its
 *                data down (TEARDOWN_FREES frees with no malloc between
 *                them: small frees then merge at once until the next
 *                malloc), so they never raise the peak nor keep what a
 *                program freed, and freeing them costs once what freeing
 *                them would have cost.  (A
 *                chunk whose previous chunk is free merges at once, so a
 *                queue still coalesces into the victim.)
 * So malloc looks at: the parked chunks of the class, the exact class list
 * (small sizes), the victim, the lists (good fit), the top, and last grows
 * the heap.
 *
 * The heap is one or more pools of space from src->grow (a program break:
 * usually one pool that grows in place):
 *
 *   first pool:  | struct umalloc (ends with its pool record) | chunks ... | top       |
 *   later pools: | pool record (16)                           | chunks ... | top       |
 *   older pools: | pool record | chunks ...      | last chunk | sentinel (16) |
 *
 * A pool that stops being the newest (the source returned space elsewhere)
 * gets its top listed and ends with a sentinel: a chunk of size 0, in use.
 * The heap grows by at least 1/32 of its size (few grow calls, little
 * slack); after it had to grow back what it gave away, it keeps more
 * before giving back the next time.  The newest pool is known to be zero
 * above `fresh`, so ucalloc does not clear (nor touch) such memory.
 *
 * Giving memory back, with hysteresis so that churn does not thrash:
 *   the top:   above trim_threshold (first 256 KiB) all but TRIM_KEEP_BYTES
 *              of it goes back to the source (shrink); a heap that must
 *              grow back what it gave raises the threshold.  While the
 *              program takes its data down (TEARDOWN_FREES frees with no
 *              malloc between them, see ufree) and never had to grow back,
 *              a top above TEARDOWN_TRIM_BYTES goes back down to
 *              TEARDOWN_KEEP_BYTES.
 *   free runs: while the program takes its data down (or frees a block
 *              of DISCARD_MIN_BYTES or more), a free chunk inside the heap of
 *              DISCARD_MIN_BYTES or more has the frames of its whole pages
 *              dropped (src.discard, madvise MADV_DONTNEED; run_discard says
 *              how often).
 *              Runs freed while the program allocates between frees keep
 *              their frames: it would touch them again.
 * So after a program frees everything the heap holds about what newlib's
 * does: the allocator's state and a few pages of top.
 *
 * Requests of map_threshold bytes or more are mapped apart (when the source
 * can) with a map_link record before the chunk.  The threshold rises when
 * such a block is freed, so a program that keeps cycling large blocks soon
 * gets them from the heap instead (as glibc does).
 *
 * realloc grows in place into the top or a free neighbour (moving the
 * contents down into a free previous chunk if need be); a block that must
 * be copied to grow gets room to grow further (see growth_room), and small
 * shrinks keep that room.  A block of GROW_MAP_MIN_BYTES or more that must
 * move to grow moves (once) to a mapping of its own with address space
 * reserved for it to grow GROW_MAP_FACTOR times, at least
 * GROW_MAP_RESERVE_MIN: it then grows in place, with no copy, and the room
 * it never touches costs no memory (pages are demand-zero).  Its usable
 * size runs to the end of the page of its last byte; a copy copies that
 * much, never the room.
 *
 * Every free checks that the pointer is a block of this heap and reports
 * what it is not: a misaligned or foreign pointer, a block already free or
 * parked (its head says so).  A parked free reads only the block's head;
 * every other one also checks the size against the heap's bounds and that
 * the next chunk agrees (heap_chunk_ok).  Debug builds (MM_DEBUG) poison
 * freed blocks.
 *
 * Locking: none.  One allocator belongs to one address space; its callers
 * (libc_glue) run on one hart with no concurrent use.
 *
 * Why one file of ~1,500 lines: malloc's and free's fast paths are made of
 * the static inline helpers below (chunks, classes, lists, the victim, the
 * parked chunks), inlined into one another; libmm is built without
 * link-time optimisation, so split across files they would become calls,
 * and the malloc figures of docs/benchmarks.md would rise.  The sections
 * (---- lines) are the seams a split would follow. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <arch/console.h>
#include <arch/mmu.h>
#include <mm/errno.h>
#include <mm/umalloc.h>

#include "page_internal.h"
#include "words.h"

#define ALIGN_BYTES         16UL
#define ALIGN_MASK          (ALIGN_BYTES - 1)
#define HEAD_BYTES          16UL        /* prev_foot and head: payload offset in a chunk */
#define OVERHEAD_BYTES      8UL         /* what an in-use chunk costs: its head */
#define MIN_CHUNK_BYTES     32UL        /* head words and two list links */

#define FREE_BIT            1UL
#define PREV_FREE_BIT       2UL
#define MAPPED_BIT          4UL
#define CACHED_BIT          8UL         /* a freed small chunk parked in the cache */
#define FLAG_MASK           15UL

#define SL_SHIFT            5
#define SL_COUNT            (1U << SL_SHIFT)            /* classes per level */
#define SMALL_LIMIT_BYTES   (SL_COUNT * ALIGN_BYTES)    /* 512: below, exact classes */
#define FL_BASE_SHIFT       9                           /* log2(SMALL_LIMIT_BYTES) */
#define FL_COUNT            32                          /* level 31: 2^39 .. 2^40 - 1 */
#define NR_LISTS            (FL_COUNT * SL_COUNT)
#define HEAP_MAX_BYTES      (1UL << 39)     /* so no chunk reaches 2^40 */
#define REQUEST_MAX_BYTES   (1UL << 39)     /* larger requests get NULL at once */
/* Largest request whose chunk is in an exact class (chunk 496 bytes). */
#define SMALL_REQUEST_MAX   (SMALL_LIMIT_BYTES - ALIGN_BYTES - OVERHEAD_BYTES)

#define GROW_HEAP_SHIFT     5               /* grow the heap by at least heap_bytes / 32 */
#define MAP_MIN_BYTES       (256UL << 10)   /* first map_threshold */
#define MAP_MAX_THRESHOLD   (32UL << 20)    /* map_threshold rises no further */
#define TRIM_MIN_BYTES      (256UL << 10)   /* first trim_threshold */
#define TRIM_KEEP_BYTES     (128UL << 10)   /* top left after a trim */
#define TEARDOWN_TRIM_BYTES (64UL << 10)    /* while taking data down: a top this big is trimmed */
#define TEARDOWN_KEEP_BYTES (16UL << 10)    /* ... down to this */
#define TRIM_MAX_THRESHOLD  (64UL << 20)    /* trim_threshold rises no further */
#define DISCARD_MIN_BYTES   (64UL << 10)    /* a free run this big inside the heap loses its pages */
#define DISCARD_FREED_SHIFT 2               /* ... once 1/4 of its size was freed since the last drop */
#define TEARDOWN_FREES      64              /* frees in a row: no parking, runs dropped */
#define VICTIM_PARK_BYTES   64UL            /* a replaced victim below this is parked, not listed */
#define GROW_MAP_MIN_BYTES  (4UL << 10)     /* a block realloc moves at this size gets a mapping */
#define GROW_MAP_FACTOR     8               /* ... with room to grow this many times in place */
#define GROW_MAP_RESERVE_MIN (256UL << 10)  /* ... and at least this much */
#define REALLOC_SLACK_SHIFT 3               /* a moved, growing block gets at least 1/8 more */
#define LOG2_TAB_SHIFT      9
#define LOG2_TAB_SIZE       (1U << LOG2_TAB_SHIFT)  /* log2 by table below 512 << 9 = 256 KiB */

struct chunk {
    size_t         prev_foot;   /* size of the previous chunk, while it is free */
    size_t         head;        /* size | flags */
    struct chunk  *next;        /* free chunks on a list only */
    struct chunk **pprev;       /* the list head or the previous chunk's next */
};

/* At the start of each pool (the first pool's sits at the end of the
 * allocator's state); its chunks follow. */
struct pool {
    struct pool *older;         /* the pool made before this one */
    uint64       end;           /* where the source's space ends */
};

/* At the start of a mapped region; its chunk follows (later when aligned). */
struct map_link {
    struct map_link  *next;
    struct map_link **pprev;
    struct chunk     *chunk;
    size_t            bytes;    /* the whole region */
    size_t            usable;   /* the block's usable bytes (the rest is room to grow) */
    size_t            pad;
};
#define MAP_HDR_BYTES       (sizeof(struct map_link) + HEAD_BYTES)

struct umalloc {
    /* read by every ufree */
    uint64         plo;             /* every pool lies in [plo - 16, plo + plimit): */
    uint64         plimit;          /* payloads start at plo or above (see heap_chunk_ok) */
    struct chunk  *top;
    struct chunk  *dv;              /* the victim: a free chunk on no list, or NULL */
    uint64         fl_map;          /* bit fl: sl_map[fl] != 0 */
    uint64         sl_map[FL_COUNT];/* bit sl: the list of class fl * 32 + sl is not empty */
    struct chunk  *cache[SL_COUNT]; /* parked chunks by exact class, newest first (see ufree) */
    size_t         map_threshold;   /* requests this big are mapped apart */
    size_t         trim_threshold;  /* a top this big is given back, down to TRIM_KEEP_BYTES */
    size_t         trimmed_bytes;   /* given back since the heap last grew */
    size_t         frees_in_a_row;  /* heap frees since the last umalloc (see ufree) */
    size_t         teardown_bytes;  /* freed in the teardown since the last run_discard drop */
    struct pool   *last;            /* the newest pool: the top's */
    uint64         fresh;           /* the newest pool is untouched (zero) from here on */
    struct map_link *mapped;        /* every mapped block */
    bool           draining;        /* cache_drain is running (see heap_trim) */
    size_t         heap_bytes;
    size_t         mapped_bytes;
    size_t         peak_bytes;
    struct umalloc_source src;
    struct chunk  *heads[NR_LISTS]; /* one free list per class, newest first */
    _Alignas(16) struct pool pool0; /* the first pool's record: its chunks follow */
};
_Static_assert(sizeof(struct umalloc) % ALIGN_BYTES == 0
               && offsetof(struct umalloc, pool0) + sizeof(struct pool) == sizeof(struct umalloc),
               "the first chunk follows the state, aligned");
_Static_assert(sizeof(struct pool) == HEAD_BYTES, "a pool record is one chunk header");
_Static_assert(MAP_HDR_BYTES % ALIGN_BYTES == 0, "mapped payloads are aligned");

/* floor(log2(i)) for 1 <= i < LOG2_TAB_SIZE. */
static const uint8_t log2_tab[LOG2_TAB_SIZE] = {
    [1] = 0, [2 ... 3] = 1, [4 ... 7] = 2, [8 ... 15] = 3, [16 ... 31] = 4,
    [32 ... 63] = 5, [64 ... 127] = 6, [128 ... 255] = 7, [256 ... 511] = 8,
};

/* The class of every size below CLASS_TAB_LIMIT_BYTES, by size / 16 (the
 * classes there are at least 16 bytes wide): what size_class computes,
 * in one load.  CLASS_OF is that computation as a constant expression. */
#define CLASS_TAB_LIMIT_BYTES   8192UL
#define CLASS_OF(s)     ((s) < 512 ? (s) / 16 : (s) < 1024 ? 32 | (((s) >> 4) & 31)            \
                         : (s) < 2048 ? 64 | (((s) >> 5) & 31) : (s) < 4096 ? 96 | (((s) >> 6) & 31) \
                         : 128 | (((s) >> 7) & 31))
#define CLASS_T1(j)     (uint8_t)CLASS_OF((j) * 16),
#define CLASS_T4(j)     CLASS_T1(j) CLASS_T1((j) + 1) CLASS_T1((j) + 2) CLASS_T1((j) + 3)
#define CLASS_T16(j)    CLASS_T4(j) CLASS_T4((j) + 4) CLASS_T4((j) + 8) CLASS_T4((j) + 12)
#define CLASS_T64(j)    CLASS_T16(j) CLASS_T16((j) + 16) CLASS_T16((j) + 32) CLASS_T16((j) + 48)
#define CLASS_T256(j)   CLASS_T64(j) CLASS_T64((j) + 64) CLASS_T64((j) + 128) CLASS_T64((j) + 192)
static const uint8_t class_tab[CLASS_TAB_LIMIT_BYTES / ALIGN_BYTES] = { CLASS_T256(0) CLASS_T256(256) };
_Static_assert(CLASS_TAB_LIMIT_BYTES == 1UL << (FL_BASE_SHIFT + 4) && SL_SHIFT == 5,
               "class_tab covers the first four levels above the exact classes");

/* Bit index of a power of two below 2^32 (de Bruijn; RV64GC has no ctz). */
static const uint8_t debruijn_tab[32] = {
    0, 1, 28, 2, 29, 14, 24, 3, 30, 22, 20, 15, 25, 17, 4, 8,
    31, 27, 13, 23, 21, 19, 16, 7, 26, 12, 18, 6, 11, 5, 10, 9,
};
#define DEBRUIJN32      0x077cb531U

/* ---- chunks and classes ------------------------------------------------- */

static inline struct chunk *chunk_plus(struct chunk *c, size_t off)
{
    return (struct chunk *)((char *)c + off);
}

static inline struct chunk *chunk_minus(struct chunk *c, size_t off)
{
    return (struct chunk *)((char *)c - off);
}

static inline struct chunk *chunk_of(const void *p)
{
    return (struct chunk *)((uint64)p - HEAD_BYTES);
}

static inline void *payload(struct chunk *c)
{
    return (char *)c + HEAD_BYTES;
}

static inline size_t chunk_size(const struct chunk *c)
{
    return c->head & ~FLAG_MASK;
}

static inline uint64 align_up(uint64 x, uint64 align)
{
    return (x + align - 1) & ~(align - 1);
}

/* The chunk size for a request of n <= REQUEST_MAX_BYTES bytes. */
static inline size_t request_chunk(size_t n)
{
    size_t size = (n + OVERHEAD_BYTES + ALIGN_MASK) & ~ALIGN_MASK;

    return size < MIN_CHUNK_BYTES ? MIN_CHUNK_BYTES : size;
}

/* Index of the lowest set bit of x (0 < x < 2^32). */
static inline size_t lowest_bit(uint64 x)
{
    return debruijn_tab[(uint32)((uint32)(x & -x) * DEBRUIJN32) >> 27];
}

/* floor(log2(size)) for SMALL_LIMIT_BYTES <= size < 2^40: one table look-up,
 * after at most three shifts for sizes of 256 KiB and more. */
static inline size_t size_log2(size_t size)
{
    uint64 q = size >> FL_BASE_SHIFT;
    size_t k = FL_BASE_SHIFT;

    if (__builtin_expect(q >= LOG2_TAB_SIZE, 0)) {
        q >>= LOG2_TAB_SHIFT;
        k += LOG2_TAB_SHIFT;
        if (q >= LOG2_TAB_SIZE) {
            q >>= LOG2_TAB_SHIFT;
            k += LOG2_TAB_SHIFT;
            if (q >= LOG2_TAB_SIZE) {
                q >>= LOG2_TAB_SHIFT;
                k += LOG2_TAB_SHIFT;
            }
        }
    }
    return k + log2_tab[q];
}

/* The class (list index) holding free chunks of this size. */
static inline size_t size_class(size_t size)
{
    if (size < CLASS_TAB_LIMIT_BYTES)
        return class_tab[size / ALIGN_BYTES];
    size_t k = size_log2(size);
    return ((k - (FL_BASE_SHIFT - 1)) << SL_SHIFT) | ((size >> (k - SL_SHIFT)) & (SL_COUNT - 1));
}

/* ---- free lists --------------------------------------------------------- */

static inline void list_emptied(struct umalloc *h, size_t i)
{
    uint64 m = h->sl_map[i >> SL_SHIFT] & ~(1UL << (i & (SL_COUNT - 1)));

    h->sl_map[i >> SL_SHIFT] = m;
    if (!m)
        h->fl_map &= ~(1UL << (i >> SL_SHIFT));
}

static inline void list_insert(struct umalloc *h, struct chunk *c, size_t size)
{
    size_t i = size_class(size);
    struct chunk **slot = &h->heads[i];
    struct chunk *first = *slot;

    c->next = first;
    c->pprev = slot;
    *slot = c;
    if (first) {
        first->pprev = &c->next;
    } else {
        h->sl_map[i >> SL_SHIFT] |= 1UL << (i & (SL_COUNT - 1));
        h->fl_map |= 1UL << (i >> SL_SHIFT);
    }
}

/* Take c off whatever list it is on.  The class need not be computed: a
 * chunk whose pprev is a list head and that has no successor was alone. */
static inline void list_unlink(struct umalloc *h, struct chunk *c)
{
    struct chunk *next = c->next;
    struct chunk **pprev = c->pprev;

    *pprev = next;
    if (next)
        next->pprev = pprev;
    else if ((uint64)pprev - (uint64)h->heads < sizeof h->heads)
        list_emptied(h, (size_t)(pprev - h->heads));
}

/* Take c, the first chunk of list i. */
static inline void list_pop(struct umalloc *h, struct chunk *c, size_t i)
{
    struct chunk *next = c->next;

    h->heads[i] = next;
    if (next)
        next->pprev = &h->heads[i];
    else
        list_emptied(h, i);
}

/* A listed free chunk of at least size bytes, taken off its list, or NULL.
 * Good fit: the first chunk of the first non-empty class whose every chunk
 * fits, or the head of size's own class when it happens to fit. */
static inline __attribute__((always_inline)) struct chunk *list_take(struct umalloc *h, size_t size)
{
    size_t i;
    struct chunk *c;

    if (!h->fl_map)
        return NULL;                        /* no list holds anything */
    if (size < SMALL_LIMIT_BYTES) {
        i = size / ALIGN_BYTES;
    } else {
        i = size_class(size);
        c = h->heads[i];
        if (c && chunk_size(c) >= size) {
            list_pop(h, c, i);
            return c;
        }
        i++;
    }
    size_t fl = i >> SL_SHIFT;
    if (fl >= FL_COUNT)
        return NULL;
    uint64 m = h->sl_map[fl] & (~0UL << (i & (SL_COUNT - 1)));
    if (!m) {
        uint64 fm = h->fl_map & (~1UL << fl);
        if (!fm)
            return NULL;
        fl = lowest_bit(fm);
        m = h->sl_map[fl];
    }
    i = (fl << SL_SHIFT) | lowest_bit(m);
    c = h->heads[i];
    list_pop(h, c, i);
    return c;
}

/* ---- the heap: pools, top, growing and trimming ------------------------- */

static inline struct chunk *pool_first(struct pool *pl)
{
    return (struct chunk *)(pl + 1);
}

static inline uint64 pool_end(const struct pool *pl)
{
    return pl->end & ~ALIGN_MASK;
}

static void account(struct umalloc *h)
{
    size_t total = h->heap_bytes + h->mapped_bytes;

    if (total > h->peak_bytes)
        h->peak_bytes = total;
}

/* The newest pool gets no more space: its top becomes a listed free chunk
 * (if it is big enough to be one) before a sentinel. */
static void pool_seal(struct umalloc *h)
{
    struct chunk *t = h->top;
    size_t tsize = chunk_size(t);

    if (tsize >= MIN_CHUNK_BYTES + HEAD_BYTES) {
        size_t fsize = tsize - HEAD_BYTES;
        struct chunk *s = chunk_plus(t, fsize);
        s->prev_foot = fsize;
        s->head = PREV_FREE_BIT;
        t->head = fsize | FREE_BIT;
        list_insert(h, t, fsize);
    } else {
        t->head = 0;
    }
}

static inline uint64 heap_lo(const struct umalloc *h)
{
    return h->plo - HEAD_BYTES;
}

static inline uint64 heap_hi(const struct umalloc *h)
{
    return h->plo + h->plimit;
}

static void bounds_set(struct umalloc *h, uint64 lo, uint64 hi)
{
    h->plo = lo + HEAD_BYTES;
    h->plimit = hi - h->plo;
}

/* The heap's bounds grow to include [start, end). */
static void bounds_include(struct umalloc *h, uint64 start, uint64 end)
{
    uint64 lo = heap_lo(h), hi = heap_hi(h);

    bounds_set(h, start < lo ? start : lo, end > hi ? end : hi);
}

/* Space of bytes at r from the source: extend the newest pool when r is
 * where it ends, else start a new pool there. */
static void heap_add(struct umalloc *h, uint64 r, size_t bytes)
{
    struct pool *pl = h->last;

    h->heap_bytes += bytes;
    account(h);
    if (r == pl->end) {
        pl->end += bytes;
        h->top->head = (pool_end(pl) - (uint64)h->top) | FREE_BIT;
        bounds_include(h, r, pool_end(pl));
        return;
    }
    pool_seal(h);
    pl = (struct pool *)align_up(r, ALIGN_BYTES);
    pl->older = h->last;
    pl->end = r + bytes;
    h->last = pl;
    h->top = pool_first(pl);
    h->top->head = (pool_end(pl) - (uint64)h->top) | FREE_BIT;
    h->fresh = (uint64)h->top + HEAD_BYTES;
    bounds_include(h, (uint64)pl, pool_end(pl));
}

/* Grow the heap by at least min_bytes; false when the source has none. */
static bool heap_grow(struct umalloc *h, size_t min_bytes)
{
    size_t room = HEAP_MAX_BYTES - h->heap_bytes;
    size_t bytes = min_bytes;

    if (min_bytes > room)
        return false;
    if (bytes < h->heap_bytes >> GROW_HEAP_SHIFT)
        bytes = h->heap_bytes >> GROW_HEAP_SHIFT;
    if (bytes > room)
        bytes = min_bytes;
    bytes = align_up(bytes, PAGE_SIZE);
    void *r = h->src.grow(h->src.ctx, bytes);
    if (!r && bytes > align_up(min_bytes, PAGE_SIZE)) {
        bytes = align_up(min_bytes, PAGE_SIZE);     /* the generous step failed: just enough */
        r = h->src.grow(h->src.ctx, bytes);
    }
    if (!r)
        return false;
    if (h->trimmed_bytes) {
        /* The heap grows again after giving memory back: keep more next time. */
        size_t t = 2 * h->trimmed_bytes;
        if (t > h->trim_threshold)
            h->trim_threshold = t < TRIM_MAX_THRESHOLD ? t : TRIM_MAX_THRESHOLD;
        h->trimmed_bytes = 0;
    }
    heap_add(h, (uint64)r, bytes);
    return true;
}

/* Make the top at least need bytes; false when the source has no more. */
static bool top_reserve(struct umalloc *h, size_t need)
{
    while (chunk_size(h->top) < need) {
        /* room for a new pool's record and alignment, should r not be contiguous */
        if (!heap_grow(h, need - chunk_size(h->top) + 2 * HEAD_BYTES))
            return false;
    }
    return true;
}

/* The top now starts at t: its head is written, so the fresh part starts
 * after it at the lowest. */
static inline void top_moved(struct umalloc *h, struct chunk *t)
{
    h->top = t;
    if ((uint64)t + HEAD_BYTES > h->fresh)
        h->fresh = (uint64)t + HEAD_BYTES;
}

/* Carve size bytes from the top, which has room for them and its own head. */
static inline void *top_carve(struct umalloc *h, size_t size)
{
    struct chunk *t = h->top;
    struct chunk *nt = chunk_plus(t, size);

    nt->head = (chunk_size(t) - size) | FREE_BIT;
    t->head = size;
    top_moved(h, nt);
    return payload(t);
}

static void *map_alloc(struct umalloc *h, size_t n, size_t align, size_t reserve);

static void *top_grow_take(struct umalloc *h, size_t size, bool may_map);

static bool cache_drain(struct umalloc *h);

/* Whether the top is given back down to TEARDOWN_KEEP_BYTES: while the
 * program takes its data down (see ufree), as long as it never had to grow
 * back memory given away (which raised trim_threshold). */
static inline bool teardown_trims(const struct umalloc *h)
{
    return h->frees_in_a_row >= TEARDOWN_FREES && h->trim_threshold == TRIM_MIN_BYTES;
}

/* Give the source back all of the top above TRIM_KEEP_BYTES, in pages,
 * after merging the parked chunks (which may free more of it).  Not while
 * they are being merged: their merging into the top never trims. */
static __attribute__((noinline)) void heap_trim(struct umalloc *h)
{
    if (!h->src.shrink || h->draining)
        return;
    cache_drain(h);

    struct pool *pl = h->last;
    uint64 keep_end = (uint64)h->top + (teardown_trims(h) ? TEARDOWN_KEEP_BYTES : TRIM_KEEP_BYTES);

    if (pl->end <= keep_end)
        return;
    size_t bytes = (pl->end - keep_end) & ~PAGE_MASK;
    if (!bytes)
        return;
    uint64 old_end = pool_end(pl);
    h->src.shrink(h->src.ctx, bytes);
    pl->end -= bytes;
    h->heap_bytes -= bytes;
    h->trimmed_bytes += bytes;
    h->top->head = (pool_end(pl) - (uint64)h->top) | FREE_BIT;
    if (h->fresh > pool_end(pl))
        h->fresh = pool_end(pl);            /* what grows back there is zero */
    if (old_end == heap_hi(h))
        bounds_set(h, heap_lo(h), pool_end(pl));
}

/* ---- using and releasing heap chunks ------------------------------------ */

/* The victim old is replaced: a small one is parked (it serves requests
 * of its exact size, see ufree), a bigger one listed. */
static inline void victim_retire(struct umalloc *h, struct chunk *old)
{
    size_t osize = chunk_size(old);

    if (osize < VICTIM_PARK_BYTES) {
        struct chunk **slot = &h->cache[osize / ALIGN_BYTES];
        chunk_plus(old, osize)->head &= ~PREV_FREE_BIT;
        old->head = osize | CACHED_BIT;
        old->next = *slot;
        *slot = old;
    } else {
        list_insert(h, old, osize);
    }
}

/* Hand out size bytes of the free chunk c (off every list).  The rest, when
 * it can be a chunk, becomes the victim (the old victim is listed). */
static inline __attribute__((always_inline)) void *chunk_use(struct umalloc *h, struct chunk *c, size_t size)
{
    size_t csize = chunk_size(c);
    struct chunk *next = chunk_plus(c, csize);

    if (csize - size >= MIN_CHUNK_BYTES) {
        struct chunk *r = chunk_plus(c, size);
        size_t rsize = csize - size;
        struct chunk *old = h->dv;
        r->head = rsize | FREE_BIT;
        next->prev_foot = rsize;
        h->dv = r;
        if (old)
            victim_retire(h, old);
        c->head = size;
    } else {
        c->head = csize;
        next->head &= ~PREV_FREE_BIT;
    }
    return payload(c);
}

/* Hand out size bytes from the front of the victim dv of dsize bytes. */
static inline __attribute__((always_inline)) void *dv_carve(struct umalloc *h, struct chunk *dv,
                                                            size_t dsize, size_t size)
{
    if (dsize - size >= MIN_CHUNK_BYTES) {
        struct chunk *r = chunk_plus(dv, size);
        r->head = (dsize - size) | FREE_BIT;
        chunk_plus(dv, dsize)->prev_foot = dsize - size;
        h->dv = r;
        dv->head = size;
    } else {
        chunk_plus(dv, dsize)->head &= ~PREV_FREE_BIT;
        h->dv = NULL;
        dv->head = dsize;
    }
    return payload(dv);
}

/* A heap chunk of size bytes without growing the heap, or NULL: from the
 * victim when it is big enough, else a listed chunk, else the top. */
static inline __attribute__((always_inline)) void *heap_alloc_fit(struct umalloc *h, size_t size)
{
    struct chunk *dv = h->dv;

    if (dv) {
        size_t dsize = chunk_size(dv);
        if (dsize >= size)
            return dv_carve(h, dv, dsize, size);
    }
    struct chunk *c = list_take(h, size);
    if (c)
        return chunk_use(h, c, size);
    if (chunk_size(h->top) >= size + HEAD_BYTES)
        return top_carve(h, size);
    return NULL;
}

/* A heap chunk of size bytes, or NULL.  Calls nothing (but a tail call)
 * unless the heap must grow. */
static inline __attribute__((always_inline)) void *heap_alloc(struct umalloc *h, size_t size,
                                                              bool may_map)
{
    void *p = heap_alloc_fit(h, size);

    return p ? p : top_grow_take(h, size, may_map);
}

/* A free made the free chunk c of size bytes (listed or the victim: inside
 * the heap) a run of DISCARD_MIN_BYTES or more, while the program is taking
 * its data down (TEARDOWN_FREES frees in a row, or a free of a block of
 * that size itself, see ufree): drop the frames of the run's whole pages (all but the
 * page of its head and list links, and of the next chunk's prev_foot)
 * through the source, so they cost nothing until touched again (they read
 * zero then).  Hysteresis: runs freed while the program allocates between
 * frees are kept (it would touch them again); and a run is dropped again
 * only once a quarter of its size was freed since the last drop
 * (teardown_bytes), so one that grows by small merges is not walked again
 * and again: at most 4 pages walked per page freed. */
static __attribute__((noinline)) void run_discard(struct umalloc *h, struct chunk *c, size_t size)
{
    if (!h->src.discard || h->teardown_bytes < size >> DISCARD_FREED_SHIFT)
        return;
    uint64 lo = align_up((uint64)c + MIN_CHUNK_BYTES, PAGE_SIZE);
    uint64 hi = ((uint64)c + size) & ~PAGE_MASK;

    h->teardown_bytes = 0;
    if (hi > lo)
        h->src.discard(h->src.ctx, (void *)lo, hi - lo);
}

/* Take the free chunk c, a neighbour of a chunk being merged, off its list
 * (or out of the victim slot). */
static inline __attribute__((always_inline)) void free_take(struct umalloc *h, struct chunk *c)
{
    if (c == h->dv)
        h->dv = NULL;
    else
        list_unlink(h, c);
}

/* Make the in-use chunk c of size bytes (head: its head word; nhead: the
 * next chunk's) free: merge it with a free neighbour on either side; it
 * joins the top or the victim when it borders them, else it is listed. */
static inline __attribute__((always_inline)) void chunk_release_to(struct umalloc *h, struct chunk *c,
                                                                   size_t size, size_t head, size_t nhead)
{
    struct chunk *dv = h->dv;

    if (head & PREV_FREE_BIT) {
        size_t psize = c->prev_foot;
        c->head = head | FREE_BIT;          /* a second free of c is still seen */
        c = chunk_minus(c, psize);
        if (c != dv)
            list_unlink(h, c);
        size += psize;
    }
    struct chunk *next = chunk_plus(c, size);
    if (nhead & FREE_BIT) {
        size += nhead & ~FLAG_MASK;
        if (next == h->top) {
            if (c == dv)
                h->dv = NULL;
            c->head = size | FREE_BIT;
            h->top = c;
            if (size > h->trim_threshold || (size > TEARDOWN_TRIM_BYTES && teardown_trims(h)))
                heap_trim(h);
            return;
        }
        if (next == dv)
            dv = c;                         /* c takes the victim's place */
        else
            list_unlink(h, next);
        next = chunk_plus(c, size);
    } else {
        next->head = nhead | PREV_FREE_BIT;
    }
    c->head = size | FREE_BIT;
    next->prev_foot = size;
    if (c == dv)
        h->dv = c;
    else
        list_insert(h, c, size);
    if (size >= DISCARD_MIN_BYTES && h->frees_in_a_row >= TEARDOWN_FREES)
        run_discard(h, c, size);
}

static inline __attribute__((always_inline)) void chunk_release(struct umalloc *h, struct chunk *c,
                                                                size_t size, size_t head)
{
    chunk_release_to(h, c, size, head, chunk_plus(c, size)->head);
}

/* Free every parked chunk for real (merging it with its neighbours); false
 * when there was none.  O(parked chunks + classes): each parked chunk is
 * merged once, so the cost is the free's that parked it, deferred. */
static bool cache_drain(struct umalloc *h)
{
    bool any = false;

    h->draining = true;
    for (size_t i = 0; i < SL_COUNT; i++) {
        struct chunk *c;
        while ((c = h->cache[i]) != NULL) {
            size_t head = c->head & ~CACHED_BIT;
            h->cache[i] = c->next;
            c->head = head;
            chunk_release(h, c, head & ~FLAG_MASK, head);
            any = true;
        }
    }
    h->draining = false;
    return any;
}

/* The program is taking its data down (see ufree): merge the parked
 * chunks now (the runs they make may be dropped, the top given back), so
 * that they do not keep the memory it frees. */
static __attribute__((noinline)) void teardown_begins(struct umalloc *h)
{
    h->teardown_bytes = 0;
    cache_drain(h);
    if (chunk_size(h->top) > h->trim_threshold)
        heap_trim(h);
}

/* Nothing free is big enough for size bytes: merge the parked chunks and
 * look again, else grow the heap.  When the heap cannot grow, a block of a
 * page or more may be mapped apart instead (if may_map).  NULL when
 * nothing works. */
static __attribute__((noinline)) void *top_grow_take(struct umalloc *h, size_t size, bool may_map)
{
    if (cache_drain(h)) {
        void *p = heap_alloc_fit(h, size);
        if (p)
            return p;
    }
    if (top_reserve(h, size + HEAD_BYTES))
        return top_carve(h, size);
    if (may_map && h->src.map && size >= PAGE_SIZE)
        return map_alloc(h, size - OVERHEAD_BYTES, ALIGN_BYTES, 0);
    return NULL;
}

/* Cut the in-use chunk c of csize bytes down to size, freeing the tail. */
static void chunk_shrink(struct umalloc *h, struct chunk *c, size_t csize, size_t size)
{
    if (csize - size < MIN_CHUNK_BYTES)
        return;
    struct chunk *r = chunk_plus(c, size);
    c->head = size | (c->head & PREV_FREE_BIT);
    r->head = csize - size;
    chunk_release(h, r, csize - size, r->head);
}

/* ---- mapped blocks ------------------------------------------------------ */

/* A mapped block of n bytes (0 < n <= REQUEST_MAX_BYTES) aligned to align,
 * in a region with room for at least reserve bytes (room that is never
 * touched costs address space only).  Its usable size runs to the end of
 * the page of its last byte. */
static void *map_alloc(struct umalloc *h, size_t n, size_t align, size_t reserve)
{
    size_t bytes = align_up(MAP_HDR_BYTES + (align > ALIGN_BYTES ? align : 0) + (n > reserve ? n : reserve),
                            PAGE_SIZE);
    void *r = h->src.map(h->src.ctx, bytes);

    if (!r)
        return NULL;
    struct map_link *l = r;
    uint64 p = align_up((uint64)r + MAP_HDR_BYTES, align);
    struct chunk *c = chunk_of((void *)p);
    c->prev_foot = (uint64)c - (uint64)r;
    c->head = bytes | MAPPED_BIT;
    l->chunk = c;
    l->bytes = bytes;
    l->usable = align_up(p + n, PAGE_SIZE) - p;
    l->next = h->mapped;
    l->pprev = &h->mapped;
    if (l->next)
        l->next->pprev = &l->next;
    h->mapped = l;
    h->mapped_bytes += bytes;
    account(h);
    return (void *)p;
}

/* Whether the word at p can be read (the source's readable hook). */
static inline bool word_readable(const struct umalloc *h, const void *p)
{
    return !h->src.readable || h->src.readable(h->src.ctx, p);
}

/* The record of c when c is a live mapped chunk of this allocator, else NULL.
 * Unless c is the newest mapped block's, c's header and the record are first
 * found readable, so a wild pointer (stale, garbage) is rejected without a
 * fault; the link the record names is then trusted. */
static struct map_link *map_link_of(const struct umalloc *h, struct chunk *c)
{
    struct map_link *newest = h->mapped;
    if (newest && newest->chunk == c)
        return newest;              /* the block mapped last (a growing one): no probing */
    if (!word_readable(h, c))
        return NULL;
    size_t off = c->prev_foot, bytes = chunk_size(c);
    uint64 region = (uint64)c - off;

    if ((c->head & FLAG_MASK) != MAPPED_BIT || off < sizeof(struct map_link) || (off & ALIGN_MASK)
        || (region & PAGE_MASK) || off >= bytes)
        return NULL;
    struct map_link *l = (struct map_link *)region;
    if ((region >> PAGE_SHIFT) != ((uint64)c >> PAGE_SHIFT) && !word_readable(h, l))
        return NULL;
    if (l->chunk != c || l->bytes != bytes || !l->pprev || ((uint64)l->pprev & (sizeof(void *) - 1)))
        return NULL;
    return *l->pprev == l ? l : NULL;   /* a header that got this far is ours (or forged with care) */
}

static inline struct map_link *map_link_at(struct chunk *c)
{
    return (struct map_link *)((uint64)c - c->prev_foot);
}

static inline size_t map_usable(struct chunk *c)
{
    return map_link_at(c)->usable;
}

/* Blocks this big (and smaller ones) are worth keeping in the heap from now on. */
static void map_threshold_raise(struct umalloc *h, size_t bytes)
{
    if (bytes > h->map_threshold && bytes <= MAP_MAX_THRESHOLD) {
        h->map_threshold = bytes;
        if (h->trim_threshold < 2 * bytes)
            h->trim_threshold = 2 * bytes;
    }
}

/* Unmap the block of l.  A freed block (not one that moved) raises the
 * threshold to its size (see map_threshold). */
static void map_free(struct umalloc *h, struct map_link *l, bool moved)
{
    struct chunk *c = l->chunk;
    size_t bytes = l->bytes;

    c->head |= FREE_BIT;            /* if the source keeps it readable, a second free is seen */
    *l->pprev = l->next;
    if (l->next)
        l->next->pprev = l->pprev;
    l->pprev = NULL;
    h->mapped_bytes -= bytes;
    if (!moved)
        map_threshold_raise(h, align_up(l->usable + c->prev_foot + HEAD_BYTES, PAGE_SIZE));
    h->src.unmap(h->src.ctx, l, bytes);
}

/* ---- checking pointers -------------------------------------------------- */

/* Whether a is the payload of an in-use heap chunk, as far as its head and
 * its neighbour's head tell: aligned, inside the heap, a sane size, and the
 * next chunk agrees that a's chunk is not free. */
static inline bool heap_chunk_ok(const struct umalloc *h, uint64 a)
{
    uint64 off = a - h->plo;

    if (off >= h->plimit || (a & ALIGN_MASK))
        return false;
    const struct chunk *c = (const struct chunk *)(a - HEAD_BYTES);
    size_t head = c->head, size = head & ~FLAG_MASK;
    /* size >= MIN_CHUNK_BYTES, and the next chunk's head is below the end */
    if ((head & (FREE_BIT | MAPPED_BIT | CACHED_BIT))
        || size - MIN_CHUNK_BYTES >= h->plimit || off + size > h->plimit)
        return false;
    return !(((const struct chunk *)((uint64)c + size))->head & PREV_FREE_BIT);
}

/* Whether the heap chunk c (inside the heap) looks like one free() left:
 * free or parked (not both), not mapped, and a size that fits the heap.  A
 * header overwritten by an overflow of the block before it (text, a fill
 * pattern) rarely passes. */
static bool freed_chunk_intact(const struct umalloc *h, const struct chunk *c)
{
    size_t head = c->head, size = head & ~FLAG_MASK;
    uint64 off = (uint64)c + HEAD_BYTES - h->plo;
    size_t state = head & (FREE_BIT | CACHED_BIT | MAPPED_BIT);
    return (state == FREE_BIT || state == CACHED_BIT) &&
           size - MIN_CHUNK_BYTES < h->plimit && off + size <= h->plimit;
}

/* p is not a live block: say what is wrong with it and stop. */
static __attribute__((noreturn, noinline, cold)) void bad_pointer(struct umalloc *h, const char *who,
                                                                  const void *p)
{
    uint64 a = (uint64)p;

    if (a & ALIGN_MASK)
        panic("%s: invalid pointer %p (not 16-byte aligned)", who, p);
    const struct chunk *c = chunk_of(p);
    if (a - h->plo < h->plimit) {
        if (freed_chunk_intact(h, c))
            panic("%s: %p is already free (a double free, or a use after free)", who, p);
        panic("%s: invalid pointer %p (not the start of a block, or heap corruption: its header was "
              "overwritten, e.g. by a write past the end of the block before it)", who, p);
    }
    if (!word_readable(h, c))
        panic("%s: invalid pointer %p (not from this heap, or a large block already freed: "
              "no memory there)", who, p);
    if ((c->head & (MAPPED_BIT | FREE_BIT)) == (MAPPED_BIT | FREE_BIT))
        panic("%s: %p is already free (a double free of a large block)", who, p);
    panic("%s: invalid pointer %p (not from this heap)", who, p);
}

/* The chunk of the live block p (not NULL), or a report that stops. */
static struct chunk *live_chunk(struct umalloc *h, const char *who, const void *p)
{
    struct chunk *c = chunk_of(p);

    if (heap_chunk_ok(h, (uint64)p))
        return c;
    if (!((uint64)p & ALIGN_MASK) && map_link_of(h, c))
        return c;
    bad_pointer(h, who, p);
}

/* ---- the API ------------------------------------------------------------ */

struct umalloc *umalloc_create(const struct umalloc_source *src)
{
    if (!src || !src->grow)
        return NULL;
    size_t bytes = align_up(sizeof(struct umalloc) + ALIGN_BYTES + HEAD_BYTES, PAGE_SIZE);
    void *r = src->grow(src->ctx, bytes);
    if (!r)
        return NULL;
    /* Fresh memory is zero: every list, bitmap and count starts empty. */
    struct umalloc *h = (struct umalloc *)align_up((uint64)r, ALIGN_BYTES);
    h->src = *src;
    h->map_threshold = MAP_MIN_BYTES;
    h->trim_threshold = TRIM_MIN_BYTES;
    h->last = &h->pool0;
    h->pool0.older = NULL;
    h->pool0.end = (uint64)r + bytes;
    h->top = pool_first(&h->pool0);
    h->top->head = (pool_end(&h->pool0) - (uint64)h->top) | FREE_BIT;
    h->fresh = (uint64)h->top + HEAD_BYTES;
    bounds_set(h, (uint64)h->top, pool_end(&h->pool0));
    h->heap_bytes = bytes;
    account(h);
    return h;
}

/* Requests of map_threshold bytes or more: mapped apart when the source
 * can, else (or when mapping fails) from the heap. */
static __attribute__((noinline)) void *umalloc_large(struct umalloc *h, size_t n, size_t size)
{
    if (h->src.map) {
        void *p = map_alloc(h, n, ALIGN_BYTES, 0);
        if (p)
            return p;
    }
    return heap_alloc(h, size, false);
}

/* A small request (chunk size below SMALL_LIMIT_BYTES) whose exact class
 * is empty: a bigger listed chunk, else the top. */
static MM_FAST_PATH __attribute__((noinline)) void *umalloc_small(struct umalloc *h, size_t size)
{
    return heap_alloc(h, size, true);
}

/* Every request above SMALL_REQUEST_MAX bytes.  It calls nothing (but tail
 * calls) until the heap must grow or the request is large. */
static MM_FAST_PATH __attribute__((noinline)) void *umalloc_slow(struct umalloc *h, size_t n)
{
    if (n >= h->map_threshold) {
        if (n > REQUEST_MAX_BYTES)
            return NULL;
        return umalloc_large(h, n, request_chunk(n));
    }
    /* n > SMALL_REQUEST_MAX here, so the chunk is above the minimum */
    return heap_alloc(h, (n + OVERHEAD_BYTES + ALIGN_MASK) & ~ALIGN_MASK, true);
}

/* Fast path: a small request whose exact class has a parked or a listed
 * chunk. */
MM_FAST_PATH void *umalloc(struct umalloc *h, size_t n)
{
    h->frees_in_a_row = 0;
    if (n <= SMALL_REQUEST_MAX) {
        size_t i = (n + OVERHEAD_BYTES + ALIGN_MASK) / ALIGN_BYTES;
        i += i < MIN_CHUNK_BYTES / ALIGN_BYTES;
        struct chunk *c = h->cache[i];
        if (c) {
            h->cache[i] = c->next;
            c->head -= CACHED_BIT;
            return payload(c);
        }
        c = h->heads[i];
        if (c) {
            size_t size = i * ALIGN_BYTES;
            list_pop(h, c, i);
            c->head = size;
            chunk_plus(c, size)->head &= ~PREV_FREE_BIT;
            return payload(c);
        }
        return umalloc_small(h, i * ALIGN_BYTES);
    }
    return umalloc_slow(h, n);
}

static __attribute__((noinline)) void ufree_other(struct umalloc *h, void *p)
{
    if (!p)
        return;
    if (!((uint64)p & ALIGN_MASK)) {
        struct map_link *l = map_link_of(h, chunk_of(p));
        if (l) {
            map_free(h, l, false);
            return;
        }
    }
    bad_pointer(h, "ufree", p);
}

/* Debug builds (MM_DEBUG): poison what the heap chunk c of size bytes held
 * as it is freed (its list links and the next chunk's prev_foot are written
 * anyway) as far as the end of its header's page, which is backed: a store
 * to a page of a big block that nobody touched would need a frame, and
 * freeing must never need memory.  Release builds: nothing. */
static inline void poison_freed(struct chunk *c, size_t size)
{
#ifdef MM_DEBUG
    uint64 poison_end = align_up((uint64)c + HEAD_BYTES, PAGE_SIZE);
    if (poison_end > (uint64)c + size)
        poison_end = (uint64)c + size;
    if (poison_end > (uint64)c + MIN_CHUNK_BYTES)
        mm_fill((char *)c + MIN_CHUNK_BYTES, poison_end - ((uint64)c + MIN_CHUNK_BYTES), POISON_WORD);
#else
    (void)c;
    (void)size;
#endif
}

/* Fast path: a small in-use chunk whose previous chunk is not free is
 * parked in the cache of its exact class, where the next request of its
 * size takes it back (see umalloc).  It stays "in use" to its neighbours,
 * flagged CACHED (so a second free is seen), and is merged for real only
 * when the heap would grow or trim, or too much is parked (cache_drain).
 * After TEARDOWN_FREES small frees with no malloc between them the program
 * is taking its data down, not cycling it: the parked chunks are merged
 * and small frees merge at once until the next malloc, so that what it
 * frees can go back (a parked chunk would keep its page).  Parking reads nothing
 * beyond the chunk's own head.  Every other heap chunk is checked in full
 * (see heap_chunk_ok) and merged with its free neighbours at once, so a
 * queue of blocks freed in order still coalesces into one; anything else
 * is a mapped block or not one of ours. */
/* A heap free that is not parked: the rest of heap_chunk_ok on what is
 * loaded already, then the merge (ufree). */
static inline __attribute__((always_inline)) void ufree_release(struct umalloc *h, void *p, struct chunk *c,
                                                                uint64 off, size_t head)
{
    size_t size = head & ~FLAG_MASK;
    if ((head & (FREE_BIT | MAPPED_BIT | CACHED_BIT)) || size - MIN_CHUNK_BYTES >= h->plimit
        || off + size > h->plimit) {
        ufree_other(h, p);
        return;
    }
    struct chunk *next = chunk_plus(c, size);
    size_t nhead = next->head;
    if (nhead & PREV_FREE_BIT) {
        ufree_other(h, p);
        return;
    }
    poison_freed(c, size);
    chunk_release_to(h, c, size, head, nhead);
}

/* A heap free while the program takes its data down (ufree): on the
 * first, the parked chunks are merged (c's neighbours may be free then);
 * c is merged at once, and its bytes counted for run_discard. */
static __attribute__((noinline)) void ufree_teardown(struct umalloc *h, void *p, struct chunk *c, uint64 off)
{
    if (h->frees_in_a_row++ == TEARDOWN_FREES)
        teardown_begins(h);
    size_t head = c->head;
    h->teardown_bytes += head & ~FLAG_MASK;
    ufree_release(h, p, c, off, head);
}

/* A free of a heap block of DISCARD_MIN_BYTES or more, not in a teardown
 * (ufree): the program lets data go, so it starts one (the block's pages
 * may be dropped at once, see run_discard). */
static __attribute__((noinline)) void ufree_big(struct umalloc *h, void *p, struct chunk *c, uint64 off)
{
    h->frees_in_a_row = TEARDOWN_FREES;
    ufree_teardown(h, p, c, off);
}

MM_FAST_PATH void ufree(struct umalloc *h, void *p)
{
    uint64 off = (uint64)p - h->plo;
    struct chunk *c = chunk_of(p);

    if (off >= h->plimit || ((uint64)p & ALIGN_MASK)) {
        ufree_other(h, p);
        return;
    }
    size_t head = c->head;
    size_t in_a_row = h->frees_in_a_row;
    if (in_a_row >= TEARDOWN_FREES) {
        ufree_teardown(h, p, c, off);
        return;
    }
    h->frees_in_a_row = in_a_row + 1;
    if (!(head & FLAG_MASK) && head - MIN_CHUNK_BYTES < SMALL_LIMIT_BYTES - MIN_CHUNK_BYTES) {
#ifdef MM_DEBUG
        mm_fill((char *)c + MIN_CHUNK_BYTES, head - MIN_CHUNK_BYTES, POISON_WORD);
#endif
        struct chunk **slot = &h->cache[head / ALIGN_BYTES];
        c->head = head | CACHED_BIT;
        c->next = *slot;
        *slot = c;
        return;
    }
    if ((head & ~FLAG_MASK) >= DISCARD_MIN_BYTES) {
        ufree_big(h, p, c, off);
        return;
    }
    ufree_release(h, p, c, off, head);
}

void *ucalloc(struct umalloc *h, size_t nr, size_t size)
{
    size_t bytes;

    if (__builtin_mul_overflow(nr, size, &bytes))
        return NULL;
    struct pool *pl = h->last;
    uint64 fresh = h->fresh;
    void *p = umalloc(h, bytes);
    if (!p || (chunk_of(p)->head & MAPPED_BIT))
        return p;                           /* mapped memory is fresh: zero */
    if (h->last == pl && (uint64)p >= fresh && (uint64)p < pool_end(pl))
        return p;                           /* carved from never-touched top memory */
    mm_fill(p, round_words(bytes), 0);
    return p;
}

/* The room to give a block that grows from usable to n bytes and must move
 * (copy) to do it, so that it can grow further in place: n/8 for a step
 * up to 1/4 of its size, n/2 for a step up to 3/4, else n (a buffer that
 * doubles).  A buffer grown by small steps then moves O(log n) times, not
 * O(n); one grown geometrically (x1.5, x2) moves every other time.  Room
 * that is never used is never touched, so it costs no memory. */
static size_t growth_room(size_t usable, size_t n)
{
    if (4 * n >= 7 * usable)
        return n;
    if (4 * n >= 5 * usable)
        return n / 2;
    return n >> REALLOC_SLACK_SHIFT;
}

/* Grow the in-use heap chunk c of csize bytes to size in place: into the
 * top, a free next chunk, or a free previous chunk (moving the contents
 * down, and then with room to grow further, as block_move).  Returns the
 * grown chunk, or NULL when its neighbours are too small. */
static struct chunk *chunk_grow(struct umalloc *h, struct chunk *c, size_t csize, size_t size)
{
    struct chunk *next = chunk_plus(c, csize);
    size_t pflag = c->head & PREV_FREE_BIT;

    if (next == h->top) {
        if (!top_reserve(h, size - csize + HEAD_BYTES) || next != h->top)
            return NULL;
        size_t total = csize + chunk_size(next);
        c->head = size | pflag;
        chunk_plus(c, size)->head = (total - size) | FREE_BIT;
        top_moved(h, chunk_plus(c, size));
        return c;
    }
    size_t nsize = next->head & FREE_BIT ? chunk_size(next) : 0;
    if (csize + nsize >= size) {
        free_take(h, next);
        c->head = (csize + nsize) | pflag;
        chunk_plus(c, csize + nsize)->head &= ~PREV_FREE_BIT;
        chunk_shrink(h, c, csize + nsize, size);
        return c;
    }
    size_t psize = c->prev_foot;
    if (!pflag || csize + nsize + psize < size)
        return NULL;
    struct chunk *prev = chunk_minus(c, psize);
    size_t total = csize + nsize + psize;
    free_take(h, prev);
    if (nsize)
        free_take(h, next);
    mm_copy(payload(prev), payload(c), csize - OVERHEAD_BYTES);
    prev->head = total;                     /* prev's own previous chunk is in use */
    chunk_plus(prev, total)->head &= ~PREV_FREE_BIT;
    size_t room = (size + growth_room(csize, size)) & ~ALIGN_MASK;     /* as block_move */
    chunk_shrink(h, prev, total, room < total ? room : total);
    return prev;
}

/* Move the block p (usable bytes of it) to a new block of n bytes, with
 * room to grow further if it grows. */
static void *block_move(struct umalloc *h, void *p, size_t usable, size_t n)
{
    void *q = NULL;

    if (n > usable)
        q = umalloc(h, n + growth_room(usable, n));
    if (!q)
        q = umalloc(h, n);
    if (!q)
        return NULL;
    size_t bytes = round_words(n);
    mm_copy(q, p, bytes < usable ? bytes : usable);
    ufree(h, p);
    return q;
}

/* The room reserved for a block that realloc moves to a mapping. */
static inline size_t grow_reserve(size_t n)
{
    size_t r = n * GROW_MAP_FACTOR;
    return r > GROW_MAP_RESERVE_MIN ? r : GROW_MAP_RESERVE_MIN;
}

/* realloc of the mapped block p (chunk c) to 0 < n <= REQUEST_MAX_BYTES:
 * in place while its region has room, else to a new mapping with room
 * (copying only the usable part), else to the heap.  A block shrunk to
 * half or less moves to a smaller block. */
static void *map_realloc(struct umalloc *h, void *p, struct chunk *c, size_t n)
{
    struct map_link *l = map_link_at(c);
    size_t usable = l->usable;

    if (n <= usable) {
        if (n > usable / 2)
            return p;
        return block_move(h, p, usable, n);
    }
    if (n <= (uint64)l + l->bytes - (uint64)p) {
        l->usable = align_up((uint64)p + n, PAGE_SIZE) - (uint64)p;
        return p;
    }
    void *q = map_alloc(h, n, ALIGN_BYTES, grow_reserve(n));
    if (!q)
        return block_move(h, p, usable, n);
    mm_copy(q, p, usable);
    map_free(h, l, true);
    return q;
}

void *urealloc(struct umalloc *h, void *p, size_t n)
{
    if (!p)
        return umalloc(h, n);
    struct chunk *c = live_chunk(h, "urealloc", p);
    if (n == 0) {
        ufree(h, p);
        return umalloc(h, 0);
    }
    if (n > REQUEST_MAX_BYTES)
        return NULL;
    if (c->head & MAPPED_BIT)
        return map_realloc(h, p, c, n);
    size_t size = request_chunk(n), csize = chunk_size(c);
    if (size <= csize) {
        if (csize - size > csize >> REALLOC_SLACK_SHIFT)   /* a little less: keep it as room */
            chunk_shrink(h, c, csize, size);
        return p;
    }
    struct chunk *g = chunk_grow(h, c, csize, size);
    if (g)
        return payload(g);
    if (n >= GROW_MAP_MIN_BYTES && h->src.map) {
        void *q = map_alloc(h, n, ALIGN_BYTES, grow_reserve(n));
        if (q) {
            mm_copy(q, p, csize - OVERHEAD_BYTES);
            ufree(h, p);
            return q;
        }
    }
    return block_move(h, p, csize - OVERHEAD_BYTES, n);
}

void *umemalign(struct umalloc *h, size_t align, size_t n)
{
    if (!align || (align & (align - 1)))
        return NULL;
    if (align <= ALIGN_BYTES)
        return umalloc(h, n);
    if (n > REQUEST_MAX_BYTES || align > REQUEST_MAX_BYTES)
        return NULL;
    size_t size = request_chunk(n);
    if (h->src.map && size + align >= h->map_threshold) {
        void *p = map_alloc(h, n, align, 0);
        if (p)
            return p;
    }
    /* Room to move to an aligned address leaving a whole chunk before it. */
    void *raw = heap_alloc(h, size + align + MIN_CHUNK_BYTES, false);
    if (!raw)
        return NULL;
    struct chunk *c = chunk_of(raw);
    size_t csize = chunk_size(c);
    uint64 a = align_up((uint64)raw, align);
    if (a != (uint64)raw) {
        if (a - (uint64)raw < MIN_CHUNK_BYTES)
            a += align;
        size_t lead = a - (uint64)raw;
        struct chunk *ac = chunk_of((void *)a);
        ac->head = csize - lead;
        c->head = lead;                     /* c's previous chunk is in use */
        chunk_release(h, c, lead, lead);
        c = ac;
        csize -= lead;
    }
    chunk_shrink(h, c, csize, size);
    return payload(c);
}

size_t uusable_size(struct umalloc *h, const void *p)
{
    if (!p)
        return 0;
    struct chunk *c = live_chunk(h, "uusable_size", p);
    return c->head & MAPPED_BIT ? map_usable(c) : chunk_size(c) - OVERHEAD_BYTES;
}

/* ---- statistics and checking -------------------------------------------- */

/* Usable bytes of the in-use chunks of pl. */
static size_t pool_in_use(struct umalloc *h, struct pool *pl)
{
    size_t bytes = 0;

    for (struct chunk *c = pool_first(pl); c != h->top && chunk_size(c); c = chunk_plus(c, chunk_size(c)))
        if (!(c->head & (FREE_BIT | CACHED_BIT)))
            bytes += chunk_size(c) - OVERHEAD_BYTES;
    return bytes;
}

void umalloc_stats(struct umalloc *h, struct umalloc_stats *st)
{
    size_t in_use = 0;

    for (struct pool *pl = h->last; pl; pl = pl->older)
        in_use += pool_in_use(h, pl);
    for (struct map_link *l = h->mapped; l; l = l->next)
        in_use += map_usable(l->chunk);
    st->in_use = in_use;
    st->heap_bytes = h->heap_bytes;
    st->mapped_bytes = h->mapped_bytes;
    st->peak_bytes = h->peak_bytes;
}

#define CHECK(cond, ...) do {                                   \
        if (!(cond)) {                                          \
            kprintf("umalloc_check: " __VA_ARGS__);             \
            kprintf("\n");                                      \
            return -MM_EINVAL;                                  \
        }                                                       \
    } while (0)

/* What a walk of the pools counts, for the checks of the lists and caches. */
struct walk_counts {
    size_t nfree;               /* listed free chunks */
    size_t cached;              /* bytes of parked chunks */
    size_t nparked;             /* parked chunks */
    bool   saw_dv;
};

/* The last chunk of pool pl: the top, or a sentinel. */
static int check_pool_end(struct umalloc *h, struct pool *pl, struct chunk *c)
{
    uint64 end = pool_end(pl);

    if (c == h->top) {
        CHECK(pl == h->last, "the top %p is not in the newest pool", (void *)c);
        CHECK(c->head & FREE_BIT, "the top %p is not free", (void *)c);
        CHECK(chunk_size(c) >= HEAD_BYTES && (uint64)c + chunk_size(c) == end,
              "the top %p does not end its pool", (void *)c);
    } else {
        CHECK(pl != h->last, "the newest pool has a sentinel at %p", (void *)c);
        CHECK(!(c->head & FREE_BIT), "sentinel %p is free", (void *)c);
        CHECK((uint64)c + 2 * HEAD_BYTES >= end, "sentinel %p is not at the pool's end", (void *)c);
    }
    return 0;
}

/* A chunk c of pl that is neither the top nor a sentinel. */
static int check_chunk(struct umalloc *h, struct pool *pl, struct chunk *c, struct walk_counts *w)
{
    size_t head = c->head, size = head & ~FLAG_MASK;

    CHECK(size >= MIN_CHUNK_BYTES && (uint64)c + size + HEAD_BYTES <= pool_end(pl),
          "chunk %p: size %lu does not fit its pool", (void *)c, size);
    if (head & FREE_BIT) {
        CHECK(!(head & PREV_FREE_BIT), "free chunks %p and the one before it are neighbours", (void *)c);
        if (c == h->dv) {
            w->saw_dv = true;
        } else {
            CHECK(h->heads[size_class(size)], "free chunk %p: its class list is empty", (void *)c);
            w->nfree++;
        }
    }
    if (head & CACHED_BIT) {
        CHECK(size < SMALL_LIMIT_BYTES, "chunk %p: parked but %lu bytes", (void *)c, size);
        w->cached += size;
        w->nparked++;
    }
    return 0;
}

/* Walk the chunks of pl: sizes, flags and boundary tags agree. */
static int check_pool(struct umalloc *h, struct pool *pl, struct walk_counts *w)
{
    struct chunk *c = pool_first(pl);
    size_t prev_head = 0;
    int err;

    CHECK((uint64)c >= heap_lo(h) && pool_end(pl) <= heap_hi(h), "pool %p outside the heap's bounds", (void *)pl);
    for (;;) {
        CHECK((uint64)c + HEAD_BYTES <= pool_end(pl), "chunk %p runs past its pool's end", (void *)c);
        size_t head = c->head;
        CHECK(!(head & MAPPED_BIT) && (head & (FREE_BIT | CACHED_BIT)) != (FREE_BIT | CACHED_BIT),
              "chunk %p: bad flags %lx", (void *)c, head);
        CHECK(!!(head & PREV_FREE_BIT) == !!(prev_head & FREE_BIT), "chunk %p: PREV_FREE is wrong", (void *)c);
        CHECK(!(prev_head & FREE_BIT) || c->prev_foot == (prev_head & ~FLAG_MASK),
              "chunk %p: prev_foot %lu, the free chunk before has %lu", (void *)c, c->prev_foot,
              prev_head & ~FLAG_MASK);
        if (c == h->top || !(head & ~FLAG_MASK))
            return check_pool_end(h, pl, c);
        if ((err = check_chunk(h, pl, c, w)) != 0)
            return err;
        prev_head = head;
        c = chunk_plus(c, head & ~FLAG_MASK);
    }
}

static int check_lists(struct umalloc *h, size_t nfree)
{
    size_t listed = 0;

    for (unsigned fl = 0; fl < FL_COUNT; fl++) {
        CHECK(!!(h->fl_map & (1UL << fl)) == !!h->sl_map[fl], "level %u: fl_map bit is wrong", fl);
        for (unsigned sl = 0; sl < SL_COUNT; sl++) {
            unsigned i = fl << SL_SHIFT | sl;
            struct chunk **pprev = &h->heads[i];
            CHECK(!!(h->sl_map[fl] & (1UL << sl)) == !!h->heads[i], "class %u: sl_map bit is wrong", i);
            for (struct chunk *c = h->heads[i]; c; c = c->next) {
                CHECK(++listed <= nfree, "class %u: more listed chunks than free chunks", i);
                CHECK((uint64)c - heap_lo(h) < heap_hi(h) - heap_lo(h) && !((uint64)c & ALIGN_MASK),
                      "class %u: listed chunk %p outside the heap", i, (void *)c);
                CHECK(c->pprev == pprev, "class %u: chunk %p has a wrong back link", i, (void *)c);
                CHECK(c->head & FREE_BIT, "class %u: listed chunk %p is not free", i, (void *)c);
                CHECK(size_class(chunk_size(c)) == i, "class %u: chunk %p of %lu bytes is in the wrong class",
                      i, (void *)c, chunk_size(c));
                CHECK(c != h->top, "the top %p is listed", (void *)c);
                CHECK(c != h->dv, "the victim %p is listed", (void *)c);
                pprev = &c->next;
            }
        }
    }
    CHECK(listed == nfree, "%lu chunks listed, %lu free chunks in the pools", listed, nfree);
    return 0;
}

/* Every parked chunk is a parked chunk of its class, inside the heap.
 * Returns their bytes, or a negative error. */
static long check_cache(struct umalloc *h, size_t nparked)
{
    size_t bytes = 0, n = 0;

    for (size_t i = 0; i < SL_COUNT; i++) {
        for (struct chunk *c = h->cache[i]; c; c = c->next) {
            CHECK(++n <= nparked, "cache %lu: more parked chunks than the heap holds", i);
            CHECK((uint64)c - heap_lo(h) < heap_hi(h) - heap_lo(h) && !((uint64)c & ALIGN_MASK),
                  "cache %lu: chunk %p outside the heap", i, (void *)c);
            CHECK((c->head & (CACHED_BIT | FREE_BIT | MAPPED_BIT)) == CACHED_BIT
                  && chunk_size(c) == i * ALIGN_BYTES, "cache %lu: chunk %p is not a parked chunk of the class",
                  i, (void *)c);
            bytes += chunk_size(c);
        }
    }
    return (long)bytes;
}

static int check_mapped(struct umalloc *h)
{
    size_t bytes = 0;
    struct map_link **pprev = &h->mapped;

    for (struct map_link *l = h->mapped; l; l = l->next) {
        CHECK(l->pprev == pprev, "mapped block %p has a wrong back link", (void *)l);
        CHECK(map_link_of(h, l->chunk) == l, "mapped block %p: its header is corrupt", (void *)l);
        CHECK((uint64)payload(l->chunk) + l->usable <= (uint64)l + l->bytes,
              "mapped block %p: usable size %lu past its region", (void *)l, l->usable);
        bytes += l->bytes;
        CHECK(bytes <= h->mapped_bytes, "more mapped blocks than mapped_bytes");
        pprev = &l->next;
    }
    CHECK(bytes == h->mapped_bytes, "mapped blocks hold %lu bytes, mapped_bytes says %lu", bytes,
          h->mapped_bytes);
    return 0;
}

int umalloc_check(struct umalloc *h)
{
    struct walk_counts w = { 0, 0, 0, false };
    int err;

    CHECK(h->heap_bytes + h->mapped_bytes <= h->peak_bytes, "peak_bytes below the current total");
    for (struct pool *pl = h->last; pl; pl = pl->older)
        if ((err = check_pool(h, pl, &w)) != 0)
            return err;
    CHECK(w.saw_dv == (h->dv != NULL), "the victim %p is not a free chunk of the heap", (void *)h->dv);
    long parked = check_cache(h, w.nparked);
    if (parked < 0)
        return (int)parked;
    CHECK((size_t)parked == w.cached, "%lu bytes in the cache, %lu parked chunks in the heap", (size_t)parked,
          w.cached);
    if ((err = check_lists(h, w.nfree)) != 0)
        return err;
    return check_mapped(h);
}

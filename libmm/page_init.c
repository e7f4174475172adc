/* Physical memory at boot: the region table, the frame metadata carved from
 * each region, this boot's tag key, and the first free blocks -- kinit and
 * kmem_init.  (The allocator that runs afterwards is page.c.)
 *
 * A region is one RAM bank (kinit) or one range (kmem_init).  The records of
 * all its frames are carved from the start of its largest free piece;
 * reserved holes and the records' own frames are never freed, so their
 * records are never tagged:
 *
 *   base                                                              base + span
 *   | free piece | hole (image...) | gen word, records | free piece | hole | free |
 *                                  '- meta_pages pages -'
 *
 * Initialisation writes only the region descriptor and the heads of the
 * maximal aligned blocks that tile the free pieces: O(log size + size / 16 MiB),
 * never O(frames).  Metadata records are believed only through their tags
 * (page_internal.h); the tag key is derived from the first region's gen word,
 * which is incremented on every boot, so records left by a previous boot (RAM
 * survives a warm reset) or plain garbage never match.
 *
 * Locking: runs at boot on one hart, before anything allocates. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <arch/bootinfo.h>
#include <arch/console.h>
#include <arch/layout.h>
#include <arch/mmu.h>
#include <mm/page.h>
#include <mm/page_init.h>

#include "page_internal.h"

#define MM_MAX_REGIONS      (BOOT_MAX_REGIONS + BOOT_MAX_RESERVED)
#define META_HDR_BYTES      16      /* the gen word, padded to a record */
#define MAX_BLOCK_BYTES     (PAGE_SIZE << PAGE_MAX_ORDER)
#define KEY_MIX_MUL         0x9e3779b97f4a7c15UL    /* 2^64 / golden ratio */

/* Written only here, at boot; read by every fast path (page_internal.h). */
struct page_fast page_fast;
struct mm_region mm_regions[MM_MAX_REGIONS];
int              mm_nr_regions;
static bool      key_ready;         /* page_fast.key is this boot's */

/* Forget every region, list and cache (kinit starts from nothing). */
static void page_init_reset(void)
{
    page_buddy_reset();
    mm_nr_regions = 0;
    page_fast.base = 0;
    page_fast.span_bytes = 0;
    page_fast.meta_bias = 0;
    page_fast.key = 0;
    page_fast.slab_key = 0;
    key_ready = false;
}

/* This boot's key: bump the gen word the previous boot left (or garbage) and
 * spread it over the tag bits. */
static void make_key(uint64 *gen_word)
{
    uint64 gen = *gen_word + 1;

    *gen_word = gen;
    uint64 k = gen * KEY_MIX_MUL;
    k ^= k >> 29;
    k *= KEY_MIX_MUL;
    page_fast.key = k & ~PAGE_MASK;
    page_fast.slab_key = page_tag(0, PK_SLAB_SMALL, 0);
    key_ready = true;
}

/* True when [start, end) can become a region: inside the direct map and
 * clear of every region. */
static bool range_usable(uint64 start, uint64 end)
{
    if (start - DIRECT_MAP_OFFSET >= DIRECT_MAP_SIZE ||
        end - DIRECT_MAP_OFFSET > DIRECT_MAP_SIZE)
        return false;
    if ((DIRECT_MAP_OFFSET & (MAX_BLOCK_BYTES - 1)) != 0)
        return false;       /* buddy arithmetic on VAs needs PA alignment */
    for (int i = 0; i < mm_nr_regions; i++)
        if (start < mm_regions[i].base + mm_regions[i].span_bytes && mm_regions[i].base < end)
            return false;
    return mm_nr_regions < MM_MAX_REGIONS;
}

/* Pages of records (and the gen word) for a span of bytes. */
static uint64 meta_pages_for(uint64 span_bytes)
{
    uint64 frames = span_bytes >> PAGE_SHIFT;

    return (META_HDR_BYTES + frames * sizeof(struct page_meta) + PAGE_MASK) >> PAGE_SHIFT;
}

/* Make [lo, hi) (page-aligned) a region whose records start at meta_area.
 * Frames of the span that are never freed (the records themselves, holes)
 * simply never get a tag. */
static struct mm_region *region_add(uint64 lo, uint64 hi, uint64 meta_area)
{
    if (!key_ready)
        make_key((uint64 *)meta_area);
    struct mm_region *r = &mm_regions[mm_nr_regions++];
    r->base = lo;
    r->span_bytes = hi - lo;
    r->meta = (struct page_meta *)(meta_area + META_HDR_BYTES);
    if (r->span_bytes > page_fast.span_bytes) {
        page_fast.base = r->base;
        page_fast.span_bytes = r->span_bytes;
        page_fast.meta_bias = (uint64)r->meta - (r->base >> (PAGE_SHIFT - PAGE_META_SHIFT));
    }
    return r;
}

/* Free pieces of one RAM bank, page-aligned direct-map ranges. */
struct piece_list {
    int    nr;
    uint64 lo[BOOT_MAX_RESERVED + 1], hi[BOOT_MAX_RESERVED + 1];
};

/* Make the pieces one region spanning them all, its records carved from the
 * start of the largest piece; the rest of every piece becomes free blocks.
 * Pieces that are empty, unusable or too small for the records are ignored. */
static void add_pieces(struct piece_list *pl)
{
    int big = -1;

    for (int i = 0; i < pl->nr; i++)
        if (big < 0 || pl->hi[i] - pl->lo[i] > pl->hi[big] - pl->lo[big])
            big = i;
    if (big < 0 || !range_usable(pl->lo[0], pl->hi[pl->nr - 1])) {
        kprintf("kmem_init: ignoring %d range(s) from %p\n", pl->nr,
                pl->nr ? (void *)pl->lo[0] : NULL);
        return;
    }
    uint64 meta_bytes = meta_pages_for(pl->hi[pl->nr - 1] - pl->lo[0]) << PAGE_SHIFT;
    if (meta_bytes >= pl->hi[big] - pl->lo[big])
        return;             /* too small to hold its own records and a frame */
    struct mm_region *r = region_add(pl->lo[0], pl->hi[pl->nr - 1], pl->lo[big]);
    pl->lo[big] += meta_bytes;
    page_add_free(r, pl->nr, pl->lo, pl->hi);
}

/* Contract in mm/page_init.h. */
void kmem_init(uint64 va_start, uint64 va_end)
{
    struct piece_list pl;

    pl.nr = 1;
    pl.lo[0] = PGROUNDUP(va_start);
    pl.hi[0] = PGROUNDDOWN(va_end);
    if (pl.lo[0] < va_start || pl.hi[0] <= pl.lo[0]) {
        kprintf("kmem_init: ignoring [%p, %p)\n", (void *)va_start, (void *)va_end);
        return;
    }
    add_pieces(&pl);
}

/* Append to pl the parts of [lo, hi) (physical) that no reserved range from
 * index first on covers, in address order. */
static void collect_pieces(const struct boot_info *bi, uint64 lo, uint64 hi, int first,
                           struct piece_list *pl)
{
    for (int i = first; i < bi->nr_reserved; i++) {
        uint64 rlo = bi->reserved[i].base, rhi = rlo + bi->reserved[i].size;
        if (rlo < hi && lo < rhi) {
            if (lo < rlo)
                collect_pieces(bi, lo, rlo, i + 1, pl);
            if (rhi < hi)
                collect_pieces(bi, rhi, hi, i + 1, pl);
            return;
        }
    }
    uint64 vlo = PGROUNDUP(lo + DIRECT_MAP_OFFSET);     /* phys_to_virt() inlined */
    uint64 vhi = PGROUNDDOWN(hi + DIRECT_MAP_OFFSET);
    if (vlo < vhi && pl->nr < BOOT_MAX_RESERVED + 1) {
        pl->lo[pl->nr] = vlo;
        pl->hi[pl->nr] = vhi;
        pl->nr++;
    }
}

/* Contract in mm/page_init.h.  Each RAM bank becomes one region (so the fast
 * paths, which check one region, cover all of it); reserved ranges inside it
 * are holes. */
void kinit(void)
{
    const struct boot_info *bi = arch_boot_info();

    page_init_reset();
    for (int i = 0; i < bi->nr_ram; i++) {
        struct piece_list pl;
        pl.nr = 0;
        collect_pieces(bi, bi->ram[i].base, bi->ram[i].base + bi->ram[i].size, 0, &pl);
        if (pl.nr)
            add_pieces(&pl);
    }
    kalloc_init();
}


/* Not public: address spaces and their VMAs, shared by vma_tree.c (the
 * tree), vma.c (split, merge and the range operations), mmap.c (the system
 * calls), fault.c (faults) and uvm.c (building the app's space, brk, the
 * seeds' calls).  Host tests include it. */
#ifndef MM_MM_INTERNAL_H
#define MM_MM_INTERNAL_H

#include <stdbool.h>

#include <arch/mmu.h>
#include <mm/fault.h>
#include <mm/filemap.h>
#include <mm/kalloc.h>
#include <mm/mmap.h>
#include <mm/space.h>
#include <mm/types.h>

#define PROT_RWX        (MM_PROT_READ | MM_PROT_WRITE | MM_PROT_EXEC)
/* Flags MAP_SHARED_VALIDATE accepts for a file (Linux's list less MAP_SYNC,
 * which needs a DAX file); for anonymous memory it is EINVAL. */
#define MMAP_VALIDATED_FLAGS (MM_MAP_TYPE | MM_MAP_FIXED | MM_MAP_ANONYMOUS | MM_MAP_DENYWRITE |   \
                              MM_MAP_EXECUTABLE | MM_MAP_UNINITIALIZED | MM_MAP_GROWSDOWN |        \
                              MM_MAP_LOCKED | MM_MAP_NORESERVE | MM_MAP_POPULATE |                 \
                              MM_MAP_NONBLOCK | MM_MAP_STACK | MM_MAP_HUGETLB |                    \
                              MM_MAP_FIXED_NOREPLACE)

/* VMA kinds and properties (vma.flags). */
#define VMA_SHARED      (1u << 0)   /* MAP_SHARED: no zero page, shared after fork */
#define VMA_IMAGE       (1u << 1)   /* frames belong to the image: never freed */
#define VMA_STACK       (1u << 2)   /* a stack (main or MAP_STACK): no 2 MiB leaves */
#define VMA_GUARD       (1u << 3)   /* a stack's guard page: never accessible */
#define VMA_HEAP        (1u << 4)   /* the brk heap */
#define VMA_NOWRITE     (1u << 5)   /* a MAP_SHARED file mapping of a descriptor not open
                                     * for writing: mprotect may not add PROT_WRITE */
#define VMA_NAMED       (VMA_IMAGE | VMA_STACK | VMA_GUARD | VMA_HEAP)

/* One mapped range [start, end) with one protection.  Kept in an AVL tree by
 * start, augmented with the largest free gap in each subtree, and in an
 * address-ordered list. */
struct vma {
    uint64      start, end;
    uint32      prot;           /* MM_PROT_* */
    uint32      flags;          /* VMA_* */
    const char *name;           /* for reports: "app text", "heap", "mmap", ... */
    struct vma *left, *right;   /* tree */
    struct vma *parent;         /* tree; NULL at the root */
    struct vma *prev, *next;    /* list, by address */
    uint64      gap;            /* free bytes between prev (or the floor) and start */
    uint64      max_gap;        /* largest gap in this subtree */
    int         height;
    void       *file;           /* a file mapping's file (mm/filemap.h: one reference
                                 * per VMA), else NULL */
    uint64      pgoff;          /* the file page that start maps */
    bool        fresh;          /* no page was ever mapped in it, so unmapping and
                                 * mprotect skip the page tables.  Set by mmap; cleared
                                 * by vma_find (the fault path finds its VMA there) and
                                 * mm_populate; a merge keeps it if both parts had it */
};

/* An address space: the low half of one page table.  Single hart, and the
 * libOS runs with interrupts off, so no lock: the app calls in directly. */
struct mm {
    pagetable_t pt;
    struct vma *root;           /* VMA tree */
    struct vma *first;          /* lowest VMA */
    uint64      nr_vmas;
    struct vma *cache;          /* last VMA mapped, or found by a fault or lookup */
    struct vma *gap_hint;       /* mmap's usual place (vma_tree.c): below gap_hint_limit, */
    uint64      gap_hint_len;   /* no gap above it holds gap_hint_len bytes; or NULL */
    uint64      gap_hint_limit;
    struct vma *unbalanced;     /* a leaf its ancestors' heights do not count yet (vma_tree.c) */
    uint64      heap_start, brk;
    struct vma *heap;           /* the brk VMA, NULL while the heap is empty */
    uint64      mmap_base;      /* mmap placement searches down from here */
    struct umalloc *umalloc;    /* the app's malloc (in the app's memory) */
    uint64      faults;         /* faults resolved */
    uint64      zero_maps;      /* of which mapped the zero page */
    uint64      collapses;      /* fully touched 2 MiB blocks made one leaf */
    uint64      asid;           /* (generation << SATP_ASID_BITS) | ASID; 0: none yet (asid.c) */
    uint64      satp;           /* satp with that ASID (asid.c) */
    struct mm  *list_next;      /* every address space (filemap.c) */
};

/* Frames mapped into app address spaces (not the zero page, not the image's
 * text and rodata, which stay in place) and their high-water mark: what
 * getrusage reports as ru_maxrss.  Counted where a fresh frame is mapped
 * (fault.c, populate) and where a leaf is released (vm.c); one hart.  The
 * count only rises between releases, so the mark is brought up to date
 * lazily, before each release and when read (mm_resident_peak), keeping the
 * fault path to one add. */
extern uint64 mm_resident_pages, mm_resident_peak_pages;
static inline void mm_resident_add(uint64 npages)
{
    mm_resident_pages += npages;
}

#define VMA_FLOOR       NULL_GUARD_END      /* nothing is ever mapped below */
#define VMA_MAX_COUNT   65530               /* Linux's default vm.max_map_count */

#include "vma_tree.h"

/* A new VMA (kalloc'd, not fresh), not yet inserted; NULL when out of memory. */
static inline struct vma *vma_new(uint64 start, uint64 end, uint32 prot, uint32 flags,
                                  const char *name)
{
    struct vma *v = kalloc(sizeof *v);
    if (v) {
        v->start = start;
        v->end = end;
        v->prot = prot;
        v->flags = flags;
        v->name = name;
        v->file = NULL;
        v->pgoff = 0;
        v->fresh = false;
    }
    return v;
}

/* ---- filemap.c: the file system's operations (mm/filemap.h) ---- */
extern const struct mm_file_ops *mm_file_ops;
/* v (made by vma_new) maps file from page pgoff on: it takes a reference. */
static inline void vma_set_file(struct vma *v, void *file, uint64 pgoff)
{
    v->file = file;
    v->pgoff = pgoff;
    if (file)
        mm_file_ops->hold(file);
}

static inline void vma_free(struct vma *v)
{
    if (v && v->file)
        mm_file_ops->release(v->file);
    kfree(v);
}

/* Whether v allows access (FAULT_READ, FAULT_WRITE, FAULT_EXEC, or'ed): a
 * guard or PROT_NONE VMA allows nothing; a write needs PROT_WRITE and an
 * execute PROT_EXEC (anything else can be read: leaves always have R). */
static inline bool vma_allows(const struct vma *v, unsigned access)
{
    if ((v->flags & VMA_GUARD) || v->prot == MM_PROT_NONE)
        return false;
    if ((access & FAULT_WRITE) && !(v->prot & MM_PROT_WRITE))
        return false;
    if ((access & FAULT_EXEC) && !(v->prot & MM_PROT_EXEC))
        return false;
    return true;
}

/* Whether v may take a 2 MiB leaf for the 2 MiB-aligned block at base: the
 * block lies wholly inside v, which is writable and is not a stack, the
 * image or a guard (those keep 4 KiB leaves). */
static inline bool vma_may_map_huge(const struct vma *v, uint64 base)
{
    return !(v->flags & (VMA_STACK | VMA_IMAGE | VMA_GUARD)) && !v->file && (v->prot & MM_PROT_WRITE) &&
           base >= v->start && v->end - base >= MEGAPAGE_SIZE;
}

/* Whether a and its successor b (either may be NULL) touch and can be one
 * VMA: same protection, flags and name, and neither a guard nor the heap;
 * file mappings of the same file, b's pages following a's. */
static inline bool vma_mergeable(const struct vma *a, const struct vma *b)
{
    return a && b && a->end == b->start && a->prot == b->prot && a->flags == b->flags &&
           a->name == b->name && !(a->flags & (VMA_GUARD | VMA_HEAP)) && a->file == b->file &&
           (!a->file || a->pgoff + ((a->end - a->start) >> PAGE_SHIFT) == b->pgoff);
}

/* ---- vma.c: VMA operations and the range operations on them ---- */
/* Leaf PTE permission bits for a protection (PROT_NONE: R|U, which S-mode
 * cannot use while sstatus.SUM is 0 — the contents stay, nothing is
 * accessible). */
static inline uint64 prot_to_pte(uint32 prot)
{
    if (!(prot & (MM_PROT_READ | MM_PROT_WRITE | MM_PROT_EXEC)))
        return PTE_PROT_NONE;
    return PTE_USER | PTE_R | ((prot & MM_PROT_WRITE) ? PTE_W : 0) | ((prot & MM_PROT_EXEC) ? PTE_X : 0);
}
/* v's protection as "rwx" letters ("---" for PROT_NONE), for reports. */
const char *vma_perms(const struct vma *v);
/* Split v at addr (v->start < addr < v->end): v keeps [start, addr), spare
 * becomes [addr, end) with v's attributes and is returned. */
struct vma *vma_split(struct mm *mm, struct vma *v, uint64 addr, struct vma *spare);
/* Merge v with its neighbours when they touch it and have the same
 * protection and flags; the absorbed VMAs are freed.  Returns the survivor. */
struct vma *vma_merge(struct mm *mm, struct vma *v);
/* vma_insert and vma_merge in one: when v (made by vma_new, its range
 * free) would merge with its neighbours, they grow over its range and v is
 * freed; else v is inserted.  Returns the VMA that holds the range. */
struct vma *vma_add(struct mm *mm, struct vma *v);
/* The VMA that is exactly [start, end) of v (which must cover it), cutting
 * v at start and at end where it reaches past them.  NULL, with nothing
 * changed, when a spare VMA cannot be had (no memory, or the cuts would
 * pass the VMA count limit). */
struct vma *vma_cut(struct mm *mm, struct vma *v, uint64 start, uint64 end);
/* mm_map_range's work: the VMA that holds the new range [start, end), or
 * NULL when out of memory or at the VMA count limit.  fresh says nothing
 * has mapped a page in it yet (mmap's new mappings): until a fault or
 * mm_populate maps one, unmapping and mprotect skip the page tables.
 * Inline: it is most of mmap. */
static inline struct vma *vma_map(struct mm *mm, uint64 start, uint64 end, uint32 prot,
                                  uint32 flags, const char *name, bool fresh)
{
    struct vma *v = mm->nr_vmas < VMA_MAX_COUNT ? vma_new(start, end, prot, flags, name) : NULL;
    if (!v)
        return NULL;
    v->fresh = fresh;
    return vma_add(mm, v);
}
/* Map a new VMA of [start, end) in mm (range must be free; it merges with
 * neighbours of its kind) and set *out (may be NULL) to the VMA that holds
 * it.  0 or -MM_ENOMEM. */
int         mm_map_range(struct mm *mm, uint64 start, uint64 end, uint32 prot, uint32 flags,
                         const char *name, struct vma **out);
/* Remove every mapping in [start, end) (page-aligned), releasing pages.
 * 0 or -MM_ENOMEM (a split needed memory; then nothing changed). */
int         mm_unmap_range(struct mm *mm, uint64 start, uint64 end);
/* Unmap the pages of [start, end) inside v, freeing them unless they are
 * the image's; the VMA stays.  0 or vm_unmap's error. */
int         mm_release_pages(struct mm *mm, struct vma *v, uint64 start, uint64 end);
/* Populate [start, end) of v: fresh zeroed pages (2 MiB leaves where v allows
 * and the block is aligned and wholly inside) or the zero page for read-only
 * private mappings.  Stops quietly when memory runs out. */
void        mm_populate(struct mm *mm, struct vma *v, uint64 start, uint64 end);

/* ---- filemap.c ---- */
/* Map the page at va of the file mapping v, where vm_lookup found the
 * invalid entry *p at level: the page cache's frame (MAP_SHARED, or a read
 * of MAP_PRIVATE: read-only and copy-on-write), or for a write to
 * MAP_PRIVATE a copy of it.  0, -MM_ENXIO (past the end of file: SIGBUS) or
 * -MM_ENOMEM; on success *p is the new leaf. */
int         file_fill(struct mm *mm, struct vma *v, pte_t **p, int level, uint64 va, bool write);
/* mmap of a file: len page-rounded and not 0, offset page-aligned; Linux's
 * checks from the placement on.  The address or a negative MM_ error. */
int64_t     mmap_file(struct mm *mm, uint64 addr, uint64 len, int prot, int flags,
                      const struct mm_file_ref *ref, int64_t offset);
/* Linux's answer for mmap of descriptor fd, before the placement: 0 with
 * *ref filled (ref->file NULL: -MM_ENODEV once the flags pass), or
 * -MM_EBADF. */
int         file_lookup(int fd, struct mm_file_ref *ref);
/* Address spaces, for mm_file_unmap: mm_create adds, mm_destroy removes. */
void        mm_list_add(struct mm *mm);
void        mm_list_remove(struct mm *mm);

/* ---- mmap.c ---- */
/* Where a mapping of len bytes goes (MAP_FIXED: addr, checked as Linux's
 * get_unmapped_area; else the hint when free, else a gap below
 * mmap_base); an address or a negative MM_ error. */
int64_t     mmap_place(struct mm *mm, uint64 addr, uint64 len, int flags);

/* ---- fault.c ---- */
/* Resolve a fault in mm at addr for access (FAULT_*); 0, -MM_EFAULT (an
 * invalid access) or -MM_ENOMEM (no page). */
int         mm_handle_fault(struct mm *mm, uint64 addr, unsigned access);
/* Make the page at va (page-aligned, inside v, access allowed) present for
 * a read or a write; 0 or -MM_ENOMEM. */
int         mm_fault_in(struct mm *mm, struct vma *v, uint64 va, bool write);
/* What a new 2 MiB block holds when mm_map_block maps it. */
enum block_source {
    BLOCK_ZEROED,       /* zeros; mapped where nothing is mapped (populate) */
    BLOCK_COLLAPSED,    /* a copy of the 512 pages mapped at base, whose full
                         * level-0 table it replaces (a fully touched block) */
};
/* Map a new order-MEGAPAGE_ORDER block, filled as source says, as one 2 MiB
 * leaf at base (2 MiB-aligned, the block wholly inside v) with v's
 * protection; the block is then split, so any part can be unmapped and
 * freed later.  0, -MM_ENOMEM when no block is free, or the mapping's error
 * (mappages, vm_collapse_block): then nothing has changed. */
int         mm_map_block(struct mm *mm, const struct vma *v, uint64 base, enum block_source source);

/* ---- uvm.c: mm_current, mm_set_current, mm_create, mm_destroy (mm/space.h) ---- */
/* What mm_current returns, read directly by the fault path (no call);
 * written only by mm_set_current. */
extern struct mm *current_mm;

#endif

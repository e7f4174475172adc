/* The memory-mapping calls (mmap, munmap, mprotect, madvise, msync, mremap)
 * on the current address space, checked in Linux's order so that every error
 * is the one Linux gives (DESIGN.md's errno table). */
#include <arch/console.h>
#include <arch/layout.h>

#include <mm/errno.h>
#include <mm/mman.h>
#include <mm/page.h>
#include <mm/uvm.h>
#include <mm/vm.h>

#include "mm_internal.h"
#include "vm_internal.h"

#define PROT_KNOWN      (MM_PROT_READ | MM_PROT_WRITE | MM_PROT_EXEC | MM_PROT_SEM)
#define PROT_RWX        (MM_PROT_READ | MM_PROT_WRITE | MM_PROT_EXEC)
/* Flags MAP_SHARED_VALIDATE accepts for a file (Linux's list less MAP_SYNC,
 * which needs a DAX file); for anonymous memory it is EINVAL. */
#define MAP_VALIDATED   (MM_MAP_TYPE | MM_MAP_FIXED | MM_MAP_ANONYMOUS | MM_MAP_DENYWRITE |      \
                         MM_MAP_EXECUTABLE | MM_MAP_UNINITIALIZED | MM_MAP_GROWSDOWN |           \
                         MM_MAP_LOCKED | MM_MAP_NORESERVE | MM_MAP_POPULATE | MM_MAP_NONBLOCK |  \
                         MM_MAP_STACK | MM_MAP_HUGETLB | MM_MAP_FIXED_NOREPLACE)
#define CONSOLE_FDS     3       /* fds 0..2 exist (the console); no others do */

uint64 prot_to_pte(uint32 prot)
{
    if (!(prot & PROT_RWX))
        return PTE_R | PTE_U;
    return PTE_R | ((prot & MM_PROT_WRITE) ? PTE_W : 0) | ((prot & MM_PROT_EXEC) ? PTE_X : 0);
}

static bool page_aligned(uint64 a)
{
    return (a & PAGE_MASK) == 0;
}

/* Page-rounded len, or 0 when rounding overflows. */
static uint64 page_len(uint64 len)
{
    return len > ~U64(0) - PAGE_MASK ? 0 : PGROUNDUP(len);
}

/* ---- mapping and unmapping VMAs ---------------------------------------- */

/* mm_map_range, the new range fresh (never populated) or not; the VMA that
 * holds it, or NULL when out of memory. */
static struct vma *map_range(struct mm *mm, uint64 start, uint64 end, uint32 prot, uint32 flags,
                             const char *name, bool fresh)
{
    struct vma *v = mm->nr_vmas < VMA_MAX_COUNT ? vma_new(start, end, prot, flags, name) : NULL;
    if (!v)
        return NULL;
    v->fresh = fresh;
    return vma_add(mm, v);
}

int mm_map_range(struct mm *mm, uint64 start, uint64 end, uint32 prot, uint32 flags,
                 const char *name, struct vma **out)
{
    struct vma *v = map_range(mm, start, end, prot, flags, name, false);
    if (!v)
        return -MM_ENOMEM;
    if (out)
        *out = v;
    return 0;
}

/* Release the pages of [start, end) inside v. */
static int release_pages(struct mm *mm, struct vma *v, uint64 start, uint64 end)
{
    return vm_unmap(mm->pt, start, (end - start) >> PAGE_SHIFT, !(v->flags & VMA_IMAGE));
}

/* The spare VMAs for cutting one VMA at the start of a range (*a, when
 * need_a) and one at its end (*b, when need_b).  0, or -MM_ENOMEM with none
 * taken (no memory, or the cuts would pass the VMA count limit). */
static int take_spares(struct mm *mm, bool need_a, bool need_b, struct vma **a, struct vma **b)
{
    *a = need_a ? vma_new(0, 0, 0, 0, NULL) : NULL;
    *b = need_b ? vma_new(0, 0, 0, 0, NULL) : NULL;
    if ((need_a && !*a) || (need_b && !*b) || mm->nr_vmas + need_a + need_b > VMA_MAX_COUNT + 1) {
        vma_free(*a);
        vma_free(*b);
        return -MM_ENOMEM;
    }
    return 0;
}

/* Release the pages of [start, end) in the VMAs first..last (in list order,
 * all meeting the range); fresh VMAs have none.  0 or vm_unmap's error. */
static int release_range(struct mm *mm, struct vma *first, struct vma *last, uint64 start, uint64 end)
{
    for (struct vma *w = first;; w = w->next) {
        uint64 a = w->start > start ? w->start : start, b = w->end < end ? w->end : end;
        int err = w->fresh ? 0 : release_pages(mm, w, a, b);
        if (err || w == last)
            return err;
    }
}

/* Remove and free the VMAs from first up to (not including) stop. */
static void remove_vmas(struct mm *mm, struct vma *first, struct vma *stop)
{
    for (struct vma *v = first; v != stop;) {
        struct vma *next = v->next;
        vma_remove(mm, v);
        vma_free(v);
        v = next;
    }
}

/* unmap_vmas when first starts below start or last ends above end: those
 * parts stay, first's head and last's tail.  A range inside one VMA splits
 * it, with a spare VMA taken before anything changes (-MM_ENOMEM when none,
 * or when the VMA count is at its limit, as on Linux). */
static int unmap_cutting(struct mm *mm, struct vma *first, struct vma *last, uint64 start, uint64 end)
{
    bool head = first->start < start, tail = last->end > end;
    struct vma *spare = NULL;
    if (first == last && head && tail &&
        (mm->nr_vmas >= VMA_MAX_COUNT || !(spare = vma_new(0, 0, 0, 0, NULL))))
        return -MM_ENOMEM;
    int err = release_range(mm, first, last, start, end);
    if (err) {
        vma_free(spare);
        return err;
    }
    if (spare) {
        vma_split(mm, first, end, spare);       /* spare keeps the tail */
        tail = false;
    }
    remove_vmas(mm, head ? first->next : first, tail ? last : last->next);
    if (head)
        vma_set_end(mm, first, start);
    if (tail)
        vma_set_start(mm, last, end);
    return 0;
}

/* Contract in mm_internal.h (mm_unmap_range).  The page tables go first: an
 * unmap that cannot split a superpage fails before any VMA changes. */
static int unmap_vmas(struct mm *mm, uint64 start, uint64 end)
{
    if (start >= end)
        return 0;           /* an empty range changes nothing (and must not split) */
    struct vma *first = vma_first_after(mm, start), *last = first;
    if (!first || first->start >= end)
        return 0;
    while (last->next && last->next->start < end)
        last = last->next;
    if (first->start < start || last->end > end)
        return unmap_cutting(mm, first, last, start, end);
    if (first != last || !first->fresh) {       /* a lone fresh VMA has no pages */
        int err = release_range(mm, first, last, start, end);
        if (err)
            return err;
    }
    remove_vmas(mm, first, last->next);
    return 0;
}

int mm_unmap_range(struct mm *mm, uint64 start, uint64 end)
{
    return unmap_vmas(mm, start, end);
}

/* Populate one 2 MiB block at va with a split order-9 block; false when it
 * cannot (no block free, or something is mapped there already). */
static bool populate_huge(struct mm *mm, struct vma *v, uint64 va)
{
    return mm_map_block(mm, v, va, BLOCK_ZEROED) == 0;
}

void mm_populate(struct mm *mm, struct vma *v, uint64 start, uint64 end)
{
    bool write = v->prot & MM_PROT_WRITE, huge_ok = !(v->flags & (VMA_STACK | VMA_IMAGE));

    if (v->prot == MM_PROT_NONE || (v->flags & VMA_GUARD))
        return;
    v->fresh = false;
    for (uint64 va = start; va < end;) {
        if (huge_ok && (va & (MEGAPAGE_SIZE - 1)) == 0 && end - va >= MEGAPAGE_SIZE &&
            write && populate_huge(mm, v, va)) {
            va += MEGAPAGE_SIZE;
            continue;
        }
        if (mm_fault_in(mm, v, va, write) != 0)
            return;
        va += PAGE_SIZE;
    }
}

/* ---- mmap ---------------------------------------------------------------- */

/* Where a mapping of len bytes goes; an address or a negative MM_ error. */
static int64_t place(struct mm *mm, uint64 addr, uint64 len, int flags)
{
    if (flags & MM_MAP_FIXED) {
        if (!page_aligned(addr))
            return -MM_EINVAL;
        if (len > USER_END || addr > USER_END - len)
            return -MM_ENOMEM;
        if (addr < VMA_FLOOR)
            return -MM_EPERM;           /* Linux's mmap_min_addr */
        return (int64_t)addr;
    }
    if (len > USER_END - VMA_FLOOR)
        return -MM_ENOMEM;
    if (addr) {
        uint64 hint = PGROUNDDOWN(addr);        /* Linux takes the hint's page */
        if (hint >= VMA_FLOOR && hint <= USER_END - len && vma_range_free(mm, hint, hint + len))
            return (int64_t)hint;
    }
    uint64 a = vma_find_gap(mm, len, mm->mmap_base);
    if (!a)
        a = vma_find_gap(mm, len, APP_STACK_TOP);     /* the top page stays unmapped */
    return a ? (int64_t)a : -MM_ENOMEM;
}

/* A file mapping: the only files are the console's fds, which cannot be
 * mapped; the checks before that are Linux's, in its order. */
static int64_t file_mapping(uint64 len, int flags, int fd, int64_t offset)
{
    if (fd < 0 || fd >= CONSOLE_FDS)
        return -MM_EBADF;
    if (len == 0)
        return -MM_EINVAL;
    if (offset < 0 || (uint64)offset > (uint64)INT64_MAX - page_len(len))
        return -MM_EOVERFLOW;
    switch (flags & MM_MAP_TYPE) {
    case MM_MAP_SHARED_VALIDATE:
        if (flags & ~MAP_VALIDATED)
            return -MM_EOPNOTSUPP;
        break;
    case MM_MAP_SHARED:
    case MM_MAP_PRIVATE:
        break;
    default:
        return -MM_EINVAL;
    }
    return -MM_ENODEV;
}

static const char *mmap_name(int flags)
{
    if (flags & MM_MAP_STACK)
        return "mmap stack";
    return (flags & MM_MAP_TYPE) == MM_MAP_PRIVATE ? "mmap" : "mmap shared";
}

/* The error an anonymous mapping's type and protection give (checked after
 * its placement, in Linux's order); 0 when they are fine. */
static int anon_kind_error(int prot, int flags)
{
    int type = flags & MM_MAP_TYPE;     /* MAP_SHARED_VALIDATE is EINVAL, as on Linux */
    if (type != MM_MAP_PRIVATE && (type != MM_MAP_SHARED || (flags & MM_MAP_GROWSDOWN)))
        return -MM_EINVAL;
    if ((prot & MM_PROT_WRITE) && (prot & MM_PROT_EXEC))
        return -MM_EACCES;              /* no mapping is ever writable and executable */
    return 0;
}

/* mm_mmap of anonymous memory; len is page-rounded and not 0. */
static int64_t mmap_anon(uint64 addr, uint64 len, int prot, int flags)
{
    struct mm *mm = mm_current();
    if (!mm)
        return -MM_ENOMEM;
    int64_t at = place(mm, addr, len, flags);
    if (at < 0)
        return at;
    addr = (uint64)at;
    if ((flags & MM_MAP_FIXED_NOREPLACE) && !vma_range_free(mm, addr, addr + len))
        return -MM_EEXIST;
    int err = anon_kind_error(prot, flags);
    if (err)
        return err;
    if ((flags & MM_MAP_FIXED) && mm_unmap_range(mm, addr, addr + len) != 0)
        return -MM_ENOMEM;
    uint32 vflags = ((flags & MM_MAP_TYPE) != MM_MAP_PRIVATE ? VMA_SHARED : 0) |
                    ((flags & MM_MAP_STACK) ? VMA_STACK : 0);
    struct vma *v = map_range(mm, addr, addr + len, (uint32)prot & PROT_RWX, vflags, mmap_name(flags),
                              true);    /* fresh until a fault or mm_populate maps a page */
    if (!v)
        return -MM_ENOMEM;
    if (flags & MM_MAP_POPULATE)
        mm_populate(mm, v, addr, addr + len);
    return (int64_t)addr;
}

int64_t mm_mmap(uint64 addr, uint64 len, int prot, int flags, int fd, int64_t offset)
{
    if (offset & PAGE_MASK)
        return -MM_EINVAL;
    if (!(flags & MM_MAP_ANONYMOUS))
        return file_mapping(len, flags, fd, offset);
    if (len == 0)
        return -MM_EINVAL;
    if (flags & MM_MAP_FIXED_NOREPLACE)
        flags |= MM_MAP_FIXED;
    len = page_len(len);
    return len ? mmap_anon(addr, len, prot, flags) : -MM_ENOMEM;
}

/* ---- munmap ------------------------------------------------------------ */

int mm_munmap(uint64 addr, uint64 len)
{
    struct mm *mm = mm_current();

    if (!page_aligned(addr) || addr > USER_END || len > USER_END - addr)
        return -MM_EINVAL;
    len = page_len(len);
    if (len == 0)
        return -MM_EINVAL;
    return mm ? mm_unmap_range(mm, addr, addr + len) : 0;
}

int do_munmap(void *addr, size_t length)
{
    return mm_munmap((uint64)addr, length) == 0 ? 0 : -1;
}

/* ---- mprotect ------------------------------------------------------------ */

/* Give [start, end) of v (which it must cover) the protection prot. */
static int protect_piece(struct mm *mm, struct vma *v, uint64 start, uint64 end, uint32 prot)
{
    struct vma *s1, *s2;
    if (v->prot == prot)
        return 0;
    int err = take_spares(mm, v->start < start, v->end > end, &s1, &s2);
    if (err)
        return err;
    if (s1)
        v = vma_split(mm, v, start, s1);
    if (s2)
        vma_split(mm, v, end, s2);
    err = v->fresh ? 0 : vm_protect(mm->pt, start, end - start, prot_to_pte(prot));
    if (err)
        return err;
    v->prot = prot;
    vma_merge(mm, v);
    return 0;
}

int mm_mprotect(uint64 addr, uint64 len, int prot)
{
    struct mm *mm = mm_current();
    int grows = prot & (MM_PROT_GROWSDOWN | MM_PROT_GROWSUP);

    if (grows)
        return -MM_EINVAL;
    if (!page_aligned(addr))
        return -MM_EINVAL;
    if (len == 0)
        return 0;
    len = page_len(len);
    uint64 end = addr + len;
    if (end <= addr)
        return -MM_ENOMEM;
    if (prot & ~PROT_KNOWN)
        return -MM_EINVAL;
    if ((prot & MM_PROT_WRITE) && (prot & MM_PROT_EXEC))
        return -MM_EACCES;
    for (uint64 a = addr; a < end;) {
        struct vma *v = mm ? vma_first_after(mm, a) : NULL;
        if (!v || v->start > a || (v->flags & VMA_GUARD))
            return -MM_ENOMEM;
        uint64 b = v->end < end ? v->end : end;
        int err = protect_piece(mm, v, a, b, (uint32)prot & PROT_RWX);
        if (err)
            return err;
        a = b;
    }
    return 0;
}

/* ---- madvise, msync ------------------------------------------------------ */

static bool advice_known(int advice)
{
    switch (advice) {
    case MM_MADV_NORMAL: case MM_MADV_RANDOM: case MM_MADV_SEQUENTIAL: case MM_MADV_WILLNEED:
    case MM_MADV_DONTNEED: case MM_MADV_FREE:
    case 10: case 11: case 14: case 15: case 16: case 17: case 18: case 19: case 20: case 21:
        return true;    /* DONTFORK .. PAGEOUT: accepted, nothing to do */
    default:
        return false;
    }
}

static void advise_piece(struct mm *mm, struct vma *v, uint64 a, uint64 b, int advice)
{
    if (advice == MM_MADV_WILLNEED)
        mm_populate(mm, v, a, b);
    else if ((advice == MM_MADV_DONTNEED || advice == MM_MADV_FREE) && !(v->flags & VMA_IMAGE))
        release_pages(mm, v, a, b);
}

/* Apply fn's advice to each VMA piece of [start, end); -MM_ENOMEM when a
 * page of the range is not mapped (the rest is still done, as on Linux). */
static int for_each_piece(struct mm *mm, uint64 start, uint64 end, int advice)
{
    int err = 0;
    uint64 a = start;
    for (struct vma *v = mm ? vma_first_after(mm, start) : NULL; v && v->start < end; v = v->next) {
        if (v->start > a)
            err = -MM_ENOMEM;
        uint64 lo = v->start > a ? v->start : a, hi = v->end < end ? v->end : end;
        if (advice >= 0)
            advise_piece(mm, v, lo, hi, advice);
        a = hi;
    }
    return a < end ? -MM_ENOMEM : err;
}

int mm_madvise(uint64 addr, uint64 len, int advice)
{
    if (!advice_known(advice) || !page_aligned(addr))
        return -MM_EINVAL;
    uint64 plen = page_len(len);
    if (len && !plen)
        return -MM_EINVAL;
    if (addr + plen < addr)
        return -MM_EINVAL;
    if (plen == 0)
        return 0;
    return for_each_piece(mm_current(), addr, addr + plen, advice);
}

int mm_msync(uint64 addr, uint64 len, int flags)
{
    if (flags & ~(MM_MS_ASYNC | MM_MS_INVALIDATE | MM_MS_SYNC))
        return -MM_EINVAL;
    if (!page_aligned(addr))
        return -MM_EINVAL;
    if ((flags & MM_MS_ASYNC) && (flags & MM_MS_SYNC))
        return -MM_EINVAL;
    len = PGROUNDUP(len);
    if (addr + len < addr)
        return -MM_ENOMEM;
    if (len == 0)
        return 0;
    return for_each_piece(mm_current(), addr, addr + len, -1);
}

/* ---- mremap ---------------------------------------------------------- */

/* Move the pages of [from, from + len) to [to, to + len) (to is free and has
 * its VMA).  On failure the destination's pages are taken back. */
static int move_pages(struct mm *mm, uint64 from, uint64 to, uint64 len)
{
    for (uint64 off = 0; off < len; off += PAGE_SIZE) {
        pte_t *p = walk(mm->pt, from + off, 0);
        if (!p)
            continue;
        uint64 flags = PTE_FLAGS(*p) & (VM_PERM_BITS | VM_RSW_BITS);
        if (mappages(mm->pt, to + off, walkaddr(mm->pt, from + off), PAGE_SIZE, flags) != 0) {
            vm_unmap(mm->pt, to, off >> PAGE_SHIFT, 0);
            return -MM_ENOMEM;
        }
    }
    return vm_unmap(mm->pt, from, len >> PAGE_SHIFT, 0);
}

/* Move [addr, addr + old_len) of v to new_addr with new_len. */
static int64_t move_vma(struct mm *mm, struct vma *v, uint64 addr, uint64 old_len,
                        uint64 new_addr, uint64 new_len)
{
    struct vma *nv;
    uint32 prot = v->prot, flags = v->flags & ~(VMA_HEAP | VMA_GUARD);
    const char *name = v->name;
    int err = mm_map_range(mm, new_addr, new_addr + new_len, prot, flags, name, &nv);
    if (err)
        return err;
    uint64 moved = old_len < new_len ? old_len : new_len;
    err = move_pages(mm, addr, new_addr, moved);
    if (err) {
        unmap_vmas(mm, new_addr, new_addr + new_len);
        return err;
    }
    unmap_vmas(mm, addr, addr + old_len);   /* moved pages are no longer there */
    return (int64_t)new_addr;
}

/* The VMA that old range [addr, addr + old_len) must lie in; NULL: EFAULT. */
static struct vma *resizable(struct mm *mm, uint64 addr, uint64 old_len)
{
    struct vma *v = mm ? vma_find(mm, addr) : NULL;
    if (!v || (v->flags & (VMA_GUARD | VMA_IMAGE)) || old_len > v->end - addr)
        return NULL;
    return v;
}

static int64_t mremap_to(struct mm *mm, uint64 addr, uint64 old_len, uint64 new_len, uint64 new_addr)
{
    if (!page_aligned(new_addr))
        return -MM_EINVAL;
    if (new_len > USER_END || new_addr > USER_END - new_len || new_addr < VMA_FLOOR)
        return -MM_EINVAL;
    if (addr + old_len > new_addr && new_addr + new_len > addr)
        return -MM_EINVAL;
    if (!resizable(mm, addr, old_len))
        return -MM_EFAULT;
    if (mm_unmap_range(mm, new_addr, new_addr + new_len) != 0)
        return -MM_ENOMEM;
    if (old_len > new_len) {
        if (mm_unmap_range(mm, addr + new_len, addr + old_len) != 0)
            return -MM_ENOMEM;
        old_len = new_len;
    }
    return move_vma(mm, vma_find(mm, addr), addr, old_len, new_addr, new_len);
}

int64_t mm_mremap(uint64 addr, uint64 old_len, uint64 new_len, int flags, uint64 new_addr)
{
    struct mm *mm = mm_current();

    if (flags & ~(MM_MREMAP_MAYMOVE | MM_MREMAP_FIXED | MM_MREMAP_DONTUNMAP))
        return -MM_EINVAL;
    if ((flags & MM_MREMAP_FIXED) && !(flags & MM_MREMAP_MAYMOVE))
        return -MM_EINVAL;
    if (flags & MM_MREMAP_DONTUNMAP)
        return -MM_EINVAL;      /* not supported */
    if (!page_aligned(addr))
        return -MM_EINVAL;
    old_len = page_len(old_len);
    new_len = page_len(new_len);
    if (new_len == 0)
        return -MM_EINVAL;
    if (flags & MM_MREMAP_FIXED)
        return mremap_to(mm, addr, old_len, new_len, new_addr);
    struct vma *v = resizable(mm, addr, old_len);
    if (!v || old_len == 0)
        return v ? -MM_EINVAL : -MM_EFAULT;
    if (old_len >= new_len) {
        int err = mm_unmap_range(mm, addr + new_len, addr + old_len);
        return err ? err : (int64_t)addr;
    }
    uint64 grow_end = addr + new_len;
    if (addr + old_len == v->end && grow_end <= APP_STACK_TOP && grow_end > addr &&
        vma_range_free(mm, v->end, grow_end)) {
        vma_set_end(mm, v, grow_end);
        return (int64_t)addr;
    }
    if (!(flags & MM_MREMAP_MAYMOVE))
        return -MM_ENOMEM;
    int64_t to = place(mm, 0, new_len, 0);
    return to < 0 ? to : move_vma(mm, v, addr, old_len, (uint64)to, new_len);
}

/* ---- statistics ------------------------------------------------------ */

void mm_get_stats(struct mm_stats *st)
{
    struct mm *mm = mm_current();
    st->nr_vmas = mm ? mm->nr_vmas : 0;
    st->faults = mm ? mm->faults : 0;
    st->zero_maps = mm ? mm->zero_maps : 0;
    st->collapses = mm ? mm->collapses : 0;
}

void mm_print_vmas(void)
{
    struct mm *mm = mm_current();
    for (struct vma *v = mm ? mm->first : NULL; v; v = v->next) {
        kprintf("  %016lx-%016lx %s %s%s %lu KiB\n", v->start, v->end, vma_perms(v),
                v->name, (v->flags & VMA_SHARED) ? " (shared)" : "", bytes_to_kib(v->end - v->start));
    }
}

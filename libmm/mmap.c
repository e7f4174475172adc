/* The memory-mapping system calls (mmap, munmap, mprotect, madvise, msync,
 * mremap) on the current address space, each checking its arguments in
 * Linux's order so that every error is the one Linux gives (DESIGN.md's
 * errno table; tests/guest/posix_mman compares with Linux).  The VMA work
 * under them is vma.c's; contracts in mm/mmap.h. */
#include <arch/layout.h>

#include <mm/errno.h>
#include <mm/mmap.h>
#include <mm/uvm.h>
#include <mm/vm.h>

#include "mm_internal.h"
#include "vm_internal.h"

#define PROT_KNOWN      (MM_PROT_READ | MM_PROT_WRITE | MM_PROT_EXEC | MM_PROT_SEM)

static bool page_aligned(uint64 a)
{
    return (a & PAGE_MASK) == 0;
}

/* Page-rounded len, or 0 when rounding overflows. */
static uint64 page_len(uint64 len)
{
    return len > ~U64(0) - PAGE_MASK ? 0 : PGROUNDUP(len);
}

/* ---- mmap ---------------------------------------------------------------- */

/* Where a mapping of len bytes goes; an address or a negative MM_ error.
 * A fixed address is checked as Linux's get_unmapped_area does: the range
 * must fit in the app's half (ENOMEM) before it must be aligned (EINVAL)
 * and clear of the NULL guard (EPERM). */
int64_t mmap_place(struct mm *mm, uint64 addr, uint64 len, int flags)
{
    if (len > USER_END - VMA_FLOOR)
        return -MM_ENOMEM;
    if (flags & MM_MAP_FIXED) {
        if (addr > USER_END - len)
            return -MM_ENOMEM;
        if (!page_aligned(addr))
            return -MM_EINVAL;
        if (addr < VMA_FLOOR)
            return -MM_EPERM;           /* Linux's mmap_min_addr */
        return (int64_t)addr;
    }
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

/* A descriptor that cannot be mapped (the console, a pipe, a directory):
 * Linux's checks of the type, then -MM_ENODEV. */
static int64_t unmappable(int flags)
{
    switch (flags & MM_MAP_TYPE) {
    case MM_MAP_SHARED_VALIDATE:
        if (flags & ~MMAP_VALIDATED_FLAGS)
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

/* A file mapping: the descriptor (-MM_EBADF), then Linux's checks in its
 * order; a regular file goes on to mmap_file (filemap.c). */
static int64_t file_mapping(uint64 addr, uint64 len, int prot, int flags, int fd, int64_t offset)
{
    struct mm_file_ref ref;
    int err = file_lookup(fd, &ref);
    if (err)
        return err;
    if (len == 0)
        return -MM_EINVAL;
    if (offset < 0 || (uint64)offset > (uint64)INT64_MAX - page_len(len))
        return -MM_EOVERFLOW;
    if (!ref.file)
        return unmappable(flags);
    len = page_len(len);
    if (!len)
        return -MM_ENOMEM;
    struct mm *mm = mm_current();
    if (!mm)
        return -MM_ENOMEM;
    if (flags & MM_MAP_FIXED_NOREPLACE)
        flags |= MM_MAP_FIXED;
    return mmap_file(mm, addr, len, prot, flags, &ref, offset);
}

/* The name a new anonymous mapping's VMA gets, for reports. */
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
    int64_t at = mmap_place(mm, addr, len, flags);
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
    struct vma *v = vma_map(mm, addr, addr + len, (uint32)prot & PROT_RWX, vflags, mmap_name(flags),
                            true);      /* fresh until a fault or mm_populate maps a page */
    if (!v)
        return -MM_ENOMEM;
    if (flags & (MM_MAP_POPULATE | MM_MAP_ALLOC))
        mm_populate(mm, v, addr, addr + len);
    return (int64_t)addr;
}

int64_t mm_mmap(uint64 addr, uint64 len, int prot, int flags, int fd, int64_t offset)
{
    if (offset & PAGE_MASK)
        return -MM_EINVAL;
    if (!(flags & MM_MAP_ANONYMOUS))
        return file_mapping(addr, len, prot, flags, fd, offset);
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
    if (v->prot == prot)
        return 0;
    v = vma_cut(mm, v, start, end);
    if (!v)
        return -MM_ENOMEM;
    int err = v->fresh ? 0 : vm_protect(mm->pt, start, end - start, prot_to_pte(prot));
    if (err)
        return err;
    v->prot = prot;
    vma_merge(mm, v);
    return 0;
}

/* Give [start, end) the protection prot, VMA by VMA.  -MM_ENOMEM at the
 * first page not mapped (a guard counts as not mapped): the pages before it
 * have changed, as on Linux. */
static int protect_range(struct mm *mm, uint64 start, uint64 end, uint32 prot)
{
    for (uint64 a = start; a < end;) {
        struct vma *v = mm ? vma_first_after(mm, a) : NULL;
        if (!v || v->start > a || (v->flags & VMA_GUARD))
            return -MM_ENOMEM;
        if ((prot & MM_PROT_WRITE) && (v->flags & VMA_NOWRITE))
            return -MM_EACCES;          /* a shared file mapping of a read-only descriptor */
        uint64 b = v->end < end ? v->end : end;
        int err = protect_piece(mm, v, a, b, prot);
        if (err)
            return err;
        a = b;
    }
    return 0;
}

/* mprotect's error for PROT_GROWSDOWN or PROT_GROWSUP, found as Linux finds
 * it: -MM_ENOMEM when no VMA is where the range starts (for GROWSDOWN: below
 * its end), else -MM_EINVAL, since no VMA here grows (MAP_GROWSDOWN's do not). */
static int grows_error(struct mm *mm, uint64 start, uint64 end, int grows)
{
    struct vma *v = mm ? vma_first_after(mm, start) : NULL;
    bool down = grows & MM_PROT_GROWSDOWN;
    if (!v || v->start >= end || (!down && v->start > start))
        return -MM_ENOMEM;
    return -MM_EINVAL;
}

int mm_mprotect(uint64 addr, uint64 len, int prot)
{
    int grows = prot & (MM_PROT_GROWSDOWN | MM_PROT_GROWSUP);

    prot &= ~grows;
    if (grows == (MM_PROT_GROWSDOWN | MM_PROT_GROWSUP))
        return -MM_EINVAL;
    if (!page_aligned(addr))
        return -MM_EINVAL;
    if (len == 0)
        return 0;
    uint64 end = addr + page_len(len);
    if (end <= addr)
        return -MM_ENOMEM;
    if (prot & ~PROT_KNOWN)
        return -MM_EINVAL;
    if ((prot & MM_PROT_WRITE) && (prot & MM_PROT_EXEC))
        return -MM_EACCES;              /* no mapping is ever writable and executable */
    if (grows)
        return grows_error(mm_current(), addr, end, grows);
    return protect_range(mm_current(), addr, end, (uint32)prot & PROT_RWX);
}

/* ---- madvise, msync ------------------------------------------------------ */

/* Whether madvise knows advice (Linux's list, KSM and THP included). */
static bool advice_known(int advice)
{
    switch (advice) {
    case MM_MADV_NORMAL: case MM_MADV_RANDOM: case MM_MADV_SEQUENTIAL: case MM_MADV_WILLNEED:
    case MM_MADV_DONTNEED: case MM_MADV_FREE: case MM_MADV_REMOVE: case MM_MADV_DONTNEED_LOCKED:
    case MM_MADV_POPULATE_READ: case MM_MADV_POPULATE_WRITE: case MM_MADV_COLLAPSE:
        return true;
    case MM_MADV_DONTFORK: case MM_MADV_DOFORK: case MM_MADV_HUGEPAGE: case MM_MADV_NOHUGEPAGE:
    case MM_MADV_DONTDUMP: case MM_MADV_DODUMP: case MM_MADV_WIPEONFORK: case MM_MADV_KEEPONFORK:
    case MM_MADV_COLD: case MM_MADV_PAGEOUT: case MM_MADV_MERGEABLE: case MM_MADV_UNMERGEABLE:
        return true;    /* accepted, nothing to do */
    default:
        return false;
    }
}

/* The error advice gives for v, 0 when it may be given: REMOVE wants a
 * shared mapping (of a file: a writable one, else -MM_EACCES as Linux),
 * FREE anonymous memory; COLLAPSE is not supported. */
static int advice_error(const struct vma *v, int advice)
{
    if (advice == MM_MADV_REMOVE && v->file)
        return (v->flags & VMA_SHARED) && (v->prot & MM_PROT_WRITE) ? 0 : -MM_EACCES;
    if (advice == MM_MADV_REMOVE)
        return (v->flags & VMA_SHARED) ? 0 : -MM_EINVAL;
    if (advice == MM_MADV_FREE && v->file)
        return -MM_EINVAL;
    return advice == MM_MADV_COLLAPSE ? -MM_EINVAL : 0;
}

/* Follow advice (known, fitting v) for [a, b) of v: WILLNEED populates,
 * the DONTNEED family and FREE drop the pages (not the image's: a file
 * mapping's come back from its file); REMOVE on a file punches a hole in it;
 * the rest change nothing. */
static void advise_piece(struct mm *mm, struct vma *v, uint64 a, uint64 b, int advice)
{
    bool drop = advice == MM_MADV_DONTNEED || advice == MM_MADV_DONTNEED_LOCKED ||
                advice == MM_MADV_FREE || advice == MM_MADV_REMOVE;
    if (advice == MM_MADV_WILLNEED)
        mm_populate(mm, v, a, b);
    else if (advice == MM_MADV_REMOVE && v->file)
        mm_file_ops->punch(v->file, v->pgoff + ((a - v->start) >> PAGE_SHIFT),
                           v->pgoff + ((b - v->start) >> PAGE_SHIFT));
    else if (drop && !(v->flags & VMA_IMAGE))
        mm_release_pages(mm, v, a, b);
}

/* Follow advice (none when negative: msync's check) for each VMA piece of
 * [start, end); -MM_ENOMEM when a page of the range is not mapped (the rest
 * is still done, as on Linux), advice_error's for a piece the advice does
 * not fit (from there on nothing is done). */
static int for_each_piece(struct mm *mm, uint64 start, uint64 end, int advice)
{
    int err = 0;
    uint64 a = start;
    for (struct vma *v = mm ? vma_first_after(mm, start) : NULL; v && v->start < end; v = v->next) {
        if (v->start > a)
            err = -MM_ENOMEM;
        int misfit = advice >= 0 ? advice_error(v, advice) : 0;
        if (misfit)
            return misfit;
        uint64 lo = v->start > a ? v->start : a, hi = v->end < end ? v->end : end;
        if (advice >= 0)
            advise_piece(mm, v, lo, hi, advice);
        a = hi;
    }
    return a < end ? -MM_ENOMEM : err;
}

/* MADV_POPULATE_READ/WRITE over [start, end): every page faulted in as the
 * access would, VMA by VMA, stopping at the first error (Linux's order). */
static int populate_pages(struct mm *mm, uint64 start, uint64 end, bool write)
{
    uint64 va = start;
    while (va < end) {
        struct vma *v = mm ? vma_find(mm, va) : NULL;
        if (!v)
            return -MM_ENOMEM;
        if (v->prot == MM_PROT_NONE || (v->flags & VMA_GUARD) || (write && !(v->prot & MM_PROT_WRITE)))
            return -MM_EINVAL;
        for (; va < end && va < v->end; va += PAGE_SIZE) {
            int err = mm_fault_in(mm, v, va, write);
            if (err)
                return err == -MM_ENOMEM ? err : -MM_EFAULT;
        }
    }
    return 0;
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
    if (advice == MM_MADV_POPULATE_READ || advice == MM_MADV_POPULATE_WRITE)
        return populate_pages(mm_current(), addr, addr + plen, advice == MM_MADV_POPULATE_WRITE);
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
    uint32 flags = v->flags & ~(VMA_HEAP | VMA_GUARD);
    struct vma *nv = mm->nr_vmas < VMA_MAX_COUNT ?
                     vma_new(new_addr, new_addr + new_len, v->prot, flags, v->name) : NULL;
    if (!nv)
        return -MM_ENOMEM;
    vma_set_file(nv, v->file, v->pgoff + ((addr - v->start) >> PAGE_SHIFT));
    vma_add(mm, nv);        /* may merge with its neighbours, as any new mapping */
    uint64 moved = old_len < new_len ? old_len : new_len;
    int err = move_pages(mm, addr, new_addr, moved);
    if (err) {
        mm_unmap_range(mm, new_addr, new_addr + new_len);
        return err;
    }
    mm_unmap_range(mm, addr, addr + old_len);   /* moved pages are no longer there */
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

/* mm_mremap with MREMAP_FIXED: move [addr, addr + old_len) to new_addr
 * with new_len, replacing whatever is mapped there; Linux's checks first. */
static int64_t mremap_to(struct mm *mm, uint64 addr, uint64 old_len, uint64 new_len, uint64 new_addr)
{
    if (!page_aligned(new_addr))
        return -MM_EINVAL;
    if (new_len > USER_END || new_addr > USER_END - new_len)
        return -MM_EINVAL;
    if (addr + old_len > new_addr && new_addr + new_len > addr)
        return -MM_EINVAL;
    if (!resizable(mm, addr, old_len))
        return -MM_EFAULT;
    if (new_addr < VMA_FLOOR)
        return -MM_EPERM;       /* Linux's mmap_min_addr check, on the target's placement */
    if (mm_unmap_range(mm, new_addr, new_addr + new_len) != 0)
        return -MM_ENOMEM;
    if (old_len > new_len) {
        if (mm_unmap_range(mm, addr + new_len, addr + old_len) != 0)
            return -MM_ENOMEM;
        old_len = new_len;
    }
    /* The source again, as Linux looks it up here: an empty old range
     * inside the target went with what the target held. */
    struct vma *v = resizable(mm, addr, old_len);
    if (!v)
        return -MM_EFAULT;
    if (old_len == 0)
        return -MM_EINVAL;      /* Linux: duplicates only shared mappings; Capsule none (docs) */
    return move_vma(mm, v, addr, old_len, new_addr, new_len);
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
    if (new_len == 0 || new_len > USER_END)
        return -MM_EINVAL;      /* no room for it anywhere: EINVAL before any ENOMEM, as Linux */
    if (flags & MM_MREMAP_FIXED)
        return mremap_to(mm, addr, old_len, new_len, new_addr);
    if (old_len >= new_len) {
        /* Linux always allows a shrink: it unmaps the tail, whatever is there */
        if (addr + old_len < addr || addr + old_len > USER_END)
            return -MM_EINVAL;
        int err = mm_unmap_range(mm, addr + new_len, addr + old_len);
        return err ? err : (int64_t)addr;
    }
    struct vma *v = resizable(mm, addr, old_len);
    if (!v || old_len == 0)
        return v ? -MM_EINVAL : -MM_EFAULT;
    uint64 grow_end = addr + new_len;
    if (addr + old_len == v->end && grow_end <= APP_STACK_TOP && grow_end > addr &&
        vma_range_free(mm, v->end, grow_end)) {
        vma_set_end(mm, v, grow_end);
        vma_merge(mm, v);       /* it may now touch its successor */
        return (int64_t)addr;
    }
    if (!(flags & MM_MREMAP_MAYMOVE))
        return -MM_ENOMEM;
    int64_t to = mmap_place(mm, 0, new_len, 0);
    return to < 0 ? to : move_vma(mm, v, addr, old_len, (uint64)to, new_len);
}

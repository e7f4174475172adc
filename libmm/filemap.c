/* File-backed mappings (mm/filemap.h): the file system's operations, mmap
 * of a file in Linux's order of checks, the fault that maps a file's page,
 * and unmapping a file's pages from every address space (truncate).
 *
 * A file VMA holds one reference on its file (vma_set_file, vma_free) and
 * knows the file page its start maps (pgoff); splits, merges and moves keep
 * both (vma.c, vma_tree.c, mmap.c).  Its leaves map the page cache's frames
 * with a reference each -- writable for MAP_SHARED, read-only and
 * copy-on-write for MAP_PRIVATE -- or, once a private page was written, a
 * private copy.  Unmapping gives each reference back (page_put), as for any
 * page.
 *
 * Locking: one hart, interrupts off in the libOS. */
#include <arch/layout.h>

#include <mm/errno.h>
#include <mm/filemap.h>
#include <mm/page.h>
#include <mm/vm.h>

#include "mm_internal.h"
#include "vm_internal.h"

#define CONSOLE_FDS     3       /* without a file system: fds 0..2 exist (the console) */

/* Before the file system registers: the console's descriptors only. */
static int console_lookup(int fd, struct mm_file_ref *ref)
{
    if (fd < 0 || fd >= CONSOLE_FDS)
        return -MM_EBADF;
    *ref = (struct mm_file_ref){ NULL, true, true };
    return 0;
}

static const struct mm_file_ops console_only = { .lookup = console_lookup };

/* Set once at boot by mm_file_register; read-only afterwards. */
const struct mm_file_ops *mm_file_ops = &console_only;

/* Every address space, for mm_file_unmap; changed by mm_create and
 * mm_destroy (uvm.c). */
static struct mm *mm_list;

/* Contract in mm/filemap.h. */
void mm_file_register(const struct mm_file_ops *ops)
{
    mm_file_ops = ops;
}

/* Contract in mm_internal.h. */
int file_lookup(int fd, struct mm_file_ref *ref)
{
    return mm_file_ops->lookup(fd, ref);
}

/* Contract in mm_internal.h. */
void mm_list_add(struct mm *mm)
{
    mm->list_next = mm_list;
    mm_list = mm;
}

/* Contract in mm_internal.h. */
void mm_list_remove(struct mm *mm)
{
    for (struct mm **pp = &mm_list; *pp; pp = &(*pp)->list_next) {
        if (*pp == mm) {
            *pp = mm->list_next;
            return;
        }
    }
}

/* ---- the fault -------------------------------------------------------- */

/* Contract in mm_internal.h. */
int file_fill(struct mm *mm, struct vma *v, pte_t **p, int level, uint64 va, bool write)
{
    void *frame;
    int err = mm_file_ops->get_page(v->file, v->pgoff + ((va - v->start) >> PAGE_SHIFT), &frame);
    if (err)
        return err;
    uint64 flags = prot_to_pte(v->prot);
    if (!(v->flags & VMA_SHARED) && write) {
        void *copy = page_alloc(0);     /* a private page's first write: the copy */
        if (copy)
            page_copy(copy, frame);
        page_put(frame);
        if (!copy)
            return -MM_ENOMEM;
        frame = copy;
    } else if (!(v->flags & VMA_SHARED)) {
        flags = (flags & ~PTE_W) | PTE_COW;
    }
    err = vm_map_frame(mm->pt, p, level, va, frame, flags);
    if (err)
        page_put(frame);
    else
        mm_resident_add(1);
    return err;
}

/* ---- mmap ------------------------------------------------------------- */

/* The error mmap's type and protection give for a file (Linux's do_mmap
 * order), once the placement is known; 0 when they are fine.  *flags loses
 * what legacy MAP_SHARED ignores. */
static int file_kind_error(int prot, int *flags, const struct mm_file_ref *ref)
{
    switch (*flags & MM_MAP_TYPE) {
    case MM_MAP_SHARED_VALIDATE:
        if (*flags & ~MMAP_VALIDATED_FLAGS)
            return -MM_EOPNOTSUPP;
        /* fall through */
    case MM_MAP_SHARED:
        if ((prot & MM_PROT_WRITE) && !ref->writable)
            return -MM_EACCES;
        /* fall through */
    case MM_MAP_PRIVATE:
        if (!ref->readable)
            return -MM_EACCES;
        break;
    default:
        return -MM_EINVAL;
    }
    if ((prot & MM_PROT_WRITE) && (prot & MM_PROT_EXEC))
        return -MM_EACCES;              /* no mapping is ever writable and executable */
    return 0;
}

/* The name a file mapping's VMA gets, for reports. */
static const char *file_map_name(bool shared)
{
    return shared ? "mmap shared file" : "mmap file";
}

/* Contract in mm_internal.h. */
int64_t mmap_file(struct mm *mm, uint64 addr, uint64 len, int prot, int flags,
                  const struct mm_file_ref *ref, int64_t offset)
{
    int64_t at = mmap_place(mm, addr, len, flags);
    if (at < 0)
        return at;
    addr = (uint64)at;
    if ((flags & MM_MAP_FIXED_NOREPLACE) && !vma_range_free(mm, addr, addr + len))
        return -MM_EEXIST;
    int err = file_kind_error(prot, &flags, ref);
    if (err)
        return err;
    if ((flags & MM_MAP_FIXED) && mm_unmap_range(mm, addr, addr + len) != 0)
        return -MM_ENOMEM;
    bool shared = (flags & MM_MAP_TYPE) != MM_MAP_PRIVATE;
    uint32 vflags = shared ? VMA_SHARED | (ref->writable ? 0 : VMA_NOWRITE) : 0;
    struct vma *v = mm->nr_vmas < VMA_MAX_COUNT ?
                    vma_new(addr, addr + len, (uint32)prot & PROT_RWX, vflags, file_map_name(shared)) : NULL;
    if (!v)
        return -MM_ENOMEM;
    v->fresh = true;
    vma_set_file(v, ref->file, (uint64)offset >> PAGE_SHIFT);
    v = vma_add(mm, v);
    if (flags & MM_MAP_POPULATE)
        mm_populate(mm, v, addr, addr + len);
    return (int64_t)addr;
}

/* ---- unmapping a file's pages ------------------------------------------ */

/* Unmap the pages of file [from, to) (file pages) that v maps in mm. */
static void unmap_in_vma(struct mm *mm, struct vma *v, uint64 from, uint64 to)
{
    uint64 first = v->pgoff, last = v->pgoff + ((v->end - v->start) >> PAGE_SHIFT);
    if (v->fresh || to <= first || from >= last)
        return;
    uint64 a = v->start + (((from > first ? from : first) - first) << PAGE_SHIFT);
    uint64 b = v->start + (((to < last ? to : last) - first) << PAGE_SHIFT);
    vm_unmap(mm->pt, a, (b - a) >> PAGE_SHIFT, 1);
}

/* Contract in mm/filemap.h.  An address space that does not run keeps no
 * fence here: it gets a new ASID (and a TLB flush) when it next runs. */
void mm_file_unmap(void *file, uint64 from_pgoff, uint64 to_pgoff)
{
    for (struct mm *mm = mm_list; mm; mm = mm->list_next) {
        bool touched = false;
        for (struct vma *v = mm->first; v; v = v->next) {
            if (v->file == file) {
                unmap_in_vma(mm, v, from_pgoff, to_pgoff);
                touched = true;
            }
        }
        if (touched && mm != mm_current())
            mm->asid = 0;
    }
}

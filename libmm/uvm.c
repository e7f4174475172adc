/* The app's address space: creating one, mapping the app image, stacks and
 * the heap (brk) as VMAs, and the seeds' uvm* and copy calls. */
#include <arch/console.h>
#include <arch/layout.h>
#include <arch/mmu.h>
#include <arch/usercopy.h>

#include <mm/errno.h>
#include <mm/fault.h>
#include <mm/kalloc.h>
#include <mm/kvm.h>
#include <mm/mmap.h>
#include <mm/page.h>
#include <mm/umalloc.h>
#include <mm/uvm.h>
#include <mm/vm.h>

#include "mm_internal.h"
#include "vm_internal.h"

#define STACK_POPULATE_BYTES (16 * 1024)    /* the top of a stack is mapped at once */

/* The running address space (one hart, single process until fork lands),
 * and its allocator, kept beside it for malloc's fast path. */
struct mm *current_mm;       /* mm_internal.h */
struct umalloc *umalloc_active;

/* Contract in mm_internal.h. */
struct mm *mm_current(void)
{
    return current_mm;
}

/* Contract in mm_internal.h. */
void mm_set_current(struct mm *mm)
{
    current_mm = mm;
    umalloc_active = mm ? mm->umalloc : NULL;
}

/* Contract in mm/uvm.h. */
pagetable_t uvm_current(void)
{
    return current_mm ? current_mm->pt : NULL;
}

/* The address space whose table is pt, if it is the running one. */
static struct mm *mm_of(pagetable_t pt)
{
    return current_mm && current_mm->pt == pt ? current_mm : NULL;
}

/* Contract in mm/uvm.h. */
pagetable_t uvmmake(uint64 trapframe)
{
    if (trapframe != 0)
        return NULL;
    pagetable_t root = page_zalloc(0);
    pagetable_t kpt = kernel_pagetable();
    if (!root)
        return NULL;
    for (unsigned i = PX(SV39_ROOT_LEVEL, SV39_HIGH_START); kpt && i < PTES_PER_TABLE; i++)
        root[i] = kpt[i];
    return root;
}

/* An empty address space around the table pt; NULL when out of memory. */
static struct mm *mm_around(pagetable_t pt)
{
    struct mm *mm = pt && mm_zero_page() ? kzalloc(sizeof *mm) : NULL;
    if (mm) {
        mm->pt = pt;
        mm->mmap_base = APP_STACK_GUARD & ~(GIGAPAGE_SIZE - 1);
        mm_list_add(mm);
    }
    return mm;
}

/* Contract in mm_internal.h. */
struct mm *mm_create(void)
{
    pagetable_t pt = uvmmake(0);
    struct mm *mm = mm_around(pt);
    if (!mm && pt)
        page_free(pt, 0);
    return mm;
}

/* Contract in mm/space.h.  A table the hart does not run on (a process
 * that ended, a failed fork) goes in one pass over its valid entries and
 * its VMAs without the tree's bookkeeping; the running one through
 * mm_unmap_range, with its TLB work. */
void mm_destroy(struct mm *mm)
{
    if (SATP_ROOT_PA(arch_read_satp()) == virt_to_phys((uint64)mm->pt)) {
        mm_unmap_range(mm, VMA_FLOOR, USER_END);
        free_pgtbl(mm->pt, USER_END);
    } else {
        vm_teardown(mm->pt);
        for (struct vma *v = mm->first, *next; v; v = next) {
            next = v->next;
            vma_free(v);
        }
    }
    if (current_mm == mm)
        current_mm = NULL;
    mm_list_remove(mm);
    kfree(mm);
}

/* Contract in mm/uvm.h. */
void uvm_release_current(void)
{
    struct mm *mm = current_mm;
    if (!mm)
        return;
    kvminithart();
    umalloc_active = NULL;
    mm_destroy(mm);
}

/* ---- statistics --------------------------------------------------------- */

void mm_get_stats(struct mm_stats *st)
{
    struct mm *mm = current_mm;
    st->nr_vmas = mm ? mm->nr_vmas : 0;
    st->faults = mm ? mm->faults : 0;
    st->zero_maps = mm ? mm->zero_maps : 0;
    st->collapses = mm ? mm->collapses : 0;
    st->resident_pages = mm_resident_pages;
    st->resident_peak_pages = mm_resident_pages > mm_resident_peak_pages ? mm_resident_pages
                                                                         : mm_resident_peak_pages;
}

/* Contract in mm/uvm.h. */
void mm_resident_peak_reset(void)
{
    mm_resident_peak_pages = mm_resident_pages;
}

void mm_print_vmas(void)
{
    struct mm *mm = current_mm;
    for (struct vma *v = mm ? mm->first : NULL; v; v = v->next) {
        kprintf("  %016lx-%016lx %s %s%s %lu KiB\n", v->start, v->end, vma_perms(v),
                v->name, (v->flags & VMA_SHARED) ? " (shared)" : "", bytes_to_kib(v->end - v->start));
    }
}

/* ---- the seeds' page-table calls ------------------------------------- */

uint64 uvmalloc(pagetable_t pt, uint64 oldsz, uint64 newsz, int perm)
{
    if (newsz <= oldsz)
        return oldsz;
    if (newsz > USER_END || PGROUNDUP(oldsz) < NULL_GUARD_END || (perm & PTE_X))
        return 0;
    uint64 from = PGROUNDUP(oldsz), to = PGROUNDUP(newsz);
    struct mm *mm = mm_of(pt);
    if (mm && to > from) {      /* the running space: a VMA, populated */
        struct vma *v;
        uint32 prot = MM_PROT_READ | ((perm & PTE_W) ? MM_PROT_WRITE : 0);
        if (!vma_range_free(mm, from, to) || mm_map_range(mm, from, to, prot, 0, "uvmalloc", &v) != 0)
            return 0;
        for (uint64 va = from; va < to; va += PAGE_SIZE) {
            if (mm_fault_in(mm, v, va, true) != 0) {
                mm_unmap_range(mm, from, to);
                return 0;
            }
        }
        return newsz;
    }
    for (uint64 va = from; va < to; va += PAGE_SIZE) {
        void *page = page_zalloc(0);
        if (!page || mappages(pt, va, virt_to_phys((uint64)page), PAGE_SIZE, (uint64)perm) != 0) {
            if (page)
                page_free(page, 0);
            uvmdealloc(pt, va, oldsz);
            return 0;
        }
    }
    return newsz;
}

/* Contract in mm/uvm.h. */
uint64 uvmdealloc(pagetable_t pt, uint64 oldsz, uint64 newsz)
{
    if (newsz >= oldsz)
        return oldsz;
    uint64 from = PGROUNDUP(newsz), to = PGROUNDUP(oldsz);
    struct mm *mm = mm_of(pt);
    if (to > from) {
        if (mm)
            mm_unmap_range(mm, from, to);
        else
            uvmunmap(pt, from, (to - from) / PAGE_SIZE, 1);
    }
    return newsz;
}

/* Contract in mm/uvm.h. */
pagetable_t uvminit(uint64 trapframe, const char *init_code, int sz)
{
    if (sz < 0)
        return NULL;
    pagetable_t pt = uvmmake(trapframe);
    if (!pt)
        return NULL;
    for (uint64 off = 0; off < (uint64)sz; off += PAGE_SIZE) {
        char *page = page_zalloc(0);
        if (!page || mappages(pt, APP_BASE + off, virt_to_phys((uint64)page), PAGE_SIZE, PTE_RX) != 0) {
            if (page)
                page_free(page, 0);
            uvmfree(pt, APP_BASE + off);
            return NULL;
        }
        for (uint64 i = 0; i < PAGE_SIZE && off + i < (uint64)sz; i++)
            page[i] = init_code[off + i];
    }
    return pt;
}

/* Contract in mm/uvm.h. */
void uvmfree(pagetable_t pt, uint64 sz)
{
    if (mm_of(pt)) {
        kprintf("uvmfree: refused: %p is the running address space\n", (void *)pt);
        return;
    }
    free_pgtbl(pt, sz);
}

/* Contract in mm/uvm.h. */
void map_stack(pagetable_t pgtbl, uint64 stack_va)
{
    int err = mm_map_stack(pgtbl, stack_va, MAP_STACK_BYTES);
    if (err)
        kprintf("map_stack: no stack at 0x%lx: error %d\n", stack_va, err);
}

/* Contract in mm/uvm.h. */
int mm_map_stack(pagetable_t pgtbl, uint64 top, uint64 bytes)
{
    struct mm *mm = mm_of(pgtbl);
    bytes = PGROUNDUP(bytes);
    if (!pgtbl || (top & PAGE_MASK) || bytes == 0 || top > USER_END || top < VMA_FLOOR ||
        top - VMA_FLOOR < bytes + PAGE_SIZE)
        return -MM_EINVAL;
    uint64 bottom = top - bytes, guard = bottom - PAGE_SIZE;
    if (!mm)
        return uvmalloc(pgtbl, bottom, top, PTE_RW) == top ? 0 : -MM_ENOMEM;
    if (!vma_range_free(mm, guard, top))
        return -MM_EEXIST;
    struct vma *v;
    int err = mm_map_range(mm, guard, bottom, MM_PROT_NONE, VMA_GUARD, "stack guard", NULL);
    if (!err)
        err = mm_map_range(mm, bottom, top, MM_PROT_READ | MM_PROT_WRITE, VMA_STACK,
                           top == APP_STACK_TOP ? "main stack" : "stack", &v);
    if (err) {
        mm_unmap_range(mm, guard, top);
        return err;
    }
    mm_populate(mm, v, top - (bytes < STACK_POPULATE_BYTES ? bytes : STACK_POPULATE_BYTES), top);
    return 0;
}

/* ---- the app image ------------------------------------------------------ */

/* Map [start, end) of the image in place (same frames as the load image). */
static int map_in_place(struct mm *mm, uint64 start, uint64 end, uint64 load_va, uint32 prot,
                        const char *name)
{
    if (end <= start)
        return 0;
    int err = mappages(mm->pt, start, virt_to_phys(load_va), end - start, prot_to_pte(prot) | PTE_NOFREE);
    return err ? err : mm_map_range(mm, start, end, prot, VMA_IMAGE, name, NULL);
}

/* data+bss: private pages, .data copied from the image, .bss demand-zero. */
static int map_data(struct mm *mm, uint64 data, uint64 data_end, uint64 end, const char *src)
{
    struct vma *v;
    if (end <= data)
        return 0;
    int err = mm_map_range(mm, data, end, MM_PROT_READ | MM_PROT_WRITE, 0, "app data+bss", &v);
    for (uint64 off = 0; err == 0 && off < data_end - data; off += PAGE_SIZE) {
        err = mm_fault_in(mm, v, data + off, true);
        if (err == 0)
            page_copy((void *)phys_to_virt(walkaddr(mm->pt, data + off)), src + off);
    }
    return err;
}

/* Contract in mm/uvm.h. */
uint64 uvm_boot_image(pagetable_t pt)
{
    uint64 text = (uint64)__app_start, text_end = (uint64)__app_text_end;
    uint64 ro_end = (uint64)__app_rodata_end, data = (uint64)__app_data_start;
    uint64 data_end = (uint64)__app_data_end, end = (uint64)__app_end;
    uint64 load = (uint64)__app_load;
    struct mm *mm = mm_around(pt);

    if (!mm)
        return 0;
    current_mm = mm;
    if (map_in_place(mm, text, text_end, load, MM_PROT_READ | MM_PROT_EXEC, "app text") != 0 ||
        map_in_place(mm, text_end, ro_end, load + (text_end - text), MM_PROT_READ, "app rodata") != 0 ||
        map_data(mm, data, data_end, end, __app_data_load) != 0 ||
        mm_map_stack(pt, APP_STACK_TOP, APP_STACK_BYTES) != 0)
        return 0;
    mm->heap_start = mm->brk = end;
    return APP_STACK_TOP;
}

/* ---- the heap (brk) ------------------------------------------------------ */

uint64 uvm_heap_start(void)
{
    return current_mm ? current_mm->heap_start : 0;
}

/* Contract in mm/uvm.h. */
uint64 uvm_brk(void)
{
    return current_mm ? current_mm->brk : 0;
}

/* Contract in mm/uvm.h. */
bool uvm_commit_ok(uint64 bytes)
{
    return PGROUNDUP(bytes) / PAGE_SIZE + UVM_COMMIT_RESERVE_PAGES <= page_free_count();
}

/* Contract in mm/uvm.h. */
int64_t uvm_set_brk(uint64 new_brk)
{
    struct mm *mm = current_mm;
    if (!mm || new_brk < mm->heap_start || new_brk > USER_END)
        return -MM_ENOMEM;
    uint64 old_end = PGROUNDUP(mm->brk), new_end = PGROUNDUP(new_brk);
    if (new_end > old_end) {
        if (!uvm_commit_ok(new_end - old_end) || !vma_range_free(mm, old_end, new_end))
            return -MM_ENOMEM;
        /* Grow the heap VMA that ends at the old break, or start one there:
         * only [old_end, new_end) is taken, whatever the app did below. */
        struct vma *v = old_end > PGROUNDUP(mm->heap_start) ? vma_find(mm, old_end - 1) : NULL;
        if (v && (v->flags & VMA_HEAP) && v->end == old_end && v->prot == (MM_PROT_READ | MM_PROT_WRITE))
            vma_set_end(mm, v, new_end);        /* (a heap piece the app re-protected is left as it is) */
        else if (mm_map_range(mm, old_end, new_end, MM_PROT_READ | MM_PROT_WRITE, VMA_HEAP, "heap",
                              &mm->heap) != 0)
            return -MM_ENOMEM;
    } else if (new_end < old_end && mm_unmap_range(mm, new_end, old_end) != 0) {
        return -MM_ENOMEM;
    }
    mm->brk = new_brk;
    return (int64_t)new_brk;
}

/* ---- copying to and from the app -------------------------------------- */

/* Copy through the direct map using pt's leaves (a space that is not
 * running): each page must be mapped with need (PTE_R or PTE_W). */
static int copy_walk(pagetable_t pt, uint64 va, char *buf, size_t len, bool to_user)
{
    while (len > 0) {
        pte_t *p = walk(pt, va, 0);
        uint64 pa = walkaddr(pt, va);
        if (!p || (*p & PTE_U) != PTE_USER || !(*p & (to_user ? PTE_W : PTE_R)))
            return -1;
        size_t n = PAGE_SIZE - (va & PAGE_MASK);
        n = n < len ? n : len;
        char *k = (char *)phys_to_virt(pa);
        for (size_t i = 0; i < n; i++) {
            if (to_user)
                k[i] = buf[i];
            else
                buf[i] = k[i];
        }
        va += n, buf += n, len -= n;
    }
    return 0;
}

/* Contract in mm/uvm.h. */
int copyout(pagetable_t pgtbl, uint64 dstva, void *src, size_t len)
{
    if (!uvm_user_range(dstva, len))
        return -1;
    if (mm_of(pgtbl))
        return arch_copy_fault_safe((void *)dstva, src, len);
    return copy_walk(pgtbl, dstva, src, len, true);
}

/* Contract in mm/uvm.h. */
int copyin(pagetable_t pagetable, char *dst, uint64 srcva, size_t len)
{
    if (!uvm_user_range(srcva, len))
        return -1;
    int err = mm_of(pagetable) ? arch_copy_fault_safe(dst, (const void *)srcva, len)
                               : copy_walk(pagetable, srcva, dst, len, false);
    return err ? -1 : (int)len;
}

/* Contract in mm/uvm.h. */
size_t copyinstr(pagetable_t pagetable, char *dst, uint64 srcva, size_t max)
{
    if (max == 0 || srcva >= USER_END)
        return (size_t)-1;
    if (max > USER_END - srcva)
        max = USER_END - srcva;
    if (mm_of(pagetable))
        return (size_t)arch_strncpy_fault_safe(dst, (const char *)srcva, max);
    for (size_t i = 0; i < max; i++) {
        if (copy_walk(pagetable, srcva + i, dst + i, 1, false) != 0)
            return (size_t)-1;
        if (dst[i] == '\0')
            return i;
    }
    return (size_t)-1;
}

/* ---- the app's malloc ------------------------------------------------- */

/* umalloc's memory: page-aligned pieces of the heap (brk), mmap for large
 * blocks, always of the running address space (the allocator's state, ctx
 * included, lives in the app's memory and is copied with it). */
static void *heap_grow(void *ctx, size_t bytes)
{
    struct mm *mm = current_mm;
    (void)ctx;
    uint64 start = PGROUNDUP(mm->brk);
    if (start + bytes < start || uvm_set_brk(start + bytes) < 0)
        return NULL;
    return (void *)start;
}

static void heap_shrink(void *ctx, size_t bytes)
{
    (void)ctx;
    uvm_set_brk(current_mm->brk - bytes);
}

static void *heap_map(void *ctx, size_t bytes)
{
    (void)ctx;
    if (!uvm_commit_ok(bytes))
        return NULL;
    int64_t a = mm_mmap(0, bytes, MM_PROT_READ | MM_PROT_WRITE, MM_MAP_PRIVATE | MM_MAP_ANONYMOUS, -1, 0);
    return a < 0 ? NULL : (void *)a;
}

static void heap_unmap(void *ctx, void *p, size_t bytes)
{
    (void)ctx;
    mm_munmap((uint64)p, bytes);
}

static void heap_discard(void *ctx, void *p, size_t bytes)
{
    (void)ctx;
    mm_madvise((uint64)p, bytes, MM_MADV_DONTNEED);
}

static int heap_readable(void *ctx, const void *p)
{
    (void)ctx;
    return mm_report_readable((uint64)p);
}

/* Contract in mm/uvm.h. */
struct umalloc *umalloc_current(void)
{
    struct mm *mm = current_mm;
    if (mm && !mm->umalloc) {
        struct umalloc_source src = { heap_grow, heap_shrink, heap_map, heap_unmap, NULL, heap_readable,
                                      heap_discard };
        mm->umalloc = umalloc_create(&src);
    }
    umalloc_active = mm ? mm->umalloc : NULL;
    return umalloc_active;
}

/* The app's address space (the low half): its image, heap, stacks and
 * mappings, the seeds' uvm* calls and the copies between the libOS and the
 * app.  Boot builds the first one; see arch/layout.h for where things sit. */
#ifndef MM_UVM_H
#define MM_UVM_H

#include <stdbool.h>

#include <mm/types.h>
#include <arch/layout.h>

#define APP_STACK_TOP       (USER_END - PAGE_SIZE)          /* the top page stays unmapped */
#define APP_STACK_BYTES     (8UL * 1024 * 1024)             /* the main stack, demand-paged */
#define APP_STACK_GUARD     (APP_STACK_TOP - APP_STACK_BYTES - PAGE_SIZE)
#define MAP_STACK_BYTES     (256UL * 1024)                  /* map_stack's size */

/* A new root table: empty low half, the kernel's shared high half.  The
 * trapframe argument is kept for the seeds' signature and must be 0 (Capsule
 * runs the app in S-mode and has no per-process trapframe page).  NULL when
 * out of memory. */
pagetable_t uvmmake(uint64 trapframe);
/* uvmmake, then sz bytes of init_code on fresh pages at APP_BASE, R+X.
 * NULL when out of memory (nothing is left allocated). */
pagetable_t uvminit(uint64 trapframe, const char *init_code, int sz);

/* Map pages for [PGROUNDUP(oldsz), PGROUNDUP(newsz)) (addresses in the low
 * half) with perm (PTE_RW or PTE_RONLY), zero-filled; in the running address
 * space as one VMA ("uvmalloc"), whose range must be free.  Returns newsz,
 * oldsz when newsz <= oldsz, or 0 when out of memory or the range is invalid
 * (what was mapped by this call is released). */
uint64 uvmalloc(pagetable_t pt, uint64 oldsz, uint64 newsz, int perm);
/* Unmap and free the pages in [PGROUNDUP(newsz), PGROUNDUP(oldsz)) (and
 * their VMAs in the running space); returns newsz. */
uint64 uvmdealloc(pagetable_t pt, uint64 oldsz, uint64 newsz);
/* Unmap [0, sz) of a table that is not running, freeing the frames, then
 * free its tables (free_pgtbl).  The running space is refused (printed). */
void   uvmfree(pagetable_t pt, uint64 sz);

/* A stack of MAP_STACK_BYTES ending at stack_va (page-aligned) with an
 * inaccessible guard page below, demand-paged (its top populated).  Errors
 * are printed; mm_map_stack returns them (-MM_EINVAL for a bad range,
 * -MM_EEXIST when something is mapped there, -MM_ENOMEM). */
void   map_stack(pagetable_t pgtbl, uint64 stack_va);
int    mm_map_stack(pagetable_t pgtbl, uint64 top, uint64 bytes);

/* Map the app image linked into this binary into pt and make it the running
 * address space: text RX and rodata R in place, data copied to private
 * pages, bss demand-zero, the main stack with its guard page.  Returns the
 * initial stack pointer, or 0 when out of memory. */
uint64 uvm_boot_image(pagetable_t pt);

/* The running address space's table (NULL before boot made it). */
pagetable_t uvm_current(void);

/* The heap (brk) bounds of the running address space. */
uint64 uvm_heap_start(void);
/* The commit policy for the app's heap (docs/memory.md): new memory for it
 * -- brk growth, and the blocks malloc maps -- is refused when it is more
 * than the free frames could back with UVM_COMMIT_RESERVE_PAGES left over
 * (for the first touches of memory already mapped: .bss, stacks, page
 * tables), so malloc says NULL instead of the app dying later in a fault.
 * A heuristic as Linux's default: nothing is reserved per request, pages
 * shared copy-on-write are never counted twice, and plain mmap is not
 * checked (it may overcommit, as MAP_NORESERVE does). */
#define UVM_COMMIT_RESERVE_PAGES 64
bool uvm_commit_ok(uint64 bytes);

/* Move the break to new_brk (the heap VMA covers whole pages, demand-paged).
 * Growth takes only [old break, new break), which must be free (Linux's
 * rule): the read-write heap VMA ending at the old break grows, or a new
 * read-write one starts there.  Returns the new break, or -MM_ENOMEM and leaves it (below the
 * start, the pages it needs are taken by another mapping, or more than the
 * commit policy allows). */
int64_t uvm_set_brk(uint64 new_brk);
uint64  uvm_brk(void);

/* Whether [va, va + len) lies inside the app's half without wrapping. */
static inline int uvm_user_range(uint64 va, size_t len)
{
    return va < USER_END && len <= USER_END - va;
}

/* Copies between the libOS and the app's memory.  An address outside the
 * app's half, unmapped, or without the needed permission gives -1 and no
 * fault: for the running space a fault-safe copy (recovered by the trap
 * handler), for another table a copy through its leaves.  copyout returns 0;
 * copyin the bytes copied; copyinstr the string's length without the NUL
 * (-1 when there is no NUL within max). */
int    copyout(pagetable_t pgtbl, uint64 dstva, void *src, size_t len);
int    copyin(pagetable_t pagetable, char *dst, uint64 srcva, size_t len);
size_t copyinstr(pagetable_t pagetable, char *dst, uint64 srcva, size_t max);

/* Switch this hart to the kernel table and free the running address space
 * whole (VMAs, frames, tables, its malloc state): the end of a run.  Must
 * not run on that space's stack. */
void    uvm_release_current(void);

/* Statistics of the current address space (tests, benchmarks, examples). */
struct mm_stats {
    uint64 nr_vmas;
    uint64 faults;          /* page faults resolved */
    uint64 zero_maps;       /* faults that mapped the shared zero page */
    uint64 collapses;       /* fully touched 2 MiB blocks turned into one 2 MiB leaf */
    uint64 resident_pages;      /* frames mapped into app spaces now (not the zero page, */
    uint64 resident_peak_pages; /* nor the image in place), and their high-water mark */
};
void    mm_get_stats(struct mm_stats *st);
/* Bring the high-water mark of resident frames down to what is resident
 * now, so a later mm_get_stats gives the peak of a region of the run (as
 * Linux's "echo 5 > /proc/self/clear_refs" does for VmHWM). */
void    mm_resident_peak_reset(void);
/* Print the VMAs of the current address space, one per line. */
void    mm_print_vmas(void);

/* The app's malloc (mm/umalloc.h) over the running address space. */
struct umalloc;
/* The current address space's allocator, created on first use over its heap
 * (brk) and mmap area.  NULL when it cannot be created. */
struct umalloc *umalloc_current(void);
/* The running address space's allocator once created (NULL before): what
 * umalloc_current() returns, readable without a call. */
extern struct umalloc *umalloc_active;

#endif

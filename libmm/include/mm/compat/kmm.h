/* The buddy/copy-on-write/superpage kernel's memory calls (the second seed
 * document) over libmm: a program written for that kernel includes this one
 * header.  Where that kernel's call has libmm's name but other arguments
 * (walk, mappages, vmprint, copyin, kvmmap), the name is a macro here for a
 * kmm_ function with that kernel's arguments; every other name is libmm's own
 * call.  docs/seeds.md lists each name and any difference in meaning. */
#ifndef MM_COMPAT_KMM_H
#define MM_COMPAT_KMM_H

#include <arch/console.h>
#include <arch/layout.h>
#include <arch/mmu.h>
#include <arch/trap.h>
#include <mm/cow.h>
#include <mm/errno.h>
#include <mm/kalloc.h>
#include <mm/kvm.h>
#include <mm/page.h>
#include <mm/page_init.h>
#include <mm/uvm.h>
#include <mm/vm.h>
#include <mm/vmprint.h>

/* One past the largest block order of the buddy allocator (as Linux's
 * MAX_ORDER was): page_alloc(BUDDY_MAX_ORDER - 1) is the largest block. */
#define BUDDY_MAX_ORDER     (PAGE_MAX_ORDER + 1)
_Static_assert(BUDDY_MAX_ORDER == 13, "the document's buddy allocator has orders 0 .. 12");

/* Leaf sizes, as the level a leaf sits at: walk returns them, kvmmap and
 * mappages take them as lowlevel. */
#define COMMONPAGE          0       /* 4 KiB */
#define SUPERPAGE           1       /* 2 MiB */
#define SUPERPG_SIZE        MEGAPAGE_SIZE
#define SUPERPG_DOWN(a)     ((a) & ~(SUPERPG_SIZE - 1))
#define SUPERPG_ROUNDUP(a)  (((a) + SUPERPG_SIZE - 1) & ~(SUPERPG_SIZE - 1))

/* The copy-on-write mark: libmm sets this software bit on every leaf that
 * shares its frame copy-on-write (uvmcopy, fork); a store to such a page
 * reaches store_page_fault_handler. */
#define PTE_RSW             PTE_SW0

/* The first address above the app's half (walkaddr's limit). */
#define MAXVA               USER_END
#define PGSIZE              PAGE_SIZE

/* The kernel's assertion: a false condition stops with its text. */
#define ASSERT(c)           do { if (!(c)) panic("ASSERT(%s) failed at %s:%d", #c, __FILE__, __LINE__); } while (0)

/* The entry for va in pt and its level (COMMONPAGE, SUPERPAGE, or 2 for a
 * 1 GiB leaf), through libmm's walker.  Without alloc: *pte is the valid
 * leaf that maps va and the level is its level; *pte is NULL when nothing
 * maps va (the level is where the walk stopped).  With alloc: the missing
 * tables are made down to lowlevel and *pte is the slot there (or the valid
 * leaf above it that already maps va), counted as used, so the caller may
 * write a leaf into it.  Returns -1 with *pte NULL for a non-canonical va, a
 * lowlevel other than COMMONPAGE or SUPERPAGE, or no memory for a table. */
int   kmm_walk(pagetable_t pagetable, uint64 va, int alloc, int lowlevel, pte_t **pte);

/* Map [va, va + sz) to [pa, pa + sz) (physical) with perm, in leaves of the
 * size lowlevel names only: COMMONPAGE maps 4 KiB leaves whatever the
 * alignment; SUPERPAGE needs va, pa and sz 2 MiB-aligned and maps 2 MiB
 * leaves.  perm as libmm's mappages takes it (R set, never W and X).
 * Returns 0, or libmm's negative error with nothing of the call left
 * mapped. */
int   kmm_mappages(pagetable_t pagetable, uint64 va, uint64 sz, uint64 pa, int perm, int lowlevel);

/* kmm_mappages into a kernel table (any table: the document's kernel passes
 * its own).  Where that kernel panics, this prints the error and returns it
 * (0 on success). */
int   kmm_kvmmap(pagetable_t kpgtbl, uint64 va, uint64 pa, uint64 sz, int perm, int lowlevel);

/* Print the part of table pagetable that maps [start, end): pagetable sits
 * at level and maps from vabase (the root: level 2, vabase 0); isroot adds
 * the heading line vmprint prints.  One line per table and per run of
 * leaves, as vmprint. */
void  kmm_vmprint(pagetable_t pagetable, int isroot, int level, uint64 start, uint64 end, uint64 vabase);

/* The copies of the document's kernel return 0 on success (libmm's copyin
 * returns the bytes copied) and -1 on failure. */
int   kmm_copyin(pagetable_t pagetable, char *dst, uint64 srcva, uint64 len);

/* Share the physical page at pa (an allocated 4 KiB frame, as PTE2PA gives
 * it) for copy-on-write: one more reference on it (page_refcount shows it;
 * page_put, or unmapping with do_free, drops one). */
void  share_page(uint64 pa);

/* Thread stacks and trapframes of an address space sit in a fixed area
 * below the main stack's guard page: thread i's stack is
 * KMM_THREAD_STACK_BYTES ending at kmm_thread_stack_top(i), with an
 * inaccessible guard page below it; its trapframe page is at
 * kmm_thread_trapframe_va(i).  Threads 0 .. KMM_THREAD_MAX - 1. */
#define KMM_THREAD_MAX          256
#define KMM_THREAD_STACK_BYTES  (64UL * 1024)
#define KMM_THREAD_AREA_TOP     APP_STACK_GUARD
#define KMM_THREAD_TF_BASE      (KMM_THREAD_AREA_TOP - KMM_THREAD_MAX * (KMM_THREAD_STACK_BYTES + PAGE_SIZE) \
                                 - KMM_THREAD_MAX * PAGE_SIZE)
static inline uint64 kmm_thread_stack_top(int i)
{
    return KMM_THREAD_AREA_TOP - (uint64)i * (KMM_THREAD_STACK_BYTES + PAGE_SIZE);
}
static inline uint64 kmm_thread_trapframe_va(int i)
{
    return KMM_THREAD_TF_BASE + (uint64)i * PAGE_SIZE;
}

/* Map thread ustack_page's stack (its slot number, 0 .. KMM_THREAD_MAX - 1)
 * in pagetable: demand-paged with its guard page (mm_map_stack) in the
 * running address space, populated in another table.  Returns 0, or a
 * negative error: -MM_EINVAL for a bad slot, -MM_EEXIST when the slot is
 * taken, -MM_ENOMEM. */
int   uvm_thread_stack(pagetable_t pagetable, int ustack_page);

/* Map a zeroed page for thread thread_idx's trapframe at
 * kmm_thread_trapframe_va(thread_idx), read-write, and return it as the
 * libOS reaches it (its direct-map address); NULL for a bad index, a taken
 * slot or no memory.  It goes with the address space (or munmap, uvmunmap). */
struct trapframe *uvm_thread_trapframe(pagetable_t pagetable, int thread_idx);

/* The document's forms of libmm's names (not inside libmm's own compat code). */
#ifndef MM_COMPAT_NO_RENAME
#define walk        kmm_walk
#define mappages    kmm_mappages
#define kvmmap      kmm_kvmmap
#define vmprint     kmm_vmprint
#define copyin      kmm_copyin
#endif

#endif

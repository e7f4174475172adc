/* FarmOS's memory calls (the fifth seed document) over libmm: FarmOS code
 * includes this one header.  Physical addresses are pointers in FarmOS
 * (RAM mapped at its physical address); here a page's "physical address" is
 * its direct-map address (<mm/compat/pa.h>): pageToPa, kvmAlloc and vmAlloc
 * give that form, ptMap takes it (or a real physical address), PTE2PA gives
 * it back from an entry.  docs/seeds.md lists each name and any difference
 * in meaning. */
#ifndef MM_COMPAT_FARMOS_H
#define MM_COMPAT_FARMOS_H

#include <arch/layout.h>
#include <arch/mmu.h>
#include <mm/compat/pa.h>
#include <mm/errno.h>
#include <mm/page.h>
#include <mm/types.h>
#include <mm/uvm.h>
#include <mm/vm.h>

#if defined(__has_include)
#if __has_include(<sys/queue.h>)
#include <sys/queue.h>
#endif
#endif
#ifndef LIST_ENTRY
#define LIST_ENTRY(type)    struct { struct type *le_next; struct type **le_prev; }
#endif

typedef uint32_t u32;
typedef uint64_t u64;
typedef uint64_t Pte;

/* A physical page as FarmOS code sees it.  ref is FarmOS's count of the
 * page: 0 after pmAlloc, raised by pmPageIncRef, ptMap and kvmAlloc,
 * lowered by pmPageDecRef, ptUnmap and kvmFree; at 0 again the page is
 * freed (and this record with it).  The frame itself is libmm's, whose own
 * count is at least ref (at least 1 while the record lives): libmm's
 * sharing (copy-on-write, fork) adds to it and never frees a page FarmOS
 * still counts.  link chains the live records; capsule_frame is the page's
 * direct-map address (pageToPa). */
typedef struct Page {
    u32 ref;
    LIST_ENTRY(Page) link;
    u64 capsule_frame;
} Page;

/* Boot steps: Capsule's boot has already set up physical memory (kinit),
 * the kernel table (kvminit) and paging (kvminithart) before main runs, so
 * these change nothing; they exist so that FarmOS's start-up code builds. */
void  pmmInit(void);
void  vmmInit(void);
void  vmEnable(void);

/* A zeroed 4 KiB page with ref 0; NULL when memory is exhausted. */
Page *pmAlloc(void);
/* ref + 1. */
void  pmPageIncRef(Page *p);
/* ref - 1; at 0 the page is freed.  A page already at 0 is reported and
 * left alone. */
void  pmPageDecRef(Page *p);
/* The page's physical address in pointer form (dereferenceable). */
u64   pageToPa(Page *p);
/* The live record of the page at pa (either form), NULL when FarmOS calls
 * did not allocate it. */
Page *paToPage(u64 pa);

/* A page for the libOS alone: pmAlloc then pmPageIncRef (ref 1); its
 * address (the direct map, where the libOS reaches RAM), 0 when none.
 * kvmFree(va) drops that reference (freeing the page at 0). */
u64   kvmAlloc(void);
void  kvmFree(u64 va);
/* A page to be mapped with ptMap (ref 0 until then); its physical address
 * in pointer form, 0 when none.  ptUnmap of its last mapping frees it. */
u64   vmAlloc(void);

/* Map the page at va in pgdir to the frame at pa with perm (PTE_R, PTE_W,
 * PTE_X, PTE_U, PTE_G; W and X together are refused), replacing what
 * mapped va before (ptUnmap); a page FarmOS calls allocated gets ref + 1.
 * Returns 0, or libmm's negative error (nothing changed). */
int   ptMap(Pte *pgdir, u64 va, u64 pa, u64 perm);
/* Remove the mapping of va in pgdir: a page FarmOS calls allocated gets
 * ref - 1 (freed at 0); another frame is left alone.  0, or -MM_ENOENT when
 * nothing maps va.  For tables FarmOS code builds (not the running space,
 * whose VMAs munmap keeps). */
int   ptUnmap(Pte *pgdir, u64 va);
/* The leaf entry that maps va in pgdir, 0 when none. */
Pte   ptLookup(Pte *pgdir, u64 va);
/* Flush this hart's TLB. */
void  tlbFlush(void);
/* The page directory this hart runs on (satp's root), as a pointer. */
Pte  *ptFetch(void);

#endif

/* xv6's memory calls in xv6's argument order and meaning (the xv6 notes,
 * the fourth seed document) over libmm: a learner's xv6-style code includes
 * this one header instead of xv6's defs.h.  xv6 uses physical addresses as
 * pointers; here a "physical address" is a page's direct-map address
 * (<mm/compat/pa.h>): kalloc returns one, walkaddr, kvmpa and PTE2PA give
 * one, and mappages, kfree and PA2PTE take one (or a real physical
 * address).  Names libmm also has with other arguments or results
 * (kalloc, kfree, mappages, walkaddr, uvminit, uvmalloc, uvmcopy,
 * freewalk, copyin, copyinstr, kvmmap) are macros for xv6_ functions.
 * docs/seeds.md lists each name and any difference in meaning. */
#ifndef MM_COMPAT_XV6_H
#define MM_COMPAT_XV6_H

#include <arch/console.h>
#include <arch/layout.h>
#include <arch/mmu.h>
#include <mm/compat/pa.h>
#include <mm/cow.h>
#include <mm/errno.h>
#include <mm/kalloc.h>
#include <mm/kvm.h>
#include <mm/page.h>
#include <mm/uvm.h>
#include <mm/vm.h>
#include <mm/vmprint.h>

typedef unsigned char   uchar;
typedef unsigned int    uint;
typedef uint64          pde_t;

#define PGSIZE      PAGE_SIZE
#define MAXVA       USER_END        /* xv6's 2^38: the app's half */

/* One 4 KiB page, filled with junk (5) as xv6's kalloc does; NULL when
 * memory is exhausted.  Its pointer-form physical address. */
void   *xv6_kalloc(void);
/* Free the page at pa (pointer form or real; page-aligned, from kalloc or
 * any other allocated 4 KiB frame): the frame loses one reference and is
 * filled with junk (1) and freed when that was the last (a frame mapped
 * copy-on-write elsewhere survives).  A pa that is not an allocated frame
 * is reported with its address and stops, as xv6's panic("kfree"). */
void    xv6_kfree(void *pa);
/* kfree every whole page in [pa_start, pa_end).  On Capsule the pages must
 * be allocated frames (kalloc's, or a block split with page_split): memory
 * the allocator does not manage yet is given to it with kmem_init. */
void    freerange(void *pa_start, void *pa_end);

/* Map the pages covering [va, va + size) to consecutive frames from pa with
 * perm (PTE_R, PTE_W, PTE_X, PTE_U; W and X together are refused: W^X).
 * PTE_U, "the program's page", becomes Capsule's PTE_USER (<mm/compat/pa.h>),
 * so the PTE_U bit of an entry shows the mode the app runs in, not this.
 * Returns 0, or -1 (size 0, a page already mapped -- xv6 panics "remap" --,
 * no memory for a table); on failure nothing of the call stays mapped. */
int     xv6_mappages(pagetable_t pagetable, uint64 va, uint64 size, uint64 pa, int perm);
/* The pointer-form physical address of the page mapped at va (offset
 * kept), 0 when nothing maps it or va >= MAXVA.  xv6 also refuses pages
 * without PTE_U; Capsule's app pages have no PTE_U (the app runs in
 * S-mode, where U pages are the inaccessible ones), so it does not. */
uint64  xv6_walkaddr(pagetable_t pagetable, uint64 va);
/* An empty user page table (uvmmake(0): the kernel's high half shared). */
pagetable_t uvmcreate(void);
/* Make the page at va unreachable for the app (exec's stack guard page;
 * xv6 clears PTE_U): its leaf becomes PTE_PROT_NONE in a table that is not
 * running, the page PROT_NONE in the running space; its frame stays.
 * Nothing mapped there: reported, nothing done. */
void    uvmclear(pagetable_t pagetable, uint64 va);
/* The pointer-form physical address behind the libOS virtual address va
 * (image, direct map, or anything the running table maps); 0 when unmapped. */
uint64  kvmpa(uint64 va);
/* xv6's kvmmap(va, pa, sz, perm): mappages into the kernel table; prints
 * the error where xv6 panics.  The high half is shared by every address
 * space, and its table pages are never freed. */
void    xv6_kvmmap(uint64 va, uint64 pa, uint64 sz, int perm);
/* Load the first process's code: one fresh page at va 0 holding sz bytes of
 * src (sz < PGSIZE), mapped R, X and U (xv6 also sets W: W^X refuses it).
 * A bad sz or no memory is reported and nothing is mapped. */
void    xv6_uvminit(pagetable_t pagetable, uchar *src, uint sz);
/* Grow from oldsz to newsz: zeroed pages, read-write and PTE_U (libmm's
 * uvmalloc; in the running space one VMA).  Returns newsz, or 0 when out of
 * memory (what this call mapped is released). */
uint64  xv6_uvmalloc(pagetable_t pagetable, uint64 oldsz, uint64 newsz);
/* Give the child new the parent old's [0, sz): libmm's uvmcopy, which shares
 * the frames copy-on-write instead of copying them (xv6 copies at once; the
 * contents each side sees are the same).  0, or -1 with new left for
 * uvmfree to free. */
int     xv6_uvmcopy(pagetable_t old, pagetable_t new, uint64 sz);
/* Free a table whose leaves are all unmapped: its low half's tables and the
 * root (free_pgtbl; a leaf left is reported and not freed).  The high half
 * is the kernel's, shared by every address space, and stays. */
void    xv6_freewalk(pagetable_t pagetable);
/* xv6's copies: 0 on success, -1 on a bad address (copyinstr: also when
 * there is no NUL within max). */
int     xv6_copyin(pagetable_t pagetable, char *dst, uint64 srcva, uint64 len);
int     xv6_copyinstr(pagetable_t pagetable, char *dst, uint64 srcva, uint64 max);
/* sbrk's work: grow (n > 0) or shrink the running program's heap by n
 * bytes (libmm's break).  0, or -1 when that is not possible. */
int     growproc(int n);

/* xv6's names for the calls above (not inside libmm's own compat code). */
#ifndef MM_COMPAT_NO_RENAME
#define kalloc      xv6_kalloc
#define kfree       xv6_kfree
#define mappages    xv6_mappages
#define walkaddr    xv6_walkaddr
#define kvmmap      xv6_kvmmap
#define uvminit     xv6_uvminit
#define uvmalloc    xv6_uvmalloc
#define uvmcopy     xv6_uvmcopy
#define freewalk    xv6_freewalk
#define copyin      xv6_copyin
#define copyinstr   xv6_copyinstr
#endif

#endif

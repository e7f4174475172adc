/* SC7's memory calls (the third seed document) over libmm: SC7 code
 * includes this one header.  The page-table calls are <mm/compat/sc7_vm.h>;
 * here are SC7's VMA list, its process view and its mmap/munmap.
 *
 * The VMA list is SC7's record of the mappings made through these calls, a
 * view over Capsule's address space: each call maps or unmaps in the
 * running address space (libmm's mmap, munmap, stacks: the real VMAs) and
 * keeps a node per mapping, sorted by address, behind a head node (type
 * NONE).  Capsule's own mappings (the image, heap, main stack) are not in
 * it, so free_vma_list never unmaps them.  Names libmm or POSIX also have
 * (uvmfree, uvmcopy, vm_protect, mmap, munmap) take SC7's arguments here:
 * macros for sc7_ functions.  docs/seeds.md lists each name. */
#ifndef MM_COMPAT_SC7_H
#define MM_COMPAT_SC7_H

#include <mm/compat/sc7_vm.h>

#ifndef MM_COMPAT_NO_RENAME
#include <sys/mman.h>       /* PROT_* and MAP_*, before mmap becomes SC7's */
#endif

/* Allocate the pages at once (mmap populates them); libmm's mmap accepts it. */
#define MAP_ALLOC           MM_MAP_ALLOC
/* The top of the area mmap places mappings in (it searches down from here). */
#define USER_MMAP_START     (APP_STACK_GUARD & ~(GIGAPAGE_SIZE - 1))
/* The stacks alloc_vma_stack makes. */
#define SC7_STACK_BYTES     (64UL * 1024)

enum segtype { NONE, MMAP, STACK };

/* One mapping of the list: [addr, end), size = end - addr bytes. */
struct vma {
    enum segtype type;      /* MMAP, STACK; NONE for the head */
    int perm;               /* leaf bits (get_mmapperms) */
    uint64 addr;
    uint64 size;
    uint64 end;
    int flags;              /* mmap's flags (MAP_*) */
    int fd;                 /* -1 for anonymous memory */
    uint64 f_off;
    struct vma *prev, *next;
};

/* The process as SC7's memory code sees it: its table and VMA list. */
struct proc {
    pgtbl_t pagetable;
    struct vma *vma;
};

typedef struct proc proc_t;
typedef int64_t int64;

/* The running program's view: its page table (the running address space)
 * and the VMA list these calls keep for it (NULL before vma_init). */
struct proc *myproc(void);

/* A new list for p: the head, and a zero-length MMAP node at
 * USER_MMAP_START as SC7's vma_init makes (it maps nothing).  Returns the
 * head, NULL when out of memory. */
struct vma *vma_init(struct proc *p);
/* Map len bytes (page-rounded) at start (a hint, or the place with
 * MAP_FIXED) with leaf permissions perm, mmap's flags (MAP_PRIVATE when
 * neither type is given) and, for fd != -1, a file at offset; len 0 adds a
 * node and maps nothing.  Returns the new node (its addr is where the
 * mapping went), NULL when mmap refused (its error) or out of memory. */
struct vma *alloc_mmap_vma(struct proc *p, int flags, uint64 start, uint64 len, int perm, int fd,
                           uint64 offset);
/* A stack of SC7_STACK_BYTES with an inaccessible guard page below it,
 * demand-paged, and its STACK node.  Returns the stack's top (the first
 * stack pointer), 0 when out of memory. */
uint64 alloc_vma_stack(struct proc *p);
/* Unmap every mapping of p's list and free the list.  0, or the first
 * munmap error (the list is freed all the same). */
int free_vma_list(struct proc *p);
/* Unmap [start, end) (page-aligned) and cut the list's nodes to what is
 * left of them (a node cut in the middle becomes two).  0, -MM_EINVAL
 * (bad range, or no list), -MM_ENOMEM (no memory for a node: nothing
 * changed), or munmap's error. */
int free_vma(struct proc *p, uint64 start, uint64 end);

/* SC7's mmap: alloc_mmap_vma in myproc()'s list (made on first use) with
 * get_mmapperms(prot).  Returns the address, or (uint64)-1. */
uint64 sc7_mmap(uint64 start, int64_t len, int prot, int flags, int fd, int offset);
/* SC7's munmap: free_vma over [start, start + len).  0 or -1. */
int sc7_munmap(uint64 start, int len);

/* SC7's forms of names libmm and POSIX also have (not inside libmm's own
 * compat code). */
#ifndef MM_COMPAT_NO_RENAME
#define uvmfree     sc7_uvmfree
#define uvmcopy     sc7_uvmcopy
#define vm_protect  sc7_vm_protect
#define mmap        sc7_mmap
#define munmap      sc7_munmap
#endif

#endif

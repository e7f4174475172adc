/* newlib's malloc family routed to libmm's umalloc, which works on the
 * running address space's own memory (its heap and mmap area).  Linked
 * unless the build says malloc=newlib.  Failures set errno to ENOMEM
 * (through the reentrancy structure for the _r entry points). */
#include <errno.h>
#include <malloc.h>
#include <reent.h>
#include <stdint.h>
#include <stdlib.h>

#include <arch/mmu.h>
#include <mm/umalloc.h>
#ifndef CAPSULE_PRIV_USER
#include <mm/uvm.h>
#else
#include <sys/mman.h>

#include "wrap/syscall.h"

/* priv=user: umalloc itself is on the app side (libc_glue/SConscript) and
 * gets its memory by system call -- the heap by brk, large blocks by mmap
 * -- so malloc and free never enter the libOS on their fast paths.  Its
 * state lives in the app's memory, like the libOS-side one's
 * (mm/uvm.h's umalloc_current). */
static struct umalloc *umalloc_active;

static void *heap_grow(void *ctx, size_t bytes)
{
    (void)ctx;
    uint64 start = PGROUNDUP((uint64)SYSCALL1(brk, 0));
    if (start + bytes < start || (uint64)SYSCALL1(brk, start + bytes) != start + bytes)
        return NULL;
    return (void *)start;
}

static void heap_shrink(void *ctx, size_t bytes)
{
    (void)ctx;
    uint64 end = (uint64)SYSCALL1(brk, 0);
    SYSCALL1(brk, end - bytes);
}

static void *heap_map(void *ctx, size_t bytes)
{
    (void)ctx;
    if (SYSCALL1(capsule_commit_ok, bytes) <= 0)
        return NULL;
    long r = SYSCALL6(mmap, 0, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    return r < 0 ? NULL : (void *)r;
}

static void heap_unmap(void *ctx, void *p, size_t bytes)
{
    (void)ctx;
    SYSCALL2(munmap, p, bytes);
}

static int heap_readable(void *ctx, const void *p)
{
    (void)ctx;
    return SYSCALL1(capsule_readable, p) > 0;
}

static void heap_discard(void *ctx, void *p, size_t bytes)
{
    (void)ctx;
    SYSCALL3(madvise, p, bytes, MADV_DONTNEED);
}

static struct umalloc *umalloc_current(void)
{
    if (!umalloc_active) {
        struct umalloc_source src = { heap_grow, heap_shrink, heap_map, heap_unmap, NULL, heap_readable,
                                      heap_discard };
        umalloc_active = umalloc_create(&src);
    }
    return umalloc_active;
}
#endif

/* errno is the calling thread's reentrancy structure's (newlib's errno
 * macro); the _r entry points are given theirs. */
static void *nomem(struct _reent *r)
{
    (r ? r : _REENT)->_errno = ENOMEM;
    return NULL;
}

static inline void *checked(void *p, struct _reent *r)
{
    return p ? p : nomem(r);
}

static inline struct umalloc *heap(void)
{
    struct umalloc *h = umalloc_active;
    return h ? h : umalloc_current();
}

void *_malloc_r(struct _reent *r, size_t n)
{
    struct umalloc *h = heap();
    return h ? checked(umalloc(h, n), r) : nomem(r);
}

/* The allocator exists before any constructor or main runs, so free never
 * meets a NULL one: a pointer freed before any malloc is reported as not
 * the allocator's, like any other. */
static __attribute__((constructor(101))) void malloc_init(void)
{
    heap();
}

void _free_r(struct _reent *r, void *p)
{
    (void)r;
    free(p);
}

void *_calloc_r(struct _reent *r, size_t nr, size_t size)
{
    struct umalloc *h = heap();
    return h ? checked(ucalloc(h, nr, size), r) : nomem(r);
}

void *_realloc_r(struct _reent *r, void *p, size_t n)
{
    struct umalloc *h = heap();
    if (!h)
        return nomem(r);
    void *q = urealloc(h, p, n);
    return q || (p && n == 0) ? q : nomem(r);
}

void *_memalign_r(struct _reent *r, size_t align, size_t n)
{
    struct umalloc *h = heap();
    if (align == 0 || (align & (align - 1))) {
        (r ? r : _REENT)->_errno = EINVAL;
        return NULL;
    }
    return h ? checked(umemalign(h, align, n), r) : nomem(r);
}

size_t _malloc_usable_size_r(struct _reent *r, void *p)
{
    (void)r;
    return p ? uusable_size(heap(), p) : 0;
}

/* malloc and free: straight to the allocator once it exists (the _r entry
 * points create it).  In release builds without a frame pointer, since they
 * are called more than anything else and only pass through: free is one
 * tail call, malloc saves nothing but its return address and sets errno
 * itself when the allocator returns NULL.  (A backtrace from inside the
 * allocator then skips malloc's caller; debug builds -- the default for run
 * and test -- keep the frames, so their reports name every caller.) */
#if defined(__GNUC__) && !defined(__clang__) && !defined(CAPSULE_DEBUG)
#define FRAMELESS   __attribute__((optimize("omit-frame-pointer")))
#else
#define FRAMELESS
#endif

FRAMELESS void *malloc(size_t n)
{
    struct umalloc *h = umalloc_active;
    if (__builtin_expect(!h, 0))
        return _malloc_r(NULL, n);
    void *p = umalloc(h, n);
    return __builtin_expect(p != NULL, 1) ? p : nomem(NULL);
}

FRAMELESS void free(void *p)
{
    if (p)
        ufree(umalloc_active, p);   /* made before main (malloc_init) */
}

void *calloc(size_t nr, size_t size)    { return _calloc_r(NULL, nr, size); }
void *realloc(void *p, size_t n)        { return _realloc_r(NULL, p, n); }
void *memalign(size_t align, size_t n)  { return _memalign_r(NULL, align, n); }
void *valloc(size_t n)                  { return _memalign_r(NULL, PAGE_SIZE, n); }
size_t malloc_usable_size(void *p)      { return _malloc_usable_size_r(NULL, p); }

/* C11: align must be a power of two; the size need not be a multiple. */
void *aligned_alloc(size_t align, size_t n)
{
    if (align == 0 || (align & (align - 1))) {
        errno = EINVAL;
        return NULL;
    }
    return _memalign_r(NULL, align, n);
}

/* POSIX: EINVAL (and *memptr untouched) unless align is a power of two and
 * a multiple of sizeof(void *). */
int posix_memalign(void **memptr, size_t align, size_t n)
{
    if (align < sizeof(void *) || (align & (align - 1)))
        return EINVAL;
    struct umalloc *h = heap();
    void *p = h ? umemalign(h, align, n) : NULL;
    if (!p)
        return ENOMEM;
    *memptr = p;
    return 0;
}

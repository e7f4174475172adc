/* Differential, hostile arguments: pointers into pages the app may not
 * write (read-only, PROT_NONE), buffers that run into unmapped memory,
 * zero lengths with bad pointers, the libOS's own addresses given to the
 * mmap family, and breaks that wrap or pass the address space.  Each row is
 * one a hostile app would try and Linux answers without glibc itself
 * crashing (calls that glibc implements in user space, like gettimeofday
 * through the vDSO, are left out); the output must equal Linux's.  Rows
 * Linux answers differently by design (the break below its start: glibc's
 * sbrk then reports success) are in tests/guest/hostile instead. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define PRIV_ANON   (MAP_PRIVATE | MAP_ANONYMOUS)
#define RW          (PROT_READ | PROT_WRITE)

static size_t pg;

static const char *ename(int e)
{
    static char other[32];
    switch (e) {
    case 0: return "0";
    case EFAULT: return "EFAULT";
    case EINVAL: return "EINVAL";
    case ENOMEM: return "ENOMEM";
    case EBADF: return "EBADF";
    case EPERM: return "EPERM";
    case EEXIST: return "EEXIST";
    default:
        snprintf(other, sizeof other, "errno=%d", e);
        return other;
    }
}

/* One line: "-1 ENAME", "0", or "returned N" (N printed: counts matter). */
#define TRY(label, expr) do {                                                          \
        fflush(stdout);                                                                \
        errno = 0;                                                                     \
        long r_ = (long)(expr);                                                        \
        int e_ = errno;                                                                \
        if (r_ == -1)                                                                  \
            printf("%s: -1 %s\n", label, ename(e_));                                   \
        else                                                                           \
            printf("%s: returned %ld\n", label, r_);                                   \
    } while (0)
#define TRY_RET(label, expr) do { int e_ = (expr); printf("%s: returns %s\n", label, ename(e_)); } while (0)

static char *map(size_t pages, int prot)
{
    char *p = mmap(NULL, pages * pg, prot, PRIV_ANON, -1, 0);
    return p == MAP_FAILED ? NULL : p;
}

/* Structures stored through pointers the app may not write through. */
static void stores_through_bad_pages(void)
{
    char *ro = map(1, PROT_READ), *none = map(1, PROT_NONE), *two = map(2, RW);
    if (!ro || !none || !two) {
        printf("stores: mmap failed\n");
        return;
    }
    munmap(two + pg, pg);               /* two: one page, then a hole */
    char *straddle = two + pg - 8;      /* an object that runs into the hole */
    struct timespec ok = { 0, 1000 };

    TRY("fstat(1, read-only page)", fstat(1, (struct stat *)ro));
    TRY("fstat(1, PROT_NONE page)", fstat(1, (struct stat *)none));
    TRY("fstat(1, 8 bytes before a hole)", fstat(1, (struct stat *)straddle));
    TRY("getrusage(RUSAGE_SELF, NULL)", getrusage(RUSAGE_SELF, NULL));
    TRY("getrusage(RUSAGE_SELF, read-only page)", getrusage(RUSAGE_SELF, (struct rusage *)ro));
    TRY("getrusage(RUSAGE_SELF, 8 bytes before a hole)", getrusage(RUSAGE_SELF, (struct rusage *)straddle));
    TRY("nanosleep(read-only req, NULL): reading is fine", nanosleep((struct timespec *)ro, NULL));
    TRY("nanosleep(PROT_NONE req, NULL)", nanosleep((struct timespec *)none, NULL));
    TRY("nanosleep(req 8 bytes before a hole, NULL)", nanosleep((struct timespec *)straddle, NULL));
    TRY("nanosleep(1 us, read-only rem): rem is not written", nanosleep(&ok, (struct timespec *)ro));
    TRY_RET("clock_nanosleep(CLOCK_MONOTONIC, 0, PROT_NONE req)",
            clock_nanosleep(CLOCK_MONOTONIC, 0, (struct timespec *)none, NULL));
    TRY_RET("clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, PROT_NONE req)",
            clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, (struct timespec *)none, NULL));
    munmap(ro, pg);
    munmap(none, pg);
    munmap(two, pg);
}

/* Buffers that are partly bad, or bad with a zero length. */
static void buffers(void)
{
    char *two = map(2, RW), *none = map(1, PROT_NONE);
    volatile uintptr_t kernel = (uintptr_t)0xffffffc080000000ull, low = 16;
    volatile size_t huge = SIZE_MAX;
    if (!two || !none) {
        printf("buffers: mmap failed\n");
        return;
    }
    memset(two, 'x', pg - 1);
    two[pg - 1] = '\n';
    munmap(two + pg, pg);
    TRY("write(1, a page then a hole, 2 pages): the first page", write(1, two, 2 * pg));
    TRY("write(1, 64 bytes before a hole, 128)", write(1, two + pg - 64, 128));
    TRY("write(1, NULL, 0)", write(1, NULL, 0));
    TRY("write(1, (void *)16, 0)", write(1, (void *)low, 0));
    TRY("write(1, PROT_NONE page, 0)", write(1, none, 0));
    TRY("write(1, kernel address, 0)", write(1, (void *)kernel, 0));
    TRY("read(0, buf, SIZE_MAX)", read(0, two, huge));
    TRY("read(0, NULL, 0)", read(0, NULL, 0));
    TRY("read(0, kernel address, 0)", read(0, (void *)kernel, 0));
    TRY("read(-1, buf, 8)", read(-1, two, 8));
    TRY("write(-1, buf, 8)", write(-1, two, 8));
    TRY("write(99, buf, 8)", write(99, two, 8));
    munmap(two, pg);
    munmap(none, pg);
}

/* The mmap family pointed at the libOS (on Linux: the kernel's half). */
static void mmap_family_at_the_libos(void)
{
    void *kernel = (void *)(uintptr_t)0xffffffc080000000ull;
    char *m = map(1, RW);
    if (!m) {
        printf("libOS: mmap failed\n");
        return;
    }
    TRY("munmap(libOS address, 1 page)", munmap(kernel, pg));
    TRY("mprotect(libOS address, 1 page, PROT_READ|PROT_WRITE)", mprotect(kernel, pg, RW));
    TRY("madvise(libOS address, 1 page, MADV_DONTNEED)", madvise(kernel, pg, MADV_DONTNEED));
    TRY("msync(libOS address, 1 page, MS_SYNC)", msync(kernel, pg, MS_SYNC));
    TRY("mremap(libOS address, 1 page, 2 pages, MREMAP_MAYMOVE)",
        mremap(kernel, pg, 2 * pg, MREMAP_MAYMOVE) == MAP_FAILED ? -1 : 0);
    TRY("mremap(mapping, 1 page, 1 page, MAYMOVE|FIXED, libOS address)",
        mremap(m, pg, pg, MREMAP_MAYMOVE | MREMAP_FIXED, kernel) == MAP_FAILED ? -1 : 0);
    TRY("mmap(libOS address, MAP_FIXED)", mmap(kernel, pg, RW, PRIV_ANON | MAP_FIXED, -1, 0) == MAP_FAILED ? -1 : 0);
    TRY("madvise(mapping, SIZE_MAX, MADV_DONTNEED)", madvise(m, SIZE_MAX, MADV_DONTNEED));
    TRY("msync(mapping, SIZE_MAX, MS_SYNC)", msync(m, SIZE_MAX, MS_SYNC));
    TRY("mremap(mapping, 1 page, SIZE_MAX, MREMAP_MAYMOVE)",
        mremap(m, pg, SIZE_MAX, MREMAP_MAYMOVE) == MAP_FAILED ? -1 : 0);
    TRY("mremap(mapping, SIZE_MAX, 1 page, 0)", mremap(m, SIZE_MAX, pg, 0) == MAP_FAILED ? -1 : 0);
    m[0] = 1;
    printf("the mapping is still writable after all that: %s\n", m[0] == 1 ? "yes" : "no");
    munmap(m, pg);
}

/* Breaks that wrap or pass the address space: ENOMEM, the break unchanged. */
static void breaks(void)
{
    char *before = sbrk(0);
    TRY("sbrk(INTPTR_MIN)", sbrk(INTPTR_MIN) == (void *)-1 ? -1 : 0);
    TRY("sbrk(INTPTR_MAX)", sbrk(INTPTR_MAX) == (void *)-1 ? -1 : 0);
    TRY("sbrk(1 << 50)", sbrk((intptr_t)1 << 50) == (void *)-1 ? -1 : 0);
    printf("the break is unchanged: %s\n", sbrk(0) == before ? "yes" : "no");
    char *p = sbrk(2 * (intptr_t)pg);
    printf("sbrk(2 pages) gives the old break: %s\n", p == before ? "yes" : "no");
    if (p != (void *)-1) {
        p[0] = 1;
        p[2 * pg - 1] = 2;
        printf("the new pages are writable: %s\n", p[0] + p[2 * pg - 1] == 3 ? "yes" : "no");
        TRY("sbrk(-2 pages)", sbrk(-2 * (intptr_t)pg) == (void *)-1 ? -1 : 0);
    }
    printf("the break is back: %s\n", sbrk(0) == before ? "yes" : "no");
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    long size = sysconf(_SC_PAGESIZE);
    pg = size > 0 ? (size_t)size : 4096;
    printf("hostile_diff: begin\n");
    stores_through_bad_pages();
    buffers();
    mmap_family_at_the_libos();
    breaks();
    printf("hostile_diff: end\n");
    return 0;
}

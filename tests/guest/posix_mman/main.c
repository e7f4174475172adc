/* A differential POSIX test of the memory calls: the same program runs on the
 * host's Linux (built with the host gcc) and inside Capsule, and the lines it
 * prints between "posix_mman: begin" and "posix_mman: end" must be identical.
 * Every line is deterministic and independent of where mappings land: errno
 * values are printed by name, results as "ok" / "-1 ENAME" / "MAP_FAILED
 * ENAME", addresses only relative to a base this program mapped itself, and
 * every check prints what it saw, so a deviation shows up in the diff.
 *
 * Layout tests need free address space they control: hole() maps a range and
 * unmaps it again, and the test then places mappings inside it with
 * MAP_FIXED_NOREPLACE before anything else can allocate (no output, no malloc
 * between the two). */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#if defined(__has_include)
#if !__has_include(<sys/mman.h>)
#define NO_SYS_MMAN 1
#endif
#endif

#ifdef NO_SYS_MMAN
/* A C library without <sys/mman.h> (Capsule before its mmap layer lands):
 * build anyway and say so, so the comparison fails instead of the build. */
int main(void)
{
    printf("posix_mman: begin\n");
    printf("posix_mman: this C library has no <sys/mman.h>\n");
    printf("posix_mman: end\n");
    return 0;
}
#else
#include <sys/mman.h>

#if defined(__has_include)
#if __has_include(<malloc.h>)
#include <malloc.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/times.h>
#define HAVE_MALLOC_USABLE_SIZE 1
#endif
#endif

/* Linux's values, for C libraries whose <sys/mman.h> lacks them. */
#if !defined(MAP_ANONYMOUS) && defined(MAP_ANON)
#define MAP_ANONYMOUS MAP_ANON
#elif !defined(MAP_ANONYMOUS)
#define MAP_ANONYMOUS 0x20
#endif
#ifndef MAP_SHARED_VALIDATE
#define MAP_SHARED_VALIDATE 0x03
#endif
#ifndef MAP_NORESERVE
#define MAP_NORESERVE 0x4000
#endif
#ifndef MAP_POPULATE
#define MAP_POPULATE 0x8000
#endif
#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif
#ifndef MREMAP_MAYMOVE
#define MREMAP_MAYMOVE 1
void *mremap(void *old_address, size_t old_size, size_t new_size, int flags, ...);
#endif
#ifndef MREMAP_FIXED
#define MREMAP_FIXED 2
#endif
#ifndef MADV_WILLNEED
#define MADV_WILLNEED 3
#endif
#ifndef MADV_DONTNEED
#define MADV_DONTNEED 4
#endif
#ifndef MS_ASYNC
#define MS_ASYNC 1
#endif
#ifndef MS_SYNC
#define MS_SYNC 4
#endif

#define RW          (PROT_READ | PROT_WRITE)
#define PRIV_ANON   (MAP_PRIVATE | MAP_ANONYMOUS)
#define UNKNOWN_MAP_FLAG   0x800000     /* no meaning on Linux (x86-64, riscv64) */
#define UNKNOWN_PROT_BIT   0x100
#define UNKNOWN_MREMAP_FLAG 0x100
#define BAD_ADVICE         12345
/* Outside the application's half on both x86-64 Linux (47 bits) and Capsule (38 bits). */
#define HIGH_ADDR   ((void *)(uintptr_t)0xffff800000000000ull)
#define TOP_PAGE(pg) ((void *)(~(uintptr_t)0 & ~((uintptr_t)(pg) - 1)))
#define MIB         (1024ul * 1024)
#define GIB         (1024 * MIB)

static size_t pg;

static const char *yesno(int b)
{
    return b ? "yes" : "no";
}

/* The name of an errno value; unexpected values print as a number. */
static const char *ename(int e)
{
    static char other[32];
    static const struct { int value; const char *name; } names[] = {
        { 0, "0" }, { EINVAL, "EINVAL" }, { ENOMEM, "ENOMEM" }, { EEXIST, "EEXIST" },
        { EOPNOTSUPP, "EOPNOTSUPP" }, { ENOTSUP, "ENOTSUP" }, { EBADF, "EBADF" },
        { EOVERFLOW, "EOVERFLOW" }, { EACCES, "EACCES" }, { EFAULT, "EFAULT" }, { EPERM, "EPERM" },
        { ENOSYS, "ENOSYS" }, { ENODEV, "ENODEV" }, { EAGAIN, "EAGAIN" },
    };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (names[i].value == e)
            return names[i].name;
    snprintf(other, sizeof other, "errno=%d", e);
    return other;
}

/* One line for an int-returning call: "ok", "-1 ENAME" or "returned N". */
static void say_int(const char *what, int r, int e)
{
    if (r == 0)
        printf("%s: ok\n", what);
    else if (r == -1)
        printf("%s: -1 %s\n", what, ename(e));
    else
        printf("%s: returned %d\n", what, r);
}

/* One line for an address-returning call; want (if not NULL) is where the
 * mapping must land, and landing elsewhere is printed. */
static void say_map(const char *what, void *r, int e, void *want)
{
    if (r == MAP_FAILED)
        printf("%s: MAP_FAILED %s\n", what, ename(e));
    else if (want && r != want)
        printf("%s: ok, but at another address\n", what);
    else
        printf("%s: ok\n", what);
}

/* mmap and report; a mapping that was not expected to stay is removed. */
static void try_mmap(const char *what, void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
    errno = 0;
    void *r = mmap(addr, len, prot, flags, fd, off);
    int e = errno;
    say_map(what, r, e, NULL);
    if (r != MAP_FAILED)
        munmap(r, len);
}

#define TRY_INT(what, call) do { errno = 0; int r_ = (call); int e_ = errno; say_int(what, r_, e_); } while (0)

/* A free, page-aligned range of npages pages (mapped, then unmapped again). */
static char *hole(size_t npages)
{
    void *p = mmap(NULL, npages * pg, PROT_NONE, PRIV_ANON, -1, 0);
    if (p == MAP_FAILED)
        return NULL;
    munmap(p, npages * pg);
    return p;
}

/* Map len bytes read-write exactly at addr (which must be free); NULL if not. */
static char *map_at(void *addr, size_t len)
{
    void *p = mmap(addr, len, RW, PRIV_ANON | MAP_FIXED_NOREPLACE, -1, 0);
    if (p == MAP_FAILED)
        return NULL;
    if (p != addr) {
        munmap(p, len);
        return NULL;
    }
    return p;
}

static char *map_rw(size_t len)
{
    void *p = mmap(NULL, len, RW, PRIV_ANON, -1, 0);
    return p == MAP_FAILED ? NULL : p;
}

/* A recognisable pattern that differs per byte and per seed. */
static unsigned char pattern(size_t i, unsigned seed)
{
    return (unsigned char)(seed * 37 + i % 251 + i / 4096 + 1);
}

static void fill(char *p, size_t len, unsigned seed)
{
    for (size_t i = 0; i < len; i++)
        p[i] = (char)pattern(i, seed);
}

/* Do bytes [off, off + len) of a buffer filled with fill(base, ..., seed) still hold it? */
static int intact(const char *base, size_t off, size_t len, unsigned seed)
{
    for (size_t i = off; i < off + len; i++)
        if ((unsigned char)base[i] != pattern(i, seed))
            return 0;
    return 1;
}

static int all_zero(const char *p, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (p[i])
            return 0;
    return 1;
}

/* Is [p, p + len) unmapped?  Asked without touching it: mprotect fails with
 * ENOMEM on any unmapped page. */
static int unmapped(void *p, size_t len)
{
    errno = 0;
    return mprotect(p, len, RW) == -1 && errno == ENOMEM;
}

/* ---- errno table: mmap ---- */

static void mmap_bad_arguments(void)
{
    try_mmap("mmap len 0", NULL, 0, RW, PRIV_ANON, -1, 0);
    try_mmap("mmap neither MAP_PRIVATE nor MAP_SHARED", NULL, pg, RW, MAP_ANONYMOUS, -1, 0);
    try_mmap("mmap MAP_SHARED_VALIDATE|MAP_ANONYMOUS with unknown flag 0x800000", NULL, pg, RW,
             MAP_SHARED_VALIDATE | MAP_ANONYMOUS | UNKNOWN_MAP_FLAG, -1, 0);
    try_mmap("mmap MAP_SHARED_VALIDATE|MAP_ANONYMOUS, known flags only", NULL, pg, RW,
             MAP_SHARED_VALIDATE | MAP_ANONYMOUS, -1, 0);
    try_mmap("mmap MAP_SHARED|MAP_ANONYMOUS with unknown flag 0x800000 (ignored)", NULL, pg, RW,
             MAP_SHARED | MAP_ANONYMOUS | UNKNOWN_MAP_FLAG, -1, 0);
    try_mmap("mmap MAP_PRIVATE|MAP_ANONYMOUS with unknown flag 0x800000 (ignored)", NULL, pg, RW,
             PRIV_ANON | UNKNOWN_MAP_FLAG, -1, 0);
    try_mmap("mmap unaligned offset 1", NULL, pg, RW, PRIV_ANON, -1, 1);
    try_mmap("mmap unaligned offset 2048", NULL, pg, RW, PRIV_ANON, -1, 2048);
    try_mmap("mmap len SIZE_MAX (page-rounded len overflows)", NULL, SIZE_MAX, RW, PRIV_ANON, -1, 0);
    try_mmap("mmap len SIZE_MAX-4095 (page-rounded len overflows)", NULL, SIZE_MAX - 4095, RW, PRIV_ANON, -1, 0);
    try_mmap("mmap len 2^62 (no free VA)", NULL, (size_t)1 << 62, RW, PRIV_ANON | MAP_NORESERVE, -1, 0);
    try_mmap("mmap file mapping, fd -1", NULL, pg, PROT_READ, MAP_PRIVATE, -1, 0);
    try_mmap("mmap file mapping, fd 999", NULL, pg, PROT_READ, MAP_PRIVATE, 999, 0);
    try_mmap("mmap MAP_SHARED file mapping, fd 999", NULL, pg, PROT_READ, MAP_SHARED, 999, 0);
    try_mmap("mmap file mapping, fd 999, offset+len overflows", NULL, 2 * pg, PROT_READ, MAP_PRIVATE, 999,
             (off_t)0x7ffffffffffff000ll);
    try_mmap("mmap anonymous, offset 0x7ffffffffffff000, len 2 pages (offset+len overflows)", NULL, 2 * pg,
             RW, PRIV_ANON, -1, (off_t)0x7ffffffffffff000ll);
}

static void mmap_fixed_arguments(void)
{
    char *h = hole(4);
    if (!h) {
        printf("mmap fixed arguments: no hole\n");
        return;
    }
    try_mmap("mmap MAP_FIXED unaligned addr", h + 1, pg, RW, PRIV_ANON | MAP_FIXED, -1, 0);
    try_mmap("mmap MAP_FIXED_NOREPLACE unaligned addr", h + 1, pg, RW, PRIV_ANON | MAP_FIXED_NOREPLACE, -1, 0);
    try_mmap("mmap MAP_FIXED at 0xffff800000000000", HIGH_ADDR, pg, RW, PRIV_ANON | MAP_FIXED, -1, 0);
    try_mmap("mmap MAP_FIXED unaligned at 0xffff800000000001 (out of range before unaligned)",
             (char *)HIGH_ADDR + 1, pg, RW, PRIV_ANON | MAP_FIXED, -1, 0);
    try_mmap("mmap MAP_FIXED at the top page", TOP_PAGE(pg), pg, RW, PRIV_ANON | MAP_FIXED, -1, 0);
    try_mmap("mmap MAP_FIXED_NOREPLACE at 0xffff800000000000", HIGH_ADDR, pg, RW,
             PRIV_ANON | MAP_FIXED_NOREPLACE, -1, 0);

    h = hole(4);
    errno = 0;
    void *r = mmap(h + 1, pg, RW, PRIV_ANON, -1, 0);
    int e = errno;
    if (r == MAP_FAILED)
        printf("mmap unaligned plain hint: MAP_FAILED %s\n", ename(e));
    else
        printf("mmap unaligned plain hint: ok, page-aligned %s, at the hint's page %s\n",
               yesno(((uintptr_t)r & (pg - 1)) == 0), yesno(r == h));
    if (r != MAP_FAILED)
        munmap(r, pg);
}

static void mmap_noreplace_overlap(void)
{
    char *h = hole(4);
    char *m = h ? map_at(h + pg, 2 * pg) : NULL;
    if (!m) {
        printf("mmap MAP_FIXED_NOREPLACE overlap: setup failed\n");
        return;
    }
    fill(m, 2 * pg, 1);
    int f = PRIV_ANON | MAP_FIXED_NOREPLACE;
    try_mmap("mmap MAP_FIXED_NOREPLACE over the mapping's last page and a free page", m + pg, 2 * pg, RW, f, -1, 0);
    try_mmap("mmap MAP_FIXED_NOREPLACE over a free page and the mapping's first page", h, 2 * pg, RW, f, -1, 0);
    try_mmap("mmap MAP_FIXED_NOREPLACE exactly over the mapping", m, 2 * pg, RW, f, -1, 0);
    try_mmap("mmap MAP_FIXED_NOREPLACE inside the mapping", m + pg, pg, RW, f, -1, 0);
    try_mmap("mmap MAP_FIXED_NOREPLACE around the mapping", h, 4 * pg, RW, f, -1, 0);
    printf("mmap MAP_FIXED_NOREPLACE overlap: mapping intact %s, neighbours still free %s\n",
           yesno(intact(m, 0, 2 * pg, 1)), yesno(unmapped(h, pg) && unmapped(h + 3 * pg, pg)));
    munmap(m, 2 * pg);
}

/* ---- errno table: munmap and mprotect ---- */

static void munmap_errors(void)
{
    char *m = map_rw(3 * pg);
    if (!m) {
        printf("munmap errors: mmap failed\n");
        return;
    }
    TRY_INT("munmap unaligned addr", munmap(m + 1, pg));
    TRY_INT("munmap len 0", munmap(m, 0));
    TRY_INT("munmap at 0xffff800000000000", munmap(HIGH_ADDR, pg));
    TRY_INT("munmap the top page", munmap(TOP_PAGE(pg), pg));
    TRY_INT("munmap len SIZE_MAX", munmap(m, SIZE_MAX));
    TRY_INT("munmap unaligned len (1 page + 1) of 3 mapped pages", munmap(m, pg + 1));
    printf("munmap unaligned len: 2 pages gone %s, third still mapped %s\n",
           yesno(unmapped(m, 2 * pg)), yesno(!unmapped(m + 2 * pg, pg)));
    TRY_INT("munmap of a range with nothing mapped", munmap(m, 2 * pg));
    TRY_INT("munmap of the rest", munmap(m, 3 * pg));
}

static void mprotect_errors(void)
{
    char *m = map_rw(3 * pg);
    if (!m) {
        printf("mprotect errors: mmap failed\n");
        return;
    }
    TRY_INT("mprotect unaligned addr", mprotect(m + 1, pg, PROT_READ));
    TRY_INT("mprotect unknown prot bit 0x100", mprotect(m, pg, PROT_READ | UNKNOWN_PROT_BIT));
    TRY_INT("mprotect len 0", mprotect(m, 0, PROT_READ));
    TRY_INT("mprotect len 0 with unknown prot bit 0x100", mprotect(m, 0, PROT_READ | UNKNOWN_PROT_BIT));
    TRY_INT("mprotect len 0 with unaligned addr", mprotect(m + 1, 0, PROT_READ));
    TRY_INT("mprotect addr+len wraps", mprotect(m, (size_t)0 - (uintptr_t)m + pg, PROT_READ));
    TRY_INT("mprotect len SIZE_MAX", mprotect(m, SIZE_MAX, PROT_READ));
    TRY_INT("mprotect at 0xffff800000000000", mprotect(HIGH_ADDR, pg, PROT_READ));
    TRY_INT("mprotect PROT_GROWSDOWN | PROT_GROWSUP", mprotect(m, pg, PROT_READ | PROT_GROWSDOWN | PROT_GROWSUP));
    TRY_INT("mprotect PROT_GROWSDOWN on a mapping that does not grow", mprotect(m, pg, PROT_READ | PROT_GROWSDOWN));
    TRY_INT("mprotect PROT_GROWSUP len 0", mprotect(m, 0, PROT_READ | PROT_GROWSUP));
    munmap(m + pg, pg);
    TRY_INT("mprotect over a range with an unmapped page", mprotect(m, 3 * pg, RW));
    TRY_INT("mprotect of an unmapped page", mprotect(m + pg, pg, RW));
    TRY_INT("mprotect len 0 on an unmapped page", mprotect(m + pg, 0, RW));
    TRY_INT("mprotect PROT_GROWSUP of an unmapped page", mprotect(m + pg, pg, PROT_READ | PROT_GROWSUP));
    TRY_INT("mprotect PROT_GROWSDOWN from an unmapped page into a mapped one",
            mprotect(m + pg, 2 * pg, PROT_READ | PROT_GROWSDOWN));
    munmap(m, 3 * pg);
}

/* ---- semantics ---- */

static void fresh_memory_is_zero(void)
{
    char *m = map_rw(16 * pg);
    printf("fresh anonymous memory (16 pages) reads zero: %s\n", m ? yesno(all_zero(m, 16 * pg)) : "mmap failed");
    if (m)
        munmap(m, 16 * pg);
}

/* 1 GiB, one byte written every 64 pages: only what is touched gets memory. */
static void demand_paging(void)
{
    const size_t len = GIB, stride = 64 * pg;
    errno = 0;
    char *m = mmap(NULL, len, RW, PRIV_ANON | MAP_NORESERVE, -1, 0);
    int e = errno;
    say_map("mmap 1 GiB MAP_NORESERVE", m, e, NULL);
    if (m == MAP_FAILED)
        return;
    size_t n = 0;
    for (size_t off = 0; off < len; off += stride, n++)
        m[off + (n % 7) * 8] = (char)(n % 255 + 1);
    int back = 1, zero = 1;
    n = 0;
    for (size_t off = 0; off < len; off += stride, n++) {
        back &= m[off + (n % 7) * 8] == (char)(n % 255 + 1);
        zero &= m[off + pg - 1] == 0 && m[off + 64] == 0;
    }
    for (size_t off = stride / 2; off < len; off += len / 8)
        zero &= all_zero(m + off, pg);
    printf("1 GiB demand paging: %zu bytes written, read back %s, untouched bytes zero %s\n", n, yesno(back), yesno(zero));
    TRY_INT("munmap 1 GiB", munmap(m, len));
}

static void fixed_replaces_part(void)
{
    char *h = hole(4);
    char *m = h ? map_at(h, 4 * pg) : NULL;
    if (!m) {
        printf("MAP_FIXED replace: setup failed\n");
        return;
    }
    fill(m, 4 * pg, 2);
    errno = 0;
    void *r = mmap(m + pg, 2 * pg, RW, PRIV_ANON | MAP_FIXED, -1, 0);
    int e = errno;
    say_map("mmap MAP_FIXED over pages 1-2 of a 4-page mapping", r, e, m + pg);
    printf("MAP_FIXED replace: replaced pages zero %s, page 0 intact %s, page 3 intact %s\n",
           yesno(all_zero(m + pg, 2 * pg)), yesno(intact(m, 0, pg, 2)), yesno(intact(m, 3 * pg, pg, 2)));
    munmap(m, 4 * pg);
}

static void placement(void)
{
    char *h = hole(3);
    errno = 0;
    void *r = h ? mmap(h + pg, pg, RW, PRIV_ANON | MAP_FIXED_NOREPLACE, -1, 0) : MAP_FAILED;
    int e = errno;
    say_map("mmap MAP_FIXED_NOREPLACE into a free hole lands exactly there", r, e, h + pg);
    if (r != MAP_FAILED)
        munmap(r, pg);

    h = hole(4);
    errno = 0;
    r = h ? mmap(h, 4 * pg, RW, PRIV_ANON, -1, 0) : MAP_FAILED;
    e = errno;
    if (r == MAP_FAILED)
        printf("mmap with a free page-aligned hint: MAP_FAILED %s\n", ename(e));
    else
        printf("mmap with a free page-aligned hint: ok, at the hint %s\n", yesno(r == h));
    if (r != MAP_FAILED)
        munmap(r, 4 * pg);
}

static void munmap_splits(void)
{
    char *m = map_rw(3 * pg);
    if (!m) {
        printf("munmap split: mmap failed\n");
        return;
    }
    fill(m, 3 * pg, 3);
    TRY_INT("munmap the middle page of 3", munmap(m + pg, pg));
    printf("munmap split: first page intact %s, last page intact %s, middle unmapped %s\n",
           yesno(intact(m, 0, pg, 3)), yesno(intact(m, 2 * pg, pg, 3)),
           yesno(unmapped(m + pg, pg)));
    TRY_INT("mprotect the first page after the split", mprotect(m, pg, RW));
    TRY_INT("mprotect the last page after the split", mprotect(m + 2 * pg, pg, RW));
    munmap(m, 3 * pg);
}

/* Read-only and PROT_NONE on a sub-range, then back: the contents survive. */
static void mprotect_keeps_contents(void)
{
    char *m = map_rw(4 * pg);
    if (!m) {
        printf("mprotect contents: mmap failed\n");
        return;
    }
    fill(m, 4 * pg, 4);
    TRY_INT("mprotect pages 1-2 of 4 PROT_READ", mprotect(m + pg, 2 * pg, PROT_READ));
    printf("mprotect PROT_READ: all 4 pages readable and intact %s\n", yesno(intact(m, 0, 4 * pg, 4)));
    TRY_INT("mprotect pages 1-2 back to read-write", mprotect(m + pg, 2 * pg, RW));
    m[pg] ^= 0x5a;
    m[pg] ^= 0x5a;
    printf("mprotect back to read-write: writable and intact %s\n", yesno(intact(m, 0, 4 * pg, 4)));
    TRY_INT("mprotect pages 1-2 PROT_NONE", mprotect(m + pg, 2 * pg, PROT_NONE));
    printf("mprotect PROT_NONE: pages 0 and 3 intact %s\n", yesno(intact(m, 0, pg, 4) && intact(m, 3 * pg, pg, 4)));
    TRY_INT("mprotect pages 1-2 back from PROT_NONE to read-write", mprotect(m + pg, 2 * pg, RW));
    printf("mprotect PROT_NONE and back: contents kept %s\n", yesno(intact(m, 0, 4 * pg, 4)));
    TRY_INT("munmap after mprotect", munmap(m, 4 * pg));
}

static void madvise_calls(void)
{
    char *m = map_rw(4 * pg);
    char *h = hole(2);
    if (!m || !h) {
        printf("madvise: setup failed\n");
        return;
    }
    fill(m, 4 * pg, 5);
    TRY_INT("madvise MADV_DONTNEED pages 1-2 of 4", madvise(m + pg, 2 * pg, MADV_DONTNEED));
    printf("madvise MADV_DONTNEED: those pages read zero %s, pages 0 and 3 intact %s\n",
           yesno(all_zero(m + pg, 2 * pg)), yesno(intact(m, 0, pg, 5) && intact(m, 3 * pg, pg, 5)));
    TRY_INT("madvise MADV_WILLNEED", madvise(m, 4 * pg, MADV_WILLNEED));
    TRY_INT("madvise invalid advice 12345", madvise(m, pg, BAD_ADVICE));
    TRY_INT("madvise unaligned addr", madvise(m + 1, pg, MADV_WILLNEED));
    TRY_INT("madvise len 0", madvise(m, 0, MADV_WILLNEED));
    TRY_INT("madvise MADV_WILLNEED on an unmapped range", madvise(h, 2 * pg, MADV_WILLNEED));
    printf("madvise: pages 0 and 3 still intact %s\n", yesno(intact(m, 0, pg, 5) && intact(m, 3 * pg, pg, 5)));
    munmap(m, 4 * pg);
}

static void msync_calls(void)
{
    char *m = map_rw(2 * pg);
    char *h = hole(2);
    if (!m || !h) {
        printf("msync: setup failed\n");
        return;
    }
    TRY_INT("msync MS_SYNC on anonymous memory", msync(m, 2 * pg, MS_SYNC));
    TRY_INT("msync MS_ASYNC on anonymous memory", msync(m, 2 * pg, MS_ASYNC));
    TRY_INT("msync MS_ASYNC|MS_SYNC", msync(m, 2 * pg, MS_ASYNC | MS_SYNC));
    TRY_INT("msync unknown flag 0x100", msync(m, 2 * pg, MS_SYNC | 0x100));
    TRY_INT("msync unaligned addr", msync(m + 1, pg, MS_SYNC));
    TRY_INT("msync len 0", msync(m, 0, MS_SYNC));
    TRY_INT("msync unmapped range", msync(h, 2 * pg, MS_SYNC));
    munmap(m, 2 * pg);
}

/* ---- mremap ---- */

#define TRY_REMAP(what, call, want) \
    do { errno = 0; void *r_ = (call); int e_ = errno; say_map(what, r_, e_, want); } while (0)

/* Advice Linux knows beyond the basic set, and the populate calls. */
static void madvise_linux_rows(void)
{
    static const struct { int advice; const char *name; } known[] = {
        { 9, "MADV_REMOVE" }, { 12, "MADV_MERGEABLE" }, { 13, "MADV_UNMERGEABLE" },
        { 18, "MADV_WIPEONFORK" }, { 22, "MADV_POPULATE_READ" }, { 23, "MADV_POPULATE_WRITE" },
        { 24, "MADV_DONTNEED_LOCKED" }, { 25, "MADV_COLLAPSE" },
    };
    char *m = map_rw(2 * pg);
    char *none = mmap(NULL, pg, PROT_NONE, PRIV_ANON, -1, 0);
    char *ro = mmap(NULL, pg, PROT_READ, PRIV_ANON, -1, 0);
    char *h = hole(2);          /* last: a later mmap could land in it */
    if (!h || !m || none == MAP_FAILED || ro == MAP_FAILED) {
        printf("madvise rows: setup failed\n");
        return;
    }
    char what[96];
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++) {
        snprintf(what, sizeof what, "madvise %s (%d) on an unmapped range", known[i].name, known[i].advice);
        TRY_INT(what, madvise(h, pg, known[i].advice));
    }
    TRY_INT("madvise MADV_REMOVE on a private mapping", madvise(m, pg, 9));
    TRY_INT("madvise MADV_POPULATE_READ on PROT_NONE", madvise(none, pg, 22));
    TRY_INT("madvise MADV_POPULATE_WRITE on PROT_NONE", madvise(none, pg, 23));
    TRY_INT("madvise MADV_POPULATE_WRITE on PROT_READ", madvise(ro, pg, 23));
    TRY_INT("madvise MADV_POPULATE_READ on PROT_READ", madvise(ro, pg, 22));
    fill(m, 2 * pg, 9);
    TRY_INT("madvise MADV_POPULATE_WRITE on written RW pages", madvise(m, 2 * pg, 23));
    printf("madvise MADV_POPULATE_WRITE: contents intact %s\n", yesno(intact(m, 0, 2 * pg, 9)));
    TRY_INT("madvise MADV_DONTNEED_LOCKED", madvise(m, pg, 24));
    printf("madvise MADV_DONTNEED_LOCKED: the page reads zero %s\n", yesno(all_zero(m, pg)));
    munmap(m, 2 * pg);
    munmap(none, pg);
    munmap(ro, pg);
}

/* mremap rows where Linux's order or rules are easy to get wrong. */
static void mremap_linux_rows(void)
{
    char *m = map_rw(4 * pg);
    char *h = hole(24);
    if (!m || !h) {
        printf("mremap rows: setup failed\n");
        return;
    }
    TRY_REMAP("mremap grow to 2^62 bytes", mremap(m, pg, (size_t)1 << 62, MREMAP_MAYMOVE), NULL);
    TRY_REMAP("mremap grow to 2^62 bytes in place", mremap(m, pg, (size_t)1 << 62, 0), NULL);
    TRY_REMAP("mremap old_len 0 of a private mapping", mremap(m, 0, pg, MREMAP_MAYMOVE), NULL);
    munmap(m, 4 * pg);
    /* a shrink whose old_len reaches past the mapping still shrinks */
    char *s = mmap(h, 4 * pg, RW, PRIV_ANON | MAP_FIXED, -1, 0);
    TRY_REMAP("mremap shrink with old_len 16 pages over a 4-page mapping", mremap(s, 16 * pg, pg, 0), s);
    printf("mremap shrink past the end: the tail is gone %s\n", yesno(unmapped(s + pg, 3 * pg)));
    /* grow in place into the hole before a neighbour, then remap the whole */
    char *n = mmap(h + 8 * pg, 2 * pg, RW, PRIV_ANON | MAP_FIXED, -1, 0);
    fill(s, pg, 3);
    TRY_REMAP("mremap grow 1 page to 8 in place, up to a neighbour", mremap(s, pg, 8 * pg, 0), s);
    TRY_REMAP("mremap of the grown mapping and its neighbour as one (10 pages to 12)",
              mremap(s, 10 * pg, 12 * pg, 0), s);
    printf("mremap after growing into a neighbour: first page intact %s\n", yesno(intact(s, 0, pg, 3)));
    munmap(h, 24 * pg);
    (void)n;
}

static void mremap_in_place(void)
{
    char *m = map_rw(4 * pg);
    if (!m) {
        printf("mremap in place: mmap failed\n");
        return;
    }
    fill(m, 4 * pg, 6);
    TRY_REMAP("mremap shrink 4 pages to 2 in place", mremap(m, 4 * pg, 2 * pg, 0), m);
    printf("mremap shrink: kept part intact %s, tail unmapped %s\n",
           yesno(intact(m, 0, 2 * pg, 6)), yesno(unmapped(m + 2 * pg, 2 * pg)));
    munmap(m, 4 * pg);

    m = map_rw(3 * pg);
    if (!m)
        return;
    fill(m, pg, 7);
    munmap(m + pg, 2 * pg);
    TRY_REMAP("mremap grow 1 page to 3 in place into free pages", mremap(m, pg, 3 * pg, 0), m);
    printf("mremap grow in place: first page intact %s, new pages zero %s\n",
           yesno(intact(m, 0, pg, 7)), yesno(!unmapped(m, 3 * pg) && all_zero(m + pg, 2 * pg)));
    munmap(m, 3 * pg);
}

/* A one-page mapping at h followed by a one-page blocker: it cannot grow in place. */
static void mremap_blocked(void)
{
    char *h = hole(2);
    char *m = h ? map_at(h, pg) : NULL;
    char *blocker = m ? map_at(h + pg, pg) : NULL;
    if (!blocker) {
        printf("mremap blocked: setup failed\n");
        return;
    }
    fill(m, pg, 8);
    fill(blocker, pg, 9);
    TRY_REMAP("mremap grow when blocked, without MREMAP_MAYMOVE", mremap(m, pg, 2 * pg, 0), m);
    printf("mremap grow when blocked: mapping intact %s, blocker intact %s\n",
           yesno(intact(m, 0, pg, 8)), yesno(intact(blocker, 0, pg, 9)));
    errno = 0;
    char *r = mremap(m, pg, 2 * pg, MREMAP_MAYMOVE);
    int e = errno;
    say_map("mremap grow when blocked, with MREMAP_MAYMOVE", r, e, NULL);
    if (r != MAP_FAILED) {
        printf("mremap MREMAP_MAYMOVE: address changed %s, contents moved %s, new page zero %s, "
               "old address unmapped %s, blocker intact %s\n",
               yesno(r != m), yesno(intact(r, 0, pg, 8)), yesno(all_zero(r + pg, pg)), yesno(unmapped(m, pg)),
               yesno(intact(blocker, 0, pg, 9)));
        munmap(r, 2 * pg);
    } else {
        munmap(m, pg);
    }
    munmap(blocker, pg);
}

/* Moves to a chosen address (into a free range, then over a mapping), and the
 * argument checks, all inside one hole of 8 pages. */
static void mremap_fixed(void)
{
    char *h = hole(8);
    char *src = h ? map_at(h, 2 * pg) : NULL;
    if (!src) {
        printf("mremap MREMAP_FIXED: setup failed\n");
        return;
    }
    fill(src, 2 * pg, 10);
    const int mf = MREMAP_MAYMOVE | MREMAP_FIXED;
    TRY_REMAP("mremap MREMAP_FIXED to a free range", mremap(h, 2 * pg, 2 * pg, mf, h + 3 * pg), h + 3 * pg);
    printf("mremap MREMAP_FIXED: contents moved %s\n", yesno(intact(h + 3 * pg, 0, 2 * pg, 10)));
    TRY_INT("msync on the old range after MREMAP_FIXED", msync(h, 2 * pg, MS_SYNC));

    char *other = map_at(h, 2 * pg);
    if (other)
        fill(other, 2 * pg, 11);
    TRY_REMAP("mremap MREMAP_FIXED over an existing mapping", mremap(h + 3 * pg, 2 * pg, 2 * pg, mf, h), h);
    printf("mremap MREMAP_FIXED over a mapping: it is replaced %s, old range unmapped %s\n",
           yesno(intact(h, 0, 2 * pg, 10)), yesno(unmapped(h + 3 * pg, 2 * pg)));

    TRY_REMAP("mremap MREMAP_FIXED without MREMAP_MAYMOVE",
              mremap(h, 2 * pg, 2 * pg, MREMAP_FIXED, h + 4 * pg), NULL);
    TRY_REMAP("mremap MREMAP_FIXED onto an overlapping range", mremap(h, 2 * pg, 2 * pg, mf, h + pg), NULL);
    TRY_REMAP("mremap MREMAP_FIXED to an unaligned address", mremap(h, 2 * pg, 2 * pg, mf, h + 4 * pg + 1), NULL);
    TRY_REMAP("mremap unknown flag 0x100", mremap(h, 2 * pg, 2 * pg, UNKNOWN_MREMAP_FLAG), NULL);
    TRY_REMAP("mremap new_len 0", mremap(h, 2 * pg, 0, MREMAP_MAYMOVE), NULL);
    TRY_REMAP("mremap unaligned old address", mremap(h + 1, pg, 2 * pg, MREMAP_MAYMOVE), NULL);
    TRY_REMAP("mremap old address not mapped", mremap(h + 5 * pg, pg, 2 * pg, MREMAP_MAYMOVE), NULL);
    printf("mremap errors: mapping still intact %s\n", yesno(intact(h, 0, 2 * pg, 10)));
    munmap(h, 8 * pg);
}

/* Holes and permission changes inside a 2 MiB-aligned, fully populated 2 MiB
 * (where a libOS may have used one 2 MiB leaf): everything else stays. */
static void two_mib_region(void)
{
    const size_t len = 4 * MIB, big = 2 * MIB;
    errno = 0;
    char *m = mmap(NULL, len, RW, PRIV_ANON | MAP_POPULATE, -1, 0);
    int e = errno;
    say_map("mmap 4 MiB MAP_POPULATE", m, e, NULL);
    if (m == MAP_FAILED)
        return;
    size_t a = (((uintptr_t)m + big - 1) & ~(uintptr_t)(big - 1)) - (uintptr_t)m;
    size_t gap = a + MIB, ro = a + MIB + 16 * pg;
    printf("4 MiB MAP_POPULATE: reads zero %s\n", yesno(all_zero(m, len)));
    fill(m, len, 12);
    TRY_INT("munmap one page in the middle of the aligned 2 MiB", munmap(m + gap, pg));
    TRY_INT("mprotect another page of it PROT_READ", mprotect(m + ro, pg, PROT_READ));
    printf("2 MiB split: before the hole intact %s, after it intact %s, hole unmapped %s\n",
           yesno(intact(m, 0, gap, 12)), yesno(intact(m, gap + pg, len - gap - pg, 12)), yesno(unmapped(m + gap, pg)));
    TRY_INT("mprotect the read-only page back to read-write", mprotect(m + ro, pg, RW));
    m[ro] = 0;
    m[ro] = (char)pattern(ro, 12);
    printf("2 MiB split: read-only page writable again and intact %s\n", yesno(intact(m, ro, pg, 12)));
    TRY_INT("munmap the whole 4 MiB (with its hole)", munmap(m, len));
    printf("2 MiB split: all of it unmapped %s\n", yesno(unmapped(m, len)));
}

/* ---- malloc family ---- */

static void say_alloc(const char *what, void *p, int e)
{
    if (p)
        printf("%s: non-NULL\n", what);
    else
        printf("%s: NULL %s\n", what, ename(e));
}

static void malloc_limits(void)
{
    volatile size_t huge = SIZE_MAX, half = SIZE_MAX / 2;
    free(NULL);
    printf("free(NULL): ok\n");
    char *p = realloc(NULL, 100);
    say_alloc("realloc(NULL, 100)", p, errno);
    if (!p)
        return;
    fill(p, 100, 13);
    errno = 0;
    void *q = calloc(half, 4);
    say_alloc("calloc(SIZE_MAX/2, 4)", q, errno);
    free(q);
    errno = 0;
    q = malloc(huge);
    say_alloc("malloc(SIZE_MAX)", q, errno);
    free(q);
    errno = 0;
    q = realloc(p, huge);
    say_alloc("realloc(p, SIZE_MAX)", q, errno);
    if (!q) {
        printf("realloc(p, SIZE_MAX): p still valid and intact %s\n", yesno(intact(p, 0, 100, 13)));
        free(p);
    } else {
        free(q);
    }
}

static void malloc_alignment(void)
{
    static char sentinel;
    static const size_t bad[] = { 3, 24, 4, 0 };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        void *mp = &sentinel;
        int r = posix_memalign(&mp, bad[i], 64);
        printf("posix_memalign alignment %zu: returned %s, *memptr untouched %s\n", bad[i], ename(r),
               yesno(mp == &sentinel));
        if (r == 0)
            free(mp);
    }
    static const size_t good[] = { 64, 4096 };
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        void *mp = &sentinel;
        int r = posix_memalign(&mp, good[i], 100);
        printf("posix_memalign alignment %zu: returned %s, aligned %s\n", good[i], ename(r),
               yesno(r == 0 && mp && ((uintptr_t)mp & (good[i] - 1)) == 0));
        if (r == 0)
            free(mp);
    }
    volatile size_t a64 = 64, a3 = 3;
    void *p = aligned_alloc(a64, 128);
    printf("aligned_alloc(64, 128): %s, aligned %s\n", p ? "non-NULL" : "NULL", yesno(p && ((uintptr_t)p & 63) == 0));
    free(p);
}

/* C11 says a bad alignment gives NULL; glibc before 2.38 treats it as
 * memalign and succeeds, so this line is printed after the compared part. */
static void aligned_alloc_bad_alignment(void)
{
    volatile size_t a3 = 3;
    errno = 0;
    void *p = aligned_alloc(a3, 128);
    say_alloc("aligned_alloc(3, 128)", p, errno);
    free(p);
}

static void malloc_contents(void)
{
    char *p = malloc(100);
#ifdef HAVE_MALLOC_USABLE_SIZE
    printf("malloc_usable_size(malloc(100)) >= 100: %s\n", yesno(p && malloc_usable_size(p) >= 100));
#else
    printf("malloc_usable_size: not available\n");
#endif
    free(p);
    char *dirty = malloc(4096);
    if (dirty)
        memset(dirty, 0xa5, 4096);
    free(dirty);
    char *z = calloc(512, 8);
    printf("calloc(512, 8) after a freed dirty block reads zero: %s\n", z ? yesno(all_zero(z, 4096)) : "NULL");
    free(z);
    z = calloc(1, MIB);
    printf("calloc(1, 1 MiB) reads zero: %s\n", z ? yesno(all_zero(z, MIB)) : "NULL");
    free(z);
}

static void page_counts(void)
{
    printf("sysconf(_SC_PAGESIZE): %ld\n", sysconf(_SC_PAGESIZE));
    printf("getpagesize(): %d\n", getpagesize());
    long phys = sysconf(_SC_PHYS_PAGES), avail = sysconf(_SC_AVPHYS_PAGES);
    printf("sysconf(_SC_PHYS_PAGES) > 0: %s\n", yesno(phys > 0));
    printf("sysconf(_SC_AVPHYS_PAGES) > 0 and <= _SC_PHYS_PAGES: %s\n", yesno(avail > 0 && avail <= phys));
}

/* ---- bad pointers given to a system call ---- */

static void bad_pointers(void)
{
    static const char msg[] = "posix_mman: this line was written from a read-only page\n";
    char *m = map_rw(2 * pg);
    if (!m) {
        printf("bad pointers: mmap failed\n");
        return;
    }
    volatile uintptr_t bad = 16;    /* volatile: the compiler need not see the bad pointer */
    fflush(stdout);
    TRY_INT("write(1, (void *)16, 10)", (int)write(1, (void *)bad, 10));
    mprotect(m, pg, PROT_NONE);
    fflush(stdout);
    TRY_INT("write(1, PROT_NONE page, 10)", (int)write(1, m, 10));
    memcpy(m + pg, msg, sizeof msg - 1);
    mprotect(m + pg, pg, PROT_READ);
    fflush(stdout);
    ssize_t n = write(1, m + pg, sizeof msg - 1);
    printf("write(1, read-only page, %zu): returned all bytes %s\n", sizeof msg - 1, yesno(n == (ssize_t)sizeof msg - 1));
    munmap(m, 2 * pg);
}

/* Pointers no call may store through or read from: NULL, an address in the
 * kernel's half (on Capsule, RAM in the libOS's direct map), and a range
 * that runs off the end of the address space.  NULL is allowed where Linux
 * allows it.  (gettimeofday and times through a kernel address are left out: glibc
 * stores to them in user space and the host run would crash; Capsule gives
 * EFAULT.  gettimeofday(NULL, NULL) is left out too: riscv64 glibc stores
 * through the NULL tv and crashes, x86-64's does not; tests/guest/clocks
 * checks Capsule's 0.) */
static void bad_pointers_everywhere(void)
{
    volatile uintptr_t kernel = (uintptr_t)0xffffffc080000000ull;
    char buf[16] = "0123456789abcdef";
    fflush(stdout);
    TRY_INT("fstat(1, NULL)", fstat(1, NULL));
    TRY_INT("fstat(1, kernel address)", fstat(1, (struct stat *)kernel));
    errno = 0;
    clock_t t = times(NULL);
    printf("times(NULL): %s\n", t == (clock_t)-1 ? ename(errno) : "not -1");
    volatile size_t huge = SIZE_MAX;
    TRY_INT("write(1, buf, SIZE_MAX)", (int)write(1, buf, huge));
    TRY_INT("write(1, kernel address, 8)", (int)write(1, (void *)kernel, 8));
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    long size = sysconf(_SC_PAGESIZE);
    pg = size > 0 ? (size_t)size : 4096;
    printf("posix_mman: begin\n");
    mmap_bad_arguments();
    mmap_fixed_arguments();
    mmap_noreplace_overlap();
    munmap_errors();
    mprotect_errors();
    fresh_memory_is_zero();
    demand_paging();
    fixed_replaces_part();
    placement();
    munmap_splits();
    mprotect_keeps_contents();
    madvise_calls();
    msync_calls();
    mremap_in_place();
    mremap_blocked();
    mremap_fixed();
    mremap_linux_rows();
    madvise_linux_rows();
    two_mib_region();
    malloc_limits();
    malloc_alignment();
    malloc_contents();
    page_counts();
    bad_pointers();
    bad_pointers_everywhere();
    printf("posix_mman: end\n");
    aligned_alloc_bad_alignment();
    return 0;
}
#endif /* NO_SYS_MMAN */

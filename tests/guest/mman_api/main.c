/* The address-space layer on the real machine, through public headers:
 * the errno rows only Capsule can reach (it has console fds but no files),
 * read() with a bad buffer, the fault-safe copies, demand paging and the
 * zero page, 2 MiB leaves, many VMAs, the seeds' uvm* calls, and the
 * free-frame count back at its baseline afterwards. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <arch/layout.h>
#include <mm/cow.h>
#include <mm/errno.h>
#include <mm/kalloc.h>
#include <mm/mmap.h>
#include <mm/page.h>
#include <mm/uvm.h>
#include <mm/vm.h>

#define PG      4096UL
#define RW      (PROT_READ | PROT_WRITE)
#define ANON    (MAP_PRIVATE | MAP_ANONYMOUS)

static int failures;
#define CHECK(cond) do { if (!(cond)) { failures++; printf("FAIL %s:%d: %s\n", __FILE__, __LINE__, #cond); } } while (0)
/* A call that must fail with -1 / MAP_FAILED and errno e. */
#define CHECK_ERR(call, e) do { errno = 0; long r_ = (long)(call); \
        if (r_ != -1 || errno != (e)) { failures++; \
            printf("FAIL %s:%d: %s gave %ld errno %d, want errno %d\n", __FILE__, __LINE__, #call, r_, errno, e); } } while (0)

static uint64 free_frames(void)
{
    kalloc_drain();
    page_drain_caches();
    return page_free_count();
}

static void errno_rows_with_console_fds(void)
{
    CHECK_ERR(mmap(NULL, PG, RW, MAP_SHARED_VALIDATE | 0x800000, 1, 0), EOPNOTSUPP);
    CHECK_ERR(mmap(NULL, 2 * PG, RW, MAP_PRIVATE, 1, 0x7ffffffffffff000L), EOVERFLOW);
    CHECK_ERR(mmap(NULL, PG, RW, MAP_PRIVATE, 1, 0), ENODEV);
    CHECK_ERR(mmap(NULL, PG, RW, MAP_SHARED_VALIDATE | MAP_ANONYMOUS, -1, 0), EINVAL);
    CHECK_ERR(mmap((void *)0x1000, PG, RW, ANON | MAP_FIXED, -1, 0), EPERM);
    CHECK_ERR(mmap(NULL, PG, PROT_WRITE | PROT_EXEC, ANON, -1, 0), EACCES);
    char *p = mmap(NULL, PG, RW, ANON, -1, 0);
    CHECK(p != MAP_FAILED);
    CHECK_ERR(mprotect(p, PG, PROT_READ | PROT_WRITE | PROT_EXEC), EACCES);
    CHECK_ERR(mremap(p, PG, PG, MREMAP_MAYMOVE | MREMAP_FIXED, (void *)0x1000), EPERM);  /* below 64 KiB */
    CHECK(munmap(p, PG) == 0);
}

static void bad_buffers_give_efault(void)
{
    char *ro = mmap(NULL, PG, PROT_READ, ANON, -1, 0);
    CHECK_ERR(read(0, (void *)16, 10), EFAULT);
    CHECK_ERR(read(0, ro, 10), EFAULT);
    CHECK_ERR(write(1, (void *)0xffffffffc0200000UL, 10), EFAULT);      /* the libOS */
    munmap(ro, PG);
}

static void fault_safe_copies(void)
{
    pagetable_t pt = uvm_current();
    char buf[64] = "capsule";
    char *m = mmap(NULL, 2 * PG, RW, ANON, -1, 0);
    CHECK(copyout(pt, (uint64)m, buf, 8) == 0 && strcmp(m, "capsule") == 0);
    CHECK(copyout(pt, 16, buf, 8) == -1);
    CHECK(copyout(pt, 0xffffffc000000000UL, buf, 8) == -1);
    CHECK(copyin(pt, buf, (uint64)m, 8) == 8);
    CHECK(copyin(pt, buf, 0, 8) == -1);
    CHECK(copyinstr(pt, buf, (uint64)m, sizeof buf) == 7);
    memset(m + PG - 4, 'x', 4);
    CHECK(copyinstr(pt, buf, (uint64)m + PG - 4, 4) == (size_t)-1);    /* no NUL within max */
    mprotect(m + PG, PG, PROT_NONE);
    CHECK(copyinstr(pt, buf, (uint64)m + PG - 4, 64) == (size_t)-1);   /* runs into PROT_NONE */
    CHECK(copyin(pt, buf, (uint64)m + PG - 4, 8) == -1);
    mprotect(m, PG, PROT_READ);
    CHECK(copyout(pt, (uint64)m, buf, 1) == -1);                        /* read-only */
    munmap(m, 2 * PG);
}

static void demand_paging_and_zero_page(void)
{
    struct mm_stats before, after;
    size_t len = 64UL << 20;
    char *m = mmap(NULL, len, RW, ANON | MAP_NORESERVE, -1, 0);
    uint64 frames = free_frames();
    mm_get_stats(&before);
    int sum = 0;
    for (size_t off = 0; off < len; off += PG)
        sum += m[off];
    mm_get_stats(&after);
    CHECK(sum == 0);
    CHECK(after.zero_maps - before.zero_maps == len / PG);
    CHECK(frames - free_frames() < 64);     /* page tables only, no frame per page */
    m[5 * PG] = 7;                          /* the first write replaces the zero page */
    CHECK(m[5 * PG] == 7 && m[4 * PG] == 0 && m[6 * PG] == 0);
    CHECK(munmap(m, len) == 0);
}

static void populate_uses_2mib_leaves(void)
{
    char *m = mmap(NULL, 6UL << 20, RW, ANON | MAP_POPULATE, -1, 0);
    uint64 a = ((uint64)m + (2UL << 20) - 1) & ~((2UL << 20) - 1);
    pte_t *leaf = walk(uvm_current(), a, 0);
    CHECK(leaf && leaf == walk(uvm_current(), a + PG, 0) && leaf == walk(uvm_current(), a + (2UL << 20) - PG, 0));
    CHECK(mprotect((void *)(a + PG), PG, PROT_READ) == 0);     /* splits it */
    CHECK(walk(uvm_current(), a, 0) != walk(uvm_current(), a + PG, 0));
    CHECK(munmap(m, 6UL << 20) == 0);
}

static void fully_touched_block_becomes_2mib_leaf(void)
{
    struct mm_stats before, after;
    char *m = mmap(NULL, 4UL << 20, RW, ANON, -1, 0);
    uint64 a = ((uint64)m + (2UL << 20) - 1) & ~((2UL << 20) - 1);
    mm_get_stats(&before);
    for (uint64 off = 0; off < (2UL << 20); off += PG)
        ((volatile char *)a)[off + 7] = (char)(off >> 12);
    mm_get_stats(&after);
    CHECK(after.collapses == before.collapses + 1);
    CHECK(walk(uvm_current(), a, 0) == walk(uvm_current(), a + (1UL << 20), 0));
    int same = 1;
    for (uint64 off = 0; off < (2UL << 20); off += PG)
        same &= ((volatile char *)a)[off + 7] == (char)(off >> 12);
    CHECK(same);
    CHECK(munmap((void *)(a + 3 * PG), PG) == 0);       /* part of the leaf goes */
    CHECK(((volatile char *)a)[4 * PG + 7] == 4);
    CHECK(munmap(m, 4UL << 20) == 0);
}

/* uvmcopy shares every page copy-on-write: a write in one space copies
 * (or, once the other space is gone, reuses) the page. */
static void copy_on_write(void)
{
    volatile char *m = mmap(NULL, 4 * PG, RW, ANON, -1, 0);
    char c = 0;
    m[0] = 'a';
    m[PG] = 'b';
    pagetable_t child = uvmmake(0);
    CHECK(child && uvmcopy(child, uvm_current(), USER_END) == 0);
    CHECK(copyin(child, &c, (uint64)m, 1) == 1 && c == 'a');
    CHECK(page_refcount((void *)phys_to_virt(walkaddr(uvm_current(), (uint64)m))) == 2);
    m[0] = 'A';                                             /* copies */
    CHECK(copyin(child, &c, (uint64)m, 1) == 1 && c == 'a' && m[0] == 'A');
    CHECK(walkaddr(child, (uint64)m) != walkaddr(uvm_current(), (uint64)m));
    CHECK(copyout(child, (uint64)m + PG, "x", 1) == -1);    /* read-only there too */
    uvmfree(child, USER_END);
    uint64 pa = walkaddr(uvm_current(), (uint64)m + PG);
    m[PG] = 'B';                                            /* sole owner: reused */
    CHECK(m[PG] == 'B' && walkaddr(uvm_current(), (uint64)m + PG) == pa);
    CHECK(munmap((void *)m, 4 * PG) == 0);
}

static void many_vmas(void)
{
    struct mm_stats st0, st;
    enum { N = 2000 };
    char *maps[N];      /* on the warmed stack: bss pages would be new memory */
    mm_get_stats(&st0);
    for (int i = 0; i < N; i++) {
        maps[i] = mmap(NULL, PG, i % 2 ? PROT_READ : RW, ANON, -1, 0);
        CHECK(maps[i] != MAP_FAILED);
    }
    mm_get_stats(&st);
    CHECK(st.nr_vmas >= st0.nr_vmas + N / 2);
    for (int i = 0; i < N; i += 2)
        maps[i][0] = (char)i;
    for (int i = 0; i < N; i++)
        CHECK(munmap(maps[i], PG) == 0);
    mm_get_stats(&st);
    CHECK(st.nr_vmas == st0.nr_vmas);
}

static void seed_calls(void)
{
    static const char code[] = "init code: the first process's image";
    pagetable_t pt = uvminit(0, code, sizeof code);
    char buf[sizeof code];
    CHECK(pt && walkaddr(pt, APP_BASE) != 0);
    CHECK(copyin(pt, buf, APP_BASE, sizeof code) == (int)sizeof code && strcmp(buf, code) == 0);
    CHECK(copyout(pt, APP_BASE, buf, 4) == -1);             /* R+X: not writable */
    CHECK(uvmalloc(pt, APP_BASE + PG, APP_BASE + 3 * PG, PTE_RW) == APP_BASE + 3 * PG);
    CHECK(copyout(pt, APP_BASE + PG, buf, 4) == 0);
    CHECK(uvmdealloc(pt, APP_BASE + 3 * PG, APP_BASE + 2 * PG) == APP_BASE + 2 * PG);
    CHECK(walkaddr(pt, APP_BASE + 2 * PG) == 0);
    uvmfree(pt, APP_BASE + 2 * PG);

    uint64 top = 0x2000000000UL;
    map_stack(uvm_current(), top);
    volatile char *s = (volatile char *)(top - MAP_STACK_BYTES);
    s[0] = 1;
    CHECK(s[0] == 1);
    CHECK(mm_map_stack(uvm_current(), top, PG) == -MM_EEXIST);
    CHECK(do_munmap((void *)(top - MAP_STACK_BYTES - PG), MAP_STACK_BYTES + PG) == 0);
}

/* Touch the stack the suites will use: the main stack is demand-paged and
 * keeps its pages, which is growth, not a leak. */
static void __attribute__((noinline)) warm_stack(void)
{
    volatile char area[96 * 1024];
    for (unsigned i = 0; i < sizeof area; i += PG)
        area[i] = 0;
}

int main(void)
{
    void *warm = malloc(16);        /* the allocator's own setup is not a leak */
    free(warm);
    warm_stack();
    printf("mman_api: start\n");
    uint64 baseline = free_frames();
    static void (*const suites[])(void) = {
        errno_rows_with_console_fds, bad_buffers_give_efault, fault_safe_copies,
        demand_paging_and_zero_page, populate_uses_2mib_leaves, fully_touched_block_becomes_2mib_leaf,
        copy_on_write, many_vmas, seed_calls,
    };
    for (unsigned i = 0; i < sizeof suites / sizeof suites[0]; i++) {
        uint64 before = free_frames();
        suites[i]();
        if (free_frames() != before)
            printf("suite %u: %ld frames not returned\n", i, (long)(before - free_frames()));
    }
    uint64 now = free_frames();
    CHECK(now == baseline);
    if (now != baseline)
        printf("free frames: %lu before, %lu after\n", baseline, now);
    printf("mman_api: %d failure(s)\n", failures);
    return failures != 0;
}
